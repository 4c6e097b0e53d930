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

# Bytes of one block of scores; small enough to stay in cache, and the harness's memory stays bounded.
DEFAULT_CHUNK_BYTES = 32 * 1024 * 1024


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

    Computed in float64 so that ties between true neighbours are decided by the data, not by rounding;
    in slices of queries so the float64 temporaries stay small.
    """
    out = np.empty(candidates.shape[:2], dtype=np.float32)
    q_all = _prepared(queries, metric)
    for start in range(0, len(q_all), 64):
        q = q_all[start:start + 64].astype(np.float64)
        c = candidates[start:start + 64].astype(np.float64)
        if metric is Metric.COSINE:
            out[start:start + 64] = 1.0 - np.einsum("qd,qcd->qc", q, normalized(c))
        elif metric is Metric.IP:
            out[start:start + 64] = -np.einsum("qd,qcd->qc", q, c)
        else:
            diff = c - q[:, None, :]
            out[start:start + 64] = np.sqrt(np.einsum("qcd,qcd->qc", diff, diff))
    return out


def _scoring_side(vectors: np.ndarray, metric: Metric) -> np.ndarray:
    """Base vectors extended by one column so that one matrix product yields the final score.

    With queries extended by a column of ones, ``[q, 1] . [-2b, |b|^2] = |q - b|^2 - |q|^2`` for l2 and
    ``[q, 0] . [-b, 0] = -q.b`` otherwise: smaller is closer, and no pass over the score block is needed
    to turn products into scores.
    """
    prepared = _prepared(vectors, metric)
    extended = np.empty((len(prepared), prepared.shape[1] + 1), dtype=np.float32)
    if metric is Metric.L2:
        extended[:, :-1] = -2.0 * prepared
        extended[:, -1] = np.einsum("ij,ij->i", prepared, prepared)
    else:
        extended[:, :-1] = -prepared
        extended[:, -1] = 0.0
    return extended


def exact_knn(
    queries: np.ndarray,
    base: np.ndarray,
    metric: Metric,
    k: int,
    allowed: np.ndarray | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
) -> GroundTruth:
    """The k nearest base rows of every query; ``allowed`` (a boolean mask) restricts the candidates.

    Scores are computed block by block (blocks small enough to stay in cache and reused, so memory is
    bounded for any base size); a running k-th best score per query lets only the few entries that can
    still enter the top-k leave each block. The survivors are re-ranked with float64 distances.
    """
    base_rows = np.arange(len(base), dtype=np.int64) if allowed is None else np.flatnonzero(allowed)
    n_queries, n_candidates = len(queries), len(base_rows)
    k_found = min(k, n_candidates)
    ids = np.full((n_queries, k), -1, dtype=np.int64)
    distances = np.full((n_queries, k), np.inf, dtype=np.float32)
    if k_found == 0:
        return GroundTruth(ids, distances)
    # A few spare candidates absorb float32 rounding at the boundary; the float64 re-rank decides.
    k_select = min(n_candidates, k_found + 8)
    query_chunk = max(1, min(n_queries, 1024))
    base_chunk = int(min(n_candidates, max(k_select, min(8192, chunk_bytes // (4 * query_chunk)))))
    extended_queries = np.ones((n_queries, queries.shape[1] + 1), dtype=np.float32)
    extended_queries[:, :-1] = _prepared(queries, metric)
    if metric is not Metric.L2:
        extended_queries[:, -1] = 0.0
    block = np.empty((query_chunk, base_chunk), dtype=np.float32)
    mask = np.empty((query_chunk, base_chunk), dtype=bool)
    for q_start in range(0, n_queries, query_chunk):
        q_block = extended_queries[q_start:q_start + query_chunk]
        rows_here = len(q_block)
        best_scores = np.full((rows_here, k_select), np.inf, dtype=np.float32)
        best_rows = np.full((rows_here, k_select), -1, dtype=np.int64)
        threshold = np.full(rows_here, np.inf, dtype=np.float32)
        for b_start in range(0, n_candidates, base_chunk):
            rows = base_rows[b_start:b_start + base_chunk]
            # a slice (no copy) when every row is a candidate; a gather only under a filter
            vectors = base[b_start:b_start + base_chunk] if allowed is None else base[rows]
            scores = block[:rows_here, : len(rows)]
            np.matmul(q_block, _scoring_side(vectors, metric).T, out=scores)
            if b_start == 0:
                # The first block seeds the running top-k directly: every entry would pass the threshold.
                width = min(k_select, len(rows))
                seed = np.argpartition(scores, width - 1, axis=1)[:, :width] if len(rows) > width else \
                    np.broadcast_to(np.arange(width), (rows_here, width))
                best_scores[:, :width] = np.take_along_axis(scores, seed, axis=1)
                best_rows[:, :width] = rows[seed]
                threshold = best_scores.max(axis=1)
                continue
            passing = mask[:rows_here, : len(rows)]
            np.less(scores, threshold[:, None], out=passing)
            hit_q, hit_c = np.nonzero(passing)
            if len(hit_q) == 0:
                continue
            # Scatter each row's candidates beside its current best, then keep the k_select smallest.
            counts = np.bincount(hit_q, minlength=rows_here)
            width = int(counts.max())
            slot = np.arange(len(hit_q)) - np.repeat(np.cumsum(counts) - counts, counts)
            merged_scores = np.full((rows_here, k_select + width), np.inf, dtype=np.float32)
            merged_rows = np.full((rows_here, k_select + width), -1, dtype=np.int64)
            merged_scores[:, :k_select], merged_rows[:, :k_select] = best_scores, best_rows
            merged_scores[hit_q, k_select + slot] = scores[hit_q, hit_c]
            merged_rows[hit_q, k_select + slot] = rows[hit_c]
            keep = np.argpartition(merged_scores, k_select - 1, axis=1)[:, :k_select]
            best_scores = np.take_along_axis(merged_scores, keep, axis=1)
            best_rows = np.take_along_axis(merged_rows, keep, axis=1)
            threshold = best_scores.max(axis=1)
        # Exact distances of the survivors, then order by (distance, id) so ties are deterministic.
        exact = exact_distances(queries[q_start:q_start + query_chunk], base[best_rows], metric)
        order = np.lexsort((best_rows, exact), axis=1)[:, :k_found]
        ids[q_start:q_start + rows_here, :k_found] = np.take_along_axis(best_rows, order, axis=1)
        distances[q_start:q_start + rows_here, :k_found] = np.take_along_axis(exact, order, axis=1)
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
