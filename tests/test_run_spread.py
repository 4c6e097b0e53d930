"""Intervals that take in how far a figure moves run after run on the same machine: the formula by hand, which
earlier rows count as the same measurement, and the runner widening a row by the runs stored before it."""

import math
from dataclasses import replace

import pytest

from vectorscout.benchmarking.metrics import MAX_EARLIER_RUNS, run_spread_interval, widened
from vectorscout.benchmarking.plan import RunPlan
from vectorscout.benchmarking.run_spread import comparable, rows_with_run_spread, with_run_spread
from vectorscout.benchmarking.runner import execute
from vectorscout.benchmarking.specs import parse_engines
from vectorscout.results.records import DatasetInfo, Environment, ResultRow
from vectorscout.results.store import EarlierRow, ResultsStore

MACHINE = Environment(cpu_model="cpu A", cores=2, ram_gb=23.5, os="Linux")
DATA = DatasetInfo(name="wordnet", hash="h1", n=15000)


def serial(p95: float, **fields) -> ResultRow:
    base = dict(engine="faiss", status="ok", index="flat", build_params={}, search_params={"ef": 64}, latency_p50_ms=p95 / 2,
                latency_p95_ms=p95, qps=1000.0 / p95, latency_p50_interval_ms=[p95 / 2 * 0.98, p95 / 2 * 1.02],
                latency_p95_interval_ms=[p95 * 0.95, p95 * 1.05], qps_interval=[990.0 / p95, 1010.0 / p95],
                host_other_cpu_pct=0.0)
    return ResultRow(**{**base, **fields})


def test_the_run_to_run_interval_is_t_times_the_spread_of_the_logarithms_worked_by_hand():
    # logs of 0.8, 1.25 and 1.0: -0.22314, 0.22314, 0; their standard deviation (n - 1) is 0.22314; Student's t
    # for 2 degrees of freedom at 97.5 % is 4.30265; half-width 4.30265 × 0.22314 × √2 = 1.35780 in logs;
    # exp(1.35780) = 3.88763
    low, high = run_spread_interval(1.0, [0.8, 1.25])
    assert (low, high) == pytest.approx((1 / 3.88763, 3.88763), rel=1e-5)
    # ten earlier runs and this one: 10 degrees of freedom (t = 2.22814); 2.0 now, earlier 2.0 ×/÷ 1.1 alternately
    earlier = [2.2 if i % 2 else 2.0 / 1.1 for i in range(10)]
    logs = [math.log(v) for v in [*earlier, 2.0]]
    mean = sum(logs) / len(logs)
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / (len(logs) - 1))
    half = 2.22814 * sd * math.sqrt(2)
    assert run_spread_interval(2.0, earlier) == pytest.approx((2.0 * math.exp(-half), 2.0 * math.exp(half)), rel=1e-4)
    assert run_spread_interval(1.0, [0.9]) is None  # one earlier run: no spread to speak of
    assert run_spread_interval(1.0, [0.9, 0.0]) is None  # a figure of 0 (not measured) is no run


def test_the_wider_interval_holds_both_and_a_missing_one_changes_nothing():
    assert widened([0.9, 1.3], (1.0, 1.5)) == [0.9, 1.5]
    assert widened([0.9, 1.3], (0.5, 1.1)) == [0.5, 1.3]
    assert widened([0.9, 1.3], None) == [0.9, 1.3] and widened(None, (1.0, 2.0)) is None


def test_only_the_same_measurement_on_the_same_idle_machine_counts():
    row = serial(1.0)

    def earlier(environment=MACHINE, dataset=DATA, k=10, **fields):
        return EarlierRow(environment, dataset, k, serial(1.1, **fields))

    assert comparable(earlier(), row, MACHINE, DATA, 10)
    for other in (earlier(environment=replace(MACHINE, cpu_model="cpu B")), earlier(environment=replace(MACHINE, cores=4)),
                  earlier(dataset=replace(DATA, hash="h2")), earlier(dataset=replace(DATA, n=1000)), earlier(k=100),
                  earlier(search_params={"ef": 32}), earlier(index="hnsw"), earlier(engine_version="2"),
                  earlier(filter="tag == 1"), earlier(concurrency=4), earlier(host_other_cpu_pct=35.0),
                  earlier(engine="hnswlib"), earlier(build_params={"M": 8})):
        assert not comparable(other, row, MACHINE, DATA, 10), other
    # another python or VectorScout version is the same machine; a host a little busy is still idle enough
    assert comparable(earlier(environment=replace(MACHINE, python="3.12")), row, MACHINE, DATA, 10)
    assert comparable(earlier(host_other_cpu_pct=15.0), row, MACHINE, DATA, 10)


def test_a_row_takes_in_its_latest_earlier_runs_and_says_how_many():
    row = serial(1.0)
    earlier = [serial(0.8), serial(1.25)]
    widened_row = with_run_spread(row, earlier)
    assert widened_row.interval_runs == 2
    assert widened_row.latency_p95_interval_ms == pytest.approx([1 / 3.88763, 3.88763], rel=1e-5)
    assert widened_row.latency_p50_interval_ms == pytest.approx([0.5 / 3.88763, 0.5 * 3.88763], rel=1e-5)
    assert widened_row.qps_interval == pytest.approx([1000 / 3.88763, 1000 * 3.88763], rel=1e-5)
    assert with_run_spread(row, earlier[:1]) == row  # too few: its own intervals, 0 runs
    # only the latest MAX_EARLIER_RUNS: two wild old runs past them change nothing
    steady = [serial(1.0 + 0.01 * (i % 2)) for i in range(MAX_EARLIER_RUNS)]
    assert with_run_spread(row, [*steady, serial(9.0), serial(0.1)]) == with_run_spread(row, steady)
    assert with_run_spread(row, steady).interval_runs == MAX_EARLIER_RUNS
    # a spread narrower than the run's own interval leaves that interval as it is
    assert with_run_spread(row, steady).latency_p95_interval_ms == pytest.approx([0.95, 1.05])
    concurrent = serial(1.0, concurrency=4)
    assert with_run_spread(concurrent, earlier) == concurrent
    candidates = {"faiss": [EarlierRow(MACHINE, DATA, 10, r) for r in earlier]}
    assert rows_with_run_spread([row], candidates, MACHINE, DATA, 10)[0].interval_runs == 2
    assert rows_with_run_spread([row], candidates, replace(MACHINE, cores=8), DATA, 10)[0].interval_runs == 0


def test_the_runner_widens_a_row_by_the_runs_stored_before_it_on_this_machine(monkeypatch):
    # a busy host's runs are left out (the test above); here no run may be, whatever else this machine is doing
    monkeypatch.setattr("vectorscout.benchmarking.run_spread.NOISY_HOST_PCT", 100.0)
    store = ResultsStore()
    plan = RunPlan(dataset="synthetic:n=2000,dim=16,queries=200", engines=parse_engines("faiss:index=flat"),
                   isolate=False, repetitions=1)
    runs = [execute(plan, store) for _ in range(3)]
    first, second, third = (run.results[0] for run in runs)
    assert (first.interval_runs, second.interval_runs, third.interval_runs) == (0, 0, 2)
    by_runs = run_spread_interval(third.latency_p95_ms, [second.latency_p95_ms, first.latency_p95_ms])
    assert third.latency_p95_interval_ms[0] <= by_runs[0] * (1 + 1e-9)
    assert third.latency_p95_interval_ms[1] >= by_runs[1] * (1 - 1e-9)
    stored = store.get_run(runs[2].run_id).results[0]  # by id: runs started in one second list in any order
    assert stored.interval_runs == 2 and stored.latency_p95_interval_ms == third.latency_p95_interval_ms
    other_data = execute(replace(plan, dataset="synthetic:n=2000,dim=16,queries=200,seed=3"), store)
    assert other_data.results[0].interval_runs == 0
    newest_first = [e.row.latency_p95_ms for e in store.earlier_rows("faiss", other_data.run_id)]
    assert newest_first == [third.latency_p95_ms, second.latency_p95_ms, first.latency_p95_ms]
