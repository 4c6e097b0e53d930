"""The quick evaluation's wall time: timed until known against the fixed recipe, with the CLI a user runs.

Each round runs `vectorscout run --quick` twice, once as it ships (timing stops once p50 and QPS are known to
±5 %, p95 to ±10 %; tuning judges each setting on as few queries as decide it) and once as the fixed recipe
(`--until-known 0`: every setting timed over three passes, tuning reads every query), in alternating order so a
slow minute of the machine falls on both. Reported side by side: the median wall time of each and their ratio,
then, per engine, the quick figures with their 95 % intervals beside the fixed recipe's (the run with the median
wall time of each), whether the fixed recipe's recall and p95 fall inside the quick run's intervals and how many
earlier runs on this machine those intervals take in; last, the same check over every pair of a quick and a
fixed-recipe run (one pair is one draw: with 95 % intervals, 14 checks all inside is itself a matter of luck).
Goal: the quick evaluation in 45 s or less on an idle 2-core machine, every engine's figures within its interval.

    .venv/bin/python benchmarks/quick_evaluation.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECIPES = {"until known": [], "fixed recipe": ["--until-known", "0"]}


def evaluate(extra: list[str]) -> tuple[float, dict]:
    """One quick evaluation through the CLI: its wall time (the command's, start to exit) and its run document."""
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "vectorscout", "run", "--quick", "--quiet", "--format", "json", *extra],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    wall = time.perf_counter() - began
    if done.returncode not in (0, 1):
        raise SystemExit(f"the quick evaluation failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return wall, json.loads(done.stdout)


def inside(value: float | None, interval: list[float] | None) -> bool:
    return value is not None and interval is not None and interval[0] <= value <= interval[1]


def compare(quick: dict, fixed: dict) -> list[str]:
    """Per engine: the quick figures with their intervals beside the fixed recipe's, and whether the fixed
    recipe's recall and p95 fall inside the quick run's intervals."""
    lines = []
    recipe = {row["engine"]: row for row in fixed["results"] if row["concurrency"] == 1}
    for row in quick["results"]:
        other = recipe.get(row["engine"])
        if row["status"] != "ok" or other is None or other["status"] != "ok":
            lines.append(f"  {row['engine']}: {row['status']} / {other['status'] if other else 'absent'}")
            continue
        recall_ok = inside(other["recall"], row["recall_interval"])
        p95_ok = inside(other["latency_p95_ms"], row["latency_p95_interval_ms"])
        lines.append(
            f"  {row['engine']:<9} passes {row['repetitions']}/{other['repetitions']}  "
            f"recall {row['recall']:.4f} [{row['recall_interval'][0]:.4f}, {row['recall_interval'][1]:.4f}] "
            f"vs {other['recall']:.4f} {'inside' if recall_ok else 'OUTSIDE'}  "
            f"p95 {row['latency_p95_ms']:.3f} [{row['latency_p95_interval_ms'][0]:.3f}, "
            f"{row['latency_p95_interval_ms'][1]:.3f}] vs {other['latency_p95_ms']:.3f} {'inside' if p95_ok else 'OUTSIDE'}"
            f"  runs in ± {row.get('interval_runs', 0)}  setting {row['search_params']} / {other['search_params']}")
    return lines


def every_pair(quick_runs: list[dict], fixed_runs: list[dict]) -> str:
    """How many engine checks (recall and p95 both inside the quick run's intervals) hold over every pair of a quick
    and a fixed-recipe run, and in how many pairs all of them do."""
    checks = inside_count = pairs_all_inside = 0
    for quick in quick_runs:
        for fixed in fixed_runs:
            lines = compare(quick, fixed)
            checks += len(lines)
            held = sum(line.count("inside") == 2 for line in lines)
            inside_count += held
            pairs_all_inside += held == len(lines)
    pairs = len(quick_runs) * len(fixed_runs)
    return (f"every pair ({pairs}): {inside_count} of {checks} engine checks inside, all inside in {pairs_all_inside} of "
            f"{pairs} pairs")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    walls: dict[str, list[tuple[float, dict]]] = {name: [] for name in RECIPES}
    for round_number in range(args.rounds):
        order = list(RECIPES) if round_number % 2 == 0 else list(reversed(RECIPES))
        for name in order:
            walls[name].append(evaluate(RECIPES[name]))
            print(f"round {round_number + 1}: {name} {walls[name][-1][0]:.1f} s", flush=True)
    medians = {name: statistics.median(wall for wall, _ in found) for name, found in walls.items()}
    for name, median in medians.items():
        print(f"{name:<13} median {median:6.1f} s  ({', '.join(f'{wall:.1f}' for wall, _ in walls[name])})")
    print(f"ratio until known / fixed recipe: {medians['until known'] / medians['fixed recipe']:.2f}")

    def median_run(name: str) -> dict:
        return sorted(walls[name], key=lambda found: found[0])[len(walls[name]) // 2][1]

    print("per engine (quick [95 % interval] vs fixed recipe):")
    print("\n".join(compare(median_run("until known"), median_run("fixed recipe"))))
    print(every_pair([run for _, run in walls["until known"]], [run for _, run in walls["fixed recipe"]]))


if __name__ == "__main__":
    main()
