"""Run a job in its own worker process, with a wall-clock timeout and a memory limit.

A crash (even SIGKILL), a hang past the timeout or a worker whose memory (its whole process tree's RSS)
passes the limit becomes a failure message; the caller goes on. The parent also records the worker tree's
peak RSS. Nothing here knows what the job is: it is any picklable callable taking (report, stop).
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing as mp
import os
import queue
import re
import signal
import sys
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from vectorscout.process.lifetime import die_with, die_with_parent
from vectorscout.process.memory import kill_tree, memory_bytes, tree_rss
from vectorscout.process.progress import CancelToken, ProgressCallback

POLL_S = 0.25  # how often the parent looks at the worker: progress, cancel, timeout
# Reading the worker tree's memory walks /proc; done often it disturbs the worker's timed queries
# (measured: +30% per-query latency for FAISS Flat at 4 reads/s), so it is done only under a memory limit.
MEMORY_CHECK_S = 1.0
LOG_CAP_BYTES = 5 * 2**20  # a worker log past this is started afresh

# A job: job(*args, report, stop) -> a picklable value; `report` sends progress, `stop` is set on cancel.
Job = Callable[..., Any]


@dataclass(frozen=True)
class WorkerLimits:
    timeout_s: float
    memory_limit_mb: int = 0  # 0: no limit


@dataclass
class WorkerOutcome:
    value: Any = None  # what the job returned (None when it failed)
    failure: str | None = None  # why the worker stopped without a value
    peak_rss_bytes: int = 0  # the worker's own reading at the end, or the parent's, whichever is higher


def worker_log(name: str) -> Path | None:
    """Where the worker called ``name`` writes its output: the home's logs folder (None when the home is
    read-only: the output then goes where the parent's goes)."""
    from vectorscout.home import HomeError, subdir

    try:
        return subdir("logs") / (re.sub(r"[^A-Za-z0-9._-]", "_", name)[:80] + ".log")
    except (HomeError, OSError):
        return None


def _output_to_log(log: Path | None) -> None:
    """Engines write their own logs and tracebacks to the process's stdout and stderr (gRPC's C core, Milvus
    Lite's server threads, pymilvus's RPC errors): in a worker they go to its log file, not to the user's
    terminal. What the user needs of a failure reaches them as one line through the events queue."""
    if log is None:
        return
    try:
        if log.exists() and log.stat().st_size > LOG_CAP_BYTES:
            log.unlink()
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


# Workers are forked from a server process that has imported these once (multiprocessing's forkserver), instead
# of each starting a fresh interpreter that imports them again: measured here, 0.02 s against 0.55 s a worker,
# about 3 s of a quick evaluation's seven. The server imports, and never runs, an engine: each worker is still
# a process without engine state, threads or locks from an earlier job.
PRELOADED = ["vectorscout.benchmarking.runner"]


def _context() -> Any:
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)  # read when the server starts (the first worker); later calls change nothing
    return context


def _worker(job: Job, args: tuple[Any, ...], events: Any, stop: Any, parent_pid: int, log: Path | None,
            environment: dict[str, str]) -> None:
    # A caller killed by any signal (even SIGKILL) takes the worker with it; so does the fork server, its parent
    die_with(parent_pid)
    die_with_parent(os.getppid())
    # the caller's environment now, not the server's when it started (VECTORSCOUT_HOME may have changed since)
    os.environ.clear()
    os.environ.update(environment)
    _output_to_log(log)
    try:
        value = job(*args, report=lambda event: events.put(("progress", event)), stop=stop)
        events.put(("done", value, memory_bytes()[1]))
    except BaseException as exc:  # anything the job itself did not turn into a value
        events.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        # A forked worker leaves through os._exit, which skips atexit: the clean-up engines register there (the
        # bundled PostgreSQL's stop) runs now, as at a spawned interpreter's exit, before the caller's join returns
        atexit._run_exitfuncs()


class _Watch:
    """The parent's view of one worker: messages, cancel, timeout, memory and an unexpected death."""

    def __init__(self, worker: Any, limits: WorkerLimits) -> None:
        self.worker, self.limits = worker, limits
        self.process = psutil.Process(worker.pid)
        self.started = time.monotonic()
        self.last_memory_check = float("-inf")
        self.peak = 0
        self.limit_bytes = limits.memory_limit_mb * 2**20

    def over_limit(self) -> bool:
        return bool(self.limit_bytes) and self.peak > self.limit_bytes

    def failure(self, events: Any) -> str | None:
        """Why the worker must stop now, if it must (it is then killed)."""
        elapsed = time.monotonic() - self.started
        if self.limit_bytes and elapsed - self.last_memory_check >= MEMORY_CHECK_S:
            self.last_memory_check = elapsed
            self.peak = max(self.peak, tree_rss(self.process))
        if self.over_limit():
            kill_tree(self.process)
            return (f"exceeded the memory limit of {self.limits.memory_limit_mb:,} MB "
                    f"(RSS {self.peak / 2**20:,.0f} MB); stopped")
        if elapsed > self.limits.timeout_s:
            kill_tree(self.process)
            return f"timed out after {self.limits.timeout_s:g} s; the worker was stopped"
        if not self.worker.is_alive() and events.empty():
            code = self.worker.exitcode
            cause = (f"killed by signal {signal.Signals(-code).name}" if code is not None and code < 0
                     else f"exit code {code}")
            return f"the worker died ({cause}) before reporting"
        return None

    def end(self) -> None:
        self.worker.join(timeout=10)
        if self.worker.is_alive():
            kill_tree(self.process)
            self.worker.join(timeout=5)


@contextlib.contextmanager
def _plain_main_module() -> Iterator[None]:
    """A worker (forked by the fork server or spawned) first imports the parent's ``__main__`` from its file.
    Inside the dashboard that is the page script Streamlit is running, so every worker ran the whole dashboard
    bare before its job (measured: 150-225 "missing ScriptRunContext" lines in the server log per dataset
    import). The job and everything it needs are importable modules, so the worker is started while
    ``__main__`` is an empty module."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def run_in_worker(job: Job, args: tuple[Any, ...], limits: WorkerLimits, name: str,
                  progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> WorkerOutcome:
    """job(*args) in a worker process: its value, or why the worker stopped without one."""
    context = _context()
    events = context.Queue()
    stop = context.Event()
    # not a daemon: it may fork processes of its own; it is never left behind, because every way out of
    # this function joins or kills it
    log = worker_log(name)
    worker = context.Process(target=_worker, args=(job, args, events, stop, os.getpid(), log, dict(os.environ)),
                             daemon=False,
                             name=name)
    with _plain_main_module():
        worker.start()
    watch = _Watch(worker, limits)
    outcome = WorkerOutcome()
    try:
        while outcome.failure is None:
            message = _next_message(events)
            if message is not None and message[0] == "progress":
                if progress:
                    progress(message[1])
            elif message is not None and message[0] == "done":
                outcome.value, watch.peak = message[1], max(watch.peak, message[2])
                break
            elif message is not None:
                outcome.failure = f"the worker failed: {message[1]}"[:500]
                break
            if cancel is not None and cancel.cancelled:
                stop.set()  # the job stops at its next check and returns what it has
            outcome.failure = watch.failure(events)
    except BaseException:  # e.g. Ctrl-C in the CLI: the worker goes too
        kill_tree(watch.process)
        raise
    if outcome.failure is None and watch.over_limit():  # finished, but above its limit: it does not fit
        outcome = WorkerOutcome(failure=f"exceeded the memory limit of {limits.memory_limit_mb:,} MB "
                                        f"(peak RSS {watch.peak / 2**20:,.0f} MB)")
    watch.end()
    outcome.peak_rss_bytes = watch.peak
    if outcome.failure is not None and log is not None and log.exists() and log.stat().st_size:
        outcome.failure = f"{outcome.failure[:400]} (the engine's own output: {log})"
    return outcome


def _next_message(events: Any) -> tuple[Any, ...] | None:
    try:
        message: tuple[Any, ...] = events.get(timeout=POLL_S)
        return message
    except queue.Empty:
        return None

