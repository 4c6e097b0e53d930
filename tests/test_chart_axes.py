"""Log axes a projector's audience can read: at least three ticks inside the axis, each labelled with its whole
value (1, 10, 100, 1k), on every log axis of every chart the Results page, the Cost page and the report draw."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vectorscout.reporting.charts import cost_scale_figure, log_ticks, measurement_figures, scaling_figure, tick_label
from vectorscout.results.records import DatasetInfo, Environment, ResultRow, Run, StreamingFigures, StreamWindow
from vectorscout.results.scaling import ladders

SUFFIXES = {"k": 1e3, "M": 1e6, "B": 1e9}


def label_value(label: str) -> float:
    """The number a reader takes from a tick label."""
    if label[-1] in SUFFIXES:
        return float(label[:-1]) * SUFFIXES[label[-1]]
    return float(label)


@pytest.mark.parametrize(("value", "shown"), [
    (1, "1"), (10, "10"), (100, "100"), (1000, "1k"), (2500, "2.5k"), (1250, "1.25k"), (125, "125"), (20_000, "20k"),
    (1e6, "1M"), (5e6, "5M"),
    (3e9, "3B"), (0.5, "0.5"), (0.02, "0.02"), (999, "999"),
])
def test_a_tick_reads_as_its_whole_value(value, shown):
    assert tick_label(value) == shown


@pytest.mark.parametrize(("low", "high", "ticks"), [
    (1, 1000, [1, 10, 100, 1000]),  # three decades: decades alone
    (3, 40_000, [10, 100, 1000, 10_000]),
    (5, 40, [5, 10, 20]),  # under a decade: 1-2-5
    (0.3, 4, [0.5, 1, 2]),
    (220, 380, [200, 300, 400]),  # under a decade and 1-2-5 gives one: 1 to 9
    (1.1, 1.3, [1, 1.2, 1.4, 1.6]),  # 1 to 9 gives two: round linear steps
])
def test_ticks_are_decades_then_one_two_five_then_finer(low, high, ticks):
    (start, end), got = log_ticks(low, high)
    assert got == pytest.approx(ticks)
    assert start <= math.log10(low) and math.log10(high) <= end


@settings(max_examples=300, deadline=None)
@given(st.floats(1e-4, 1e10), st.floats(1.0, 1e6))
def test_any_data_gets_three_readable_ticks_inside_its_axis(low, factor):
    high = low * factor
    (start, end), ticks = log_ticks(low, high)
    assert start <= math.log10(low) <= math.log10(high) <= end
    assert len(ticks) >= 3 and ticks == sorted(set(ticks))
    assert all(start <= math.log10(t) <= end for t in ticks)
    for tick in ticks:  # the label says the tick's value to three significant digits
        assert label_value(tick_label(tick)) == pytest.approx(tick, rel=5e-3)


def run_of(rows, run_id="r1", selectivity=None) -> Run:
    return Run(run_id=run_id, created_at="2026-12-01T00:00:00+00:00", status="finished", k=10,
               dataset=DatasetInfo(name="synthetic", n=10_000, dim=64, metric="cosine", queries=100,
                                   filter_selectivity=selectivity),
               environment=Environment(), plan={}, results=rows)


def row(engine, ef, recall, qps, p50, concurrency=1, **extra) -> ResultRow:
    return ResultRow(engine=engine, status="ok", index="hnsw", build_params={"m": 16}, search_params={"ef": ef},
                     recall=recall, qps=qps, latency_p50_ms=p50, latency_p95_ms=p50 * 1.6, latency_p99_ms=p50 * 2.2,
                     latency_quantiles_ms=[p50 * f for f in (0.5, 0.8, 1.0, 1.3, 1.6, 2.2)], concurrency=concurrency,
                     index_bytes_per_vector=300.0 + ef, disk_bytes_per_vector=400.0, **extra)


def every_chart() -> list[tuple[str, object]]:
    windows = [StreamWindow(end_s=t, vectors=1000 * t, searches=50, recall=0.9, p50_ms=0.5 * t, p95_ms=0.8 * t,
                            p99_ms=t, insert_per_s=900.0, lag_s=0.0) for t in (1, 2, 3)]
    stream = StreamingFigures(rate_asked=1000, rate_achieved=900, base_vectors=5000, streamed_vectors=3000, clients=2,
                              window_s=1.0, fell_behind_at_s=None, windows=windows)
    rows = [row("faiss", 0, 1.0, 310.0, 3.1), row("hnswlib", 16, 0.91, 4100.0, 0.21),
            row("hnswlib", 64, 0.97, 2300.0, 0.4), row("hnswlib", 64, 0.97, 5200.0, 0.7, concurrency=4),
            row("hnswlib", 64, 0.97, 7000.0, 1.1, concurrency=8), row("qdrant", 32, 0.95, 1500.0, 0.6, streaming=stream)]
    runs = [run_of(rows, "r1", 0.5), run_of([row("hnswlib", 64, 0.9, 2000.0, 0.5)], "r2", 0.01)]
    cost = [{"engine": e, "vectors": n, "usd_per_month": usd, "nodes": 1, "bound_by": "memory"}
            for e, scale in (("faiss", 1.0), ("qdrant", 1.4)) for n, usd in ((1e6, 120 * scale), (1e7, 480 * scale),
                                                                             (1e8, 3900 * scale))]
    return [*measurement_figures(runs), ("cost", cost_scale_figure(cost)),
            ("scaling", scaling_figure(ladders(ladder_runs()), {"now": 10_000_000}))]


def ladder_runs() -> list[Run]:
    """hnswlib at three sizes whose figures wobble about power laws: a ladder with wide intervals."""
    runs = []
    for n, wobble in ((25_000, 1.1), (50_000, 0.85), (100_000, 1.05)):
        measured = row("hnswlib", 64, 0.99 - 0.002 * math.log(n) * wobble, 4e5 / n**0.5 * wobble, 1e-3 * n**0.5 * wobble,
                       insert_s=n / 2000 * wobble, index_s=0.0,
                       stages=[{"stage": "open", "rss_mb": 100.0}, {"stage": "insert", "rss_mb": 100 + n / 1000 * wobble}])
        run = run_of([measured], f"ladder{n}")
        run.dataset.n, run.dataset.spec = n, f"synthetic:n={n},dim=64,decay=1"
        runs.append(run)
    return runs


def test_every_log_axis_of_every_chart_has_three_readable_ticks_over_its_data():
    charts = every_chart()
    names = {name for name, _ in charts}
    assert {"pareto", "latency", "latency-cdf", "concurrency", "selectivity", "streaming", "compression",
            "cost", "scaling"} <= names  # every chart with a log axis is drawn here
    log_axes = 0
    for name, figure in charts:
        for letter in ("x", "y"):
            for axis in getattr(figure, f"select_{letter}axes")():
                if axis.type != "log":
                    assert axis.tickvals is None, (name, letter)  # a linear axis keeps Plotly's own ticks
                    continue
                log_axes += 1
                start, end = axis.range
                ticks = list(axis.tickvals)
                assert len(ticks) >= 3, (name, letter, ticks)
                assert all(start <= math.log10(t) <= end for t in ticks), (name, ticks, axis.range)
                assert [label_value(t) for t in axis.ticktext] == pytest.approx(ticks, rel=5e-3), name
                anchor = letter + axis.plotly_name[5:]
                # an interval's band (a filled shape) may reach past the axis; the data and the curves may not
                drawn = [v for trace in figure.data if (getattr(trace, f"{letter}axis", None) or letter) == anchor
                         and getattr(trace, "fill", None) != "toself"
                         for v in (getattr(trace, letter) or ()) if isinstance(v, (int, float)) and v > 0]
                assert drawn and start <= math.log10(min(drawn)) and math.log10(max(drawn)) <= end, name
                assert (start, end) == pytest.approx(log_ticks(min(drawn), max(drawn))[0]), name  # no wider
    assert log_axes >= 9 + 11  # the scaling chart: six x axes, five log y axes (recall is linear)


def test_the_scaling_chart_draws_each_measured_point_its_curve_its_band_and_the_scenarios_size():
    found = ladders(ladder_runs())
    figure = scaling_figure(found, {"now": 10_000_000})
    qps = found[0].curves["qps"]
    points = [t for t in figure.data if t.mode == "markers" and t.xaxis == "x"]
    assert [list(t.x) for t in points] == [[25_000, 50_000, 100_000]]
    assert list(points[0].y) == pytest.approx([y for _, y in qps.points])
    (line,) = [t for t in figure.data if t.mode == "lines" and t.xaxis == "x" and t.name.startswith("hnswlib")]
    assert line.x[0] == 25_000 and line.y[-1] == pytest.approx(qps.at(int(line.x[-1])).value)
    (band,) = [t for t in figure.data if t.fill == "toself" and t.xaxis == "x"]
    assert max(band.y) == pytest.approx(qps.at(int(line.x[-1])).interval[1])  # the widest point: the far end
    memory = found[0].curves["memory_bytes"]
    (memory_line,) = [t for t in figure.data if t.mode == "lines" and t.xaxis == "x4" and t.name.startswith("hnswlib")]
    assert memory_line.y[0] == pytest.approx(memory.at(25_000).value / 2**30)  # drawn in GiB, as its title says
    assert "Engine memory (GiB, log)" in [a.text for a in figure.layout.annotations]
    marks = [t for t in figure.data if t.name == "now (10M vectors)"]
    assert len(marks) == 6 and [m.showlegend for m in marks].count(True) == 1  # on every panel, in the legend once
    assert list(marks[0].x) == [10_000_000, 10_000_000]
    memory_axis = [a for a in figure.select_yaxes() if a.type == "log"]
    assert len(memory_axis) == 5 and figure.layout.yaxis3.type == "linear"  # recall, the third panel, is linear


def test_the_criterion_chart_labels_a_score_of_zero_apart_from_no_evidence():
    from types import SimpleNamespace

    from vectorscout.reporting.charts import criteria_figure

    verdicts = [SimpleNamespace(name="A", score=0.6, criteria={"performance": 0.0, "licence": 0.0, "cost": None}),
                SimpleNamespace(name="B", score=0.4, criteria={"performance": None, "licence": 0.7, "cost": 0.5}),
                SimpleNamespace(name="C", score=None, criteria={"performance": 1.0})]  # excluded: not drawn
    said = {trace.name: dict(zip(trace.x, trace.text)) for trace in criteria_figure(verdicts).data}
    assert said == {"cost": {"A": "not costed", "B": ""}, "licence": {"A": "0", "B": ""},
                    "performance": {"A": "0: missed target", "B": "not measured"}}


def test_a_frontier_point_measured_under_noise_is_drawn_hollow_like_its_faint_point():
    from vectorscout.reporting.charts import recall_qps_figure

    rows = [row("hnswlib", 16, 0.9, 4000.0, 0.2), row("hnswlib", 64, 0.97, 2000.0, 0.4, noise="host 40 % busy")]
    faint, frontier = recall_qps_figure(rows).data
    assert list(faint.marker.symbol) == list(frontier.marker.symbol) == ["circle", "circle-open"]
