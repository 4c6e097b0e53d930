"""Answers that cannot hold together, and limits the scenario runs into, said at the top of a recommendation.

Each warning names the conflict and the way out (a mode that offers it, a smaller vector type, a relaxed
answer) and, where a matrix cell is behind it, the page it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vectorscout.contract.deployment import DeploymentMode
from vectorscout.decision.answers import Answers
from vectorscout.decision.matrix import MODE_LABELS, EngineProfile, feature_matrix
from vectorscout.decision.scenario import Scenario
from vectorscout.glossary import term


@dataclass(frozen=True)
class ScenarioWarning:
    """Answers that cannot hold together, or a limit the scenario runs into: the conflict and the way out."""

    text: str
    source: str = ""

    def __str__(self) -> str:
        return self.text + (f" [{self.source}]" if self.source else "")


ONE_HOST_RAW_BYTES = 256 * 2**30  # raw vectors beyond this rarely fit beside an application on one host


def _mode_conflicts(answers: Answers) -> list[tuple[str, str]]:
    found = []
    mode = answers.deployment
    if answers.high_availability and mode == DeploymentMode.EMBEDDED:
        found.append(("High availability and an embedded deployment cannot hold together: an engine inside your "
                      "process has no replica to fail over to. Way out: a self-hosted cluster or a managed service "
                      "with replication.", ""))
    if answers.sql_joins and mode == DeploymentMode.EMBEDDED:
        found.append(("SQL joins and transactions with the vectors need PostgreSQL (pgvector), which runs as a "
                      "server, never inside your process. Way out: a single server or a managed PostgreSQL.", ""))
    if answers.disaster_recovery == "standby in another region" and mode == DeploymentMode.EMBEDDED:
        found.append(("A standby in another region needs a server to replicate to; an embedded engine's files are "
                      "yours to copy. Way out: a cluster or a managed service with cross-region backups.", ""))
    raw = raw_vector_bytes(answers)
    if mode == DeploymentMode.EMBEDDED and raw > ONE_HOST_RAW_BYTES:
        found.append((f"{answers.vectors_24m:,} vectors x {answers.dimensions:,} {answers.vector_type} is "
                      f"{raw / 2**30:,.0f} GiB of raw vectors in 24 months: more than one application host holds "
                      "beside its own work. Way out: a disk-based or quantized index, or a server.", ""))
    return found


def _answer_conflicts(answers: Answers) -> list[tuple[str, str]]:
    found = []
    if answers.vectors_24m < answers.vectors_now:
        found.append((f"Vectors in 24 months ({answers.vectors_24m:,}) are fewer than today ({answers.vectors_now:,}): "
                      "the growth checks (sharding, the 24-month cost) use the 24-month figure as given; correct it if "
                      "the data is not shrinking.", ""))
    if answers.tenants > 1 and answers.multi_tenancy == "not needed":
        found.append((f"{answers.tenants:,} tenants, yet multi-tenancy is 'not needed': tenant isolation is scored "
                      "from the tenant count; set multi-tenancy to say how much it matters.", ""))
    if answers.multi_tenancy == "required" and answers.tenants == 1:
        found.append(("Multi-tenancy is required but the number of tenants is 1: say how many tenants, so the "
                      "engines' tenant models can be judged at that count.", ""))
    if "data_residency" in answers.security and answers.deployment == DeploymentMode.MANAGED_CLOUD:
        found.append((f"Data residency with a managed service: confirm the vendor runs in your region "
                      f"({term(answers.cloud_region)}); self-hosting keeps the data where you put it.", ""))
    if answers.license_constraint == "permissive only" and answers.deployment == DeploymentMode.MANAGED_CLOUD:
        found.append(("Permissive licenses only, with a managed service: the service is bought under the vendor's "
                      "terms, not the engine's open-source license. Way out: self-host the open-source engine.", ""))
    if not _area_priced(answers):
        found.append((f"The price table holds {term(answers.cloud_provider)} prices for {_priced_regions(answers)}, not "
                      f"{term(answers.cloud_region)}, whose prices usually differ: edit the price table "
                      "on the Cost page for your region.", ""))
    return found


def _area_priced(answers: Answers) -> bool:
    """Whether the (possibly edited) price table prices the scenario's provider in a region of its area."""
    from vectorscout.decision.cost import CostError, load_prices

    try:
        table = load_prices()
    except CostError:
        return False
    region = table.region_for(answers.cloud_provider, answers.cloud_region)
    return bool(region and table.instances_in(answers.cloud_provider, region))


def _priced_regions(answers: Answers) -> str:
    """The regions the (possibly edited) price table prices the scenario's cloud provider in."""
    from vectorscout.decision.cost import CostError, load_prices

    try:
        regions = sorted({i.region for i in load_prices().instances if i.provider == answers.cloud_provider})
    except CostError:
        return "no region it can read"
    return ", ".join(regions) or "no region"


def _limit_warnings(answers: Answers, profiles: dict[str, EngineProfile]) -> list[tuple[str, str]]:
    """Engines whose dimension limit the scenario passes, with a vector type of the same engine that fits."""
    found = []
    dims, vector_type, mode = answers.dimensions, answers.vector_type, answers.deployment
    for profile in profiles.values():
        ceiling = profile.dimension_limit_passed(dims, vector_type, mode)
        if ceiling is None:
            continue
        fits = profile.vector_type_that_fits(dims, vector_type, mode)
        way_out = (f" Way out: {fits} ({profile.limit('max_dimensions', mode)[fits].comment}), or reduce the dimensions."
                   if fits else " Way out: reduce the dimensions (e.g. a model with Matryoshka truncation).")
        prefix = "You already run PostgreSQL, but " if "runs_in_postgres" in profile.traits and answers.existing_postgres else ""
        found.append((f"{prefix}{dims:,} dimensions exceed {profile.name}'s {int(ceiling.level):,} for {vector_type} "
                      f"indexes.{way_out}", ceiling.source_url))
    return found


ONE_NODE_RAW_BYTES = 512 * 2**30  # raw vectors beyond the RAM of the largest common memory-optimised node


def raw_vector_bytes(answers: Answers) -> float:
    per_dimension = {"float32": 4, "float16": 2, "int8": 1, "binary": 1 / 8}[answers.vector_type]
    return float(answers.vectors_24m * answers.dimensions * per_dimension)


def _scale_warnings(answers: Answers, profiles: list[EngineProfile]) -> list[tuple[str, str]]:
    """Engines kept for a scale one node cannot hold while sharding is not built into them in this mode."""
    raw, mode = raw_vector_bytes(answers), answers.deployment
    if raw <= ONE_NODE_RAW_BYTES or mode in (DeploymentMode.EMBEDDED, DeploymentMode.MANAGED_CLOUD):
        return []
    found = []
    for profile in profiles:
        sharding = profile.cell("sharding", mode)
        if sharding.level != "full":
            found.append((f"{profile.name}: {answers.vectors_24m:,} x {answers.dimensions:,} is "
                          f"{raw / 2**40:,.1f} TiB of raw vectors in 24 months, more than one node holds, and sharding "
                          f"is {sharding.level} {MODE_LABELS[mode]} ({sharding.comment}). It takes more than one "
                          "server it does not form by itself: plan the sharding (for PostgreSQL: Citus, one index per "
                          "shard with the top-k merged on the coordinator, or partitions by tenant) before choosing it.",
                          sharding.source_url))
    return found


def unassessed_targets(answers: Answers, at_target: list[tuple[int, float]]) -> list[ScenarioWarning]:
    """The latency and throughput targets no measurement speaks to: no run at all, or no run at the peak load.
    at_target: (clients, QPS) of each engine's evidence at the recall target."""
    target = f"p95 under {answers.latency_p95_ms:g} ms at {answers.peak_qps:,} QPS"
    if not at_target:
        return [ScenarioWarning(f"The {target} is not assessed: no run was given, so no engine's latency or "
                                "throughput was measured. Run the engines (at equal recall) and choose the runs.")]
    if answers.peak_qps > 1 and not any(clients > 1 and qps >= answers.peak_qps for clients, qps in at_target):
        return [ScenarioWarning(f"The {target} is not assessed at the peak load: no run measured an engine with "
                                "concurrent clients carrying that rate (single-client latency is not latency under "
                                "load). Add concurrency levels to the run.")]
    return []


def contradictions(scenario: Scenario, ranking: list[Any], costs: dict[str, float]) -> list[ScenarioWarning]:
    """ranking: the EngineVerdicts (scored or excluded) of vectorscout.decision.recommend."""
    answers = scenario.record
    found = _mode_conflicts(answers) + _answer_conflicts(answers) + _limit_warnings(answers, feature_matrix())
    scored = [v for v in ranking if v.score is not None]
    if not scored:
        reasons = sorted({v.excluded or "" for v in ranking})
        found.append(("No engine meets every hard constraint " + MODE_LABELS[answers.deployment] + ". Relax one: "
                      + "; ".join(reasons[:4]) + ".", ""))
    profiles = feature_matrix()
    found += _scale_warnings(answers, [profiles[v.engine] for v in scored if v.engine in profiles])
    budget = answers.budget_per_month
    costed = [costs[v.engine] for v in scored if v.engine in costs]
    if budget and costed and min(costed) > budget:
        found.append((f"The budget (${budget:,.0f}/month) is below the cheapest estimate (${min(costed):,.0f}/month "
                      "self-hosted): raise it or reduce the scale, replicas or recall target.", ""))
    return [ScenarioWarning(text, source) for text, source in found]
