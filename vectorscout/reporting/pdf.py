"""The PDF report: the same sections with static charts."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from vectorscout import __version__
from vectorscout.reporting.sections import (
    ReportData,
    clean,
    cost_rows,
    failure_lines,
    feature_rows,
    frame_rows,
    methodology_rows,
    raw_frame,
    requirements_rows,
    summary_lines,
)


def render_pdf(data: ReportData, path: Path, images: dict[str, bytes]) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7, leading=8.5)

    def para(text: str, style: Any = None) -> Paragraph:
        return Paragraph(xml_escape(str(text)), style or styles["BodyText"])

    def table(header: list[Any], body: list[list[Any]], widths: list[float] | None = None) -> Table:
        cells = [[para(h, small) for h in header]] + [[para("" if c is None else c, small) for c in row] for row in body]
        result = Table(cells, colWidths=widths, repeatRows=1)
        result.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                                    ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return result

    page = landscape(A4)
    width = page[0] - 3 * cm
    story: list[Any] = [para(clean(data.title), styles["Title"]),
                        para(f"Generated {data.generated_at} by VectorScout {__version__} from run(s) "
                             f"{', '.join(r.run_id for r in data.runs)}."),
                        para("Executive summary", styles["Heading2"])]
    story += [para(f"• {line}") for line in summary_lines(data)]
    requirements = requirements_rows(data)
    if requirements:
        story += [para("Requirements", styles["Heading2"]),
                  table(["question", "answer"], [list(r) for r in requirements], [width * 0.4, width * 0.6])]
    if data.cost is not None:
        story += [para("Cost", styles["Heading2"]), table(*cost_rows(data))]
    story.append(para("Charts", styles["Heading2"]))
    for png in images.values():
        story += [Image(io.BytesIO(png), width=width * 0.8, height=width * 0.8 * 500 / 1000), Spacer(1, 0.3 * cm)]
    header, body = feature_rows(data)
    story += [para("Feature matrix", styles["Heading2"]), table(header, body)]
    story += [para("Methodology", styles["Heading2"]),
              table(["item", "detail"], [list(r) for r in methodology_rows(data)], [width * 0.2, width * 0.8])]
    frame = raw_frame(data)
    keep = [c for c in ("engine", "status", "setting", "clients", "recall", "recall (distance)", "p50 ms", "p95 ms",
                        "p99 ms", "QPS", "peak RSS MB", "disk MB", "error") if c in frame.columns]
    story += [para("Raw measurements", styles["Heading2"]), table(keep, frame_rows(frame[keep]))]
    failures = failure_lines(data)
    story.append(para("Failures and what they mean", styles["Heading2"]))
    story += [para(f"• {line}") for line in failures] or [para("None: every engine finished every setting.")]
    story += [para("Reproduce", styles["Heading2"]),
              para("The plans are in report.json beside this file: python -m vectorscout rerun report.json")]
    SimpleDocTemplate(str(path), pagesize=page, title=clean(data.title), author="VectorScout",
                      leftMargin=1.5 * cm, rightMargin=1.5 * cm).build(story)


