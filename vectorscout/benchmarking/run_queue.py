"""One benchmark at a time per VectorScout home: a run queue kept in the results store.

Two benchmarks on the same cores measure each other, so every benchmark the CLI or any dashboard session
starts takes a place in the queue and waits until it is at the head. The queue lives in the store, not in a
process: the entry that runs carries its progress (stage, counts, ETA per engine) and a cancel flag, so any
browser tab, after a reload or a dashboard restart, shows the same progress and can cancel it, and the CLI
can see and cancel what the dashboard started. The dashboard runs each job in a detached worker process
(`python -m vectorscout queue-worker JOB`), which outlives the browser session and the dashboard itself.

An entry whose process has died (killed CLI, crashed worker) is marked interrupted by the next reader, so a
dead process never blocks the queue.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import psutil

from adapters.registry import adapter_class
from vectorscout.benchmarking.plan import PlanError, RunPlan
from vectorscout.benchmarking.runner import execute, prepare
from vectorscout.home import subdir
from vectorscout.process.progress import Cancelled, CancelToken, Progress, ProgressCallback, StageClock
from vectorscout.results.records import Run
from vectorscout.results.store import ResultsStore, new_run_id

QueueState = Literal["queued", "running", "finished", "failed", "cancelled", "interrupted", "error"]
ACTIVE = ("queued", "running")
POLL_S = 0.5  # how often a waiting job looks at the queue and a running one at its cancel flag
WRITE_EVERY_S = 0.5  # progress is written at most this often (and at every stage change)
# The folder holding this very vectorscout package (a checkout's root, or site-packages when installed): a worker
# started there with `python -m vectorscout` runs this code, without PYTHONPATH
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def now() -> str:
    """Milliseconds: queue times order jobs that start and end within one second of each other."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class StageState:
    stage: str
    done: int
    total: int
    eta_s: float | None = None

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 1.0


@dataclass
class JobProgress:
    """What the running job is doing, as stored for every tab to read."""

    run_id: str | None = None
    plan_number: int = 0  # 1-based; 0 before the first plan starts
    plan_count: int = 0
    engines: list[str] = field(default_factory=list)  # of the current plan, in the order they run
    stages: dict[str, StageState] = field(default_factory=dict)  # latest stage per engine ("ground truth" too)

    @property
    def engine_number(self) -> int:
        """Which engine of the current plan is at work (1-based; 0 while the data is prepared)."""
        started = [i for i, engine in enumerate(self.engines, 1) if engine in self.stages]
        return max(started, default=0)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobProgress:
        stages = {name: StageState(**value) for name, value in data.get("stages", {}).items()}
        return cls(run_id=data.get("run_id"), plan_number=int(data.get("plan_number", 0)),
                   plan_count=int(data.get("plan_count", 0)), engines=list(data.get("engines", [])), stages=stages)


@dataclass(frozen=True)
class QueueEntry:
    job_id: str
    seq: int
    requested_by: str
    requested_at: str
    state: QueueState
    plans: list[dict[str, Any]]
    workshop: str | None
    pid: int | None
    cancel_requested: bool
    started_at: str | None
    finished_at: str | None
    progress: JobProgress
    run_ids: list[str]
    error: str | None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def label(self) -> str:
        labels = sorted({str(plan.get("label") or "") for plan in self.plans} - {""})
        engines = dict.fromkeys(str(e.get("engine")) for plan in self.plans for e in plan.get("engines", []))
        datasets = dict.fromkeys(str(plan.get("dataset")) for plan in self.plans)
        return f"{' / '.join(labels) or ', '.join(engines)} on {', '.join(datasets)}"


COLUMNS = ("job_id, seq, requested_by, requested_at, state, plans, workshop, pid, cancel_requested, started_at, "
           "finished_at, progress, run_ids, error")


def _entry(row: tuple[Any, ...]) -> QueueEntry:
    return QueueEntry(
        job_id=row[0], seq=row[1], requested_by=row[2], requested_at=row[3], state=row[4], plans=json.loads(row[5]),
        workshop=row[6], pid=row[7], cancel_requested=bool(row[8]), started_at=row[9], finished_at=row[10],
        progress=JobProgress.from_dict(json.loads(row[11])), run_ids=json.loads(row[12]), error=row[13],
    )


class RunQueue:
    def __init__(self, store: ResultsStore) -> None:
        self.store = store

    # -- reading ---------------------------------------------------------------------------------
    def get(self, job_id: str) -> QueueEntry:
        with self.store.transaction() as db:
            row = db.execute(f"SELECT {COLUMNS} FROM queue WHERE job_id = ?", (job_id,)).fetchone()
        if row is None:
            raise KeyError(job_id)
        return _entry(row)

    def find(self, job_id: str) -> QueueEntry | None:
        try:
            return self.get(job_id)
        except KeyError:
            return None

    def active(self) -> list[QueueEntry]:
        """The running entry (if any) first, then the waiting ones in the order they will run."""
        self.reap()
        return self._listed()

    def _listed(self) -> list[QueueEntry]:
        with self.store.transaction() as db:
            rows = db.execute(f"SELECT {COLUMNS} FROM queue WHERE state IN ('queued', 'running') ORDER BY seq").fetchall()
        return [_entry(row) for row in rows]

    def latest_ended(self) -> QueueEntry | None:
        with self.store.transaction() as db:
            row = db.execute(f"SELECT {COLUMNS} FROM queue WHERE state NOT IN ('queued', 'running') "
                             "ORDER BY finished_at DESC, seq DESC LIMIT 1").fetchone()
        return None if row is None else _entry(row)

    def ahead_of(self, job_id: str) -> list[QueueEntry]:
        """The active entries that run before this one (empty: it is at the head). Not reaped again: its caller
        waits in a loop whose claim() has just reaped."""
        entries = self._listed()
        seqs = [e.seq for e in entries if e.job_id == job_id]
        return [e for e in entries if seqs and e.seq < seqs[0]]

    # -- writing ---------------------------------------------------------------------------------
    def submit(self, plans: list[RunPlan], requested_by: str, workshop: str | None = None,
               job_id: str | None = None, pid: int | None = None) -> str:
        job_id = job_id or new_run_id()
        with self.store.transaction() as db:
            db.execute("INSERT INTO queue (job_id, requested_by, requested_at, state, plans, workshop, pid) "
                       "VALUES (?, ?, ?, 'queued', ?, ?, ?)",
                       (job_id, requested_by, now(), json.dumps([p.public() for p in plans]), workshop,
                        pid or os.getpid()))
        return job_id

    def adopt(self, job_id: str) -> None:
        """This process now owns the entry (a worker taking over what the dashboard submitted)."""
        with self.store.transaction() as db:
            db.execute("UPDATE queue SET pid = ? WHERE job_id = ?", (os.getpid(), job_id))

    def reap(self) -> None:
        """Entries whose process is gone were interrupted: they no longer hold the queue."""
        if self.store.read_only:
            return  # nothing can run from a read-only home; what it shows is what was stored
        with self.store.transaction(immediate=True) as db:
            for job_id, pid in db.execute("SELECT job_id, pid FROM queue WHERE state IN ('queued', 'running')").fetchall():
                if not alive(pid):
                    db.execute("UPDATE queue SET state = 'interrupted', finished_at = ?, error = ? WHERE job_id = ?",
                               (now(), "its process ended without finishing (killed or crashed)", job_id))

    def claim(self, job_id: str) -> bool:
        """Start the job if it is at the head of the queue and nothing runs; atomically across processes."""
        self.reap()
        with self.store.transaction(immediate=True) as db:
            head = db.execute("SELECT job_id, state FROM queue WHERE state IN ('queued', 'running') "
                              "ORDER BY seq LIMIT 1").fetchone()
            if head is None or head[0] != job_id or head[1] != "queued":
                return False
            db.execute("UPDATE queue SET state = 'running', started_at = ? WHERE job_id = ?", (now(), job_id))
        return True

    def request_cancel(self, job_id: str) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE queue SET cancel_requested = 1 WHERE job_id = ?", (job_id,))

    def cancel_requested(self, job_id: str) -> bool:
        with self.store.transaction() as db:
            row = db.execute("SELECT cancel_requested FROM queue WHERE job_id = ?", (job_id,)).fetchone()
        return bool(row and row[0])

    def write_progress(self, job_id: str, progress: JobProgress) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE queue SET progress = ? WHERE job_id = ?", (json.dumps(asdict(progress)), job_id))

    def add_run(self, job_id: str, run_id: str) -> None:
        with self.store.transaction() as db:
            (run_ids,) = db.execute("SELECT run_ids FROM queue WHERE job_id = ?", (job_id,)).fetchone()
            db.execute("UPDATE queue SET run_ids = ? WHERE job_id = ?", (json.dumps([*json.loads(run_ids), run_id]),
                                                                         job_id))

    def finish(self, job_id: str, state: QueueState, error: str | None = None) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE queue SET state = ?, finished_at = ?, error = ? WHERE job_id = ? AND state IN "
                       "('queued', 'running')", (state, now(), error, job_id))


def alive(pid: int | None) -> bool:
    """A process that still runs (a zombie, ended but not yet reaped by its parent, does not)."""
    try:
        return pid is not None and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


WaitCallback = Callable[[list[QueueEntry]], None]
# the job's workshop and a run that just started
RunStartedCallback = Callable[[str, str], None]


class ProgressWriter:
    """Turns the runner's progress events into the stored JobProgress, written at most every WRITE_EVERY_S
    (and at every change of stage, so a short stage is never missed)."""

    def __init__(self, queue: RunQueue, job_id: str, plan_count: int, forward: ProgressCallback | None) -> None:
        self.queue, self.job_id, self.forward = queue, job_id, forward
        self.progress = JobProgress(plan_count=plan_count)
        self._clock = StageClock()
        self._written = 0.0
        self._lock = threading.Lock()

    def start_plan(self, number: int, plan: RunPlan, run_id: str) -> None:
        with self._lock:
            self.progress = JobProgress(run_id=run_id, plan_number=number, plan_count=self.progress.plan_count,
                                        engines=[config.engine for config in plan.engines])
            self._write()

    def __call__(self, event: Progress) -> None:
        if self.forward:
            self.forward(event)
        with self._lock:
            previous = self.progress.stages.get(event.engine)
            self.progress.stages[event.engine] = StageState(event.stage, event.done, event.total,
                                                            self._clock.observe(event)[1])
            if (previous is None or previous.stage != event.stage or event.done >= event.total
                    or time.monotonic() - self._written >= WRITE_EVERY_S):
                self._write()

    def _write(self) -> None:
        self.queue.write_progress(self.job_id, self.progress)
        self._written = time.monotonic()


@dataclass
class Outcome:
    failed: bool = False  # set by the holder of the turn: an engine failed


@contextmanager
def turn(queue: RunQueue, job_id: str, token: CancelToken, on_wait: WaitCallback | None = None) -> Iterator[Outcome]:
    """Wait for the job's turn, then hold it: a watcher turns a cancel request stored by any tab or process
    into the token the runner checks. The entry ends finished, failed, cancelled or error with the block."""
    state: QueueState = "error"
    error: str | None = None
    stop_watching = threading.Event()
    try:
        shown: list[str] = []
        while not queue.claim(job_id):
            if queue.cancel_requested(job_id):
                raise Cancelled("left the queue before it ran")
            ahead = queue.ahead_of(job_id)
            if on_wait and [e.job_id for e in ahead] != shown:
                shown = [e.job_id for e in ahead]
                on_wait(ahead)
            time.sleep(POLL_S)

        def watch() -> None:
            while not stop_watching.wait(POLL_S):
                if queue.cancel_requested(job_id):
                    token.cancel()
                    return

        threading.Thread(target=watch, name=f"vectorscout-cancel-{job_id}", daemon=True).start()
        outcome = Outcome()
        yield outcome
        state = "cancelled" if token.cancelled else "failed" if outcome.failed else "finished"
    except (Cancelled, KeyboardInterrupt):
        state = "cancelled"
        raise
    except BaseException as exc:
        error = str(exc) if isinstance(exc, PlanError) else f"{type(exc).__name__}: {exc}"
        raise
    finally:
        stop_watching.set()
        queue.finish(job_id, state, error)


def describe(entry: QueueEntry, with_label: bool = True, requested_by: str | None = None) -> str:
    """One line naming a queue entry: what, who asked (``requested_by``: in the reader's words, "this tab"),
    since when."""
    since = f"running since {entry.started_at[11:19]} UTC" if entry.started_at else \
        f"queued at {entry.requested_at[11:19]} UTC"
    who = f"requested by {requested_by or entry.requested_by}, {since} (job {entry.job_id})"
    return f"{entry.label}, {who}" if with_label else who[0].upper() + who[1:]


def run_job(store: ResultsStore, job_id: str, forward: ProgressCallback | None = None,
            on_wait: WaitCallback | None = None, plans: list[RunPlan] | None = None,
            on_run_started: RunStartedCallback | None = None) -> list[Run]:
    """Wait for the job's turn, then run its plans one after the other (each its own run), telling
    ``on_run_started`` the job's workshop and each run as it starts (the caller adds it to the workshop: the
    queue sits below the decision layer and knows no workshops). ``plans`` (with their connections) when this
    process submitted them; a worker reads them back from the entry (connections then come from its
    environment)."""
    queue = RunQueue(store)
    entry = queue.get(job_id)
    plans = plans if plans is not None else [RunPlan.from_public(public) for public in entry.plans]
    writer = ProgressWriter(queue, job_id, len(plans), forward)
    token = CancelToken()
    runs: list[Run] = []
    with turn(queue, job_id, token, on_wait) as outcome:
        for number, plan in enumerate(plans, 1):
            run_id = new_run_id()
            writer.start_plan(number, plan, run_id)
            prepared = prepare(plan, writer)
            queue.add_run(job_id, run_id)
            if entry.workshop and on_run_started:
                on_run_started(entry.workshop, run_id)
            run = execute(plan, store, writer, token, prepared, run_id)
            runs.append(run)
            if run.status == "cancelled":
                break
            outcome.failed = any(r.status == "failed" for r in runs)
    return runs


def connection_environment(plans: list[RunPlan]) -> dict[str, str]:
    """Connection options entered for this job (URL, API key) as the environment variables the adapters read
    them from: they reach the worker without ever being written to the store."""
    env: dict[str, str] = {}
    for plan in plans:
        for config in plan.engines:
            cls = adapter_class(config.engine)
            for param in cls.connection_params:
                if param.name in config.connection:
                    env[cls.connection_env(param)] = str(config.connection[param.name])
    return env


def start_detached_worker(store: ResultsStore, job_id: str, plans: list[RunPlan]) -> int:
    """Run a submitted job in a process of its own that outlives the dashboard session (and the dashboard);
    its output goes to a log in the home. Returns the worker's pid."""
    log = subdir("logs") / f"job-{job_id}.log"
    env = {**os.environ, **connection_environment(plans)}
    with open(log, "ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "vectorscout", "queue-worker", job_id], cwd=PROJECT_ROOT,
                                   env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    # reaped when it ends, so the starting process (the dashboard) never collects zombies
    threading.Thread(target=process.wait, name=f"vectorscout-reap-{job_id}", daemon=True).start()
    with store.transaction() as db:  # the worker also adopts the entry; whichever writes last writes the same pid
        db.execute("UPDATE queue SET pid = ? WHERE job_id = ? AND state = 'queued'", (process.pid, job_id))
    return process.pid


def submit_detached(store: ResultsStore, plans: list[RunPlan], requested_by: str, workshop: str | None = None) -> str:
    """Queue the plans and start their worker; the job id names the entry every tab follows."""
    for plan in plans:
        plan.validate()
    queue = RunQueue(store)
    job_id = queue.submit(plans, requested_by, workshop)
    try:
        start_detached_worker(store, job_id, plans)
    except BaseException as exc:  # no worker: the entry must not hold the queue as if one were coming
        queue.finish(job_id, "error", f"the worker could not start: {type(exc).__name__}: {exc}")
        raise
    return job_id
