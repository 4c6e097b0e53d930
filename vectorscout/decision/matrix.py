"""The sourced feature matrix (knowledge/features.yaml): what each engine offers, per deployment mode.

A cell is read from one page of the engine's documentation and carries that page's https URL, the date it
was read (`as_of`) and the engine release it applies to. A cell may differ per deployment mode (Chroma's
keyword search exists only in Chroma Cloud; Milvus Lite does not replicate); a mode the engine does not
offer is an explicit `none` cell under `modes`. Engine limits (dimensions per vector type, metrics, vector
types) are cells too, so every figure the recommendation uses names where it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from vectorscout.contract.deployment import DeploymentMode
from vectorscout.glossary import IDENTIFIER

KNOWLEDGE = Path(__file__).resolve().parent / "knowledge"
# unknown: no page read states it; scores as none, never excludes, and the reason says it is undocumented
LEVELS = {"full": 1.0, "partial": 0.5, "none": 0.0, "unknown": 0.0}
# The deployment modes (contract/deployment.py) and how a sentence names each.
MODES = tuple(DeploymentMode)
MODE_LABELS = {DeploymentMode.EMBEDDED: "embedded in the application",
               DeploymentMode.SINGLE_SERVER: "as a self-hosted single server",
               DeploymentMode.CLUSTER: "as a self-hosted cluster", DeploymentMode.MANAGED_CLOUD: "as a managed cloud service"}
FEATURES = (
    "quantization_scalar", "quantization_product", "quantization_binary", "disk_index", "filtering",
    "hybrid_bm25", "sparse_vectors", "multi_vector", "multi_tenancy", "sharding", "replication", "rbac", "tls",
    "encryption_at_rest", "audit_logging", "backups", "multi_region", "sql_joins_transactions",
    "deletes_updates", "fresh_writes", "zero_downtime_reindex", "langchain", "llamaindex",
)
LIMITS = ("max_dimensions", "metrics", "vector_types")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A vendor's page in another language (milvus.io/docs/ja/..., milvus.io/fr/blog/..., docs.zilliz.com/ja-JP/...):
# the report's references are read by an English-speaking workshop, and these vendors publish English pages.
TRANSLATED = re.compile(r"^https://[^/]+/(?:docs/|blog/)?(?:ja|zh|fr|de|ko|es|pt|it|ru|ar|id|ja-JP|zh-CN|ko-KR)/")


class MatrixError(ValueError):
    """A features.yaml entry that does not follow the rules (a cell without a URL or date, a bad level)."""


@dataclass(frozen=True)
class Cell:
    """One sourced statement: a level (full/partial/none, or a limit's value) and where it was read."""

    level: str
    comment: str
    source_url: str
    as_of: str
    version: str

    @property
    def value(self) -> float:
        return LEVELS.get(self.level, 0.0)


@dataclass(frozen=True)
class EngineProfile:
    key: str
    name: str
    version: str
    license: str
    language: str
    modes: dict[DeploymentMode, Cell]  # every mode of MODES: level none = not offered, with why
    # language -> mode ("any" or a mode that differs) -> an official client usable in that mode (embedded: the
    # engine runs inside a process of this language); a language not listed has none
    sdks: dict[str, dict[str, Cell]]
    features: dict[str, dict[str, Cell]]  # feature -> mode ("any" or a mode that differs) -> cell
    limits: dict[str, dict[str, Cell]]  # max_dimensions -> vector type -> cell; metrics / vector_types -> name -> cell
    # What sets an engine apart beyond its features: runs_in_postgres, library (see features.yaml)
    traits: frozenset[str] = frozenset()
    # mode -> limit -> kind -> cell: a limit category that differs in that mode (Milvus Lite's vector types)
    mode_limits: dict[str, dict[str, dict[str, Cell]]] = field(default_factory=dict)
    # mode -> the license of what runs in that mode, when it is not the engine's (LanceDB's distributed product)
    licenses: dict[str, Cell] = field(default_factory=dict)

    def offers(self, mode: DeploymentMode) -> bool:
        return self.modes[mode].level != "none"

    @property
    def offered_modes(self) -> tuple[DeploymentMode, ...]:
        return tuple(m for m in MODES if self.offers(m))

    def cell(self, feature: str, mode: str) -> Cell:
        """The feature as the engine offers it when deployed this way."""
        per_mode = self.features[feature]
        return per_mode.get(mode) or per_mode["any"]

    def limit(self, name: str, mode: str | None = None) -> dict[str, Cell]:
        """One limit category (max_dimensions, metrics, vector_types) as it holds in this mode."""
        return self.mode_limits.get(mode or "", {}).get(name, self.limits[name])

    def max_dimensions(self, vector_type: str, mode: str | None = None) -> Cell | None:
        return self.limit("max_dimensions", mode).get(vector_type)

    def dimension_limit_passed(self, dims: int, vector_type: str, mode: str | None = None) -> Cell | None:
        """The indexed-dimension limit of this vector type when the dimensions pass it, else None."""
        ceiling = self.max_dimensions(vector_type, mode)
        return ceiling if ceiling is not None and dims > int(ceiling.level) else None

    def vector_type_that_fits(self, dims: int, instead_of: str, mode: str | None = None) -> str | None:
        """Another vector type the engine stores and indexes at these dimensions (e.g. pgvector's halfvec)."""
        return next((t for t, cell in self.limit("max_dimensions", mode).items() if dims <= int(cell.level)
                     and t != instead_of and self.supports("vector_types", t, mode)), None)

    def supports(self, limit: str, name: str, mode: str | None = None) -> Cell | None:
        """The cell saying the engine supports this metric or vector type (in this mode), or None."""
        return self.limit(limit, mode).get(name)

    def sdk(self, language: str, mode: str) -> Cell | None:
        """The official client of this language as usable in this mode, or None (not listed, or none there)."""
        per_mode = self.sdks.get(language)
        cell = None if per_mode is None else per_mode.get(mode) or per_mode["any"]
        return cell if cell is not None and cell.level != "none" else None

    def sdk_languages(self, mode: str) -> list[str]:
        return [language for language in self.sdks if self.sdk(language, mode) is not None]

    def license_in(self, mode: str) -> tuple[str, Cell | None]:
        """The license of what runs in this mode, and the cell that says so when it differs from the engine's."""
        cell = self.licenses.get(mode)
        return (cell.level, cell) if cell is not None else (self.license, None)


def parse_cell(text: Any, version: str, where: str, levels: frozenset[str] | None = None) -> Cell:
    """`level | comment | https URL | YYYY-MM-DD [| version]`; the version defaults to the engine's."""
    parts = [part.strip() for part in str(text).split(" | ")]
    if len(parts) not in (4, 5):
        raise MatrixError(f"features.yaml {where}: expected 'level | comment | source URL | as_of', got {text!r}")
    level, comment, url, as_of = parts[:4]
    if levels is not None and level not in levels:
        raise MatrixError(f"features.yaml {where}: level {level!r} is not one of {', '.join(sorted(levels))}")
    if not comment:
        raise MatrixError(f"features.yaml {where}: a cell needs a comment")
    if named := IDENTIFIER.search(comment):
        raise MatrixError(f"features.yaml {where}: comment names {named.group()!r}, which a report would show as "
                          f"code: write it as a call ({named.group()}()), an option ({named.group()}=…) or in words")
    if not url.startswith("https://"):
        raise MatrixError(f"features.yaml {where}: source {url!r} is not an https URL")
    if TRANSLATED.search(url):
        raise MatrixError(f"features.yaml {where}: source {url!r} is a translated page; cite the English one")
    if not DATE.match(as_of):
        raise MatrixError(f"features.yaml {where}: as_of {as_of!r} is not a date (YYYY-MM-DD)")
    return Cell(level, comment, url, as_of, parts[4] if len(parts) == 5 else version)


def _per_mode(raw: Any, version: str, where: str) -> dict[str, Cell]:
    entries = raw if isinstance(raw, dict) else {"any": raw}
    unknown = set(entries) - {"any", *MODES}
    if unknown or "any" not in entries:
        raise MatrixError(f"features.yaml {where}: needs an 'any' cell and only modes of {', '.join(MODES)}")
    return {mode: parse_cell(text, version, f"{where}.{mode}", frozenset(LEVELS)) for mode, text in entries.items()}


def _profile(key: str, entry: dict[str, Any]) -> EngineProfile:
    version = str(entry["version"])
    missing = set(MODES) - set(entry["modes"]) or set(FEATURES) - set(entry["features"]) or set(LIMITS) - set(entry["limits"])
    if missing:
        raise MatrixError(f"features.yaml {key}: missing {', '.join(sorted(missing))}")
    levels = frozenset(LEVELS)
    modes = {m: parse_cell(entry["modes"][m], version, f"{key}.modes.{m}", levels) for m in MODES}
    sdks = {lang: _per_mode(text, version, f"{key}.sdks.{lang}") for lang, text in entry["sdks"].items()}
    features = {f: _per_mode(entry["features"][f], version, f"{key}.{f}") for f in FEATURES}
    limits = _limits(entry["limits"], version, f"{key}.limits", LIMITS)
    by_mode = entry.get("limits_by_mode", {})
    if set(by_mode) - set(MODES):
        raise MatrixError(f"features.yaml {key}.limits_by_mode: only modes of {', '.join(MODES)}")
    mode_limits = {mode: _limits(given, version, f"{key}.limits_by_mode.{mode}", tuple(given))
                   for mode, given in by_mode.items()}
    licenses = {mode: parse_cell(text, version, f"{key}.licenses.{mode}") for mode, text in entry.get("licenses", {}).items()}
    if set(licenses) - set(MODES):
        raise MatrixError(f"features.yaml {key}.licenses: only modes of {', '.join(MODES)}")
    return EngineProfile(key, entry["name"], version, entry["license"], entry["language"], modes, sdks, features,
                         limits, frozenset(entry.get("traits", ())), mode_limits, licenses)


def _limits(raw: dict[str, Any], version: str, where: str, names: tuple[str, ...]) -> dict[str, dict[str, Cell]]:
    unknown = set(names) - set(LIMITS)
    if unknown:
        raise MatrixError(f"features.yaml {where}: unknown limit {', '.join(sorted(unknown))}")
    limits = {name: {kind: parse_cell(text, version, f"{where}.{name}.{kind}") for kind, text in (raw[name] or {}).items()}
              for name in names}
    for vector_type, cell in limits.get("max_dimensions", {}).items():
        if not cell.level.isdigit():
            raise MatrixError(f"features.yaml {where}.max_dimensions.{vector_type}: {cell.level!r} is not a number")
    return limits


@cache
def feature_matrix() -> dict[str, EngineProfile]:
    raw = yaml.safe_load((KNOWLEDGE / "features.yaml").read_text())["engines"]
    return {key: _profile(key, entry) for key, entry in raw.items()}
