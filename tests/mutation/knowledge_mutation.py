"""Data mutation of the knowledge files: every numeric constant of memory.yaml and prices.yaml, and every
dimension limit of features.yaml, perturbed one at a time; the oracle tests must fail for each.

A constant is a number written as a YAML value (outside quoted text and comments), a number inside a vendor
rule's `bytes_per_vector` arithmetic, or a limit's level. Each mutant is written into a copy of the project
(the checkout itself is never touched) and the oracle tests run there; golden files are not among them, so a
number caught only by a golden document counts as a survivor.

    .venv/bin/python tests/mutation/knowledge_mutation.py [--report PATH] [--minimum 95]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = Path("vectorscout/decision/knowledge")
ORACLES = ["tests/test_knowledge_oracles.py", "tests/test_memory_model.py", "tests/test_matrix.py"]
COPIED = ["vectorscout", "adapters", "tests", "pyproject.toml"]  # what the oracle tests import and read

QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
VALUE = re.compile(r"(?<=: )(-?\d+(?:\.\d+)?)(?=\s*(?:[,}\]]|#|$))")
RULE = re.compile(r"bytes_per_vector: \"([^\"]*)\"")
NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e\d+)?")
LIMIT = re.compile(r"^\s+(?:float32|float16|bfloat16|int8|binary): '?(\d+) \|")


@dataclass(frozen=True)
class Mutant:
    file: str
    line: int  # 1-based
    start: int
    end: int
    original: str
    replacement: str

    @property
    def name(self) -> str:
        return f"{self.file}:{self.line} {self.original} -> {self.replacement}"


def perturbed(token: str) -> str:
    """A plausible wrong value: 10 % off for a float, one more for a small integer, 10 % more for a large one."""
    if "." in token or "e" in token:
        value = float(token)
        return repr(round(value * 1.1, 12)) if value else "0.5"
    value = int(token)
    return str(value + 1) if abs(value) < 10 else str(round(value * 1.1))


def constants(file: str, text: str) -> list[Mutant]:
    found = []
    in_limits = False
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split(" #")[0] if not line.lstrip().startswith("#") else ""
        if file.endswith("features.yaml"):
            in_limits = (in_limits and line.startswith("        ")) or "max_dimensions:" in line
            if in_limits and (match := LIMIT.match(line)):
                found.append(Mutant(file, number, match.start(1), match.end(1), match[1], perturbed(match[1])))
            continue
        blanked = QUOTED.sub(lambda m: " " * len(m[0]), code)
        for match in VALUE.finditer(blanked):
            found.append(Mutant(file, number, match.start(1), match.end(1), match[1], perturbed(match[1])))
        for rule in RULE.finditer(code):
            for match in NUMBER.finditer(rule[1]):
                start = rule.start(1) + match.start()
                found.append(Mutant(file, number, start, start + len(match[0]), match[0], perturbed(match[0])))
    return found


def apply(text: str, mutant: Mutant) -> str:
    lines = text.splitlines(keepends=True)
    line = lines[mutant.line - 1]
    assert line[mutant.start:mutant.end] == mutant.original, mutant
    lines[mutant.line - 1] = line[:mutant.start] + mutant.replacement + line[mutant.end:]
    return "".join(lines)


def killed(copy: Path) -> bool:
    # a base temporary folder of its own: pytest prunes old ones in the shared folder, which would pull the
    # folders from under a test suite running beside this
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "not engine",
                             "--basetemp", str(copy / ".pytest-tmp"), *ORACLES], cwd=copy, capture_output=True, text=True)
    return result.returncode != 0


def project_copy(folder: Path) -> Path:
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__", "golden"))
        else:
            shutil.copy2(source, folder / name)
    return folder


def survivors_in(copy: Path, mutants: list[Mutant]) -> list[str]:
    """Each mutant written alone into this copy's file, the oracle tests run, the file put back."""
    survived = []
    for mutant in mutants:
        path = copy / KNOWLEDGE / mutant.file
        original = path.read_text()
        path.write_text(apply(original, mutant))
        try:
            if not killed(copy):
                survived.append(mutant.name)
        finally:
            path.write_text(original)
    return survived


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, default=ROOT / "test-artifacts" / "knowledge-mutation-report.md")
    parser.add_argument("--minimum", type=float, default=95.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="copies of the project tested side by side (default: one per core)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vs-knowledge-") as folder:
        copies = [project_copy(Path(folder) / f"copy-{n}") for n in range(max(1, args.workers))]
        if killed(copies[0]):
            print("the oracle tests fail on the unchanged files: fix them first", file=sys.stderr)
            return 1
        began = time.monotonic()
        mutants = {file: constants(file, (ROOT / KNOWLEDGE / file).read_text())
                   for file in ("memory.yaml", "prices.yaml", "features.yaml")}
        every = [mutant for found in mutants.values() for mutant in found]
        # each copy takes every n-th mutant: the pytest runs are independent, one per core
        with ThreadPoolExecutor(len(copies)) as pool:
            shares = pool.map(survivors_in, copies, [every[n::len(copies)] for n in range(len(copies))])
            survived = {name for share in shares for name in share}
        results = {file: (len(found), [m.name for m in found if m.name in survived]) for file, found in mutants.items()}
    lines = ["# Data mutation of the knowledge files", "",
             f"Each numeric constant perturbed alone; oracle tests: {', '.join(ORACLES)} "
             f"({time.monotonic() - began:.0f} s).", "", "| file | constants | caught | score |", "|---|---:|---:|---:|"]
    failing = False
    for file, (total, survivors) in results.items():
        score = 100.0 * (total - len(survivors)) / total if total else 100.0
        failing |= score < args.minimum
        lines.append(f"| {file} | {total} | {total - len(survivors)} | {score:.1f} % |")
    for file, (_, survivors) in results.items():
        lines += [f"- survived in {file}: {name}" for name in survivors]
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
