import numpy as np
import pytest

from adapters.base import Metric
from vectorscout.groundtruth import exact_knn


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
