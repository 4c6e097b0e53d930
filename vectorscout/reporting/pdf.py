"""The PDF report: the same sections with static charts."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from vectorscout.reporting import outline as blocks
from vectorscout.reporting.sections import ReportData, clean


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


class PdfStory:
    """Turns the outline's blocks into reportlab flowables on a landscape A4 page."""

    def __init__(self, images: dict[str, bytes]) -> None:
        from reportlab.lib.pagesizes import A4, landscape
        from reportlab.lib.styles import getSampleStyleSheet
        from reportlab.lib.units import cm

        self.images = images
        self.page = landscape(A4)
        self.width = self.page[0] - 3 * cm
        self.styles = getSampleStyleSheet()
        for heading in ("Heading2", "Heading3"):
            self.styles[heading].keepWithNext = 1  # a heading never ends a page alone
        self.small = self.styles["BodyText"].clone("small", fontSize=7, leading=8.5)
        # a little tighter than the body, so a summary of the most lines the summary allows fits one page
        self.styles["Heading3"].spaceBefore, self.styles["Heading3"].spaceAfter = 4, 2
        self.summary = self.styles["BodyText"].clone("summary", fontSize=9.5, leading=11.5, spaceBefore=0, spaceAfter=2)

    def para(self, text: Any, style: Any = None) -> Any:
        from reportlab.platypus import Paragraph

        return Paragraph(xml_escape(str(text)), style or self.styles["BodyText"])

    def table(self, block: blocks.Table) -> list[Any]:
        from reportlab.lib import colors
        from reportlab.lib.units import cm
        from reportlab.platypus import Spacer, TableStyle
        from reportlab.platypus import Table as PdfTable

        cells = [[self.para(h, self.small) for h in block.header]]
        cells += [[self.para("" if c is None else c, self.small) for c in row] for row in block.body]
        widths = [self.width * share for share in block.widths] if block.widths else None
        result = PdfTable(cells, colWidths=widths, repeatRows=1)
        result.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                                    ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return [result, Spacer(1, 0.4 * cm)] if block.wide else [result]

    def flowables(self, block: blocks.Block) -> list[Any]:
        from reportlab.lib.units import cm
        from reportlab.platypus import PageBreak

        match block:
            case blocks.Heading(text, level):
                return [self.para(text, self.styles[f"Heading{level}"])]
            case blocks.Bullets(lines, style):
                return [self.para(f"• {line}", self.summary if style == "summary" else None) for line in lines]
            case blocks.Text(text):
                return [self.para(text)]
            case blocks.Table():
                return self.table(block)
            case blocks.References(urls):
                return [self.para(f"[{number}] {url}", self.small) for number, url in enumerate(urls, 1)]
            case blocks.Charts():
                return chart_flowables(self.images, self.width * 0.85, self.page[1] - 5 * cm)  # less a heading's room
            case blocks.Reproduce():
                return [self.para(REPRODUCE)]
            case blocks.SummaryEnd():
                return [PageBreak()]  # the executive summary is the first page alone


def render_pdf(data: ReportData, path: Path, images: dict[str, bytes]) -> None:
    from reportlab.lib.units import cm
    from reportlab.platypus import SimpleDocTemplate

    writer = PdfStory(images)
    report = blocks.outline(data)
    story = [writer.para(clean(report.title), writer.styles["Title"])]
    for block in report.blocks:
        story += writer.flowables(block)
    SimpleDocTemplate(str(path), pagesize=writer.page, title=clean(report.title), author="VectorScout",
                      leftMargin=1.5 * cm, rightMargin=1.5 * cm).build(story)
