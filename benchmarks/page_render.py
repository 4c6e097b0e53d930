"""Page render time with 1,000 stored runs against 10 stored runs, every page: through Streamlit's AppTest
and in a real browser.

Each stored run looks like a quick evaluation (7 engines, 3 search settings each, stages and latency
quantiles): the store and the pages carry realistic rows. AppTest: each page is rendered several times in a
fresh AppTest (a new session, as a new browser tab would be) and the median is reported; the ratio 1,000 / 10
runs shows how render time grows with the store. Browser (--browser): the dashboard is served, Debian
Chromium clicks each page in the sidebar and the time runs until the app's script state is idle again and
every chart on the page is drawn (what a person waits for; AppTest does not see the browser's share).

    .venv/bin/python benchmarks/page_render.py [--runs 1000] [--repeats 5] [--browser]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ["views/home.py", "views/requirements.py", "views/datasets.py", "views/run.py", "views/results.py",
         "views/recommendation.py", "views/cost.py", "views/report.py"]
ENGINES = ["faiss", "chroma", "qdrant", "milvus", "pgvector", "lancedb", "hnswlib"]


def fill_store(home: Path, runs: int) -> None:
    os.environ["VECTORSCOUT_HOME"] = str(home)
    from vectorscout.decision.scenario import Scenario, save_scenario
    from vectorscout.results.records import DatasetInfo, Environment, ResultRow, Run
    from vectorscout.results.store import ResultsStore

    store = ResultsStore()
    stages = [{"stage": s, "wall_s": 1.0, "rss_mb": 100.0 + i, "peak_rss_mb": 120.0 + i}
              for i, s in enumerate(["open", "insert", "index", "search ef=16", "search ef=64", "search ef=256"])]
    quantiles = [0.1 + i / 100 for i in range(102)]
    for number in range(runs):
        rows = [ResultRow(engine=engine, status="ok", index="hnsw", build_params={"m": 16}, search_params={"ef": ef},
                          recall=0.8 + 0.05 * j, qps=1000.0 / (j + 1), latency_p50_ms=1.0, latency_p95_ms=2.0,
                          latency_p99_ms=3.0, insert_s=1.0, index_s=1.0, peak_rss_mb=200.0, disk_mb=10.0,
                          disk_bytes_per_vector=600.0, stages=stages, latency_quantiles_ms=quantiles)
                for engine in ENGINES for j, ef in enumerate((16, 64, 256))]
        created = f"2026-11-{1 + number % 28:02d}T00:00:{number % 60:02d}+00:00"
        store.import_run(Run(run_id=f"bench-{number:05d}", created_at=created,
                             status="finished", k=10, dataset=DatasetInfo(name="wordnet", n=15000, dim=384, queries=1000,
                                                                 metric="cosine", hash="x"),
                             plan={"engines": []}, environment=Environment(cores=2), results=rows).to_dict())
    save_scenario(Scenario("benchmark scenario"))


def render_times(page: str, repeats: int) -> list[float]:
    from streamlit.testing.v1 import AppTest

    times = []
    for _ in range(repeats):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        started = time.perf_counter()
        at.run()
        if page != "views/home.py":
            at.switch_page(page).run()
        elapsed = time.perf_counter() - started
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].value}")
        times.append(elapsed)
    return times


TITLES = {"views/home.py": "Home", "views/requirements.py": "Requirements", "views/datasets.py": "Datasets",
          "views/run.py": "Run", "views/results.py": "Results", "views/recommendation.py": "Recommendation",
          "views/cost.py": "Cost", "views/report.py": "Report"}
SCRIPT_STATE = "document.querySelector('[data-testid=stApp]')?.dataset.testScriptState"
# every element loaded (no skeleton left while a lazily loaded chart component arrives), every chart drawn
CHARTS_DRAWN = ("() => !document.querySelector('[data-testid=stSkeleton]') && [...document.querySelectorAll("
                "'[data-testid=stPlotlyChart]')].every(c => c.querySelector('.main-svg'))")


def browser_times(home: Path, repeats: int) -> dict[str, list[float]]:
    """Click each page in the sidebar of a served dashboard; seconds until idle with every chart drawn."""
    import contextlib
    import socket
    import subprocess
    import urllib.request

    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
                               "--server.port", str(port), "--server.headless", "true",
                               "--browser.gatherUsageStats", "false"], cwd=ROOT, env={**os.environ,
                              "VECTORSCOUT_HOME": str(home)}, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                break
            time.sleep(0.3)
        times: dict[str, list[float]] = {page: [] for page in PAGES}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 args=["--headless", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(url)
            page.wait_for_function(f"() => {SCRIPT_STATE} === 'notRunning'", timeout=120_000)
            for _ in range(repeats):
                for name in [*PAGES[1:], PAGES[0]]:  # home last: each click leaves another page
                    started = time.perf_counter()
                    page.get_by_test_id("stSidebarNav").get_by_text(TITLES[name], exact=True).click()
                    with contextlib.suppress(PlaywrightTimeout):  # the flip may be over before the first look
                        page.wait_for_function(f"() => {SCRIPT_STATE} !== 'notRunning'", timeout=2_000)
                    page.wait_for_function(f"() => {SCRIPT_STATE} === 'notRunning'", timeout=120_000)
                    page.wait_for_function(CHARTS_DRAWN, timeout=120_000)
                    times[name].append(time.perf_counter() - started)
            browser.close()
        return times
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="also time each page in Debian Chromium")
    args = parser.parse_args()
    os.chdir(ROOT)  # AppTest reads .streamlit/config.toml from here
    results = {}
    homes = {}
    for count in (10, args.runs):
        home = homes[count] = Path(tempfile.mkdtemp(prefix=f"vs-render-{count}-"))
        began = time.perf_counter()
        fill_store(home, count)
        print(f"stored {count} runs in {time.perf_counter() - began:.1f} s", flush=True)
        results[count] = {page: statistics.median(render_times(page, args.repeats)) for page in PAGES}
    print(f"\nmedian render time (home + page), {args.repeats} fresh sessions each")
    print(f"{'page':28} {'10 runs':>10} {f'{args.runs} runs':>12} {'ratio':>7}")
    for page in PAGES:
        small, large = results[10][page], results[args.runs][page]
        print(f"{page:28} {small * 1000:8.0f}ms {large * 1000:10.0f}ms {large / small:7.2f}")
    if args.browser:
        clicked = browser_times(homes[args.runs], args.repeats)
        print(f"\nin Chromium at 1600x1000 with {args.runs} runs: click in the sidebar until idle with every chart "
              f"drawn, median of {args.repeats}")
        for page in PAGES:
            print(f"{page:28} {statistics.median(clicked[page]) * 1000:8.0f}ms  (max {max(clicked[page]) * 1000:.0f}ms)")


if __name__ == "__main__":
    main()
