"""Where VectorScout keeps its results, caches and engine scratch space."""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Callable
from pathlib import Path

HOME_ENV = "VECTORSCOUT_HOME"


class HomeError(ValueError):
    """The data directory cannot be used: it is a file, or cannot be created."""


def home_dir() -> Path:
    """The data directory: ``$VECTORSCOUT_HOME`` or ``./.vectorscout``; created when missing."""
    path = Path(os.environ.get(HOME_ENV) or ".vectorscout").expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise HomeError(f"the VectorScout home {path} is a file, not a folder; set {HOME_ENV} to a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HomeError(f"cannot create the VectorScout home {path}: {exc.strerror}; set {HOME_ENV} to a "
                        "writable folder") from None
    return path


READ_ONLY_HINT = "listing, showing, exporting and writing reports to another folder work on a read-only home"


def read_only_error(home: Path) -> HomeError:
    return HomeError(f"the VectorScout home {home} is read-only: this needs to write there ({READ_ONLY_HINT}); set "
                     f"{HOME_ENV} to a writable folder to run, import or save")


def subdir(name: str) -> Path:
    """A folder of the home, created when missing (HomeError, saying so, when the home is read-only)."""
    home = home_dir()
    path = home / name
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise read_only_error(home) from None
        raise
    return path


def existing_subdir(name: str) -> Path:
    """A folder of the home for reading: never created (it may not exist; globbing it then finds nothing)."""
    return home_dir() / name


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Write a file through a temporary beside it, then rename it into place: a reader sees the old file or
    the new one, never half of one. The temporary is named per process and thread (it keeps the file's
    suffix, which numpy's savers need), so concurrent writers of the same file never rename each other's."""
    temporary = path.with_name(f"{path.stem}.{os.getpid()}-{threading.get_ident()}.tmp{path.suffix}")
    try:
        write(temporary)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return path
