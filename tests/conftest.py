import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(autouse=True)
def vectorscout_home(tmp_path, monkeypatch):
    """Every test gets its own data directory: no test sees another's runs or caches."""
    home = tmp_path / "home"
    monkeypatch.setenv("VECTORSCOUT_HOME", str(home))
    return home


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}
