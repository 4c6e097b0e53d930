"""Milvus's bundled standalone server on its own: in a module apart from the contract classes' shared server,
because two servers from the milvus 2.3.5 wheel on one machine did not start side by side (the second gave up
within its 240 s start-up; the metrics port is now free per server, another fixed port is still shared)."""

import pytest

from adapters.base import UnsupportedFeature
from adapters.milvus import MilvusAdapter
from vectorscout.contract.metric import Metric


def test_the_bundled_server_is_milvus_itself_measured_on_loopback_and_stopped_with_its_tree(tmp_path):
    """uri=bundled starts the milvus wheel's standalone binary (not Lite), says so in its version, refuses what
    2.3.5 cannot do with one line each, and leaves no process once closed."""
    import numpy as np
    import psutil

    assert MilvusAdapter.measured_where({"uri": "bundled"}) == ("server", "loopback")
    assert MilvusAdapter.measured_where({}) == ("embedded", "in-process")
    with MilvusAdapter(tmp_path, {"uri": "bundled"}) as db:
        members = [psutil.Process(pid) for pid in db.server_process_ids()]
        assert any("standalone" in process.cmdline() for process in members), [p.cmdline() for p in members]
        assert db.versions().engine.startswith("Milvus 2.3.5 standalone (Knowhere/segcore; server v2.3.5")
        assert "Lite" not in db.versions().engine and db.own_text_search() is None
        with pytest.raises(UnsupportedFeature, match="no BM25 function"):
            db.keyword_search("river", 10)
        with pytest.raises(UnsupportedFeature, match="cannot build a diskann index"):
            db.create_collection("disk_graph", 16, Metric.L2, "diskann", {})
        with pytest.raises(UnsupportedFeature, match="no hnsw_sq8 index"):
            db.create_collection("int8_graph", 16, Metric.L2, "hnsw_sq8", {})
        db.create_collection("sized", 32, Metric.L2, "flat", {})
        rows = np.random.default_rng(1).standard_normal((20000, 32)).astype(np.float32)
        for start in range(0, len(rows), 5000):
            db.insert(np.arange(start, start + 5000), rows[start:start + 5000])
        db.wait_until_indexed()
        # from first principles: the segments hold the raw float32 vectors and their int64 ids, a FLAT index
        # another copy of the vectors; etcd and the message log are the service's, not the collection's
        raw = rows.nbytes
        assert raw + 20000 * 8 <= (db.disk_bytes() or 0) <= 2.5 * raw + 20000 * 8, (db.disk_bytes(), raw)
    gone, alive = psutil.wait_procs(members, timeout=30)
    assert alive == [], [p.cmdline() for p in alive]


def test_cancel_during_the_bundled_servers_run_keeps_the_run_and_stops_the_server():
    import psutil

    from vectorscout.benchmarking.plan import RunPlan
    from vectorscout.benchmarking.runner import execute
    from vectorscout.benchmarking.specs import parse_engines
    from vectorscout.process.progress import CancelToken
    from vectorscout.results.store import ResultsStore

    def standalone_servers() -> set[int]:
        return {p.pid for p in psutil.process_iter(["cmdline"]) if (p.info["cmdline"] or [])[-2:] == ["run", "standalone"]}

    before, token = standalone_servers(), CancelToken()
    seen: set[int] = set()

    def cancel_once_inserting(event):
        if event.stage == "insert" and 0 < event.done < event.total:
            seen.update(standalone_servers() - before)
            token.cancel()

    plan = RunPlan(dataset="synthetic:n=40000,dim=32,queries=10", engines=parse_engines("milvus:uri=bundled"), k=10,
                   batch_size=500)
    run = execute(plan, ResultsStore(), cancel=token, progress=cancel_once_inserting)
    assert run.status == "cancelled" and [r.status for r in run.results] == ["cancelled"]
    assert seen, "the bundled server was not running while the rows went in"
    _, alive = psutil.wait_procs([psutil.Process(pid) for pid in seen if psutil.pid_exists(pid)], timeout=30)
    assert alive == []
