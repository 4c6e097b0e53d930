"""Memory per vector from each engine's documented layout (knowledge/memory.yaml), calibrated by runs.

The model says what a vector costs in RAM, term by term (vectors, graph links, ids, compressed codes) and
what stays on disk; each term names its source. Measured runs calibrate it: RSS at two or more dataset
sizes, fitted as fixed + per-vector, against the model at the measured dimension. A single small run is
never scaled linearly (its fixed start-up memory would be charged per vector).
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from adapters.registry import UnknownEngine, adapter_class

MEMORY_FILE = Path(__file__).resolve().parent / "knowledge" / "memory.yaml"
PAGE_BYTES = 8192
PAGE_USABLE = 8192 - 24 - 8  # page header and special space (pgvector index pages)
LINE_POINTER = 4
DISAGREEMENT = 2.0  # a calibration further than this factor from the model is flagged, not used


class MemoryModelError(ValueError):
    """An engine or index type the model has no entry for."""


@dataclass(frozen=True)
class MemoryTerm:
    name: str  # vectors, graph, ids, codes, pages
    bytes_per_vector: float


@dataclass(frozen=True)
class MemoryBreakdown:
    """RAM and disk per vector for one engine, index and dimension, by term."""

    engine: str
    index: str
    dim: int
    terms: tuple[MemoryTerm, ...]
    runtime_factor: float
    disk_bytes_per_vector: float
    note: str  # e.g. "original vectors on disk; scalar-quantized codes in RAM"
    source: str

    @property
    def ram_bytes_per_vector(self) -> float:
        return self.runtime_factor * sum(term.bytes_per_vector for term in self.terms)

    def to_dict(self) -> dict[str, Any]:
        return {"engine": self.engine, "index": self.index, "dim": self.dim,
                "terms": {term.name: round(term.bytes_per_vector, 1) for term in self.terms},
                "runtime_factor": self.runtime_factor, "ram_bytes_per_vector": round(self.ram_bytes_per_vector, 1),
                "disk_bytes_per_vector": round(self.disk_bytes_per_vector, 1), "note": self.note,
                "source": self.source}


@cache
def _knowledge() -> dict[str, Any]:
    engines: dict[str, Any] = yaml.safe_load(MEMORY_FILE.read_text())["engines"]
    return engines


def _entry(engine: str, index: str, option: str | None = None) -> dict[str, Any]:
    indexes = _knowledge().get(engine)
    if indexes is None or index not in indexes:
        raise MemoryModelError(f"no memory model for {engine} {index}")
    entry: dict[str, Any] = indexes[index]
    if "like" in entry:
        # another index's layout with this entry's own terms and source over it
        entry = {**_entry(engine, entry["like"]), **{k: v for k, v in entry.items() if k != "like"}}
    if option is not None:
        chosen = next((o for o in options(engine) if o["name"] == option), None)
        if chosen is None:
            raise MemoryModelError(f"{engine} has no memory option {option!r}")
        entry = {**entry, **chosen}  # the option's figures and source (its name and index are not read)
    return entry


def options(engine: str) -> list[dict[str, Any]]:
    """The engine's documented ways to hold less in RAM (memory.yaml), each naming the index it applies to."""
    found: list[dict[str, Any]] = _knowledge().get(engine, {}).get("options", [])
    return found


def _build_params(engine: str, index: str, given: dict[str, Any]) -> dict[str, Any]:
    """The index's build parameters: the adapter's declared defaults, overridden by those given."""
    try:
        spec = adapter_class(engine).capabilities.index(index)
    except (UnknownEngine, ValueError):
        return dict(given)
    return {**spec.build_defaults(), **given}


def _maxalign(size: float) -> float:
    return float(math.ceil(size / 8) * 8)


def _per_page(tuple_bytes: float) -> float:
    """Bytes per vector on 8 KB pages holding whole tuples of this size (with their line pointers)."""
    fits = max(1, int(PAGE_USABLE // (tuple_bytes + LINE_POINTER)))
    return PAGE_BYTES / fits


def _heap_bytes(datum: float) -> float:
    # heap tuple header 24 B, an 8-byte id and the vector datum (stored out of line when over about 2 KB)
    return _per_page(_maxalign(24 + 8 + datum)) if datum < 2000 else 24 + 8 + datum + 18


def _page_layout(kind: str, dim: int, params: dict[str, Any], component_bytes: float,
                 heap_component_bytes: float) -> tuple[tuple[MemoryTerm, ...], float, str]:
    """pgvector: the index pages a search keeps hot (RAM) and the index plus the table (disk). The index may
    hold a smaller copy (an expression index over halfvec or bits) than the table's column."""
    datum = component_bytes * dim + 8  # vector: 4 * d + 8; halfvec: 2 * d + 8; bit: d / 8 + 8
    heap = _heap_bytes(heap_component_bytes * dim + 8)
    if kind == "hnsw":
        m = int(params["m"])  # the adapter's declared default when the run did not set it (_build_params)
        element = _maxalign(72 + datum)  # HNSW_ELEMENT_TUPLE_SIZE
        neighbours = _maxalign(4 + 2 * m * 6)  # HNSW_NEIGHBOR_TUPLE_SIZE at layer 0: 2*m heap TIDs of 6 bytes
        index = _per_page(element + neighbours + LINE_POINTER)
        return (MemoryTerm("index pages", index),), index + heap, "the HNSW index pages kept in memory; the table on disk"
    if kind == "ivfflat":
        index = _per_page(_maxalign(8 + datum))
        return (MemoryTerm("index pages", index),), index + heap, "the IVFFlat lists kept in memory; the table on disk"
    return (MemoryTerm("table pages", heap),), heap, "a sequential scan reads the whole table: kept in memory"


def model(engine: str, index: str, dim: int, build_params: dict[str, Any] | None = None,
          option: str | None = None) -> MemoryBreakdown:
    """RAM and disk per vector for this engine, index type and dimension (and memory option, by name), from
    the documented layout."""
    entry = _entry(engine, index, option)
    params = _build_params(engine, index, build_params or {})
    if "page_layout" in entry:
        component = float(entry.get("component_bytes", 4))
        pages, disk, note = _page_layout(entry["page_layout"], dim, params, component,
                                         float(entry.get("heap_component_bytes", component)))
        return MemoryBreakdown(engine, index, dim, pages, 1.0, disk, note, entry["source"])
    # every entry states its own figures (memory.yaml): no default stands in for a number nobody read
    raw = dim * float(entry["component_bytes"])
    in_ram = bool(entry.get("vectors_in_ram", True))
    terms = [MemoryTerm("vectors", raw if in_ram else 0.0)]
    if "degree_param" in entry:
        degree = float(params.get(entry["degree_param"], 16))
        links = entry["layer0_links_per_degree"] * degree * entry["link_bytes"]
        terms.append(MemoryTerm("graph", links * entry["graph_factor"]))
    chosen_code_bytes = int(params.get(entry.get("code_bytes_param", ""), 0) or 0)  # PQ's m, when a run set it
    if chosen_code_bytes or entry.get("code_bytes_per_dim"):
        terms.append(MemoryTerm("codes", chosen_code_bytes or dim * float(entry["code_bytes_per_dim"])))
    terms.append(MemoryTerm("ids", float(entry.get("id_bytes", 0))))
    index_disk = sum(t.bytes_per_vector for t in terms if t.name != "vectors")
    kept = [name for name, present in (("compressed codes", entry.get("code_bytes_per_dim") or chosen_code_bytes),
                                       ("the graph", "degree_param" in entry)) if present]
    note = "vectors in memory" if in_ram else "original vectors on disk; " + (
        " and ".join(kept) + " in memory" if kept else "read from disk per query")
    return MemoryBreakdown(engine, index, dim, tuple(terms), float(entry.get("runtime_factor", 1.0)),
                           raw + index_disk, note, entry["source"])


def vendor_rules(engine: str) -> list[dict[str, Any]]:
    """The vendor's own sizing rules for this engine, as written in memory.yaml."""
    rules: list[dict[str, Any]] = _knowledge().get(engine, {}).get("vendor_rules", [])
    return rules


def vendor_rule_bytes(rule: dict[str, Any], dim: int, degree: int) -> float:
    """Bytes per vector by a vendor rule: its arithmetic over dim and the degree (by any of its names)."""
    names = {"dim": dim, "M": degree, "m": degree, "max_connections": degree}
    return _arithmetic(ast.parse(str(rule["bytes_per_vector"]), mode="eval").body, names)


def _arithmetic(node: ast.expr, names: dict[str, int]) -> float:
    """+, -, *, / over numbers and known names: enough for a sizing rule, nothing else is evaluated."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.Name) and node.id in names:
        return float(names[node.id])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
        left, right = _arithmetic(node.left, names), _arithmetic(node.right, names)
        operations = {ast.Add: left + right, ast.Sub: left - right, ast.Mult: left * right}
        return operations[type(node.op)] if not isinstance(node.op, ast.Div) else left / right
    raise MemoryModelError(f"a sizing rule may use numbers, {', '.join(names)} and + - * / only")


@dataclass(frozen=True)
class Calibration:
    """The measured memory of an engine against the model at the measured dimension."""

    points: tuple[tuple[int, float], ...]  # (vectors, bytes above the empty engine) per run
    measured_bytes_per_vector: float | None  # the fitted slope; None from fewer than two sizes
    fixed_bytes: float | None  # the fitted intercept: the engine's memory before its data
    modelled_bytes_per_vector: float
    ratio: float | None = None  # measured / modelled
    verdict: str = ""
    used: bool = False  # whether sizing scales the model by the ratio


def calibrate(points: list[tuple[int, float]], modelled: float) -> Calibration:
    """Fit fixed + per-vector over the measured sizes and compare with the model."""
    distinct = sorted({n for n, _ in points})
    if len(distinct) < 2:
        verdict = ("not calibrated: memory measured at one size only (a single run's fixed start-up memory "
                   "cannot be told from its per-vector memory); run at two sizes to calibrate") if points else \
                  "not calibrated: no isolated run measured memory"
        return Calibration(tuple(sorted(points)), None, None, modelled, verdict=verdict)
    xs = [float(n) for n, _ in points]
    ys = [used for _, used in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)
    intercept = mean_y - slope * mean_x
    ratio = slope / modelled if modelled > 0 else None
    if ratio is None or slope <= 0 or not 1 / DISAGREEMENT <= ratio <= DISAGREEMENT:
        shown = "n/a" if ratio is None else f"{ratio:.2f}x"
        return Calibration(tuple(sorted(points)), slope, intercept, modelled, ratio,
                           f"measured {slope:,.0f} B/vector disagrees with the model's {modelled:,.0f} ({shown}): "
                           "the model is used; check the runs (other load on the machine, sizes too small)")
    return Calibration(tuple(sorted(points)), slope, max(0.0, intercept), modelled, ratio,
                       f"calibrated over {len(distinct)} sizes: measured {slope:,.0f} B/vector, model {modelled:,.0f} "
                       f"({ratio:.2f}x)", used=True)
