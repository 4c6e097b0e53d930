"""A run document from outside (`runs import`, a workshop file) is checked field by field before anything is
stored: each of the attacks that once broke the Results and Report pages for every user is refused with one
line and exit 2, and the store is left as it was; a genuine export still imports."""

import json

import pytest
from tests_support import changed_copy

from vectorscout.cli import main
from vectorscout.results.records import DatasetInfo, Environment, ResultRow, Run
from vectorscout.results.store import ResultsStore
from vectorscout.results.validation import RunDocumentError, check_run_document


def genuine():
    row = ResultRow(engine="faiss", status="ok", index="flat", build_params={}, search_params={}, recall=1.0,
                    qps=1234.5, latency_quantiles_ms=[0.1, 0.2], stages=[{"stage": "open", "wall_s": 0.1}])
    return Run(run_id="20261205-120000-abcdef", created_at="2026-12-05T12:00:00+00:00", status="finished", k=10,
               dataset=DatasetInfo(name="wordnet", n=100, dim=8), plan={"engines": ["faiss"]},
               environment=Environment(cores=2, engines={"faiss": {"engine": "1.9"}}), results=[row]).to_dict()


def changed(path, value):
    return changed_copy(genuine(), path, value, delete=KeyError)  # KeyError: the field is removed


ATTACKS = [
    (("results", 0, "recall"), "=1+1", "results[0].recall: expected a number, got the text '=1+1'"),
    (("results", 0, "qps"), 1e300, "results[0].qps: expected a number, got 1e+300"),
    (("results", 0, "qps"), True, "results[0].qps: expected a number, got true"),
    (("created_at",), "2099-01-01T00:00:00", "created_at: '2099-01-01T00:00:00' is in the future"),
    (("created_at",), "yesterday", "created_at: 'yesterday' is not a date and time (ISO 8601)"),
    (("results",), {}, "results: expected a list, got an object"),
    (("run_id",), "../../../../x", "run_id '../../../../x': expected letters, digits"),
    (("run_id",), "x" * 100_000, "run_id 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...': expected letters"),
    (("run_id",), 7, "run_id: expected a text of at most 100,000 characters, got 7"),
    (("k",), "ten", "k: expected a whole number, got the text 'ten'"),
    (("k",), 0, "k: 0 is outside 1..10000"),
    (("status",), "pwned", "status: 'pwned' is not one of running, finished, failed, cancelled, interrupted"),
    (("dataset",), KeyError, "run: dataset is missing"),
    (("results", 0, "status"), "great", "results[0].status: 'great' is not one of ok, failed, cancelled, skipped"),
    (("results", 0, "build_params"), [], "results[0].build_params: expected an object with text keys, got a list"),
    (("results", 0, "latency_quantiles_ms", 1), "0.2", "results[0].latency_quantiles_ms[1]: expected a number"),
    (("results", 0, "streaming"), {"rate_asked": 1}, "results[0].streaming: rate_achieved is missing"),
    (("environment", "engines", "faiss"), {"engine": 1.9}, "environment.engines.faiss.engine: expected a text"),
]


@pytest.mark.parametrize("path, value, message", ATTACKS, ids=[" ".join(map(str, a[0])) for a in ATTACKS])
def test_each_attack_on_a_run_document_is_refused_where_it_lies(path, value, message):
    with pytest.raises(RunDocumentError) as refused:
        check_run_document(changed(path, value))
    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value) and len(str(refused.value)) < 300


def test_a_genuine_export_passes_with_nulls_infinities_and_fields_of_other_versions():
    document = genuine()
    document["results"][0].update(recall=None, qps=float("inf"), ndcg_at_10=float("nan"),
                                  a_field_from_a_newer_version={"x": 1})
    check_run_document(document)


def test_the_cli_refuses_a_poisoned_export_with_one_line_and_stores_nothing(capsys, tmp_path):
    store = ResultsStore()
    before = store.list_runs()
    poisoned = tmp_path / "run.json"
    poisoned.write_text(json.dumps(changed(("results", 0, "recall"), "=1+1")))
    assert main(["runs", "import", str(poisoned)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("not a VectorScout run export: results[0].recall: expected a number, got the text '=1+1'")
    assert "\n" not in err and "Traceback" not in err
    assert store.list_runs() == before
    poisoned.write_text(json.dumps(genuine()))
    assert main(["runs", "import", str(poisoned)]) == 0
    assert store.get_run("20261205-120000-abcdef").results[0].qps == 1234.5


def test_a_workshop_file_with_a_poisoned_run_writes_nothing(tmp_path):
    from vectorscout.decision.scenario import saved_scenarios
    from vectorscout.decision.workshop import WorkshopError, import_workshop

    store = ResultsStore()
    scenarios_before = saved_scenarios()
    text = json.dumps({"format": "vectorscout-workshop/1", "workshop": {"name": "shop"},
                       "scenarios": [{"name": "a scenario of its own", "answers": {}}],
                       "runs": [genuine(), changed(("k",), "ten")]})
    with pytest.raises(WorkshopError) as refused:
        import_workshop(store, text)
    assert str(refused.value) == ("the workshop file is damaged: run 2: k: expected a whole number, got the text "
                                  "'ten'")
    assert store.list_runs() == [] and saved_scenarios() == scenarios_before


@pytest.mark.parametrize(("document", "message"), [
    ({"workshop": {"name": 5}}, "the workshop file is damaged: workshop.name: expected a text of at most 100,000 "
                                "characters, got 5"),
    ({"workshop": {"name": "shop", "scenarios": [1, 2]}}, "the workshop file is damaged: workshop.scenarios[0]: "
                                                          "expected a text"),
    ({"workshop": {"name": "shop", "run_ids": [{"a": 1}]}}, "the workshop file is damaged: workshop.run_ids[0]: expected"),
    ({"workshop": {"name": "shop", "notes": ["n"]}}, "the workshop file is damaged: workshop.notes: expected a text"),
    ({"workshop": {"name": "shop"}, "scenarios": [{"name": 7}]}, "the workshop file is damaged: scenario 1: expected "
                                                                 "an object with a text name"),
    ({"workshop": {"name": "shop"}, "scenarios": ["shop"]}, "the workshop file is damaged: scenario 1: expected an"),
    ({"workshop": {"name": "shop"}, "runs": [genuine(), genuine()]}, "the workshop file is damaged: run "
                                                                     "20261205-120000-abcdef appears twice"),
])
def test_a_workshop_file_of_the_wrong_shape_is_refused_in_one_line_and_writes_nothing(document, message):
    from vectorscout.decision.scenario import saved_scenarios
    from vectorscout.decision.workshop import WorkshopError, import_workshop

    store = ResultsStore()
    before = saved_scenarios()
    text = json.dumps({"format": "vectorscout-workshop/1", "scenarios": [{"name": "its own scenario"}], **document})
    with pytest.raises(WorkshopError) as refused:
        import_workshop(store, text)
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)
    assert store.list_runs() == [] and store.list_workshops() == [] and saved_scenarios() == before


def test_a_workshop_file_nested_thousands_deep_is_refused_not_a_recursion_error():
    from vectorscout.decision.workshop import WorkshopError, import_workshop

    deep = '{"format": "vectorscout-workshop/1", "workshop": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(WorkshopError, match=r"^not a workshop file: nested too deeply$"):
        import_workshop(ResultsStore(), deep)
