"""Where VectorScout keeps its results, caches and engine scratch space."""

from __future__ import annotations

import os
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
