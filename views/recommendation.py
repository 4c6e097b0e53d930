import pandas as pd
import streamlit as st

from dashboard_ui import current_workshop, pick_runs, results_store, show_chart, show_table
from vectorscout.decision.matrix import MODE_LABELS
from vectorscout.decision.recommend import Reason, recommend
from vectorscout.decision.scenario import CRITERIA, saved_scenarios
from vectorscout.reporting.charts import criteria_figure
from vectorscout.reporting.tables import human_label


def reason_line(reason: Reason, mark: str) -> str:
    """A reason with its source: a documentation link, or the run it was measured in."""
    source = reason.source
    cited = f" — [source]({source})" if source.startswith("https://") else (f" — {source}" if source else "")
    return f"- {mark} {reason.criterion}: {reason.text}{cited}"


st.title("Recommendation")
scenarios = saved_scenarios()
if not scenarios:
    st.info("No saved scenario yet: answer the questions on the Requirements page and save them.")
    st.stop()
workshop = current_workshop()  # an open workshop's scenarios and runs come first
chosen = st.multiselect("Scenarios (several are compared side by side)", list(scenarios),
                        default=[n for n in (workshop.scenarios if workshop else []) if n in scenarios]
                        or list(scenarios)[:1], key="scenarios")
store = results_store()
summaries = store.list_runs()
# Only finished runs are offered by default: a failed or cancelled run is evidence only when chosen by hand.
finished = {s.run_id for s in summaries if s.status == "finished"}
run_ids = pick_runs("Runs whose measurements count as evidence", summaries, key="runs",
                    default=[r for r in (workshop.run_ids if workshop else ()) if r in finished])
runs = [store.get_run(run_id) for run_id in run_ids]
if not chosen:
    st.stop()

with st.spinner("Scoring the engines against the scenario…"):
    results = {name: recommend(scenarios[name], runs) for name in chosen}
if len(chosen) > 1:
    st.subheader("Side by side")
    columns = {name: [f"{v.name} ({v.score:.2f})" for v in result.scored][:5] for name, result in results.items()}
    places = max(len(c) for c in columns.values())
    show_table(pd.DataFrame({"Place": [f"#{i + 1}" for i in range(places)],
                             **{name: c + [""] * (places - len(c)) for name, c in columns.items()}}))

for name, result in results.items():
    st.subheader(f"{name}: judged {MODE_LABELS[result.deployment]}")
    for warning in result.warnings:
        st.warning(warning.text + (f" ([source]({warning.source}))" if warning.source else ""))
    if result.scored:
        (st.success if len(result.top_group) == 1 else st.info)(result.verdict)
    else:
        st.error(result.verdict)
    if result.evidence_reach:
        st.caption(f"How far the evidence reaches: {result.evidence_reach}")
    # the answer first (score, how it was measured, why excluded); the criteria as numbers a click away, and
    # drawn in the chart below: all of it in one table scrolled sideways at 1280 px
    show_table(pd.DataFrame([
        {"Engine": v.name, "Score": "excluded" if v.score is None else f"{v.score:.3f}",
         "Performance evidence": v.evidence, "Excluded because": v.excluded or ""}
        for v in result.ranking
    ]), key=f"ranking.{name}")
    with st.expander("Criterion scores as numbers"):
        show_table(pd.DataFrame([
            # text cells throughout: numbers and words ("excluded", "unverified") share these columns
            {"Engine": v.name, **{human_label(c): "—" if v.score is None else f"{s:.3f}" if s is not None else
                                  v.evidence if c == "performance" else "not costed"
                                  for c, s in (v.criteria or dict.fromkeys(CRITERIA)).items()}}
            for v in result.ranking
        ]), key=f"criteria.table.{name}")
    show_chart(criteria_figure(result.ranking), key=f"criteria.{name}")
    for verdict in result.scored:
        with st.expander(f"Why {verdict.name}: {verdict.score:.2f}"):
            st.markdown("\n".join([reason_line(r, "[+]") for r in verdict.reasons_for]
                                  + [reason_line(r, "[-]") for r in verdict.reasons_against]))
    excluded = [v for v in result.ranking if v.score is None]
    if excluded:
        with st.expander(f"Excluded ({len(excluded)})"):
            st.markdown("\n".join(reason_line(v.reasons_against[0], f"**{v.name}**") for v in excluded))
    st.caption("Sensitivity: " + result.sensitivity)
