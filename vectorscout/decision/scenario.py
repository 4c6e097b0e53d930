"""The requirements questionnaire (knowledge/questionnaire.yaml) and a scenario: one set of answers.

A scenario holds the answers, the criteria's priorities and the cost model's assumptions; files written by
older versions are read with their answers renamed (a `kubernetes` deployment is a self-hosted cluster; one
`sparse_or_multivector` answer became two; the cost's provider became the cloud provider question).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vectorscout.decision.answers import Answers, ScenarioError, checked_answers, questionnaire
from vectorscout.home import existing_subdir, subdir, write_atomically

CRITERIA = ("features", "operations", "scalability", "ecosystem", "performance", "cost")


@dataclass
class Scenario:
    name: str = "scenario"
    answers: dict[str, Any] = field(default_factory=dict)
    priorities: dict[str, float] = field(default_factory=dict)
    cost: dict[str, Any] = field(default_factory=dict)  # the cost model's assumptions (vectorscout/decision/cost.py)

    def __post_init__(self) -> None:
        from vectorscout.decision.cost import CostError, coerce_assumptions

        self.answers, self.cost = _renamed(dict(self.answers), dict(self.cost))
        try:
            self.cost = coerce_assumptions(self.cost)
        except CostError as exc:
            raise ScenarioError(str(exc)) from None
        self.answers = checked_answers(self.answers)
        default_priorities = questionnaire()[1]
        unknown = set(self.priorities) - set(CRITERIA)
        if unknown:
            raise ScenarioError(f"unknown criteria: {', '.join(sorted(unknown))}; criteria: {', '.join(CRITERIA)}")
        merged = {**default_priorities, **self.priorities}
        for criterion, weight in merged.items():
            if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= 5:
                raise ScenarioError(f"priority of {criterion} must be a number between 0 and 5, got {weight!r}")
        self.priorities = {c: float(merged[c]) for c in CRITERIA}

    @property
    def record(self) -> Answers:
        """The answers as the typed record the decision reads."""
        return Answers.of(self.answers)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> Scenario:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScenarioError(f"not a scenario file: {exc}") from None
        if not isinstance(data, dict):
            raise ScenarioError("not a scenario file: expected a JSON object")
        return cls(str(data.get("name", "scenario")), dict(data.get("answers", {})), dict(data.get("priorities", {})),
                   dict(data.get("cost", {})))


def _renamed(answers: dict[str, Any], cost: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Answers and assumptions of files written before the questionnaire's current vocabulary."""
    if "sparse_or_multivector" in answers:
        both = answers.pop("sparse_or_multivector")
        either = "nice to have" if both == "required" else both  # "either one" cannot require one of them
        answers.setdefault("sparse_vectors", either)
        answers.setdefault("multi_vector", either)
    # The cloud provider is an answer now (the Requirements page sets it); a provider only an edited price
    # table knows (e.g. a local hoster) stays a cost assumption and overrides the answer there.
    if cost.get("provider") in ("aws", "gcp", "azure") and "cloud_provider" not in answers:
        answers["cloud_provider"] = cost.pop("provider")
    return answers, cost


# -- saved scenarios -----------------------------------------------------------------------------------
def scenario_path(name: str) -> Path:
    import re


    slug = re.sub(r"[^a-z0-9_-]+", "-", name.strip().lower()).strip("-")[:64]
    if not slug:
        raise ScenarioError("a scenario needs a name with at least one letter or digit")
    return subdir("scenarios") / f"{slug}.json"


def save_scenario(scenario: Scenario) -> Path:
    return write_atomically(scenario_path(scenario.name), lambda temporary: temporary.write_text(scenario.to_json()))


def saved_scenarios() -> dict[str, Scenario]:

    found = {}
    for path in sorted(existing_subdir("scenarios").glob("*.json")):
        try:
            scenario = Scenario.from_json(path.read_text())
        except (OSError, ScenarioError):
            continue  # a damaged file is skipped, never half-used
        found[scenario.name] = scenario
    return found
