"""The report's one ordered outline: every section in the order every format shows it, as blocks (headings,
bullet lists, tables, text, the charts' place). HTML, Markdown and PDF each only say how a block looks, so a new
section is added here once and the formats cannot list their sections in different orders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from vectorscout import __version__
from vectorscout.reporting.sections import (
    ReportData,
    assumption_rows,
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


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2  # 2: a section, 3: a part of one


@dataclass(frozen=True)
class Bullets:
    lines: list[str]
    # "summary": the executive summary (tighter on its page), "detail": the recommendation in detail (spaced as
    # the summary on screen, body text on paper), "plain": any other list
    style: Literal["summary", "detail", "plain"] = "plain"


@dataclass(frozen=True)
class Text:
    text: str
    muted: bool = False  # a note above a table, the report's provenance line


@dataclass(frozen=True)
class Table:
    header: list[str]
    body: list[list[str]]
    # each column's share of the page's width, where the content asks for it (a long text column); None: even
    widths: tuple[float, ...] | None = None
    wide: bool = False  # many columns: a format that can let it scroll or wrap does


@dataclass(frozen=True)
class References:
    urls: list[str]


@dataclass(frozen=True)
class Charts:
    """Where the charts go; each format draws its own (interactive figures, PNG files, images on the page)."""


@dataclass(frozen=True)
class SummaryEnd:
    """The end of the executive summary: a paged format starts the detail on a new page."""


@dataclass(frozen=True)
class Reproduce:
    """How to run the report's plans again; each format says it its own way (HTML embeds the plans)."""


Block = Heading | Bullets | Text | Table | References | Charts | SummaryEnd | Reproduce
NO_FAILURES = "No failures: every engine finished every setting."


@dataclass
class Outline:
    title: str
    blocks: list[Block] = field(default_factory=list)


def outline(data: ReportData) -> Outline:
    """The whole report, in order."""
    provenance = (f"Generated {data.generated_at} by VectorScout {__version__} from run(s) "
                  f"{', '.join(r.run_id for r in data.runs)}.")
    blocks: list[Block] = [Text(provenance, muted=True), *_opening(data), *_decision(data), Heading("Charts"), Charts(),
                           *_evidence(data), *_closing(data)]
    return Outline(data.title, blocks)


def _opening(data: ReportData) -> list[Block]:
    """The executive summary (a page alone where pages exist), the recommendation in detail, their sources."""
    opening = summary_sections(data)
    blocks: list[Block] = [Heading("Executive summary")]
    for part in opening.summary:
        blocks += [Heading(part.heading, 3), Bullets(part.lines, "summary")]
    blocks += [SummaryEnd(), Heading("The recommendation in detail"), Bullets(opening.detail, "detail")]
    if opening.references:
        blocks += [Heading("References"), References(opening.references)]
    return blocks


def _decision(data: ReportData) -> list[Block]:
    """What was asked and what it costs."""
    blocks: list[Block] = []
    requirements = requirements_rows(data)
    if requirements:
        blocks += [Heading("Requirements"), Table(["question", "answer"], [list(r) for r in requirements], (0.4, 0.6))]
    if data.cost is not None:
        blocks += [Heading("Cost"), Table(*cost_rows(data)), Heading("Assumptions", 3),
                   Table(["assumption", "value", "meaning"], [list(r) for r in assumption_rows(data)], (0.22, 0.18, 0.6))]
    return blocks


def _evidence(data: ReportData) -> list[Block]:
    """The features, how it was measured, every measurement, and the tables of what some runs measured."""
    blocks: list[Block] = [Heading("Feature matrix"), Table(*feature_rows(data)), Heading("Methodology"),
                           Table(["item", "detail"], [list(r) for r in methodology_rows(data)], (0.2, 0.8)),
                           Heading("Raw measurements")]
    for title, frame in raw_frames(data):
        blocks += [Heading(title, 3), Table([str(c) for c in frame.columns], frame_rows(frame), wide=True)]
    for section in table_sections(data):
        blocks += [Heading(section.title), Text(section.note, muted=True), Table(section.header, section.body, wide=True)]
    return blocks


def _closing(data: ReportData) -> list[Block]:
    failures = failure_lines(data)
    return [Heading("Failures and what they mean"), Bullets(failures) if failures else Text(NO_FAILURES),
            Heading("Reproduce"), Reproduce()]
