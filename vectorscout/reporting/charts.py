"""Plotly figures of results; plain Python so the dashboard and the reports draw the same charts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from adapters.registry import UnknownEngine, adapter_class
from vectorscout.results.records import ResultRow, Run

FALLBACK_COLOUR = "#7F7F7F"


def engine_colour(engine: str) -> str:
    """The engine's own colour (declared by its adapter); "qdrant @ run-id" (runs compared side by side) and
    "chroma (server, loopback)" keep their engine's colour, and an engine this installation does not know gets
    grey."""
    try:
        return adapter_class(engine.split(" ")[0]).colour
    except UnknownEngine:
        return FALLBACK_COLOUR


def measurement_figures(runs: list[Run]) -> list[tuple[str, go.Figure]]:
    """The charts of measured runs, named, in the order the Results page and the report show them; the
    concurrency and selectivity charts only where there is something to show."""
    from vectorscout.results.analysis import compared_rows

    rows = compared_rows(runs)
    charts = [("pareto", recall_qps_figure(rows)), ("latency", latency_figure(rows)),
              ("latency-cdf", latency_cdf_figure(rows))]
    if any(r.concurrency > 1 for r in rows):
        charts.append(("concurrency", concurrency_figure(rows)))
    if sum(run.dataset.filter_selectivity is not None for run in runs) >= 2:
        charts.append(("selectivity", selectivity_figure(runs)))
    charts.append(("resources", resources_figure(rows)))
    return charts


def setting_label(row: ResultRow) -> str:
    parts = [row.index, *(f"{k}={v}" for k, v in row.search_params.items())]
    return " ".join(parts)


def results_frame(rows: list[ResultRow]) -> pd.DataFrame:
    """The one table of metrics, a row per (engine, index, search setting)."""
    return pd.DataFrame(
        [
            {
                "engine": r.engine, "status": r.status, "measured as": ", ".join(filter(None, (r.deployment, r.endpoint))),
                "setting": setting_label(r), "clients": r.concurrency, "recall": r.recall,
                "recall (distance)": r.recall_distance, "p50 ms": r.latency_p50_ms, "p95 ms": r.latency_p95_ms,
                "p99 ms": r.latency_p99_ms, "QPS": r.qps, "QPS spread %": r.qps_spread_pct, "insert s": r.insert_s,
                "index s": r.index_s,
                "errors": r.errors, "client CPU %": r.client_cpu_pct, "peak RSS MB": r.peak_rss_mb,
                "RAM bytes/vector": r.ram_bytes_per_vector, "disk MB": r.disk_mb,
                "disk bytes/vector": r.disk_bytes_per_vector,
                "nDCG@10": r.ndcg_at_10, "exact nDCG@10": r.exact_ndcg_at_10, "MRR@10": r.mrr_at_10,
                "host other CPU %": r.host_other_cpu_pct, "noise": r.noise or None,
                "recall collapse": r.diagnosis or None, "engine threads": r.engine_threads or None,
                "filter": r.filter or "", "error": r.error or "",
            }
            for r in rows
        ]
    ).dropna(axis=1, how="all").round({
        "nDCG@10": 4, "exact nDCG@10": 4, "MRR@10": 4, "recall": 4, "recall (distance)": 4, "p50 ms": 3, "p95 ms": 3,
        "p99 ms": 3, "QPS": 0, "insert s": 3, "index s": 3, "disk MB": 2, "disk bytes/vector": 0,
        "RAM bytes/vector": 0, "client CPU %": 0, "host other CPU %": 0,
        "QPS spread %": 1,
    })


def recall_qps_figure(rows: list[ResultRow]) -> go.Figure:
    """Every setting as a faint point, and each engine's Pareto frontier as a line (ann-benchmarks style)."""
    from vectorscout.results.analysis import pareto_frontier

    ok = [r for r in rows if r.status == "ok" and r.recall is not None and r.qps is not None]
    figure = go.Figure()
    for engine, points in pareto_frontier(ok).items():
        colour = engine_colour(engine)
        everything = [r for r in ok if r.engine == engine]
        figure.add_trace(go.Scatter(
            x=[r.recall for r in everything], y=[r.qps for r in everything], mode="markers", name=f"{engine} (all)",
            # a measurement taken under noise is drawn hollow, with the reason in its hover text
            marker={"size": 7, "color": colour, "opacity": 0.35,
                    "symbol": ["circle-open" if r.noise else "circle" for r in everything]},
            showlegend=False, legendgroup=engine,
            text=[setting_label(r) + (f"<br>NOISE: {r.noise}" if r.noise else "") for r in everything],
            hovertemplate="%{text}<br>recall %{x:.3f}<br>%{y:,.0f} QPS<extra>" + engine + "</extra>",
        ))
        labels = [" ".join([p.index, *(f"{k}={v}" for k, v in {**p.build_params, **p.search_params}.items())])
                  for p in points]
        figure.add_trace(go.Scatter(
            x=[p.recall for p in points], y=[p.qps for p in points], mode="lines+markers", name=engine,
            marker={"size": 11, "color": colour}, line={"color": colour}, legendgroup=engine, text=labels,
            hovertemplate="%{text}<br>recall %{x:.3f}<br>%{y:,.0f} QPS<extra>" + engine + " frontier</extra>",
        ))
    lowest = min((r.recall or 0.0 for r in ok), default=0.0)
    figure.update_xaxes(range=[max(0.0, lowest - 0.05), 1.01])  # recall lives in [0, 1]; never show 2
    figure.update_layout(
        title="Recall against throughput: Pareto frontier per engine (up and to the right is better)",
        xaxis_title="recall@k (ID overlap, higher is better)", yaxis_title="queries per second, serial (higher is better)",
        yaxis_type="log", legend_title="engine", template="plotly_white",
    )
    return figure


def latency_figure(rows: list[ResultRow]) -> go.Figure:
    ok = [r for r in rows if r.status == "ok" and r.latency_p50_ms is not None]
    labels = [f"{r.engine} · {setting_label(r)}" for r in ok]
    figure = go.Figure()
    for attribute, name, opacity in (("latency_p50_ms", "p50", 1.0), ("latency_p95_ms", "p95", 0.7),
                                      ("latency_p99_ms", "p99", 0.45)):
        figure.add_trace(go.Bar(
            x=labels, y=[getattr(r, attribute) for r in ok], name=name, opacity=opacity,
            marker_color=[engine_colour(r.engine) for r in ok],
            hovertemplate="%{x}<br>" + name + " %{y:.3f} ms<extra></extra>",
        ))
    figure.update_layout(
        title="Query latency per engine and setting (lower is better)", barmode="group",
        yaxis_title="latency per query, ms (lower is better)", xaxis_title="engine · index and search setting",
        template="plotly_white",
    )
    return figure


def projection_figure(vectors: np.ndarray, colour: np.ndarray | None, colour_name: str, sample: int = 2000,
                      hover: list[str] | None = None) -> go.Figure:
    """A 2-D PCA projection of a seeded sample, coloured by a payload column (shows how the data clusters)."""
    rows = np.sort(np.random.default_rng(0).choice(len(vectors), min(sample, len(vectors)), replace=False))
    points = vectors[rows].astype(np.float64)
    centred = points - points.mean(axis=0)
    _, singular, components = np.linalg.svd(centred, full_matrices=False)
    xy = centred @ components[:2].T
    explained = (singular[:2] ** 2 / (singular**2).sum()) if singular.sum() > 0 else np.zeros(2)
    figure = go.Figure()
    labels = np.asarray(colour)[rows].astype(str) if colour is not None else np.full(len(rows), "all")
    values = sorted(set(labels.tolist()))
    for value in values[:50]:  # more than 50 categories would make an unreadable legend
        mask = labels == value
        figure.add_trace(go.Scattergl(
            x=xy[mask, 0], y=xy[mask, 1], mode="markers", name=value, marker={"size": 5, "opacity": 0.7},
            text=[hover[i][:120] for i in np.flatnonzero(mask)] if hover else None,
        ))
    figure.update_layout(
        title=f"PCA projection of {len(rows):,} vectors, coloured by {colour_name}",
        xaxis_title=f"component 1 ({explained[0]:.1%} of variance)",
        yaxis_title=f"component 2 ({explained[1]:.1%} of variance)", template="plotly_white", legend_title=colour_name,
    )
    return figure


def criteria_figure(verdicts: list[Any]) -> go.Figure:
    """Criterion scores per engine (0-1, higher is better); excluded engines are left out."""
    scored = [v for v in verdicts if v.score is not None]
    criteria = sorted({c for v in scored for c in v.criteria})
    figure = go.Figure()
    for criterion in criteria:
        figure.add_trace(go.Bar(
            x=[v.name for v in scored], y=[v.criteria.get(criterion) for v in scored], name=criterion,
            hovertemplate="%{x}<br>" + criterion + " %{y:.2f}<extra></extra>",
        ))
    figure.update_layout(
        title="Criterion scores per engine (higher is better; a missing bar is 'not measured')", barmode="group",
        yaxis_title="score, 0 to 1 (higher is better)", yaxis_range=[0, 1.05], template="plotly_white",
        legend_title="criterion",
    )
    return figure


def _serial_ok(rows: list[ResultRow]) -> list[ResultRow]:
    return [r for r in rows if r.status == "ok" and r.concurrency == 1]


def latency_cdf_figure(rows: list[ResultRow]) -> go.Figure:
    """The distribution of per-query latency (serial pass) per engine and setting, as a CDF."""
    figure = go.Figure()
    for row in _serial_ok(rows):
        if not row.latency_quantiles_ms:
            continue
        shares = [*np.linspace(0, 100, len(row.latency_quantiles_ms) - 1).tolist(), 99.9]
        pairs = sorted(zip(row.latency_quantiles_ms, shares), key=lambda p: (p[1], p[0]))
        figure.add_trace(go.Scatter(
            x=[p[0] for p in pairs], y=[p[1] for p in pairs], mode="lines", name=f"{row.engine} · {setting_label(row)}",
            line={"color": engine_colour(row.engine)},
            hovertemplate="%{y:.1f}% of queries within %{x:.3f} ms<extra>" + row.engine + "</extra>",
        ))
    figure.update_layout(
        title="Latency distribution: share of queries answered within a time (up and to the left is better)",
        xaxis_title="latency per query, ms (log; lower is better)", yaxis_title="share of queries, % (cumulative)",
        xaxis_type="log", template="plotly_white", legend_title="engine · setting",
    )
    return figure


def concurrency_figure(rows: list[ResultRow]) -> go.Figure:
    """Throughput against the number of concurrent clients, per engine and setting; p95 in the hover."""
    figure = go.Figure()
    groups: dict[tuple[str, str], list[ResultRow]] = {}
    for row in rows:
        if row.status == "ok" and row.qps is not None:
            groups.setdefault((row.engine, setting_label(row)), []).append(row)
    for (engine, setting), members in sorted(groups.items()):
        if len({r.concurrency for r in members}) < 2:
            continue
        members.sort(key=lambda r: r.concurrency)
        figure.add_trace(go.Scatter(
            x=[r.concurrency for r in members], y=[r.qps for r in members], mode="lines+markers",
            name=f"{engine} · {setting}", line={"color": engine_colour(engine)},
            text=[f"p95 {r.latency_p95_ms:.3f} ms, {r.errors} errors, client CPU {r.client_cpu_pct or 0:.0f}%"
                  if r.latency_p95_ms is not None else f"{r.errors} errors" for r in members],
            hovertemplate="%{x} clients: %{y:,.0f} QPS<br>%{text}<extra>" + engine + "</extra>",
        ))
    figure.update_layout(
        title="Throughput by concurrent clients (higher is better)", xaxis_title="concurrent clients",
        yaxis_title="queries per second (higher is better)", xaxis_type="log", template="plotly_white",
        legend_title="engine · setting",
    )
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
            if row.recall is not None and (row.engine not in best or row.recall > (best[row.engine].recall or 0)):
                best[row.engine] = row
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
    figure.update_layout(title="Filtered search by selectivity (best setting per engine)", template="plotly_white")
    return figure


def resources_figure(rows: list[ResultRow]) -> go.Figure:
    """Peak memory and on-disk size per engine (lower is better)."""
    per_engine: dict[str, ResultRow] = {}
    for row in rows:
        if row.status == "ok" and row.engine not in per_engine:
            per_engine[row.engine] = row
    engines = sorted(per_engine)
    figure = go.Figure()
    figure.add_trace(go.Bar(x=engines, y=[per_engine[e].peak_rss_mb for e in engines], name="peak RSS, MB",
                            marker_color=[engine_colour(e) for e in engines]))
    figure.add_trace(go.Bar(x=engines, y=[per_engine[e].disk_mb for e in engines], name="on disk, MB",
                            marker_color=[engine_colour(e) for e in engines], marker_pattern_shape="/", opacity=0.6))
    figure.update_layout(
        title="Memory and disk per engine (lower is better; memory includes the harness's copy of the dataset)",
        barmode="group", yaxis_title="MB (lower is better)", xaxis_title="engine", template="plotly_white",
    )
    return figure


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
    return figure
