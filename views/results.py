import pandas as pd
import streamlit as st

from dashboard_ui import pick_runs, results_store, run_label, show_chart, show_table
from vectorscout.reporting.charts import measurement_figures, run_legend, setting_label
from vectorscout.reporting.tables import (
    HYBRID_NOTE,
    at_target_table,
    hybrid_table,
    measurement_parts,
    stages_table,
    stream_summary_table,
    tuning_lines,
)
from vectorscout.results.analysis import at_recall, compared_rows, environment_differences, series_text
from vectorscout.results.documents import run_to_json

DETAIL_CHARTS = {"latency": "Latency per setting", "latency-cdf": "Latency distribution",
                 "concurrency": "Throughput by clients", "selectivity": "Filter selectivity",
                 "resources": "Memory and disk", "compression": "Recall against bytes per vector",
                 "streaming": "While written to"}

st.title("Results")
store = results_store()
summaries = store.list_runs()
if not summaries:
    st.info("No stored runs yet: start one on the Run page.")
    st.stop()

labels = {s.run_id: run_label(s) for s in summaries}
# The page opens on the run the address names (the Run page's "Open the results"), else on the newest run that
# finished: a cancelled or failed run is shown only when chosen.
asked = st.query_params.pop("run", None)  # /results?run=ID: the Run page's link, or a shared address
if asked in labels:
    st.session_state["results.run"] = asked
elif st.session_state.get("results.run") not in labels:
    st.session_state["results.run"] = next((s.run_id for s in summaries if s.status == "finished"), summaries[0].run_id)
run_id = st.selectbox("Run", list(labels), key="results.run", format_func=labels.__getitem__)
compare = pick_runs("Compare with other runs (any day or machine; same charts)", summaries, key="compare",
                    exclude=[run_id])
runs = [store.get_run(rid) for rid in [run_id, *compare]]
run = runs[0]

dataset = run.dataset
st.caption(
    f"{dataset.name}: {dataset.n:,} vectors × {dataset.dim} dims, {dataset.queries:,} queries, "
    f"metric {dataset.metric}, k={run.k} · status {run.status} · {run.environment.cpu_model or 'CPU not recorded'}, "
    f"{run.environment.cores} cores"
)
if len(runs) > 1:
    st.caption("In the tables and charts: " + run_legend(runs))
differences = environment_differences(runs) if len(runs) > 1 else []
if differences:
    st.warning("These runs differ in what they were measured with; compare with care: " + "; ".join(differences))
rows = compared_rows(runs)
if not any(row.status == "ok" for row in rows):
    st.warning(f"This run ({run.status}) has no measurements: it was interrupted, cancelled or failed before an "
               "engine finished a setting. Choose another run above.")
    for row in rows:
        st.error(f"{series_text(row)}: {row.status} — {row.error}")
    st.stop()
# the answer first; the other parts a click away, each fits 1280 px. Compared runs read "run 1", "run 2" as in
# the charts' legends (the caption above says which is which): a cut-off run id told nothing apart
run_places = {r.run_id: f"run {place}" for place, r in enumerate(runs, 1)}


def placed(frame: pd.DataFrame) -> pd.DataFrame:
    """A table's Run column as the legends name the runs."""
    return frame.assign(Run=frame["Run"].map(run_places)) if "Run" in frame else frame


answer, *details = [(title, placed(frame)) for title, frame in measurement_parts(rows)]
show_table(answer[1], key="results.table")
with st.expander("Every measurement: " + ", ".join(title.lower() for title, _ in details)):
    for title, frame in details:
        st.markdown(f"**{title}**")
        show_table(frame, key=f"results.table.{title}")
for row in rows:
    if row.status != "ok":
        st.error(f"{series_text(row)}: {row.status} — {row.error}")
noisy = [row for row in rows if row.noise]
if noisy:
    st.warning(f"{len(noisy)} measurement(s) were taken under noise (drawn hollow; the recommendation does not "
               "score their speed): " + "; ".join(f"{series_text(r)} {setting_label(r)}: {r.noise}" for r in noisy[:5]))
tuned = tuning_lines(rows)
if tuned:
    st.info("Compared at equal recall: each index's search effort was tuned on half the queries, and every figure "
            "above read on the other half.\n\n" + "\n".join(f"- {line}" for line in tuned))
for row in [row for row in rows if row.diagnosis][:5]:
    st.warning(f"Recall collapse, {series_text(row)} {setting_label(row)}: {row.diagnosis}")
with st.spinner("Drawing the charts…"):
    charts = dict(measurement_figures(runs))
hybrid_rows = [row for row in rows if row.hybrid is not None]
if hybrid_rows:
    st.subheader("Hybrid-search quality")
    st.caption(HYBRID_NOTE)
    show_table(hybrid_table(hybrid_rows), key="results.hybrid")
    show_chart(charts.pop("hybrid"), key="hybrid")
if any(row.qps is not None for row in rows):  # a run of hybrid quality alone has no speed to chart
    show_chart(charts.pop("pareto"), key="pareto")
    target = st.slider("Recall target", 0.5, 1.0, 0.95, 0.01, key="target",
                       help="Throughput and tail latency compared where each engine reaches this recall.")
    show_table(placed(at_target_table(at_recall(rows, target))))
    # One detail chart at a time, chosen here: drawing all of them on every rerun (the recall slider's too) made
    # the page take over a second in a browser; the report carries every chart.
    shown = st.segmented_control("Chart", [name for name in DETAIL_CHARTS if name in charts], default="latency",
                                 format_func=DETAIL_CHARTS.__getitem__, key="results.chart")
    if shown:
        show_chart(charts[shown], key=shown)
if any(row.streaming is not None for row in rows):
    st.subheader("Streaming and freshness")
    st.caption("Writes at the declared rate while clients searched; freshness: from a write acknowledged until a "
               "search saw it (polled by searching, so the resolution is one search).")
    show_table(stream_summary_table(rows), key="results.streaming")
with st.expander("Stages: wall time and memory per stage of each engine's job"):
    show_table(stages_table(rows))
st.download_button("Export run as JSON", run_to_json(run), file_name=f"vectorscout-run-{run.run_id}.json",
                   mime="application/json")
