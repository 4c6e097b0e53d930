import json

import pytest

from vectorscout.benchmarking.plans import PlanFileError, load_plan
from vectorscout.cli import main
from vectorscout.results.analysis import at_recall, pareto_frontier
from vectorscout.results.records import ResultRow


def row(engine, recall, qps, p95=1.0, **search):
    return ResultRow(engine=engine, status="ok", index="hnsw", build_params={}, search_params=search, recall=recall,
                     qps=qps, latency_p95_ms=p95)


def test_pareto_keeps_only_undominated_settings():
    rows = [row("a", 0.80, 1000, ef=8), row("a", 0.90, 800, ef=16), row("a", 0.85, 700, ef=12),
            row("a", 0.99, 300, ef=64), row("a", 0.99, 200, ef=128), row("b", 0.5, 10)]
    frontier = pareto_frontier(rows)
    assert [(p.recall, p.qps) for p in frontier["a"]] == [(0.80, 1000), (0.90, 800), (0.99, 300)]
    assert [(p.recall, p.qps) for p in frontier["b"]] == [(0.5, 10)]


def test_at_recall_reports_best_qps_and_p95_or_not_reached():
    rows = [row("a", 0.96, 500, p95=2.0), row("a", 0.99, 300, p95=1.5), row("b", 0.90, 900)]
    summary = at_recall(rows, 0.95)
    assert summary["a"] == {"qps": 500, "latency_p95_ms": 1.5, "reached": True}
    assert summary["b"]["reached"] is False and summary["b"]["qps"] is None


def test_plan_file_builds_the_grid(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "label: grid\ndatasets: ['synthetic:n=400,dim=8', 'digits']\nk: 5\n"
        "engines:\n"
        "  - {engine: faiss, index: hnsw, build: {M: [8, 16]}, search: {ef_search: [8, 64]}}\n"
        "  - {engine: hnswlib, search: sweep}\n"
    )
    loaded = load_plan(plan)
    assert [r.dataset for r in loaded.runs] == ["synthetic:n=400,dim=8", "digits"]
    faiss = [c for c in loaded.runs[0].engines if c.engine == "faiss"]
    assert [c.build_params["M"] for c in faiss] == [8, 16]
    assert faiss[0].search_grid == [{"ef_search": 8}, {"ef_search": 64}]
    hnswlib = next(c for c in loaded.runs[0].engines if c.engine == "hnswlib")
    assert [g["ef"] for g in hnswlib.search_grid] == [16, 32, 64, 128, 256, 512]


@pytest.mark.parametrize(("text", "message"), [
    ("engines: []", "at least one engine"),
    ("engines: [{engine: nosuch}]", "unknown engine"),
    ("engines: [{engine: faiss, index: hnsw, build: {M: [1]}}]", "M must be at least 4"),
    ("engines: [{engine: faiss, search: {bogus: [1]}}]", "unknown search parameter"),
    ("colour: red\nengines: [{engine: faiss}]", "unknown key"),
    ("[unclosed", "not valid YAML"),
])
def test_bad_plans_are_refused(tmp_path, text, message):
    plan = tmp_path / "plan.yaml"
    plan.write_text(text)
    with pytest.raises(PlanFileError, match=message):
        load_plan(plan)


@pytest.mark.engine
def test_cli_plan_prints_a_pareto_frontier_per_engine(tmp_path, capsys):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({
        "dataset": "synthetic:n=2000,dim=16,queries=50", "k": 10,
        "engines": [{"engine": engine, "search": "sweep"} for engine in ("faiss", "hnswlib", "qdrant")]
        + [{"engine": "faiss", "index": "hnsw", "search": {"ef_search": [8, 16, 64]}}],
    }))
    assert main(["run", "--plan", str(plan), "--format", "json", "--quiet"]) == 0
    document = json.loads(capsys.readouterr().out)
    frontier = {entry["engine"]: entry["points"] for entry in document["pareto"]}
    assert set(frontier) == {"faiss", "hnswlib", "qdrant"}
    assert len([r for r in document["results"] if r["engine"] == "hnswlib"]) == 6
    for points in frontier.values():
        recalls = [p["recall"] for p in points]
        qps = [p["qps"] for p in points]
        assert recalls == sorted(recalls) and qps == sorted(qps, reverse=True)
    assert main(["run", "--plan", str(plan), "--engines", "faiss"]) == 2


def test_filters_give_one_run_per_selectivity(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text("dataset: 'synthetic:n=1000,dim=8'\nfilters: [\"category == 'a'\", 'tag == 3', 'bucket < 10']\n"
                    "engines: [{engine: faiss}]\n")
    runs = load_plan(plan).runs
    assert [r.filter for r in runs] == ["category == 'a'", "tag == 3", "bucket < 10"]


def test_a_plan_round_trips_through_its_public_form_with_every_field():
    from dataclasses import fields

    from vectorscout.benchmarking.plan import RunPlan
    from vectorscout.benchmarking.specs import parse_engines
    from vectorscout.reporting.rerun import plan_from_public

    defaults = RunPlan(dataset="wordnet", engines=[])
    plan = RunPlan(dataset="synthetic:n=300,dim=8", engines=parse_engines("faiss:index=hnsw,M=8,ef_search=16|64,pgvector"),
                   k=7, filter="tag == 3", label="every field", batch_size=77, warmup_queries=5, isolate=False,
                   timeout_s=99.5, memory_limit_mb=900, concurrency=(1, 2, 4), repetitions=5, duration_s=2.5,
                   load_driver="locust", locust_workers=5)
    # the test must set every field away from its default, or a dropped field would go unnoticed
    unchanged = [f.name for f in fields(RunPlan) if getattr(plan, f.name) == getattr(defaults, f.name)]
    assert unchanged == []
    assert RunPlan.from_public(plan.public()) == plan
    rerun = plan_from_public(plan.public())
    assert rerun.label == "rerun of every field"
    rerun.label = plan.label
    assert rerun == plan  # the Locust driver and its workers included


def test_a_public_plan_is_validated_again():
    from vectorscout.benchmarking.plan import RunPlan
    from vectorscout.benchmarking.specs import SpecError

    with pytest.raises(SpecError, match="unknown parameter"):
        RunPlan.from_public({"dataset": "wordnet", "engines": [{"engine": "faiss", "index": "hnsw",
                                                                "build_params": {"bogus": 1}}]})


# -- the dashboard's ready-made plans ----------------------------------------------------------------------------
def test_quick_evaluation_runs_every_embedded_engine_at_its_defaults_and_no_stand_in():
    from vectorscout.benchmarking.plans import quick_evaluation
    from vectorscout.benchmarking.specs import engine_config

    plan = quick_evaluation()
    names = [e.engine for e in plan.engines]
    # weaviate needs a server; qdrant-local is qdrant-client's stand-in, not the engine
    assert sorted(names) == ["chroma", "faiss", "hnswlib", "lancedb", "milvus", "pgvector", "qdrant"]
    assert plan.engines == [engine_config(name) for name in names]
    assert (plan.dataset, plan.k, plan.label, plan.filter) == ("wordnet", 10, "quick evaluation", None)


def test_memory_calibration_measures_each_setting_isolated_at_every_size_of_the_scenarios_dimension():
    from vectorscout.benchmarking.plans import CALIBRATION_SIZES, memory_calibration
    from vectorscout.benchmarking.specs import engine_config

    settings = [("hnswlib", "hnsw", {"M": 32}), ("faiss", "flat", {})]
    plans = memory_calibration(settings, 768)
    assert CALIBRATION_SIZES == (10_000, 40_000)
    assert [p.dataset for p in plans] == ["synthetic:n=10000,dim=768,queries=50", "synthetic:n=40000,dim=768,queries=50"]
    assert [p.label for p in plans] == ["memory calibration, 10,000 x 768", "memory calibration, 40,000 x 768"]
    for plan in plans:
        assert plan.engines == [engine_config("hnswlib", {"index": "hnsw", "M": 32}), engine_config("faiss", {"index": "flat"})]
        assert plan.engines[0].build_params["M"] == 32
        assert (plan.isolate, plan.k, plan.warmup_queries) == (True, 10, 10)
    assert [p.dataset for p in memory_calibration(settings, 64, sizes=(500,))] == ["synthetic:n=500,dim=64,queries=50"]


def test_the_quick_evaluations_expected_duration_is_said_from_this_machines_runs():
    from vectorscout.benchmarking.plans import expected_duration

    assert expected_duration([]) == ("about 132 s on an idle 2-core machine (not yet timed on this one; longer when "
                                     "the machine is busy)")
    assert expected_duration([100.0, 90.0, 130.0]) == "about 100 s on this machine (median of its last 3 run(s), 90–130 s)"
    assert expected_duration([101.4]) == "about 101 s on this machine (median of its last 1 run(s))"
    assert expected_duration([80.0, 120.0]) == "about 100 s on this machine (median of its last 2 run(s), 80–120 s)"
