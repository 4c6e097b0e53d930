"""Requirements -> an explained recommendation, judged for the deployment mode the scenario asks for.

Three layers, each visible in the output: hard constraints remove an engine with a stated reason and the
page it rests on; soft criteria (features, operations, scalability, ecosystem) score what the sourced
feature matrix says for that mode against the answers; measured performance from stored runs (QPS and
p95 at the recall target, each relative to the best engine, combined by geometric mean as VectorDBBench's
leaderboard does) scores what was seen on this hardware, weighed by how well the measurement stands for
the scenario (same deployment or not; single client or at the peak load). Answers that cannot hold
together are warnings at the top. Every reason names its source: a documentation URL or a run id.
Scores within TIE_TOLERANCE are a tie, said as one. Everything is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from vectorscout.benchmarking.plans import is_quick_evaluation, known_to_text
from vectorscout.contract.deployment import DeploymentMode
from vectorscout.decision.answers import Answers
from vectorscout.decision.conflicts import ScenarioWarning, contradictions, unassessed_targets
from vectorscout.decision.matrix import MODE_LABELS, EngineProfile, feature_matrix
from vectorscout.decision.scenario import CRITERIA, Scenario
from vectorscout.glossary import index_name, term
from vectorscout.results.analysis import evidence_for, measured_product, paired_difference, reaches_target
from vectorscout.results.records import HybridFigures, ResultRow, RetrievalMode, Run, TuningFigures
from vectorscout.results.scaling import LONG_EXTRAPOLATION, ladders

PERMISSIVE = {"Apache-2.0", "MIT", "BSD-3-Clause", "BSD-2-Clause", "PostgreSQL License"}
SHARDING_NEEDED_AT = 100_000_000
MANY_TENANTS = 1_000  # beyond this, a collection or table per tenant is a catalogue to operate, not isolation
TIE_TOLERANCE = 0.02  # score points: closer than this is a tie (criteria are judgements, not measurements)
INDICATIVE_WEIGHT = 0.5  # a measurement taken in another deployment than the scenario's counts half
NEED_WEIGHT = {"not needed": 0.0, "nice to have": 1.0, "required": 2.0}
SECURITY_FEATURES = {"rbac": "rbac", "tls": "tls", "encryption_at_rest": "encryption_at_rest", "audit": "audit_logging"}


@dataclass(frozen=True)
class Reason:
    criterion: str
    text: str
    weight: float  # how much it moved the score; orders the reasons
    source: str = ""  # the matrix cell's https URL, or "run <id>" for a measurement

    def public(self) -> dict[str, str]:
        return {"criterion": self.criterion, "text": self.text, "source": self.source}

    def __str__(self) -> str:
        return f"{self.criterion}: {self.text}" + (f" [{self.source}]" if self.source else "")


@dataclass
class EngineVerdict:
    engine: str
    name: str
    deployment: DeploymentMode  # the mode it was judged in (the scenario's)
    score: float | None
    excluded: str | None
    criteria: dict[str, float | None]
    reasons_for: list[Reason] = field(default_factory=list)
    reasons_against: list[Reason] = field(default_factory=list)
    # measured (same deployment), indicative (measured in another deployment), noisy, or unverified
    evidence: str = "unverified"
    excluded_source: str = ""
    # per criterion, how much its priority counts for this engine (performance measured elsewhere: half)
    weights: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["reasons_for"] = [r.public() for r in self.reasons_for]
        data["reasons_against"] = [r.public() for r in self.reasons_against]
        return data


@dataclass
class Recommendation:
    scenario: str
    deployment: DeploymentMode
    warnings: list[ScenarioWarning]
    ranking: list[EngineVerdict]
    verdict: str  # one sentence: the best fit, or the engines that tie and what separates them
    top_group: list[str]  # engines within TIE_TOLERANCE of the best
    sensitivity: str  # one sentence: the smallest single priority change that swaps the top two
    evidence_reach: str = ""  # how far the measurements reach: their size and dimension against the scenario's

    @property
    def scored(self) -> list[EngineVerdict]:
        return [v for v in self.ranking if v.score is not None]

    @property
    def best(self) -> EngineVerdict | None:
        """The engine the verdict names first (measured engines before unverified ones, when there are any)."""
        return next((v for v in self.ranking if self.top_group and v.engine == self.top_group[0]), None)

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "deployment": self.deployment,
                "warnings": [{"text": w.text, "source": w.source} for w in self.warnings],
                "verdict": self.verdict, "top_group": self.top_group, "sensitivity": self.sensitivity,
                "evidence_reach": self.evidence_reach,
                "ranking": [v.to_dict() for v in self.ranking]}


# -- hard constraints ----------------------------------------------------------------------------------
def _mode_and_data_limits(profile: EngineProfile, answers: Answers, mode: DeploymentMode) -> Reason | None:
    if not profile.offers(mode):
        cell = profile.modes[mode]
        return Reason("deployment", f"does not run {MODE_LABELS[mode]}: {cell.comment}", 0, cell.source_url)
    for limit, answer, label in (("metrics", "metric", "distance"), ("vector_types", "vector_type", "vector type")):
        if profile.supports(limit, answers.value(answer), mode) is None:
            cells = profile.limit(limit, mode)
            offered = ", ".join(cells)
            return Reason("limits", f"no {answers.value(answer)} {label} (it offers {offered})", 0,
                          next(iter(cells.values())).source_url)
    dims, vector_type = answers.dimensions, answers.vector_type
    ceiling = profile.dimension_limit_passed(dims, vector_type, mode)
    if ceiling is not None and not profile.vector_type_that_fits(dims, vector_type, mode):
        return Reason("limits", f"{dims:,} dimensions exceed its {int(ceiling.level):,} for {vector_type} "
                                f"({ceiling.comment}) and every vector type it indexes", 0, ceiling.source_url)
    return None


def _needs(profile: EngineProfile, answers: Answers, mode: DeploymentMode) -> Reason | None:
    """A hard need the engine does not meet in this mode, as the reason with its source."""
    needs: list[tuple[str, str]] = []
    if answers.vectors_24m > SHARDING_NEEDED_AT:
        needs.append(("sharding", f"{answers.vectors_24m:,} vectors in 24 months need sharding"))
    if answers.high_availability:
        needs.append(("replication", "high availability needs replication"))
    for question, feature in (("hybrid_search", "hybrid_bm25"), ("multi_tenancy", "multi_tenancy"),
                              ("sparse_vectors", "sparse_vectors"), ("multi_vector", "multi_vector")):
        if answers.value(question) == "required":
            needs.append((feature, f"{term(feature)} is required"))
    if answers.sql_joins:
        needs.append(("sql_joins_transactions", "SQL joins and transactions with the vectors are required"))
    needs += [(SECURITY_FEATURES[n], f"{term(n)} is required") for n in answers.security
              if n in SECURITY_FEATURES]
    if answers.disaster_recovery == "restore from backups":
        needs.append(("backups", "disaster recovery from backups is required"))
    elif answers.disaster_recovery == "standby in another region":
        needs.append(("multi_region", "a standby in another region is required"))
    if answers.update_rate == "continuous":
        needs.append(("deletes_updates", "continuous updates and deletes are required"))
    for feature, why in needs:
        cell = profile.cell(feature, mode)
        if cell.level == "none":
            return Reason("features", f"{why}; {MODE_LABELS[mode]}, it has none: {cell.comment}", 0,
                          cell.source_url)
    return None


def exclusion(profile: EngineProfile, answers: Answers) -> Reason | None:
    mode = answers.deployment
    found = _mode_and_data_limits(profile, answers, mode) or _needs(profile, answers, mode)
    if found:
        return found
    terms, license_cell = profile.license_in(mode)
    if answers.license_constraint == "permissive only" and terms not in PERMISSIVE:
        if license_cell is None:
            return Reason("license", f"its license {terms} is not permissive", 0)
        return Reason("license", f"{MODE_LABELS[mode]}, its license is {terms}: {license_cell.comment}", 0,
                      license_cell.source_url)
    missing = [lang for lang in answers.sdk_languages if profile.sdk(lang, mode) is None]
    unlisted = [lang for lang in missing if lang not in profile.sdks]
    if unlisted:
        languages = ", ".join(term(lang) for lang in sorted(profile.sdks))
        return Reason("ecosystem", f"no official {', '.join(map(term, unlisted))} client (official: {languages})", 0,
                      next(iter(profile.sdks.values()))["any"].source_url)
    if missing:  # a client exists, but not for this mode (an in-process engine runs in fewer languages)
        cell = profile.sdks[missing[0]].get(mode) or profile.sdks[missing[0]]["any"]
        usable = ", ".join(map(term, profile.sdk_languages(mode))) or "none"
        return Reason("ecosystem", f"no {', '.join(map(term, missing))} client {MODE_LABELS[mode]} (there: {usable}): "
                                   f"{cell.comment}", 0, cell.source_url)
    return None


# -- soft criteria -------------------------------------------------------------------------------------
def wanted_features(answers: Answers) -> list[tuple[str, float]]:
    """(feature, weight) for every feature the answers ask for; weight 0 = not asked."""
    level_of = {"rare": 0.0, "hourly": 1.0, "continuous": 2.0}
    wanted = [("filtering", {"none": 0.5, "light": 1.0, "heavy": 3.0}[answers.filtering]),
              ("hybrid_bm25", NEED_WEIGHT[answers.hybrid_search]),
              ("sparse_vectors", NEED_WEIGHT[answers.sparse_vectors]),
              ("multi_vector", NEED_WEIGHT[answers.multi_vector]),
              ("deletes_updates", level_of[answers.update_rate]),
              ("fresh_writes", {"within a second": 2.0, "within a minute": 0.5, "minutes are fine": 0.0}
               [answers.write_visibility]),
              ("zero_downtime_reindex", {"not planned": 0.0, "occasionally": 1.0, "regularly": 2.0}[answers.reindexing]),
              ("backups", {"not needed": 0.5, "restore from backups": 2.0, "standby in another region": 1.0}
               [answers.disaster_recovery]),
              ("multi_region", 3.0 if answers.disaster_recovery == "standby in another region" else 0.0)]
    tenancy = NEED_WEIGHT[answers.multi_tenancy]
    if answers.tenants > 1:
        tenancy += 1.0 + (1.0 if answers.tenant_sizes == "uneven" else 0.0)
    wanted.append(("multi_tenancy", tenancy))
    raw_bytes = answers.vectors_24m * answers.dimensions * 4
    if raw_bytes > 64 * 2**30:  # beyond one large machine's RAM, compression and disk indexes decide the cost
        wanted += [("quantization_scalar", 1.0), ("quantization_product", 1.0), ("disk_index", 1.5)]
    wanted += [(SECURITY_FEATURES[need], 1.5) for need in answers.security if need in SECURITY_FEATURES]
    if answers.sql_joins:
        wanted.append(("sql_joins_transactions", 3.0))
    return [(f, w) for f, w in wanted if w > 0]


def _features(profile: EngineProfile, answers: Answers, reasons: list[Reason]) -> float:
    mode = answers.deployment
    wanted = wanted_features(answers)
    score = sum(w * profile.cell(f, mode).value for f, w in wanted) / sum(w for _, w in wanted)
    for feature, weight in sorted(wanted, key=lambda fw: (-fw[1], fw[0])):
        cell = profile.cell(feature, mode)
        label = term(feature)
        if weight >= 1:
            text = f"{label}: {cell.comment}" if cell.level == "full" else f"{label} is {cell.level}: {cell.comment}"
            reasons.append(Reason("features", text, weight if cell.level == "full" else -weight, cell.source_url))
    ceiling = profile.dimension_limit_passed(answers.dimensions, answers.vector_type, mode)
    if ceiling is not None:  # another vector type fits, or the engine was excluded
        other = str(profile.vector_type_that_fits(answers.dimensions, answers.vector_type, mode))
        reasons.append(Reason("limits", f"{answers.dimensions:,} dimensions pass its {int(ceiling.level):,} for "
                                        f"{answers.vector_type}: index them as {other} "
                                        f"({profile.limit('max_dimensions', mode)[other].comment})", -2,
                              ceiling.source_url))
        score *= 0.85
    if answers.tenants >= MANY_TENANTS and profile.cell("multi_tenancy", mode).level != "full":
        cell = profile.cell("multi_tenancy", mode)
        reasons.append(Reason("features", f"{answers.tenants:,} tenants: {cell.comment}", -2, cell.source_url))
        score *= 0.8
    return score


def _operations(profile: EngineProfile, answers: Answers, reasons: list[Reason]) -> float:
    """The team's burden in this mode (a managed service is none) and what the engine makes routine."""
    mode, skills = answers.deployment, answers.ops_skills
    burden = {DeploymentMode.EMBEDDED: 0, DeploymentMode.MANAGED_CLOUD: 0, DeploymentMode.SINGLE_SERVER: 1,
              DeploymentMode.CLUSTER: 2}[mode]
    reuses_postgres = ("runs_in_postgres" in profile.traits and answers.existing_postgres
                       and mode != DeploymentMode.EMBEDDED)
    if reuses_postgres:
        burden = max(0, burden - 1)
        reasons.append(Reason("operations", "runs inside the PostgreSQL you already operate, back up and secure", 3,
                              profile.modes[mode].source_url))
    base = max(0.0, 1.0 - burden * {"none": 0.45, "some": 0.25, "strong": 0.05}[skills])
    offered = profile.modes[mode]
    if burden == 0 and not reuses_postgres and offered.level == "full":  # in the application, or bought: nothing to run
        reasons.append(Reason("operations", f"{MODE_LABELS[mode]}: {offered.comment}", 2, offered.source_url))
    elif base < 0.6:
        reasons.append(Reason("operations", f"{MODE_LABELS[mode]} to run with {skills} operations skills", -2,
                              offered.source_url))
    if offered.level != "full":  # offered only in part (experimental, or run with the vendor's team)
        base *= 0.75
        reasons.append(Reason("operations", f"{MODE_LABELS[mode]} only in part: {offered.comment}", -1.5,
                              offered.source_url))
    routine = [profile.cell(f, mode) for f in ("backups", "zero_downtime_reindex")]
    score = 0.7 * base + 0.3 * sum(c.value for c in routine) / len(routine)
    if answers.update_rate == "continuous" and "library" in profile.traits:
        score *= 0.6
        cell = profile.cell("deletes_updates", mode)
        reasons.append(Reason("operations", f"a library: continuous updates are yours to manage ({cell.comment})", -2,
                              cell.source_url))
    return score


def _scalability(profile: EngineProfile, answers: Answers, reasons: list[Reason]) -> float:
    n, mode = answers.vectors_24m, answers.deployment
    sharding = profile.cell("sharding", mode)
    if sharding.level == "full":
        score = 1.0
        if n > 50_000_000:
            reasons.append(Reason("scalability", f"shards to {n:,} vectors ({sharding.comment})", 2, sharding.source_url))
    elif sharding.level == "partial":
        score = 0.6 if n > 50_000_000 else 0.9
    else:
        score = 1.0 if n <= 10_000_000 else 0.6 if n <= 50_000_000 else 0.3
        if n > 10_000_000:
            reasons.append(Reason("scalability", f"{n:,} vectors on a single node: {sharding.comment}", -2,
                                  sharding.source_url))
    if answers.high_availability:
        score = (score + profile.cell("replication", mode).value) / 2
    return score


def _ecosystem(profile: EngineProfile, answers: Answers, reasons: list[Reason]) -> float:
    """The clients and framework integrations the team asked for, and nothing else."""
    mode = answers.deployment
    cells = [(f"{term(lang)} client", cell) for lang in answers.sdk_languages
             if (cell := profile.sdk(lang, mode)) is not None]
    cells += [(f"{term(name)} integration", profile.cell(name, mode)) for name in answers.integrations]
    if not cells:
        return 1.0  # nothing asked: nothing missing
    for label, cell in cells:
        if cell.level != "full":
            reasons.append(Reason("ecosystem", f"{label} is {cell.level}: {cell.comment}", -1, cell.source_url))
    full = [label for label, cell in cells if cell.level == "full"]
    if full:
        reasons.append(Reason("ecosystem", f"has the {', '.join(full)} you asked for", 0.5, cells[0][1].source_url))
    return sum(cell.value for _, cell in cells) / len(cells)


# -- measured evidence ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Measured:
    qps: float | None
    p95_ms: float | None
    recall: float | None
    run_id: str
    noise: str = ""  # why the measurement may be noise ("" = clean)
    deployment: str = "embedded"  # embedded or server (where it was measured)
    endpoint: str = "in-process"
    concurrency: int = 1
    tuning: TuningFigures | None = None  # how the setting was found, when the run tuned to a recall target
    product: str = ""  # the engine measured where it is not the one named (analysis.measured_product)
    # the 95 % intervals of QPS and p95 where the run kept them (serial rows of runs since they were): a figure the
    # best one's cannot be told apart from (_indistinct) is a tie on that figure, not a ranking
    qps_interval: tuple[float, float] | None = None
    p95_interval: tuple[float, float] | None = None

    def context(self) -> str:
        clients = "one client" if self.concurrency == 1 else f"{self.concurrency} clients"
        where = "embedded, in-process" if self.deployment == "embedded" else f"as a server over {self.endpoint}"
        where = f"{self.product}, {where}" if self.product else where
        return f"{where}, {clients}, run {self.run_id}"

    def tuned(self) -> str:
        """How the setting was found, in words ("" when the run was not tuned to a target)."""
        t = self.tuning
        if t is None or not t.parameter:
            return ""
        values = [str(value) for value, _ in t.tried]
        if t.reached:
            return f"{t.parameter}={t.chosen} found on {t.tuning_queries} tuning queries, read on {t.held_out_queries} others"
        return f"at every {t.parameter} tried ({values[0]} to {values[-1]})"


def _where(row: ResultRow) -> tuple[str, str]:
    """Where a row was measured; rows stored before it was recorded take the engine's default."""
    if row.deployment:
        return row.deployment, row.endpoint
    from adapters.registry import UnknownEngine, adapter_class

    try:
        return adapter_class(row.engine).measured_where()
    except UnknownEngine:  # an engine this installation no longer knows: its rows say nothing about where
        return "embedded", "in-process"


def measured_at_target(runs: list[Run], recall_target: float, peak_qps: float = 0.0,
                       mode: DeploymentMode | None = None) -> dict[str, Measured]:
    """Per engine, the evidence at the recall target. With concurrent rows, the one closest to the peak load
    (the lowest p95 among settings that carry the peak QPS, else the highest QPS reached); otherwise the
    fastest serial setting. Only rows that finished ("ok") count; filtered rows are another question. With
    the scenario's deployment ``mode``, an engine measured both embedded and as a server (Chroma) is judged
    on the rows measured the way the scenario would run it."""
    candidates: dict[str, list[tuple[ResultRow, Run]]] = {}
    for run in runs:
        for row in run.results:
            # a streaming row was searched while written to: evidence for writes (stream_evidence), not for speed
            if row.status == "ok" and row.recall is not None and not row.filter and row.streaming is None \
                    and row.hybrid is None and evidence_for(row, mode):
                candidates.setdefault(row.engine, []).append((row, run))
    best: dict[str, Measured] = {}
    for engine, rows in candidates.items():
        fitting = [(r, run) for r, run in rows
                   if mode is not None and (_where(r)[0] == "embedded") == (mode == DeploymentMode.EMBEDDED)]
        rows = fitting or rows
        reached = [(r, run) for r, run in rows if reaches_target(r.recall, r.tuning, recall_target, run.k) and r.qps]
        if not reached:
            top = max(rows, key=lambda rr: rr[0].recall or 0.0)
            best[engine] = Measured(None, None, top[0].recall, top[1].run_id, top[0].noise, *_where(top[0]),
                                    top[0].concurrency, top[0].tuning, measured_product(top[0]))
            continue
        concurrent = [(r, run) for r, run in reached if r.concurrency > 1]
        if concurrent:
            carrying = [(r, run) for r, run in concurrent if (r.qps or 0) >= peak_qps]
            row, run = (min(carrying, key=lambda rr: (rr[0].latency_p95_ms or math.inf, rr[0].concurrency)) if carrying
                        else max(concurrent, key=lambda rr: rr[0].qps or 0))
        else:
            row, run = max(reached, key=lambda rr: rr[0].qps or 0)
        best[engine] = Measured(row.qps, row.latency_p95_ms, row.recall, run.run_id, row.noise, *_where(row),
                                row.concurrency, row.tuning, measured_product(row),
                                _interval(row.qps_interval), _interval(row.latency_p95_interval_ms))
    return best


def _interval(values: list[float] | None) -> tuple[float, float] | None:
    return (float(values[0]), float(values[1])) if values else None


def _indistinct(figure: float | None, interval: tuple[float, float] | None, other: float | None,
                other_interval: tuple[float, float] | None) -> bool:
    """Whether two figures cannot be told apart on this evidence: their ratio, in logarithms, lies within the 95 %
    interval of a difference, √(h² + h'²), h and h' half of each interval's width in logarithms (intervals that take
    in earlier runs are even there). Overlapping intervals, the rule before, tests at about 99.5 % for two of equal
    width: with the run-to-run spread taken in, it called hnswlib's 10,011 QPS and Qdrant's 6,064 a tie on WordNet,
    an order that held in every one of the ten runs before."""
    if figure is None or other is None or interval is None or other_interval is None or min(figure, other) <= 0:
        return False
    if min(interval[0], other_interval[0]) <= 0:
        return True  # an interval reaching 0 (or an unbounded QPS): nothing can be told apart from it
    half = (math.log(interval[1]) - math.log(interval[0])) / 2
    other_half = (math.log(other_interval[1]) - math.log(other_interval[0])) / 2
    return abs(math.log(figure) - math.log(other)) <= math.hypot(half, other_half)


def speed_parts(found: Measured, comparable: list[Measured]) -> tuple[list[float], bool]:
    """found's QPS against the fastest and its p95 against the lowest (1.0 where the two cannot be told apart: a
    tie, not a ranking), and whether a tie was called."""
    fastest = max((m for m in comparable if m.qps), key=lambda m: m.qps or 0.0)
    qps_tie = found is not fastest and _indistinct(found.qps, found.qps_interval, fastest.qps, fastest.qps_interval)
    parts = [1.0 if qps_tie else (found.qps or 0.0) / (fastest.qps or 1.0)]
    quickest = min((m for m in comparable if m.p95_ms), key=lambda m: m.p95_ms or math.inf, default=None)
    p95_tie = False
    if found.p95_ms and quickest is not None:
        p95_tie = found is not quickest and _indistinct(found.p95_ms, found.p95_interval, quickest.p95_ms,
                                                        quickest.p95_interval)
        parts.append(1.0 if p95_tie else (quickest.p95_ms or 0.0) / found.p95_ms)
    return parts, qps_tie or p95_tie


def _newest_rows(runs: list[Run], kept: Callable[[ResultRow], bool]) -> dict[str, tuple[ResultRow, Run]]:
    """Per engine, its finished row that `kept` accepts from the newest run holding one, with that run."""
    found: dict[str, tuple[ResultRow, Run]] = {}
    for run in sorted(runs, key=lambda r: r.created_at):
        for row in run.results:
            if row.status == "ok" and kept(row):
                found[row.engine] = (row, run)
    return found


def stream_evidence(runs: list[Run], mode: DeploymentMode | None = None) -> dict[str, tuple[ResultRow, str]]:
    """Per engine, its streaming row of the newest run that streamed it (as evidence for ``mode``), with that
    run's id."""
    return {engine: (row, run.run_id) for engine, (row, run) in
            _newest_rows(runs, lambda row: row.streaming is not None and evidence_for(row, mode)).items()}


@dataclass(frozen=True)
class HybridEvidence:
    figures: HybridFigures
    fused: RetrievalMode  # the hybrid retriever's quality
    run_id: str
    dataset: str  # content hash: engines are compared on the same judged queries only


def hybrid_evidence(runs: list[Run], mode: DeploymentMode | None = None) -> dict[str, HybridEvidence]:
    """Per engine, its hybrid-quality figures from the newest run that measured them (as evidence for ``mode``)."""
    found = _newest_rows(runs, lambda row: row.hybrid is not None and row.hybrid.mode("hybrid") is not None
                         and evidence_for(row, mode))
    return {engine: HybridEvidence(row.hybrid, fused, run.run_id, run.dataset.hash or run.dataset.name)
            for engine, (row, run) in found.items()  # the condition only narrows the types: every row found has both
            if row.hybrid is not None and (fused := row.hybrid.mode("hybrid")) is not None}


def _hybrid_gap(mine: RetrievalMode, best: RetrievalMode) -> tuple[float, float]:
    """How far the best engine's fused nDCG@10 is above this one's, and the standard error of that gap: paired
    over the same queries where both rows kept per-query figures, else from the two means' standard errors."""
    gap, stderr = paired_difference(best.query_ndcg, mine.query_ndcg)
    if math.isnan(stderr):
        separate = [s if s is not None and math.isfinite(s) else 0.0 for s in (mine.ndcg_stderr, best.ndcg_stderr)]
        gap, stderr = best.ndcg_at_10 - mine.ndcg_at_10, math.hypot(*separate)
    return gap, stderr


def _hybrid_quality(engine: str, measured: dict[str, HybridEvidence], answers: Answers,
                    reasons: list[Reason]) -> None:
    """What a hybrid-quality run showed of the engine's keyword + vector search, where the answers ask for it:
    its fused nDCG@10 against the best engine measured on the same dataset, told apart only beyond twice the
    standard error of the gap (closer than that, these queries cannot rank them)."""
    if answers.hybrid_search == "not needed" or engine not in measured:
        return
    found = measured[engine]
    figures, source, mine = found.figures, f"run {found.run_id}", found.fused
    keyword, dense = figures.mode("keyword"), figures.mode("dense")
    if keyword is None or dense is None:
        return
    weight = 2.0 if answers.hybrid_search == "required" else 1.0
    if figures.application_side:
        reasons.append(Reason("features", f"hybrid search measured only with VectorScout's keyword ranking and fusion "
                                          f"in the application (nDCG@10 {mine.ndcg_at_10:.3f}): the engine searched "
                                          "vectors only", -weight, source))
        return
    peers = [(other, e.fused) for other, e in measured.items()
             if e.dataset == found.dataset and not e.figures.application_side]
    best, top = max(peers, key=lambda peer: peer[1].ndcg_at_10)
    text = (f"measured hybrid search: nDCG@10 {mine.ndcg_at_10:.3f} (keyword {keyword.ndcg_at_10:.3f}, dense "
            f"{dense.ndcg_at_10:.3f})")
    gap, stderr = _hybrid_gap(mine, top)
    if best != engine and gap > 2 * stderr:
        reasons.append(Reason("performance", f"{text}, {gap:.3f} ± {stderr:.3f} below {best}'s {top.ndcg_at_10:.3f}",
                              -weight, source))
    else:
        reasons.append(Reason("performance", f"{text}, on par with the best engine measured", weight, source))


def _writes(engine: str, streams: dict[str, tuple[ResultRow, str]], answers: Answers,
            reasons: list[Reason]) -> None:
    """What a streaming run showed of the engine's writes, where the answers ask for updates or fresh writes."""
    asked = answers.update_rate != "rare" or answers.write_visibility == "within a second"
    if not asked or engine not in streams:
        return
    row, run_id = streams[engine]
    figures, source = row.streaming, f"run {run_id}"
    if figures is None:  # stream_evidence keeps streaming rows only
        return
    fresh = {probe.operation: probe for probe in figures.freshness}
    if figures.fell_behind_at_s is not None:
        reasons.append(Reason("performance", f"fell behind a stream of {figures.rate_asked:,.0f} vectors/s at "
                                             f"{figures.fell_behind_at_s:g} s (kept {figures.rate_achieved:,.0f}/s; "
                                             f"p95 {row.latency_p95_ms or 0:.1f} ms while written to)", -3, source))
    else:
        reasons.append(Reason("performance", f"kept a stream of {figures.rate_asked:,.0f} vectors/s: recall "
                                             f"{row.recall or 0:.3f}, p95 {row.latency_p95_ms or 0:.1f} ms while "
                                             "written to", 2, source))
    insert, delete = fresh.get("insert"), fresh.get("delete")
    if answers.write_visibility == "within a second" and insert is not None:
        late = insert.visible < insert.probes or (insert.max_ms or 0) > 1000
        reasons.append(Reason("performance", f"a write reached searches after {insert.median_ms or 0:.1f} ms (median; "
                                             f"{insert.visible} of {insert.probes} probes seen)", -2 if late else 2,
                              source))
    if answers.update_rate == "continuous" and delete is not None and delete.skipped:
        reasons.append(Reason("features", f"measured: {index_name(row.index)} cannot delete ({delete.skipped})", -2, source))


def _in_context(found: Measured, mode: DeploymentMode) -> bool:
    return (found.deployment == "embedded") == (mode == DeploymentMode.EMBEDDED)


def _indicative(found: Measured, mode: DeploymentMode, source: str) -> Reason:
    return Reason("performance", f"indicative only: measured {found.context().split(',')[0]}, judged "
                                 f"{MODE_LABELS[mode]}; counts at half weight", -0.5, source)


def _unmeasured(engine: str, stand_in: str, mode: DeploymentMode) -> str:
    """Why an engine has no performance evidence for the scenario, and how to get it."""
    if not stand_in:
        return "unverified: not measured here; run it to include measured evidence"
    from adapters.registry import adapter_class

    own = ",".join(f"{k}={v}" for k, v in adapter_class(engine).quick_connection.items())
    return (f"unverified: measured only as {stand_in}, evidence for embedded use, not {MODE_LABELS[mode]}; "
            f"measure the engine itself{f' ({engine}:{own})' if own else ''}")


def stand_ins(runs: list[Run], mode: DeploymentMode) -> dict[str, str]:
    """Per engine, the other engine its finished rows measured that cannot be evidence for ``mode``."""
    return {row.engine: measured_product(row) for run in runs for row in run.results
            if row.status == "ok" and not evidence_for(row, mode)}


def _performance(engine: str, measured: dict[str, Measured], answers: Answers,
                 reasons: list[Reason], stand_in: str = "") -> tuple[float | None, str]:
    """The score and what kind of evidence it is (measured, indicative, noisy, unverified)."""
    found, mode = measured.get(engine), answers.deployment
    if found is None:
        reasons.append(Reason("performance", _unmeasured(engine, stand_in, mode), -0.5))
        return None, "unverified"
    target, source = answers.recall_target, f"run {found.run_id}"
    in_context, tuned = _in_context(found, mode), found.tuned()
    if found.qps is None:  # a recall the engine did not reach is a fact of its answers, noise or not
        reasons.append(Reason("performance", f"never reached recall {target:g}{' ' + tuned if tuned else ''} (best "
                                             f"{found.recall:.3f}; "
                                             f"{found.context()})", -3, source))
        if not in_context:
            reasons.append(_indicative(found, mode, source))
        # the row's own noise status, as every page shows it; the missed target is scored all the same
        return 0.0, "noisy" if found.noise else "measured" if in_context else "indicative"
    if found.noise:  # no winner is called inside the noise: the figure is not evidence
        reasons.append(Reason("performance", f"not scored: measured under noise ({found.noise}); measure again on a "
                                             "quiet machine", -1, source))
        if not in_context:  # said of every engine measured in another deployment, noisy or not
            reasons.append(_indicative(found, mode, source))
        return None, "noisy"
    comparable = [m for m in measured.values() if m.qps is not None and not m.noise]
    parts, tie = speed_parts(found, comparable)
    score = math.prod(parts) ** (1 / len(parts))  # geometric mean: one huge number cannot dominate
    p95 = f"p95 {found.p95_ms:.2f} ms" if found.p95_ms else "p95 not measured"
    text = f"{found.qps:,.0f} QPS, {p95} at recall ≥ {target:g} ({found.context()}{'; ' + tuned if tuned else ''})"
    if tie:
        text += "; within the 95 % interval of the best figure: a tie on speed, scored as the best"
    if not in_context:
        reasons.append(_indicative(found, mode, source))
    elif found.p95_ms and found.p95_ms > answers.latency_p95_ms:
        reasons.append(Reason("performance", f"p95 {found.p95_ms:.2f} ms misses the {answers.latency_p95_ms:g} ms "
                                             "target", -3, source))
    if found.concurrency > 1 and (found.qps or 0) < answers.peak_qps:
        reasons.append(Reason("performance", f"carried {found.qps:,.0f} QPS at most, below the peak "
                                             f"{answers.peak_qps:,}", -2, source))
    elif found.concurrency == 1 and answers.peak_qps > 1:
        text += "; single client: not yet measured at the peak load"
    reasons.append(Reason("performance", text, 2 if score >= 0.5 else -1, source))
    return score, "measured" if in_context else "indicative"


def _cost(engine: str, costs: dict[str, float], answers: Answers, reasons: list[Reason]) -> float | None:
    """Self-hosted $/month at today's scale (cost model), relative to the cheapest costed engine."""
    usd = costs.get(engine)
    if usd is None:
        return None
    budget = answers.budget_per_month
    hosted = "self-hosted" + (" equivalent (managed list prices on the Cost page)"
                              if answers.deployment == DeploymentMode.MANAGED_CLOUD else "")
    if budget and usd > budget:
        reasons.append(Reason("cost", f"about ${usd:,.0f}/month {hosted}, over the ${budget:,.0f} budget", -3))
    else:
        reasons.append(Reason("cost", f"about ${usd:,.0f}/month {hosted} at today's scale", 1))
    return min(costs.values()) / usd if usd > 0 else 1.0


def _combine(criteria: dict[str, float | None], priorities: dict[str, float], weights: dict[str, float]) -> float:
    used = {c: s for c, s in criteria.items() if s is not None and priorities[c] * weights.get(c, 1.0) > 0}
    total = sum(priorities[c] * weights.get(c, 1.0) for c in used)
    return sum(priorities[c] * weights.get(c, 1.0) * s for c, s in used.items()) / total if total else 0.0


def excluded_engines(ranking: list[EngineVerdict]) -> dict[str, str]:
    """Engine -> why the recommendation excluded it (marked so in every cost table)."""
    return {verdict.engine: verdict.excluded for verdict in ranking if verdict.excluded}


def _costs(scenario: Scenario, runs: list[Run]) -> dict[str, float]:
    from vectorscout.decision.cost import CostError, cost_report

    try:
        return {e.engine: e.sizing.usd_per_month for e in cost_report(scenario.record, runs, scenario.cost).estimates
                if e.sizing is not None}
    except CostError:  # e.g. an edited price table without the chosen provider: cost is then not scored
        return {}


def _verdict(profile: EngineProfile, scenario: Scenario, measured: dict[str, Measured],
             costs: dict[str, float], streams: dict[str, tuple[ResultRow, str]],
             hybrids: dict[str, HybridEvidence], stand_ins_by_engine: dict[str, str]) -> EngineVerdict:
    answers = scenario.record
    mode = answers.deployment
    excluded = exclusion(profile, answers)
    if excluded:
        return EngineVerdict(profile.key, profile.name, mode, None, excluded.text, {}, [],
                             [Reason("excluded", excluded.text, 0, excluded.source)], "—", excluded.source)
    reasons: list[Reason] = []
    performance, evidence = _performance(profile.key, measured, answers, reasons,
                                         stand_ins_by_engine.get(profile.key, ""))
    _writes(profile.key, streams, answers, reasons)
    _hybrid_quality(profile.key, hybrids, answers, reasons)
    criteria: dict[str, float | None] = {
        "features": _features(profile, answers, reasons), "operations": _operations(profile, answers, reasons),
        "scalability": _scalability(profile, answers, reasons), "ecosystem": _ecosystem(profile, answers, reasons),
        "performance": performance, "cost": _cost(profile.key, costs, answers, reasons),
    }
    weights = {"performance": INDICATIVE_WEIGHT} if evidence == "indicative" else {}
    ordered_for = sorted((r for r in reasons if r.weight > 0), key=lambda r: (-r.weight, r.text))
    ordered_against = sorted((r for r in reasons if r.weight < 0), key=lambda r: (r.weight, r.text))
    return EngineVerdict(
        profile.key, profile.name, mode, round(_combine(criteria, scenario.priorities, weights), 6), None,
        {c: None if s is None else round(s, 4) for c, s in criteria.items()}, ordered_for[:5], ordered_against[:5],
        evidence, "", weights)


def recommend(scenario: Scenario, runs: list[Run] | None = None) -> Recommendation:
    """The ranking (scored engines best first, ties by name, excluded ones after), the warnings, the verdict
    and the sensitivity, for the scenario's deployment mode."""
    answers = scenario.record
    measured = measured_at_target(runs or [], answers.recall_target, float(answers.peak_qps), answers.deployment)
    costs = _costs(scenario, runs or [])
    streams = stream_evidence(runs or [], answers.deployment)
    hybrids = hybrid_evidence(runs or [], answers.deployment)
    others = stand_ins(runs or [], answers.deployment)
    verdicts = [_verdict(profile, scenario, measured, costs, streams, hybrids, others)
                for _, profile in sorted(feature_matrix().items())]
    scored = sorted((v for v in verdicts if v.score is not None), key=lambda v: (-(v.score or 0), v.engine))
    ranking = scored + [v for v in verdicts if v.score is None]
    # With measurements, the verdict is drawn from the engines measured for this scenario: an engine that skips
    # the performance criterion is not called best on the documentation alone; it is named as worth measuring.
    candidates = [v for v in scored if v.evidence in ("measured", "indicative")] or scored
    top = [v for v in candidates if (v.score or 0) >= (candidates[0].score or 0) - TIE_TOLERANCE] if candidates else []
    unmeasured_ahead = [v for v in scored if v not in candidates and top and (v.score or 0) > (top[0].score or 0)]
    verdict = (verdict_sentence(top, unmeasured_ahead) + missed_target_sentence(top, candidates, measured, answers)
               + indicative_sentence(top, measured, answers.deployment))
    warnings = contradictions(scenario, ranking, costs) + unassessed_targets(
        answers, [(m.concurrency, m.qps) for m in measured.values() if m.qps is not None])
    return Recommendation(scenario.name, answers.deployment, warnings, ranking,
                          verdict, [v.engine for v in top], sensitivity(scenario, candidates),
                          evidence_reach(runs or [], measured, answers))


def indicative_sentence(top: list[EngineVerdict], measured: dict[str, Measured], mode: DeploymentMode) -> str:
    """When the engines named first were measured in another deployment mode than the scenario's, say so."""
    named = [v for v in top if v.evidence == "indicative" and v.engine in measured]
    if not named:
        return ""
    where = "; ".join(f"{v.name} {measured[v.engine].context().split(', run')[0]}" for v in named)
    return (f" Its speed evidence is indicative: measured {where}, not {MODE_LABELS[mode]}; measure it as the "
            "scenario deploys it before relying on the figures.") if len(named) == 1 else (
            f" Their speed evidence is indicative: measured {where}, not {MODE_LABELS[mode]}.")


def missed_target_sentence(top: list[EngineVerdict], candidates: list[EngineVerdict], measured: dict[str, Measured],
                           answers: Answers) -> str:
    """When the engine named first missed the recall target and a measured engine below it reached it: what
    puts it first anyway, said out loud ("" otherwise)."""
    if not top or (first := measured.get(top[0].engine)) is None or first.qps is not None:
        return ""
    reached = [v.name for v in candidates if (m := measured.get(v.engine)) is not None and m.qps is not None]
    if not reached:
        return (f" No engine measured reached recall {answers.recall_target:g} at the settings run, so no speed "
                "figure decides this ranking: measure at equal recall (the Run page's switch, or run --tune-recall).")
    why = "; ".join(r.text for r in top[0].reasons_for[:2]) or "the criteria other than performance"
    return (f" {top[0].name} missed the recall target ({first.recall or 0:.3f} against {answers.recall_target:g}) "
            f"where {', '.join(reached)} reached it; it ranks first on what the documentation says: {why}.")


def evidence_reach(runs: list[Run], measured: dict[str, Measured], answers: Answers) -> str:
    """The size and dimension the performance evidence was measured at, against the scenario's: how far the
    figures reach ("" without measurements)."""
    used = {m.run_id for m in measured.values()}
    sizes = sorted({(run.dataset.n, run.dataset.dim) for run in runs if run.run_id in used and run.dataset.n})
    if not sizes:
        return ""
    now, later, dims = int(answers.vectors_now), int(answers.vectors_24m), int(answers.dimensions)
    largest = max(n for n, _ in sizes)
    quick = sorted((run for run in runs if run.run_id in used and is_quick_evaluation(run.label)), key=lambda r: r.run_id)
    # how each was timed, from its own plan: a quick evaluation run with --until-known 0 timed every repetition
    stops = sorted({float(run.plan.get("until_known_pct") or 0.0) for run in quick}, reverse=True)
    timed = " and ".join(f"timed only until its queries knew each figure to {known_to_text(pct)}" if pct else
                         "timed over every repetition" for pct in stops)
    indicative = (f"Indicative: the quick evaluation ({', '.join(run.run_id for run in quick)}) measured the small "
                  f"bundled set at each engine's default build, {timed}. " if quick else "")
    measured_at = " and ".join(f"{n:,} vectors x {d}" for n, d in sizes)
    if largest >= now and all(d == dims for _, d in sizes):
        return f"{indicative}Measured at {measured_at}: the scenario's size ({now:,} x {dims}) or more."
    parts = [f"Measured at {measured_at}; the scenario holds {now:,} x {dims} now and {later:,} in 24 months"]
    if largest < now:
        parts.append(f"{now / largest:,.0f} times the vectors measured: the figures rank the engines at the measured "
                     "size; latency, throughput and recall at the scenario's size are not measured (graph and list "
                     "searches slow down and lose recall as an index grows)")
    if any(d != dims for _, d in sizes):
        parts.append(f"at {dims} dimensions each vector costs {dims / max(d for _, d in sizes):.1f} times the "
                     "measured distance computations and memory")
    laddered = [ladder for ladder in ladders(runs) if ladder.key.engine in measured]
    if laddered and largest < now:
        top = max(max(ladder.sizes) for ladder in laddered)
        reach = now / top
        parts.append(f"scale ladders measured {', '.join(sorted({ladder.key.engine for ladder in laddered}))} at up to "
                     f"{top:,} vectors, and the cost carries their throughput to the scenario's size by the fitted "
                     f"curves ({reach:,.0f}× the largest size measured"
                     + (f", a long extrapolation past {LONG_EXTRAPOLATION:g}×)" if reach > LONG_EXTRAPOLATION else ")"))
    return indicative + "; ".join(parts) + "."


def verdict_sentence(top: list[EngineVerdict], unmeasured_ahead: Sequence[EngineVerdict] = ()) -> str:
    if not top:
        return "No engine meets every hard constraint: see the warnings and the exclusions."
    if unmeasured_ahead:
        names = ", ".join(f"{v.name} ({v.score:.2f}, {v.evidence})" for v in unmeasured_ahead)
        one = len(unmeasured_ahead) == 1
        return (f"{verdict_sentence(top)[:-1]} among the engines measured for this scenario; {names} "
                f"{'scores' if one else 'score'} higher without a clean measurement: measure "
                f"{'it' if one else 'them'} before choosing {'it' if one else 'them'}.")
    if len(top) == 1:
        return f"{top[0].name} fits best (score {top[0].score:.2f} of 1)."
    first, second = top[0], top[1]
    gaps = sorted(((abs((first.criteria.get(c) or 0) - (second.criteria.get(c) or 0)), c) for c in CRITERIA), reverse=True)
    separating = [c for gap, c in gaps if gap > 0][:2]
    names = " and ".join(v.name for v in top) if len(top) == 2 else ", ".join(v.name for v in top)
    why = "; ".join(f"{c}: {first.name} {first.criteria.get(c) or 0:.2f}, {second.name} {second.criteria.get(c) or 0:.2f}"
                    for c in separating) or "the same score on every criterion"
    return (f"A tie: {names} score within {TIE_TOLERANCE:g} of each other ({first.score:.3f} vs {second.score:.3f}); "
            f"what separates {first.name} and {second.name}: {why}.")


def sensitivity(scenario: Scenario, scored: list[EngineVerdict]) -> str:
    """One sentence: the smallest single priority change (0..5 in steps of 0.5) that puts the runner-up first."""
    if len(scored) < 2:
        return "Fewer than two engines remain: no priority change alters the outcome."
    first, second = scored[0], scored[1]
    changes = []
    for criterion in CRITERIA:
        current = scenario.priorities[criterion]
        for weight in (step / 2 for step in range(11)):
            trial = {**scenario.priorities, criterion: weight}
            if weight != current and _combine(second.criteria, trial, second.weights) > _combine(
                    first.criteria, trial, first.weights):
                changes.append((abs(weight - current), criterion, current, weight))
    if not changes:
        return f"No single priority change within 0..5 puts {second.name} ahead of {first.name}."
    _, criterion, current, weight = min(changes)
    direction = "Raising" if weight > current else "Lowering"
    return (f"{direction} the priority of {criterion} from {current:g} to {weight:g} is the smallest single change "
            f"that puts {second.name} ahead of {first.name}.")

