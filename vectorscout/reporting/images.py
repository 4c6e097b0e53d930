"""Static chart images, drawn by kaleido through Debian Chromium (one server per report)."""

from __future__ import annotations

from pathlib import Path

from vectorscout.reporting.sections import ReportData, ReportError, figures


def chart_images(data: ReportData) -> dict[str, bytes]:
    """Every chart as PNG: one kaleido server (one Chromium) for the whole report, not one per chart."""
    import os
    import shutil
    import warnings

    # Find the browser first: kaleido without one may try to download Chrome, which must never happen here.
    browser = os.environ.get("BROWSER_PATH") or next(
        (found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))), None)
    if not browser or not Path(browser).exists():
        raise ReportError("PDF and Markdown need chart images, drawn by Chromium through kaleido, and no Chromium was "
                          "found; install Debian's chromium (`make run` and `make test` do) or choose html, csv and json")
    import kaleido

    charts = figures(data)
    kaleido.start_sync_server(silence_warnings=True)
    try:
        with warnings.catch_warnings():  # plotly warns that per-image options are ignored with a shared server
            warnings.simplefilter("ignore", UserWarning)
            # each chart at its own height (a latency chart grows with its settings; squeezed, its bars overlap)
            return {name: figure.to_image(format="png", width=1000, height=int(figure.layout.height or 500))
                    for name, figure in charts}
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


