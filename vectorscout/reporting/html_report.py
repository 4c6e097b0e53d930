"""The HTML report: one self-contained file (plotly.js inlined once, packed; it asks no other host for anything)."""

from __future__ import annotations

import base64
import gzip
import html
import json
from collections.abc import Iterable
from functools import cache
from typing import Any

from vectorscout import __version__
from vectorscout.reporting.sections import (
    REPRODUCTION_ID,
    ReportData,
    assumption_rows,
    clean,
    cost_rows,
    failure_lines,
    feature_rows,
    figures,
    frame_rows,
    json_safe,
    methodology_rows,
    raw_frames,
    reproduction,
    requirements_rows,
    summary_sections,
    table_sections,
)

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
    parts = [f"<h1>{e(clean(data.title))}</h1>",
             f"<p class='muted'>Generated {e(data.generated_at)} by VectorScout {e(__version__)} from run(s) "
             f"{e(', '.join(r.run_id for r in data.runs))}.</p>",
             "<h2>Executive summary</h2>"]
    opening = summary_sections(data)
    for part in opening.summary:
        parts.append(f"<h3>{e(part.heading)}</h3><ul class='summary'>"
                     + "".join(f"<li>{e(line)}</li>" for line in part.lines) + "</ul>")
    parts.append("<h2>The recommendation in detail</h2><ul class='summary'>"
                 + "".join(f"<li>{e(line)}</li>" for line in opening.detail) + "</ul>")
    if opening.references:
        parts.append("<h2>References</h2><ol>" + "".join(f"<li><a href='{e(url)}'>{e(url)}</a></li>"
                                                          for url in opening.references) + "</ol>")
    requirements = requirements_rows(data)
    if requirements:
        parts.append("<h2>Requirements</h2>" + _html_table(["question", "answer"], requirements))
    if data.cost is not None:
        parts.append("<h2>Cost</h2>" + _html_table(*cost_rows(data))
                     + "<h3>Assumptions</h3>" + _html_table(["assumption", "value", "meaning"], assumption_rows(data)))
    parts.append("<h2>Charts</h2>")
    for name, figure in figures(data):
        # the figure as data, drawn once the library is unpacked (see PLOTLY_LOADER); '<' escaped as in any
        # JSON inside <script>
        parts.append(f"<div class='chart' id='chart-{e(name)}'><div class='plotly-graph-div'></div>"
                     f"<script type='application/json' class='figure'>{script_json(figure.to_json())}</script></div>")
    parts.append("<h2>Feature matrix</h2>" + _html_table(*feature_rows(data)))
    parts.append("<h2>Methodology</h2>" + _html_table(["item", "detail"], methodology_rows(data)))
    parts.append("<h2>Raw measurements</h2>")
    for title, frame in raw_frames(data):
        parts.append(f"<h3>{e(title)}</h3><div class='wide'>" + _html_table(list(frame.columns), frame_rows(frame))
                     + "</div>")
    for section in table_sections(data):
        parts.append(f"<h2>{e(section.title)}</h2><p class='muted'>{e(section.note)}</p><div class='wide'>"
                     + _html_table(section.header, section.body) + "</div>")
    failures = failure_lines(data)
    parts.append("<h2>Failures and what they mean</h2>"
                 + ("<ul>" + "".join(f"<li>{e(line)}</li>" for line in failures) + "</ul>" if failures
                    else "<p>No failures: every engine finished every setting.</p>"))
    embedded = script_json(json.dumps(json_safe(reproduction(data))))
    parts.append("<h2>Reproduce</h2><p>This file embeds its plans. Run them again and compare with "
                 "<code>python -m vectorscout rerun THIS_FILE.html</code>.</p>"
                 f"<script type='application/json' id='{REPRODUCTION_ID}'>{embedded}</script>")
    packed_text, packed_length = packed_plotly()
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{e(clean(data.title))}</title><style>{HTML_STYLE}</style></head><body>" + "".join(parts)
            + f"<script type='application/octet-stream' id='plotly-packed' data-length='{packed_length}'>"
            f"{packed_text}</script><script>{PLOTLY_LOADER}</script></body></html>")


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


