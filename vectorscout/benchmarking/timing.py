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
    qps_interval,
    quantile_interval,
    recall_distance,
    recall_interval,
    recall_per_query,
    relative_half_width_pct,
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

# The p95 lies where latencies are sparse, so its interval is wider than the median's on the same queries (two quick
# evaluations here, seven engines, 500 to 1,500 queries each: p50 ±0.7-1.9 %, p95 ±2.1-8.4 %); held to the
# median's width it would time every heavy-tailed engine to the ceiling.
TAIL_FACTOR = 2.0
StageReport = Callable[[str, int, int], None]  # (stage, done, total) of the engine being measured
RowFactory = Callable[..., ResultRow]  # (status, **figures) -> a row carrying the engine job's identity


def setting_name(search_params: dict[str, Any]) -> str:
    return "search " + ",".join(f"{key}={value}" for key, value in search_params.items()) if search_params else "search"


def true_distances_of(found: np.ndarray, dataset: Dataset) -> np.ndarray:
    """True distances of returned ids (+inf for empty, out-of-range or repeated ids)."""
    valid = mask_repeats(found) & (found < dataset.n)
    exact = exact_distances(dataset.queries, dataset.base, np.where(valid, found, 0), dataset.metric)
    return np.where(valid, exact, np.inf).astype(np.float32)


def recalls(found: np.ndarray, dataset: Dataset, truth: GroundTruth, k: int) -> tuple[float, float, np.ndarray]:
    """Both recalls of the ids found per query: by id, and by distance (ties count as found); and each query's
    recall by id, the sample recall's interval is read from."""
    per_query = recall_per_query(found, truth.ids, k)
    return (float(per_query.mean()),
            recall_distance(true_distances_of(found, dataset), truth.distances, truth.ids, k), per_query)


def measure_serial(db: VectorAdapter, make_row: RowFactory, dataset: Dataset, truth: GroundTruth,
                   tree: filters.Filter | None, plan: RunPlan, search_params: dict[str, Any], report: StageReport,
                   cancel: CancelToken) -> ResultRow:
    """Warm-up (discarded), then timed passes over every query. Each figure is the median over the passes (the
    fixed recipe: robust to one spoiled pass), or, when timing stops once the answer is known, over every timed
    query at once, the same sample its 95 % interval is read from, so the interval holds the figure."""
    queries, k = dataset.queries, plan.k
    for query in queries[: min(plan.warmup_queries, len(queries))]:
        db.search(query, k, tree)
    host = HostLoad(db.server_process_ids(), count_parent=plan.isolate).start()
    found, passes, every_latency = timed_passes(db, queries, tree, plan, search_params, report, cancel)
    host_other = host.other_pct()
    latency_ms = np.concatenate(every_latency) / 1e6
    quantiles = np.percentile(latency_ms, [*range(101), 99.9])
    summary = pooled(passes, every_latency) if plan.until_known_pct else median_of(passes)
    recall, recall_by_distance, per_query = recalls(found, dataset, truth, k)
    row = make_row(
        "ok", recall=recall, recall_distance=recall_by_distance,
        latency_p50_ms=summary.p50_ms, latency_p95_ms=summary.p95_ms, latency_p99_ms=summary.p99_ms,
        latency_mean_ms=summary.mean_ms, qps=summary.qps, n_queries=len(queries), repetitions=len(passes),
        load="1 client, serial", latency_quantiles_ms=[round(float(q), 5) for q in quantiles],
        qps_spread_pct=spread_pct([p.qps for p in passes]), host_other_cpu_pct=host_other,
        noise=noise_verdict(host_other, [p.qps for p in passes]),
        recall_interval=list(recall_interval(per_query)),
        **{name: list(interval) for name, interval in latency_intervals(latency_ms, summary.qps).items()},
    )
    if dataset.qrels is not None:
        judged = retrieval_quality(found, dataset.qrels, k)
        row.ndcg_at_10, row.mrr_at_10, row.recall_judged = judged.ndcg_at_10, judged.mrr_at_10, judged.recall_at_k
        row.exact_ndcg_at_10 = retrieval_quality(truth.ids[:, :k], dataset.qrels, k).ndcg_at_10
    return row


def median_of(passes: list[LatencySummary]) -> LatencySummary:
    return LatencySummary(**{f.name: float(np.median([getattr(p, f.name) for p in passes]))
                             for f in dataclasses.fields(LatencySummary)})


def pooled(passes: list[LatencySummary], every_latency: list[np.ndarray]) -> LatencySummary:
    """The figures over every timed query of every pass (QPS: all queries over all the passes' wall time)."""
    wall = sum(len(latencies) / p.qps for p, latencies in zip(passes, every_latency) if p.qps > 0)
    return summarize_latencies(np.concatenate(every_latency), wall)


def latency_intervals(latency_ms: np.ndarray, qps: float) -> dict[str, tuple[float, float]]:
    """The 95 % intervals of p50, p95 and serial QPS, named as the row's fields."""
    return {"latency_p50_interval_ms": quantile_interval(latency_ms, 0.50),
            "latency_p95_interval_ms": quantile_interval(latency_ms, 0.95),
            "qps_interval": qps_interval(qps, latency_ms)}


def known_well_enough(passes: list[LatencySummary], every_latency: list[np.ndarray], within_pct: float) -> bool:
    """Whether the intervals of p50 and QPS over the passes so far are within ± within_pct percent of the figures
    they would report (over every query timed so far), and p95's within TAIL_FACTOR times that."""
    figures = pooled(passes, every_latency)
    intervals = latency_intervals(np.concatenate(every_latency) / 1e6, figures.qps)
    return (relative_half_width_pct(intervals["latency_p50_interval_ms"], figures.p50_ms) <= within_pct
            and relative_half_width_pct(intervals["qps_interval"], figures.qps) <= within_pct
            and relative_half_width_pct(intervals["latency_p95_interval_ms"], figures.p95_ms) <= TAIL_FACTOR * within_pct)


def timed_passes(db: VectorAdapter, queries: np.ndarray, tree: filters.Filter | None, plan: RunPlan,
                 search_params: dict[str, Any], report: StageReport,
                 cancel: CancelToken) -> tuple[np.ndarray, list[LatencySummary], list[np.ndarray]]:
    """plan.repetitions passes over every query, or, with plan.until_known_pct, as few as make the intervals that
    tight (one at least: recall needs every query). The ids found (last pass), each pass's summary, its latencies."""
    label = " ".join(["search", *(f"{key}={value}" for key, value in search_params.items())])
    passes: list[LatencySummary] = []
    every_latency: list[np.ndarray] = []
    found = np.empty((0, plan.k), dtype=np.int64)
    for repetition in range(plan.repetitions):
        stage = label if plan.repetitions == 1 else f"{label} (pass {repetition + 1}/{plan.repetitions})"
        found, latencies, wall = timed_pass(db, queries, plan.k, tree, stage, report, cancel)
        passes.append(summarize_latencies(latencies, wall))
        every_latency.append(latencies)
        if plan.until_known_pct and known_well_enough(passes, every_latency, plan.until_known_pct):
            break
    return found, passes, every_latency


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
