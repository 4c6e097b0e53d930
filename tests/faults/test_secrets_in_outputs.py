"""Credentials given to every server-capable engine never appear in results, logs, exports or reports."""

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from tests_support import closed_port

from vectorscout.cli import main
from vectorscout.reporting.report import write_report
from vectorscout.reporting.sections import build_report
from vectorscout.results.store import ResultsStore

ROOT = Path(__file__).resolve().parents[2]
MARK = "FAKE-SECRET"


def test_no_secret_reaches_any_output(vectorscout_home, tmp_path, capsys, caplog):
    port = closed_port()
    secrets = {name: f"{MARK}-{name}-7f3a" for name in ("qdrant", "milvus", "pgvector", "weaviate", "lancedb", "url")}
    engines = ",".join([
        f"qdrant:url=http://admin:{secrets['url']}@127.0.0.1:{port},api_key={secrets['qdrant']}",
        f"milvus:uri=http://127.0.0.1:{port},token=root:{secrets['milvus']}",
        f"pgvector:dsn=postgresql://bench:{secrets['pgvector']}@127.0.0.1:{port}/db",
        f"weaviate:url=http://127.0.0.1:{port},api_key={secrets['weaviate']}",
        f"lancedb:uri=db://bench,api_key={secrets['lancedb']},host_override=http://127.0.0.1:{port}",
    ])
    caplog.set_level(logging.DEBUG)
    code = main(["run", "--engines", engines, "--dataset", "synthetic:n=200,dim=8,queries=5", "--timeout-s", "120",
                 "--format", "json"])
    assert code == 1  # every engine failed: unreachable
    printed = capsys.readouterr()
    (summary,) = ResultsStore().list_runs()
    run = ResultsStore().get_run(summary.run_id)
    assert [r.status for r in run.results] == ["failed"] * 5
    assert all(r.error for r in run.results)
    export = tmp_path / "export.json"
    assert main(["runs", "export", run.run_id, "--out", str(export)]) == 0
    write_report(build_report([run]), tmp_path / "report", ["html", "md", "csv", "json"])
    # the same run from a separate process, as a user would start it: its stderr is a log too
    child = subprocess.run([sys.executable, "-m", "vectorscout", "run", "--engines", engines.split(",pgvector")[0],
                            "--dataset", "synthetic:n=200,dim=8,queries=5"], cwd=ROOT, capture_output=True,
                           text=True, timeout=300, env={"VECTORSCOUT_HOME": str(vectorscout_home),
                                                         "PATH": "/usr/bin:/bin"})
    assert child.returncode == 1, child.stderr[-2000:]  # ran, stored its run, every engine unreachable
    assert len(ResultsStore().list_runs()) == 2
    places = {"stdout": printed.out, "stderr": printed.err, "log records": caplog.text,
              "child stdout": child.stdout, "child stderr": child.stderr}
    for folder in (vectorscout_home, tmp_path):
        for file in folder.rglob("*"):
            if file.is_file():
                places[str(file)] = file.read_bytes().decode("utf-8", errors="replace")
    leaks = {place: text.count(MARK) for place, text in places.items() if MARK in text}
    assert leaks == {}, f"secrets found in: {leaks}"
    assert len(places) > 8  # the store, its WAL, the export, the report files and the logs were all read


@pytest.mark.parametrize("password", [f"{MARK}/with@at", f"{MARK}:colon#hash%25 and space", f"ab@{MARK}C"])
def test_passwords_with_url_characters_never_leak(vectorscout_home, tmp_path, capsys, caplog, password):
    """Unencoded "/", "@", ":", "#", "%" or spaces break URL parsing in client libraries, whose errors then
    quote pieces of the password: every piece must be masked too."""
    port = closed_port()
    engines = f"qdrant:url=http://admin:{password}@127.0.0.1:{port},pgvector:dsn=postgresql://bench:{password}@127.0.0.1:{port}/db"
    caplog.set_level(logging.DEBUG)
    assert main(["run", "--engines", engines, "--dataset", "synthetic:n=200,dim=8,queries=5", "--timeout-s", "120"]) == 1
    printed = capsys.readouterr()
    (summary,) = ResultsStore().list_runs()
    run = ResultsStore().get_run(summary.run_id)
    assert [r.status for r in run.results] == ["failed", "failed"] and all(r.error for r in run.results)
    places = {"stdout": printed.out, "stderr": printed.err, "log records": caplog.text,
              **{str(f): f.read_bytes().decode("utf-8", errors="replace") for f in vectorscout_home.rglob("*") if f.is_file()}}
    leaks = {place: text.count(MARK) for place, text in places.items() if MARK in text}
    assert leaks == {}, f"secrets found in: {leaks}"
