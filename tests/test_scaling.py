"""Scaling curves: the fit, its prediction interval and its held-out check against figures worked out by hand
and against their own promise (a 95 % interval holds the truth about 95 % of the time), and ladders found in
stored runs only where one setting was measured at three or more sizes of one family of data."""

import math

import numpy as np
import pytest

from vectorscout.results.records import DatasetInfo, Environment, ResultRow, Run
from vectorscout.results.scaling import (
    FIGURE,
    LONG_EXTRAPOLATION,
    MODELS,
    FitError,
    family_of,
    fit_curve,
    fit_line,
    ladder_for,
    ladders,
    leave_one_out_error,
)

SIZES = (25_000, 50_000, 100_000, 200_000, 400_000)


def test_a_straight_line_and_its_interval_match_the_figures_worked_out_by_hand():
    # (1,1) (2,3) (3,2) (4,4): a = 0.5, b = 0.8; residuals -0.3 0.9 -0.9 0.3, s = sqrt(1.8 / 2);
    # at x = 5: spread = s * sqrt(1 + 1/4 + 2.5^2 / 5) = 1.5 (to 4 digits), t(0.975, 2) = 4.302653
    line = fit_line(MODELS["linear"], [(1, 1), (2, 3), (3, 2), (4, 4)])
    assert (line.a, line.b) == pytest.approx((0.5, 0.8))
    assert line.predict(5) == pytest.approx(4.5)
    half = 4.302653 * math.sqrt(0.9) * math.sqrt(2.5)
    assert line.interval(5) == pytest.approx((4.5 - half, 4.5 + half), rel=1e-6)
    assert fit_line(MODELS["linear"], [(1, 1), (2, 3)]).interval(5) is None  # no residuals: no interval


def test_a_power_law_is_recovered_exactly_and_chosen_over_a_log_curve():
    points = [(n, 3e-3 * n ** 0.4) for n in SIZES]  # latency growing as a power of n
    curve = fit_curve(FIGURE["p95_ms"], points)
    assert curve.line.model.name == "power"
    assert curve.line.b == pytest.approx(0.4)
    assert curve.at(100_000_000).value == pytest.approx(3e-3 * 1e8 ** 0.4)
    assert curve.check.size == 400_000 and curve.check.error == pytest.approx(0, abs=1e-9)
    assert "leave-one-out error 0%" in curve.why and "a + b × log n" in curve.why
    qps = fit_curve(FIGURE["qps"], [(n, 3e4 * n ** -0.4) for n in SIZES])
    assert qps.line.b == pytest.approx(-0.4) and qps.why == "c × n^b (a power law): the only model for this figure"


def test_qps_is_never_carried_below_zero():
    # Qdrant's edge engine's 768-d ladder (2026-12-07): a line in log n fits these best and reaches 0 near 2M
    # vectors; QPS is carried by the power law, positive at every size, with a positive interval
    measured = list(zip(SIZES, (1956.3, 1655.5, 1313.5, 1002.9, 717.1)))
    curve = fit_curve(FIGURE["qps"], measured)
    assert fit_line(MODELS["log"], measured).predict(10**9) < 0
    at = curve.at(10**9)
    assert at.value > 0 and at.interval[0] > 0
    xs, ys = np.log(SIZES), np.log([q for _, q in measured])
    slope, intercept = np.polyfit(xs, ys, 1)
    assert at.value == pytest.approx(math.exp(intercept + slope * math.log(1e9)))


def test_a_log_curve_is_chosen_for_latency_that_grows_with_log_n_and_the_held_out_error_is_the_real_one():
    points = [(n, 0.2 + 0.1 * math.log(n)) for n in SIZES]
    curve = fit_curve(FIGURE["p95_ms"], points)
    assert curve.line.model.name == "log"
    # power law from the four smaller sizes, asked for 400k: its own error, worked out here independently
    xs, ys = np.log(SIZES[:-1]), np.log([y for _, y in points[:-1]])
    b, a = np.polyfit(xs, ys, 1)
    power_at_largest = math.exp(a + b * math.log(400_000))
    truth = 0.2 + 0.1 * math.log(400_000)
    assert leave_one_out_error(FIGURE["p95_ms"], MODELS["power"], points) > 0
    assert curve.check.error == pytest.approx(0, abs=1e-9)
    assert abs(power_at_largest - truth) / truth > 1e-4  # the power law would have been measurably off


def test_three_sizes_take_the_figures_default_model_and_two_sizes_make_no_curve():
    three = [(n, 1000.0 / n) for n in SIZES[:3]]
    assert fit_curve(FIGURE["p95_ms"], three).line.model.name == "log"  # the first of the figure's models
    assert "3 sizes are too few to choose" in fit_curve(FIGURE["p95_ms"], three).why
    assert fit_curve(FIGURE["p95_ms"], three[:2]) is None
    with pytest.raises(FitError):
        fit_line(MODELS["power"], [(1, 1.0), (1, 2.0)])


def test_the_held_out_check_reports_the_error_of_the_fit_without_the_largest_size():
    # linear memory with a kink at the largest size: the fit of the four smaller sizes misses it by a known amount
    points = [(n, 1e8 + 500.0 * n) for n in SIZES[:-1]] + [(400_000, 1e8 + 500.0 * 400_000 * 1.5)]
    curve = fit_curve(FIGURE["memory_bytes"], points)
    expected = 1e8 + 500.0 * 400_000
    measured = 1e8 + 750.0 * 400_000
    assert curve.check.predicted == pytest.approx(expected)
    assert curve.check.error == pytest.approx(abs(expected - measured) / measured)
    assert curve.check.inside is False  # four exact points: an interval of width zero cannot hold the kink


def test_recall_is_judged_in_its_own_units_and_kept_between_0_and_1():
    points = [(n, 1.02 - 0.01 * math.log(n)) for n in SIZES]
    curve = fit_curve(FIGURE["recall"], points)
    assert curve.check.error == pytest.approx(0, abs=1e-9)
    assert curve.at(1).value == 1.0  # the line says 1.02 at one vector
    assert 0.0 <= curve.at(10**30).value <= 1.0
    wide = fit_curve(FIGURE["p95_ms"], [(25_000, 1.0), (50_000, 3.0), (100_000, 1.5)])
    assert wide.line.model.name == "log" and wide.line.interval(10**9)[0] < 0
    assert wide.at(10**9).interval[0] == 0.0  # no latency below zero, whatever the straight line says
    falling = fit_curve(FIGURE["recall"], [(n, v + (0.001 if i % 2 else -0.001)) for i, (n, v) in enumerate(points)])
    assert falling.check.error == pytest.approx(abs(falling.check.predicted - falling.check.measured))


def test_predictions_past_twenty_times_the_largest_size_are_marked_long():
    curve = fit_curve(FIGURE["qps"], [(n, 5e4 * n ** -0.3) for n in SIZES])
    assert LONG_EXTRAPOLATION == 20
    assert not curve.at(400_000 * 20).long
    assert curve.at(400_000 * 20 + 1).long
    assert curve.at(100_000).reach == "within the measured sizes"
    assert curve.at(1_000_000_000).reach == "long extrapolation: 2,500× the largest size measured"
    assert curve.at(4_000_000).reach == "extrapolated 10× the largest size measured"


def test_a_95_percent_interval_holds_the_held_out_truth_about_95_percent_of_the_time():
    rng = np.random.default_rng(7)
    inside = 0
    trials = 2000
    for _ in range(trials):
        noisy = [(n, 2e5 * n ** -0.5 * math.exp(rng.normal(0, 0.05))) for n in SIZES]
        line = fit_line(MODELS["power"], noisy)
        truth = 2e5 * 1e7 ** -0.5 * math.exp(rng.normal(0, 0.05))  # a new measurement at 10M
        low, high = line.interval(10_000_000)
        inside += low <= truth <= high
    assert 0.93 <= inside / trials <= 0.97


def row(engine="hnswlib", qps=1000.0, recall=0.95, **fields):
    values = dict(engine=engine, status="ok", index="hnsw", build_params={"M": 16}, search_params={"ef": 64},
                  recall=recall, qps=qps, latency_p50_ms=1.0, latency_p95_ms=2.0, insert_s=1.0, index_s=0.5,
                  concurrency=1, deployment="embedded",
                  stages=[{"stage": "open", "rss_mb": 100.0}, {"stage": "insert", "rss_mb": 150.0}])
    values.update(fields)
    return ResultRow(**values)


def run_at(n, *rows, spec=None, run_id=None):
    spec = spec or f"synthetic:n={n},dim=64,seed=0,decay=1"
    return Run(run_id=run_id or f"r{n}", created_at="t", status="finished", k=10,
               dataset=DatasetInfo(n=n, dim=64, spec=spec), plan={}, environment=Environment(cores=2),
               results=list(rows))


def test_ladders_group_one_setting_on_one_family_of_data_at_three_sizes_or_more():
    runs = [run_at(n, row(qps=1e6 / n ** 0.5), row(search_params={"ef": 128}, qps=5e5 / n ** 0.5),
                   row(concurrency=2, qps=1.0), row(filter="tag == 1", qps=1.0)) for n in SIZES[:3]]
    runs.append(run_at(400_000, row(qps=1e6 / 400_000 ** 0.5), spec="synthetic:n=400000,dim=64,seed=1,decay=1"))
    found = ladders(runs)
    assert [ladder.key.search for ladder in found] == ["ef=128", "ef=64"]
    ef64 = found[1]
    assert ef64.sizes == SIZES[:3]  # the 400k run is another family (seed 1): not on this ladder
    assert ef64.curves["qps"].at(100_000).value == pytest.approx(1e6 / 100_000 ** 0.5)
    assert ef64.curves["memory_bytes"].at(100_000).value == pytest.approx(50 * 2**20)
    assert ef64.label == "hnswlib (embedded), hnsw (M=16, ef=64), 64 dimensions, 25,000–100,000 vectors (3 sizes)"
    assert ladders(runs[:2]) == []  # two sizes are no ladder


def test_runs_of_a_dataset_without_a_size_in_its_spec_never_form_a_ladder():
    assert family_of("wordnet") is None
    assert family_of("synthetic:n=5,dim=8,seed=0") == "synthetic:dim=8,seed=0"
    runs = [run_at(n, row(qps=1e6 / n), spec="imported-x") for n in SIZES]
    assert ladders(runs) == []


def test_the_ladder_for_an_estimate_is_the_same_build_else_the_same_index_with_the_most_sizes():
    other_build = [run_at(n, row(build_params={"M": 32}, qps=1e6 / n)) for n in SIZES]
    same_build = [run_at(n, row(qps=1e6 / n), run_id=f"s{n}") for n in SIZES[:3]]
    found = ladders(other_build + same_build)
    assert ladder_for(found, "hnswlib", "hnsw", {"M": 16}).sizes == SIZES[:3]
    assert ladder_for(found, "hnswlib", "hnsw", {"M": 8}).sizes == SIZES
    assert ladder_for(found, "faiss", "hnsw", {"M": 16}) is None


def test_recall_is_never_carried_by_a_line_in_n_even_where_one_fits_the_ladder_better():
    # hnswlib's ladder at 768 dims: recall falls faster at the top, which a line in n follows, and which would
    # reach 0 by 10M vectors; the recall models fall by the same amount per doubling instead
    measured = list(zip(SIZES, (0.998, 0.9945, 0.9945, 0.971, 0.937)))
    curve = fit_curve(FIGURE["recall"], measured)
    assert FIGURE["recall"].models == ("log", "capped_log")
    assert curve.line.model.name in FIGURE["recall"].models
    per_doubling = curve.line.predict(200_000_000) - curve.line.predict(100_000_000)
    assert per_doubling == pytest.approx(curve.line.predict(400_000_000) - curve.line.predict(200_000_000))
    assert 0.5 < curve.at(100_000_000).value < 0.937


def least_squares_capped(points):
    """y = 1 + b * max(0, ln n - knee), b <= 0, fitted by a general optimiser from several starts: a reference
    that shares no code with the product's knee search."""
    from scipy.optimize import minimize

    xs, ys = np.log([n for n, _ in points]), np.array([y for _, y in points])

    def sse(params):
        b, knee = params
        return float(np.sum((ys - 1 - min(b, 0.0) * np.maximum(0.0, xs - knee)) ** 2))

    starts = [(-0.01, k) for k in np.linspace(xs.min() - 3, xs.max(), 25)]
    best = min((minimize(sse, s, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000})
                for s in starts), key=lambda r: r.fun)
    return min(best.x[0], 0.0), best.x[1], best.fun


def test_recall_pinned_at_1_then_falling_is_fitted_with_its_knee_and_predicts_the_largest_size():
    # hnswlib's 768-d ladder measured here (2026-12-06): at 1 until about 70,000 vectors, then -0.025 a doubling.
    # A plain line through the two pinned points is pulled flat and said 0.960 at 400,000; measured 0.9395.
    measured = list(zip(SIZES, (0.9995, 0.998, 0.9895, 0.965, 0.9395)))
    curve = fit_curve(FIGURE["recall"], measured)
    assert curve.line.model.name == "capped_log"
    assert curve.check.model == "capped_log"
    assert curve.check.error < 0.005  # the knee model's held-out error on this ladder: 0.001
    plain = fit_line(MODELS["log"], measured[:-1]).predict(400_000)
    assert abs(plain - 0.9395) > 0.015  # what the plain line said
    b, knee, sse = least_squares_capped(measured[:-1])
    capped = fit_line(MODELS["capped_log"], measured[:-1])
    assert capped.b == pytest.approx(b, abs=2e-4) and capped.knee == pytest.approx(knee, abs=0.02)
    assert curve.check.predicted == pytest.approx(1 + b * max(0.0, math.log(400_000) - knee), abs=5e-4)
    assert capped.predict(10_000) == 1.0  # below the knee: the ceiling


def test_the_knee_model_recovers_exact_points_and_its_interval_matches_the_hand_formula():
    knee, b = math.log(60_000), -0.03
    exact = [(n, 1 + b * max(0.0, math.log(n) - knee)) for n in SIZES]
    line = fit_line(MODELS["capped_log"], exact)
    assert line.b == pytest.approx(b, abs=1e-4) and line.knee == pytest.approx(knee, abs=5e-3)
    assert line.predict(10**8) == pytest.approx(1 + b * (math.log(1e8) - knee), abs=1e-3)
    noisy = [(n, y + d) for (n, y), d in zip(exact, (0.0, 0.002, -0.003, 0.002, -0.001))]
    fitted = fit_line(MODELS["capped_log"], noisy)
    # past the knee, an ordinary line through the points there (the knee is its intercept), judged by their
    # residuals alone: a value at the ceiling cannot pass it, so its residual says nothing of the noise
    past = [(math.log(n) - fitted.knee, y) for n, y in noisy if math.log(n) > fitted.knee]
    assert len(past) == 3  # 100,000, 200,000 and 400,000
    s = math.sqrt(sum((y - 1 - fitted.b * h) ** 2 for h, y in past) / (len(past) - 2))
    mean_past = sum(h for h, _ in past) / len(past)
    h = math.log(1e7) - fitted.knee
    spread = s * math.sqrt(1 + 1 / len(past) + (h - mean_past) ** 2 / sum((p - mean_past) ** 2 for p, _ in past))
    half = 12.706205 * spread  # t(0.975, 1)
    centre = 1 + fitted.b * h
    assert fitted.interval(10**7) == pytest.approx((centre - half, centre + half), rel=1e-6)


def test_a_knee_with_two_sizes_past_it_gives_no_interval():
    # Qdrant's edge engine's 768-d ladder: 1.000 three times, then 0.995 and 0.9835. A line through two points
    # has no residuals, and the three at the ceiling say nothing of the noise: no interval, not a narrow one
    line = fit_line(MODELS["capped_log"], list(zip(SIZES, (1.0, 1.0, 1.0, 0.995, 0.9835))))
    assert line.predict(400_000) == pytest.approx(0.9835, abs=1e-3)
    assert line.interval(10**9) is None


def test_recall_that_never_reaches_1_gets_the_plain_line_from_the_knee_model():
    # LanceDB IVF_PQ's 768-d ladder: 0.94 falling to 0.65, nowhere near the ceiling
    measured = list(zip(SIZES, (0.94, 0.8615, 0.7905, 0.7245, 0.649)))
    capped, plain = fit_line(MODELS["capped_log"], measured), fit_line(MODELS["log"], measured)
    for n in (25_000, 400_000, 10**8):
        assert capped.predict(n) == pytest.approx(plain.predict(n), abs=1e-9)


def test_the_held_out_check_chooses_its_model_from_the_smaller_sizes_alone():
    # latency on a power law over the four smaller sizes, then a drop to 0.3 of it at the largest, which a log
    # curve comes nearer to: over all five the log curve wins, but the check must not learn from the size it
    # predicts
    points = [(n, 1e-2 * n ** 0.3) for n in SIZES[:-1]] + [(400_000, 0.3 * 1e-2 * 400_000 ** 0.3)]
    curve = fit_curve(FIGURE["p95_ms"], points)
    assert curve.line.model.name == "log"
    assert curve.check.model == "power"
    assert curve.check.predicted == pytest.approx(1e-2 * 400_000 ** 0.3)
    assert curve.check.error == pytest.approx(0.7 / 0.3)  # predicted 1/0.3 of what was measured


def test_recall_that_rises_with_size_is_left_to_the_plain_line():
    # the knee model can only hold at 1 or fall from it; rising recall is the plain line's to follow
    rising = list(zip(SIZES, (0.90, 0.92, 0.94, 0.96, 0.98)))
    capped = fit_line(MODELS["capped_log"], rising)
    assert capped.predict(10**8) <= capped.predict(25_000) <= 1.0
    curve = fit_curve(FIGURE["recall"], rising)
    assert curve.line.model.name == "log" and curve.check.model == "log"


def test_the_knee_models_95_percent_interval_holds_a_new_measurement_about_95_percent_of_the_time():
    # measured recall cannot pass 1: noise on both sides of the curve, clipped at the ceiling
    rng = np.random.default_rng(7)
    knee, slope = math.log(60_000), -0.03

    def truth(n):
        return 1 + slope * max(0.0, math.log(n) - knee)

    inside, trials = 0, 500
    for _ in range(trials):
        line = fit_line(MODELS["capped_log"], [(n, min(1.0, truth(n) + rng.normal(0, 0.003))) for n in SIZES])
        low, high = line.interval(10_000_000)
        inside += low <= truth(1e7) + rng.normal(0, 0.003) <= high
    assert 0.92 <= inside / trials <= 0.97


def test_recall_level_below_1_is_carried_level():
    # a quantised index's recall may sit at 0.9 whatever the size: the knee model cannot hold level below 1, so
    # the plain line is kept, by leave-one-out with four sizes and more, as the default with three
    level = [(n, 0.9) for n in SIZES]
    for points in (level, level[:3]):
        curve = fit_curve(FIGURE["recall"], points)
        assert curve.line.model.name == "log" and curve.at(10**8).value == pytest.approx(0.9)
        assert curve.check.error == pytest.approx(0, abs=1e-12)


def test_a_curve_past_its_figures_bound_gives_the_bound_and_says_it_is_not_a_prediction():
    # LanceDB IVF_PQ's 768-d ladder: recall falls about 0.073 a doubling, through 0 before 1B vectors
    measured = list(zip(SIZES, (0.94, 0.8615, 0.7905, 0.7245, 0.649)))
    curve = fit_curve(FIGURE["recall"], measured)
    assert curve.line.predict(10**9) < 0
    at = curve.at(10**9)
    assert (at.value, at.interval, at.bound) == (0.0, None, 0.0)
    assert at.reach.endswith("; the curve is past 0 here, so 0 is a bound, not a prediction")
    inside = curve.at(100_000_000)
    assert inside.bound is None and inside.interval is not None and 0 < inside.value < 0.2
    assert "bound" not in inside.reach
    level = fit_curve(FIGURE["recall"], [(n, 1.0) for n in SIZES]).at(10**9)  # a line level at 1 is not past it
    assert level.bound is None and level.value == 1.0
