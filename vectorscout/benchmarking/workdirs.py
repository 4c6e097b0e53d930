"""The engines' work folders under the home's ``work/``. Each is claimed with a marker beside it naming the
process that made it, so a folder left behind by a run killed with SIGKILL (whose ``finally`` never ran) is
removed at the next run's start, and a folder a live run is using never is.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import psutil

from vectorscout.home import subdir

MARKER = ".owner"
# A folder without a readable marker younger than this may be between its creation and its marker: kept.
CLAIMING_S = 60.0


def claim(engine: str) -> Path:
    """A new work folder for one engine job, marked as this process's."""
    path = Path(tempfile.mkdtemp(prefix=f"{engine}-", dir=subdir("work")))
    me = psutil.Process()
    _marker(path).write_text(f"{me.pid} {me.create_time()}\n")
    return path


def release(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    _marker(path).unlink(missing_ok=True)


def _marker(path: Path) -> Path:
    return path.with_name(path.name + MARKER)


def _owner_alive(path: Path) -> bool:
    """Whether the process that claimed the folder still runs: the same pid started at the same time (a reused
    pid is another process), and not a zombie."""
    try:
        pid, started = _marker(path).read_text().split()
        owner = psutil.Process(int(pid))
        return abs(owner.create_time() - float(started)) < 1.0 and owner.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, ValueError):
        return False
    except OSError:  # no marker: a folder being claimed right now, or one from before markers existed
        try:
            return time.time() - path.stat().st_mtime < CLAIMING_S
        except OSError:
            return False


def remove_abandoned() -> list[str]:
    """Remove the work folders (and markers) whose process has ended; their names."""
    removed = []
    for path in sorted(subdir("work").iterdir()):
        if path.name.endswith(MARKER):
            folder = path.with_name(path.name.removesuffix(MARKER))
            if not folder.exists() and not _owner_alive(folder):
                path.unlink(missing_ok=True)
            continue
        if not _owner_alive(path):
            if path.is_dir():
                release(path)
            else:
                path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed
