"""Results as JSON documents: strict JSON (no NaN or infinity), a run with its Pareto frontiers."""

from __future__ import annotations

import json
import math
from typing import Any

from vectorscout.results.analysis import frontier_json
from vectorscout.results.records import Run


def finite(value: Any) -> Any:
    """Replace non-finite floats by None, through dicts and lists, so the JSON output is strict."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


def run_document(run: Run) -> dict[str, Any]:
    """A run as JSON: everything stored, plus each engine's recall-QPS Pareto frontier."""
    document: dict[str, Any] = finite({**run.to_dict(), "pareto": frontier_json(run.results)})
    return document


def run_to_json(run: Run) -> str:
    return json.dumps(run_document(run), indent=2)
