import streamlit as st

from dashboard_ui import question_widget, remember_in_workshop
from vectorscout.decision.scenario import CRITERIA, Scenario, ScenarioError, questionnaire, save_scenario, saved_scenarios
from vectorscout.reporting.tables import human_label

st.title("Requirements")
st.caption("Answer what your project needs; every question says why it matters. Saved scenarios feed the "
           "Recommendation page and the CLI (`python -m vectorscout recommend --scenario FILE`).")

questions, default_priorities = questionnaire()
saved = saved_scenarios()
start = st.selectbox("Start from", ["(defaults)", *saved], key="start")
base = saved.get(start) or Scenario("my scenario")
uploaded = st.file_uploader("…or load a scenario file", type=["json"], key="scenario_file")
if uploaded is not None:
    try:
        base = Scenario.from_json(uploaded.getvalue().decode("utf-8", errors="replace"))
    except ScenarioError as exc:
        st.error(f"That file is not a scenario: {exc}")

name = st.text_input("Scenario name", value=base.name, key=f"name.{start}")
answers = {}
columns = st.columns(2)
for i, question in enumerate(questions):
    with columns[i % 2]:
        answers[question.id] = question_widget(question, base.answers[question.id], f"q.{start}.{question.id}")

st.subheader("Priorities")
st.caption("How much each criterion counts (0 = ignore, 5 = decisive).")
priority_columns = st.columns(len(CRITERIA))
priorities = {
    criterion: float(column.slider(human_label(criterion), 0.0, 5.0, float(base.priorities[criterion]), 0.5,
                                   key=f"p.{start}.{criterion}"))
    for criterion, column in zip(CRITERIA, priority_columns)
}

try:
    scenario = Scenario(name, answers, priorities, base.cost)  # cost assumptions are edited on the Cost page
except ScenarioError as exc:
    st.error(str(exc))
    st.stop()
left, right = st.columns(2)
if left.button("Save scenario", type="primary"):
    try:
        path = save_scenario(scenario)
    except (ScenarioError, OSError) as exc:
        st.error(f"Not saved: {exc}")
    else:
        remember_in_workshop("scenario", scenario.name)
        st.success(f"Saved {scenario.name!r} ({path.name}); open the Recommendation page.")
right.download_button("Download scenario JSON", scenario.to_json(), file_name=f"{name or 'scenario'}.json",
                      mime="application/json")
