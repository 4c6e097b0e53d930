"""The requirements questionnaire (knowledge/questionnaire.yaml) and a scenario: one set of answers.

A scenario holds the answers, the criteria's priorities and the cost model's assumptions; files written by
older versions are read with their answers renamed (a `kubernetes` deployment is a self-hosted cluster; one
`sparse_or_multivector` answer became two; the cost's provider became the cloud provider question).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from vectorscout.decision.matrix import KNOWLEDGE
from vectorscout.home import existing_subdir, subdir, write_atomically

CRITERIA = ("features", "operations", "scalability", "ecosystem", "performance", "cost")
# Answers from files of earlier versions: question -> old value -> today's value
RENAMED_VALUES = {"deployment": {"kubernetes": "cluster"}}


class ScenarioError(ValueError):
    """Answers that do not fit the questionnaire."""


@dataclass(frozen=True)
class Question:
    id: str
    label: str
    type: str
    default: Any
    help: str
    options: tuple[Any, ...] = ()
    min: float | None = None
    max: float | None = None

    def coerce(self, value: Any) -> Any:
        value = RENAMED_VALUES.get(self.id, {}).get(value, value) if isinstance(value, str) else value
        try:
            if self.type in ("int", "float") and isinstance(value, bool):
                raise ValueError(value)  # int(True) would be 1 vector
            if self.type == "int":
                if isinstance(value, float) and not value.is_integer():
                    raise ValueError(value)  # 2.7 vectors is not 2
                number: Any = int(value)
            elif self.type == "float":
                number = float(value)
                if not math.isfinite(number):
                    raise ValueError(value)  # NaN passes every bound; infinity sizes nothing
            elif self.type == "bool":
                if isinstance(value, str) and value.strip().lower() in {"true", "yes", "1", "false", "no", "0"}:
                    return value.strip().lower() in {"true", "yes", "1"}
                if isinstance(value, bool) or value in (0, 1):
                    return bool(value)
                raise ValueError(value)  # bool([1, 2]) would be true
            elif self.type == "choice":
                if value not in self.options:
                    raise ScenarioError(f"{self.id}: {value!r} is not one of {', '.join(map(str, self.options))}")
                return value
            else:  # multi
                values = list(value)
                unknown = [v for v in values if v not in self.options]
                if unknown:
                    raise ScenarioError(f"{self.id}: {unknown[0]!r} is not one of {', '.join(map(str, self.options))}")
                return values
        except (TypeError, ValueError, OverflowError) as exc:
            if isinstance(exc, ScenarioError):
                raise
            raise ScenarioError(f"{self.id}: {value!r} is not a valid {self.type}") from None
        if (self.min is not None and number < self.min) or (self.max is not None and number > self.max):
            raise ScenarioError(f"{self.id}: {number} is outside {self.min}..{self.max}")
        return number


@cache
def questionnaire() -> tuple[tuple[Question, ...], dict[str, float]]:
    raw = yaml.safe_load((KNOWLEDGE / "questionnaire.yaml").read_text())
    questions = tuple(
        Question(q["id"], q["label"], q["type"], q["default"], q["help"], tuple(q.get("options", ())), q.get("min"),
                 q.get("max"))
        for q in raw["questions"]
    )
    return questions, {k: float(v) for k, v in raw["priorities"].items()}


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
        questions, default_priorities = questionnaire()
        known = {q.id: q for q in questions}
        unknown = set(self.answers) - set(known)
        if unknown:
            raise ScenarioError(f"unknown question(s): {', '.join(sorted(unknown))}")
        self.answers = {q.id: q.coerce(self.answers.get(q.id, q.default)) for q in questions}
        unknown = set(self.priorities) - set(CRITERIA)
        if unknown:
            raise ScenarioError(f"unknown criteria: {', '.join(sorted(unknown))}; criteria: {', '.join(CRITERIA)}")
        merged = {**default_priorities, **self.priorities}
        for criterion, weight in merged.items():
            if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= 5:
                raise ScenarioError(f"priority of {criterion} must be a number between 0 and 5, got {weight!r}")
        self.priorities = {c: float(merged[c]) for c in CRITERIA}

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
