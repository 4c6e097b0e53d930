"""A benchmark run on a background thread, so the dashboard stays responsive and can cancel it."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Literal

from vectorscout.benchmarking.plan import PlanError, RunPlan
from vectorscout.benchmarking.progress import CancelToken, Progress, StageClock
from vectorscout.benchmarking.runner import execute, prepare
from vectorscout.results.records import Run
from vectorscout.results.store import ResultsStore, new_run_id

log = logging.getLogger(__name__)

JobStatus = Literal["preparing", "running", "finished", "failed", "cancelled", "error"]


@dataclass
class JobSnapshot:
    run_id: str
    status: JobStatus
    stages: dict[str, Progress] = field(default_factory=dict)  # latest progress per engine
    eta_s: dict[str, float | None] = field(default_factory=dict)  # seconds left in each engine's current stage
    error: str | None = None
    run: Run | None = None

    @property
    def active(self) -> bool:
        return self.status in ("preparing", "running")


class BackgroundRun:
    """Start with ``start()``; poll ``snapshot()``; stop with ``cancel()``. Several plans run one after the
    other (e.g. a calibration at two sizes); the snapshot follows the current one."""

    def __init__(self, plan: RunPlan | list[RunPlan], store: ResultsStore) -> None:
        self.plans = plan if isinstance(plan, list) else [plan]
        self.plan = self.plans[0]
        self.store = store
        self.run_id = new_run_id()
        self.runs: list[Run] = []
        self.token = CancelToken()
        self._lock = threading.Lock()
        self._snapshot = JobSnapshot(self.run_id, "preparing")
        self._clock = StageClock()
        self._thread = threading.Thread(target=self._work, name=f"vectorscout-run-{self.run_id}", daemon=True)

    def start(self) -> BackgroundRun:
        self._thread.start()
        return self

    def cancel(self) -> None:
        self.token.cancel()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            return JobSnapshot(self._snapshot.run_id, self._snapshot.status, dict(self._snapshot.stages),
                               dict(self._snapshot.eta_s), self._snapshot.error, self._snapshot.run)

    def _on_progress(self, event: Progress) -> None:
        with self._lock:
            self._snapshot.stages[event.engine] = event
            self._snapshot.eta_s[event.engine] = self._clock.observe(event)[1]

    def _work(self) -> None:
        try:
            for number, plan in enumerate(self.plans):
                if number:  # the next plan gets its own run id; the snapshot follows it
                    self.plan, self.run_id = plan, new_run_id()
                    with self._lock:
                        self._snapshot = JobSnapshot(self.run_id, "preparing", run=self._snapshot.run)
                run = self._execute(plan, last=number == len(self.plans) - 1)
                if run.status == "cancelled":
                    break
        except PlanError as exc:
            with self._lock:
                self._snapshot.status, self._snapshot.error = "error", str(exc)
        except Exception as exc:  # the page shows a readable message; the traceback goes to the log
            log.exception("background run %s failed", self.run_id)
            with self._lock:
                self._snapshot.status, self._snapshot.error = "error", f"{type(exc).__name__}: {exc}"

    def _execute(self, plan: RunPlan, last: bool) -> Run:
        prepared = prepare(plan, self._on_progress)
        with self._lock:
            self._snapshot.status = "running"
        run = execute(plan, self.store, self._on_progress, self.token, prepared, self.run_id)
        self.runs.append(run)
        with self._lock:
            self._snapshot.run = run
            if last or run.status == "cancelled":  # between plans the job is still running
                self._snapshot.status = "cancelled" if run.status == "cancelled" else (
                    "failed" if any(r.status == "failed" for r in self.runs) else "finished")
        return run
