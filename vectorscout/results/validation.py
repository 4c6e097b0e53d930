"""Checks of a run document from outside (`runs import`, a workshop file) before anything is stored: every field
of the run and of each row has the type the records declare, the run id is a plain name and the dates are
dates. A document that passes can be shown on every page; one that does not is refused with the place and the
reason in one line, and nothing is written."""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from vectorscout.results.records import Run

RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")  # a file-safe name: no separators, no "..", no spaces
MAX_TEXT = 100_000  # characters in any one text field (an error message, a label)
MAX_NUMBER = 1e15  # larger than any figure a benchmark records (vectors, bytes, microseconds)
MAX_K = 10_000
FUTURE_SLACK = timedelta(days=1)  # clocks of the machine that exported and of this one may disagree a little


class RunDocumentError(ValueError):
    """A run document that is not what VectorScout exports: its message says where and why."""


def check_run_document(data: Any) -> None:
    """Refuse (RunDocumentError) a run document any of whose fields is not what the records declare."""
    _check(data, Run, "run")
    if not RUN_ID.fullmatch(data["run_id"]) or ".." in data["run_id"]:
        raise RunDocumentError(f"run_id {_shown(data['run_id'])}: expected letters, digits, '-', '_' or '.' "
                               "(at most 100, no '..')")
    if not 1 <= data["k"] <= MAX_K:
        raise RunDocumentError(f"k: {data['k']} is outside 1..{MAX_K}")
    for name in ("created_at", "finished_at"):
        if data.get(name) is not None:
            _check_date(data[name], name)


def _check_date(text: str, where: str) -> None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RunDocumentError(f"{where}: {_shown(text)} is not a date and time (ISO 8601)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment > datetime.now(UTC) + FUTURE_SLACK:
        raise RunDocumentError(f"{where}: {_shown(text)} is in the future")


def _check(value: Any, expected: Any, where: str) -> None:
    """value against a declared type: a record (dataclass), a union, a literal, a list, a dict or a scalar."""
    if dataclasses.is_dataclass(expected) and isinstance(expected, type):
        check_record(value, expected, where)
        return
    origin, args = typing.get_origin(expected), typing.get_args(expected)
    if expected is Any:
        return
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return
        options = [a for a in args if a is not type(None)]
        errors = []
        for option in options:
            try:
                _check(value, option, where)
                return
            except RunDocumentError as exc:
                errors.append(exc)
        raise errors[0]
    if origin is Literal:
        if value not in args:
            raise RunDocumentError(f"{where}: {_shown(value)} is not one of {', '.join(map(str, args))}")
        return
    if origin is list:
        if not isinstance(value, list):
            raise RunDocumentError(f"{where}: expected a list, got {_kind(value)}")
        for i, item in enumerate(value):
            _check(item, args[0] if args else Any, f"{where}[{i}]")
        return
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
            raise RunDocumentError(f"{where}: expected an object with text keys, got {_kind(value)}")
        for key, item in value.items():
            _check(item, args[1] if args else Any, f"{where}.{key}")
        return
    _check_scalar(value, expected, where)


def check_record(value: Any, record: type, where: str) -> None:
    """Refuse (RunDocumentError) a document from outside any of whose fields is not what ``record`` declares."""
    if not isinstance(value, dict):
        raise RunDocumentError(f"{where}: expected an object, got {_kind(value)}")
    hints = typing.get_type_hints(record)
    for spec in dataclasses.fields(record):
        required = spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
        if spec.name not in value:
            if required:
                raise RunDocumentError(f"{where}: {spec.name} is missing")
            continue
        _check(value[spec.name], hints[spec.name], f"{where}.{spec.name}" if where != "run" else spec.name)


def _check_scalar(value: Any, expected: Any, where: str) -> None:
    if expected is bool:
        if not isinstance(value, bool):
            raise RunDocumentError(f"{where}: expected true or false, got {_kind(value)}")
    elif expected is int:
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_NUMBER:
            raise RunDocumentError(f"{where}: expected a whole number, got {_kind(value)}")
    elif expected is float:
        # NaN and infinity pass: a figure nothing could be computed for is stored so, and reads "not measured"
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                math.isfinite(value) and abs(value) > MAX_NUMBER):
            raise RunDocumentError(f"{where}: expected a number, got {_kind(value)}")
    elif expected is str:
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise RunDocumentError(f"{where}: expected a text of at most {MAX_TEXT:,} characters, got {_kind(value)}")
    else:  # a declared type this checker does not know: a new field needs a rule here, not a silent pass
        raise RunDocumentError(f"{where}: no check for the declared type {expected!r}")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, str):
        return f"the text {_shown(value)}" if len(value) <= MAX_TEXT else f"a text of {len(value):,} characters"
    if isinstance(value, int | float):
        return f"{value!r}"
    if isinstance(value, dict):
        return "an object"
    return "a list" if isinstance(value, list) else type(value).__name__


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "...'"
