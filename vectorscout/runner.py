"""The benchmark runner: per engine, build one index and sweep it over its search settings.

Stages per engine: create -> insert in batches (timed) -> wait until indexed (timed apart) -> for each
search setting: warm-up, serial queries timed with ``perf_counter_ns``, both recalls -> drop. A failing
engine records its own failure and the next engine goes on; results are stored as each engine ends.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing as mp
import os
import queue
import secrets
import shutil
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from adapters.registry import adapter_class
from vectorscout import filters
from vectorscout.data import Dataset, load_dataset
from vectorscout.environment import machine
from vectorscout.groundtruth import GroundTruth, exact_distances
from vectorscout.home import subdir
from vectorscout.isolation import memory_bytes, run_engine_isolated
from vectorscout.metrics import (
    LatencySummary,
    mask_repeats,
    recall_distance,
    recall_ids,
    retrieval_quality,
    spread_pct,
    summarize_latencies,
)
from vectorscout.results import ResultRow, Run, RunStatus, utc_now
from vectorscout.secrets import redact
from vectorscout.specs import EngineConfig, SpecError
from vectorscout.store import ResultsStore, new_run_id

log = logging.getLogger(__name__)


class PlanError(ValueError):
    """A plan that cannot run (bad k, filter or dataset); raised before anything is stored."""


class Cancelled(Exception):
    """The user cancelled the run."""


@dataclass
class RunPlan:
    dataset: str
    engines: list[EngineConfig]
    k: int = 10
    filter: str | None = None
    label: str = ""
    batch_size: int = 1000
    warmup_queries: int = 50
    # Each engine job runs in its own worker process (see vectorscout/isolation.py) unless this is off.
    isolate: bool = True
    timeout_s: float = 3600.0
    memory_limit_mb: int = 0  # 0: no limit
    # Client concurrency levels measured after the serial pass (1 is always the serial pass itself).
    concurrency: tuple[int, ...] = (1,)
    # Timed serial passes per search setting (after the warm-up, which is discarded).
    repetitions: int = 1
    # Concurrent load: 0 sends each query once; above 0 the clients cycle over the queries for this long.
    duration_s: float = 0.0
    # Who applies concurrent load: "local" (threads, or processes for clients that are not thread-safe) or
    # "locust" (Locust master/worker processes; the engine must be reachable over the network).
    load_driver: str = "local"
    locust_workers: int = 2

    def public(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset, "engines": [e.public() for e in self.engines], "k": self.k,
            "filter": self.filter, "label": self.label, "batch_size": self.batch_size,
            "warmup_queries": self.warmup_queries, "isolate": self.isolate, "timeout_s": self.timeout_s,
            "memory_limit_mb": self.memory_limit_mb, "concurrency": list(self.concurrency),
            "repetitions": self.repetitions, "duration_s": self.duration_s, "load_driver": self.load_driver,
            "locust_workers": self.locust_workers,
        }


@dataclass(frozen=True)
class Progress:
    engine: str
    stage: str
    done: int
    total: int

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


ProgressCallback = Callable[[Progress], None]


class StageClock:
    """Elapsed time and an ETA per engine stage, from the share done so far (a stage's work is uniform:
    batches of the same size, queries of the same kind)."""

    def __init__(self) -> None:
        self._started: dict[tuple[str, str], float] = {}

    def observe(self, event: Progress) -> tuple[float, float | None]:
        now = time.monotonic()
        elapsed = now - self._started.setdefault((event.engine, event.stage), now)
        if event.done >= event.total:
            return elapsed, 0.0
        if event.done <= 0 or elapsed <= 0:
            return elapsed, None
        return elapsed, elapsed * (event.total - event.done) / event.done


@dataclass
class CancelToken:
    event: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self.event.set()

    @property
    def cancelled(self) -> bool:
        return self.event.is_set()

    def check(self) -> None:
        # `event` may also be a multiprocessing Event: the token works across the worker boundary
        if self.event.is_set():
            raise Cancelled("cancelled by the user")


@dataclass
class PreparedRun:
    dataset: Dataset
    truth: GroundTruth
    filter: filters.Filter | None
    selectivity: float | None = None  # share of the vectors the filter keeps


def prepare(plan: RunPlan, progress: ProgressCallback | None = None) -> PreparedRun:
    """Load the dataset and its ground truth and validate the plan against them."""
    try:
        dataset = load_dataset(plan.dataset)
    except (SpecError, ValueError) as exc:
        raise PlanError(str(exc)) from None
    if not plan.engines:
        raise PlanError("no engine selected")
    if not 1 <= plan.k <= min(dataset.n, 1000):
        raise PlanError(f"k must be between 1 and {min(dataset.n, 1000)} for {dataset.name} (n={dataset.n}); got {plan.k}")
    if plan.batch_size < 1:
        raise PlanError(f"batch size must be at least 1; got {plan.batch_size}")
    if not 1 <= plan.repetitions <= 100:
        raise PlanError(f"repetitions must be between 1 and 100; got {plan.repetitions}")
    if not 0 <= plan.duration_s <= 3600:
        raise PlanError(f"the load duration must be between 0 and 3600 s; got {plan.duration_s:g}")
    if plan.load_driver not in ("local", "locust"):
        raise PlanError(f"the load driver is 'local' or 'locust'; got {plan.load_driver!r}")
    if not 1 <= plan.locust_workers <= 64:
        raise PlanError(f"Locust workers must be between 1 and 64; got {plan.locust_workers}")
    if any(not 1 <= level <= 256 for level in plan.concurrency):
        raise PlanError(f"concurrency levels must be between 1 and 256; got {list(plan.concurrency)}")
    tree = None
    matches = dataset.n
    if plan.filter:
        try:
            tree = filters.parse_filter(plan.filter)
            matches = int(filters.evaluate(tree, dataset.payloads).sum())
        except filters.FilterError as exc:
            raise PlanError(str(exc)) from None
        if matches == 0:
            raise PlanError(f"filter {plan.filter!r} matches no vector of {dataset.name}")
    if progress:
        progress(Progress("ground truth", "exact neighbours", 0, 1))
    truth = dataset.ground_truth(plan.k, tree)
    if progress:
        progress(Progress("ground truth", "exact neighbours", 1, 1))
    return PreparedRun(dataset, truth, tree, matches / dataset.n if tree is not None else None)


def execute(
    plan: RunPlan,
    store: ResultsStore,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    prepared: PreparedRun | None = None,
    run_id: str | None = None,
) -> Run:
    """Run the plan, storing the run first and each engine's rows as soon as they exist."""
    prepared = prepared or prepare(plan, progress)
    cancel = cancel or CancelToken()
    environment = {**machine(), "engines": {}}
    run = Run(
        run_id=run_id or new_run_id(), created_at=utc_now(), status="running", k=plan.k,
        dataset={**prepared.dataset.info(), "filter_selectivity": prepared.selectivity}, plan=plan.public(),
        environment=environment, label=plan.label,
    )
    store.create_run(run)
    status: RunStatus = "finished"
    try:
        for config in plan.engines:
            if plan.isolate and not cancel.cancelled and not skip_reason(config, plan):
                rows, versions = run_engine_isolated(config, plan, progress, cancel)
            else:
                rows, versions = run_engine(config, prepared, plan, progress, cancel)
            environment["engines"][config.engine] = versions
            store.add_results(run.run_id, rows)
            run.results.extend(rows)
            if any(row.status == "cancelled" for row in rows):
                status = "cancelled"
                break
        if status == "finished" and any(row.status == "failed" for row in run.results):
            status = "failed"
    except BaseException:
        status = "interrupted"
        raise
    finally:
        store.finish_run(run.run_id, status, environment)
        run.status = status
        run.finished_at = utc_now()
    return run


def _error_text(exc: BaseException, secrets: list[str]) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return redact(f"{type(exc).__name__}: {text}", secrets)[:500]


def skip_reason(config: EngineConfig, plan: RunPlan) -> str | None:
    cls = adapter_class(config.engine)
    if plan.filter and not cls.capabilities.filtering:
        return f"{cls.display_name} cannot filter; filtered cases are skipped for it"
    return None


def connection_secrets(config: EngineConfig) -> list[str]:
    """The values that must never appear in a result, a log line or a page."""
    cls = adapter_class(config.engine)
    connection = cls.coerce_connection(config.connection)
    return [str(connection[p.name]) for p in cls.connection_params if p.secret and connection.get(p.name)]


def run_engine(
    config: EngineConfig,
    prepared: PreparedRun,
    plan: RunPlan,
    progress: ProgressCallback | None,
    cancel: CancelToken,
) -> tuple[list[ResultRow], dict[str, str]]:
    """All rows for one engine: one per search setting, or one failed/cancelled row where it stopped."""
    dataset, k = prepared.dataset, plan.k
    rows: list[ResultRow] = []
    versions = {"engine": "", "client": ""}
    build: dict[str, Any] = {}
    current_search: dict[str, Any] = {}

    def report(stage: str, done: int, total: int) -> None:
        if progress:
            progress(Progress(config.engine, stage, done, total))

    stages: list[dict[str, Any]] = []
    stage_started = [time.perf_counter()]

    def end_stage(name: str, db: Any) -> None:
        # Read between stages, never inside a timed loop: memory reads walk /proc.
        now = time.perf_counter()
        # in-process (not isolated), the process's memory is the dashboard's or the CLI's too: not measured
        memory = memory_bytes(db.server_process_ids()) if plan.isolate else None
        stages.append({
            "stage": name, "wall_s": round(now - stage_started[0], 3),
            "rss_mb": None if memory is None else round(memory[0] / 2**20, 1),
            "peak_rss_mb": None if memory is None else round(memory[1] / 2**20, 1),
        })
        stage_started[0] = now

    def stopped_row(status: Any, error: str) -> ResultRow:
        return ResultRow(
            engine=config.engine, status=status, index=config.index, build_params=config.build_params,
            search_params=current_search, error=error, filter=plan.filter, k=k,
            insert_s=build.get("insert_s"), insert_vectors_per_s=build.get("insert_vps"),
            index_s=build.get("index_s"), engine_version=versions["engine"], client_version=versions["client"],
            stages=list(stages),
        )

    cls = adapter_class(config.engine)
    if cancel.cancelled:
        return [stopped_row("cancelled", "cancelled by the user")], versions
    reason = skip_reason(config, plan)
    if reason:
        return [stopped_row("skipped", reason)], versions
    secret_values = connection_secrets(config)
    workdir = tempfile.mkdtemp(prefix=f"{config.engine}-", dir=subdir("work"))
    try:
        adapter = cls(Path(workdir), config.connection)
        with adapter as db:
            try:
                found = db.versions()
                versions = {"engine": found.engine, "client": found.client}
                collection = f"vs_{secrets.token_hex(6)}"
                db.create_collection(collection, dataset.dim, dataset.metric, config.index, config.build_params)
                end_stage("open", db)
                build.update(_insert_all(db, dataset, plan.batch_size, report, cancel))
                end_stage("insert", db)
                report("index", 0, 1)
                started = time.perf_counter()
                db.wait_until_indexed()
                build["index_s"] = time.perf_counter() - started
                end_stage("index", db)
                report("index", 1, 1)
                stored = db.count()
                if stored != dataset.n:
                    raise RuntimeError(f"the engine holds {stored} vectors after {dataset.n} were inserted")
                disk = db.disk_bytes()
                if disk is not None:
                    build["disk_mb"], build["disk_bpv"] = disk / 2**20, disk / dataset.n
                for search_params in config.search_grid:
                    current_search = dict(search_params)
                    cancel.check()
                    db.set_search_params(search_params)
                    serial = _measure_search(db, config, prepared, plan, search_params, build, versions, report, cancel)
                    rows.append(serial)
                    end_stage(setting_name(search_params), db)
                    for level in (c for c in plan.concurrency if c > 1):
                        if plan.load_driver == "locust":
                            rows.append(_measure_locust(db, serial, plan, level, report))
                        else:  # clients that are not thread-safe get one forked process each instead of a thread
                            rows.append(_measure_concurrent(db, serial, prepared, plan, level, report, cancel,
                                                            processes=not cls.capabilities.thread_safe))
                        end_stage(f"{setting_name(search_params)} x{level}", db)
            except BaseException:
                # the original failure is the one to report; a drop failing after it (a dead server) is logged
                try:
                    db.drop()
                except Exception:
                    log.warning("could not drop the %s collection after a failure", config.engine, exc_info=True)
                raise
            db.drop()
    except Cancelled as exc:
        rows.append(stopped_row("cancelled", str(exc)))
    except Exception as exc:  # one engine's failure must not end the run
        log.error("engine %s failed:\n%s", config.engine, redact("".join(traceback.format_exception(exc)), secret_values))
        rows.append(stopped_row("failed", _error_text(exc, secret_values)))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    measured = [stage["peak_rss_mb"] for stage in stages if stage["peak_rss_mb"] is not None]
    held = {stage["stage"]: stage["rss_mb"] for stage in stages if stage["rss_mb"] is not None}
    added = (held["index"] - held["open"]) * 2**20 / dataset.n if "open" in held and "index" in held else None
    for row in rows:
        row.stages = list(stages)
        row.peak_rss_mb = max(measured) if measured else None
        row.ram_bytes_per_vector = None if added is None else max(0.0, added)
    return rows, versions


def _insert_all(db: Any, dataset: Dataset, batch_size: int, report: Callable[[str, int, int], None],
                cancel: CancelToken) -> dict[str, float]:
    ids = np.arange(dataset.n, dtype=np.int64)
    elapsed = 0.0
    for start in range(0, dataset.n, batch_size):
        cancel.check()
        stop = min(dataset.n, start + batch_size)
        payload = {name: column[start:stop] for name, column in dataset.payloads.items()}
        began = time.perf_counter()
        db.insert(ids[start:stop], dataset.base[start:stop], payload)
        elapsed += time.perf_counter() - began
        report("insert", stop, dataset.n)
    return {"insert_s": elapsed, "insert_vps": dataset.n / elapsed if elapsed > 0 else float("inf")}


def _measure_search(
    db: Any, config: EngineConfig, prepared: PreparedRun, plan: RunPlan, search_params: dict[str, Any],
    build: dict[str, float], versions: dict[str, str], report: Callable[[str, int, int], None],
    cancel: CancelToken,
) -> ResultRow:
    dataset, k, tree = prepared.dataset, plan.k, prepared.filter
    queries = dataset.queries
    n_queries = len(queries)
    label = " ".join(["search", *(f"{key}={value}" for key, value in search_params.items())])
    for query in queries[: min(plan.warmup_queries, n_queries)]:
        db.search(query, k, tree)
    passes = []
    every_latency = []
    for repetition in range(plan.repetitions):
        stage = label if plan.repetitions == 1 else f"{label} (pass {repetition + 1}/{plan.repetitions})"
        found, latencies, wall = _timed_pass(db, queries, k, tree, stage, report, cancel)
        passes.append(summarize_latencies(latencies, wall))
        every_latency.append(latencies)
    quantiles = np.percentile(np.concatenate(every_latency) / 1e6, [*range(101), 99.9])
    # Several passes: each figure is the median over passes, and the QPS spread says how steady they were.
    summary = LatencySummary(**{f.name: float(np.median([getattr(p, f.name) for p in passes]))
                                for f in dataclasses.fields(LatencySummary)})
    spread = spread_pct([p.qps for p in passes])
    truth = prepared.truth
    row = ResultRow(
        engine=config.engine, status="ok", index=config.index, build_params=config.build_params,
        search_params=dict(search_params), filter=plan.filter, k=k,
        recall=recall_ids(found, truth.ids, k),
        recall_distance=recall_distance(true_distances_of(found, dataset), truth.distances, truth.ids, k),
        latency_p50_ms=summary.p50_ms, latency_p95_ms=summary.p95_ms, latency_p99_ms=summary.p99_ms,
        latency_mean_ms=summary.mean_ms, qps=summary.qps, n_queries=n_queries, repetitions=len(passes),
        load="1 client, serial", latency_quantiles_ms=[round(float(q), 5) for q in quantiles],
        qps_spread_pct=spread,
        insert_s=build.get("insert_s"), insert_vectors_per_s=build.get("insert_vps"), index_s=build.get("index_s"),
        engine_version=versions["engine"], client_version=versions["client"],
        disk_mb=build.get("disk_mb"), disk_bytes_per_vector=build.get("disk_bpv"),
    )
    if dataset.qrels is not None:
        judged = retrieval_quality(found, dataset.qrels, k)
        row.ndcg_at_10, row.mrr_at_10, row.recall_judged = judged.ndcg_at_10, judged.mrr_at_10, judged.recall_at_k
        row.exact_ndcg_at_10 = retrieval_quality(truth.ids[:, :k], dataset.qrels, k).ndcg_at_10
    return row


def _timed_pass(
    db: Any, queries: np.ndarray, k: int, tree: filters.Filter | None, stage: str,
    report: Callable[[str, int, int], None], cancel: CancelToken,
) -> tuple[np.ndarray, np.ndarray, float]:
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


@dataclass
class ClientLoad:
    """What one load client did: the query index of each request, its latency (ns) and whether it failed,
    and the ids found for each query it sent (the last answer, when queries repeat)."""

    query_index: np.ndarray
    latency_ns: np.ndarray
    failed: np.ndarray
    found: dict[int, np.ndarray]


def _client_loop(db: Any, queries: np.ndarray, share: range, k: int, tree: filters.Filter | None,
                 deadline: float | None, cancel: CancelToken) -> ClientLoad:
    """One client's requests: its share of the queries once, or cycling over them until the deadline."""
    clock = time.perf_counter_ns
    index, latency, failed = [], [], []
    found: dict[int, np.ndarray] = {}
    position = 0
    while not cancel.cancelled:
        if deadline is None:
            if position >= len(share):
                break
        elif time.perf_counter() >= deadline:
            break
        i = share[position % len(share)]
        position += 1
        began = clock()
        try:
            hits = db.search(queries[i], k, tree)
        except Exception:  # counted, not hidden: errors under load are a result
            index.append(i)
            latency.append(clock() - began)
            failed.append(True)
            continue
        latency.append(clock() - began)
        index.append(i)
        failed.append(False)
        found[i] = np.asarray(hits.ids[:k])
    return ClientLoad(np.asarray(index, dtype=np.int64), np.asarray(latency, dtype=np.int64),
                      np.asarray(failed, dtype=bool), found)


def _forked_client(db: Any, queries: np.ndarray, share: range, k: int, tree: filters.Filter | None,
                   deadline: float | None, cancel: CancelToken, results: Any) -> None:
    try:
        db.reopen_in_child()
        results.put(("ok", _client_loop(db, queries, share, k, tree, deadline, cancel)))
    except BaseException as exc:  # reported to the parent, which counts the client's queries as failed
        results.put(("error", f"{type(exc).__name__}: {exc}"))


def _run_clients(db: Any, queries: np.ndarray, level: int, k: int, tree: filters.Filter | None,
                 deadline: float | None, cancel: CancelToken, processes: bool) -> tuple[list[ClientLoad], list[str]]:
    shares = [range(offset, len(queries), level) for offset in range(level)]
    if not processes:
        with ThreadPoolExecutor(max_workers=level) as pool:
            return list(pool.map(lambda share: _client_loop(db, queries, share, k, tree, deadline, cancel), shares)), []
    # fork, not spawn: each child inherits the built index (copy-on-write) or reopens its own connection
    context = mp.get_context("fork")
    results = context.Queue()
    clients = [context.Process(target=_forked_client, args=(db, queries, share, k, tree, deadline, cancel, results),
                               daemon=True) for share in shares]
    for client in clients:
        client.start()
    loads: list[ClientLoad] = []
    errors: list[str] = []
    limit = (deadline - time.perf_counter() if deadline else 0.0) + 600.0
    for _ in clients:
        try:
            kind, value = results.get(timeout=max(1.0, limit))
        except queue.Empty:
            errors.append("a client process did not report")
            continue
        (loads if kind == "ok" else errors).append(value)
    for client in clients:
        client.join(timeout=10)
        if client.is_alive():
            client.kill()
    return loads, errors


def _measure_concurrent(
    db: Any, serial: ResultRow, prepared: PreparedRun, plan: RunPlan, level: int,
    report: Callable[[str, int, int], None], cancel: CancelToken, processes: bool = False,
) -> ResultRow:
    """The queries from `level` clients at once (threads, or processes for clients that are not
    thread-safe): throughput, tail latency, errors, and the client side's CPU use."""
    dataset, k, tree = prepared.dataset, plan.k, prepared.filter
    queries = dataset.queries
    n_queries = len(queries)
    kind = "processes" if processes else "threads"
    label = f"{setting_name(serial.search_params)} x{level} {kind}"
    report(label, 0, 1)
    own_before, children_before = psutil.Process().cpu_times(), os.times()
    started = time.perf_counter()
    deadline = started + plan.duration_s if plan.duration_s > 0 else None
    loads, client_errors = _run_clients(db, queries, level, k, tree, deadline, cancel, processes)
    wall = time.perf_counter() - started
    own_after, children_after = psutil.Process().cpu_times(), os.times()
    cancel.check()
    report(label, 1, 1)
    found = np.full((n_queries, k), -1, dtype=np.int64)
    for load in loads:
        for i, ids in load.found.items():
            found[i, : len(ids)] = ids
    latencies = np.concatenate([load.latency_ns[~load.failed] for load in loads]) if loads else np.empty(0, np.int64)
    failed_requests = sum(int(load.failed.sum()) for load in loads)
    # A client process that died took its share of the queries with it: each of those counts as an error.
    lost = sum(len(range(offset, n_queries, level)) for offset in range(len(client_errors)))
    summary = summarize_latencies(latencies, wall) if len(latencies) else None
    busy = (own_after.user - own_before.user) + (own_after.system - own_before.system)
    busy += (children_after.children_user - children_before.children_user
             + children_after.children_system - children_before.children_system)
    truth = prepared.truth
    return dataclasses.replace(
        serial, concurrency=level, errors=failed_requests + lost, n_queries=len(latencies) + failed_requests,
        client_cpu_pct=100.0 * busy / wall / (os.cpu_count() or 1),
        load=f"{level} {kind}" + (f", {plan.duration_s:g} s" if deadline else ", each query once"),
        error="; ".join(client_errors)[:500] or None,
        recall=recall_ids(found, truth.ids, k),
        recall_distance=recall_distance(true_distances_of(found, dataset), truth.distances, truth.ids, k),
        latency_p50_ms=summary.p50_ms if summary else None, latency_p95_ms=summary.p95_ms if summary else None,
        latency_p99_ms=summary.p99_ms if summary else None, latency_mean_ms=summary.mean_ms if summary else None,
        qps=len(latencies) / wall if wall > 0 else None,
    )


def _measure_locust(db: Any, serial: ResultRow, plan: RunPlan, level: int,
                    report: Callable[[str, int, int], None]) -> ResultRow:
    """The same load from Locust users spread over Locust worker processes (see vectorscout/distributed.py)."""
    from vectorscout.distributed import DistributedLoadError, run_locust

    connection = db.remote_connection()

    def row(**changes: Any) -> ResultRow:
        # the serial row's identity (engine, settings, build figures) with the concurrent figures replaced
        blank: dict[str, Any] = dict(recall=None, recall_distance=None, latency_p50_ms=None, latency_p95_ms=None,
                                     latency_p99_ms=None, latency_mean_ms=None, qps=None, latency_quantiles_ms=[],
                                     concurrency=level, load=f"Locust: {level} users", n_queries=0, errors=0,
                                     client_cpu_pct=None)
        return dataclasses.replace(serial, **{**blank, **changes})

    if connection is None:
        return row(status="skipped", error=f"{db.display_name} runs inside the benchmark process: Locust workers "
                                            "cannot reach it; distributed load needs a server engine")
    label = f"{setting_name(serial.search_params)} x{level} Locust users"
    report(label, 0, 1)
    spec = {"engine": serial.engine, "collection": db.state.name, "dim": db.state.dim, "metric": db.state.metric.value,
            "index": db.state.index, "search_params": serial.search_params, "dataset": plan.dataset, "k": plan.k,
            "filter": plan.filter}
    duration = plan.duration_s or 10.0
    try:
        stats = run_locust(spec, connection, users=level, workers=plan.locust_workers, duration_s=duration)
    except DistributedLoadError as exc:
        return row(status="failed", error=str(exc)[:500])
    report(label, 1, 1)
    return row(
        load=f"Locust: {level} users on {stats.workers} workers, {duration:g} s",
        latency_p50_ms=stats.p50_ms, latency_p95_ms=stats.p95_ms, latency_p99_ms=stats.p99_ms,
        latency_mean_ms=stats.mean_ms, qps=stats.qps, n_queries=stats.requests + stats.failures, errors=stats.failures,
        client_cpu_pct=100.0 * stats.client_cpu_s / duration / (os.cpu_count() or 1),
    )


def setting_name(search_params: dict[str, Any]) -> str:
    return "search " + ",".join(f"{key}={value}" for key, value in search_params.items()) if search_params else "search"


def true_distances_of(found: np.ndarray, dataset: Dataset) -> np.ndarray:
    """True distances of returned ids (+inf for empty, out-of-range or repeated ids)."""
    valid = mask_repeats(found) & (found < dataset.n)
    exact = exact_distances(dataset.queries, dataset.base, np.where(valid, found, 0), dataset.metric)
    return np.where(valid, exact, np.inf).astype(np.float32)
