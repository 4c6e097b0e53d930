"""The questionnaire and its answers as a typed record.

A scenario stores its answers as the questionnaire's ids and values (knowledge/questionnaire.yaml: what the form
shows and a scenario file holds). The decision reads them through `Answers`: one field per question, typed as the
question is (a choice as the Literal of its options), so mypy checks every read, including a comparison with a
value the question does not offer, and an IDE finds every place an answer takes effect.
tests/test_answers.py keeps the record and the questionnaire in step (ids, types, options, defaults).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import yaml

from vectorscout.contract.deployment import DeploymentMode
from vectorscout.decision.matrix import KNOWLEDGE

QUESTIONNAIRE = KNOWLEDGE / "questionnaire.yaml"
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
    raw = yaml.safe_load(QUESTIONNAIRE.read_text())
    questions = tuple(
        Question(q["id"], q["label"], q["type"], q["default"], q["help"], tuple(q.get("options", ())), q.get("min"),
                 q.get("max"))
        for q in raw["questions"]
    )
    return questions, {k: float(v) for k, v in raw["priorities"].items()}


def checked_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Every question's answer, checked against its type, options and bounds (ScenarioError says which and why),
    the questionnaire's default where none is given; an answer to no question is refused."""
    questions = questionnaire()[0]
    unknown = set(answers) - {q.id for q in questions}
    if unknown:
        raise ScenarioError(f"unknown question(s): {', '.join(sorted(unknown))}")
    return {q.id: q.coerce(answers.get(q.id, q.default)) for q in questions}



Need = Literal["not needed", "nice to have", "required"]


@dataclass(frozen=True)
class Answers:
    """One scenario's answers, a field per question of knowledge/questionnaire.yaml, in its order."""

    vectors_now: int
    vectors_24m: int
    dimensions: int
    peak_qps: int
    latency_p95_ms: float
    recall_target: float
    metric: Literal["cosine", "dot", "l2", "hamming"]
    vector_type: Literal["float32", "float16", "int8", "binary"]
    filtering: Literal["none", "light", "heavy"]
    hybrid_search: Need
    sparse_vectors: Need
    multi_vector: Need
    multi_tenancy: Need
    tenants: int
    tenant_sizes: Literal["even", "uneven"]
    update_rate: Literal["rare", "hourly", "continuous"]
    write_visibility: Literal["within a second", "within a minute", "minutes are fine"]
    reindexing: Literal["not planned", "occasionally", "regularly"]
    deployment: DeploymentMode
    cloud_provider: Literal["aws", "gcp", "azure"]
    cloud_region: Literal["us", "europe", "asia_pacific"]
    high_availability: bool
    disaster_recovery: Literal["not needed", "restore from backups", "standby in another region"]
    security: tuple[Literal["rbac", "tls", "encryption_at_rest", "audit", "data_residency"], ...]
    sql_joins: bool
    existing_postgres: bool
    license_constraint: Literal["any open source", "permissive only"]
    sdk_languages: tuple[Literal["python", "javascript", "go", "java", "rust", "dotnet", "cpp", "ruby", "php"], ...]
    integrations: tuple[Literal["langchain", "llamaindex"], ...]
    ops_skills: Literal["none", "some", "strong"]
    budget_per_month: float

    @classmethod
    def of(cls, answers: Answers | Mapping[str, Any]) -> Answers:
        """The record of a scenario's answers: checked and completed with the questionnaire's defaults (as a
        scenario file is); an Answers is returned as it is. Raises ScenarioError for an answer that does not fit."""
        if isinstance(answers, Answers):
            return answers
        values = checked_answers(answers)
        fields = {f.name for f in dataclasses.fields(cls)}
        record: dict[str, Any] = {key: tuple(value) if isinstance(value, list) else value
                                  for key, value in values.items() if key in fields}
        record["deployment"] = DeploymentMode(record["deployment"])
        return cls(**record)

    def value(self, question: str) -> Any:
        """The answer to a question named at run time (a table of questions and what each asks of an engine)."""
        if question not in {f.name for f in dataclasses.fields(self)}:
            raise KeyError(question)
        return getattr(self, question)

    def as_dict(self) -> dict[str, Any]:
        """The answers as a scenario file holds them: ids and plain values (lists, the mode as its string)."""
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else
                         str(v) if isinstance(v, DeploymentMode) else v) for f in dataclasses.fields(self)}


# What public entry points take: the record, or a scenario's answers as stored (checked by Answers.of).
AnswersLike = Answers | Mapping[str, Any]
