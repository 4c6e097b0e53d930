"""LanceDB: embedded on a private directory by default, or a remote LanceDB URI (``db://...``) with a key.

The table is created with the first batch (LanceDB takes its schema from the data); vector and scalar
indexes are built after loading, which is the timed index stage. Filters are pre-filters.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from adapters.base import (
    RRF_K,
    AdapterError,
    Capabilities,
    EngineUnavailable,
    EngineVersions,
    IndexSpec,
    SearchHits,
    SparseEncoder,
    TextSearch,
    VectorAdapter,
    as_float32_matrix,
    package_version,
)
from vectorscout.contract.filters import Bound, Filter, Scalar, translate
from vectorscout.contract.metric import Metric
from vectorscout.contract.params import Param

NO_INDEX = IndexSpec("none", exact=True, description="no vector index: an exact scan")
IVF_PQ = IndexSpec(
    "ivf_pq",
    build_params=(
        Param("num_partitions", int, 64, "IVF clusters", 1, 65536, sweep=(16, 64, 256)),
        Param("num_sub_vectors", int, 16, "PQ sub-vectors (must divide the dimension)", 1, 4096, sweep=(8, 16, 32)),
    ),
    search_params=(
        Param("nprobes", int, 20, "partitions scanned per query", 1, 65536, sweep=(1, 5, 20, 50, 100)),
        Param("refine_factor", int, 1, "re-rank refine_factor*k candidates with full vectors (1 = off)", 1, 100,
              sweep=(1, 5, 10)),
    ),
    description="IVF with product quantization (lossy; refine_factor re-ranks)",
)
IVF_HNSW_SQ = IndexSpec(
    "ivf_hnsw_sq",
    build_params=(
        Param("num_partitions", int, 1, "IVF partitions, each with an HNSW graph", 1, 65536, sweep=(1, 4, 16)),
        Param("m", int, 20, "graph degree", 4, 128, sweep=(8, 16, 32)),
        Param("ef_construction", int, 300, "candidate list while building", 8, 2048, sweep=(100, 200, 300)),
    ),
    search_params=(
        Param("ef", int, 64, "candidate list per query", 1, 4096, sweep=(16, 32, 64, 128, 256, 512)),
        Param("nprobes", int, 1, "partitions searched per query", 1, 65536, sweep=(1, 4, 16)),
    ),
    description="IVF partitions with HNSW graphs over scalar-quantized vectors",
)
# RaBitQ (https://lancedb.github.io/lancedb/python/python/#lancedb.index.IvfRq): num_bits per dimension of a
# randomly rotated vector, with an error bound that re-ranking uses; d/8 bytes per vector at one bit.
IVF_RQ = IndexSpec(
    "ivf_rq",
    build_params=(
        Param("num_partitions", int, 64, "IVF clusters", 1, 65536, sweep=(16, 64, 256)),
        Param("num_bits", int, 1, "bits per dimension of the RaBitQ code", 1, 8),
    ),
    search_params=IVF_PQ.search_params,
    description="IVF with RaBitQ codes (num_bits per dimension; refine_factor re-ranks by the full vectors)",
)
DISTANCES: dict[Metric, Any] = {Metric.L2: "l2", Metric.COSINE: "cosine", Metric.IP: "dot"}


def _hits(result: Any, score_column: str) -> SearchHits:
    """SearchHits from an Arrow result: its ids and the score column the query kind gives."""
    return SearchHits(result["id"].to_numpy().astype(np.int64, copy=False),
                      result[score_column].to_numpy().astype(np.float32, copy=False))


def literal(value: Scalar) -> str:
    """A SQL literal for LanceDB's filter language; quotes in strings are doubled."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


class _LanceSQL:
    """LanceDB (DataFusion SQL) predicates; names are quoted identifiers (validated, and quoting keeps
    keywords usable).

    LanceDB refuses a float literal against an integer column ("could not convert Float64(3) to Int64"), and
    range bounds are always floats here, so on integer columns every number is written as the integer
    comparison that selects the same rows: ``> 3.5`` as ``> 3``, ``>= 3.5`` as ``>= 4``, ``== 3.5`` as FALSE.
    """

    ROUNDING: ClassVar[dict[str, Callable[[float], int]]] = {">": math.floor, ">=": math.ceil, "<": math.ceil, "<=": math.floor}

    def __init__(self, integer_columns: frozenset[str]) -> None:
        self.integer_columns = integer_columns

    def combine(self, operator: str, parts: Sequence[str]) -> str:
        return "(" + f" {operator.upper()} ".join(parts) + ")"

    def equals(self, field: str, value: Scalar) -> str:
        return self.one_of(field, (value,))

    def one_of(self, field: str, values: tuple[Scalar, ...]) -> str:
        kept = list(values)
        if field in self.integer_columns:  # a fractional number equals no integer
            kept = [int(v) if isinstance(v, float) else v for v in kept if not (isinstance(v, float) and not v.is_integer())]
        if not kept:
            return "(FALSE)"
        return f"(`{field}` IN ({', '.join(literal(v) for v in kept)}))"

    def bounded(self, field: str, bounds: list[Bound]) -> str:
        on_integers = field in self.integer_columns
        return "(" + " AND ".join(f"`{field}` {op} {literal(self.ROUNDING[op](bound) if on_integers else bound)}"
                                  for op, bound in bounds) + ")"


def filter_sql(tree: Filter, integer_columns: frozenset[str] = frozenset()) -> str:
    """The engine-neutral filter as a LanceDB predicate (see _LanceSQL for integer columns)."""
    return translate(tree, _LanceSQL(integer_columns))


class LanceDBAdapter(VectorAdapter):
    name = "lancedb"
    display_name = "LanceDB"
    capabilities = Capabilities(
        metrics=frozenset(Metric), index_types=(IVF_HNSW_SQ, IVF_PQ, IVF_RQ, NO_INDEX),
        filtering=True, thread_safe=True, embedded=True,
        # https://lancedb.github.io/lancedb/fts/ and /hybrid_search/hybrid_search/: a native full-text index
        # (BM25; lower-cased, English stems, stop words removed, its defaults) and RRFReranker over both lists.
        text_search=TextSearch(keyword="BM25 over LanceDB's full-text index (English stemming, stop words)",
                               fusion=f"LanceDB's hybrid query with its RRFReranker (K={RRF_K})"),
    )
    colour = "#19D3F3"
    what_runs = (
        "embedded: LanceDB's Rust engine in this process, on local Lance files",
        'uri=db://...: LanceDB Cloud',
    )
    server_params = ("uri", "host_override")
    requirements: ClassVar[Mapping[str, str]] = {"lancedb": "lancedb==0.40.0", "pyarrow": "pyarrow==26.0.1"}
    pq_subvectors = ("ivf_pq", "num_sub_vectors")
    connection_params = (
        Param("uri", str, "", "a remote LanceDB URI (db://...); empty for an embedded database"),
        Param("api_key", str, "", "API key for a remote database", secret=True),
        Param("region", str, "us-east-1", "region of a remote database"),
        Param("host_override", str, "", "endpoint of a self-hosted remote database"),
    )

    def open(self) -> None:
        lancedb = self.import_engine("lancedb")
        self._pa = self.import_engine("pyarrow")
        uri = self.connection["uri"]
        self.remote = bool(uri)
        self._path = self.workdir / "lancedb"
        try:
            if self.remote:
                self.db = lancedb.connect(uri, api_key=self.connection["api_key"] or None,
                                          region=self.connection["region"],
                                          host_override=self.connection["host_override"] or None)
                self.db.table_names()  # a remote connection is lazy: ask once so a bad URI fails here
            else:
                self.db = lancedb.connect(str(self._path))
        except Exception as exc:
            raise EngineUnavailable(f"LanceDB at {uri or self._path} cannot be opened: {type(exc).__name__}") from None
        self.table: Any = None

    def close(self) -> None:
        self.table = None

    def create_collection(
        self, name: str, dim: int, metric: Metric, index: str, build_params: Mapping[str, Any]
    ) -> None:
        self.begin_collection(name, dim, metric, index, build_params)
        self._payload_columns: list[str] = []
        self._integer_columns: frozenset[str] = frozenset()
        self._text = False

    def create_text_collection(self, name: str, dim: int, metric: Metric, index: str, build_params: Mapping[str, Any],
                               encoder: SparseEncoder) -> None:
        self.create_collection(name, dim, metric, index, build_params)
        self._text = True  # LanceDB analyses the texts itself: the encoder is not needed

    def insert_texts(self, ids: np.ndarray, vectors: np.ndarray, texts: Sequence[str]) -> None:
        self.insert(ids, vectors, {"text": np.asarray(list(texts), dtype=object)})

    def _batch(self, ids: np.ndarray, matrix: np.ndarray, payloads: Mapping[str, np.ndarray]) -> Any:
        pa = self._pa
        columns = {
            "id": pa.array(np.asarray(ids, dtype=np.int64)),
            "vector": pa.FixedSizeListArray.from_arrays(pa.array(matrix.ravel()), self.state.dim),
        }
        for column, values in payloads.items():
            if column in columns:
                raise AdapterError(f"payload column {column!r} collides with LanceDB's own columns")
            columns[column] = pa.array(np.asarray(values))
        return pa.table(columns)

    def insert(
        self, ids: np.ndarray, vectors: np.ndarray, payloads: Mapping[str, np.ndarray] | None = None
    ) -> None:
        matrix = as_float32_matrix(vectors, self.state.dim)
        batch = self._batch(ids, matrix, payloads or {})
        if self.table is None:
            self.table = self.db.create_table(self.state.name, data=batch)
            self._payload_columns = list(payloads or {})
            self._integer_columns = frozenset(c for c, v in (payloads or {}).items() if np.asarray(v).dtype.kind in "iu")
        else:
            self.table.add(batch)

    def wait_until_indexed(self) -> None:
        if self.table is None:
            raise AdapterError("no data was inserted")
        index = self.state.index
        build = self.state.build_params
        distance = DISTANCES[self.state.metric]
        from lancedb.index import IvfHnswSq, IvfPq, IvfRq

        if index == "ivf_pq":
            problem = self.build_problem(index, build, self.state.dim)
            if problem:
                raise AdapterError(problem)
            config: Any = IvfPq(distance_type=distance, num_partitions=int(build["num_partitions"]),
                                num_sub_vectors=int(build["num_sub_vectors"]))
        elif index == "ivf_rq":
            config = IvfRq(distance_type=distance, num_partitions=int(build["num_partitions"]),
                           num_bits=int(build["num_bits"]))
        elif index == "ivf_hnsw_sq":
            config = IvfHnswSq(distance_type=distance, num_partitions=int(build["num_partitions"]), m=int(build["m"]),
                               ef_construction=int(build["ef_construction"]))
        else:
            config = None
        if config is not None:
            self.table.create_index("vector", config=config)  # builds synchronously on a local table
        for column in self._payload_columns:  # scalar indexes make pre-filtering cheap
            if column == "text" and self._text:
                from lancedb.index import FTS

                self.table.create_index("text", config=FTS())  # the full-text index, its defaults
            else:
                self.table.create_scalar_index(column)

    def set_search_params(self, params: Mapping[str, Any]) -> None:
        spec = self.capabilities.index(self.state.index)
        self.state.search_params = {**spec.search_defaults(), **params}

    def _vector_settings(self, builder: Any, limit: int) -> Any:
        """The index's search parameters on a vector or hybrid query of `limit` results (LanceDB's HNSW refuses
        an ef below the limit, as a graph search cannot return more than its candidate list)."""
        params = self.state.search_params
        builder = builder.distance_type(DISTANCES[self.state.metric])
        if self.state.index in ("ivf_pq", "ivf_rq"):
            builder = builder.nprobes(int(params["nprobes"])).refine_factor(int(params["refine_factor"]))
        elif self.state.index == "ivf_hnsw_sq":
            builder = builder.nprobes(int(params["nprobes"])).ef(max(int(params["ef"]), limit))
        return builder

    def search(self, vector: np.ndarray, k: int, filter: Filter | None = None) -> SearchHits:
        query = self.query_vector(vector)
        builder = self._vector_settings(self.table.search(query, vector_column_name="vector"), k)
        builder = builder.limit(k).select(["id", "_distance"])
        if filter is not None:
            builder = builder.where(filter_sql(filter, self._integer_columns), prefilter=True)
        return _hits(builder.to_arrow(), "_distance")

    def keyword_search(self, text: str, k: int) -> SearchHits:
        return _hits(self.table.search(text, query_type="fts", fts_columns="text").limit(k).select(["id", "_score"])
                     .to_arrow(), "_score")

    def hybrid_search(self, vector: np.ndarray, text: str, k: int, depth: int) -> SearchHits:
        from lancedb.rerankers import RRFReranker

        # the hybrid query takes `limit` candidates from each list before the reranker fuses them; no select():
        # with one, LanceDB 0.40 logs two deprecation warnings per query (its sub-queries' score columns)
        builder = self.table.search(query_type="hybrid", vector_column_name="vector", fts_columns="text")
        builder = self._vector_settings(builder.vector(self.query_vector(vector)).text(text), depth)
        return _hits(builder.rerank(RRFReranker(K=RRF_K)).limit(depth).to_arrow().slice(0, k), "_relevance_score")

    def index_bytes(self) -> int | None:
        """The embedded table's vector index files (_indices/): what LanceDB reads, and caches, to search; rows
        appended since the index was built are scanned from the table instead."""
        if self.table is None or not self._path.exists():
            return None
        return sum(f.stat().st_size for f in self._path.rglob("*") if f.is_file() and "_indices" in f.parts) or None

    def delete(self, ids: np.ndarray) -> None:
        if self.table is not None:  # integers only in the predicate: nothing of the caller's enters it as text
            self.table.delete(f"id IN ({', '.join(str(int(i)) for i in np.asarray(ids).tolist())})")

    def count(self) -> int:
        return 0 if self.table is None else int(self.table.count_rows())

    def drop(self) -> None:
        if self.table is not None:
            self.db.drop_table(self.state.name)
            self.table = None
        if not getattr(self, "remote", True):
            shutil.rmtree(self._path, ignore_errors=True)

    def disk_bytes(self) -> int | None:
        return None if self.remote else super().disk_bytes()

    def versions(self) -> EngineVersions:
        version = package_version("lancedb")
        where = "remote" if self.remote else "embedded"
        return EngineVersions(engine=f"lancedb {version} ({where})", client=f"lancedb {version}, pylance")
