"""The recommendation's reasons and sentences read whole, on made-up evidence whose every figure is known.

Each case names its inputs so that the expected sentence can be written out by hand: a changed threshold,
weight, format or word in the recommendation fails here, next to the line it changed.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from test_matrix import URL, cell
from test_recommend_criteria import answers, engine

from vectorscout.decision.matrix import FEATURES
from vectorscout.decision.recommend import (
    EngineVerdict,
    HybridEvidence,
    Measured,
    Reason,
    _ecosystem,
    _features,
    _hybrid_quality,
    _performance,
    _unmeasured,
    _verdict,
    _writes,
    evidence_reach,
    exclusion,
    hybrid_evidence,
    indicative_sentence,
    measured_at_target,
    missed_target_sentence,
    recommend,
    sensitivity,
    stand_ins,
    stream_evidence,
    verdict_sentence,
)
from vectorscout.decision.scenario import Scenario
from vectorscout.results.records import (
    DatasetInfo,
    Environment,
    Freshness,
    HybridFigures,
    ResultRow,
    RetrievalMode,
    Run,
    StreamingFigures,
    TuningFigures,
)


def streamed_row(fell_behind_at_s=None, freshness=(), recall=0.987, p95=12.34, index="hnsw"):
    figures = StreamingFigures(rate_asked=1500, rate_achieved=1234.5, base_vectors=10_000, streamed_vectors=5_000,
                               clients=2, window_s=2, fell_behind_at_s=fell_behind_at_s, freshness=list(freshness))
    return ResultRow(engine="x", status="ok", index=index, build_params={}, search_params={}, recall=recall, qps=100.0,
                     latency_p95_ms=p95, concurrency=2, streaming=figures)


def writes(row, **changes):
    reasons: list[Reason] = []
    _writes("x", {"x": (row, "r9")}, answers(**changes), reasons)
    return reasons


KEPT = Reason("performance", "kept a stream of 1,500 vectors/s: recall 0.987, p95 12.3 ms while written to", 2, "run r9")


# -- writes measured by a streaming run ------------------------------------------------------------------------------
@pytest.mark.parametrize(("update_rate", "write_visibility", "asked"), [
    ("rare", "minutes are fine", False), ("rare", "within a minute", False), ("hourly", "minutes are fine", True),
    ("continuous", "minutes are fine", True), ("rare", "within a second", True)])
def test_a_stream_is_evidence_only_where_the_answers_ask_for_updates_or_fresh_writes(update_rate, write_visibility,
                                                                                      asked):
    found = writes(streamed_row(), update_rate=update_rate, write_visibility=write_visibility)
    assert found == ([KEPT] if asked else [])


def test_an_engine_without_a_stream_or_without_streaming_figures_gets_no_write_reason():
    reasons: list[Reason] = []
    _writes("y", {"x": (streamed_row(), "r9")}, answers(update_rate="continuous"), reasons)
    bare = streamed_row()
    bare.streaming = None
    _writes("x", {"x": (bare, "r9")}, answers(update_rate="continuous"), reasons)
    assert reasons == []


def test_an_engine_that_fell_behind_is_said_with_when_and_what_it_kept():
    assert writes(streamed_row(fell_behind_at_s=12.5), update_rate="hourly") == [Reason(
        "performance", "fell behind a stream of 1,500 vectors/s at 12.5 s (kept 1,234/s; p95 12.3 ms while written to)",
        -3, "run r9")]
    unmeasured = writes(streamed_row(fell_behind_at_s=4.0, p95=None, recall=None), update_rate="hourly")
    assert unmeasured[0].text == "fell behind a stream of 1,500 vectors/s at 4 s (kept 1,234/s; p95 0.0 ms while written to)"
    kept = writes(streamed_row(p95=None, recall=None), update_rate="hourly")
    assert kept[0].text == "kept a stream of 1,500 vectors/s: recall 0.000, p95 0.0 ms while written to"


@pytest.mark.parametrize(("probe", "weight"), [
    (Freshness("insert", 5, 5, 2.25, 1000.0), 2), (Freshness("insert", 5, 5, 2.25, 1000.5), -2),
    (Freshness("insert", 5, 4, 2.25, 3.0), -2), (Freshness("insert", 5, 5, 2.25, None), 2)])
def test_a_write_seen_within_a_second_by_every_probe_is_for_and_otherwise_against(probe, weight):
    found = writes(streamed_row(freshness=[probe]), update_rate="rare", write_visibility="within a second")
    assert found == [KEPT, Reason("performance", f"a write reached searches after 2.2 ms (median; {probe.visible} of 5 "
                                                 "probes seen)", weight, "run r9")]
    unmedianed = writes(streamed_row(freshness=[Freshness("insert", 5, 0)]), update_rate="rare",
                        write_visibility="within a second")
    assert unmedianed[1] == Reason("performance", "a write reached searches after 0.0 ms (median; 0 of 5 probes seen)",
                                   -2, "run r9")
    # a minute is fine: the probe is not a reason either way
    assert writes(streamed_row(freshness=[probe]), update_rate="hourly", write_visibility="within a minute") == [KEPT]


def test_an_index_that_cannot_delete_is_said_where_updates_are_continuous():
    probes = [Freshness("insert", 5, 5, 1.0, 2.0), Freshness("delete", skipped="no remove_ids()")]
    # the index as its documentation names it: a report holds no identifier a reader would take for code
    assert writes(streamed_row(freshness=probes, index="ivf_pq"), update_rate="continuous") == [
        KEPT, Reason("features", "measured: IVF_PQ cannot delete (no remove_ids())", -2, "run r9")]
    assert writes(streamed_row(freshness=probes), update_rate="hourly") == [KEPT]
    deleted = [Freshness("insert", 5, 5, 1.0, 2.0), Freshness("delete", 5, 5, 1.0, 2.0)]
    assert writes(streamed_row(freshness=deleted), update_rate="continuous") == [KEPT]


# -- the verdict's sentences -------------------------------------------------------------------------------------
def verdict(engine, name, reasons_for=()):
    return EngineVerdict(engine, name, "single_server", 0.5, None, {}, reasons_for=list(reasons_for))


def sized_run(run_id, n, dim):
    return Run(run_id=run_id, created_at="t", status="finished", k=10, dataset=DatasetInfo(name="d", n=n, dim=dim),
               plan={}, environment=Environment(), results=[])


def test_a_first_engine_that_missed_the_target_says_what_puts_it_first_and_who_reached_it():
    first = verdict("a", "Alpha", [Reason("features", "filters fully", 3.0), Reason("operations", "one binary", 2.0),
                                   Reason("ecosystem", "a Go client", 1.0)])
    below = [first, verdict("b", "Beta"), verdict("c", "Gamma"), verdict("d", "Delta")]
    measured = {"a": Measured(None, None, 0.8614, "r1"), "b": Measured(900.0, 2.0, 0.97, "r1"),
                "c": Measured(None, None, 0.9, "r1"), "d": Measured(50.0, 9.0, 0.99, "r1")}
    target = answers(recall_target=0.95)
    assert missed_target_sentence([first], below, measured, target) == (
        " Alpha missed the recall target (0.861 against 0.95) where Beta, Delta reached it; it ranks first on what the "
        "documentation says: filters fully; one binary.")
    bare = verdict("a", "Alpha")
    unrecalled = {**measured, "a": Measured(None, None, None, "r1")}
    assert missed_target_sentence([bare], [bare, below[1]], unrecalled, target) == (
        " Alpha missed the recall target (0.000 against 0.95) where Beta reached it; it ranks first on what the "
        "documentation says: the criteria other than performance.")
    assert missed_target_sentence([first], [first, below[2]], measured, answers(recall_target=0.9)) == (
        " No engine measured reached recall 0.9 at the settings run, so no speed figure decides this ranking: measure "
        "at equal recall (the Run page's switch, or run --tune-recall).")


def test_no_missed_target_sentence_when_the_first_reached_it_or_was_not_measured_or_nobody_is_first():
    measured = {"b": Measured(900.0, 2.0, 0.97, "r1"), "c": Measured(None, None, 0.9, "r1")}
    target = answers(recall_target=0.95)
    assert missed_target_sentence([verdict("b", "Beta")], [verdict("c", "Gamma")], measured, target) == ""
    assert missed_target_sentence([verdict("z", "Zeta")], [verdict("b", "Beta")], measured, target) == ""
    assert missed_target_sentence([], [verdict("b", "Beta")], measured, target) == ""


def test_the_evidence_reach_says_the_sizes_measured_against_the_scenarios():
    runs = [sized_run("r1", 15_000, 384), sized_run("r2", 100_000, 384), sized_run("r3", 2_000_000, 768),
            sized_run("r4", 0, 384)]
    measured = {"a": Measured(1.0, 1.0, 0.99, "r1"), "b": Measured(1.0, 1.0, 0.99, "r2"),
                "c": Measured(1.0, 1.0, 0.99, "r1")}
    scenario = answers(vectors_now=30_000_000, vectors_24m=80_000_000, dimensions=1536)
    assert evidence_reach(runs, measured, scenario) == (
        "Measured at 15,000 vectors x 384 and 100,000 vectors x 384; the scenario holds 30,000,000 x 1536 now and "
        "80,000,000 in 24 months; 300 times the vectors measured: the figures rank the engines at the measured size; "
        "latency, throughput and recall at the scenario's size are not measured (graph and list searches slow down "
        "and lose recall as an index grows); at 1536 dimensions each vector costs 4.0 times the measured distance "
        "computations and memory.")
    # as large as the scenario or larger, at its dimension: the figures reach it
    assert evidence_reach(runs, {"a": Measured(1.0, 1.0, 0.99, "r3")}, answers(vectors_now=2_000_000, dimensions=768)) == (
        "Measured at 2,000,000 vectors x 768: the scenario's size (2,000,000 x 768) or more.")
    # exactly as large, at another dimension: only the dimension is said
    assert evidence_reach(runs, {"a": Measured(1.0, 1.0, 0.99, "r3")}, answers(vectors_now=2_000_000, vectors_24m=3_000_000,
                                                                               dimensions=1024)) == (
        "Measured at 2,000,000 vectors x 768; the scenario holds 2,000,000 x 1024 now and 3,000,000 in 24 months; at "
        "1024 dimensions each vector costs 1.3 times the measured distance computations and memory.")
    # smaller, at its dimension: only the size is said
    assert evidence_reach(runs, {"a": Measured(1.0, 1.0, 0.99, "r3")}, answers(vectors_now=3_000_001, vectors_24m=4_000_000,
                                                                               dimensions=768)) == (
        "Measured at 2,000,000 vectors x 768; the scenario holds 3,000,001 x 768 now and 4,000,000 in 24 months; 2 "
        "times the vectors measured: the figures rank the engines at the measured size; latency, throughput and recall "
        "at the scenario's size are not measured (graph and list searches slow down and lose recall as an index grows).")
    # a run of unknown size, or none used, says nothing
    assert evidence_reach(runs, {"a": Measured(1.0, 1.0, 0.99, "r4")}, scenario) == ""
    assert evidence_reach(runs, {}, scenario) == ""


def test_engines_measured_in_another_mode_are_named_as_indicative():
    measured = {"a": Measured(500.0, 2.0, 0.99, "r7"),
                "b": Measured(90.0, 9.0, 0.99, "r8", deployment="server", endpoint="http://127.0.0.1:19530",
                              concurrency=4)}
    alpha, beta, gamma = verdict("a", "Alpha"), verdict("b", "Beta"), verdict("c", "Gamma")
    alpha.evidence = beta.evidence = gamma.evidence = "indicative"
    assert indicative_sentence([alpha], measured, "single_server") == (
        " Its speed evidence is indicative: measured Alpha embedded, in-process, one client, not as a self-hosted "
        "single server; measure it as the scenario deploys it before relying on the figures.")
    assert indicative_sentence([alpha, beta, gamma], measured, "embedded") == (
        " Their speed evidence is indicative: measured Alpha embedded, in-process, one client; Beta as a server over "
        "http://127.0.0.1:19530, 4 clients, not embedded in the application.")
    beta.evidence = "measured"
    assert indicative_sentence([beta, gamma], measured, "embedded") == ""


# -- exclusions that depend on the deployment mode ------------------------------------------------------------------
def test_a_license_that_differs_in_one_mode_excludes_only_there_with_its_cell():
    profile = engine({"backups": "full"}, modes={"cluster": "full"},
                     licenses={"cluster": cell("BSL", "the distributed build is source-available")})
    assert exclusion(profile, answers(deployment="cluster", license_constraint="permissive only")) == Reason(
        "license", "as a self-hosted cluster, its license is BSL: the distributed build is source-available", 0, URL)
    assert exclusion(profile, answers(deployment="cluster")) is None  # any license is fine
    assert exclusion(profile, answers(deployment="embedded", license_constraint="permissive only")) is None  # MIT there
    permissive = engine({"backups": "full"}, modes={"cluster": "full"}, licenses={"cluster": cell("Apache-2.0", "same")})
    assert exclusion(permissive, answers(deployment="cluster", license_constraint="permissive only")) is None


def test_a_listed_client_missing_in_this_mode_is_said_with_the_clients_there_and_its_cell():
    sdks = {"python": cell("full"), "go": {"any": cell("full"), "embedded": cell("none", "no in-process Go")},
            "rust": {"any": cell("none", "no Rust client yet")}}
    profile = engine({"backups": "full"}, sdks=sdks)
    embedded = answers(deployment="embedded", sdk_languages=["python", "go"])
    assert exclusion(profile, embedded) == Reason(
        "ecosystem", "no Go client embedded in the application (there: Python): no in-process Go", 0, URL)
    # several missing: all named, the first one's cell quoted (its per-mode cell, else its "any" cell)
    assert exclusion(profile, answers(deployment="embedded", sdk_languages=["rust", "go"])) == Reason(
        "ecosystem", "no Rust, Go client embedded in the application (there: Python): no Rust client yet", 0, URL)
    assert exclusion(profile, answers(deployment="embedded", sdk_languages=["go", "rust"])).text == (
        "no Go, Rust client embedded in the application (there: Python): no in-process Go")
    assert exclusion(profile, answers(sdk_languages=["python", "go"])) is None  # a server has the Go client
    two_there = engine({"backups": "full"}, sdks={**sdks, "java": cell("full")})
    assert exclusion(two_there, embedded).text == (
        "no Go client embedded in the application (there: Python, Java): no in-process Go")
    none_there = engine({"backups": "full"}, sdks={"go": {"any": cell("full"), "embedded": cell("none", "server only")}})
    assert exclusion(none_there, answers(deployment="embedded", sdk_languages=["go"])).text == (
        "no Go client embedded in the application (there: none): server only")
    # a language the engine does not list at all is said before one missing in this mode
    assert exclusion(profile, answers(deployment="embedded", sdk_languages=["go", "java"])) == Reason(
        "ecosystem", "no official Java client (official: Go, Python, Rust)", 0, URL)


# -- which rows are evidence ---------------------------------------------------------------------------------------
def hybrid_row(engine, ndcg, deployment="embedded", status="ok", modes=("keyword", "dense", "hybrid")):
    figures = HybridFigures(documents=100, queries=20, depth=50, rrf_k=60, application_side=False,
                            exact_dense_ndcg_at_10=0.7,
                            modes=[RetrievalMode(m, "engine", ndcg, 0.5, 0.5) for m in modes])
    return ResultRow(engine=engine, status=status, index="hnsw", build_params={}, search_params={}, recall=0.99,
                     qps=10.0, deployment=deployment, endpoint="in-process", hybrid=figures)


def dated_run(run_id, created_at, rows, name="scifact", content_hash=""):
    return Run(run_id=run_id, created_at=created_at, status="finished", k=10,
               dataset=DatasetInfo(name=name, hash=content_hash), plan={}, environment=Environment(), results=rows)


def test_hybrid_evidence_is_each_engines_newest_finished_row_with_a_fused_figure():
    older = dated_run("r1", "2026-12-01T00:00:00+00:00", [hybrid_row("qdrant", 0.61), hybrid_row("chroma", 0.55)],
                      content_hash="abc")
    newer = dated_run("r2", "2026-12-02T00:00:00+00:00", [
        hybrid_row("qdrant", 0.64), hybrid_row("chroma", 0.9, status="failed"),
        hybrid_row("lancedb", 0.7, modes=("keyword", "dense")),  # no fused figure: not evidence
        ResultRow(engine="faiss", status="ok", index="flat", build_params={}, search_params={}, recall=1.0, qps=9.0)])
    found = hybrid_evidence([newer, older])  # given newest first: the dates decide, not the order
    assert sorted(found) == ["chroma", "qdrant"]
    assert (found["qdrant"].run_id, found["qdrant"].fused.ndcg_at_10, found["qdrant"].dataset) == ("r2", 0.64, "scifact")
    assert found["qdrant"].figures is newer.results[0].hybrid and found["qdrant"].fused.mode == "hybrid"
    assert (found["chroma"].run_id, found["chroma"].fused.ndcg_at_10, found["chroma"].dataset) == ("r1", 0.55, "abc")


def test_hybrid_evidence_of_milvus_lite_speaks_for_an_embedded_milvus_only():
    run = dated_run("r1", "2026-12-01T00:00:00+00:00", [hybrid_row("milvus", 0.6), hybrid_row("qdrant", 0.6)])
    assert sorted(hybrid_evidence([run], "embedded")) == ["milvus", "qdrant"]
    assert sorted(hybrid_evidence([run])) == ["milvus", "qdrant"]
    assert sorted(hybrid_evidence([run], "single_server")) == ["qdrant"]
    server = dated_run("r2", "2026-12-02T00:00:00+00:00", [hybrid_row("milvus", 0.7, deployment="server")])
    assert hybrid_evidence([run, server], "single_server")["milvus"].run_id == "r2"


def streaming_result(engine, deployment="embedded"):
    row = streamed_row()
    row.engine, row.deployment, row.endpoint = engine, deployment, "in-process"
    return row


def test_stream_evidence_is_the_newest_streaming_row_and_milvus_lite_speaks_for_embedded_only():
    plain = ResultRow(engine="qdrant", status="ok", index="hnsw", build_params={}, search_params={}, recall=0.99, qps=9.0)
    older = dated_run("r1", "2026-12-01T00:00:00+00:00", [streaming_result("qdrant"), streaming_result("milvus")])
    newer = dated_run("r2", "2026-12-02T00:00:00+00:00", [plain])  # a newer row that did not stream: not evidence
    assert {e: run_id for e, (_, run_id) in stream_evidence([newer, older]).items()} == {"qdrant": "r1", "milvus": "r1"}
    assert sorted(stream_evidence([older], "embedded")) == ["milvus", "qdrant"]
    assert sorted(stream_evidence([older], "single_server")) == ["qdrant"]


def test_the_stand_ins_are_the_finished_rows_of_another_engine_than_the_one_named():
    lite, failed = hybrid_row("milvus", 0.5), hybrid_row("milvus", 0.5, status="failed")
    run = dated_run("r1", "2026-12-01T00:00:00+00:00", [hybrid_row("qdrant", 0.5), lite])
    assert stand_ins([run], "single_server") == {"milvus": "Milvus Lite 3, a Python engine over FAISS indexes"}
    assert stand_ins([run], "embedded") == {}
    assert stand_ins([dated_run("r2", "t", [hybrid_row("qdrant", 0.5), failed])], "single_server") == {}


def test_an_unmeasured_engine_is_told_how_to_measure_it(monkeypatch):
    import adapters.registry

    assert _unmeasured("qdrant", "", "single_server") == (
        "unverified: not measured here; run it to include measured evidence")
    connections = {"milvus": {"uri": "bundled", "port": "0"}, "other": {}}
    monkeypatch.setattr(adapters.registry, "adapter_class",
                        lambda name: SimpleNamespace(quick_connection=connections[name]))
    assert _unmeasured("milvus", "Milvus Lite", "cluster") == (
        "unverified: measured only as Milvus Lite, evidence for embedded use, not as a self-hosted cluster; measure the "
        "engine itself (milvus:uri=bundled,port=0)")
    assert _unmeasured("other", "Lite", "single_server") == (
        "unverified: measured only as Lite, evidence for embedded use, not as a self-hosted single server; measure the "
        "engine itself")


def test_a_verdict_without_a_measurement_says_so_among_its_reasons_against():
    profile = engine(dict.fromkeys(FEATURES, "full"), modes={"single_server": "full"})
    verdict = _verdict(profile, Scenario("t", {}), {}, {}, {}, {}, {})
    assert Reason("performance", "unverified: not measured here; run it to include measured evidence", -0.5) in (
        verdict.reasons_against)
    assert verdict.evidence == "unverified" and verdict.criteria["performance"] is None


# -- criteria read in the scenario's mode ---------------------------------------------------------------------------
def mode_limited_engine():
    """Engine X, whose embedded build indexes fewer dimensions and no int8, and isolates tenants less."""
    limits = {"max_dimensions": {"int8": cell("8000", "int8 anywhere"), "float32": cell("2000"),
                                 "float16": cell("4000", "float16 anywhere")},
              "metrics": {"cosine": cell("full")},
              "vector_types": {"int8": cell("full"), "float32": cell("full"), "float16": cell("full")}}
    embedded = {"max_dimensions": {"float32": cell("1000", "float32 embedded"),
                                   "float16": cell("1500", "float16 in the embedded build")},
                "vector_types": {"float32": cell("full"), "float16": cell("full")}}
    features = {"backups": "full", "multi_tenancy": "partial"}
    profile = engine(features, limits=limits, limits_by_mode={"embedded": embedded})
    profile.features["multi_tenancy"]["embedded"] = profile.features["multi_tenancy"]["any"].__class__(
        "none", "one process, no tenants", URL, "2026-11-26", "2")
    return profile


def test_a_dimension_limit_and_tenant_isolation_are_read_in_the_scenarios_mode():
    profile = mode_limited_engine()
    reasons: list[Reason] = []
    _features(profile, answers(deployment="embedded", dimensions=1200, tenants=5000), reasons)
    assert [r for r in reasons if r.text.startswith(("1,200", "5,000"))] == [
        Reason("limits", "1,200 dimensions pass its 1,000 for float32: index them as float16 (float16 in the embedded "
                         "build)", -2, URL),
        Reason("features", "5,000 tenants: one process, no tenants", -2, URL)]
    served: list[Reason] = []
    _features(profile, answers(deployment="single_server", dimensions=1200, tenants=5000), served)
    assert [r for r in served if r.criterion == "limits"] == []
    assert Reason("features", "5,000 tenants: tenant filter", -2, URL) not in served  # partial is not full: said


def test_a_client_is_read_in_the_scenarios_mode():
    profile = engine({"backups": "full"}, sdks={"python": cell("full"), "go": {
        "any": cell("full"), "single_server": cell("partial", "a community client for the server")}})
    served: list[Reason] = []
    assert _ecosystem(profile, answers(sdk_languages=["go"], integrations=[]), served) == 0.5
    assert served == [Reason("ecosystem", "Go client is partial: a community client for the server", -1, URL)]
    embedded: list[Reason] = []
    assert _ecosystem(profile, answers(deployment="embedded", sdk_languages=["go"], integrations=[]), embedded) == 1.0
    assert embedded == [Reason("ecosystem", "has the Go client you asked for", 0.5, URL)]


def test_a_tuned_measurement_says_how_its_setting_was_found():
    tuning = TuningFigures(target=0.95, parameter="ef_search", tried=[(16, 0.9), (32, 0.96)], chosen=32, reached=True,
                           tuning_queries=50, held_out_queries=50)
    measured = {"x": Measured(400.0, 2.5, 0.96, "r3", tuning=tuning)}
    reasons: list[Reason] = []
    _performance("x", measured, answers(deployment="embedded", recall_target=0.95, peak_qps=1), reasons)
    assert reasons == [Reason("performance", "400 QPS, p95 2.50 ms at recall ≥ 0.95 (embedded, in-process, one client, "
                                             "run r3; ef_search=32 found on 50 tuning queries, read on 50 others)", 2,
                              "run r3")]


# -- hybrid quality at the edge of the noise ------------------------------------------------------------------------
def hybrid_found(engine, ndcg, stderr, keyword=True, dense=True):
    modes = [RetrievalMode("hybrid", "engine", ndcg, 0.5, 0.5, ndcg_stderr=stderr)]
    modes += [RetrievalMode("keyword", "engine", 0.4, 0.4, 0.4)] if keyword else []
    modes += [RetrievalMode("dense", "engine", 0.6, 0.6, 0.6)] if dense else []
    figures = HybridFigures(documents=100, queries=20, depth=50, rrf_k=60, application_side=False,
                            exact_dense_ndcg_at_10=0.7, modes=modes)
    return HybridEvidence(figures, modes[0], "r5", "scifact")


def test_a_gap_of_exactly_two_standard_errors_does_not_tell_two_engines_apart():
    measured = {"x": hybrid_found("x", 0.5, 0.0), "best": hybrid_found("best", 0.75, 0.125)}
    reasons: list[Reason] = []
    _hybrid_quality("x", measured, answers(hybrid_search="nice to have"), reasons)
    assert reasons == [Reason("performance", "measured hybrid search: nDCG@10 0.500 (keyword 0.400, dense 0.600), on "
                                             "par with the best engine measured", 1.0, "run r5")]
    wider = {"x": hybrid_found("x", 0.5, 0.0), "best": hybrid_found("best", 0.75, 0.124)}
    below: list[Reason] = []
    _hybrid_quality("x", wider, answers(hybrid_search="nice to have"), below)
    assert below[0].text.endswith(", 0.250 ± 0.124 below best's 0.750") and below[0].weight == -1.0


@pytest.mark.parametrize(("keyword", "dense"), [(False, True), (True, False), (False, False)])
def test_hybrid_figures_without_both_single_retrievers_are_no_reason(keyword, dense):
    measured = {"x": hybrid_found("x", 0.5, 0.01, keyword, dense), "best": hybrid_found("best", 0.9, 0.01)}
    reasons: list[Reason] = []
    _hybrid_quality("x", measured, answers(hybrid_search="required"), reasons)
    assert reasons == []


# -- the whole recommendation -----------------------------------------------------------------------------------------
def test_unmeasured_engines_named_ahead_are_exactly_those_scoring_above_the_measured_first():
    from test_recommend_criteria import measured_row, recommendation_run

    rows = [measured_row("chroma", 900.0), measured_row("qdrant", 5000.0), measured_row("lancedb", 100.0)]
    rows[1].recall = 0.8  # qdrant misses the target
    result = recommend(Scenario("t", {"deployment": "embedded"}), [recommendation_run(rows)])
    first = next(v for v in result.ranking if v.engine == result.top_group[0])
    unverified = [v for v in result.ranking if v.evidence == "unverified"]
    ahead = [v for v in unverified if v.score > first.score]
    assert ahead and len(ahead) < len(unverified)  # some score higher, some lower: only the higher are named
    names = ", ".join(f"{v.name} ({v.score:.2f}, unverified)" for v in ahead)
    assert result.verdict == (f"{first.name} fits best (score {first.score:.2f} of 1) among the engines measured for "
                              f"this scenario; {names} score higher without a clean measurement: measure them before "
                              "choosing them.")
    # with performance weighed at nothing, the engine that missed the target can come first: said, with who reached it
    blind = recommend(Scenario("t", {"deployment": "embedded"}, {"performance": 0}), [recommendation_run(rows)])
    assert blind.top_group == ["qdrant"]
    reached = [v.name for v in blind.ranking if v.engine in ("chroma", "lancedb")]
    assert (f" Qdrant missed the recall target (0.800 against 0.95) where {', '.join(reached)} reached it; it ranks "
            "first on what the documentation says: ") in blind.verdict


def test_no_engine_left_is_a_verdict_without_a_first():
    result = recommend(Scenario("t", {"sql_joins": True, "deployment": "embedded"}), [])
    assert result.top_group == [] and all(v.score is None for v in result.ranking)
    assert result.verdict == "No engine meets every hard constraint: see the warnings and the exclusions."


def test_milvus_lites_writes_and_hybrid_search_count_for_an_embedded_scenario_only():
    lite_stream, lite_hybrid = streaming_result("milvus"), hybrid_row("milvus", 0.5)
    runs = [dated_run("r1", "2026-12-01T00:00:00+00:00", [lite_stream, lite_hybrid, hybrid_row("qdrant", 0.6)])]
    asks = {"update_rate": "continuous", "hybrid_search": "nice to have"}

    def measured_reasons(mode):
        milvus = next(v for v in recommend(Scenario("t", {**asks, "deployment": mode}), runs).ranking
                      if v.engine == "milvus")
        return [r.text for r in [*milvus.reasons_for, *milvus.reasons_against] if r.source == "run r1"]

    embedded = measured_reasons("embedded")
    assert any(t.startswith("kept a stream of 1,500 vectors/s") for t in embedded)
    assert any(t.startswith("measured hybrid search: nDCG@10 0.500") for t in embedded)
    assert measured_reasons("single_server") == []


def test_a_verdict_keeps_the_five_heaviest_reasons_each_way():
    profile = engine({**dict.fromkeys(FEATURES, "none"), "backups": "full"})
    everything = answers(filtering="heavy", hybrid_search="nice to have", sparse_vectors="nice to have",
                         multi_vector="nice to have", update_rate="hourly", write_visibility="within a second",
                         reindexing="regularly")
    reasons: list[Reason] = []
    _features(profile, everything, reasons)
    assert len([r for r in reasons if r.weight < 0]) > 5
    verdict = _verdict(profile, Scenario("t", everything.as_dict()), {}, {}, {}, {}, {})
    assert len(verdict.reasons_against) == 5
    assert [r.weight for r in verdict.reasons_against] == sorted(r.weight for r in verdict.reasons_against)


# -- the verdict's tie and its sensitivity at their edges --------------------------------------------------------------
def test_a_change_that_only_ties_or_lies_past_five_does_not_swap_the_first_two():
    from test_recommend_criteria import verdict as scored

    # B leads only where performance outweighs features and cost together: 5 ties (3 + 2), 5.5 would pass, and no
    # priority is allowed past 5
    scenario = Scenario("t", {}, priorities={"features": 3.0, "cost": 2.0, "performance": 1.0})
    first, second = scored("A", 0.9, features=1.0, cost=1.0, performance=0.0), scored("B", 0.1, features=0.0, cost=0.0,
                                                                                       performance=1.0)
    assert sensitivity(scenario, [first, second]) == "No single priority change within 0..5 puts B ahead of A."
    # at performance 0.5, A 0.5 x 0.5 = B 0.25 x 1: a tie is not ahead; at 0, B leads
    even = Scenario("t", {}, priorities={"features": 1.0, "performance": 1.0})
    assert sensitivity(even, [scored("A", 0.5, features=0.0, performance=0.5), scored("B", 0.4, features=0.25,
                                                                                      performance=0.0)]) == (
        "Lowering the priority of performance from 1 to 0 is the smallest single change that puts B ahead of A.")


def test_a_tie_with_a_criterion_the_first_lacks_reads_it_as_zero():
    from test_recommend_criteria import verdict as scored

    a = scored("A", 0.80, features=0.9, performance=None)
    b = scored("B", 0.79, features=0.9, performance=0.7)
    assert verdict_sentence([a, b]) == (
        "A tie: A and B score within 0.02 of each other (0.800 vs 0.790); what separates A and B: performance: A 0.00, "
        "B 0.70.")


def test_hard_limits_are_read_in_the_scenarios_mode():
    profile = mode_limited_engine()
    assert exclusion(profile, answers(deployment="embedded", dimensions=1600)) == Reason(
        "limits", "1,600 dimensions exceed its 1,000 for float32 (float32 embedded) and every vector type it indexes",
        0, URL)
    assert exclusion(profile, answers(dimensions=1600)) is None  # a server indexes 2,000
    assert exclusion(profile, answers(deployment="embedded", vector_type="int8", dimensions=100)) == Reason(
        "limits", "no int8 vector type (it offers float32, float16)", 0, URL)
    assert exclusion(profile, answers(vector_type="int8", dimensions=100)) is None


def test_sharding_is_needed_beyond_a_hundred_million_and_backups_where_recovery_restores_them():
    profile = engine()
    assert exclusion(profile, answers(vectors_24m=100_000_000, disaster_recovery="not needed")) is None
    assert exclusion(profile, answers(vectors_24m=100_000_001, disaster_recovery="not needed")).text.startswith(
        "100,000,001 vectors in 24 months need sharding")
    assert exclusion(profile, answers(disaster_recovery="restore from backups")) == Reason(
        "features", "disaster recovery from backups is required; as a self-hosted single server, it has none: backups",
        0, URL)


def test_an_unreached_target_keeps_the_product_measured():
    from test_recommend_criteria import measured_row, recommendation_run

    lite = measured_row("milvus", 50.0)
    lite.recall = 0.5
    found = measured_at_target([recommendation_run([lite])], 0.95)["milvus"]
    assert (found.qps, found.recall, found.product) == (None, 0.5, "Milvus Lite 3, a Python engine over FAISS indexes")


def test_a_score_of_zero_ranks_last_among_the_scored_and_can_still_be_the_only_measured_first():
    from test_recommend_criteria import measured_row, recommendation_run

    from vectorscout.decision.recommend import CRITERIA

    speed_only = Scenario("t", {"deployment": "embedded"}, {**dict.fromkeys(CRITERIA, 0.0), "performance": 5.0})
    rows = [measured_row("chroma", 900.0), measured_row("qdrant", 5000.0), measured_row("lancedb", 1000.0)]
    rows[1].recall = 0.8  # qdrant never reaches the target: performance 0, and nothing else counts
    ranked = recommend(speed_only, [recommendation_run(rows)])
    assert [(v.engine, v.score) for v in ranked.ranking[:3]] == [("lancedb", 1.0), ("chroma", 0.948683), ("faiss", 0.0)]
    assert ranked.top_group == ["lancedb"] and ranked.verdict == "LanceDB fits best (score 1.00 of 1)."
    alone = recommend(speed_only, [recommendation_run([rows[1]])])
    assert alone.top_group == ["qdrant"]  # the only engine measured, at 0: unmeasured engines at 0 are not ahead of it
    assert alone.verdict.startswith("Qdrant fits best (score 0.00 of 1). No engine measured reached recall 0.95")


def test_without_a_peak_every_concurrent_row_carries_it_and_the_lowest_p95_decides():
    from test_recommend_criteria import recommendation_run

    slow_but_steady = ResultRow(engine="x", status="ok", index="hnsw", build_params={}, search_params={}, recall=0.99,
                                qps=0.5, latency_p95_ms=1.0, concurrency=4)
    faster = ResultRow(engine="x", status="ok", index="hnsw", build_params={}, search_params={}, recall=0.99, qps=0.8,
                       latency_p95_ms=5.0, concurrency=4)
    found = measured_at_target([recommendation_run([faster, slow_but_steady])], 0.95)["x"]
    assert (found.qps, found.p95_ms) == (0.5, 1.0)


def test_the_evidence_reach_names_the_scale_ladders_and_how_far_their_curves_are_carried():
    from vectorscout.results.records import ResultRow

    def ladder_run(n, engine):
        run = sized_run(f"{engine}{n}", n, 384)
        run.dataset.spec = f"synthetic:n={n},dim=384,decay=1"
        run.results = [ResultRow(engine=engine, status="ok", index="hnsw", build_params={}, search_params={},
                                 recall=0.99, qps=1e5 / n**0.5, latency_p95_ms=1.0)]
        return run

    runs = [sized_run("r1", 15_000, 384)] + [ladder_run(n, e) for n in (25_000, 50_000, 100_000) for e in ("a", "z")]
    measured = {"a": Measured(1.0, 1.0, 0.99, "r1")}
    reach = evidence_reach(runs, measured, answers(vectors_now=30_000_000, vectors_24m=80_000_000, dimensions=384))
    assert reach.endswith("; scale ladders measured a at up to 100,000 vectors, and the cost carries their throughput "
                          "to the scenario's size by the fitted curves (300× the largest size measured, a long "
                          "extrapolation past 20×).")
    near = evidence_reach(runs, measured, answers(vectors_now=1_000_000, vectors_24m=2_000_000, dimensions=384))
    assert near.endswith("by the fitted curves (10× the largest size measured).")
