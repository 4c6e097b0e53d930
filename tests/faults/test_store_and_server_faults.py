"""Faults outside the engine job: the bundled PostgreSQL killed, the benchmarking process killed while it
writes, a store that cannot be written, and two sessions benchmarking at once."""

import contextlib
import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from vectorscout.benchmarking.plan import RunPlan
from vectorscout.benchmarking.runner import execute
from vectorscout.benchmarking.specs import parse_engines
from vectorscout.results.records import DatasetInfo, Environment, ResultRow, Run
from vectorscout.results.store import ResultsStore

ROOT = Path(__file__).resolve().parents[2]


def postgres_processes(home: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        try:
            if "postgres" in (process.info["name"] or "") and str(home) in " ".join(process.info["cmdline"] or []):
                found.append(process)
        except psutil.Error:
            continue
    return found


def kill_tree(process: psutil.Process) -> None:
    for member in [*process.children(recursive=True), process]:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.kill()


@pytest.mark.engine
def test_bundled_postgres_killed_mid_run_fails_that_job_and_the_next_run_is_healthy(vectorscout_home):
    store = ResultsStore()
    plan = RunPlan(dataset="synthetic:n=3000,dim=16,queries=3000", engines=parse_engines("pgvector,faiss"), k=10)
    killed = []

    def kill_server_during_search(event):
        if event.engine == "pgvector" and event.stage.startswith("search") and event.done > 0 and not killed:
            for process in postgres_processes(vectorscout_home):
                if process.parent() is None or "postgres" not in (process.parent().name() or ""):
                    kill_tree(process)  # the postmaster and every backend: a crashed server
                    killed.append(process.pid)

    run = execute(plan, store, progress=kill_server_during_search)
    assert killed, "the test should have killed the bundled server"
    pgvector, faiss = run.results
    assert pgvector.status == "failed" and "pgvector" in pgvector.error.lower()
    assert faiss.status == "ok"
    deadline = time.monotonic() + 20
    while postgres_processes(vectorscout_home) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert postgres_processes(vectorscout_home) == []
    again = execute(RunPlan(dataset="synthetic:n=1000,dim=16", engines=parse_engines("pgvector"), k=10), store)
    assert again.results[0].status == "ok" and again.results[0].recall > 0.9
    assert postgres_processes(vectorscout_home) == []  # stopped at the worker's exit: no orphan
    leftovers = list((vectorscout_home / "pgvector").glob("server-*"))
    assert leftovers == [], leftovers  # no stale data directory or lock file


def test_process_killed_while_writing_leaves_the_run_interrupted_and_the_store_sound(vectorscout_home):
    store = ResultsStore()
    store.create_run(Run(run_id="earlier", created_at="2026-01-01T00:00:00+00:00", status="finished", k=10,
                         dataset=DatasetInfo(name="x"), plan={}, environment=Environment(),
                         results=[ResultRow(engine="faiss", status="ok", index="flat", build_params={}, search_params={})]))
    process = subprocess.Popen(
        [sys.executable, "-m", "vectorscout", "run", "--engines", "chroma", "--dataset",
         "synthetic:n=200000,dim=32,queries=10", "--in-process", "--quiet"],
        cwd=ROOT, env={**os.environ, "VECTORSCOUT_HOME": str(vectorscout_home)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not any(s.status == "running" for s in store.list_runs()):
        assert process.poll() is None and time.monotonic() < deadline, "the run should have started"
        time.sleep(0.2)
    # inside the insert loop once Chroma's files under the run's work folder grow: writing to the engine
    while sum(f.stat().st_size for f in (vectorscout_home / "work").rglob("*") if f.is_file()) < 1_000_000:
        assert process.poll() is None and time.monotonic() < deadline, "the run should be inserting"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    reopened = ResultsStore()
    statuses = {s.run_id: s.status for s in reopened.list_runs()}
    assert statuses.pop("earlier") == "finished"
    assert list(statuses.values()) == ["interrupted"]
    assert reopened.get_run("earlier").results[0].engine == "faiss"
    with sqlite3.connect(reopened.path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_store_that_cannot_grow_gives_a_clear_error_and_loses_nothing(vectorscout_home, tmp_path):
    """A full disk, for real: the writing process may not grow any file (RLIMIT_FSIZE), as on a full device."""
    store = ResultsStore()
    execute(RunPlan(dataset="synthetic:n=300,dim=8,queries=10", engines=parse_engines("faiss"), k=5, isolate=False), store)
    before = {s.run_id: s.status for s in store.list_runs()}
    script = textwrap.dedent("""
        import resource, signal, sys
        from vectorscout.cli import main
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
        sys.exit(main(["run", "--engines", "faiss", "--dataset", "synthetic:n=300,dim=8,queries=10", "--in-process",
                       "--label", "x" * 200000, "--quiet"]))
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "VECTORSCOUT_HOME": str(vectorscout_home)})
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("vectorscout: error:") and "results store" in last, result.stderr[-2000:]
    after = ResultsStore()
    assert {s.run_id: s.status for s in after.list_runs()} == before
    with sqlite3.connect(after.path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_two_sessions_and_the_cli_benchmarking_at_once_take_turns_and_store_intact_results(vectorscout_home):
    """Two dashboard sessions and a CLI ask at once: each run waits its turn, runs alone (no two jobs' running
    times overlap) and stores its results intact."""
    from tests_support import wait_for_job

    from vectorscout.benchmarking.run_queue import RunQueue, submit_detached

    store = ResultsStore()
    plans = [RunPlan(dataset="synthetic:n=3000,dim=16,queries=200", engines=parse_engines(engines), k=10)
             for engines in ("faiss,hnswlib", "hnswlib,faiss")]
    jobs = [submit_detached(store, [plan], f"session {i}") for i, plan in enumerate(plans)]  # two dashboard tabs
    cli = subprocess.run([sys.executable, "-m", "vectorscout", "run", "--engines", "faiss", "--dataset",
                          "synthetic:n=3000,dim=16,queries=200", "--format", "json", "--quiet"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "VECTORSCOUT_HOME": str(vectorscout_home)})
    assert cli.returncode == 0, cli.stderr
    entries = [wait_for_job(job) for job in jobs]
    cli_run = json.loads(cli.stdout)["run_id"]
    (cli_entry,) = [e for e in (RunQueue(store).get(j) for j in _job_ids(store)) if e.run_ids == [cli_run]]
    ordered = sorted([*entries, cli_entry], key=lambda e: e.started_at)
    assert all(e.state == "finished" for e in ordered), [(e.state, e.error) for e in ordered]
    for earlier, later in itertools.pairwise(ordered):
        assert earlier.finished_at <= later.started_at, (earlier, later)  # one at a time
    for entry, plan_engines in [(e, [c["engine"] for c in e.plans[0]["engines"]]) for e in ordered]:
        (run_id,) = entry.run_ids
        stored = store.get_run(run_id)
        assert stored.status == "finished"
        assert [r.engine for r in stored.results] == plan_engines
        assert all(r.status == "ok" and r.recall > 0.9 for r in stored.results)


def _job_ids(store: ResultsStore) -> list[str]:
    with store.transaction() as db:
        return [row[0] for row in db.execute("SELECT job_id FROM queue")]


def test_concurrent_writers_of_one_cache_file_never_rename_each_others_temporary(tmp_path):
    """Two sessions computing the same ground truth wrote one shared temporary name: the first rename took the
    other's file away (FileNotFoundError, a failed run). Every writer holds its temporary until all have
    written it, so the renames overlap on every run, not by luck."""
    import threading

    import numpy as np

    from vectorscout.home import write_atomically

    path = tmp_path / "gt-key.npz"
    writers = 4
    all_written = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(temporary: Path, value: int) -> None:
        np.savez(temporary, ids=np.full(3, value))
        all_written.wait(timeout=30)

    def writer(value: int) -> None:
        try:
            write_atomically(path, lambda temporary: write(temporary, value))
        except BaseException as exc:  # collected: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(value,)) for value in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with np.load(path) as stored:
        assert stored["ids"].tolist() in [[value] * 3 for value in range(writers)]  # one writer's file, whole
    assert [p.name for p in tmp_path.iterdir()] == ["gt-key.npz"]  # no temporary left behind
