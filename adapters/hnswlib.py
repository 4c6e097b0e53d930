"""hnswlib: the reference HNSW library, in-process; a library baseline beside FAISS.

The graph grows with each batch (``resize_index``), so the build happens during insert, as it does in
the library. Filters use hnswlib's own filter callback over payloads the adapter keeps beside the graph.
"""

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
    VectorAdapter,
    as_float32_matrix,
    package_version,
)
from vectorscout.contract.filters import Filter, evaluate
from vectorscout.contract.metric import Metric
from vectorscout.contract.params import Param

HNSW = IndexSpec(
    "hnsw",
    build_params=(
        Param("M", int, 16, "graph degree", 2, 256, sweep=(8, 16, 32)),
        Param("ef_construction", int, 200, "candidate list while building", 8, 4096, sweep=(100, 200, 400)),
    ),
    search_params=(
        Param("ef", int, 64, "candidate list per query (raised to k when smaller)", 1, 4096,
              sweep=(16, 32, 64, 128, 256, 512)),
    ),
    description="hnswlib's HNSW graph",
)
SPACES = {Metric.L2: "l2", Metric.COSINE: "cosine", Metric.IP: "ip"}


class HnswlibAdapter(VectorAdapter):
    name = "hnswlib"
    display_name = "hnswlib"
    capabilities = Capabilities(
        metrics=frozenset(Metric), index_types=(HNSW,), filtering=True, thread_safe=False, embedded=True,
    )
    colour = "#B6E880"
    what_runs = (
        'hnswlib: the C++ HNSW library in this process; no server exists',
    )
    requirements: ClassVar[Mapping[str, str]] = {"hnswlib": "hnswlib==0.8.0"}

    def open(self) -> None:
        self._hnswlib = self.import_engine("hnswlib")
        self.index: Any = None

    def close(self) -> None:
        self.index = None

    def create_collection(
        self, name: str, dim: int, metric: Metric, index: str, build_params: Mapping[str, Any]
    ) -> None:
        self.begin_collection(name, dim, metric, index, build_params)
        self.index = self._hnswlib.Index(space=SPACES[metric], dim=dim)
        self.index.init_index(max_elements=1024, M=int(build_params["M"]),
                              ef_construction=int(build_params["ef_construction"]), random_seed=100)
        self._ids: list[np.ndarray] = []
        self._deleted: set[int] = set()
        self._payloads: dict[str, list[np.ndarray]] = {}
        self._filters: dict[Filter, Any] = {}
        self.set_search_params(HNSW.search_defaults())

    def insert(
        self, ids: np.ndarray, vectors: np.ndarray, payloads: Mapping[str, np.ndarray] | None = None
    ) -> None:
        if self.index is None:
            raise AdapterError("create_collection must come before insert")
        matrix = as_float32_matrix(vectors, self.state.dim)
        needed = self.index.get_current_count() + len(matrix)
        if needed > self.index.get_max_elements():
            self.index.resize_index(max(needed, 2 * self.index.get_max_elements()))
        labels = np.asarray(ids, dtype=np.int64)
        self.index.add_items(matrix, labels)
        self._deleted.difference_update(labels.tolist())
        self._ids.append(labels)
        for column, values in (payloads or {}).items():
            self._payloads.setdefault(column, []).append(np.asarray(values))
        self._filters = {}

    def wait_until_indexed(self) -> None:
        # hnswlib links every vector into the graph inside add_items: the index is complete here.
        labels = len(np.unique(np.concatenate(self._ids))) if self._ids else 0  # a re-added label reuses its node
        if self.index is None or self.index.get_current_count() != labels:
            raise AdapterError("hnswlib's graph does not hold every inserted vector")

    def pin_search_threads(self) -> str:
        self.index.set_num_threads(1)  # the graph was built on every core; each query searches on one
        return "search threads: 1 (index.set_num_threads; build used all cores)"

    def set_search_params(self, params: Mapping[str, Any]) -> None:
        self.state.search_params = {**HNSW.search_defaults(), **params}
        self.index.set_ef(int(self.state.search_params["ef"]))

    def engine_search_params(self) -> dict[str, Any] | None:
        return {"ef": int(self.index.ef)}

    def _filter_function(self, filter: Filter) -> Any:
        function = self._filters.get(filter)
        if function is None:
            columns = {name: np.concatenate(parts) for name, parts in self._payloads.items()}
            allowed = set(np.concatenate(self._ids)[evaluate(filter, columns)].tolist())
            function = allowed.__contains__
            self._filters[filter] = function
        return function

    def search(self, vector: np.ndarray, k: int, filter: Filter | None = None) -> SearchHits:
        query = self.query_vector(vector).reshape(1, -1)
        if self.state.search_params["ef"] < k:
            self.index.set_ef(k)  # hnswlib needs ef >= k; the next set_search_params restores the sweep value
        found = min(k, self.index.get_current_count())
        try:
            labels, distances = self.index.knn_query(
                query, k=found, filter=None if filter is None else self._filter_function(filter)
            )
        except RuntimeError as exc:  # fewer matches than k under a selective filter
            if filter is None:
                raise
            labels, distances = self._filtered_fallback(query, k, filter, exc)
        return SearchHits(labels[0].astype(np.int64), distances[0].astype(np.float32))

    def _filtered_fallback(self, query: np.ndarray, k: int, filter: Filter, error: Exception) -> tuple[Any, Any]:
        """hnswlib raises when fewer than k items pass; ask again for as many as can match."""
        function = self._filter_function(filter)
        matching = len(function.__self__)
        if matching == 0:  # nothing passes the filter: the right answer is no hits
            return np.empty((1, 0), dtype=np.uint64), np.empty((1, 0), dtype=np.float32)
        # the graph search may still reach fewer than all matches: ask for fewer until it answers
        wanted = min(matching, k - 1)
        while wanted >= 1:
            try:
                labels, distances = self.index.knn_query(query, k=wanted, filter=function)
                return labels, distances
            except RuntimeError:
                wanted //= 2
        raise AdapterError(f"hnswlib filtered search failed: {error}") from None

    def index_bytes(self) -> int | None:
        # hnswlib's saved form is its memory layout: vectors, links and labels per element
        return None if self.index is None else int(self.index.index_file_size())

    def delete(self, ids: np.ndarray) -> None:
        # hnswlib marks the labels deleted: searches skip them, the graph keeps their nodes (re-adding a label
        # revives its node with the new vector)
        for label in np.asarray(ids, dtype=np.int64).tolist():
            self.index.mark_deleted(label)
            self._deleted.add(label)

    def count(self) -> int:
        return 0 if self.index is None else int(self.index.get_current_count()) - len(self._deleted)

    def drop(self) -> None:
        self.index = None
        self._ids, self._payloads, self._filters, self._deleted = [], {}, {}, set()

    def disk_bytes(self) -> int | None:
        return None  # an in-memory index: nothing on disk to measure

    def versions(self) -> EngineVersions:
        version = package_version("hnswlib")
        return EngineVersions(engine=f"hnswlib {version}", client=f"hnswlib {version}")
