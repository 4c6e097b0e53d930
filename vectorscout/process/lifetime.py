"""A benchmark's processes end with the process that started them, whatever signal ends that one."""

from __future__ import annotations

import ctypes
import os
import select
import signal
import sys
import threading

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent_pid: int) -> None:
    """Have the kernel send SIGKILL to this process when its parent dies (Linux); if the parent is already
    gone, exit now. Elsewhere this is a no-op and the parent's own clean-up is relied on."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


def die_with(pid: int) -> None:
    """Have this process SIGKILLed when process ``pid`` ends, whether or not it is this one's parent (a worker
    forked by multiprocessing's fork server has the server as its parent, and the server outlives a killed
    caller while any worker holds its pipe). A thread sleeps on the process's file descriptor (Linux 5.3+) and
    wakes only when it ends, so nothing polls beside timed queries. Already gone: exit now. Without pidfd: a
    no-op, and the caller's own clean-up is relied on."""
    try:
        descriptor = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):
        return

    def wait_for_the_end() -> None:
        select.select([descriptor], [], [])
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=wait_for_the_end, name="die-with-caller", daemon=True).start()
