"""Figures measured while other processes load the host are marked as noise, and not scored."""

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from vectorscout.benchmarking.metrics import NOISY_HOST_PCT, disagreement_pct, noise_verdict
from vectorscout.benchmarking.plan import RunPlan
from vectorscout.benchmarking.runner import execute
from vectorscout.benchmarking.specs import parse_engines
from vectorscout.process.memory import HostLoad
from vectorscout.results.store import ResultsStore

# a timed pass of about a second: long enough for CPU time, counted in clock ticks, to be judged
PLAN = dict(dataset="synthetic:n=20000,dim=64,queries=3000", engines=parse_engines("faiss"), k=10)


def busy_processes(count: int) -> list[int]:
    """Spinning processes that are not the test's children (so no process tree can claim them as its own)."""
    script = f"for i in $(seq {count}); do {sys.executable} -c 'while True: pass' >/dev/null 2>&1 & echo $!; done"
    out = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True).stdout
    return [int(pid) for pid in out.split()]


def test_the_noise_verdict_on_its_thresholds():
    assert noise_verdict(None, None) == "" and noise_verdict(NOISY_HOST_PCT, [100.0]) == ""
    assert "other processes used 21 %" in noise_verdict(21.0, None)
    assert noise_verdict(0.0, [6000.0, 6100.0, 3000.0]) == ""  # one pass spoiled alone: the median stands
    assert disagreement_pct([6000.0, 6100.0, 3000.0]) == pytest.approx(100 * 100 / 6000)
    assert noise_verdict(0.0, [100.0, 119.0, 81.0]) == ""  # 19 %: within
    assert "repeated passes disagree: typically 30 %" in noise_verdict(0.0, [100.0, 130.0, 70.0])


def test_a_run_under_load_on_every_core_is_marked_noisy():
    pids = busy_processes(os.cpu_count() or 1)
    try:
        time.sleep(0.5)  # the spinners are running (not a measurement: nothing is timed against it)
        run = execute(RunPlan(**PLAN, isolate=True), ResultsStore())
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
    (row,) = run.results
    assert row.status == "ok" and row.host_other_cpu_pct > NOISY_HOST_PCT, row.host_other_cpu_pct
    assert "other processes used" in row.noise


def test_a_run_on_a_quiet_host_is_not_called_noisy(monkeypatch):
    """A quiet host, whatever else this machine runs: the system-wide reading is made to see this process tree
    only, so all the busy time is the benchmark's own and none of it is other load."""
    from vectorscout.process import memory

    monkeypatch.setattr(memory.HostLoad, "_system_busy", staticmethod(lambda: memory.tree_cpu_seconds(psutil.Process(), [])))
    run = execute(RunPlan(**PLAN, isolate=False), ResultsStore())
    (row,) = run.results
    assert row.status == "ok" and row.host_other_cpu_pct is not None and row.host_other_cpu_pct <= 1.0, row.host_other_cpu_pct
    assert "other processes" not in row.noise, row.noise


class FakeHost:
    """A clock, the host's busy seconds and the benchmark's own, set by the test."""

    def __init__(self, monkeypatch, cores):
        from vectorscout.process import memory

        # counters far from zero, as on a machine that has been up a while: only their growth may count
        self.now, self.busy, self.own = 86_400.0, 150_000.0, 40.0
        monkeypatch.setattr(memory.time, "monotonic", lambda: self.now)
        monkeypatch.setattr(memory.time, "sleep", self.sleep)
        monkeypatch.setattr(memory.HostLoad, "_system_busy", staticmethod(lambda: self.busy))
        monkeypatch.setattr(memory.HostLoad, "_own_seconds", lambda _: self.own)
        monkeypatch.setattr(memory.psutil, "cpu_count", lambda: cores)

    def sleep(self, seconds):
        self.now += seconds

    def advance(self, seconds, busy, own):
        self.now, self.busy, self.own = self.now + seconds, self.busy + busy, self.own + own


@pytest.mark.parametrize("cores, wall, busy, own, expected", [
    (2, 2.0, 1.5, 0.5, 25.0),  # (1.5 - 0.5) s of others' time over 2 s x 2 cores
    (4, 2.0, 1.5, 0.5, 12.5),
    (2, 3.0, 1.0, 0.0, 16.7),  # 1 / 6, to a tenth of a percent
    (2, 2.0, 0.5, 0.9, 0.0),  # own time read later than the host's: never below 0
    (1, 1.0, 3.0, 0.0, 100.0),  # never above 100
    (None, 2.0, 1.0, 0.0, 50.0),  # psutil cannot count the cores: one is assumed
])
def test_host_load_is_the_share_of_all_cores_others_used(monkeypatch, cores, wall, busy, own, expected):
    host = FakeHost(monkeypatch, cores)
    load = HostLoad().start()
    host.advance(wall, busy, own)
    assert load.other_pct() == expected


def test_a_short_window_is_extended_after_the_timed_work_or_not_read(monkeypatch):
    from vectorscout.process.memory import MIN_WINDOW_S

    host = FakeHost(monkeypatch, 2)
    load = HostLoad().start()
    host.advance(MIN_WINDOW_S / 4, 0.0, 0.0)
    assert load.other_pct(extend=False) is None
    host.busy += MIN_WINDOW_S  # others kept one of the two cores busy over the whole (extended) window
    assert load.other_pct() == 50.0 and host.now == pytest.approx(86_400.0 + MIN_WINDOW_S)
    exact = HostLoad().start()
    host.advance(MIN_WINDOW_S, 0.0, 0.0)
    assert exact.other_pct(extend=False) == 0.0  # a window of exactly the minimum is read as it is


def test_the_hosts_busy_time_counts_every_kind_of_cpu_work_but_idle_and_waiting(monkeypatch):
    from collections import namedtuple

    from vectorscout.process import memory

    Times = namedtuple("Times", "user nice system idle iowait irq softirq steal guest guest_nice")
    monkeypatch.setattr(memory.psutil, "cpu_times", lambda: Times(1.0, 2.0, 4.0, 1000.0, 500.0, 8.0, 16.0, 32.0, 64.0, 128.0))
    # guest time is already inside user time (Linux /proc/stat), so it is not added again
    assert HostLoad._system_busy() == 63.0
    # psutil on other systems has no irq, softirq or steal fields: what it has is summed
    Bsd = namedtuple("Bsd", "user nice system idle")
    monkeypatch.setattr(memory.psutil, "cpu_times", lambda: Bsd(1.0, 2.0, 4.0, 1000.0))
    assert HostLoad._system_busy() == 7.0


def test_the_host_load_reading_does_not_count_the_benchmark_itself():
    # Relative to the load while this process waits, so the test holds on a busy machine too: other processes
    # are counted (that is the reading's job), this process's own spinning must not add to it. Counted, one
    # busy core of this machine's cores would add 100 / cores points (50 on 2 cores; less when others compete).
    waiting = HostLoad().start()
    time.sleep(0.5)
    others = waiting.other_pct()
    load = HostLoad().start()
    started = time.process_time()
    while time.process_time() - started < 0.5:  # this process spinning is the benchmark's own work
        pass
    assert load.other_pct() < others + 20.0
    assert load._own_seconds() - load._own >= 0.45  # the spin is counted as the benchmark's own time
    assert HostLoad().start().other_pct(extend=False) is None  # too short a window to judge
    short = HostLoad().start()
    started = time.monotonic()
    assert short.other_pct() is not None and time.monotonic() - started >= 0.45  # extended after the work


def test_the_benchmarks_own_time_counts_its_servers_and_in_a_worker_its_parent():
    """A spinning process given as the engine's server is the benchmark's own time, as is the parent of an
    isolated worker (count_parent); neither is counted without being named."""
    from vectorscout.process.memory import tree_cpu_seconds

    spinner = subprocess.Popen([sys.executable, "-c", "import time\nt = time.process_time()\n"
                                "while time.process_time() - t < 0.6: pass\ntime.sleep(30)"])
    try:
        deadline = time.monotonic() + 60
        while sum(psutil.Process(spinner.pid).cpu_times()[:2]) < 0.5:  # its CPU time is spent (nothing timed)
            assert time.monotonic() < deadline
            time.sleep(0.05)
        me, parent = psutil.Process(), psutil.Process().parent()
        plain = HostLoad()._own_seconds()
        with_server = HostLoad([spinner.pid])._own_seconds()
        with_parent = HostLoad(count_parent=True)._own_seconds()
        assert HostLoad().parent is None and HostLoad(count_parent=True).parent.pid == parent.pid
        server = tree_cpu_seconds(psutil.Process(spinner.pid))
        assert with_server - plain == pytest.approx(server, abs=0.1) and server >= 0.5
        parent_times = parent.cpu_times()
        assert with_parent - plain == pytest.approx(parent_times.user + parent_times.system, abs=0.1)
        assert tree_cpu_seconds(me) == pytest.approx(plain, abs=0.1)
    finally:
        spinner.kill()
        spinner.wait()
