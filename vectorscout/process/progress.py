"""Progress events, the per-stage clock that turns them into an ETA, and the cancel token a run checks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


class Cancelled(Exception):
    """The user cancelled the run."""


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
