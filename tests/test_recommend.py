import json

import pytest

from adapters.registry import adapter_class
from vectorscout.cli import main
from vectorscout.decision.recommend import (
    Scenario,
    ScenarioError,
    feature_matrix,
    measured_at_target,
    recommend,
    sensitivity,
)
from vectorscout.results.records import DatasetInfo, Environment, ResultRow, Run

POSTGRES_SHOP = dict(existing_postgres=True, vectors_now=2_000_000, vectors_24m=2_000_000, sql_joins=True,
                     deployment="single_server")
BIG_CLUSTER = dict(vectors_now=100_000_000, vectors_24m=500_000_000, deployment="kubernetes", high_availability=True,
                   filtering="heavy", ops_skills="strong")
NOTEBOOK = dict(vectors_now=50_000, vectors_24m=200_000, deployment="embedded", ops_skills="none")


def test_postgres_shop_needing_joins_gets_pgvector_first():
    ranking = recommend(Scenario("a", POSTGRES_SHOP))
    assert ranking[0].engine == "pgvector"
    assert any("PostgreSQL you already operate" in r for r in ranking[0].reasons_for)
    chroma = next(v for v in ranking if v.engine == "chroma")
    assert chroma.score is None and "not a relational database" in chroma.excluded


def test_half_a_billion_vectors_with_ha_on_kubernetes_gets_a_distributed_engine():
    ranking = recommend(Scenario("b", BIG_CLUSTER))
    assert ranking[0].engine in {"milvus", "qdrant", "weaviate"}
    for embedded_only in ("faiss", "hnswlib", "chroma", "lancedb"):
        verdict = next(v for v in ranking if v.engine == embedded_only)
        assert verdict.score is None and verdict.excluded


def test_notebook_prototype_without_ops_gets_an_embedded_engine():
    ranking = recommend(Scenario("c", NOTEBOOK))
    assert "embedded" in feature_matrix()[ranking[0].engine].deployment
    assert next(v for v in ranking if v.engine == "weaviate").excluded.startswith("cannot run embedded")


def test_the_same_answers_give_the_same_ranking():
    first = [v.to_dict() for v in recommend(Scenario("x", BIG_CLUSTER))]
    assert first == [v.to_dict() for v in recommend(Scenario("x", BIG_CLUSTER))]


def run_with(rows):
    return Run(run_id="r1", created_at="t", status="finished", k=10, dataset=DatasetInfo(), plan={},
               environment=Environment(), results=rows)


def row(engine, recall, qps, p95):
    return ResultRow(engine=engine, status="ok", index="hnsw", build_params={}, search_params={}, recall=recall,
                     qps=qps, latency_p95_ms=p95)


def test_measured_evidence_uses_the_best_setting_at_the_recall_target_and_geometric_mean():
    runs = [run_with([row("qdrant", 0.99, 2000, 1.0), row("qdrant", 0.90, 9000, 0.2), row("milvus", 0.97, 500, 4.0),
                      row("chroma", 0.80, 3000, 0.5)])]
    measured = measured_at_target(runs, 0.95)
    assert measured["qdrant"].qps == 2000  # the 9000-QPS setting misses the recall target
    ranking = recommend(Scenario("m", dict(NOTEBOOK, recall_target=0.95)), runs)
    perf = {v.engine: v.criteria.get("performance") for v in ranking}
    assert perf["qdrant"] == 1.0
    assert perf["milvus"] == pytest.approx(((500 / 2000) * (1.0 / 4.0)) ** 0.5, abs=1e-4)
    assert perf["chroma"] == 0.0  # measured, never reached the target: a real zero, said so
    assert perf["lancedb"] is None  # not measured: not a zero
    lancedb = next(v for v in ranking if v.engine == "lancedb")
    assert any("not measured" in r for r in lancedb.reasons_against)
    chroma = next(v for v in ranking if v.engine == "chroma")
    assert any("never reached recall 0.95" in r for r in chroma.reasons_against)


def test_sensitivity_names_the_priority_that_flips_the_top_two():
    runs = [run_with([row("qdrant", 0.99, 5000, 0.4), row("milvus", 0.99, 500, 4.0)])]
    scenario = Scenario("s", dict(NOTEBOOK), {"performance": 0})
    ranking = recommend(scenario, runs)
    findings = sensitivity(scenario, ranking)
    assert any("priority of performance" in f for f in findings), findings


@pytest.mark.parametrize(("answers", "message"), [
    ({"deployment": "mainframe"}, "deployment"),
    ({"vectors_now": "many"}, "vectors_now"),
    ({"recall_target": 2}, "outside"),
    ({"colour": "red"}, "unknown question"),
])
def test_bad_answers_are_refused(answers, message):
    with pytest.raises(ScenarioError, match=message):
        Scenario("bad", answers)


def test_scenario_json_round_trip():
    scenario = Scenario("year two", BIG_CLUSTER, {"performance": 5})
    again = Scenario.from_json(scenario.to_json())
    assert again == scenario and again.priorities["performance"] == 5


def test_capability_flags_agree_with_the_feature_matrix():
    matrix = feature_matrix()
    for engine, profile in matrix.items():
        caps = adapter_class(engine).capabilities
        assert caps.filtering == (profile.cell("filtering").level != "none"), engine
        if not caps.embedded:
            assert "embedded" not in profile.deployment, engine
        for spec in caps.index_types:
            assert ("flat" if spec.exact else spec.name) in profile.index_types, (engine, spec.name)


def test_every_cell_is_sourced():
    for engine, profile in feature_matrix().items():
        for feature, cell in profile.features.items():
            assert cell.comment and cell.source, (engine, feature)


def test_cli_recommend_json(tmp_path, capsys):
    path = tmp_path / "scenario.json"
    path.write_text(Scenario("cli", POSTGRES_SHOP).to_json())
    assert main(["recommend", "--scenario", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    first = data["ranking"][0]
    assert first["engine"] == "pgvector" and set(first) >= {"engine", "score", "excluded", "reasons_for",
                                                              "reasons_against"}
    path.write_text("{not json")
    assert main(["recommend", "--scenario", str(path)]) == 2


def test_no_winner_is_called_inside_the_noise():
    noisy = row("qdrant", 0.99, 9000, 0.1)
    noisy.noise = "other processes used 60 % of the host's CPU while it was timed"
    runs = [run_with([noisy, row("milvus", 0.99, 500, 4.0)])]
    ranking = {v.engine: v for v in recommend(Scenario("n", dict(NOTEBOOK, recall_target=0.95)), runs)}
    assert ranking["qdrant"].criteria["performance"] is None  # not evidence: not scored
    assert any("not scored: measured under noise" in r for r in ranking["qdrant"].reasons_against)
    assert ranking["milvus"].criteria["performance"] == 1.0  # compared only with clean measurements
