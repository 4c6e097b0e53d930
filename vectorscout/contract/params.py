"""A tunable parameter as engines declare it, and the error a bad value raises (forms and the CLI read both)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


class ParamError(ValueError):
    """A parameter value that is unknown, of the wrong type or out of range."""


@dataclass(frozen=True)
class Param:
    """One tunable parameter; the dashboard derives its widget from this declaration."""

    name: str
    type: type
    default: Any
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    secret: bool = False
    # A default grid for parameter sweeps: a few values spanning the useful range.
    sweep: tuple[Any, ...] = ()
    # What a form calls it; empty: the name (an engine's parameters keep the names its documentation uses)
    label: str = ""

    def coerce(self, raw: Any) -> Any:
        """Turn a raw value (often a string from the CLI) into a valid value of this parameter."""
        value: Any
        try:
            if self.type is bool and isinstance(raw, str):
                lowered = raw.strip().lower()
                if lowered not in {"true", "false", "1", "0", "yes", "no"}:
                    raise ValueError(raw)
                value = lowered in {"true", "1", "yes"}
            elif self.type is bool and not isinstance(raw, bool) and raw not in (0, 1):
                raise ValueError(raw)  # bool([1, 2]) would be True: only true/false, yes/no or 1/0
            elif self.type in (int, float) and isinstance(raw, bool):
                raise ValueError(raw)  # int(True) would be 1
            elif self.type is int and isinstance(raw, float) and not raw.is_integer():
                raise ValueError(raw)
            elif self.type is int and isinstance(raw, str):
                value = int(raw.strip())
            else:
                value = self.type(raw)
            if self.type is float and not math.isfinite(value):
                raise ValueError(raw)  # NaN passes every bound check; infinity is no setting
        except (TypeError, ValueError):
            raise ParamError(f"{self.name} must be {self.type.__name__}, got {raw!r}") from None
        if self.choices and value not in self.choices:
            allowed = ", ".join(str(c) for c in self.choices)
            raise ParamError(f"{self.name} must be one of {allowed}, got {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise ParamError(f"{self.name} must be at least {self.minimum:g}, got {value!r}")
        if self.maximum is not None and value > self.maximum:
            raise ParamError(f"{self.name} must be at most {self.maximum:g}, got {value!r}")
        return value
