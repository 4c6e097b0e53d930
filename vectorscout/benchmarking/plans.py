"""Benchmark plans: datasets x engines x build-parameter grid x search-parameter grid, as a YAML/JSON file.

    label: hnsw sweep
    datasets: [wordnet, "synthetic:n=20000,dim=64"]
    k: 10
    filter: "tag == 3"          # optional; or filters: a list, one run each, e.g. for selectivities on
                                # synthetic data: ["category == 'a'", "tag == 3", "bucket < 10", "bucket == 7"]
                                # (50 %, 10 %, 1 %, 0.1 %)
    timeout_s: 600              # per engine job (default 3600)
    stream_vectors: 10000       # optional: a streaming run (the last 10,000 rows inserted while clients search),
    stream_rate: 500            #   at 500 vectors/s, 2 searching clients, 2 s windows (stream_clients,
                                #   stream_window_s)
    hybrid: true                # optional: keyword, dense and hybrid quality on a dataset with texts and judgments
    hybrid_depth: 100           #   (e.g. wordnet-examples), fusing each list's top 100
    tune_recall: 0.95           # optional: each index's search effort tuned on half the queries to reach recall
                                #   0.95, then measured on the other half (engines compared at equal recall)
    memory_limit_mb: 8000       # per engine worker (default: none)
    engines:
      - engine: faiss
        index: hnsw
        build: {M: [8, 16]}     # one index is built per build setting...
        search: {ef_search: [16, 64, 256]}   # ...and swept over every search setting
      - engine: qdrant
        search: sweep           # the adapter's declared default grid for every search parameter

Each dataset becomes one run; the CLI takes the file with ``run --plan FILE``.
"""

from __future__ import annotations

import itertools
import json
import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from adapters.registry import UnknownEngine, adapter_class
from vectorscout.benchmarking.plan import RunPlan
from vectorscout.benchmarking.specs import EngineConfig, engine_config
from vectorscout.contract.spec_text import SpecError


class PlanFileError(ValueError):
    """A plan file that cannot be read or does not fit the engines' declared parameters."""


# Bounds a plan file is held to before anything is expanded: a few lines of YAML must not become millions of
# settings (a 2,000 x 2 x 2,000 grid) or an 8 MB label.
MAX_VALUES = 64  # values of one parameter
MAX_SEARCH_SETTINGS = 256  # search settings of one engine entry (the product of its values)
MAX_BUILD_SETTINGS = 64  # indexes one engine entry builds
MAX_LABEL = 200  # characters


class _PlanLoader(yaml.SafeLoader):
    """YAML without aliases: a plan never needs one, and nested aliases expand a few hundred bytes into
    gigabytes (a "billion laughs" document) before any check could run."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML's stubs leave it untyped
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in a plan",
                                              event.start_mark)
        return super().compose_node(parent, index)


def _whole(raw: Mapping[str, Any], key: str, default: int, where: str) -> int:
    return _whole_value(raw.get(key, default), key, where)


def _whole_value(value: Any, key: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value != int(value):
        raise PlanFileError(f"{where}: {key}: expected a whole number, got {value!r}")
    return int(value)


def _number(raw: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PlanFileError(f"{where}: {key}: expected a number, got {value!r}")
    return float(value)


def _bounded_values(raw: Any, what: str, where: str) -> list[Any]:
    values = _values(raw)
    if len(values) > MAX_VALUES:
        raise PlanFileError(f"{where}: {what} has {len(values):,} values; at most {MAX_VALUES} are allowed")
    return values


@dataclass
class BenchmarkPlan:
    label: str
    runs: list[RunPlan]


def _values(raw: Any) -> list[Any]:
    return list(raw) if isinstance(raw, (list, tuple)) else [raw]


def _engine_configs(entry: dict[str, Any], where: str) -> list[EngineConfig]:
    if not isinstance(entry, dict) or "engine" not in entry:
        raise PlanFileError(f"{where}: each engine entry needs 'engine'")
    unknown = set(entry) - {"engine", "index", "build", "search", "connection"}
    if unknown:
        raise PlanFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    if not isinstance(entry.get("connection") or {}, dict):
        raise PlanFileError(f"{where}: connection must be a mapping of option to value, e.g. {{url: http://host:6333}}")
    name = str(entry["engine"])
    try:
        cls = adapter_class(name)
        spec = cls.capabilities.index(entry.get("index"))
    except (UnknownEngine, ValueError) as exc:
        raise PlanFileError(f"{where}: {exc}") from None
    search = entry.get("search") or {}
    if search == "sweep":
        grid_values = {p.name: list(p.sweep or (p.default,)) for p in spec.search_params}
    elif isinstance(search, dict):
        grid_values = {key: _bounded_values(value, f"search {key}", where) for key, value in search.items()}
    else:
        raise PlanFileError(f"{where}: search must be a mapping of parameter to values, or 'sweep'")
    settings = math.prod(len(values) for values in grid_values.values())
    if settings > MAX_SEARCH_SETTINGS:
        raise PlanFileError(f"{where}: the search grid has {settings:,} settings; at most {MAX_SEARCH_SETTINGS} are "
                            "allowed (split the sweep over several entries or runs)")
    names = list(grid_values)
    # nothing named: None, so engine_config gives the adapter's defaults, as the CLI's --engines does (a product
    # over no parameter would be one empty setting, recorded as no search parameter at all)
    grid: list[Mapping[str, Any]] | None = [
        dict(zip(names, combo)) for combo in itertools.product(*(grid_values[n] for n in names))
    ] if names else None
    build = entry.get("build") or {}
    if not isinstance(build, dict):
        raise PlanFileError(f"{where}: build must be a mapping of parameter to values")
    build_names = list(build)
    build_values = [_bounded_values(build[n], f"build {n}", where) for n in build_names]
    builds = math.prod(len(values) for values in build_values)
    if builds > MAX_BUILD_SETTINGS:
        raise PlanFileError(f"{where}: the build grid has {builds:,} settings (an index each); at most "
                            f"{MAX_BUILD_SETTINGS} are allowed")
    configs = []
    for combo in itertools.product(*build_values):
        options = {"index": spec.name, **dict(zip(build_names, combo)), **(entry.get("connection") or {})}
        try:
            configs.append(engine_config(name, options, grid))
        except SpecError as exc:
            raise PlanFileError(f"{where}: {exc}") from None
    return configs


def load_plan(path: Path) -> BenchmarkPlan:
    try:
        text = Path(path).read_text()
        raw = json.loads(text) if Path(path).suffix.lower() == ".json" else yaml.load(text, Loader=_PlanLoader)
    except OSError as exc:
        raise PlanFileError(f"cannot read plan {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise PlanFileError(f"{path}: not UTF-8 text (a plan is a YAML or JSON file)") from None
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise PlanFileError(f"{path}: not valid YAML/JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise PlanFileError(f"{path}: a plan is a mapping with datasets and engines")
    unknown = set(raw) - {"label", "datasets", "dataset", "k", "filter", "filters", "engines", "batch_size",
                          "timeout_s", "memory_limit_mb", "concurrency", "repetitions", "duration_s", "load_driver",
                          "locust_workers", "stream_vectors", "stream_rate", "stream_clients", "stream_window_s",
                          "hybrid", "hybrid_depth", "tune_recall"}
    if unknown:
        raise PlanFileError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    datasets = _values(raw.get("datasets", raw.get("dataset", "wordnet")))
    entries = raw.get("engines")
    if not entries or not isinstance(entries, list):
        raise PlanFileError(f"{path}: 'engines' must list at least one engine")
    configs = [c for i, e in enumerate(entries) for c in _engine_configs(e, f"{path.name}: engines[{i}]")]
    where = str(path)
    k, batch_size = _whole(raw, "k", 10, where), _whole(raw, "batch_size", 1000, where)
    timeout_s, memory_limit_mb = _number(raw, "timeout_s", 3600, where), _whole(raw, "memory_limit_mb", 0, where)
    concurrency = tuple(sorted({_whole_value(c, "concurrency", where)
                                for c in _bounded_values(raw.get("concurrency", 1), "concurrency", where)}))
    repetitions = _whole(raw, "repetitions", RunPlan.repetitions, where)
    duration_s = _number(raw, "duration_s", 0, where)
    load_driver = raw.get("load_driver", "local")
    if not isinstance(load_driver, str):
        raise PlanFileError(f"{where}: load_driver: expected local or locust, got {load_driver!r}")
    locust_workers = _whole(raw, "locust_workers", 2, where)
    stream_vectors, stream_clients = _whole(raw, "stream_vectors", 0, where), _whole(raw, "stream_clients", 2, where)
    stream_rate = _number(raw, "stream_rate", RunPlan.stream_rate, where)
    stream_window_s = _number(raw, "stream_window_s", RunPlan.stream_window_s, where)
    hybrid_depth = _whole(raw, "hybrid_depth", RunPlan.hybrid_depth, where)
    tune_recall = _number(raw, "tune_recall", 0.0, where)
    hybrid = raw.get("hybrid", False)
    if not isinstance(hybrid, bool):
        raise PlanFileError(f"{path}: hybrid is true or false; got {hybrid!r}")
    label = str(raw.get("label", Path(path).stem))
    if len(label) > MAX_LABEL:
        raise PlanFileError(f"{where}: label has {len(label):,} characters; at most {MAX_LABEL} are allowed")
    # One run per dataset and filter: filtered recall and latency per selectivity, each against its own truth.
    filters = _values(raw["filters"]) if "filters" in raw else [raw.get("filter")]
    if any(f is not None and not isinstance(f, str) for f in filters):
        raise PlanFileError(f"{path}: filter and filters take text like \"tag == 3\" (a list of them for filters)")
    if any(not isinstance(d, str | int | float) for d in datasets):
        raise PlanFileError(f"{path}: datasets are names or specs like wordnet or synthetic:n=10000,dim=64")
    return BenchmarkPlan(label, [
        RunPlan(dataset=str(d), engines=configs, k=k, filter=f, label=label, batch_size=batch_size,
                timeout_s=timeout_s, memory_limit_mb=memory_limit_mb, concurrency=concurrency,
                repetitions=repetitions, duration_s=duration_s, load_driver=load_driver, locust_workers=locust_workers,
                stream_vectors=stream_vectors, stream_rate=stream_rate, stream_clients=stream_clients,
                stream_window_s=stream_window_s, hybrid=hybrid, hybrid_depth=hybrid_depth, tune_recall=tune_recall)
        for d in datasets for f in filters
    ])


# Measured with `python -m vectorscout run --dataset wordnet --engines faiss,chroma,qdrant,milvus:uri=bundled,
# pgvector,lancedb,hnswlib --tune-recall 0.95` on the 2-core machine with nothing else running, 2026-12-05: 79 s
# (94 s with Milvus Lite the day before); shown until this machine has timed its own.
QUICK_EVALUATION_IDLE_2_CORES_S = 79.0


def expected_duration(recent_s: list[float]) -> str:
    """How long the quick evaluation will take, said from this machine's last runs when there are any."""
    if not recent_s:
        return (f"about {QUICK_EVALUATION_IDLE_2_CORES_S:.0f} s on an idle 2-core machine (not yet timed on this "
                "one; longer when the machine is busy)")
    spread = f", {min(recent_s):.0f}–{max(recent_s):.0f} s" if len(recent_s) > 1 else ""
    return f"about {statistics.median(recent_s):.0f} s on this machine (median of its last {len(recent_s)} run(s){spread})"


QUICK_RECALL_TARGET = 0.95  # the recall VectorDBBench and most published comparisons hold engines to
# Timing stops once p50, p95 and QPS are known to ± this (95 % intervals); the fixed recipe runs every repetition.
QUICK_UNTIL_KNOWN_PCT = 5.0
QUICK_LABEL = "quick evaluation"  # how its runs are labelled: the recommendation marks their evidence indicative


def known_to_text(within_pct: float = QUICK_UNTIL_KNOWN_PCT) -> str:
    """How tight timing stops at, in words: "±5 % (p95 ±10 %)"."""
    from vectorscout.benchmarking.timing import TAIL_FACTOR

    return f"±{within_pct:g} % (p95 ±{within_pct * TAIL_FACTOR:g} %)"


def quick_evaluation() -> RunPlan:
    """Every engine that runs embedded here on the bundled WordNet set, each index tuned to recall 0.95 on half
    the queries and measured on the other half (engines compared at equal recall, not at their defaults; about
    95 s on 2 cores). Stand-ins for an engine are left out: they are not the engine.
    """
    from adapters.registry import engine_names

    engines = [engine_config(name, dict(adapter_class(name).quick_connection)) for name in engine_names()
               if adapter_class(name).deployment() == "embedded" and not adapter_class(name).capabilities.stand_in]
    # k 10, isolated: the defaults
    return RunPlan(dataset="wordnet", engines=engines, label=QUICK_LABEL, tune_recall=QUICK_RECALL_TARGET,
                   until_known_pct=QUICK_UNTIL_KNOWN_PCT)


# The CLI options that change a field of the quick evaluation's plan (`run --quick --until-known 0`), as its label
# names them; a field missing here is named by its own name with dashes.
CHANGED_BY_OPTION = {"until_known_pct": "--until-known", "isolate": "--in-process"}


def quick_evaluation_label(plan: RunPlan) -> str:
    """The quick evaluation's label, or, for its plan run with other options, the label with the options that
    changed it ("quick evaluation with --until-known 0"): Home's "about N s on this machine" reads the quick
    evaluation's runs alone, and a run timed another way must not lend it its time."""
    quick = quick_evaluation().public()
    changed = []
    for name, value in plan.public().items():
        # the label is what is being made; the load driver is said by --locust-workers, which sets both
        if name in ("label", "load_driver") or value == quick[name]:
            continue
        option = CHANGED_BY_OPTION.get(name, f"--{name.replace('_', '-')}")
        if isinstance(value, bool):  # a switch: --in-process turns isolation off, --hybrid turns hybrid on
            changed.append(option)
        elif isinstance(value, list):
            changed.append(f"{option} {','.join(map(str, value))}")
        else:
            changed.append(f"{option} {value:g}" if isinstance(value, float) else f"{option} {value}")
    return f"{QUICK_LABEL} with {' '.join(changed)}" if changed else QUICK_LABEL


def is_quick_evaluation(label: str) -> bool:
    """Whether a run's label is the quick evaluation's, run as Home runs it or with options changed."""
    return label == QUICK_LABEL or label.startswith(f"{QUICK_LABEL} with --")


CALIBRATION_SIZES = (10_000, 40_000)


def memory_calibration(settings: list[tuple[str, str, dict[str, Any]]], dim: int,
                       sizes: tuple[int, ...] = CALIBRATION_SIZES) -> list[RunPlan]:
    """Runs that measure each engine's memory at two or more sizes of the scenario's dimension (isolated
    workers, so the engine's memory is read apart from the dashboard's), for the cost model's calibration.
    settings: (engine, index, build parameters) as measured; the search settings stay at their defaults."""
    engines = [engine_config(engine, {"index": index, **build}) for engine, index, build in settings]
    # k 10 and isolated workers, RunPlan's defaults: the engine's memory is read apart from the dashboard's
    return [RunPlan(dataset=f"synthetic:n={size},dim={dim},queries=50", engines=engines,
                    label=f"memory calibration, {size:,} x {dim}", warmup_queries=10)
            for size in sizes]


# -- scale ladders -----------------------------------------------------------------------------------------
LADDER_LABEL = "scale ladder"  # how a ladder's runs are labelled: "scale ladder, 25,000 x 768"
LADDER_START = 25_000  # the first size: small enough to build in seconds, large enough to leave the CPU caches
LADDER_STEPS = 5  # doublings from the start: 25k, 50k, 100k, 200k, 400k
LADDER_QUERIES = 200  # enough for recall to 0.01 and a p95 of 10 queries
# Bytes held per raw vector byte while a ladder step runs: the harness's copy of the data, the engine's copy,
# its index and the ground truth's working set. Steps are chosen so this fits in half the available memory.
LADDER_COPIES = 4
# Insert and build rate assumed for an engine the runs never measured, at 768 dimensions: the slowest graph
# build of the first ladder made here (Qdrant's edge engine, 50,000 x 768 in 64 s on 2 cores, 2026-12-06).
UNMEASURED_BUILD_VECTORS_PER_S_768 = 780.0


def ladder_sizes(dim: int, available_bytes: float, start: int = LADDER_START, steps: int = LADDER_STEPS) -> tuple[int, ...]:
    """Geometric sizes (each twice the last) from ``start``, as many of ``steps`` as fit this machine's memory."""
    sizes = []
    for step in range(steps):
        size = start * 2**step
        if size * dim * 4 * LADDER_COPIES > available_bytes / 2:
            break
        sizes.append(size)
    return tuple(sizes)


@dataclass(frozen=True)
class LadderSetting:
    """One engine setting to measure at every size of a ladder: the setting the estimate prices."""

    engine: str
    index: str
    build: dict[str, Any]
    search: dict[str, Any]
    # from a run of this setting: insert + build seconds at some size and dimension, and serial QPS (None: unknown)
    build_s: float | None = None
    measured_n: int = 0
    measured_dim: int = 0
    qps: float | None = None


def scale_ladder(settings: list[LadderSetting], dim: int, sizes: tuple[int, ...]) -> list[RunPlan]:
    """One run per size of seeded synthetic data with a decaying spectrum at the scenario's dimension, every
    setting at each: the runs the cost model's scaling curves are fitted to (isolated workers, so memory is
    the engine's own; a serial pass and one client per core for QPS by concurrency)."""
    import os

    if len(sizes) < 3:
        raise PlanFileError(f"a scale ladder needs three sizes or more to fit and check a curve; got {len(sizes)}")
    engines = [engine_config(s.engine, {"index": s.index, **s.build}, [s.search]) for s in settings]
    cores = os.cpu_count() or 1
    return [RunPlan(dataset=f"synthetic:n={size},dim={dim},decay=1,queries={LADDER_QUERIES}", engines=engines,
                    label=f"{LADDER_LABEL}, {size:,} x {dim}", concurrency=(1, cores) if cores > 1 else (1,))
            for size in sizes]


def ladder_seconds(settings: list[LadderSetting], dim: int, sizes: tuple[int, ...]) -> float:
    """Roughly how long a ladder takes: per setting and size, the measured build rate carried as n^1.15 and with
    the dimension (or UNMEASURED_BUILD_VECTORS_PER_S_768), the timed queries, and 15 s to start and stop."""
    total = 0.0
    for setting in settings:
        for size in sizes:
            if setting.build_s and setting.measured_n and setting.measured_dim:
                build = setting.build_s * (size / setting.measured_n) ** 1.15 * dim / setting.measured_dim
            else:
                build = size / UNMEASURED_BUILD_VECTORS_PER_S_768 * dim / 768
            # warm-up, three timed passes and a pass per extra client level, at the measured serial speed
            queries = (50 + LADDER_QUERIES * 5) / (setting.qps or 100.0)
            total += build + queries + 15.0
    return total
