"""Engine jobs in worker processes: memory, disk, stages and concurrent load measured per engine."""

import psutil
from tests_support import spawned_workers

from vectorscout.benchmarking.plan import RunPlan
from vectorscout.benchmarking.runner import execute
from vectorscout.benchmarking.specs import parse_engines
from vectorscout.results.store import ResultsStore


def workers() -> list[psutil.Process]:
    return spawned_workers()


def test_peak_memory_is_recorded_per_engine():
    # the worker holds the dataset (96 MB of float32 vectors) and FAISS Flat its own copy: the peak must
    # count both, and stay within a sane multiple (a unit slip of 1024x fails either bound)
    n, dim = 250_000, 96
    raw_mb = n * dim * 4 / 2**20
    (row,) = execute(RunPlan(dataset=f"synthetic:n={n},dim={dim},queries=20", engines=parse_engines("faiss"), k=10),
                     ResultsStore()).results
    assert row.status == "ok"
    assert 2 * raw_mb < row.peak_rss_mb < 2 * raw_mb + 1500, row.peak_rss_mb
    assert [s["stage"] for s in row.stages if s.get("peak_rss_mb")], row.stages


def test_cancel_reaches_the_worker():
    from vectorscout.process.progress import CancelToken

    token = CancelToken()
    plan = RunPlan(dataset="synthetic:n=150000,dim=64,queries=2000", engines=parse_engines("chroma,faiss"), k=10)

    def cancel_once_inserting(event):  # the worker has started writing: the cancel must reach it there
        if event.engine == "chroma" and event.stage == "insert" and 0 < event.done < event.total:
            token.cancel()

    run = execute(plan, ResultsStore(), cancel=token, progress=cancel_once_inserting)
    assert run.status == "cancelled" and run.results[0].status == "cancelled"
    assert len(run.results) == 1  # the run stops; faiss never started


def test_disk_use_is_measured_for_engines_that_write_it():
    plan = RunPlan(dataset="synthetic:n=3000,dim=32", engines=parse_engines("chroma,faiss,pgvector"), k=10)
    chroma, faiss, pgvector = execute(plan, ResultsStore()).results
    assert chroma.disk_mb > 0 and chroma.disk_bytes_per_vector > 32 * 4  # at least the raw float32 vectors
    assert pgvector.disk_bytes_per_vector > 32 * 4
    assert faiss.disk_mb is None  # in memory: not measured, not zero


def test_concurrency_levels_add_rows_by_threads_or_processes():
    from vectorscout.results.analysis import pareto_frontier

    # long enough passes (about 0.1 s each) that CPU time is measurable at the clock tick
    plan = RunPlan(dataset="synthetic:n=20000,dim=32,queries=1000", engines=parse_engines("faiss,hnswlib"), k=10,
                   concurrency=(1, 2, 4))
    rows = execute(plan, ResultsStore()).results
    faiss = [r for r in rows if r.engine == "faiss"]
    assert [r.concurrency for r in faiss] == [1, 2, 4]
    for row in faiss:
        assert row.status == "ok" and row.recall == 1.0 and row.errors == 0 and row.qps > 0
    assert all(r.client_cpu_pct is not None and r.client_cpu_pct > 0 for r in faiss[1:])
    hnswlib = [r for r in rows if r.engine == "hnswlib"]  # not thread-safe: one forked process per client
    assert [r.status for r in hnswlib] == ["ok", "ok", "ok"]
    assert [r.load for r in hnswlib] == ["1 client, serial", "2 processes, each query once", "4 processes, each query once"]
    assert all(r.recall == hnswlib[0].recall and r.n_queries == 1000 and r.client_cpu_pct > 0 for r in hnswlib[1:])
    assert len(pareto_frontier(rows)["faiss"]) == 1  # the frontier compares serial passes only


def test_a_worker_spawned_from_a_large_process_reports_its_own_peak_not_the_parents():
    """getrusage's ru_maxrss survives exec: a worker forked-then-exec'd from a 1.7 GB process reported 1.7 GB as its
    peak. The peak must be the worker's own, whatever the size of the process that started it."""
    import numpy as np

    ballast = np.ones(700 * 2**20 // 8)  # 700 MB resident in this (the parent) process
    (row,) = execute(RunPlan(dataset="synthetic:n=2000,dim=16,queries=20", engines=parse_engines("faiss"), k=10),
                     ResultsStore()).results
    assert ballast.sum() > 0
    assert row.status == "ok" and 0 < row.peak_rss_mb < 600, row.peak_rss_mb


def test_a_worker_does_not_rerun_the_parents_main_script(tmp_path, monkeypatch):
    """Inside the dashboard, ``__main__`` is the page script Streamlit runs; a spawned worker imports its parent's
    ``__main__`` from its file, so every worker ran the whole dashboard bare (hundreds of warnings in the server
    log per dataset import). A script standing in for the page must not run in the worker."""
    import sys
    import types

    from vectorscout.process.isolation import WorkerLimits, run_in_worker

    marker = tmp_path / "ran-in-the-worker"
    page = tmp_path / "page.py"
    page.write_text(f"open({str(marker)!r}, 'w').write('the page script ran')\n")
    script_main = types.ModuleType("__main__")
    script_main.__file__ = str(page)  # what Streamlit's script runner puts in sys.modules while a page runs
    monkeypatch.setitem(sys.modules, "__main__", script_main)
    outcome = run_in_worker(_answer, (), WorkerLimits(timeout_s=60), "main-check")
    assert outcome.failure is None and outcome.value == 42
    assert not marker.exists()
    assert sys.modules["__main__"] is script_main  # put back for the script that is running


def _answer(report=None, stop=None) -> int:
    return 42


def test_an_engines_own_output_goes_to_the_worker_log_not_the_terminal(capfd, vectorscout_home):
    """What an engine prints (a traceback, gRPC's C core on fd 2, stdout) stays out of the user's terminal and is
    kept in the home's logs; a worker that dies says where its output is."""
    from tests_support import noisy_job

    from vectorscout.process.isolation import WorkerLimits, run_in_worker

    outcome = run_in_worker(noisy_job, (False,), WorkerLimits(120), "vectorscout-noisy")
    assert outcome.value == "value" and outcome.failure is None
    terminal = capfd.readouterr()
    assert "engine" not in terminal.err + terminal.out and "grpc core" not in terminal.err
    log = (vectorscout_home / "logs" / "vectorscout-noisy.log").read_text()
    assert "engine traceback on stderr" in log and "grpc core line on fd 2" in log and "engine chatter" in log
    crashed = run_in_worker(noisy_job, (True,), WorkerLimits(120), "vectorscout-noisy")
    assert crashed.failure is not None and str(vectorscout_home / "logs" / "vectorscout-noisy.log") in crashed.failure


def environment_value(name: str, report, stop) -> str | None:
    import os

    return os.environ.get(name)


def test_a_worker_sees_the_callers_environment_as_it_is_now_not_as_the_fork_server_started(monkeypatch):
    # the fork server is started by the first worker and keeps its environment; VECTORSCOUT_HOME and the like
    # change after that (every test here has a home of its own)
    from vectorscout.process.isolation import WorkerLimits, run_in_worker

    monkeypatch.setenv("VECTORSCOUT_PROBE", "before")
    assert run_in_worker(environment_value, ("VECTORSCOUT_PROBE",), WorkerLimits(60), "probe").value == "before"
    monkeypatch.setenv("VECTORSCOUT_PROBE", "after")
    assert run_in_worker(environment_value, ("VECTORSCOUT_PROBE",), WorkerLimits(60), "probe").value == "after"
