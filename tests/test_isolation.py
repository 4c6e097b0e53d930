"""Engine jobs in worker processes: a killed, hung or oversized worker fails alone; the store keeps everything."""

import os
import signal
import threading
import time

import psutil

from vectorscout.runner import RunPlan, execute
from vectorscout.specs import parse_engines
from vectorscout.store import ResultsStore


def workers() -> list[psutil.Process]:
    return [p for p in psutil.Process().children() if "spawn_main" in " ".join(p.cmdline())]


def test_sigkill_mid_run_fails_that_engine_only():
    store = ResultsStore()
    plan = RunPlan(dataset="synthetic:n=150000,dim=64,queries=2000", engines=parse_engines("chroma,faiss"), k=10)
    killed = []

    def kill_during_insert(event):
        if event.engine == "chroma" and event.stage == "insert" and not killed:
            for worker in workers():
                os.kill(worker.pid, signal.SIGKILL)
                killed.append(worker.pid)

    run = execute(plan, store, progress=kill_during_insert)
    assert killed, "the test should have killed the chroma worker"
    chroma, faiss = run.results
    assert chroma.status == "failed" and "killed by signal SIGKILL" in chroma.error
    assert faiss.status == "ok" and faiss.recall == 1.0
    stored = store.get_run(run.run_id)
    assert stored.status == "failed" and [r.status for r in stored.results] == ["failed", "ok"]


def test_a_job_past_its_timeout_is_stopped_and_the_next_engine_runs():
    # chroma needs about half a minute to insert 150,000 vectors here; faiss finishes well inside 8 s
    plan = RunPlan(dataset="synthetic:n=150000,dim=64,queries=100", engines=parse_engines("chroma,faiss"), k=10,
                   timeout_s=8)
    began = time.monotonic()
    run = execute(plan, ResultsStore())
    chroma, faiss = run.results
    assert chroma.status == "failed" and "timed out after 8 s" in chroma.error
    assert faiss.status == "ok"
    assert time.monotonic() - began < 120
    assert workers() == []


def test_a_worker_over_its_memory_limit_is_stopped():
    plan = RunPlan(dataset="synthetic:n=2000,dim=16", engines=parse_engines("faiss"), k=10, memory_limit_mb=20)
    (row,) = execute(plan, ResultsStore()).results
    assert row.status == "failed" and "exceeded the memory limit of 20 MB" in row.error


def test_peak_memory_is_recorded_per_engine():
    (row,) = execute(RunPlan(dataset="synthetic:n=2000,dim=16", engines=parse_engines("faiss"), k=10),
                     ResultsStore()).results
    assert row.status == "ok" and row.peak_rss_mb > 10


def test_cancel_reaches_the_worker():
    from vectorscout.runner import CancelToken

    token = CancelToken()
    plan = RunPlan(dataset="synthetic:n=150000,dim=64,queries=2000", engines=parse_engines("chroma,faiss"), k=10)
    threading.Timer(6.0, token.cancel).start()
    run = execute(plan, ResultsStore(), cancel=token)
    assert run.status == "cancelled" and run.results[0].status == "cancelled"
    assert len(run.results) == 1  # the run stops; faiss never started


def test_disk_use_is_measured_for_engines_that_write_it():
    plan = RunPlan(dataset="synthetic:n=3000,dim=32", engines=parse_engines("chroma,faiss,pgvector"), k=10)
    chroma, faiss, pgvector = execute(plan, ResultsStore()).results
    assert chroma.disk_mb > 0 and chroma.disk_bytes_per_vector > 32 * 4  # at least the raw float32 vectors
    assert pgvector.disk_bytes_per_vector > 32 * 4
    assert faiss.disk_mb is None  # in memory: not measured, not zero


def test_concurrency_levels_add_rows_and_thread_unsafe_clients_say_why():
    from vectorscout.analysis import pareto_frontier

    # long enough passes (about 0.1 s each) that CPU time is measurable at the clock tick
    plan = RunPlan(dataset="synthetic:n=20000,dim=32,queries=1000", engines=parse_engines("faiss,hnswlib"), k=10,
                   concurrency=(1, 2, 4))
    rows = execute(plan, ResultsStore()).results
    faiss = [r for r in rows if r.engine == "faiss"]
    assert [r.concurrency for r in faiss] == [1, 2, 4]
    for row in faiss:
        assert row.status == "ok" and row.recall == 1.0 and row.errors == 0 and row.qps > 0
    assert all(r.client_cpu_pct is not None and r.client_cpu_pct > 0 for r in faiss[1:])
    hnswlib = [r for r in rows if r.engine == "hnswlib"]
    assert [r.status for r in hnswlib] == ["ok", "skipped", "skipped"]
    assert "not thread-safe" in hnswlib[1].error
    assert len(pareto_frontier(rows)["faiss"]) == 1  # the frontier compares serial passes only
