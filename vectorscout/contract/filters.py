"""One engine-neutral filter expression, parsed from text and evaluated on payload columns.

Every adapter translates the same tree into its engine's own filter language, and the runner uses
``evaluate`` to compute filtered ground truth, so a filtered recall always compares like with like.
Field names are restricted to identifiers and values to literals: nothing from the user's text is ever
spliced into an engine query as code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import numpy as np

Scalar = int | float | str | bool
FIELD_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class FilterError(ValueError):
    """A filter expression that cannot be parsed or does not fit the dataset's payload columns."""


@dataclass(frozen=True)
class Eq:
    field: str
    value: Scalar


@dataclass(frozen=True)
class In:
    field: str
    values: tuple[Scalar, ...]


@dataclass(frozen=True)
class Range:
    """Numeric range; any bound may be absent, at least one is present."""

    field: str
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None


@dataclass(frozen=True)
class And:
    clauses: tuple[Filter, ...]


@dataclass(frozen=True)
class Or:
    clauses: tuple[Filter, ...]


Filter = Eq | In | Range | And | Or

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
      | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<op>==|<=|>=|<|>)
      | (?P<punct>[()\[\],])
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    stripped = text.rstrip()
    while pos < len(stripped):
        match = _TOKEN.match(stripped, pos)
        if match is None or match.end() == pos:
            at = len(stripped) - len(stripped[pos:].lstrip())  # the character itself, not the spaces before it
            raise FilterError(f"filter: unexpected character {stripped[at:at + 1]!r} at position {at}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


MAX_DEPTH = 32  # brackets within brackets: deeper is no real filter, and recursion has a limit


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FilterError(f"filter: {self.text!r} ends too early")
        self.pos += 1
        return token

    def expect(self, value: str) -> None:
        _, got = self.take()
        if got != value:
            raise FilterError(f"filter: expected {value!r} but found {got!r}")

    def is_word(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "word" and token[1].lower() == word

    def parse(self) -> Filter:
        tree = self.or_expr()
        if self.peek() is not None:
            raise FilterError(f"filter: unexpected {self.peek()[1]!r} after a complete expression")  # type: ignore[index]
        return tree

    def or_expr(self) -> Filter:
        clauses = [self.and_expr()]
        while self.is_word("or"):
            self.take()
            clauses.append(self.and_expr())
        return clauses[0] if len(clauses) == 1 else Or(tuple(clauses))

    def and_expr(self) -> Filter:
        clauses = [self.atom()]
        while self.is_word("and"):
            self.take()
            clauses.append(self.atom())
        return clauses[0] if len(clauses) == 1 else And(tuple(clauses))

    def atom(self) -> Filter:
        kind, value = self.take()
        if value == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise FilterError(f"filter: brackets nested deeper than {MAX_DEPTH} levels")
            inner = self.or_expr()
            self.expect(")")
            self.depth -= 1
            return inner
        if kind != "word" or value.lower() in {"and", "or", "in", "true", "false"}:
            raise FilterError(f"filter: expected a field name but found {value!r}")
        field = value
        if self.is_word("in"):
            self.take()
            self.expect("[")
            values = [self.literal()]
            while self.peek() == ("punct", ","):
                self.take()
                values.append(self.literal())
            self.expect("]")
            return In(field, tuple(values))
        op_kind, op = self.take()
        if op_kind != "op":
            raise FilterError(f"filter: expected ==, <, <=, > or >= after {field!r} but found {op!r}")
        literal = self.literal()
        if op == "==":
            return Eq(field, literal)
        if isinstance(literal, (str, bool)):
            raise FilterError(f"filter: {field} {op} needs a number, not {literal!r}")
        bound = float(literal)
        return {
            "<": Range(field, lt=bound),
            "<=": Range(field, lte=bound),
            ">": Range(field, gt=bound),
            ">=": Range(field, gte=bound),
        }[op]

    def literal(self) -> Scalar:
        kind, value = self.take()
        if kind == "number":
            number = float(value) if any(c in value for c in ".eE") else int(value)
            # engines hold 64-bit numbers: 1e999 (infinity) or 2**70 would be read differently by each of them
            if not math.isfinite(number) or (isinstance(number, int) and not -2**63 <= number < 2**63):
                raise FilterError(f"filter: the number {value} is out of range (a 64-bit integer or a finite float)")
            return number
        if kind == "string":
            return re.sub(r"\\(.)", r"\1", value[1:-1])
        if kind == "word" and value.lower() in {"true", "false"}:
            return value.lower() == "true"
        raise FilterError(f"filter: expected a number, a quoted string, true or false but found {value!r}")


def parse_filter(text: str) -> Filter:
    """Parse e.g. ``tag == 3 and (price < 5.5 or colour in ['red', 'blue'])``."""
    if not isinstance(text, str):
        raise FilterError(f"filter: expected text like \"tag == 3\", got {type(text).__name__}")
    if not text or not text.strip():
        raise FilterError("filter: the expression is empty")
    if len(text) > 10_000:
        raise FilterError("filter: the expression is longer than 10,000 characters")
    tree = _Parser(text).parse()
    for field in fields_of(tree):
        if not FIELD_PATTERN.match(field):
            raise FilterError(f"filter: field name {field!r} must be an identifier of at most 63 characters")
    return tree


def fields_of(tree: Filter) -> set[str]:
    if isinstance(tree, (And, Or)):
        return set().union(*(fields_of(clause) for clause in tree.clauses))
    return {tree.field}


Bound = tuple[str, float]  # one side of a range: (">" | ">=" | "<" | "<=", value)
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


def range_bounds(tree: Range) -> list[Bound]:
    """The bounds a range has, in the order >, >=, <, <=."""
    return [(op, bound) for op, bound in ((">", tree.gt), (">=", tree.gte), ("<", tree.lt), ("<=", tree.lte))
            if bound is not None]


class FilterLanguage(Protocol, Generic[T]):
    """An engine's filter language: how it writes each kind of condition. `translate` walks the tree once
    for every engine, so an adapter says only how its own language spells a condition."""

    def combine(self, operator: str, parts: Sequence[T]) -> T:
        """All ("and") or any ("or") of the translated parts."""
        ...

    def equals(self, field: str, value: Scalar) -> T: ...

    def one_of(self, field: str, values: tuple[Scalar, ...]) -> T: ...

    def bounded(self, field: str, bounds: list[Bound]) -> T:
        """The field within every bound (at least one)."""
        ...


def translate(tree: Filter, language: FilterLanguage[T]) -> T:
    """The filter in an engine's language."""
    if isinstance(tree, And | Or):
        return language.combine("and" if isinstance(tree, And) else "or",
                                [translate(clause, language) for clause in tree.clauses])
    if isinstance(tree, Eq):
        return language.equals(tree.field, tree.value)
    if isinstance(tree, In):
        return language.one_of(tree.field, tree.values)
    return language.bounded(tree.field, range_bounds(tree))


def to_text(tree: Filter) -> str:
    """The canonical text of a tree; it parses back to the same tree, except that a range of several bounds
    comes back as the And of its one-bound ranges (the same rows)."""
    if isinstance(tree, Eq):
        return f"{tree.field} == {_literal_text(tree.value)}"
    if isinstance(tree, In):
        return f"{tree.field} in [{', '.join(_literal_text(v) for v in tree.values)}]"
    if isinstance(tree, Range):
        parts = [f"{tree.field} {op} {_literal_text(bound)}" for op, bound in range_bounds(tree)]
        return parts[0] if len(parts) == 1 else "(" + " and ".join(parts) + ")"
    joiner = " and " if isinstance(tree, And) else " or "
    return "(" + joiner.join(to_text(clause) for clause in tree.clauses) + ")"


_COLUMN_KINDS = {"b": ("true or false", (bool,)), "i": ("whole numbers", (int, float)),
                 "u": ("whole numbers", (int, float)), "f": ("numbers", (int, float)), "U": ("text", (str,)),
                 "S": ("text", (str,)), "O": ("text", (str,))}


def _check_kind(field: str, column: np.ndarray, value: Scalar) -> None:
    """A literal of another kind than the column's never matches, and engines differ on it (one answers
    nothing and reports recall 0, others fail): refused before any engine is asked."""
    described, accepted = _COLUMN_KINDS.get(column.dtype.kind, ("", ()))
    if accepted and (not isinstance(value, accepted) or (isinstance(value, bool) and bool not in accepted)):
        raise FilterError(f"filter: {field!r} holds {described}, so {_literal_text(value)} cannot match it")


def _literal_text(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return repr(value)


def evaluate(tree: Filter, columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """Boolean mask of the rows whose payload matches; raises FilterError for an unknown field."""
    if isinstance(tree, And):
        every: np.ndarray = np.logical_and.reduce([evaluate(clause, columns) for clause in tree.clauses])
        return every
    if isinstance(tree, Or):
        some: np.ndarray = np.logical_or.reduce([evaluate(clause, columns) for clause in tree.clauses])
        return some
    if tree.field not in columns:
        known = ", ".join(sorted(columns)) or "none"
        raise FilterError(f"filter: unknown payload field {tree.field!r} (fields: {known})")
    column = np.asarray(columns[tree.field])
    if isinstance(tree, Eq | In):
        for value in (tree.values if isinstance(tree, In) else (tree.value,)):
            _check_kind(tree.field, column, value)
    if isinstance(tree, Eq):
        return np.asarray(column == tree.value)
    if isinstance(tree, In):
        return np.isin(column, list(tree.values))
    if column.dtype.kind not in "iuf":
        raise FilterError(f"filter: {tree.field!r} is not numeric, so a range does not apply")
    mask = np.ones(len(column), dtype=bool)
    if tree.gt is not None:
        mask &= column > tree.gt
    if tree.gte is not None:
        mask &= column >= tree.gte
    if tree.lt is not None:
        mask &= column < tree.lt
    if tree.lte is not None:
        mask &= column <= tree.lte
    return mask
