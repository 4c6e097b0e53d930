"""Each criterion of the recommendation, computed by hand on a made-up engine whose every cell is known.

The expert scenarios (test_expert_scenarios.py) judge whole verdicts on the shipped matrix; here each score
is a hand-computed number and each reason an exact sentence with its weight and source, so a changed
constant, threshold or wording is caught where it happens.
"""

from __future__ import annotations

import copy

import pytest
from test_matrix import URL, cell, entry

from vectorscout.decision.matrix import FEATURES, _profile
from vectorscout.decision.recommend import (
    Measured,
    Reason,
    _combine,
    _cost,
    _ecosystem,
    _features,
    _operations,
    _performance,
    _scalability,
    exclusion,
    wanted_features,
)
from vectorscout.decision.scenario import Scenario
from vectorscout.glossary import term


def engine(features: dict[str, str] | None = None, modes: dict[str, str] | None = None, **top):
    """Engine X: every feature `none` (comment = the feature's words) unless given as `level` here."""
    raw = copy.deepcopy(entry())
    raw["features"] = {name: cell((features or {}).get(name, "none"), term(name)) for name in FEATURES}
    for mode, level in (modes or {}).items():
        raw["modes"][mode] = cell(level, f"{term(mode)} mode")
    raw.update(top)
    return _profile("x", raw)


def answers(**changes):
    return Scenario("t", changes).record


def r(criterion, text, weight, source=URL):
    return Reason(criterion, text, weight, source)


# -- hard constraints ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("changes", "expected"), [
    ({"deployment": "cluster"}, r("deployment", "does not run as a self-hosted cluster: no", 0)),
    ({"metric": "l2"}, r("limits", "no l2 distance (it offers cosine)", 0)),
    ({"vector_type": "int8"}, r("limits", "no int8 vector type (it offers float32, float16)", 0)),
    ({"dimensions": 4001}, r("limits", "4,001 dimensions exceed its 2,000 for float32 (read there) and every vector "
                                       "type it indexes", 0)),
    ({"vectors_24m": 100_000_001}, r("features", "100,000,001 vectors in 24 months need sharding; as a self-hosted "
                                                 "single server, it has none: sharding", 0)),
    ({"high_availability": True}, r("features", "high availability needs replication; as a self-hosted single "
                                                "server, it has none: replication", 0)),
    ({"hybrid_search": "required"}, r("features", "keyword (BM25) / hybrid search is required; as a self-hosted "
                                                  "single server, it has none: keyword (BM25) / hybrid search", 0)),
    ({"multi_tenancy": "required"}, r("features", "multi-tenancy is required; as a self-hosted single server, it "
                                                  "has none: multi-tenancy", 0)),
    ({"sparse_vectors": "required"}, r("features", "sparse vectors is required; as a self-hosted single server, "
                                                   "it has none: sparse vectors", 0)),
    ({"multi_vector": "required"}, r("features", "multi-vector is required; as a self-hosted single server, it has "
                                                 "none: multi-vector", 0)),
    ({"sql_joins": True}, r("features", "SQL joins and transactions with the vectors are required; as a self-hosted "
                                        "single server, it has none: SQL joins and transactions", 0)),
    ({"security": ["audit"]}, r("features", "audit logging is required; as a self-hosted single server, it has none: "
                                            "audit logging", 0)),
    ({"security": ["encryption_at_rest"]}, r("features", "encryption at rest is required; as a self-hosted single "
                                                         "server, it has none: encryption at rest", 0)),
    ({"disaster_recovery": "standby in another region"}, r(
        "features", "a standby in another region is required; as a self-hosted single server, it has none: "
                    "multiple regions", 0)),
    ({"update_rate": "continuous"}, r("features", "continuous updates and deletes are required; as a self-hosted "
                                                  "single server, it has none: updates and deletes in a live index", 0)),
    ({"license_constraint": "permissive only"}, Reason("license", "its license SSPL is not permissive", 0)),
    ({"sdk_languages": ["python", "rust", "java"]}, r("ecosystem", "no official Rust, Java client (official: Go, "
                                                                   "Python)", 0)),
])
def test_each_hard_constraint_excludes_with_its_reason_and_source(changes, expected):
    profile = engine({"backups": "full"}, license="SSPL")
    assert exclusion(profile, answers(**changes)) == expected


def test_what_the_engine_meets_does_not_exclude_it():
    profile = engine({"backups": "full", "sharding": "partial", "replication": "full", "multi_region": "partial"})
    assert exclusion(profile, answers(dimensions=4000)) is None  # float16 indexes up to 4,000
    assert exclusion(profile, answers(vectors_24m=100_000_000)) is None  # sharding needed only beyond 100M
    assert exclusion(profile, answers(vectors_24m=500_000_000, high_availability=True,
                                      disaster_recovery="standby in another region")) is None  # partial is not none
    assert exclusion(profile, answers(license_constraint="permissive only")) is None  # MIT
    assert exclusion(profile, answers(security=["data_residency"], sdk_languages=["go"])) is None  # not a matrix feature
    assert exclusion(engine(), answers(disaster_recovery="not needed")) is None


# -- what the answers ask for -------------------------------------------------------------------------------------
def test_the_default_answers_ask_for_six_features():
    assert wanted_features(answers()) == [("filtering", 1.0), ("hybrid_bm25", 1.0), ("deletes_updates", 1.0),
                                          ("fresh_writes", 0.5), ("zero_downtime_reindex", 1.0), ("backups", 2.0)]


def test_demanding_answers_weigh_every_feature_they_name():
    demanding = answers(filtering="heavy", hybrid_search="required", sparse_vectors="nice to have",
                        multi_vector="required", update_rate="continuous", write_visibility="within a second",
                        reindexing="regularly", disaster_recovery="standby in another region",
                        multi_tenancy="nice to have", tenants=5, tenant_sizes="uneven", vectors_24m=100_000_000,
                        security=["rbac", "tls", "audit", "data_residency", "encryption_at_rest"], sql_joins=True)
    assert wanted_features(demanding) == [
        ("filtering", 3.0), ("hybrid_bm25", 2.0), ("sparse_vectors", 1.0), ("multi_vector", 2.0),
        ("deletes_updates", 2.0), ("fresh_writes", 2.0), ("zero_downtime_reindex", 2.0), ("backups", 1.0),
        ("multi_region", 3.0), ("multi_tenancy", 3.0),  # nice to have 1 + several tenants 1 + uneven 1
        ("quantization_scalar", 1.0), ("quantization_product", 1.0), ("disk_index", 1.5),  # 307 GB of raw vectors
        ("rbac", 1.5), ("tls", 1.5), ("audit_logging", 1.5), ("encryption_at_rest", 1.5), ("sql_joins_transactions", 3.0)]
    relaxed = answers(filtering="none", update_rate="rare", write_visibility="minutes are fine", reindexing="not planned",
                      disaster_recovery="not needed", hybrid_search="not needed", tenants=5, tenant_sizes="even")
    assert wanted_features(relaxed) == [("filtering", 0.5), ("backups", 0.5), ("multi_tenancy", 1.0)]


def test_compression_is_wanted_only_beyond_64_gib_of_raw_vectors():
    at_limit = 64 * 2**30 // (1024 * 4)  # 16,777,216 vectors of 1,024 float32: exactly 64 GiB
    names = [f for f, _ in wanted_features(answers(vectors_24m=at_limit, dimensions=1024))]
    assert "disk_index" not in names
    names = [f for f, _ in wanted_features(answers(vectors_24m=at_limit + 1, dimensions=1024))]
    assert names[-3:] == ["quantization_scalar", "quantization_product", "disk_index"]


# -- features -----------------------------------------------------------------------------------------------------
def test_features_score_is_the_weighted_share_offered_with_a_reason_for_each_weighty_one():
    profile = engine({"filtering": "full", "hybrid_bm25": "partial", "deletes_updates": "full",
                      "fresh_writes": "none", "zero_downtime_reindex": "unknown", "backups": "full"})
    reasons: list[Reason] = []
    score = _features(profile, answers(), reasons)
    assert score == pytest.approx((1 + 0.5 + 1 + 0 + 0 + 2 * 1) / 6.5)
    assert reasons == [  # by weight, then by name; fresh_writes (0.5) is too light to be a reason
        r("features", "backups: backups", 2.0),
        r("features", "updates and deletes in a live index: updates and deletes in a live index", 1.0),
        r("features", "metadata filtering: metadata filtering", 1.0),
        r("features", "keyword (BM25) / hybrid search is partial: keyword (BM25) / hybrid search", -1.0),
        r("features", "switching to a rebuilt index without downtime is unknown: switching to a rebuilt index without "
                      "downtime", -1.0)]


def test_features_are_read_in_the_scenarios_mode():
    raw = copy.deepcopy(entry())  # filtering: full in general, partial embedded
    profile = _profile("x", raw)
    embedded, server = [], []
    assert _features(profile, answers(deployment="embedded"), embedded) < _features(profile, answers(), server)
    assert r("features", "metadata filtering is partial: fewer operators embedded", -1.0) in embedded
    assert r("features", "metadata filtering: read there", 1.0) in server


def test_dimensions_past_the_limit_and_many_tenants_cost_a_share_of_the_score():
    profile = engine({"backups": "full", "multi_tenancy": "partial"})
    plain = _features(profile, answers(dimensions=2000), [])
    assert plain == pytest.approx(2 / 6.5)
    reasons: list[Reason] = []
    assert _features(profile, answers(dimensions=2001), reasons) == pytest.approx(plain * 0.85)
    assert reasons[-1] == r("limits", "2,001 dimensions pass its 2,000 for float32: index them as float16 (read there)", -2)
    many = answers(tenants=1000)  # several tenants also want multi_tenancy, at weight 1
    reasons = []
    assert _features(profile, many, reasons) == pytest.approx((2 + 0.5) / 7.5 * 0.8)
    assert reasons[-1] == r("features", "1,000 tenants: multi-tenancy", -2)
    assert _features(profile, answers(tenants=999), []) == pytest.approx((2 + 0.5) / 7.5)
    assert _features(engine({"multi_tenancy": "full"}), answers(tenants=1000), []) == pytest.approx(1 / 7.5)


# -- operations ---------------------------------------------------------------------------------------------------
def test_operations_weigh_the_burden_of_the_mode_against_the_teams_skills():
    profile = engine({"backups": "full", "zero_downtime_reindex": "partial"}, {"single_server": "full", "cluster": "full"})
    routine = 0.3 * (1 + 0.5) / 2
    reasons: list[Reason] = []
    assert _operations(profile, answers(), reasons) == pytest.approx(0.7 * 0.75 + routine)  # some skills, one server
    assert reasons == []
    reasons = []
    assert _operations(profile, answers(ops_skills="none"), reasons) == pytest.approx(0.7 * 0.55 + routine)
    assert reasons == [r("operations", "as a self-hosted single server to run with none operations skills", -2)]
    assert _operations(profile, answers(deployment="cluster", ops_skills="strong"), []) == pytest.approx(0.7 * 0.9 + routine)
    reasons = []
    assert _operations(profile, answers(deployment="cluster", ops_skills="some"), reasons) == pytest.approx(
        0.7 * 0.5 + routine)
    assert reasons == [r("operations", "as a self-hosted cluster to run with some operations skills", -2)]
    assert _operations(profile, answers(deployment="cluster", ops_skills="none"), []) == pytest.approx(0.7 * 0.1 + routine)


def test_an_embedded_or_bought_engine_is_nothing_to_run_and_a_partial_mode_counts_three_quarters():
    profile = engine({"backups": "full"}, {"managed_cloud": "full"})
    reasons: list[Reason] = []
    assert _operations(profile, answers(deployment="embedded", ops_skills="none"), reasons) == pytest.approx(0.7 + 0.15)
    assert reasons == [r("operations", "embedded in the application: read there", 2)]
    reasons = []
    assert _operations(profile, answers(deployment="managed_cloud"), reasons) == pytest.approx(0.85)
    assert reasons == [r("operations", "as a managed cloud service: managed cloud service mode", 2)]
    reasons = []  # single_server is partial ("beta"): 1 - 0.25 = 0.75, then x 0.75
    assert _operations(profile, answers(), reasons) == pytest.approx(0.7 * 0.75 * 0.75 + 0.15)
    assert reasons == [r("operations", "as a self-hosted single server only in part: beta", -1.5)]


def test_running_inside_an_existing_postgres_lifts_one_level_of_burden():
    profile = engine({"backups": "full"}, {"single_server": "full", "cluster": "full"}, traits=["runs_in_postgres"])
    reasons: list[Reason] = []
    assert _operations(profile, answers(existing_postgres=True, ops_skills="none"), reasons) == pytest.approx(0.85)
    assert reasons == [r("operations", "runs inside the PostgreSQL you already operate, back up and secure", 3)]
    assert _operations(profile, answers(existing_postgres=True, deployment="cluster", ops_skills="none"),
                       []) == pytest.approx(0.7 * 0.55 + 0.15)
    assert _operations(profile, answers(existing_postgres=False, ops_skills="none"), []) == pytest.approx(0.7 * 0.55 + 0.15)
    reasons = []  # embedded: there is no PostgreSQL to reuse
    _operations(profile, answers(existing_postgres=True, deployment="embedded"), reasons)
    assert reasons == [r("operations", "embedded in the application: read there", 2)]


def test_a_library_leaves_continuous_updates_to_the_application():
    library = engine({"backups": "full", "deletes_updates": "partial"})
    reasons: list[Reason] = []
    assert _operations(library, answers(deployment="embedded", update_rate="continuous"), reasons) == pytest.approx(
        0.85 * 0.6)
    assert reasons[-1] == r("operations", "a library: continuous updates are yours to manage (updates and deletes in a "
                                          "live index)", -2)
    assert _operations(library, answers(deployment="embedded", update_rate="hourly"), []) == pytest.approx(0.85)
    server = engine({"backups": "full"}, traits=[])
    assert _operations(server, answers(deployment="embedded", update_rate="continuous"), []) == pytest.approx(0.85)


# -- scalability --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("sharding", "vectors", "score", "reason"), [
    ("full", 50_000_000, 1.0, None),
    ("full", 50_000_001, 1.0, r("scalability", "shards to 50,000,001 vectors (sharding)", 2)),
    ("partial", 50_000_000, 0.9, None),
    ("partial", 50_000_001, 0.6, None),
    ("none", 10_000_000, 1.0, None),
    ("none", 10_000_001, 0.6, r("scalability", "10,000,001 vectors on a single node: sharding", -2)),
    ("none", 50_000_000, 0.6, r("scalability", "50,000,000 vectors on a single node: sharding", -2)),
    ("none", 50_000_001, 0.3, r("scalability", "50,000,001 vectors on a single node: sharding", -2)),
])
def test_scalability_follows_sharding_and_the_vectors_in_24_months(sharding, vectors, score, reason):
    reasons: list[Reason] = []
    assert _scalability(engine({"sharding": sharding}), answers(vectors_24m=vectors), reasons) == score
    assert reasons == ([reason] if reason else [])


def test_high_availability_averages_scalability_with_replication():
    profile = engine({"sharding": "full", "replication": "partial"})
    assert _scalability(profile, answers(high_availability=True), []) == pytest.approx(0.75)
    assert _scalability(profile, answers(high_availability=False), []) == 1.0


# -- ecosystem ----------------------------------------------------------------------------------------------------
def test_ecosystem_scores_only_the_clients_and_integrations_asked_for():
    profile = engine({"langchain": "full", "llamaindex": "partial"})
    reasons: list[Reason] = []
    assert _ecosystem(profile, answers(sdk_languages=[], integrations=[]), reasons) == 1.0 and reasons == []
    score = _ecosystem(profile, answers(sdk_languages=["python", "go", "rust"], integrations=["langchain", "llamaindex"]),
                       reasons)
    assert score == pytest.approx((1 + 0.5 + 1 + 0.5) / 4)  # rust: no client, which exclusion handles
    assert reasons == [r("ecosystem", "Go client is partial: community", -1),
                       r("ecosystem", "LlamaIndex integration is partial: LlamaIndex", -1),
                       r("ecosystem", "has the Python client, LangChain integration you asked for", 0.5)]
    reasons = []
    assert _ecosystem(profile, answers(sdk_languages=["go"]), reasons) == 0.5
    assert reasons == [r("ecosystem", "Go client is partial: community", -1)]


# -- measured performance -----------------------------------------------------------------------------------------
def test_the_context_says_where_and_with_how_many_clients_it_was_measured():
    assert Measured(1.0, 1.0, 1.0, "r1").context() == "embedded, in-process, one client, run r1"
    assert Measured(1.0, 1.0, 1.0, "r2", deployment="server", endpoint="http://h:1", concurrency=8).context() == (
        "as a server over http://h:1, 8 clients, run r2")


def test_unmeasured_noisy_and_unreached_engines_are_said_so_and_not_ranked_on_speed():
    reasons: list[Reason] = []
    assert _performance("x", {}, answers(), reasons) == (None, "unverified")
    assert reasons == [Reason("performance", "unverified: not measured here; run it to include measured evidence", -0.5)]
    reasons = []
    noisy = {"x": Measured(900.0, 1.0, 0.99, "r1", noise="other processes used 40 %")}
    assert _performance("x", noisy, answers(), reasons) == (None, "noisy")
    assert reasons == [Reason("performance", "not scored: measured under noise (other processes used 40 %); measure "
                                             "again on a quiet machine", -1, "run r1"),
                       Reason("performance", "indicative only: measured embedded, judged as a self-hosted single "
                                             "server; counts at half weight", -0.5, "run r1")]
    reasons = []
    assert _performance("x", noisy, answers(deployment="embedded"), reasons) == (None, "noisy") and len(reasons) == 1
    # a target missed is said as missed, noise or not: recall is a fact of the answers, not of the clock
    noisy_miss = {"x": Measured(None, None, 0.936, "r1", noise="other processes used 40 %")}
    assert _performance("x", noisy_miss, answers(deployment="embedded"), reasons := []) == (0.0, "noisy")
    assert reasons[0].text.startswith("never reached recall 0.95 (best 0.936") and len(reasons) == 1
    reasons = []
    unreached = {"x": Measured(None, None, 0.8123, "r1")}
    assert _performance("x", unreached, answers(), reasons) == (0.0, "indicative")
    assert reasons == [Reason("performance", "never reached recall 0.95 (best 0.812; embedded, in-process, one client, "
                                             "run r1)", -3, "run r1"),
                       Reason("performance", "indicative only: measured embedded, judged as a self-hosted single "
                                             "server; counts at half weight", -0.5, "run r1")]
    assert _performance("x", unreached, answers(deployment="embedded"), []) == (0.0, "measured")


def test_performance_is_the_geometric_mean_of_qps_and_p95_relative_to_the_best_clean_engine():
    measured = {"x": Measured(500.0, 4.0, 0.97, "r1", deployment="server", endpoint="http://h"),
                "y": Measured(1000.0, 2.0, 0.96, "r2", deployment="server", endpoint="http://h"),
                "fast but noisy": Measured(9000.0, 0.1, 0.99, "r3", noise="n")}
    reasons: list[Reason] = []
    score, evidence = _performance("x", measured, answers(), reasons)
    assert (score, evidence) == (pytest.approx(0.5), "measured")  # sqrt(500/1000 x 2/4)
    assert reasons == [Reason("performance", "500 QPS, p95 4.00 ms at recall ≥ 0.95 (as a server over http://h, one "
                                             "client, run r1); single client: not yet measured at the peak load", 2,
                              "run r1")]
    assert _performance("y", measured, answers(), [])[0] == pytest.approx(1.0)
    slow = {**measured, "x": Measured(100.0, 2.0, 0.97, "r1", deployment="server")}
    reasons = []
    assert _performance("x", slow, answers(peak_qps=1), reasons)[0] == pytest.approx(0.1 ** 0.5)  # 0.316: below half
    assert reasons[-1].weight == -1 and not reasons[-1].text.endswith("peak load")
    no_latency = {"x": Measured(250.0, None, 0.97, "r1", deployment="server"), "y": measured["y"]}
    assert _performance("x", no_latency, answers(), [])[0] == pytest.approx(0.25)  # QPS alone


def test_a_missed_latency_target_an_unreached_peak_and_another_deployment_are_each_said():
    server = Measured(500.0, 4.0, 0.97, "r1", deployment="server", endpoint="http://h")
    reasons: list[Reason] = []
    _performance("x", {"x": server}, answers(latency_p95_ms=3.5), reasons)
    assert reasons[0] == Reason("performance", "p95 4.00 ms misses the 3.5 ms target", -3, "run r1")
    assert _performance("x", {"x": server}, answers(latency_p95_ms=4.0), []) == (1.0, "measured")
    reasons = []
    assert _performance("x", {"x": server}, answers(deployment="embedded", latency_p95_ms=1), reasons) == (1.0, "indicative")
    assert reasons[0] == Reason("performance", "indicative only: measured as a server over http://h, judged embedded in "
                                               "the application; counts at half weight", -0.5, "run r1")
    assert len(reasons) == 2  # the latency target is not judged on a measurement from elsewhere
    loaded = Measured(800.0, 4.0, 0.97, "r1", deployment="server", concurrency=4)
    reasons = []
    _performance("x", {"x": loaded}, answers(peak_qps=1000), reasons)
    assert reasons[0] == Reason("performance", "carried 800 QPS at most, below the peak 1,000", -2, "run r1")
    assert not reasons[1].text.endswith("peak load")
    reasons = []
    _performance("x", {"x": loaded}, answers(peak_qps=800), reasons)
    assert [reason.weight for reason in reasons] == [2]


# -- cost and the combination -------------------------------------------------------------------------------------
def test_cost_is_relative_to_the_cheapest_and_says_when_it_passes_the_budget():
    costs = {"x": 2000.0, "y": 1000.0, "free": 0.0}
    reasons: list[Reason] = []
    assert _cost("x", costs, answers(budget_per_month=1000.0), reasons) == 0.0  # the cheapest costs $0
    assert reasons == [Reason("cost", "about $2,000/month self-hosted, over the $1,000 budget", -3)]
    costs = {"x": 2000.0, "y": 1000.0}
    reasons = []
    assert _cost("y", costs, answers(budget_per_month=1000.0), reasons) == 1.0
    assert reasons == [Reason("cost", "about $1,000/month self-hosted at today's scale", 1)]
    reasons = []
    assert _cost("x", costs, answers(budget_per_month=0.0, deployment="managed_cloud"), reasons) == 0.5
    assert reasons == [Reason("cost", "about $2,000/month self-hosted equivalent (managed list prices on the Cost page) "
                                      "at today's scale", 1)]
    assert _cost("z", costs, answers(), []) is None
    assert _cost("free", {"free": 0.0}, answers(), []) == 1.0


def test_the_combination_is_a_priority_weighted_mean_of_the_scored_criteria():
    priorities = {"features": 4.0, "operations": 0.0, "scalability": 2.0, "ecosystem": 1.0, "performance": 4.0,
                  "cost": 2.0}
    criteria = {"features": 0.5, "operations": 1.0, "scalability": 1.0, "ecosystem": None, "performance": 0.25,
                "cost": 1.0}
    # operations has priority 0 and ecosystem no score: neither counts
    assert _combine(criteria, priorities, {}) == pytest.approx((4 * 0.5 + 2 * 1 + 4 * 0.25 + 2 * 1) / 12)
    assert _combine(criteria, priorities, {"performance": 0.5}) == pytest.approx((4 * 0.5 + 2 + 2 * 0.25 + 2) / 10)
    assert _combine({"features": None}, priorities, {}) == 0.0
    assert _combine({"operations": 1.0}, priorities, {}) == 0.0


# -- the verdict, its sentence and the documents ----------------------------------------------------------------
def verdict(name, score, evidence="measured", **criteria):
    from vectorscout.decision.recommend import EngineVerdict

    return EngineVerdict(name.lower(), name, "single_server", score, None, criteria, evidence=evidence)


def test_the_verdict_sentence_names_the_best_a_tie_and_what_separates_it():
    from vectorscout.decision.recommend import verdict_sentence

    assert verdict_sentence([]) == "No engine meets every hard constraint: see the warnings and the exclusions."
    assert verdict_sentence([verdict("A", 0.8123)]) == "A fits best (score 0.81 of 1)."
    a = verdict("A", 0.80, features=0.9, operations=0.5, cost=0.7, performance=1.0)
    b = verdict("B", 0.79, features=0.6, operations=0.5, cost=0.8, performance=None)
    assert verdict_sentence([a, b]) == (
        "A tie: A and B score within 0.02 of each other (0.800 vs 0.790); what separates A and B: performance: A 1.00, "
        "B 0.00; features: A 0.90, B 0.60.")
    c = verdict("C", 0.785, features=0.9)
    same = verdict("A", 0.8, features=0.9)
    assert verdict_sentence([same, c]) == ("A tie: A and C score within 0.02 of each other (0.800 vs 0.785); what "
                                           "separates A and C: the same score on every criterion.")
    assert verdict_sentence([a, b, c]).startswith("A tie: A, B, C score within 0.02")


def test_an_unmeasured_engine_scoring_higher_is_named_to_be_measured_first():
    from vectorscout.decision.recommend import verdict_sentence

    best = verdict("A", 0.7)
    assert verdict_sentence([best], [verdict("U", 0.756, "unverified")]) == (
        "A fits best (score 0.70 of 1) among the engines measured for this scenario; U (0.76, unverified) scores "
        "higher without a clean measurement: measure it before choosing it.")
    assert verdict_sentence([best], [verdict("U", 0.8, "unverified"), verdict("N", 0.75, "noisy")]) == (
        "A fits best (score 0.70 of 1) among the engines measured for this scenario; U (0.80, unverified), N (0.75, "
        "noisy) score higher without a clean measurement: measure them before choosing them.")


def test_a_reason_and_a_verdict_are_written_without_their_internal_weights():
    reason = Reason("cost", "about $1/month", 1.0, "run r1")
    assert reason.public() == {"criterion": "cost", "text": "about $1/month", "source": "run r1"}
    assert str(reason) == "cost: about $1/month [run r1]" and str(Reason("cost", "t", 1.0)) == "cost: t"
    v = verdict("A", 0.5, features=0.5)
    v.reasons_for, v.reasons_against = [reason], [Reason("features", "none", -1.0, URL)]
    document = v.to_dict()
    assert document["reasons_for"] == [reason.public()]
    assert document["reasons_against"] == [{"criterion": "features", "text": "none", "source": URL}]
    assert {k: document[k] for k in ("engine", "name", "score", "excluded", "criteria", "evidence")} == {
        "engine": "a", "name": "A", "score": 0.5, "excluded": None, "criteria": {"features": 0.5}, "evidence": "measured"}


def test_sensitivity_finds_the_smallest_single_priority_change_that_swaps_the_top_two():
    from vectorscout.decision.recommend import sensitivity

    scenario = Scenario("t", {})  # features 4, performance 4
    first = verdict("A", 0.8, features=1.0, performance=0.6)
    second = verdict("B", 0.75, features=0.5, performance=1.0)
    # lowering features to w: B leads when 0.5w + 4 > w + 2.4, i.e. w < 3.2; raising performance never passes (5 ties)
    assert sensitivity(scenario, [first, second]) == (
        "Lowering the priority of features from 4 to 3 is the smallest single change that puts B ahead of A.")
    # with features at 5 and performance at 0.5, A leads by 5 x 0.08 - 0.5 x 0.5 = 0.15: performance at 1 undoes it
    leaning = Scenario("t", {}, priorities={"features": 5.0, "performance": 0.5})
    assert sensitivity(leaning, [verdict("A", 0.9, features=1.0, performance=0.5),
                                 verdict("B", 0.8, features=0.92, performance=1.0)]) == (
        "Raising the priority of performance from 0.5 to 1 is the smallest single change that puts B ahead of A.")
    assert sensitivity(scenario, [verdict("A", 0.9, features=1.0, performance=1.0), verdict("B", 0.5, features=0.5,
                                                                                           performance=0.5)]) == (
        "No single priority change within 0..5 puts B ahead of A.")
    assert sensitivity(scenario, [first]) == "Fewer than two engines remain: no priority change alters the outcome."
    half = verdict("B", 0.75, features=0.5, performance=1.0)
    # measured elsewhere, B's performance counts half: at features 2, A (2 + 2.4) / 6 = 0.733, B (1 + 2) / 4 = 0.75
    half.weights = {"performance": 0.5}
    assert sensitivity(scenario, [first, half]) == (
        "Lowering the priority of features from 4 to 2 is the smallest single change that puts B ahead of A.")


def test_a_row_of_an_engine_this_installation_no_longer_knows_is_taken_as_embedded():
    from vectorscout.decision.recommend import measured_at_target
    from vectorscout.results.records import ResultRow

    row = ResultRow(engine="retired", status="ok", index="hnsw", build_params={}, search_params={}, recall=0.99,
                    qps=100.0, latency_p95_ms=2.0)
    run = recommendation_run([row])
    found = measured_at_target([run], 0.95)["retired"]
    assert (found.deployment, found.endpoint, found.qps, found.run_id) == ("embedded", "in-process", 100.0, "r1")


def test_the_recommendation_document_carries_every_part_under_its_name():
    from vectorscout.decision.recommend import recommend

    recommendation = recommend(Scenario("t", {"dimensions": 2001}))
    document = recommendation.to_dict()
    assert set(document) == {"scenario", "deployment", "warnings", "verdict", "top_group", "sensitivity", "ranking",
                             "evidence_reach"}
    assert (document["scenario"], document["deployment"], document["verdict"], document["top_group"],
            document["sensitivity"]) == ("t", "single_server", recommendation.verdict, recommendation.top_group,
                                         recommendation.sensitivity)
    assert document["warnings"] == [{"text": w.text, "source": w.source} for w in recommendation.warnings] != []
    assert document["ranking"] == [v.to_dict() for v in recommendation.ranking]


def test_an_excluded_engine_is_written_with_its_one_reason_and_no_scores():
    from vectorscout.decision.recommend import recommend

    ranking = recommend(Scenario("t", {"deployment": "embedded"})).ranking
    pgvector = next(v for v in ranking if v.engine == "pgvector")
    why = ("does not run embedded in the application: a PostgreSQL extension: it runs inside a PostgreSQL server, "
           "not in the application process")
    assert pgvector.reasons_against == [Reason("excluded", why, 0, "https://github.com/pgvector/pgvector")]
    assert pgvector.to_dict() == {
        "engine": "pgvector", "name": "pgvector (PostgreSQL)", "deployment": "embedded", "score": None, "excluded": why,
        "criteria": {}, "reasons_for": [],
        "reasons_against": [{"criterion": "excluded", "text": why, "source": "https://github.com/pgvector/pgvector"}],
        "evidence": "—", "excluded_source": "https://github.com/pgvector/pgvector", "weights": {}}


def test_only_a_measurement_from_another_deployment_counts_at_half_weight():
    from vectorscout.decision.recommend import recommend

    run = recommendation_run([measured_row("qdrant", 900.0)])
    embedded = next(v for v in recommend(Scenario("t", {"deployment": "embedded"}), [run]).ranking if v.engine == "qdrant")
    assert (embedded.evidence, embedded.weights) == ("measured", {})
    server = next(v for v in recommend(Scenario("t", {}), [run]).ranking if v.engine == "qdrant")
    assert (server.evidence, server.weights) == ("indicative", {"performance": 0.5})
    # the score is the priority-weighted mean of the criteria, performance's priority halved: worked out here
    scenario = Scenario("t", {})
    weights = {c: scenario.priorities[c] * (0.5 if c == "performance" else 1.0)
               for c, value in server.criteria.items() if value is not None}
    by_hand = sum(weights[c] * server.criteria[c] for c in weights) / sum(weights.values())
    assert server.score == pytest.approx(by_hand, abs=1e-4) and server.criteria["performance"] is not None
    full = sum(scenario.priorities[c] * server.criteria[c] for c in weights) / sum(scenario.priorities[c] for c in weights)
    assert abs(server.score - full) > 1e-3  # the halving moves the score


def test_every_criterion_reads_the_cell_of_the_scenarios_mode():
    raw = copy.deepcopy(entry())
    raw["modes"]["cluster"] = cell("full", "cluster mode")
    raw["features"] = {name: cell("none", term(name)) for name in FEATURES}
    for feature in ("multi_tenancy", "backups", "zero_downtime_reindex", "deletes_updates", "sharding", "replication",
                    "langchain"):
        raw["features"][feature] = {"any": cell("none", f"{term(feature)} elsewhere"),
                                   "cluster": cell("full", term(feature))}
    profile = _profile("x", raw)
    cluster = answers(deployment="cluster", ops_skills="strong", tenants=1000, multi_tenancy="required",
                      vectors_24m=60_000_000, high_availability=True, integrations=["langchain"], sdk_languages=[])
    reasons: list[Reason] = []
    _features(profile, cluster, reasons)
    assert not any("tenants" in reason.text for reason in reasons)  # multi-tenancy is full in a cluster
    assert _operations(profile, cluster, []) == pytest.approx(0.7 * 0.9 + 0.3)  # backups and reindexing full there
    assert _scalability(profile, cluster, []) == 1.0  # sharded and replicated in a cluster
    assert _ecosystem(profile, cluster, []) == 1.0
    library = copy.deepcopy(raw)
    library["modes"]["embedded"] = cell("full")
    reasons = []
    _operations(_profile("x", library), answers(deployment="cluster", update_rate="continuous"), reasons)
    assert reasons[-1].text == "a library: continuous updates are yours to manage (updates and deletes in a live index)"


def test_reasons_are_ordered_by_weight_before_name_and_labelled_in_words():
    profile = engine({"sql_joins_transactions": "full", "backups": "full", "multi_tenancy": "partial"})
    reasons: list[Reason] = []
    _features(profile, answers(sql_joins=True, multi_tenancy="required", tenants=2), reasons)
    assert [(r.text.split(":")[0], r.weight) for r in reasons][:3] == [
        ("multi-tenancy is partial", -3.0), ("SQL joins and transactions", 3.0), ("backups", 2.0)]  # 3, 3 by name
    assert ("multi_tenancy", 3.0) in wanted_features(answers(multi_tenancy="required", tenants=2))  # 2 + several


def test_the_performance_reason_at_its_edges():
    server = Measured(500.0, None, 0.97, "r1", deployment="server", endpoint="http://h")
    reasons: list[Reason] = []
    _performance("x", {"x": server}, answers(), reasons)
    assert reasons[-1].text.startswith("500 QPS, p95 not measured at recall ≥ 0.95")
    exact = Measured(500.0, 4.0, 0.97, "r1", deployment="server", endpoint="http://h")
    reasons = []
    _performance("x", {"x": exact}, answers(latency_p95_ms=4.0, peak_qps=2), reasons)
    assert [r.weight for r in reasons] == [2]  # p95 exactly at the target meets it
    assert reasons[0].text.endswith("; single client: not yet measured at the peak load")
    reasons = []
    _performance("x", {"x": exact}, answers(peak_qps=1000), reasons)  # serial and below the peak: not "carried"
    assert [r.weight for r in reasons] == [2]
    two = Measured(500.0, 4.0, 0.97, "r1", deployment="server", concurrency=2)
    reasons = []
    _performance("x", {"x": two}, answers(peak_qps=1000), reasons)
    assert reasons[0].text == "carried 500 QPS at most, below the peak 1,000"
    assert _cost("x", {"x": 0.5, "y": 0.25}, answers(), []) == 0.5


def test_the_measurement_taken_per_engine_by_hand():
    from vectorscout.decision.recommend import measured_at_target
    from vectorscout.results.records import ResultRow

    def row(engine, recall, qps, p95=2.0, concurrency=1, **changes):
        return ResultRow(engine=engine, status="ok", index="hnsw", build_params={}, search_params={}, recall=recall,
                         qps=qps, latency_p95_ms=p95, concurrency=concurrency, deployment="embedded",
                         endpoint="in-process", **changes)

    rows = [row("never", 0.0, 9e9), row("never", 0.9, 10.0), row("never", 0.8, 10.0),  # first: never reaches
            row("serial", 0.95, 100.0), row("serial", 0.99, 500.0, noise=""), row("serial", 0.97, 300.0),
            row("loaded", 0.99, 900.0, p95=9.0, concurrency=2), row("loaded", 0.99, 1000.0, p95=None, concurrency=8),
            row("loaded", 0.99, 1000.0, p95=5.0, concurrency=4), row("loaded", 0.99, 2000.0, p95=1.0),
            row("pair", 0.99, 700.0, p95=3.0, concurrency=2), row("pair", 0.99, 2000.0, p95=1.0)]
    run = recommendation_run(rows)
    found = measured_at_target([run], 0.95, peak_qps=1000.0)
    assert found["never"] == Measured(None, None, 0.9, "r1", "", "embedded", "in-process", 1)
    assert found["serial"] == Measured(500.0, 2.0, 0.99, "r1", "", "embedded", "in-process", 1)
    # concurrent rows decide when there are any: of those carrying exactly the peak or more, the lowest p95
    # (a missing p95 last); the serial 2,000 QPS does not count
    assert found["loaded"] == Measured(1000.0, 5.0, 0.99, "r1", "", "embedded", "in-process", 4)
    assert found["pair"].concurrency == 2  # two clients are concurrent load too
    below_peak = measured_at_target([run], 0.95, peak_qps=5000.0)["loaded"]
    assert (below_peak.qps, below_peak.concurrency) == (1000.0, 8)  # none carries it: the highest QPS (first of ties)
    at_target = measured_at_target([run], 0.99, peak_qps=0.0)["serial"]
    assert at_target.recall == 0.99 and at_target.qps == 500.0  # exactly at the target counts


def recommendation_run(rows):
    from vectorscout.results.records import DatasetInfo, Environment, Run

    return Run(run_id="r1", created_at="2026-11-25T00:00:00+00:00", status="finished", k=10,
               dataset=DatasetInfo(name="d", n=1000, dim=8, queries=10, metric="l2"), plan={},
               environment=Environment(cores=2), results=rows)


def measured_row(engine, qps, deployment="embedded", endpoint="in-process", p95=2.0):
    from vectorscout.results.records import ResultRow

    return ResultRow(engine=engine, status="ok", index="hnsw", build_params={}, search_params={}, recall=0.99, qps=qps,
                     latency_p95_ms=p95, deployment=deployment, endpoint=endpoint)


def test_the_verdict_is_drawn_from_measured_engines_and_names_the_unmeasured_ones_ahead():
    from vectorscout.decision.recommend import recommend

    # only Chroma was measured (embedded, so indicative for a single server): it leads the verdict although
    # four engines score higher on their documentation alone, and those are named to be measured first
    recommendation = recommend(Scenario("t", {}), [recommendation_run([measured_row("chroma", 900.0)])])
    assert recommendation.top_group == ["chroma"]
    chroma = next(v for v in recommendation.ranking if v.engine == "chroma")
    ahead = [v for v in recommendation.ranking if v.score is not None and v.engine != "chroma"]
    assert len(ahead) == 4 and all(v.score > chroma.score for v in ahead)
    assert recommendation.verdict.startswith("Chroma fits best (score ")
    assert " among the engines measured for this scenario; " in recommendation.verdict
    assert all(f"{v.name} ({v.score:.2f}, unverified)" in recommendation.verdict for v in ahead)
    for verdict in recommendation.ranking:
        if verdict.score is not None:
            assert verdict.excluded_source == "" and verdict.score == round(verdict.score, 6)
            assert all(value is None or value == round(value, 4) for value in verdict.criteria.values())
            assert [r.weight for r in verdict.reasons_for] == sorted((r.weight for r in verdict.reasons_for),
                                                                     reverse=True)
            assert all(r.weight > 0 for r in verdict.reasons_for) and all(r.weight < 0 for r in verdict.reasons_against)
            assert len(verdict.reasons_for) <= 5 and len(verdict.reasons_against) <= 5


def test_an_engine_measured_both_ways_is_judged_on_the_rows_of_the_scenarios_deployment():
    from vectorscout.decision.recommend import recommend

    rows = [measured_row("chroma", 900.0), measured_row("chroma", 5000.0, "server", "http://127.0.0.1:8000", 0.5)]
    embedded = recommend(Scenario("t", {"deployment": "embedded"}), [recommendation_run(rows)])
    chroma = next(v for v in embedded.ranking if v.engine == "chroma")
    assert chroma.evidence == "measured" and chroma.reasons_for[0].text.startswith("900 QPS, p95 2.00 ms")
    server = recommend(Scenario("t", {}), [recommendation_run(rows)])
    chroma = next(v for v in server.ranking if v.engine == "chroma")
    assert chroma.evidence == "measured" and any(r.text.startswith("5,000 QPS") for r in chroma.reasons_for)
