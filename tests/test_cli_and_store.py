import json
import sqlite3
import subprocess
import sys

import pytest

from vectorscout.cli import main
from vectorscout.results.records import DatasetInfo, Environment, Run
from vectorscout.results.store import ResultsStore, StoreError

SMALL = "synthetic:n=500,dim=8,seed=0,queries=30"


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_run_json_has_the_documented_shape(capsys):
    code, out, _ = run_cli(capsys, "run", "--engines", "faiss,chroma", "--dataset", SMALL, "--k", "5",
                           "--format", "json", "--quiet")
    assert code == 0
    data = json.loads(out)
    assert data["run_id"] and len(data["results"]) == 2
    for row in data["results"]:
        for key in ("engine", "status", "error", "recall", "recall_distance", "latency_p50_ms", "latency_p95_ms",
                    "latency_p99_ms", "qps", "insert_s", "index_s", "build_params", "search_params"):
            assert key in row
        assert row["status"] == "ok"
    assert data["results"][0]["recall"] == 1.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engines", "nosuch"], "unknown engine 'nosuch'; known engines: faiss, chroma"),
        (["--engines", "faiss:M"], "is not key=value"),
        (["--engines", "faiss", "--dataset", "synthetic:n=20,dim=4", "--k", "50"], "k must be between 1 and 20"),
        (["--engines", "faiss", "--dataset", "glove"], "unknown dataset 'glove'"),
        (["--engines", "faiss", "--filter", "tag =="], "ends too early"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_stores_nothing(capsys, args, message):
    code, out, err = run_cli(capsys, "run", "--quiet", *args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert ResultsStore().list_runs() == []


def test_failed_engine_exits_1(capsys):
    code, out, _ = run_cli(capsys, "run", "--engines", "faiss:index=ivf_flat,nlist=4000", "--dataset", SMALL,
                           "--quiet")
    assert code == 1 and "failed" in out


def test_export_import_round_trip_never_overwrites(capsys, tmp_path):
    run_cli(capsys, "run", "--engines", "faiss", "--dataset", SMALL, "--quiet")
    (summary,) = ResultsStore().list_runs()
    export = tmp_path / "run.json"
    assert run_cli(capsys, "runs", "export", summary.run_id, "--out", str(export))[0] == 0
    code, _, err = run_cli(capsys, "runs", "import", str(export))
    assert code == 2 and "already exists" in err
    data = json.loads(export.read_text())
    data["run_id"] = "imported-1"
    export.write_text(json.dumps(data))
    assert run_cli(capsys, "runs", "import", str(export))[0] == 0
    code, out, _ = run_cli(capsys, "runs", "show", "imported-1", "--format", "json")
    assert json.loads(out)["results"] == json.loads(json.dumps(data["results"]))
    code, out, _ = run_cli(capsys, "runs", "list")
    assert "imported-1" in out and summary.run_id in out


def test_import_of_garbage_is_refused(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = run_cli(capsys, "runs", "import", str(bad))
    assert code == 2 and "cannot read run export" in err
    assert run_cli(capsys, "runs", "show", "nope")[0] == 2


def test_engines_listing(capsys):
    code, out, _ = run_cli(capsys, "engines", "--format", "json")
    listing = {e["engine"]: e for e in json.loads(out)}
    assert "ef_search" in listing["faiss"]["index_types"]["hnsw"]["search"]
    assert listing["chroma"]["embedded"] is True


def test_module_entry_point_runs(vectorscout_home):
    result = subprocess.run([sys.executable, "-m", "vectorscout", "runs", "list"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr


def test_store_uses_wal_and_marks_orphaned_runs_interrupted(vectorscout_home):
    store = ResultsStore()
    store.create_run(Run(run_id="r1", created_at="2026-01-01T00:00:00+00:00", status="running", k=10,
                         dataset=DatasetInfo(name="x"), plan={}, environment=Environment()))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        db.execute("UPDATE runs SET owner_pid = ? WHERE run_id = 'r1'", (dead.pid,))
    assert ResultsStore().get_run("r1").status == "interrupted"
    with pytest.raises(StoreError, match="never overwritten"):
        store.create_run(Run(run_id="r1", created_at="x", status="finished", k=1, dataset=DatasetInfo(), plan={},
                             environment=Environment()))
