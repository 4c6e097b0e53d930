"""What one run measures: a dataset, engines with their settings, and how to load them.

`RunPlan.public()` is what a run stores and a report embeds (connections left out); `RunPlan.from_public()`
reads it back, so a report's plan can be run again exactly. `validate()` holds every rule a plan must
meet; the rules that need the dataset (k against its size, a filter that matches) take it as an argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any

from vectorscout.benchmarking.specs import EngineConfig, engine_config

LOAD_DRIVERS = ("local", "locust")


class PlanError(ValueError):
    """A plan that cannot run (bad k, filter or dataset); raised before anything is stored."""


@dataclass
class RunPlan:
    dataset: str
    engines: list[EngineConfig]
    k: int = 10
    filter: str | None = None
    label: str = ""
    batch_size: int = 1000
    warmup_queries: int = 50
    # Each engine job runs in its own worker process (see isolation.py) unless this is off.
    isolate: bool = True
    timeout_s: float = 3600.0
    memory_limit_mb: int = 0  # 0: no limit
    # Client concurrency levels measured after the serial pass (1 is always the serial pass itself).
    concurrency: tuple[int, ...] = (1,)
    # Timed serial passes per search setting (after the warm-up, which is discarded): three by default, so every
    # figure is a median with its spread, and passes that disagree mark the result as noise.
    repetitions: int = 3
    # Stop timing a setting once the 95 % intervals of its p50, p95 and QPS are within ± this many percent (0: off,
    # every repetition runs): repetitions is then the ceiling and one pass over every query the floor.
    until_known_pct: float = 0.0
    # Concurrent load: 0 sends each query once; above 0 the clients cycle over the queries for this long.
    duration_s: float = 0.0
    # Who applies concurrent load: "local" (threads, or processes for clients that are not thread-safe) or
    # "locust" (Locust master/worker processes; the engine must be reachable over the network).
    load_driver: str = "local"
    locust_workers: int = 2
    # Streaming (0: off): the last stream_vectors rows are inserted at stream_rate vectors/s onto an index holding
    # the others, while stream_clients search; recall and latency per stream_window_s, then freshness probes.
    stream_vectors: int = 0
    stream_rate: float = 500.0
    stream_clients: int = 2
    stream_window_s: float = 2.0
    # Hybrid search (off: vector search only): on a dataset with texts and judgments, keyword alone, dense alone
    # and their fusion of the top hybrid_depth of each, scored by nDCG@10, MRR@10 and recall@k.
    hybrid: bool = False
    hybrid_depth: int = 100
    # Tune to a recall target (0: off): per engine, the search-effort parameter is stepped up on half the queries
    # until recall@k reaches this target, and the setting found is measured on the other half.
    tune_recall: float = 0.0

    def public(self) -> dict[str, Any]:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {**values, "engines": [e.public() for e in self.engines], "concurrency": list(self.concurrency)}

    @classmethod
    def from_public(cls, public: Mapping[str, Any]) -> RunPlan:
        """The plan `public()` described (engines validated again against their declared parameters)."""
        engines = [engine_config(entry["engine"], {"index": entry["index"], **entry.get("build_params", {})},
                                 entry.get("search_grid") or None)
                   for entry in public.get("engines", [])]
        plan = cls(dataset=str(public["dataset"]), engines=engines)
        for f in fields(cls):
            if f.default is MISSING or f.name not in public:  # dataset and engines (no default) are set above
                continue
            kind = type(f.default)
            value = public[f.name]
            if f.name == "concurrency":
                value = tuple(int(level) for level in value)
            elif f.name == "filter":
                value = None if value is None else str(value)
            else:
                value = kind(value)
            setattr(plan, f.name, value)
        return plan

    def validate(self, n_vectors: int | None = None) -> None:
        """Raise PlanError on the first rule the plan breaks; with the dataset's size, k is checked too."""
        if not self.engines:
            raise PlanError("no engine selected")
        if n_vectors is not None and not 1 <= self.k <= min(n_vectors, 1000):
            raise PlanError(f"k must be between 1 and {min(n_vectors, 1000)} for {self.dataset} (n={n_vectors}); "
                            f"got {self.k}")
        if self.batch_size < 1:
            raise PlanError(f"batch size must be at least 1; got {self.batch_size}")
        if not 0 < self.timeout_s <= 7 * 86400:  # also refuses NaN: every comparison with it is false
            raise PlanError(f"the timeout must be a number of seconds above 0 and at most 7 days; got {self.timeout_s:g}")
        if not 0 <= self.memory_limit_mb <= 2**30:
            raise PlanError(f"the memory limit must be 0 (none) or a positive number of MB; got {self.memory_limit_mb}")
        if self.memory_limit_mb and not self.isolate:  # the limit is enforced on a worker's process tree
            raise PlanError("a memory limit is enforced on an engine's own worker process; it cannot hold in-process: "
                            "drop --in-process or the memory limit")
        if self.filter is not None and not isinstance(self.filter, str):
            raise PlanError(f"a filter is text like \"tag == 3\"; got {type(self.filter).__name__}")
        if not 1 <= self.repetitions <= 100:
            raise PlanError(f"repetitions must be between 1 and 100; got {self.repetitions}")
        if not 0 <= self.until_known_pct <= 50:
            raise PlanError(f"until_known_pct must be between 0 (off) and 50 percent; got {self.until_known_pct}")
        if not 0 <= self.duration_s <= 3600:
            raise PlanError(f"the load duration must be between 0 and 3600 s; got {self.duration_s:g}")
        if self.load_driver not in LOAD_DRIVERS:
            raise PlanError(f"the load driver is 'local' or 'locust'; got {self.load_driver!r}")
        if not 1 <= self.locust_workers <= 64:
            raise PlanError(f"Locust workers must be between 1 and 64; got {self.locust_workers}")
        if any(not 1 <= level <= 256 for level in self.concurrency):
            raise PlanError(f"concurrency levels must be between 1 and 256; got {list(self.concurrency)}")
        self._validate_stream(n_vectors)
        self._validate_hybrid()
        self._validate_tuning()

    def _validate_tuning(self) -> None:
        if not self.tune_recall:
            return
        if not 0 < self.tune_recall <= 1:
            raise PlanError(f"the recall target to tune to must be above 0 and at most 1; got {self.tune_recall:g}")
        if self.stream_vectors or self.hybrid:
            raise PlanError("tuning to a recall target measures static vector search: leave the stream and hybrid "
                            "search out of it")

    def _validate_hybrid(self) -> None:
        if not self.hybrid:
            return
        if not max(self.k, 10) <= self.hybrid_depth <= 1000:
            raise PlanError(f"the hybrid depth (candidates fused from each list) must be between max(k, 10) = "
                            f"{max(self.k, 10)} and 1000; got {self.hybrid_depth}")
        if self.stream_vectors or self.filter or tuple(self.concurrency) != (1,) or self.duration_s:
            raise PlanError("a hybrid-search run scores one serial pass per retriever, unfiltered: leave the stream, "
                            "filter, concurrency and duration_s out of it")

    def _validate_stream(self, n_vectors: int | None) -> None:
        if not self.stream_vectors:
            return
        if n_vectors is not None and not 0 < self.stream_vectors <= n_vectors - max(self.k, 1):
            raise PlanError(f"the stream must leave at least k={self.k} of {self.dataset}'s {n_vectors:,} vectors to "
                            f"index first; got stream_vectors={self.stream_vectors:,}")
        if self.stream_vectors < 0:
            raise PlanError(f"stream_vectors must be 0 (no stream) or more; got {self.stream_vectors}")
        if not 1 <= self.stream_rate <= 1_000_000:
            raise PlanError(f"the stream rate must be between 1 and 1,000,000 vectors/s; got {self.stream_rate:g}")
        if not 1 <= self.stream_clients <= 64:
            raise PlanError(f"searching clients during the stream must be between 1 and 64; got {self.stream_clients}")
        if not 0.1 <= self.stream_window_s <= 3600:
            raise PlanError(f"the stream window must be between 0.1 and 3600 s; got {self.stream_window_s:g}")
        if self.filter or tuple(self.concurrency) != (1,) or self.duration_s:
            raise PlanError("a streaming run has its own searching clients and searches unfiltered: leave filter, "
                            "concurrency and duration_s out of it")
