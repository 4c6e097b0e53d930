"""Trade-off analysis of result rows: Pareto frontiers and figures at a recall target."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from vectorscout.results.records import ResultRow, Run, TuningFigures


@dataclass(frozen=True)
class FrontierPoint:
    recall: float
    qps: float
    latency_p95_ms: float | None
    index: str
    build_params: dict[str, Any]
    search_params: dict[str, Any]
    noise: str = ""  # why the measurement may be disturbed ("" when the host was quiet)


def _measured(rows: Iterable[ResultRow]) -> list[ResultRow]:
    # the trade-off curves compare serial passes; concurrent rows answer a different question
    return [r for r in rows if r.status == "ok" and r.recall is not None and r.qps is not None and r.concurrency == 1]


def pareto_frontier(rows: Iterable[ResultRow]) -> dict[str, list[FrontierPoint]]:
    """Per engine, the settings no other setting of that engine beats on both recall and QPS.

    As in ann-benchmarks: walk from the highest recall down and keep a point only when its QPS is higher
    than every point with at least its recall.
    """
    frontier: dict[str, list[FrontierPoint]] = {}
    by_engine: dict[str, list[ResultRow]] = {}
    for row in _measured(rows):
        by_engine.setdefault(series_text(row), []).append(row)
    for engine, engine_rows in sorted(by_engine.items()):
        kept: list[FrontierPoint] = []
        best_qps = float("-inf")
        for row in sorted(engine_rows, key=lambda r: (-(r.recall or 0.0), -(r.qps or 0.0))):
            if (row.qps or 0.0) > best_qps:
                best_qps = row.qps or 0.0
                kept.append(FrontierPoint(row.recall or 0.0, row.qps or 0.0, row.latency_p95_ms, row.index,
                                          dict(row.build_params), dict(row.search_params), row.noise or ""))
        frontier[engine] = sorted(kept, key=lambda p: p.recall)
    return frontier


def at_recall(rows: Iterable[ResultRow], target: float) -> dict[str, dict[str, Any]]:
    """Per series (engine, and run when runs are compared): the best QPS and the best p95 among settings whose
    recall reaches the target; each entry names its series and run."""
    summary: dict[str, dict[str, Any]] = {}
    for row in _measured(rows):
        entry = summary.setdefault(series_text(row), {"series": row.series or row.engine, "run": row.run_id,
                                                      "qps": None, "latency_p95_ms": None, "reached": False})
        if reaches_target(row.recall, row.tuning, target, row.k):  # as the recommendation and cost model count it
            entry["reached"] = True
            entry["qps"] = max(entry["qps"] or 0.0, row.qps or 0.0)
            if row.latency_p95_ms is not None:
                current = entry["latency_p95_ms"]
                entry["latency_p95_ms"] = row.latency_p95_ms if current is None else min(current, row.latency_p95_ms)
    return summary


def engine_memory_mb(row: ResultRow) -> float | None:
    """The memory the engine itself held: the most the worker tree (with the engine's servers) held at the end
    of any stage, minus what it held with the engine opened empty (stage "open": the harness, its copy of the
    dataset and the empty engine). Not the peak RSS: the worker's high-water mark is usually set while it
    loads the dataset, before the engine holds anything. Without an "open" stage (runs in-process, or stored
    before stages were recorded) it is not measured: the whole RSS would be mostly the harness's."""
    held = [stage["rss_mb"] for stage in row.stages if stage.get("rss_mb") is not None]
    opened = next((stage.get("rss_mb") for stage in row.stages if stage.get("stage") == "open"), None)
    if opened is None:
        return None
    return max(0.0, max(held) - opened)


def frontier_json(rows: Iterable[ResultRow]) -> list[dict[str, Any]]:
    return [{"engine": engine, "points": [asdict(p) for p in points]}
            for engine, points in pareto_frontier(rows).items()]


def measured_product(row: ResultRow) -> str:
    """The engine that answered where it is not the one the row's key names: an embedded mode that runs another
    engine than the server (Milvus Lite beside Milvus), as its adapter declares; "" otherwise, and for an engine
    this installation does not know."""
    from adapters.registry import UnknownEngine, adapter_class

    try:
        adapter = adapter_class(row.engine)
    except UnknownEngine:
        return ""
    # rows stored before the deployment was recorded were measured the engine's default way
    deployment = row.deployment or adapter.measured_where()[0]
    return adapter.embedded_product if deployment == "embedded" else ""


def evidence_for(row: ResultRow, mode: str | None) -> bool:
    """Whether the row can be evidence for the deployment ``mode``: a row of an embedded mode that is another
    engine (Milvus Lite beside Milvus) speaks for that embedded engine only, never for a server or a cluster."""
    return mode is None or mode == "embedded" or not measured_product(row)


def engine_label(row: ResultRow) -> str:
    """The engine as a user reads it: its key, and the product measured where that is another engine
    ("milvus (Milvus Lite 3, a Python engine over FAISS indexes)"), never a Lite figure under Milvus's name."""
    product = measured_product(row)
    return f"{row.engine} ({product})" if product else row.engine


def compared_rows(runs: list[Run]) -> list[ResultRow]:
    """The rows of several runs on one set of charts, each with its series and (with more than one run) its run
    as fields, so the same engine from two days stays two series; an engine measured both embedded and as a
    server is its own series per place ("chroma (server, loopback)"), for the same reason, and an embedded mode
    that is another engine is named with that engine (engine_label)."""
    deployments: dict[str, set[str]] = {}
    for run in runs:
        for row in run.results:
            deployments.setdefault(row.engine, set()).add(row.deployment)

    def series(row: ResultRow) -> str:
        named = engine_label(row)
        where = f" ({row.deployment}, {row.endpoint})" if named == row.engine and len(deployments[row.engine]) > 1 \
            and row.deployment else ""
        return f"{named}{where}"

    return [replace(row, series=series(row), run_id=run.run_id if len(runs) > 1 else "")
            for run in runs for row in run.results]


def series_text(row: ResultRow) -> str:
    """How a row's series reads where one name must say it all (a legend key, a warning): "qdrant", or
    "qdrant @ 20261125-…" in a comparison of runs. Display only: nothing parses it back."""
    series = row.series or row.engine
    return f"{series} @ {row.run_id}" if row.run_id else series


# each machine and software field compared, with the words a reader sees for it
COMPARED_ENVIRONMENT = {"cpu_model": "CPU", "cores": "cores", "ram_gb": "RAM (GB)", "os": "operating system",
                        "python": "Python", "vectorscout": "VectorScout"}


def environment_differences(runs: list[Run]) -> list[str]:
    """What differs between the machines and software the runs were measured with (numbers from different
    machines are not comparable as they are)."""
    differences = []
    for key, words in COMPARED_ENVIRONMENT.items():
        # an empty value (a run stored without it) reads "?", not as a machine without a CPU
        values = {str(getattr(run.environment, key) or "?") for run in runs}
        if len(values) > 1:
            differences.append(f"{words}: {' / '.join(sorted(values))}")
    engines = sorted({e for run in runs for e in run.environment.engines})
    for engine in engines:
        versions = {run.environment.engines[engine].get("engine") or "?" for run in runs
                    if engine in run.environment.engines}
        if len(versions) > 1:
            differences.append(f"{engine} version: {' / '.join(sorted(versions))}")
    datasets = {f"{run.dataset.name} (n={run.dataset.n}, k={run.k})" for run in runs}
    if len(datasets) > 1:
        differences.append(f"dataset: {' / '.join(sorted(datasets))}")
    return differences


def recall_tolerance(target: float, queries: int, k: int) -> float:
    """Twice the standard error of a recall near the target read on `queries` queries of k neighbours each
    (binomial): a held-out recall this close below the target is the same recall, read on other queries."""
    return 2 * math.sqrt(max(target * (1 - target), 0.0) / max(queries * k, 1))


def reaches_target(recall: float | None, tuning: TuningFigures | None, target: float, k: int) -> bool:
    """Whether a row's recall counts as reaching the target: read at or above it, or tuned to at least this
    target on the tuning queries and read on the held-out ones within the tolerance of reading it on others."""
    if recall is None:
        return False
    if recall >= target:
        return True
    return (tuning is not None and tuning.reached and tuning.target >= target
            and recall >= target - recall_tolerance(target, tuning.held_out_queries, k))


def paired_difference(first: Sequence[float], second: Sequence[float]) -> tuple[float, float]:
    """Mean of first - second over the same queries and its standard error (nan with fewer than two pairs):
    the per-query differences cancel what the queries share, so it tells apart far closer figures than two
    means' separate standard errors do."""
    if len(first) != len(second) or len(first) < 2:
        return float("nan"), float("nan")
    differences = np.asarray(first, dtype=np.float64) - np.asarray(second, dtype=np.float64)
    return float(differences.mean()), float(differences.std(ddof=1) / np.sqrt(len(differences)))
