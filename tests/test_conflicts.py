"""The warnings at the top of a recommendation: each conflict raised exactly when its answers meet, in words that
name the numbers and the way out, and never otherwise."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from test_matrix import URL, entry

from vectorscout.decision.conflicts import (
    ONE_HOST_RAW_BYTES,
    ScenarioWarning,
    _answer_conflicts,
    _limit_warnings,
    _mode_conflicts,
    contradictions,
)
from vectorscout.decision.matrix import _profile
from vectorscout.decision.scenario import Scenario

HA = ("High availability and an embedded deployment cannot hold together: an engine inside your process has no replica "
      "to fail over to. Way out: a self-hosted cluster or a managed service with replication.")
SQL = ("SQL joins and transactions with the vectors need PostgreSQL (pgvector), which runs as a server, never inside "
       "your process. Way out: a single server or a managed PostgreSQL.")
STANDBY = ("A standby in another region needs a server to replicate to; an embedded engine's files are yours to copy. "
           "Way out: a cluster or a managed service with cross-region backups.")


def answers(**changes):
    return Scenario("t", changes).record


def texts(found):
    return [text for text, _ in found]


def test_an_embedded_deployment_conflicts_with_replication_sql_and_a_remote_standby():
    conflicting = {"high_availability": True, "sql_joins": True, "disaster_recovery": "standby in another region"}
    assert _mode_conflicts(answers(deployment="embedded", **conflicting)) == [(HA, ""), (SQL, ""), (STANDBY, "")]
    for mode in ("single_server", "cluster", "managed_cloud"):
        assert _mode_conflicts(answers(deployment=mode, vectors_24m=10**10, **conflicting)) == []
    assert _mode_conflicts(answers(deployment="embedded")) == []


@pytest.mark.parametrize(("vector_type", "bytes_each"), [("float32", 4), ("float16", 2), ("int8", 1), ("binary", 1 / 8)])
def test_raw_vectors_beyond_256_gib_do_not_fit_beside_an_application(vector_type, bytes_each):
    assert ONE_HOST_RAW_BYTES == 256 * 2**30
    dims = 1024
    at_limit = int(ONE_HOST_RAW_BYTES / (dims * bytes_each))  # exactly 256 GiB: still fits
    assert _mode_conflicts(answers(deployment="embedded", vectors_24m=at_limit, dimensions=dims,
                                   vector_type=vector_type)) == []
    over = answers(deployment="embedded", vectors_24m=at_limit + 1024, dimensions=dims, vector_type=vector_type)
    assert texts(_mode_conflicts(over)) == [
        f"{at_limit + 1024:,} vectors x 1,024 {vector_type} is 256 GiB of raw vectors in 24 months: more than one "
        "application host holds beside its own work. Way out: a disk-based or quantized index, or a server."]


def test_answers_that_contradict_each_other_are_named_with_their_numbers():
    assert texts(_answer_conflicts(answers(vectors_now=2_000_000, vectors_24m=1_999_999, tenants=3))) == [
        "Vectors in 24 months (1,999,999) are fewer than today (2,000,000): the growth checks (sharding, the 24-month "
        "cost) use the 24-month figure as given; correct it if the data is not shrinking.",
        "3 tenants, yet multi-tenancy is 'not needed': tenant isolation is scored from the tenant count; set "
        "multi-tenancy to say how much it matters."]
    assert _answer_conflicts(answers(vectors_now=2_000_000, vectors_24m=2_000_000, tenants=1)) == []
    assert _answer_conflicts(answers(tenants=3, multi_tenancy="nice to have")) == []
    assert texts(_answer_conflicts(answers(multi_tenancy="required", tenants=1))) == [
        "Multi-tenancy is required but the number of tenants is 1: say how many tenants, so the engines' tenant models "
        "can be judged at that count."]
    assert _answer_conflicts(answers(multi_tenancy="required", tenants=2)) == []


def test_a_managed_service_meets_residency_and_licence_answers_with_a_caveat():
    managed = answers(deployment="managed_cloud", security=["data_residency"], license_constraint="permissive only")
    assert texts(_answer_conflicts(managed)) == [
        "Data residency with a managed service: confirm the vendor runs in your region (United States); self-hosting keeps the "
        "data where you put it.",
        "Permissive licenses only, with a managed service: the service is bought under the vendor's terms, not the "
        "engine's open-source license. Way out: self-host the open-source engine."]
    assert _answer_conflicts(answers(security=["data_residency"], license_constraint="permissive only")) == []


def test_a_region_the_price_table_does_not_hold_is_said_with_the_regions_it_does(vectorscout_home):
    # the shipped table prices AWS and Google Cloud in Europe and Asia-Pacific; Azure in East US only
    assert texts(_answer_conflicts(answers(cloud_region="asia_pacific"))) == []
    assert texts(_answer_conflicts(answers(cloud_provider="gcp", cloud_region="europe"))) == []
    assert texts(_answer_conflicts(answers(cloud_provider="azure", cloud_region="europe"))) == [
        "The price table holds Azure prices for eastus, not Europe, whose prices usually differ: edit the price "
        "table on the Cost page for your region."]
    from vectorscout.decision.cost import PriceTable, default_prices, save_prices

    defaults = default_prices()
    us_only = [i for i in defaults.instances if i.provider != "aws" or i.region == "us-east-1"]
    save_prices(PriceTable(tuple(us_only), defaults.storage, defaults.managed, defaults.hours_per_month,
                           regions=defaults.regions))
    assert "holds AWS prices for us-east-1, not Europe" in texts(_answer_conflicts(answers(cloud_region="europe")))[0]
    save_prices(PriceTable(tuple(i for i in defaults.instances if i.provider != "azure"), defaults.storage,
                           defaults.managed, defaults.hours_per_month))
    assert "holds Azure prices for no region, not Europe" in texts(
        _answer_conflicts(answers(cloud_provider="azure", cloud_region="europe")))[0]
    (vectorscout_home / "prices.yaml").write_text("instances: [1, 2]\n")  # a saved table that cannot be read
    assert "holds AWS prices for no region it can read, not Europe" in texts(
        _answer_conflicts(answers(cloud_region="europe")))[0]


def engine(max_dimensions: dict[str, str], traits=()):
    raw = entry()
    raw["limits"]["max_dimensions"] = {kind: f"{limit} | {kind} up to {limit} | {URL} | 2026-11-26"
                                       for kind, limit in max_dimensions.items()}
    raw["traits"] = list(traits)
    return _profile("x", raw)


def test_a_passed_dimension_limit_names_the_vector_type_that_fits_or_says_to_reduce():
    both = engine({"float32": "2000", "float16": "4000"})
    assert _limit_warnings(answers(dimensions=2000), {"x": both}) == []
    assert _limit_warnings(answers(dimensions=2001), {"x": both}) == [(
        "2,001 dimensions exceed Engine X's 2,000 for float32 indexes. Way out: float16 (float16 up to 4000), or reduce "
        "the dimensions.", URL)]
    assert texts(_limit_warnings(answers(dimensions=4001), {"x": both})) == [
        "4,001 dimensions exceed Engine X's 2,000 for float32 indexes. Way out: reduce the dimensions (e.g. a model "
        "with Matryoshka truncation)."]
    in_postgres = engine({"float32": "2000"}, traits=["runs_in_postgres"])
    assert texts(_limit_warnings(answers(dimensions=3072, existing_postgres=True), {"x": in_postgres}))[0].startswith(
        "You already run PostgreSQL, but 3,072 dimensions exceed Engine X's 2,000")
    assert texts(_limit_warnings(answers(dimensions=3072), {"x": in_postgres}))[0].startswith("3,072 dimensions")
    assert texts(_limit_warnings(answers(dimensions=3072, existing_postgres=True), {"x": both}))[0].startswith("3,072")


def verdict(engine_name, score, excluded=None):
    return SimpleNamespace(engine=engine_name, score=score, excluded=excluded)


def test_no_engine_left_and_a_budget_below_the_cheapest_are_warned():
    scenario = Scenario("t", {"budget_per_month": 1000.0})
    nothing = [verdict("a", None, "reason b"), verdict("b", None, "reason a"), verdict("c", None, "reason a")]
    assert [w.text for w in contradictions(scenario, nothing, {})] == [
        "No engine meets every hard constraint as a self-hosted single server. Relax one: reason a; reason b."]
    many = [verdict(str(i), None, f"reason {i}") for i in range(6)]
    assert contradictions(scenario, many, {})[0].text.endswith("Relax one: reason 0; reason 1; reason 2; reason 3.")
    scored = [verdict("a", 0.9), verdict("b", 0.8), verdict("c", None, "x")]
    assert [w.text for w in contradictions(scenario, scored, {"a": 1500.0, "b": 1200.0, "c": 10.0})] == [
        "The budget ($1,000/month) is below the cheapest estimate ($1,200/month self-hosted): raise it or reduce the "
        "scale, replicas or recall target."]
    assert contradictions(scenario, scored, {"a": 1500.0, "b": 1000.0}) == []  # exactly the budget: within it
    assert contradictions(Scenario("t", {"budget_per_month": 0.0}), scored, {"a": 1500.0}) == []  # no budget given
    assert contradictions(scenario, scored, {}) == []


def test_a_warning_prints_with_its_source_when_it_has_one():
    assert str(ScenarioWarning("text", "https://a")) == "text [https://a]"
    assert str(ScenarioWarning("text")) == "text"
    found = contradictions(Scenario("t", {"dimensions": 2001}), [verdict("a", 0.5)], {})
    assert [w.source for w in found if "pgvector" in w.text] == ["https://github.com/pgvector/pgvector"]


def test_answer_and_mode_conflicts_cite_no_page_and_two_tenants_are_several():
    found = (_answer_conflicts(answers(vectors_now=2, vectors_24m=1, tenants=2, cloud_region="asia_pacific",
                                       cloud_provider="azure"))
             + _answer_conflicts(answers(multi_tenancy="required", tenants=1, deployment="managed_cloud",
                                         security=["data_residency"], license_constraint="permissive only",
                                         cloud_region="asia_pacific", cloud_provider="azure"))
             + _mode_conflicts(answers(deployment="embedded", vectors_24m=10**9, high_availability=True)))
    assert len(found) == 9 and all(source == "" for _, source in found)
    assert texts(found)[1].startswith("2 tenants, yet multi-tenancy is 'not needed'")
    assert "confirm the vendor runs in your region (Asia-Pacific);" in texts(found)[4]
    scenario = Scenario("t", {"budget_per_month": 1.0})
    assert all(w.source == "" for w in contradictions(scenario, [verdict("a", None, "x")], {}))
    assert all(w.source == "" for w in contradictions(scenario, [verdict("a", 0.5)], {"a": 9.0}))


NO_RUN = ("The p95 under 50 ms at 1,500 QPS is not assessed: no run was given, so no engine's latency or throughput was "
          "measured. Run the engines (at equal recall) and choose the runs.")
NOT_AT_PEAK = ("The p95 under 50 ms at 1,500 QPS is not assessed at the peak load: no run measured an engine with "
               "concurrent clients carrying that rate (single-client latency is not latency under load). Add "
               "concurrency levels to the run.")


def test_targets_no_run_speaks_to_are_said_word_by_word():
    from vectorscout.decision.conflicts import unassessed_targets

    peak = answers(latency_p95_ms=50, peak_qps=1500)
    assert [w.text for w in unassessed_targets(peak, [])] == [NO_RUN]
    assert [w.text for w in unassessed_targets(peak, [(1, 9000.0)])] == [NOT_AT_PEAK]  # one client: not load
    assert [w.text for w in unassessed_targets(peak, [(2, 1499.9), (8, 900.0)])] == [NOT_AT_PEAK]  # none carries it
    assert unassessed_targets(peak, [(1, 100.0), (2, 1500.0)]) == []  # two clients carrying exactly the peak
    assert all(w.source == "" for w in unassessed_targets(peak, []))
    # a peak of one query a second is one client's load: single-client figures assess it; two are not
    assert unassessed_targets(answers(peak_qps=1), [(1, 5.0)]) == []
    assert len(unassessed_targets(answers(peak_qps=2), [(1, 5.0)])) == 1


def test_a_dimension_limit_is_warned_in_the_scenarios_mode():
    from test_recommend_reasons import mode_limited_engine

    profile = mode_limited_engine()
    assert _limit_warnings(answers(deployment="embedded", dimensions=1200), {"x": profile}) == [(
        "1,200 dimensions exceed Engine X's 1,000 for float32 indexes. Way out: float16 (float16 in the embedded "
        "build), or reduce the dimensions.", URL)]
    assert _limit_warnings(answers(deployment="single_server", dimensions=1200), {"x": profile}) == []


def sharded_engine(any_level: str, cluster_level: str):
    raw = entry()
    raw["features"]["sharding"] = {"any": f"{any_level} | one node | {URL} | 2026-11-26",
                                   "cluster": f"{cluster_level} | shards in the cluster build | {URL} | 2026-11-26"}
    return _profile("x", raw)


def test_a_scale_beyond_one_node_is_warned_where_the_mode_does_not_shard():
    from vectorscout.decision.conflicts import ONE_NODE_RAW_BYTES, _scale_warnings

    assert ONE_NODE_RAW_BYTES == 512 * 2**30
    at_limit = ONE_NODE_RAW_BYTES // (1024 * 4)  # 512 GiB of float32 x 1,024: one node still holds it
    partial, full = sharded_engine("none", "partial"), sharded_engine("none", "full")
    assert _scale_warnings(answers(deployment="cluster", vectors_24m=at_limit, dimensions=1024), [partial]) == []
    over = answers(deployment="cluster", vectors_24m=at_limit * 4, dimensions=1024)
    assert _scale_warnings(over, [partial, full]) == [(
        f"Engine X: {at_limit * 4:,} x 1,024 is 2.0 TiB of raw vectors in 24 months, more than one node holds, and "
        "sharding is partial as a self-hosted cluster (shards in the cluster build). It takes more than one server it "
        "does not form by itself: plan the sharding (for PostgreSQL: Citus, one index per shard with the top-k merged "
        "on the coordinator, or partitions by tenant) before choosing it.", URL)]
    single = _scale_warnings(answers(deployment="single_server", vectors_24m=at_limit * 4, dimensions=1024), [full])
    assert [text.split(" (")[0] for text, _ in single] == [
        f"Engine X: {at_limit * 4:,} x 1,024 is 2.0 TiB of raw vectors in 24 months, more than one node holds, and "
        "sharding is none as a self-hosted single server"]
    for mode in ("embedded", "managed_cloud"):  # said by the mode conflicts, or the provider's to solve
        assert _scale_warnings(answers(deployment=mode, vectors_24m=at_limit * 4, dimensions=1024), [partial]) == []
