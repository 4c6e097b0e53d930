"""VectorScout as a package: the wheel pip builds from pyproject.toml holds every module and every bundled file,
and installed away from the checkout it gives a `vectorscout` command that measures on the bundled data.

Built offline from a copy of the tree (no build isolation: the venv's setuptools), installed with --target so
nothing of the test venv changes; the command runs from a folder outside the checkout with the installed copy
first on the path, so it cannot fall back on the checkout's files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LEFT_OUT = shutil.ignore_patterns(".git", ".venv", ".vectorscout", "test-artifacts", "mutants", "__pycache__", "build",
                                  "*.egg-info", ".pytest_cache", ".mypy_cache", ".ruff_cache")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the wheel, the folder it is installed into)."""
    work = tmp_path_factory.mktemp("package")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=LEFT_OUT)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    env = {**os.environ, "PYTHONWARNINGS": "ignore::Warning"}
    subprocess.run([*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", "--wheel-dir",
                    str(work / "wheel"), str(source)], check=True, env=env, timeout=600)
    (wheel,) = (work / "wheel").glob("vectorscout-*.whl")
    subprocess.run([*pip, "install", "--quiet", "--no-deps", "--no-index", "--target", str(work / "site"), str(wheel)],
                   check=True, env=env, timeout=600)
    return wheel, work / "site"


def vectorscout(site: Path, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """The installed command, run from its own folder (not the checkout) with the installed copy first."""
    env = {**os.environ, "PYTHONPATH": str(site), "VECTORSCOUT_HOME": str(home)}
    return subprocess.run([str(site / "bin" / "vectorscout"), *args], cwd=home, env=env, capture_output=True,
                          text=True, timeout=600)


def test_the_wheel_holds_every_module_and_every_bundled_file(installed):
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {str(path.relative_to(ROOT)) for package in ("vectorscout", "adapters")
               for path in (ROOT / package).rglob("*.py") if "__pycache__" not in path.parts}
    knowledge = {str(path.relative_to(ROOT)) for path in (ROOT / "vectorscout/decision/knowledge").glob("*.yaml")}
    catalog = json.loads((ROOT / "datasets" / "catalog.json").read_text())
    bundled = {"vectorscout/bundled_datasets/catalog.json"} | {
        f"vectorscout/bundled_datasets/{entry['file']}" for entry in catalog if "file" in entry}
    assert len(bundled) >= 4 and len(knowledge) >= 4
    assert sorted((modules | knowledge | bundled) - names) == []
    assert "vectorscout = vectorscout.cli:main" in zipfile.ZipFile(wheel).read(
        next(name for name in names if name.endswith("entry_points.txt"))).decode()


def test_the_installed_command_answers_and_measures_on_bundled_data(installed, tmp_path):
    _, site = installed
    home = tmp_path / "home"
    home.mkdir()
    helped = vectorscout(site, "--help", home=home)
    assert helped.returncode == 0 and helped.stdout.startswith("usage: vectorscout")
    where = subprocess.run([sys.executable, "-c", "import vectorscout, adapters; print(vectorscout.__file__, adapters.__file__)"],
                           cwd=home, env={**os.environ, "PYTHONPATH": str(site)}, capture_output=True, text=True)
    assert all(path.startswith(str(site)) for path in where.stdout.split()), where.stdout
    ran = vectorscout(site, "run", "--dataset", "digits", "--engines", "faiss", "--in-process", "--quiet", home=home)
    assert ran.returncode == 0, ran.stderr[-2000:]
    runs = vectorscout(site, "runs", "list", home=home)
    assert "digits" in runs.stdout, runs.stdout


def test_the_installed_command_says_the_dashboard_needs_a_checkout(installed, tmp_path):
    _, site = installed
    served = vectorscout(site, "serve", "--port", "1", home=tmp_path)
    assert served.returncode == 2
    assert served.stderr.strip().splitlines() == [
        "vectorscout: error: the dashboard runs from a checkout of VectorScout (`make run` there); this installation "
        "has the command line only"]
