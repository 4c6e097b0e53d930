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
    """Start with ``start()``; poll ``snapshot()``; stop with ``cancel()``."""

    def __init__(self, plan: RunPlan, store: ResultsStore) -> None:
        self.plan = plan
        self.store = store
        self.run_id = new_run_id()
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
            prepared = prepare(self.plan, self._on_progress)
            with self._lock:
                self._snapshot.status = "running"
            run = execute(self.plan, self.store, self._on_progress, self.token, prepared, self.run_id)
            with self._lock:
                self._snapshot.run = run
                self._snapshot.status = "cancelled" if run.status == "cancelled" else (
                    "failed" if run.status == "failed" else "finished")
        except PlanError as exc:
            with self._lock:
                self._snapshot.status, self._snapshot.error = "error", str(exc)
        except Exception as exc:  # the page shows a readable message; the traceback goes to the log
            log.exception("background run %s failed", self.run_id)
            with self._lock:
                self._snapshot.status, self._snapshot.error = "error", f"{type(exc).__name__}: {exc}"
