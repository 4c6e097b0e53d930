"""Page render time with 1,000 stored runs against 10 stored runs, every page, through Streamlit's AppTest.

Each stored run looks like a quick evaluation (7 engines, 3 search settings each, stages and latency
quantiles): the store and the pages carry realistic rows. Each page is rendered several times in a fresh
AppTest (a new session, as a new browser tab would be) and the median is reported; the ratio 1,000 / 10
runs shows how render time grows with the store.

    .venv/bin/python benchmarks/page_render.py [--runs 1000] [--repeats 5]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    os.chdir(ROOT)  # AppTest reads .streamlit/config.toml from here
    results = {}
    for count in (10, args.runs):
        home = Path(tempfile.mkdtemp(prefix=f"vs-render-{count}-"))
        began = time.perf_counter()
        fill_store(home, count)
        print(f"stored {count} runs in {time.perf_counter() - began:.1f} s", flush=True)
        results[count] = {page: statistics.median(render_times(page, args.repeats)) for page in PAGES}
    print(f"\nmedian render time (home + page), {args.repeats} fresh sessions each")
    print(f"{'page':28} {'10 runs':>10} {f'{args.runs} runs':>12} {'ratio':>7}")
    for page in PAGES:
        small, large = results[10][page], results[args.runs][page]
        print(f"{page:28} {small * 1000:8.0f}ms {large * 1000:10.0f}ms {large / small:7.2f}")


if __name__ == "__main__":
    main()
