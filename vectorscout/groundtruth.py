"""Exact nearest neighbours by chunked matrix multiplication, with memory bounded for any base size.

Distances follow one convention for every metric, smaller is closer: Euclidean distance for ``l2``,
``1 - cosine similarity`` for ``cosine`` and ``-dot product`` for ``ip``. The distance-threshold recall
compares engines on these distances, never on the engines' own scores.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adapters.base import Metric, normalized

# Bytes of similarity scores held at once; bounds the harness's memory whatever the dataset size.
DEFAULT_CHUNK_BYTES = 512 * 1024 * 1024


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


def exact_distances(queries: np.ndarray, candidates: np.ndarray, metric: Metric) -> np.ndarray:
    """Distances of each query to its own candidate vectors: queries (q, d), candidates (q, c, d).

    Computed in float64 so that ties between true neighbours are decided by the data, not by rounding.
    """
    q = _prepared(queries, metric).astype(np.float64)
    c = candidates.astype(np.float64)
    if metric is Metric.COSINE:
        c = normalized(c)
        return (1.0 - np.einsum("qd,qcd->qc", q, c)).astype(np.float32)
    if metric is Metric.IP:
        return (-np.einsum("qd,qcd->qc", q, c)).astype(np.float32)
    diff = c - q[:, None, :]
    return np.sqrt(np.einsum("qcd,qcd->qc", diff, diff)).astype(np.float32)


def exact_knn(
    queries: np.ndarray,
    base: np.ndarray,
    metric: Metric,
    k: int,
    allowed: np.ndarray | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> GroundTruth:
    """The k nearest base rows of every query; ``allowed`` (a boolean mask) restricts the candidates."""
    base_rows = np.arange(len(base), dtype=np.int64) if allowed is None else np.flatnonzero(allowed)
    prepared_queries = _prepared(queries, metric)
    n_queries, n_candidates = len(prepared_queries), len(base_rows)
    k_found = min(k, n_candidates)
    ids = np.full((n_queries, k), -1, dtype=np.int64)
    distances = np.full((n_queries, k), np.inf, dtype=np.float32)
    if k_found == 0:
        return GroundTruth(ids, distances)
    # One block of scores is (query_chunk x base_chunk) float32; keep it under chunk_bytes.
    query_chunk = max(1, min(n_queries, 1024))
    base_chunk = max(k_found, min(n_candidates, chunk_bytes // (4 * query_chunk)))
    for q_start in range(0, n_queries, query_chunk):
        q_block = prepared_queries[q_start:q_start + query_chunk]
        best_rows = np.empty((len(q_block), 0), dtype=np.int64)
        best_scores = np.empty((len(q_block), 0), dtype=np.float32)
        for b_start in range(0, n_candidates, base_chunk):
            rows = base_rows[b_start:b_start + base_chunk]
            b_block = _prepared(base[rows], metric)
            # "score": smaller is closer; for l2 the squared norm of the query is a constant per row.
            if metric is Metric.L2:
                scores = np.einsum("ij,ij->i", b_block, b_block)[None, :] - 2.0 * (q_block @ b_block.T)
            else:
                scores = -(q_block @ b_block.T)
            if scores.shape[1] > k_found:
                part = np.argpartition(scores, k_found - 1, axis=1)[:, :k_found]
                scores = np.take_along_axis(scores, part, axis=1)
                chunk_rows = rows[part]
            else:
                chunk_rows = np.broadcast_to(rows, scores.shape)
            best_scores = np.concatenate([best_scores, scores], axis=1)
            best_rows = np.concatenate([best_rows, chunk_rows], axis=1)
            if best_scores.shape[1] > k_found:
                part = np.argpartition(best_scores, k_found - 1, axis=1)[:, :k_found]
                best_scores = np.take_along_axis(best_scores, part, axis=1)
                best_rows = np.take_along_axis(best_rows, part, axis=1)
        # Exact distances of the survivors, then order by (distance, id) so ties are deterministic.
        exact = exact_distances(queries[q_start:q_start + query_chunk], base[best_rows], metric)
        order = np.lexsort((best_rows, exact), axis=1)
        ids[q_start:q_start + len(q_block), :k_found] = np.take_along_axis(best_rows, order, axis=1)
        distances[q_start:q_start + len(q_block), :k_found] = np.take_along_axis(exact, order, axis=1)
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
    temporary = path.with_suffix(".tmp.npz")
    np.savez(temporary, ids=truth.ids, distances=truth.distances)
    temporary.replace(path)
    return truth
