"""The text form of a spec, ``name:key=value,...``, as datasets, engines and plans write it."""

from __future__ import annotations


class SpecError(ValueError):
    """A malformed or invalid spec; the message says what is allowed."""


def parse_spec(text: str) -> tuple[str, dict[str, str]]:
    """``"name:a=1,b=x"`` -> ``("name", {"a": "1", "b": "x"})``."""
    name, _, rest = text.strip().partition(":")
    if not name:
        raise SpecError(f"{text!r}: a name is missing before ':'")
    options: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip() or not value.strip():
            raise SpecError(f"{text!r}: {item!r} is not key=value")
        if key.strip() in options:
            raise SpecError(f"{text!r}: {key.strip()!r} is given twice")
        options[key.strip()] = value.strip()
    return name.strip().lower(), options
