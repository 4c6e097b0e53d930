"""Reading a report's embedded plans back, to measure them again and show old and new side by side."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from vectorscout.benchmarking.plan import RunPlan
from vectorscout.reporting.sections import REPRODUCTION_ID, ReportError
from vectorscout.results.records import Run


def read_reproduction(path: Path) -> dict[str, Any]:
    """The embedded plans of a report: from report.html or report.json (or the folder holding them)."""
    if path.is_dir():
        path = path / "report.json" if (path / "report.json").exists() else path / "report.html"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"cannot read {path}: {exc.strerror}") from None
    try:
        if path.suffix.lower() in (".html", ".htm"):
            found = re.search(rf"<script type='application/json' id='{REPRODUCTION_ID}'>(.*?)</script>", text, re.S)
            if not found:
                raise ReportError(f"{path} is not a VectorScout report (no embedded plans)")
            document = json.loads(found.group(1))
        else:
            document = json.loads(text).get("reproduction")
    except (json.JSONDecodeError, AttributeError):
        raise ReportError(f"{path}: the embedded plans are not valid JSON") from None
    if not isinstance(document, dict) or not document.get("runs"):
        raise ReportError(f"{path} holds no plans to rerun")
    return document


def plan_from_public(public: dict[str, Any]) -> RunPlan:
    """The plan a report measured, to run again exactly; only its label says it is a rerun."""
    plan = RunPlan.from_public(public)
    plan.label = f"rerun of {public.get('label') or 'report'}"
    return plan


def side_by_side(old: Run, new: Run) -> list[dict[str, Any]]:
    """Old and new figures per (engine, index, setting, clients), with the QPS ratio."""
    def key(row: Any) -> tuple[Any, ...]:
        return (row.engine, row.index, json.dumps(row.build_params, sort_keys=True),
                json.dumps(row.search_params, sort_keys=True), row.concurrency)

    before = {key(r): r for r in old.results}
    lines = []
    for row in new.results:
        was = before.get(key(row))
        lines.append({
            "engine": row.engine, "setting": " ".join([row.index, *(f"{k}={v}" for k, v in row.search_params.items())]),
            "clients": row.concurrency, "recall_old": was.recall if was else None, "recall_new": row.recall,
            "qps_old": was.qps if was else None, "qps_new": row.qps,
            "p95_ms_old": was.latency_p95_ms if was else None, "p95_ms_new": row.latency_p95_ms,
            "qps_ratio": (row.qps / was.qps) if was and was.qps and row.qps else None,
            "status_old": was.status if was else "absent", "status_new": row.status,
        })
    return lines


