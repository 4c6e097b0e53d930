"""Reading memory: this process with its children and given server processes, and whole process trees.

Read between stages or at the end, never during timed queries: every read walks /proc.
"""

from __future__ import annotations

import resource
from collections.abc import Iterable

import psutil


def memory_bytes(server_pids: Iterable[int] = ()) -> tuple[int, int]:
    """Memory of this process, its child processes (e.g. an engine's own server) and the given server
    processes outside its tree: (held now, with this process's high-water mark instead)."""
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


def kill_tree(process: psutil.Process) -> None:
    try:
        members = [*process.children(recursive=True), process]
    except psutil.NoSuchProcess:
        return
    for member in members:
        try:
            member.kill()
        except psutil.NoSuchProcess:
            continue
