"""The JSON documents of `runs show`, `recommend`, `cost` and `report` stay byte-compatible for the same inputs.

The inputs are frozen: a real run measured once (tests/golden/run-export.json) and a scenario. A change to
any of these documents must be deliberate: regenerate with VECTORSCOUT_UPDATE_GOLDEN=1 and review the diff.
"""

import json
import os
from pathlib import Path

import pytest

from vectorscout.cli import main

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("VECTORSCOUT_UPDATE_GOLDEN") == "1"
RUN_ID = json.loads((GOLDEN / "run-export.json").read_text())["run_id"]
SCENARIO = str(GOLDEN / "scenario.json")


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text)
    assert path.exists(), f"{path} is missing: run with VECTORSCOUT_UPDATE_GOLDEN=1 once"
    assert text == path.read_text(), f"{name} changed; if deliberate, regenerate with VECTORSCOUT_UPDATE_GOLDEN=1"


@pytest.fixture
def imported(capsys):
    assert main(["runs", "import", str(GOLDEN / "run-export.json")]) == 0
    capsys.readouterr()


@pytest.mark.parametrize("name, argv", [
    ("run-show.json", ["runs", "show", RUN_ID, "--format", "json"]),
    ("recommend.json", ["recommend", "--scenario", SCENARIO, "--runs", RUN_ID, "--format", "json"]),
    ("cost.json", ["cost", "--scenario", SCENARIO, "--runs", RUN_ID, "--format", "json", "--details"]),
    ("cost-summary.json", ["cost", "--scenario", SCENARIO, "--runs", RUN_ID, "--format", "json"]),
])
def test_cli_documents_are_unchanged(imported, capsys, name, argv):
    assert main(argv) == 0
    check(name, capsys.readouterr().out)


def test_report_document_is_unchanged(imported, capsys, tmp_path):
    assert main(["report", "--runs", RUN_ID, "--scenario", SCENARIO, "--out", str(tmp_path), "--formats", "json"]) == 0
    document = json.loads((tmp_path / "report.json").read_text())
    assert document["generated_at"] == document["reproduction"]["generated_at"]
    document["generated_at"] = document["reproduction"]["generated_at"] = "(generated)"
    check("report.json", json.dumps(document, indent=2))
