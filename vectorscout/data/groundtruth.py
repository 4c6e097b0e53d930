"""Exact nearest neighbours by blocked brute force, with memory bounded for any base size.

Distances follow one convention for every metric, smaller is closer: Euclidean distance for ``l2``,
``1 - cosine similarity`` for ``cosine`` and ``-dot product`` for ``ip``. The distance-threshold recall
compares engines on these distances, never on the engines' own scores.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vectorscout.contract.metric import Metric, normalized
from vectorscout.home import write_atomically

# Bytes of base vectors handled at once: bounds the harness's memory whatever the dataset size.
DEFAULT_CHUNK_BYTES = 128 * 1024 * 1024


@dataclass(frozen=True)
class GroundTruth:
    ids: np.ndarray  # (queries, k) int64 base row ids, nearest first; -1 where fewer than k exist
    distances: np.ndarray  # (queries, k) float32 in the convention above; +inf where ids is -1

    @property
    def k(self) -> int:
        return int(self.ids.shape[1])


def _prepared(vectors: np.ndarray, metric: Metric) -> np.ndarray:
    matrix = np.ascontiguousarray(vectors, dtype=np.float32)
    return normalized(matrix) if metric is Metric.COSINE else matrix


def exact_distances(queries: np.ndarray, base: np.ndarray, ids: np.ndarray, metric: Metric) -> np.ndarray:
    """Distances of each query to the base rows ``ids[i]`` (ids: (queries, c), all valid row numbers).

    Computed in float64 so that ties between true neighbours are decided by the data, not by rounding;
    in slices of queries so the gathered vectors and float64 temporaries stay small and in cache.
    """
    out = np.empty(ids.shape, dtype=np.float32)
    q_all = _prepared(queries, metric)
    step = 64
    for start in range(0, len(q_all), step):
        q = q_all[start:start + step].astype(np.float64)
        c = base[ids[start:start + step]].astype(np.float64)
        if metric is Metric.COSINE:
            out[start:start + step] = 1.0 - np.einsum("qd,qcd->qc", q, normalized(c))
        elif metric is Metric.IP:
            out[start:start + step] = -np.einsum("qd,qcd->qc", q, c)
        else:
            c -= q[:, None, :]
            out[start:start + step] = np.sqrt(np.einsum("qcd,qcd->qc", c, c))
    return out


def exact_knn(
    queries: np.ndarray,
    base: np.ndarray,
    metric: Metric,
    k: int,
    allowed: np.ndarray | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> GroundTruth:
    """The k nearest base rows of every query; ``allowed`` (a boolean mask) restricts the candidates.

    The base is taken in blocks of at most ``chunk_bytes`` (memory stays bounded for any n). Within a
    block, FAISS's brute-force kernel (a BLAS product with per-query heaps; exhaustive, no index) picks a
    few more than k candidates, which is 2-3x faster than a numpy product with argpartition here. The
    candidates of all blocks are merged, then re-ranked with float64 distances, and ties ordered by id.
    """
    import faiss  # a core dependency: FAISS Flat is also the exact baseline engine

    base_rows = np.arange(len(base), dtype=np.int64) if allowed is None else np.flatnonzero(allowed)
    n_queries, n_candidates = len(queries), len(base_rows)
    k_found = min(k, n_candidates)
    ids = np.full((n_queries, k), -1, dtype=np.int64)
    distances = np.full((n_queries, k), np.inf, dtype=np.float32)
    if k_found == 0:
        return GroundTruth(ids, distances)
    # A few spare candidates absorb float32 rounding at the boundary; the float64 re-rank decides.
    k_select = min(n_candidates, k_found + 8)
    block_rows = max(k_select, chunk_bytes // (4 * max(1, base.shape[1])))
    faiss_metric = faiss.METRIC_L2 if metric is Metric.L2 else faiss.METRIC_INNER_PRODUCT
    prepared_queries = _prepared(queries, metric)
    best_scores = np.empty((n_queries, 0), dtype=np.float32)
    best_rows = np.empty((n_queries, 0), dtype=np.int64)
    for b_start in range(0, n_candidates, block_rows):
        rows = base_rows[b_start:b_start + block_rows]
        # a slice (no copy) when every row is a candidate; a gather only under a filter
        block = base[b_start:b_start + block_rows] if allowed is None else base[rows]
        k_block = min(k_select, len(rows))
        scores, found = faiss.knn(prepared_queries, _prepared(block, metric), k_block, metric=faiss_metric)
        if faiss_metric == faiss.METRIC_INNER_PRODUCT:
            scores = -scores  # smaller is closer, as for l2
        best_scores = np.concatenate([best_scores, scores], axis=1)
        best_rows = np.concatenate([best_rows, rows[found]], axis=1)
        if best_scores.shape[1] > k_select:
            keep = np.argpartition(best_scores, k_select - 1, axis=1)[:, :k_select]
            best_scores = np.take_along_axis(best_scores, keep, axis=1)
            best_rows = np.take_along_axis(best_rows, keep, axis=1)
    exact = exact_distances(queries, base, best_rows, metric)
    order = np.lexsort((best_rows, exact), axis=1)[:, :k_found]
    ids[:, :k_found] = np.take_along_axis(best_rows, order, axis=1)
    distances[:, :k_found] = np.take_along_axis(exact, order, axis=1)
    return GroundTruth(ids, distances)


def cached_ground_truth(
    cache_dir: Path, content_hash: str, queries: np.ndarray, base: np.ndarray, metric: Metric, k: int,
    allowed: np.ndarray | None = None, filter_key: str = "",
) -> GroundTruth:
    """``exact_knn`` cached on disk by dataset content hash, metric, k and filter."""
    key = hashlib.sha256(f"{content_hash}|{metric.value}|{k}|{filter_key}".encode()).hexdigest()[:32]
    path = cache_dir / f"gt-{key}.npz"
    if path.exists():
        try:
            with np.load(path) as stored:
                return GroundTruth(stored["ids"], stored["distances"])
        except (OSError, ValueError, KeyError):
            path.unlink(missing_ok=True)  # a damaged cache entry is recomputed, never trusted
    truth = exact_knn(queries, base, metric, k, allowed)
    cache_dir.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda temporary: np.savez(temporary, ids=truth.ids, distances=truth.distances))
    return truth
