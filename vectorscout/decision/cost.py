"""Cost model: from what was measured here to nodes and dollars per month at the user's scale.

Inputs are measured per engine (bytes per vector in RAM and on disk, QPS per client core at the recall
target, build throughput) and scaled to the scenario (vector count, dimension, peak QPS, replicas). Nodes
are sized three ways — for memory (with headroom), for throughput and for availability — and the largest
wins; the estimate says which. Every assumption is an editable parameter, listed in the output; prices
come from a dated, sourced table shipped as data, which the user may edit (saved apart, never over it).
An engine without measurements is "not measured", never zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from adapters.registry import UnknownEngine, adapter_class
from vectorscout.contract.deployment import DeploymentMode
from vectorscout.contract.params import Param, ParamError
from vectorscout.decision import memory_model
from vectorscout.decision.answers import Answers, AnswersLike
from vectorscout.glossary import index_name
from vectorscout.home import home_dir, write_atomically
from vectorscout.results.analysis import engine_memory_mb, evidence_for, measured_product, reaches_target
from vectorscout.results.records import ResultRow, Run
from vectorscout.results.scaling import LONG_EXTRAPOLATION, Ladder, Prediction, ladder_for, ladders

if TYPE_CHECKING:
    from vectorscout.benchmarking.plans import LadderSetting

DEFAULT_PRICES = Path(__file__).resolve().parent / "knowledge" / "prices.yaml"
SCALE_POINTS = (1_000_000, 3_000_000, 10_000_000, 30_000_000, 100_000_000, 300_000_000, 1_000_000_000)
GIB = 2**30


class CostError(ValueError):
    """A price table or assumption that cannot be used, with what to fix."""


# The assumptions, declared once: the dashboard derives its widgets from them, the CLI and scenario files
# give them by name.
ASSUMPTIONS: tuple[Param, ...] = (
    # Empty: the scenario's cloud provider (a questionnaire answer); set it to price with another provider's list.
    Param("provider", str, "", "whose instance prices to size with (empty: the scenario's cloud provider)",
          label="Cloud provider"),
    # Empty: the price table's region for the scenario's area (us, europe, asia_pacific: a Requirements answer).
    Param("region", str, "", "the provider's region to price in (empty: the table's region for the scenario's area)",
          label="Region (empty: the scenario's)"),
    Param("replicas", str, "auto", "copies of the data; auto: 2 with high availability (each on its own node), else 1",
          choices=("auto", "1", "2", "3", "4", "5"), label="Copies of the data"),
    Param("memory_headroom", float, 0.25, "share of each node's RAM left free for the OS, caches and spikes",
          minimum=0.0, maximum=0.9, label="Memory headroom (share of RAM kept free)"),
    Param("node_overhead_gb", float, 1.0, "RAM each node needs before its first vector (OS, engine process)",
          minimum=0.0, maximum=64.0, label="Node overhead (GB of RAM before the first vector)"),
    Param("cpu_utilisation", float, 0.6, "share of each node's cores busy at peak QPS", minimum=0.05, maximum=1.0,
          label="CPU utilisation at peak (share of cores)"),
    Param("average_load_share", float, 0.3, "monthly average QPS as a share of peak (for $ per million queries)",
          minimum=0.01, maximum=1.0, label="Average load (share of peak QPS)"),
)


def resolved_assumptions(raw: Mapping[str, Any] | None, answers: Answers) -> dict[str, Any]:
    """The assumptions with the provider filled in from the scenario's cloud provider when not set."""
    chosen = coerce_assumptions(raw)
    chosen["provider"] = chosen["provider"] or answers.cloud_provider
    return chosen


def priced_region(chosen: dict[str, Any], answers: Answers, table: PriceTable) -> str:
    """Fill in the region (the table's region for the scenario's area when not set); return what the estimate
    says about it: "" when the table prices that region, else which region stands in and why."""
    provider = chosen["provider"]
    area = answers.cloud_region
    wanted = chosen["region"] or table.region_for(provider, area)
    if wanted and table.instances_in(provider, wanted):
        chosen["region"] = wanted
        return ""
    fallback = table.region_for(provider, "us") or (table.regions_of(provider) or [""])[0]
    chosen["region"] = fallback
    asked = wanted or f"the {area} area"
    return (f"the price table has no {provider} instance prices in {asked}: priced with {fallback}'s, which usually "
            "differ; add the region's prices on the Cost page")


def coerce_assumptions(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    known = {p.name: p for p in ASSUMPTIONS}
    unknown = set(raw or {}) - set(known)
    if unknown:
        raise CostError(f"unknown cost assumption(s) {', '.join(sorted(unknown))}; known: {', '.join(known)}")
    given = dict(raw or {})
    if isinstance(given.get("replicas"), int) and not isinstance(given["replicas"], bool):
        given["replicas"] = "auto" if given["replicas"] == 0 else str(given["replicas"])  # files written before "auto"
    try:
        return {p.name: p.coerce(given.get(p.name, p.default)) for p in ASSUMPTIONS}
    except ParamError as exc:
        raise CostError(str(exc)) from None


# -- prices ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Instance:
    name: str
    provider: str
    region: str
    vcpu: int
    ram_gb: float
    usd_per_hour: float
    as_of: str
    source: str  # what the price was read from (or worked out from), in words
    source_url: str = ""


@dataclass(frozen=True)
class Storage:
    provider: str
    region: str
    name: str
    usd_per_gb_month: float
    as_of: str
    source: str
    source_url: str = ""


@dataclass(frozen=True)
class ManagedOffer:
    name: str
    engine: str
    provider: str
    region: str
    # None: the provider publishes no list price we could find (the note says how it prices instead)
    usd_per_unit_hour: float | None
    vectors_768d_per_unit: int | None  # the provider's sizing rule for one unit
    as_of: str
    source: str
    source_url: str = ""
    note: str = ""
    # How units add up: "units" (a unit holds vectors_768d_per_unit: units grow with the data, e.g. Zilliz CUs) or
    # "instance" (one database instance of ram_gb holds a whole copy: Aurora classes; the smallest that holds it)
    kind: str = "units"
    family: str = ""  # offers of one family are alternatives (tiers, instance classes): one is selected
    ram_gb: float | None = None  # an instance class's memory
    qps_per_unit: float | None = None  # the throughput the provider documents for one unit (tier selection)
    min_units: int = 1
    regions: str = ""  # the regions the provider offers it in, comma-separated ("": not stated)
    # the plan's published minimum bill: a floor where the rate itself cannot be turned into a price here
    min_usd_per_month: float | None = None


@dataclass(frozen=True)
class PriceTable:
    instances: tuple[Instance, ...]
    storage: tuple[Storage, ...]
    managed: tuple[ManagedOffer, ...]
    hours_per_month: float = 730.0
    edited: bool = False  # True when this is the user's saved copy, not the shipped defaults
    # provider -> the scenario's area (us, europe, asia_pacific) -> the region its prices are read in
    regions: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def providers(self) -> list[str]:
        return sorted({i.provider for i in self.instances})

    def regions_of(self, provider: str) -> list[str]:
        return sorted({i.region for i in self.instances if i.provider == provider})

    def region_for(self, provider: str, area: str) -> str:
        """The region the table prices an area in for this provider ("" when it names none)."""
        return self.regions.get(provider, {}).get(area, "")

    def instances_in(self, provider: str, region: str) -> list[Instance]:
        return [i for i in self.instances if i.provider == provider and i.region == region]

    def storage_of(self, provider: str, region: str = "") -> Storage | None:
        """The provider's storage price in the region, else in any region of the table (None: no price)."""
        mine = [s for s in self.storage if s.provider == provider]
        return next((s for s in mine if s.region == region), mine[0] if mine else None)

    def to_document(self) -> dict[str, Any]:
        return {"currency": "USD", "hours_per_month": self.hours_per_month, "regions": self.regions,
                "instances": [asdict(i) for i in self.instances], "storage": [asdict(s) for s in self.storage],
                "managed": [asdict(m) for m in self.managed]}


def _rows(kind: type, entries: Any, where: str) -> tuple[Any, ...]:
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise CostError(f"{where}: expected a list")
    rows = []
    optional = {f.name for f in fields(kind) if "None" in str(f.type)}
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise CostError(f"{where}[{i}]: expected the row's fields (name: value), got {entry!r}")
        # a table edited on the page gives NaN for an empty cell: no value, which only optional fields may lack
        values = {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in dict(entry).items()}
        missing = sorted(k for k, v in values.items() if v is None and k not in optional)
        if missing:
            raise CostError(f"{where}[{i}]: {', '.join(missing)} must have a value")
        try:
            row = kind(**values)
        except (TypeError, ValueError) as exc:
            raise CostError(f"{where}[{i}]: {exc}") from None
        for name, value in asdict(row).items():
            if isinstance(value, int | float) and not isinstance(value, bool) and (value < 0 or not math.isfinite(value)):
                raise CostError(f"{where}[{i}].{name} must be a finite number >= 0, got {value}")
        rows.append(row)
    return tuple(rows)


def _hours_per_month(value: Any) -> float:
    try:
        hours = float(value)
    except (TypeError, ValueError):
        raise CostError(f"hours_per_month must be a number, got {value!r}") from None
    if not 0 < hours <= 744:  # 31 days of 24 hours
        raise CostError(f"hours_per_month must be above 0 and at most 744 (31 days), got {value!r}")
    return hours


def _regions(value: Any) -> dict[str, dict[str, str]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(v, Mapping) for v in value.values()):
        raise CostError("regions: expected provider: {area: region}, e.g. aws: {europe: eu-central-1}")
    return {str(provider): {str(area): str(region) for area, region in areas.items()} for provider, areas in value.items()}


def parse_prices(document: Any, edited: bool = False) -> PriceTable:
    if not isinstance(document, dict):
        raise CostError("a price table is a mapping with instances, storage and managed")
    table = PriceTable(
        _rows(Instance, document.get("instances"), "instances"), _rows(Storage, document.get("storage"), "storage"),
        _rows(ManagedOffer, document.get("managed"), "managed"), _hours_per_month(document.get("hours_per_month", 730)),
        edited, _regions(document.get("regions")),
    )
    if not table.instances:
        raise CostError("the price table lists no instance type")
    for instance in table.instances:
        if instance.vcpu < 1 or instance.ram_gb <= 0:
            raise CostError(f"instance {instance.name}: vCPU and RAM must be positive")
    return table


def user_prices_path() -> Path:
    return home_dir() / "prices.yaml"


def load_prices() -> PriceTable:
    """The user's saved table when there is one, else the shipped defaults."""
    path = user_prices_path()
    if path.exists():
        return parse_prices(yaml.safe_load(path.read_text()), edited=True)
    return default_prices()


def default_prices() -> PriceTable:
    return parse_prices(yaml.safe_load(DEFAULT_PRICES.read_text()))


def save_prices(table: PriceTable) -> Path:
    """Validate and save the user's table beside their results; the shipped defaults stay as they are."""
    checked = parse_prices(table.to_document())
    path = user_prices_path()
    return write_atomically(path, lambda temporary: temporary.write_text(yaml.safe_dump(checked.to_document(),
                                                                                          sort_keys=False)))


def reset_prices() -> None:
    user_prices_path().unlink(missing_ok=True)


# -- measured inputs -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EngineMeasure:
    engine: str
    run_id: str
    setting: str
    index: str
    build_params: dict[str, Any]
    n: int
    dim: int
    recall: float
    qps_per_core: float
    # RAM above the empty engine per measured run of this index: (vectors, bytes); calibrates the model
    memory_points: tuple[tuple[int, float], ...]
    disk_bytes_per_vector: float | None
    build_vectors_per_s: float | None
    # the best recall each index type of this engine reached in the runs (for memory options by index)
    recall_by_index: dict[str, float] = field(default_factory=dict)
    search_params: dict[str, Any] = field(default_factory=dict)
    build_s: float | None = None  # insert and index build at n vectors
    # the same setting's memory at other dimensions: {dim: ((vectors, bytes), ...)} (calibration runs made at the
    # scenario's dimension calibrate the model there, whatever dimension the throughput was measured at)
    memory_points_by_dim: dict[int, tuple[tuple[int, float], ...]] = field(default_factory=dict)


def _setting(row: ResultRow) -> str:
    params = {**row.build_params, **row.search_params}
    return index_name(row.index) + (" " + ",".join(f"{k}={v}" for k, v in params.items()) if params else "")


def _memory_above_empty(row: ResultRow) -> float | None:
    # bytes the engine held above the empty engine with the dataset loaded (the Results page's engine memory)
    held = engine_memory_mb(row)
    return None if held is None else held * 2**20


def measure_engines(runs: Iterable[Run], recall_target: float,
                    mode: DeploymentMode | None = None) -> tuple[dict[str, EngineMeasure], dict[str, str]]:
    """Per engine, the measured inputs at its fastest setting that reaches the recall target; and, for
    engines that were run but cannot be costed, why not. Rows of another engine standing in for this one
    (Milvus Lite for Milvus) size only the embedded ``mode``."""
    best: dict[str, tuple[ResultRow, Run, float]] = {}
    recalls: dict[str, dict[str, float]] = {}
    memory_points: dict[tuple[str, str, str], list[tuple[int, float]]] = {}
    missing: dict[str, str] = {}
    for run in runs:
        cores = run.environment.cores or 1
        if not run.dataset.n or not run.dataset.dim:
            continue  # an imported run without its dataset's size cannot be scaled
        for row in run.results:
            if row.status != "ok" or row.recall is None or not row.qps or row.filter:
                continue
            if not evidence_for(row, mode):
                missing.setdefault(row.engine, f"measured only as {measured_product(row)}: not the engine a "
                                               f"{mode} deployment runs")
                continue
            by_index = recalls.setdefault(row.engine, {})
            by_index[row.index] = max(by_index.get(row.index, 0.0), row.recall)
            used = _memory_above_empty(row)
            if used is not None and row.concurrency == 1:
                # per index build and dimension: calibration compares like with like
                key = (row.engine, _setting_key(row), str(run.dataset.dim))
                memory_points.setdefault(key, []).append((run.dataset.n, used))
            if not reaches_target(row.recall, row.tuning, recall_target, run.k):
                missing.setdefault(row.engine, f"below target: never reached recall {recall_target:g} in the runs given")
                continue
            # QPS per client core: a serial pass keeps about one core busy; c concurrent clients up to c cores
            per_core = row.qps / min(max(row.concurrency, 1), cores)
            if row.engine not in best or per_core > best[row.engine][2]:
                best[row.engine] = (row, run, per_core)
    measures = {}
    for engine, (row, run, per_core) in best.items():
        missing.pop(engine, None)
        build_s = (row.insert_s or 0.0) + (row.index_s or 0.0)
        points = memory_points.get((engine, _setting_key(row), str(run.dataset.dim)), [])
        by_dim = {int(dim): tuple(sorted(set(found))) for (name, key, dim), found in memory_points.items()
                  if name == engine and key == _setting_key(row)}
        measures[engine] = EngineMeasure(
            engine=engine, run_id=run.run_id, setting=_setting(row), index=row.index, build_params=dict(row.build_params),
            n=run.dataset.n, dim=run.dataset.dim, recall=row.recall or 0.0, qps_per_core=per_core,
            memory_points=tuple(sorted(set(points))), disk_bytes_per_vector=row.disk_bytes_per_vector,
            build_vectors_per_s=run.dataset.n / build_s if build_s > 0 else None,
            recall_by_index=recalls.get(engine, {}), search_params=dict(row.search_params),
            build_s=build_s if build_s > 0 else None, memory_points_by_dim=by_dim,
        )
    return measures, missing


def _setting_key(row: ResultRow) -> str:
    return row.index + repr(sorted(row.build_params.items()))


# -- memory ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MemoryPlan:
    """What one copy of the data needs per vector (RAM and disk) and each node before its first vector."""

    ram_bytes_per_vector: float
    disk_bytes_per_vector: float
    fixed_bytes_per_node: float
    basis: str  # where the per-vector figure comes from
    breakdown: dict[str, Any] = field(default_factory=dict)  # MemoryBreakdown.to_dict() at the target dimension
    calibration: str = ""
    calibration_ratio: float | None = None


def memory_plan(measure: EngineMeasure, dim: int, assumptions: Mapping[str, Any]) -> MemoryPlan:
    """The model at the target dimension, scaled by a calibration over two or more measured sizes when the
    measurement agrees with the model within 2x; the node's fixed memory from that fit, else the assumption."""
    overhead = assumptions["node_overhead_gb"] * GIB
    try:
        at_target = memory_model.model(measure.engine, measure.index, dim, measure.build_params)
        at_measured = memory_model.model(measure.engine, measure.index, measure.dim, measure.build_params)
    except memory_model.MemoryModelError:
        return _measured_only(measure, dim, overhead)
    at_dim = measure.memory_points_by_dim.get(dim, ())
    if dim != measure.dim and len({n for n, _ in at_dim}) >= 2:
        # runs at the target's own dimension (cost --calibrate): the model is checked where it is used
        calibration = memory_model.calibrate(list(at_dim), at_target.ram_bytes_per_vector)
        calibration = replace(calibration, verdict=f"{calibration.verdict} (at {dim} dimensions, the scenario's)")
    else:
        calibration = memory_model.calibrate(list(measure.memory_points), at_measured.ram_bytes_per_vector)
        if not calibration.used and len({n for n, _ in at_dim}) == 1 and dim != measure.dim:
            calibration = replace(calibration, verdict=f"{calibration.verdict}; at {dim} dimensions one size was "
                                                       "measured, and calibration needs two")
    ram = at_target.ram_bytes_per_vector
    fixed = overhead
    basis = f"model ({at_target.source})"
    if calibration.used and calibration.ratio is not None:
        ram *= calibration.ratio
        fixed = max(overhead, calibration.fixed_bytes or 0.0)
        basis = f"model x {calibration.ratio:.2f} measured calibration ({at_target.source})"
    return MemoryPlan(ram, at_target.disk_bytes_per_vector, fixed, basis, at_target.to_dict(), calibration.verdict,
                      calibration.ratio)


def _measured_only(measure: EngineMeasure, dim: int, overhead: float) -> MemoryPlan:
    """No model for this index: the measured memory, as an upper bound, scaled with the dimension."""
    scale = dim / measure.dim
    if not measure.memory_points:
        # raw bytes are already at the target dimension; only a measured disk figure is scaled to it
        disk = measure.disk_bytes_per_vector * scale if measure.disk_bytes_per_vector else dim * 4.0
        return MemoryPlan(dim * 4.0, disk, overhead,
                          "no model and no measurement: raw float32 vectors only (a lower bound)")
    n, used = max(measure.memory_points)
    return MemoryPlan(used / n * scale, (measure.disk_bytes_per_vector or used / n) * scale, overhead,
                      f"no model: measured {used / n:,.0f} B/vector at {n:,} vectors (fixed memory included: an upper bound)")


# -- how far the measurements reach ------------------------------------------------------------------------
@dataclass(frozen=True)
class ScaleEvidence:
    """Where the throughput and build time at the target size come from, and how far they were carried.

    With a scale ladder of the engine's index, the QPS measured at the estimate's run is multiplied by the
    ladder's curve at the target size over the curve at the run's size (low, expected, high from the curve's
    95 % prediction interval); without one it is carried unscaled, and the text says so."""

    measured_at: int  # vectors of the run the throughput was measured at
    target: int
    ladder: str  # the ladder's label; "" without a ladder
    sizes: tuple[int, ...]  # the sizes the evidence was measured at
    qps_factor: tuple[float, float, float]  # (low, expected, high) multiplier of the measured QPS at the target
    times_largest: float  # target over the largest size measured
    long: bool  # beyond LONG_EXTRAPOLATION times the largest measured size
    held_out: str  # how well the ladder predicted its own largest size ("" without a ladder)
    build_factor: tuple[float, float, float] | None  # the same for insert and build time; None: carried linearly
    recall: Prediction | None  # the ladder setting's recall at the target size (same search setting only)
    recall_setting: str
    recall_target: float = 0.0

    @property
    def words(self) -> str:
        reach = (f"{self.times_largest:,.0f}× the largest size measured"
                 + (": a long extrapolation" if self.long else ""))
        if not self.ladder:
            return (f"throughput measured at {self.measured_at:,} vectors only, carried unscaled to {self.target:,} "
                    f"({reach}); run a scale ladder to measure how it falls with size")
        low, expected, high = self.qps_factor
        text = (f"throughput measured at {self.measured_at:,} vectors, scaled to {self.target:,} by the scale ladder "
                f"{self.ladder} (x{expected:.3g}, 95 % interval x{low:.3g}–x{high:.3g}; {self.held_out}); {reach}")
        if self.recall is not None:
            if self.recall.bound is not None:
                interval = f" (the curve is past {self.recall.bound:g} there: a bound, not a prediction)"
            elif self.recall.interval:
                interval = f" (95 % interval {self.recall.interval[0]:.3f}–{self.recall.interval[1]:.3f})"
            else:
                interval = " (no interval: too few sizes to judge the curve's noise by)"
            text += f"; recall at {self.recall_setting} predicted {self.recall.value:.3f}{interval} at that size"
            if self.recall_target and self.recall.value < self.recall_target:
                text += (f", below the {self.recall_target:g} target: that size will need more search effort than "
                         "this setting, so the throughput above is optimistic")
        return text


def scale_evidence(measure: EngineMeasure, vectors: int, found: list[Ladder],
                   recall_target: float = 0.0) -> ScaleEvidence:
    """The ladder that stands for the measure (same index; same build when one was laddered) carried to
    ``vectors``; without one, the single measured size carried unscaled."""
    ladder = ladder_for(found, measure.engine, measure.index, measure.build_params)
    if ladder is None:
        times = vectors / measure.n
        return ScaleEvidence(measure.n, vectors, "", (measure.n,), (1.0, 1.0, 1.0), times, times > LONG_EXTRAPOLATION,
                             "", None, None, "")
    qps = ladder.curves["qps"]
    at = qps.at(vectors)
    base = qps.line.predict(measure.n)
    low, high = at.interval or (at.value, at.value)
    check = qps.check
    held_out = (f"it predicted QPS at its largest size, {check.size:,}, from the smaller ones within "
                f"{check.error:.0%}" if check else "no held-out check")
    build = ladder.curves.get("build_s")
    build_factor = None
    if build is not None and measure.build_s:
        b_at, b_base = build.at(vectors), build.line.predict(measure.n)
        b_low, b_high = b_at.interval or (b_at.value, b_at.value)
        build_factor = (b_low / b_base, b_at.value / b_base, b_high / b_base)
    recall_curve = ladder.curves.get("recall")
    same_search = ladder.key.search == ", ".join(f"{k}={v}" for k, v in sorted(measure.search_params.items()))
    recall = recall_curve.at(vectors) if recall_curve is not None and same_search else None
    return ScaleEvidence(measure.n, vectors, ladder.label, ladder.sizes, (low / base, at.value / base, high / base),
                         at.times_largest, at.long, held_out, build_factor, recall,
                         ladder.key.setting if recall is not None else "", recall_target)


# -- sizing ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    vectors: int
    dim: int
    peak_qps: float
    copies: int  # copies of the data: 1, or 2 and more for high availability
    copies_reason: str
    deployment: DeploymentMode = DeploymentMode.CLUSTER  # the scenario's deployment mode: it decides the shape (see Shape)
    recall_target: float = 0.0


@dataclass(frozen=True)
class Shape:
    """How the scenario's deployment mode lays one engine's data on nodes.

    - "cluster": shards over as many nodes as memory and throughput need, every copy on nodes of its own;
    - "one server": the whole index on one node, plus a standby with high availability, never more (an
      embedded engine lives on the application's host, a single server is one);
    - "scale up": a cluster scenario for an engine that does not shard by itself (PostgreSQL with pgvector):
      one primary on the largest instance it needs, standbys and read replicas for availability and QPS.
    """

    kind: str
    why: str
    beyond: str = ""  # what it would take past the largest instance (scale up and one server)


def deployment_shape(engine: str, mode: DeploymentMode) -> Shape:
    """The shape the deployment mode gives this engine (the feature matrix says whether it shards)."""
    from vectorscout.decision.matrix import feature_matrix

    if mode in (DeploymentMode.EMBEDDED, DeploymentMode.SINGLE_SERVER):
        where = "the application's host" if mode == DeploymentMode.EMBEDDED else "one server"
        return Shape("one server", f"{where}, plus a standby with high availability",
                     "a single server cannot hold it: a cluster deployment, or a memory option below")
    profile = feature_matrix().get(engine)
    cluster = DeploymentMode.CLUSTER
    sharding = profile.cell("sharding", cluster) if profile is not None and profile.offers(cluster) else None
    if mode == cluster and sharding is not None and sharding.level != "full":
        return Shape("scale up", f"{engine} does not shard across nodes by itself: one primary, standbys and read "
                                 "replicas", f"beyond the largest instance: {sharding.comment} "
                                             f"({sharding.source_url}); partitioning by tenant; read replicas add "
                                             "QPS, not capacity")
    return Shape("cluster", "shards across nodes, each copy on nodes of its own")


@dataclass
class Sizing:
    instance: str
    nodes: int
    bound_by: str
    nodes_by: dict[str, int]  # memory (every copy), throughput, availability (one node per copy)
    usd_compute: float
    usd_storage: float
    usd_per_month: float
    usd_per_million_queries: float | None
    ram_gb_per_copy: float
    copies: int
    shape: str = "cluster"
    shortfall: str = ""  # a shape that cannot add nodes for throughput: how far one server falls short
    ram_gb_per_node: float = 0.0  # the instance's memory
    usable_gb_per_node: float = 0.0  # what it has for vectors after headroom and the node's fixed part
    needed_gb_per_node: float = 0.0  # what each node holds: every copy spread over the nodes

    @property
    def node_ram_words(self) -> str:
        """RAM per node, needed against what it has for vectors: "36 of 45 GiB usable" (ram_gb_per_node: the
        instance's whole memory, in the JSON)."""
        return f"{_gib(self.needed_gb_per_node)} of {_gib(self.usable_gb_per_node)} GiB usable"


def _gib(value: float) -> str:
    return f"{value:,.1f}" if value < 10 else f"{value:,.0f}"


@dataclass(frozen=True)
class MemoryOption:
    """One of the engine's documented ways to hold less in RAM, sized like the estimate itself."""

    name: str
    ram_bytes_per_vector: float
    ram_gb_per_copy: float
    instance: str
    nodes: int | None
    usd_per_month: float | None
    recall: float | None  # measured only when the runs used exactly this index type
    recall_note: str
    where: str  # what stays in RAM and what on disk
    source: str


@dataclass
class CostEstimate:
    engine: str
    status: str  # "ok", "not measured", "does not fit" (no priced instance can hold one shard)
    note: str = ""
    target: dict[str, Any] = field(default_factory=dict)
    sizing: Sizing | None = None
    memory: MemoryPlan | None = None
    managed: list[dict[str, Any]] = field(default_factory=list)
    build_hours: float | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    excluded: str = ""  # why the recommendation excluded this engine, when it did
    options: list[MemoryOption] = field(default_factory=list)
    # the sizing with the throughput at the low and the high end of its interval (fewest nodes first)
    sizing_range: tuple[Sizing, Sizing] | None = None
    build_hours_range: tuple[float, float] | None = None
    scale: ScaleEvidence | None = None

    def summary(self) -> dict[str, Any]:
        """The CLI's per-engine line."""
        s = self.sizing
        return {"engine": self.engine, "status": self.status, "shape": s.shape if s else None,
                "nodes": s.nodes if s else None,
                "bound_by": s.bound_by if s else None, "instance": s.instance if s else None,
                "copies": s.copies if s else None,
                "ram_bytes_per_vector": round(self.memory.ram_bytes_per_vector, 1) if self.memory else None,
                "calibration_ratio": (round(self.memory.calibration_ratio, 3)
                                      if self.memory and self.memory.calibration_ratio is not None else None),
                "nodes_by": s.nodes_by if s else None,
                "memory_terms": self.memory.breakdown.get("terms") if self.memory else None,
                "usd_per_month": round(s.usd_per_month, 2) if s else None,
                "usd_per_million_queries": (round(s.usd_per_million_queries, 4)
                                            if s and s.usd_per_million_queries is not None else None),
                "usd_per_month_range": ([round(r.usd_per_month, 2) for r in self.sizing_range]
                                        if self.sizing_range else None),
                "nodes_range": [r.nodes for r in self.sizing_range] if self.sizing_range else None,
                "throughput_evidence": self.scale.words if self.scale else None,
                "long_extrapolation": self.scale.long if self.scale else None,
                "sizes_measured": list(self.scale.sizes) if self.scale else None,
                "memory_evidence": self.memory_evidence,
                "managed": [{key: m[key] for key in ("offer", "usd_per_month", "source_url", "as_of", "units",
                                                     "selected", "reason", "in_region")}
                            for m in self.managed],
                "excluded_by_recommendation": self.excluded or None, "note": self.note}

    @property
    def memory_evidence(self) -> str:
        """Where the RAM per vector comes from (the model, a measured calibration, a measurement) and why."""
        if self.memory is None:
            return ""
        return self.memory.basis + (f"; {self.memory.calibration}" if self.memory.calibration else "")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def usable_bytes(instance: Instance, memory: MemoryPlan, assumptions: Mapping[str, Any]) -> float:
    """RAM one node of this instance type has for vectors: its memory less the headroom and the node's fixed part."""
    return instance.ram_gb * GIB * (1 - assumptions["memory_headroom"]) - memory.fixed_bytes_per_node


def size_on(instance: Instance, measure: EngineMeasure, memory: MemoryPlan, target: Target,
            assumptions: Mapping[str, Any], table: PriceTable, storage: Storage | None) -> Sizing | None:
    """Nodes and cost of one engine on one instance type; None when one node cannot hold any data."""
    usable = usable_bytes(instance, memory, assumptions)
    if usable <= 0:
        return None
    per_copy = target.vectors * memory.ram_bytes_per_vector
    shape = deployment_shape(measure.engine, target.deployment)
    if shape.kind != "cluster" and per_copy > usable:
        return None  # one node holds the whole index in these shapes
    memory_nodes = max(1, math.ceil(per_copy * target.copies / usable))
    scale = target.dim / measure.dim  # QPS per core falls as the dimension grows
    node_qps = measure.qps_per_core / scale * instance.vcpu * assumptions["cpu_utilisation"]
    throughput_nodes = max(1, math.ceil(target.peak_qps / node_qps)) if node_qps > 0 else 1
    nodes_by = {"memory": memory_nodes, "throughput": throughput_nodes, "availability": target.copies}
    shortfall = ""
    if shape.kind == "one server" and throughput_nodes > 1:
        # no node can be added: the server serves what it can, and the estimate says how much is missing
        shortfall = (f"one server serves about {node_qps:,.0f} QPS of the {target.peak_qps:,.0f} asked: a larger "
                     "instance, or a cluster deployment")
        nodes_by["throughput"] = 1
    nodes = max(nodes_by.values())
    bound_by = next(kind for kind, count in nodes_by.items() if count == nodes)
    compute = nodes * instance.usd_per_hour * table.hours_per_month
    disk_gb = target.vectors * memory.disk_bytes_per_vector / GIB * target.copies
    stored = disk_gb * storage.usd_per_gb_month if storage else 0.0
    total = compute + stored
    queries = target.peak_qps * assumptions["average_load_share"] * 3600 * table.hours_per_month
    return Sizing(instance.name, nodes, bound_by, nodes_by, compute, stored, total,
                  total / (queries / 1e6) if queries > 0 else None, per_copy / GIB, target.copies, shape.kind, shortfall,
                  instance.ram_gb, usable / GIB, per_copy * target.copies / nodes / GIB)


def _cheapest(measure: EngineMeasure, memory: MemoryPlan, target: Target, assumptions: Mapping[str, Any],
              table: PriceTable, storage: Storage | None) -> Sizing | None:
    sized = [s for i in table.instances_in(assumptions["provider"], assumptions["region"])
             if (s := size_on(i, measure, memory, target, assumptions, table, storage)) is not None]
    return min(sized, key=lambda s: (s.usd_per_month, s.nodes, s.instance)) if sized else None


def _does_not_fit(engine: str, target: Target, memory: MemoryPlan, assumptions: Mapping[str, Any],
                  table: PriceTable) -> str:
    provider = assumptions["provider"]
    shape = deployment_shape(engine, target.deployment)
    offered = table.instances_in(provider, assumptions["region"])
    if shape.kind == "cluster" or not offered:
        return f"no {provider} instance in the price table has RAM left after headroom and overhead"
    largest = max(offered, key=lambda i: i.ram_gb)
    holds = max(0.0, usable_bytes(largest, memory, assumptions))
    return (f"{shape.kind}: one copy needs {target.vectors * memory.ram_bytes_per_vector / GIB:,.0f} GiB of RAM and "
            f"the largest {provider} instance priced, {largest.name}, holds {holds / GIB:,.0f} GiB after headroom; "
            f"{shape.beyond}")


def estimate(engine: str, measure: EngineMeasure | None, target: Target, assumptions: Mapping[str, Any],
             table: PriceTable, why_missing: str = "", memory_factor: float = 1.0,
             found: list[Ladder] | None = None) -> CostEstimate:
    """One engine's cost at the target; memory_factor scales its bytes per vector (sensitivity); found: the scale
    ladders of the runs, which carry the measured throughput and build time to the target's size."""
    result = CostEstimate(engine, "not measured", target=asdict(target))
    if measure is None:
        result.note = why_missing or "no run of this engine was given"
        if why_missing.startswith("below target"):
            result.status = "below recall target"
        return result
    result.inputs = asdict(measure)
    plan = memory_plan(measure, target.dim, assumptions)
    result.memory = replace(plan, ram_bytes_per_vector=plan.ram_bytes_per_vector * memory_factor,
                            disk_bytes_per_vector=plan.disk_bytes_per_vector * memory_factor)
    provider = assumptions["provider"]
    storage = table.storage_of(provider, assumptions["region"])
    result.scale = scale_evidence(measure, target.vectors, found or [], target.recall_target)
    low, expected, high = result.scale.qps_factor
    scaled = replace(measure, qps_per_core=measure.qps_per_core * expected)
    result.sizing = _cheapest(scaled, result.memory, target, assumptions, table, storage)
    if result.sizing is None:
        result.status = "does not fit"
        result.note = _does_not_fit(engine, target, result.memory, assumptions, table)
        return result
    result.status = "ok"
    if result.scale.ladder:  # one measured size gives no interval: a range of one value would claim certainty
        fewest, most = (_cheapest(replace(measure, qps_per_core=measure.qps_per_core * factor), result.memory, target,
                                  assumptions, table, storage) for factor in (high, low))
        if fewest is not None and most is not None:
            result.sizing_range = (fewest, most)
    notes = [result.memory.calibration] if result.memory.calibration else []
    if result.sizing.shortfall:
        notes.insert(0, result.sizing.shortfall)
    if storage is None:
        notes.append(f"no {provider} storage price: disk not costed")
    result.note = "; ".join(notes)
    build = result.scale.build_factor
    if build is not None and measure.build_s:
        # the ladder's build-time curve (graph indexes build in about n log n, lists in about n)
        hours = measure.build_s / 3600
        result.build_hours = hours * build[1]
        result.build_hours_range = (hours * build[0], hours * build[2])
    elif measure.build_vectors_per_s:
        # linear extrapolation; graph indexes build in about n log n, so this is a lower bound at large n
        result.build_hours = target.vectors / measure.build_vectors_per_s / 3600
    result.managed = managed_prices(engine, target, table, result.memory.ram_bytes_per_vector,
                                    assumptions["memory_headroom"], assumptions["region"])
    return result


def memory_options(measure: EngineMeasure, target: Target, assumptions: Mapping[str, Any], table: PriceTable,
                   storage: Storage | None) -> list[MemoryOption]:
    """Quantization, float16 and on-disk options of the engine, and each other index type of it the runs
    measured (a quantized index, say, with the recall it reached), each sized on the cheapest instance."""
    found = []
    for option in memory_model.options(measure.engine):
        params = measure.build_params if option["index"] == measure.index else {}
        breakdown = memory_model.model(measure.engine, option["index"], target.dim, params, option["name"])
        recall, note = option_recall(option, measure)
        found.append(_sized_option(option["name"], breakdown, recall, note, measure, target, assumptions, table,
                                   storage))
    as_options = {measured_as(option) for option in memory_model.options(measure.engine)}
    for index, recall in sorted(measure.recall_by_index.items()):
        if index == measure.index or index in as_options:
            continue  # the estimate itself, or an option above
        try:
            breakdown = memory_model.model(measure.engine, index, target.dim)
        except memory_model.MemoryModelError:
            continue  # no layout to size it from
        found.append(_sized_option(f"{index} index (measured in the runs)", breakdown, recall, MEASURED_HERE, measure,
                                   target, assumptions, table, storage))
    return found


MEASURED_HERE = "measured in the runs given"


def measured_as(option: Mapping[str, Any]) -> str | None:
    """The index type whose runs measure a memory option: the one it names (measured_as), or its own index when
    the option changes nothing of that index's layout; None when no index built here is the option."""
    if "measured_as" in option:
        return str(option["measured_as"])
    unchanged = set(option) <= {"name", "index", "source", "measure_with"}
    return str(option["index"]) if unchanged else None


def option_recall(option: Mapping[str, Any], measure: EngineMeasure) -> tuple[float | None, str]:
    """A memory option's recall from the runs given, or why there is none: how to measure it here, or, where
    nothing here builds it, what the vendor publishes for it."""
    index = measured_as(option)
    recall = measure.recall_by_index.get(index) if index else None
    if recall is not None:
        return recall, MEASURED_HERE
    if option.get("measure_with"):
        return None, f"not measured in these runs; measure it here with the engine spec {option['measure_with']}"
    note = ("not measured here: the engine needs a server this machine does not run"
            if not _runs_here(measure.engine) else "not measured here: VectorScout's adapter does not build it")
    if option.get("vendor_recall"):
        note += f"; the vendor reports {option['vendor_recall']} ({option.get('vendor_recall_source', 'no source')})"
    return None, note


def _runs_here(engine: str) -> bool:
    """Whether the engine itself runs on this machine (embedded, or a server VectorScout starts)."""
    try:
        adapter = adapter_class(engine)
    except UnknownEngine:
        return False
    return adapter.capabilities.embedded or adapter.embedded_is_server


def _sized_option(name: str, breakdown: memory_model.MemoryBreakdown, recall: float | None, recall_note: str,
                  measure: EngineMeasure, target: Target, assumptions: Mapping[str, Any], table: PriceTable,
                  storage: Storage | None) -> MemoryOption:
    plan = MemoryPlan(breakdown.ram_bytes_per_vector, breakdown.disk_bytes_per_vector,
                      assumptions["node_overhead_gb"] * GIB, f"model ({breakdown.source})", breakdown.to_dict())
    best = _cheapest(measure, plan, target, assumptions, table, storage)
    return MemoryOption(
        name, breakdown.ram_bytes_per_vector, target.vectors * breakdown.ram_bytes_per_vector / GIB,
        best.instance if best else "", best.nodes if best else None, best.usd_per_month if best else None, recall,
        recall_note, breakdown.note, breakdown.source)


def managed_prices(engine: str, target: Target, table: PriceTable, ram_bytes_per_vector: float | None = None,
                   headroom: float = 0.25, region: str = "") -> list[dict[str, Any]]:
    """The engine's managed offers at this scale, each with its tier, units, list price per month (or why there
    is none) and source; in a family of alternatives the one the scenario's size and QPS select is marked, with
    the reason. With a region, an offer whose provider lists its regions says whether it is offered there."""
    prices = []
    for offer in table.managed:
        if offer.engine != engine:
            continue
        entry: dict[str, Any] = {"offer": offer.name, "family": offer.family or offer.name, "region": offer.region,
                                 "as_of": offer.as_of, "source_url": offer.source_url, "usd_per_month": None,
                                 "units": None, "note": offer.note, "fits": True, "reason": "", "selected": False,
                                 "in_region": _offered_in(offer, region), "min_usd_per_month": offer.min_usd_per_month}
        if offer.kind == "instance":
            _size_instance(entry, offer, target, ram_bytes_per_vector, headroom, table)
        elif offer.vectors_768d_per_unit:
            _size_units(entry, offer, target, table)
        prices.append(entry)
    for family in {e["family"] for e in prices}:
        members = [e for e in prices if e["family"] == family and e["fits"]]
        if members:
            chosen = _selected(members)
            chosen["selected"] = True
    return prices


def _offered_in(offer: ManagedOffer, region: str) -> bool | None:
    if not region or not offer.regions:
        return None  # not stated: the residency answer cannot be checked from the table
    # a provider's own region names carry the cloud ("aws-eu-central-1"); the scenario's region is the cloud's
    return any(r.strip() in (region, f"{cloud}-{region}") for r in offer.regions.split(",")
               for cloud in ("aws", "gcp", "azure"))


def _size_units(entry: dict[str, Any], offer: ManagedOffer, target: Target, table: PriceTable) -> None:
    """Units for the data (the provider's capacity rule) and for the peak QPS (its documented QPS per unit)."""
    assert offer.vectors_768d_per_unit
    for_data = max(offer.min_units, math.ceil(target.vectors * target.dim / 768 / offer.vectors_768d_per_unit))
    for_qps = math.ceil(target.peak_qps / offer.qps_per_unit) if offer.qps_per_unit else 0
    units = max(for_data, for_qps) * target.copies
    why = f"{for_data:,} for the data ({offer.vectors_768d_per_unit:,} 768-d vectors per unit)"
    if for_qps:
        why += f", {for_qps:,} for {target.peak_qps:,.0f} QPS ({offer.qps_per_unit:,.0f} QPS per unit)"
    entry.update(units=units, reason=f"{units:,} units: {why}" + (f", x {target.copies} copies" if target.copies > 1
                                                                  else ""))
    if offer.usd_per_unit_hour is not None:
        entry["usd_per_month"] = units * offer.usd_per_unit_hour * table.hours_per_month


def _size_instance(entry: dict[str, Any], offer: ManagedOffer, target: Target, ram_bytes_per_vector: float | None,
                   headroom: float, table: PriceTable) -> None:
    """One instance class per copy (a writer, and a reader per further copy) when its memory holds the index."""
    if offer.ram_gb is None or ram_bytes_per_vector is None:
        entry.update(fits=False, reason="not sized: no memory figure for this engine")
        return
    needed = target.vectors * ram_bytes_per_vector / GIB
    usable = offer.ram_gb * (1 - headroom)
    if needed > usable:
        entry.update(fits=False, reason=f"{needed:,.0f} GiB per copy do not fit the class's {usable:,.0f} GiB usable")
        return
    entry.update(units=target.copies, reason=f"{needed:,.0f} GiB per copy fit the class's {usable:,.0f} GiB usable "
                                             f"({offer.ram_gb:g} GiB less {headroom:.0%} headroom); "
                                             f"{target.copies} instance(s): a writer" +
                                             (" and readers" if target.copies > 1 else ""))
    if offer.usd_per_unit_hour is not None:
        entry["usd_per_month"] = target.copies * offer.usd_per_unit_hour * table.hours_per_month


def _selected(members: list[dict[str, Any]]) -> dict[str, Any]:
    """The alternative the scenario selects: the fewest units that hold the data and serve the peak QPS (each
    was sized for both: the densest tier fast enough), then the cheapest; a selected tier without a list price
    stays unpriced rather than borrowing another tier's price."""
    return min(members, key=lambda e: (e["units"] or math.inf, e["usd_per_month"] if e["usd_per_month"] is not None
                                       else math.inf))


def target_of(answers: Answers, assumptions: Mapping[str, Any], vectors: int | None = None) -> Target:
    chosen = assumptions["replicas"]
    if chosen == "auto":
        copies = 2 if answers.high_availability else 1
        reason = "high availability: 2 copies, each on its own node" if copies == 2 else "one copy (no high availability)"
    else:
        copies, reason = int(chosen), f"{chosen} copies, as set"
    return Target(vectors if vectors is not None else answers.vectors_now, answers.dimensions,
                  float(answers.peak_qps), copies, reason, answers.deployment, answers.recall_target)


def managed_text(entry: Mapping[str, Any]) -> str:
    """One managed offer as a table cell: its name, list price or why there is none, and the region check."""
    floor = entry.get("min_usd_per_month")
    price = (f"${entry['usd_per_month']:,.0f}" if entry["usd_per_month"] is not None
             else "does not fit" if not entry["fits"]
             else f"no list price at this size; at least ${floor:,.0f} a month (the plan's minimum)" if floor
             else "no list price")
    where = " (not offered in the scenario's region)" if entry["in_region"] is False else ""
    return f"{entry['offer']}: {price}{where}"


def managed_summary(entries: list[dict[str, Any]]) -> str:
    """Per family of managed offers, the one the scenario selects, or why none holds it; "; "-joined."""
    cells = []
    for family in dict.fromkeys(e["family"] for e in entries):
        members = [e for e in entries if e["family"] == family]
        chosen = [e for e in members if e["selected"]]
        if chosen:  # among alternatives, why this one
            cells.append(managed_text(chosen[0]) + (f" (selected of {len(members)}: {chosen[0]['reason']})"
                                                    if len(members) > 1 else ""))
        else:
            cells.append(f"{family}: does not fit ({members[-1]['offer']}: {members[-1]['reason']})")
    return "; ".join(cells)


@dataclass(frozen=True)
class CostLine:
    """One engine's cost as every table shows it (page, report, CLI): today, in 24 months, managed offers."""

    engine: str
    status: str
    instance: str
    nodes: int | None
    bound_by: str
    nodes_by: dict[str, int]  # for memory (every copy), for throughput, for availability (one node per copy)
    copies: int | None
    ram_gb_per_copy: float | None
    ram_bytes_per_vector: float | None
    usd_per_month: float | None
    usd_per_million_queries: float | None
    usd_per_month_in_24_months: float | None
    status_in_24_months: str
    managed: str  # the managed offers' list prices, "offer: $N" joined by "; "
    build_hours: float | None
    note: str
    shape: str = ""  # one server, scale up or cluster (see Shape)
    usd_per_month_range: tuple[float, float] | None = None  # (low, high) from the throughput's interval
    nodes_range: tuple[int, int] | None = None
    throughput_evidence: str = ""  # where the throughput at this size comes from and how far it was carried
    memory_evidence: str = ""  # where the RAM per vector comes from and why
    long_extrapolation: bool = False
    ram_per_node: str = ""  # needed against usable, e.g. "36 GiB of 45 usable (64 GiB node)"


@dataclass
class CostReport:
    estimates: list[CostEstimate]
    growth: list[CostEstimate]  # the same engines at the scenario's vector count in 24 months
    assumptions: dict[str, Any]
    prices_edited: bool
    region_note: str = ""  # the region asked for has no prices in the table: which stands in ("" when it has)

    def lines(self) -> list[CostLine]:
        lines = []
        for now, later in zip(self.estimates, self.growth):
            s = now.sizing
            lines.append(CostLine(
                now.engine, now.status, s.instance if s else "", s.nodes if s else None, s.bound_by if s else "",
                dict(s.nodes_by) if s else {}, s.copies if s else None, s.ram_gb_per_copy if s else None,
                now.memory.ram_bytes_per_vector if now.memory else None,
                s.usd_per_month if s else None, s.usd_per_million_queries if s else None,
                later.sizing.usd_per_month if later.sizing else None, later.status,
                managed_summary(now.managed),
                now.build_hours, "; ".join(filter(None, [f"excluded by the recommendation: {now.excluded}"
                                                         if now.excluded else "", now.note])),
                s.shape if s else "",
                (now.sizing_range[0].usd_per_month, now.sizing_range[1].usd_per_month) if now.sizing_range else None,
                (now.sizing_range[0].nodes, now.sizing_range[1].nodes) if now.sizing_range else None,
                now.scale.words if now.scale else "", now.memory_evidence, bool(now.scale and now.scale.long),
                s.node_ram_words if s else ""))
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {"assumptions": self.assumptions, "prices": "edited by the user" if self.prices_edited else "defaults",
                "region_note": self.region_note,
                "engines": [e.summary() for e in self.estimates],
                "in_24_months": [e.summary() for e in self.growth],
                "details": [e.to_dict() for e in self.estimates]}


def cost_report(answers: AnswersLike, runs: list[Run], assumptions: Mapping[str, Any] | None = None,
                table: PriceTable | None = None, engines: Iterable[str] | None = None,
                excluded: Mapping[str, str] | None = None) -> CostReport:
    """Per engine: cost at today's vector count and in 24 months; engines given but not run are 'not measured';
    `excluded` (engine -> why) marks the engines the recommendation excluded."""
    answers = Answers.of(answers)
    chosen = resolved_assumptions(assumptions, answers)
    table = table or load_prices()
    if chosen["provider"] not in table.providers:
        raise CostError(f"no instance prices for provider {chosen['provider']!r}; the table has {', '.join(table.providers)}")
    region_note = priced_region(chosen, answers, table)
    measures, missing = measure_engines(runs, answers.recall_target, answers.deployment)
    names = sorted(set(engines or ()) | set(measures) | set(missing))
    now, later = target_of(answers, chosen), target_of(answers, chosen, answers.vectors_24m)
    found = ladders(runs)
    report = CostReport(
        [estimate(e, measures.get(e), now, chosen, table, missing.get(e, ""), found=found) for e in names],
        [estimate(e, measures.get(e), later, chosen, table, missing.get(e, ""), found=found) for e in names],
        chosen, table.edited, region_note,
    )
    for entry in (*report.estimates, *report.growth):
        entry.excluded = (excluded or {}).get(entry.engine, "")
    # the options are shown for today's scale only: not sized for the growth, the curve or the sensitivity
    storage = table.storage_of(chosen["provider"], chosen["region"])
    for entry in report.estimates:
        if entry.sizing is not None and entry.engine in measures:
            entry.options = memory_options(measures[entry.engine], now, chosen, table, storage)
    return report


def _inputs(answers: Answers, runs: list[Run], assumptions: Mapping[str, Any] | None,
            table: PriceTable | None) -> tuple[dict[str, Any], PriceTable, dict[str, EngineMeasure]]:
    """The assumptions, the price table and the measured engines every estimate starts from."""
    measures, _ = measure_engines(runs, answers.recall_target, answers.deployment)
    chosen, table = resolved_assumptions(assumptions, answers), table or load_prices()
    priced_region(chosen, answers, table)
    return chosen, table, measures


def ladder_settings(answers: AnswersLike, runs: list[Run]) -> list[LadderSetting]:
    """The setting each engine's estimate prices (its fastest at the recall target), with what the runs say
    of its build time and speed: what a scale ladder measures, and how long it will take."""
    answers = Answers.of(answers)
    from vectorscout.benchmarking.plans import LadderSetting

    measures, _ = measure_engines(runs, answers.recall_target, answers.deployment)
    return [LadderSetting(m.engine, m.index, dict(m.build_params), dict(m.search_params), m.build_s, m.n, m.dim,
                          m.qps_per_core) for m in measures.values()]


def scale_curve(answers: AnswersLike, runs: list[Run], assumptions: Mapping[str, Any] | None = None,
                table: PriceTable | None = None) -> list[dict[str, Any]]:
    """$/month per engine from 1M to 1B vectors (same dimension, QPS and replicas as the scenario)."""
    answers = Answers.of(answers)
    chosen, table, measures = _inputs(answers, runs, assumptions, table)
    found = ladders(runs)
    points = []
    for engine, measure in sorted(measures.items()):
        for vectors in SCALE_POINTS:
            result = estimate(engine, measure, target_of(answers, chosen, vectors), chosen, table, found=found)
            if result.sizing:
                low, high = result.sizing_range or (result.sizing, result.sizing)
                points.append({"engine": engine, "vectors": vectors, "usd_per_month": result.sizing.usd_per_month,
                               "nodes": result.sizing.nodes, "bound_by": result.sizing.bound_by,
                               "usd_low": low.usd_per_month, "usd_high": high.usd_per_month,
                               "long": bool(result.scale and result.scale.long)})
    return points


def sensitivity(answers: AnswersLike, runs: list[Run], assumptions: Mapping[str, Any] | None = None,
                table: PriceTable | None = None) -> list[dict[str, Any]]:
    """$/month per engine with QPS per core, bytes per vector and prices each moved by -50% and +50%."""
    answers = Answers.of(answers)
    chosen, table, measures = _inputs(answers, runs, assumptions, table)
    target = target_of(answers, chosen)
    found = ladders(runs)
    rows = []
    for engine, measure in sorted(measures.items()):
        base = estimate(engine, measure, target, chosen, table, found=found).sizing
        row: dict[str, Any] = {"engine": engine, "base": base.usd_per_month if base else None}
        for factor, sign in ((0.5, "-50%"), (1.5, "+50%")):
            varied = {
                "QPS": estimate(engine, replace(measure, qps_per_core=measure.qps_per_core * factor), target, chosen,
                                table, found=found),
                "bytes/vector": estimate(engine, measure, target, chosen, table, memory_factor=factor, found=found),
            }
            for name, changed in varied.items():
                row[f"{name} {sign}"] = changed.sizing.usd_per_month if changed.sizing else None
            priced = scaled_prices(table, factor)
            sized = estimate(engine, measure, target, chosen, priced, found=found).sizing
            row[f"price {sign}"] = sized.usd_per_month if sized else None
        rows.append(row)
    return rows


def scaled_prices(table: PriceTable, factor: float) -> PriceTable:
    return replace(
        table,
        instances=tuple(replace(i, usd_per_hour=i.usd_per_hour * factor) for i in table.instances),
        storage=tuple(replace(s, usd_per_gb_month=s.usd_per_gb_month * factor) for s in table.storage),
        managed=tuple(replace(m, usd_per_unit_hour=None if m.usd_per_unit_hour is None else m.usd_per_unit_hour * factor)
                      for m in table.managed),
    )
