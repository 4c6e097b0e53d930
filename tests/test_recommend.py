import json
import math

import pytest
import yaml

from adapters.registry import adapter_class
from vectorscout.cli import main
from vectorscout.decision.matrix import FEATURES, KNOWLEDGE, MODES, MatrixError, feature_matrix, parse_cell
from vectorscout.decision.recommend import TIE_TOLERANCE, measured_at_target, recommend
from vectorscout.decision.scenario import CRITERIA, Scenario, ScenarioError, questionnaire
from vectorscout.results.records import DatasetInfo, Environment, ResultRow, Run

POSTGRES_SHOP = dict(existing_postgres=True, vectors_now=2_000_000, vectors_24m=2_000_000, sql_joins=True,
                     deployment="single_server")
BIG_CLUSTER = dict(vectors_now=100_000_000, vectors_24m=500_000_000, deployment="cluster", high_availability=True,
                   filtering="heavy", ops_skills="strong")
NOTEBOOK = dict(vectors_now=50_000, vectors_24m=200_000, deployment="embedded", ops_skills="none")


def run_with(rows, status="finished", run_id="r1"):
    return Run(run_id=run_id, created_at="t", status=status, k=10, dataset=DatasetInfo(), plan={},
               environment=Environment(), results=rows)


def row(engine, recall, qps, p95, concurrency=1, deployment="embedded", endpoint="in-process"):
    return ResultRow(engine=engine, status="ok", index="hnsw", build_params={}, search_params={}, recall=recall,
                     qps=qps, latency_p95_ms=p95, concurrency=concurrency, deployment=deployment, endpoint=endpoint)


def verdicts(result):
    return {v.engine: v for v in result.ranking}


def test_the_same_answers_give_the_same_result():
    first = recommend(Scenario("x", BIG_CLUSTER)).to_dict()
    assert first == recommend(Scenario("x", BIG_CLUSTER)).to_dict()


def test_measured_evidence_uses_the_best_setting_at_the_recall_target_and_geometric_mean():
    runs = [run_with([row("qdrant", 0.99, 2000, 1.0), row("qdrant", 0.90, 9000, 0.2), row("milvus", 0.97, 500, 4.0),
                      row("chroma", 0.80, 3000, 0.5)])]
    measured = measured_at_target(runs, 0.95)
    assert measured["qdrant"].qps == 2000  # the 9000-QPS setting misses the recall target
    ranking = verdicts(recommend(Scenario("m", dict(NOTEBOOK, recall_target=0.95)), runs))
    perf = {e: v.criteria.get("performance") for e, v in ranking.items()}
    assert perf["qdrant"] == 1.0
    assert perf["milvus"] == pytest.approx(((500 / 2000) * (1.0 / 4.0)) ** 0.5, abs=1e-4)
    assert perf["chroma"] == 0.0  # measured, never reached the target: a real zero, said so
    assert perf["lancedb"] is None and ranking["lancedb"].evidence == "unverified"  # not measured: not a zero
    assert any("unverified" in r.text for r in ranking["lancedb"].reasons_against)
    assert any("never reached recall 0.95" in r.text and r.source == "run r1" for r in ranking["chroma"].reasons_against)


def test_an_embedded_measurement_is_indicative_for_a_cluster_and_is_not_judged_against_its_latency_target():
    runs = [run_with([row("qdrant", 0.99, 50, 196.97)])]  # Qdrant's edge engine: Qdrant's own, embedded
    qdrant = verdicts(recommend(Scenario("k", dict(BIG_CLUSTER, latency_p95_ms=50)), runs))["qdrant"]
    assert qdrant.evidence == "indicative" and qdrant.weights == {"performance": 0.5}
    assert not any("misses the 50 ms target" in r.text for r in qdrant.reasons_against)
    assert any("indicative only" in r.text for r in qdrant.reasons_against)
    # the same figure measured as a server over the network, for a server scenario, is judged against the target
    runs = [run_with([row("milvus", 0.99, 50, 196.97, deployment="server", endpoint="network")])]
    milvus = verdicts(recommend(Scenario("k", dict(BIG_CLUSTER, latency_p95_ms=50)), runs))["milvus"]
    assert milvus.evidence == "measured"
    assert any("misses the 50 ms target" in r.text for r in milvus.reasons_against)


def test_milvus_lite_is_evidence_for_embedded_milvus_only_and_is_named_wherever_it_counts():
    """Milvus Lite is a Python engine over FAISS indexes, not Milvus: its rows speak for embedded use, never
    (not even as indicative) for a Milvus server or cluster, and the evidence names it."""
    lite = row("milvus", 0.99, 50, 19.5)
    for mode in ("single_server", "cluster", "managed_cloud"):
        milvus = verdicts(recommend(Scenario("k", dict(BIG_CLUSTER, deployment=mode)), [run_with([lite])]))["milvus"]
        assert milvus.evidence in ("unverified", "excluded", "—") and milvus.criteria.get("performance") is None, mode
    embedded = verdicts(recommend(Scenario("n", NOTEBOOK), [run_with([lite])]))["milvus"]
    assert embedded.evidence == "measured"
    texts = [r.text for r in (*embedded.reasons_for, *embedded.reasons_against) if "QPS" in r.text]
    assert texts and all("Milvus Lite 3, a Python engine over FAISS indexes, embedded" in t for t in texts), texts
    # the bundled standalone server's rows are Milvus's own: evidence for a server scenario, with no Lite label
    server = row("milvus", 0.99, 400, 3.0, deployment="server", endpoint="loopback")
    milvus = verdicts(recommend(Scenario("s", dict(BIG_CLUSTER, deployment="single_server")),
                                [run_with([lite, server])]))["milvus"]
    assert milvus.evidence == "measured"
    assert not any("Lite" in r.text for r in (*milvus.reasons_for, *milvus.reasons_against))


def test_with_concurrent_runs_performance_is_judged_at_the_peak_load():
    rows = [row("qdrant", 0.99, 3000, 0.5), row("qdrant", 0.99, 900, 2.0, concurrency=4),
            row("qdrant", 0.99, 1500, 6.0, concurrency=16)]
    measured = measured_at_target([run_with(rows)], 0.95, peak_qps=1000)
    assert (measured["qdrant"].concurrency, measured["qdrant"].qps) == (16, 1500)  # the only one carrying 1,000 QPS
    measured = measured_at_target([run_with(rows)], 0.95, peak_qps=800)
    assert measured["qdrant"].concurrency == 4  # both carry 800 QPS: the lower p95 wins
    measured = measured_at_target([run_with(rows)], 0.95, peak_qps=5000)
    assert measured["qdrant"].concurrency == 16  # none carries it: the most it carried, said against it
    result = verdicts(recommend(Scenario("p", dict(NOTEBOOK, peak_qps=5000)), [run_with(rows)]))
    assert any("below the peak 5,000" in r.text for r in result["qdrant"].reasons_against)


def test_failed_and_cancelled_rows_are_never_evidence():
    failed = row("qdrant", 0.99, 9000, 0.1)
    failed.status = "failed"
    cancelled = row("milvus", 0.99, 9000, 0.1)
    cancelled.status = "cancelled"
    assert measured_at_target([run_with([failed, cancelled], status="cancelled")], 0.9) == {}


def test_a_tie_is_announced_as_a_tie_with_what_separates_the_engines():
    result = recommend(Scenario("t", dict(BIG_CLUSTER)))
    scored = result.scored
    assert len(result.top_group) >= 1
    top = [v for v in scored if v.score >= scored[0].score - TIE_TOLERANCE]
    assert result.top_group == [v.engine for v in top]
    if len(top) > 1:
        assert result.verdict.startswith("A tie:") and "separates" in result.verdict
    else:
        assert "fits best" in result.verdict


def test_sensitivity_is_one_sentence_naming_the_smallest_change():
    runs = [run_with([row("milvus", 0.99, 5000, 0.4, deployment="server", endpoint="network"),
                      row("weaviate", 0.99, 3000, 0.5, deployment="server", endpoint="network"),
                      row("qdrant", 0.99, 1000, 2.0, deployment="server", endpoint="network")])]
    result = recommend(Scenario("s", BIG_CLUSTER), runs)
    assert result.sensitivity.endswith(".") and ". " not in result.sensitivity, result.sensitivity
    first, second = result.scored[0], result.scored[1]
    assert "smallest single change" in result.sensitivity and f"puts {second.name} ahead of {first.name}" in \
        result.sensitivity
    # the change it names does swap them, and no smaller change does
    import re

    from vectorscout.decision.recommend import _combine

    criterion, old, new = re.search(r"priority of (\w+) from ([\d.]+) to ([\d.]+)", result.sensitivity).groups()
    trial = {**result_priorities(), criterion: float(new)}
    assert _combine(second.criteria, trial, second.weights) > _combine(first.criteria, trial, first.weights)
    for other in CRITERIA:
        for step in range(11):
            weight = step / 2
            if 0 < abs(weight - result_priorities()[other]) < abs(float(new) - float(old)):
                smaller = {**result_priorities(), other: weight}
                assert _combine(second.criteria, smaller, second.weights) <= _combine(first.criteria, smaller,
                                                                                       first.weights)


def result_priorities():
    return Scenario("p").priorities


@pytest.mark.parametrize(("answers", "message"), [
    ({"deployment": "mainframe"}, "deployment"),
    ({"vectors_now": "many"}, "vectors_now"),
    ({"recall_target": 2}, "outside"),
    ({"colour": "red"}, "unknown question"),
    ({"metric": "manhattan"}, "metric"),
])
def test_bad_answers_are_refused(answers, message):
    with pytest.raises(ScenarioError, match=message):
        Scenario("bad", answers)


def test_scenario_json_round_trip_and_files_from_earlier_versions():
    scenario = Scenario("year two", BIG_CLUSTER, {"performance": 5})
    again = Scenario.from_json(scenario.to_json())
    assert again == scenario and again.priorities["performance"] == 5
    old = Scenario.from_json(json.dumps({"name": "old", "answers": {"deployment": "kubernetes",
                                                                     "sparse_or_multivector": "nice to have"},
                                         "cost": {"provider": "gcp"}}))
    assert old.answers["deployment"] == "cluster"
    assert (old.answers["sparse_vectors"], old.answers["multi_vector"]) == ("nice to have", "nice to have")
    assert old.answers["cloud_provider"] == "gcp" and old.cost["provider"] == ""


def test_cli_recommend_json_carries_mode_warnings_and_sources(tmp_path, capsys):
    path = tmp_path / "scenario.json"
    path.write_text(Scenario("cli", dict(POSTGRES_SHOP, dimensions=3072)).to_json())
    assert main(["recommend", "--scenario", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    first = data["ranking"][0]
    assert first["engine"] == "pgvector" and first["deployment"] == "single_server"
    assert all(r["source"].startswith("https://") for r in first["reasons_for"])
    assert any("halfvec" in w["text"] and w["source"].startswith("https://") for w in data["warnings"])
    excluded = [v for v in data["ranking"] if v["excluded"]]
    assert excluded and all(v["excluded_source"].startswith("https://") for v in excluded)
    path.write_text("{not json")
    assert main(["recommend", "--scenario", str(path)]) == 2


def test_no_winner_is_called_inside_the_noise():
    noisy = row("qdrant", 0.99, 9000, 0.1)
    noisy.noise = "other processes used 60 % of the host's CPU while it was timed"
    runs = [run_with([noisy, row("milvus", 0.99, 500, 4.0)])]
    ranking = verdicts(recommend(Scenario("n", dict(NOTEBOOK, recall_target=0.95)), runs))
    assert ranking["qdrant"].criteria["performance"] is None and ranking["qdrant"].evidence == "noisy"
    assert any("not scored: measured under noise" in r.text for r in ranking["qdrant"].reasons_against)
    assert ranking["milvus"].criteria["performance"] == 1.0  # compared only with clean measurements


# -- the matrix ------------------------------------------------------------------------------------------
def test_every_cell_has_an_https_source_and_a_date():
    for engine, profile in feature_matrix().items():
        cells = [*profile.modes.values(), *profile.licenses.values()]
        cells += [c for per_mode in [*profile.features.values(), *profile.sdks.values()] for c in per_mode.values()]
        cells += [c for limits in [profile.limits, *profile.mode_limits.values()] for limit in limits.values()
                  for c in limit.values()]
        for cell in cells:
            assert cell.source_url.startswith("https://") and len(cell.as_of) == 10 and cell.version, (engine, cell)


@pytest.mark.parametrize(("text", "message"), [
    ("full | a comment | http://example.org | 2026-11-26", "not an https URL"),
    ("full | a comment | https://example.org", "expected"),
    ("full | a comment | https://example.org | last week", "not a date"),
    ("great | a comment | https://example.org | 2026-11-26", "level"),
])
def test_a_cell_without_url_or_date_is_refused(text, message):
    with pytest.raises(MatrixError, match=message):
        parse_cell(text, "1.0", "x", frozenset({"full", "partial", "none", "unknown"}))


def test_the_matrix_and_the_questionnaire_share_one_vocabulary():
    questions = {q.id: q for q in questionnaire()[0]}
    assert tuple(questions["deployment"].options) == MODES
    raw = yaml.safe_load((KNOWLEDGE / "features.yaml").read_text())["engines"]
    for engine, profile in feature_matrix().items():
        assert set(profile.modes) == set(MODES) and set(profile.features) == set(FEATURES), engine
        assert set(raw[engine]["features"]) == set(FEATURES), engine  # no feature the code does not read
        assert set(profile.sdks) <= set(questions["sdk_languages"].options), engine
        assert set(profile.limits["metrics"]) <= set(questions["metric"].options), engine
        assert set(profile.limits["vector_types"]) <= set(questions["vector_type"].options), engine
        assert set(profile.limits["max_dimensions"]) <= set(profile.limits["vector_types"]), engine
    assert set(questions["integrations"].options) <= set(FEATURES)


def test_capability_flags_agree_with_the_feature_matrix():
    for engine, profile in feature_matrix().items():
        caps = adapter_class(engine).capabilities
        assert caps.filtering == (profile.cell("filtering", "embedded").level != "none"), engine
        if caps.embedded and not adapter_class(engine).embedded_is_server:
            assert profile.offers("embedded"), engine
        for metric in caps.metrics:
            assert {"l2": "l2", "ip": "dot", "cosine": "cosine"}.get(str(metric), "l2") in profile.limits["metrics"]


# -- every answer counts ---------------------------------------------------------------------------------
def measured_runs():
    """FAISS and Qdrant measured in-process, with memory stages so the cost model can size them."""
    stages = [{"stage": "open", "wall_s": 0.1, "rss_mb": 100.0}, {"stage": "insert", "wall_s": 1.0, "rss_mb": 160.0}]
    rows = []
    for engine, qps, p95 in (("faiss", 2000.0, 0.8), ("qdrant", 900.0, 2.5)):
        measured = row(engine, 0.97, qps, p95)
        measured.stages, measured.insert_s, measured.index_s = stages, 5.0, 5.0
        rows.append(measured)
    run = run_with(rows)
    run.dataset = DatasetInfo(name="d", n=100_000, dim=128, queries=1000, metric="l2")
    run.environment = Environment(cores=2)
    return [run]


EMBEDDED_BASE = dict(deployment="embedded", dimensions=128, vectors_now=1_000_000, vectors_24m=2_000_000)
# question -> (answers it is changed from, the changed answer): each change must change the result
EFFECTS = {
    "vectors_now": (EMBEDDED_BASE, 40_000_000),
    "vectors_24m": ({}, 300_000_000),
    "dimensions": ({}, 5000),
    "peak_qps": (EMBEDDED_BASE, 50_000),
    "latency_p95_ms": (EMBEDDED_BASE, 1.0),
    "recall_target": (EMBEDDED_BASE, 0.99),
    "metric": ({}, "hamming"),
    "vector_type": ({}, "int8"),
    "filtering": ({}, "heavy"),
    "hybrid_search": ({}, "required"),
    "sparse_vectors": ({}, "required"),
    "multi_vector": ({}, "required"),
    "multi_tenancy": ({}, "required"),
    "tenants": ({}, 5000),
    "tenant_sizes": (dict(tenants=20), "uneven"),
    "update_rate": ({}, "continuous"),
    "write_visibility": ({}, "within a second"),
    "reindexing": ({}, "regularly"),
    "deployment": ({}, "cluster"),
    "cloud_provider": (EMBEDDED_BASE, "gcp"),
    "cloud_region": ({}, "europe"),
    "high_availability": ({}, True),
    "disaster_recovery": ({}, "standby in another region"),
    "security": ({}, ["audit"]),
    "sql_joins": ({}, True),
    "existing_postgres": ({}, True),
    "license_constraint": (dict(deployment="managed_cloud"), "permissive only"),
    "sdk_languages": ({}, ["rust"]),
    "integrations": ({}, ["langchain"]),
    "ops_skills": ({}, "none"),
    "budget_per_month": (EMBEDDED_BASE, 1.0),
}


def test_every_question_has_a_test_of_its_effect():
    assert set(EFFECTS) == {q.id for q in questionnaire()[0]}


@pytest.mark.parametrize("question", sorted(EFFECTS))
def test_changing_one_answer_changes_the_result(question):
    base, changed = EFFECTS[question]
    runs = measured_runs()
    before = recommend(Scenario("a", dict(base)), runs).to_dict()
    assert Scenario("a", dict(base)).answers[question] != changed, "the change must be a change"
    after = recommend(Scenario("a", {**base, question: changed}), runs).to_dict()
    assert before["ranking"] != after["ranking"] or before["warnings"] != after["warnings"], question


def test_with_measurements_the_verdict_names_a_measured_engine_and_the_unverified_ones_ahead_of_it():
    # FAISS and Qdrant measured in-process; Weaviate and LanceDB score higher on the documentation alone
    runs = [run_with([row("faiss", 1.0, 26_000, 0.07), row("qdrant", 1.0, 6_400, 0.22)])]
    result = recommend(Scenario("n", dict(NOTEBOOK, recall_target=0.95)), runs)
    assert result.scored[0].evidence == "unverified"  # the ranking itself stays by score
    assert result.best is not None and result.best.evidence == "measured"
    assert set(result.top_group) <= {"faiss", "qdrant"}
    assert f"{result.scored[0].name} ({result.scored[0].score:.2f}, unverified)" in result.verdict
    assert "measure" in result.verdict and "fits best" in result.verdict
    # without any measurement every engine is unverified and the best score is named
    assert recommend(Scenario("n", dict(NOTEBOOK))).top_group[0] == recommend(Scenario("n", dict(NOTEBOOK))).scored[0].engine


def test_a_mode_offered_only_in_part_is_not_also_a_reason_for():
    weaviate = {v.engine: v for v in recommend(Scenario("e", dict(NOTEBOOK))).ranking}["weaviate"]
    assert any("only in part" in r.text for r in weaviate.reasons_against)
    assert not any(r.criterion == "operations" for r in weaviate.reasons_for)


def test_an_engine_measured_embedded_and_as_a_server_is_judged_the_way_the_scenario_runs_it():
    """Chroma in one run embedded (faster, in-process) and as its own server over loopback: a server scenario
    is judged on the server rows, an embedded one on the embedded rows, never on the better of the two."""
    runs = [run_with([row("chroma", 0.97, 2000, 0.5), row("chroma", 0.97, 400, 3.0, deployment="server",
                                                          endpoint="loopback")])]
    as_server = measured_at_target(runs, 0.9, mode="single_server")["chroma"]
    assert (as_server.qps, as_server.deployment, as_server.endpoint) == (400, "server", "loopback")
    assert measured_at_target(runs, 0.9, mode="embedded")["chroma"].qps == 2000
    only_embedded = [run_with([row("chroma", 0.97, 2000, 0.5)])]
    assert measured_at_target(only_embedded, 0.9, mode="single_server")["chroma"].qps == 2000  # indicative, not lost


def test_rows_of_one_engine_measured_two_ways_are_two_series_on_the_charts():
    from vectorscout.reporting.charts import engine_colour, series_styles
    from vectorscout.results.analysis import compared_rows

    runs = [run_with([row("chroma", 0.97, 2000, 0.5), row("chroma", 0.97, 400, 3.0, deployment="server",
                                                          endpoint="loopback"), row("faiss", 1.0, 900, 1.0)])]
    rows = compared_rows(runs)
    assert [r.series for r in rows] == ["chroma (embedded, in-process)", "chroma (server, loopback)", "faiss"]
    assert [r.engine for r in rows] == ["chroma", "chroma", "faiss"]  # the engine stays the engine's key
    colours = [style.colour for style in series_styles(rows).values()]
    assert colours == [engine_colour("chroma"), engine_colour("chroma"), engine_colour("faiss")]


def test_milvus_lite_rows_are_labelled_as_lite_in_tables_charts_and_the_cli():
    from vectorscout.reporting.tables import results_text
    from vectorscout.results.analysis import compared_rows

    lite, server = row("milvus", 0.97, 50, 19.5), row("milvus", 0.97, 400, 3.0, deployment="server", endpoint="loopback")
    legacy = ResultRow(engine="milvus", status="ok", index="hnsw", build_params={}, search_params={}, recall=0.9)
    labels = [r.series for r in compared_rows([run_with([lite, server, legacy])])]
    lite_label = "milvus (Milvus Lite 3, a Python engine over FAISS indexes)"
    # a row stored before deployments were recorded was measured the default way: Lite
    assert labels == [lite_label, "milvus (server, loopback)", lite_label]
    table = results_text([lite, server]).splitlines()
    assert table[1].startswith(lite_label) and table[2].startswith("milvus ") and "Lite" not in table[2]


def streamed(engine, recall, qps, p95, fell_behind_at_s=None, insert_ms=2.0, delete_skipped=""):
    from vectorscout.results.records import Freshness, StreamingFigures

    figures = StreamingFigures(rate_asked=500, rate_achieved=200 if fell_behind_at_s else 500, base_vectors=10_000,
                               streamed_vectors=10_000, clients=2, window_s=2, fell_behind_at_s=fell_behind_at_s,
                               freshness=[Freshness("insert", 5, 5, insert_ms, insert_ms),
                                          Freshness("delete", skipped=delete_skipped) if delete_skipped else
                                          Freshness("delete", 5, 5, 2.0, 2.5)])
    streaming = row(engine, recall, qps, p95, concurrency=2)
    streaming.streaming = figures
    return streaming


def test_streaming_rows_are_evidence_for_writes_never_for_static_speed():
    """A row searched while written to is not the engine's speed at the target (it would be judged as a 2-client
    load); it is the evidence for the update-rate and write-visibility answers: who kept the stream, who fell
    behind, how soon a write was seen, which index cannot delete."""
    runs = [run_with([row("qdrant", 0.99, 2000, 1.0), streamed("qdrant", 0.99, 50_000, 0.3),
                      row("milvus", 0.99, 60, 20.0), streamed("milvus", 1.0, 5, 975.0, fell_behind_at_s=12.0,
                                                              insert_ms=494.0),
                      row("faiss", 0.99, 3500, 0.35), streamed("faiss", 0.99, 4000, 0.7, delete_skipped="no remove_ids()")])]
    measured = measured_at_target(runs, 0.95, peak_qps=100)
    assert measured["qdrant"].qps == 2000 and measured["qdrant"].concurrency == 1
    live = dict(NOTEBOOK, recall_target=0.95, update_rate="continuous", write_visibility="within a second")
    ranking = verdicts(recommend(Scenario("live", live), runs))
    against = {e: " | ".join(r.text for r in v.reasons_against) for e, v in ranking.items()}
    behind = "fell behind a stream of 500 vectors/s at 12 s (kept 200/s"
    assert behind in against["milvus"]
    assert "kept a stream of 500 vectors/s" in " | ".join(r.text for r in ranking["qdrant"].reasons_for)
    assert ranking["faiss"].excluded is None and "measured: HNSW cannot delete (no remove_ids())" in against["faiss"]
    quiet = verdicts(recommend(Scenario("quiet", dict(NOTEBOOK, recall_target=0.95, update_rate="rare",
                                                      write_visibility="minutes are fine")), runs))
    assert not any("stream" in r.text for v in quiet.values() for r in [*v.reasons_for, *v.reasons_against])


@pytest.mark.parametrize("probes, visible, median_ms, max_ms, late", [
    (5, 5, 2.0, 999.0, False), (5, 5, 2.0, 1000.0, False), (5, 5, 2.0, 1001.0, True), (5, 4, 2.0, 3.0, True),
    (5, 5, 900.0, 1200.0, True)])
def test_a_write_seen_within_a_second_by_every_probe_is_a_reason_for_and_otherwise_against(probes, visible, median_ms,
                                                                                           max_ms, late):
    from vectorscout.results.records import Freshness

    stream = streamed("hnswlib", 0.99, 4000, 0.7)
    stream.streaming.freshness[0] = Freshness("insert", probes, visible, median_ms, max_ms)
    runs = [run_with([row("hnswlib", 0.99, 3000, 0.4), stream])]
    asked = dict(NOTEBOOK, recall_target=0.95, update_rate="rare", write_visibility="within a second")
    verdict = verdicts(recommend(Scenario("fresh", asked), runs))["hnswlib"]
    text = f"a write reached searches after {median_ms:.1f} ms (median; {visible} of {probes} probes seen)"
    against = [r for r in verdict.reasons_against if r.text == text]
    for_ = [r for r in verdict.reasons_for if r.text == text]
    assert (len(against), len(for_)) == ((1, 0) if late else (0, 1))
    assert (against or for_)[0].weight == (-2 if late else 2)
    relaxed = dict(asked, write_visibility="minutes are fine")
    assert not any("a write reached" in r.text for v in recommend(Scenario("f", relaxed), runs).ranking
                   for r in [*v.reasons_for, *v.reasons_against])


def test_the_hybrid_gap_is_paired_over_the_same_queries_else_from_the_two_standard_errors():
    """Paired: gaps 0.1, 0.2 and 0.0, mean 0.1, sample deviation 0.1, over sqrt(3). Without per-query figures:
    the means' difference, and the two errors added in quadrature (3 and 4 give 5; one unknown counts 0)."""
    from vectorscout.decision.recommend import _hybrid_gap
    from vectorscout.results.records import RetrievalMode

    mine = RetrievalMode("hybrid", "rrf", 0.6, 0.7, 0.8, ndcg_stderr=0.03, query_ndcg=[0.5, 0.6, 0.7])
    best = RetrievalMode("hybrid", "rrf", 0.7, 0.7, 0.8, ndcg_stderr=0.04, query_ndcg=[0.6, 0.8, 0.7])
    gap, stderr = _hybrid_gap(mine, best)
    assert gap == pytest.approx(0.1) and stderr == pytest.approx(0.1 / math.sqrt(3))
    mine.query_ndcg = []
    assert _hybrid_gap(mine, best) == pytest.approx((0.1, 0.05))
    mine.ndcg_stderr, best.ndcg_stderr = None, float("nan")
    assert _hybrid_gap(mine, best) == pytest.approx((0.1, 0.0))
    mine.ndcg_stderr = 0.02
    assert _hybrid_gap(mine, best) == pytest.approx((0.1, 0.02))
