"""Bad input on the CLI: exit 2, one line on stderr saying what is wrong, no traceback, nothing stored."""

import pytest

from vectorscout.cli import main
from vectorscout.results.store import ResultsStore

SMALL = "synthetic:n=200,dim=8,queries=5"


def refused(capsys, argv: list[str], says: str) -> None:
    assert main(argv) == 2, argv
    err = capsys.readouterr().err.strip()
    assert err.startswith("vectorscout: error:") and "Traceback" not in err, err
    assert len(err.splitlines()) == 1, err
    assert says in err, err
    assert ResultsStore().list_runs() == []  # nothing stored


@pytest.mark.parametrize("extra, says", [
    (["--filter", "(" * 400 + "tag == 3" + ")" * 400], "nested deeper than 32"),
    (["--timeout-s", "-1"], "timeout must be a number of seconds above 0"),
    (["--timeout-s", "nan"], "timeout must be a number of seconds above 0"),
    (["--memory-limit-mb", "-5"], "memory limit must be 0"),
])
def test_bad_run_options_are_one_line_refusals(capsys, extra, says):
    refused(capsys, ["run", "--engines", "faiss", "--dataset", SMALL, *extra], says)


@pytest.mark.parametrize("dataset", ["synthetic:n=50000000,dim=4096", "synthetic:n=10,dim=4096,queries=1000000"])
def test_datasets_larger_than_memory_are_refused_before_allocating(capsys, dataset):
    refused(capsys, ["run", "--engines", "faiss", "--dataset", dataset], "GiB for its vectors")


@pytest.mark.parametrize("body, says", [
    ("engines: [{engine: faiss, connection: x}]", "connection must be a mapping"),
    ("engines: [{engine: faiss}]\nfilter: {tag: 3}", "filter and filters take text"),
    ("engines: [{engine: faiss}]\nfilters: 5", "filter and filters take text"),
    ("engines: [{engine: faiss}]\ndatasets: [{a: 1}]", "datasets are names or specs"),
])
def test_plan_files_with_wrong_types_are_refused(capsys, tmp_path, body, says):
    plan = tmp_path / "plan.yaml"
    plan.write_text(body)
    refused(capsys, ["run", "--plan", str(plan)], says)


def test_a_plan_file_that_is_not_text_is_refused(capsys, tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_bytes(b"engines: [\xff\xfe\x00]")
    refused(capsys, ["run", "--plan", str(plan)], "not UTF-8 text")


def test_a_home_that_is_a_file_is_a_one_line_error(capsys, tmp_path, monkeypatch):
    home = tmp_path / "not-a-folder"
    home.write_text("x")
    monkeypatch.setenv("VECTORSCOUT_HOME", str(home))
    for argv in (["runs", "list"], ["datasets", "list"], ["run", "--engines", "faiss", "--dataset", SMALL]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("vectorscout: error: the VectorScout home") and len(err.splitlines()) == 1, err
