"""Plotly figures of results; plain Python so the dashboard and the reports draw the same charts."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go

from adapters.registry import UnknownEngine, adapter_class
from vectorscout.glossary import index_name
from vectorscout.results.analysis import series_text
from vectorscout.results.records import ResultRow, Run

if TYPE_CHECKING:
    from vectorscout.results.scaling import Ladder

FALLBACK_COLOUR = "#7F7F7F"
# A run compared with others keeps its engine's hue in a shade of its own, with its own dash and marker, so
# "qdrant in run 1" and "qdrant in run 2" are two series that still read as qdrant.
RUN_SHADES = ((0.0, 0), (0.45, 255), (0.4, 0), (0.7, 255))  # (share mixed in, with white 255 or black 0)
RUN_DASHES = ("solid", "dash", "dot", "dashdot")
RUN_SYMBOLS = ("circle", "diamond", "square", "triangle-up")
# A log axis is labelled with explicit ticks: Plotly's own minor labels read "1000, 5, 2, 100, 5" (the digit
# alone). Decades when the data spans three or more, else 1-2-5 of each decade, else 1 to 9: the first that puts
# MIN_LOG_TICKS ticks on the axis.
MIN_LOG_TICKS = 3
LOG_STEPS = ((1,), (1, 2, 5), (1, 2, 3, 4, 5, 6, 7, 8, 9))
LOG_PAD = 0.04  # the axis reaches this share of its span (in decades) beyond the data, so end points are not cut


def tick_label(value: float) -> str:
    """1, 10, 100, 1k, 2.5k, 1M, 1B: a tick a projector's audience reads at a glance."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def log_ticks(low: float, high: float) -> tuple[tuple[float, float], list[float]]:
    """The range (in decades, as Plotly takes a log axis's range) and the tick values for data from low to high
    (both > 0): at least MIN_LOG_TICKS ticks inside the range."""
    span = max(math.log10(high) - math.log10(low), 0.3)  # one value alone still gets an axis about it
    middle = (math.log10(high) + math.log10(low)) / 2
    start, end = min(math.log10(low), middle - span / 2), max(math.log10(high), middle + span / 2)
    start, end = start - LOG_PAD * span, end + LOG_PAD * span
    for steps in LOG_STEPS:
        ticks = [step * 10.0 ** exponent for exponent in range(math.floor(start), math.ceil(end) + 1)
                 for step in steps if start <= math.log10(step * 10.0 ** exponent) <= end]
        if len(ticks) >= MIN_LOG_TICKS:
            return (start, end), ticks
    # a span under a factor of two: round steps (1, 2 or 5 of a power of ten), the coarsest giving enough ticks
    low_value, high_value = 10 ** start, 10 ** end
    power = 10.0 ** math.floor(math.log10((high_value - low_value) / 4))
    for multiple in (10, 5, 2, 1):
        step = multiple * power
        ticks = [round(k * step, 12) for k in range(math.ceil(low_value / step), math.floor(high_value / step) + 1)]
        if len(ticks) >= MIN_LOG_TICKS:
            break
    return (start, end), ticks


def _plotted(figure: go.Figure, letter: str, anchor: str) -> list[float]:
    values: list[float] = []
    for trace in figure.data:
        if (getattr(trace, f"{letter}axis", None) or letter) != anchor:
            continue
        # an interval's band may reach decades past the data: the axis follows the data
        if getattr(trace, "fill", None) == "toself":
            continue
        data = getattr(trace, letter, None)
        values += [float(v) for v in (data if data is not None else ())
                   if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0]
    return values


def readable_log_axes(figure: go.Figure) -> go.Figure:
    """Every log axis of the figure given its range and labelled ticks from the data it draws."""
    for letter in ("x", "y"):
        for axis in getattr(figure, f"select_{letter}axes")():
            if axis.type != "log":
                continue
            anchor = letter + axis.plotly_name[len(letter) + 4:]  # "xaxis2" is drawn by traces anchored "x2"
            values = _plotted(figure, letter, anchor)
            if not values:
                continue
            (start, end), ticks = log_ticks(min(values), max(values))
            axis.update(range=[start, end], tickmode="array", tickvals=ticks, ticktext=[tick_label(t) for t in ticks])
    return figure


def engine_colour(engine: str) -> str:
    """The engine's own colour (declared by its adapter; a row's engine key, never a series label); an engine
    this installation does not know gets grey."""
    try:
        return adapter_class(engine).colour
    except UnknownEngine:
        return FALLBACK_COLOUR


@dataclass(frozen=True)
class SeriesStyle:
    """How one series is drawn and named in a legend."""

    colour: str
    dash: str
    symbol: str
    name: str  # "qdrant · run 2" in a comparison: the run ids are in the hover text and the page's caption


def _shade(colour: str, share: float, towards: int) -> str:
    if not colour.startswith("#") or len(colour) != 7 or share == 0:
        return colour
    channels = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (towards - c) * share):02X}" for c in channels)


def series_styles(rows: Iterable[ResultRow]) -> dict[str, SeriesStyle]:
    """A style per series (keyed by series_text): the engine's colour, shaded and dashed per compared run, runs
    numbered in the order they first appear."""
    runs: list[str] = []
    styles: dict[str, SeriesStyle] = {}
    for row in rows:
        key = series_text(row)
        if key in styles:
            continue
        if row.run_id and row.run_id not in runs:
            runs.append(row.run_id)
        place = runs.index(row.run_id) if row.run_id else 0
        share, towards = RUN_SHADES[place % len(RUN_SHADES)]
        series = row.series or row.engine
        styles[key] = SeriesStyle(_shade(engine_colour(row.engine), share, towards), RUN_DASHES[place % len(RUN_DASHES)],
                                  RUN_SYMBOLS[place % len(RUN_SYMBOLS)],
                                  f"{series} · run {place + 1}" if row.run_id else series)
    return styles


def run_legend(runs: list[Run]) -> str:
    """What "run 1", "run 2" stand for in the legends of compared runs ("" for a single run)."""
    if len(runs) < 2:
        return ""
    return "; ".join(f"run {place} = {run.run_id} ({run.label or 'unlabelled'})" for place, run in enumerate(runs, 1))


def _legend_below(figure: go.Figure, entries: int, base_height: int = 480) -> None:
    # a legend under the plot keeps the full width for the data; the height grows with the entries (two per line)
    figure.update_layout(height=base_height + 22 * ((entries + 1) // 2),
                         legend={"orientation": "h", "yanchor": "top", "y": -0.18, "xanchor": "left", "x": 0})


def measurement_figures(runs: list[Run]) -> list[tuple[str, go.Figure]]:
    """The charts of measured runs, named, in the order the Results page and the report show them; the
    concurrency and selectivity charts only where there is something to show."""
    from vectorscout.results.analysis import compared_rows

    rows = compared_rows(runs)
    charts = []
    if any(r.qps is not None for r in rows):  # a run of hybrid quality alone has no speed to draw
        charts += [("pareto", recall_qps_figure(rows)), ("latency", latency_figure(rows)),
                   ("latency-cdf", latency_cdf_figure(rows))]
    if any(r.concurrency > 1 for r in rows):
        charts.append(("concurrency", concurrency_figure(rows)))
    if sum(run.dataset.filter_selectivity is not None for run in runs) >= 2:
        charts.append(("selectivity", selectivity_figure(runs)))
    charts.append(("resources", resources_figure(rows)))
    if len({(series_text(r), r.index) for r in _with_bytes(rows)}) >= 2:
        charts.append(("compression", compression_figure(rows)))
    if any(r.streaming is not None and r.streaming.windows for r in rows):
        charts.append(("streaming", streaming_figure(rows)))
    if any(r.status == "ok" and r.hybrid is not None for r in rows):
        charts.append(("hybrid", hybrid_figure(rows)))
    return charts


LATENCY_INTERVALS = {"latency_p50_ms": "latency_p50_interval_ms", "latency_p95_ms": "latency_p95_interval_ms"}


def error_bars(points: list[tuple[float | None, list[float] | None]], colour: str) -> dict[str, Any] | None:
    """Plotly's asymmetric error bars for figures with their 95 % intervals (None when no point has one)."""
    if not any(interval for _, interval in points):
        return None
    return {"type": "data", "symmetric": False, "color": colour, "thickness": 1.2, "width": 3,
            "array": [interval[1] - value if interval and value is not None else 0 for value, interval in points],
            "arrayminus": [value - interval[0] if interval and value is not None else 0 for value, interval in points]}


def setting_label(row: ResultRow) -> str:
    parts = [index_name(row.index), *(f"{k}={v}" for k, v in row.search_params.items())]
    return " ".join(parts)


def recall_qps_figure(rows: list[ResultRow]) -> go.Figure:
    """Every setting as a faint point, and each engine's Pareto frontier as a line (ann-benchmarks style)."""
    from vectorscout.results.analysis import pareto_frontier

    ok = [r for r in rows if r.status == "ok" and r.recall is not None and r.qps is not None]
    styles = series_styles(ok)
    figure = go.Figure()
    for engine, points in pareto_frontier(ok).items():
        style = styles[engine]
        everything = [r for r in ok if series_text(r) == engine]
        figure.add_trace(go.Scatter(
            x=[r.recall for r in everything], y=[r.qps for r in everything], mode="markers", name=f"{style.name} (all)",
            # the 95 % intervals where the run kept them (recall across, QPS up and down)
            error_x=error_bars([(r.recall, r.recall_interval) for r in everything], style.colour),
            error_y=error_bars([(r.qps, r.qps_interval) for r in everything], style.colour),
            # a measurement taken under noise is drawn hollow, with the reason in its hover text
            marker={"size": 7, "color": style.colour, "opacity": 0.35,
                    "symbol": [f"{style.symbol}-open" if r.noise else style.symbol for r in everything]},
            showlegend=False, legendgroup=engine,
            text=[setting_label(r) + (f"<br>NOISE: {r.noise}" if r.noise else "") for r in everything],
            hovertemplate="%{text}<br>recall %{x:.3f}<br>%{y:,.0f} QPS<extra>" + engine + "</extra>",
        ))
        labels = [" ".join([p.index, *(f"{k}={v}" for k, v in {**p.build_params, **p.search_params}.items())])
                  for p in points]
        figure.add_trace(go.Scatter(
            x=[p.recall for p in points], y=[p.qps for p in points], mode="lines+markers", name=style.name,
            # hollow as in the faint layer below: a frontier point measured under noise must not read as solid
            marker={"size": 11, "color": style.colour,
                    "symbol": [f"{style.symbol}-open" if p.noise else style.symbol for p in points]},
            line={"color": style.colour, "dash": style.dash}, legendgroup=engine, text=labels,
            hovertemplate="%{text}<br>recall %{x:.3f}<br>%{y:,.0f} QPS<extra>" + engine + " frontier</extra>",
        ))
    lowest = min((r.recall or 0.0 for r in ok), default=0.0)
    figure.update_xaxes(range=[max(0.0, lowest - 0.05), 1.01])  # recall lives in [0, 1]; never show 2
    figure.update_layout(
        title="Recall against throughput: Pareto frontier per engine (up and to the right is better)",
        xaxis_title="recall@k (ID overlap, higher is better)", yaxis_title="queries per second, serial (higher is better)",
        yaxis_type="log", legend_title="engine", template="plotly_white", height=520,
    )
    return readable_log_axes(figure)


def latency_figure(rows: list[ResultRow]) -> go.Figure:
    """p50, p95 and p99 per engine and setting as horizontal bars: long setting names stay readable, and the
    chart grows with the number of settings instead of squeezing them."""
    from vectorscout.reporting.tables import row_order

    ok = sorted((r for r in rows if r.status == "ok" and r.latency_p50_ms is not None), key=row_order)
    styles = series_styles(ok)
    labels = [f"{styles[series_text(r)].name} · {setting_label(r)}" + (f" · {r.concurrency} clients" if r.concurrency > 1 else "")
              for r in ok]
    figure = go.Figure()
    for attribute, name, opacity in (("latency_p50_ms", "p50", 1.0), ("latency_p95_ms", "p95", 0.7),
                                      ("latency_p99_ms", "p99", 0.45)):
        interval = LATENCY_INTERVALS.get(attribute)
        bars = error_bars([(getattr(r, attribute), getattr(r, interval)) for r in ok], "#333333") if interval else None
        figure.add_trace(go.Bar(
            y=labels, x=[getattr(r, attribute) for r in ok], name=name, opacity=opacity, orientation="h", error_x=bars,
            marker_color=[styles[series_text(r)].colour for r in ok],
            hovertemplate="%{y}<br>" + name + " %{x:.3f} ms<extra></extra>",
        ))
    figure.update_layout(
        title="Query latency per engine and setting (shorter is better)", barmode="group",
        xaxis_title="latency per query, ms (log; shorter is better)", xaxis_type="log",
        template="plotly_white", height=max(420, 150 + 48 * len(ok)),
        yaxis={"autorange": "reversed", "automargin": True},
        legend={"title": "percentile", "orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
    )
    return readable_log_axes(figure)


# Distinct colours for categories: Plotly's 24 "Dark24" colours; beyond MAX_CATEGORIES the rare
# categories share one grey "other" series, so no two shown categories share a colour and the legend fits.
MAX_CATEGORIES = 24


def projection_figure(vectors: np.ndarray, colour: np.ndarray | None, colour_name: str, sample: int = 800,
                      hover: list[str] | None = None) -> go.Figure:
    """A 2-D PCA projection of a seeded sample, coloured by a payload column (shows how the data clusters)."""
    from plotly.colors import qualitative

    rows = np.sort(np.random.default_rng(0).choice(len(vectors), min(sample, len(vectors)), replace=False))
    points = vectors[rows].astype(np.float64)
    centred = points - points.mean(axis=0)
    _, singular, components = np.linalg.svd(centred, full_matrices=False)
    xy = centred @ components[:2].T
    explained = (singular[:2] ** 2 / (singular**2).sum()) if singular.sum() > 0 else np.zeros(2)
    figure = go.Figure()
    labels = np.asarray(colour)[rows].astype(str) if colour is not None else np.full(len(rows), "all")
    values, counts = np.unique(labels, return_counts=True)
    by_size = [str(v) for _, v in sorted(zip(-counts, values))]
    shown = by_size if len(by_size) <= MAX_CATEGORIES else by_size[:MAX_CATEGORIES - 1]
    kept = set(shown)
    rare = [v for v in by_size if v not in kept]
    palette = list(qualitative.Dark24)
    groups = [(value, labels == value, palette[place % len(palette)]) for place, value in enumerate(sorted(shown))]
    if rare:
        groups.append((f"other ({len(rare)} rarer categories)", np.isin(labels, rare), "#B0B0B0"))
    for name, mask, hue in groups:
        # SVG, not WebGL: a browser without a GPU draws 2,000 SVG points at once and WebGL ones in seconds
        figure.add_trace(go.Scatter(
            x=xy[mask, 0], y=xy[mask, 1], mode="markers", name=name, marker={"size": 5, "opacity": 0.7, "color": hue},
            text=[f"{labels[i]}: {hover[rows[i]][:120]}" if hover else labels[i] for i in np.flatnonzero(mask)],
            hovertemplate="%{text}<extra></extra>",
        ))
    figure.update_layout(
        title=f"PCA projection of {len(rows):,} vectors, coloured by {colour_name}",
        xaxis_title=f"component 1 ({explained[0]:.1%} of variance)",
        yaxis_title=f"component 2 ({explained[1]:.1%} of variance)", template="plotly_white", legend_title=colour_name,
        height=max(520, 120 + 21 * len(groups)),
    )
    return figure


def criteria_figure(verdicts: list[Any]) -> go.Figure:
    """Criterion scores per engine (0-1, higher is better); excluded engines are left out."""
    scored = [v for v in verdicts if v.score is not None]
    criteria = sorted({c for v in scored for c in v.criteria})
    figure = go.Figure()
    for criterion in criteria:
        values = [v.criteria.get(criterion) for v in scored]
        # a criterion scored 0 and one with no evidence both draw no bar: each says which it is in words
        missing = {"performance": "not measured", "cost": "not costed"}.get(criterion, "not scored")
        said = [missing if value is None else "" if value != 0
                else "0: missed target" if criterion == "performance" else "0" for value in values]
        figure.add_trace(go.Bar(
            x=[v.name for v in scored], y=[value or 0.0 for value in values], name=criterion, text=said,
            textposition="outside", textangle=-90, cliponaxis=False, constraintext="none", textfont={"size": 12},
            hovertemplate="%{x}<br>" + criterion + " %{y:.2f} %{text}<extra></extra>",
        ))
    figure.update_layout(
        title="Criterion scores per engine (higher is better)<br><sup>a score of 0 is labelled '0'; no evidence is "
              "labelled 'not measured', 'not costed' or 'not scored'</sup>",
        barmode="group",
        yaxis_title="score, 0 to 1 (higher is better)", yaxis_range=[0, 1.05], template="plotly_white",
        legend_title="criterion",
    )
    return figure


def _serial_ok(rows: list[ResultRow]) -> list[ResultRow]:
    return [r for r in rows if r.status == "ok" and r.concurrency == 1]


def latency_cdf_figure(rows: list[ResultRow]) -> go.Figure:
    """The distribution of per-query latency (serial pass) per engine and setting, as a CDF."""
    figure = go.Figure()
    drawn = [row for row in _serial_ok(rows) if row.latency_quantiles_ms]
    styles = series_styles(drawn)
    for row in drawn:
        style = styles[series_text(row)]
        shares = [*np.linspace(0, 100, len(row.latency_quantiles_ms) - 1).tolist(), 99.9]
        pairs = sorted(zip(row.latency_quantiles_ms, shares), key=lambda p: (p[1], p[0]))
        figure.add_trace(go.Scatter(
            x=[p[0] for p in pairs], y=[p[1] for p in pairs], mode="lines", name=f"{style.name} · {setting_label(row)}",
            line={"color": style.colour, "dash": style.dash},
            hovertemplate="%{y:.1f}% of queries within %{x:.3f} ms<extra>" + series_text(row) + "</extra>",
        ))
    figure.update_layout(
        title="Latency distribution: share of queries answered within a time (up and to the left is better)",
        xaxis_title="latency per query, ms (log; lower is better)", yaxis_title="share of queries, % (cumulative)",
        xaxis_type="log", template="plotly_white", legend_title="engine · setting",
    )
    _legend_below(figure, len(drawn))
    return readable_log_axes(figure)


def concurrency_figure(rows: list[ResultRow]) -> go.Figure:
    """Throughput against the number of concurrent clients, per engine and setting; p95 in the hover."""
    figure = go.Figure()
    groups: dict[tuple[str, str], list[ResultRow]] = {}
    for row in rows:
        if row.status == "ok" and row.qps is not None:
            groups.setdefault((series_text(row), setting_label(row)), []).append(row)
    styles = series_styles(row for members in groups.values() for row in members)
    drawn = 0
    for (engine, setting), members in sorted(groups.items()):
        if len({r.concurrency for r in members}) < 2:
            continue
        drawn += 1
        style = styles[engine]
        members.sort(key=lambda r: r.concurrency)
        figure.add_trace(go.Scatter(
            x=[r.concurrency for r in members], y=[r.qps for r in members], mode="lines+markers",
            name=f"{style.name} · {setting}", line={"color": style.colour, "dash": style.dash},
            marker={"symbol": style.symbol},
            text=[f"p95 {r.latency_p95_ms:.3f} ms, {r.errors} errors, client CPU {r.client_cpu_pct or 0:.0f}%"
                  if r.latency_p95_ms is not None else f"{r.errors} errors" for r in members],
            hovertemplate="%{x} clients: %{y:,.0f} QPS<br>%{text}<extra>" + engine + "</extra>",
        ))
    figure.update_layout(
        title="Throughput by concurrent clients (higher is better)", xaxis_title="concurrent clients",
        yaxis_title="queries per second (higher is better)", xaxis_type="log", template="plotly_white",
        legend_title="engine · setting",
    )
    _legend_below(figure, drawn)
    readable_log_axes(figure)
    levels = sorted({r.concurrency for members in groups.values() for r in members})
    if len(levels) >= MIN_LOG_TICKS:  # the client counts measured are the ticks that say most
        figure.update_xaxes(tickvals=levels, ticktext=[str(level) for level in levels])
    return figure


def selectivity_figure(runs: list[Any]) -> go.Figure:
    """Recall and p95 latency against the share of vectors a filter keeps, across runs of the same plan."""
    from plotly.subplots import make_subplots

    figure = make_subplots(rows=1, cols=2, subplot_titles=("recall (higher is better)", "p95 latency, ms (lower is better)"))
    points: dict[str, list[tuple[float, float, float]]] = {}
    for run in runs:
        share = run.dataset.filter_selectivity
        if share is None:
            continue
        best: dict[str, ResultRow] = {}
        for row in _serial_ok(run.results):
            if row.recall is not None and (series_text(row) not in best or row.recall > (best[series_text(row)].recall or 0)):
                best[series_text(row)] = row
        for engine, row in best.items():
            points.setdefault(engine, []).append((100 * share, row.recall or 0.0, row.latency_p95_ms or 0.0))
    for engine, values in sorted(points.items()):
        values.sort()
        colour = engine_colour(engine)
        for column, index in ((1, 1), (2, 2)):
            figure.add_trace(go.Scatter(
                x=[v[0] for v in values], y=[v[index] for v in values], mode="lines+markers", name=engine,
                line={"color": colour}, showlegend=column == 1, legendgroup=engine,
            ), row=1, col=column)
    figure.update_xaxes(type="log", title_text="vectors the filter keeps, % (log)")
    figure.update_yaxes(title_text="recall@k against filtered ground truth", row=1, col=1)
    figure.update_yaxes(title_text="p95 ms", row=1, col=2)
    figure.update_layout(title="Filtered search by selectivity (best setting per engine)", template="plotly_white",
                         height=480)
    return readable_log_axes(figure)


def streaming_figure(rows: list[ResultRow]) -> go.Figure:
    """Recall and p95 latency per window of a streaming run, against the vectors the index held: how each engine
    serves while it is written to (the stream's rows are scored against the vectors acknowledged when each
    search began)."""
    from plotly.subplots import make_subplots

    streamed = [r for r in rows if r.status == "ok" and r.streaming is not None and r.streaming.windows]
    styles = series_styles(streamed)
    figure = make_subplots(rows=1, cols=2, subplot_titles=("recall@k per window (higher is better)",
                                                           "p95 latency per window, ms (lower is better)"))
    for row in streamed:
        style = styles[series_text(row)]
        name = f"{style.name} · {index_name(row.index)}"
        windows = row.streaming.windows if row.streaming else []
        for column, values in ((1, [w.recall for w in windows]), (2, [w.p95_ms for w in windows])):
            figure.add_trace(go.Scatter(
                x=[w.vectors for w in windows], y=values, mode="lines+markers", name=name,
                line={"color": style.colour, "dash": style.dash}, marker={"symbol": style.symbol},
                showlegend=column == 1, legendgroup=name,
                customdata=[[w.end_s, w.searches, w.insert_per_s] for w in windows],
                hovertemplate="%{x:,} vectors at %{customdata[0]:.1f} s: %{y:.3~g}<br>%{customdata[1]:,} searches, "
                              "%{customdata[2]:,.0f} inserts/s<extra>" + name + "</extra>",
            ), row=1, col=column)
    figure.update_xaxes(title_text="vectors in the index at the window's end")
    figure.update_yaxes(title_text="recall@k", row=1, col=1)
    figure.update_yaxes(title_text="p95 ms (log)", type="log", row=1, col=2)
    figure.update_layout(title="While the index is written to: recall and tail latency per window", height=480,
                         template="plotly_white", legend_title="engine · index")
    _legend_below(figure, len(streamed))
    return readable_log_axes(figure)


HYBRID_MODES = (("keyword", "keyword alone", "#E1A23B"), ("dense", "dense alone", "#4C78A8"),
                ("hybrid", "hybrid (fused)", "#2E9E5B"))


def hybrid_figure(rows: list[ResultRow]) -> go.Figure:
    """nDCG@10 of keyword, dense and hybrid retrieval per engine, bars side by side, with the exact dense top-k's
    as a grey fourth bar: what fusion adds over either list, and what the approximate dense index gives up."""
    measured = [r for r in rows if r.status == "ok" and r.hybrid is not None]
    labels = [f"{series_text(r)} · {index_name(r.index)}"
              + ("<br>(app-side text)" if r.hybrid and r.hybrid.application_side else "") for r in measured]
    series = [(name, colour, [r.hybrid.mode(mode) if r.hybrid else None for r in measured])
              for mode, name, colour in HYBRID_MODES]
    figure = go.Figure()
    for name, colour, values in series:
        figure.add_trace(go.Bar(
            x=labels, y=[v.ndcg_at_10 if v else None for v in values], name=name, marker={"color": colour},
            text=[f"{v.ndcg_at_10:.3f}" if v else "" for v in values], textposition="outside",
            hovertext=[v.method if v else "" for v in values],
            hovertemplate="%{x}<br>" + name + ": nDCG@10 %{y:.4f}<br>%{hovertext}<extra></extra>",
        ))
    exact = [r.hybrid.exact_dense_ndcg_at_10 if r.hybrid else None for r in measured]
    figure.add_trace(go.Bar(x=labels, y=exact, name="exact dense (the most dense can give)", marker={"color": "#BBBBBB"},
                            text=[f"{v:.3f}" if v is not None else "" for v in exact], textposition="outside",
                            hovertemplate="%{x}<br>exact dense nDCG@10 %{y:.4f}<extra></extra>"))
    tallest = max([0.0, *(v for _, _, values in series for m in values if m for v in [m.ndcg_at_10])])
    figure.update_layout(title="Hybrid-search quality: nDCG@10 of keyword, dense and fused retrieval (higher is better)",
                         barmode="group", height=480, template="plotly_white", yaxis_title="nDCG@10",
                         yaxis_range=[0, 1.15 * tallest + 0.02], xaxis_tickangle=0, uniformtext_minsize=8,
                         legend_title="bars, left to right")
    _legend_below(figure, 4)
    return figure


def resources_figure(rows: list[ResultRow]) -> go.Figure:
    """The engine's own memory (above the harness and its copy of the dataset) and its on-disk size, per engine
    and run (lower is better)."""
    from vectorscout.results.analysis import engine_memory_mb

    per_engine: dict[str, ResultRow] = {}
    for row in rows:
        if row.status == "ok" and series_text(row) not in per_engine:
            per_engine[series_text(row)] = row
    engines = list(per_engine)
    styles = series_styles(per_engine.values())
    names = [styles[e].name for e in engines]
    colours = [styles[e].colour for e in engines]
    memory = [engine_memory_mb(per_engine[e]) for e in engines]
    disk = [per_engine[e].disk_mb for e in engines]
    figure = go.Figure()
    figure.add_trace(go.Bar(x=names, y=memory, name="engine memory, MB", marker_color=colours,
                            text=["not measured" if m is None else f"{m:,.1f}" for m in memory], textposition="outside",
                            hovertemplate="%{x}<br>engine memory %{y:,.1f} MB<extra></extra>"))
    figure.add_trace(go.Bar(x=names, y=disk, name="on disk, MB", marker_color=colours, marker_pattern_shape="/",
                            opacity=0.6, text=["not measured" if d is None else f"{d:,.1f}" for d in disk],
                            textposition="outside", hovertemplate="%{x}<br>on disk %{y:,.1f} MB<extra></extra>"))
    figure.update_layout(
        title="Engine memory and disk per engine (lower is better)<br><sup>memory: the most held above the engine "
              "opened empty, so the harness's copy of the dataset is not counted</sup>",
        barmode="group", yaxis_title="MB (lower is better)", xaxis_title="engine", template="plotly_white", height=480,
    )
    return figure


def _with_bytes(rows: list[ResultRow]) -> list[ResultRow]:
    return [r for r in _serial_ok(rows) if r.index_bytes_per_vector and r.recall is not None and r.qps]


def compression_figure(rows: list[ResultRow]) -> go.Figure:
    """Recall against the bytes per vector of what the engine searches in memory (its index and the vectors or
    codes it holds, as the engine's own structures report them: adapter.index_bytes), a bubble per index and
    setting whose area is its serial QPS: what compression gives up and what it saves, beside the uncompressed
    indexes. Not the worker's RSS growth: the allocator keeps freed pages and adapters hold temporary copies
    (FAISS IVF-SQ8 on WordNet: 0 B per vector by RSS; IVF-PQ: 3,740, more than the float32 IVF)."""
    points = _with_bytes(rows)
    styles = series_styles(points)
    fastest = max((r.qps or 0.0 for r in points), default=1.0) or 1.0
    figure = go.Figure()
    for engine in dict.fromkeys(series_text(r) for r in points):
        style = styles[engine]
        mine = [r for r in points if series_text(r) == engine]
        figure.add_trace(go.Scatter(
            x=[r.index_bytes_per_vector for r in mine], y=[r.recall for r in mine], mode="markers+text",
            name=style.name, text=[index_name(r.index) for r in mine], textposition="top center",
            marker={"color": style.colour, "symbol": style.symbol, "opacity": 0.75, "sizemode": "area",
                    "size": [8 + 40 * (r.qps or 0.0) / fastest for r in mine], "line": {"width": 1}},
            customdata=[[setting_label(r), r.qps, r.disk_bytes_per_vector or 0] for r in mine],
            hovertemplate="%{customdata[0]}<br>recall %{y:.3f}<br>%{x:,.0f} B per vector searched in memory"
                          "<br>%{customdata[1]:,.0f} QPS<br>disk %{customdata[2]:,.0f} B per vector<extra>"
                          + engine + "</extra>",
        ))
    figure.update_layout(
        title="Recall against memory per vector (up and to the left is better; bubble area: QPS)<br><sup>What the "
              "engine searches in memory (index, and the vectors or codes it holds) as its own structures report it; "
              "engines that do not report it are left out</sup>",
        xaxis_title="bytes per vector searched in memory (log, measured; lower is better)", xaxis_type="log",
        yaxis_title="recall@k (higher is better)", template="plotly_white", height=520, legend_title="engine",
    )
    return readable_log_axes(figure)


def cost_scale_figure(points: list[dict[str, Any]]) -> go.Figure:
    """Self-hosted $/month against the number of vectors, per engine (log-log; lower is better)."""
    figure = go.Figure()
    for engine in sorted({p["engine"] for p in points}):
        mine = [p for p in points if p["engine"] == engine]
        figure.add_trace(go.Scatter(
            x=[p["vectors"] for p in mine], y=[p["usd_per_month"] for p in mine], mode="lines+markers", name=engine,
            line={"color": engine_colour(engine)}, text=[f"{p['nodes']} nodes, bound by {p['bound_by']}" for p in mine],
            hovertemplate="%{x:,.0f} vectors: $%{y:,.0f}/month<br>%{text}<extra>" + engine + "</extra>",
        ))
    figure.update_layout(
        title="Cost against scale, self-hosted (lower is better)", xaxis_title="vectors (log)",
        yaxis_title="USD per month (log, lower is better)", xaxis_type="log", yaxis_type="log", template="plotly_white",
    )
    return readable_log_axes(figure)


SCALING_PANELS = ("qps", "p95_ms", "recall", "memory_bytes", "build_s", "p50_ms")


def _hex_rgba(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def scaling_figure(found: list[Ladder], marks: dict[str, int] | None = None) -> go.Figure:
    """Each figure of each scale ladder against size (log axes; recall on a linear one): the measured points,
    the fitted curve, its 95 % prediction interval as a band, and the scenario's sizes as dashed lines."""
    from plotly.subplots import make_subplots

    marks = marks or {}
    panels = [key for key in SCALING_PANELS if any(key in ladder.curves for ladder in found)]
    columns = 2
    rows = max(1, math.ceil(len(panels) / columns))
    figure = make_subplots(rows=rows, cols=columns, horizontal_spacing=0.12, vertical_spacing=0.16,
                           subplot_titles=[_panel_title(key) for key in panels])
    largest = max([max(ladder.sizes) for ladder in found] + list(marks.values()) or [1])
    smallest = min([min(ladder.sizes) for ladder in found] or [1])
    xs = [float(x) for x in np.geomspace(smallest, largest * 1.3, 48)]  # from the smallest size measured
    # the engine's colour; a second ladder of one engine (another setting or dimension) in a shade of it
    looks: list[tuple[str, str]] = []
    for place, ladder in enumerate(found):
        before = sum(other.key.engine == ladder.key.engine for other in found[:place])
        share, towards = RUN_SHADES[before % len(RUN_SHADES)]
        looks.append((_shade(engine_colour(ladder.key.engine), share, towards), RUN_SYMBOLS[before % len(RUN_SYMBOLS)]))
    for position, key in enumerate(panels):
        cell = {"row": position // columns + 1, "col": position % columns + 1}
        low_y, high_y = math.inf, 0.0
        for ladder, look in zip(found, looks):
            if key in ladder.curves:
                low, high = _ladder_traces(figure, ladder, key, xs, look, position == 0, cell)
                low_y, high_y = min(low_y, low), max(high_y, high)
        for label, vectors in marks.items():
            if math.isfinite(low_y) and high_y > 0:
                figure.add_trace(go.Scatter(
                    x=[vectors, vectors], y=[low_y, high_y], mode="lines", line={"color": "#555555", "dash": "dash"},
                    name=f"{label} ({tick_label(vectors)} vectors)", legendgroup=label, showlegend=position == 0,
                    hoverinfo="name"), **cell)
        figure.update_xaxes(type="log", title_text="vectors (log)", **cell)
        figure.update_yaxes(type="linear" if key == "recall" else "log", **cell)
    figure.update_layout(title="Figures against size: measured points, fitted curve, 95 % prediction interval",
                         template="plotly_white")
    _legend_below(figure, len(found) + len(marks), base_height=360 * rows)
    return readable_log_axes(figure)


def _ladder_traces(figure: go.Figure, ladder: Ladder, key: str, xs: list[float], look: tuple[str, str],
                   in_legend: bool, cell: dict[str, int]) -> tuple[float, float]:
    """One ladder's band, curve and measured points on one panel; the lowest and highest value drawn."""
    curve = ladder.curves[key]
    scale = 2**-30 if key == "memory_bytes" else 1.0  # memory in GiB
    name = f"{ladder.key.product}, {ladder.key.setting}, {ladder.key.dim} dims"
    colour, symbol = look
    predictions = [curve.at(int(x)) for x in xs]
    # on a log axis a band reaching 0 is cut at a floor far below the data, not dropped where it reaches it
    floor = 0.0 if key == "recall" else min(y for _, y in curve.points if y > 0) / 1e3
    band = [(x, (max(p.interval[0], floor), p.interval[1])) for x, p in zip(xs, predictions) if p.interval]
    if band:
        figure.add_trace(go.Scatter(
            x=[x for x, _ in band] + [x for x, _ in reversed(band)],
            y=[i[1] * scale for _, i in band] + [i[0] * scale for _, i in reversed(band)],
            fill="toself", fillcolor=_hex_rgba(colour, 0.15), line={"width": 0}, hoverinfo="skip",
            legendgroup=name, showlegend=False), **cell)
    figure.add_trace(go.Scatter(
        x=xs, y=[p.value * scale for p in predictions], mode="lines", line={"color": colour},
        legendgroup=name, name=name, showlegend=in_legend,
        hovertemplate=f"%{{x:,.0f}} vectors: %{{y:.4g}} (fit: {curve.line.model.formula})<extra>{name}</extra>"), **cell)
    measured = [(n, y * scale) for n, y in curve.points]
    figure.add_trace(go.Scatter(
        x=[n for n, _ in measured], y=[y for _, y in measured], mode="markers",
        marker={"color": colour, "size": 8, "symbol": symbol}, legendgroup=name, showlegend=False,
        hovertemplate=f"%{{x:,.0f}} vectors: %{{y:.4g}} measured<extra>{name}</extra>"), **cell)
    values = [y for _, y in measured] + [p.value * scale for p in predictions if p.value > 0]
    return min(values), max(values)


def _panel_title(key: str) -> str:
    from vectorscout.results.scaling import FIGURE

    figure = FIGURE[key]
    unit = "GiB" if key == "memory_bytes" else figure.unit
    return f"{figure.label} ({unit}, log)" if unit else figure.label
