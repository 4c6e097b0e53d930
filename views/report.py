import streamlit as st

from dashboard_ui import current_workshop, pick_runs, remember_in_workshop, results_store
from vectorscout.decision.scenario import saved_scenarios
from vectorscout.reporting.report import FORMATS, report_folder, write_report, zipped
from vectorscout.reporting.sections import References, ReportError, build_report, executive_summary

st.title("Report")
st.caption("One document for the workshop: summary, requirements, cost, charts, methodology, raw numbers and "
           "the exact plans to rerun them (`python -m vectorscout rerun report.html`).")
store = results_store()
summaries = store.list_runs()
if not summaries:
    st.info("No stored runs yet: start one on the Run page (or the quick evaluation on Home).")
    st.stop()
workshop = current_workshop()
known = {s.run_id for s in summaries}
in_workshop = [rid for rid in (workshop.run_ids if workshop else []) if rid in known]
run_ids = pick_runs("Runs in the report", summaries, default=in_workshop or [summaries[0].run_id], key="report.runs")
scenarios = saved_scenarios()
choices = ["(none)", *scenarios]
preferred = next((name for name in (workshop.scenarios if workshop else []) if name in scenarios), None)
scenario_name = st.selectbox("Scenario (adds the recommendation, requirements and cost)", choices,
                             index=choices.index(preferred) if preferred else 0, key="report.scenario")
formats = st.multiselect("Formats", list(FORMATS), default=list(FORMATS), key="report.formats")
if not run_ids:
    st.stop()
with st.spinner("Gathering the runs, the recommendation and the cost…"):
    data = build_report([store.get_run(rid) for rid in run_ids], scenarios.get(scenario_name))
st.subheader("Preview: executive summary")
references = References()
for part in executive_summary(data, references):
    st.markdown(f"**{part.heading}**\n\n" + "\n".join(f"- {line}" for line in part.lines))
if references.urls:
    st.caption("References: " + " · ".join(f"[{number}] {url}" for number, url in enumerate(references.urls, 1)))

if st.button("Make the report", type="primary", disabled=not formats):
    folder = report_folder()
    try:
        with st.status("Writing the report…", expanded=True) as status:
            written = write_report(data, folder, formats, progress=lambda step: status.write(f"writing {step}"))
            status.update(label=f"Report written to {folder}", state="complete")
    except (ReportError, OSError) as exc:  # e.g. no Chromium for the charts, or a full disk
        st.error(f"The report was not written: {exc}")
    else:
        st.session_state["report.written"] = {kind: str(path) for kind, path in written.items()}
        st.session_state["report.folder"] = str(folder)
        remember_in_workshop("report", str(folder))

written = st.session_state.get("report.written")
if written:
    from pathlib import Path

    mimes = {"html": "text/html", "pdf": "application/pdf", "json": "application/json", "csv": "text/csv"}
    columns = st.columns(len(written))
    for column, (kind, path) in zip(columns, written.items()):
        file = Path(path)
        if kind == "md":  # the Markdown and its chart images travel together
            column.download_button("Markdown + charts (zip)", zipped(file.parent, ["report.md", "chart-*.png"]),
                                   file_name="vectorscout-report-md.zip", mime="application/zip", key="dl.md")
        else:
            column.download_button(f"{kind.upper()}", file.read_bytes(), file_name=f"vectorscout-{file.name}",
                                   mime=mimes.get(kind, "application/octet-stream"), key=f"dl.{kind}")
    st.caption(f"Also saved in {st.session_state['report.folder']}")
