"""Distributed load through Locust's master/worker mode, with the master and its workers on 127.0.0.1."""

import psutil
import pytest

from vectorscout.benchmarking.plan import RunPlan
from vectorscout.benchmarking.runner import execute
from vectorscout.benchmarking.specs import parse_engines
from vectorscout.results.store import ResultsStore


def locust_processes() -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            if "locust_load.py" in " ".join(process.info["cmdline"] or []):
                found.append(process)
        except psutil.Error:
            continue
    return found


@pytest.mark.engine
def test_locust_workers_load_a_server_engine_and_in_process_engines_say_why_not():
    plan = RunPlan(dataset="synthetic:n=2000,dim=16,queries=200", engines=parse_engines("pgvector,hnswlib"), k=10,
                   concurrency=(1, 3), duration_s=3, load_driver="locust", locust_workers=2)
    run = execute(plan, ResultsStore())
    pg_serial, pg_locust, hnsw_serial, hnsw_locust = run.results
    assert pg_serial.status == "ok" and pg_serial.concurrency == 1
    assert pg_locust.status == "ok" and pg_locust.concurrency == 3, pg_locust.error
    assert pg_locust.load == "Locust: 3 users on 2 workers, 3 s"
    assert pg_locust.qps > 0 and pg_locust.n_queries > 100 and pg_locust.errors == 0
    assert 0 < pg_locust.latency_p50_ms <= pg_locust.latency_p95_ms <= pg_locust.latency_p99_ms
    # Units, by Little's law: 3 closed-loop users with no wait keep 3 queries in flight, so QPS x mean latency
    # (in seconds) is at most 3, and near it when Locust's own time between requests is small. A latency
    # column read in the wrong unit is off by 1,000.
    in_flight = pg_locust.qps * pg_locust.latency_mean_ms / 1000
    assert 0.1 * 3 <= in_flight <= 1.2 * 3, (pg_locust.qps, pg_locust.latency_mean_ms)
    # and the same engine's serial p50, timed by VectorScout's own clock, is of the same order
    assert 0.2 <= pg_locust.latency_p50_ms / pg_serial.latency_p50_ms <= 50, (pg_locust.latency_p50_ms,
                                                                            pg_serial.latency_p50_ms)
    assert pg_locust.client_cpu_pct > 0
    assert hnsw_serial.status == "ok"
    assert hnsw_locust.status == "skipped" and "Locust workers cannot reach it" in hnsw_locust.error
    assert locust_processes() == []  # master and workers are gone


def test_a_bad_load_driver_is_refused():
    from vectorscout.benchmarking.plan import PlanError
    from vectorscout.benchmarking.runner import prepare

    with pytest.raises(PlanError, match="load driver"):
        prepare(RunPlan(dataset="synthetic:n=100,dim=4", engines=parse_engines("faiss"), load_driver="swarm"))


LOCUST_HEADER = ("Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
                 "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,"
                 "99.99%,100%")


def test_locust_statistics_are_read_from_the_aggregated_row_in_microseconds(tmp_path):
    """Locust's CSV as it writes it: a row per request name and the Aggregated row. The user reported
    microseconds, so 1,200 in the 50% column is 1.2 ms."""
    from vectorscout.benchmarking.distributed import read_stats

    path = tmp_path / "load_stats.csv"
    path.write_text("\n".join([
        LOCUST_HEADER,
        "search,pgvector,900,3,1100,1300.5,400,9000,0,300.0,1.0,1100,1200,1300,1400,2000,2500,3000,3500,8000,9000,9000",
        ",Aggregated,1000,4,1200,1450.25,400,9500,0,333.3,1.3,1200,1300,1400,1500,2100,2600,3100,3600,8500,9500,9500",
    ]))
    stats = read_stats(path, workers=2, users=3, client_cpu_s=4.5)
    assert (stats.requests, stats.failures, stats.qps) == (1000, 4, 333.3)
    assert (stats.p50_ms, stats.p95_ms, stats.p99_ms, stats.mean_ms) == (1.2, 2.6, 3.6, 1.45025)
    assert (stats.workers, stats.users, stats.client_cpu_s) == (2, 3, 4.5)
    path.write_text(LOCUST_HEADER + "\n,Aggregated,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n")
    assert read_stats(path, 2, 3, 0.0) is None
    # every request failed: that is a figure to report (5 failures), not "sent nothing"
    path.write_text(LOCUST_HEADER + "\n,Aggregated,5,5,0,0,0,0,0,1.0,1.0,0,0,0,0,0,0,0,0,0,0,0\n")
    assert read_stats(path, 2, 3, 0.0).failures == 5
    path.write_text(LOCUST_HEADER + "\n")  # Locust stopped before writing its Aggregated row
    assert read_stats(path, 2, 3, 0.0) is None
