"""The Markdown report, beside PNG charts; user text escaped for Markdown."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

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

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|])")


def md_escape(text: Any) -> str:
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def _md_table(header: Iterable[Any], body: Iterable[Iterable[Any]]) -> str:
    head = list(header)
    lines = ["| " + " | ".join(md_escape(h) for h in head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(md_escape("" if c is None else c) for c in row) + " |" for row in body]
    return "\n".join(lines)


def render_markdown(data: ReportData, images: dict[str, str]) -> str:
    parts = [f"# {md_escape(clean(data.title))}",
             f"Generated {data.generated_at} by VectorScout {__version__} from run(s) "
             f"{md_escape(', '.join(r.run_id for r in data.runs))}.",
             "## Executive summary"]
    opening = summary_sections(data)
    for part in opening.summary:
        parts += [f"### {md_escape(part.heading)}", "\n".join(f"- {md_escape(line)}" for line in part.lines)]
    parts += ["## The recommendation in detail", "\n".join(f"- {md_escape(line)}" for line in opening.detail)]
    if opening.references:
        parts += ["## References", "\n".join(f"{number}. <{url}>" for number, url in enumerate(opening.references, 1))]
    requirements = requirements_rows(data)
    if requirements:
        parts += ["## Requirements", _md_table(["question", "answer"], requirements)]
    if data.cost is not None:
        parts += ["## Cost", _md_table(*cost_rows(data)),
                  "### Assumptions", _md_table(["assumption", "value", "meaning"], assumption_rows(data))]
    parts.append("## Charts")
    parts += [f"![{name}]({file})" for name, file in images.items()]
    parts += ["## Feature matrix", _md_table(*feature_rows(data)),
              "## Methodology", _md_table(["item", "detail"], methodology_rows(data))]
    parts.append("## Raw measurements")
    for title, frame in raw_frames(data):
        parts += [f"### {md_escape(title)}", _md_table(list(frame.columns), frame_rows(frame))]
    for section in table_sections(data):
        parts += [f"## {section.title}", md_escape(section.note), _md_table(section.header, section.body)]
    failures = failure_lines(data)
    parts += ["## Failures and what they mean",
              "\n".join(f"- {md_escape(line)}" for line in failures) or "No failures: every engine finished every setting.",
              "## Reproduce", "The plans are in `report.json` beside this file: "
                              "`python -m vectorscout rerun report.json`."]
    return "\n\n".join(parts) + "\n"


