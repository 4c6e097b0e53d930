"""Small helpers shared by tests."""

import socket
from pathlib import Path

from adapters.base import Capabilities
from adapters.faiss import FaissAdapter


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class NoFilterFaiss(FaissAdapter):
    """The real FAISS engine declaring no filter support, to test how the runner treats such engines."""

    name = "nofilter"
    display_name = "FAISS without filters"
    capabilities = Capabilities(**{**FaissAdapter.capabilities.__dict__, "filtering": False})


def make_format_samples(folder: Path) -> dict[str, Path]:
    """One small valid file (or zipped folder) per import format, made here: format -> path."""
    import json
    import zipfile

    import h5py
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)
    folder.mkdir(parents=True, exist_ok=True)

    def vecs(path: Path, matrix: np.ndarray, dtype: type) -> None:
        head = np.array([matrix.shape[1]], dtype=np.int32).tobytes()
        path.write_bytes(b"".join(head + np.asarray(row, dtype=dtype).tobytes() for row in matrix))

    def zipped(name: str, files: dict[str, bytes]) -> Path:
        archive = folder / f"{name}.zip"
        with zipfile.ZipFile(archive, "w") as z:
            for member, data in files.items():
                z.writestr(f"{name}/{member}", data)
        return archive

    samples: dict[str, Path] = {}
    with h5py.File(folder / "set.hdf5", "w") as f:
        f["train"], f["test"] = rng.standard_normal((120, 8)), rng.standard_normal((6, 8))
        f.attrs["distance"] = "euclidean"
    samples["hdf5"] = folder / "set.hdf5"
    np.savez(folder / "set.npz", base=rng.standard_normal((100, 8)), queries=rng.standard_normal((5, 8)))
    samples["npz"] = folder / "set.npz"
    np.save(folder / "set.npy", rng.standard_normal((100, 8)))
    samples["npy"] = folder / "set.npy"
    frame = pd.DataFrame({"emb": list(rng.standard_normal((80, 8)).astype(np.float32)), "tag": np.arange(80) % 4})
    frame.to_parquet(folder / "set.parquet")
    samples["parquet"] = folder / "set.parquet"
    pd.DataFrame({"vector": [" ".join(map(str, r)) for r in rng.standard_normal((80, 8))], "tag": range(80)}).to_csv(
        folder / "set.csv", index=False)
    samples["csv"] = folder / "set.csv"
    (folder / "lines.txt").write_text("\n".join(f"a short line of text number {i}" for i in range(30)))
    samples["texts"] = folder / "lines.txt"
    tex = {}
    for member, matrix, dtype in (("x_base.fvecs", rng.standard_normal((90, 4)), np.float32),
                                  ("x_query.fvecs", rng.standard_normal((5, 4)), np.float32)):
        vecs(folder / member, matrix, dtype)
        tex[member] = (folder / member).read_bytes()
    samples["texmex"] = zipped("texmex", tex)
    buffers = {}
    for member, table in (("train-0.parquet", pd.DataFrame({"id": range(60), "emb": list(rng.standard_normal((60, 8)))})),
                          ("test.parquet", pd.DataFrame({"id": range(4), "emb": list(rng.standard_normal((4, 8)))}))):
        table.to_parquet(folder / member)
        buffers[member] = (folder / member).read_bytes()
    samples["vectordbbench"] = zipped("vdb", buffers)
    corpus = "\n".join(json.dumps({"_id": f"d{i}", "title": "", "text": f"document about subject {i}"}) for i in range(12))
    queries = "\n".join(json.dumps({"_id": f"q{i}", "text": f"subject {i}"}) for i in range(3))
    samples["beir"] = zipped("beir", {"corpus.jsonl": corpus.encode(), "queries.jsonl": queries.encode(),
                                      "qrels/test.tsv": b"query-id\tcorpus-id\tscore\nq0\td0\t1\nq1\td1\t1\nq2\td2\t1\n"})
    return samples


def wait_for_job(job_id: str, timeout_s: float = 300, until: str = "ended"):
    """Wait on the store, not the clock: until the queued job has ended (or, with until="running", has a
    stage under way); fails with the entry when the time runs out. Returns the entry."""
    import time

    from vectorscout.benchmarking.run_queue import RunQueue
    from vectorscout.results.store import ResultsStore

    queue = RunQueue(ResultsStore())
    deadline = time.monotonic() + timeout_s
    while True:
        queue.reap()  # a worker that died ends its entry as interrupted, not running forever
        entry = queue.get(job_id)
        if (not entry.active) if until == "ended" else (entry.state == "running" and entry.progress.engine_number > 0):
            return entry
        assert time.monotonic() < deadline, entry
        time.sleep(0.2)


def spawned_workers():
    """This process's live engine workers: the processes multiprocessing's fork server forked for it (the server's
    own children); a child that has just ended and not yet been reaped (a zombie) is not one."""
    import psutil

    found = []
    for child in psutil.Process().children():
        try:
            if "forkserver" in " ".join(child.cmdline()):
                found += [worker for worker in child.children() if worker.status() != psutil.STATUS_ZOMBIE]
        except psutil.Error:  # ended meanwhile, or a zombie
            continue
    return found


def index_bytes_per_vector(engine: str, folder: Path, indexes: tuple[str, ...], base, build: dict | None = None):
    """Each index type of the engine built over the same vectors: the bytes per vector its adapter reports it
    searches in memory (adapter.index_bytes), by index type."""
    import numpy as np

    from adapters.registry import adapter_class
    from vectorscout.benchmarking.specs import engine_config
    from vectorscout.contract.metric import Metric

    per_vector = {}
    for index in indexes:
        config = engine_config(engine, {"index": index})
        with adapter_class(engine)(folder / index) as db:
            db.create_collection(f"size_{index}", base.shape[1], Metric.L2, index, {**config.build_params, **(build or {})})
            db.insert(np.arange(len(base)), base)
            db.wait_until_indexed()
            per_vector[index] = db.index_bytes() / len(base)
    return per_vector



def open_page(page: str):
    """A page of the dashboard through its router, in Streamlit's AppTest, run once without an exception."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=120).run()
    if page != "views/home.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def noisy_job(crash: bool, report, stop) -> str:
    """A worker job that writes as engines do: Python's stderr, the raw file descriptor (C libraries), stdout."""
    import os
    import sys

    print("engine traceback on stderr", file=sys.stderr, flush=True)
    os.write(2, b"E1205 grpc core line on fd 2\n")
    print("engine chatter on stdout", flush=True)
    if crash:
        os._exit(3)
    return "value"


def changed_copy(document: dict, path: tuple, value, delete=None) -> dict:
    """A deep copy of a nested document with the entry at ``path`` set to ``value`` (removed when ``value`` is
    the ``delete`` marker): one rule broken at a time."""
    import copy

    changed = copy.deepcopy(document)
    node = changed
    for key in path[:-1]:
        node = node[key]
    if value is delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return changed


def faiss_hnsw_of(dataset, workdir):
    """FAISS HNSW (M=4: recall well below 1 at low effort) opened in this process over the dataset, indexed; the
    adapter and the index's declaration. The caller closes it."""
    import numpy as np

    from adapters.registry import adapter_class

    db = adapter_class("faiss")(workdir)
    db.open()
    spec = adapter_class("faiss").capabilities.index("hnsw")
    db.create_collection("tune", dataset.dim, dataset.metric, "hnsw", {**spec.build_defaults(), "M": 4})
    db.insert(np.arange(dataset.n, dtype=np.int64), dataset.base, dataset.payloads)
    db.wait_until_indexed()
    return db, spec
