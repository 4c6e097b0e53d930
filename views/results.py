import pandas as pd
import streamlit as st

from dashboard_ui import pick_runs, results_store, run_label, show_chart
from vectorscout.reporting.charts import measurement_figures, results_frame, setting_label
from vectorscout.results.analysis import at_recall, compared_rows, environment_differences
from vectorscout.results.documents import run_to_json

st.title("Results")
store = results_store()
summaries = store.list_runs()
if not summaries:
    st.info("No stored runs yet: start one on the Run page.")
    st.stop()

labels = {s.run_id: run_label(s) for s in summaries}
run_id = st.selectbox("Run", list(labels), format_func=labels.__getitem__)
compare = pick_runs("Compare with other runs (any day or machine; same charts)", summaries, key="compare",
                    exclude=[run_id])
runs = [store.get_run(rid) for rid in [run_id, *compare]]
run = runs[0]

dataset = run.dataset
st.caption(
    f"{dataset.name}: {dataset.n:,} vectors × {dataset.dim} dims, {dataset.queries:,} queries, "
    f"metric {dataset.metric}, k={run.k} · status {run.status} · {run.environment.cpu_model}, "
    f"{run.environment.cores} cores"
)
differences = environment_differences(runs) if len(runs) > 1 else []
if differences:
    st.warning("These runs differ in what they were measured with; compare with care: " + "; ".join(differences))
rows = compared_rows(runs)
if not rows:
    st.warning("This run has no results (it was interrupted or cancelled before an engine finished).")
    st.stop()
st.dataframe(results_frame(rows), hide_index=True)
for row in rows:
    if row.status != "ok":
        st.error(f"{row.engine}: {row.status} — {row.error}")
noisy = [row for row in rows if row.noise]
if noisy:
    st.warning(f"{len(noisy)} measurement(s) were taken under noise (drawn hollow; the recommendation does not "
               "score them): " + "; ".join(f"{r.engine} {setting_label(r)}: {r.noise}" for r in noisy[:5]))
for row in [row for row in rows if row.diagnosis][:5]:
    st.warning(f"Recall collapse, {row.engine} {setting_label(row)}: {row.diagnosis}")
charts = dict(measurement_figures(runs))
show_chart(charts.pop("pareto"), key="pareto")
target = st.slider("Recall target", 0.5, 1.0, 0.95, 0.01, key="target",
                   help="Throughput and tail latency compared where each engine reaches this recall.")
reached = at_recall(rows, target)
st.dataframe(
    [{"engine": engine, "reaches the target": s["reached"],
      "best QPS at target": None if s["qps"] is None else round(s["qps"]),
      "best p95 ms at target": None if s["latency_p95_ms"] is None else round(s["latency_p95_ms"], 3)}
     for engine, s in sorted(reached.items())],
    hide_index=True,
)
for name, figure in charts.items():
    show_chart(figure, key=name)
with st.expander("Stages: wall time and engine memory per stage"):
    st.dataframe(pd.DataFrame([{"engine": r.engine, **stage} for r in rows if r.concurrency == 1
                               for stage in r.stages]).drop_duplicates(), hide_index=True)
st.download_button("Export run as JSON", run_to_json(run), file_name=f"vectorscout-run-{run.run_id}.json",
                   mime="application/json")
