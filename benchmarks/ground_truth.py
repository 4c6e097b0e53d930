"""Ground truth speed: chunked exact top-100 against plain numpy on the same data.

100k x 128 base, 1,000 queries, top-100, L2. Reported side by side: the bare matmul alone, the bare
matmul + argpartition + sort (what one would write by hand, unbounded memory), and VectorScout's
blocked, memory-bounded ``exact_knn`` (which also re-ranks the survivors with float64 distances), and the
bare faiss.knn kernel it selects candidates with.
Goal: exact_knn <= 1.5x the bare matmul.

    .venv/bin/python benchmarks/ground_truth.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vectorscout.contract.metric import Metric
from vectorscout.data.groundtruth import exact_knn


def timed(function) -> float:
    began = time.perf_counter()
    function()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    base = rng.standard_normal((args.n, 128), dtype=np.float32)
    queries = rng.standard_normal((1000, 128), dtype=np.float32)
    k = 100

    def bare_matmul():
        return queries @ base.T

    def bare_topk():
        scores = np.einsum("ij,ij->i", base, base)[None, :] - 2.0 * (queries @ base.T)
        part = np.argpartition(scores, k - 1, axis=1)[:, :k]
        order = np.argsort(np.take_along_axis(scores, part, axis=1), axis=1)
        return np.take_along_axis(part, order, axis=1)

    def chunked():
        return exact_knn(queries, base, Metric.L2, k)

    def faiss_knn():  # the bare kernel exact_knn builds on, without blocks, spare candidates or re-rank
        import faiss

        return faiss.knn(queries, base, k)

    results: dict[str, list[float]] = {"bare matmul": [], "bare matmul+top-k": [], "exact_knn (chunked)": [],
                                       "faiss.knn (reference)": []}
    for _ in range(args.rounds):  # interleaved so drift in the machine hits all three alike
        results["bare matmul"].append(timed(bare_matmul))
        results["bare matmul+top-k"].append(timed(bare_topk))
        results["exact_knn (chunked)"].append(timed(chunked))
        results["faiss.knn (reference)"].append(timed(faiss_knn))
    medians = {name: statistics.median(values) for name, values in results.items()}
    for name, value in medians.items():
        print(f"{name:<22} {value:.3f} s (median of {args.rounds})")
    ours = medians["exact_knn (chunked)"]
    print(f"ratio exact_knn / bare matmul:       {ours / medians['bare matmul']:.2f} (goal <= 1.5)")
    print(f"ratio faiss.knn / bare matmul:       {medians['faiss.knn (reference)'] / medians['bare matmul']:.2f}")
    print(f"ratio exact_knn / bare matmul+top-k: {ours / medians['bare matmul+top-k']:.2f}")
    same = (chunked().ids == bare_topk()).mean()
    print(f"same ids as the bare top-k: {same:.4%}")


if __name__ == "__main__":
    main()
