"""Qdrant: the embedded Rust engine (``qdrant-edge-py``) by default, a server or Qdrant Cloud by URL.

Two backends sit behind one adapter: ``EdgeBackend`` drives an ``EdgeShard`` in-process (the real engine,
no server); ``ClientBackend`` drives ``qdrant-client`` against a URL. The separate ``qdrant-local``
engine is qdrant-client's pure-Python local mode: it is not Qdrant's engine (much slower), and is only
offered, so labelled, because it exercises the client code path without a server.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Protocol

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
    hits_from,
    package_version,
    payload_rows,
)
from vectorscout.contract.filters import Bound, Filter, Scalar, translate
from vectorscout.contract.metric import Metric
from vectorscout.contract.params import Param
from vectorscout.redaction import mask_url

HNSW = IndexSpec(
    "hnsw",
    build_params=(
        Param("m", int, 16, "graph degree: more links, better recall, more memory", 4, 128, sweep=(8, 16, 32)),
        Param("ef_construct", int, 100, "candidate list while building", 4, 2048, sweep=(64, 100, 200)),
        Param("full_scan_threshold_kb", int, 10_000,
              "below this many KB of (filtered) vectors the planner scans instead of using the graph", 1, 10**9),
    ),
    search_params=(
        Param("hnsw_ef", int, 64, "candidate list per query: higher is slower and more exact", 1, 4096,
              sweep=(16, 32, 64, 128, 256, 512)),
    ),
    description="Qdrant's HNSW index with payload indexes for filters",
)
# Quantized variants (https://qdrant.tech/documentation/manage-data/quantization/): HNSW over a compressed copy
# of the vectors kept in RAM, the originals on disk by default; a search may rescore the candidates with the
# originals and fetch more of them first (oversampling).
ORIGINALS_ON_DISK = Param("vectors_on_disk", bool, True,
                          "keep the original vectors on disk (memory-mapped) and only the quantized copy in RAM")
RESCORE = Param("rescore", bool, True, "re-rank the candidates by the original vectors")


def _quantized(name: str, oversampling: float, description: str) -> IndexSpec:
    oversample = Param("oversampling", float, oversampling,
                       "candidates fetched per result before rescoring (1: none extra)", 1.0, 16.0,
                       sweep=(1.0, 2.0, 4.0, 8.0))
    # Binary codes tie a lot (Hamming distances over d bits), so there the rescoring depth is the setting that
    # trades recall for speed and comes first; int8 codes rank well and the graph's candidate list leads.
    leading = (oversample, *HNSW.search_params) if name == "hnsw_binary" else (*HNSW.search_params, oversample)
    return IndexSpec(
        name, build_params=(*HNSW.build_params, ORIGINALS_ON_DISK), search_params=(*leading, RESCORE),
        description=description,
    )


HNSW_SQ8 = _quantized("hnsw_sq8", 1.0, "HNSW over int8 scalar-quantized vectors (4x smaller in RAM)")
HNSW_BINARY = _quantized("hnsw_binary", 2.0, "HNSW over binary-quantized vectors (32x smaller in RAM; rescored)")
QUANTIZED = {"hnsw_sq8", "hnsw_binary"}
# Half-precision storage (https://qdrant.tech/documentation/concepts/vectors/#datatypes): the vectors themselves
# held as float16, 2 bytes per dimension, the graph unchanged; no rescoring (there is no other copy).
HNSW_FLOAT16 = IndexSpec("hnsw_float16", build_params=HNSW.build_params, search_params=HNSW.search_params,
                         description="HNSW over vectors stored as float16 (half the RAM of float32)")
# Hybrid search (https://qdrant.tech/documentation/concepts/hybrid-queries/): keywords as a sparse vector per
# point holding VectorScout's BM25 term weights, which Qdrant multiplies by the IDF it keeps for the collection
# (the IDF modifier); a query prefetches the dense and the sparse top lists and fuses them by RRF.
TEXT_SEARCH = TextSearch(keyword="BM25: VectorScout's term weights in sparse vectors, Qdrant's IDF modifier",
                         fusion=f"Qdrant's reciprocal rank fusion of two prefetches (k={RRF_K})")
DENSE, SPARSE = "dense", "bm25"  # the named vectors of a text collection
# Qdrant counts ranks from 0 in its RRF (measured: a document first in one list only scores 1/k), the others and
# the RRF paper from 1: its k one higher gives every document the same fused score as RRF_K gives elsewhere.
QDRANT_RRF_K = RRF_K + 1
CAPABILITIES = Capabilities(
    metrics=frozenset(Metric), index_types=(HNSW, HNSW_SQ8, HNSW_BINARY, HNSW_FLOAT16), filtering=True, thread_safe=True,
    embedded=True, text_search=TEXT_SEARCH,
)
Sparse = tuple[list[int], list[float]]  # (term ids, weights)
# Index every segment regardless of size (KB), so small benchmark sets are searched through HNSW too.
INDEXING_THRESHOLD_KB = 1
INDEX_TIMEOUT_S = 3600


class _QdrantFilters:
    """Qdrant filter models (qdrant_edge's or qdrant_client's: same shape). Qdrant matches keywords,
    integers and booleans; a float is matched as the closed range [v, v]."""

    def __init__(self, models: Any) -> None:
        self.models = models
        self.range_class = getattr(models, "RangeFloat", None) or models.Range

    def combine(self, operator: str, parts: Sequence[Any]) -> Any:
        return self.models.Filter(must=list(parts)) if operator == "and" else self.models.Filter(should=list(parts))

    def _condition(self, **condition: Any) -> Any:
        return self.models.Filter(must=[self.models.FieldCondition(**condition)])

    def equals(self, field: str, value: Scalar) -> Any:
        if isinstance(value, float):
            return self._condition(key=field, range=self.range_class(gte=value, lte=value))
        return self._condition(key=field, match=self.models.MatchValue(value=value))

    def one_of(self, field: str, values: tuple[Scalar, ...]) -> Any:
        floats = [v for v in values if isinstance(v, float)]
        others = [v for v in values if not isinstance(v, float)]
        if floats:
            return self.combine("or", [self.equals(field, v) for v in floats]
                                + ([self.one_of(field, tuple(others))] if others else []))
        return self._condition(key=field, match=self.models.MatchAny(any=others))

    def bounded(self, field: str, bounds: list[Bound]) -> Any:
        names = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}
        limits: dict[str, float | None] = dict.fromkeys(names.values())
        limits.update({names[op]: bound for op, bound in bounds})
        return self._condition(key=field, range=self.range_class(**limits))


def translate_filter(tree: Filter, models: Any) -> Any:
    """The engine-neutral filter as Qdrant filter models."""
    return translate(tree, _QdrantFilters(models))


def payload_schema_name(values: np.ndarray) -> str:
    kind = np.asarray(values).dtype.kind
    return {"b": "Bool", "i": "Integer", "u": "Integer", "f": "Float"}.get(kind, "Keyword")


class Backend(Protocol):
    def create(self, name: str, dim: int, metric: Metric, index: str, build: Mapping[str, Any],
               text: bool = False) -> None: ...
    def upsert(self, ids: list[int], vectors: np.ndarray, payloads: list[dict[str, Any]] | None,
               keywords: list[Sparse] | None = None) -> None: ...
    def keyword(self, query: Sparse, k: int) -> SearchHits: ...
    def hybrid(self, vector: np.ndarray, query: Sparse, k: int, depth: int, params: Mapping[str, Any]) -> SearchHits: ...
    def index(self, payload_schemas: Mapping[str, str]) -> None: ...
    def search(self, vector: np.ndarray, k: int, filter: Filter | None, params: Mapping[str, Any]) -> SearchHits: ...
    def count(self) -> int: ...
    def delete(self, ids: list[int]) -> None: ...
    def drop(self) -> None: ...
    def close(self) -> None: ...
    def versions(self) -> EngineVersions: ...


class EdgeBackend:
    """An ``EdgeShard`` in a private directory: Qdrant's engine in-process."""

    DISTANCES: ClassVar[dict[Metric, str]] = {Metric.COSINE: "Cosine", Metric.L2: "Euclid", Metric.IP: "Dot"}

    def __init__(self, edge: Any, path: Path) -> None:
        self.edge, self.path = edge, path
        self.shard: Any = None
        self.using: str | None = None  # the dense vector's name in a text collection

    def create(self, name: str, dim: int, metric: Metric, index: str, build: Mapping[str, Any],
               text: bool = False) -> None:
        edge = self.edge
        quantization = {"hnsw_sq8": lambda: edge.ScalarQuantizationConfig(type=edge.ScalarType.Int8, always_ram=True),
                        "hnsw_binary": lambda: edge.BinaryQuantizationConfig(always_ram=True)}.get(index)
        vectors = edge.EdgeVectorParams(size=dim, distance=getattr(edge.Distance, self.DISTANCES[metric]),
                                        on_disk=bool(build.get("vectors_on_disk", False)),
                                        datatype=edge.VectorStorageDatatype.Float16 if index == "hnsw_float16" else None)
        self.using = DENSE if text else None
        config = edge.EdgeConfig(
            vectors={DENSE: vectors} if text else vectors,
            sparse_vectors={SPARSE: edge.EdgeSparseVectorParams(modifier=edge.Modifier.Idf)} if text else None,
            hnsw_config=edge.HnswIndexConfig(
                m=int(build["m"]), ef_construct=int(build["ef_construct"]),
                full_scan_threshold=int(build["full_scan_threshold_kb"]),
            ),
            quantization_config=quantization() if quantization else None,
            optimizers=edge.EdgeOptimizersConfig(indexing_threshold=INDEXING_THRESHOLD_KB),
        )
        self.shard = edge.EdgeShard.create(str(self.path / name), config)

    def upsert(self, ids: list[int], vectors: np.ndarray, payloads: list[dict[str, Any]] | None,
               keywords: list[Sparse] | None = None) -> None:
        edge = self.edge
        rows: list[Any] = vectors.tolist()
        if keywords is not None:
            rows = [{DENSE: row, SPARSE: edge.SparseVector(*words)} for row, words in zip(rows, keywords)]
        points = [edge.Point(i, row, payloads[n] if payloads else None) for n, (i, row) in enumerate(zip(ids, rows))]
        self.shard.update(edge.UpdateOperation.upsert_points(points))

    def index(self, payload_schemas: Mapping[str, str]) -> None:
        for field, schema in payload_schemas.items():
            operation = self.edge.UpdateOperation.create_field_index(field, getattr(self.edge.PayloadSchemaType, schema))
            self.shard.update(operation)
        # optimize() blocks until no optimisation is planned: afterwards the HNSW graphs exist.
        self.shard.optimize()
        info = self.shard.info()
        if info.indexed_vectors_count < info.points_count:
            raise AdapterError(f"Qdrant indexed {info.indexed_vectors_count} of {info.points_count} vectors")

    def search(self, vector: np.ndarray, k: int, filter: Filter | None, params: Mapping[str, Any]) -> SearchHits:
        edge = self.edge
        quantization = (edge.QuantizationSearchParams(rescore=bool(params["rescore"]),
                                                      oversampling=float(params["oversampling"]))
                        if "rescore" in params else None)
        request = edge.QueryRequest(
            limit=k, query=edge.Query.Nearest(vector.tolist(), using=self.using),
            params=edge.SearchParams(hnsw_ef=int(params["hnsw_ef"]), quantization=quantization),
            filter=translate_filter(filter, edge) if filter is not None else None, with_payload=False, with_vector=False,
        )
        return self._hits(request)

    def _hits(self, request: Any) -> SearchHits:
        points = self.shard.query(request)
        return hits_from((p.id for p in points), (p.score for p in points), len(points))

    def keyword(self, query: Sparse, k: int) -> SearchHits:
        if not query[0]:  # no query term is in the collection's vocabulary: nothing matches
            return hits_from((), (), 0)
        edge = self.edge
        return self._hits(edge.QueryRequest(limit=k, query=edge.Query.Nearest(edge.SparseVector(*query), using=SPARSE),
                                            with_payload=False, with_vector=False))

    def hybrid(self, vector: np.ndarray, query: Sparse, k: int, depth: int, params: Mapping[str, Any]) -> SearchHits:
        edge = self.edge
        prefetches = [edge.Prefetch(depth, query=edge.Query.Nearest(vector.tolist(), using=DENSE),
                                    params=edge.SearchParams(hnsw_ef=int(params["hnsw_ef"])))]
        if query[0]:
            prefetches.append(edge.Prefetch(depth, query=edge.Query.Nearest(edge.SparseVector(*query), using=SPARSE)))
        return self._hits(edge.QueryRequest(limit=k, prefetches=prefetches, query=edge.Fusion.Rrf(k=QDRANT_RRF_K),
                                            with_payload=False, with_vector=False))

    def count(self) -> int:
        return 0 if self.shard is None else int(self.shard.count(self.edge.CountRequest(exact=True)))

    def delete(self, ids: list[int]) -> None:
        self.shard.update(self.edge.UpdateOperation.delete_points(ids))

    def drop(self) -> None:
        self.close()
        shutil.rmtree(self.path, ignore_errors=True)

    def close(self) -> None:
        if self.shard is not None:
            self.shard.close()
            self.shard = None

    def versions(self) -> EngineVersions:
        version = package_version("qdrant-edge-py")
        return EngineVersions(engine=f"qdrant edge {version} (embedded)", client=f"qdrant-edge-py {version}")


class ClientBackend:
    """``qdrant-client`` against a server URL, or its pure-Python local mode on a path."""

    DISTANCES: ClassVar[dict[Metric, str]] = {Metric.COSINE: "COSINE", Metric.L2: "EUCLID", Metric.IP: "DOT"}

    def __init__(self, client: Any, models: Any, local: bool, where: str) -> None:
        self.client, self.models, self.local, self.where = client, models, local, where
        self.name: str | None = None
        self.using: str | None = None  # the dense vector's name in a text collection

    def create(self, name: str, dim: int, metric: Metric, index: str, build: Mapping[str, Any],
               text: bool = False) -> None:
        models = self.models
        quantization = {
            "hnsw_sq8": lambda: models.ScalarQuantization(
                scalar=models.ScalarQuantizationConfig(type=models.ScalarType.INT8, always_ram=True)),
            "hnsw_binary": lambda: models.BinaryQuantization(binary=models.BinaryQuantizationConfig(always_ram=True)),
        }.get(index)
        vectors = models.VectorParams(size=dim, distance=getattr(models.Distance, self.DISTANCES[metric]),
                                      on_disk=bool(build.get("vectors_on_disk", False)),
                                      datatype=models.Datatype.FLOAT16 if index == "hnsw_float16" else None)
        self.using = DENSE if text else None
        self.client.create_collection(
            name, vectors_config={DENSE: vectors} if text else vectors,
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)} if text else None,
            hnsw_config=models.HnswConfigDiff(
                m=int(build["m"]), ef_construct=int(build["ef_construct"]),
                full_scan_threshold=int(build["full_scan_threshold_kb"]),
            ),
            quantization_config=quantization() if quantization else None,
            optimizers_config=models.OptimizersConfigDiff(indexing_threshold=INDEXING_THRESHOLD_KB),
        )
        self.name = name

    def upsert(self, ids: list[int], vectors: np.ndarray, payloads: list[dict[str, Any]] | None,
               keywords: list[Sparse] | None = None) -> None:
        models = self.models
        rows: Any = vectors.tolist()
        if keywords is not None:
            rows = {DENSE: rows, SPARSE: [models.SparseVector(indices=i, values=v) for i, v in keywords]}
        self.client.upsert(self.name, points=models.Batch(ids=ids, vectors=rows, payloads=payloads), wait=True)

    def index(self, payload_schemas: Mapping[str, str]) -> None:
        if self.local:
            return  # the local mode has neither payload indexes nor a graph: it always scans
        for field, schema in payload_schemas.items():
            self.client.create_payload_index(
                self.name, field, field_schema=getattr(self.models.PayloadSchemaType, schema.upper()), wait=True
            )
        deadline = time.monotonic() + INDEX_TIMEOUT_S
        while True:  # a server indexes in the background: wait until it reports green and all indexed
            info = self.client.get_collection(self.name)
            if str(info.status).lower().endswith("green") and (info.indexed_vectors_count or 0) >= (info.points_count or 0):
                return
            if time.monotonic() > deadline:
                raise AdapterError(f"Qdrant did not finish indexing within {INDEX_TIMEOUT_S} s (status {info.status})")
            time.sleep(0.2)

    def search(self, vector: np.ndarray, k: int, filter: Filter | None, params: Mapping[str, Any]) -> SearchHits:
        models = self.models
        quantization = (models.QuantizationSearchParams(rescore=bool(params["rescore"]),
                                                        oversampling=float(params["oversampling"]))
                        if "rescore" in params else None)
        return self._hits(
            query=vector.tolist(), using=self.using, limit=k,
            query_filter=translate_filter(filter, models) if filter is not None else None,
            search_params=models.SearchParams(hnsw_ef=int(params["hnsw_ef"]), quantization=quantization),
        )

    def _hits(self, **request: Any) -> SearchHits:
        points = self.client.query_points(self.name, with_payload=False, with_vectors=False, **request).points
        return hits_from((int(p.id) for p in points), (p.score for p in points), len(points))

    def keyword(self, query: Sparse, k: int) -> SearchHits:
        if not query[0]:  # no query term is in the collection's vocabulary: nothing matches
            return hits_from((), (), 0)
        return self._hits(query=self.models.SparseVector(indices=query[0], values=query[1]), using=SPARSE, limit=k)

    def hybrid(self, vector: np.ndarray, query: Sparse, k: int, depth: int, params: Mapping[str, Any]) -> SearchHits:
        models = self.models
        prefetch = [models.Prefetch(query=vector.tolist(), using=DENSE, limit=depth,
                                    params=models.SearchParams(hnsw_ef=int(params["hnsw_ef"])))]
        if query[0]:
            prefetch.append(models.Prefetch(query=models.SparseVector(indices=query[0], values=query[1]), using=SPARSE,
                                            limit=depth))
        return self._hits(prefetch=prefetch, query=models.RrfQuery(rrf=models.Rrf(k=QDRANT_RRF_K)), limit=k)

    def count(self) -> int:
        return 0 if self.name is None else int(self.client.count(self.name, exact=True).count)

    def delete(self, ids: list[int]) -> None:
        self.client.delete(self.name, points_selector=self.models.PointIdsList(points=ids), wait=True)

    def drop(self) -> None:
        if self.name is not None:
            self.client.delete_collection(self.name)
            self.name = None

    def close(self) -> None:
        self.client.close()

    def versions(self) -> EngineVersions:
        client_version = f"qdrant-client {package_version('qdrant-client')}"
        if self.local:
            return EngineVersions(engine="qdrant-client local mode (pure Python, not the Qdrant engine)",
                                  client=client_version)
        try:
            server = self.client.info().version
        except Exception:  # an old server without /, or no permission: the client version still says much
            server = "unknown"
        return EngineVersions(engine=f"qdrant server {server} at {self.where}", client=client_version)


class QdrantAdapter(VectorAdapter):
    name = "qdrant"
    display_name = "Qdrant"
    capabilities = CAPABILITIES
    colour = "#00CC96"
    what_runs: ClassVar[tuple[str, ...]] = (
        "embedded: Qdrant's edge engine (qdrant-edge-py, Qdrant's Rust segment code) in this process; the Qdrant "
        "server adds its HTTP/gRPC layer, WAL and sharding",
        "url=URL: a Qdrant server or Qdrant Cloud",
    )
    server_params: ClassVar[tuple[str, ...]] = ("url",)
    requirements: ClassVar[Mapping[str, str]] = {
        "qdrant_edge": "qdrant-edge-py==0.9.0", "qdrant_client": "qdrant-client==1.20.0"
    }
    connection_params: ClassVar[tuple[Param, ...]] = (
        Param("url", str, "", "a Qdrant server or cloud URL; empty for the embedded engine"),
        Param("api_key", str, "", "API key for the server", secret=True),
        Param("prefer_grpc", bool, False, "talk gRPC (port 6334) instead of REST"),
        Param("timeout_s", int, 10, "seconds before a request to the server gives up", 1, 600),
    )

    def open(self) -> None:
        self.backend: Backend
        if self.connection.get("url"):
            self.backend = self._server_backend()
        else:
            edge = self.import_engine("qdrant_edge")
            self.backend = EdgeBackend(edge, self.workdir / "qdrant-edge")

    def _server_backend(self) -> ClientBackend:
        client_module = self.import_engine("qdrant_client")
        models = self.import_engine("qdrant_client.models")
        url = self.connection["url"]
        client = client_module.QdrantClient(
            url=url, api_key=self.connection.get("api_key") or None, prefer_grpc=self.connection["prefer_grpc"],
            timeout=self.connection["timeout_s"], check_compatibility=False,
        )
        try:
            client.get_collections()
        except Exception as exc:
            client.close()
            raise EngineUnavailable(
                f"Qdrant at {mask_url(url)} does not answer within {self.connection['timeout_s']} s: {type(exc).__name__}"
            ) from None
        return ClientBackend(client, models, local=False, where=mask_url(url))

    def close(self) -> None:
        backend = getattr(self, "backend", None)
        if backend is not None:
            backend.close()

    def create_collection(
        self, name: str, dim: int, metric: Metric, index: str, build_params: Mapping[str, Any]
    ) -> None:
        self.begin_collection(name, dim, metric, index, build_params)
        self._payload_schemas: dict[str, str] = {}
        self.backend.create(name, dim, metric, index, build_params)

    def insert(
        self, ids: np.ndarray, vectors: np.ndarray, payloads: Mapping[str, np.ndarray] | None = None
    ) -> None:
        matrix = as_float32_matrix(vectors, self.state.dim)
        for field, values in (payloads or {}).items():
            self._payload_schemas.setdefault(field, payload_schema_name(values))
        rows = payload_rows(payloads, len(matrix)) if payloads else None
        self.backend.upsert([int(i) for i in np.asarray(ids).tolist()], matrix, rows)

    def wait_until_indexed(self) -> None:
        self.backend.index(self._payload_schemas)

    def set_search_params(self, params: Mapping[str, Any]) -> None:
        self.state.search_params = {**self.capabilities.index(self.state.index).search_defaults(), **params}

    def search(self, vector: np.ndarray, k: int, filter: Filter | None = None) -> SearchHits:
        query = self.query_vector(vector)
        return self.backend.search(query, k, filter, self.state.search_params)

    def create_text_collection(self, name: str, dim: int, metric: Metric, index: str, build_params: Mapping[str, Any],
                               encoder: SparseEncoder) -> None:
        self.begin_collection(name, dim, metric, index, build_params)
        self._payload_schemas = {}
        self._encoder = encoder
        self.backend.create(name, dim, metric, index, build_params, text=True)

    def insert_texts(self, ids: np.ndarray, vectors: np.ndarray, texts: Sequence[str]) -> None:
        matrix = as_float32_matrix(vectors, self.state.dim)
        keywords = [self._encoder.encode_document(text) for text in texts]
        self.backend.upsert([int(i) for i in np.asarray(ids).tolist()], matrix, None, keywords)

    def keyword_search(self, text: str, k: int) -> SearchHits:
        return self.backend.keyword(self._encoder.encode_query(text), k)

    def hybrid_search(self, vector: np.ndarray, text: str, k: int, depth: int) -> SearchHits:
        return self.backend.hybrid(self.query_vector(vector), self._encoder.encode_query(text), k, depth,
                                   self.state.search_params)

    def delete(self, ids: np.ndarray) -> None:
        self.backend.delete([int(i) for i in np.asarray(ids).tolist()])

    def count(self) -> int:
        return self.backend.count()

    def drop(self) -> None:
        self.backend.drop()

    def disk_bytes(self) -> int | None:
        # the embedded shard and the local mode write under the work directory; a server keeps its own disk
        return super().disk_bytes() if not self.connection.get("url") else None

    def index_bytes(self) -> int | None:
        """The embedded shard's files that a search reads from memory: the HNSW links, and the quantized codes
        (quantized.data) or, without quantization or with the originals kept in RAM, the vectors (matrix.dat)."""
        if self.connection.get("url") or not isinstance(self.backend, EdgeBackend):
            return None
        originals_in_ram = self.state.index not in QUANTIZED or not self.state.build_params.get("vectors_on_disk", True)
        searched = {"quantized.data", *(["matrix.dat"] if originals_in_ram else [])}
        return sum(f.stat().st_size for f in self.workdir.rglob("*") if f.is_file()
                   and (f.name in searched or f.parent.name == "vector_index"))

    def versions(self) -> EngineVersions:
        return self.backend.versions()


class QdrantLocalAdapter(QdrantAdapter):
    """qdrant-client's local mode: pure Python, NOT Qdrant's engine; never the default."""

    name = "qdrant-local"
    display_name = "Qdrant client local mode (pure Python, not the engine)"
    capabilities = Capabilities(
        metrics=frozenset(Metric), index_types=(HNSW,), filtering=True, thread_safe=False, embedded=True,
        stand_in=True, text_search=TEXT_SEARCH,
    )
    connection_params = ()
    server_params = ()
    what_runs = ("qdrant-client's local mode: a pure-Python stand-in, not Qdrant's engine",)

    def open(self) -> None:
        client_module = self.import_engine("qdrant_client")
        models = self.import_engine("qdrant_client.models")
        path = self.workdir / "qdrant-local"
        self.backend = ClientBackend(client_module.QdrantClient(path=str(path)), models, local=True, where=str(path))
