"""Harness overhead: the runner's mean query latency against a bare loop making the same FAISS calls.

FAISS Flat on synthetic 10k x 128 (cosine), 1,000 queries, k=10. The runner in process and the bare loop
run alternately in the same process, several rounds, and the ratio of medians is the harness overhead
(goal <= 1.05). The same runner in an isolated worker process (the default for runs) is reported beside
it, so the cost of isolation is visible too.

    .venv/bin/python benchmarks/harness_overhead.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VECTORSCOUT_HOME", tempfile.mkdtemp(prefix="vs-bench-"))

import faiss

from vectorscout.benchmarking.plan import RunPlan
from vectorscout.benchmarking.runner import execute, prepare
from vectorscout.benchmarking.specs import parse_engines
from vectorscout.contract.metric import normalized
from vectorscout.results.store import ResultsStore

DATASET = "synthetic:n=10000,dim=128,seed=0,queries=1000"


def bare_loop_mean_ms(base: np.ndarray, queries: np.ndarray, k: int) -> float:
    index = faiss.IndexIDMap2(faiss.IndexFlat(base.shape[1], faiss.METRIC_INNER_PRODUCT))
    index.add_with_ids(normalized(base), np.arange(len(base), dtype=np.int64))
    prepared = normalized(queries)
    for query in prepared[:50]:  # the same warm-up as the runner
        index.search(query.reshape(1, -1), k)
    latencies = np.empty(len(prepared), dtype=np.int64)
    clock = time.perf_counter_ns
    for i in range(len(prepared)):
        query = prepared[i].reshape(1, -1)
        began = clock()
        index.search(query, k)
        latencies[i] = clock() - began
    return float(latencies.mean() / 1e6)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    in_process = RunPlan(dataset=DATASET, engines=parse_engines("faiss"), k=10, isolate=False)
    isolated = RunPlan(dataset=DATASET, engines=parse_engines("faiss"), k=10)
    prepared = prepare(in_process)
    store = ResultsStore()
    runner_ms, isolated_ms, bare_ms = [], [], []
    for _ in range(args.rounds):
        runner_ms.append(execute(in_process, store, prepared=prepared).results[0].latency_mean_ms)
        isolated_ms.append(execute(isolated, store, prepared=prepared).results[0].latency_mean_ms)
        bare_ms.append(bare_loop_mean_ms(prepared.dataset.base, prepared.dataset.queries, in_process.k))
    runner, worker, bare = (statistics.median(v) for v in (runner_ms, isolated_ms, bare_ms))
    print(f"runner, in process (median of {args.rounds}): {runner:.4f} ms  {[f'{v:.4f}' for v in runner_ms]}")
    print(f"runner, isolated worker:       {worker:.4f} ms  {[f'{v:.4f}' for v in isolated_ms]}")
    print(f"bare loop, same process:       {bare:.4f} ms  {[f'{v:.4f}' for v in bare_ms]}")
    print(f"harness overhead, runner/bare in one process: {runner / bare:.3f} (goal <= 1.05)")
    print(f"isolation cost, worker/in-process: {worker / runner:.3f}")


if __name__ == "__main__":
    main()
