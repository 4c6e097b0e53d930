import pandas as pd
import streamlit as st

from dashboard_ui import (
    PAGES,
    current_workshop,
    measured_so_far,
    queue_caption,
    results_store,
    show_table,
    start_benchmark,
)
from vectorscout.benchmarking.plans import expected_duration, known_to_text, quick_evaluation
from vectorscout.decision.workshop import WorkshopError, export_workshop, import_workshop, open_or_create

st.title("VectorScout")
st.markdown(
    "Choose an open-source vector database with evidence: VectorScout drives the real engines through one "
    "adapter contract, measures recall against exact ground truth and latency per query on this machine, "
    "scores them against your requirements and writes a report the workshop can hand around."
)
quick = quick_evaluation()
st.markdown(f"**The flow:** 1. Requirements → 2. Datasets → 3. Run → 4. Results → 5. Recommendation → 6. Cost → "
            f"7. Report. Short on time? The quick evaluation measures every engine that runs here with no set-up at equal "
            "recall "
            f"({quick.tune_recall:g}, each index's search effort tuned on half the queries) on the bundled WordNet "
            f"set of 15,000 vectors: {expected_duration(results_store().durations_s(quick.label))}. Its verdict is "
            "indicative: small, default data.")
caption = queue_caption()
if caption:
    st.info(caption)
started = st.button("Queue the quick evaluation" if caption else "Quick evaluation", type="primary",
                    help="Seven engines one after the other, each the engine itself (Milvus: its standalone server, not Milvus "
                         "Lite); each engine's row appears below as soon as it is measured; Cancel on the Run page.")
if started and start_benchmark([quick]):
    st.session_state["home.quick_job"] = st.session_state["job"]


@st.fragment(run_every=1.0)
def quick_evaluation_rows() -> None:
    """The quick evaluation this tab started: each engine's row as soon as it is measured, with its intervals."""
    from vectorscout.benchmarking.run_queue import RunQueue

    entry = RunQueue(results_store()).find(st.session_state.get("home.quick_job", ""))
    if entry is None:
        return
    progress = entry.progress
    now = (f"engine {max(1, progress.engine_number)} of {len(progress.engines)}" if entry.active and progress.engines
           else "waiting for the queue" if entry.active else entry.state)
    st.subheader(f"Quick evaluation: {now}")
    st.caption(f"Timed until this run's queries know each figure to {known_to_text()}; indicative, like its verdict: "
               "the bundled 15,000 vectors at each engine's default build.")
    measured_so_far(entry.run_ids)
    if entry.active:
        st.page_link("views/run.py", label="Progress and Cancel on the Run page")
    elif entry.run_ids:
        st.page_link("views/results.py", label="Open the results", query_params={"run": entry.run_ids[0]})
    if st.session_state.get("home.quick_state") != entry.active:
        st.session_state["home.quick_state"] = entry.active
        if not entry.active:
            st.rerun()  # it ended: the latest runs and the workshop below are drawn again with it


quick_evaluation_rows()
steps = [(path, f"{step} {title}") for step, (path, title) in enumerate(PAGES[1:], 1)]
for row in (steps[:4], steps[4:]):
    for column, (page, title) in zip(st.columns(4), row):
        column.page_link(page, label=title)

store = results_store()
st.subheader("Workshop")
st.caption("A workshop keeps this selection's scenarios, runs and reports together, survives restarts, and "
           "moves to another laptop as one file.")
workshops = store.list_workshops()
left, right = st.columns(2)
with left:
    # no widget key: the shown choice follows the open workshop, also when it was just created or imported
    chosen = st.selectbox("Open a workshop", ["(none)", *workshops],
                          index=1 + workshops.index(st.session_state["workshop"])
                          if st.session_state.get("workshop") in workshops else 0)
    if (chosen if chosen != "(none)" else None) != st.session_state.get("workshop"):
        st.session_state["workshop"] = None if chosen == "(none)" else chosen  # "(none)" closes the workshop
        st.rerun()
    new_name = st.text_input("…or start a new one", key="home.new_workshop", placeholder="e.g. search platform 2026")
    if st.button("Create workshop", disabled=not new_name.strip()):
        try:
            st.session_state["workshop"] = open_or_create(store, new_name).name
            st.rerun()
        except WorkshopError as exc:
            st.error(str(exc))
with right:
    uploaded = st.file_uploader("Import a workshop file", type=["json"], key="home.import")
    if uploaded is not None and st.session_state.get("home.imported") != uploaded.file_id:
        try:
            imported = import_workshop(store, uploaded.getvalue().decode("utf-8", errors="replace"))
        except WorkshopError as exc:
            st.error(str(exc))
        else:
            st.session_state["home.imported"] = uploaded.file_id
            st.session_state["workshop"] = imported.name
            st.success(f"Imported {imported.name!r}: {len(imported.scenarios)} scenario(s), {len(imported.run_ids)} run(s).")

workshop = current_workshop()
if workshop is not None:
    st.markdown(f"**{workshop.name}** — scenarios: {', '.join(workshop.scenarios) or 'none yet (Requirements)'}; "
                f"reports: {len(workshop.reports)}")
    known = {s.run_id: s for s in store.list_runs()}
    show_table(pd.DataFrame([{"Run": rid, "Status": known[rid].status if rid in known else "not in this store",
                              "Dataset": known[rid].dataset if rid in known else "",
                              "Engines": ", ".join(known[rid].engines) if rid in known else ""}
                             for rid in workshop.run_ids], columns=["Run", "Status", "Dataset", "Engines"]))
    st.download_button("Export this workshop (one file)", export_workshop(store, workshop.name),
                       file_name=f"vectorscout-workshop-{workshop.name}.json", mime="application/json")

runs = store.list_runs(limit=5)
st.subheader("Latest runs")
if runs:
    show_table(pd.DataFrame([{"Run": r.run_id, "Created (UTC)": r.created_at, "Status": r.status, "Dataset": r.dataset,
                              "Engines": ", ".join(r.engines) or "no results"} for r in runs]))
else:
    st.info("No runs yet: start one on the Run page.")
