"""Where VectorScout keeps its results, caches and engine scratch space."""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "VECTORSCOUT_HOME"


def home_dir() -> Path:
    """The data directory: ``$VECTORSCOUT_HOME`` or ``./.vectorscout``; created when missing."""
    path = Path(os.environ.get(HOME_ENV) or ".vectorscout").expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def subdir(name: str) -> Path:
    path = home_dir() / name
    path.mkdir(parents=True, exist_ok=True)
    return path
