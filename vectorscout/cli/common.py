"""What every command group shares: bad input as UsageError, the run queue, stored runs and scenarios."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from vectorscout.benchmarking.plan import PlanError, RunPlan
from vectorscout.benchmarking.run_queue import QueueEntry, RunQueue, describe, run_job
from vectorscout.cli.output import print_progress_lines
from vectorscout.results.records import Run
from vectorscout.results.store import ResultsStore

if TYPE_CHECKING:
    from vectorscout.decision.scenario import Scenario


class UsageError(Exception):
    """Bad input from the user: one line to stderr, exit status 2."""


def requested_by() -> str:
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown user"
    return f"the CLI (pid {os.getpid()}, {user})"


def waiting(ahead: list[QueueEntry]) -> None:
    if ahead:
        print(f"waiting for the run queue ({len(ahead)} ahead): now {describe(ahead[0])}; Ctrl-C leaves the queue",
              file=sys.stderr, flush=True)


def run_queued(plans: list[RunPlan], quiet: bool) -> list[Run]:
    """Run the plans when the home's run queue gets to them: one benchmark at a time per home, whoever asks."""
    store = ResultsStore()
    job_id = RunQueue(store).submit(plans, requested_by())
    try:
        return run_job(store, job_id, None if quiet else print_progress_lines(), waiting, plans)
    except PlanError as exc:
        raise UsageError(str(exc)) from None


def get_run(store: ResultsStore, run_id: str) -> Run:
    try:
        return store.get_run(run_id)
    except KeyError:
        raise UsageError(f"no stored run {run_id!r}; see 'python -m vectorscout runs list'") from None


def read_scenario(path: str) -> Scenario:
    from vectorscout.decision.scenario import Scenario, ScenarioError

    try:
        return Scenario.from_json(Path(path).read_text())
    except OSError as exc:
        raise UsageError(f"cannot read scenario {path}: {exc.strerror}") from None
    except ScenarioError as exc:
        raise UsageError(f"{path}: {exc}") from None


def scenario_and_runs(args: argparse.Namespace) -> tuple[Scenario, list[str], list[Run]]:
    scenario = read_scenario(args.scenario)
    store = ResultsStore()
    run_ids = [r for r in (args.runs or "").split(",") if r]
    return scenario, run_ids, [get_run(store, run_id) for run_id in run_ids]


def whole_numbers(text: str, example: str) -> tuple[int, ...]:
    """Comma-separated whole numbers, sorted and without repeats."""
    try:
        return tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of whole numbers like {example}") from None
