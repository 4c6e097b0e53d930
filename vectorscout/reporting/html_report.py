"""The HTML report: one self-contained file (plotly.js inlined once, packed; it asks no other host for anything)."""

from __future__ import annotations

import base64
import gzip
import html
import json
from collections.abc import Iterable
from functools import cache
from typing import Any

from vectorscout.reporting import outline as blocks
from vectorscout.reporting.sections import REPRODUCTION_ID, ReportData, clean, figures, json_safe, reproduction

HTML_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1180px; margin: 2em auto; padding: 0 1em; color: #1d1d1f; }
h1 { font-size: 1.9em; } h2 { border-bottom: 2px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: .9em; } td, th { border: 1px solid #ccc; padding: .3em .5em; }
th { background: #f3f3f3; text-align: left; } .summary li { margin: .3em 0; } .muted { color: #666; font-size: .9em; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: .8em; }
.wide { overflow-x: auto; } .wide table { font-size: .78em; } .wide td { white-space: nowrap; }
@media print { body { max-width: none; margin: 0; } .chart { page-break-inside: avoid; } h2, h3 { page-break-after: avoid; }
  .wide td { white-space: normal; } }
"""


def _html_table(header: Iterable[Any], body: Iterable[Iterable[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape('' if c is None else str(c))}</td>" for c in row) + "</tr>"
                   for row in body)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def render_html(data: ReportData) -> str:
    e = html.escape
    report = blocks.outline(data)
    body = f"<h1>{e(clean(report.title))}</h1>" + "".join(_html_block(block, data) for block in report.blocks)
    packed_text, packed_length = packed_plotly()
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{e(clean(report.title))}</title><style>{HTML_STYLE}</style></head><body>" + body
            + f"<script type='application/octet-stream' id='plotly-packed' data-length='{packed_length}'>"
            f"{packed_text}</script><script>{PLOTLY_LOADER}</script></body></html>")


def _html_block(block: blocks.Block, data: ReportData) -> str:
    e = html.escape
    match block:
        case blocks.Heading(text, level):
            return f"<h{level}>{e(text)}</h{level}>"
        case blocks.Bullets(lines, style):
            css = "" if style == "plain" else " class='summary'"
            return f"<ul{css}>" + "".join(f"<li>{e(line)}</li>" for line in lines) + "</ul>"
        case blocks.Text(text, muted):
            return f"<p class='muted'>{e(text)}</p>" if muted else f"<p>{e(text)}</p>"
        case blocks.Table(header, body, _, wide):
            table = _html_table(header, body)
            return f"<div class='wide'>{table}</div>" if wide else table
        case blocks.References(urls):
            return "<ol>" + "".join(f"<li><a href='{e(url)}'>{e(url)}</a></li>" for url in urls) + "</ol>"
        case blocks.Charts():
            # each figure as data, drawn once the library is unpacked (see PLOTLY_LOADER); '<' escaped as in any
            # JSON inside <script>
            return "".join(f"<div class='chart' id='chart-{e(name)}'><div class='plotly-graph-div'></div>"
                           f"<script type='application/json' class='figure'>{script_json(figure.to_json())}</script>"
                           "</div>" for name, figure in figures(data))
        case blocks.Reproduce():
            embedded = script_json(json.dumps(json_safe(reproduction(data))))
            return ("<p>This file embeds its plans. Run them again and compare with "
                    "<code>python -m vectorscout rerun THIS_FILE.html</code>.</p>"
                    f"<script type='application/json' id='{REPRODUCTION_ID}'>{embedded}</script>")
        case blocks.SummaryEnd():
            return ""


def script_json(text: str) -> str:
    """JSON for a <script> element: '<', '>' and '&' escaped, so no text (a scenario name, say) closes it early."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@cache
def packed_plotly() -> tuple[str, int]:
    """plotly.js gzipped and in base85 (RFC 1924: no '/', so no '</script' can appear), and the gzip stream's
    length (base85 pads it to whole 4-byte groups): a third of the 4.8 MB the library takes as text, unpacked by
    the browser itself (DecompressionStream)."""
    from plotly.offline import get_plotlyjs

    packed = gzip.compress(get_plotlyjs().encode(), compresslevel=9, mtime=0)
    return base64.b85encode(packed, pad=True).decode("ascii"), len(packed)
# Unpacks plotly.js (base85, then gzip by the browser), runs it, then draws every figure in its place.
PLOTLY_LOADER = """(async () => {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~';
  const value = new Int16Array(128).fill(-1); [...alphabet].forEach((c, i) => { value[c.charCodeAt(0)] = i; });
  const node = document.getElementById('plotly-packed'), text = node.textContent.trim();
  const length = Number(node.dataset.length), bytes = new Uint8Array(text.length / 5 * 4);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let n = 0; for (let j = 0; j < 5; j++) n = n * 85 + value[text.charCodeAt(i + j)];
    bytes[o] = n >>> 24; bytes[o + 1] = (n >>> 16) & 255; bytes[o + 2] = (n >>> 8) & 255; bytes[o + 3] = n & 255;
  }
  const stream = new Blob([bytes.subarray(0, length)]).stream().pipeThrough(new DecompressionStream('gzip'));
  const library = document.createElement('script');
  library.textContent = await new Response(stream).text();
  document.head.appendChild(library);
  for (const figure of document.querySelectorAll('script.figure')) {
    const { data, layout } = JSON.parse(figure.textContent);
    const target = figure.parentElement.querySelector('.plotly-graph-div');
    await Plotly.newPlot(target, data, layout, { displaylogo: false, responsive: true });
  }
})();"""


