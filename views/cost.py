import dataclasses

import pandas as pd
import streamlit as st

from dashboard_ui import param_widgets, pick_runs, queue_caption, results_store, show_chart, show_table, start_benchmark
from vectorscout.benchmarking.plans import (
    CALIBRATION_SIZES,
    LADDER_LABEL,
    ladder_seconds,
    ladder_sizes,
    memory_calibration,
    scale_ladder,
)
from vectorscout.decision.cost import (
    ASSUMPTIONS,
    CostError,
    CostReport,
    cost_report,
    ladder_settings,
    load_prices,
    parse_prices,
    reset_prices,
    resolved_assumptions,
    save_prices,
    scale_curve,
    sensitivity,
)
from vectorscout.decision.recommend import excluded_engines, recommend
from vectorscout.decision.scenario import Scenario, save_scenario, saved_scenarios
from vectorscout.glossary import PRICE_FIELD_LABELS
from vectorscout.reporting.charts import cost_scale_figure, scaling_figure
from vectorscout.reporting.tables import fixed, human_label, money, significant, whole
from vectorscout.results.scaling import ladders


def memory_breakdown(report: CostReport) -> None:
    """Per engine: the memory model's terms, where they come from, and how the runs calibrated it."""
    with st.expander("Memory per vector: model, calibration and sources"):
        show_table(pd.DataFrame([
            {"Engine": e.engine,
             **{f"{human_label(term)} (bytes)": whole(value) for term, value in e.memory.breakdown.get("terms", {}).items()},
             "Runtime factor": significant(e.memory.breakdown.get("runtime_factor")),
             "RAM used (bytes/vector)": whole(e.memory.ram_bytes_per_vector), "Calibration": e.memory.calibration,
             "Where": e.memory.breakdown.get("note", ""), "Basis": e.memory.basis}
            for e in report.estimates if e.memory is not None
        ]).fillna("not in this engine's model"))


def memory_options_table(report: CostReport) -> None:
    """Quantization, float16 and on-disk options side by side, with the recall measured for them, if any."""
    rows = [{"Engine": e.engine, "Option": o.name, "RAM (bytes/vector)": whole(o.ram_bytes_per_vector),
             "RAM per copy (GiB)": significant(o.ram_gb_per_copy), "Nodes": whole(o.nodes),
             "Instance": o.instance or "not sized", "Per month": money(o.usd_per_month, "not sized"),
             "Recall": fixed(4)(o.recall) if o.recall is not None else o.recall_note, "Where": o.where}
            for e in report.estimates for o in e.options]
    if rows:
        with st.expander("Quantization and disk options (same scale, same copies)"):
            show_table(pd.DataFrame(rows))


def calibration_offer(report: CostReport) -> None:
    """Measure memory at two sizes of the scenario's dimension, as a background job (see the Run page)."""
    # the measured settings the estimates were made from (EngineMeasure as a dict): no second pass over the runs
    settings = [(e.inputs["engine"], e.inputs["index"], e.inputs["build_params"]) for e in report.estimates if e.inputs]
    uncalibrated = [e.engine for e in report.estimates if e.memory is not None and e.memory.calibration_ratio is None]
    if not settings or not uncalibrated:
        return
    sizes = " and ".join(f"{n:,}" for n in CALIBRATION_SIZES)
    st.info(f"Memory of {', '.join(uncalibrated)} comes from the model alone. Measuring it at {sizes} vectors of "
            f"{scenario.record.dimensions} dimensions calibrates it (isolated runs, stored like any other).")
    caption = queue_caption()
    if caption:
        st.caption(caption)
    asked = st.button("Queue the memory measurement" if caption else "Measure memory at two sizes")
    if asked and start_benchmark(memory_calibration(settings, scenario.record.dimensions)):
        st.switch_page("views/run.py")


def ladder_offer(report: CostReport) -> None:
    """Measure the priced settings at five sizes of the scenario's dimension (a scale ladder), as a background
    job, where an estimate's throughput was carried from one size unscaled."""
    import psutil

    unscaled = [e.engine for e in report.estimates if e.scale is not None and not e.scale.ladder]
    settings = [s for s in ladder_settings(scenario.record, runs) if s.engine in unscaled]
    if not settings:
        return
    dim = scenario.record.dimensions
    sizes = ladder_sizes(dim, psutil.virtual_memory().available)
    if len(sizes) < 3:
        st.warning(f"A scale ladder needs three sizes; this machine's free memory holds {len(sizes)} at {dim} "
                   "dimensions.")
        return
    minutes = ladder_seconds(settings, dim, sizes) / 60
    st.info(f"Throughput of {', '.join(unscaled)} was measured at one size and is carried to "
            f"{scenario.record.vectors_now:,} vectors unscaled. A scale ladder measures each at "
            f"{', '.join(f'{n:,}' for n in sizes)} vectors of {dim} dimensions and fits how every figure changes "
            f"with size: about {minutes:.0f} min on this machine (runs stored like any other).")
    caption = queue_caption()
    if caption:
        st.caption(caption)
    asked = st.button("Queue the scale ladder" if caption else f"Measure at {len(sizes)} sizes (scale ladder)")
    if asked and start_benchmark(scale_ladder(settings, dim, sizes)):
        st.switch_page("views/run.py")


def evidence_table(report: CostReport) -> None:
    """Per engine: where its throughput at this size and its memory per vector come from."""
    st.subheader("Where the figures come from")
    show_table(pd.DataFrame([
        {"Engine": line.engine, "Throughput": line.throughput_evidence, "Memory": line.memory_evidence}
        for line in report.lines() if line.usd_per_month is not None
    ]), key="cost.evidence")


st.title("Cost")
st.caption("From what was measured here (bytes per vector, QPS per core at your recall target) to nodes and "
           "dollars per month at your scale. Every assumption is editable; prices carry their date and source.")
scenarios = saved_scenarios()
if not scenarios:
    st.info("No saved scenario yet: answer the questions on the Requirements page and save them.")
    st.stop()
name = st.selectbox("Scenario", list(scenarios), key="cost.scenario")
scenario = scenarios[name]
store = results_store()
summaries = store.list_runs()
run_ids = pick_runs("Runs to take measurements from", summaries, key="cost.runs",
                    default=[s.run_id for s in summaries if s.status in ("finished", "failed")][:1])
runs = [store.get_run(run_id) for run_id in run_ids]
ladder_ids = [s.run_id for s in summaries if s.label.startswith(LADDER_LABEL) and s.status == "finished"
              and s.run_id not in run_ids]
if ladder_ids and st.checkbox(f"Use the {len(ladder_ids)} stored scale-ladder runs to carry throughput, build time "
                              "and recall to your size", value=True, key="cost.ladders"):
    runs += [store.get_run(run_id) for run_id in ladder_ids]

st.subheader("Assumptions")
# The provider is the scenario's cloud provider (a Requirements answer) unless an older file set it here.
defaults = [dataclasses.replace(p, default=scenario.cost[p.name]) for p in ASSUMPTIONS if p.name != "provider"]
assumptions = {**param_widgets(defaults, f"cost.{name}", columns=3), "provider": scenario.cost["provider"]}
st.caption(f"Priced with {resolved_assumptions(scenario.cost, scenario.record)['provider']} list prices, the "
           "scenario's cloud provider (change it on the Requirements page).")
if st.button("Save these assumptions with the scenario"):
    save_scenario(Scenario(scenario.name, scenario.answers, scenario.priorities, assumptions))
    st.success(f"Saved with {scenario.name!r}.")

prices = load_prices()
try:
    with st.spinner("Sizing nodes and pricing them…"):
        report = cost_report(scenario.record, runs, assumptions, prices,
                             excluded=excluded_engines(recommend(scenario, runs).ranking))
except CostError as exc:  # e.g. an edited price table without the chosen provider: fix it below
    st.error(str(exc))
    report = None
if report is not None:
    answers = scenario.record
    st.caption(f"Priced in {report.assumptions['provider']} {report.assumptions['region']}.")
    if report.region_note:
        st.warning(f"Region: {report.region_note}.")
    st.subheader(f"At {answers.vectors_now:,} vectors × {answers.dimensions} dims, peak {answers.peak_qps:,} QPS")
    if not runs:
        st.warning("No run chosen: every engine is 'not measured'. Pick runs above.")
    lines = report.lines()
    # the answer first; what it rests on in the table under it: together they scrolled sideways at 1280 px
    show_table(pd.DataFrame([
        {"Engine": line.engine, "Per month": money(line.usd_per_month, "not sized"),
         "95 % interval": (f"{money(line.usd_per_month_range[0])}–{money(line.usd_per_month_range[1])}"
                           if line.usd_per_month_range else "one size measured"),
         "Per month in 24 months": money(line.usd_per_month_in_24_months, "not sized"),
         "Shape": line.shape or "not sized",
         "Nodes": whole(line.nodes) if line.nodes is not None else "not sized",
         "Instance": line.instance or "not sized", "Status": line.status}
        for line in lines
    ]), key="cost.answer")
    show_table(pd.DataFrame([
        {"Engine": line.engine, "Managed offer": line.managed or "no offer listed",
         "Per million queries": money(line.usd_per_million_queries, "not sized"), "Bound by": line.bound_by,
         "Copies": whole(line.copies) if line.copies is not None else "not sized",
         "Build (hours)": significant(line.build_hours), "Note": line.note}
        for line in lines
    ]), key="cost.detail")
    st.caption("Nodes are sized three ways and the largest wins: memory (every copy of the data), throughput "
               "(peak QPS over QPS per node at your recall target) and availability (each copy on its own node). "
               "RAM per node: what each node holds of the copies, against what it has for vectors after the "
               "headroom and its fixed part.")
    show_table(pd.DataFrame([
        {"Engine": line.engine, "Nodes for memory": whole(line.nodes_by.get("memory")),
         "For throughput": whole(line.nodes_by.get("throughput")),
         "For availability": whole(line.nodes_by.get("availability")),
         "RAM per copy, GiB": significant(line.ram_gb_per_copy),  # bytes per vector: in the memory breakdown
         "RAM per node": line.ram_per_node}
        for line in lines if line.nodes_by
    ]), key="cost.nodes")
    evidence_table(report)
    ladder_offer(report)
    found = ladders(runs)
    if found:
        show_chart(scaling_figure(found, {"now": answers.vectors_now, "in 24 months": answers.vectors_24m}),
                   key="cost.scaling")
    memory_breakdown(report)
    memory_options_table(report)
    calibration_offer(report)
    show_chart(cost_scale_figure(scale_curve(answers, runs, assumptions, prices)), key="cost.curve")
    st.subheader("Sensitivity: $/month with one input moved by ±50 %")
    # an input moved per row, an engine per column: seven moves side by side scrolled sideways at 1280 px
    moved = sensitivity(answers, runs, assumptions, prices)
    inputs = [key for key in (moved[0] if moved else {}) if key != "engine"]
    show_table(pd.DataFrame({"Input moved": ["as estimated" if key == "base" else key for key in inputs],
                             **{line["engine"]: [money(line[key], "not sized") for key in inputs] for line in moved}}),
               key="cost.sensitivity")

with st.expander("Price table" + (" (edited by you)" if prices.edited else " (defaults)")):
    document = prices.to_document()
    # headed in words; the frame keeps the fields' names, which the saved table is read back by
    edited = {kind: st.data_editor(pd.DataFrame(document[kind]), num_rows="dynamic", key=f"prices.{kind}",
                                   column_config={field: st.column_config.Column(label)
                                                  for field, label in PRICE_FIELD_LABELS.items()})
              for kind in ("instances", "storage", "managed")}
    save_column, reset_column = st.columns(2)
    if save_column.button("Save my prices"):
        try:
            table = parse_prices({"hours_per_month": prices.hours_per_month,
                                  **{k: frame.dropna(how="all").to_dict("records") for k, frame in edited.items()}})
            save_prices(table)
            st.success("Saved; the shipped defaults stay as they are.")
        except CostError as exc:
            st.error(f"Not saved: {exc}")
    if reset_column.button("Back to the default prices"):
        reset_prices()
        st.rerun()
