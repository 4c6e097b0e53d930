"""The streaming workload: writes at a declared rate while clients search, scored per window against the
vectors acknowledged when each search began, and the freshness of inserts, deletes and updates."""

import numpy as np
import pytest

from vectorscout.benchmarking.plan import PlanError, RunPlan
from vectorscout.benchmarking.runner import execute
from vectorscout.benchmarking.specs import parse_engines
from vectorscout.benchmarking.streaming import PrefixNeighbours, StreamLog, StreamSpec, fell_behind_at, windows_of
from vectorscout.contract.metric import Metric
from vectorscout.data.groundtruth import exact_knn
from vectorscout.results.records import ResultRow
from vectorscout.results.store import ResultsStore

STREAMED = "synthetic:n=3000,dim=16,seed=5,queries=40"


@pytest.mark.parametrize("metric", list(Metric))
def test_prefix_neighbours_are_the_exact_neighbours_among_the_first_rows(metric):
    """The truth for a search is the exact top-k of the rows acknowledged when it began, for any prefix."""
    rng = np.random.default_rng(2)
    base, queries = rng.standard_normal((500, 8)).astype(np.float32), rng.standard_normal((6, 8)).astype(np.float32)
    neighbours = PrefixNeighbours(queries, base, metric, 10)
    for rows in (10, 37, 500):
        exact = exact_knn(queries, base[:rows], metric, 10)
        for q in range(len(queries)):
            assert set(neighbours.truth(q, rows).tolist()) == set(exact.ids[q].tolist())
            assert neighbours.recall(q, rows, exact.ids[q]) == 1.0
    # rows acknowledged while a search ran may be among its hits: an exact search stays at 1.0, and a wrong
    # hit among the earlier rows still counts against it
    exact_later = neighbours.truth(0, 500)
    rows = int(np.median(exact_later)) + 1  # about half the hits came after the search began
    assert (exact_later >= rows).any() and (exact_later < rows).any()
    assert neighbours.recall(0, rows, exact_later) == 1.0
    earlier = exact_later[exact_later < rows]
    farthest = int(np.argsort(neighbours.distances[0, :rows])[-1])  # the farthest of the earlier rows
    wrong = np.where(exact_later == earlier[0], farthest, exact_later)
    assert neighbours.recall(0, rows, wrong) == 1 - 1 / len(earlier)


def test_a_row_acknowledged_after_a_search_began_is_neither_credit_nor_fault():
    """Rows on a line, the query at 0 (L2), k = 3. A search begun with 5 rows acknowledged: its truth is rows
    0, 1, 2. Row 5 is the first acknowledged after it began: found among the hits it is set aside and the
    other hits are held to the nearest 2 (0 and 1). Row 4 was there before: it is a wrong hit."""
    base = np.array([[float(i), 0.0] for i in range(10)], dtype=np.float32)
    neighbours = PrefixNeighbours(np.zeros((1, 2), dtype=np.float32), base, Metric.L2, 3)
    assert sorted(neighbours.truth(0, 5).tolist()) == [0, 1, 2]
    assert neighbours.recall(0, 5, np.array([0, 1, 5])) == 1.0  # 5 == rows: the boundary row came later
    assert neighbours.recall(0, 5, np.array([0, 4, 5])) == 0.5  # held to {0, 1}: 4 is wrong
    assert neighbours.recall(0, 5, np.array([0, 4, 6])) == 0.5
    assert neighbours.recall(0, 5, np.array([1, 2, 3])) == pytest.approx(2 / 3)
    assert neighbours.recall(0, 5, np.array([5, 6, 7])) == 1.0  # nothing of the prefix found, nothing expected
    assert neighbours.recall(0, 6, np.array([0, 1, 5])) == pytest.approx(2 / 3)  # one row later, 5 is a wrong hit
    assert neighbours.recall(0, 2, np.array([0, 1, 9])) == 1.0  # fewer rows than k: both of them
    assert neighbours.recall(0, 2, np.array([0, 7, 9])) == 1.0
    assert neighbours.recall(0, 5, np.array([0, 1, 4, 2])) == pytest.approx(2 / 3)  # a hit past k does not count


def test_a_writer_is_behind_only_when_more_than_a_whole_window_late():
    from vectorscout.results.records import StreamWindow

    def window(end, lag):
        return StreamWindow(end_s=end, vectors=0, searches=0, recall=None, p50_ms=None, p95_ms=None, p99_ms=None,
                            insert_per_s=0.0, lag_s=lag)

    assert fell_behind_at([window(0.5, 0.1), window(1.0, 0.5), window(1.5, 0.49)], 0.5) is None  # exactly a window
    assert fell_behind_at([window(0.5, 0.1), window(1.0, 0.51), window(1.5, 2.0)], 0.5) == 1.0  # the first one
    assert fell_behind_at([], 0.5) is None


def test_events_on_a_window_boundary_belong_to_the_window_they_open():
    spec = StreamSpec(base=100, stream=30, rate=10, clients=1, window_s=1.0, k=10)
    log = StreamLog(started=0.0, acknowledged=130)
    log.writes = [(1.0, 110, 0.0), (2.0, 120, 0.0), (2.9, 130, 0.0)]
    log.searches = [(0.0, 1_000_000, 0, 100), (1.0, 3_000_000, 0, 110), (2.0, 5_000_000, 0, 120)]
    windows = windows_of(log, np.array([1.0, 0.5, 0.25]), spec)
    assert [w.searches for w in windows] == [1, 1, 1] and [w.recall for w in windows] == [1.0, 0.5, 0.25]
    assert [w.vectors for w in windows] == [100, 110, 130]  # the write at 1.0 opens window 2
    assert [w.insert_per_s for w in windows[:2]] == [0.0, 10.0]
    assert [w.p50_ms for w in windows] == [1.0, 3.0, 5.0]


def test_windows_split_the_stream_and_rates_come_from_the_acknowledged_writes():
    spec = StreamSpec(base=1000, stream=400, rate=100, clients=1, window_s=1.0, k=10)
    log = StreamLog(started=0.0, acknowledged=1400)
    log.writes = [(0.1 * (i + 1), 1000 + 10 * (i + 1), 0.0) for i in range(40)]  # 100 vectors/s for 4 s
    log.searches = [(0.05 + 0.1 * i, 2_000_000, 0, 1000) for i in range(40)]
    recalls = np.array([1.0] * 20 + [0.5] * 20)
    windows = windows_of(log, recalls, spec)
    assert [w.vectors for w in windows] == [1090, 1190, 1290, 1400]  # the last sliver (t=4.0) joins window 4
    assert [round(w.insert_per_s) for w in windows[1:3]] == [100, 100]
    assert [w.recall for w in windows] == [1.0, 1.0, 0.5, 0.5] and sum(w.searches for w in windows) == 40
    assert windows[0].p95_ms == pytest.approx(2.0)


def test_streaming_run_stores_windows_recall_and_freshness_per_engine():
    """FAISS flat, hnswlib and Qdrant's engine stream 1,500 vectors at 500/s onto 1,500 while two clients
    search: every window is scored, the writer keeps the rate, and each engine's freshness is measured (FAISS HNSW
    cannot delete: a skipped row saying so). The rate leaves each engine several times the headroom it needs, so
    a machine busy with other work still keeps it."""
    plan = RunPlan(dataset=STREAMED, engines=parse_engines("faiss:index=flat,faiss:index=hnsw,hnswlib,qdrant"), k=10,
                   stream_vectors=1500, stream_rate=500, stream_clients=2, stream_window_s=0.5)
    run = execute(plan, ResultsStore())
    assert run.status == "finished", [r.error for r in run.results]
    by_engine = {(r.engine, r.index): r for r in run.results}
    for row in run.results:
        stream = row.streaming
        assert row.status == "ok" and stream is not None and stream.base_vectors == 1500
        assert stream.streamed_vectors == 1500 and stream.windows[-1].vectors == 3000
        assert stream.windows[0].vectors > 1500 and all(w.searches > 0 for w in stream.windows)
        assert 0.8 * 500 < stream.rate_achieved < 1.05 * 500, stream.rate_achieved
        assert row.recall >= 0.9 and row.n_queries == sum(w.searches for w in stream.windows)
        insert = stream.freshness[0]
        assert insert.operation == "insert" and insert.visible == insert.probes == 5
        assert stream.fell_behind_at_s is None, (row.engine, [w.lag_s for w in stream.windows])  # it kept the rate
    assert by_engine[("faiss", "flat")].recall == 1.0  # exact search is exact against the acknowledged prefix
    skipped = [p for p in by_engine[("faiss", "hnsw")].streaming.freshness if p.skipped]
    assert [p.operation for p in skipped] == ["delete", "update"] and "remove_ids" in skipped[0].skipped
    for engine in (("faiss", "flat"), ("hnswlib", "hnsw"), ("qdrant", "hnsw")):
        delete = by_engine[engine].streaming.freshness[1]
        assert delete.operation == "delete" and delete.visible == 5 and delete.median_ms is not None
    stored = ResultsStore().get_run(run.run_id)
    assert stored.results[0].streaming == run.results[0].streaming  # windows and probes survive the store


def test_clients_of_a_server_engine_search_through_their_own_connections_while_it_is_written_to():
    """pgvector's connection is not thread-safe, but PostgreSQL serves many sessions: each searching client gets
    its own connection to the collection, so searches and writes meet in the server (as separate application
    instances would), not one at a time behind a lock in VectorScout; the summary says how they met."""
    plan = RunPlan(dataset=STREAMED, engines=parse_engines("pgvector"), k=10, stream_vectors=1500, stream_rate=1000,
                   stream_clients=2, stream_window_s=0.5)
    (row,) = execute(plan, ResultsStore()).results
    assert row.status == "ok", row.error
    stream = row.streaming
    assert stream.serialized.startswith("each searching client had its own connection")
    assert stream.windows[-1].vectors == 3000 and all(w.searches > 0 for w in stream.windows)
    assert row.recall >= 0.9 and [p.visible for p in stream.freshness] == [5, 5, 5]
    # the lock is still taken where no server can give a client a connection of its own (hnswlib in-process)
    from vectorscout.benchmarking.streaming import guards

    assert guards(parse_engines_capabilities("hnswlib")).serialized.startswith("the client is not thread-safe")


def parse_engines_capabilities(engine):
    from adapters.registry import adapter_class

    return adapter_class(engine).capabilities


def test_a_writer_that_cannot_keep_the_rate_is_shown_falling_behind():
    """Chroma embedded acknowledges a few thousand vectors a second here: asked for 50,000/s with 0.1 s windows,
    it runs more than a window late and the rate achieved is far below the rate asked."""
    plan = RunPlan(dataset=STREAMED, engines=parse_engines("chroma"), k=10, stream_vectors=2000,
                   stream_rate=50_000, stream_clients=1, stream_window_s=0.1)
    row = execute(plan, ResultsStore()).results[0]
    assert row.status == "ok", row.error
    assert row.streaming.fell_behind_at_s is not None and row.streaming.rate_achieved < 25_000


def test_searches_share_the_lock_and_a_write_waits_for_them_and_holds_it_alone():
    """FAISS crashed when written to during searches: its searches share a lock a write takes alone."""
    import threading

    from vectorscout.benchmarking.streaming import ReadWriteLock

    lock, events = ReadWriteLock(), []
    first_in, release_first = threading.Event(), threading.Event()

    def search(name, hold):
        with lock.reading():
            events.append(f"{name} in")
            if hold:
                first_in.set()
                release_first.wait(5)
            events.append(f"{name} out")

    def write():
        with lock.writing():
            events.append("write")

    searcher = threading.Thread(target=search, args=("s1", True))
    searcher.start()
    first_in.wait(5)
    second = threading.Thread(target=search, args=("s2", False))
    second.start()
    second.join(5)  # a second search runs beside the first
    writer = threading.Thread(target=write)
    writer.start()
    writer.join(0.2)
    assert writer.is_alive() and "write" not in events  # the write waits for the search in progress
    release_first.set()
    for thread in (searcher, writer):
        thread.join(5)
    assert events == ["s1 in", "s2 in", "s2 out", "s1 out", "write"]


@pytest.mark.parametrize(("changes", "message"), [
    ({"stream_vectors": 2995}, "must leave at least k=10"),
    ({"stream_rate": 0}, "stream rate"),
    ({"stream_clients": 0}, "searching clients"),
    ({"stream_window_s": 0.01}, "stream window"),
    ({"filter": "tag == 3"}, "searches unfiltered"),
    ({"concurrency": (1, 4)}, "own searching clients"),
])
def test_streaming_plans_that_cannot_run_are_refused_before_anything_starts(changes, message):
    plan = RunPlan(dataset=STREAMED, engines=parse_engines("faiss"), **{"stream_vectors": 1000, **changes})
    with pytest.raises(PlanError, match=message):
        plan.validate(3000)


def test_streaming_figures_round_trip_through_the_row_document():
    plan = RunPlan(dataset=STREAMED, engines=parse_engines("hnswlib"), stream_vectors=500, stream_rate=2000,
                   stream_window_s=0.2)
    row = execute(plan, ResultsStore()).results[0]
    again = ResultRow.from_dict(row.to_dict())
    assert again == row and again.streaming.windows and isinstance(again.streaming.windows[0].recall, float)


def test_each_window_reports_its_own_latencies_lag_and_rate_and_an_empty_one_reads_nothing():
    """Four searches of 1, 2, 3 and 10 ms in window 1 (numpy's linear percentiles: p50 2.5, p95 8.95, p99 9.79 ms),
    none in window 2; writes lagging 0.2 then 0.7 s; 20 rows acknowledged in window 1, 30 more in window 2."""
    spec = StreamSpec(base=100, stream=50, rate=25, clients=1, window_s=1.0, k=10)
    log = StreamLog(started=0.0, acknowledged=150)
    log.writes = [(0.5, 110, 0.2), (0.9, 120, 0.1), (1.2, 150, 0.7), (1.95, 150, 0.05)]
    log.searches = [(0.1, 1_000_000, 0, 100), (0.2, 2_000_000, 0, 100), (0.3, 3_000_000, 0, 100),
                    (0.4, 10_000_000, 0, 110)]
    first, second = windows_of(log, np.array([1.0, 0.5, 0.5, 0.0]), spec)
    assert (first.searches, first.recall, first.vectors, first.insert_per_s, first.lag_s) == (4, 0.5, 120, 20.0, 0.2)
    assert (first.p50_ms, first.p95_ms, first.p99_ms) == pytest.approx((2.5, 8.95, 9.79))
    assert second.end_s == pytest.approx(1.95, abs=1e-5) and second.searches == 0
    assert (second.recall, second.p50_ms, second.p95_ms, second.p99_ms) == (None, None, None, None)
    assert second.vectors == 150 and second.insert_per_s == pytest.approx(30 / 0.95, rel=1e-4) and second.lag_s == 0.7


@pytest.mark.parametrize(("last_event", "ends"), [
    (2.4, [1.0, 2.4]),  # a last sliver of 0.4 window joins the window before it
    (2.5 - 1e-6, [1.0, 2.0, 2.5]),  # exactly half a window stands as a window of its own
    (2.2345, [1.0, 2.235]),  # ends are read to the millisecond
])
def test_a_last_sliver_under_half_a_window_joins_the_one_before(last_event, ends):
    spec = StreamSpec(base=100, stream=20, rate=10, clients=1, window_s=1.0, k=10)
    log = StreamLog(started=0.0, acknowledged=120)
    log.writes = [(0.5, 110, 0.3), (last_event, 120, 0.1)]
    log.searches = [(0.2, 1_000_000, 0, 100), (1.5, 1_000_000, 0, 110)]
    windows = windows_of(log, np.array([1.0, 1.0]), spec)
    assert [w.end_s for w in windows] == ends
    # a window in which nothing was written lags by nothing (not by a default second, not unknown)
    assert windows[0].lag_s == 0.3 and all(w.lag_s in (0.0, 0.1) for w in windows[1:])
    assert [w.lag_s for w in windows][1] == (0.0 if len(windows) == 3 else 0.1)


def test_a_single_expected_neighbour_missed_is_recall_zero():
    """k = 1: a search begun with 5 rows whose one hit is not the nearest of them scores 0, not 1."""
    base = np.array([[float(i), 0.0] for i in range(10)], dtype=np.float32)
    neighbours = PrefixNeighbours(np.zeros((1, 2), dtype=np.float32), base, Metric.L2, 1)
    assert neighbours.recall(0, 5, np.array([3])) == 0.0
    assert neighbours.recall(0, 5, np.array([0])) == 1.0
    assert neighbours.recall(0, 5, np.array([7])) == 1.0  # acknowledged after it began: nothing expected
