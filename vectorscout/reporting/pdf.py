"""The PDF report: the same sections with static charts."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from vectorscout import __version__
from vectorscout.reporting.sections import (
    ReportData,
    assumption_rows,
    clean,
    cost_rows,
    failure_lines,
    feature_rows,
    frame_rows,
    methodology_rows,
    raw_frames,
    requirements_rows,
    summary_sections,
    table_sections,
)


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its header (IHDR)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def chart_flowables(images: dict[str, bytes], widest: float, tallest: float) -> list[Any]:
    """Each chart at its own shape, as large as the page allows: never squeezed to one fixed height."""
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, Spacer

    flowables: list[Any] = []
    for png in images.values():
        pixels_wide, pixels_high = png_size(png)
        scale = min(widest / pixels_wide, tallest / pixels_high)
        flowables += [Image(io.BytesIO(png), width=pixels_wide * scale, height=pixels_high * scale), Spacer(1, 0.3 * cm)]
    return flowables


REPRODUCE = "The plans are in report.json beside this file: python -m vectorscout rerun report.json"


def summary_flowables(data: ReportData, para: Any, styles: Any, small: Any) -> list[Any]:
    """The executive summary as the first page alone, then the detail and the references from the second."""
    from reportlab.platypus import PageBreak

    # a little tighter than the body, so a summary of the most lines the summary allows fits one page
    summary_style = styles["BodyText"].clone("summary", fontSize=9.5, leading=11.5, spaceBefore=0, spaceAfter=2)
    styles["Heading3"].spaceBefore, styles["Heading3"].spaceAfter = 4, 2
    opening = summary_sections(data)
    story: list[Any] = []
    for part in opening.summary:
        story += [para(part.heading, styles["Heading3"]), *(para(f"• {line}", summary_style) for line in part.lines)]
    story += [PageBreak(), para("The recommendation in detail", styles["Heading2"]),
              *(para(f"• {line}") for line in opening.detail)]
    if opening.references:
        story += [para("References", styles["Heading2"]),
                  *(para(f"[{number}] {url}", small) for number, url in enumerate(opening.references, 1))]
    return story


def render_pdf(data: ReportData, path: Path, images: dict[str, bytes]) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    for heading in ("Heading2", "Heading3"):
        styles[heading].keepWithNext = 1  # a heading never ends a page alone
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
    story += summary_flowables(data, para, styles, small)
    requirements = requirements_rows(data)
    if requirements:
        story += [para("Requirements", styles["Heading2"]),
                  table(["question", "answer"], [list(r) for r in requirements], [width * 0.4, width * 0.6])]
    if data.cost is not None:
        story += [para("Cost", styles["Heading2"]), table(*cost_rows(data)),
                  para("Assumptions", styles["Heading3"]),
                  table(["assumption", "value", "meaning"], [list(r) for r in assumption_rows(data)],
                        [width * 0.22, width * 0.18, width * 0.6])]
    story.append(para("Charts", styles["Heading2"]))
    story += chart_flowables(images, width * 0.85, page[1] - 5 * cm)  # the frame less a heading's room
    story += [para("Feature matrix", styles["Heading2"]), table(*feature_rows(data))]
    story += [para("Methodology", styles["Heading2"]),
              table(["item", "detail"], [list(r) for r in methodology_rows(data)], [width * 0.2, width * 0.8])]
    for section in table_sections(data):
        story += [para(section.title, styles["Heading2"]), para(section.note), table(section.header, section.body)]
    # the measurements in parts that fit a landscape page, each led by what identifies a row
    story.append(para("Raw measurements", styles["Heading2"]))
    for title, frame in raw_frames(data):
        story += [para(title, styles["Heading3"]), table(list(frame.columns), frame_rows(frame)), Spacer(1, 0.4 * cm)]
    failures = failure_lines(data)
    story.append(para("Failures and what they mean", styles["Heading2"]))
    story += [para(f"• {line}") for line in failures] or [para("No failures: every engine finished every setting.")]
    story += [para("Reproduce", styles["Heading2"]), para(REPRODUCE)]
    SimpleDocTemplate(str(path), pagesize=page, title=clean(data.title), author="VectorScout",
                      leftMargin=1.5 * cm, rightMargin=1.5 * cm).build(story)


