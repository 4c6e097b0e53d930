"""The mutation score per module of the numeric core, from the results `mutmut run` leaves in mutants/.

Scope: every function of the core modules below; in the adapters, the filter translators only (the rest of
an adapter talks to its engine and is proven by the contract suite, which mutmut does not run). A mutant
counts as killed when a test failed, timed out or the type checker refused it. A surviving mutant is either
a gap to close with a test or listed in equivalent.yaml with the reason no test can tell it apart.

    .venv/bin/python tests/mutation/score.py [--report PATH] [--minimum 95] [--globs [MODULE ...]]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MUTANTS = ROOT / "mutants"
EQUIVALENT = Path(__file__).resolve().parent / "equivalent.yaml"

# module -> functions in scope (None: every function of the module)
SCOPE: dict[str, frozenset[str] | None] = {
    "vectorscout/benchmarking/metrics.py": None,
    "vectorscout/results/analysis.py": None,
    "vectorscout/data/groundtruth.py": None,
    "vectorscout/contract/filters.py": None,
    "vectorscout/decision/cost.py": None,
    "vectorscout/decision/recommend.py": None,
    "vectorscout/decision/conflicts.py": None,
    "vectorscout/decision/matrix.py": None,
    "vectorscout/benchmarking/specs.py": None,
    "vectorscout/benchmarking/plans.py": None,
    "vectorscout/decision/memory_model.py": None,
    "vectorscout/benchmarking/plan.py": None,
    # each engine's filter language: its class, and the function that hands the tree to filters.translate
    "adapters/chroma.py": frozenset({"_ChromaWhere", "where_clause"}),
    "adapters/milvus.py": frozenset({"literal", "_MilvusExpression", "filter_expression"}),
    "adapters/pgvector.py": frozenset({"_PostgresWhere", "where_clause"}),
    "adapters/lancedb.py": frozenset({"literal", "_LanceSQL", "filter_sql"}),
    "adapters/qdrant.py": frozenset({"_QdrantFilters", "translate_filter"}),
    "adapters/weaviate.py": frozenset({"_WeaviateFilters", "translate_filter"}),
    # the second round: the functions that compute a figure a user reads, each with its oracle tests
    "vectorscout/benchmarking/streaming.py": frozenset({"PrefixNeighbours", "windows_of", "_window", "fell_behind_at"}),
    "vectorscout/benchmarking/hybrid.py": frozenset({"Analyzer", "Bm25", "reciprocal_rank_fusion", "_retrievers"}),
    "vectorscout/process/memory.py": frozenset({"HostLoad"}),
    "vectorscout/benchmarking/tuning.py": None,
    "vectorscout/benchmarking/run_queue.py": frozenset({"_listed", "latest_ended", "ahead_of", "finish"}),
    "vectorscout/benchmarking/distributed.py": frozenset({"read_stats"}),
    "vectorscout/data/importers.py": frozenset({"read_vecs", "read_texmex", "truth_agreement", "settle_metric_and_truth"}),
    "vectorscout/reporting/tables.py": None,
    "vectorscout/reporting/sections.py": frozenset({"cost_rows", "assumption_rows", "summary_lines"}),
}
KILLED = {1, 3, 36, 37, -24, 24, 152, 255}  # test failure, pytest internal error, timeouts, type check
STATUS = {0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", None: "not checked"}
MUTANT_NAME = re.compile(r"\.x(?:ǁ(?P<cls>\w+)ǁ|_)(?P<function>\w+?)__mutmut_\d+$")


@dataclass
class ModuleScore:
    module: str
    killed: int = 0
    survivors: list[str] = field(default_factory=list)
    equivalent: list[str] = field(default_factory=list)
    not_checked: int = 0  # left out of a partial run (mutmut run NAMES): neither killed nor survived
    # listed as equivalent yet killed: the listing is wrong, most often because a change to the function renumbered
    # its mutants and the number now names another one (whose equivalent may now hide among the survivors)
    stale: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.killed + len(self.survivors) + len(self.equivalent)

    @property
    def score(self) -> float | None:
        """Killed over all mutants that are not proven equivalent, in percent; None when none was run."""
        judged = self.killed + len(self.survivors)
        return 100.0 * self.killed / judged if judged else None


def scope_globs(modules: list[str] | None = None) -> list[str]:
    """The mutant names in scope as `mutmut run` patterns: only these are run, so a mutant in a function the
    oracle tests merely pass through (an adapter's connection code, an importer's file reading) costs nothing."""
    globs = []
    for module, functions in SCOPE.items():
        if modules and not any(wanted in module for wanted in modules):
            continue
        dotted = module.removesuffix(".py").replace("/", ".")
        if functions is None:
            globs.append(f"{dotted}.x*")
            continue
        for name in sorted(functions):
            # a name in scope is a class (its methods: xǁClassǁmethod), a method of any class, or a function
            globs += [f"{dotted}.xǁ{name}ǁ*", f"{dotted}.xǁ*ǁ{name}__mutmut_*", f"{dotted}.x_{name}__mutmut_*"]
    return globs


def function_of(mutant: str) -> str:
    match = MUTANT_NAME.search(mutant)
    if match is None:
        raise ValueError(f"unexpected mutant name {mutant!r}")
    return f"{match['cls']}.{match['function']}" if match["cls"] else match["function"]


def scores(equivalent: dict[str, str]) -> list[ModuleScore]:
    results = []
    for module, functions in SCOPE.items():
        meta = MUTANTS / (module + ".meta")
        if not meta.exists():
            raise SystemExit(f"{meta} is missing: run `make mutation` (mutmut run) first")
        score = ModuleScore(module)
        for mutant, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            name = function_of(mutant)
            # in scope: the function itself, or any method of a class in scope
            if functions is not None and not {name.split(".")[0], name.split(".")[-1]} & functions:
                continue
            if code is None:
                score.not_checked += 1
            elif code in KILLED:
                score.killed += 1
                if mutant in equivalent:
                    score.stale.append(mutant)
            elif mutant in equivalent:
                score.equivalent.append(mutant)
            else:
                score.survivors.append(mutant)
        results.append(score)
    return results


def report(results: list[ModuleScore], equivalent: dict[str, str], minimum: float) -> str:
    lines = ["# Mutation score of the numeric core", "",
             "| module | mutants | killed | equivalent | survived | score |", "|---|---:|---:|---:|---:|---:|"]
    for r in results:
        shown = "not checked" if r.score is None else f"{r.score:.1f} %"
        lines.append(f"| {r.module} | {r.total} | {r.killed} | {len(r.equivalent)} | {len(r.survivors)} | {shown} |")
    killed = sum(r.killed for r in results)
    judged = killed + sum(len(r.survivors) for r in results)
    overall = f"{100.0 * killed / judged:.1f} %" if judged else "nothing checked"
    lines += ["", f"Overall: {overall} of {judged} mutants killed (target: {minimum:g} % per module).", ""]
    lines += ["Survivors by function (`.venv/bin/mutmut show NAME` prints a mutant's diff):", ""]
    for r in results:
        if r.survivors or r.equivalent or r.stale:
            lines.append(f"## {r.module}")
            by_function: dict[str, list[str]] = defaultdict(list)
            for mutant in r.survivors:
                by_function[function_of(mutant)].append(mutant.rsplit("_", 1)[-1])
            for function, numbers in sorted(by_function.items(), key=lambda item: -len(item[1])):
                lines.append(f"- `{function}`: {len(numbers)} survived (mutants {', '.join(numbers)})")
            for mutant in r.equivalent:
                lines.append(f"- equivalent `{mutant}`: {equivalent[mutant]}")
            for mutant in r.stale:
                lines.append(f"- STALE `{mutant}`: listed as equivalent, but a test kills it (renumbered?)")
            lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, default=ROOT / "test-artifacts" / "mutation-report.md")
    parser.add_argument("--minimum", type=float, default=95.0)
    parser.add_argument("--globs", nargs="*", metavar="MODULE",
                        help="print the `mutmut run` patterns of the scope (or of the modules named) and stop")
    args = parser.parse_args()
    if args.globs is not None:
        print(" ".join(scope_globs(args.globs)))  # the Makefile turns globbing off (set -f) before using them
        return 0
    equivalent = yaml.safe_load(EQUIVALENT.read_text()) or {}
    results = scores(equivalent)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(report(results, equivalent, args.minimum))
    width = max(len(r.module) for r in results)
    for r in results:
        flag = "   NOT CHECKED" if r.score is None else ("" if r.score >= args.minimum else "   BELOW TARGET")
        shown = "  -  " if r.score is None else f"{r.score:5.1f}"
        print(f"{r.module:<{width}}  {r.killed:>4}/{r.killed + len(r.survivors):<4} killed  {shown} %"
              f"  ({len(r.equivalent)} equivalent, {r.not_checked} not checked){flag}")
    stale = [mutant for r in results for mutant in r.stale]
    for mutant in stale:
        print(f"stale in equivalent.yaml: {mutant} is killed by a test; list the mutant that is equivalent instead")
    print(f"report: {args.report}")
    return 0 if all(r.score is not None and r.score >= args.minimum for r in results) and not stale else 1


if __name__ == "__main__":
    sys.exit(main())
