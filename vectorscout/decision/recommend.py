"""Requirements -> an explained recommendation.

Three layers, each visible in the output: hard constraints remove an engine with a stated reason; soft
criteria (features, operations, scalability, ecosystem) score what the sourced feature matrix says against
the answers; measured performance from stored runs (QPS and p95 at the recall target, each relative to
the best engine, combined by geometric mean as VectorDBBench's leaderboard does) scores what was seen on
this hardware. Criteria are weighted by the user's priorities; an engine with no measurement is scored on
the other criteria and says "not measured" — never a silent zero. Everything is deterministic.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from vectorscout.results.records import Run

KNOWLEDGE = Path(__file__).resolve().parent / "knowledge"
LEVELS = {"full": 1.0, "partial": 0.5, "none": 0.0}
PERMISSIVE = {"Apache-2.0", "MIT", "BSD-3-Clause", "BSD-2-Clause", "PostgreSQL License"}
CRITERIA = ("features", "operations", "scalability", "ecosystem", "performance", "cost")
SHARDING_NEEDED_AT = 100_000_000
DEPLOYMENT_LABELS = {"embedded": "embedded in the application", "single_server": "as a single server",
                     "kubernetes": "as a cluster on Kubernetes", "managed_cloud": "as a managed cloud service"}


class ScenarioError(ValueError):
    """Answers that do not fit the questionnaire."""


@dataclass(frozen=True)
class Cell:
    level: str
    comment: str
    source: str

    @property
    def value(self) -> float:
        return LEVELS[self.level]


@dataclass(frozen=True)
class EngineProfile:
    key: str
    name: str
    version: str
    license: str
    language: str
    deployment: tuple[str, ...]
    sdks: tuple[str, ...]
    index_types: tuple[str, ...]
    features: dict[str, Cell]
    # What sets an engine apart beyond its features: runs_in_postgres, library (see features.yaml)
    traits: frozenset[str] = frozenset()

    def cell(self, feature: str) -> Cell:
        return self.features[feature]


@cache
def feature_matrix() -> dict[str, EngineProfile]:
    raw = yaml.safe_load((KNOWLEDGE / "features.yaml").read_text())["engines"]
    profiles = {}
    for key, entry in raw.items():
        cells = {}
        for feature, text in entry["features"].items():
            level, comment, source = (part.strip() for part in str(text).split("|"))
            if level not in LEVELS:
                raise ValueError(f"features.yaml: {key}.{feature} has level {level!r}")
            cells[feature] = Cell(level, comment, source)
        profiles[key] = EngineProfile(
            key, entry["name"], str(entry["version"]), entry["license"], entry["language"], tuple(entry["deployment"]),
            tuple(entry["sdks"]), tuple(entry["index_types"]), cells, frozenset(entry.get("traits", ())),
        )
    return profiles


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
        try:
            if self.type == "int":
                number: Any = int(value)
            elif self.type == "float":
                number = float(value)
            elif self.type == "bool":
                if isinstance(value, str):
                    return value.strip().lower() in {"true", "yes", "1"}
                return bool(value)
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
        except (TypeError, ValueError) as exc:
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
            if not 0 <= float(weight) <= 5:
                raise ScenarioError(f"priority of {criterion} must be between 0 and 5, got {weight}")
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


@dataclass
class Reason:
    criterion: str
    text: str
    weight: float  # how much it moved the score; used to order reasons


@dataclass
class EngineVerdict:
    engine: str
    name: str
    score: float | None
    excluded: str | None
    criteria: dict[str, float | None]
    reasons_for: list[str]
    reasons_against: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- hard constraints ----------------------------------------------------------------------------------
def exclusion(profile: EngineProfile, answers: dict[str, Any]) -> str | None:
    deployment = answers["deployment"]
    if deployment not in profile.deployment:
        where = ", ".join(DEPLOYMENT_LABELS[d] for d in profile.deployment)
        return f"cannot run {DEPLOYMENT_LABELS[deployment]} (it runs {where})"
    if answers["vectors_24m"] > SHARDING_NEEDED_AT and profile.cell("sharding").level == "none":
        return f"{answers['vectors_24m']:,} vectors in 24 months need sharding; {profile.name} runs on one node"
    if answers["high_availability"] and profile.cell("replication").level == "none":
        return "high availability needs replication, which it does not offer"
    for question, feature, label in (("hybrid_search", "hybrid_bm25", "keyword/hybrid search"),
                                      ("multi_tenancy", "multi_tenancy", "multi-tenancy")):
        if answers[question] == "required" and profile.cell(feature).level == "none":
            return f"{label} is required and it has none ({profile.cell(feature).comment})"
    if answers["sparse_or_multivector"] == "required" and all(
            profile.cell(f).level == "none" for f in ("sparse_vectors", "multi_vector")):
        return "sparse or multi-vector search is required and it offers neither"
    if answers["sql_joins"] and profile.cell("sql_joins_transactions").level == "none":
        return "SQL joins and transactions with the vectors are required; it is not a relational database"
    if answers["license_constraint"] == "permissive only" and profile.license not in PERMISSIVE:
        return f"its license {profile.license} is not permissive"
    missing = [lang for lang in answers["sdk_languages"] if lang not in profile.sdks]
    if missing:
        return f"no official {', '.join(missing)} client"
    for need in answers["security"]:
        if need in ("rbac", "tls") and profile.cell(need).level == "none":
            return f"{need.upper()} is required and it has none"
    return None


# -- soft criteria -------------------------------------------------------------------------------------
def _features(profile: EngineProfile, answers: dict[str, Any], reasons: list[Reason]) -> float:
    wanted: list[tuple[str, float]] = [("filtering", {"none": 0.5, "light": 1.0, "heavy": 3.0}[answers["filtering"]]),
                                       ("backups", 0.5)]
    need_weight = {"not needed": 0.0, "nice to have": 1.0, "required": 2.0}
    wanted += [("hybrid_bm25", need_weight[answers["hybrid_search"]]),
               ("multi_tenancy", need_weight[answers["multi_tenancy"]])]
    wanted += [(f, need_weight[answers["sparse_or_multivector"]] / 2) for f in ("sparse_vectors", "multi_vector")]
    raw_bytes = answers["vectors_24m"] * answers["dimensions"] * 4
    if raw_bytes > 64 * 2**30:  # beyond one large machine's RAM, compression and disk indexes decide the cost
        wanted += [("quantization_scalar", 1.0), ("quantization_product", 1.0), ("disk_index", 1.5)]
    wanted += [(need, 1.5) for need in answers["security"] if need in ("rbac", "tls")]
    if answers["sql_joins"]:
        wanted.append(("sql_joins_transactions", 3.0))
    total = sum(w for _, w in wanted if w > 0)
    score = sum(w * profile.cell(f).value for f, w in wanted if w > 0) / total
    for feature, weight in sorted(wanted, key=lambda fw: -fw[1]):
        if weight <= 0:
            continue
        cell = profile.cell(feature)
        label = feature.replace("_", " ")
        if cell.level == "full" and weight >= 1:
            reasons.append(Reason("features", f"{label}: {cell.comment} [{cell.source}]", weight))
        elif cell.level != "full" and weight >= 1:
            reasons.append(Reason("features", f"{label} is {cell.level}: {cell.comment} [{cell.source}]", -weight))
    return score


def _operations(profile: EngineProfile, answers: dict[str, Any], reasons: list[Reason]) -> float:
    deployment, skills = answers["deployment"], answers["ops_skills"]
    burden = {"embedded": 0, "managed_cloud": 0, "single_server": 1, "kubernetes": 2}[deployment]
    if "runs_in_postgres" in profile.traits and answers["existing_postgres"]:
        burden = max(0, burden - 1)
        reasons.append(Reason("operations", "runs inside the PostgreSQL you already operate, back up and secure", 3))
    penalty = {"none": 0.45, "some": 0.25, "strong": 0.05}[skills]
    score = max(0.0, 1.0 - burden * penalty)
    if burden == 0:
        reasons.append(Reason("operations", f"{deployment.replace('_', ' ')}: nothing extra to operate", 2))
    elif score < 0.6:
        reasons.append(Reason("operations", f"a {deployment.replace('_', ' ')} deployment to run with {skills} "
                                            "operations skills", -2))
    if answers["update_rate"] == "continuous" and "library" in profile.traits:
        score *= 0.6
        reasons.append(Reason("operations", "a library: continuous updates and deletes are yours to manage", -2))
    return score


def _scalability(profile: EngineProfile, answers: dict[str, Any], reasons: list[Reason]) -> float:
    n = answers["vectors_24m"]
    level = profile.cell("sharding").level
    if level == "full":
        score = 1.0
        if n > 50_000_000:
            reasons.append(Reason("scalability", f"shards to {n:,} vectors ({profile.cell('sharding').comment})", 2))
    elif level == "partial":
        score = 0.6 if n > 50_000_000 else 0.9
    else:
        score = 1.0 if n <= 10_000_000 else 0.6 if n <= 50_000_000 else 0.3
        if n > 10_000_000:
            reasons.append(Reason("scalability", f"{n:,} vectors on a single node", -2))
    if answers["high_availability"]:
        score = (score + profile.cell("replication").value) / 2
    return score


def _ecosystem(profile: EngineProfile, answers: dict[str, Any], reasons: list[Reason]) -> float:
    integrations = answers["integrations"] or ["langchain", "llamaindex"]
    integration_score = sum(profile.cell(i).value for i in integrations) / len(integrations)
    sdk_score = min(1.0, len(profile.sdks) / 6)
    missing = [i for i in answers["integrations"] if profile.cell(i).level == "none"]
    if missing:
        reasons.append(Reason("ecosystem", f"no {', '.join(missing)} integration", -1))
    return (integration_score + sdk_score) / 2


@dataclass(frozen=True)
class Measured:
    qps: float | None
    p95_ms: float | None
    recall: float | None
    run_id: str
    noise: str = ""  # why the measurement may be noise ("" = clean)


def measured_at_target(runs: list[Run], recall_target: float) -> dict[str, Measured]:
    """Per engine, the best setting that meets the recall target (highest QPS), across the given runs."""
    best: dict[str, Measured] = {}
    for run in runs:
        for row in run.results:
            if row.status != "ok" or row.recall is None or row.filter or row.concurrency != 1:
                continue
            engine = row.engine
            current = best.get(engine)
            if row.recall >= recall_target:
                if current is None or current.qps is None or (row.qps or 0) > current.qps:
                    best[engine] = Measured(row.qps, row.latency_p95_ms, row.recall, run.run_id, row.noise)
            elif current is None:
                best[engine] = Measured(None, None, row.recall, run.run_id)  # measured, never reached the target
    return best


def _performance(engine: str, measured: dict[str, Measured], answers: dict[str, Any],
                 reasons: list[Reason]) -> float | None:
    found = measured.get(engine)
    if found is None:
        return None
    target = answers["recall_target"]
    if found.noise:  # no winner is called inside the noise: the figure is not evidence
        reasons.append(Reason("performance", f"not scored: measured under noise in run {found.run_id} ({found.noise}); "
                                             "measure again on a quiet machine", -1))
        return None
    if found.qps is None:
        reasons.append(Reason("performance", f"never reached recall {target:g} in run {found.run_id} "
                                             f"(best {found.recall:.3f})", -3))
        return 0.0
    reached = [m for m in measured.values() if m.qps is not None and not m.noise]
    best_qps = max(m.qps for m in reached if m.qps is not None)
    best_p95 = min(m.p95_ms for m in reached if m.p95_ms is not None)
    parts = [found.qps / best_qps]
    if found.p95_ms:
        parts.append(best_p95 / found.p95_ms)
    score = math.prod(parts) ** (1 / len(parts))  # geometric mean: one huge number cannot dominate
    text = f"{found.qps:,.0f} QPS and p95 {found.p95_ms:.2f} ms at recall ≥ {target:g} (run {found.run_id})"
    if found.p95_ms and found.p95_ms > answers["latency_p95_ms"]:
        reasons.append(Reason("performance", f"p95 {found.p95_ms:.2f} ms misses the {answers['latency_p95_ms']:g} ms "
                                             "target", -3))
    reasons.append(Reason("performance", text, 2 if score >= 0.5 else -1))
    return score


def _cost(engine: str, costs: dict[str, float], answers: dict[str, Any], reasons: list[Reason]) -> float | None:
    """Self-hosted $/month at today's scale (cost model), relative to the cheapest costed engine."""
    usd = costs.get(engine)
    if usd is None:
        return None
    budget = answers["budget_per_month"]
    if budget and usd > budget:
        reasons.append(Reason("cost", f"about ${usd:,.0f}/month self-hosted, over the ${budget:,.0f} budget", -3))
    else:
        reasons.append(Reason("cost", f"about ${usd:,.0f}/month self-hosted at today's scale", 1))
    return min(costs.values()) / usd if usd > 0 else 1.0


def _combine(criteria: dict[str, float | None], priorities: dict[str, float]) -> float:
    used = {c: s for c, s in criteria.items() if s is not None and priorities[c] > 0}
    total = sum(priorities[c] for c in used)
    return sum(priorities[c] * s for c, s in used.items()) / total if total else 0.0


def excluded_engines(ranking: list[EngineVerdict]) -> dict[str, str]:
    """Engine -> why the recommendation excluded it (marked so in every cost table)."""
    return {verdict.engine: verdict.excluded for verdict in ranking if verdict.excluded}


def recommend(scenario: Scenario, runs: list[Run] | None = None) -> list[EngineVerdict]:
    """The ranking: scored engines first (best first, ties by name), excluded ones after, with reasons."""
    from vectorscout.decision.cost import CostError, cost_report

    answers = scenario.answers
    measured = measured_at_target(runs or [], answers["recall_target"])
    try:
        costs = {e.engine: e.sizing.usd_per_month for e in cost_report(answers, runs or [], scenario.cost).estimates
                 if e.sizing is not None}
    except CostError:  # e.g. an edited price table without the chosen provider: cost is then not scored
        costs = {}
    verdicts = []
    for key, profile in sorted(feature_matrix().items()):
        excluded = exclusion(profile, answers)
        if excluded:
            verdicts.append(EngineVerdict(key, profile.name, None, excluded, {}, [], [f"excluded: {excluded}"]))
            continue
        reasons: list[Reason] = []
        criteria: dict[str, float | None] = {
            "features": _features(profile, answers, reasons),
            "operations": _operations(profile, answers, reasons),
            "scalability": _scalability(profile, answers, reasons),
            "ecosystem": _ecosystem(profile, answers, reasons),
            "performance": _performance(key, measured, answers, reasons),
            "cost": _cost(key, costs, answers, reasons),
        }
        against = [r for r in reasons if r.weight < 0]
        if criteria["performance"] is None:
            against.append(Reason("performance", "not measured: run it to include measured evidence", -0.5))
        ordered_for = sorted((r for r in reasons if r.weight > 0), key=lambda r: (-r.weight, r.text))
        ordered_against = sorted(against, key=lambda r: (r.weight, r.text))
        verdicts.append(EngineVerdict(
            key, profile.name, round(_combine(criteria, scenario.priorities), 6), None,
            {c: None if s is None else round(s, 4) for c, s in criteria.items()},
            [f"{r.criterion}: {r.text}" for r in ordered_for[:4]],
            [f"{r.criterion}: {r.text}" for r in ordered_against[:4]],
        ))
    scored = sorted((v for v in verdicts if v.score is not None), key=lambda v: (-(v.score or 0), v.engine))
    return scored + [v for v in verdicts if v.score is None]


def sensitivity(scenario: Scenario, ranking: list[EngineVerdict]) -> list[str]:
    """Which single priority change would put the runner-up first (searched over 0..5 in steps of 0.5)."""
    scored = [v for v in ranking if v.score is not None]
    if len(scored) < 2:
        return ["fewer than two engines remain: no priority change alters the outcome"]
    first, second = scored[0], scored[1]
    findings = []
    for criterion in CRITERIA:
        current = scenario.priorities[criterion]
        for weight in sorted((step / 2 for step in range(11)), key=lambda w: (abs(w - current), w)):
            if weight == current:
                continue
            trial = {**scenario.priorities, criterion: weight}
            if _combine(second.criteria, trial) > _combine(first.criteria, trial):
                direction = "raising" if weight > current else "lowering"
                findings.append(f"{direction} the priority of {criterion} from {current:g} to {weight:g} "
                                f"puts {second.name} ahead of {first.name}")
                break
    return findings or [f"no single priority change within 0..5 puts {second.name} ahead of {first.name}"]


# -- saved scenarios -----------------------------------------------------------------------------------
def scenario_path(name: str) -> Path:
    import re

    from vectorscout.home import subdir

    slug = re.sub(r"[^a-z0-9_-]+", "-", name.strip().lower()).strip("-")[:64]
    if not slug:
        raise ScenarioError("a scenario needs a name with at least one letter or digit")
    return subdir("scenarios") / f"{slug}.json"


def save_scenario(scenario: Scenario) -> Path:
    path = scenario_path(scenario.name)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(scenario.to_json())
    temporary.replace(path)
    return path


def saved_scenarios() -> dict[str, Scenario]:
    from vectorscout.home import subdir

    found = {}
    for path in sorted(subdir("scenarios").glob("*.json")):
        try:
            scenario = Scenario.from_json(path.read_text())
        except (OSError, ScenarioError):
            continue  # a damaged file is skipped, never half-used
        found[scenario.name] = scenario
    return found
