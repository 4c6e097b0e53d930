"""The serial pass of one search setting: warm-up, timed passes over every query, recall and quality."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from adapters.base import VectorAdapter
from vectorscout.benchmarking.metrics import (
    LatencySummary,
    mask_repeats,
    noise_verdict,
    recall_distance,
    recall_ids,
    retrieval_quality,
    spread_pct,
    summarize_latencies,
)
from vectorscout.benchmarking.plan import RunPlan
from vectorscout.contract import filters
from vectorscout.data.datasets import Dataset
from vectorscout.data.groundtruth import GroundTruth, exact_distances
from vectorscout.process.memory import HostLoad
from vectorscout.process.progress import CancelToken
from vectorscout.results.records import ResultRow

StageReport = Callable[[str, int, int], None]  # (stage, done, total) of the engine being measured
RowFactory = Callable[..., ResultRow]  # (status, **figures) -> a row carrying the engine job's identity


def setting_name(search_params: dict[str, Any]) -> str:
    return "search " + ",".join(f"{key}={value}" for key, value in search_params.items()) if search_params else "search"


def true_distances_of(found: np.ndarray, dataset: Dataset) -> np.ndarray:
    """True distances of returned ids (+inf for empty, out-of-range or repeated ids)."""
    valid = mask_repeats(found) & (found < dataset.n)
    exact = exact_distances(dataset.queries, dataset.base, np.where(valid, found, 0), dataset.metric)
    return np.where(valid, exact, np.inf).astype(np.float32)


def recalls(found: np.ndarray, dataset: Dataset, truth: GroundTruth, k: int) -> tuple[float, float]:
    """Both recalls of the ids found per query: by id, and by distance (ties count as found)."""
    return (recall_ids(found, truth.ids, k),
            recall_distance(true_distances_of(found, dataset), truth.distances, truth.ids, k))


def measure_serial(db: VectorAdapter, make_row: RowFactory, dataset: Dataset, truth: GroundTruth, tree: filters.Filter | None,
                   plan: RunPlan, search_params: dict[str, Any], report: StageReport,
                   cancel: CancelToken) -> ResultRow:
    """Warm-up (discarded), then `plan.repetitions` timed passes: each figure is the median over passes."""
    queries, k = dataset.queries, plan.k
    label = " ".join(["search", *(f"{key}={value}" for key, value in search_params.items())])
    for query in queries[: min(plan.warmup_queries, len(queries))]:
        db.search(query, k, tree)
    passes, every_latency = [], []
    host = HostLoad(db.server_process_ids(), count_parent=plan.isolate).start()
    for repetition in range(plan.repetitions):
        stage = label if plan.repetitions == 1 else f"{label} (pass {repetition + 1}/{plan.repetitions})"
        found, latencies, wall = timed_pass(db, queries, k, tree, stage, report, cancel)
        passes.append(summarize_latencies(latencies, wall))
        every_latency.append(latencies)
    host_other = host.other_pct()
    quantiles = np.percentile(np.concatenate(every_latency) / 1e6, [*range(101), 99.9])
    summary = LatencySummary(**{f.name: float(np.median([getattr(p, f.name) for p in passes]))
                                for f in dataclasses.fields(LatencySummary)})
    recall, recall_by_distance = recalls(found, dataset, truth, k)
    row = make_row(
        "ok", recall=recall, recall_distance=recall_by_distance,
        latency_p50_ms=summary.p50_ms, latency_p95_ms=summary.p95_ms, latency_p99_ms=summary.p99_ms,
        latency_mean_ms=summary.mean_ms, qps=summary.qps, n_queries=len(queries), repetitions=len(passes),
        load="1 client, serial", latency_quantiles_ms=[round(float(q), 5) for q in quantiles],
        qps_spread_pct=spread_pct([p.qps for p in passes]), host_other_cpu_pct=host_other,
        noise=noise_verdict(host_other, [p.qps for p in passes]),
    )
    if dataset.qrels is not None:
        judged = retrieval_quality(found, dataset.qrels, k)
        row.ndcg_at_10, row.mrr_at_10, row.recall_judged = judged.ndcg_at_10, judged.mrr_at_10, judged.recall_at_k
        row.exact_ndcg_at_10 = retrieval_quality(truth.ids[:, :k], dataset.qrels, k).ndcg_at_10
    return row


def timed_pass(db: VectorAdapter, queries: np.ndarray, k: int, tree: filters.Filter | None, stage: str, report: StageReport,
               cancel: CancelToken) -> tuple[np.ndarray, np.ndarray, float]:
    """One serial pass over all queries: the ids found, per-query latencies (ns) and the wall time."""
    n_queries = len(queries)
    found = np.full((n_queries, k), -1, dtype=np.int64)
    latencies = np.empty(n_queries, dtype=np.int64)
    step = max(1, n_queries // 50)
    clock = time.perf_counter_ns
    loop_started = time.perf_counter()
    for i in range(n_queries):
        query = queries[i]
        began = clock()
        hits = db.search(query, k, tree)
        latencies[i] = clock() - began
        returned = hits.ids[:k]
        found[i, : len(returned)] = returned
        if i % step == 0:
            cancel.check()
            report(stage, i, n_queries)
    wall = time.perf_counter() - loop_started
    report(stage, n_queries, n_queries)
    return found, latencies, wall
