"""Streaming workload: an index written to while it serves, after VectorDBBench's streaming case.

The first `base` vectors are loaded and indexed; the next `stream` vectors are then inserted at a declared rate
(vectors per second) while `clients` threads search. Every search is scored against the exact top-k of the
vectors acknowledged when it began (the ids are the dataset's rows in order, so "acknowledged" is a prefix and
one distance matrix of the query pool against every row answers any prefix). Windows of `window_s` seconds give
recall and latency as the index grows, the writes achieved against the rate asked, and how late the writer ran:
the first window where it ran more than a window behind its schedule is where the engine fell behind. After
the stream, freshness probes time how long an acknowledged insert, delete and update take to reach searches.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from adapters.base import Capabilities, UnsupportedFeature, VectorAdapter
from vectorscout.benchmarking.metrics import summarize_latencies
from vectorscout.benchmarking.plan import RunPlan
from vectorscout.benchmarking.timing import RowFactory, StageReport
from vectorscout.contract.metric import Metric, normalized
from vectorscout.data.datasets import Dataset
from vectorscout.process.progress import CancelToken
from vectorscout.results.records import Freshness, ResultRow, StreamingFigures, StreamWindow

WRITES_PER_SECOND = 10  # the declared rate is sent in this many batches a second
QUERY_POOL = 100  # queries the clients cycle over (their exact neighbours are known for every prefix)
POOL_MATRIX_BYTES = 400 * 2**20  # the pool's distances to every row stay under this
FRESHNESS_PROBES = 5
FRESHNESS_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class StreamSpec:
    base: int  # vectors loaded and indexed before the stream
    stream: int  # vectors inserted while the clients search
    rate: float  # vectors per second asked
    clients: int
    window_s: float
    k: int


class PrefixNeighbours:
    """The exact top-k of each pool query among the first c rows, for any c: distances computed once."""

    def __init__(self, queries: np.ndarray, vectors: np.ndarray, metric: Metric, k: int) -> None:
        self.k = k
        if metric is Metric.COSINE:
            queries, vectors = normalized(queries), normalized(vectors)
        products = queries @ vectors.T
        if metric is Metric.L2:  # squared distance, ordered the same as the distance
            self.distances = (np.einsum("ij,ij->i", vectors, vectors)[None, :] - 2 * products)
        else:  # larger products are nearer
            self.distances = -products

    def truth(self, query: int, rows: int, k: int | None = None) -> np.ndarray:
        row = self.distances[query, :rows]
        k = min(self.k if k is None else k, rows)
        return np.argpartition(row, k - 1)[:k] if k < rows else np.arange(rows)

    def recall(self, query: int, rows: int, found: np.ndarray) -> float:
        """Recall@k of a search begun when `rows` rows were acknowledged. A row acknowledged while it ran may
        rightly be among the hits: it is neither credit nor fault, and the other hits are held to the nearest
        k - (such rows) of the prefix (an exact search scores 1.0 however the writes interleave)."""
        found = found[: self.k]
        earlier = found[found < rows]
        expected = min(self.k, rows) - (len(found) - len(earlier))
        if expected <= 0:
            return 1.0
        return len(np.intersect1d(self.truth(query, rows, expected), earlier)) / expected


@dataclass
class StreamLog:
    """What the writer and the clients did, in seconds since the stream began."""

    started: float = 0.0
    acknowledged: int = 0  # rows acknowledged so far (a prefix of the dataset)
    writing: bool = True
    writes: list[tuple[float, int, float]] = field(default_factory=list)  # (acknowledged at, rows, lag s)
    searches: list[tuple[float, int, int, int]] = field(default_factory=list)  # (began, latency ns, query, rows)
    found: list[np.ndarray] = field(default_factory=list)
    error: BaseException | None = None
    serialized: str = ""  # how writes and searches met (Guards.serialized)


def pool_size(queries: int, rows: int) -> int:
    return max(1, min(QUERY_POOL, queries, POOL_MATRIX_BYTES // (4 * rows)))


class ReadWriteLock:
    """Searches share it, a write holds it alone (and waiting writes go before new searches)."""

    def __init__(self) -> None:
        self._state = threading.Condition()
        self._readers = 0
        self._writers_waiting = 0
        self._writing = False

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        with self._state:
            self._state.wait_for(lambda: not self._writing and not self._writers_waiting)
            self._readers += 1
        try:
            yield
        finally:
            with self._state:
                self._readers -= 1
                self._state.notify_all()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        with self._state:
            self._writers_waiting += 1
            self._state.wait_for(lambda: not self._writing and not self._readers)
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._state:
                self._writing = False
                self._state.notify_all()


@dataclass(frozen=True)
class Guards:
    """What a search and a write hold: nothing for engines that take both at once, a shared/exclusive lock for
    those that search in parallel but not while written to, one lock for clients that are not thread-safe."""

    search: Callable[[], contextlib.AbstractContextManager[Any]]
    write: Callable[[], contextlib.AbstractContextManager[Any]]
    serialized: str


OWN_CONNECTIONS = "each searching client had its own connection to the server (one client object is not thread-safe)"


def guards(capabilities: Capabilities, own_connections: bool = False) -> Guards:
    if own_connections:  # the server takes the writer's and each client's sessions at once
        return Guards(contextlib.nullcontext, contextlib.nullcontext, OWN_CONNECTIONS)
    if not capabilities.thread_safe:
        lock = threading.Lock()
        return Guards(lambda: lock, lambda: lock, "the client is not thread-safe: writes and searches were sent one "
                      "at a time")
    if not capabilities.writes_while_searching:
        shared = ReadWriteLock()
        return Guards(shared.reading, shared.writing, "the engine must not be searched while written to: searches "
                      "ran in parallel and paused for each write")
    return Guards(contextlib.nullcontext, contextlib.nullcontext, "")


def _write(db: VectorAdapter, dataset: Dataset, spec: StreamSpec, log: StreamLog, guard: Guards, cancel: CancelToken) -> None:
    """Insert the stream on the declared schedule: each batch is sent when its last vector is due, so a writer
    that keeps up acknowledges the stream in stream/rate seconds."""
    batch = max(1, round(spec.rate / WRITES_PER_SECOND))
    try:
        for start in range(spec.base, spec.base + spec.stream, batch):
            if cancel.cancelled:
                break
            stop = min(spec.base + spec.stream, start + batch)
            due = log.started + (stop - spec.base) / spec.rate
            if (wait := due - time.perf_counter()) > 0:
                time.sleep(wait)
            payload = {name: column[start:stop] for name, column in dataset.payloads.items()}
            with guard.write():
                db.insert(np.arange(start, stop, dtype=np.int64), dataset.base[start:stop], payload)
            now = time.perf_counter()
            log.acknowledged = stop
            log.writes.append((now - log.started, stop, now - due))
    except BaseException as exc:  # the clients stop too; the run reports the writer's error
        log.error = exc
    finally:
        log.writing = False


@contextlib.contextmanager
def client_adapters(db: VectorAdapter, clients: int) -> Iterator[list[VectorAdapter]]:
    """The adapter each searching client uses: the shared one, or, for a server engine whose client object is
    not thread-safe (pgvector's connection), one more connection each to the same collection, as separate
    application instances would search it; closed afterwards."""
    connection = None if db.capabilities.thread_safe else db.remote_connection()
    if connection is None:
        yield [db] * clients
        return
    opened: list[VectorAdapter] = []
    try:
        for client in range(clients):
            other = type(db)(db.workdir / f"stream-client-{client}", connection)
            other.open()
            opened.append(other)
            state = db.state
            other.attach_collection(state.name, state.dim, state.metric, state.index, state.search_params)
        yield opened
    finally:
        for other in opened:
            other.close()


def _search(db: VectorAdapter, pool: np.ndarray, client: int, spec: StreamSpec, log: StreamLog, guard: Guards) -> None:
    """Search until the writer is done, cycling over the pool from this client's own offset."""
    clock = time.perf_counter_ns
    position = client * len(pool) // max(1, spec.clients)
    try:
        while log.writing:
            query = position % len(pool)
            position += 1
            rows = log.acknowledged
            began = clock()
            with guard.search():
                hits = db.search(pool[query], spec.k)
            latency = clock() - began
            log.searches.append((began / 1e9 - log.started, latency, query, rows))
            log.found.append(np.asarray(hits.ids[: spec.k]))
    except BaseException as exc:
        log.error = log.error or exc
        log.writing = False


def run_stream(db: VectorAdapter, dataset: Dataset, spec: StreamSpec, pool: np.ndarray, report: StageReport,
               cancel: CancelToken) -> StreamLog:
    """The writer and the clients at once, on an index already holding the first spec.base rows."""
    with client_adapters(db, spec.clients) as searchers:
        guard = guards(db.capabilities, own_connections=searchers[0] is not db)
        log = StreamLog(started=time.perf_counter(), acknowledged=spec.base, serialized=guard.serialized)
        threads = [threading.Thread(target=_write, args=(db, dataset, spec, log, guard, cancel), daemon=True)]
        threads += [threading.Thread(target=_search, args=(searcher, pool, c, spec, log, guard), daemon=True)
                    for c, searcher in enumerate(searchers)]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            report("stream", log.acknowledged - spec.base, spec.stream)
            threads[0].join(0.5)
        for thread in threads:
            thread.join()
    if log.error is not None:
        raise log.error
    cancel.check()
    return log


def _window(log: StreamLog, began: np.ndarray, latencies_ns: np.ndarray, recalls: np.ndarray, begin: float,
            end: float, rows_before: int) -> StreamWindow:
    inside = (began >= begin) & (began < end)
    latencies = latencies_ns[inside]
    writes = [w for w in log.writes if begin <= w[0] < end]
    rows = writes[-1][1] if writes else rows_before
    figures = summarize_latencies(latencies, end - begin) if len(latencies) else None
    return StreamWindow(
        end_s=round(end, 3), vectors=rows, searches=int(inside.sum()),
        recall=float(recalls[inside].mean()) if inside.any() else None,
        p50_ms=figures.p50_ms if figures else None, p95_ms=figures.p95_ms if figures else None,
        p99_ms=figures.p99_ms if figures else None,
        insert_per_s=(rows - rows_before) / (end - begin), lag_s=max((w[2] for w in writes), default=0.0))


def windows_of(log: StreamLog, recalls: np.ndarray, spec: StreamSpec) -> list[StreamWindow]:
    """Consecutive windows from the stream's start to its last write (the last one may be shorter)."""
    # just past the last event, so the last write and search fall inside the last window
    finished = max([w[0] for w in log.writes] + [s[0] for s in log.searches] + [spec.window_s]) + 1e-6
    began = np.array([s[0] for s in log.searches])  # once for every window
    latencies = np.array([s[1] for s in log.searches], dtype=np.int64)
    windows, begin, rows = [], 0.0, spec.base
    while begin < finished:
        end = min(begin + spec.window_s, finished)
        if finished - end < spec.window_s / 2:  # a last sliver joins this window: its rates would mean nothing
            end = finished
        windows.append(_window(log, began, latencies, recalls, begin, end, rows))
        rows, begin = windows[-1].vectors, end
    return windows


def fell_behind_at(windows: list[StreamWindow], window_s: float) -> float | None:
    """The end of the first window in which the writer ran more than a whole window late; None if it never did."""
    return next((w.end_s for w in windows if w.lag_s > window_s), None)


def _until_seen(db: VectorAdapter, vector: np.ndarray, row: int, k: int, present: bool) -> float | None:
    """Milliseconds until a search for the vector finds the row (present) or no longer does, polled by searching
    (the resolution is one search); None past the timeout."""
    began = time.perf_counter()
    while (row in db.search(vector, k).ids.tolist()) != present:
        if time.perf_counter() - began > FRESHNESS_TIMEOUT_S:
            return None
        time.sleep(0.0005)
    return (time.perf_counter() - began) * 1000


def _summary(operation: str, times: list[float | None]) -> Freshness:
    seen = [t for t in times if t is not None]
    return Freshness(operation, probes=len(times), visible=len(seen),
                     median_ms=float(np.median(seen)) if seen else None, max_ms=max(seen) if seen else None)


def freshness(db: VectorAdapter, dataset: Dataset, k: int, first_id: int) -> list[Freshness]:
    """Insert, delete and update each acknowledged, then searched for until seen (ids from first_id, outside
    the dataset's rows; the vectors are its queries, which are not in the index)."""
    probes = min(FRESHNESS_PROBES, len(dataset.queries) // 2)
    payload = {name: column[:1] for name, column in dataset.payloads.items()}
    inserted: list[float | None] = []
    deleted: list[float | None] = []
    updated: list[float | None] = []
    cannot_delete = ""
    for p in range(probes):
        row, vector, moved = first_id + p, dataset.queries[p], dataset.queries[probes + p]
        db.insert(np.array([row], dtype=np.int64), vector[None, :], payload)
        inserted.append(_until_seen(db, vector, row, k, present=True))
        if cannot_delete:
            continue
        try:
            db.delete(np.array([row], dtype=np.int64))
        except UnsupportedFeature as exc:
            cannot_delete = str(exc)
            continue
        deleted.append(_until_seen(db, vector, row, k, present=False))
        db.insert(np.array([row], dtype=np.int64), moved[None, :], payload)  # re-embedded: back with a new vector
        updated.append(_until_seen(db, moved, row, k, present=True))
    if cannot_delete:
        return [_summary("insert", inserted), Freshness("delete", skipped=cannot_delete),
                Freshness("update", skipped=cannot_delete)]
    return [_summary("insert", inserted), _summary("delete", deleted), _summary("update", updated)]


def stream_spec(plan: RunPlan, rows: int) -> StreamSpec:
    return StreamSpec(base=rows - plan.stream_vectors, stream=plan.stream_vectors, rate=plan.stream_rate,
                      clients=plan.stream_clients, window_s=plan.stream_window_s, k=plan.k)


def measure_streaming(db: VectorAdapter, make_row: RowFactory, dataset: Dataset, plan: RunPlan, report: StageReport,
                      cancel: CancelToken) -> ResultRow:
    """The stream on an index holding the first rows, then the freshness probes: one row, its figures overall
    (recall over every search, latency percentiles over every search) and per window."""
    spec = stream_spec(plan, dataset.n)
    pool = dataset.queries[: pool_size(len(dataset.queries), dataset.n)]
    neighbours = PrefixNeighbours(pool, dataset.base, dataset.metric, plan.k)
    log = run_stream(db, dataset, spec, pool, report, cancel)
    recalls = np.array([neighbours.recall(query, rows, found)
                        for (_, _, query, rows), found in zip(log.searches, log.found)])
    windows = windows_of(log, recalls, spec)
    report("freshness", 0, 1)
    probes = freshness(db, dataset, plan.k, dataset.n)
    report("freshness", 1, 1)
    last_write = log.writes[-1][0] if log.writes else 0.0
    wall = windows[-1].end_s if windows else 0.0
    overall = summarize_latencies(np.array([s[1] for s in log.searches], dtype=np.int64), wall) if log.searches else None
    figures = StreamingFigures(
        rate_asked=spec.rate, rate_achieved=(log.acknowledged - spec.base) / last_write if last_write else 0.0,
        base_vectors=spec.base, streamed_vectors=log.acknowledged - spec.base, clients=spec.clients,
        window_s=spec.window_s, fell_behind_at_s=fell_behind_at(windows, spec.window_s),
        serialized=log.serialized, windows=windows, freshness=probes)
    return make_row(
        "ok", recall=float(recalls.mean()) if len(recalls) else None,
        latency_p50_ms=overall.p50_ms if overall else None, latency_p95_ms=overall.p95_ms if overall else None,
        latency_p99_ms=overall.p99_ms if overall else None, latency_mean_ms=overall.mean_ms if overall else None,
        qps=overall.qps if overall else None, n_queries=len(recalls), concurrency=spec.clients,
        load=f"streaming {spec.stream:,} vectors at {spec.rate:g}/s onto {spec.base:,}, {spec.clients} searching clients",
        streaming=figures)
