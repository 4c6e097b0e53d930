"""The benchmark runner: per engine, build one index and sweep it over its search settings.

Stages per engine: create -> insert in batches (timed) -> wait until indexed (timed apart) -> for each
search setting: warm-up, serial queries timed with ``perf_counter_ns``, both recalls, then each concurrency
level -> drop. A failing engine records its own failure and the next engine goes on; results are stored as
each engine ends. Every row of an engine job is made by `EngineJob.row` and completed, with the job's
stages and memory, by `EngineJob.finished_rows`: one place each.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
import traceback
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from adapters.base import VectorAdapter
from adapters.registry import adapter_class
from vectorscout.benchmarking import workdirs
from vectorscout.benchmarking.environment import machine
from vectorscout.benchmarking.hybrid import Bm25, check_text_dataset, hybrid_row, load_texts, measure_hybrid
from vectorscout.benchmarking.load import measure_concurrent, measure_locust
from vectorscout.benchmarking.metrics import data_profile, recall_diagnosis
from vectorscout.benchmarking.plan import PlanError, RunPlan
from vectorscout.benchmarking.run_spread import rows_with_run_spread
from vectorscout.benchmarking.specs import EngineConfig
from vectorscout.benchmarking.streaming import measure_streaming
from vectorscout.benchmarking.timing import StageReport, measure_serial, setting_name
from vectorscout.benchmarking.tuning import held_out, split_queries, tune
from vectorscout.contract import filters
from vectorscout.contract.spec_text import SpecError
from vectorscout.data.datasets import Dataset, load_dataset
from vectorscout.data.groundtruth import GroundTruth
from vectorscout.process.isolation import WorkerLimits, run_in_worker
from vectorscout.process.memory import memory_bytes
from vectorscout.process.progress import Cancelled, CancelToken, Progress, ProgressCallback
from vectorscout.redaction import redact, url_password
from vectorscout.results.records import DatasetInfo, Environment, ResultRow, ResultStatus, Run, RunStatus, utc_now
from vectorscout.results.store import ResultsStore, new_run_id

log = logging.getLogger(__name__)


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
    plan.validate(dataset.n)
    for config in plan.engines:  # a build that cannot index this dimension is refused before any engine starts
        problem = adapter_class(config.engine).build_problem(config.index, config.build_params, dataset.dim)
        if problem:
            raise PlanError(f"{config.engine} {config.index}: {problem}")
    if plan.tune_recall and len(dataset.queries) < 2:
        raise PlanError(f"tuning to a recall target splits the queries in two; {dataset.name} has {len(dataset.queries)}")
    if plan.hybrid:
        check_text_dataset(dataset)
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
    for name in workdirs.remove_abandoned():  # left by a run killed before it could clean up
        log.info("removed the work folder %s of a run that ended without cleaning up", name)
    environment = Environment(**machine())
    run = Run(
        run_id=run_id or new_run_id(), created_at=utc_now(), status="running", k=plan.k,
        dataset=DatasetInfo(**prepared.dataset.info(), filter_selectivity=prepared.selectivity), plan=plan.public(),
        environment=environment, label=plan.label,
    )
    store.create_run(run)
    profile = data_profile(prepared.dataset.base, prepared.dataset.metric.value)
    status: RunStatus = "finished"
    try:
        for config in plan.engines:
            if plan.isolate and not cancel.cancelled and not skip_reason(config, plan):
                job, worker_peak = run_engine_isolated(config, plan, progress, cancel)
            else:
                job, worker_peak = run_engine(config, prepared, plan, progress, cancel), 0
            rows = [replace(row, diagnosis=recall_diagnosis(row.recall, profile)) for row in job.finished_rows(worker_peak)]
            earlier = {config.engine: store.earlier_rows(config.engine, run.run_id)}
            rows = rows_with_run_spread(rows, earlier, environment, run.dataset, plan.k)
            environment.engines[config.engine] = job.versions
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


def skip_reason(config: EngineConfig, plan: RunPlan) -> str | None:
    cls = adapter_class(config.engine)
    if plan.filter and not cls.capabilities.filtering:
        return f"{cls.display_name} cannot filter; filtered cases are skipped for it"
    return None


def connection_secrets(config: EngineConfig) -> list[str]:
    """The values that must never appear in a result, a log line or a page."""
    cls = adapter_class(config.engine)
    connection = cls.coerce_connection(config.connection)
    declared = [str(connection[p.name]) for p in cls.connection_params if p.secret and connection.get(p.name)]
    # a password inside any URL option (a server URL with user:password@) is a secret too
    in_urls = [password for value in connection.values() if isinstance(value, str) and (password := url_password(value))]
    return declared + in_urls


@dataclass
class StageRecord:
    """One stage of an engine job: its wall time and the memory held at its end (MB; None: not measured)."""

    stage: str
    wall_s: float
    rss_mb: float | None
    peak_rss_mb: float | None


@dataclass
class BuildFigures:
    insert_s: float | None = None
    insert_vectors_per_s: float | None = None
    index_s: float | None = None
    disk_mb: float | None = None
    disk_bytes_per_vector: float | None = None
    index_bytes_per_vector: float | None = None


@dataclass
class EngineJob:
    """Everything one engine's job has found so far; its rows share this identity."""

    config: EngineConfig
    plan: RunPlan
    n_vectors: int
    versions: dict[str, str] = field(default_factory=lambda: {"engine": "", "client": ""})
    build: BuildFigures = field(default_factory=BuildFigures)
    stages: list[StageRecord] = field(default_factory=list)
    rows: list[ResultRow] = field(default_factory=list)
    search_params: dict[str, Any] = field(default_factory=dict)  # the setting being measured
    engine_threads: str = ""  # what the engine's per-query threads were held to (adapter.pin_search_threads)
    stage_started: float = field(default_factory=time.perf_counter)

    def row(self, status: ResultStatus, error: str | None = None, **figures: Any) -> ResultRow:
        """The one row factory: the job's identity and build figures, plus this row's own figures."""
        config = self.config
        deployment, endpoint = adapter_class(config.engine).measured_where(config.connection)
        return ResultRow(
            engine=config.engine, status=status, index=config.index, build_params=config.build_params,
            search_params=dict(self.search_params), error=error, filter=self.plan.filter, k=self.plan.k,
            engine_version=self.versions["engine"], client_version=self.versions["client"],
            deployment=deployment, endpoint=endpoint, engine_threads=self.engine_threads,
            **asdict(self.build), **figures,
        )

    def stop(self, status: ResultStatus, error: str) -> None:
        self.rows.append(self.row(status, error))

    def record_versions(self, db: VectorAdapter) -> None:
        found = db.versions()
        self.versions = {"engine": found.engine, "client": found.client}

    def use_setting(self, db: VectorAdapter, search_params: dict[str, Any]) -> None:
        """Search with these parameters from now on, the engine's per-query threads held as for every setting."""
        self.search_params = dict(search_params)
        db.set_search_params(search_params)
        self.engine_threads = db.pin_search_threads()

    def end_stage(self, name: str, db: VectorAdapter) -> None:
        # Read between stages, never inside a timed loop: memory reads walk /proc. In-process (not
        # isolated), the process's memory is the dashboard's or the CLI's too: not measured.
        now = time.perf_counter()
        memory = memory_bytes(db.server_process_ids()) if self.plan.isolate else None
        self.stages.append(StageRecord(
            name, round(now - self.stage_started, 3),
            None if memory is None else round(memory[0] / 2**20, 1),
            None if memory is None else round(memory[1] / 2**20, 1)))
        self.stage_started = now

    def finished_rows(self, worker_peak_bytes: int = 0) -> list[ResultRow]:
        """The rows with the job's stages and memory: the peak over stages and the worker tree as the
        parent saw it, and the memory the collection added per vector (after indexing minus empty)."""
        peaks = [s.peak_rss_mb for s in self.stages if s.peak_rss_mb is not None]
        if worker_peak_bytes:
            peaks.append(worker_peak_bytes / 2**20)
        held = {s.stage: s.rss_mb for s in self.stages if s.rss_mb is not None}
        added = ((held["index"] - held["open"]) * 2**20 / self.n_vectors
                 if "open" in held and "index" in held and self.n_vectors else None)
        stages = [asdict(s) for s in self.stages]
        for row in self.rows:
            row.stages = list(stages)
            row.peak_rss_mb = round(max(peaks), 1) if peaks else None
            row.ram_bytes_per_vector = None if added is None else max(0.0, added)
        return self.rows


def _error_text(exc: BaseException, secret_values: list[str]) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return redact(f"{type(exc).__name__}: {text}", secret_values)[:500]


def run_engine(config: EngineConfig, prepared: PreparedRun, plan: RunPlan, progress: ProgressCallback | None,
               cancel: CancelToken) -> EngineJob:
    """One engine's job in this process: one row per search setting and load, or where it stopped and why."""
    job = EngineJob(config, plan, prepared.dataset.n - plan.stream_vectors)  # the rest is streamed in later

    def report(stage: str, done: int, total: int) -> None:
        if progress:
            progress(Progress(config.engine, stage, done, total))

    reason = "cancelled by the user" if cancel.cancelled else skip_reason(config, plan)
    if reason:
        job.stop("cancelled" if cancel.cancelled else "skipped", reason)
        return job
    secret_values = connection_secrets(config)
    workdir = workdirs.claim(config.engine)
    try:
        with adapter_class(config.engine)(workdir, config.connection) as db:
            _measure_engine(db, job, prepared, report, cancel)
    except Cancelled as exc:
        job.stop("cancelled", str(exc))
    except Exception as exc:  # one engine's failure must not end the run
        log.error("engine %s failed:\n%s", config.engine, redact("".join(traceback.format_exception(exc)), secret_values))
        job.stop("failed", _error_text(exc, secret_values))
    finally:
        workdirs.release(workdir)
    return job


def _measure_engine(db: VectorAdapter, job: EngineJob, prepared: PreparedRun, report: StageReport, cancel: CancelToken) -> None:
    try:
        if job.plan.stream_vectors:
            _measure_stream(db, job, prepared.dataset, report, cancel)
        elif job.plan.hybrid:
            _measure_hybrid(db, job, prepared, report, cancel)
        elif job.plan.tune_recall:
            _build_index(db, job, prepared.dataset, report, cancel)
            _measure_tuned(db, job, prepared, report, cancel)
        else:
            _build_index(db, job, prepared.dataset, report, cancel)
            for search_params in job.config.search_grid:
                _measure_setting(db, job, prepared, search_params, report, cancel)
    except BaseException:
        # the original failure is the one to report; a drop failing after it (a dead server) is logged
        try:
            db.drop()
        except Exception:
            log.warning("could not drop the %s collection after a failure", job.config.engine, exc_info=True)
        raise
    db.drop()


def _build_index(db: VectorAdapter, job: EngineJob, dataset: Dataset, report: StageReport, cancel: CancelToken) -> None:
    """Load and index the dataset's first job.n_vectors rows (all of them, unless the rest will be streamed)."""
    job.record_versions(db)
    db.create_collection(f"vs_{secrets.token_hex(6)}", dataset.dim, dataset.metric, job.config.index,
                         job.config.build_params)
    job.end_stage("open", db)
    rows = job.n_vectors
    job.build.insert_s = _insert_all(db, dataset, rows, job.plan.batch_size, report, cancel)
    job.build.insert_vectors_per_s = rows / job.build.insert_s if job.build.insert_s > 0 else float("inf")
    job.end_stage("insert", db)
    report("index", 0, 1)
    started = time.perf_counter()
    db.wait_until_indexed()
    job.build.index_s = time.perf_counter() - started
    job.end_stage("index", db)
    report("index", 1, 1)
    # The build's files reach the disk now, not during the timed queries: the kernel writes dirty pages back
    # 5 to 30 s after they were written (vm.dirty_writeback_centisecs, vm.dirty_expire_centisecs), and that
    # write-back slowed the first timed passes of the engines that write files (LanceDB, Milvus) and of the
    # engine after them. A stage of its own, so its time is neither the build's nor a search's.
    os.sync()
    job.end_stage("write-back", db)
    stored = db.count()
    if stored != rows:
        raise RuntimeError(f"the engine holds {stored} vectors after {rows} were inserted")
    disk = db.disk_bytes()
    if disk is not None:
        job.build.disk_mb, job.build.disk_bytes_per_vector = disk / 2**20, disk / rows
    searched = db.index_bytes()
    if searched:
        job.build.index_bytes_per_vector = searched / rows


def _measure_stream(db: VectorAdapter, job: EngineJob, dataset: Dataset, report: StageReport, cancel: CancelToken) -> None:
    """Index all but the streamed rows, then stream them in while clients search (the first search setting)."""
    _build_index(db, job, dataset, report, cancel)
    job.use_setting(db, job.config.search_grid[0])
    job.rows.append(measure_streaming(db, job.row, dataset, job.plan, report, cancel))
    job.end_stage("stream", db)


def _measure_hybrid(db: VectorAdapter, job: EngineJob, prepared: PreparedRun, report: StageReport, cancel: CancelToken) -> None:
    """Load vectors and texts, then score keyword, dense (the first search setting) and hybrid retrieval."""
    job.record_versions(db)
    dataset, plan = prepared.dataset, job.plan
    bm25 = Bm25(dataset.texts or [])
    load_texts(db, dataset, bm25, job.config.index, job.config.build_params, plan.batch_size, report, cancel)
    job.end_stage("index", db)
    job.use_setting(db, job.config.search_grid[0])
    figures = measure_hybrid(db, dataset, bm25, plan.k, plan.hybrid_depth, prepared.truth.ids, report, cancel)
    job.rows.append(hybrid_row(job.row("ok"), figures))
    job.end_stage("hybrid", db)


def _measure_tuned(db: VectorAdapter, job: EngineJob, prepared: PreparedRun, report: StageReport, cancel: CancelToken) -> None:
    """Find the setting that reaches the plan's recall target on the tuning half of the queries, then measure it
    (serial, and each concurrency level) on the held-out half; every row says how its setting was found."""
    config, plan = job.config, job.plan
    spec = adapter_class(config.engine).capabilities.index(config.index)
    report("tune to recall", 0, 1)
    chosen, figures = tune(db, spec, config.search_grid[0], config.search_grid, prepared.dataset, prepared.truth,
                           prepared.filter, plan.k, plan.tune_recall, lambda params: job.use_setting(db, params), cancel,
                           early=plan.until_known_pct > 0)
    report("tune to recall", 1, 1)
    job.end_stage("tune", db)
    dataset, truth = held_out(prepared.dataset, prepared.truth, split_queries(len(prepared.dataset.queries))[1])
    first = len(job.rows)
    _measure_setting(db, job, replace(prepared, dataset=dataset, truth=truth), chosen, report, cancel)
    for row in job.rows[first:]:
        row.tuning = figures


def _measure_setting(db: VectorAdapter, job: EngineJob, prepared: PreparedRun, search_params: dict[str, Any],
                     report: StageReport, cancel: CancelToken) -> None:
    """The serial pass of one search setting, then each concurrency level above 1."""
    plan = job.plan
    job.search_params = dict(search_params)  # before the check: a run cancelled here names the setting it stopped at
    cancel.check()
    job.use_setting(db, search_params)
    dataset, truth, tree = prepared.dataset, prepared.truth, prepared.filter
    serial = measure_serial(db, job.row, dataset, truth, tree, plan, search_params, report, cancel)
    job.rows.append(serial)
    job.end_stage(setting_name(search_params), db)
    for level in (c for c in plan.concurrency if c > 1):
        if plan.load_driver == "locust":
            job.rows.append(measure_locust(db, serial, plan, level, report))
        else:  # clients that are not thread-safe get one forked process each instead of a thread
            job.rows.append(measure_concurrent(db, serial, dataset, truth, tree, plan, level, report, cancel,
                                               processes=not db.capabilities.thread_safe))
        job.end_stage(f"{setting_name(search_params)} x{level}", db)


def _insert_all(db: VectorAdapter, dataset: Dataset, rows: int, batch_size: int, report: StageReport,
                cancel: CancelToken) -> float:
    """Insert the first rows in batches; the seconds spent inside the engine's insert calls."""
    ids = np.arange(rows, dtype=np.int64)
    elapsed = 0.0
    for start in range(0, rows, batch_size):
        cancel.check()
        stop = min(rows, start + batch_size)
        payload = {name: column[start:stop] for name, column in dataset.payloads.items()}
        began = time.perf_counter()
        db.insert(ids[start:stop], dataset.base[start:stop], payload)
        elapsed += time.perf_counter() - began
        report("insert", stop, rows)
    return elapsed


def _engine_job_in_worker(config: EngineConfig, plan: RunPlan, report: ProgressCallback, stop: Any) -> EngineJob:
    # the dataset is rebuilt (its ground truth comes from the disk cache); the worker checks its own engine only
    prepared = prepare(replace(plan, engines=[config]))
    return run_engine(config, prepared, plan, report, CancelToken(stop))


def run_engine_isolated(config: EngineConfig, plan: RunPlan, progress: ProgressCallback | None,
                        cancel: CancelToken) -> tuple[EngineJob, int]:
    """run_engine in its own worker; the job and the worker tree's peak RSS (bytes). A worker that stopped
    without a result becomes one failed row saying why, and the engine cleans up what it left behind."""
    outcome = run_in_worker(_engine_job_in_worker, (config, plan), WorkerLimits(plan.timeout_s, plan.memory_limit_mb),
                            f"vectorscout-{config.engine}", progress, cancel)
    if outcome.failure is None:
        job: EngineJob = outcome.value
        return job, outcome.peak_rss_bytes
    adapter_class(config.engine).clean_up_after_crash()  # a killed worker cannot stop the servers it started
    job = EngineJob(config, plan, 0)
    job.stop("failed", f"{outcome.failure}; this engine's results are lost, the others are not"[:500])
    return job, outcome.peak_rss_bytes
