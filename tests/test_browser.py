"""The real-browser test: start the dashboard, run a tiny benchmark through the UI, see the chart.

Debian chromium driven by Playwright for Python (never Playwright's own browser download, which fails offline).
"""

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import CHROMIUM, require_tool, screenshot
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from dashboard_ui import PAGES

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def dashboard(vectorscout_home, tmp_path):
    require_tool(CHROMIUM)
    port = free_port()
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1", "--server.port",
         str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "VECTORSCOUT_HOME": str(vectorscout_home)},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the dashboard did not start: " + (tmp_path / "streamlit.log").read_text()) from None
            time.sleep(0.3)
    yield url
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


SCRIPT_STATE = "document.querySelector('[data-testid=stApp]')?.dataset.testScriptState"


def wait_until_idle(page) -> None:
    """Wait until the app has finished the rerun an action started, from the app's own script state.

    The frontend marks its root with the script state; an action flips it away from 'notRunning' in the
    browser itself (before the server answers), so waiting for that flip first, then for 'notRunning'
    again, never mistakes the state before the action for the end of its rerun.
    """
    # the action may have finished its rerun before the first look, or started none
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(f"() => {SCRIPT_STATE} !== 'notRunning'", timeout=2_000)
    page.wait_for_function(f"() => {SCRIPT_STATE} === 'notRunning'", timeout=120_000)
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=60_000)


def click_until_it_runs(page, button, done) -> None:
    """Click a button until the app takes the click: a click that lands while a rerun is still being drawn on a
    busy machine is dropped without a trace. Taken means the app's script started running, or `done` (the
    locator of what the click leads to) is already shown; at most three clicks."""
    for _ in range(3):
        button.click()
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(f"() => {SCRIPT_STATE} !== 'notRunning'", timeout=10_000)
            return
        if done.count():
            return


def test_a_benchmark_run_through_the_browser_shows_its_chart(dashboard, page, tmp_path):

    requests_elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else requests_elsewhere.append(r.url))
    page.goto(dashboard + "/run")
    expect(page.get_by_role("heading", name="Run a benchmark")).to_be_visible(timeout=30_000)
    # a direct link must show the router's navigation, not a legacy list of page files
    navigation = page.get_by_test_id("stSidebarNav")
    expect(navigation).to_contain_text("Results")
    expect(navigation).not_to_contain_text("app")
    page.get_by_test_id("stSelectbox").filter(has_text="Dataset").click()
    page.get_by_role("option", name="Synthetic clusters (seeded)").click()
    for label, value in (("n", "500"), ("dim", "16"), ("queries", "30")):
        field = page.get_by_label(label, exact=True)
        field.fill(value)
        field.press("Enter")
        wait_until_idle(page)
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_text("finished.", exact=False).first).to_be_visible(timeout=120_000)
    page.get_by_role("link", name="Open the results").click()
    expect(page.get_by_role("heading", name="Results")).to_be_visible(timeout=30_000)
    from vectorscout.results.store import ResultsStore

    newest = ResultsStore().list_runs()[0].run_id  # the run just made is the one the page opens on
    expect(page.get_by_role("combobox", name="Run", exact=True)).to_have_value(re.compile(newest), timeout=30_000)
    chart = page.locator(".js-plotly-plot").first
    expect(chart).to_be_visible(timeout=30_000)
    expect(page.locator(".js-plotly-plot .scatterlayer .trace").first).to_be_attached(timeout=30_000)
    screenshot(page, "run-then-results")
    assert not requests_elsewhere, requests_elsewhere


def test_every_format_imports_through_the_browser(dashboard, page, tmp_path):
    from tests_support import make_format_samples

    samples = make_format_samples(tmp_path / "files")
    page.goto(dashboard + "/datasets")
    expect(page.get_by_role("heading", name="Import")).to_be_visible(timeout=60_000)
    for fmt, path in samples.items():
        name = f"ui-{fmt}"
        page.locator("input[type=file]").set_input_files(str(path))
        page.get_by_label("Name").fill(name)
        page.get_by_label("Name").press("Enter")
        wait_until_idle(page)  # a click during the rerun that the upload and the name start is lost
        imported = page.get_by_text(f"Imported {name}")
        click_until_it_runs(page, page.get_by_role("button", name="Import", exact=True), imported)
        expect(imported).to_be_visible(timeout=180_000)  # the first text format loads the model
    page.reload()
    # the catalog grid draws on a canvas; its accessible cells say what it holds
    for fmt in samples:
        expect(page.locator("[role=gridcell]", has_text=f"ui-{fmt}").first).to_be_attached(timeout=60_000)


def test_requirements_to_recommendation_in_the_browser(dashboard, page, tmp_path):
    page.goto(dashboard + "/requirements")
    expect(page.get_by_role("heading", name="Requirements")).to_be_visible(timeout=60_000)
    page.get_by_label("Scenario name").fill("browser shop")
    page.get_by_label("Scenario name").press("Enter")
    page.get_by_text("SQL joins and transactions with the vectors").click()
    page.get_by_text("Already runs PostgreSQL").click()
    page.get_by_role("button", name="Save scenario").click()
    expect(page.get_by_text("Saved 'browser shop'")).to_be_visible(timeout=30_000)
    page.goto(dashboard + "/recommendation")
    expect(page.get_by_text("fits best")).to_contain_text("pgvector", timeout=60_000)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
    screenshot(page, "requirements-then-recommendation")


def test_the_whole_workshop_flow_in_the_browser(dashboard, page, tmp_path):
    """What a new user does without the README: workshop, requirements, quick evaluation, results, ranking,
    cost, report download. On every page: no identifier or literal, no table wider than 1280 px allows, every log
    axis with three tick labels or more; the HTML and PDF reports without identifiers or "None", the PDF's
    executive summary its first page alone. A screenshot of every page is kept (the Run page's four states: the
    two-tab test below and tests/test_pages.py)."""
    from test_report import VisibleText, assert_no_identifier_or_none, assert_summary_alone_on_page_one

    require_tool("pdftotext")
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else elsewhere.append(r.url))
    page.goto(dashboard)
    expect(page.get_by_role("heading", name="VectorScout")).to_be_visible(timeout=60_000)
    page.get_by_label("…or start a new one").fill("room 4")
    page.get_by_label("…or start a new one").press("Enter")
    wait_until_idle(page)
    page.get_by_role("button", name="Create workshop").click()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("room 4", timeout=30_000)
    screenshot(page, "1-home")
    log_axes = assert_reads_well(page, "home")

    page.get_by_test_id("stSidebarNav").get_by_text("Requirements").click()
    expect(page.get_by_role("heading", name="Requirements")).to_be_visible(timeout=30_000)
    page.get_by_label("Scenario name").fill("room 4 needs")
    page.get_by_label("Scenario name").press("Enter")
    wait_until_idle(page)
    page.get_by_role("button", name="Save scenario").click()
    expect(page.get_by_text("Saved 'room 4 needs'")).to_be_visible(timeout=30_000)
    screenshot(page, "2-requirements")
    log_axes += assert_reads_well(page, "requirements")

    page.get_by_test_id("stSidebarNav").get_by_text("Datasets").click()
    expect(page.get_by_role("heading", name="Datasets")).to_be_visible(timeout=30_000)
    wait_until_idle(page)
    screenshot(page, "3-datasets")
    log_axes += assert_reads_well(page, "datasets")

    page.get_by_test_id("stSidebarNav").get_by_text("Home").click()
    page.get_by_role("button", name="Quick evaluation").click()
    # Home follows it: each engine's row as it is measured, then the link to the results
    expect(page.get_by_role("heading", name=re.compile("Quick evaluation: "))).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Open the results")).to_be_visible(timeout=600_000)  # 7 engines, isolated workers
    expect(page.get_by_role("heading", name="Quick evaluation: finished")).to_be_visible(timeout=30_000)
    screenshot(page, "4-home-quick-evaluation")
    log_axes += assert_reads_well(page, "home after the quick evaluation")

    page.get_by_role("link", name="Open the results").click()
    expect(page.locator(".js-plotly-plot .scatterlayer .trace").first).to_be_attached(timeout=60_000)
    expect(page.get_by_text("Pareto frontier per engine")).to_be_visible(timeout=30_000)
    screenshot(page, "5-results")
    log_axes += assert_reads_well(page, "results")

    page.get_by_test_id("stSidebarNav").get_by_text("Recommendation").click()
    expect(page.get_by_role("heading", name="Recommendation")).to_be_visible(timeout=30_000)
    # the open workshop's scenario and quick-evaluation run are preselected as the evidence
    expect(page.get_by_test_id("stMultiSelect").filter(has_text="Runs whose measurements")).to_contain_text(
        "wordnet", timeout=30_000)
    # the verdict: one engine, or a tie said as one
    expect(page.get_by_text(re.compile("fits best|A tie:")).first).to_be_visible(timeout=60_000)
    screenshot(page, "6-recommendation")
    log_axes += assert_reads_well(page, "recommendation")

    page.get_by_test_id("stSidebarNav").get_by_text("Cost").click()
    expect(page.get_by_text("Cost against scale")).to_be_visible(timeout=60_000)
    screenshot(page, "7-cost")
    log_axes += assert_reads_well(page, "cost")
    assert log_axes >= 3  # the frontier's, the latency chart's and the cost curve's at least

    page.get_by_test_id("stSidebarNav").get_by_text("Report").click()
    expect(page.get_by_text("Preview: executive summary")).to_be_visible(timeout=60_000)
    wait_until_idle(page)  # the workshop's scenario is preselected: the downloaded report names it (below)
    page.get_by_role("button", name="Make the report").click()
    expect(page.get_by_role("button", name="HTML", exact=True)).to_be_visible(timeout=180_000)
    wait_until_idle(page)  # a click while the app still reruns is lost
    with page.expect_download() as download:
        page.get_by_role("button", name="HTML", exact=True).click()
    saved = tmp_path / "report.html"
    download.value.save_as(saved)
    text = saved.read_text()
    assert "Executive summary" in text and "room 4 needs" in text and "Plotly" in text
    visible = VisibleText()
    visible.feed(text)
    assert_no_identifier_or_none("html", " ".join(visible.lines))
    with page.expect_download() as download:
        page.get_by_role("button", name="PDF", exact=True).click()
    download.value.save_as(tmp_path / "report.pdf")
    pdf = subprocess.run(["pdftotext", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True,
                         check=True).stdout
    assert_no_identifier_or_none("pdf", pdf)
    assert_summary_alone_on_page_one(tmp_path / "report.pdf")
    screenshot(page, "8-report")
    assert_reads_well(page, "report")
    page.get_by_test_id("stSidebarNav").get_by_text("Home").click()
    expect(page.get_by_text("reports: 1")).to_be_visible(timeout=30_000)  # the workshop kept the run and report
    assert not elsewhere, elsewhere


def choose_synthetic(page, n: int, dim: int, queries: int) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text="Dataset").click()
    page.get_by_role("option", name="Synthetic clusters (seeded)").click()
    for label, value in (("n", n), ("dim", dim), ("queries", queries)):
        field = page.get_by_label(label, exact=True)
        field.fill(str(value))
        field.press("Enter")
        wait_until_idle(page)


def test_two_tabs_take_turns_and_a_reloaded_tab_keeps_the_run_and_the_workshop(dashboard, page):
    """A workshop room: tab A starts a long run, tab B's run waits for it; A reloads mid-run and still sees the
    run's progress, its Cancel button and the open workshop; A cancels; B's run then runs alone."""
    from vectorscout.benchmarking.run_queue import RunQueue
    from vectorscout.decision.workshop import Workshop, load_workshop, save_workshop
    from vectorscout.results.store import ResultsStore

    store = ResultsStore()
    save_workshop(store, Workshop("room 7"))
    page.goto(dashboard + "/run?workshop=room+7")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Workshop: room 7", timeout=60_000)
    choose_synthetic(page, 200_000, 32, 50)
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("^Running:"))).to_be_visible(timeout=60_000)

    other = page.context.browser.new_page(viewport={"width": 1400, "height": 1600})
    other.goto(dashboard + "/run")
    expect(other.get_by_role("heading", name="Run a benchmark")).to_be_visible(timeout=60_000)
    choose_synthetic(other, 500, 16, 30)
    expect(other.get_by_text("waits for the 1 ahead of it")).to_be_visible(timeout=30_000)
    requested = re.compile("^Requested by another dashboard tab \\(workshop room 7\\), running since")
    expect(other.get_by_text(requested)).to_be_visible()
    other.get_by_role("button", name="Queue this run").click()
    expect(other.get_by_text(re.compile(r"Waiting \(1 ahead\)"))).to_be_visible(timeout=30_000)
    expect(other.get_by_text(re.compile(r"^Your run waits \(1 ahead\)"))).to_be_visible(timeout=30_000)
    expect(other.get_by_role("button", name="Queue another run")).to_be_visible()
    screenshot(other, "queue-second-tab-waits")

    page.reload()
    expect(page.get_by_role("heading", name=re.compile("^Running:"))).to_be_visible(timeout=60_000)
    expect(page.get_by_text(re.compile(r"Overall: engine \d of 2"))).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Workshop: room 7")
    # the reloaded tab still knows the run is its own, and its form is the one the run was asked with
    expect(page.get_by_text(re.compile("^Requested by this tab \\(workshop room 7\\), running since"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Your run is running \(below\)"))).to_be_visible()
    expect(page.get_by_label("n", exact=True)).to_have_value("200000")
    screenshot(page, "queue-reloaded-tab-keeps-the-run")
    first, second = RunQueue(store).active()
    assert first.state == "running" and second.state == "queued"
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("was cancelled; what it measured before is stored")).to_be_visible(timeout=120_000)
    expect(page.get_by_role("link", name="Open the results")).to_be_enabled()

    # .first: while the fragment hands over to a full rerun, the old and the new message can both be attached
    expect(other.get_by_text("finished.", exact=False).first).to_be_visible(timeout=180_000)
    # the page is drawn again from the queue: nothing ahead, the plain Run button
    expect(other.get_by_role("button", name="Run", exact=True)).to_be_visible(timeout=30_000)
    expect(other.get_by_text("ahead of it")).to_have_count(0)
    screenshot(other, "queue-second-tab-ran-alone")
    first, second = RunQueue(store).get(first.job_id), RunQueue(store).get(second.job_id)
    assert (first.state, second.state) == ("cancelled", "finished")
    assert first.finished_at <= second.started_at  # the second ran alone
    assert first.run_ids[0] in load_workshop(store, "room 7").run_ids  # added when it started
    assert store.get_run(first.run_ids[0]).status == "cancelled"


def readable_texts(page) -> list[str]:
    """What a reader sees as data: every table cell the grids expose and every paragraph of text."""
    cells = page.locator("[role=gridcell], [role=columnheader]").all_inner_texts()
    return cells + page.locator("[data-testid=stMarkdownContainer]").all_inner_texts()


def font_px(page, selector: str) -> float:
    return float(page.evaluate(f"parseFloat(getComputedStyle(document.querySelector({selector!r})).fontSize)"))


# Every element loaded (no skeleton left while a lazily loaded chart component arrives) and every chart drawn.
CHARTS_DRAWN = ("() => !document.querySelector('[data-testid=stSkeleton]') && [...document.querySelectorAll("
                "'[data-testid=stPlotlyChart]')].every(c => c.querySelector('.main-svg'))")


def whole_page(page, name: str) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its own container, so the window is made as tall
    as the page for the picture (at most 9,000 px), then set back."""
    size = page.viewport_size
    tall = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(9000, max(size["height"], int(tall)))})
    page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
    screenshot(page, name)
    page.set_viewport_size(size)


# The visible tables (an expander's are a click away) that scroll sideways or reach past the page's column:
# [place, content px, frame px, table's right edge, column's right edge].
TABLES_WIDER_THAN_THEIR_FRAME = """() => {
  const column = document.querySelector('[data-testid=stMainBlockContainer]').getBoundingClientRect();
  const inner = column.right - parseFloat(getComputedStyle(
      document.querySelector('[data-testid=stMainBlockContainer]')).paddingRight);
  return [...document.querySelectorAll('[data-testid=stDataFrame]')]
    .filter(t => t.offsetParent !== null && !t.closest('details:not([open])'))
    .map((t, i) => { const s = t.querySelector('.dvn-scroller');
                     const drawn = [t, ...t.querySelectorAll('canvas, .dvn-scroller')];
                     const right = Math.max(...drawn.map(e => e.getBoundingClientRect().right));
                     return [i, s ? s.scrollWidth : 0, s ? s.clientWidth : 0, right, inner]; })
    .filter(([, wide, frame, right, edge]) => wide > frame + 2 || right > edge + 2);
}"""


# Every drawn log axis: [chart title, axis, its tick labels].
LOG_AXES = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(plot => {
  const layout = plot._fullLayout || {};
  return Object.keys(layout).filter(k => /^[xy]axis\\d*$/.test(k) && layout[k].type === 'log' && layout[k].visible)
    .map(k => [plot.querySelector('.gtitle')?.textContent || '', k,
               [...plot.querySelectorAll(`g.${k[0] + k.slice(5)}tick text`)].map(t => t.textContent.trim())
                 .filter(Boolean)]);
})"""


def assert_reads_well(page, where: object) -> int:
    """What every page must be, checked on what the browser drew: no Python or JSON literal and no identifier
    with underscores in a table cell or text, no table scrolling sideways or past the page's column at this
    width, and at least three tick labels on every log axis. Returns the number of log axes checked."""
    from test_report import URL
    from test_tables import literal_in

    from vectorscout.glossary import IDENTIFIER

    page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
    texts = readable_texts(page)
    assert texts, where
    assert not literal_in(texts), (where, literal_in(texts)[:5])
    identifiers = sorted({word for text in texts for word in IDENTIFIER.findall(URL.sub(" ", text))})
    assert not identifiers, (where, identifiers[:8])
    wider = page.evaluate(TABLES_WIDER_THAN_THEIR_FRAME)
    assert not wider, (where, wider)
    log_axes = page.evaluate(LOG_AXES)
    few = [axis for axis in log_axes if len(axis[2]) < 3]
    assert not few, (where, few)
    return len(log_axes)


def test_every_page_reads_on_a_projector(dashboard, page, tmp_path):
    """Every page at 1280x900, then in projector mode, with two compared runs of a sweep, a scenario and a
    cost estimate: no Python or JSON literal and no identifier with underscores in a table cell or text, no table
    wider than its frame, headings larger than the body text in
    projector mode, every chart drawn. Screenshots of each page in both modes are kept for review."""
    from vectorscout.benchmarking.plan import RunPlan
    from vectorscout.benchmarking.runner import execute
    from vectorscout.benchmarking.specs import parse_engines
    from vectorscout.decision.scenario import Scenario, save_scenario
    from vectorscout.results.store import ResultsStore

    store = ResultsStore()
    plan = RunPlan(dataset="synthetic:n=2000,dim=16,queries=40", engines=parse_engines("faiss,hnswlib:ef=64|16|128"),
                   label="projector check", isolate=True)
    first, second = execute(plan, store), execute(plan, store)
    save_scenario(Scenario("projector room", {"vectors_now": 50_000_000, "dimensions": 16, "peak_qps": 200,
                                              "recall_target": 0.9}))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(dashboard)
    expect(page.get_by_role("heading", name="VectorScout")).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    for mode in ("desk", "projector"):
        if mode == "projector":
            page.get_by_text("Large fonts (projector)").click()
            wait_until_idle(page)
        for _, title in PAGES:
            page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
            heading = {"Home": "VectorScout", "Run": "Run a benchmark"}.get(title, title)
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=60_000)
            wait_until_idle(page)
            if title == "Results":  # the second run beside the first: two runs of each engine, told apart
                page.get_by_test_id("stMultiSelect").filter(has_text="Compare with other runs").click()
                page.get_by_role("option", name=re.compile(first.run_id)).click()
                page.keyboard.press("Escape")
                wait_until_idle(page)
                expect(page.get_by_text(re.compile("run 2 = " + first.run_id))).to_be_visible(timeout=30_000)
            # at the desk or in projector mode (a table whose headers alone are wider than the zoomed column is
            # zoomed less)
            assert_reads_well(page, (mode, title))
            if mode == "projector":  # the text inside the heading, which a rule for every element once shrank
                body = font_px(page, "[data-testid=stMain] [data-testid=stMarkdownContainer] p")
                heading = "h1 span" if page.locator("h1 span").count() else "h1"
                assert font_px(page, heading) > body * 1.8, (title, font_px(page, heading), body)
                assert body >= 20, (title, body)  # 1.3rem: larger than the desk's 16 px
            whole_page(page, f"page-{mode}-{title.lower()}")
    assert store.get_run(second.run_id).status == "finished"
