"""Streamlit AppTest of every page, driven through the real router in app.py."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from vectorscout.runner import RunPlan, execute
from vectorscout.specs import parse_engines
from vectorscout.store import ResultsStore

pytestmark = pytest.mark.apptest
ROOT = Path(__file__).resolve().parent.parent


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    if page != "views/home.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def stored_run():
    plan = RunPlan(dataset="synthetic:n=300,dim=8,queries=20", engines=parse_engines("faiss,faiss:index=hnsw"), k=5)
    return execute(plan, ResultsStore())


def test_home_with_no_runs_points_to_the_run_page():
    at = open_page("views/home.py")
    assert at.title[0].value == "VectorScout"
    assert any("No runs yet" in info.value for info in at.info)


def test_home_lists_latest_runs():
    run = stored_run()
    at = open_page("views/home.py")
    assert run.run_id in at.dataframe[0].value["run"].tolist()


def test_run_page_derives_widgets_from_declarations():
    at = open_page("views/run.py")
    keys = {w.key for w in at.number_input}
    assert {"dataset.synthetic.n", "dataset.synthetic.dim", "chroma.hnsw.build.max_neighbors"} <= keys
    assert at.multiselect(key="chroma.hnsw.search.ef_search").value == [100]


def test_run_page_runs_a_benchmark_and_reports_it():
    at = open_page("views/run.py")
    at.number_input(key="dataset.synthetic.n").set_value(400)
    at.number_input(key="dataset.synthetic.dim").set_value(8)
    at.number_input(key="dataset.synthetic.queries").set_value(20)
    at.button[0].click().run()
    job = at.session_state["job"]
    job.join(120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("finished" in s.value for s in at.success)
    run = ResultsStore().get_run(job.run_id)
    assert {r.engine for r in run.results} == {"faiss", "chroma"}
    assert all(r.status == "ok" for r in run.results)


def test_run_page_shows_a_bad_filter_as_a_message():
    at = open_page("views/run.py")
    at.number_input(key="dataset.synthetic.n").set_value(300)
    at.text_input[0].input("colour == 'red'")
    at.button[0].click().run()
    at.session_state["job"].join(60)
    at.run()
    assert any("unknown payload field 'colour'" in e.value for e in at.error)
    assert ResultsStore().list_runs() == []


def test_results_page_without_runs():
    at = open_page("views/results.py")
    assert any("No stored runs" in info.value for info in at.info)


def test_results_page_shows_table_and_charts():
    run = stored_run()
    at = open_page("views/results.py")
    table = at.dataframe[0].value
    assert list(table["engine"]) == ["faiss", "faiss"]
    assert len(at.get("plotly_chart")) == 2
    assert run.run_id in at.selectbox[0].value
