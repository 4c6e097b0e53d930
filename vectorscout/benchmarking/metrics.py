"""Recall (two definitions) and latency statistics.

* ``recall_ids`` — ID overlap, as VectorDBBench reports it: |found ∩ true top-k| / k.
* ``recall_distance`` — ann-benchmarks' definition: a returned item is a hit when its true distance is at
  most the k-th true distance + epsilon, so an engine that returns a different one of several equally
  distant neighbours is not punished for the tie.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DISTANCE_EPSILON = 1e-3


def _denominators(true_ids: np.ndarray, k: int) -> np.ndarray:
    # With a selective filter fewer than k true neighbours may exist; a perfect answer still scores 1.
    available = (true_ids[:, :k] >= 0).sum(axis=1)
    denominators: np.ndarray = np.maximum(available, 1)
    return denominators


def recall_per_query(found_ids: np.ndarray, true_ids: np.ndarray, k: int) -> np.ndarray:
    """Each query's |set(found[:k]) ∩ set(true[:k])| / k; -1 marks an empty slot in either."""
    hits = np.zeros(len(found_ids), dtype=np.float64)
    for row, (found, true) in enumerate(zip(found_ids[:, :k], true_ids[:, :k])):
        hits[row] = len(set(found[found >= 0].tolist()) & set(true[true >= 0].tolist()))
    shares: np.ndarray = hits / _denominators(true_ids, k)
    return shares


def recall_ids(found_ids: np.ndarray, true_ids: np.ndarray, k: int) -> float:
    """Mean over queries of |set(found[:k]) ∩ set(true[:k])| / k; -1 marks an empty slot in either."""
    return float(np.mean(recall_per_query(found_ids, true_ids, k)))


def recall_distance(
    found_distances: np.ndarray, true_distances: np.ndarray, true_ids: np.ndarray, k: int,
    epsilon: float = DISTANCE_EPSILON,
) -> float:
    """Mean over queries of #(found distance <= k-th true distance + epsilon) / k.

    ``found_distances`` are the true distances of what the engine returned, +inf for empty slots,
    invalid ids and repeated ids (a repeat cannot count twice).
    """
    available = (true_ids[:, :k] >= 0).sum(axis=1)
    kth = np.where(
        available > 0,
        true_distances[np.arange(len(true_distances)), np.maximum(available, 1) - 1],
        -np.inf,
    )
    hits = (found_distances[:, :k] <= (kth + epsilon)[:, None]).sum(axis=1)
    return float(np.mean(np.minimum(hits, np.maximum(available, 1)) / _denominators(true_ids, k)))


def mask_repeats(found_ids: np.ndarray) -> np.ndarray:
    """Boolean mask of slots that hold a valid id not already seen earlier in the same row."""
    keep = found_ids >= 0
    for row in range(len(found_ids)):
        _, first = np.unique(found_ids[row], return_index=True)
        first_mask = np.zeros(found_ids.shape[1], dtype=bool)
        first_mask[first] = True
        keep[row] &= first_mask
    return keep


@dataclass(frozen=True)
class LatencySummary:
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    qps: float


def summarize_latencies(latencies_ns: np.ndarray, wall_seconds: float) -> LatencySummary:
    """Percentiles of per-query latency and serial throughput (queries over the loop's wall time)."""
    ms = latencies_ns.astype(np.float64) / 1e6
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return LatencySummary(
        p50_ms=float(p50), p95_ms=float(p95), p99_ms=float(p99), mean_ms=float(ms.mean()),
        qps=float(len(ms) / wall_seconds) if wall_seconds > 0 else float("inf"),
    )


# -- 95 % confidence intervals: how far a figure could move with other queries of the same kind ---------------
Z_95 = 1.959964  # the standard normal's two-sided 95 % point


def mean_interval(values: np.ndarray) -> tuple[float, float]:
    """The mean's 95 % interval (normal approximation: mean ± 1.96 standard errors); a point for one value."""
    mean = float(np.mean(values))
    if len(values) < 2:
        return mean, mean
    half = Z_95 * float(np.std(values, ddof=1)) / float(np.sqrt(len(values)))
    return mean - half, mean + half


def recall_interval(per_query: np.ndarray) -> tuple[float, float]:
    """Recall's 95 % interval over the queries (each query's recall a sample), within [0, 1]."""
    low, high = mean_interval(per_query)
    return max(0.0, low), min(1.0, high)


def quantile_interval(latencies_ms: np.ndarray, q: float) -> tuple[float, float]:
    """A distribution-free 95 % interval of the q-quantile: the order statistics at ranks n·q ∓ 1.96·√(n·q·(1-q))
    (the count of samples below the quantile is binomial), clipped to the samples; no assumption about the
    latency distribution's shape, which has a long tail."""
    ordered = np.sort(np.asarray(latencies_ms, dtype=np.float64))
    n = len(ordered)
    spread = Z_95 * float(np.sqrt(n * q * (1 - q)))
    low = int(np.clip(np.floor(n * q - spread), 0, n - 1))
    high = int(np.clip(np.ceil(n * q + spread), 0, n - 1))
    return float(ordered[low]), float(ordered[high])


def qps_interval(qps: float, latencies_ms: np.ndarray) -> tuple[float, float]:
    """Serial QPS's 95 % interval: QPS is about 1 / mean latency, so the mean latency's interval, inverted and
    scaled to the measured QPS (which also holds the loop's own time per query)."""
    mean = float(np.mean(latencies_ms))
    low, high = mean_interval(latencies_ms)
    if mean <= 0:
        return qps, qps
    return qps * mean / high, (qps * mean / low if low > 0 else float("inf"))


# Run to run: a figure measured again on the same machine moves more than one run's queries say. Measured here
# (README, "Stopping when the answer is known"): eleven quick evaluations read FAISS flat's p95 on WordNet between
# 0.45 and 0.90 ms, each run's own interval about ±5 %. What moves it (the index built again, another process,
# what the machine did the seconds before) is the same for every query of a run, so no count of queries in one
# run shows it. Runs do.
MIN_EARLIER_RUNS = 2  # with this run, three values: the fewest that leave the spread a degree of freedom to spare
MAX_EARLIER_RUNS = 10  # the latest ten: older runs measured other code and another state of the machine


def run_spread_interval(estimate: float, earlier: Sequence[float]) -> tuple[float, float] | None:
    """Where 95 % of the same measurement's runs on this machine would read, from this run's figure and the same
    figure's earlier runs (None with fewer than MIN_EARLIER_RUNS of them): estimate ×/÷ exp(t · s · √2), s the
    standard deviation of the logarithms of every run's figure (this one's included), t Student's with one degree
    of freedom fewer than runs, and √2 because another run differs from this one by the noise of both.
    Logarithms, because latency spreads in proportion to its size and stays positive."""
    from scipy import stats  # here, not at the top: every engine worker imports this module, and scipy.stats adds 0.3 s

    values = [float(v) for v in earlier if v and v > 0]
    if estimate <= 0 or len(values) < MIN_EARLIER_RUNS:
        return None
    logs = np.log([*values, estimate])
    half = float(stats.t.ppf(0.975, len(logs) - 1)) * float(np.std(logs, ddof=1)) * float(np.sqrt(2))
    return estimate * float(np.exp(-half)), estimate * float(np.exp(half))


def widened(interval: Sequence[float] | None, by: tuple[float, float] | None) -> list[float] | None:
    """The interval that holds both: this run's (over its queries) and the run-to-run one."""
    if interval is None or by is None:
        return None if interval is None else list(interval)
    return [min(interval[0], by[0]), max(interval[1], by[1])]


def relative_half_width_pct(interval: tuple[float, float], estimate: float) -> float:
    """Half the interval's width in percent of the estimate (inf for an estimate of 0)."""
    return 100.0 * (interval[1] - interval[0]) / 2 / abs(estimate) if estimate else float("inf")


def spread_pct(values: list[float]) -> float | None:
    """(max - min) / median of repeated measurements, in percent; None for a single one (no spread known)."""
    if len(values) < 2:
        return None
    median = float(np.median(values))
    return 100.0 * (max(values) - min(values)) / median if median else None


def disagreement_pct(values: list[float]) -> float | None:
    """How far repeated measurements disagree, robustly: the median absolute deviation from their median, in
    percent of it. One pass spoiled alone (a virtual machine descheduled for a moment) leaves it small, since
    the median figure still stands on the passes that agree; passes that all scatter make it large."""
    if len(values) < 2:
        return None
    median = float(np.median(values))
    return 100.0 * float(np.median(np.abs(np.asarray(values) - median))) / median if median else None


# Above these, a measurement is called noise: other processes took more than a fifth of the host's CPU while
# it was timed, or the repeated passes disagree (see disagreement_pct) by more than a fifth of their median.
# Why robust: on an idle 2-core VM, twelve sets of three 0.5 s passes (FAISS flat, 20k x 64) had a
# max-min spread of 1-29 % (median 14 %) and once 49 %: a max-min bound calls quiet results noise.
NOISY_HOST_PCT = 20.0
NOISY_DISAGREEMENT_PCT = 20.0


def noise_verdict(host_other_cpu_pct: float | None, pass_qps: list[float] | None) -> str:
    """Why a measurement may be noise, in words; "" when neither the host nor the passes say so."""
    reasons = []
    if host_other_cpu_pct is not None and host_other_cpu_pct > NOISY_HOST_PCT:
        reasons.append(f"other processes used {host_other_cpu_pct:.0f} % of the host's CPU while it was timed")
    disagreement = disagreement_pct(pass_qps or [])
    if disagreement is not None and disagreement > NOISY_DISAGREEMENT_PCT:
        reasons.append(f"repeated passes disagree: typically {disagreement:.0f} % from their median QPS")
    return "; ".join(reasons)


# Below this recall, where exact search gives 1.0 by definition, a result has collapsed: something about the data
# (scale, norms, metric) defeats the engine's defaults, and the row says what the data looks like.
RECALL_COLLAPSE = 0.5
LOPSIDED = 100.0  # one dimension's value span this many times the median dimension's


@dataclass(frozen=True)
class DataProfile:
    """What a collapsed recall is diagnosed from: value ranges, norms and the metric of the base vectors."""

    metric: str
    value_min: float
    value_max: float
    norm_min: float
    norm_median: float
    norm_max: float
    widest_dimension: int
    widest_span: float
    median_span: float


def data_profile(base: np.ndarray, metric: str) -> DataProfile:
    spans = base.max(axis=0).astype(np.float64) - base.min(axis=0)
    norms = np.linalg.norm(base, axis=1)
    widest = int(np.argmax(spans))
    return DataProfile(metric, float(base.min()), float(base.max()), float(norms.min()), float(np.median(norms)),
                       float(norms.max()), widest, float(spans[widest]), float(np.median(spans)))


def recall_diagnosis(recall: float | None, profile: DataProfile) -> str:
    """For a collapsed recall: the likely cause in the data, then its value ranges, norms and metric; "" else."""
    if recall is None or recall >= RECALL_COLLAPSE:
        return ""
    causes = []
    if profile.widest_span > LOPSIDED * max(profile.median_span, 1e-30):
        causes.append(f"dimension {profile.widest_dimension} spans {profile.widest_span:.3g} while the median dimension "
                      f"spans {profile.median_span:.3g}: quantization, clustering or a value range set for all "
                      "dimensions at once loses the others (try the engine without quantization, or rescale)")
    if profile.metric != "cosine" and profile.norm_max > LOPSIDED * max(profile.norm_min, 1e-30):
        causes.append(f"vector lengths differ {profile.norm_max / max(profile.norm_min, 1e-30):.0f}-fold under "
                      f"{profile.metric}: a few long vectors dominate")
    facts = (f"values {profile.value_min:.3g} to {profile.value_max:.3g}; norms {profile.norm_min:.3g} / "
             f"{profile.norm_median:.3g} / {profile.norm_max:.3g} (min / median / max); metric {profile.metric}")
    return f"recall {recall:.3f} where exact search gives 1.000. " + " ".join(f"Likely: {c}." for c in causes) + \
        (" " if causes else "No cause found in the data's scale; check the engine's settings. ") + facts


@dataclass(frozen=True)
class RetrievalQuality:
    """Quality against relevance judgments (not against exact neighbours), averaged over judged queries."""

    ndcg_at_10: float
    mrr_at_10: float
    recall_at_k: float
    # standard error of the nDCG@10 mean over the judged queries: two figures closer than about twice it
    # (combined) are not told apart by this many queries
    ndcg_stderr: float = float("nan")
    # each judged query's nDCG@10, in query order: two retrievers on the same queries compare pairwise
    query_ndcg: tuple[float, ...] = ()


def retrieval_quality(found_ids: np.ndarray, qrels: list[dict[int, float]], k: int) -> RetrievalQuality:
    """nDCG@10 (gains as judged, log2 discount), MRR@10 and recall@k against the judgments.

    Queries without any relevant document are left out, as in BEIR's evaluation.
    """
    discounts = 1.0 / np.log2(np.arange(2, 12))
    ndcgs, rrs, recalls = [], [], []
    for found, judged in zip(found_ids, qrels):
        relevant = {doc: gain for doc, gain in judged.items() if gain > 0}
        if not relevant:
            continue
        top10 = found[:10]
        gains = np.array([relevant.get(int(doc), 0.0) if doc >= 0 else 0.0 for doc in top10])
        dcg = float((gains * discounts[: len(gains)]).sum())
        ideal = np.sort(np.array(list(relevant.values())))[::-1][:10]
        ndcgs.append(dcg / float((ideal * discounts[: len(ideal)]).sum()))
        first = next((rank for rank, doc in enumerate(top10) if int(doc) in relevant), None)
        rrs.append(0.0 if first is None else 1.0 / (first + 1))
        recalls.append(len({int(d) for d in found[:k]} & relevant.keys()) / len(relevant))
    if not ndcgs:
        return RetrievalQuality(float("nan"), float("nan"), float("nan"))
    stderr = float(np.std(ndcgs, ddof=1) / np.sqrt(len(ndcgs))) if len(ndcgs) > 1 else float("nan")
    return RetrievalQuality(float(np.mean(ndcgs)), float(np.mean(rrs)), float(np.mean(recalls)), stderr, tuple(ndcgs))
