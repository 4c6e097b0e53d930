import streamlit as st

from dashboard_ui import results_store
from vectorscout.analysis import at_recall
from vectorscout.charts import latency_figure, recall_qps_figure, results_frame
from vectorscout.cli import run_to_json

st.title("Results")
store = results_store()
summaries = store.list_runs()
if not summaries:
    st.info("No stored runs yet: start one on the Run page.")
    st.stop()

labels = {s.run_id: f"{s.run_id} · {s.dataset} · {', '.join(s.engines) or 'no results'} · {s.status}" for s in summaries}
run_id = st.selectbox("Run", list(labels), format_func=labels.__getitem__)
run = store.get_run(run_id)

dataset = run.dataset
st.caption(
    f"{dataset['name']}: {dataset['n']:,} vectors × {dataset['dim']} dims, {dataset['queries']:,} queries, "
    f"metric {dataset['metric']}, k={run.k} · status {run.status} · {run.environment.get('cpu_model', '')}, "
    f"{run.environment.get('cores', '?')} cores"
)
if not run.results:
    st.warning("This run has no results (it was interrupted or cancelled before an engine finished).")
    st.stop()
st.dataframe(results_frame(run.results), hide_index=True)
for row in run.results:
    if row.status != "ok":
        st.error(f"{row.engine}: {row.status} — {row.error}")
st.plotly_chart(recall_qps_figure(run.results), key="recall_qps")
target = st.slider("Recall target", 0.5, 1.0, 0.95, 0.01, key="target",
                   help="Throughput and tail latency compared where each engine reaches this recall.")
reached = at_recall(run.results, target)
st.dataframe(
    [{"engine": engine, "reaches the target": s["reached"], "best QPS at target": s["qps"],
      "best p95 ms at target": s["latency_p95_ms"]} for engine, s in sorted(reached.items())],
    hide_index=True,
)
st.plotly_chart(latency_figure(run.results), key="latency")
st.download_button("Export run as JSON", run_to_json(run), file_name=f"vectorscout-run-{run.run_id}.json",
                   mime="application/json")
