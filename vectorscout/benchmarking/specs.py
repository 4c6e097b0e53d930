"""Text specs the CLI and plans use: ``name:key=value,key=value`` for datasets and engines.

An engine spec's keys are routed by the adapter's own declarations: ``index`` picks the index type,
the index's build parameters fix how it is built, its search parameters (``a|b|c`` for several values)
form the sweep one index is run over, and the adapter's connection options say where the engine lives.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.registry import UnknownEngine, adapter_class
from vectorscout.contract.params import ParamError
from vectorscout.contract.spec_text import SpecError, parse_spec


@dataclass
class EngineConfig:
    """One engine with a fixed index build and the search settings to sweep it over."""

    engine: str
    index: str
    build_params: dict[str, Any]
    search_grid: list[dict[str, Any]]
    # Where the engine lives (URL, API key): used to connect, never stored with results.
    connection: dict[str, Any] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        """What may be stored and shown: everything but the connection options."""
        return {"engine": self.engine, "index": self.index, "build_params": self.build_params,
                "search_grid": self.search_grid}


def engine_config(
    engine: str, options: Mapping[str, Any] | None = None, search_grid: list[Mapping[str, Any]] | None = None
) -> EngineConfig:
    """Validate options against the adapter's declared parameter spaces and fill in defaults."""
    try:
        cls = adapter_class(engine)
    except UnknownEngine as exc:
        raise SpecError(str(exc)) from None
    raw = dict(options or {})
    try:
        spec = cls.capabilities.index(raw.pop("index", None))
        build_decl = {p.name: p for p in spec.build_params}
        search_decl = {p.name: p for p in spec.search_params}
        connection_decl = {p.name for p in cls.connection_params}
        build = spec.build_defaults()
        sweeps: dict[str, list[Any]] = {name: [p.default] for name, p in search_decl.items()}
        connection: dict[str, Any] = {}
        for key, value in raw.items():
            if key in build_decl:
                build[key] = build_decl[key].coerce(value)
            elif key in search_decl:
                values = _as_values(value)
                sweeps[key] = [search_decl[key].coerce(v) for v in values]
            elif key in connection_decl:
                connection[key] = value
            else:
                allowed = ["index", *build_decl, *search_decl, *connection_decl]
                raise SpecError(
                    f"{cls.name}: unknown parameter {key!r} for index {spec.name!r}; allowed: {', '.join(allowed)}"
                )
        if search_grid is not None:
            grid = [{k: search_decl[k].coerce(v) for k, v in point.items() if _known(k, search_decl, cls.name)}
                    for point in search_grid]
        else:
            names = list(sweeps)
            grid = [dict(zip(names, combo)) for combo in itertools.product(*(sweeps[n] for n in names))]
        cls.coerce_connection(connection)
    except ParamError as exc:
        raise SpecError(f"{cls.name}: {exc}") from None
    return EngineConfig(cls.name, spec.name, build, grid or [{}], connection)


def _as_values(value: Any) -> list[Any]:
    """A sweep given as ``"a|b|c"``, a list, or one value."""
    if isinstance(value, str):
        return value.split("|")
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _known(key: str, declared: Mapping[str, Any], engine: str) -> bool:
    if key not in declared:
        raise SpecError(f"{engine}: unknown search parameter {key!r}; allowed: {', '.join(declared) or 'none'}")
    return True


def parse_engines(text: str) -> list[EngineConfig]:
    """``"faiss,chroma:ef_search=32|64"`` -> one config per engine.

    Commas separate both engines and options; a segment containing '=' belongs to the engine before it.
    """
    configs: list[tuple[str, list[str]]] = []
    for segment in (s.strip() for s in text.split(",")):
        if not segment:
            continue
        name, colon, first_option = segment.partition(":")
        if "=" in name:
            if not configs:
                raise SpecError(f"{segment!r} is an option but no engine comes before it")
            configs[-1][1].append(segment)
            continue
        configs.append((name, [first_option] if colon and first_option else []))
    if not configs:
        raise SpecError("no engine given")
    result = []
    seen: set[str] = set()
    for name, option_texts in configs:
        _, options = parse_spec(name + ":" + ",".join(option_texts))
        config = engine_config(name.strip(), options)
        # the same engine embedded and as a server is two measurements, not a repeat
        key = f"{config.engine}|{config.index}|{sorted(config.build_params.items())}|{sorted(config.connection.items())}"
        if key in seen:
            raise SpecError(f"engine {config.engine!r} with the same index settings and connection is given twice")
        seen.add(key)
        result.append(config)
    return result
