import dataclasses

import pandas as pd
import streamlit as st

from dashboard_ui import param_widgets, pick_runs, results_store, show_chart
from vectorscout.decision.cost import (
    ASSUMPTIONS,
    CostError,
    cost_report,
    load_prices,
    parse_prices,
    reset_prices,
    save_prices,
    scale_curve,
    sensitivity,
)
from vectorscout.decision.recommend import Scenario, save_scenario, saved_scenarios
from vectorscout.reporting.charts import cost_scale_figure

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

st.subheader("Assumptions")
defaults = [dataclasses.replace(p, default=scenario.cost[p.name]) for p in ASSUMPTIONS]
assumptions = param_widgets(defaults, f"cost.{name}", columns=3)
if st.button("Save these assumptions with the scenario"):
    save_scenario(Scenario(scenario.name, scenario.answers, scenario.priorities, assumptions))
    st.success(f"Saved with {scenario.name!r}.")

prices = load_prices()
try:
    report = cost_report(scenario.answers, runs, assumptions, prices)
except CostError as exc:  # e.g. an edited price table without the chosen provider: fix it below
    st.error(str(exc))
    report = None
if report is not None:
    answers = scenario.answers
    st.subheader(f"At {answers['vectors_now']:,} vectors × {answers['dimensions']} dims, peak {answers['peak_qps']:,} QPS")
    if not runs:
        st.warning("No run chosen: every engine is 'not measured'. Pick runs above.")
    st.dataframe(pd.DataFrame([
        {"engine": line.engine, "status": line.status, "instance": line.instance, "nodes": line.nodes,
         "bound by": line.bound_by, "$/month": line.usd_per_month, "$ per million queries": line.usd_per_million_queries,
         "$/month in 24 months": line.usd_per_month_in_24_months, "managed list price $/month": line.managed,
         "initial build, hours": line.build_hours, "note": line.note}
        for line in report.lines()
    ]).round({"$/month": 0, "$/month in 24 months": 0}), hide_index=True)
    with st.expander("Measured inputs per engine"):
        st.dataframe(pd.DataFrame([{"engine": e.engine, **e.inputs} for e in report.estimates if e.inputs]), hide_index=True)
    show_chart(cost_scale_figure(scale_curve(answers, runs, assumptions, prices)), key="cost.curve")
    st.subheader("Sensitivity: $/month with one input moved by ±50 %")
    st.dataframe(pd.DataFrame(sensitivity(answers, runs, assumptions, prices)).round(0), hide_index=True)

with st.expander("Price table" + (" (edited by you)" if prices.edited else " (defaults)")):
    document = prices.to_document()
    edited = {kind: st.data_editor(pd.DataFrame(document[kind]), num_rows="dynamic", key=f"prices.{kind}")
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
