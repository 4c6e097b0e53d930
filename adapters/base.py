"""The adapter contract every engine implements, and the capability flags it declares.

Build parameters (fixed when the index is built) and search parameters (changed between query batches)
are declared apart, so the runner can build one index and sweep it over many search settings.
Engine libraries are imported inside ``open()``, never at module import, so that the dashboard can read
every adapter's capabilities without loading seven engines.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any, ClassVar, Protocol

import numpy as np

from vectorscout.contract.filters import Filter
from vectorscout.contract.metric import Metric
from vectorscout.contract.params import Param, ParamError


class AdapterError(RuntimeError):
    """An engine-side failure, with a message that says what went wrong."""


class EngineUnavailable(AdapterError):
    """The engine's Python package is missing, or its server does not answer."""


class UnsupportedFeature(AdapterError):
    """The caller asked for something the adapter's capabilities do not include."""


@dataclass(frozen=True)
class IndexSpec:
    """One index type an engine offers, with its build and search parameter spaces."""

    name: str
    build_params: tuple[Param, ...] = ()
    search_params: tuple[Param, ...] = ()
    exact: bool = False
    description: str = ""

    def build_defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.build_params}

    def search_defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.search_params}


@dataclass(frozen=True)
class TextSearch:
    """An engine's own keyword ranking and its fusion of keyword and dense results (hybrid search)."""

    keyword: str  # how it ranks keywords, e.g. "BM25 over its full-text index (English stemming, stop words)"
    fusion: str  # how it combines the two lists, e.g. "reciprocal rank fusion in SQL"


class SparseEncoder(Protocol):
    """Keyword weights an engine without its own text analysis stores as sparse vectors (VectorScout's BM25)."""

    def encode_document(self, text: str) -> tuple[list[int], list[float]]: ...

    def encode_query(self, text: str) -> tuple[list[int], list[float]]: ...


# Reciprocal rank fusion's constant (score = sum of 1 / (RRF_K + rank)), the value of the RRF paper and of the
# engines' defaults; every engine and the application-side baseline fuse with it, so fusion is compared alike.
RRF_K = 60


@dataclass(frozen=True)
class Capabilities:
    metrics: frozenset[Metric]
    index_types: tuple[IndexSpec, ...]  # the first one is the default
    filtering: bool
    thread_safe: bool  # one client object may serve several threads; if not, concurrency uses processes
    embedded: bool  # can run inside the benchmark process with no server (given no server connection)
    # Not the engine itself but a stand-in for it (e.g. a client library's pure-Python imitation): measured
    # when asked for, never in the quick evaluation.
    stand_in: bool = False
    # Searches may run while another thread writes (a thread-safe client whose engine locks its own index).
    # FAISS searches in parallel but must not be written to meanwhile: it crashed (SIGSEGV) under a stream.
    writes_while_searching: bool = True
    # How the engine answers keyword and hybrid queries itself; None: it has no text search here, and VectorScout
    # measures it with its own BM25 and fusion in the application, so labelled.
    text_search: TextSearch | None = None

    def index(self, name: str | None) -> IndexSpec:
        if name is None:
            return self.index_types[0]
        for spec in self.index_types:
            if spec.name == name.lower():
                return spec
        allowed = ", ".join(s.name for s in self.index_types)
        raise ParamError(f"unknown index type {name!r}; this engine offers: {allowed}")


@dataclass(frozen=True, slots=True)
class SearchHits:
    """Nearest neighbours of one query: ids in rank order and the engine's own scores."""

    ids: np.ndarray
    scores: np.ndarray


@dataclass(frozen=True)
class EngineVersions:
    engine: str
    client: str


def is_loopback(url: str) -> bool:
    """True for a URL whose host is this machine (localhost, 127.0.0.0/8, ::1) or a local socket path."""
    import ipaddress
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url if "://" in url else f"//{url}").hostname or ""
    except ValueError:
        return False
    if host in ("", "localhost") or host.startswith("/"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def package_version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


@dataclass
class AdapterState:
    """What an open adapter knows about its collection."""

    name: str = ""
    dim: int = 0
    metric: Metric = Metric.COSINE
    index: str = ""
    build_params: dict[str, Any] = field(default_factory=dict)
    search_params: dict[str, Any] = field(default_factory=dict)


def allocated_bytes(folder: Path) -> int:
    """What the files under ``folder`` occupy on disk (0 when it does not exist): allocated blocks, not apparent
    sizes, so preallocated, still-empty WAL files do not count."""
    return sum(p.stat().st_blocks * 512 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


class VectorAdapter(ABC):
    """The contract: ``with Adapter(workdir) as db: db.create_collection(...); db.insert(...); ...``."""

    name: ClassVar[str]
    display_name: ClassVar[str]
    capabilities: ClassVar[Capabilities]
    # Python import names the adapter needs, with the pip requirement that provides them.
    requirements: ClassVar[Mapping[str, str]]
    # Options that say where the engine lives (URLs, keys); empty for a purely embedded engine.
    connection_params: ClassVar[tuple[Param, ...]] = ()
    # Connection options that, when set, point the adapter at a server instead of its embedded engine.
    server_params: ClassVar[tuple[str, ...]] = ()
    # For engines that need a server: how to start one, shown wherever the engine is offered.
    server_hint: ClassVar[str] = ""
    # The embedded mode starts the real server on this machine (not an in-process build of the engine), so its
    # measurements stand for a server reached over loopback.
    embedded_is_server: ClassVar[bool] = False
    # What runs in the embedded mode where that is another engine than the server (Milvus Lite is a Python engine,
    # not Milvus): rows measured embedded are labelled with it, and count as evidence for embedded use only.
    embedded_product: ClassVar[str] = ""
    # (index, build parameter) of a product-quantized index whose sub-vector count must divide the dimension:
    # build_problem refuses another count before a run starts
    pq_subvectors: ClassVar[tuple[str, str] | tuple[()]] = ()
    # What actually runs, one line per way of connecting (engine, build, language): what you measure is what you
    # would deploy only where these say so.
    what_runs: ClassVar[tuple[str, ...]] = ()
    # The connection the quick evaluation measures the engine with (empty: its default), where the default is not
    # the engine itself and the engine runs on this machine with no set-up.
    quick_connection: ClassVar[Mapping[str, str]] = {}
    # The engine's colour in every chart, so a room reading several charts never re-learns the legend.
    colour: ClassVar[str] = "#7F7F7F"

    def __init__(self, workdir: Path, connection: Mapping[str, Any] | None = None) -> None:
        self.workdir = Path(workdir)
        self.connection = self.coerce_connection(connection or {})
        self.state = AdapterState()

    @classmethod
    def build_problem(cls, index: str, build_params: Mapping[str, Any], dim: int) -> str | None:
        """Why this index build cannot hold vectors of ``dim`` dimensions, said before a run starts rather than as
        a failed row after the data went in; None when it can."""
        if cls.pq_subvectors and index == cls.pq_subvectors[0]:
            name = cls.pq_subvectors[1]
            return subvectors_problem(name, build_params.get(name), dim)
        return None

    @classmethod
    def deployment(cls, connection: Mapping[str, Any] | None = None) -> str:
        """Where this engine runs with these connection options: "embedded" (inside the benchmark process or
        its own children) or "server" (reached over a connection, e.g. when a URL is given)."""
        given = cls.coerce_connection(connection or {})
        if not cls.capabilities.embedded or any(given.get(name) for name in cls.server_params):
            return "server"
        return "embedded"

    @classmethod
    def measured_where(cls, connection: Mapping[str, Any] | None = None) -> tuple[str, str]:
        """What a measurement with these connection options stands for: its deployment ("embedded" or
        "server") and how the client reached the engine ("in-process", "loopback" or "network")."""
        given = cls.coerce_connection(connection or {})
        if cls.deployment(given) == "embedded":
            return ("server", "loopback") if cls.embedded_is_server else ("embedded", "in-process")
        urls = [str(given[name]) for name in cls.server_params if given.get(name)]
        return "server", "loopback" if urls and all(is_loopback(url) for url in urls) else "network"

    @classmethod
    def clean_up_after_crash(cls) -> None:
        """Stop and remove what a killed benchmark worker of this engine left behind (servers it started,
        their files). Called by the parent after a worker died, timed out or passed its memory limit."""
        return None  # most engines leave nothing behind outside the worker's own work directory

    @classmethod
    def connection_env(cls, param: Param) -> str:
        """The environment variable a connection option is read from when not given, e.g. VECTORSCOUT_QDRANT_URL."""
        return f"VECTORSCOUT_{cls.name}_{param.name}".upper().replace("-", "_")

    @classmethod
    def coerce_connection(cls, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Connection options: given ones, else from the environment, else defaults."""
        known = {p.name: p for p in cls.connection_params}
        unknown = set(raw) - set(known)
        if unknown:
            allowed = ", ".join(known) or "none"
            raise ParamError(f"{cls.name}: unknown connection option(s) {', '.join(sorted(unknown))}; allowed: {allowed}")
        values = {}
        for param in cls.connection_params:
            given = raw.get(param.name, os.environ.get(cls.connection_env(param)))
            values[param.name] = param.default if given in (None, "") else param.coerce(given)
        return values

    @classmethod
    def import_engine(cls, module: str) -> ModuleType:
        """Import an engine package, turning a missing one into a message with the install command."""
        try:
            return importlib.import_module(module)
        except ImportError as exc:
            requirement = cls.requirements.get(module, module)
            raise EngineUnavailable(
                f"{cls.display_name} needs the Python package {requirement!r} ({exc}); "
                f"install it with: .venv/bin/pip install '{requirement}'"
            ) from exc

    def __enter__(self) -> VectorAdapter:
        self.open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- lifecycle ---------------------------------------------------------------------------
    @abstractmethod
    def open(self) -> None:
        """Connect to (or start) the engine."""

    @abstractmethod
    def close(self) -> None:
        """Release the engine; must be safe to call twice."""

    # -- collection ---------------------------------------------------------------------------
    @abstractmethod
    def create_collection(
        self, name: str, dim: int, metric: Metric, index: str, build_params: Mapping[str, Any]
    ) -> None:
        """Create an empty collection with the given index type and (already validated) build parameters."""

    @abstractmethod
    def insert(
        self, ids: np.ndarray, vectors: np.ndarray, payloads: Mapping[str, np.ndarray] | None = None
    ) -> None:
        """Insert one batch: int64 ids, float32 vectors (n, dim), payload columns of length n."""

    @abstractmethod
    def wait_until_indexed(self) -> None:
        """Return once the index is built and queries run against it (timed apart from insert)."""

    @abstractmethod
    def set_search_params(self, params: Mapping[str, Any]) -> None:
        """Apply search-time parameters to the existing index."""

    def pin_search_threads(self) -> str:
        """Before timed searches: hold the engine's own per-query threads to one where the engine lets us (each
        query is then measured alone; concurrency comes from client threads, never multiplied by an engine
        pool) and say what was set. This default sets nothing and says so."""
        return "engine default: no per-query thread setting is exposed"

    def engine_search_params(self) -> dict[str, Any] | None:
        """The search settings as the engine itself reports them (read back, not remembered), so a test can
        prove that ``set_search_params`` reached the engine; None for engines that take them with each query."""
        return None

    @abstractmethod
    def search(self, vector: np.ndarray, k: int, filter: Filter | None = None) -> SearchHits:
        """The k nearest neighbours of one float32 vector, optionally restricted by a filter."""

    def search_batch(self, vectors: np.ndarray, k: int, filter: Filter | None = None) -> list[SearchHits]:
        """Many queries; engines with a native batch call override this."""
        return [self.search(vector, k, filter) for vector in vectors]

    def index_bytes(self) -> int | None:
        """Bytes of what the engine searches in memory (its index and the vectors or codes that index holds), as
        the engine's own structures or files report them; None where the adapter cannot read it. Unlike the
        worker's RSS, it does not count the allocator's retained pages or the adapter's temporary copies."""
        return None

    def delete(self, ids: np.ndarray) -> None:
        """Remove these ids from the collection and its index: later searches must not return them. Adapters
        of engines that can delete override this; the others say why they cannot."""
        raise UnsupportedFeature(f"VectorScout's {self.display_name} adapter does not delete vectors")

    # -- text: keyword and hybrid search (engines whose capabilities declare text_search) ----------------
    def own_text_search(self) -> TextSearch | None:
        """How this opened adapter ranks keywords and fuses by itself: the class's declaration, unless the engine
        it reached has no text search (an older server); None means VectorScout's own BM25 and fusion."""
        return self.capabilities.text_search

    def create_text_collection(self, name: str, dim: int, metric: Metric, index: str, build_params: Mapping[str, Any],
                               encoder: SparseEncoder) -> None:
        """A collection holding a text per vector beside it, with the engine's keyword index; search() then
        searches its vectors. encoder gives BM25 weights to engines that store keywords as sparse vectors."""
        raise UnsupportedFeature(f"VectorScout's {self.display_name} adapter has no text search")

    def insert_texts(self, ids: np.ndarray, vectors: np.ndarray, texts: Sequence[str]) -> None:
        """Rows of a text collection: each id's vector and text."""
        raise UnsupportedFeature(f"VectorScout's {self.display_name} adapter has no text search")

    def keyword_search(self, text: str, k: int) -> SearchHits:
        """The k best rows for a keyword query, by the engine's own keyword ranking (fewer when fewer match)."""
        raise UnsupportedFeature(f"VectorScout's {self.display_name} adapter has no text search")

    def hybrid_search(self, vector: np.ndarray, text: str, k: int, depth: int) -> SearchHits:
        """The engine's fusion of its dense and keyword top-`depth` lists (reciprocal rank fusion, RRF_K)."""
        raise UnsupportedFeature(f"VectorScout's {self.display_name} adapter has no text search")

    @abstractmethod
    def count(self) -> int:
        """Number of vectors stored in the collection."""

    @abstractmethod
    def drop(self) -> None:
        """Delete the collection and its files; must be safe when nothing was created."""

    @abstractmethod
    def versions(self) -> EngineVersions:
        """Engine and client versions, recorded with every result."""

    def disk_bytes(self) -> int | None:
        """Bytes the collection occupies on disk, measured after indexing.

        Embedded engines write under the adapter's private work directory, so its size is theirs; engines
        that keep data elsewhere (a database server) override this, in-memory libraries return None.
        """
        return allocated_bytes(self.workdir)

    def server_process_ids(self) -> list[int]:
        """Processes outside the client's own process tree whose memory belongs to this engine.

        The bundled PostgreSQL server is one (pg_ctl detaches it from the process that started it). Engines
        running inside the client process, or in its child processes, or on a remote server have none.
        """
        return []

    def reopen_in_child(self) -> None:
        """Make a forked client process ready to query (concurrency by processes).

        A forked child holds a copy-on-write copy of an in-process index, which it can search as it is: so
        for those engines there is nothing to do. Adapters holding a network connection override this to open
        their own connection, never using (or closing) the one the parent still owns.
        """
        if self.deployment(self.connection) == "server":
            raise UnsupportedFeature(f"{self.display_name} talks to a server over a connection a forked client "
                                     "cannot share; its adapter must open its own connection for concurrency by processes")

    def remote_connection(self) -> dict[str, Any] | None:
        """Connection options with which another process, possibly on another machine, reaches this
        collection (for distributed load); None for engines that live inside this process."""
        return None

    def attach_collection(self, name: str, dim: int, metric: Metric, index: str, search_params: Mapping[str, Any]) -> None:
        """Query a collection that another process created and indexed (a distributed-load client)."""
        if self.remote_connection() is None:
            raise UnsupportedFeature(f"{self.display_name} lives inside one process: no other process can attach to it")
        self.state.name, self.state.dim, self.state.metric, self.state.index = name, dim, metric, index
        self.set_search_params(search_params)

    # -- helpers shared by adapters -------------------------------------------------------------
    def begin_collection(
        self, name: str, dim: int, metric: Metric, index: str, build_params: Mapping[str, Any]
    ) -> IndexSpec:
        """The common start of create_collection: check metric and index type, record the collection."""
        self.check_metric(metric)
        spec = self.capabilities.index(index)
        self.state.name, self.state.dim, self.state.metric, self.state.index = name, dim, metric, spec.name
        self.state.build_params = dict(build_params)
        self.state.search_params = spec.search_defaults()
        return spec

    def query_vector(self, vector: np.ndarray) -> np.ndarray:
        """One query as a 1-D float32 vector of the collection's dimension."""
        query = np.asarray(vector, dtype=np.float32)
        if query.shape != (self.state.dim,):
            raise AdapterError(f"query has shape {query.shape}, the collection expects ({self.state.dim},)")
        return query

    def check_filter(self, filter: Filter | None) -> None:
        if filter is not None and not self.capabilities.filtering:
            raise UnsupportedFeature(f"{self.display_name} cannot filter")

    def check_metric(self, metric: Metric) -> None:
        if metric not in self.capabilities.metrics:
            allowed = ", ".join(sorted(m.value for m in self.capabilities.metrics))
            raise UnsupportedFeature(f"{self.display_name} does not support metric {metric.value}; it offers {allowed}")


def subvectors_problem(name: str, value: Any, dim: int) -> str | None:
    """A product quantizer splits each vector into ``value`` sub-vectors of equal length: they must divide the
    dimension (None when they do, or when the engine chooses them)."""
    if not value or dim % int(value) == 0:
        return None
    divisors = ", ".join(str(d) for d in range(1, dim + 1) if dim % d == 0 and d <= 64)
    return f"{name}={value} does not divide the dimension {dim}; choose a divisor such as {divisors}"


def payload_rows(payloads: Mapping[str, np.ndarray] | None, n: int) -> list[dict[str, Any]]:
    """Columnar payloads as one plain-Python dict per row (what most client libraries take)."""
    if not payloads:
        return [{} for _ in range(n)]
    columns = {name: np.asarray(values).tolist() for name, values in payloads.items()}
    return [{name: column[i] for name, column in columns.items()} for i in range(n)]


def as_float32_matrix(vectors: np.ndarray, dim: int) -> np.ndarray:
    matrix = np.ascontiguousarray(vectors, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[1] != dim:
        raise AdapterError(f"vectors have shape {matrix.shape}, the collection expects (n, {dim})")
    return matrix


def hits_from(ids: Iterable[Any], scores: Iterable[float], count: int) -> SearchHits:
    """SearchHits from the parallel id and score iterables an engine's result objects give."""
    return SearchHits(np.fromiter(ids, dtype=np.int64, count=count), np.fromiter(scores, dtype=np.float32, count=count))
