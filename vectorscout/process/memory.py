"""Reading memory: this process with its children and given server processes, and whole process trees.

Read between stages or at the end, never during timed queries: every read walks /proc.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Iterable

import psutil


def _tree(process: psutil.Process) -> list[psutil.Process]:
    """A process and all its descendants; empty when it is gone."""
    try:
        return [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _servers(server_pids: Iterable[int]) -> list[psutil.Process]:
    """The given server processes that still exist."""
    found = []
    for pid in server_pids:
        try:
            found.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            continue
    return found


def high_water_mark() -> int:
    """This process's peak RSS since it started its program. On Linux from VmHWM, which belongs to the address
    space: getrusage's ru_maxrss survives exec, so a worker spawned (fork, then exec) from a 1.7 GB dashboard or
    test process reported that parent's size as its own peak (measured: 1,695.7 MB for a worker that peaked at
    296 MB). Elsewhere ru_maxrss is what there is."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux, bytes on macOS: a fallback


def memory_bytes(server_pids: Iterable[int] = ()) -> tuple[int, int]:
    """Memory of this process, its child processes (e.g. an engine's own server) and the given server
    processes outside its tree: (held now, with this process's high-water mark instead)."""
    own = psutil.Process().memory_info().rss
    own_peak = high_water_mark()
    others = sum(tree_rss(root) for root in [*psutil.Process().children(), *_servers(server_pids)])
    return own + others, max(own, own_peak) + others


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in _tree(process):
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def tree_cpu_seconds(process: psutil.Process, server_pids: Iterable[int] = ()) -> float:
    """CPU time (user + system) of a process, its children and the given server processes (and theirs)."""
    total = 0.0
    for member in (member for root in [process, *_servers(server_pids)] for member in _tree(root)):
        try:
            times = member.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + getattr(times, "children_user", 0.0) + getattr(times, "children_system", 0.0)
    return total


MIN_WINDOW_S = 0.5  # CPU time is counted in clock ticks: a shorter window cannot be judged


class HostLoad:
    """How much of the host's CPU other processes used since start(): the benchmark's own process tree, the
    engine's servers and (in an isolated worker) the parent process itself are subtracted from the
    system-wide busy time. The parent's other children are not: a second benchmark is other load."""

    def __init__(self, server_pids: Iterable[int] = (), count_parent: bool = False) -> None:
        self.server_pids = list(server_pids)
        self.parent = psutil.Process().parent() if count_parent else None
        self._busy = self._own = self._wall = 0.0

    @staticmethod
    def _system_busy() -> float:
        times = psutil.cpu_times()
        return sum(getattr(times, name, 0.0) for name in ("user", "nice", "system", "irq", "softirq", "steal"))

    def _own_seconds(self) -> float:
        own = tree_cpu_seconds(psutil.Process(), self.server_pids)
        if self.parent is not None:
            try:
                times = self.parent.cpu_times()
                own += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return own

    def start(self) -> HostLoad:
        self._busy, self._own = self._system_busy(), self._own_seconds()
        self._wall = time.monotonic()
        return self

    def other_pct(self, extend: bool = True) -> float | None:
        """Share (%, to 0.1) of all cores' time that other processes used since start(). A window shorter than
        MIN_WINDOW_S is extended by waiting (after the timed work, so nothing timed is disturbed: the load
        present just after a short pass stands for the load during it); None when not extended."""
        wall = time.monotonic() - self._wall
        if wall < MIN_WINDOW_S:
            if not extend:
                return None
            time.sleep(MIN_WINDOW_S - wall)
            wall = time.monotonic() - self._wall
        busy = self._system_busy() - self._busy
        own = self._own_seconds() - self._own
        capacity = wall * (psutil.cpu_count() or 1)
        return round(max(0.0, min(100.0, 100.0 * (busy - own) / capacity)), 1)


def kill_tree(process: psutil.Process) -> None:
    for member in reversed(_tree(process)):  # descendants first, so none is reparented and missed
        try:
            member.kill()
        except psutil.NoSuchProcess:
            continue
