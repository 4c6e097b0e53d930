"""A read-only home (a read-only mount: refused even to root) is usable read-only — list, show, export, report to
another folder — and says "read-only" in one line, exit 2, when asked to write."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vectorscout.benchmarking.plan import RunPlan
from vectorscout.benchmarking.runner import execute
from vectorscout.benchmarking.specs import parse_engines
from vectorscout.results.store import ResultsStore

ROOT = Path(__file__).resolve().parents[2]


def read_only(home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """The CLI with the home mounted read-only in a mount namespace of its own (nothing else sees the mount)."""
    inner = (f"mount --bind {shlex.quote(str(home))} {shlex.quote(str(home))} && "
             f"mount -o remount,bind,ro {shlex.quote(str(home))} && "
             f"exec {shlex.quote(sys.executable)} -m vectorscout " + " ".join(shlex.quote(a) for a in argv))
    return subprocess.run(["unshare", "-m", "sh", "-c", inner], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "VECTORSCOUT_HOME": str(home)})


@pytest.fixture
def stored_home(vectorscout_home):
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount --bind / /mnt && umount /mnt"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("read-only mounts need mount namespaces (root with CAP_SYS_ADMIN): " + probe.stderr.decode()[-200:])
    run = execute(RunPlan(dataset="synthetic:n=400,dim=8,queries=20", engines=parse_engines("faiss"), k=5),
                  ResultsStore())
    return vectorscout_home, run.run_id


def test_a_read_only_home_lists_shows_exports_and_reports_elsewhere(stored_home, tmp_path):
    home, run_id = stored_home
    listing = read_only(home, "runs", "list")
    assert listing.returncode == 0 and run_id in listing.stdout, listing.stderr
    assert read_only(home, "runs", "show", run_id).returncode == 0
    assert "wordnet" in read_only(home, "datasets", "list").stdout
    assert read_only(home, "runs", "queue").stdout.strip() == "nothing running or waiting"
    exported = read_only(home, "runs", "export", run_id, "--out", str(tmp_path / "run.json"))
    assert exported.returncode == 0 and run_id in (tmp_path / "run.json").read_text()
    report = read_only(home, "report", "--runs", run_id, "--out", str(tmp_path / "report"), "--formats", "md,json")
    assert report.returncode == 0 and (tmp_path / "report" / "report.md").exists(), report.stderr


def test_a_read_only_home_says_so_in_one_line_when_asked_to_write(stored_home, tmp_path):
    home, run_id = stored_home
    np.save(tmp_path / "v.npy", np.random.default_rng(0).random((40, 4), dtype=np.float32))
    for argv in (("run", "--dataset", "synthetic:n=100,dim=4", "--engines", "faiss", "--quiet"),
                 ("datasets", "import", str(tmp_path / "v.npy"), "--name", "v"),
                 ("workshop", "add", "room", "--runs", run_id)):
        result = read_only(home, *argv)
        assert result.returncode == 2, (argv, result.stderr)
        assert result.stderr.count("\n") == 1 and f"the VectorScout home {home} is read-only" in result.stderr, argv
    assert [s.run_id for s in ResultsStore().list_runs()] == [run_id]  # nothing was written
