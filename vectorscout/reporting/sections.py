"""The report's content model: ReportData and its sections as plain data, which every renderer formats,
so the formats never disagree; every user-supplied text is scrubbed of credentials here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from vectorscout import __version__
from vectorscout.contract.deployment import DeploymentMode
from vectorscout.decision.cost import ASSUMPTIONS, CostError, CostReport, cost_report, scale_curve
from vectorscout.decision.matrix import MODE_LABELS, feature_matrix
from vectorscout.decision.recommend import EngineVerdict, Recommendation, excluded_engines, recommend
from vectorscout.decision.scenario import Scenario, questionnaire
from vectorscout.glossary import answer_text, index_name, term
from vectorscout.redaction import redact
from vectorscout.reporting.charts import (
    cost_scale_figure,
    criteria_figure,
    measurement_figures,
    run_legend,
    scaling_figure,
    setting_label,
)
from vectorscout.reporting.tables import (
    HYBRID_NOTE,
    frontier_table,
    grid_text,
    human_label,
    hybrid_table,
    measurement_parts,
    money,
    params_text,
    stream_summary_table,
    tuning_lines,
)
from vectorscout.results.analysis import at_recall, compared_rows, environment_differences, series_text
from vectorscout.results.documents import finite, run_document
from vectorscout.results.records import Run, utc_now
from vectorscout.results.scaling import Ladder, describe_error, figure_text, ladders

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
    scenario: Scenario | None = None
    recommendation: Recommendation | None = None
    notes: list[str] = field(default_factory=list)  # what could not be worked out (e.g. cost), said in the summary
    cost: CostReport | None = None
    cost_curve: list[dict[str, Any]] = field(default_factory=list)
    ladders: list[Ladder] = field(default_factory=list)  # the runs' scale ladders with their fitted curves
    generated_at: str = field(default_factory=utc_now)
    title: str = "Vector database comparison"

    @property
    def ranking(self) -> list[EngineVerdict]:
        return self.recommendation.ranking if self.recommendation else []


def build_report(runs: list[Run], scenario: Scenario | None = None) -> ReportData:
    if not runs:
        raise ReportError("a report needs at least one stored run")
    data = ReportData(runs=runs, scenario=scenario, ladders=ladders(runs))
    if scenario is not None:
        data.title = f"Vector database comparison: {scenario.name}"
        data.recommendation = recommend(scenario, runs)
        try:
            data.cost = cost_report(scenario.record, runs, scenario.cost, excluded=excluded_engines(data.ranking))
            if data.cost.region_note:
                data.notes.append(f"region: {data.cost.region_note}")
            data.cost_curve = scale_curve(scenario.record, runs, scenario.cost)
        except CostError as exc:
            data.notes.append(f"cost not estimated: {exc}")
    return data


# -- sections (plain data; each renderer formats them) ------------------------------------------------------
def summary_lines(data: ReportData, references: References | None = None) -> list[str]:
    """The recommendation and the evidence in detail, a line each; with ``references``, sources as numbers."""

    def cited(item: Any) -> str:  # a Reason or ScenarioWarning: its text and its source
        if references is None:
            return str(item)
        return (f"{item.criterion}: " if hasattr(item, "criterion") else "") + item.text + references.mark(item.source)

    lines = []
    result = data.recommendation
    scored = result.scored if result else []
    if result is not None and data.scenario is not None:  # a ranking exists only for a scenario
        lines.append(f"Scenario '{data.scenario.name}', judged {MODE_LABELS[result.deployment]}.")
        lines.extend(f"Warning: {cited(warning)}" for warning in result.warnings)
        lines.append(f"Recommended: {result.verdict}")
        if result.evidence_reach:
            lines.append(f"How far the evidence reaches: {result.evidence_reach}")
    first = result.best if result else None
    if first is not None:
        lines.extend(f"For {first.name}: {cited(reason)}" for reason in first.reasons_for)
        lines.extend(f"Against {first.name}: {cited(reason)}" for reason in first.reasons_against)
        others = [v for v in scored if v is not first]
        if others:
            lines.append("Then: " + ", ".join(f"{v.name} ({v.score:.2f}, {v.evidence})" for v in others[:3]) + ".")
        excluded = [v for v in data.ranking if v.score is None]
        if excluded:
            lines.append("Excluded: " + "; ".join(f"{v.name}: {v.excluded}" for v in excluded) + ".")
        lines.append(f"Sensitivity: {result.sensitivity if result else ''}")
    lines.extend(f"Note: {note}" for note in data.notes)
    target = data.scenario.record.recall_target if data.scenario is not None else 0.9
    rows = compared_rows(data.runs)
    reached = at_recall(rows, target)
    best = sorted(((s["qps"], e) for e, s in reached.items() if s["reached"]), reverse=True)
    if best:
        slower = "; " + ", ".join(f"{e} {q:,.0f}" for q, e in best[1:]) if len(best) > 1 else ""
        lines.append(f"Measured: at recall >= {target:g}, the fastest serial throughput was {best[0][1]} "
                     f"({best[0][0]:,.0f} QPS){slower}.")
    noisy = [r for r in rows if r.noise]
    if noisy:
        lines.append(f"Noise: {len(noisy)} measurement(s) were taken under noise and are drawn hollow; the "
                     "recommendation does not score their speed: " + "; ".join(
                         f"{series_text(r)} {setting_label(r)} ({r.noise})" for r in noisy[:5]) + ".")
    tuned = tuning_lines(rows)
    if tuned:
        lines.append("Compared at equal recall (each setting read on queries other than those that chose it): "
                     + "; ".join(tuned[:8]) + ".")
    collapsed = [r for r in rows if r.diagnosis]
    if collapsed:
        lines.append(f"Recall collapse: {len(collapsed)} result(s) fell below 0.5 where exact search gives 1.0: " + "; ".join(
            f"{series_text(r)} {setting_label(r)}: {r.diagnosis}" for r in collapsed[:3]) + ".")
    missed = sorted(e for e, s in reached.items() if not s["reached"])
    if missed:
        lines.append(f"Did not reach recall {target:g} at any setting tried: {', '.join(missed)}.")
    failed = sorted({series_text(r) for r in rows if r.status == "failed"})
    if failed:
        lines.append(f"Failed: {', '.join(failed)} (see Failures).")
    return [clean(line) for line in lines]


SUMMARY_RISKS = 5  # risks and open questions the one-page summary names; the rest are in the detail section
SUMMARY_REASONS = 3  # the reasons that decide it


@dataclass
class References:
    """Sources cited in a report, numbered in the order first cited: the text says "[2]", the list at the end
    gives the address."""

    urls: list[str] = field(default_factory=list)

    def mark(self, source: str) -> str:
        """" [n]" for a web source; "" for none (and for a run: the report names its runs once, in Measured)."""
        if not source.startswith(("https://", "http://")):
            return ""
        if source not in self.urls:
            self.urls.append(source)
        return f" [{self.urls.index(source) + 1}]"


@dataclass(frozen=True)
class SummaryPart:
    heading: str
    lines: list[str]


@dataclass(frozen=True)
class SummarySections:
    """What every report format opens with: the executive summary, the recommendation in detail, and the sources
    both cite, numbered across the two."""

    summary: list[SummaryPart]
    detail: list[str]
    references: list[str]


def summary_sections(data: ReportData) -> SummarySections:
    references = References()
    summary = executive_summary(data, references)  # first: its sources take the first numbers
    return SummarySections(summary, summary_lines(data, references), references.urls)


def executive_summary(data: ReportData, references: References) -> list[SummaryPart]:
    """One page for the people who decide: the decision, the reasons that decide it with their numbers, what was
    measured and how far that reaches, the risks and open questions, the cost range."""
    result, first = data.recommendation, (data.recommendation.best if data.recommendation else None)
    parts = [SummaryPart("Decision", [result.verdict] if result else [
        "No scenario was given: the figures below compare speed and recall only. Answer the questionnaire for a "
        "recommendation."])]
    if result is not None and data.scenario is not None:
        parts[0].lines.append(f"Judged for '{data.scenario.name}' {MODE_LABELS[result.deployment]}.")
    if first is not None and first.reasons_for:
        parts.append(SummaryPart(f"Why {first.name}", [
            f"{human_label(r.criterion)}: {r.text}{references.mark(r.source)}"
            for r in first.reasons_for[:SUMMARY_REASONS]]))
    parts.append(SummaryPart("What was measured", _measured_lines(data)))
    risks = [f"{w.text}{references.mark(w.source)}" for w in (result.warnings if result else [])]
    if first is not None:
        risks += [f"{first.name}, {human_label(r.criterion).lower()}: {r.text}{references.mark(r.source)}"
                  for r in first.reasons_against]
    risks += _measurement_risks(data)
    if len(risks) > SUMMARY_RISKS:
        risks = [*risks[:SUMMARY_RISKS - 1], f"{len(risks) - SUMMARY_RISKS + 1} more in 'The recommendation in "
                 "detail' below."]
    if risks:
        parts.append(SummaryPart("Risks and open questions", risks))
    cost = _cost_line(data)
    if cost:
        parts.append(SummaryPart("Cost", [cost]))
    return [SummaryPart(part.heading, [clean(line) for line in part.lines]) for part in parts]


def _measured_lines(data: ReportData) -> list[str]:
    lines = []
    for run in data.runs[:3]:
        d = run.dataset
        engines = ", ".join(dict.fromkeys(row.engine for row in run.results)) or "no engine"
        lines.append(f"{engines} on {d.name}: {d.n:,} vectors x {d.dim} dimensions, {d.queries:,} queries, k={run.k} "
                     f"(run {run.run_id}, {run.environment.cores or 'unknown'} cores).")
    if len(data.runs) > 3:
        lines.append(f"And {len(data.runs) - 3} more runs (Methodology).")
    target = data.scenario.record.recall_target if data.scenario is not None else 0.9
    reached = at_recall(compared_rows(data.runs), target)
    best = sorted(((s["qps"], e) for e, s in reached.items() if s["reached"]), reverse=True)
    if best:
        others = "; then " + ", ".join(f"{e} {q:,.0f}" for q, e in best[1:]) if len(best) > 1 else ""
        lines.append(f"At recall >= {target:g}, the fastest serial throughput: {best[0][1]} {best[0][0]:,.0f} QPS"
                     f"{others}.")
    if data.recommendation and data.recommendation.evidence_reach:
        lines.append(data.recommendation.evidence_reach)
    return lines


def _measurement_risks(data: ReportData) -> list[str]:
    rows = compared_rows(data.runs)
    target = data.scenario.record.recall_target if data.scenario is not None else 0.9
    risks = []
    missed = sorted(e for e, s in at_recall(rows, target).items() if not s["reached"])
    if missed:
        risks.append(f"Did not reach recall {target:g} at any setting tried: {', '.join(missed)}.")
    failed = sorted({series_text(r) for r in rows if r.status == "failed"})
    if failed:
        risks.append(f"Failed: {', '.join(failed)} (see Failures).")
    noisy = sum(1 for r in rows if r.noise)
    if noisy:
        risks.append(f"{noisy} measurement(s) were taken under noise; their speed is not scored.")
    return risks


def _cost_line(data: ReportData) -> str:
    if data.cost is None:
        return next((note for note in data.notes if note.startswith("cost")), "")
    excluded = excluded_engines(data.ranking)  # an engine the scenario rules out is no option, whatever it costs
    priced = sorted((line.usd_per_month, line.engine) for line in data.cost.lines()
                    if line.usd_per_month is not None and line.engine not in excluded)
    if not priced:
        return "No engine the scenario allows could be priced; the Cost section says why for each."
    if len(priced) == 1:
        return (f"Self-hosted, {priced[0][1]}: {money(priced[0][0])} per month at the scenario's size (instances, "
                "nodes and assumptions in the Cost section).")
    return (f"Self-hosted, from {money(priced[0][0])} per month ({priced[0][1]}) to {money(priced[-1][0])} "
            f"({priced[-1][1]}) at the scenario's size, among the {len(priced)} engines priced; instances, nodes, "
            "managed offers and assumptions in the Cost section.")


def requirements_rows(data: ReportData) -> list[tuple[str, str]]:
    if data.scenario is None:
        return []
    questions, _ = questionnaire()
    rows = [(q.label, answer_text(data.scenario.record.value(q.id))) for q in questions]
    rows += [(f"Priority: {human_label(c)}", f"{w:g} of 5") for c, w in data.scenario.priorities.items()]
    return [(clean(a), clean(b)) for a, b in rows]


def feature_rows(data: ReportData) -> tuple[list[str], list[list[str]]]:
    """The matrix as the scenario's deployment mode sees it (single server without a scenario)."""
    mode = data.recommendation.deployment if data.recommendation else DeploymentMode.SINGLE_SERVER
    profiles = feature_matrix()
    engines = sorted(profiles)
    header = [f"feature ({term(mode)})", *(profiles[e].name for e in engines)]
    body = [["runs in this deployment mode", *(profiles[e].modes[mode].level for e in engines)]]
    features = sorted({f for p in profiles.values() for f in p.features})
    body += [[term(f), *(profiles[e].cell(f, mode).level for e in engines)] for f in features]
    body.append(["license", *(profiles[e].license for e in engines)])
    return header, body


def methodology_rows(data: ReportData) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for run in data.runs:
        d = run.dataset
        selectivity = d.filter_selectivity
        rows.append((f"run {run.run_id}", f"{run.label or 'unlabelled'}, {run.created_at}, status {run.status}"))
        rows.append(("dataset", f"{d.name}: {d.n:,} vectors x {d.dim} dims, {d.queries:,} queries, metric {d.metric}, "
                                f"content hash {d.hash[:16]}"))
        rows.append(("dataset source and license", f"{d.source or 'generated'}; {d.license or 'n/a'}"))
        plan = run.plan
        clients = ", ".join(str(c) for c in plan.get("concurrency") or [1])
        rows.append(("plan", f"k={run.k}, filter {plan.get('filter') or 'none'}"
                             + (f" (keeps {100 * selectivity:.2f} % of vectors)" if selectivity is not None else "")
                             + f", batch {plan.get('batch_size')}, warm-up {plan.get('warmup_queries')} queries, "
                               f"repetitions {plan.get('repetitions', 1)}, concurrent clients {clients}, "
                               f"isolated workers {'yes' if plan.get('isolate') else 'no'}"))
        for engine in plan.get("engines", []):
            rows.append((f"engine {engine['engine']}",
                         f"index {index_name(engine['index'])}; build {params_text(engine['build_params'])}; "
                         f"search grid {grid_text(engine['search_grid'])}"))
        env = run.environment
        rows.append(("hardware", f"{env.cpu_model}, {env.cores} cores, {env.ram_gb} GB RAM, {env.os}, "
                                 f"Python {env.python}, VectorScout {env.vectorscout}"))
        for engine, versions in sorted(env.engines.items()):
            rows.append((f"{engine} versions", f"engine {versions.get('engine') or 'not recorded'}; "
                                               f"client {versions.get('client') or 'not recorded'}"))
    rows.extend(("recall", definition) for definition in RECALL_DEFINITIONS)
    rows.append(("latency", "per query, serial, timed with the monotonic nanosecond clock (time.perf_counter_ns) "
                            "around the client call after a discarded warm-up; QPS = queries / wall time of the pass"))
    rows.append(("embedded vs server", "embedded engines run inside the benchmark's worker process (no network); "
                                       "server engines add a network round trip; numbers of the two kinds are not "
                                       "directly comparable, and a server on other hardware behaves differently"))
    differences = environment_differences(data.runs) if len(data.runs) > 1 else []
    if differences:
        rows.append(("runs differ in", "; ".join(differences)))
    if len(data.runs) > 1:
        rows.append(("runs in the charts", run_legend(data.runs)))
    rows.append(("engine memory", "the most the engine's worker (with its servers) held at the end of a stage, minus "
                                  "what it held with the engine opened empty: the harness's copy of the dataset is "
                                  "not counted as the engine's"))
    return [(clean(a), clean(b)) for a, b in rows]


def assumption_rows(data: ReportData) -> list[tuple[str, str, str]]:
    """The cost assumptions as (assumption, value, what it means), in words and units."""
    if data.cost is None:
        return []
    shares = {"memory_headroom", "cpu_utilisation", "average_load_share"}
    rows = []
    for param in ASSUMPTIONS:
        value = data.cost.assumptions.get(param.name)
        if param.name in shares and isinstance(value, int | float):
            shown = f"{100 * value:g} %"
        elif param.name == "node_overhead_gb" and isinstance(value, int | float):
            shown = f"{value:g} GB"
        else:
            shown = str(value) if value not in (None, "") else "from the scenario"
        rows.append((param.label or human_label(param.name), shown, param.help))
    rows.append(("Prices", "edited by the user" if data.cost.prices_edited else "shipped defaults (dated, with sources)", ""))
    return [(clean(a), clean(b), clean(c)) for a, b, c in rows]


PARETO_NOTE = "Per engine, the settings no other setting of it beats on both recall and throughput (serial passes), " \
              "in rising recall."
SCALING_NOTE = ("One setting measured at three or more sizes of one family of data (a scale ladder). Per figure "
                "a curve is fitted (with four sizes or more, the model with the smallest leave-one-out error), then "
                "checked: fitted without the largest size, it predicts that size, and the error is shown. Intervals "
                "are 95 % prediction intervals; past 20 times the largest size measured a prediction is a long "
                "extrapolation.")
COST_EVIDENCE_NOTE = ("Where each estimate's throughput and memory come from: the run the throughput was measured "
                      "at, and the scale ladder that carried it to the scenario's size (or that none did); the memory "
                      "model, and whether a measured calibration replaced it and why.")
STREAMING_NOTE = ("Writes at the declared rate while clients searched; each search scored against the vectors "
                  "acknowledged when it began. Freshness: from a write acknowledged until a search saw it (polled by "
                  "searching: the resolution is one search).")


@dataclass(frozen=True)
class TableSection:
    """A report section that is one table with a note above it, present only where the runs measured it."""

    title: str
    note: str
    header: list[str]
    body: list[list[str]]


def table_sections(data: ReportData) -> list[TableSection]:
    """The Pareto frontiers, the streaming summary (rates, where the writer fell behind, freshness) and the
    hybrid-search quality table, each where some run measured it (a hybrid-quality run has no frontier)."""
    rows = compared_rows(data.runs)
    header, body = frontier_table(rows)
    sections = [TableSection("Pareto frontiers", PARETO_NOTE, header, [[clean(cell) for cell in line] for line in body])]
    for title, note, frame in (("Streaming and freshness", STREAMING_NOTE, stream_summary_table(rows)),
                               ("Hybrid-search quality", HYBRID_NOTE, hybrid_table(rows))):
        sections.append(TableSection(title, note, [str(c) for c in frame.columns],
                                     [[clean(cell) for cell in line] for line in frame_rows(frame)]))
    sections.append(TableSection("Scaling curves", SCALING_NOTE, *scaling_rows(data)))
    sections.append(TableSection("Where the cost figures come from", COST_EVIDENCE_NOTE, *cost_evidence_rows(data)))
    return [section for section in sections if section.body]


def scenario_sizes(data: ReportData) -> dict[str, int]:
    """The scenario's vector counts, as the scaling chart marks them ({} without a scenario)."""
    if data.scenario is None:
        return {}
    answers = data.scenario.record
    return {"now": answers.vectors_now, "in 24 months": answers.vectors_24m}


def scaling_rows(data: ReportData) -> tuple[list[str], list[list[str]]]:
    """Per ladder and figure: the model and why, the held-out check, and the figure at the scenario's size."""
    header = ["Scale ladder", "Figure", "Model, and why", "Check: its largest size from the smaller ones",
              "At the scenario's size"]
    body = []
    sizes = scenario_sizes(data)
    for ladder in data.ladders:
        for curve in ladder.curves.values():
            figure, check = curve.figure, curve.check
            checked = (f"{check.size:,}: predicted {figure_text(figure, check.predicted)}, measured "
                       f"{figure_text(figure, check.measured)} (off by {describe_error(figure, check.error)})"
                       if check else "no check")
            at = [f"{label} {figure_text(figure, p.value)}"
                  + (f" ({figure_text(figure, p.interval[0])}–{figure_text(figure, p.interval[1])})"
                     if p.interval else "") + f", {p.reach}"
                  for label, p in ((label, curve.at(n)) for label, n in sizes.items())]
            body.append([ladder.label, figure.label, curve.why, checked, "; ".join(at) or "no scenario"])
    return header, [[clean(cell) for cell in line] for line in body]


def cost_evidence_rows(data: ReportData) -> tuple[list[str], list[list[str]]]:
    header = ["Engine", "Per month (95 % interval)", "Throughput from", "Memory from"]
    if data.cost is None:
        return header, []
    body = [[line.engine, money(line.usd_per_month) + (
                f" ({money(line.usd_per_month_range[0])}–{money(line.usd_per_month_range[1])})"
                if line.usd_per_month_range else " (one size measured: no interval)"),
             line.throughput_evidence, line.memory_evidence]
            for line in data.cost.lines() if line.usd_per_month is not None]
    return header, [[clean(cell) for cell in line] for line in body]


def figures(data: ReportData) -> list[tuple[str, go.Figure]]:
    charts = measurement_figures(data.runs)
    if data.ranking:
        charts.append(("criteria", criteria_figure(data.ranking)))
    if data.cost_curve:
        charts.append(("cost", cost_scale_figure(data.cost_curve)))
    if data.ladders:
        charts.append(("scaling", scaling_figure(data.ladders, scenario_sizes(data))))
    return charts


def cost_rows(data: ReportData) -> tuple[list[str], list[list[str]]]:
    header = ["engine", "status", "instance", "nodes", "bound by", "$/month", "$ per million queries",
              "$/month in 24 months", "managed (list price)"]
    if data.cost is None:
        return header, []
    body = [[line.engine, line.status, line.instance, "" if line.nodes is None else str(line.nodes), line.bound_by,
             line.note if line.usd_per_month is None else money(line.usd_per_month),
             money(line.usd_per_million_queries, ""), money(line.usd_per_month_in_24_months, ""), line.managed]
            for line in data.cost.lines()]
    return header, [[clean(c) for c in row] for row in body]


def raw_frames(data: ReportData) -> list[tuple[str, pd.DataFrame]]:
    """Every measurement as a person reads it, in the parts of tables.MEASUREMENT_PARTS (each fits a page's
    width), titled."""
    return [(title, frame.map(clean)) for title, frame in measurement_parts(compared_rows(data.runs))]


def failure_lines(data: ReportData) -> list[str]:
    lines = []
    for row in compared_rows(data.runs):
        if row.status in ("failed", "cancelled", "skipped"):
            meaning = {"failed": "the engine job stopped with this error; its other settings were not measured",
                       "cancelled": "the run was cancelled before this engine finished",
                       "skipped": "not measured, for the reason given"}[row.status]
            lines.append(f"{series_text(row)}: {row.status}: {row.error} ({meaning})")
    return [clean(line) for line in lines]


def reproduction(data: ReportData) -> dict[str, Any]:
    """What rerun needs: each run's plan and its dataset's content hash (no connection options: never stored)."""
    return {"vectorscout": __version__, "generated_at": data.generated_at,
            "runs": [{"run_id": run.run_id, "plan": run.plan, "dataset_hash": run.dataset.hash or None,
                      "dataset": run.dataset.spec or run.dataset.name,
                      "results": [row.to_dict() for row in run.results]} for run in data.runs],
            "scenario": None if data.scenario is None else json.loads(data.scenario.to_json())}


def frame_rows(frame: pd.DataFrame) -> list[list[str]]:
    return [["" if pd.isna(v) else str(v) for v in row] for row in frame.itertuples(index=False)]


def report_document(data: ReportData) -> dict[str, Any]:
    references = References()
    executive = [{"heading": part.heading, "lines": part.lines} for part in executive_summary(data, references)]
    return {"title": clean(data.title), "generated_at": data.generated_at, "executive_summary": executive,
            "references": references.urls, "summary": summary_lines(data),
            "reproduction": reproduction(data), "runs": [run_document(run) for run in data.runs],
            "recommendation": data.recommendation.to_dict() if data.recommendation else None,
            "cost": data.cost.to_dict() if data.cost else None}


def results_frame_with_run(data: ReportData) -> pd.DataFrame:
    """Every measurement of every run, one row per (run, engine, setting), for spreadsheets."""
    frames = []
    for run in data.runs:
        frame = pd.DataFrame([row.to_dict() for row in run.results])
        frame.insert(0, "run_id", run.run_id)
        frame.insert(1, "dataset", run.dataset.name)
        frames.append(frame)
    merged = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return merged.map(lambda v: clean(json.dumps(v)) if isinstance(v, dict | list) else (clean(v) if isinstance(v, str) else v))


def json_safe(value: Any) -> Any:
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


