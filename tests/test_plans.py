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
    assert summary["a"] == {"series": "a", "run": "", "qps": 500, "latency_p95_ms": 1.5, "reached": True}
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
                   load_driver="locust", locust_workers=5, stream_vectors=100, stream_rate=250.0, stream_clients=3,
                   stream_window_s=1.5, hybrid=True, hybrid_depth=50, tune_recall=0.9,
                   until_known_pct=7.5)
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
    from vectorscout.contract.spec_text import SpecError

    with pytest.raises(SpecError, match="unknown parameter"):
        RunPlan.from_public({"dataset": "wordnet", "engines": [{"engine": "faiss", "index": "hnsw",
                                                                "build_params": {"bogus": 1}}]})


# -- the dashboard's ready-made plans ----------------------------------------------------------------------------
def test_quick_evaluation_runs_every_engine_that_needs_no_set_up_and_no_stand_in():
    from vectorscout.benchmarking.plans import quick_evaluation
    from vectorscout.benchmarking.specs import engine_config

    plan = quick_evaluation()
    names = [e.engine for e in plan.engines]
    # weaviate needs a server; qdrant-local is qdrant-client's stand-in, not the engine
    assert sorted(names) == ["chroma", "faiss", "hnswlib", "lancedb", "milvus", "pgvector", "qdrant"]
    # Milvus is measured as Milvus's own standalone server: its embedded default is Milvus Lite, another engine
    assert plan.engines == [engine_config(name, {"uri": "bundled"} if name == "milvus" else {}) for name in names]
    assert (plan.dataset, plan.k, plan.label, plan.filter) == ("wordnet", 10, "quick evaluation", None)
    assert plan.tune_recall == 0.95  # engines compared at equal recall, the target most published comparisons use


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

    assert expected_duration([]) == ("about 79 s on an idle 2-core machine (not yet timed on this one; longer when "
                                     "the machine is busy)")
    assert expected_duration([100.0, 90.0, 130.0]) == "about 100 s on this machine (median of its last 3 run(s), 90–130 s)"
    assert expected_duration([101.4]) == "about 101 s on this machine (median of its last 1 run(s))"
    assert expected_duration([80.0, 120.0]) == "about 100 s on this machine (median of its last 2 run(s), 80–120 s)"


# -- a plan's rules, each at its boundary ------------------------------------------------------------------------
def valid_plan(**changes):
    from vectorscout.benchmarking.plan import RunPlan
    from vectorscout.benchmarking.specs import parse_engines

    return RunPlan(**{"dataset": "d", "engines": parse_engines("faiss"), **changes})


@pytest.mark.parametrize(("changes", "n_vectors", "message"), [
    ({"engines": []}, None, "no engine selected"),
    ({"k": 0}, 500, "k must be between 1 and 500 for d (n=500); got 0"),
    ({"k": 501}, 500, "k must be between 1 and 500 for d (n=500); got 501"),
    ({"k": 1001}, 5000, "k must be between 1 and 1000 for d (n=5000); got 1001"),
    ({"batch_size": 0}, None, "batch size must be at least 1; got 0"),
    ({"timeout_s": 0.0}, None, "the timeout must be a number of seconds above 0 and at most 7 days; got 0"),
    ({"timeout_s": 7 * 86400 + 1.0}, None, "the timeout must be a number of seconds above 0 and at most 7 days; got 604801"),
    ({"timeout_s": float("nan")}, None, "the timeout must be a number of seconds above 0 and at most 7 days; got nan"),
    ({"memory_limit_mb": -1}, None, "the memory limit must be 0 (none) or a positive number of MB; got -1"),
    ({"memory_limit_mb": 2**30 + 1}, None, "the memory limit must be 0 (none) or a positive number of MB; got 1073741825"),
    ({"filter": 3}, None, 'a filter is text like "tag == 3"; got int'),
    ({"repetitions": 0}, None, "repetitions must be between 1 and 100; got 0"),
    ({"repetitions": 101}, None, "repetitions must be between 1 and 100; got 101"),
    ({"duration_s": -0.5}, None, "the load duration must be between 0 and 3600 s; got -0.5"),
    ({"duration_s": 3600.5}, None, "the load duration must be between 0 and 3600 s; got 3600.5"),
    ({"load_driver": "jmeter"}, None, "the load driver is 'local' or 'locust'; got 'jmeter'"),
    ({"locust_workers": 0}, None, "Locust workers must be between 1 and 64; got 0"),
    ({"locust_workers": 65}, None, "Locust workers must be between 1 and 64; got 65"),
    ({"concurrency": (1, 0)}, None, "concurrency levels must be between 1 and 256; got [1, 0]"),
    ({"concurrency": (257,)}, None, "concurrency levels must be between 1 and 256; got [257]"),
    # a stream: it leaves k vectors to index first, at a rate, clients and window within bounds, alone
    ({"stream_vectors": 491}, 500, "the stream must leave at least k=10 of d's 500 vectors to index first; got "
                                   "stream_vectors=491"),
    ({"stream_vectors": 491, "k": 0}, 491, "k must be between 1 and 491 for d (n=491); got 0"),
    ({"stream_vectors": -1}, None, "stream_vectors must be 0 (no stream) or more; got -1"),
    ({"stream_vectors": 10, "stream_rate": 0.99}, None, "the stream rate must be between 1 and 1,000,000 vectors/s; "
                                                         "got 0.99"),
    ({"stream_vectors": 10, "stream_rate": 1_000_001.0}, None, "the stream rate must be between 1 and 1,000,000 "
                                                                "vectors/s; got 1e+06"),
    ({"stream_vectors": 10, "stream_clients": 0}, None, "searching clients during the stream must be between 1 and "
                                                         "64; got 0"),
    ({"stream_vectors": 10, "stream_clients": 65}, None, "searching clients during the stream must be between 1 and "
                                                          "64; got 65"),
    ({"stream_vectors": 10, "stream_window_s": 0.09}, None, "the stream window must be between 0.1 and 3600 s; got 0.09"),
    ({"stream_vectors": 10, "stream_window_s": 3600.5}, None, "the stream window must be between 0.1 and 3600 s; "
                                                               "got 3600.5"),
    ({"stream_vectors": 10, "filter": "tag == 3"}, None, "a streaming run has its own searching clients and searches "
                                                          "unfiltered: leave filter, concurrency and duration_s out of it"),
    ({"stream_vectors": 10, "concurrency": (2,)}, None, "a streaming run has its own searching clients and searches "
                                                         "unfiltered: leave filter, concurrency and duration_s out of it"),
    ({"stream_vectors": 10, "duration_s": 1.0}, None, "a streaming run has its own searching clients and searches "
                                                       "unfiltered: leave filter, concurrency and duration_s out of it"),
    # hybrid: a depth from max(k, 10) to 1000, one serial unfiltered pass
    ({"hybrid": True, "hybrid_depth": 9}, None, "the hybrid depth (candidates fused from each list) must be between "
                                                "max(k, 10) = 10 and 1000; got 9"),
    ({"hybrid": True, "hybrid_depth": 19, "k": 20}, None, "the hybrid depth (candidates fused from each list) must be "
                                                          "between max(k, 10) = 20 and 1000; got 19"),
    ({"hybrid": True, "hybrid_depth": 1001}, None, "the hybrid depth (candidates fused from each list) must be between "
                                                   "max(k, 10) = 10 and 1000; got 1001"),
    ({"hybrid": True, "filter": "tag == 3"}, None, "a hybrid-search run scores one serial pass per retriever, "
                                                   "unfiltered: leave the stream, filter, concurrency and duration_s "
                                                   "out of it"),
    ({"hybrid": True, "concurrency": (1, 2)}, None, "a hybrid-search run scores one serial pass per retriever, "
                                                    "unfiltered: leave the stream, filter, concurrency and duration_s "
                                                    "out of it"),
    ({"hybrid": True, "duration_s": 1.0}, None, "a hybrid-search run scores one serial pass per retriever, "
                                                "unfiltered: leave the stream, filter, concurrency and duration_s out "
                                                "of it"),
    ({"hybrid": True, "stream_vectors": 10}, None, "a hybrid-search run scores one serial pass per retriever, "
                                                   "unfiltered: leave the stream, filter, concurrency and duration_s "
                                                   "out of it"),
    # tuning: a target above 0 and at most 1, static search only
    ({"tune_recall": 1.0001}, None, "the recall target to tune to must be above 0 and at most 1; got 1.0001"),
    ({"tune_recall": -0.5}, None, "the recall target to tune to must be above 0 and at most 1; got -0.5"),
    ({"tune_recall": 0.9, "hybrid": True}, None, "tuning to a recall target measures static vector search: leave the "
                                                 "stream and hybrid search out of it"),
    ({"tune_recall": 0.9, "stream_vectors": 10}, None, "tuning to a recall target measures static vector search: leave "
                                                       "the stream and hybrid search out of it"),
])
def test_each_rule_of_a_plan_refuses_just_past_its_limit(changes, n_vectors, message):
    from vectorscout.benchmarking.plan import PlanError

    with pytest.raises(PlanError) as refused:
        valid_plan(**changes).validate(n_vectors)
    assert str(refused.value) == message


def test_a_plan_at_every_limit_is_valid():
    valid_plan(k=500).validate(500)
    valid_plan(k=1).validate(1)
    valid_plan(k=1000).validate(10**6)
    valid_plan(k=5000).validate(None)  # without the dataset's size, k is left to the run
    valid_plan(batch_size=1, timeout_s=7 * 86400.0, memory_limit_mb=2**30, filter="tag == 3", repetitions=100,
               duration_s=3600.0, load_driver="locust", locust_workers=64, concurrency=(1, 256)).validate()
    valid_plan(timeout_s=0.001, memory_limit_mb=0, repetitions=1, duration_s=0.0, locust_workers=1).validate()
    valid_plan(stream_vectors=490, stream_rate=1.0, stream_clients=1, stream_window_s=0.1).validate(500)
    valid_plan(stream_vectors=1, stream_rate=1_000_000.0, stream_clients=64, stream_window_s=3600.0).validate(500)
    valid_plan(hybrid=True, hybrid_depth=10).validate()
    valid_plan(hybrid=True, hybrid_depth=1000, k=20).validate()
    valid_plan(tune_recall=1.0).validate()
    valid_plan(tune_recall=0.0001).validate()


def test_every_key_of_a_plan_file_reaches_its_runs(tmp_path):
    plan = tmp_path / "every key.yaml"
    plan.write_text("label: all\ndataset: digits\nk: 7\nfilter: 'tag == 3'\nbatch_size: 64\ntimeout_s: 90.5\n"
                    "memory_limit_mb: 900\nconcurrency: [4, 1, 4, 2]\nrepetitions: 5\nduration_s: 2.5\n"
                    "load_driver: locust\nlocust_workers: 3\n"
                    "engines: [{engine: faiss, index: flat}, {engine: hnswlib, build: {M: 8}, search: {ef: 32}}]\n")
    (run,) = load_plan(plan).runs
    assert (run.dataset, run.k, run.filter, run.label, run.batch_size, run.timeout_s, run.memory_limit_mb) == (
        "digits", 7, "tag == 3", "all", 64, 90.5, 900)
    assert (run.concurrency, run.repetitions, run.duration_s, run.load_driver, run.locust_workers) == (
        (1, 2, 4), 5, 2.5, "locust", 3)
    assert [(c.engine, c.index, c.build_params.get("M"), c.search_grid) for c in run.engines] == [
        ("faiss", "flat", None, [{}]), ("hnswlib", "hnsw", 8, [{"ef": 32}])]  # flat has no search parameter


def test_a_plan_file_with_only_engines_takes_every_default(tmp_path):
    from vectorscout.benchmarking.plan import RunPlan

    plan = tmp_path / "bare.json"
    plan.write_text('{"engines": [{"engine": "faiss"}]}')
    loaded = load_plan(plan)
    (run,) = loaded.runs
    assert loaded.label == "bare" == run.label
    assert (run.dataset, run.k, run.filter, run.batch_size, run.timeout_s, run.memory_limit_mb) == (
        "wordnet", 10, None, 1000, 3600.0, 0)
    assert (run.concurrency, run.repetitions, run.duration_s, run.load_driver, run.locust_workers) == (
        (1,), RunPlan.repetitions, 0.0, "local", 2)
    assert run.engines[0].search_grid == [{}] and run.engines[0].index == "flat"


def test_a_build_grid_and_a_connection_give_one_configuration_each(tmp_path):
    from vectorscout.benchmarking.specs import engine_config

    plan = tmp_path / "grid.yaml"
    plan.write_text("datasets: [a, b]\nfilters: ['tag == 1', 'tag == 2']\nengines:\n"
                    "  - {engine: hnswlib, build: {M: [8, 16], ef_construction: [40, 80]}, search: {ef: [10, 20]}}\n"
                    "  - {engine: weaviate, connection: {url: 'http://h:8080'}, search: {}}\n")
    runs = load_plan(plan).runs
    assert [(r.dataset, r.filter) for r in runs] == [("a", "tag == 1"), ("a", "tag == 2"), ("b", "tag == 1"),
                                                     ("b", "tag == 2")]
    configs = runs[0].engines
    assert [(c.build_params["M"], c.build_params["ef_construction"]) for c in configs[:4]] == [
        (8, 40), (8, 80), (16, 40), (16, 80)]
    assert all(c.search_grid == [{"ef": 10}, {"ef": 20}] for c in configs[:4])
    assert configs[4].engine == "weaviate" and configs[4].connection == {"url": "http://h:8080"}
    # an empty or missing search: the adapter's default setting, as `--engines weaviate` gives it
    assert configs[4].search_grid == engine_config("weaviate", {"url": "http://h:8080"}).search_grid == [{"ef": 64}]


@pytest.mark.parametrize(("text", "message"), [
    ("engines: [{index: hnsw}]", "plan.yaml: engines[0]: each engine entry needs 'engine'"),
    ("engines: [faiss]", "plan.yaml: engines[0]: each engine entry needs 'engine'"),
    ("engines: [{engine: faiss}, {engine: faiss, colour: red, size: 1}]",
     "plan.yaml: engines[1]: unknown key(s) colour, size"),
    ("engines: [{engine: weaviate, connection: http://h}]",
     "plan.yaml: engines[0]: connection must be a mapping of option to value, e.g. {url: http://host:6333}"),
    ("engines: [{engine: faiss, index: nosuch}]", "plan.yaml: engines[0]: "),
    ("engines: [{engine: faiss, search: [1, 2]}]",
     "plan.yaml: engines[0]: search must be a mapping of parameter to values, or 'sweep'"),
    ("engines: [{engine: faiss, build: [8]}]", "plan.yaml: engines[0]: build must be a mapping of parameter to values"),
    ("engines: {engine: faiss}", "plan.yaml: 'engines' must list at least one engine"),
    ("- a list", "plan.yaml: a plan is a mapping with datasets and engines"),
    ("k: ten\nengines: [{engine: faiss}]", "plan.yaml: k: expected a whole number, got 'ten'"),
    ("k: true\nengines: [{engine: faiss}]", "plan.yaml: k: expected a whole number, got True"),
    ("k: 10.7\nengines: [{engine: faiss}]", "plan.yaml: k: expected a whole number, got 10.7"),
    ("timeout_s: .inf\nengines: [{engine: faiss}]", "plan.yaml: timeout_s: expected a number, got inf"),
    ("hybrid: yes please\nengines: [{engine: faiss}]", "plan.yaml: hybrid is true or false; got 'yes please'"),
    ("hybrid_depth: deep\nengines: [{engine: faiss}]", "plan.yaml: hybrid_depth: expected a whole number, got 'deep'"),
    ("stream_rate: fast\nengines: [{engine: faiss}]", "plan.yaml: stream_rate: expected a number, got 'fast'"),
    ("concurrency: [1, many]\nengines: [{engine: faiss}]", "plan.yaml: concurrency: expected a whole number, got 'many'"),
    ("locust_workers: [2]\nengines: [{engine: faiss}]", "plan.yaml: locust_workers: expected a whole number, got [2]"),
    ("load_driver: [local]\nengines: [{engine: faiss}]", "plan.yaml: load_driver: expected local or locust, got ['local']"),
    ("label: " + "x" * 201 + "\nengines: [{engine: faiss}]", "plan.yaml: label has 201 characters; at most 200"),
    ("a: &a [1, 1]\nb: &b [*a, *a]\nengines: [{engine: faiss}]", "plan.yaml: not valid YAML/JSON (aliases (*name) are "
                                                                   "not allowed in a plan\n  in \"<unicode string>\", "
                                                                   "line 2, column 8"),
    ("concurrency: [" + ", ".join(map(str, range(1, 66))) + "]\nengines: [{engine: faiss}]",
     "plan.yaml: concurrency has 65 values; at most 64 are allowed"),
    ("engines: [{engine: faiss, index: hnsw, build: {M: [" + ", ".join(map(str, range(4, 69))) + "]}}]",
     "plan.yaml: engines[0]: build M has 65 values; at most 64 are allowed"),
    ("engines: [{engine: faiss, index: hnsw, search: {ef_search: [" + ", ".join(map(str, range(1, 66))) + "]}}]",
     "plan.yaml: engines[0]: search ef_search has 65 values; at most 64 are allowed"),
    ("engines: [{engine: faiss, index: hnsw, search: {ef_search: [" + ", ".join(map(str, range(1, 30))) + "], "
     "probe: [" + ", ".join(map(str, range(1, 10))) + "]}}]",
     "plan.yaml: engines[0]: the search grid has 261 settings; at most 256 are allowed"),
    ("engines: [{engine: faiss, index: hnsw, build: {M: [4, 8, 16, 24, 32, 48, 64, 96, 128], "
     "ef_construction: [40, 80, 100, 200, 300, 400, 500, 600]}}]",
     "plan.yaml: engines[0]: the build grid has 72 settings (an index each); at most 64 are allowed"),
    ("filter: 3\nengines: [{engine: faiss}]",
     'plan.yaml: filter and filters take text like "tag == 3" (a list of them for filters)'),
    ("filters: ['tag == 1', 2]\nengines: [{engine: faiss}]", "plan.yaml: filter and filters take text"),
    ("datasets: [{name: x}]\nengines: [{engine: faiss}]",
     "plan.yaml: datasets are names or specs like wordnet or synthetic:n=10000,dim=64"),
])
def test_each_mistake_in_a_plan_file_is_named_with_where_it_is(tmp_path, text, message):
    plan = tmp_path / "plan.yaml"
    plan.write_text(text)
    with pytest.raises(PlanFileError) as refused:
        load_plan(plan)
    assert str(refused.value).removeprefix(str(tmp_path) + "/").startswith(message)


def test_an_unreadable_plan_file_is_refused_in_one_line(tmp_path):
    with pytest.raises(PlanFileError, match=r"^cannot read plan .*missing.yaml: No such file or directory$"):
        load_plan(tmp_path / "missing.yaml")
    binary = tmp_path / "plan.yaml"
    binary.write_bytes(b"\xff\xfe\x00engines")
    with pytest.raises(PlanFileError, match=r"plan.yaml: not UTF-8 text \(a plan is a YAML or JSON file\)$"):
        load_plan(binary)
    broken = tmp_path / "plan.json"
    broken.write_text("engines: [{engine: faiss}]")  # YAML in a .json file is read as JSON
    with pytest.raises(PlanFileError, match=r"plan.json: not valid YAML/JSON \("):
        load_plan(broken)


def test_unknown_top_level_keys_are_all_named(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text("colour: red\nsize: 3\nengines: [{engine: faiss}]\n")
    with pytest.raises(PlanFileError) as refused:
        load_plan(plan)
    assert str(refused.value) == f"{plan}: unknown key(s) colour, size"


def test_a_public_plan_may_leave_out_what_has_a_default_and_is_read_strictly():
    from dataclasses import fields

    from vectorscout.benchmarking.plan import RunPlan

    bare = RunPlan.from_public({"dataset": "wordnet"})
    assert bare == RunPlan(dataset="wordnet", engines=[]) and bare.filter is None
    engine = RunPlan.from_public({"dataset": 7, "engines": [{"engine": "faiss", "index": "hnsw"}],
                                  "concurrency": ["4", 2.0], "filter": None, "k": "5", "timeout_s": "9"})
    assert engine.dataset == "7" and engine.engines[0].build_params == {"M": 16, "ef_construction": 200}
    assert (engine.concurrency, engine.filter, engine.k, engine.timeout_s) == ((4, 2), None, 5, 9.0)
    assert RunPlan.from_public(RunPlan(dataset="d", engines=[]).public()).filter is None
    public = RunPlan(dataset="d", engines=[], concurrency=(1, 8)).public()
    assert set(public) == {f.name for f in fields(RunPlan)} and public["concurrency"] == [1, 8]


def test_a_plan_file_at_its_size_limits_is_read(tmp_path):
    """64 values of one parameter, 256 search settings and 64 builds in one entry, a 200-character label."""
    values = ", ".join(map(str, range(1, 65)))
    plan = tmp_path / "plan.yaml"
    plan.write_text("label: " + "x" * 200 + "\nengines:\n"
                    f"  - {{engine: faiss, index: hnsw, search: {{ef_search: [{values}]}}}}\n"
                    "  - {engine: lancedb, index: ivf_pq, search: {nprobes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, "
                    "14, 15, 16], refine_factor: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]}}\n"
                    "  - {engine: faiss, index: hnsw, build: {M: [4, 8, 12, 16, 20, 24, 28, 32], "
                    "ef_construction: [40, 80, 120, 160, 200, 240, 280, 320]}}\n")
    (run,) = load_plan(plan).runs
    assert len(run.engines) == 1 + 1 + 64 and len(run.engines[0].search_grid) == 64
    assert len(run.engines[1].search_grid) == 256 and len(run.label) == 200


NUMERIC_KEYS = {"k": ("whole number", 7), "batch_size": ("whole number", 250), "timeout_s": ("number", 90.5),
                "memory_limit_mb": ("whole number", 4096), "repetitions": ("whole number", 5),
                "duration_s": ("number", 2.5), "locust_workers": ("whole number", 3),
                "stream_vectors": ("whole number", 100), "stream_rate": ("number", 250.5),
                "stream_clients": ("whole number", 3), "stream_window_s": ("number", 1.5),
                "hybrid_depth": ("whole number", 50), "tune_recall": ("number", 0.9)}


@pytest.mark.parametrize("key", sorted(NUMERIC_KEYS))
def test_each_number_of_a_plan_file_reaches_its_run_and_a_wrong_one_is_named(tmp_path, key):
    kind, value = NUMERIC_KEYS[key]
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"{key}: {value}\nengines: [{{engine: faiss}}]\n")
    (run,) = load_plan(plan).runs
    assert getattr(run, key) == value
    plan.write_text(f"{key}: '{value}'\nengines: [{{engine: faiss}}]\n")
    with pytest.raises(PlanFileError) as refused:
        load_plan(plan)
    assert str(refused.value) == f"{plan}: {key}: expected a {kind}, got '{value}'"


def test_a_plan_file_without_numbers_takes_each_default_and_concurrency_reads_each_level(tmp_path):
    from vectorscout.benchmarking.plan import RunPlan

    plan = tmp_path / "plan.yaml"
    plan.write_text("engines: [{engine: faiss}]\n")
    (run,) = load_plan(plan).runs
    defaults = RunPlan(dataset="wordnet", engines=[])
    for key in NUMERIC_KEYS:
        assert getattr(run, key) == (10 if key == "k" else 1000 if key == "batch_size" else 3600 if key == "timeout_s"
                                     else 2 if key in ("locust_workers", "stream_clients") else getattr(defaults, key)), key
    assert run.concurrency == (1,) and run.hybrid is False
    plan.write_text("hybrid: true\nengines: [{engine: faiss}]\n")
    assert load_plan(plan).runs[0].hybrid is True
    plan.write_text("concurrency: [4, 1, 4]\nengines: [{engine: faiss}]\n")
    assert load_plan(plan).runs[0].concurrency == (1, 4)
    plan.write_text("concurrency: [1, 2.5]\nengines: [{engine: faiss}]\n")
    with pytest.raises(PlanFileError, match=r"plan.yaml: concurrency: expected a whole number, got 2.5$"):
        load_plan(plan)
    for key in ("stream_vectors", "tune_recall", "stream_clients", "hybrid_depth"):  # each is a known key
        plan.write_text(f"{key}: 1\nengines: [{{engine: faiss}}]\n")
        load_plan(plan)


def test_a_scale_ladder_doubles_from_25k_as_far_as_memory_holds_and_runs_the_priced_setting_at_each_size():
    from vectorscout.benchmarking.plans import LadderSetting, ladder_seconds, ladder_sizes, scale_ladder

    # 768 dims: 400k x 3,072 B x 4 copies = 4.9 GB must fit in half the available memory
    assert ladder_sizes(768, 24 * 2**30) == (25_000, 50_000, 100_000, 200_000, 400_000)
    assert ladder_sizes(768, 2 * 400_000 * 768 * 4 * 4) == (25_000, 50_000, 100_000, 200_000, 400_000)
    assert ladder_sizes(768, 2 * 400_000 * 768 * 4 * 4 - 1) == (25_000, 50_000, 100_000, 200_000)
    setting = LadderSetting("hnswlib", "hnsw", {"M": 8}, {"ef": 32}, build_s=10.0, measured_n=10_000,
                            measured_dim=384, qps=1000.0)
    plans = scale_ladder([setting], 768, (25_000, 50_000, 100_000))
    assert [p.dataset for p in plans] == [f"synthetic:n={n},dim=768,decay=1,queries=200" for n in (25_000, 50_000, 100_000)]
    assert plans[0].label == "scale ladder, 25,000 x 768"
    (engine,) = plans[0].engines
    assert (engine.engine, engine.index, engine.build_params["M"], engine.search_grid) == ("hnswlib", "hnsw", 8, [{"ef": 32}])
    with pytest.raises(PlanFileError, match="three sizes"):
        scale_ladder([setting], 768, (25_000, 50_000))
    # 10 s at 10k x 384 -> x (25k/10k)^1.15 x 2 (dimensions); 1,050 queries at 1,000 QPS; 15 s to start and stop
    assert ladder_seconds([setting], 768, (25_000,)) == pytest.approx(10 * 2.5**1.15 * 2 + 1.05 + 15)
    unmeasured = LadderSetting("hnswlib", "hnsw", {}, {})
    assert ladder_seconds([unmeasured], 384, (78_000,)) == pytest.approx(78_000 / 780 / 2 + 1050 / 100 + 15)
