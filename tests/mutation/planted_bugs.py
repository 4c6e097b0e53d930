"""Plant each of twenty plausible one-line bugs in a copy of the tree and check that the suite catches it.

The first ten once survived every test (see the README, "Tests that prove the numbers"); the second ten sit
where a reviewer's planted mistakes once passed the suite (streaming, hybrid fusion, Locust, host load, the
queue, the importers, a recommendation reason, the fitted calibration, the report's money). Each is
planted alone in a fresh copy of the tracked files; the test files that guard that number run there and
must fail. Run by `make mutation` (it takes a few minutes); exits 1 when any bug survives.

    .venv/bin/python tests/mutation/planted_bugs.py [--only NAME]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class PlantedBug:
    name: str
    path: str
    correct: str
    planted: str
    tests: tuple[str, ...]


BUGS = (
    PlantedBug("recall against the full true row instead of top-k", "vectorscout/benchmarking/metrics.py",
               "zip(found_ids[:, :k], true_ids[:, :k])", "zip(found_ids[:, :k], true_ids)", ("tests/test_metrics.py",)),
    PlantedBug("at_recall: > instead of >= at the target", "vectorscout/results/analysis.py",
               "    if recall >= target:", "    if recall > target:",
               ("tests/test_analysis_oracle.py",)),
    PlantedBug("Pareto frontier keeps QPS ties", "vectorscout/results/analysis.py",
               "if (row.qps or 0.0) > best_qps:", "if (row.qps or 0.0) >= best_qps:", ("tests/test_analysis_oracle.py",)),
    PlantedBug("cost: QPS multiplied by the dimension ratio", "vectorscout/decision/cost.py",
               "node_qps = measure.qps_per_core / scale", "node_qps = measure.qps_per_core * scale", ("tests/test_cost.py",)),
    PlantedBug("cost: the copies of the data left out of the memory nodes", "vectorscout/decision/cost.py",
               "memory_nodes = max(1, math.ceil(per_copy * target.copies / usable))",
               "memory_nodes = max(1, math.ceil(per_copy / usable))", ("tests/test_cost.py",)),
    PlantedBug("filters: > evaluated as >=", "vectorscout/contract/filters.py",
               "mask &= column > tree.gt", "mask &= column >= tree.gt", ("tests/test_filter_oracle.py",)),
    PlantedBug("filters: <= evaluated as <", "vectorscout/contract/filters.py",
               "mask &= column <= tree.lte", "mask &= column < tree.lte", ("tests/test_filter_oracle.py",)),
    PlantedBug("ground truth: filter left out of the cache key", "vectorscout/data/groundtruth.py",
               'f"{content_hash}|{metric.value}|{k}|{filter_key}"', 'f"{content_hash}|{metric.value}|{k}"',
               ("tests/test_groundtruth.py",)),
    PlantedBug("Chroma: $gt sent as $gte", "adapters/chroma.py",
               '{">": "$gt", ">=": "$gte"', '{">": "$gte", ">=": "$gte"',
               ("tests/test_filter_translators.py", "tests/test_engine_chroma.py")),
    PlantedBug("FAISS: ef_search ignored", "adapters/faiss.py",
               'efSearch=int(params.get("ef_search", 64))', "efSearch=64", ("tests/test_engine_faiss.py",)),
    # the second round
    PlantedBug("streaming: a row acknowledged at the search's start counted as already there",
               "vectorscout/benchmarking/streaming.py", "earlier = found[found < rows]", "earlier = found[found <= rows]",
               ("tests/test_streaming.py",)),
    PlantedBug("hybrid: the dense list fused at k instead of its full depth", "vectorscout/benchmarking/hybrid.py",
               "return reciprocal_rank_fusion([db.search(vectors[q], depth).ids",
               "return reciprocal_rank_fusion([db.search(vectors[q], k).ids", ("tests/test_hybrid.py",)),
    PlantedBug("Locust: latencies read as milliseconds", "vectorscout/benchmarking/distributed.py",
               "return float(total[column]) / 1000.0", "return float(total[column])", ("tests/test_distributed.py",)),
    PlantedBug("host load: one core's time taken for the whole host's", "vectorscout/process/memory.py",
               "capacity = wall * (psutil.cpu_count() or 1)", "capacity = wall", ("tests/faults/test_noise.py",)),
    PlantedBug("queue: waiting runs listed newest first", "vectorscout/benchmarking/run_queue.py",
               "WHERE state IN ('queued', 'running') ORDER BY seq\"",
               "WHERE state IN ('queued', 'running') ORDER BY seq DESC\"", ("tests/test_queue.py",)),
    PlantedBug("TEXMEX: ground-truth ids read as 1-based", "vectorscout/data/importers.py",
               "neighbors = read_vecs(truth_file).astype(np.int64) if truth_file else None",
               "neighbors = read_vecs(truth_file).astype(np.int64) - 1 if truth_file else None",
               ("tests/test_datasets.py",)),
    PlantedBug("BEIR: graded judgments read as binary", "vectorscout/data/importers.py",
               "judged.setdefault(query, {})[row_of[doc]] = float(score)",
               "judged.setdefault(query, {})[row_of[doc]] = float(score > 0)", ("tests/test_datasets.py",)),
    PlantedBug("recommendation: a write is late only when unseen and slow", "vectorscout/decision/recommend.py",
               "late = insert.visible < insert.probes or", "late = insert.visible < insert.probes and",
               ("tests/test_recommend.py", "tests/test_recommend_criteria.py")),
    PlantedBug("cost: the calibration's fitted intercept ignored", "vectorscout/decision/cost.py",
               "fixed = max(overhead, calibration.fixed_bytes or 0.0)", "fixed = overhead", ("tests/test_cost.py",)),
    PlantedBug("report: cents cut to two decimals below a dollar", "vectorscout/reporting/tables.py",
               'else f"${value:,.4f}"', 'else f"${value:,.2f}"', ("tests/test_tables.py", "tests/test_report.py")),
)


def tracked_copy(destination: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / name.decode()
        if source.is_file():
            target = destination / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def caught(bug: PlantedBug) -> tuple[bool, float]:
    """Plant the bug in a fresh copy and run its guarding tests there: True when they fail."""
    with tempfile.TemporaryDirectory(prefix="planted-") as folder:
        tree = Path(folder)
        tracked_copy(tree)
        source = tree / bug.path
        text = source.read_text()
        if text.count(bug.correct) != 1:
            raise SystemExit(f"{bug.name}: the correct line {bug.correct!r} is not in {bug.path} exactly once; update this list")
        source.write_text(text.replace(bug.correct, bug.planted))
        began = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *bug.tests],
                                cwd=tree, capture_output=True, text=True)
        return result.returncode != 0, time.monotonic() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run only the bug whose name contains this text")
    args = parser.parse_args()
    survivors = []
    chosen = [bug for bug in BUGS if not args.only or args.only in bug.name]
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:  # each bug in a copy of its own: one per core
        for bug, (killed, seconds) in zip(chosen, pool.map(caught, chosen)):
            print(f"{'caught  ' if killed else 'SURVIVED'} {bug.name}  ({', '.join(bug.tests)}; {seconds:.0f} s)",
                  flush=True)
            if not killed:
                survivors.append(bug.name)
    print(f"{len(survivors)} planted bug(s) survived" if survivors else "every planted bug was caught")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
