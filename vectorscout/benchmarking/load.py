"""Concurrent load on a built index: local clients (threads, or forked processes for clients that are not
thread-safe) or Locust users; each level gives a row derived from the serial row of the same setting."""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
import queue
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import psutil

from adapters.base import VectorAdapter
from vectorscout.benchmarking.metrics import noise_verdict, summarize_latencies
from vectorscout.benchmarking.plan import RunPlan
from vectorscout.benchmarking.timing import StageReport, recalls, setting_name
from vectorscout.contract import filters
from vectorscout.data.datasets import Dataset
from vectorscout.data.groundtruth import GroundTruth
from vectorscout.process.lifetime import die_with_parent
from vectorscout.process.memory import HostLoad
from vectorscout.process.progress import CancelToken
from vectorscout.results.records import ResultRow


@dataclass
class ClientLoad:
    """What one load client did: the query index of each request, its latency (ns) and whether it failed,
    and the ids found for each query it sent (the last answer, when queries repeat)."""

    query_index: np.ndarray
    latency_ns: np.ndarray
    failed: np.ndarray
    found: dict[int, np.ndarray]


@dataclass(frozen=True)
class LoadSpec:
    """The same requests for every client: queries, k, filter, and when to stop (None: each query once)."""

    queries: np.ndarray
    k: int
    tree: filters.Filter | None
    deadline: float | None


def _client_loop(db: VectorAdapter, spec: LoadSpec, share: range, cancel: CancelToken) -> ClientLoad:
    """One client's requests: its share of the queries once, or cycling over them until the deadline."""
    clock = time.perf_counter_ns
    index, latency, failed = [], [], []
    found: dict[int, np.ndarray] = {}
    position = 0
    while not cancel.cancelled:
        if spec.deadline is None:
            if position >= len(share):
                break
        elif time.perf_counter() >= spec.deadline:
            break
        i = share[position % len(share)]
        position += 1
        began = clock()
        try:
            hits = db.search(spec.queries[i], spec.k, spec.tree)
        except Exception:  # counted, not hidden: errors under load are a result
            index.append(i)
            latency.append(clock() - began)
            failed.append(True)
            continue
        latency.append(clock() - began)
        index.append(i)
        failed.append(False)
        found[i] = np.asarray(hits.ids[: spec.k])
    return ClientLoad(np.asarray(index, dtype=np.int64), np.asarray(latency, dtype=np.int64),
                      np.asarray(failed, dtype=bool), found)


def _forked_client(db: VectorAdapter, spec: LoadSpec, share: range, cancel: CancelToken, results: Any, parent_pid: int) -> None:
    die_with_parent(parent_pid)
    try:
        db.reopen_in_child()
        results.put(("ok", _client_loop(db, spec, share, cancel)))
    except BaseException as exc:  # reported to the parent, which counts the client's queries as failed
        results.put(("error", f"{type(exc).__name__}: {exc}"))


def _run_clients(db: VectorAdapter, spec: LoadSpec, level: int, cancel: CancelToken,
                 processes: bool) -> tuple[list[ClientLoad], list[str]]:
    shares = [range(offset, len(spec.queries), level) for offset in range(level)]
    if not processes:
        with ThreadPoolExecutor(max_workers=level) as pool:
            return list(pool.map(lambda share: _client_loop(db, spec, share, cancel), shares)), []
    # fork, not spawn: each child inherits the built index (copy-on-write) or reopens its own connection
    context = mp.get_context("fork")
    results = context.Queue()
    clients = [context.Process(target=_forked_client, args=(db, spec, share, cancel, results, os.getpid()), daemon=True)
               for share in shares]
    for client in clients:
        client.start()
    loads: list[ClientLoad] = []
    errors: list[str] = []
    limit = (spec.deadline - time.perf_counter() if spec.deadline else 0.0) + 600.0
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


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (forked clients)."""
    own, children = psutil.Process().cpu_times(), os.times()
    return own.user + own.system + children.children_user + children.children_system


def measure_concurrent(db: VectorAdapter, serial: ResultRow, dataset: Dataset, truth: GroundTruth, tree: filters.Filter | None,
                       plan: RunPlan, level: int, report: StageReport, cancel: CancelToken,
                       processes: bool = False) -> ResultRow:
    """The queries from `level` clients at once: throughput, tail latency, errors, and the client side's CPU use."""
    n_queries, k = len(dataset.queries), plan.k
    kind = "processes" if processes else "threads"
    label = f"{setting_name(serial.search_params)} x{level} {kind}"
    report(label, 0, 1)
    busy_before, started = _cpu_seconds(), time.perf_counter()
    host = HostLoad(db.server_process_ids(), count_parent=plan.isolate).start()
    deadline = started + plan.duration_s if plan.duration_s > 0 else None
    loads, client_errors = _run_clients(db, LoadSpec(dataset.queries, k, tree, deadline), level, cancel, processes)
    wall = time.perf_counter() - started
    busy = _cpu_seconds() - busy_before
    host_other = host.other_pct()
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
    recall, recall_by_distance, _ = recalls(found, dataset, truth, k)
    return dataclasses.replace(
        serial, concurrency=level, errors=failed_requests + lost, n_queries=len(latencies) + failed_requests,
        client_cpu_pct=100.0 * busy / wall / (os.cpu_count() or 1),
        load=f"{level} {kind}" + (f", {plan.duration_s:g} s" if deadline else ", each query once"),
        error="; ".join(client_errors)[:500] or None, recall=recall, recall_distance=recall_by_distance,
        latency_p50_ms=summary.p50_ms if summary else None, latency_p95_ms=summary.p95_ms if summary else None,
        latency_p99_ms=summary.p99_ms if summary else None, latency_mean_ms=summary.mean_ms if summary else None,
        qps=len(latencies) / wall if wall > 0 else None, host_other_cpu_pct=host_other,
        noise=noise_verdict(host_other, None),
    )


def _under_locust(serial: ResultRow, level: int, **changes: Any) -> ResultRow:
    """The serial row's identity (engine, settings, build figures) with the concurrent figures replaced."""
    blank: dict[str, Any] = dict(recall=None, recall_distance=None, latency_p50_ms=None, latency_p95_ms=None,
                                 latency_p99_ms=None, latency_mean_ms=None, qps=None, latency_quantiles_ms=[],
                                 concurrency=level, load=f"Locust: {level} users", n_queries=0, errors=0,
                                 client_cpu_pct=None, host_other_cpu_pct=None, noise="")
    return dataclasses.replace(serial, **{**blank, **changes})


def measure_locust(db: VectorAdapter, serial: ResultRow, plan: RunPlan, level: int, report: StageReport) -> ResultRow:
    """The same load from Locust users spread over Locust worker processes (see distributed.py)."""
    from vectorscout.benchmarking.distributed import DistributedLoadError, run_locust

    connection = db.remote_connection()
    if connection is None:
        return _under_locust(serial, level, status="skipped",
                             error=f"{db.display_name} runs inside the benchmark process: Locust workers cannot "
                                   "reach it; distributed load needs a server engine")
    label = f"{setting_name(serial.search_params)} x{level} Locust users"
    report(label, 0, 1)
    spec = {"engine": serial.engine, "collection": db.state.name, "dim": db.state.dim, "metric": db.state.metric.value,
            "index": db.state.index, "search_params": serial.search_params, "dataset": plan.dataset, "k": plan.k,
            "filter": plan.filter}
    duration = plan.duration_s or 10.0
    try:
        stats = run_locust(spec, connection, users=level, workers=plan.locust_workers, duration_s=duration)
    except DistributedLoadError as exc:
        return _under_locust(serial, level, status="failed", error=str(exc)[:500])
    report(label, 1, 1)
    return _under_locust(
        serial, level, load=f"Locust: {level} users on {stats.workers} workers, {duration:g} s",
        latency_p50_ms=stats.p50_ms, latency_p95_ms=stats.p95_ms, latency_p99_ms=stats.p99_ms,
        latency_mean_ms=stats.mean_ms, qps=stats.qps, n_queries=stats.requests + stats.failures, errors=stats.failures,
        client_cpu_pct=100.0 * stats.client_cpu_s / duration / (os.cpu_count() or 1),
    )
