import streamlit as st

from dashboard_ui import results_store
from vectorscout.jobs import BackgroundRun
from vectorscout.plans import quick_evaluation

st.title("VectorScout")
st.markdown(
    "Choose an open-source vector database with evidence: VectorScout drives the real engines through one "
    "adapter contract, measures recall against exact ground truth and latency per query on this machine, "
    "and keeps every run."
)
if st.button("Quick evaluation", type="primary",
             help="Every embedded engine at default settings on the bundled WordNet set: under a minute on 2 cores."):
    st.session_state["job"] = BackgroundRun(quick_evaluation(), results_store()).start()
    st.switch_page("views/run.py")

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
