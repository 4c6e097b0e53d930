"""The cost model on hand-computed examples: memory-, throughput- and availability-bound sizing."""

import json
import math

import pytest

from vectorscout.cli import main
from vectorscout.decision.cost import (
    CostError,
    PriceTable,
    coerce_assumptions,
    cost_report,
    default_prices,
    fit_memory,
    load_prices,
    parse_prices,
    reset_prices,
    save_prices,
    scale_curve,
    scaled_prices,
    sensitivity,
)
from vectorscout.decision.recommend import Scenario, recommend
from vectorscout.results.records import DatasetInfo, Environment, ResultRow, Run
from vectorscout.results.store import ResultsStore

# One 4-vCPU, 16 GiB node at $1/hour; disk at $0.10 per GiB-month; 730 hours a month.
PRICES = parse_prices({
    "hours_per_month": 730,
    "instances": [{"name": "node16", "provider": "test", "region": "r", "vcpu": 4, "ram_gb": 16, "usd_per_hour": 1.0,
                   "as_of": "2026-11", "source": "test"}],
    "storage": [{"provider": "test", "region": "r", "name": "ssd", "usd_per_gb_month": 0.10, "as_of": "2026-11",
                 "source": "test"}],
    "managed": [{"name": "Hosted", "engine": "faiss", "provider": "test", "region": "r", "usd_per_unit_hour": 0.5,
                 "vectors_768d_per_unit": 1_000_000, "as_of": "2026-11", "source": "test"}],
})
ASSUME = {"provider": "test"}  # headroom 0.25 and 1 GiB overhead: 16 * 0.75 - 1 = 11 GiB usable per node
MIB = 2**20
BYTES_PER_VECTOR = 100 * MIB / 100_000  # 1,048.576 B: 100 MB above the empty engine for 100k vectors


def measured_run(engine="faiss", n=100_000, dim=128, qps=1000.0, recall=0.99, used_mb=100.0, disk_bpv=600.0,
                 run_id="r1", concurrency=1, cores=2):
    stages = [{"stage": "open", "wall_s": 0.1, "rss_mb": 100.0}, {"stage": "insert", "wall_s": 1.0, "rss_mb": 100.0 + used_mb}]
    row = ResultRow(engine=engine, status="ok", index="hnsw", build_params={}, search_params={"ef": 64}, recall=recall,
                    qps=qps, latency_p95_ms=1.0, insert_s=10.0, index_s=10.0, disk_bytes_per_vector=disk_bpv,
                    stages=stages, concurrency=concurrency)
    return Run(run_id=run_id, created_at="2026-11-25T00:00:00+00:00", status="finished", k=10,
               dataset=DatasetInfo(name="d", n=n, dim=dim, queries=1000, metric="l2"), plan={},
               environment=Environment(cores=cores), results=[row])


def answers(**changes):
    return Scenario("t", {"vectors_now": 100_000_000, "vectors_24m": 200_000_000, "dimensions": 128, "peak_qps": 100,
                          "recall_target": 0.95, **changes}).answers


def test_memory_bound():
    report = cost_report(answers(), [measured_run()], ASSUME, PRICES)
    sizing = report.estimates[0].sizing
    data_gib = 100_000_000 * BYTES_PER_VECTOR / 2**30  # 97.66 GiB
    assert sizing.nodes_by == {"memory": math.ceil(data_gib / 11), "throughput": 1, "availability": 9}
    assert (sizing.nodes, sizing.bound_by) == (9, "memory")
    storage = 100_000_000 * 600 / 2**30 * 0.10
    assert sizing.usd_per_month == pytest.approx(9 * 730 + storage)
    queries_millions = 100 * 0.3 * 3600 * 730 / 1e6
    assert sizing.usd_per_million_queries == pytest.approx((9 * 730 + storage) / queries_millions)


def test_throughput_bound():
    # 1,000 QPS per core x 4 vCPU x 60 % = 2,400 QPS per node; 10,000 QPS needs 5 nodes
    sizing = cost_report(answers(vectors_now=1_000_000, peak_qps=10_000), [measured_run()], ASSUME, PRICES).estimates[0].sizing
    assert (sizing.nodes, sizing.bound_by) == (5, "throughput")
    assert sizing.usd_compute == pytest.approx(5 * 730)


def test_availability_bound():
    sizing = cost_report(answers(vectors_now=1_000_000, peak_qps=10, high_availability=True), [measured_run()], ASSUME,
                         PRICES).estimates[0].sizing
    assert sizing.nodes_by == {"memory": 1, "throughput": 1, "availability": 2}
    assert (sizing.nodes, sizing.bound_by) == (2, "availability")
    assert sizing.usd_storage == pytest.approx(1_000_000 * 600 / 2**30 * 0.10 * 2)  # every replica holds the data


def test_changing_a_price_or_a_measurement_changes_the_result():
    base = cost_report(answers(vectors_now=1_000_000, peak_qps=10_000), [measured_run()], ASSUME, PRICES).estimates[0].sizing
    dearer = cost_report(answers(vectors_now=1_000_000, peak_qps=10_000), [measured_run()], ASSUME,
                         scaled_prices(PRICES, 2.0)).estimates[0].sizing
    assert dearer.usd_per_month == pytest.approx(2 * base.usd_per_month)
    faster = cost_report(answers(vectors_now=1_000_000, peak_qps=10_000), [measured_run(qps=2000.0)], ASSUME,
                         PRICES).estimates[0].sizing
    assert faster.nodes_by["throughput"] == 3  # 10,000 / 4,800
    wider = cost_report(answers(dimensions=256), [measured_run()], ASSUME, PRICES).estimates[0].sizing
    assert wider.nodes_by["memory"] == math.ceil(2 * 100_000_000 * BYTES_PER_VECTOR / 2**30 / 11)  # bytes grow with dim


def test_concurrent_rows_count_per_core_and_growth_is_sized_too():
    run = measured_run(qps=3000.0, concurrency=4, cores=2)  # 4 clients on 2 cores: 1,500 QPS per core
    serial = measured_run(run_id="r2")  # memory comes from serial rows
    report = cost_report(answers(vectors_now=1_000_000, peak_qps=10_000), [run, serial], ASSUME, PRICES)
    assert report.estimates[0].inputs["qps_per_core"] == pytest.approx(1500.0)
    assert report.growth[0].target["vectors"] == 200_000_000
    assert report.growth[0].sizing.nodes_by["memory"] > report.estimates[0].sizing.nodes_by["memory"]


def test_unmeasured_and_unreached_engines_are_not_zero():
    report = cost_report(answers(), [measured_run(), measured_run(engine="chroma", recall=0.5)], ASSUME, PRICES,
                         engines=["faiss", "chroma", "qdrant"])
    by_engine = {e.engine: e for e in report.estimates}
    assert by_engine["faiss"].status == "ok"
    assert by_engine["chroma"].status == "below recall target" and "never reached recall 0.95" in by_engine["chroma"].note
    assert by_engine["qdrant"].sizing is None and by_engine["qdrant"].summary()["usd_per_month"] is None


def test_memory_fit_over_runs_of_different_sizes():
    fit = fit_memory([(100_000, 150.0 * MIB), (200_000, 250.0 * MIB)])
    assert fit.slope_bytes_per_vector == pytest.approx(100 * MIB / 100_000)
    assert fit.intercept_bytes == pytest.approx(50 * MIB)
    assert "least squares over 2 runs" in fit.describe()


def test_managed_list_prices_are_separate_and_marked():
    estimate = cost_report(answers(vectors_now=3_000_000, dimensions=768), [measured_run()], ASSUME, PRICES).estimates[0]
    assert estimate.managed == [{"offer": "Hosted", "units": 3, "list_price": True, "usd_per_month": 3 * 0.5 * 730,
                                 "as_of": "2026-11", "source": "test"}]


def test_scale_curve_and_sensitivity():
    curve = scale_curve(answers(), [measured_run()], ASSUME, PRICES)
    costs = [p["usd_per_month"] for p in curve]
    assert next(p["vectors"] for p in curve) == 1_000_000 and costs == sorted(costs) and costs[-1] > costs[0]
    row = sensitivity(answers(), [measured_run()], ASSUME, PRICES)[0]
    assert row["price +50%"] == pytest.approx(1.5 * row["base"])
    assert row["bytes/vector +50%"] > row["base"] > row["bytes/vector -50%"]


def test_bad_assumptions_and_price_tables_are_refused():
    with pytest.raises(CostError, match="memory_headroom"):
        coerce_assumptions({"memory_headroom": 2})
    with pytest.raises(CostError, match="unknown cost assumption"):
        coerce_assumptions({"discount": 0.1})
    with pytest.raises(CostError, match="must be a finite number"):
        parse_prices({"instances": [{"name": "x", "provider": "p", "region": "r", "vcpu": 2, "ram_gb": 8,
                                     "usd_per_hour": -1, "as_of": "", "source": ""}]})
    with pytest.raises(CostError, match="no instance prices for provider"):
        cost_report(answers(), [measured_run()], {"provider": "nowhere"}, PRICES)


def test_user_edits_are_saved_apart_and_defaults_never_change(vectorscout_home):
    defaults = default_prices()
    assert all(i.source and i.as_of for i in defaults.instances)
    edited = PriceTable(PRICES.instances, PRICES.storage, PRICES.managed)
    save_prices(edited)
    assert load_prices().edited and load_prices().instances == PRICES.instances
    assert default_prices() == defaults  # the shipped file is untouched
    reset_prices()
    assert load_prices() == defaults


def test_cost_feeds_the_recommendation():
    scenario = Scenario("t", {"vectors_now": 1_000_000, "dimensions": 128, "peak_qps": 10, "budget_per_month": 1},
                        cost=ASSUME)
    save_prices(PRICES)
    verdicts = {v.engine: v for v in recommend(scenario, [measured_run(engine="qdrant")])}
    assert verdicts["qdrant"].criteria["cost"] == 1.0
    assert any("over the $1 budget" in reason for reason in verdicts["qdrant"].reasons_against)
    assert verdicts["chroma"].criteria["cost"] is None


def test_cli_prints_per_engine_cost(tmp_path, capsys):
    store = ResultsStore()
    store.import_run(measured_run(run_id="cost-run").to_dict())
    scenario = tmp_path / "scenario.json"
    scenario.write_text(Scenario("cli", {"vectors_now": 1_000_000, "dimensions": 128, "peak_qps": 10_000}).to_json())
    assert main(["cost", "--scenario", str(scenario), "--runs", "cost-run", "--format", "json"]) == 0
    (line,) = json.loads(capsys.readouterr().out)
    assert {"engine", "nodes", "bound_by", "usd_per_month", "usd_per_million_queries"} <= set(line)
    assert line["engine"] == "faiss" and line["bound_by"] == "throughput" and line["usd_per_month"] > 0
    assert main(["cost", "--scenario", str(scenario), "--runs", "cost-run"]) == 0
    assert "bound by throughput" in capsys.readouterr().out
    assert main(["cost", "--scenario", str(scenario), "--runs", "missing-run"]) == 2


# -- invariants: whatever the numbers, these relations must hold ---------------------------------------------
def sized(**changes):
    run_changes = {k: changes.pop(k) for k in ("qps", "used_mb", "disk_bpv", "dim") if k in changes}
    assume = {**ASSUME, **changes.pop("assume", {})}
    return cost_report(answers(**changes), [measured_run(**run_changes)], assume, PRICES).estimates[0].sizing


def test_doubling_the_vectors_doubles_the_memory_nodes():
    # 44 GiB of data per 11 GiB node: exactly 4 nodes; twice the vectors, exactly 8
    vectors = round(44 * 2**30 / BYTES_PER_VECTOR)
    one, two = sized(vectors_now=vectors), sized(vectors_now=2 * vectors)
    assert (one.nodes_by["memory"], two.nodes_by["memory"]) == (4, 8)
    assert two.usd_storage == pytest.approx(2 * one.usd_storage)


def test_replicas_multiply_every_shard():
    base = sized()
    for replicas in (2, 3, 5):
        copied = sized(assume={"replicas": replicas})
        assert copied.nodes_by["availability"] == replicas * base.nodes_by["memory"] == replicas * 9
        assert copied.usd_storage == pytest.approx(replicas * base.usd_storage)
    assert sized(high_availability=True).nodes_by["availability"] == 2 * 9  # HA without a count: two copies


def test_dimension_scales_bytes_up_and_throughput_down():
    # measured at 128 dims; a 512-d scenario has 4x the bytes per vector and a quarter of the QPS per core
    narrow = sized(vectors_now=1_000_000, peak_qps=10_000)
    wide = sized(vectors_now=1_000_000, peak_qps=10_000, dimensions=512)
    assert narrow.nodes_by["throughput"] == math.ceil(10_000 / (1000 * 4 * 0.6))  # 5
    assert wide.nodes_by["throughput"] == math.ceil(10_000 / (1000 / 4 * 4 * 0.6))  # 17
    assert wide.usd_storage == pytest.approx(4 * narrow.usd_storage)
    memory = sized(dimensions=512)
    assert memory.nodes_by["memory"] == math.ceil(4 * 100_000_000 * BYTES_PER_VECTOR / 2**30 / 11)


def test_qps_per_core_and_utilisation_scale_throughput_nodes():
    assert sized(vectors_now=1_000_000, peak_qps=24_000).nodes_by["throughput"] == 10  # 2,400 QPS per node
    assert sized(vectors_now=1_000_000, peak_qps=24_000, qps=4000.0).nodes_by["throughput"] == 3  # 9,600 per node
    assert sized(vectors_now=1_000_000, peak_qps=24_000, assume={"cpu_utilisation": 0.3}).nodes_by["throughput"] == 20


def test_headroom_and_overhead_shrink_usable_memory():
    # 16 GiB x (1 - 0.5) - 3 GiB = 5 GiB usable: 97.66 GiB of data needs 20 nodes
    assert sized(assume={"memory_headroom": 0.5, "node_overhead_gb": 3.0}).nodes_by["memory"] == 20


def test_the_cheapest_instance_wins_and_says_why():
    two = parse_prices({**PRICES.to_document(), "instances": [
        *PRICES.to_document()["instances"],
        {"name": "node64", "provider": "test", "region": "r", "vcpu": 16, "ram_gb": 64, "usd_per_hour": 3.0,
         "as_of": "2026-11", "source": "test"}]})
    estimate = cost_report(answers(), [measured_run()], ASSUME, two).estimates[0]
    # node16: 9 x $1; node64: 64 x 0.75 - 1 = 47 GiB usable, 3 x $3 = $9 per hour too: ties go to fewer nodes
    assert (estimate.sizing.instance, estimate.sizing.nodes) == ("node64", 3)
