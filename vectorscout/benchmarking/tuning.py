"""Tune to a recall target, then measure: engines compared at equal recall instead of at their defaults.

A default search setting says little about an engine: pgvector's `ef_search=40` may stop at recall 0.936 where
64 reaches 0.95. Like ann-benchmarks and VectorDBBench, VectorScout compares engines at equal recall: the
index's search-effort parameter (its first declared search parameter: ef, nprobe, candidates...) is stepped
up over its declared sweep on the even-numbered queries until recall@k reaches the target; the setting found
is then timed, and its recall read, on the odd-numbered queries only, so no reported figure comes from the
queries that chose it. An index that reaches the target at no setting is reported at its best recall, and
says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from adapters.base import IndexSpec, VectorAdapter
from vectorscout.benchmarking.metrics import recall_interval, recall_per_query
from vectorscout.contract import filters
from vectorscout.data.datasets import Dataset
from vectorscout.data.groundtruth import GroundTruth
from vectorscout.process.progress import CancelToken
from vectorscout.results.records import TuningFigures

DECISION_FLOOR = 100  # no setting is judged on fewer tuning queries
DECISION_ROUND = 50  # queries between two looks at the interval


def split_queries(count: int) -> tuple[np.ndarray, np.ndarray]:
    """The tuning half (even-numbered queries) and the held-out half (odd-numbered): disjoint, both spread over
    the whole query set, whatever order it came in."""
    rows = np.arange(count)
    return rows[0::2], rows[1::2]


def held_out(dataset: Dataset, truth: GroundTruth, rows: np.ndarray) -> tuple[Dataset, GroundTruth]:
    """The dataset and ground truth restricted to these query rows (the base vectors are shared, not copied)."""
    def pick(values: list[Any] | None) -> list[Any] | None:
        return None if values is None else [values[i] for i in rows]

    subset = replace(dataset, queries=dataset.queries[rows], query_texts=pick(dataset.query_texts), qrels=pick(dataset.qrels))
    return subset, GroundTruth(truth.ids[rows], truth.distances[rows])


def candidates(spec: IndexSpec, given: dict[str, Any], grid: list[dict[str, Any]]) -> tuple[str, list[Any]]:
    """The effort parameter and its values to try, least effort first: the values a user's grid gave it, else
    its declared sweep with its default and the given value among them."""
    if not spec.search_params:
        return "", []
    param = spec.search_params[0]
    from_grid = {setting[param.name] for setting in grid if param.name in setting}
    values = from_grid if len(from_grid) > 1 else {*param.sweep, param.default, given.get(param.name, param.default)}
    return param.name, sorted(values)


def tuning_recall(db: VectorAdapter, queries: np.ndarray, truth_ids: np.ndarray, k: int, tree: filters.Filter | None,
                  cancel: CancelToken, target: float | None = None) -> tuple[float, int]:
    """Recall@k of the engine's answers at its current setting (nothing timed) and the queries it was read on:
    every one, or, given a target, as few as put the target outside recall's 95 % interval (looked at every
    DECISION_ROUND queries from DECISION_FLOOR on): a setting far from the target is then known after a fifth of
    the queries, one near it is read on all of them."""
    found = np.full((len(queries), k), -1, dtype=np.int64)
    per_query = np.empty(len(queries), dtype=np.float64)
    for i, query in enumerate(queries):
        cancel.check()
        ids = db.search(query, k, tree).ids[:k]
        found[i, : len(ids)] = ids
        per_query[i] = recall_per_query(found[i:i + 1], truth_ids[i:i + 1], k)[0]
        read = i + 1
        if target is not None and read >= DECISION_FLOOR and read % DECISION_ROUND == 0 and read < len(queries):
            low, high = recall_interval(per_query[:read])
            if high < target or low >= target:
                return float(per_query[:read].mean()), read
    return float(per_query.mean()), len(queries)


def tune(db: VectorAdapter, spec: IndexSpec, given: dict[str, Any], grid: list[dict[str, Any]], dataset: Dataset,
         truth: GroundTruth, tree: filters.Filter | None, k: int, target: float, apply: Callable[[dict[str, Any]], None],
         cancel: CancelToken, early: bool = False) -> tuple[dict[str, Any], TuningFigures]:
    """Step the effort parameter up on the tuning half until recall@k reaches the target; the setting to measure
    and how it was found. `apply(params)` puts a setting into effect on the engine; `early`: judge each value on as
    few queries as decide it (tuning_recall)."""
    tuning_rows, held_out_rows = split_queries(len(dataset.queries))
    name, values = candidates(spec, given, grid)
    figures = TuningFigures(target, name, None, False, len(tuning_rows), len(held_out_rows))
    if not values:  # an exact index, or one with no search parameter: its only setting
        apply(given)
        recall, read = tuning_recall(db, dataset.queries[tuning_rows], truth.ids[tuning_rows], k, tree, cancel)
        figures.tried, figures.reached, figures.read = [["", round(recall, 4)]], recall >= target, [read]
        return dict(given), figures
    best: tuple[float, Any] = (-1.0, values[0])
    for value in values:
        apply({**given, name: value})
        recall, read = tuning_recall(db, dataset.queries[tuning_rows], truth.ids[tuning_rows], k, tree, cancel,
                                     target if early else None)
        figures.tried.append([value, round(recall, 4)])
        figures.read.append(read)
        if recall > best[0]:
            best = (recall, value)
        if recall >= target:
            figures.chosen, figures.reached = value, True
            return {**given, name: value}, figures
    figures.chosen = best[1]
    return {**given, name: best[1]}, figures
