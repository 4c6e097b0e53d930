"""Writing a report in the chosen formats: HTML, PDF, Markdown (+PNG charts), CSV and JSON.

One content model (``ReportData`` and the sections in sections.py) feeds every renderer (html.py,
markdown.py, pdf.py), so the formats never disagree; every user-supplied text is escaped for the format it
lands in and scrubbed of credentials. Each report embeds its exact plans (datasets by content hash), so
``python -m vectorscout rerun REPORT`` (rerun.py) measures them again and shows old and new side by side.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from vectorscout.reporting.html_report import render_html
from vectorscout.reporting.images import chart_images
from vectorscout.reporting.markdown import render_markdown
from vectorscout.reporting.pdf import render_pdf
from vectorscout.reporting.sections import ReportData, ReportError, json_safe, report_document, results_frame_with_run
from vectorscout.results.records import utc_now

FORMATS = ("html", "pdf", "md", "csv", "json")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet reads a cell starting so as a formula


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells a spreadsheet would run as a formula (a run's filter or label "=HYPERLINK(...)") led by an
    apostrophe, which shows them as text (OWASP's advice on CSV injection); numbers are left as they are."""
    def neutral(value: Any) -> Any:
        return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value

    return frame.apply(lambda column: column.map(neutral) if pd.api.types.is_string_dtype(column) else column)


def write_report(data: ReportData, out_dir: Path, formats: Iterable[str],
                 progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Write the chosen formats into out_dir (created); returns the file of each format."""
    chosen = [f.strip().lower() for f in formats if f.strip()]
    unknown = sorted(set(chosen) - set(FORMATS))
    if unknown or not chosen:
        raise ReportError(f"unknown format(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}

    def step(text: str) -> None:
        if progress:
            progress(text)

    if "json" in chosen or "md" in chosen or "pdf" in chosen:  # md and pdf point to report.json for rerun
        step("json")
        written["json"] = out_dir / "report.json"
        written["json"].write_text(json.dumps(json_safe(report_document(data)), indent=2))
    if "csv" in chosen:
        step("csv")
        written["csv"] = out_dir / "measurements.csv"
        frame = spreadsheet_safe(results_frame_with_run(data))
        frame.to_csv(written["csv"], index=False, quoting=csv.QUOTE_NONNUMERIC)
    if "html" in chosen:
        step("html")
        written["html"] = out_dir / "report.html"
        written["html"].write_text(render_html(data), encoding="utf-8")
    if "md" in chosen or "pdf" in chosen:
        step("chart images (Chromium)")
        try:
            images = chart_images(data)
        except ReportError:
            raise
        except Exception as exc:  # the browser failed to start or to draw
            raise ReportError(f"PDF and Markdown need chart images, drawn by Chromium through kaleido, which failed "
                              f"({type(exc).__name__}: {str(exc)[:200]}); install Debian's chromium (`make run` and "
                              "`make test` do) or choose html, csv and json") from None
        if "md" in chosen:
            step("markdown")
            names = {}
            for name, png in images.items():
                (out_dir / f"chart-{name}.png").write_bytes(png)
                names[name] = f"chart-{name}.png"
            written["md"] = out_dir / "report.md"
            written["md"].write_text(render_markdown(data, names), encoding="utf-8")
        if "pdf" in chosen:
            step("pdf")
            written["pdf"] = out_dir / "report.pdf"
            render_pdf(data, written["pdf"], images)
    return written


def report_folder() -> Path:
    """A new folder under the VectorScout home for one report."""
    import secrets

    from vectorscout.home import subdir

    folder = subdir("reports") / f"{utc_now().replace(':', '').replace('+0000', 'Z')}-{secrets.token_hex(3)}"
    folder.mkdir(parents=True)
    return folder


def zipped(folder: Path, patterns: list[str]) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for pattern in patterns:
            for file in sorted(folder.glob(pattern)):
                archive.write(file, file.name)
    return buffer.getvalue()
