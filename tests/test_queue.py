"""The run queue: one benchmark at a time per home, runs that live in the store, cancel from anywhere."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from tests_support import wait_for_job

from vectorscout.benchmarking.plan import RunPlan
from vectorscout.benchmarking.plans import expected_duration
from vectorscout.benchmarking.run_queue import RunQueue, connection_environment, run_job, submit_detached
from vectorscout.benchmarking.specs import engine_config, parse_engines
from vectorscout.decision.workshop import Workshop, load_workshop, save_workshop
from vectorscout.process.progress import Cancelled
from vectorscout.results.store import ResultsStore

ROOT = Path(__file__).resolve().parent.parent
SMALL = "synthetic:n=500,dim=8,queries=20"


def small_plan(engines: str = "faiss") -> RunPlan:
    return RunPlan(dataset=SMALL, engines=parse_engines(engines), k=5)


def wait_until(condition, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.1)


def held_turn(queue: RunQueue) -> str:
    """An entry this test process holds as running: everything submitted after it waits."""
    job_id = queue.submit([small_plan()], "the test")
    assert queue.claim(job_id)
    return job_id


def test_an_entry_whose_process_died_is_reaped_and_never_blocks_the_queue():
    queue = RunQueue(ResultsStore())
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = queue.submit([small_plan()], "a killed CLI", pid=dead.pid)
    with queue.store.transaction() as db:
        db.execute("UPDATE queue SET state = 'running' WHERE job_id = ?", (stale,))
    waiting = queue.submit([small_plan()], "the next one")
    assert queue.claim(waiting)
    entry = queue.get(stale)
    assert entry.state == "interrupted" and "killed or crashed" in entry.error


def test_a_job_waits_behind_the_running_one_and_can_leave_the_queue_without_a_run():
    store = ResultsStore()
    queue = RunQueue(store)
    holder = held_turn(queue)
    waiting = queue.submit([small_plan()], "a second tab")
    seen: list[list[str]] = []
    outcome: list[BaseException] = []

    def wait_in_line() -> None:
        try:
            run_job(store, waiting, on_wait=lambda ahead: seen.append([e.job_id for e in ahead]))
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=wait_in_line)
    thread.start()
    wait_until(lambda: seen)
    assert seen[0] == [holder]  # it is told what it waits for
    assert [e.job_id for e in queue.ahead_of(waiting)] == [holder]
    queue.request_cancel(waiting)
    thread.join(30)
    assert isinstance(outcome[0], Cancelled)
    assert queue.get(waiting).state == "cancelled"
    assert store.list_runs() == []  # it never ran
    queue.finish(holder, "finished")


def test_the_cli_waits_its_turn_says_so_and_runs_when_the_head_ends(vectorscout_home):
    store = ResultsStore()
    queue = RunQueue(store)
    holder = held_turn(queue)
    cli = subprocess.Popen([sys.executable, "-m", "vectorscout", "run", "--engines", "faiss", "--dataset", SMALL,
                            "--k", "5", "--quiet"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env={**os.environ, "VECTORSCOUT_HOME": str(vectorscout_home)})
    wait_until(lambda: len(queue.active()) == 2)
    listing = subprocess.run([sys.executable, "-m", "vectorscout", "runs", "queue"], cwd=ROOT, capture_output=True,
                             text=True, env={**os.environ, "VECTORSCOUT_HOME": str(vectorscout_home)})
    assert f"running: faiss on {SMALL}, requested by the test" in listing.stdout
    assert "waiting (1 ahead)" in listing.stdout and "requested by the CLI" in listing.stdout
    assert store.list_runs() == []  # not started while the head runs
    queue.finish(holder, "finished")
    out, err = cli.communicate(timeout=300)
    assert cli.returncode == 0, err
    assert f"waiting for the run queue (1 ahead): now faiss on {SMALL}, requested by the test" in err
    (run,) = store.list_runs()
    assert run.status == "finished" and "finished" in out


def test_runs_cancel_stops_a_job_the_dashboard_started(vectorscout_home):
    store = ResultsStore()
    plan = RunPlan(dataset="synthetic:n=200000,dim=32,queries=50", engines=parse_engines("hnswlib"), k=5)
    job = submit_detached(store, [plan], "a dashboard tab")
    wait_for_job(job, until="running")
    env = {**os.environ, "VECTORSCOUT_HOME": str(vectorscout_home)}
    cancel = subprocess.run([sys.executable, "-m", "vectorscout", "runs", "cancel", job], cwd=ROOT,
                            capture_output=True, text=True, env=env)
    assert cancel.returncode == 0 and f"asked job {job} to stop" in cancel.stdout
    entry = wait_for_job(job)
    assert entry.state == "cancelled"
    assert store.get_run(entry.run_ids[0]).status == "cancelled"
    again = subprocess.run([sys.executable, "-m", "vectorscout", "runs", "cancel", job], cwd=ROOT,
                           capture_output=True, text=True, env=env)
    assert again.returncode == 2 and "already ended (cancelled)" in again.stderr
    unknown = subprocess.run([sys.executable, "-m", "vectorscout", "runs", "cancel", "nope"], cwd=ROOT,
                             capture_output=True, text=True, env=env)
    assert unknown.returncode == 2 and unknown.stderr.count("\n") == 1


def test_a_queued_run_joins_its_workshop_when_it_starts_not_when_it_ends():
    store = ResultsStore()
    save_workshop(store, Workshop("search platform"))
    plan = RunPlan(dataset="synthetic:n=200000,dim=32,queries=50", engines=parse_engines("hnswlib"), k=5)
    job = submit_detached(store, [plan], "a dashboard tab", workshop="search platform")
    running = wait_for_job(job, until="running")
    assert load_workshop(store, "search platform").run_ids == running.run_ids != []
    RunQueue(store).request_cancel(job)
    assert wait_for_job(job).state == "cancelled"


def test_progress_is_stored_for_every_tab_to_read():
    store = ResultsStore()
    job = submit_detached(store, [small_plan("faiss,hnswlib")], "a dashboard tab")
    entry = wait_for_job(job)
    assert entry.state == "finished"
    progress = entry.progress
    assert progress.engines == ["faiss", "hnswlib"] and progress.engine_number == 2
    assert progress.run_id == entry.run_ids[0] and (progress.plan_number, progress.plan_count) == (1, 1)
    assert progress.stages["hnswlib"].done == progress.stages["hnswlib"].total == 20


def test_connection_options_reach_the_worker_by_environment_never_through_the_store():
    config = engine_config("qdrant", {"url": "http://user:s3cret@example.invalid:6333"})
    plan = RunPlan(dataset=SMALL, engines=[config])
    assert connection_environment([plan]) == {"VECTORSCOUT_QDRANT_URL": "http://user:s3cret@example.invalid:6333"}
    queue = RunQueue(ResultsStore())
    job = queue.submit([plan], "a dashboard tab")
    queue.finish(job, "cancelled")
    with queue.store.transaction() as db:
        assert "s3cret" not in str(db.execute("SELECT * FROM queue").fetchall())


def test_the_quick_evaluation_duration_comes_from_this_machines_runs():
    assert "not yet timed on this one" in expected_duration([])
    assert expected_duration([100.0, 90.0, 130.0]) == "about 100 s on this machine (median of its last 3 run(s), 90–130 s)"
    store = ResultsStore()
    queue = RunQueue(store)
    job = queue.submit([RunPlan(dataset=SMALL, engines=parse_engines("faiss"), k=5, label="timed")], "the test")
    run_job(store, job)
    (duration,) = store.durations_s("timed")
    assert 0 <= duration < 120


@pytest.mark.parametrize("state", ["queued", "running"])
def test_a_job_cancelled_from_the_store_ends_cancelled_in_either_state(state):
    store = ResultsStore()
    queue = RunQueue(store)
    holder = held_turn(queue) if state == "queued" else None
    plan = RunPlan(dataset="synthetic:n=200000,dim=32,queries=50", engines=parse_engines("hnswlib"), k=5)
    job = submit_detached(store, [plan], "a dashboard tab")
    if state == "running":
        wait_for_job(job, until="running")
    else:
        wait_until(lambda: queue.get(job).pid != os.getpid())  # the worker has it and waits
    queue.request_cancel(job)
    entry = wait_for_job(job)
    assert entry.state == "cancelled"
    assert (entry.run_ids == []) == (state == "queued")
    if holder:
        queue.finish(holder, "finished")


def test_a_dashboard_job_outlives_the_dashboard_stopped_with_its_process_group(vectorscout_home):
    """A dashboard stopped by Ctrl-C (SIGINT to its whole process group) or a restart does not end its runs:
    the worker runs in a session of its own."""
    import signal

    script = ("import time; from vectorscout.benchmarking.run_queue import submit_detached; from vectorscout.benchmarking."
              "plan import RunPlan; from vectorscout.benchmarking.specs import parse_engines; from vectorscout.results."
              "store import ResultsStore; print(submit_detached(ResultsStore(), [RunPlan(dataset='synthetic:n=20000,"
              "dim=32,queries=50', engines=parse_engines('faiss,hnswlib'), k=5)], 'a dashboard'), flush=True); "
              "time.sleep(600)")
    dashboard = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                                 start_new_session=True, env={**os.environ, "VECTORSCOUT_HOME": str(vectorscout_home)})
    job = dashboard.stdout.readline().strip()
    os.killpg(dashboard.pid, signal.SIGINT)  # what Ctrl-C in its terminal does
    try:
        dashboard.wait(60)
    except subprocess.TimeoutExpired:
        # a loaded machine can stretch the interpreter's shutdown (once past 30 s in a full suite run); what this
        # test is about is the job, so the dashboard's whole group is then killed outright, which the worker, in a
        # session of its own, must survive just the same
        os.killpg(dashboard.pid, signal.SIGKILL)
        dashboard.wait(60)
    dashboard.stdout.close()
    entry = wait_for_job(job)
    assert entry.state == "finished", entry
    assert [r.engine for r in ResultsStore().get_run(entry.run_ids[0]).results] == ["faiss", "hnswlib"]


def test_a_queue_of_five_runs_in_submission_order_and_its_history_reads_newest_first(monkeypatch):
    """Five entries: the head runs, the others wait in the order they were submitted, each behind exactly those
    before it. Ended out of order (3rd, 1st, 5th at later and later times), the newest ended is the 5th; two
    ending in the same millisecond: the later submitted."""
    from vectorscout.benchmarking import run_queue as queue_module

    queue = RunQueue(ResultsStore())
    jobs = [queue.submit([small_plan()], f"tab {i}") for i in range(5)]
    assert queue.claim(jobs[0]) and not queue.claim(jobs[1])
    assert [e.job_id for e in queue.active()] == jobs
    assert [e.state for e in queue.active()] == ["running", "queued", "queued", "queued", "queued"]
    for position, job in enumerate(jobs):
        assert [e.job_id for e in queue.ahead_of(job)] == jobs[:position]
    clock = iter(["2026-12-01T10:00:03.000+00:00", "2026-12-01T10:00:05.000+00:00", "2026-12-01T10:00:09.000+00:00"])
    monkeypatch.setattr(queue_module, "now", lambda: next(clock))
    queue.finish(jobs[2], "cancelled")
    assert queue.latest_ended().job_id == jobs[2]
    queue.finish(jobs[0], "finished")
    assert queue.latest_ended().job_id == jobs[0]
    queue.finish(jobs[4], "failed", "boom")
    assert queue.latest_ended().job_id == jobs[4]
    assert [e.job_id for e in queue.active()] == [jobs[1], jobs[3]]
    assert [e.job_id for e in queue.ahead_of(jobs[3])] == [jobs[1]]
    monkeypatch.setattr(queue_module, "now", lambda: "2026-12-01T10:00:10.000+00:00")
    queue.finish(jobs[3], "cancelled")
    queue.finish(jobs[1], "cancelled")  # the same millisecond: the later submitted (jobs[3]) is the newest
    assert queue.latest_ended().job_id == jobs[3]


def test_finishing_an_entry_that_already_ended_changes_nothing():
    queue = RunQueue(ResultsStore())
    assert queue.latest_ended() is None  # nothing has ended yet
    job = queue.submit([small_plan()], "the test")
    queue.finish(job, "failed", "the engine died")
    ended = queue.get(job)
    assert (ended.state, ended.error) == ("failed", "the engine died") and ended.finished_at
    queue.finish(job, "cancelled", "too late")
    assert queue.get(job) == ended  # an ended entry keeps its state, error and time
    assert queue.latest_ended().job_id == job and queue.active() == []
