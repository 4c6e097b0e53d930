"""The cost model on hand-computed examples: memory-, throughput- and availability-bound sizing."""

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from vectorscout.cli import main
from vectorscout.decision.cost import (
    CostError,
    PriceTable,
    coerce_assumptions,
    cost_report,
    default_prices,
    load_prices,
    parse_prices,
    reset_prices,
    save_prices,
    scale_curve,
    scaled_prices,
    sensitivity,
)
from vectorscout.decision.recommend import recommend
from vectorscout.decision.scenario import Scenario
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
                 "vectors_768d_per_unit": 1_000_000, "as_of": "2026-11", "source": "test",
                 "source_url": "https://example.test"}],
})
ASSUME = {"provider": "test"}  # headroom 0.25 and 1 GiB overhead: 16 * 0.75 - 1 = 11 GiB usable per node
MIB = 2**20
# FAISS HNSW at 128 dims, M=16, as knowledge/memory.yaml models it: vectors 4 x 128, graph 2 x 16 links of
# 4 bytes with 3 % for the upper layers. A single run's RSS never sets it (its fixed memory would count).
BYTES_PER_VECTOR = 4 * 128 + 2 * 16 * 4 * 1.03  # 643.84
DATA_GIB = 100_000_000 * BYTES_PER_VECTOR / 2**30  # 59.96 GiB for the default 100M vectors


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
    # a cluster unless a test says otherwise: the sizing by hand below shards over as many nodes as it needs
    return Scenario("t", {"vectors_now": 100_000_000, "vectors_24m": 200_000_000, "dimensions": 128, "peak_qps": 100,
                          "recall_target": 0.95, "deployment": "cluster", **changes}).record


def test_memory_bound():
    report = cost_report(answers(), [measured_run()], ASSUME, PRICES)
    sizing = report.estimates[0].sizing
    assert sizing.nodes_by == {"memory": math.ceil(DATA_GIB / 11), "throughput": 1, "availability": 1}
    assert (sizing.nodes, sizing.bound_by, sizing.copies) == (6, "memory", 1)
    assert sizing.ram_gb_per_copy == pytest.approx(DATA_GIB)
    storage = DATA_GIB * 0.10  # FAISS keeps nothing but the index: disk as modelled
    assert sizing.usd_per_month == pytest.approx(6 * 730 + storage)
    queries_millions = 100 * 0.3 * 3600 * 730 / 1e6
    assert sizing.usd_per_million_queries == pytest.approx((6 * 730 + storage) / queries_millions)
    # each of the 6 nodes holds a sixth of the 59.96 GiB: 9.99 of its 11 usable GiB (16 x 0.75 - 1)
    assert (sizing.ram_gb_per_node, sizing.usable_gb_per_node) == (16, pytest.approx(11))
    assert sizing.needed_gb_per_node == pytest.approx(DATA_GIB / 6)
    assert report.lines()[0].ram_per_node == "10.0 of 11 GiB usable"


def test_throughput_bound():
    # 1,000 QPS per core x 4 vCPU x 60 % = 2,400 QPS per node; 10,000 QPS needs 5 nodes
    sizing = cost_report(answers(vectors_now=1_000_000, peak_qps=10_000), [measured_run()], ASSUME, PRICES).estimates[0].sizing
    assert (sizing.nodes, sizing.bound_by) == (5, "throughput")
    assert sizing.usd_compute == pytest.approx(5 * 730)


def test_availability_bound():
    sizing = cost_report(answers(vectors_now=1_000_000, peak_qps=10, high_availability=True), [measured_run()], ASSUME,
                         PRICES).estimates[0].sizing
    assert sizing.nodes_by == {"memory": 1, "throughput": 1, "availability": 2}
    assert (sizing.nodes, sizing.bound_by, sizing.copies) == (2, "availability", 2)
    assert sizing.usd_storage == pytest.approx(1_000_000 * BYTES_PER_VECTOR / 2**30 * 0.10 * 2)  # every copy holds it


def test_changing_a_price_or_a_measurement_changes_the_result():
    base = cost_report(answers(vectors_now=1_000_000, peak_qps=10_000), [measured_run()], ASSUME, PRICES).estimates[0].sizing
    dearer = cost_report(answers(vectors_now=1_000_000, peak_qps=10_000), [measured_run()], ASSUME,
                         scaled_prices(PRICES, 2.0)).estimates[0].sizing
    assert dearer.usd_per_month == pytest.approx(2 * base.usd_per_month)
    faster = cost_report(answers(vectors_now=1_000_000, peak_qps=10_000), [measured_run(qps=2000.0)], ASSUME,
                         PRICES).estimates[0].sizing
    assert faster.nodes_by["throughput"] == 3  # 10,000 / 4,800
    wider = cost_report(answers(dimensions=256), [measured_run()], ASSUME, PRICES).estimates[0].sizing
    assert wider.nodes_by["memory"] == math.ceil(100_000_000 * (4 * 256 + 131.84) / 2**30 / 11)  # vectors grow with dim


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


def test_memory_is_calibrated_by_runs_at_two_sizes_only():
    single = cost_report(answers(), [measured_run()], ASSUME, PRICES).estimates[0]
    assert single.memory.ram_bytes_per_vector == pytest.approx(BYTES_PER_VECTOR)  # one size: the model alone
    assert "not calibrated" in single.note
    # 1.1x the model per vector plus 30 MB fixed, measured at 100k and 200k vectors
    runs = [measured_run(n=n, used_mb=(30 * MIB + n * 1.1 * BYTES_PER_VECTOR) / MIB, run_id=f"r{n}")
            for n in (100_000, 200_000)]
    calibrated = cost_report(answers(), runs, ASSUME, PRICES).estimates[0]
    assert calibrated.memory.calibration_ratio == pytest.approx(1.1)
    assert calibrated.memory.ram_bytes_per_vector == pytest.approx(1.1 * BYTES_PER_VECTOR)
    assert "calibrated over 2 sizes" in calibrated.note
    wild = [measured_run(n=n, used_mb=n * 10 * BYTES_PER_VECTOR / MIB, run_id=f"w{n}") for n in (100_000, 200_000)]
    flagged = cost_report(answers(), wild, ASSUME, PRICES).estimates[0]
    assert flagged.memory.ram_bytes_per_vector == pytest.approx(BYTES_PER_VECTOR) and "disagrees" in flagged.note


def test_managed_list_prices_are_separate_and_marked():
    estimate = cost_report(answers(vectors_now=3_000_000, dimensions=768), [measured_run()], ASSUME, PRICES).estimates[0]
    assert estimate.managed == [{"offer": "Hosted", "family": "Hosted", "region": "r", "as_of": "2026-11",
                                 "source_url": "https://example.test", "usd_per_month": 3 * 0.5 * 730, "units": 3,
                                 "note": "", "fits": True, "selected": True, "in_region": None,
                                 "min_usd_per_month": None,
                                 "reason": "3 units: 3 for the data (1,000,000 768-d vectors per unit)"}]


def test_a_plan_without_a_usable_rate_shows_its_minimum_bill_as_a_floor_never_as_its_price():
    from vectorscout.decision.cost import load_prices, managed_prices, managed_text, resolved_assumptions, target_of

    (flex, premium) = managed_prices("weaviate", target_of(answers(), resolved_assumptions({}, answers())), load_prices())
    assert flex["usd_per_month"] is None and premium["usd_per_month"] is None
    assert managed_text(flex) == ("Weaviate Cloud Flex (shared): no list price at this size; at least $45 a month "
                                  "(the plan's minimum)")
    assert managed_text(premium).endswith("at least $400 a month (the plan's minimum)")


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
    assert all(i.source and i.as_of and i.source_url.startswith("https://") for i in defaults.instances)
    assert all(s.source_url.startswith("https://") for s in defaults.storage)
    # a managed offer without a list price says so instead of a number
    assert all(m.usd_per_unit_hour is not None or "no list price" in m.note or "per use" in m.note
               or "not" in m.note for m in defaults.managed)
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
    verdicts = {v.engine: v for v in recommend(scenario, [measured_run(engine="qdrant")]).ranking}
    assert verdicts["qdrant"].criteria["cost"] == 1.0
    assert any("over the $1 budget" in reason.text for reason in verdicts["qdrant"].reasons_against)
    assert verdicts["chroma"].criteria["cost"] is None


def test_cli_prints_per_engine_cost(tmp_path, capsys):
    store = ResultsStore()
    store.import_run(measured_run(run_id="cost-run").to_dict())
    scenario = tmp_path / "scenario.json"
    scenario.write_text(Scenario("cli", {"vectors_now": 1_000_000, "dimensions": 128, "peak_qps": 10_000,
                                         "deployment": "cluster"}).to_json())
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
    # 44 GiB of data per 11 GiB node: exactly 4 nodes; twice the vectors, exactly 8 (the model, no fixed term)
    vectors = int(44 * 2**30 // BYTES_PER_VECTOR)
    one, two = sized(vectors_now=vectors), sized(vectors_now=2 * vectors)
    assert (one.nodes_by["memory"], two.nodes_by["memory"]) == (4, 8)
    assert two.usd_storage == pytest.approx(2 * one.usd_storage)


def test_copies_multiply_the_data_and_each_needs_its_own_node():
    base = sized()
    for copies in (2, 3, 5):
        copied = sized(assume={"replicas": str(copies)})
        assert copied.nodes_by["memory"] == math.ceil(copies * DATA_GIB / 11)
        assert copied.nodes_by["availability"] == copied.copies == copies
        assert copied.usd_storage == pytest.approx(copies * base.usd_storage)
    high = cost_report(answers(high_availability=True), [measured_run()], ASSUME, PRICES).estimates[0]
    assert high.sizing.copies == 2 and "high availability: 2 copies" in high.target["copies_reason"]
    assert coerce_assumptions({"replicas": 0})["replicas"] == "auto"  # scenario files from before "auto"


def test_dimension_scales_bytes_up_and_throughput_down():
    # measured at 128 dims; a 512-d scenario has 4x the bytes per vector and a quarter of the QPS per core
    narrow = sized(vectors_now=1_000_000, peak_qps=10_000)
    wide = sized(vectors_now=1_000_000, peak_qps=10_000, dimensions=512)
    assert narrow.nodes_by["throughput"] == math.ceil(10_000 / (1000 * 4 * 0.6))  # 5
    assert wide.nodes_by["throughput"] == math.ceil(10_000 / (1000 / 4 * 4 * 0.6))  # 17
    assert wide.usd_storage == pytest.approx((4 * 512 + 131.84) / BYTES_PER_VECTOR * narrow.usd_storage)
    memory = sized(dimensions=512)
    assert memory.nodes_by["memory"] == math.ceil(100_000_000 * (4 * 512 + 131.84) / 2**30 / 11)


def test_qps_per_core_and_utilisation_scale_throughput_nodes():
    assert sized(vectors_now=1_000_000, peak_qps=24_000).nodes_by["throughput"] == 10  # 2,400 QPS per node
    assert sized(vectors_now=1_000_000, peak_qps=24_000, qps=4000.0).nodes_by["throughput"] == 3  # 9,600 per node
    assert sized(vectors_now=1_000_000, peak_qps=24_000, assume={"cpu_utilisation": 0.3}).nodes_by["throughput"] == 20


def test_headroom_and_overhead_shrink_usable_memory():
    # 16 GiB x (1 - 0.5) - 3 GiB = 5 GiB usable: 59.96 GiB of data needs 12 nodes
    assert sized(assume={"memory_headroom": 0.5, "node_overhead_gb": 3.0}).nodes_by["memory"] == 12


def test_the_cheapest_instance_wins_and_says_why():
    two = parse_prices({**PRICES.to_document(), "instances": [
        *PRICES.to_document()["instances"],
        {"name": "node64", "provider": "test", "region": "r", "vcpu": 16, "ram_gb": 64, "usd_per_hour": 3.0,
         "as_of": "2026-11", "source": "test"}]})
    estimate = cost_report(answers(), [measured_run()], ASSUME, two).estimates[0]
    # node16: 6 x $1; node64: 64 x 0.75 - 1 = 47 GiB usable, 2 x $3 = $6 per hour too: ties go to fewer nodes
    assert (estimate.sizing.instance, estimate.sizing.nodes) == ("node64", 2)


@pytest.mark.parametrize("engine, index, build", [
    ("faiss", "hnsw", {"M": 16}), ("hnswlib", "hnsw", {"M": 16}), ("chroma", "hnsw", {"max_neighbors": 16}),
    ("qdrant", "hnsw", {"m": 16}), ("milvus", "hnsw", {"M": 16}), ("pgvector", "hnsw", {"m": 16}),
    ("weaviate", "hnsw", {"max_connections": 16}), ("lancedb", "ivf_hnsw_sq", {"m": 16}),
])
def test_50m_vectors_of_768_dims_cost_one_to_two_and_a_half_times_their_raw_bytes(engine, index, build):
    run = measured_run(engine=engine, dim=768)
    run.results[0].index, run.results[0].build_params = index, build
    if engine == "milvus":  # Milvus's own server: Milvus Lite's rows (the embedded default) size no server
        run.results[0].deployment, run.results[0].endpoint = "server", "loopback"
    scenario = answers(vectors_now=50_000_000, dimensions=768, peak_qps=300)
    estimate = cost_report(scenario, [run], {"provider": "aws"}).estimates[0]
    raw_gib = 50_000_000 * 768 * 4 / 2**30  # 143 GiB (154 GB)
    per_copy = estimate.sizing.ram_gb_per_copy
    if "original vectors on disk" in estimate.memory.breakdown["note"]:
        assert per_copy < raw_gib  # quantized codes and the graph in RAM, the vectors on disk: said so
    else:
        assert raw_gib <= per_copy <= 2.5 * raw_gib, (engine, per_copy / raw_gib)
    doubled = cost_report(replace(scenario, high_availability=True), [run], {"provider": "aws"}).estimates[0]
    assert doubled.sizing.copies == 2 and doubled.sizing.nodes_by["memory"] >= estimate.sizing.nodes_by["memory"]


def test_cli_json_carries_breakdown_copies_and_sources(tmp_path, capsys):
    ResultsStore().import_run(measured_run(run_id="cost-json", dim=768).to_dict())
    scenario = tmp_path / "scenario.json"
    scenario.write_text(Scenario("cli", {"vectors_now": 3_000_000, "dimensions": 768, "peak_qps": 100,
                                         "high_availability": True}).to_json())
    assert main(["cost", "--scenario", str(scenario), "--runs", "cost-json", "--format", "json", "--details"]) == 0
    document = json.loads(capsys.readouterr().out)
    (line,) = document["engines"]
    assert line["copies"] == 2 and line["bound_by"] and line["ram_bytes_per_vector"] > 768 * 4
    (detail,) = document["details"]
    assert set(detail["memory"]["breakdown"]["terms"]) >= {"vectors", "graph"}
    assert "not calibrated" in detail["memory"]["calibration"]
    assert detail["target"]["copies"] == 2


def test_memory_options_are_sized_side_by_side_with_recall_only_where_measured():
    run = measured_run(engine="qdrant", dim=768)
    run.results[0].build_params = {"m": 16}
    estimate = cost_report(answers(vectors_now=50_000_000, dimensions=768), [run], {"provider": "aws"}).estimates[0]
    options = {o.name: o for o in estimate.options}
    int8, binary = options["int8 scalar quantization, originals on disk"], options["binary quantization, originals on disk"]
    # int8 codes (768 B) + graph (153.6 B) + id tracker (52 B); binary keeps 96 B of codes instead
    assert int8.ram_bytes_per_vector == pytest.approx(768 + 153.6 + 52)
    assert binary.ram_bytes_per_vector == pytest.approx(96 + 153.6 + 52)
    assert binary.usd_per_month <= int8.usd_per_month <= estimate.sizing.usd_per_month
    assert int8.recall is None and "on disk" in int8.where
    assert int8.recall_note == "not measured in these runs; measure it here with the engine spec qdrant:index=hnsw_sq8"
    lance = measured_run(engine="lancedb", dim=768)
    lance.results[0].index = "ivf_pq"
    option = cost_report(answers(dimensions=768), [lance], {"provider": "aws"}).estimates[0].options[0]
    assert option.name.startswith("IVF_PQ") and option.recall == pytest.approx(0.99)  # that index type was run
    assert option.recall_note == "measured in the runs given"


def test_a_quantized_option_run_here_carries_the_recall_of_its_own_index_type_once():
    """Qdrant's binary quantization is the hnsw_binary index here: a run of it gives the option its recall (not
    the HNSW estimate's), and it is not listed a second time as a measured index."""
    from dataclasses import replace

    run = measured_run(engine="qdrant", dim=768)
    run.results.append(replace(run.results[0], index="hnsw_binary", recall=0.91, qps=3000.0))
    estimate = cost_report(answers(vectors_now=50_000_000, dimensions=768), [run], {"provider": "aws"}).estimates[0]
    options = {o.name: o for o in estimate.options}
    binary, int8 = options["binary quantization, originals on disk"], options["int8 scalar quantization, originals on disk"]
    assert (binary.recall, binary.recall_note) == (0.91, "measured in the runs given")
    assert int8.recall is None  # hnsw_sq8 was not run
    assert options["float16 vectors"].recall_note.endswith("engine spec qdrant:index=hnsw_float16")
    assert not any(name.startswith("hnsw_binary index") for name in options)


def test_an_option_nothing_here_builds_says_so_with_the_vendors_figure():
    from vectorscout.decision.cost import EngineMeasure, option_recall

    measure = EngineMeasure(engine="weaviate", run_id="r", setting="s", index="hnsw", build_params={}, n=1000, dim=8,
                            recall=0.99, qps_per_core=100.0, memory_points=(), disk_bytes_per_vector=None,
                            build_vectors_per_s=None)
    option = {"name": "BQ", "index": "hnsw", "code_bytes_per_dim": 0.125, "vendor_recall": "0.9 at k=10",
              "vendor_recall_source": "https://example.org/bq"}
    recall, note = option_recall(option, measure)
    assert recall is None
    assert note == ("not measured here: the engine needs a server this machine does not run; the vendor reports "
                    "0.9 at k=10 (https://example.org/bq)")


def test_every_memory_option_can_be_measured_here_or_names_the_vendors_figure():
    """An option's engine spec parses and builds the index the option is measured as; an option nothing here
    measures carries the vendor's published recall and its source."""
    from adapters.registry import adapter_class, engine_names
    from vectorscout.benchmarking.specs import parse_engines
    from vectorscout.decision import memory_model
    from vectorscout.decision.cost import measured_as

    for engine in engine_names():
        for option in memory_model.options(engine):
            if "measure_with" not in option:
                assert option.get("vendor_recall") and option.get("vendor_recall_source", "").startswith("https://"), \
                    (engine, option["name"])
                continue
            (config,) = parse_engines(option["measure_with"])
            assert (config.engine, config.index) == (engine, measured_as(option)), option
            adapter_class(engine).capabilities.index(measured_as(option))  # raises for an index it does not build


def test_a_compressed_index_measured_beside_the_chosen_one_is_sized_as_an_option_with_its_recall():
    from dataclasses import replace

    run = measured_run(engine="faiss", dim=768)  # HNSW reaches the target: the estimate
    pq = replace(run.results[0], index="ivf_pq", build_params={}, search_params={"nprobe": 16}, recall=0.81, qps=4000.0)
    sq8 = replace(pq, index="ivf_sq8", recall=0.97, qps=900.0)
    unmodelled = replace(pq, index="no_such_index", recall=0.5)  # no layout to size it from: not offered
    run.results += [pq, sq8, unmodelled]
    estimate = cost_report(answers(vectors_now=50_000_000, dimensions=768), [run], {"provider": "aws"}).estimates[0]
    options = {o.name: o for o in estimate.options}
    assert estimate.inputs["index"] == "hnsw"  # the compressed ones miss the 0.95 target or are slower
    pq_option = options["ivf_pq index (measured in the runs)"]
    sq8_option = options["IVF with 8-bit scalar quantization (IVF,SQ8)"]  # the option IVF_SQ8 runs measure
    # PQ: m = 768/4 = 192 one-byte codes + 8 B of ids; SQ8: 768 one-byte components + 8 B of ids
    assert (pq_option.ram_bytes_per_vector, pq_option.recall) == (192 + 8, 0.81)
    assert (sq8_option.ram_bytes_per_vector, sq8_option.recall) == (768 + 8, 0.97)
    assert pq_option.recall_note == "measured in the runs given"
    assert pq_option.usd_per_month <= sq8_option.usd_per_month <= estimate.sizing.usd_per_month
    assert not any(name.startswith(("no_such_index", "hnsw index")) for name in options)


def test_an_index_without_a_memory_model_is_sized_from_its_largest_measurement_as_an_upper_bound():
    from vectorscout.decision.cost import EngineMeasure, memory_plan

    def measure(points, disk):
        return EngineMeasure(engine="faiss", run_id="r", setting="ivf", index="ivf", build_params={}, n=40_000, dim=128,
                             recall=0.9, qps_per_core=100.0, memory_points=points, disk_bytes_per_vector=disk,
                             build_vectors_per_s=None)

    assumptions = coerce_assumptions({"node_overhead_gb": 2.0})
    # the largest point: 40,000 vectors in 40,000,000 B -> 1,000 B/vector at 128 dims; x 768/128 = 6 at the target
    plan = memory_plan(measure(((10_000, 20_000_000.0), (40_000, 40_000_000.0)), 700.0), 768, assumptions)
    assert (plan.ram_bytes_per_vector, plan.disk_bytes_per_vector) == (6_000.0, 4_200.0)
    assert plan.fixed_bytes_per_node == 2.0 * 2**30
    assert plan.basis == "no model: measured 1,000 B/vector at 40,000 vectors (fixed memory included: an upper bound)"
    # no disk figure: the memory stands in for it
    assert memory_plan(measure(((40_000, 40_000_000.0),), None), 64, assumptions).disk_bytes_per_vector == 500.0
    # nothing measured: raw float32 only, said to be a lower bound
    bare = memory_plan(measure((), None), 768, assumptions)
    assert (bare.ram_bytes_per_vector, bare.disk_bytes_per_vector) == (3_072.0, 3_072.0)  # 768 x 4 B, not scaled twice
    assert bare.basis == "no model and no measurement: raw float32 vectors only (a lower bound)"
    assert bare.fixed_bytes_per_node == 2.0 * 2**30
    assert memory_plan(measure((), 100.0), 256, assumptions).disk_bytes_per_vector == 200.0  # measured at 128 dims


def test_the_cli_line_and_the_dashboard_row_carry_the_sized_figures_rounded_only_for_display():
    report = cost_report(answers(), [measured_run()], ASSUME, PRICES)
    now, later = report.estimates[0], report.growth[0]
    storage = DATA_GIB * 0.10
    monthly, queries_millions = 6 * 730 + storage, 100 * 0.3 * 3600 * 730 / 1e6
    later_monthly = 11 * 730 + 2 * storage  # 200M vectors: 119.9 GiB / 11 GiB usable -> 11 nodes
    units = math.ceil(100_000_000 * 128 / 768 / 1_000_000)  # 17 units of 1M 768-d vectors at $0.50 an hour
    note = ("not calibrated: memory measured at one size only (a single run's fixed start-up memory cannot be told "
            "from its per-vector memory); run at two sizes to calibrate")
    assert now.summary() == {
        "engine": "faiss", "status": "ok", "shape": "cluster", "nodes": 6, "bound_by": "memory", "instance": "node16",
        "copies": 1,
        "ram_bytes_per_vector": 643.8, "calibration_ratio": None,
        "nodes_by": {"memory": 6, "throughput": 1, "availability": 1},
        "memory_terms": {"vectors": 512.0, "graph": 131.8, "ids": 0.0},
        "usd_per_month": round(monthly, 2), "usd_per_million_queries": round(monthly / queries_millions, 4),
        "managed": [{"offer": "Hosted", "usd_per_month": units * 0.5 * 730, "source_url": "https://example.test",
                     "as_of": "2026-11", "units": units, "selected": True, "in_region": None,
                     "reason": f"{units} units: {units} for the data (1,000,000 768-d vectors per unit)"}],
        "excluded_by_recommendation": None, "note": note,
        "usd_per_month_range": None, "nodes_range": None, "long_extrapolation": True, "sizes_measured": [100_000],
        "throughput_evidence": "throughput measured at 100,000 vectors only, carried unscaled to 100,000,000 (1,000× "
                               "the largest size measured: a long extrapolation); run a scale ladder to measure how it "
                               "falls with size",
        "memory_evidence": now.memory.basis + "; " + note}
    assert now.memory.basis.startswith("model (")
    assert later.summary()["usd_per_month"] == round(later_monthly, 2) and later.summary()["nodes"] == 11
    line = report.lines()[0]
    assert (line.engine, line.status, line.instance, line.nodes, line.bound_by, line.copies) == (
        "faiss", "ok", "node16", 6, "memory", 1)
    assert line.nodes_by == {"memory": 6, "throughput": 1, "availability": 1}
    assert line.ram_gb_per_copy == pytest.approx(DATA_GIB)
    assert line.ram_bytes_per_vector == pytest.approx(BYTES_PER_VECTOR)
    assert line.usd_per_month == pytest.approx(monthly)
    assert line.usd_per_million_queries == pytest.approx(monthly / queries_millions)
    assert (line.usd_per_month_in_24_months, line.status_in_24_months) == (pytest.approx(later_monthly), "ok")
    assert line.managed == f"Hosted: ${units * 0.5 * 730:,.0f}" == "Hosted: $6,205"
    assert line.build_hours == pytest.approx(100_000_000 / (100_000 / 20.0) / 3600)  # 100k vectors in 10 + 10 s
    assert line.note == note
    document = report.to_dict()
    assert document["prices"] == "defaults" and document["assumptions"] == report.assumptions
    assert document["engines"] == [now.summary()] and document["in_24_months"] == [later.summary()]
    assert document["details"][0]["sizing"]["nodes"] == 6 and document["details"][0]["engine"] == "faiss"


def test_an_excluded_or_unmeasured_engine_says_so_on_its_line_and_has_no_figures():
    report = cost_report(answers(), [measured_run()], ASSUME, PRICES, engines=["faiss", "qdrant"],
                         excluded={"faiss": "needs a server"})
    faiss, qdrant = report.lines()
    assert faiss.note.startswith("excluded by the recommendation: needs a server; not calibrated")
    assert report.estimates[0].summary()["excluded_by_recommendation"] == "needs a server"
    assert (qdrant.status, qdrant.instance, qdrant.nodes, qdrant.usd_per_month, qdrant.copies, qdrant.nodes_by) == (
        "not measured", "", None, None, None, {})
    assert qdrant.managed == "" and qdrant.bound_by == ""
    unmeasured = report.estimates[1].summary()
    assert {key: unmeasured[key] for key in ("nodes", "bound_by", "instance", "copies", "ram_bytes_per_vector",
                                               "usd_per_month", "usd_per_million_queries", "nodes_by")} == dict.fromkeys(
        ("nodes", "bound_by", "instance", "copies", "ram_bytes_per_vector", "usd_per_month", "usd_per_million_queries",
         "nodes_by"))
    edited = parse_prices(PRICES.to_document(), edited=True)
    assert cost_report(answers(), [measured_run()], ASSUME, edited).to_dict()["prices"] == "edited by the user"


@pytest.mark.parametrize(("document", "message"), [
    ({**PRICES.to_document(), "instances": [1, 2]}, "instances[0]: expected the row's fields (name: value), got 1"),
    ({**PRICES.to_document(), "storage": ["ssd"]}, "storage[0]: expected the row's fields (name: value), got 'ssd'"),
    ({**PRICES.to_document(), "hours_per_month": "a month"}, "hours_per_month must be a number, got 'a month'"),
    ({**PRICES.to_document(), "hours_per_month": 0}, "hours_per_month must be above 0 and at most 744 (31 days), got 0"),
    ({**PRICES.to_document(), "hours_per_month": 745}, "hours_per_month must be above 0 and at most 744"),
])
def test_a_malformed_price_table_is_refused_in_one_line(document, message):
    with pytest.raises(CostError) as refused:
        parse_prices(document)
    assert str(refused.value).startswith(message)
    assert parse_prices({**PRICES.to_document(), "hours_per_month": 744}).hours_per_month == 744.0


def test_sensitivity_and_the_scale_curve_by_hand():
    gib = BYTES_PER_VECTOR / 2**30  # per vector

    def monthly(nodes, vectors, factor=1.0):
        return nodes * 730 + vectors * gib * factor * 0.10

    (memory_bound,) = sensitivity(answers(), [measured_run()], ASSUME, PRICES)
    # 100M vectors: 60 GiB / 11 GiB -> 6 nodes; half the bytes -> 3 nodes, 1.5x -> 9 (disk moves with them)
    assert memory_bound == pytest.approx({
        "engine": "faiss", "base": monthly(6, 1e8), "QPS -50%": monthly(6, 1e8), "QPS +50%": monthly(6, 1e8),
        "bytes/vector -50%": monthly(3, 1e8, 0.5), "bytes/vector +50%": monthly(9, 1e8, 1.5),
        "price -50%": 0.5 * monthly(6, 1e8), "price +50%": 1.5 * monthly(6, 1e8)})
    (throughput_bound,) = sensitivity(answers(vectors_now=1_000_000, peak_qps=10_000), [measured_run()], ASSUME, PRICES)
    # 10,000 QPS at 2,400 per node -> 5 nodes; at 1,200 -> 9; at 3,600 -> 3
    assert throughput_bound == pytest.approx({
        "engine": "faiss", "base": monthly(5, 1e6), "QPS -50%": monthly(9, 1e6), "QPS +50%": monthly(3, 1e6),
        "bytes/vector -50%": monthly(5, 1e6, 0.5), "bytes/vector +50%": monthly(5, 1e6, 1.5),
        "price -50%": 0.5 * monthly(5, 1e6), "price +50%": 1.5 * monthly(5, 1e6)})
    curve = scale_curve(answers(), [measured_run()], ASSUME, PRICES)
    nodes = {1e6: 1, 3e6: 1, 1e7: 1, 3e7: 2, 1e8: 6, 3e8: 17, 1e9: 55}  # ceil(vectors x 643.84 B / 11 GiB)
    # one measured size (100,000): no interval, and past 20x it (2M) a long extrapolation
    assert curve == [{"engine": "faiss", "vectors": int(v), "usd_per_month": pytest.approx(monthly(n, v)), "nodes": n,
                      "bound_by": "memory", "usd_low": pytest.approx(monthly(n, v)),
                      "usd_high": pytest.approx(monthly(n, v)), "long": v > 2e6} for v, n in nodes.items()]
    assert scale_curve(answers(), [], ASSUME, PRICES) == [] and sensitivity(answers(), [], ASSUME, PRICES) == []


def test_scaled_prices_move_every_price_and_keep_a_missing_one_missing():
    table = parse_prices({**PRICES.to_document(), "managed": [
        *PRICES.to_document()["managed"],
        {"name": "Quote", "engine": "faiss", "provider": "test", "region": "r", "usd_per_unit_hour": None,
         "vectors_768d_per_unit": 1, "as_of": "2026-11", "source": "test", "source_url": "https://example.test"}]})
    doubled = scaled_prices(table, 2.0)
    assert [i.usd_per_hour for i in doubled.instances] == [2.0]
    assert [s.usd_per_gb_month for s in doubled.storage] == [0.2]
    assert [m.usd_per_unit_hour for m in doubled.managed] == [1.0, None]
    assert (doubled.hours_per_month, doubled.edited, doubled.instances[0].ram_gb) == (730.0, False, 16)


def test_a_saved_table_reads_back_whole_and_a_reset_restores_the_defaults(vectorscout_home):
    from vectorscout.decision.cost import user_prices_path

    edited = scaled_prices(PRICES, 3.0)
    path = save_prices(edited)
    assert path == user_prices_path() and path.parent == vectorscout_home
    again = load_prices()
    assert again.edited and again.to_document() == edited.to_document()
    assert again.to_document() == {
        "currency": "USD", "hours_per_month": 730.0, "regions": {},
        "instances": [{"name": "node16", "provider": "test", "region": "r", "vcpu": 4, "ram_gb": 16, "usd_per_hour": 3.0,
                       "as_of": "2026-11", "source": "test", "source_url": ""}],
        "storage": [{**PRICES.to_document()["storage"][0], "usd_per_gb_month": 0.10 * 3.0}],
        "managed": [{**PRICES.to_document()["managed"][0], "usd_per_unit_hour": 1.5}]}
    reset_prices()
    assert not path.exists() and not load_prices().edited
    reset_prices()  # nothing saved: nothing to do


def test_the_scenarios_cloud_provider_prices_the_curve_when_no_provider_is_assumed():
    # the table prices only GCP: the scenario names it, the assumptions do not
    only_gcp = parse_prices(json.loads(json.dumps(PRICES.to_document()).replace('"provider": "test"', '"provider": "gcp"')))
    gcp = replace(answers(), cloud_provider="gcp")
    curve = scale_curve(gcp, [measured_run()], {}, only_gcp)
    assert curve[0]["usd_per_month"] == pytest.approx(730 + 1e6 * BYTES_PER_VECTOR / 2**30 * 0.10)
    row = sensitivity(gcp, [measured_run()], {}, only_gcp)[0]
    assert row["base"] == pytest.approx(6 * 730 + DATA_GIB * 0.10)


def test_a_calibrated_ratio_and_offers_without_a_list_price_are_shown_as_such():
    runs = [measured_run(n=10_000, used_mb=10_000 * BYTES_PER_VECTOR * 1.23456 / MIB + 50, run_id="a"),
            measured_run(n=40_000, used_mb=40_000 * BYTES_PER_VECTOR * 1.23456 / MIB + 50, run_id="b")]
    table = parse_prices({**PRICES.to_document(), "managed": [
        *PRICES.to_document()["managed"],
        {"name": "Quote", "engine": "faiss", "provider": "test", "region": "r", "usd_per_unit_hour": None,
         "vectors_768d_per_unit": 1, "as_of": "2026-11", "source": "test", "source_url": "https://example.test"}]})
    report = cost_report(answers(), runs, ASSUME, table)
    assert report.estimates[0].summary()["calibration_ratio"] == 1.235
    assert report.lines()[0].managed == "Hosted: $6,205; Quote: no list price"


def test_each_memory_option_is_sized_by_hand_on_the_cheapest_instance_of_the_provider():
    from vectorscout.decision import memory_model
    from vectorscout.decision.cost import measure_engines, memory_options, resolved_assumptions, target_of

    run = measured_run(engine="qdrant")
    run.results[0].build_params = {"m": 32}
    table = parse_prices({**PRICES.to_document(), "instances": [
        *PRICES.to_document()["instances"],
        {"name": "elsewhere", "provider": "other", "region": "r", "vcpu": 64, "ram_gb": 512, "usd_per_hour": 0.01,
         "as_of": "2026-11", "source": "test"}]})
    measure = measure_engines([run], 0.95)[0]["qdrant"]
    chosen = resolved_assumptions({"provider": "test", "node_overhead_gb": 3.0, "region": "r"}, answers())
    options = {o.name: o for o in memory_options(measure, target_of(answers(), chosen), chosen, table,
                                                 table.storage_of("test"))}
    int8 = options["int8 scalar quantization, originals on disk"]
    # the run's m = 32: int8 codes 128 B + graph 2 x 32 links x 4 B x 1.2 = 307.2 B + 52 B of ids = 487.2 B;
    # 100M x 487.2 B = 45.4 GiB over 16 x 0.75 - 3 = 9 GiB per node -> 6 nodes; disk: the originals too
    assert int8.ram_bytes_per_vector == pytest.approx(128 + 307.2 + 52)
    assert int8.ram_gb_per_copy == pytest.approx(1e8 * 487.2 / 2**30)
    assert (int8.instance, int8.nodes) == ("node16", 6)
    assert int8.usd_per_month == pytest.approx(6 * 730 + 1e8 * (512 + 487.2) / 2**30 * 0.10)
    assert int8.recall is None and int8.recall_note.startswith("not measured in these runs")
    assert int8.where == "original vectors on disk; compressed codes and the graph in memory"
    assert int8.source == memory_model.options("qdrant")[0]["source"]
    assert options["float16 vectors"].recall is None  # same index type, but changed: not what was measured
    # no node of the provider holds anything beside 15 GiB of overhead: the option is listed, not sized
    crowded = resolved_assumptions({"provider": "test", "node_overhead_gb": 15.0, "region": "r"}, answers())
    unsized = memory_options(measure, target_of(answers(), crowded), crowded, table, table.storage_of("test"))[0]
    assert (unsized.instance, unsized.nodes, unsized.usd_per_month) == ("", None, None)
    assert unsized.ram_gb_per_copy == pytest.approx(1e8 * 487.2 / 2**30)


def test_a_node_with_no_ram_left_after_headroom_and_overhead_does_not_fit():
    # 16 GiB x 0.75 = 12 GiB, all of it taken by a 12 GiB overhead: not one byte for vectors
    estimate = cost_report(answers(), [measured_run()], {**ASSUME, "node_overhead_gb": 12.0}, PRICES).estimates[0]
    assert (estimate.status, estimate.sizing) == ("does not fit", None)
    assert estimate.note == "no test instance in the price table has RAM left after headroom and overhead"
    unmeasured = cost_report(answers(), [], ASSUME, PRICES, engines=["qdrant"]).estimates[0]
    assert (unmeasured.status, unmeasured.note) == ("not measured", "no run of this engine was given")


def test_without_a_storage_price_the_disk_is_not_costed_and_says_so():
    no_disk = parse_prices({**PRICES.to_document(), "storage": []})
    estimate = cost_report(answers(), [measured_run()], ASSUME, no_disk).estimates[0]
    assert estimate.sizing.usd_storage == 0.0 and estimate.sizing.usd_per_month == 6 * 730
    assert estimate.note.endswith("; no test storage price: disk not costed")


def test_a_very_slow_engine_needs_throughput_nodes_in_proportion_and_none_without_load():
    # a serial pass runs on one core: 0.25 QPS per core x 4 vCPU x 0.6 = 0.6 QPS per node; 100 QPS needs 167
    slow = sized(vectors_now=1_000_000, qps=0.25)
    assert slow.nodes_by["throughput"] == math.ceil(100 / 0.6) == 167
    idle = sized(vectors_now=1_000_000, peak_qps=0)
    assert idle.nodes_by["throughput"] == 1 and idle.usd_per_million_queries is None


def test_memory_points_are_the_rss_above_the_opened_engine_per_build_setting():
    from vectorscout.decision.cost import measure_engines

    def run_with(stages, build=None, n=100_000, run_id="r"):
        run = measured_run(n=n, run_id=run_id)
        run.results[0].stages = stages
        run.results[0].build_params = build or {}
        return run

    opened = {"stage": "open", "rss_mb": 300.0}
    (measure,) = measure_engines([run_with([opened, {"stage": "insert", "rss_mb": 350.0},
                                            {"stage": "index", "rss_mb": 340.0}])], 0.95)[0].values()
    assert measure.memory_points == ((100_000, 50.0 * 2**20),)  # the peak above 'open', not the sum
    assert measure.setting == "HNSW ef=64"
    shrunk = measure_engines([run_with([opened, {"stage": "insert", "rss_mb": 280.0}])], 0.95)[0]["faiss"]
    assert shrunk.memory_points == ((100_000, 0.0),)  # below the opened engine: nothing, never negative
    assert measure_engines([run_with([{"stage": "insert", "rss_mb": 350.0}])], 0.95)[0]["faiss"].memory_points == ()
    assert measure_engines([run_with([opened | {"rss_mb": None}])], 0.95)[0]["faiss"].memory_points == ()
    # two build settings of one index are two calibrations, not one
    m8 = run_with([opened, {"stage": "insert", "rss_mb": 310.0}], {"M": 8}, n=10_000, run_id="a")
    m32 = run_with([opened, {"stage": "insert", "rss_mb": 400.0}], {"M": 32}, n=40_000, run_id="b")
    m32.results[0].qps = 5000.0  # the fastest setting, so the measure is M 32's
    chosen = measure_engines([m8, m32], 0.95)[0]["faiss"]
    assert chosen.memory_points == ((40_000, 100.0 * 2**20),) and chosen.setting == "HNSW M=32,ef=64"


def test_a_setting_without_parameters_is_its_index_alone():
    from vectorscout.decision.cost import measure_engines

    run = measured_run()
    run.results[0].search_params = {}
    assert measure_engines([run], 0.95)[0]["faiss"].setting == "HNSW"


def test_sensitivity_of_an_engine_that_does_not_fit_is_empty_not_an_error():
    (row,) = sensitivity(answers(), [measured_run()], {**ASSUME, "node_overhead_gb": 12.0}, PRICES)
    assert row == {"engine": "faiss", "base": None, "QPS -50%": None, "bytes/vector -50%": None, "price -50%": None,
                   "QPS +50%": None, "bytes/vector +50%": None, "price +50%": None}


def test_a_saved_price_table_keeps_its_order(vectorscout_home):
    path = save_prices(PRICES)
    assert path.read_text().splitlines()[:2] == ["currency: USD", "hours_per_month: 730.0"]


def test_measure_engines_reads_each_row_by_hand():
    from vectorscout.decision.cost import measure_engines

    def row(recall=0.99, qps=1000.0, **changes):
        values = {"engine": "faiss", "status": "ok", "index": "hnsw", "build_params": {}, "search_params": {},
                  "recall": recall, "qps": qps, "insert_s": 4.0, "index_s": 6.0, "disk_bytes_per_vector": 600.0}
        return ResultRow(**{**values, **changes})

    def run(rows, n=100_000, dim=128, cores=None, run_id="r"):
        return Run(run_id=run_id, created_at="2026-11-25T00:00:00+00:00", status="finished", k=10,
                   dataset=DatasetInfo(name="d", n=n, dim=dim, queries=10, metric="l2"), plan={},
                   environment=Environment(cores=cores), results=rows)

    skipped = [row(status="failed"), row(recall=None), row(qps=0.0), row(filter="tag == 3", qps=9e9),
               row(status="failed", recall=0.99, qps=9e9), row(recall=None, qps=9e9), row(recall=0.5, qps=9e9)]
    kept = row(recall=0.95, qps=800.0, concurrency=4, index_s=None)  # exactly at the target
    tie = row(recall=0.97, qps=800.0, search_params={"ef": 1}, insert_s=None)
    unsized = run([row(qps=9e9)], n=0, run_id="imported")  # no dataset size: cannot be scaled
    slow = row(recall=0.999, qps=100.0)
    measures, missing = measure_engines([unsized, run([*skipped, slow, kept, tie], run_id="r1")], 0.95)
    assert missing == {}  # below the target in one row, reached in another
    measure = measures["faiss"]
    # no core count recorded: one core, so 4 clients at 800 QPS are 800 per core; the tie keeps the first row
    assert (measure.run_id, measure.qps_per_core, measure.recall, measure.setting) == ("r1", 800.0, 0.95, "HNSW")
    assert (measure.n, measure.dim, measure.disk_bytes_per_vector) == (100_000, 128, 600.0)
    assert measure.build_vectors_per_s == 100_000 / 4.0  # index_s missing: insert alone
    assert measure.recall_by_index == {"hnsw": 0.999}  # the best recall of any usable row, not the last one
    only_index = measure_engines([run([row(insert_s=None, index_s=0.5)])], 0.95)[0]["faiss"]
    assert only_index.build_vectors_per_s == 100_000 / 0.5
    assert measure_engines([run([row(insert_s=None, index_s=None)])], 0.95)[0]["faiss"].build_vectors_per_s is None
    assert measure_engines([run([row()], n=0, dim=128)], 0.95) == ({}, {})
    assert measure_engines([run([row()], n=100, dim=0)], 0.95) == ({}, {})
    below = measure_engines([run([row(recall=0.9)])], 0.95)
    assert below == ({}, {"faiss": "below target: never reached recall 0.95 in the runs given"})


def instance_row(**changes):
    return {"name": "x", "provider": "p", "region": "r", "vcpu": 2, "ram_gb": 8, "usd_per_hour": 1.0, "as_of": "2026-11",
            "source": "test", **changes}


@pytest.mark.parametrize(("document", "message"), [
    ([], "a price table is a mapping with instances, storage and managed"),
    ({"instances": []}, "the price table lists no instance type"),
    ({"instances": [instance_row(vcpu=0)]}, "instance x: vCPU and RAM must be positive"),
    ({"instances": [instance_row(ram_gb=0)]}, "instance x: vCPU and RAM must be positive"),
    ({"instances": [instance_row(ram_gb=-1)]}, "instances[0].ram_gb must be a finite number >= 0, got -1"),
    ({"instances": "node16"}, "instances: expected a list"),
    ({"instances": [instance_row(vcpu=None, ram_gb=float("nan"))]}, "instances[0]: ram_gb, vcpu must have a value"),
    ({"instances": [instance_row(cores=2)]}, "instances[0]: "),
    ({"instances": [instance_row()], "managed": [{"name": "m"}]}, "managed[0]: "),
    ({"instances": [instance_row(usd_per_hour=float("inf"))]}, "instances[0].usd_per_hour must be a finite number >= 0"),
])
def test_each_mistake_in_a_price_table_is_named_where_it_is(document, message):
    with pytest.raises(CostError) as refused:
        parse_prices(document)
    assert str(refused.value).startswith(message)


def test_a_price_table_at_its_limits_is_read():
    table = parse_prices({"instances": [instance_row(vcpu=1, ram_gb=0.5, usd_per_hour=0.0)],
                          "managed": [{"name": "m", "engine": "e", "provider": "p", "region": "r",
                                       "usd_per_unit_hour": float("nan"), "vectors_768d_per_unit": None, "as_of": "",
                                       "source": ""}]})
    assert table.hours_per_month == 730.0  # the default month
    assert table.managed[0].usd_per_unit_hour is None  # an empty cell of an edited table: no list price
    assert (table.instances[0].vcpu, table.instances[0].ram_gb, table.instances[0].usd_per_hour) == (1, 0.5, 0.0)


def test_a_calibration_scales_the_model_at_the_target_dimension_and_its_fixed_memory_leaves_each_node():
    """Fitted over 100k and 200k vectors at 128-d: 1.25x the model per vector and 3 GiB before the first vector
    (above the 1 GiB assumed). At 256-d the model gives 4 x 256 + 131.84 = 1,155.84 B, so 1,444.8 B per vector;
    each 16 GiB node keeps 16 x 0.75 - 3 = 9 GiB for data: 100M x 1,444.8 B / 9 GiB = 14.95, 15 nodes. (The
    assumed 1 GiB would give 13 nodes; the model without the ratio 12.)"""
    runs = [measured_run(n=n, used_mb=3 * 1024 + n * 1.25 * BYTES_PER_VECTOR / MIB, run_id=f"c{n}")
            for n in (100_000, 200_000)]
    estimate_ = cost_report(answers(dimensions=256), runs, ASSUME, PRICES).estimates[0]
    assert estimate_.memory.ram_bytes_per_vector == pytest.approx(1.25 * (4 * 256 + 131.84))
    assert estimate_.memory.fixed_bytes_per_node == pytest.approx(3 * 2**30)
    assert estimate_.sizing.nodes_by["memory"] == 15
    assert estimate_.summary()["calibration_ratio"] == 1.25


@pytest.mark.parametrize("ratio, used", [(2.0, True), (2.05, False), (0.5, True), (0.49, False)])
def test_a_calibration_is_used_up_to_twice_or_half_the_model_and_flagged_beyond(ratio, used):
    runs = [measured_run(n=n, used_mb=n * ratio * BYTES_PER_VECTOR / MIB, run_id=f"b{n}") for n in (100_000, 200_000)]
    memory = cost_report(answers(), runs, ASSUME, PRICES).estimates[0].memory
    assert memory.calibration_ratio == pytest.approx(ratio)
    assert memory.ram_bytes_per_vector == pytest.approx(ratio * BYTES_PER_VECTOR if used else BYTES_PER_VECTOR)
    assert ("disagrees" in memory.calibration) is not used


def test_the_reports_cost_cells_are_the_sizing_in_money():
    """The memory-bound example: 6 nodes at $730 a month and 59.96 GiB of disk at $0.10 = $4,386.00 a month;
    at 100 QPS x 30 % load, 78.84 million queries a month: $55.63 per million. In 24 months (200M vectors):
    ceil(119.93 / 11) = 11 nodes and $11.99 of disk, $8,041.99. Money reads as money: whole dollars from $1."""
    from vectorscout.reporting.sections import ReportData, cost_rows

    data = ReportData(runs=[measured_run()], cost=cost_report(answers(), [measured_run()], ASSUME, PRICES))
    header, (cells,) = cost_rows(data)
    row = dict(zip(header, cells))
    assert (row["instance"], row["nodes"], row["bound by"]) == ("node16", "6", "memory")
    assert (row["$/month"], row["$ per million queries"], row["$/month in 24 months"]) == ("$4,386", "$56", "$8,042")
    # 100M x 128-d hold as much as 16.7M 768-d vectors: 17 units of 1M at $0.50 an hour, 730 hours
    assert row["managed (list price)"] == "Hosted: $6,205"
    cheap = cost_report(answers(vectors_now=1_000_000, peak_qps=100_000), [measured_run(qps=1e6)], ASSUME, PRICES)
    (cheap_cells,) = cost_rows(ReportData(runs=[measured_run()], cost=cheap))[1]
    # one node ($730 + 0.06 GiB of disk) over 100,000 x 0.3 x 3600 x 730 / 1e6 = 78,840 million queries
    assert cheap_cells[6] == f"${(730 + 1_000_000 * BYTES_PER_VECTOR / 2**30 * 0.10) / 78_840:.4f}" == "$0.0093"


def test_the_cost_table_header_and_the_cells_of_an_engine_not_sized():
    from vectorscout.reporting.sections import ReportData, cost_rows

    assert cost_rows(ReportData(runs=[])) == (["engine", "status", "instance", "nodes", "bound by", "$/month",
                                               "$ per million queries", "$/month in 24 months", "managed (list price)"], [])
    report = cost_report(answers(), [measured_run(), measured_run(engine="chroma", recall=0.5)], ASSUME, PRICES,
                         engines=["faiss", "chroma"])
    rows = {cells[0]: cells for cells in cost_rows(ReportData(runs=[measured_run()], cost=report))[1]}
    chroma = rows["chroma"]
    assert chroma[1:5] == ["below recall target", "", "", ""]
    assert chroma[5].startswith("below target: never reached recall 0.95") and chroma[6:8] == ["", ""]
    assert rows["faiss"][3] == "6"


def ladder_runs(qps_at, sizes=(25_000, 50_000, 100_000, 200_000, 400_000), build_s_at=None, recall_at=None):
    """One faiss hnsw setting measured at several sizes of one synthetic family (a scale ladder)."""
    runs = []
    for n in sizes:
        run = measured_run(n=n, qps=qps_at(n), run_id=f"ladder{n}", recall=recall_at(n) if recall_at else 0.99)
        run.dataset.spec = f"synthetic:n={n},dim=128,seed=0,decay=1"
        if build_s_at:
            run.results[0].insert_s, run.results[0].index_s = build_s_at(n) / 2, build_s_at(n) / 2
        runs.append(run)
    return runs


def test_a_scale_ladder_carries_the_measured_throughput_to_the_scenarios_size_with_its_interval():
    # QPS falls as n^-0.5: 1,000 at 100k, 100 at 10M. 4 vCPU x 0.6 at 100 per core = 240 per node -> 10,000 QPS
    # needs ceil(10,000 / 240) = 42 nodes; unscaled (1,000 per core) it would have been 5.
    exact = ladder_runs(lambda n: 1000.0 * (n / 100_000) ** -0.5)
    scenario = answers(vectors_now=10_000_000, peak_qps=10_000)
    (estimate,) = cost_report(scenario, exact, ASSUME, PRICES).estimates
    assert estimate.scale.qps_factor[1] == pytest.approx((10_000_000 / estimate.inputs["n"]) ** -0.5)
    assert estimate.sizing.nodes_by["throughput"] == 42 and estimate.sizing.bound_by == "throughput"
    assert (estimate.sizing_range[0].nodes, estimate.sizing_range[1].nodes) == (42, 42)  # an exact curve: no spread
    assert estimate.scale.sizes == (25_000, 50_000, 100_000, 200_000, 400_000)
    assert estimate.scale.times_largest == 25 and estimate.scale.long
    assert "scale ladder faiss (" not in estimate.scale.words  # no deployment recorded on these rows
    assert "25× the largest size measured: a long extrapolation" in estimate.scale.words
    assert "within 0%" in estimate.scale.words
    unscaled = cost_report(scenario, [measured_run()], ASSUME, PRICES).estimates[0]
    assert unscaled.sizing.nodes_by["throughput"] == 5 and unscaled.sizing_range is None


def test_the_interval_of_a_noisy_ladder_becomes_fewer_and_more_nodes_around_the_expected_ones():
    wobble = {25_000: 1.08, 50_000: 0.93, 100_000: 1.05, 200_000: 0.95, 400_000: 1.0}
    noisy = ladder_runs(lambda n: 1000.0 * (n / 100_000) ** -0.5 * wobble[n])
    (estimate,) = cost_report(answers(vectors_now=10_000_000, peak_qps=10_000), noisy, ASSUME, PRICES).estimates
    low, expected, high = estimate.scale.qps_factor
    # the 95 % prediction interval of log QPS against log n, worked out here with numpy and Student's t
    x, y = np.log(list(wobble)), np.log([1000.0 * (n / 100_000) ** -0.5 * w for n, w in wobble.items()])
    slope, intercept = np.polyfit(x, y, 1)
    sd = math.sqrt(((y - intercept - slope * x) ** 2).sum() / 3)
    at, base = math.log(10_000_000), intercept + slope * math.log(estimate.inputs["n"])
    half = 3.182446 * sd * math.sqrt(1 + 1 / 5 + (at - x.mean()) ** 2 / ((x - x.mean()) ** 2).sum())  # t(0.975, 3)
    centre = intercept + slope * at
    assert (low, expected, high) == pytest.approx(
        (math.exp(centre - half - base), math.exp(centre - base), math.exp(centre + half - base)), rel=1e-5)
    fewest, most = estimate.sizing_range
    assert fewest.nodes < estimate.sizing.nodes < most.nodes
    per_node = estimate.inputs["qps_per_core"] * 4 * 0.6
    assert [fewest.nodes, estimate.sizing.nodes, most.nodes] == [
        math.ceil(10_000 / (per_node * factor)) for factor in (high, expected, low)]
    assert fewest.usd_per_month < estimate.sizing.usd_per_month < most.usd_per_month


def test_the_build_time_follows_the_ladders_curve_and_the_recall_is_predicted_for_the_same_setting():
    wobble = {25_000: 1.1, 50_000: 0.9, 100_000: 1.0, 200_000: 1.05, 400_000: 0.97}
    runs = ladder_runs(lambda n: 1000.0, build_s_at=lambda n: 20.0 * (n / 100_000) ** 1.2 * wobble[n],
                       recall_at=lambda n: 1.2 - 0.02 * math.log(n))
    (estimate,) = cost_report(answers(vectors_now=10_000_000), runs, ASSUME, PRICES).estimates
    measured_n = estimate.inputs["n"]
    # the power law through the five build times, worked out here with numpy: measured build x curve(10M) / curve(n)
    slope, intercept = np.polyfit(np.log(list(wobble)), [math.log(20.0 * (n / 100_000) ** 1.2 * w)
                                                         for n, w in wobble.items()], 1)
    expected = estimate.inputs["build_s"] * (10_000_000 / measured_n) ** slope / 3600
    assert estimate.build_hours == pytest.approx(expected)
    low, high = estimate.build_hours_range
    assert low < estimate.build_hours < high
    assert intercept != 0
    assert estimate.scale.recall.value == pytest.approx(1.2 - 0.02 * math.log(10_000_000))
    assert f"recall at hnsw (ef=64) predicted {1.2 - 0.02 * math.log(10_000_000):.3f}" in estimate.scale.words
    # 0.878 at 10M, under the scenario's 0.95: the text says the throughput is optimistic
    assert estimate.scale.words.endswith(", below the 0.95 target: that size will need more search effort than this "
                                         "setting, so the throughput above is optimistic")
    (near,) = cost_report(answers(vectors_now=200_000), runs, ASSUME, PRICES).estimates
    assert "below the" not in near.scale.words  # at 200k: 1.2 - 0.02 ln(2e5) = 0.956, over the target
    (million,) = cost_report(answers(vectors_now=1_000_000), runs, ASSUME, PRICES).estimates
    assert "below the 0.95 target" in million.scale.words  # at 1M: 0.924, under the target by 0.026


def test_recall_at_1_until_the_top_two_sizes_is_predicted_without_an_interval_and_says_so():
    # Qdrant's 768-d ladder: 1.000 at three sizes, then 0.995 and 0.9835; the knee model follows the fall, and
    # two sizes past the knee leave nothing to judge its noise by
    recall = dict(zip((25_000, 50_000, 100_000, 200_000, 400_000), (1.0, 1.0, 1.0, 0.995, 0.9835)))
    runs = ladder_runs(lambda n: 1000.0, recall_at=recall.__getitem__)
    (estimate,) = cost_report(answers(vectors_now=1_000_000_000), runs, ASSUME, PRICES).estimates
    assert estimate.scale.recall.interval is None
    assert 0.8 < estimate.scale.recall.value < 0.9  # about 0.011 a doubling past 200,000, 11 doublings on
    assert (f"predicted {estimate.scale.recall.value:.3f} (no interval: too few sizes to judge the curve's noise by) "
            "at that size, below the 0.95 target") in estimate.scale.words


def test_recall_whose_curve_falls_through_0_is_called_a_bound_not_a_prediction():
    # LanceDB IVF_PQ's 768-d ladder: about 0.073 lost a doubling, through 0 before 1B vectors
    recall = dict(zip((25_000, 50_000, 100_000, 200_000, 400_000), (0.94, 0.8615, 0.7905, 0.7245, 0.649)))
    runs = ladder_runs(lambda n: 1000.0, recall_at=recall.__getitem__)
    (estimate,) = cost_report(answers(vectors_now=1_000_000_000, recall_target=0.6), runs, ASSUME, PRICES).estimates
    assert ("predicted 0.000 (the curve is past 0 there: a bound, not a prediction) at that size, below the 0.6 "
            "target") in estimate.scale.words


def test_the_cli_prints_the_range_and_where_throughput_and_memory_come_from_and_scale_checks_each_curve(
        tmp_path, capsys):
    store = ResultsStore()
    wobble = {25_000: 1.08, 50_000: 0.93, 100_000: 1.05, 200_000: 0.95, 400_000: 1.0}
    runs = ladder_runs(lambda n: 1000.0 * (n / 100_000) ** -0.5 * wobble[n])
    for run in runs:
        store.import_run(run.to_dict())
    scenario = tmp_path / "scenario.json"
    scenario.write_text(Scenario("cli", {"vectors_now": 10_000_000, "dimensions": 128, "peak_qps": 10_000,
                                         "deployment": "cluster"}).to_json())
    ids = ",".join(run.run_id for run in runs)
    report = cost_report(Scenario.from_json(scenario.read_text()).answers, runs)
    line = report.lines()[0]
    assert main(["cost", "--scenario", str(scenario), "--runs", ids]) == 0
    out = capsys.readouterr().out
    low, high = line.usd_per_month_range
    assert f"(95 % interval {line.nodes_range[0]}–{line.nodes_range[1]} nodes, ${low:,.0f}–${high:,.0f})" in out
    assert "throughput: throughput measured at 25,000 vectors, scaled to 10,000,000 by the scale ladder faiss" in out
    assert "25× the largest size measured: a long extrapolation" in out
    assert f"memory: {line.memory_evidence}" in out
    assert line.nodes_range[0] < line.nodes_range[1]
    single = tmp_path / "single.json"
    single.write_text(Scenario("one", {"vectors_now": 10_000_000, "dimensions": 128, "peak_qps": 10_000}).to_json())
    assert main(["cost", "--scenario", str(single), "--runs", ids]) == 0
    assert "(the throughput's 95 % interval does not move it: bound by " in capsys.readouterr().out
    assert main(["scale", "--runs", ids, "--at", "10000000"]) == 0
    out = capsys.readouterr().out
    assert "faiss, hnsw (ef=64), 128 dimensions, 25,000–400,000 vectors (5 sizes)" in out
    assert "QPS, one client: c × n^b (a power law): the only model for this figure" in out
    assert "at 10,000,000: " in out and "long extrapolation: 25× the largest size measured" in out
    assert main(["scale", "--runs", ids, "--at", "10000000", "--format", "json"]) == 0
    (document,) = json.loads(capsys.readouterr().out)
    qps = document["curves"]["qps"]
    assert qps["held_out"]["size"] == 400_000 and qps["predictions"][0]["long"] is True
    assert main(["scale", "--runs", ids.split(",")[0]]) == 0
    assert "no scale ladder" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:
        main(["cost", "--scenario", str(scenario), "--runs", ids, "--ladder", "--ladder-sizes", "5000,6000"])
    assert refused.value.code == 2
    assert "a scale ladder needs three or more sizes" in capsys.readouterr().err


def test_calibration_runs_at_the_scenarios_dimension_calibrate_the_model_there_and_say_so():
    # the throughput comes from a 128-d run; the --calibrate runs were made at 1536 dims, the scenario's
    per_vector = 4 * 1536 + 2 * 16 * 4 * 1.03  # the model at 1536 dims, M=16
    calibration = [measured_run(run_id=f"cal{n}", n=n, dim=1536, qps=1.0,
                                used_mb=(50 * MIB + n * 1.2 * per_vector) / MIB) for n in (10_000, 40_000)]
    (estimate,) = cost_report(answers(dimensions=1536), [measured_run(), *calibration], ASSUME, PRICES).estimates
    assert estimate.inputs["dim"] == 128  # the throughput's run
    assert estimate.memory.calibration_ratio == pytest.approx(1.2)
    assert estimate.memory.ram_bytes_per_vector == pytest.approx(1.2 * per_vector)
    assert estimate.memory.calibration.endswith("(at 1536 dimensions, the scenario's)")
    # one size at the scenario's dimension: not calibrated, and the reason names it
    (single,) = cost_report(answers(dimensions=1536), [measured_run(), calibration[0]], ASSUME, PRICES).estimates
    assert single.memory.calibration_ratio is None
    assert single.memory.calibration.endswith("; at 1536 dimensions one size was measured, and calibration needs two")


BIG = parse_prices({**PRICES.to_document(), "instances": [
    *PRICES.to_document()["instances"],
    {"name": "node128", "provider": "test", "region": "r", "vcpu": 16, "ram_gb": 128, "usd_per_hour": 6.0,
     "as_of": "2026-11", "source": "test"}]})


def test_a_single_server_is_one_node_plus_its_standby_however_much_throughput_is_asked():
    # 100M x 643.84 B = 60 GiB: node16 (11 GiB usable) cannot hold one copy; node128 (95 GiB usable) can
    scenario = answers(deployment="single_server", high_availability=True, peak_qps=10_000)
    (estimate,) = cost_report(scenario, [measured_run()], ASSUME, BIG).estimates
    sizing = estimate.sizing
    assert (sizing.instance, sizing.nodes, sizing.shape, sizing.copies) == ("node128", 2, "one server", 2)
    assert sizing.node_ram_words == "60 of 95 GiB usable"  # the server and its standby: a copy each
    # 16 vCPU x 0.6 x 1,000 QPS per core = 9,600 QPS: short of 10,000, and said, not turned into more nodes
    assert sizing.shortfall == ("one server serves about 9,600 QPS of the 10,000 asked: a larger instance, or a "
                                "cluster deployment")
    assert estimate.note.startswith(sizing.shortfall)
    (alone,) = cost_report(answers(deployment="single_server"), [measured_run()], ASSUME, PRICES).estimates
    assert alone.status == "does not fit" and alone.sizing is None
    assert alone.note == ("one server: one copy needs 60 GiB of RAM and the largest test instance priced, node16, "
                          "holds 11 GiB after headroom; a single server cannot hold it: a cluster deployment, or a "
                          "memory option below")
    (clustered,) = cost_report(answers(), [measured_run()], ASSUME, PRICES).estimates
    assert (clustered.sizing.nodes, clustered.sizing.shape) == (6, "cluster")


def test_pgvector_in_a_cluster_scales_up_one_primary_and_says_what_lies_beyond_the_largest_instance():
    run = measured_run(engine="pgvector")
    (fits,) = cost_report(answers(vectors_now=10_000_000, high_availability=True, peak_qps=20_000), [run], ASSUME,
                          BIG).estimates
    # one primary holds the index; 20,000 QPS at 2,400 per node16 -> 9 nodes: standby and read replicas
    assert fits.sizing.shape == "scale up" and fits.sizing.nodes_by["memory"] <= 2
    assert fits.sizing.nodes == fits.sizing.nodes_by["throughput"] > 2 and not fits.sizing.shortfall
    (too_big,) = cost_report(answers(vectors_now=1_000_000_000), [run], ASSUME, BIG).estimates
    assert too_big.status == "does not fit"
    assert too_big.note.startswith("scale up: one copy needs ")
    assert "largest test instance priced, node128, holds 95 GiB after headroom; beyond the largest instance: not " \
           "built in; README: use Citus or another approach for sharding (https://github.com/pgvector/pgvector)" \
           in too_big.note
    (qdrant,) = cost_report(answers(vectors_now=1_000_000_000), [measured_run(engine="qdrant")], ASSUME,
                            BIG).estimates
    assert qdrant.sizing.shape == "cluster" and qdrant.sizing.nodes > 1  # qdrant shards


def test_a_european_scenario_is_priced_in_a_european_region_without_editing_any_file():
    run = measured_run(n=100_000, dim=768)
    prices = default_prices()
    europe = cost_report(answers(cloud_region="europe", dimensions=768, vectors_now=10_000_000), [run])
    assert europe.assumptions["region"] == "eu-central-1" and europe.region_note == ""
    sizing = europe.estimates[0].sizing
    row = next(i for i in prices.instances if i.name == sizing.instance and i.region == "eu-central-1")
    storage = prices.storage_of("aws", "eu-central-1")
    assert storage.usd_per_gb_month == 0.0952
    disk_gib = 10_000_000 * europe.estimates[0].memory.disk_bytes_per_vector / 2**30
    assert sizing.usd_per_month == pytest.approx(sizing.nodes * row.usd_per_hour * 730 + disk_gib * 0.0952)
    us = cost_report(answers(dimensions=768, vectors_now=10_000_000), [run]).estimates[0].sizing
    assert us.instance == sizing.instance and us.usd_per_month < sizing.usd_per_month  # Frankfurt costs more
    ireland = cost_report(answers(cloud_region="europe", dimensions=768, vectors_now=10_000_000), [run],
                          {"region": "eu-west-1"})
    assert ireland.assumptions["region"] == "eu-west-1"
    assert us.usd_per_month < ireland.estimates[0].sizing.usd_per_month < sizing.usd_per_month


def test_a_region_the_table_does_not_price_says_which_region_stands_in():
    run = measured_run(n=100_000, dim=768)
    azure = cost_report(answers(cloud_region="europe", cloud_provider="azure", dimensions=768,
                                vectors_now=10_000_000), [run])
    assert azure.assumptions["region"] == "eastus"
    assert azure.region_note == ("the price table has no azure instance prices in germanywestcentral: priced with "
                                 "eastus's, which usually differ; add the region's prices on the Cost page")
    assert azure.to_dict()["region_note"] == azure.region_note
    asked = cost_report(answers(dimensions=768), [run], {"region": "mars-1"})
    assert asked.region_note.startswith("the price table has no aws instance prices in mars-1: priced with us-east-1's")


def test_managed_tiers_are_sized_for_the_data_and_the_qps_and_the_densest_fast_enough_one_is_selected():
    from vectorscout.decision.cost import Target, managed_prices, managed_summary

    table = default_prices()

    def zilliz(vectors, qps):
        entries = managed_prices("milvus", Target(vectors, 768, qps, 2, "ha"), table, region="eu-central-1")
        return {e["offer"].split(", ")[1]: e for e in entries if e["family"] == "Zilliz Cloud dedicated"}

    # 1B x 768 at 50 QPS: 667 performance CUs, 200 capacity CUs, 50 tiered CUs (50 QPS / 5 per CU = 10, 8 at least)
    big = zilliz(1_000_000_000, 50)
    assert {k: e["units"] for k, e in big.items()} == {"performance-optimized CU": 1334, "capacity-optimized CU": 400,
                                                       "tiered-storage CU": 100}
    assert [k for k, e in big.items() if e["selected"]] == ["tiered-storage CU"]
    assert big["performance-optimized CU"]["usd_per_month"] == pytest.approx(1334 * 0.248 * 730)
    assert big["tiered-storage CU"]["usd_per_month"] is None  # no list price: not borrowed from another tier
    assert all(e["in_region"] for e in big.values())
    # 10M x 768 at 1,000 QPS: performance 7 (data) > 2 (QPS); capacity 10 for the QPS; tiered 200 for the QPS
    fast = zilliz(10_000_000, 1000)
    assert {k: e["units"] for k, e in fast.items()} == {"performance-optimized CU": 14, "capacity-optimized CU": 20,
                                                        "tiered-storage CU": 400}
    assert fast["performance-optimized CU"]["selected"]
    assert fast["capacity-optimized CU"]["reason"] == ("20 units: 2 for the data (5,000,000 768-d vectors per unit), "
                                                       "10 for 1,000 QPS (100 QPS per unit), x 2 copies")
    summary = managed_summary(list(fast.values()))
    assert summary.startswith("Zilliz Cloud dedicated, performance-optimized CU: $2,535 (selected of 3: 14 units")
    assert zilliz(20_000_000, 5)["tiered-storage CU"]["units"] == 16  # 1 for the data, but 8 at least, x 2 copies
    elsewhere = managed_prices("milvus", Target(10_000_000, 768, 10, 1, ""), table, region="ap-south-1")
    assert "(not offered in the scenario's region)" in managed_summary(elsewhere)


def test_aurora_takes_the_smallest_instance_class_that_holds_a_copy_and_says_when_none_does():
    from vectorscout.decision.cost import Target, managed_prices, managed_summary

    table = default_prices()
    per_vector = 4096.0  # pgvector HNSW at 768 dims, m = 16 (the memory model)
    # 45M x 4,096 B = 171.7 GiB: db.r7g.4xlarge holds 96 GiB after 25 % headroom, db.r7g.8xlarge 192
    fits = managed_prices("pgvector", Target(45_000_000, 768, 100, 2, "ha"), table, per_vector, 0.25)
    aurora = [e for e in fits if e["family"] == "Aurora PostgreSQL (pgvector)"]
    (chosen,) = [e for e in aurora if e["selected"]]
    assert chosen["offer"] == "Aurora PostgreSQL db.r7g.8xlarge (pgvector)"
    assert chosen["usd_per_month"] == pytest.approx(2 * 4.422 * 730) and chosen["units"] == 2
    assert [e["fits"] for e in aurora] == [False, False, False, False, True]
    too_big = managed_prices("pgvector", Target(1_000_000_000, 768, 50, 1, ""), table, per_vector, 0.25)
    assert "Aurora PostgreSQL (pgvector): does not fit (Aurora PostgreSQL db.r7g.8xlarge (pgvector): 3,815 GiB per " \
           "copy do not fit the class's 192 GiB usable)" in managed_summary(too_big)
