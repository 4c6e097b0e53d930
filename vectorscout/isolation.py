"""Each engine job in its own worker process, with a wall-clock timeout and a memory limit.

A crash (even SIGKILL), a hang past the timeout or a worker whose memory (its whole process tree's RSS)
passes the limit becomes a failed row that says so; the parent, the store and the other engines carry
on. The parent also records the worker tree's peak RSS: memory attributable to the embedded engine.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import resource
import signal
import time
from collections.abc import Iterable
from typing import Any

import psutil

from vectorscout.results import ResultRow

POLL_S = 0.25  # how often the parent looks at the worker: progress, cancel, timeout
# Reading the worker tree's memory walks /proc; done often it disturbs the worker's timed queries
# (measured: +30% per-query latency for FAISS Flat at 4 reads/s), so it is done only under a memory limit.
MEMORY_CHECK_S = 1.0


def _worker(config: Any, plan: Any, events: Any, stop: Any) -> None:
    from vectorscout.runner import CancelToken, prepare, run_engine

    try:
        prepared = prepare(plan)  # the dataset is rebuilt; its ground truth comes from the disk cache
        rows, versions = run_engine(config, prepared, plan, lambda event: events.put(("progress", event)),
                                    CancelToken(stop))
        events.put(("done", rows, versions, memory_bytes()[1]))
    except BaseException as exc:  # anything the job itself did not turn into a row
        events.put(("error", f"{type(exc).__name__}: {exc}"))


def memory_bytes(server_pids: Iterable[int] = ()) -> tuple[int, int]:
    """Memory of this process, its child processes (e.g. Milvus Lite's server) and the given server processes
    outside its tree (the bundled PostgreSQL): (held now, with this process's high-water mark instead).
    Read between stages or at the end, never during timed queries: it walks /proc."""
    own = psutil.Process().memory_info().rss
    own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    others = sum(tree_rss(child) for child in psutil.Process().children())
    for pid in server_pids:
        try:
            others += tree_rss(psutil.Process(pid))
        except psutil.NoSuchProcess:
            continue
    return own + others, max(own, own_peak) + others


def tree_rss(process: psutil.Process) -> int:
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def _kill_tree(process: psutil.Process) -> None:
    try:
        members = [*process.children(recursive=True), process]
    except psutil.NoSuchProcess:
        return
    for member in members:
        try:
            member.kill()
        except psutil.NoSuchProcess:
            continue


def run_engine_isolated(config: Any, plan: Any, progress: Any, cancel: Any) -> tuple[list[ResultRow], dict[str, str]]:
    """run_engine in a spawned worker; returns its rows, or one failed row saying why the worker stopped."""
    context = mp.get_context("spawn")  # a fresh interpreter: no engine state, threads or locks inherited
    events = context.Queue()
    stop = context.Event()
    # not a daemon: it may fork client processes of its own (concurrency by processes); it is never left
    # behind, because every way out of this function joins or kills it
    worker = context.Process(target=_worker, args=(config, plan, events, stop), daemon=False,
                             name=f"vectorscout-{config.engine}")
    worker.start()
    watched = psutil.Process(worker.pid)
    started = time.monotonic()
    peak = 0
    last_memory_check = float("-inf")
    rows: list[ResultRow] | None = None
    versions = {"engine": "", "client": ""}
    failure: str | None = None
    limit = plan.memory_limit_mb * 2**20 if plan.memory_limit_mb else 0
    try:
        while rows is None and failure is None:
            try:
                message = events.get(timeout=POLL_S)
            except queue.Empty:
                message = None
            if message is not None:
                kind = message[0]
                if kind == "progress" and progress:
                    progress(message[1])
                elif kind == "done":
                    rows, versions, peak = message[1], message[2], max(peak, message[3])
                    break
                elif kind == "error":
                    failure = f"the worker failed: {message[1]}"[:500]
                    break
            if cancel.cancelled:
                stop.set()  # the job stops at its next check and returns a cancelled row
            elapsed = time.monotonic() - started
            if limit and elapsed - last_memory_check >= MEMORY_CHECK_S:
                last_memory_check = elapsed
                peak = max(peak, tree_rss(watched))
            if limit and peak > limit:
                _kill_tree(watched)
                failure = f"exceeded the memory limit of {plan.memory_limit_mb:,} MB (RSS {peak / 2**20:,.0f} MB); stopped"
            elif elapsed > plan.timeout_s:
                _kill_tree(watched)
                failure = f"timed out after {plan.timeout_s:g} s; the worker was stopped"
            elif not worker.is_alive() and events.empty():
                code = worker.exitcode
                cause = f"killed by signal {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit code {code}"
                failure = f"the worker died ({cause}) before reporting; results of this engine are lost, others are not"
    except BaseException:  # e.g. Ctrl-C in the CLI: the worker goes too
        _kill_tree(watched)
        raise
    if rows is not None and limit and peak > limit:  # finished, but above its limit: it does not fit
        rows = None
        failure = f"exceeded the memory limit of {plan.memory_limit_mb:,} MB (peak RSS {peak / 2**20:,.0f} MB)"
    worker.join(timeout=10)
    if worker.is_alive():
        _kill_tree(watched)
        worker.join(timeout=5)
    if failure is not None:
        from vectorscout.home import subdir
        from vectorscout.pgserver import reap_orphans

        reap_orphans(subdir("pgvector"))  # a killed worker cannot stop the PostgreSQL it started
        rows = [ResultRow(engine=config.engine, status="failed", index=config.index, build_params=config.build_params,
                          search_params={}, error=failure, filter=plan.filter, k=plan.k)]
    assert rows is not None
    for row in rows:
        # the worker's own reading also counts servers outside its tree (the bundled PostgreSQL)
        row.peak_rss_mb = round(max(peak / 2**20, row.peak_rss_mb or 0.0), 1)
    return rows, versions
