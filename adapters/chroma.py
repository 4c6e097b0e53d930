"""Chroma: embedded (a ``PersistentClient`` on a private directory), Chroma's own server started on loopback
for the run (``url=bundled``: ``chroma run``, which ships in the chromadb wheel), or a server by URL; HNSW
configured per collection. The same engine measured embedded and as a server, side by side.

Chroma's default embedding function downloads a model, so every collection is created with
``embedding_function=None`` and always receives our own vectors.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import numpy as np

from adapters.base import (
    AdapterError,
    Capabilities,
    EngineUnavailable,
    EngineVersions,
    IndexSpec,
    SearchHits,
    UnsupportedFeature,
    VectorAdapter,
    as_float32_matrix,
    package_version,
    payload_rows,
)
from vectorscout.contract.filters import Bound, Filter, Scalar, translate
from vectorscout.contract.metric import Metric
from vectorscout.contract.params import Param
from vectorscout.process.lifetime import die_with_parent
from vectorscout.redaction import mask_url

BUNDLED = "bundled"  # the url value that starts Chroma's own server on loopback for the run
SERVER_START_S = 60.0

HNSW = IndexSpec(
    "hnsw",
    build_params=(
        Param("max_neighbors", int, 16, "graph degree (HNSW M)", 2, 128, sweep=(8, 16, 32)),
        Param("ef_construction", int, 100, "candidate list while building", 8, 2048, sweep=(100, 200, 400)),
    ),
    search_params=(
        Param("ef_search", int, 100, "candidate list per query: higher is slower and more exact", 1, 4096,
              sweep=(16, 32, 64, 128, 256, 512)),
    ),
    description="Chroma's HNSW index (hnswlib inside the Rust core)",
)


class _ChromaWhere:
    """Chroma's ``where`` documents."""

    OPERATORS: ClassVar[dict[str, str]] = {">": "$gt", ">=": "$gte", "<": "$lt", "<=": "$lte"}

    def combine(self, operator: str, parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
        return {f"${operator}": list(parts)}

    def equals(self, field: str, value: Scalar) -> dict[str, Any]:
        return {field: {"$eq": value}}

    def one_of(self, field: str, values: tuple[Scalar, ...]) -> dict[str, Any]:
        return {field: {"$in": list(values)}}

    def bounded(self, field: str, bounds: list[Bound]) -> dict[str, Any]:
        clauses = [{field: {self.OPERATORS[op]: bound}} for op, bound in bounds]
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def where_clause(tree: Filter) -> dict[str, Any]:
    """The engine-neutral filter as a Chroma ``where`` document."""
    return translate(tree, _ChromaWhere())


class ChromaAdapter(VectorAdapter):
    name = "chroma"
    display_name = "Chroma"
    capabilities = Capabilities(
        metrics=frozenset(Metric),
        index_types=(HNSW,),
        filtering=True,
        thread_safe=True,
        embedded=True,
    )
    colour = "#EF553B"
    what_runs = (
        "embedded: Chroma's Rust core in this process (chromadb wheel)",
        "url=bundled: Chroma's own server (`chroma run` from the same wheel) on loopback",
        'url=URL: a Chroma server',
    )
    requirements: ClassVar[Mapping[str, str]] = {"chromadb": "chromadb==1.5.9"}
    server_params: ClassVar[tuple[str, ...]] = ("url",)
    connection_params: ClassVar[tuple[Param, ...]] = (
        Param("url", str, "", f"empty: embedded; '{BUNDLED}': Chroma's own server (chroma run) started on loopback "
                              "for the run; or a Chroma server URL such as http://127.0.0.1:8000"),
    )

    @classmethod
    def measured_where(cls, connection: Mapping[str, Any] | None = None) -> tuple[str, str]:
        if cls.coerce_connection(connection or {}).get("url") == BUNDLED:
            return "server", "loopback"
        return super().measured_where(connection)

    def open(self) -> None:
        self._path = self.workdir / "chroma"
        self._server: subprocess.Popen[bytes] | None = None
        url = str(self.connection.get("url") or "")
        self._address = self._start_server() if url == BUNDLED else url or None
        self._connect()
        self._collection: Any = None
        self._inserted = 0

    def _start_server(self) -> str:
        """Chroma's own server on a free loopback port, dying with this process whatever ends it."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        self._path.mkdir(parents=True, exist_ok=True)
        executable = Path(sys.executable).with_name("chroma")
        command = [str(executable) if executable.exists() else "chroma", "run", "--path", str(self._path),
                   "--host", "127.0.0.1", "--port", str(port)]
        log = (self.workdir / "chroma-server.log").open("wb")
        parent = os.getpid()
        self._server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        preexec_fn=lambda: die_with_parent(parent))
        address = f"http://127.0.0.1:{port}"
        chromadb = self.import_engine("chromadb")
        deadline = time.monotonic() + SERVER_START_S
        while True:
            try:
                chromadb.HttpClient(host="127.0.0.1", port=port,
                                    settings=chromadb.Settings(anonymized_telemetry=False)).heartbeat()
                return address
            except Exception:
                if self._server.poll() is not None or time.monotonic() > deadline:
                    self._stop_server()
                    tail = (self.workdir / "chroma-server.log").read_text(errors="replace").strip()[-500:]
                    raise EngineUnavailable(f"Chroma's server (chroma run) did not start within {SERVER_START_S:.0f} s: "
                                            f"{tail or 'no output'}") from None
                time.sleep(0.2)

    def _stop_server(self) -> None:
        if self._server is not None:
            self._server.terminate()
            try:
                self._server.wait(10)
            except subprocess.TimeoutExpired:
                self._server.kill()
                self._server.wait(10)
            self._server = None

    def _connect(self) -> None:
        chromadb = self.import_engine("chromadb")
        settings = chromadb.Settings(anonymized_telemetry=False, allow_reset=True)
        if self._address is None:
            self._path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(path=str(self._path), settings=settings)
            return
        parts = urlsplit(self._address)
        try:
            self._client = chromadb.HttpClient(host=parts.hostname or "127.0.0.1", port=parts.port or 8000,
                                               ssl=parts.scheme == "https", settings=settings)
            self._client.heartbeat()
        except Exception as exc:
            raise EngineUnavailable(f"Chroma at {mask_url(self._address)} does not answer: "
                                    f"{type(exc).__name__}") from None

    def close(self) -> None:
        self._collection = None
        self._stop_server()

    def disk_bytes(self) -> int | None:
        # a server by URL keeps its files out of view; embedded and the bundled server write under workdir
        return super().disk_bytes() if self._address is None or self._server is not None else None

    def server_process_ids(self) -> list[int]:
        return [self._server.pid] if self._server is not None else []

    def create_collection(
        self, name: str, dim: int, metric: Metric, index: str, build_params: Mapping[str, Any]
    ) -> None:
        if len(name) < 3:
            raise AdapterError("Chroma collection names need at least 3 characters")
        if self._client is None:  # dropped before: a fresh database in the same folder
            self._connect()
        self.begin_collection(name, dim, metric, index, build_params)
        configuration = {
            "hnsw": {
                "space": metric.value,
                "max_neighbors": int(build_params["max_neighbors"]),
                "ef_construction": int(build_params["ef_construction"]),
                "ef_search": int(self.state.search_params["ef_search"]),  # the declared default, as in the state
            }
        }
        self._collection = self._client.create_collection(
            name, configuration=configuration, embedding_function=None
        )
        self._inserted = 0

    def insert(
        self, ids: np.ndarray, vectors: np.ndarray, payloads: Mapping[str, np.ndarray] | None = None
    ) -> None:
        if self._collection is None:
            raise AdapterError("create_collection must come before insert")
        matrix = as_float32_matrix(vectors, self.state.dim)
        metadatas = payload_rows(payloads, len(matrix)) if payloads else None
        id_strings = [str(i) for i in np.asarray(ids).tolist()]
        step = self._client.get_max_batch_size()
        for start in range(0, len(matrix), step):
            end = start + step
            self._collection.add(
                ids=id_strings[start:end],
                embeddings=matrix[start:end],
                metadatas=metadatas[start:end] if metadatas else None,
            )
        self._inserted += len(matrix)

    def wait_until_indexed(self) -> None:
        # Local Chroma applies writes to its HNSW index inside add(); it has no indexing status to poll
        # (get_indexing_status is not implemented locally). What remains is to confirm every write landed.
        stored = self._collection.count()
        if stored != self._inserted:
            raise AdapterError(f"Chroma holds {stored} vectors after {self._inserted} were inserted")

    def pin_search_threads(self) -> str:
        return ("engine default: Chroma's own thread count, hnsw:num_threads=default (it splits a batch of queries, "
                "and a single-vector query is searched on one thread)")

    def set_search_params(self, params: Mapping[str, Any]) -> None:
        changed = "ef_search" in params and int(params["ef_search"]) != int(self.state.search_params.get("ef_search", -1))
        self.state.search_params = dict(params)
        if changed:
            self._collection.modify(configuration={"hnsw": {"ef_search": int(params["ef_search"])}})
            # Chroma 1.5 stores the new ef_search but keeps searching the loaded index with the old one until
            # the collection is loaded anew (measured: recall 0.605 before and after modify from 16 to 512 on
            # 3,000 random 32-d vectors, 0.997 once reopened). So reopen, then search.
            # Chroma's server does the same: the bundled one is restarted on its folder (it loads the index anew);
            # a server by URL cannot be, so a sweep there is refused rather than measured at the wrong value.
            if self._server is not None:
                self._stop_server()
                self._address = self._start_server()
            elif self._address is not None:
                raise UnsupportedFeature("a Chroma server by URL keeps searching with the ef_search it loaded; sweep "
                                         f"ef_search with url={BUNDLED} (or embedded), or give one value")
            self._client.close()
            self._connect()
            self._collection = self._client.get_collection(self.state.name)

    def engine_search_params(self) -> dict[str, Any] | None:
        # the collection's configuration as Chroma stores it, fetched anew
        configuration = self._client.get_collection(self.state.name).configuration
        return {"ef_search": int(configuration["hnsw"]["ef_search"])}

    def search(self, vector: np.ndarray, k: int, filter: Filter | None = None) -> SearchHits:
        return self.search_batch(vector.reshape(1, -1), k, filter)[0]

    def search_batch(self, vectors: np.ndarray, k: int, filter: Filter | None = None) -> list[SearchHits]:
        matrix = as_float32_matrix(vectors, self.state.dim)
        result = self._collection.query(
            query_embeddings=matrix,
            n_results=k,
            where=where_clause(filter) if filter is not None else None,
            include=["distances"],
        )
        return [
            SearchHits(np.asarray(ids, dtype=np.int64), np.asarray(distances, dtype=np.float32))
            for ids, distances in zip(result["ids"], result["distances"])
        ]

    def delete(self, ids: np.ndarray) -> None:
        id_strings = [str(i) for i in np.asarray(ids).tolist()]
        self._collection.delete(ids=id_strings)
        self._inserted -= len(id_strings)

    def count(self) -> int:
        return 0 if self._collection is None else int(self._collection.count())

    def drop(self) -> None:
        if self._collection is not None:
            self._client.delete_collection(self.state.name)
            self._collection = None
        if getattr(self, "_client", None) is not None and self._address is None:
            self._client.reset()
            self._client.close()  # releases Chroma's cached system, so a later connect opens a fresh database
            self._client = None
            # A reset leaves the directory; remove it so disk use is not counted twice.
            shutil.rmtree(self._path, ignore_errors=True)

    def versions(self) -> EngineVersions:
        version = package_version("chromadb")
        if self._address is None:
            return EngineVersions(engine=f"chroma {version} (embedded)", client=f"chromadb {version}")
        where = "own server on loopback" if self._server is not None else f"server at {mask_url(self._address)}"
        return EngineVersions(engine=f"chroma {self._client.get_version()} ({where})", client=f"chromadb {version}")
