"""Intervals that hold what a run cannot see from its own queries: how far the same figure moves run after run.

A serial row's p50, p95 and QPS intervals come from its own queries (metrics.quantile_interval, qps_interval).
What moves a figure between runs on one machine (the index built again, another process, what the machine did
the seconds before) is the same for every query of a run, so those intervals cannot show it. Each new serial row
is therefore compared with the same measurement's earlier runs on the same machine (same engine and version,
index, build and search parameters, data and k, filter): with at least MIN_EARLIER_RUNS of them, each interval
becomes the wider of its own and the run-to-run one (metrics.run_spread_interval), and the row counts the runs it
took in (`interval_runs`).
"""

from __future__ import annotations

from dataclasses import replace

from vectorscout.benchmarking.metrics import MAX_EARLIER_RUNS, MIN_EARLIER_RUNS, NOISY_HOST_PCT, run_spread_interval, widened
from vectorscout.results.records import DatasetInfo, Environment, ResultRow
from vectorscout.results.store import EarlierRow

# What makes two runs the same machine: a run imported from another laptop with other hardware is not this one's spread
MACHINE_FIELDS = ("cpu_model", "cores", "ram_gb", "os")
# What makes two rows the same measurement, besides the run's data and k
ROW_FIELDS = ("engine", "engine_version", "index", "build_params", "search_params", "filter", "concurrency")


def comparable(earlier: EarlierRow, row: ResultRow, environment: Environment, dataset: DatasetInfo, k: int) -> bool:
    """Whether an earlier row measured the same figure as this row on this machine, on an idle enough host."""
    other = earlier.row
    loaded = other.host_other_cpu_pct is not None and other.host_other_cpu_pct > NOISY_HOST_PCT
    return (not loaded and other.latency_p95_ms is not None and other.hybrid is None and other.streaming is None
            and earlier.k == k and earlier.dataset.hash == dataset.hash and earlier.dataset.n == dataset.n
            and all(getattr(earlier.environment, name) == getattr(environment, name) for name in MACHINE_FIELDS)
            and all(getattr(other, name) == getattr(row, name) for name in ROW_FIELDS))


def with_run_spread(row: ResultRow, earlier: list[ResultRow]) -> ResultRow:
    """The row with its p50, p95 and QPS intervals widened to the run-to-run spread of these earlier rows (the
    latest MAX_EARLIER_RUNS), or as it is when there are too few of them."""
    latest = earlier[:MAX_EARLIER_RUNS]
    if (row.status != "ok" or row.concurrency != 1 or row.latency_p95_interval_ms is None
            or len(latest) < MIN_EARLIER_RUNS):
        return row
    def spread(figure: float | None, earlier_figures: list[float | None]) -> tuple[float, float] | None:
        return run_spread_interval(figure or 0.0, [value or 0.0 for value in earlier_figures])

    return replace(
        row, interval_runs=len(latest),
        latency_p50_interval_ms=widened(row.latency_p50_interval_ms,
                                        spread(row.latency_p50_ms, [r.latency_p50_ms for r in latest])),
        latency_p95_interval_ms=widened(row.latency_p95_interval_ms,
                                        spread(row.latency_p95_ms, [r.latency_p95_ms for r in latest])),
        qps_interval=widened(row.qps_interval, spread(row.qps, [r.qps for r in latest])))


def rows_with_run_spread(rows: list[ResultRow], candidates: dict[str, list[EarlierRow]], environment: Environment,
                         dataset: DatasetInfo, k: int) -> list[ResultRow]:
    """Each row widened by its own measurement's earlier runs, found among its engine's candidate rows."""
    return [with_run_spread(row, [e.row for e in candidates.get(row.engine, [])
                                  if comparable(e, row, environment, dataset, k)]) for row in rows]
