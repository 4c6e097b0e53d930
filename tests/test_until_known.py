"""Stopping when the answer is known: the 95 % intervals (their coverage, checked by simulation), the rule that
ends a setting's timed passes, the tuning that judges a setting on as few queries as decide it, the recommendation
that calls a tie where intervals overlap, and the quick evaluation that uses all of it."""

import math
from dataclasses import replace

import numpy as np
import pytest
from tests_support import faiss_hnsw_of

from vectorscout.benchmarking.metrics import (
    mean_interval,
    qps_interval,
    quantile_interval,
    recall_interval,
    recall_per_query,
    relative_half_width_pct,
)
from vectorscout.benchmarking.plan import PlanError, RunPlan
from vectorscout.benchmarking.plans import QUICK_UNTIL_KNOWN_PCT, quick_evaluation
from vectorscout.benchmarking.runner import execute
from vectorscout.benchmarking.specs import parse_engines
from vectorscout.benchmarking.timing import TAIL_FACTOR, known_well_enough
from vectorscout.benchmarking.tuning import DECISION_FLOOR, DECISION_ROUND, split_queries, tune
from vectorscout.decision.recommend import Measured, speed_parts
from vectorscout.results.store import ResultsStore


def coverage(draw, interval, truth, trials=2000, seed=0):
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(trials):
        low, high = interval(draw(rng))
        hits += low <= truth <= high
    return hits / trials


def test_the_quantile_interval_covers_the_true_p95_and_p50_about_95_times_in_100():
    # exponential latencies (a long tail): the q-quantile is -ln(1 - q)
    for q in (0.5, 0.95):
        share = coverage(lambda rng: rng.exponential(1.0, 500), lambda x, q=q: quantile_interval(x, q), -math.log(1 - q))
        assert 0.93 <= share <= 0.975, (q, share)


def test_the_quantile_interval_is_read_at_the_order_statistics_it_names():
    ordered = np.arange(1000, dtype=np.float64)  # sample i is i: the interval's ends are its ranks
    spread = 1.959964 * math.sqrt(1000 * 0.95 * 0.05)  # 13.5
    assert quantile_interval(ordered[::-1], 0.95) == (math.floor(950 - spread), math.ceil(950 + spread)) == (936, 964)
    assert quantile_interval(np.array([3.0]), 0.95) == (3.0, 3.0)  # one query: a point, never out of range


def test_the_mean_and_recall_intervals_cover_about_95_times_in_100_and_recall_stays_in_0_1():
    share = coverage(lambda rng: rng.binomial(10, 0.9, 300) / 10, recall_interval, 0.9)
    assert 0.93 <= share <= 0.975
    assert recall_interval(np.ones(50)) == (1.0, 1.0) and recall_interval(np.array([1.0, 0.0]))[0] == 0.0
    low, high = mean_interval(np.array([1.0, 3.0]))  # sd 1.414, se 1: 2 ± 1.96
    assert (low, high) == pytest.approx((2 - 1.959964, 2 + 1.959964))


def test_recall_per_query_is_each_querys_share_and_its_mean_the_recall():
    found = np.array([[1, 2, 3], [4, 5, -1]])
    truth = np.array([[3, 2, 9], [4, 7, 8]])
    assert recall_per_query(found, truth, 3).tolist() == pytest.approx([2 / 3, 1 / 3])


def test_the_qps_interval_inverts_the_mean_latencys_and_holds_the_measured_qps():
    latencies = np.array([1.0, 2.0, 3.0, 2.0])  # mean 2, se 0.408
    low, high = qps_interval(400.0, latencies)
    half = 1.959964 * np.std(latencies, ddof=1) / 2
    assert (low, high) == pytest.approx((400 * 2 / (2 + half), 400 * 2 / (2 - half)))
    assert qps_interval(500.0, np.full(10, 2.0)) == (500.0, 500.0)
    assert relative_half_width_pct((90.0, 110.0), 100.0) == 10.0


def test_timing_stops_once_p50_qps_and_p95_are_known_to_their_widths():
    from vectorscout.benchmarking.metrics import summarize_latencies

    rng = np.random.default_rng(1)
    steady = [rng.normal(1e6, 1e4, 500).astype(np.int64)]  # 1 ms ± 1 %: known after one pass
    assert known_well_enough([summarize_latencies(steady[0], 0.5)], steady, 5.0)
    tail = np.concatenate([np.full(470, 1_000_000), rng.integers(2_000_000, 40_000_000, 30)])
    assert not known_well_enough([summarize_latencies(tail, 0.6)], [tail], 5.0)  # a p95 inside a scattered tail
    # the p95 is held to TAIL_FACTOR (2) times the width: ±8.3 % passes at 5 %, ±9.4 % fails at 4 %
    p95_wide = np.concatenate([np.full(475, 1_000_000), np.linspace(1_000_000, 1_400_000, 25).astype(np.int64)])
    width = relative_half_width_pct(quantile_interval(p95_wide / 1e6, 0.95), float(np.percentile(p95_wide / 1e6, 95)))
    assert width == pytest.approx(8.3333, abs=1e-3) and TAIL_FACTOR == 2.0
    assert known_well_enough([summarize_latencies(p95_wide, 0.5)], [p95_wide], 5.0)
    assert not known_well_enough([summarize_latencies(p95_wide, 0.5)], [p95_wide], 4.0)


def test_a_run_that_stops_when_known_times_fewer_passes_and_reports_figures_inside_their_intervals():
    engines = parse_engines("hnswlib:M=8,faiss:index=flat")
    plan = RunPlan(dataset="synthetic:n=3000,dim=32,queries=400", engines=engines, isolate=False,
                   until_known_pct=5.0)
    for row in execute(plan, ResultsStore()).results:
        assert 1 <= row.repetitions <= plan.repetitions
        for figure, interval in ((row.recall, row.recall_interval), (row.latency_p50_ms, row.latency_p50_interval_ms),
                                 (row.latency_p95_ms, row.latency_p95_interval_ms), (row.qps, row.qps_interval)):
            assert interval[0] <= figure <= interval[1], (row.engine, figure, interval)
    loose = execute(RunPlan(dataset="synthetic:n=3000,dim=32,queries=400", engines=engines, isolate=False,
                            until_known_pct=50.0), ResultsStore()).results
    assert [row.repetitions for row in loose] == [1, 1]  # known to ±50 % (p95 ±100 %) after the floor: one pass
    never = execute(RunPlan(dataset="synthetic:n=3000,dim=32,queries=400", engines=engines[:1], isolate=False,
                            until_known_pct=0.001), ResultsStore()).results[0]
    assert never.repetitions == plan.repetitions  # intervals that never get that tight: the ceiling, the full recipe
    fixed = execute(RunPlan(dataset="synthetic:n=3000,dim=32,queries=400", engines=engines[:1], isolate=False),
                    ResultsStore()).results[0]
    assert fixed.repetitions == 3 and fixed.recall_interval is not None  # the fixed recipe also keeps intervals
    with pytest.raises(PlanError, match="until_known_pct"):
        RunPlan(dataset="digits", engines=engines, until_known_pct=60).validate(1000)


def test_tuning_judges_a_setting_far_from_the_target_on_fewer_queries_and_chooses_as_the_full_reading(tmp_path):
    from vectorscout.data.datasets import load_dataset
    from vectorscout.process.progress import CancelToken

    dataset = load_dataset("synthetic:n=4000,dim=32,queries=1000")
    truth = dataset.ground_truth(10)
    db, spec = faiss_hnsw_of(dataset, tmp_path)
    found = {early: tune(db, spec, {"ef_search": 64}, [{"ef_search": 64}], dataset, truth, None, 10, 0.95,
                         db.set_search_params, CancelToken(), early=early) for early in (False, True)}
    full, quick = found[False][1], found[True][1]
    half = len(split_queries(1000)[0])
    assert found[True][0] == found[False][0]  # the same setting chosen
    assert full.read == [half] * len(full.tried)
    assert [value for value, _ in quick.tried] == [value for value, _ in full.tried]
    assert min(quick.read) < half and all(DECISION_FLOOR <= n <= half for n in quick.read)
    assert all(n == half or n % DECISION_ROUND == 0 for n in quick.read)
    db.close()


def test_figures_that_cannot_be_told_apart_are_a_tie_on_speed_not_a_ranking():
    best = Measured(1000.0, 1.0, 0.96, "r", qps_interval=(950.0, 1050.0), p95_interval=(0.9, 1.1))
    close = Measured(960.0, 1.05, 0.96, "r", qps_interval=(920.0, 1000.0), p95_interval=(1.0, 1.2))
    apart = Measured(600.0, 2.0, 0.96, "r", qps_interval=(580.0, 620.0), p95_interval=(1.9, 2.1))
    assert speed_parts(close, [best, close, apart]) == ([1.0, 1.0], True)
    assert speed_parts(apart, [best, close, apart]) == ([0.6, 0.5], False)
    assert speed_parts(best, [best, close, apart]) == ([1.0, 1.0], False)
    unknown = Measured(960.0, 1.05, 0.96, "r")  # no intervals (older runs): ranked by the figures
    # intervals that overlap but a ratio outside the interval of a difference (√(h² + h'²) in logarithms): ranked.
    # 1,000 ×/÷ 1.25 against 700 ×/÷ 1.25: ln(1000/700) = 0.357 > √2 · ln 1.25 = 0.316
    wide = Measured(1000.0, 1.0, 0.96, "r", qps_interval=(800.0, 1250.0), p95_interval=(0.8, 1.25))
    slower = Measured(700.0, 1.0 / 0.7, 0.96, "r", qps_interval=(560.0, 875.0), p95_interval=(0.8 / 0.7, 1.25 / 0.7))
    assert speed_parts(slower, [wide, slower]) == ([pytest.approx(0.7), pytest.approx(0.7)], False)
    # 1,000 against 800, the same widths: ln 1.25 = 0.223 < 0.316, a tie
    near = Measured(800.0, 1.25, 0.96, "r", qps_interval=(640.0, 1000.0), p95_interval=(1.0, 1.5625))
    assert speed_parts(near, [wide, near]) == ([1.0, 1.0], True)
    reaching_0 = Measured(500.0, 2.0, 0.96, "r", qps_interval=(0.0, float("inf")), p95_interval=(0.0, 4.0))
    assert speed_parts(reaching_0, [wide, reaching_0]) == ([1.0, 1.0], True)
    assert speed_parts(unknown, [best, unknown]) == ([0.96, pytest.approx(1 / 1.05)], False)


def test_the_quick_evaluation_stops_when_known():
    assert quick_evaluation().until_known_pct == QUICK_UNTIL_KNOWN_PCT == 5.0


def test_the_charts_draw_each_interval_as_error_bars_and_none_where_no_interval_was_kept():
    from vectorscout.reporting.charts import latency_figure, recall_qps_figure
    from vectorscout.results.records import ResultRow

    def row(engine, qps, interval=True):
        return ResultRow(engine=engine, status="ok", index="hnsw", build_params={}, search_params={"ef": 64},
                         recall=0.96, qps=qps, latency_p50_ms=1.0, latency_p95_ms=2.0, latency_p99_ms=3.0,
                         recall_interval=[0.95, 0.965] if interval else None,
                         qps_interval=[qps - 40, qps + 10] if interval else None,
                         latency_p50_interval_ms=[0.9, 1.2] if interval else None,
                         latency_p95_interval_ms=[1.7, 2.5] if interval else None)

    pareto = recall_qps_figure([row("hnswlib", 1000.0), row("faiss", 500.0, interval=False)])
    hnsw = next(t for t in pareto.data if t.name.startswith("hnswlib") and t.name.endswith("(all)"))
    assert list(hnsw.error_x.arrayminus) == pytest.approx([0.01]) and list(hnsw.error_x.array) == pytest.approx([0.005])
    assert list(hnsw.error_y.arrayminus) == [40.0] and list(hnsw.error_y.array) == [10.0]
    faiss = next(t for t in pareto.data if t.name.startswith("faiss") and t.name.endswith("(all)"))
    assert faiss.error_x.array is None and faiss.error_y.array is None
    p50, p95, p99 = latency_figure([row("hnswlib", 1000.0)]).data
    assert list(p95.error_x.arrayminus) == pytest.approx([0.3]) and list(p95.error_x.array) == pytest.approx([0.5])
    assert list(p50.error_x.array) == pytest.approx([0.2]) and p99.error_x.array is None


def test_a_verdict_on_quick_evaluation_evidence_says_it_is_indicative_and_how_tight_it_was_timed():
    from vectorscout.benchmarking.plans import QUICK_LABEL
    from vectorscout.decision.recommend import evidence_reach, measured_at_target
    from vectorscout.decision.scenario import Scenario

    plan = RunPlan(dataset="synthetic:n=2000,dim=16,queries=100", engines=parse_engines("faiss:index=flat"),
                   isolate=False, until_known_pct=5.0)
    answers = Scenario("s", {"vectors_now": 1000, "dimensions": 16}).record
    for label, said in ((QUICK_LABEL, True), ("my own run", False)):
        run = execute(replace(plan, label=label), ResultsStore())
        reach = evidence_reach([run], measured_at_target([run], 0.9), answers)
        assert reach.startswith(f"Indicative: the quick evaluation ({run.run_id}) measured the small bundled set at "
                                "each engine's default build, timed only until its queries knew each figure to ±5 % "
                                "(p95 ±10 %). Measured at 2,000 vectors x 16") == said, reach


def test_a_quick_evaluation_timed_every_repetition_says_so_in_its_label_and_its_verdict(monkeypatch):
    """`run --quick --until-known 0` (the benchmark's fixed recipe) is not the quick evaluation Home times: its
    label names the option, so Home's "about N s on this machine" leaves it out, and the verdict it informs says
    it timed every repetition, not "until its queries knew each figure"."""
    from vectorscout.benchmarking.plans import QUICK_LABEL, is_quick_evaluation
    from vectorscout.cli import main, measure
    from vectorscout.decision.recommend import evidence_reach, measured_at_target
    from vectorscout.decision.scenario import Scenario

    asked: list[RunPlan] = []
    monkeypatch.setattr(measure, "run_queued", lambda plans, quiet: asked.extend(plans) or [])
    for options, label in (([], QUICK_LABEL), (["--until-known", "0"], f"{QUICK_LABEL} with --until-known 0"),
                           (["--in-process", "--repetitions", "5"],
                            f"{QUICK_LABEL} with --in-process --repetitions 5")):
        asked.clear()
        assert main(["run", "--quick", *options]) == 0
        assert [plan.label for plan in asked] == [label] and is_quick_evaluation(label)
    assert not is_quick_evaluation("quick evaluation of the catalogue")  # a label of one's own is not it

    store = ResultsStore()
    fixed = execute(RunPlan(dataset="synthetic:n=2000,dim=16,queries=100", engines=parse_engines("faiss:index=flat"),
                            isolate=False, label=f"{QUICK_LABEL} with --until-known 0"), store)
    answers = Scenario("s", {"vectors_now": 1000, "dimensions": 16}).record
    reach = evidence_reach([fixed], measured_at_target([fixed], 0.9), answers)
    assert reach.startswith(f"Indicative: the quick evaluation ({fixed.run_id}) measured the small bundled set at "
                            "each engine's default build, timed over every repetition. Measured at 2,000"), reach
    assert store.durations_s(QUICK_LABEL) == []  # Home's expected time takes in the quick evaluation's runs alone
