"""The Markdown report, beside PNG charts; user text escaped for Markdown."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from vectorscout.reporting import outline as blocks
from vectorscout.reporting.sections import ReportData, clean

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|])")


def md_escape(text: Any) -> str:
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def _md_table(header: Iterable[Any], body: Iterable[Iterable[Any]]) -> str:
    head = list(header)
    lines = ["| " + " | ".join(md_escape(h) for h in head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(md_escape("" if c is None else c) for c in row) + " |" for row in body]
    return "\n".join(lines)


REPRODUCE = "The plans are in `report.json` beside this file: `python -m vectorscout rerun report.json`."


def render_markdown(data: ReportData, images: dict[str, str]) -> str:
    """The outline in Markdown; ``images``: chart name -> PNG file beside the document."""
    report = blocks.outline(data)
    parts = [f"# {md_escape(clean(report.title))}"]
    parts += [text for block in report.blocks if (text := _md_block(block, images))]
    return "\n\n".join(parts) + "\n"


def _md_block(block: blocks.Block, images: dict[str, str]) -> str:
    match block:
        case blocks.Heading(text, level):
            return f"{'#' * level} {md_escape(text)}"
        case blocks.Bullets(lines):
            return "\n".join(f"- {md_escape(line)}" for line in lines)
        case blocks.Text(text):
            return md_escape(text)
        case blocks.Table(header, body):
            return _md_table(header, body)
        case blocks.References(urls):
            return "\n".join(f"{number}. <{url}>" for number, url in enumerate(urls, 1))
        case blocks.Charts():
            return "\n\n".join(f"![{name}]({file})" for name, file in images.items())
        case blocks.Reproduce():
            return REPRODUCE
        case blocks.SummaryEnd():
            return ""
