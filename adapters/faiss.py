"""FAISS: the in-process library whose Flat index is the exact baseline every engine is measured against."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from adapters.base import (
    AdapterError,
    Capabilities,
    EngineVersions,
    IndexSpec,
    SearchHits,
    UnsupportedFeature,
    VectorAdapter,
    as_float32_matrix,
    package_version,
    subvectors_problem,
)
from vectorscout.contract.filters import Filter, evaluate
from vectorscout.contract.metric import Metric, normalized
from vectorscout.contract.params import Param

HNSW = IndexSpec(
    "hnsw",
    build_params=(
        Param("M", int, 16, "graph degree: more links, better recall, more memory", 4, 128, sweep=(8, 16, 32)),
        Param("ef_construction", int, 200, "candidate list while building", 8, 2048, sweep=(100, 200, 400)),
    ),
    search_params=(
        Param("ef_search", int, 64, "candidate list per query: higher is slower and more exact", 1, 4096,
              sweep=(16, 32, 64, 128, 256, 512)),
    ),
    description="hierarchical navigable small-world graph",
)
NPROBE = Param("nprobe", int, 16, "clusters scanned per query", 1, 65536, sweep=(1, 4, 16, 64, 256))
NLIST = Param("nlist", int, 256, "number of k-means clusters", 1, 65536, sweep=(64, 256, 1024))
IVF_FLAT = IndexSpec(
    "ivf_flat", build_params=(NLIST,), search_params=(NPROBE,),
    description="inverted file over k-means clusters; trained when the index is built",
)
FLAT = IndexSpec("flat", exact=True, description="exhaustive search: exact, the ground-truth baseline")
# Compressed variants (https://github.com/facebookresearch/faiss/wiki/Faiss-indexes): the vectors are kept only
# as codes, so RAM per vector drops from 4*d bytes to m (PQ) or d (SQ8) plus ids; recall pays for it.
IVF_PQ = IndexSpec(
    "ivf_pq",
    build_params=(
        NLIST,
        Param("m", int, 0, "PQ sub-quantizers, one byte of code each (bytes per vector); must divide the "
              "dimension; 0: a quarter of the dimensions, rounded down to a divisor", 0, 4096),
    ),
    search_params=(NPROBE,),
    description="inverted file with product-quantized codes: m bytes per vector instead of 4*d; trained when built",
)
IVF_SQ8 = IndexSpec(
    "ivf_sq8", build_params=(NLIST,), search_params=(NPROBE,),
    description="inverted file with 8-bit scalar-quantized vectors: d bytes per vector instead of 4*d",
)
HNSW_SQ8 = IndexSpec(
    "hnsw_sq8", build_params=HNSW.build_params, search_params=HNSW.search_params,
    description="HNSW graph over 8-bit scalar-quantized vectors: d bytes per vector instead of 4*d",
)
TRAINED = frozenset({"ivf_flat", "ivf_pq", "ivf_sq8", "hnsw_sq8"})  # need the data before vectors go in


def pq_subquantizers(dim: int, asked: int) -> int:
    """The m of an IVF-PQ index: as asked (it must divide the dimension), or a quarter of the dimensions
    rounded down to a divisor of them."""
    if asked:
        problem = subvectors_problem("m", asked, dim)
        if problem:
            raise AdapterError(f"FAISS IVF-PQ: {problem}")
        return asked
    return max(d for d in range(1, max(1, dim // 4) + 1) if dim % d == 0)


class FaissAdapter(VectorAdapter):
    name = "faiss"
    display_name = "FAISS"
    capabilities = Capabilities(
        metrics=frozenset(Metric),
        index_types=(FLAT, HNSW, IVF_FLAT, IVF_PQ, IVF_SQ8, HNSW_SQ8),
        filtering=True,  # through FAISS's IDSelector, on payloads the adapter keeps beside the index
        thread_safe=True,
        embedded=True,
        # add_with_ids while another thread searches crashed the worker (SIGSEGV, 20,000x384 Flat, 2 clients);
        # FAISS documents concurrent searches only (wiki: Threads and asynchronous calls)
        writes_while_searching=False,
    )
    colour = "#636EFA"
    what_runs = (
        "faiss-cpu: Meta's C++ library in this process (CPU build, no GPU); no server exists",
    )
    requirements: ClassVar[Mapping[str, str]] = {"faiss": "faiss-cpu"}
    pq_subvectors = ("ivf_pq", "m")

    def open(self) -> None:
        self._faiss = self.import_engine("faiss")
        self._index: Any = None
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._payload_ids: list[np.ndarray] = []
        self._payloads: dict[str, list[np.ndarray]] = {}
        self._selector_cache: dict[Filter, Any] = {}

    def close(self) -> None:
        self._index = None
        self._pending = []

    def create_collection(
        self, name: str, dim: int, metric: Metric, index: str, build_params: Mapping[str, Any]
    ) -> None:
        self.begin_collection(name, dim, metric, index, build_params)
        faiss = self._faiss
        faiss_metric = faiss.METRIC_L2 if metric is Metric.L2 else faiss.METRIC_INNER_PRODUCT
        if index == "flat":
            inner = faiss.IndexFlat(dim, faiss_metric)
        elif index == "hnsw":
            inner = faiss.IndexHNSWFlat(dim, int(build_params["M"]), faiss_metric)
            inner.hnsw.efConstruction = int(build_params["ef_construction"])
        elif index == "hnsw_sq8":
            inner = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, int(build_params["M"]), faiss_metric)
            inner.hnsw.efConstruction = int(build_params["ef_construction"])
        elif index in ("ivf_flat", "ivf_pq", "ivf_sq8"):
            quantizer = faiss.IndexFlat(dim, faiss_metric)
            nlist = int(build_params["nlist"])
            if index == "ivf_flat":
                inner = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss_metric)
            elif index == "ivf_sq8":
                inner = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                                      faiss_metric)
            else:
                m = pq_subquantizers(dim, int(build_params.get("m") or 0))
                inner = faiss.IndexIVFPQ(quantizer, dim, nlist, m, 8, faiss_metric)
            self._quantizer = quantizer  # the IVF index does not own it from Python
        else:
            raise AdapterError(f"FAISS has no index type {index!r}")
        self._inner = inner
        # IndexIDMap, not IDMap2: IDMap2 adds an in-memory hash map from our ids back (for reconstruct, never used
        # here) that its serialized size does not show
        self._index = faiss.IndexIDMap(inner)
        self._search_params: Any = None
        self._selector_cache = {}

    def _prepare(self, vectors: np.ndarray) -> np.ndarray:
        matrix = as_float32_matrix(vectors, self.state.dim)
        return normalized(matrix) if self.state.metric is Metric.COSINE else matrix

    def insert(
        self, ids: np.ndarray, vectors: np.ndarray, payloads: Mapping[str, np.ndarray] | None = None
    ) -> None:
        if self._index is None:
            raise AdapterError("create_collection must come before insert")
        ids64 = np.ascontiguousarray(ids, dtype=np.int64)
        matrix = self._prepare(vectors)
        if self.state.index in TRAINED and not self._inner.is_trained:
            # k-means (IVF) and the quantizers' ranges and codebooks are trained on all the vectors: that work
            # belongs to the index build.
            self._pending.append((ids64, matrix))
        else:
            self._index.add_with_ids(matrix, ids64)
        self._payload_ids.append(ids64)
        for column, values in (payloads or {}).items():
            self._payloads.setdefault(column, []).append(np.asarray(values))
        self._selector_cache = {}

    def wait_until_indexed(self) -> None:
        if self._index is None:
            raise AdapterError("no collection to index")
        if self._pending:
            ids = np.concatenate([p[0] for p in self._pending])
            matrix = np.concatenate([p[1] for p in self._pending])
            fewest = self._fewest_training_vectors()
            if len(matrix) < fewest:  # the vectors stay pending: more can come before the next try
                raise AdapterError(f"FAISS {self.state.index} needs at least {fewest} vectors to train its "
                                   f"{'codebooks' if self.state.index == 'ivf_pq' else 'clusters'}; "
                                   f"the collection has {len(matrix)}")
            self._pending = []
            self._inner.train(matrix)
            self._index.add_with_ids(matrix, ids)

    def _fewest_training_vectors(self) -> int:
        # k-means needs a point per centroid: nlist clusters, and 2**8 centroids per PQ sub-quantizer
        nlist = int(self.state.build_params.get("nlist", 1)) if self.state.index.startswith("ivf_") else 1
        return max(nlist, 256) if self.state.index == "ivf_pq" else nlist

    def pin_search_threads(self) -> str:
        # one OpenMP thread per search, as ann-benchmarks runs FAISS; building used every core
        self._faiss.omp_set_num_threads(1)
        return "OpenMP threads per search: 1 (faiss.omp_set_num_threads; build used all cores)"

    def set_search_params(self, params: Mapping[str, Any]) -> None:
        self.state.search_params = dict(params)
        self._selector_cache = {}
        self._search_params = self._make_search_params(None)

    def _make_search_params(self, selector: Any) -> Any:
        faiss = self._faiss
        params = self.state.search_params
        if self.state.index in ("hnsw", "hnsw_sq8"):
            return faiss.SearchParametersHNSW(efSearch=int(params.get("ef_search", 64)), sel=selector)
        if self.state.index.startswith("ivf_"):
            return faiss.SearchParametersIVF(nprobe=int(params.get("nprobe", 16)), sel=selector)
        return faiss.SearchParameters(sel=selector) if selector is not None else None

    def engine_search_params(self) -> dict[str, Any] | None:
        # read from the parameter object FAISS is handed with every search, not from our own state
        params = self._search_params
        if isinstance(params, self._faiss.SearchParametersHNSW):
            return {"ef_search": int(params.efSearch)}
        if isinstance(params, self._faiss.SearchParametersIVF):
            return {"nprobe": int(params.nprobe)}
        return {}

    def _filtered_params(self, filter: Filter) -> Any:
        cached = self._selector_cache.get(filter)
        if cached is None:
            columns = {name: np.concatenate(parts) for name, parts in self._payloads.items()}
            mask = evaluate(filter, columns)
            allowed = np.concatenate(self._payload_ids)[mask].astype(np.int64)
            selector = self._faiss.IDSelectorBatch(allowed)
            # keep the selector alive as long as the parameters that point at it
            cached = (self._make_search_params(selector), selector)
            self._selector_cache[filter] = cached
        return cached[0]

    def search(self, vector: np.ndarray, k: int, filter: Filter | None = None) -> SearchHits:
        # The hot path of every latency measurement: one vector, no general-purpose helpers.
        query = self.query_vector(vector).reshape(1, -1)
        if self.state.metric is Metric.COSINE:
            norm = float(np.sqrt(query[0] @ query[0]))
            if norm > 0:
                query = query / norm
        params = self._search_params if filter is None else self._filtered_params(filter)
        scores, ids = self._index.search(query, k, params=params)
        if ids[0, -1] < 0:  # FAISS pads with -1 at the end when fewer than k vectors match
            keep = ids[0] >= 0
            return SearchHits(ids[0][keep], scores[0][keep])
        return SearchHits(ids[0], scores[0])

    def search_batch(self, vectors: np.ndarray, k: int, filter: Filter | None = None) -> list[SearchHits]:
        queries = self._prepare(vectors)
        params = self._search_params if filter is None else self._filtered_params(filter)
        scores, ids = self._index.search(queries, k, params=params)
        return [SearchHits(row_ids[row_ids >= 0], row_scores[row_ids >= 0]) for row_ids, row_scores in zip(ids, scores)]

    def index_bytes(self) -> int | None:
        # the serialized index is its in-memory structures: codes or vectors, graph links or inverted lists, ids
        return None if self._index is None else len(self._faiss.serialize_index(self._index))

    def delete(self, ids: np.ndarray) -> None:
        if self.state.index in ("hnsw", "hnsw_sq8"):
            raise UnsupportedFeature("FAISS HNSW indexes cannot remove vectors (IndexHNSW has no remove_ids()): "
                                     "a deletion means rebuilding the index")
        gone = np.ascontiguousarray(ids, dtype=np.int64)
        self._pending = [(p_ids[keep], p_vectors[keep]) for p_ids, p_vectors in self._pending
                         for keep in [~np.isin(p_ids, gone)]]
        self._index.remove_ids(gone)
        self._selector_cache = {}

    def count(self) -> int:
        pending = sum(len(p[0]) for p in self._pending)
        return (0 if self._index is None else int(self._index.ntotal)) + pending

    def drop(self) -> None:
        self._index = None
        self._pending = []
        self._payload_ids = []
        self._payloads = {}
        self._selector_cache = {}

    def disk_bytes(self) -> int | None:
        return None  # an in-memory index: nothing on disk to measure

    def versions(self) -> EngineVersions:
        version = package_version("faiss-cpu")
        return EngineVersions(engine=f"faiss {version}", client=f"faiss-cpu {version}")
