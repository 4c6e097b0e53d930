import pandas as pd
import streamlit as st

from dashboard_ui import current_workshop, pick_runs, results_store, show_chart
from vectorscout.decision.recommend import CRITERIA, recommend, saved_scenarios, sensitivity
from vectorscout.reporting.charts import criteria_figure

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
run_ids = pick_runs("Runs whose measurements count as evidence", summaries, key="runs",
                    default=workshop.run_ids if workshop else ())
runs = [store.get_run(run_id) for run_id in run_ids]
if not chosen:
    st.stop()

rankings = {name: recommend(scenarios[name], runs) for name in chosen}
if len(chosen) > 1:
    st.subheader("Side by side")
    columns = {name: [f"{v.name} ({v.score:.2f})" for v in ranking if v.score is not None][:5]
               for name, ranking in rankings.items()}
    places = max(len(c) for c in columns.values())
    st.dataframe(pd.DataFrame({name: c + [""] * (places - len(c)) for name, c in columns.items()},
                              index=[f"#{i + 1}" for i in range(places)]))

for name, ranking in rankings.items():
    st.subheader(f"{name}")
    scored = [v for v in ranking if v.score is not None]
    if scored:
        st.success(f"**{scored[0].name}** fits best (score {scored[0].score:.2f} of 1).")
    st.dataframe(pd.DataFrame([
        # text cells throughout: numbers and words ("excluded", "not measured") share these columns
        {"engine": v.name, "score": "excluded" if v.score is None else f"{v.score:.3f}",
         **{c: "—" if v.score is None else ("not measured" if s is None else f"{s:.3f}") for c, s in
            (v.criteria or dict.fromkeys(CRITERIA)).items()},
         "excluded because": v.excluded or ""}
        for v in ranking
    ]), hide_index=True)
    show_chart(criteria_figure(ranking), key=f"criteria.{name}")
    for verdict in scored:
        with st.expander(f"Why {verdict.name}: {verdict.score:.2f}"):
            for reason in verdict.reasons_for:
                st.markdown(f"- ✅ {reason}")
            for reason in verdict.reasons_against:
                st.markdown(f"- ⚠️ {reason}")
    st.caption("Sensitivity: " + "; ".join(sensitivity(scenarios[name], ranking)))
