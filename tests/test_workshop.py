"""Workshops: saved in the store, exported as one file, imported on another machine without overwriting."""

import json

import pytest

from vectorscout.benchmarking.plan import RunPlan
from vectorscout.benchmarking.runner import execute
from vectorscout.benchmarking.specs import parse_engines
from vectorscout.cli import main
from vectorscout.decision.scenario import Scenario, save_scenario, saved_scenarios
from vectorscout.decision.workshop import (
    WorkshopError,
    export_workshop,
    import_workshop,
    load_workshop,
    open_or_create,
    save_workshop,
)
from vectorscout.results.store import ResultsStore


def small_run():
    return execute(RunPlan(dataset="synthetic:n=200,dim=8,queries=10", engines=parse_engines("faiss"), k=5,
                           isolate=False), ResultsStore())


def test_a_workshop_moves_between_machines_whole(tmp_path, monkeypatch):
    store = ResultsStore()
    run = small_run()
    save_scenario(Scenario("Search team", {"vectors_now": 123_456}))
    workshop = open_or_create(store, "platform choice")
    workshop.add("run", run.run_id)
    workshop.add("scenario", "Search team")
    workshop.add("run", run.run_id)  # added twice, kept once
    save_workshop(store, workshop)
    assert load_workshop(ResultsStore(), "platform choice").run_ids == [run.run_id]  # survives a new store object
    text = export_workshop(store, "platform choice")

    monkeypatch.setenv("VECTORSCOUT_HOME", str(tmp_path / "other-laptop"))
    other = ResultsStore()
    save_scenario(Scenario("search team", {"vectors_now": 1}))  # same file name, different answers: kept
    imported = import_workshop(other, text)
    assert imported.name == "platform choice"
    assert imported.scenarios == ["Search team (2)"]
    scenarios = saved_scenarios()
    assert scenarios["search team"].answers["vectors_now"] == 1
    assert scenarios["Search team (2)"].answers["vectors_now"] == 123_456
    moved = other.get_run(run.run_id)
    assert [r.to_dict() for r in moved.results] == [r.to_dict() for r in run.results]
    again = import_workshop(other, text)  # importing twice: runs are not duplicated, the workshop is renamed
    assert again.name == "platform choice (2)" and len(other.list_runs()) == 1


@pytest.mark.parametrize(("text", "message"), [
    ("not json", "not a workshop file"),
    (json.dumps({"format": "something else"}), "expected format"),
    (json.dumps({"format": "vectorscout-workshop/1", "workshop": {"name": "x"}, "runs": [{"run_id": 1}]}), "damaged"),
    (json.dumps({"format": "vectorscout-workshop/1", "workshop": {"name": "../../etc"}, "runs": []}), "workshop name"),
])
def test_damaged_files_are_refused_and_nothing_is_written(text, message):
    store = ResultsStore()
    with pytest.raises(WorkshopError, match=message):
        import_workshop(store, text)
    assert store.list_workshops() == [] and store.list_runs() == [] and saved_scenarios() == {}


def test_cli_workshop_commands(tmp_path, capsys):
    run = small_run()
    assert main(["workshop", "add", "room 4", "--runs", run.run_id]) == 0
    assert main(["workshop", "list"]) == 0
    assert "room 4: 0 scenario(s), 1 run(s)" in capsys.readouterr().out
    out = tmp_path / "w.json"
    assert main(["workshop", "export", "room 4", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["runs"][0]["run_id"] == run.run_id
    assert main(["workshop", "import", str(out)]) == 0
    assert "imported workshop 'room 4 (2)'" in capsys.readouterr().out
    assert main(["workshop", "export", "nobody"]) == 2
    assert main(["workshop", "add", "room 4", "--runs", "missing"]) == 2


def test_two_long_scenario_names_that_differ_past_the_file_names_cut_import_and_stay_apart():
    """Scenario files keep 64 characters of the name: two 70-character names differing only at the end share one
    file name, and so did every "(2)", "(3)" appended to them: the import never returned. The copy's base is cut
    so its suffix survives; both scenarios are kept with their own answers."""
    stem = "Retrieval for the claims department of a large European insurer, v"
    first, second = stem + "1", stem + "2"
    text = json.dumps({"format": "vectorscout-workshop/1", "workshop": {"name": "long names", "scenarios": [first, second]},
                       "runs": [],
                       "scenarios": [{"name": first, "answers": {"vectors_now": 1_000}},
                                     {"name": second, "answers": {"vectors_now": 2_000}}]})
    imported = import_workshop(ResultsStore(), text)
    assert imported.scenarios[0] == first and imported.scenarios[1] == stem[:56].rstrip() + " (2)"
    scenarios = saved_scenarios()
    assert scenarios[first].answers["vectors_now"] == 1_000
    assert scenarios[imported.scenarios[1]].answers["vectors_now"] == 2_000


def test_a_name_with_no_free_variant_is_refused_after_a_bounded_number_of_tries():
    from vectorscout.decision.workshop import RENAME_ATTEMPTS, _free_name

    tried = []

    def always_taken(name):
        tried.append(name)
        return True

    with pytest.raises(WorkshopError, match="no free name like 'x' after 1,000 tries"):
        _free_name("x", always_taken)
    assert len(tried) == RENAME_ATTEMPTS + 1 and tried[-1] == f"x ({RENAME_ATTEMPTS + 1})"
