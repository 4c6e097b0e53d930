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
    (["--memory-limit-mb", "500", "--in-process"], "a memory limit is enforced on an engine's own worker process; it "
                                                   "cannot hold in-process"),
])
def test_bad_run_options_are_one_line_refusals(capsys, extra, says):
    refused(capsys, ["run", "--engines", "faiss", "--dataset", SMALL, *extra], says)


@pytest.mark.parametrize(("engine", "says"), [
    ("faiss:index=ivf_pq,m=7", "faiss ivf_pq: m=7 does not divide the dimension 16; choose a divisor such as 1, 2, 4, "
                               "8, 16"),
    ("lancedb:index=ivf_pq,num_sub_vectors=5", "lancedb ivf_pq: num_sub_vectors=5 does not divide the dimension 16"),
    ("milvus:index=ivf_pq,m=32", "milvus ivf_pq: m=32 does not divide the dimension 16"),
])
def test_a_product_quantizer_that_cannot_split_the_vectors_is_refused_before_any_engine_runs(capsys, engine, says):
    refused(capsys, ["run", "--engines", engine, "--dataset", "synthetic:n=200,dim=16,queries=5"], says)


def test_each_engine_says_only_its_own_quantizer_problem():
    from adapters.registry import adapter_class

    assert adapter_class("faiss").build_problem("ivf_pq", {"m": 8}, 16) is None
    assert adapter_class("faiss").build_problem("ivf_pq", {"m": 0}, 15) is None  # 0: the adapter picks a divisor
    assert adapter_class("faiss").build_problem("hnsw", {"m": 7}, 16) is None  # an HNSW graph's M is not a split
    assert adapter_class("qdrant").build_problem("hnsw", {"m": 7}, 16) is None
    assert adapter_class("lancedb").build_problem("ivf_pq", {"num_sub_vectors": 16}, 768) is None


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


@pytest.mark.parametrize(("answers", "priorities", "cost", "message"), [
    ({"peak_qps": float("inf")}, {}, {}, "peak_qps: inf is not a valid int"),
    ({"peak_qps": float("nan")}, {}, {}, "peak_qps: nan is not a valid int"),
    ({"vectors_now": True}, {}, {}, "vectors_now: True is not a valid int"),
    ({"recall_target": float("nan")}, {}, {}, "recall_target: nan is not a valid float"),
    ({"vectors_now": 2.7}, {}, {}, "vectors_now: 2.7 is not a valid int"),
    ({"vectors_now": 10**30}, {}, {}, f"vectors_now: {10**30} is outside 1..1000000000000"),
    ({"vectors_24m": 10**12 + 1}, {}, {}, "vectors_24m: 1000000000001 is outside 1..1000000000000"),
    ({"high_availability": [1, 2]}, {}, {}, "high_availability: [1, 2] is not a valid bool"),
    ({"high_availability": "maybe"}, {}, {}, "high_availability: 'maybe' is not a valid bool"),
    ({}, {"cost": [1]}, {}, "priority of cost must be a number between 0 and 5, got [1]"),
    ({}, {"cost": True}, {}, "priority of cost must be a number between 0 and 5, got True"),
    ({}, {"cost": float("nan")}, {}, "priority of cost must be a number between 0 and 5, got nan"),
    ({}, {}, {"memory_headroom": float("nan")}, "memory_headroom must be float, got nan"),
    ({}, {}, {"node_overhead_gb": float("inf")}, "node_overhead_gb must be float, got inf"),
    ({}, {}, {"cpu_utilisation": True}, "cpu_utilisation must be float, got True"),
])
def test_a_scenario_with_an_answer_of_the_wrong_kind_is_refused_in_one_line(answers, priorities, cost, message):
    from vectorscout.decision.scenario import Scenario, ScenarioError

    with pytest.raises(ScenarioError) as refused:
        Scenario("bad", answers, priorities, cost)
    assert str(refused.value) == message


def test_answers_of_the_right_kind_still_read():
    from vectorscout.decision.scenario import Scenario

    scenario = Scenario("ok", {"vectors_now": 2_000_000.0, "high_availability": "yes", "peak_qps": 100},
                       {"cost": 3}, {"memory_headroom": 0.3})
    assert scenario.answers["vectors_now"] == 2_000_000 and scenario.answers["high_availability"] is True
    assert scenario.priorities["cost"] == 3.0 and scenario.cost["memory_headroom"] == 0.3
    assert Scenario("b", {"high_availability": 0}).answers["high_availability"] is False


@pytest.mark.parametrize(("kind", "raw"), [
    (int, True), (int, float("inf")), (float, float("nan")), (float, float("-inf")), (float, False), (bool, [1, 2]),
    (bool, 2), (bool, "perhaps"),
])
def test_a_parameter_value_of_the_wrong_kind_is_refused_not_converted(kind, raw):
    """A plan file or the API hands values in as they are: int(True) is 1, bool([1, 2]) is True, NaN passes
    every bound; each is refused in one line instead."""
    from vectorscout.contract.params import Param, ParamError

    with pytest.raises(ParamError) as refused:
        Param("x", kind, kind()).coerce(raw)
    assert str(refused.value) == f"x must be {kind.__name__}, got {raw!r}"


def test_parameter_values_of_their_kind_still_read():
    from vectorscout.contract.params import Param

    assert Param("x", int, 1).coerce(16.0) == 16 and Param("x", int, 1).coerce(" 16 ") == 16
    assert Param("x", float, 1.0).coerce(3) == 3.0 and Param("x", float, 1.0).coerce("0.5") == 0.5
    assert Param("x", bool, False).coerce(1) is True and Param("x", bool, True).coerce("no") is False
    assert Param("x", bool, False).coerce(True) is True
