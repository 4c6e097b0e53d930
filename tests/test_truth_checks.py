"""The importers' checks of shipped ground truth, figure by figure: which shipped neighbours count as agreeing,
which metric the neighbours reveal, when a file is refused, and what a TEXMEX folder reads as. Each case is
small enough to work out by hand; the oracle is numpy's argsort of distances written out here."""

import numpy as np
import pytest

from vectorscout.contract.metric import Metric
from vectorscout.data.importers import (
    DatasetImportError,
    ImportedData,
    read_texmex,
    read_vecs,
    settle_metric_and_truth,
    truth_agreement,
)

RNG = np.random.default_rng(17)


def exact_ids(base, queries, metric, k):
    """The exact top-k by numpy, independently of the project's ground truth."""
    if metric is Metric.L2:
        distance = np.sqrt(((queries[:, None, :] - base[None, :, :]) ** 2).sum(axis=2))
    elif metric is Metric.IP:
        distance = -(queries @ base.T)
    else:
        distance = 1 - (queries / np.linalg.norm(queries, axis=1, keepdims=True)) @ (
            base / np.linalg.norm(base, axis=1, keepdims=True)).T
    return np.argsort(distance, axis=1, kind="stable")[:, :k].astype(np.int64)


def shipped(n=200, queries=10, dim=6, k=10, metric=Metric.L2, scale=None):
    """Data whose shipped neighbours are exact under ``metric``; rows scaled apart (norms from 1 to 20) so
    that cosine, L2 and inner product disagree."""
    base, query = RNG.standard_normal((n, dim)), RNG.standard_normal((queries, dim))
    base *= np.linspace(1, 20, n)[:, None] if scale is None else scale
    return base.astype(np.float32), query.astype(np.float32), exact_ids(base, query, metric, k)


def test_ids_outside_the_base_or_given_twice_count_as_wrong_and_the_rest_as_right():
    base, queries, truth = shipped()
    every = np.arange(len(queries))
    assert truth_agreement(ImportedData(base, queries, Metric.L2, neighbors=truth), Metric.L2, every) == (1.0, 10)
    for wrong in (-1, len(base), len(base) + 7):  # no such row: one neighbour of 100 lost, no error
        bad = truth.copy()
        bad[3, 4] = wrong
        data = ImportedData(base, queries, Metric.L2, neighbors=bad)
        assert truth_agreement(data, Metric.L2, every) == (0.99, 10)
    twice = truth.copy()
    twice[2, 5] = twice[2, 0]  # the nearest row given again in place of the sixth
    assert truth_agreement(ImportedData(base, queries, Metric.L2, neighbors=twice), Metric.L2, every) == (0.99, 10)
    both = twice.copy()
    both[2, 6] = -1  # a duplicate and a missing id in one row: two wrong, the rest of the row right
    assert truth_agreement(ImportedData(base, queries, Metric.L2, neighbors=both), Metric.L2, every) == (0.98, 10)


def test_agreement_is_judged_under_the_metric_asked_for():
    base, queries, cosine_truth = shipped(metric=Metric.COSINE)
    data = ImportedData(base, queries, Metric.COSINE, neighbors=cosine_truth)
    every = np.arange(len(queries))
    assert truth_agreement(data, Metric.COSINE, every)[0] == 1.0
    assert truth_agreement(data, Metric.L2, every)[0] < 0.5  # norms from 1 to 20: L2 neighbours are others


def test_equal_distances_agree_within_float32_rounding_relative_to_the_distance():
    """k = 1, the query at the origin. Near 0 the allowance is 1e-4: a row 1.5e-4 away is not the nearest's
    equal. Near 1,000 it is 1e-4 x 1,001 = 0.1: a row 0.05 farther ties with the nearest."""
    query = np.zeros((1, 2), dtype=np.float32)
    near = np.array([[0.0, 0.0], [1.5e-4, 0.0], [5.0, 5.0]], dtype=np.float32)
    assert truth_agreement(ImportedData(near, query, Metric.L2, neighbors=np.array([[1]])), Metric.L2,
                           np.array([0]))[0] == 0.0
    far = np.array([[1000.0, 0.0], [1000.05, 0.0], [2000.0, 0.0]], dtype=np.float32)
    assert truth_agreement(ImportedData(far, query, Metric.L2, neighbors=np.array([[1]])), Metric.L2,
                           np.array([0]))[0] == 1.0
    assert truth_agreement(ImportedData(far, query, Metric.L2, neighbors=np.array([[2]])), Metric.L2,
                           np.array([0]))[0] == 0.0


def test_one_percent_off_is_accepted_and_more_is_refused_with_the_whole_sentence():
    base, queries, truth = shipped()
    bad = truth.copy()
    bad[4, 9] = -1  # 1 of 100: exactly the tolerance
    metric, verdict = settle_metric_and_truth(ImportedData(base, queries, Metric.L2, neighbors=bad, source="s"), False)
    assert (metric, verdict) == (Metric.L2, "ok: shipped top-10 matches exact l2 neighbours on 99.0% of a 10-query sample")
    bad[5, 9] = -1  # 2 of 100
    with pytest.raises(DatasetImportError) as refused:
        settle_metric_and_truth(ImportedData(base, queries, Metric.L2, neighbors=bad, source="s"), False)
    assert str(refused.value) == ("s: shipped top-10 neighbours agree with exact l2 neighbours on only 98.0% of a "
                                  "10-query sample (more than 1 % differ): check the metric (--metric), or pass "
                                  "--replace-ground-truth to measure against exact neighbours")
    with pytest.raises(DatasetImportError) as shape:
        settle_metric_and_truth(ImportedData(base, queries, Metric.L2, neighbors=truth[:3], source="s"), False)
    assert str(shape.value) == ("s: shipped neighbours have shape (3, 10), expected (10, k); pass "
                                "--replace-ground-truth to use exact neighbours")


def test_every_query_is_checked_when_fewer_than_the_sample_were_shipped():
    """Twenty queries: each one's neighbours wrong alone (a whole row, 10 of 200) is refused, whichever it is."""
    base, queries, truth = shipped(queries=20)
    for query in range(20):
        bad = truth.copy()
        bad[query] = (bad[query] + 1) % len(base)
        bad[query] = np.where(np.isin(bad[query], truth[query]), -1, bad[query])
        with pytest.raises(DatasetImportError, match="agree with exact l2 neighbours on only"):
            settle_metric_and_truth(ImportedData(base, queries, Metric.L2, neighbors=bad, source="s"), False)


def test_a_sample_of_many_queries_gives_the_same_verdict_on_every_import():
    base, queries, truth = shipped(n=300, queries=400, k=10)
    bad = truth.copy()
    bad[RNG.choice(400, 20, replace=False), 9] = -1  # 20 wrong of 4,000: a sample finds about 10 of 2,000

    def verdict():
        try:
            return settle_metric_and_truth(ImportedData(base, queries, Metric.L2, neighbors=bad, source="s"), False)[1]
        except DatasetImportError as refused:
            return str(refused)

    verdicts = {verdict() for _ in range(3)}  # a sample drawn afresh would read 99.4, 99.6, ... from one to the next
    assert len(verdicts) == 1 and "of a 200-query sample" in verdicts.pop()


def test_an_unstated_metric_is_the_one_the_neighbours_fit():
    base, queries, cosine_truth = shipped(metric=Metric.COSINE)
    data = ImportedData(base, queries, Metric.L2, neighbors=cosine_truth, source="s", metric_assumed=True)
    metric, verdict = settle_metric_and_truth(data, False)
    assert metric is Metric.COSINE and verdict.startswith("metric cosine inferred from the shipped neighbours (cosine 100.0%")
    one_off = cosine_truth.copy()
    one_off[0, 9] = -1  # 99 of 100: a metric that fits to the tolerance still fits
    data = ImportedData(base, queries, Metric.L2, neighbors=one_off, source="s", metric_assumed=True)
    assert settle_metric_and_truth(data, False)[0] is Metric.COSINE
    # unit vectors: every metric ranks alike, so the format's usual metric stands (not the first that fits)
    unit = base / np.linalg.norm(base, axis=1, keepdims=True)
    truth = exact_ids(unit, queries, Metric.L2, 10)
    for usual in (Metric.L2, Metric.IP):
        data = ImportedData(unit, queries, usual, neighbors=truth, source="s", metric_assumed=True)
        assert settle_metric_and_truth(data, False)[0] is usual
    nothing = ImportedData(base, queries, Metric.L2, neighbors=(cosine_truth + 3) % 200, source="s",
                           metric_assumed=True)
    with pytest.raises(DatasetImportError) as refused:
        settle_metric_and_truth(nothing, False)
    assert str(refused.value).endswith("give --metric, and --replace-ground-truth to use exact neighbours")


def write_vecs(path, matrix, dtype):
    head = np.array([matrix.shape[1]], dtype=np.int32).tobytes()
    path.write_bytes(b"".join(head + np.asarray(row, dtype=dtype).tobytes() for row in matrix))


def test_a_texmex_folder_reads_as_float32_with_its_source_metric_and_optional_truth(tmp_path):
    base, queries = RNG.integers(0, 255, (50, 4)), RNG.integers(0, 255, (3, 4))
    write_vecs(tmp_path / "t_base.bvecs", base, np.uint8)
    write_vecs(tmp_path / "t_query.bvecs", queries, np.uint8)
    data = read_texmex(tmp_path, None)
    assert data.base.dtype == np.float32 and data.queries.dtype == np.float32 and data.neighbors is None
    assert (data.metric, data.metric_assumed, data.source) == (Metric.L2, True, "TEXMEX t_base.bvecs")
    np.testing.assert_array_equal(data.base, base.astype(np.float32))
    stated = read_texmex(tmp_path, Metric.COSINE)
    assert (stated.metric, stated.metric_assumed) == (Metric.COSINE, False)
    (tmp_path / "t_query.bvecs").unlink()
    with pytest.raises(DatasetImportError) as missing:
        read_texmex(tmp_path, None)
    assert str(missing.value) == rf"{tmp_path}: no file matching _query\.[fb]vecs$"
    with pytest.raises(DatasetImportError) as not_a_folder:
        read_texmex(tmp_path / "t_base.bvecs", None)
    assert str(not_a_folder.value) == (f"{tmp_path / 't_base.bvecs'}: give the folder holding *_base.*vecs, "
                                       "*_query.*vecs and *_groundtruth.ivecs")


def test_a_vecs_file_may_declare_up_to_65536_dimensions(tmp_path):
    widest = tmp_path / "w.fvecs"
    write_vecs(widest, np.ones((1, 65536)), np.float32)
    assert read_vecs(widest).shape == (1, 65536)
