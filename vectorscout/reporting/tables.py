"""Tables a person reads: human column labels with units, numbers formatted for reading, "not measured"
where nothing was measured, sweep values in numeric order. The dashboard and every report format show
these; raw numbers stay in the JSON and CSV exports."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

from vectorscout.glossary import index_name
from vectorscout.results.analysis import engine_label, engine_memory_mb, series_text
from vectorscout.results.records import ResultRow

NOT_MEASURED = "not measured"
MAX_DECIMALS = 6


def significant(value: float | None, digits: int = 3) -> str:
    """A number to ``digits`` significant figures, never in exponent form, with thousands separators and at
    most six decimals (0.000245 → "0.000245", 20.692 → "20.7", 1667.4 → "1,667", 0.00000269 → "0.000003");
    None or NaN → "not measured"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOT_MEASURED
    number = float(value)
    if number == 0 or math.isinf(number):
        return f"{number:,.0f}" if number == 0 else str(number)
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(number))))
    if decimals > MAX_DECIMALS:  # microseconds in a column of seconds: six places say enough
        text = f"{number:.{MAX_DECIMALS}f}"  # below 0.0001: no thousands to separate
        # what rounds to nothing at six places says so ("0.000000" would read as a measured zero)
        return text if float(text) != 0 else f"< {10.0**-MAX_DECIMALS:.{MAX_DECIMALS}f}"
    return f"{round(number, decimals):,.{decimals}f}"


def fixed(decimals: int) -> Callable[[Any], str]:
    """A formatter with a fixed number of decimals (recall to 4 places reads as ann-benchmarks does)."""
    def format_fixed(value: Any) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return NOT_MEASURED
        return f"{float(value):,.{decimals}f}"
    return format_fixed


def whole(value: Any) -> str:
    return fixed(0)(value)


def text(value: Any) -> str:
    return "" if value is None else str(value)


def human_label(identifier: str) -> str:
    """"memory_headroom" → "Memory headroom": identifiers are for files, labels for people."""
    words = identifier.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def money(value: float | None, missing: str = NOT_MEASURED) -> str:
    """US dollars: whole dollars with separators ("$12,345"); below a dollar to four decimals ("$0.0123",
    e.g. per million queries)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    return f"${value:,.0f}" if abs(value) >= 1 else f"${value:,.4f}"


def params_text(params: Mapping[str, Any]) -> str:
    """Parameters as a person writes them: "M=16, ef_construction=200"; "defaults" when there are none."""
    return ", ".join(f"{name}={_value_text(value)}" for name, value in params.items()) or "defaults"


def grid_text(grid: Any) -> str:
    """A search grid (a list of settings, or a mapping of a parameter to its values) as "ef=16; ef=64"."""
    if isinstance(grid, Mapping):
        return params_text(grid)
    return "; ".join(params_text(setting) for setting in grid or []) or "defaults"


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "/".join(_value_text(v) for v in value)
    if isinstance(value, Mapping):
        return "(" + params_text(value) + ")"
    return "none" if value is None else str(value)


def setting_text(row: ResultRow) -> str:
    """The search setting alone (the index is its own column)."""
    return params_text(row.search_params) if row.search_params else "defaults"


def _order(value: Any) -> tuple[int, float, str]:
    # numbers in numeric order (16 < 64 < 128), then any words
    if isinstance(value, bool) or not isinstance(value, int | float):
        return (1, 0.0, str(value))
    return (0, float(value), "")


def row_order(row: ResultRow) -> tuple[Any, ...]:
    """Sweeps in numeric order of their values, whatever order they were entered in."""
    return (row.engine, row.index, params_text(row.build_params),
            tuple((name, _order(value)) for name, value in row.search_params.items()), row.concurrency)


# One side of an interval this many times the other: the cell gives both sides. An interval that takes in the
# run-to-run spread is even in logarithms (×/÷ a factor), so "0.912 ± 1.21" would read as if the p95 could fall
# below 0; "+1.5/−0.50" says where it can go.
LOPSIDED = 1.25


def both_sides(figure: float | None, interval: list[float] | None) -> tuple[float, float] | None:
    """How far above and below the figure its 95 % interval reaches (None: no interval)."""
    return None if not interval or figure is None else (interval[1] - figure, figure - interval[0])


def plus_minus(formatter: Callable[[Any], str]) -> Callable[[Any], str]:
    """A "±" cell: half the interval's width where its sides are about even, else "+above/−below"."""
    def format_plus_minus(sides: tuple[float, float] | None) -> str:
        if sides is None:
            return NOT_MEASURED
        above, below = max(0.0, sides[0]), max(0.0, sides[1])
        if max(above, below) <= LOPSIDED * min(above, below) or max(above, below) == 0:
            return formatter((above + below) / 2)
        return f"+{formatter(above)}/−{formatter(below)}"
    return format_plus_minus


# (label with unit, how to read it from a row, how to format it); a column nothing was measured for is left out
# Led by what identifies a row and the answer (recall, p95, QPS, verdict); configuration and notes come last.
COLUMNS: tuple[tuple[str, Callable[[ResultRow], Any], Callable[[Any], str]], ...] = (
    ("Engine", lambda r: r.series or engine_label(r), text),
    ("Run", lambda r: r.run_id or None, text),
    ("Index", lambda r: index_name(r.index), text),
    ("Search setting", setting_text, text),
    ("Clients", lambda r: r.concurrency, whole),
    ("Recall@k", lambda r: r.recall, fixed(4)),
    ("Recall ±", lambda r: both_sides(r.recall, r.recall_interval), plus_minus(fixed(4))),
    ("p95 (ms)", lambda r: r.latency_p95_ms, significant),
    ("p95 ±", lambda r: both_sides(r.latency_p95_ms, r.latency_p95_interval_ms), plus_minus(significant)),
    ("QPS", lambda r: r.qps, significant),
    ("QPS ±", lambda r: both_sides(r.qps, r.qps_interval), plus_minus(significant)),
    # how many earlier runs on this machine the "±" of p50, p95 and QPS take in (run_spread.py); absent: none
    ("Runs in ±", lambda r: r.interval_runs or None, whole),
    ("Status", lambda r: r.status, text),
    ("p50 (ms)", lambda r: r.latency_p50_ms, significant),
    ("p99 (ms)", lambda r: r.latency_p99_ms, significant),
    ("QPS spread (%)", lambda r: r.qps_spread_pct, fixed(1)),
    ("Errors", lambda r: r.errors, whole),
    ("Client CPU (%)", lambda r: r.client_cpu_pct, whole),
    ("Recall@k (distance)", lambda r: r.recall_distance, fixed(4)),
    ("nDCG@10", lambda r: r.ndcg_at_10, fixed(4)),
    ("Exact nDCG@10", lambda r: r.exact_ndcg_at_10, fixed(4)),
    ("MRR@10", lambda r: r.mrr_at_10, fixed(4)),
    ("Insert (s)", lambda r: r.insert_s, significant),
    ("Index build (s)", lambda r: r.index_s, significant),
    ("Engine memory (MB)", engine_memory_mb, fixed(1)),
    ("Worker peak RSS, with the dataset (MB)", lambda r: r.peak_rss_mb, fixed(1)),
    ("RAM (bytes/vector)", lambda r: r.ram_bytes_per_vector, whole),
    ("Disk (MB)", lambda r: r.disk_mb, fixed(1)),
    ("Disk (bytes/vector)", lambda r: r.disk_bytes_per_vector, whole),
    ("Other load on the host (% CPU)", lambda r: r.host_other_cpu_pct, whole),
    ("Measured as", lambda r: ", ".join(filter(None, (r.deployment, r.endpoint))) or None, text),
    ("Build parameters", lambda r: params_text(r.build_params), text),
    ("Engine threads", lambda r: r.engine_threads or None, text),
    ("Filter", lambda r: r.filter or None, text),
    ("Noise", lambda r: r.noise or None, text),
    ("Recall collapse", lambda r: r.diagnosis or None, text),
    ("Error", lambda r: r.error or None, text),
)
# The measurements in parts narrow enough to read without scrolling sideways at 1280 px: each part repeats what
# identifies a row; the first is the answer, shown on its own on the Results page. Every column is in one part.
ROW_IDENTITY = ("Engine", "Run", "Index", "Search setting", "Clients")
# Each part's headers fit the page's column beside the row's identity (a grid cannot wrap a header; a wider
# part scrolled sideways): measurement_parts still cuts one that does not, with compared runs' "Run" column.
MEASUREMENT_PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Recall, latency and throughput", ("Recall@k", "p95 (ms)", "QPS", "Status")),
    # beside the answer it would not fit 1280 px with compared runs: the "±" of each of its figures, next
    ("How far each figure could move (half its 95 % interval)", ("Recall ±", "p95 ±", "QPS ±", "Runs in ±")),
    ("Latency in detail", ("p50 (ms)", "p99 (ms)", "QPS spread (%)", "Errors")),
    ("Load on the machine while timing", ("Client CPU (%)", "Other load on the host (% CPU)")),
    ("Recall counting ties by distance", ("Recall@k (distance)",)),
    ("Retrieval quality", ("nDCG@10", "Exact nDCG@10", "MRR@10")),
    ("Build time", ("Insert (s)", "Index build (s)")),
    ("Memory", ("Engine memory (MB)", "RAM (bytes/vector)")),
    ("The worker's peak memory", ("Worker peak RSS, with the dataset (MB)",)),
    ("Disk", ("Disk (MB)", "Disk (bytes/vector)")),
    ("Configuration", ("Measured as", "Build parameters", "Engine threads")),
    ("Notes", ("Filter", "Noise", "Recall collapse", "Error")),
)
_OPTIONAL_WHEN_EMPTY = {"Run", "Recall ±", "p95 ±", "QPS ±", "Runs in ±", "Measured as", "Noise", "Recall collapse",
                        "Engine threads", "Filter", "Error"}


def results_table(rows: Iterable[ResultRow], columns: Iterable[str] | None = None) -> pd.DataFrame:
    """The one table of measurements as text, a row per (engine, index, setting, clients), in sweep order.

    A column nothing was measured for is dropped; a cell of a column that has measurements elsewhere reads
    "not measured". ``columns``: only these labels (those that exist), in this order.
    """
    rows = list(rows)
    runs = list(dict.fromkeys(row.run_id for row in rows))  # compared runs in the order given
    ordered = sorted(rows, key=lambda r: (r.series or r.engine, runs.index(r.run_id), *row_order(r)))
    raw = {label: [read(row) for row in ordered] for label, read, _ in COLUMNS}
    kept = [(label, formatter) for label, _, formatter in COLUMNS
            if any(value not in (None, "") for value in raw[label])
            or (label not in _OPTIONAL_WHEN_EMPTY and not ordered)]
    if columns is not None:
        wanted = list(columns)
        kept = sorted((c for c in kept if c[0] in wanted), key=lambda c: wanted.index(c[0]))
    return pd.DataFrame({label: [formatter(value) for value in raw[label]] for label, formatter in kept},
                        columns=[label for label, _ in kept])


# What a terminal shows of results_table: the answer and what identifies the row, in the table's own words.
TERMINAL_COLUMNS = ("Engine", "Run", "Measured as", "Index", "Search setting", "Clients", "Status", "Recall@k",
                    "Recall ±", "Recall@k (distance)", "p50 (ms)", "p95 (ms)", "p95 ±", "p99 (ms)", "QPS", "QPS ±", "Runs in ±",
                    "Insert (s)", "Index build (s)")


def plain_text(frame: pd.DataFrame) -> str:
    """A table as fixed-width text: each column as wide as its widest cell or label, two spaces between
    columns, cells left-aligned, no trailing space."""
    lines = [list(frame.columns), *frame.astype(str).values.tolist()]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(frame.columns))]
    return "\n".join("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines)


def results_text(rows: Iterable[ResultRow]) -> str:
    """results_table for a terminal (TERMINAL_COLUMNS), then a note per error and per recall collapse."""
    def named(row: ResultRow) -> str:  # as the Engine column names it, with the run where runs are compared
        return series_text(row) if row.series else engine_label(row)

    rows = list(rows)
    notes = [f"{named(r)}: {r.error}" for r in rows if r.error] + [
        f"{named(r)} recall collapse: {r.diagnosis}" for r in rows if r.diagnosis]
    table = plain_text(results_table(rows, TERMINAL_COLUMNS))
    return table + ("\n\n" + "\n".join(notes) if notes else "")


def rerun_table(lines: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """A report's figures beside the same plan measured again (rerun.side_by_side), in the results table's units."""
    recall, ratio = fixed(4), fixed(2)
    return pd.DataFrame([{
        "Engine": line["engine"], "Search setting": line["setting"], "Clients": whole(line["clients"]),
        "Recall@k (report)": recall(line["recall_old"]), "Recall@k (now)": recall(line["recall_new"]),
        "QPS (report)": significant(line["qps_old"]), "QPS (now)": significant(line["qps_new"]),
        "QPS now / report": ratio(line["qps_ratio"]),
        "p95 ms (report)": significant(line["p95_ms_old"]), "p95 ms (now)": significant(line["p95_ms_new"]),
    } for line in lines], columns=["Engine", "Search setting", "Clients", "Recall@k (report)", "Recall@k (now)", "QPS (report)",
                                   "QPS (now)", "QPS now / report", "p95 ms (report)", "p95 ms (now)"])


def measurement_parts(rows: Iterable[ResultRow], fit_px: float | None = None) -> list[tuple[str, pd.DataFrame]]:
    """results_table in MEASUREMENT_PARTS, each led by ROW_IDENTITY; a part with nothing measured is left out, and
    one whose headers alone are wider than fit_px (TABLE_FIT_PX) is cut into parts that fit (a grid cannot wrap a
    header, so a wider one scrolled sideways), each led by the row's identity again."""
    whole = results_table(rows)  # read and formatted once; each part is a choice of its columns
    identity = [c for c in ROW_IDENTITY if c in whole.columns]
    budget = (TABLE_FIT_PX if fit_px is None else fit_px) - headers_px(identity)
    parts = []
    for title, columns in MEASUREMENT_PARTS:
        present = [c for c in columns if c in whole.columns]
        for place, chunk in enumerate(header_chunks(present, budget)):
            parts.append((title if place == 0 else f"{title} (continued)", whole[[*identity, *chunk]]))
    return parts


def header_chunks(columns: list[str], budget_px: float) -> list[list[str]]:
    """The columns in order, cut where the next header would take a chunk past budget_px (a header wider than the
    whole budget stands alone)."""
    chunks: list[list[str]] = []
    used = 0.0
    for column in columns:
        if not chunks or used + header_px(column) > budget_px:
            chunks.append([])
            used = 0.0
        chunks[-1].append(column)
        used += header_px(column)
    return chunks


def at_target_table(reached: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Per engine (and run, when runs are compared): does it reach the recall target, and its best serial QPS
    and p95 there."""
    lines = []
    for _, figures in sorted(reached.items()):
        lines.append({"Engine": figures["series"], "Run": figures["run"],
                      "Reaches the target": "yes" if figures["reached"] else "no",
                      "Best QPS at the target": significant(figures["qps"]) if figures["reached"] else "not reached",
                      "Best p95 at the target (ms)":
                          significant(figures["latency_p95_ms"]) if figures["reached"] else "not reached"})
    frame = pd.DataFrame(lines, columns=["Engine", "Run", "Reaches the target", "Best QPS at the target",
                                         "Best p95 at the target (ms)"])
    return frame if any(frame["Run"]) else frame.drop(columns="Run")


def stages_table(rows: Iterable[ResultRow]) -> pd.DataFrame:
    """Wall time and memory held at the end of each stage of each engine's job (serial rows; one per engine)."""
    seen: set[tuple[str, str]] = set()
    lines = []
    for row in rows:
        if row.concurrency != 1:
            continue
        for stage in row.stages:
            key = (series_text(row), str(stage.get("stage")))
            if key in seen:
                continue
            seen.add(key)
            lines.append({"Engine": series_text(row), "Stage": str(stage.get("stage")),
                          "Wall time (s)": significant(stage.get("wall_s")),
                          "Memory held (MB)": fixed(1)(stage.get("rss_mb")),
                          "Peak memory (MB)": fixed(1)(stage.get("peak_rss_mb"))})
    return pd.DataFrame(lines, columns=["Engine", "Stage", "Wall time (s)", "Memory held (MB)", "Peak memory (MB)"])


def stream_summary_table(rows: Iterable[ResultRow]) -> pd.DataFrame:
    """Per streaming row: the rate asked and achieved, where the writer fell behind, and each freshness figure."""
    lines = []
    for row in rows:
        figures = row.streaming
        if figures is None:
            continue
        line = {"Engine": series_text(row), "Index": index_name(row.index),
                "Rate asked (vectors/s)": significant(figures.rate_asked),
                "Rate achieved (vectors/s)": significant(figures.rate_achieved),
                "Fell behind at (s)": "never" if figures.fell_behind_at_s is None else significant(figures.fell_behind_at_s),
                "Writes and searches": figures.serialized or "at once",
                "Recall during the stream": fixed(3)(row.recall),
                "p95 during the stream (ms)": significant(row.latency_p95_ms)}
        for probe in figures.freshness:
            line[f"{probe.operation.capitalize()} visible after (ms, median)"] = (
                ("skipped: " + probe.skipped if probe.operation == "delete" else "skipped (as delete)") if probe.skipped else
                significant(probe.median_ms) if probe.visible == probe.probes else
                f"{significant(probe.median_ms)} ({probe.probes - probe.visible} of {probe.probes} never seen)")
        lines.append(line)
    return pd.DataFrame(lines).fillna(NOT_MEASURED)  # a probe one engine was not asked reads so, not as NaN


def stream_windows_table(row: ResultRow) -> pd.DataFrame:
    """One streaming row's windows: vectors present, recall and latency of the searches begun in each."""
    figures = row.streaming
    windows = figures.windows if figures else []
    return pd.DataFrame([{"Until (s)": significant(w.end_s), "Vectors": whole(w.vectors), "Searches": whole(w.searches),
                          "Recall": fixed(3)(w.recall), "p50 (ms)": significant(w.p50_ms),
                          "p95 (ms)": significant(w.p95_ms), "p99 (ms)": significant(w.p99_ms),
                          "Inserts (vectors/s)": significant(w.insert_per_s), "Writer late by (s)": significant(w.lag_s)}
                         for w in windows])


HYBRID_NOTE = ("Keyword alone, dense alone and their fusion on the same judged queries, scored by nDCG@10 against the "
               "dataset's relevance judgments (as BEIR scores). Exact dense is the exact top-k's nDCG@10: the most "
               "dense retrieval can give on these vectors. Where the keyword ranking and the fusion say 'application "
               "side', the engine searched vectors only and VectorScout ranked keywords (BM25) and fused the lists.")


def hybrid_table(rows: Iterable[ResultRow]) -> pd.DataFrame:
    """Per hybrid row: nDCG@10 of keyword, dense and hybrid retrieval with the exact dense baseline, and how the
    engine (or VectorScout, on the application side) ranked keywords and fused."""
    lines = []
    for row in rows:
        figures = row.hybrid
        if figures is None:
            continue
        keyword, dense, hybrid = (figures.mode(name) for name in ("keyword", "dense", "hybrid"))
        lines.append({
            "Engine": series_text(row), "Index": index_name(row.index),
            "Keyword nDCG@10": fixed(4)(keyword.ndcg_at_10 if keyword else None),
            "Dense nDCG@10": fixed(4)(dense.ndcg_at_10 if dense else None),
            "Hybrid nDCG@10": fixed(4)(hybrid.ndcg_at_10 if hybrid else None),
            "Exact dense nDCG@10": fixed(4)(figures.exact_dense_ndcg_at_10),
            f"Dense recall@{row.k} vs exact": fixed(4)(figures.dense_recall_at_k),
            "Hybrid MRR@10": fixed(4)(hybrid.mrr_at_10 if hybrid else None),
            f"Hybrid recall@{row.k}": fixed(4)(hybrid.recall_at_k if hybrid else None),
            "Hybrid p50 (ms)": significant(hybrid.p50_ms if hybrid else None),
            "Keyword ranking": keyword.method if keyword else NOT_MEASURED,
            "Fusion": f"{hybrid.method}; top {figures.depth} of each list" if hybrid else NOT_MEASURED,
        })
    return pd.DataFrame(lines)


def frontier_table(rows: Iterable[ResultRow]) -> tuple[list[str], list[list[str]]]:
    """Each engine's Pareto frontier (serial passes) as rows a person reads, in rising recall."""
    from vectorscout.results.analysis import pareto_frontier

    header = ["Engine", "Index", "Build parameters", "Search setting", "Recall@k", "QPS", "p95 (ms)"]
    body = [[engine, index_name(point.index), params_text(point.build_params), params_text(point.search_params),
             fixed(4)(point.recall), significant(point.qps), significant(point.latency_p95_ms)]
            for engine, points in pareto_frontier(rows).items() for point in points]
    return header, body


# Column widths from the text they hold: the grid's own sizing stops near 300 px and cut identifying columns
# ("hnsw ef_…"), which made sweep rows look identical. The header always fits; only free text (errors, notes)
# longer than TABLE_MAX_PX is cut, and that text is also shown in full beside the table.
TABLE_CHAR_PX = 7.8
TABLE_PAD_PX = 30
TABLE_MAX_PX = 640
TABLE_COLUMN_PX = 818  # the main column's width at a 1280 px window with the sidebar open (measured)
TABLE_FIT_PX = 800  # what tables are sized to: the column less room for rounding and the grid's border


def header_px(column: object) -> float:
    """The pixels a column's header takes at the grid's font: no column is narrowed below it."""
    return TABLE_PAD_PX + TABLE_CHAR_PX * len(str(column))


def headers_px(columns: Iterable[object]) -> float:
    """The pixels a table's headers take side by side: the narrowest it can be drawn without scrolling."""
    return sum(header_px(column) for column in columns)


def column_widths(frame: pd.DataFrame, fit_px: float | None = None) -> dict[str, int]:
    """Pixels per column: its longest text (header included) at the grid's font, within TABLE_MAX_PX. With
    ``fit_px``, the widest columns are narrowed first (to no less than their header) until the table fits: a
    long note is cut, with its full text a click away, rather than the table scrolling sideways."""
    widths, headers = {}, {}
    for column in frame.columns:
        longest = max([len(str(value)) for value in frame[column].tolist()], default=0)
        headers[str(column)] = header_px(column)
        widths[str(column)] = math.ceil(min(max(TABLE_MAX_PX, headers[str(column)]),
                                            max(headers[str(column)], TABLE_PAD_PX + TABLE_CHAR_PX * longest)))
    if fit_px is None or sum(widths.values()) <= fit_px:
        return widths
    # the one cap that makes the capped widths sum to fit_px; a column narrower than its header keeps the header
    cap = max(widths.values())
    while cap > 0 and sum(max(min(w, cap), headers[c]) for c, w in widths.items()) > fit_px:
        cap -= 1
    return {c: math.ceil(max(min(w, cap), headers[c])) for c, w in widths.items()}


def tuning_lines(rows: Iterable[ResultRow]) -> list[str]:
    """How each tuned serial row's setting was found (its concurrent rows share the setting: said once)."""
    return [tuning_text(row) for row in rows if row.tuning is not None and row.concurrency == 1]


def tuning_text(row: ResultRow) -> str:
    """How a tuned row's search setting was found, in one sentence ("" when the run did not tune)."""
    t = row.tuning
    if t is None:
        return ""
    read = t.read if len(t.read) == len(t.tried) else [t.tuning_queries] * len(t.tried)
    tried = ", ".join((f"{value}: {recall:.3f}" if t.parameter else f"{recall:.3f}")
                      + (f" (decided on {queries} queries)" if queries < t.tuning_queries else "")
                      for (value, recall), queries in zip(t.tried, read))
    where = f"{engine_label(row)} {index_name(row.index)}"
    if not t.parameter:
        found = f"nothing to tune (recall {tried} on {t.tuning_queries} tuning queries)"
    elif t.reached:
        found = (f"recall {t.target:g} reached at {t.parameter}={t.chosen} on {t.tuning_queries} tuning queries "
                 f"({t.parameter}={tried})")
    else:
        found = (f"recall {t.target:g} reached at no setting tried ({t.parameter}={tried}); measured at the best, "
                 f"{t.parameter}={t.chosen}")
    recall = "not read" if row.recall is None else f"{row.recall:.3f}"
    return f"{where}: {found}; on the {t.held_out_queries} held-out queries recall {recall}"
