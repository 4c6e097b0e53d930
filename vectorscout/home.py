"""Where VectorScout keeps its results, caches and engine scratch space."""

from __future__ import annotations

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


def subdir(name: str) -> Path:
    path = home_dir() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


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
