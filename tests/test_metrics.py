import numpy as np
import pytest

from vectorscout.metrics import mask_repeats, recall_distance, recall_ids, summarize_latencies


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
