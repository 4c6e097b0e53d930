import streamlit as st

from dashboard_ui import results_store

st.title("VectorScout")
st.markdown(
    "Choose an open-source vector database with evidence: VectorScout drives the real engines through one "
    "adapter contract, measures recall against exact ground truth and latency per query on this machine, "
    "and keeps every run."
)
runs = results_store().list_runs(limit=5)
st.subheader("Latest runs")
if runs:
    st.dataframe(
        [{"run": r.run_id, "created": r.created_at, "status": r.status, "dataset": r.dataset,
          "engines": ", ".join(r.engines)} for r in runs],
        hide_index=True,
    )
else:
    st.info("No runs yet: start one on the Run page.")
st.page_link("views/run.py", label="Start a benchmark")
st.page_link("views/results.py", label="See stored results")
