"""What the commands print besides their own lines: a run's table and details, progress on stderr."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from vectorscout.process.progress import Progress, StageClock
from vectorscout.results.analysis import engine_label
from vectorscout.results.records import ResultRow, Run

if TYPE_CHECKING:
    pass


def streaming_text(rows: list[ResultRow]) -> str:
    """The streaming rows' summary and each one's windows as text ("" when the run did not stream)."""
    from vectorscout.reporting.tables import stream_summary_table, stream_windows_table

    streamed = [r for r in rows if r.streaming is not None]
    if not streamed:
        return ""
    parts = ["", "streaming and freshness:", stream_summary_table(streamed).to_string(index=False)]
    for row in streamed:
        parts += ["", f"{engine_label(row)} ({row.index}) during the stream:", stream_windows_table(row).to_string(index=False)]
    return "\n".join(parts)


def hybrid_text(rows: list[ResultRow]) -> str:
    """The hybrid rows' quality table as text ("" when the run measured vector search only)."""
    from vectorscout.reporting.tables import HYBRID_NOTE, hybrid_table

    hybrid = [r for r in rows if r.hybrid is not None]
    if not hybrid:
        return ""
    return "\n".join(["", "hybrid search quality:", hybrid_table(hybrid).to_string(index=False), "", HYBRID_NOTE])


def details_text(rows: list[ResultRow]) -> str:
    """What follows a run's table: how tuned settings were found, the streaming and hybrid figures."""
    from vectorscout.reporting.tables import tuning_lines

    tuned = tuning_lines(rows)
    parts = ["\n".join(["", "tuned to a recall target (each setting read on queries other than those that chose it):",
                         *tuned]) if tuned else "", streaming_text(rows), hybrid_text(rows)]
    return "\n".join(part for part in parts if part)


def run_text(run: Run, header: str) -> str:
    """A run as `run` and `runs show` print it: a header line, the shared results table, then the details."""
    from vectorscout.reporting.tables import results_text

    return "\n".join([header, results_text(run.results), details_text(run.results)])


def print_progress_lines() -> Any:
    """Progress on stderr: a redrawn bar per stage in a terminal, else a line per tenth (readable in a log)."""
    last: dict[str, Any] = {}
    clock = StageClock()
    terminal = sys.stderr.isatty()

    def show(event: Progress) -> None:
        elapsed, eta = clock.observe(event)
        left = f", ETA {eta:.0f} s" if eta is not None and event.done < event.total else ""
        if terminal:
            filled = int(24 * event.fraction)
            line = (f"\r[{event.engine}] {event.stage} [{'#' * filled}{'.' * (24 - filled)}] "
                    f"{100 * event.fraction:3.0f}% ({elapsed:.1f} s{left})")
            print(line[:150].ljust(last.get("width", 0)), end="\n" if event.done >= event.total else "",
                  file=sys.stderr, flush=True)
            last["width"] = min(150, len(line))
            return
        key = (event.engine, event.stage, int(10 * event.fraction))
        if last.get("key") == key:
            return
        last["key"] = key
        print(f"[{event.engine}] {event.stage}: {event.done:,}/{event.total:,} ({elapsed:.1f} s{left})",
              file=sys.stderr, flush=True)

    return show
