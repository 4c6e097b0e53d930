"""Comparison reports for selection workshops: HTML, PDF, Markdown (+PNG charts), CSV and JSON.

One content model (``ReportData`` and the section builders below) feeds every format, so the formats
never disagree. The HTML is one self-contained file (plotly.js inlined once; it asks no other host for
anything); the PDF carries the same text with static charts rendered by kaleido through Debian Chromium
(its server is started once per report); every user-supplied text is escaped for the format it lands in
and scrubbed of credentials. Each report embeds its exact plans (datasets by content hash), so
``python -m vectorscout rerun REPORT`` measures them again and shows old and new side by side.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import pandas as pd
import plotly.graph_objects as go

from vectorscout import __version__
from vectorscout.benchmarking.plan import RunPlan
from vectorscout.reporting.charts import cost_scale_figure, criteria_figure, measurement_figures, results_frame
from vectorscout.results.analysis import at_recall, compared_rows, environment_differences, frontier_json
from vectorscout.results.documents import finite, run_document
from vectorscout.results.records import Run, utc_now
from vectorscout.secrets import redact

FORMATS = ("html", "pdf", "md", "csv", "json")
REPRODUCTION_ID = "vectorscout-reproduction"
RECALL_DEFINITIONS = (
    "recall@k (ID overlap): the share of the exact k nearest neighbours' ids that the engine returned, as in "
    "ann-benchmarks' knn recall; ties at the k-th distance count for neither side",
    "recall@k (distance): the share of returned results whose true distance is within the exact k-th distance "
    "(plus a small epsilon), so an equally near neighbour with another id still counts",
)


class ReportError(ValueError):
    """A report that cannot be made or read, with what to do."""


def clean(text: Any) -> str:
    """Any text bound for a report: credentials masked (URLs with passwords, key=value secrets)."""
    return redact(str(text))


@dataclass
class ReportData:
    runs: list[Run]
    scenario: Any = None  # vectorscout.decision.recommend.Scenario
    ranking: list[Any] = field(default_factory=list)
    sensitivity: list[str] = field(default_factory=list)
    cost: Any = None  # vectorscout.decision.cost.CostReport
    cost_curve: list[dict[str, Any]] = field(default_factory=list)
    generated_at: str = field(default_factory=utc_now)
    title: str = "Vector database comparison"


def build_report(runs: list[Run], scenario: Any = None) -> ReportData:
    if not runs:
        raise ReportError("a report needs at least one stored run")
    data = ReportData(runs=runs, scenario=scenario)
    if scenario is not None:
        from vectorscout.decision.cost import CostError, cost_report, scale_curve
        from vectorscout.decision.recommend import recommend, sensitivity

        data.title = f"Vector database comparison: {scenario.name}"
        data.ranking = recommend(scenario, runs)
        data.sensitivity = sensitivity(scenario, data.ranking)
        try:
            data.cost = cost_report(scenario.answers, runs, scenario.cost)
            data.cost_curve = scale_curve(scenario.answers, runs, scenario.cost)
        except CostError as exc:
            data.sensitivity.append(f"cost not estimated: {exc}")
    return data


# -- sections (plain data; each renderer formats them) ------------------------------------------------------
def summary_lines(data: ReportData) -> list[str]:
    lines = []
    scored = [v for v in data.ranking if v.score is not None]
    if scored:
        first = scored[0]
        lines.append(f"Recommended: {first.name} (score {first.score:.2f} of 1) for the scenario "
                     f"'{data.scenario.name}'.")
        lines.extend(f"For: {reason}" for reason in first.reasons_for)
        lines.extend(f"Against: {reason}" for reason in first.reasons_against)
        if len(scored) > 1:
            lines.append("Then: " + ", ".join(f"{v.name} ({v.score:.2f})" for v in scored[1:4]) + ".")
        excluded = [v for v in data.ranking if v.score is None]
        if excluded:
            lines.append("Excluded: " + "; ".join(f"{v.name}: {v.excluded}" for v in excluded) + ".")
        lines.extend(f"Sensitivity: {finding}" for finding in data.sensitivity)
    target = data.scenario.answers["recall_target"] if data.scenario is not None else 0.9
    reached = at_recall(compared_rows(data.runs), target)
    best = sorted(((s["qps"], e) for e, s in reached.items() if s["reached"]), reverse=True)
    if best:
        lines.append(f"Measured: at recall >= {target:g}, the fastest serial throughput was {best[0][1]} "
                     f"({best[0][0]:,.0f} QPS); " + ", ".join(f"{e} {q:,.0f}" for q, e in best[1:]) + ".")
    missed = sorted(e for e, s in reached.items() if not s["reached"])
    if missed:
        lines.append(f"Did not reach recall {target:g} at any setting tried: {', '.join(missed)}.")
    failed = sorted({r.engine for r in compared_rows(data.runs) if r.status == "failed"})
    if failed:
        lines.append(f"Failed: {', '.join(failed)} (see Failures).")
    return [clean(line) for line in lines]


def requirements_rows(data: ReportData) -> list[tuple[str, str]]:
    if data.scenario is None:
        return []
    from vectorscout.decision.recommend import questionnaire

    questions, _ = questionnaire()
    rows = [(q.label, _plain(data.scenario.answers[q.id])) for q in questions]
    rows += [(f"priority: {c}", f"{w:g}") for c, w in data.scenario.priorities.items()]
    return [(clean(a), clean(b)) for a, b in rows]


def feature_rows(data: ReportData) -> tuple[list[str], list[list[str]]]:
    from vectorscout.decision.recommend import feature_matrix

    profiles = feature_matrix()
    engines = sorted(profiles)
    features = sorted({f for p in profiles.values() for f in p.features})
    header = ["feature", *(profiles[e].name for e in engines)]
    body = [[f, *(profiles[e].features[f].level if f in profiles[e].features else "?" for e in engines)] for f in features]
    body.append(["license", *(profiles[e].license for e in engines)])
    return header, body


def methodology_rows(data: ReportData) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for run in data.runs:
        d = run.dataset
        selectivity = d.get("filter_selectivity")
        rows.append((f"run {run.run_id}", f"{run.label or 'unlabelled'}, {run.created_at}, status {run.status}"))
        rows.append(("dataset", f"{d.get('name')}: {d.get('n', 0):,} vectors x {d.get('dim')} dims, "
                                f"{d.get('queries', 0):,} queries, metric {d.get('metric')}, content hash "
                                f"{str(d.get('hash', ''))[:16]}"))
        rows.append(("dataset source and license", f"{d.get('source') or 'generated'}; {d.get('license') or 'n/a'}"))
        plan = run.plan
        rows.append(("plan", f"k={run.k}, filter {plan.get('filter') or 'none'}"
                             + (f" (keeps {100 * selectivity:.2f} % of vectors)" if selectivity is not None else "")
                             + f", batch {plan.get('batch_size')}, warm-up {plan.get('warmup_queries')} queries, "
                               f"repetitions {plan.get('repetitions', 1)}, concurrency {plan.get('concurrency', [1])}, "
                               f"isolated workers {plan.get('isolate')}"))
        for engine in plan.get("engines", []):
            rows.append((f"engine {engine['engine']}", f"index {engine['index']}, build {engine['build_params']}, "
                                                       f"search grid {engine['search_grid']}"))
        env = run.environment
        rows.append(("hardware", f"{env.get('cpu_model')}, {env.get('cores')} cores, {env.get('ram_gb')} GB RAM, "
                                 f"{env.get('os')}, Python {env.get('python')}, VectorScout {env.get('vectorscout')}"))
        for engine, versions in sorted(env.get("engines", {}).items()):
            rows.append((f"{engine} versions", f"engine {versions.get('engine')}; client {versions.get('client')}"))
    rows.extend(("recall", definition) for definition in RECALL_DEFINITIONS)
    rows.append(("latency", "per query, serial, timed with perf_counter_ns around the client call after a discarded "
                            "warm-up; QPS = queries / wall time of the pass"))
    rows.append(("embedded vs server", "embedded engines run inside the benchmark's worker process (no network); "
                                       "server engines add a network round trip; numbers of the two kinds are not "
                                       "directly comparable, and a server on other hardware behaves differently"))
    differences = environment_differences(data.runs) if len(data.runs) > 1 else []
    if differences:
        rows.append(("runs differ in", "; ".join(differences)))
    return [(clean(a), clean(b)) for a, b in rows]


def figures(data: ReportData) -> list[tuple[str, go.Figure]]:
    charts = measurement_figures(data.runs)
    if data.ranking:
        charts.append(("criteria", criteria_figure(data.ranking)))
    if data.cost_curve:
        charts.append(("cost", cost_scale_figure(data.cost_curve)))
    return charts


def cost_rows(data: ReportData) -> tuple[list[str], list[list[str]]]:
    header = ["engine", "status", "instance", "nodes", "bound by", "$/month", "$ per million queries",
              "$/month in 24 months", "managed (list price)"]
    if data.cost is None:
        return header, []
    body = [[line.engine, line.status, line.instance, "" if line.nodes is None else str(line.nodes), line.bound_by,
             line.note if line.usd_per_month is None else f"{line.usd_per_month:,.0f}",
             "" if line.usd_per_million_queries is None else f"{line.usd_per_million_queries:,.4f}",
             "" if line.usd_per_month_in_24_months is None else f"{line.usd_per_month_in_24_months:,.0f}", line.managed]
            for line in data.cost.lines()]
    return header, [[clean(c) for c in row] for row in body]


def raw_frame(data: ReportData) -> pd.DataFrame:
    frame = results_frame(compared_rows(data.runs))
    return frame.map(lambda v: clean(v) if isinstance(v, str) else v)


def failure_lines(data: ReportData) -> list[str]:
    lines = []
    for row in compared_rows(data.runs):
        if row.status in ("failed", "cancelled", "skipped"):
            meaning = {"failed": "the engine job stopped with this error; its other settings were not measured",
                       "cancelled": "the run was cancelled before this engine finished",
                       "skipped": "not measured, for the reason given"}[row.status]
            lines.append(f"{row.engine}: {row.status}: {row.error} ({meaning})")
    return [clean(line) for line in lines]


def reproduction(data: ReportData) -> dict[str, Any]:
    """What rerun needs: each run's plan and its dataset's content hash (no connection options: never stored)."""
    return {"vectorscout": __version__, "generated_at": data.generated_at,
            "runs": [{"run_id": run.run_id, "plan": run.plan, "dataset_hash": run.dataset.get("hash"),
                      "dataset": run.dataset.get("spec") or run.dataset.get("name"),
                      "results": [row.to_dict() for row in run.results]} for run in data.runs],
            "scenario": None if data.scenario is None else json.loads(data.scenario.to_json())}


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:,}" if isinstance(value, int) else str(value)


# -- HTML ----------------------------------------------------------------------------------------------------
HTML_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1180px; margin: 2em auto; padding: 0 1em; color: #1d1d1f; }
h1 { font-size: 1.9em; } h2 { border-bottom: 2px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: .9em; } td, th { border: 1px solid #ccc; padding: .3em .5em; }
th { background: #f3f3f3; text-align: left; } .summary li { margin: .3em 0; } .muted { color: #666; font-size: .9em; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: .8em; }
@media print { body { max-width: none; margin: 0; } .chart { page-break-inside: avoid; } h2 { page-break-after: avoid; } }
"""


def _html_table(header: Iterable[Any], body: Iterable[Iterable[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape('' if c is None else str(c))}</td>" for c in row) + "</tr>"
                   for row in body)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _frame_rows(frame: pd.DataFrame) -> list[list[str]]:
    return [["" if pd.isna(v) else str(v) for v in row] for row in frame.itertuples(index=False)]


def render_html(data: ReportData) -> str:
    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    e = html.escape
    parts = [f"<h1>{e(clean(data.title))}</h1>",
             f"<p class='muted'>Generated {e(data.generated_at)} by VectorScout {e(__version__)} from run(s) "
             f"{e(', '.join(r.run_id for r in data.runs))}.</p>",
             "<h2>Executive summary</h2><ul class='summary'>"
             + "".join(f"<li>{e(line)}</li>" for line in summary_lines(data)) + "</ul>"]
    requirements = requirements_rows(data)
    if requirements:
        parts.append("<h2>Requirements</h2>" + _html_table(["question", "answer"], requirements))
    if data.cost is not None:
        parts.append("<h2>Cost</h2>" + _html_table(*cost_rows(data))
                     + f"<p class='muted'>Assumptions: {e(clean(data.cost.assumptions))}; prices "
                       f"{'edited by the user' if data.cost.prices_edited else 'shipped defaults'}.</p>")
    parts.append("<h2>Charts</h2>")
    for name, figure in figures(data):
        parts.append(f"<div class='chart' id='chart-{e(name)}'>"
                     + pio.to_html(figure, include_plotlyjs=False, full_html=False, config={"displaylogo": False})
                     + "</div>")
    parts.append("<h2>Feature matrix</h2>" + _html_table(*feature_rows(data)))
    parts.append("<h2>Methodology</h2>" + _html_table(["item", "detail"], methodology_rows(data)))
    frame = raw_frame(data)
    parts.append("<h2>Raw measurements</h2>" + _html_table(list(frame.columns), _frame_rows(frame)))
    parts.append("<h2>Pareto frontiers</h2><pre>" + e(json.dumps(frontier_json(compared_rows(data.runs)), indent=1))
                 + "</pre>")
    failures = failure_lines(data)
    parts.append("<h2>Failures and what they mean</h2>"
                 + ("<ul>" + "".join(f"<li>{e(line)}</li>" for line in failures) + "</ul>" if failures
                    else "<p>None: every engine finished every setting.</p>"))
    # JSON inside <script>: '<' escaped so no text (a scenario name, say) can close the element early
    embedded = json.dumps(_json_safe(reproduction(data))).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    parts.append("<h2>Reproduce</h2><p>This file embeds its plans. Run them again and compare with "
                 "<code>python -m vectorscout rerun THIS_FILE.html</code>.</p>"
                 f"<script type='application/json' id='{REPRODUCTION_ID}'>{embedded}</script>")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{e(clean(data.title))}</title><style>{HTML_STYLE}</style>"
            f"<script>{get_plotlyjs()}</script></head><body>" + "".join(parts) + "</body></html>")


# -- Markdown ------------------------------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|])")


def md_escape(text: Any) -> str:
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def _md_table(header: Iterable[Any], body: Iterable[Iterable[Any]]) -> str:
    head = list(header)
    lines = ["| " + " | ".join(md_escape(h) for h in head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(md_escape("" if c is None else c) for c in row) + " |" for row in body]
    return "\n".join(lines)


def render_markdown(data: ReportData, images: dict[str, str]) -> str:
    parts = [f"# {md_escape(clean(data.title))}",
             f"Generated {data.generated_at} by VectorScout {__version__} from run(s) "
             f"{md_escape(', '.join(r.run_id for r in data.runs))}.",
             "## Executive summary", "\n".join(f"- {md_escape(line)}" for line in summary_lines(data))]
    requirements = requirements_rows(data)
    if requirements:
        parts += ["## Requirements", _md_table(["question", "answer"], requirements)]
    if data.cost is not None:
        parts += ["## Cost", _md_table(*cost_rows(data))]
    parts.append("## Charts")
    parts += [f"![{name}]({file})" for name, file in images.items()]
    parts += ["## Feature matrix", _md_table(*feature_rows(data)),
              "## Methodology", _md_table(["item", "detail"], methodology_rows(data))]
    frame = raw_frame(data)
    parts += ["## Raw measurements", _md_table(list(frame.columns), _frame_rows(frame))]
    failures = failure_lines(data)
    parts += ["## Failures and what they mean",
              "\n".join(f"- {md_escape(line)}" for line in failures) or "None: every engine finished every setting.",
              "## Reproduce", "The plans are in `report.json` beside this file: "
                              "`python -m vectorscout rerun report.json`."]
    return "\n\n".join(parts) + "\n"


# -- PDF -----------------------------------------------------------------------------------------------------
def render_pdf(data: ReportData, path: Path, images: dict[str, bytes]) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7, leading=8.5)

    def para(text: str, style: Any = None) -> Paragraph:
        return Paragraph(xml_escape(str(text)), style or styles["BodyText"])

    def table(header: list[Any], body: list[list[Any]], widths: list[float] | None = None) -> Table:
        cells = [[para(h, small) for h in header]] + [[para("" if c is None else c, small) for c in row] for row in body]
        result = Table(cells, colWidths=widths, repeatRows=1)
        result.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                                    ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return result

    page = landscape(A4)
    width = page[0] - 3 * cm
    story: list[Any] = [para(clean(data.title), styles["Title"]),
                        para(f"Generated {data.generated_at} by VectorScout {__version__} from run(s) "
                             f"{', '.join(r.run_id for r in data.runs)}."),
                        para("Executive summary", styles["Heading2"])]
    story += [para(f"• {line}") for line in summary_lines(data)]
    requirements = requirements_rows(data)
    if requirements:
        story += [para("Requirements", styles["Heading2"]),
                  table(["question", "answer"], [list(r) for r in requirements], [width * 0.4, width * 0.6])]
    if data.cost is not None:
        story += [para("Cost", styles["Heading2"]), table(*cost_rows(data))]
    story.append(para("Charts", styles["Heading2"]))
    for png in images.values():
        story += [Image(io.BytesIO(png), width=width * 0.8, height=width * 0.8 * 500 / 1000), Spacer(1, 0.3 * cm)]
    header, body = feature_rows(data)
    story += [para("Feature matrix", styles["Heading2"]), table(header, body)]
    story += [para("Methodology", styles["Heading2"]),
              table(["item", "detail"], [list(r) for r in methodology_rows(data)], [width * 0.2, width * 0.8])]
    frame = raw_frame(data)
    keep = [c for c in ("engine", "status", "setting", "clients", "recall", "recall (distance)", "p50 ms", "p95 ms",
                        "p99 ms", "QPS", "peak RSS MB", "disk MB", "error") if c in frame.columns]
    story += [para("Raw measurements", styles["Heading2"]), table(keep, _frame_rows(frame[keep]))]
    failures = failure_lines(data)
    story.append(para("Failures and what they mean", styles["Heading2"]))
    story += [para(f"• {line}") for line in failures] or [para("None: every engine finished every setting.")]
    story += [para("Reproduce", styles["Heading2"]),
              para("The plans are in report.json beside this file: python -m vectorscout rerun report.json")]
    SimpleDocTemplate(str(path), pagesize=page, title=clean(data.title), author="VectorScout",
                      leftMargin=1.5 * cm, rightMargin=1.5 * cm).build(story)


def chart_images(data: ReportData) -> dict[str, bytes]:
    """Every chart as PNG: one kaleido server (one Chromium) for the whole report, not one per chart."""
    import os
    import shutil
    import warnings

    # Find the browser first: kaleido without one may try to download Chrome, which must never happen here.
    browser = os.environ.get("BROWSER_PATH") or next(
        (found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))), None)
    if not browser or not Path(browser).exists():
        raise ReportError("PDF and Markdown need chart images, drawn by Chromium through kaleido, and no Chromium was "
                          "found; install Debian's chromium (`make run` and `make test` do) or choose html, csv and json")
    import kaleido

    charts = figures(data)
    kaleido.start_sync_server(silence_warnings=True)
    try:
        with warnings.catch_warnings():  # plotly warns that per-image options are ignored with a shared server
            warnings.simplefilter("ignore", UserWarning)
            return {name: figure.to_image(format="png", width=1000, height=500) for name, figure in charts}
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


# -- writing -------------------------------------------------------------------------------------------------
def report_document(data: ReportData) -> dict[str, Any]:
    return {"title": clean(data.title), "generated_at": data.generated_at, "summary": summary_lines(data),
            "reproduction": reproduction(data), "runs": [run_document(run) for run in data.runs],
            "ranking": [v.to_dict() for v in data.ranking], "cost": data.cost.to_dict() if data.cost else None}


def write_report(data: ReportData, out_dir: Path, formats: Iterable[str],
                 progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Write the chosen formats into out_dir (created); returns the file of each format."""
    chosen = [f.strip().lower() for f in formats if f.strip()]
    unknown = sorted(set(chosen) - set(FORMATS))
    if unknown or not chosen:
        raise ReportError(f"unknown format(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}

    def step(text: str) -> None:
        if progress:
            progress(text)

    if "json" in chosen or "md" in chosen or "pdf" in chosen:  # md and pdf point to report.json for rerun
        step("json")
        written["json"] = out_dir / "report.json"
        written["json"].write_text(json.dumps(_json_safe(report_document(data)), indent=2))
    if "csv" in chosen:
        step("csv")
        written["csv"] = out_dir / "measurements.csv"
        frame = results_frame_with_run(data)
        frame.to_csv(written["csv"], index=False, quoting=csv.QUOTE_NONNUMERIC)
    if "html" in chosen:
        step("html")
        written["html"] = out_dir / "report.html"
        written["html"].write_text(render_html(data), encoding="utf-8")
    if "md" in chosen or "pdf" in chosen:
        step("chart images (Chromium)")
        try:
            images = chart_images(data)
        except ReportError:
            raise
        except Exception as exc:  # the browser failed to start or to draw
            raise ReportError(f"PDF and Markdown need chart images, drawn by Chromium through kaleido, which failed "
                              f"({type(exc).__name__}: {str(exc)[:200]}); install Debian's chromium (`make run` and "
                              "`make test` do) or choose html, csv and json") from None
        if "md" in chosen:
            step("markdown")
            names = {}
            for name, png in images.items():
                (out_dir / f"chart-{name}.png").write_bytes(png)
                names[name] = f"chart-{name}.png"
            written["md"] = out_dir / "report.md"
            written["md"].write_text(render_markdown(data, names), encoding="utf-8")
        if "pdf" in chosen:
            step("pdf")
            written["pdf"] = out_dir / "report.pdf"
            render_pdf(data, written["pdf"], images)
    return written


def results_frame_with_run(data: ReportData) -> pd.DataFrame:
    """Every measurement of every run, one row per (run, engine, setting), for spreadsheets."""
    frames = []
    for run in data.runs:
        frame = pd.DataFrame([row.to_dict() for row in run.results])
        frame.insert(0, "run_id", run.run_id)
        frame.insert(1, "dataset", run.dataset.get("name"))
        frames.append(frame)
    merged = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return merged.map(lambda v: clean(json.dumps(v)) if isinstance(v, dict | list) else (clean(v) if isinstance(v, str) else v))


def _json_safe(value: Any) -> Any:
    """JSON-ready (no NaN or infinity) with every string scrubbed of credentials."""
    def scrub(item: Any) -> Any:
        if isinstance(item, str):
            return clean(item)
        if isinstance(item, dict):
            return {scrub(k): scrub(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [scrub(v) for v in item]
        return item

    return scrub(finite(value))


# -- reading and rerunning -----------------------------------------------------------------------------------
def read_reproduction(path: Path) -> dict[str, Any]:
    """The embedded plans of a report: from report.html or report.json (or the folder holding them)."""
    if path.is_dir():
        path = path / "report.json" if (path / "report.json").exists() else path / "report.html"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"cannot read {path}: {exc.strerror}") from None
    try:
        if path.suffix.lower() in (".html", ".htm"):
            found = re.search(rf"<script type='application/json' id='{REPRODUCTION_ID}'>(.*?)</script>", text, re.S)
            if not found:
                raise ReportError(f"{path} is not a VectorScout report (no embedded plans)")
            document = json.loads(found.group(1))
        else:
            document = json.loads(text).get("reproduction")
    except (json.JSONDecodeError, AttributeError):
        raise ReportError(f"{path}: the embedded plans are not valid JSON") from None
    if not isinstance(document, dict) or not document.get("runs"):
        raise ReportError(f"{path} holds no plans to rerun")
    return document


def plan_from_public(public: dict[str, Any]) -> RunPlan:
    """The plan a report measured, to run again exactly; only its label says it is a rerun."""
    plan = RunPlan.from_public(public)
    plan.label = f"rerun of {public.get('label') or 'report'}"
    return plan


def side_by_side(old: Run, new: Run) -> list[dict[str, Any]]:
    """Old and new figures per (engine, index, setting, clients), with the QPS ratio."""
    def key(row: Any) -> tuple[Any, ...]:
        return (row.engine, row.index, json.dumps(row.build_params, sort_keys=True),
                json.dumps(row.search_params, sort_keys=True), row.concurrency)

    before = {key(r): r for r in old.results}
    lines = []
    for row in new.results:
        was = before.get(key(row))
        lines.append({
            "engine": row.engine, "setting": " ".join([row.index, *(f"{k}={v}" for k, v in row.search_params.items())]),
            "clients": row.concurrency, "recall_old": was.recall if was else None, "recall_new": row.recall,
            "qps_old": was.qps if was else None, "qps_new": row.qps,
            "p95_ms_old": was.latency_p95_ms if was else None, "p95_ms_new": row.latency_p95_ms,
            "qps_ratio": (row.qps / was.qps) if was and was.qps and row.qps else None,
            "status_old": was.status if was else "absent", "status_new": row.status,
        })
    return lines


def report_folder() -> Path:
    """A new folder under the VectorScout home for one report."""
    import secrets

    from vectorscout.home import subdir

    folder = subdir("reports") / f"{utc_now().replace(':', '').replace('+0000', 'Z')}-{secrets.token_hex(3)}"
    folder.mkdir(parents=True)
    return folder


def zipped(folder: Path, patterns: list[str]) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for pattern in patterns:
            for file in sorted(folder.glob(pattern)):
                archive.write(file, file.name)
    return buffer.getvalue()
