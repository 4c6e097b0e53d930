import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(autouse=True)
def vectorscout_home(tmp_path, monkeypatch):
    """Every test gets its own data directory: no test sees another's runs or caches."""
    home = tmp_path / "home"
    monkeypatch.setenv("VECTORSCOUT_HOME", str(home))
    yield home
    stop_queue_workers(home)


def stop_queue_workers(home: Path, patience_s: float = 60) -> None:
    """A test that queued dashboard jobs leaves no worker process behind: cancel what is still queued or
    running in its home, wait for the workers to end, and kill what does not."""

    import psutil

    if not (home / "results.sqlite").exists():
        return
    from vectorscout.benchmarking.run_queue import RunQueue
    from vectorscout.results.store import ResultsStore

    queue = RunQueue(ResultsStore(home / "results.sqlite"))
    entries = queue.active()
    for entry in entries:
        queue.request_cancel(entry.job_id)
    workers = [psutil.Process(e.pid) for e in entries if e.pid and e.pid != os.getpid() and psutil.pid_exists(e.pid)]
    _, alive = psutil.wait_procs(workers, timeout=patience_s)
    for process in alive:
        process.kill()


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_tool(tool: str) -> None:
    """A tool `make test` installs: missing in CI is a failure (never a silent skip), elsewhere a skip."""
    if shutil.which(tool) is None:
        if in_ci():
            pytest.fail(f"{tool} is missing: `make test` installs it (make system-deps)")
        pytest.skip(f"{tool} is missing (run `make test` to install it)")


CHROMIUM = "/usr/bin/chromium"
# Screenshots and rendered report pages kept for review (test-artifacts/screenshots, or $VECTORSCOUT_SCREENSHOTS).
ARTIFACTS = Path(os.environ.get("VECTORSCOUT_SCREENSHOTS") or Path(__file__).resolve().parent.parent / "test-artifacts"
                 / "screenshots")


def screenshot(page, name: str) -> Path:
    """A full-page screenshot kept as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync"]


@pytest.fixture
def page(tmp_path):
    """A page in Debian chromium (headless, no background traffic), closed after the test."""
    require_tool(CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS,
                                             env={**os.environ, "HOME": str(tmp_path)})
        yield browser.new_page(viewport={"width": 1400, "height": 1600})
        browser.close()
