"""Result records: one flat row per (engine, index build, search setting), as in ann-benchmarks' one table."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

ResultStatus = Literal["ok", "failed", "cancelled", "skipped"]
RunStatus = Literal["running", "finished", "failed", "cancelled", "interrupted"]


@dataclass
class StreamWindow:
    """One window of a streaming run: searches that began in it, scored against the vectors acknowledged when
    each began, and the writes acknowledged by its end."""

    end_s: float  # seconds since the stream began
    vectors: int  # acknowledged by the window's end
    searches: int
    recall: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    insert_per_s: float  # writes acknowledged in the window per second
    lag_s: float  # how late the last write acknowledged in the window was against the declared schedule


@dataclass
class Freshness:
    """Time from an acknowledged write (insert, delete, update) until searches see it, over several probes."""

    operation: str
    probes: int = 0
    visible: int = 0  # probes seen within the timeout
    median_ms: float | None = None
    max_ms: float | None = None
    skipped: str = ""  # why the engine was not asked (it cannot delete from this index type)


@dataclass
class StreamingFigures:
    """A streaming run: writes at a declared rate while clients search, in windows, then freshness probes."""

    rate_asked: float
    rate_achieved: float
    base_vectors: int
    streamed_vectors: int
    clients: int
    window_s: float
    fell_behind_at_s: float | None  # first window end where the writer ran more than a window late; None: never
    serialized: str = ""  # why the engine's calls were taken one at a time (a client that is not thread-safe)
    windows: list[StreamWindow] = field(default_factory=list)
    freshness: list[Freshness] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StreamingFigures:
        values = _known_fields(cls, data)
        values["windows"] = [StreamWindow(**_known_fields(StreamWindow, w)) for w in data.get("windows", [])]
        values["freshness"] = [Freshness(**_known_fields(Freshness, f)) for f in data.get("freshness", [])]
        return cls(**values)


@dataclass
class RetrievalMode:
    """One way of answering the judged queries (keyword, dense or hybrid) and how well it did."""

    mode: str  # "keyword", "dense" or "hybrid"
    method: str  # how: the engine's own keyword ranking or fusion, or VectorScout's on the application side
    ndcg_at_10: float
    mrr_at_10: float
    recall_at_k: float
    p50_ms: float | None = None
    p95_ms: float | None = None
    ndcg_stderr: float | None = None  # standard error of the nDCG@10 mean over the judged queries
    query_ndcg: list[float] = field(default_factory=list)  # per judged query, in order (4 decimals): paired comparisons


@dataclass
class HybridFigures:
    """Hybrid-search quality: keyword alone, dense alone and their fusion on the same judged queries."""

    documents: int
    queries: int
    depth: int  # candidates each retriever hands to the fusion
    rrf_k: int  # reciprocal rank fusion's constant
    application_side: bool  # keyword ranking and fusion were VectorScout's, the engine searched vectors only
    exact_dense_ndcg_at_10: float  # the exact dense top-k's nDCG@10: what dense retrieval gives at best
    dense_recall_at_k: float | None = None  # the dense retriever's recall@k against the exact neighbours
    modes: list[RetrievalMode] = field(default_factory=list)

    def mode(self, name: str) -> RetrievalMode | None:
        return next((m for m in self.modes if m.mode == name), None)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HybridFigures:
        values = _known_fields(cls, data)
        values["modes"] = [RetrievalMode(**_known_fields(RetrievalMode, m)) for m in data.get("modes", [])]
        return cls(**values)


@dataclass
class TuningFigures:
    """How a run found the search setting that reaches a recall target: the engine's search-effort parameter
    stepped up on one half of the queries (the tuning half) until the target was reached; the row's figures
    are then measured at that setting on the other half only, so no figure is read on the queries that chose it."""

    target: float
    parameter: str  # the search parameter stepped ("" for an exact index: nothing to tune)
    chosen: Any  # its value at the reported setting
    reached: bool  # the target was reached on the tuning half (else the setting with the best recall is reported)
    tuning_queries: int
    held_out_queries: int
    tried: list[list[Any]] = field(default_factory=list)  # [value, recall on the tuning half] in the order tried
    # the tuning queries each tried value's recall was read on: all of them, or fewer where the target lay outside
    # recall's 95 % interval sooner (a run that stops when the answer is known); [] in runs before this was kept
    read: list[int] = field(default_factory=list)


COMPARISON_FIELDS = ("series", "run_id")  # a comparison's view of a row, not a measurement


@dataclass
class ResultRow:
    engine: str
    status: ResultStatus
    index: str
    build_params: dict[str, Any]
    search_params: dict[str, Any]
    error: str | None = None
    filter: str | None = None
    k: int = 10
    recall: float | None = None
    recall_distance: float | None = None
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    latency_p99_ms: float | None = None
    latency_mean_ms: float | None = None
    qps: float | None = None
    n_queries: int = 0
    insert_s: float | None = None
    insert_vectors_per_s: float | None = None
    index_s: float | None = None
    engine_version: str = ""
    client_version: str = ""
    # Against relevance judgments, where the dataset has them; exact_* is the exact top-k's score,
    # so the gap shows how much retrieval quality the index gives up.
    ndcg_at_10: float | None = None
    mrr_at_10: float | None = None
    recall_judged: float | None = None
    exact_ndcg_at_10: float | None = None
    # Peak resident memory of the engine's worker process tree (isolated runs), in MB.
    peak_rss_mb: float | None = None
    # On-disk size of the collection after indexing (None: in memory, or on a server out of view).
    disk_mb: float | None = None
    disk_bytes_per_vector: float | None = None
    # What the engine searches in memory (index plus the vectors or codes it holds), per vector, as the engine's
    # own structures or files report it (adapter.index_bytes); None where the adapter cannot read it.
    index_bytes_per_vector: float | None = None
    # Memory the collection added (RSS after indexing minus the empty engine's), per vector; isolated runs only.
    ram_bytes_per_vector: float | None = None
    # Client threads issuing queries at once (1: the serial pass); errors under load; the client's CPU use
    # as a share of all cores, so a saturated client is visible.
    concurrency: int = 1
    repetitions: int = 1
    qps_spread_pct: float | None = None  # (max - min) / median QPS over the repetitions
    # 95 % intervals [low, high] of the serial figures: recall over the queries, p50 and p95 by order statistics,
    # QPS from the mean latency's interval (benchmarking/metrics.py); None in rows measured before them.
    recall_interval: list[float] | None = None
    latency_p50_interval_ms: list[float] | None = None
    latency_p95_interval_ms: list[float] | None = None
    qps_interval: list[float] | None = None
    # How many earlier runs of the same measurement on this machine the p50, p95 and QPS intervals take in (their
    # run-to-run spread, benchmarking/run_spread.py); 0: this run's queries alone.
    interval_runs: int = 0
    errors: int = 0
    client_cpu_pct: float | None = None
    # Serial-pass latency at 0, 1, ..., 100 % of queries and at 99.9 % (ms): enough to draw the CDF.
    latency_quantiles_ms: list[float] = field(default_factory=list)
    load: str = ""  # how concurrent load was applied, e.g. "4 processes, 30 s"
    # Share of the host's CPU capacity used by processes other than the benchmark (its client, workers and
    # the engine's servers) while the queries were timed; steal time of a virtual machine counts as other.
    host_other_cpu_pct: float | None = None
    noise: str = ""  # why these figures may be noise (other load on the host, passes that disagree); "" = clean
    engine_threads: str = ""  # what the engine's own per-query threads were held to during the timed searches
    diagnosis: str = ""  # why recall collapsed (below 0.5 where exact search gives 1.0), from the data; "" = it did not
    # Where it was measured: "embedded" (the engine inside the benchmark's process) or "server" (a server
    # process reached over a connection), and how the client reached it: in-process, loopback or network.
    # "" in runs stored before these were recorded.
    deployment: str = ""
    endpoint: str = ""
    # Per stage of the engine job (open, insert, index, each search setting): wall time and the memory held
    # at its end by the worker, its children and the engine's servers (RSS, MB); open is the empty engine.
    stages: list[dict[str, Any]] = field(default_factory=list)
    # A streaming run's windows and freshness probes (None: the index was measured static, loaded then queried).
    streaming: StreamingFigures | None = None
    # Keyword, dense and hybrid quality on a text dataset (None: the run measured vector search only).
    hybrid: HybridFigures | None = None
    # How the search setting was chosen when the run tuned to a recall target (None: the setting was given).
    tuning: TuningFigures | None = None
    # Where the row sits when runs are compared side by side (set by analysis.compared_rows, never stored): the
    # series it is drawn and listed in (the engine, the product measured where that is another engine, and where
    # it ran when the same engine ran in two places) and its run. "" outside a comparison.
    series: str = ""
    run_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for shown_only in COMPARISON_FIELDS:
            data.pop(shown_only)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResultRow:
        values = _known_fields(cls, data)
        if values.get("streaming") is not None:
            values["streaming"] = StreamingFigures.from_dict(values["streaming"])
        if values.get("hybrid") is not None:
            values["hybrid"] = HybridFigures.from_dict(values["hybrid"])
        if values.get("tuning") is not None:
            values["tuning"] = TuningFigures(**_known_fields(TuningFigures, values["tuning"]))
        return cls(**values)


def _known_fields(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of a stored document that are fields of cls (documents of other versions may have more)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


@dataclass
class DatasetInfo:
    """What a run measured on, as the dataset described itself, and the share of vectors its filter kept."""

    name: str = ""
    spec: str = ""  # how to load it again, e.g. "synthetic:n=2000,dim=16"
    hash: str = ""  # content hash: a rerun refuses other data under the same name
    n: int = 0
    dim: int = 0
    queries: int = 0
    metric: str = ""
    source: str = ""
    license: str = ""
    payload_columns: list[str] = field(default_factory=list)
    has_qrels: bool = False
    filter_selectivity: float | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DatasetInfo:
        return cls(**_known_fields(cls, data))


@dataclass
class Environment:
    """The machine and software a run was measured with."""

    cpu_model: str = ""
    cores: int = 0
    ram_gb: float = 0.0
    os: str = ""
    python: str = ""
    vectorscout: str = ""
    engines: dict[str, dict[str, str]] = field(default_factory=dict)  # engine -> {"engine": ..., "client": ...}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Environment:
        return cls(**_known_fields(cls, data))


@dataclass
class Run:
    run_id: str
    created_at: str
    status: RunStatus
    k: int
    dataset: DatasetInfo
    plan: dict[str, Any]  # RunPlan.public(): read back with RunPlan.from_public when it is to run again
    environment: Environment
    label: str = ""
    results: list[ResultRow] = field(default_factory=list)
    finished_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["results"] = [row.to_dict() for row in self.results]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Run:
        values = _known_fields(cls, data)
        values["dataset"] = DatasetInfo.from_dict(data.get("dataset") or {})
        values["environment"] = Environment.from_dict(data.get("environment") or {})
        values["results"] = [ResultRow.from_dict(r) for r in data.get("results", [])]
        return cls(**values)

    @property
    def failed_engines(self) -> list[str]:
        return sorted({row.engine for row in self.results if row.status == "failed"})


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
