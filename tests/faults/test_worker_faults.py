"""Engine jobs in worker processes: a killed, hung or oversized worker fails alone; the store keeps everything."""

import os
import signal
import time

import psutil
from tests_support import spawned_workers

from vectorscout.benchmarking.plan import RunPlan
from vectorscout.benchmarking.runner import execute
from vectorscout.benchmarking.specs import parse_engines
from vectorscout.results.store import ResultsStore


def workers() -> list[psutil.Process]:
    return spawned_workers()


def signal_when_inserting(engine: str, signum: int):
    """A progress callback that sends ``signum`` to the engine workers once ``engine`` reports inserting; and the
    list of the process ids it signalled."""
    signalled: list[int] = []

    def callback(event):
        if event.engine == engine and event.stage == "insert" and not signalled:
            for worker in workers():
                os.kill(worker.pid, signum)
                signalled.append(worker.pid)

    return callback, signalled


def test_sigkill_mid_run_fails_that_engine_only():
    store = ResultsStore()
    plan = RunPlan(dataset="synthetic:n=150000,dim=64,queries=2000", engines=parse_engines("chroma,faiss"), k=10)
    kill_during_insert, killed = signal_when_inserting("chroma", signal.SIGKILL)
    run = execute(plan, store, progress=kill_during_insert)
    assert killed, "the test should have killed the chroma worker"
    chroma, faiss = run.results
    assert chroma.status == "failed" and "killed by signal SIGKILL" in chroma.error
    # exact by distance; by id, a float32 near-tie at the k-th place may swap one of 20,000 neighbours
    assert faiss.status == "ok" and faiss.recall_distance == 1.0 and faiss.recall >= 0.9999
    stored = store.get_run(run.run_id)
    assert stored.status == "failed" and [r.status for r in stored.results] == ["failed", "ok"]


def test_a_job_past_its_timeout_is_stopped_and_the_next_engine_runs():
    # The chroma worker is frozen (SIGSTOP) as soon as it inserts: a hang that no machine speed finishes, so
    # only the timeout can end it. 20 s leaves faiss, on 2,000 vectors, ample time even on a busy machine.
    plan = RunPlan(dataset="synthetic:n=2000,dim=16,queries=20", engines=parse_engines("chroma,faiss"), k=10,
                   timeout_s=20)
    freeze_during_insert, frozen = signal_when_inserting("chroma", signal.SIGSTOP)
    began = time.monotonic()
    run = execute(plan, ResultsStore(), progress=freeze_during_insert)
    assert frozen, "the test should have frozen the chroma worker"
    chroma, faiss = run.results
    assert chroma.status == "failed" and "timed out after 20 s" in chroma.error
    assert faiss.status == "ok"
    assert time.monotonic() - began < 180
    assert workers() == []


def test_a_worker_over_its_memory_limit_is_stopped():
    plan = RunPlan(dataset="synthetic:n=2000,dim=16", engines=parse_engines("faiss"), k=10, memory_limit_mb=20)
    (row,) = execute(plan, ResultsStore()).results
    assert row.status == "failed" and "exceeded the memory limit of 20 MB" in row.error




def test_sigkill_mid_query_fails_that_engine_only():
    store = ResultsStore()
    # chroma answers about 1,000 queries a second here: a 3,000-query pass is long enough to be hit mid-way
    plan = RunPlan(dataset="synthetic:n=5000,dim=32,queries=3000", engines=parse_engines("faiss,chroma,hnswlib"), k=10)
    killed = []

    def kill_during_search(event):
        if event.engine == "chroma" and event.stage.startswith("search") and 0 < event.done < event.total and not killed:
            for worker in workers():
                os.kill(worker.pid, signal.SIGKILL)
                killed.append(worker.pid)

    run = execute(plan, store, progress=kill_during_search)
    assert killed, "the test should have killed the chroma worker while it queried"
    faiss, chroma, hnswlib = run.results
    assert chroma.status == "failed" and "killed by signal SIGKILL" in chroma.error
    assert faiss.status == "ok" and hnswlib.status == "ok"
    assert [r.status for r in store.get_run(run.run_id).results] == ["ok", "failed", "ok"]
    assert workers() == []
