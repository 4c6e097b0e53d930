"""Pareto frontiers and figures at a recall target against brute-force definitions on random point sets."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from vectorscout.results.analysis import at_recall, pareto_frontier
from vectorscout.results.records import ResultRow

# few distinct values, so ties in recall and in QPS are common
RECALLS = (0.5, 0.8, 0.9, 0.95, 1.0)
QPSES = (100.0, 200.0, 300.0, 400.0)


@st.composite
def rows(draw):
    out = []
    for i in range(draw(st.integers(0, 12))):
        out.append(ResultRow(
            engine=draw(st.sampled_from(["e1", "e2"])), status=draw(st.sampled_from(["ok", "ok", "ok", "failed"])),
            index="hnsw", build_params={}, search_params={"ef": i}, recall=draw(st.sampled_from(RECALLS)),
            qps=draw(st.sampled_from(QPSES)), latency_p95_ms=draw(st.sampled_from([1.0, 2.0, 3.0, None])),
            concurrency=draw(st.sampled_from([1, 1, 1, 4])),
        ))
    return out


def measured(all_rows, engine):
    return [r for r in all_rows if r.engine == engine and r.status == "ok" and r.concurrency == 1]


def dominated(point, others):
    return any(o[0] >= point[0] and o[1] >= point[1] and o != point for o in others)


@settings(max_examples=400, deadline=None)
@given(rows())
def test_frontier_is_the_set_of_non_dominated_points(all_rows):
    frontier = pareto_frontier(all_rows)
    for engine in ("e1", "e2"):
        points = {(r.recall, r.qps) for r in measured(all_rows, engine)}
        expected = sorted(p for p in points if not dominated(p, points))
        got = [(p.recall, p.qps) for p in frontier.get(engine, [])]
        assert got == expected  # each non-dominated point once, in rising recall
        assert (engine in frontier) == bool(points)


@settings(max_examples=400, deadline=None)
@given(rows(), st.sampled_from((*RECALLS, 0.85, 0.99)))
def test_at_recall_is_best_among_rows_reaching_the_target(all_rows, target):
    summary = at_recall(all_rows, target)
    for engine in ("e1", "e2"):
        engine_rows = measured(all_rows, engine)
        if not engine_rows:
            assert engine not in summary
            continue
        reaching = [r for r in engine_rows if r.recall >= target]
        p95s = [r.latency_p95_ms for r in reaching if r.latency_p95_ms is not None]
        assert summary[engine] == {
            "series": engine, "run": "", "reached": bool(reaching),
            "qps": max(r.qps for r in reaching) if reaching else None,
            "latency_p95_ms": min(p95s) if p95s else None,
        }


def test_exactly_at_the_target_counts_as_reached():
    row = ResultRow(engine="e", status="ok", index="hnsw", build_params={}, search_params={}, recall=0.95, qps=10.0,
                    latency_p95_ms=1.0)
    assert at_recall([row], 0.95)["e"]["reached"] is True


def run_of(run_id, results, environment, dataset=None, k=10):
    from vectorscout.results.records import DatasetInfo, Environment, Run

    return Run(run_id=run_id, created_at="2026-11-25T00:00:00+00:00", status="finished", k=k,
               dataset=DatasetInfo(**(dataset or {"name": "d", "n": 100})), plan={},
               environment=Environment(**environment), results=results)


def test_compared_rows_label_each_engine_with_its_run_only_when_there_are_several():
    from vectorscout.results.analysis import compared_rows

    a = ResultRow(engine="faiss", status="ok", index="flat", build_params={}, search_params={}, recall=1.0, qps=5.0)
    b = ResultRow(engine="qdrant", status="ok", index="hnsw", build_params={}, search_params={}, recall=0.9, qps=9.0)
    one = run_of("r1", [a, b], {})
    assert [(r.engine, r.series, r.run_id) for r in compared_rows([one])] == [("faiss", "faiss", ""), ("qdrant", "qdrant", "")]
    two = compared_rows([one, run_of("r2", [a], {})])
    assert [(r.engine, r.series, r.run_id) for r in two] == [
        ("faiss", "faiss", "r1"), ("qdrant", "qdrant", "r1"), ("faiss", "faiss", "r2")]
    assert [(r.recall, r.qps) for r in two] == [(1.0, 5.0), (0.9, 9.0), (1.0, 5.0)]  # only the placement is added
    assert all("run_id" not in r.to_dict() and "series" not in r.to_dict() for r in two)  # a view, never stored
    assert a.engine == "faiss"  # the stored rows are not altered


def test_environment_differences_name_what_differs_and_nothing_else():
    from vectorscout.results.analysis import environment_differences

    same = {"cpu_model": "X", "cores": 2, "ram_gb": 24, "os": "linux", "python": "3.11", "vectorscout": "0.1",
            "engines": {"faiss": {"engine": "faiss 1.15"}, "qdrant": {"engine": "qdrant 0.9"}}}
    r1 = run_of("r1", [], same)
    assert environment_differences([r1, run_of("r2", [], dict(same))]) == []
    other = {**same, "cores": 8, "python": "3.12",
             "engines": {"faiss": {"engine": "faiss 1.16"}, "qdrant": {"engine": "qdrant 0.9"}, "chroma": {"engine": "c"}}}
    r2 = run_of("r2", [], other, dataset={"name": "e", "n": 200}, k=5)
    assert environment_differences([r1, r2]) == [
        "cores: 2 / 8", "Python: 3.11 / 3.12", "faiss version: faiss 1.15 / faiss 1.16",
        "dataset: d (n=100, k=10) / e (n=200, k=5)"]
    missing = run_of("r3", [], {"cores": 2})
    assert environment_differences([r1, missing])[0] == "CPU: ? / X"


def test_an_engine_version_a_run_did_not_record_reads_as_unknown():
    from vectorscout.results.analysis import environment_differences

    base = {"cpu_model": "X", "cores": 2}
    recorded = run_of("r1", [], {**base, "engines": {"faiss": {"engine": "faiss 1.15"}, "qdrant": {"engine": "q 1"}}})
    unrecorded = run_of("r2", [], {**base, "engines": {"faiss": {}, "qdrant": {"engine": "q 1"}}})
    assert environment_differences([recorded, unrecorded]) == ["faiss version: ? / faiss 1.15"]
    only_one = run_of("r3", [], {**base, "engines": {"qdrant": {"engine": "q 1"}}})
    assert environment_differences([recorded, only_one]) == []  # an engine one run lacks is no version difference


def test_the_frontier_document_lists_each_engines_points_with_their_settings():
    from vectorscout.results.analysis import frontier_json

    rows = [ResultRow(engine="e", status="ok", index="hnsw", build_params={"M": 8}, search_params={"ef": 16},
                      recall=0.9, qps=800.0, latency_p95_ms=1.5),
            ResultRow(engine="e", status="ok", index="hnsw", build_params={"M": 8}, search_params={"ef": 64},
                      recall=0.99, qps=300.0, latency_p95_ms=None),
            ResultRow(engine="e", status="ok", index="hnsw", build_params={"M": 8}, search_params={"ef": 32},
                      recall=0.85, qps=500.0, latency_p95_ms=2.0)]  # dominated: less recall and QPS than ef 16
    assert frontier_json(rows) == [{"engine": "e", "points": [
        {"recall": 0.9, "qps": 800.0, "latency_p95_ms": 1.5, "index": "hnsw", "build_params": {"M": 8},
         "search_params": {"ef": 16}, "noise": ""},
        {"recall": 0.99, "qps": 300.0, "latency_p95_ms": None, "index": "hnsw", "build_params": {"M": 8},
         "search_params": {"ef": 64}, "noise": ""}]}]
    assert frontier_json([]) == []


def test_zero_recall_and_zero_qps_are_figures_not_missing_ones():
    def point(recall, qps):
        return ResultRow(engine="e", status="ok", index="hnsw", build_params={}, search_params={"q": qps},
                         recall=recall, qps=qps)

    rows = [point(0.0, 500.0), point(0.5, 100.0), point(0.9, 0.0), point(0.9, 0.5), point(0.0, 400.0)]
    frontier = pareto_frontier(rows)["e"]
    assert [(p.recall, p.qps) for p in frontier] == [(0.0, 500.0), (0.5, 100.0), (0.9, 0.5)]
    assert pareto_frontier([point(0.0, 0.0)])["e"][0].recall == 0.0
    assert [(p.recall, p.qps) for p in pareto_frontier([point(0.9, 0.0), point(0.5, 0.0)])["e"]] == [(0.9, 0.0)]


def test_a_setting_at_zero_qps_heads_the_frontier_and_counts_as_zero_at_the_target():
    def point(recall, qps, tuning=None, k=10):
        return ResultRow(engine="e", status="ok", index="hnsw", build_params={}, search_params={"q": qps},
                         recall=recall, qps=qps, tuning=tuning, k=k)

    # the most accurate setting measured 0 QPS: every faster setting below it is still on the frontier
    assert [(p.recall, p.qps) for p in pareto_frontier([point(0.9, 0.0), point(0.5, 0.5)])["e"]] == [
        (0.5, 0.5), (0.9, 0.0)]
    assert at_recall([point(0.95, 0.0)], 0.9)["e"]["qps"] == 0.0
    assert at_recall([point(0.95, 0.5), point(0.96, 0.25)], 0.9)["e"]["qps"] == 0.5


def test_a_tuned_setting_read_just_below_its_target_counts_as_reaching_it():
    """Tuned to 0.95 on 500 held-out queries x 10: the tolerance is 2 x sqrt(0.0475 / 5000) = 0.00616."""
    from vectorscout.results.analysis import recall_tolerance
    from vectorscout.results.records import TuningFigures

    tuned = TuningFigures(0.95, "ef", 64, True, 500, 500)
    reached = at_recall([ResultRow(engine="e", status="ok", index="hnsw", build_params={}, search_params={},
                                   recall=0.944, qps=100.0, tuning=tuned, k=10)], 0.95)["e"]
    assert reached["reached"] and reached["qps"] == 100.0
    assert recall_tolerance(0.9, 1, 1) == 2 * math.sqrt(0.09)  # one query of one neighbour: 0.6
    assert recall_tolerance(0.9, 0, 10) == 2 * math.sqrt(0.09)  # no query: read as one, not a division by zero
