import math

import numpy as np
import pytest

from vectorscout.benchmarking.metrics import mask_repeats, recall_distance, recall_ids, summarize_latencies


def test_recall_ids_counts_overlap_per_query():
    true = np.array([[1, 2, 3, 4], [5, 6, 7, 8]])
    found = np.array([[1, 2, 9, 9], [8, 7, 6, 5]])
    # query 0: {1, 2} of 3 true top-3 -> 2/3; query 1: {6, 7} of {5, 6, 7} in top-3 found {8, 7, 6} -> 2/3
    assert recall_ids(found, true, 3) == pytest.approx(2 / 3)


def test_recall_ids_ignores_padding_and_repeats():
    true = np.array([[1, 2, 3]])
    assert recall_ids(np.array([[1, 1, -1]]), true, 3) == pytest.approx(1 / 3)


def test_recall_distance_accepts_ties_that_id_overlap_rejects():
    # true top-2: ids 1, 2 at distances 0.5, 1.0; id 3 is tied with id 2 at distance 1.0
    true_ids = np.array([[1, 2, 3]])
    true_d = np.array([[0.5, 1.0, 1.0]], dtype=np.float32)
    found_d = np.array([[0.5, 1.0]], dtype=np.float32)  # the engine returned ids 1 and 3
    assert recall_ids(np.array([[1, 3]]), true_ids, 2) == pytest.approx(0.5)
    assert recall_distance(found_d, true_d, true_ids, 2) == pytest.approx(1.0)


def test_recall_distance_epsilon_boundary():
    true_ids = np.array([[0, 1]])
    true_d = np.array([[1.0, 2.0]], dtype=np.float32)
    assert recall_distance(np.array([[1.0, 2.0009]], dtype=np.float32), true_d, true_ids, 2) == 1.0
    assert recall_distance(np.array([[1.0, 2.0011]], dtype=np.float32), true_d, true_ids, 2) == 0.5


def test_recall_distance_with_fewer_true_neighbours_than_k():
    # a selective filter left only one candidate; finding it is a perfect answer
    true_ids = np.array([[7, -1, -1]])
    true_d = np.array([[0.3, np.inf, np.inf]], dtype=np.float32)
    found_d = np.array([[0.3, np.inf, np.inf]], dtype=np.float32)
    assert recall_distance(found_d, true_d, true_ids, 3) == 1.0
    assert recall_ids(np.array([[7, -1, -1]]), true_ids, 3) == 1.0


def test_mask_repeats_keeps_first_occurrence_only():
    assert mask_repeats(np.array([[4, 4, -1, 2]])).tolist() == [[True, False, False, True]]


def test_latency_summary():
    summary = summarize_latencies(np.array([1_000_000] * 99 + [11_000_000]), wall_seconds=0.5)
    assert summary.p50_ms == pytest.approx(1.0)
    assert summary.p99_ms > summary.p50_ms
    assert summary.mean_ms == pytest.approx(1.1)
    assert summary.qps == pytest.approx(200)


def test_retrieval_quality_by_hand():
    from vectorscout.benchmarking.metrics import retrieval_quality

    found = np.array([[3, 2, 1, 7], [5, 6, 7, 8], [9, 8, 4, 4]])
    qrels = [
        {1: 1.0, 2: 2.0},  # graded: doc 2 counts twice as much as doc 1
        {5: 0.0},  # judged but nothing relevant: left out, as BEIR does
        {1: 1.0},  # never found
    ]
    quality = retrieval_quality(found, qrels, k=2)
    dcg = 2 / np.log2(3) + 1 / np.log2(4)  # doc 2 at rank 2, doc 1 at rank 3; rank 1 is a miss
    ideal = 2 / np.log2(2) + 1 / np.log2(3)
    assert quality.ndcg_at_10 == pytest.approx((dcg / ideal + 0.0) / 2)
    assert quality.mrr_at_10 == pytest.approx((1 / 2 + 0.0) / 2)
    assert quality.recall_at_k == pytest.approx((1 / 2 + 0.0) / 2)  # top-2 {3, 2} holds one of {1, 2}


def test_retrieval_quality_cuts_at_ten_on_both_sides():
    from vectorscout.benchmarking.metrics import retrieval_quality

    relevant = {doc: 1.0 for doc in range(12)}
    perfect = retrieval_quality(np.array([list(range(12))]), [relevant], k=12)
    assert perfect.ndcg_at_10 == pytest.approx(1.0)  # the ideal list is cut at 10 too
    assert perfect.recall_at_k == pytest.approx(1.0)
    late = retrieval_quality(np.array([[100 + i for i in range(10)] + [0]]), [{0: 1.0}], k=11)
    assert late.ndcg_at_10 == 0.0 and late.mrr_at_10 == 0.0  # found at rank 11: outside @10
    assert late.recall_at_k == 1.0
    first = retrieval_quality(np.array([[0, 1]]), [{0: 1.0}], k=2)
    assert first.mrr_at_10 == 1.0 and first.ndcg_at_10 == pytest.approx(1.0)
    assert np.isnan(retrieval_quality(np.array([[1]]), [{}], k=1).ndcg_at_10)


def test_recall_distance_counts_padding_and_repeats_as_misses():
    true_ids = np.array([[0, 1, 2], [3, 4, 5]])
    true_d = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]], dtype=np.float32)
    found_d = np.array([[1.0, np.inf, 3.0], [0.5, 2.5, 4.0]], dtype=np.float32)
    # query 0: 2 of 3 within the 3rd true distance; query 1: 0.5 and 2.5 are <= 3.0, 4.0 is not
    assert recall_distance(found_d, true_d, true_ids, 3) == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert recall_distance(found_d, true_d, true_ids, 2) == pytest.approx((1 / 2 + 1 / 2) / 2)


def test_latency_percentiles_by_hand():
    # 1..100 ms: numpy's linear interpolation gives p50 = 50.5, p95 = 95.05, p99 = 99.01
    summary = summarize_latencies(np.arange(1, 101) * 1_000_000, wall_seconds=2.0)
    assert (summary.p50_ms, summary.p95_ms, summary.p99_ms) == pytest.approx((50.5, 95.05, 99.01))
    assert summary.mean_ms == pytest.approx(50.5) and summary.qps == pytest.approx(50.0)
    assert summarize_latencies(np.array([1_000_000]), wall_seconds=0.0).qps == float("inf")


def test_spread_is_range_over_median():
    from vectorscout.benchmarking.metrics import spread_pct

    assert spread_pct([90.0, 100.0, 130.0]) == pytest.approx(40.0)  # (130 - 90) / 100
    assert spread_pct([100.0, 300.0]) == pytest.approx(100.0)  # median of two is their mean: 200
    assert spread_pct([5.0]) is None and spread_pct([0.0, 0.0]) is None


def test_a_collapsed_recall_is_diagnosed_from_the_data_and_a_healthy_one_is_not():
    from vectorscout.benchmarking.metrics import RECALL_COLLAPSE, data_profile, recall_diagnosis

    rng = np.random.default_rng(0)
    wide = rng.standard_normal((2000, 16)).astype(np.float32)
    wide[:, 5] *= 1e5
    profile = data_profile(wide, "l2")
    text = recall_diagnosis(0.27, profile)
    assert text.startswith("recall 0.270 where exact search gives 1.000. Likely: dimension 5 spans")
    assert "metric l2" in text and "norms" in text and "values" in text
    assert recall_diagnosis(RECALL_COLLAPSE, profile) == "" and recall_diagnosis(None, profile) == ""
    assert recall_diagnosis(RECALL_COLLAPSE - 0.001, profile) != ""
    unit = rng.standard_normal((2000, 16)).astype(np.float32)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    plain = recall_diagnosis(0.1, data_profile(unit, "cosine"))
    assert "Likely" not in plain and "No cause found in the data's scale" in plain


@pytest.mark.engine
def test_an_engine_whose_recall_collapses_at_defaults_carries_the_diagnosis_in_row_table_and_report(tmp_path):
    """LanceDB at its defaults (IVF + scalar quantization, one probe) on data with one very large dimension."""
    from vectorscout.benchmarking.plan import RunPlan
    from vectorscout.benchmarking.runner import execute
    from vectorscout.benchmarking.specs import parse_engines
    from vectorscout.data.importers import import_dataset
    from vectorscout.reporting.sections import build_report, summary_lines
    from vectorscout.reporting.tables import results_text
    from vectorscout.results.store import ResultsStore

    rng = np.random.default_rng(0)
    base = rng.standard_normal((6000, 32)).astype(np.float32)
    base[:, 3] *= 1e5
    np.save(tmp_path / "wide.npy", base)
    import_dataset(tmp_path / "wide.npy", "npy", "wide", metric="l2")
    run = execute(RunPlan(dataset="wide", engines=parse_engines("lancedb,hnswlib"), k=10), ResultsStore())
    lancedb, hnswlib = run.results
    assert lancedb.recall < 0.5 and "Likely: dimension 3 spans" in lancedb.diagnosis
    assert hnswlib.recall > 0.9 and hnswlib.diagnosis == ""
    assert "lancedb recall collapse: recall" in results_text(run.results)
    assert any(line.startswith("Recall collapse: 1 result(s)") for line in summary_lines(build_report([run], None)))


# -- when a timing is called noise -----------------------------------------------------------------------------
def test_disagreement_is_the_median_absolute_deviation_in_percent_of_the_median():
    from vectorscout.benchmarking.metrics import disagreement_pct

    # median 100; deviations 10, 0, 30 -> median deviation 10 -> 10 %
    assert disagreement_pct([90.0, 100.0, 130.0]) == pytest.approx(10.0)
    # even count: median 150, deviations 50, 50, 50, 250 -> 50 -> 33.3 %; one wild pass barely moves it
    assert disagreement_pct([100.0, 200.0, 100.0, 400.0]) == pytest.approx(100.0 * 50 / 150)
    assert disagreement_pct([200.0, 100.0]) == pytest.approx(100.0 * 50 / 150)
    assert disagreement_pct([100.0, 100.0, 100.0]) == 0.0
    assert disagreement_pct([250.0]) is None  # one pass cannot disagree
    assert disagreement_pct([]) is None
    assert disagreement_pct([0.0, 0.0]) is None  # no median to be a percentage of


def test_noise_verdict_names_each_reason_just_above_its_threshold_and_neither_at_it():
    from vectorscout.benchmarking.metrics import NOISY_DISAGREEMENT_PCT, NOISY_HOST_PCT, noise_verdict

    assert (NOISY_HOST_PCT, NOISY_DISAGREEMENT_PCT) == (20.0, 20.0)
    assert noise_verdict(None, None) == ""
    assert noise_verdict(20.0, [80.0, 100.0, 120.0]) == ""  # exactly at both thresholds: not noise
    assert noise_verdict(20.4, None) == "other processes used 20 % of the host's CPU while it was timed"
    assert noise_verdict(None, [79.0, 100.0, 121.0]) == "repeated passes disagree: typically 21 % from their median QPS"
    assert noise_verdict(55.0, [50.0, 100.0, 150.0]) == (
        "other processes used 55 % of the host's CPU while it was timed; "
        "repeated passes disagree: typically 50 % from their median QPS")
    assert noise_verdict(0.0, [100.0]) == ""


def test_the_data_profile_and_diagnosis_by_hand():
    from vectorscout.benchmarking.metrics import DataProfile, data_profile, recall_diagnosis

    base = np.array([[0.0, 1.0, -2.0], [3.0, 1.0, 2.0], [0.0, 1.5, 0.0]], dtype=np.float32)
    profile = data_profile(base, "l2")
    # spans 3, 0.5, 4 -> the widest is dimension 2 (4), the median 3; norms sqrt(5), sqrt(14), 1.5
    assert profile == DataProfile("l2", -2.0, 3.0, 1.5, pytest.approx(5**0.5), pytest.approx(14**0.5), 2, 4.0, 3.0)
    assert recall_diagnosis(0.2, profile) == (
        "recall 0.200 where exact search gives 1.000. No cause found in the data's scale; check the engine's "
        "settings. values -2 to 3; norms 1.5 / 2.24 / 3.74 (min / median / max); metric l2")
    lopsided = DataProfile("ip", -1.0, 1e4, 0.5, 1.0, 50.5, 7, 100.5, 1.0)  # both just past 100x
    assert recall_diagnosis(0.01, lopsided) == (
        "recall 0.010 where exact search gives 1.000. Likely: dimension 7 spans 100 while the median dimension spans "
        "1: quantization, clustering or a value range set for all dimensions at once loses the others (try the "
        "engine without quantization, or rescale). Likely: vector lengths differ 101-fold under ip: a few long "
        "vectors dominate. values -1 to 1e+04; norms 0.5 / 1 / 50.5 (min / median / max); metric ip")
    at_limit = DataProfile("l2", 0.0, 1.0, 0.5, 1.0, 50.0, 0, 100.0, 1.0)  # exactly 100x: not lopsided
    assert "Likely" not in recall_diagnosis(0.1, at_limit)
    # under cosine the lengths do not matter; a zero median span or norm is not a division by zero
    assert "lengths" not in recall_diagnosis(0.1, DataProfile("cosine", 0, 1, 0.0, 1.0, 9.0, 0, 1.0, 0.0))
    assert "dimension 0 spans 1 while the median dimension spans 0" in recall_diagnosis(
        0.1, DataProfile("cosine", 0, 1, 0.0, 1.0, 9.0, 0, 1.0, 0.0))


# -- edges of the figures ------------------------------------------------------------------------------------------
def test_one_true_neighbour_left_by_a_filter_is_found_or_not():
    true_ids = np.array([[5, -1, -1]])
    true_d = np.array([[1.0, np.inf, np.inf]], dtype=np.float32)
    # the engine returned only rows the filter excludes (their distances are +inf): nothing found
    assert recall_distance(np.full((1, 3), np.inf, dtype=np.float32), true_d, true_ids, 3) == 0.0
    assert recall_distance(np.array([[1.0, np.inf, np.inf]], dtype=np.float32), true_d, true_ids, 3) == 1.0
    assert recall_ids(np.array([[5, 9, 8]]), true_ids, 3) == 1.0 and recall_ids(np.array([[9, 8, 7]]), true_ids, 3) == 0.0


def test_a_found_distance_exactly_at_the_kth_plus_epsilon_counts():
    from vectorscout.benchmarking.metrics import DISTANCE_EPSILON

    true_ids, true_d = np.array([[0, 1]]), np.array([[1.0, 2.0]], dtype=np.float32)
    edge = np.float32(2.0) + np.float32(DISTANCE_EPSILON)
    assert recall_distance(np.array([[1.0, edge]], dtype=np.float32), true_d, true_ids, 2) == 1.0
    beyond = np.nextafter(edge, np.float32(np.inf))
    assert recall_distance(np.array([[1.0, beyond]], dtype=np.float32), true_d, true_ids, 2) == 0.5


def test_row_id_zero_is_a_row_like_any_other():
    assert mask_repeats(np.array([[0, 1, 0, -1]])).tolist() == [[True, True, False, False]]
    assert recall_ids(np.array([[0, 1]]), np.array([[0, 1]]), 2) == 1.0


def test_latencies_are_converted_from_nanoseconds_exactly():
    summary = summarize_latencies(np.array([1_000_000, 2_000_000, 3_000_000]), wall_seconds=0.006)
    assert (summary.p50_ms, summary.mean_ms, summary.qps) == (2.0, 2.0, 500.0)
    assert summarize_latencies(np.array([1_000]), wall_seconds=0.0).qps == float("inf")


def test_retrieval_quality_pads_with_nothing_and_is_undefined_without_judgments():
    import math

    from vectorscout.benchmarking.metrics import retrieval_quality

    # one relevant document (7) found second after a padding slot: padding gains nothing
    padded = retrieval_quality(np.array([[-1, 7, -1]]), [{7: 1.0}], k=3)
    assert padded.ndcg_at_10 == pytest.approx(1 / np.log2(3)) and padded.mrr_at_10 == 0.5 and padded.recall_at_k == 1.0
    empty = retrieval_quality(np.array([[1, 2]]), [{}], k=2)
    assert all(math.isnan(value) for value in (empty.ndcg_at_10, empty.mrr_at_10, empty.recall_at_k))


def test_the_ndcg_standard_error_is_the_sample_deviation_over_root_n_and_each_query_is_kept():
    """One relevant document per query, found at rank 1, 2 and not at all: nDCG 1, 1/log2(3) and 0.
    Sample standard deviation (n - 1) over sqrt(3); two queries have a standard error, one has none."""
    from vectorscout.benchmarking.metrics import retrieval_quality

    found = np.array([[7, 1, 2], [1, 7, 2], [1, 2, 3]])
    qrels = [{7: 1.0}, {7: 1.0}, {7: 1.0}]
    third = 1 / math.log2(3)
    quality = retrieval_quality(found, qrels, 3)
    values = [1.0, third, 0.0]
    mean = sum(values) / 3
    sample_sd = math.sqrt(sum((v - mean) ** 2 for v in values) / 2)
    assert quality.ndcg_stderr == pytest.approx(sample_sd / math.sqrt(3), rel=1e-12)
    assert quality.query_ndcg == pytest.approx((1.0, third, 0.0), rel=1e-12)
    two = retrieval_quality(found[:2], qrels[:2], 3)
    assert two.ndcg_stderr == pytest.approx(math.sqrt((1 - third) ** 2 / 2) / math.sqrt(2), rel=1e-12)
    assert math.isnan(retrieval_quality(found[:1], qrels[:1], 3).ndcg_stderr)


def test_a_paired_difference_is_the_mean_of_per_query_gaps_with_their_standard_error():
    """Gaps 0.1, 0.0 and 0.3: mean 0.1333; sample deviation sqrt(0.046667 / 2) = 0.15275; over sqrt(3): 0.08819."""
    from vectorscout.results.analysis import paired_difference

    mean, stderr = paired_difference([0.5, 0.7, 0.9], [0.4, 0.7, 0.6])
    assert mean == pytest.approx(0.4 / 3, rel=1e-12)
    gaps = [0.1, 0.0, 0.3]
    assert stderr == pytest.approx(math.sqrt(sum((g - 0.4 / 3) ** 2 for g in gaps) / 2) / math.sqrt(3), rel=1e-9)
    assert paired_difference([0.9, 0.5], [0.5, 0.9]) == pytest.approx((0.0, 0.4))  # gaps ±0.4: sd 0.5657, / sqrt(2)
    for first, second in (([0.5], [0.4]), ([0.5, 0.6], [0.4]), ([], [])):
        assert all(math.isnan(v) for v in paired_difference(first, second))
