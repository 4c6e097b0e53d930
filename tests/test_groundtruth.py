import numpy as np
import pytest

from vectorscout.contract.metric import Metric
from vectorscout.data.groundtruth import exact_knn


def brute_force(queries, base, metric, k):
    if metric is Metric.COSINE:
        q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
        b = base / np.linalg.norm(base, axis=1, keepdims=True)
        d = 1 - q.astype(np.float64) @ b.T.astype(np.float64)
    elif metric is Metric.IP:
        d = -(queries.astype(np.float64) @ base.T.astype(np.float64))
    else:
        d = np.sqrt(((queries[:, None, :].astype(np.float64) - base[None, :, :]) ** 2).sum(-1))
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(d, order, axis=1)


@pytest.mark.parametrize("metric", list(Metric))
@pytest.mark.parametrize("chunk_bytes", [4 * 16 * 13, 1 << 30])  # 13-row blocks force many merges
def test_exact_knn_matches_brute_force(metric, chunk_bytes):
    rng = np.random.default_rng(1)
    base = rng.standard_normal((500, 16)).astype(np.float32)
    queries = rng.standard_normal((40, 16)).astype(np.float32)
    truth = exact_knn(queries, base, metric, 10, chunk_bytes=chunk_bytes)
    ids, dists = brute_force(queries, base, metric, 10)
    np.testing.assert_allclose(truth.distances, dists, rtol=1e-4, atol=1e-4)
    assert (truth.ids == ids).mean() > 0.99  # equal but for exact float ties


def test_ties_are_ordered_by_id():
    base = np.array([[1, 0], [0, 1], [-1, 0], [0, -1]], dtype=np.float32)
    truth = exact_knn(np.zeros((1, 2), dtype=np.float32), base, Metric.L2, 4)
    assert truth.ids.tolist() == [[0, 1, 2, 3]]
    np.testing.assert_allclose(truth.distances, [[1, 1, 1, 1]])


def test_allowed_mask_restricts_candidates_and_pads():
    rng = np.random.default_rng(2)
    base = rng.standard_normal((50, 4)).astype(np.float32)
    allowed = np.zeros(50, dtype=bool)
    allowed[[3, 17, 40]] = True
    truth = exact_knn(base[:2], base, Metric.L2, 5, allowed=allowed)
    assert set(truth.ids[0, :3].tolist()) == {3, 17, 40}
    assert truth.ids[0, 3:].tolist() == [-1, -1]
    assert np.isinf(truth.distances[0, 3:]).all()


@pytest.mark.parametrize("metric", list(Metric))
def test_filtered_truth_is_brute_force_over_the_allowed_rows(metric):
    rng = np.random.default_rng(5)
    base = rng.standard_normal((400, 12)).astype(np.float32)
    queries = rng.standard_normal((25, 12)).astype(np.float32)
    allowed = rng.random(400) < 0.2
    truth = exact_knn(queries, base, metric, 10, allowed=allowed, chunk_bytes=4 * 12 * 17)
    subset = np.flatnonzero(allowed)
    ids, dists = brute_force(queries, base[subset], metric, 10)
    np.testing.assert_allclose(truth.distances, dists, rtol=1e-4, atol=1e-4)
    assert (truth.ids == subset[ids]).mean() > 0.99


def brute_force_masked(dataset, mask, k):
    subset = np.flatnonzero(mask)
    ids, _ = brute_force(dataset.queries, dataset.base[subset], dataset.metric, k)
    return subset[ids]


def test_cache_is_keyed_by_everything_that_changes_the_answer():
    """Filtered and unfiltered truths alternate in one cache: each must stay the brute-force answer."""
    from vectorscout.contract.filters import evaluate, parse_filter
    from vectorscout.data.datasets import load_dataset

    dataset = load_dataset("synthetic:n=600,dim=8,seed=4,queries=12")
    everything = np.ones(dataset.n, dtype=bool)
    tag3, tag5 = parse_filter("tag == 3"), parse_filter("tag == 5")
    sequence = [None, tag3, None, tag5, tag3, None]
    for tree in sequence:
        mask = everything if tree is None else evaluate(tree, dataset.payloads)
        truth = dataset.ground_truth(10, tree)
        assert (truth.ids[:, :10] == brute_force_masked(dataset, mask, 10)).mean() > 0.99, tree
        if tree is not None:
            assert mask[truth.ids[truth.ids >= 0]].all()
    # a larger k than the cached one is computed, not cut from the smaller entry
    deep = dataset.ground_truth(150)
    assert deep.k == 150 and (deep.ids == brute_force_masked(dataset, everything, 150)).mean() > 0.99


def test_the_truth_has_the_documented_types_for_any_input_precision():
    rng = np.random.default_rng(6)
    base = rng.standard_normal((300, 8))  # float64 in: the harness converts, it does not hand FAISS float64
    queries = rng.standard_normal((150, 8))  # more than two slices of 64 queries in exact_distances
    for metric in Metric:
        truth = exact_knn(queries, base, metric, 5)
        assert (truth.ids.dtype, truth.distances.dtype) == (np.int64, np.float32)
        ids, dists = brute_force(queries.astype(np.float32), base.astype(np.float32), metric, 5)
        np.testing.assert_allclose(truth.distances, dists, rtol=1e-4, atol=1e-4)
        assert (truth.ids == ids).mean() > 0.99
        from vectorscout.data.groundtruth import exact_distances

        again = exact_distances(queries, base, truth.ids, metric)
        assert again.dtype == np.float32
        np.testing.assert_array_equal(again, truth.distances)


def test_one_or_no_candidate_left_by_a_filter():
    base = np.arange(20, dtype=np.float32).reshape(10, 2)
    only = np.zeros(10, dtype=bool)
    only[7] = True
    truth = exact_knn(base[:3], base, Metric.L2, 4, allowed=only)
    assert truth.ids.tolist() == [[7, -1, -1, -1]] * 3
    np.testing.assert_allclose(truth.distances[:, 0], np.linalg.norm(base[:3] - base[7], axis=1), rtol=1e-6)
    none = exact_knn(base[:3], base, Metric.L2, 4, allowed=np.zeros(10, dtype=bool))
    assert none.ids.tolist() == [[-1] * 4] * 3 and np.isinf(none.distances).all()
    assert (none.ids.dtype, none.distances.dtype, none.k) == (np.int64, np.float32, 4)


def test_the_disk_cache_returns_what_it_stored_and_recomputes_a_damaged_entry(tmp_path):
    import re

    from vectorscout.data.groundtruth import cached_ground_truth

    rng = np.random.default_rng(7)
    base = rng.standard_normal((200, 6)).astype(np.float32)
    queries = rng.standard_normal((9, 6)).astype(np.float32)
    cache = tmp_path / "not" / "yet" / "made"
    first = cached_ground_truth(cache, "content", queries, base, Metric.L2, 5)
    (entry,) = cache.iterdir()
    assert re.fullmatch(r"gt-[0-9a-f]{32}\.npz", entry.name)
    # a hit is read from disk: other vectors under the same content hash give the stored answer (the default
    # filter key is the unfiltered one)
    other = rng.standard_normal((9, 6)).astype(np.float32)
    hit = cached_ground_truth(cache, "content", other, base[::-1], Metric.L2, 5, None, "")
    np.testing.assert_array_equal(hit.ids, first.ids)
    np.testing.assert_array_equal(hit.distances, first.distances)
    # a damaged entry is never trusted: recomputed from the vectors given, and stored again whole
    entry.write_bytes(b"not an npz archive")
    recomputed = cached_ground_truth(cache, "content", other, base, Metric.L2, 5)
    np.testing.assert_array_equal(recomputed.ids, exact_knn(other, base, Metric.L2, 5).ids)
    with np.load(entry) as stored:
        np.testing.assert_array_equal(stored["ids"], recomputed.ids)
        np.testing.assert_array_equal(stored["distances"], recomputed.distances)


@pytest.mark.parametrize("n", [25, 26, 27])  # the last block of 13 rows holds 12, 13 or 1 row(s)
def test_a_last_block_of_any_size_is_merged(n):
    rng = np.random.default_rng(n)
    base = rng.standard_normal((n, 16)).astype(np.float32)
    queries = rng.standard_normal((5, 16)).astype(np.float32)
    truth = exact_knn(queries, base, Metric.L2, 4, chunk_bytes=4 * 16 * 13)
    ids, dists = brute_force(queries, base, Metric.L2, 4)
    assert truth.ids.tolist() == ids.tolist()
    np.testing.assert_allclose(truth.distances, dists, rtol=1e-5)
