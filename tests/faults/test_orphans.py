"""Killing the CLI with SIGKILL mid-run leaves no process of the run behind: not its worker, not the worker's
bundled PostgreSQL (which pg_ctl hands to init), not Milvus's standalone server, within 10 seconds."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def run_processes(cli: psutil.Process, home: Path) -> set[int]:
    """The CLI's whole tree and every process holding the run's PostgreSQL data directory."""
    pids = {cli.pid, *(child.pid for child in cli.children(recursive=True))}
    for process in psutil.process_iter(["cmdline"]):
        if any(str(home) in part for part in process.info["cmdline"] or []):
            pids.add(process.pid)
            pids.update(child.pid for child in process.children(recursive=True))
    return pids


# (engine spec, the process the engine runs as, dataset): PostgreSQL's postmaster goes to init when its parent
# dies; Milvus's standalone binary runs under a launcher, two levels below the worker.
ENGINES = {
    "pgvector": ("pgvector:m=32,ef_construction=200", "postgres", "synthetic:n=60000,dim=64,queries=10"),
    "milvus": ("milvus:uri=bundled", "standalone", "synthetic:n=60000,dim=32,queries=10"),
}


@pytest.mark.parametrize(("engine", "stage"), [("pgvector", "insert"), ("pgvector", "index"), ("milvus", "insert")])
def test_sigkill_of_the_cli_leaves_no_process_of_the_run(tmp_path, engine, stage):
    home = tmp_path / "home"
    spec, server, dataset = ENGINES[engine]
    cli = subprocess.Popen(
        [sys.executable, "-m", "vectorscout", "run", "--engines", spec, "--dataset", dataset, "--batch-size", "200"],
        cwd=ROOT, env={**os.environ, "VECTORSCOUT_HOME": str(home)}, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    try:
        for line in cli.stderr:  # progress lines, one per tenth of each stage: wait for the stage to start
            if f"[{engine}] {stage}:" in line:
                break
        else:
            pytest.fail(f"the run ended before its {stage} stage (exit {cli.wait()})")
        processes = run_processes(psutil.Process(cli.pid), home)
        assert any(server in " ".join(psutil.Process(pid).cmdline()) for pid in processes if alive(pid))
        cli.send_signal(signal.SIGKILL)
        cli.wait()
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in processes) and time.monotonic() < deadline:
            time.sleep(0.2)
        survivors = {pid: " ".join(psutil.Process(pid).cmdline())[:120] for pid in processes if alive(pid)}
        assert survivors == {}, f"still running 10 s after SIGKILL of the CLI: {survivors}"
    finally:
        if cli.poll() is None:
            cli.kill()


CLAIMING = ("import sys, time\nfrom vectorscout.benchmarking import workdirs\n"
            "print(workdirs.claim('faiss'), flush=True)\ntime.sleep(600)\n")


def claimed_by_a_child() -> tuple[subprocess.Popen, Path]:
    child = subprocess.Popen([sys.executable, "-c", CLAIMING], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    return child, Path(child.stdout.readline().strip())


def test_a_work_folder_left_by_a_killed_run_is_removed_at_the_next_start_and_a_live_ones_is_kept(vectorscout_home):
    from vectorscout.benchmarking import workdirs

    killed, left = claimed_by_a_child()
    live, used = claimed_by_a_child()
    try:
        (left / "data").write_text("an engine's files")
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        assert left.is_dir()  # nothing removed it: the process had no chance to
        unmarked_new = vectorscout_home / "work" / "chroma-new"  # made a moment ago, its marker not yet written
        unmarked_new.mkdir()
        unmarked_old = vectorscout_home / "work" / "qdrant-old"  # from before markers, untouched for an hour
        unmarked_old.mkdir()
        os.utime(unmarked_old, (time.time() - 3600, time.time() - 3600))
        assert workdirs.remove_abandoned() == [left.name, unmarked_old.name]
        assert not left.exists() and not (left.parent / (left.name + workdirs.MARKER)).exists()
        assert used.is_dir() and unmarked_new.is_dir()
    finally:
        live.kill()
        live.wait()
    assert workdirs.remove_abandoned() == [used.name]  # its process ended too; the fresh unmarked one is still kept


def test_a_folder_whose_marked_process_is_another_with_the_same_pid_is_abandoned_and_a_run_removes_it(
        vectorscout_home):
    from vectorscout.benchmarking import workdirs
    from vectorscout.benchmarking.plan import RunPlan
    from vectorscout.benchmarking.runner import execute
    from vectorscout.benchmarking.specs import parse_engines
    from vectorscout.results.store import ResultsStore

    reused = vectorscout_home / "work" / "lancedb-reused"
    reused.mkdir(parents=True)
    # this test's own pid, but a start time it never had: the pid was reused, the marking process is gone
    (reused.parent / (reused.name + workdirs.MARKER)).write_text(f"{os.getpid()} 12345.0\n")
    run = execute(RunPlan(dataset="synthetic:n=300,dim=8,queries=5", engines=parse_engines("faiss"), isolate=False),
                  ResultsStore())
    assert run.status == "finished" and not reused.exists()
    assert list((vectorscout_home / "work").iterdir()) == []  # the run's own folder and marker went with it
