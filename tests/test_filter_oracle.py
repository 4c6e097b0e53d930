"""Filters checked against a second, independent evaluator: SQLite over the same payload table.

``filters.evaluate`` feeds the runner's filtered ground truth and two adapters, so a bug there would be
invisible to any test that derives its expectation from it. Here the expectation comes from SQL written
by hand (the fixed cases) or by a small SQL writer that shares no code with ``vectorscout.contract.filters`` (the
property test), on data whose values sit exactly on every bound the filters use.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vectorscout.contract.filters import And, Eq, In, Or, Range, evaluate, parse_filter

N = 240
# Values repeat and land exactly on the bounds below: every boundary is decided by the operator alone.
COLUMNS = {
    "tag": (np.arange(N) % 10).astype(np.int64),
    "price": (np.arange(N) % 48).astype(np.float64) * 2.5,  # 0.0, 2.5, ... 117.5
    "delta": ((np.arange(N) % 13) - 6).astype(np.int64),  # -6 .. 6
    "category": np.array(["a", "b", "o'brien", "c d"])[np.arange(N) % 4],
}


def payload_table() -> sqlite3.Connection:
    """COLUMNS as an SQLite table p(id, tag, price, delta, category)."""
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE p (id INTEGER PRIMARY KEY, tag INTEGER, price REAL, delta INTEGER, category TEXT)")
    connection.executemany(
        "INSERT INTO p VALUES (?, ?, ?, ?, ?)",
        [(i, int(COLUMNS["tag"][i]), float(COLUMNS["price"][i]), int(COLUMNS["delta"][i]), str(COLUMNS["category"][i]))
         for i in range(N)],
    )
    return connection


@pytest.fixture(scope="module")
def table():
    connection = payload_table()
    yield connection
    connection.close()


def sql_mask(connection: sqlite3.Connection, where: str, args: tuple = ()) -> np.ndarray:
    mask = np.zeros(N, dtype=bool)
    mask[[row[0] for row in connection.execute(f"SELECT id FROM p WHERE {where}", args)]] = True
    return mask


# (filter text, the same condition written by hand in SQL)
CASES = [
    ("tag == 3", "tag = 3"),
    ("tag > 3", "tag > 3"),
    ("tag >= 3", "tag >= 3"),
    ("tag < 3", "tag < 3"),
    ("tag <= 3", "tag <= 3"),
    ("price > 50", "price > 50"),
    ("price >= 50", "price >= 50"),
    ("price < 50", "price < 50"),
    ("price <= 50", "price <= 50"),
    ("price > 49.9", "price > 49.9"),
    ("price < 2.5", "price < 2.5"),
    ("price <= 0", "price <= 0"),
    ("delta < 0", "delta < 0"),
    ("delta >= -2", "delta >= -2"),
    ("delta > -1 and delta < 1", "delta > -1 AND delta < 1"),
    ("delta == -6", "delta = -6"),
    ("tag in [1, 4, 9]", "tag IN (1, 4, 9)"),
    ("category == 'o\\'brien'", "category = 'o''brien'"),
    ("category in ['a', 'c d']", "category IN ('a', 'c d')"),
    ("category == 'A'", "category = 'A'"),  # case matters
    ("tag == 3 or price >= 100 and category == 'b'", "tag = 3 OR (price >= 100 AND category = 'b')"),
    ("(tag == 3 or price >= 100) and category == 'b'", "(tag = 3 OR price >= 100) AND category = 'b'"),
    ("price >= 25 and price <= 25", "price = 25"),
    ("price > 25 and price < 27.5", "0"),  # nothing between two neighbouring values
    ("tag in [11]", "0"),
    ("tag == 3.5", "0"),  # a fraction equals no integer
    ("tag in [3.0, 4.5]", "tag = 3"),
    ("tag > 2.5 and tag <= 4.5", "tag IN (3, 4)"),
    ("tag >= 2.5 and tag < 4.5", "tag IN (3, 4)"),
]


@pytest.mark.parametrize(("text", "where"), CASES)
def test_evaluate_agrees_with_sqlite(table, text, where):
    expected = sql_mask(table, where)
    assert evaluate(parse_filter(text), COLUMNS).tolist() == expected.tolist()


def test_every_operator_is_at_a_boundary_somewhere():
    # the fixed cases are only a proof if the data holds the bound itself for each comparison
    for column, bound in (("tag", 3), ("price", 50), ("price", 0), ("delta", -2)):
        assert (COLUMNS[column] == bound).any()
    assert {op for text, _ in CASES for op in ("==", "<=", ">=", "<", ">", " in ") if op in text} == {
        "==", "<=", ">=", "<", ">", " in "}


# -- random trees: a second writer of the condition, sharing no code with vectorscout.contract.filters -------------
def sql_of(tree) -> tuple[str, list]:
    """The tree as SQL with ? placeholders (a test-side writer: SQLite decides, not our evaluator)."""
    if isinstance(tree, (And, Or)):
        parts = [sql_of(clause) for clause in tree.clauses]
        joiner = " AND " if isinstance(tree, And) else " OR "
        return "(" + joiner.join(p[0] for p in parts) + ")", [a for p in parts for a in p[1]]
    if isinstance(tree, Eq):
        return f"{tree.field} = ?", [tree.value]
    if isinstance(tree, In):
        return f"{tree.field} IN ({', '.join('?' * len(tree.values))})", list(tree.values)
    conditions, args = [], []
    for op, bound in ((">", tree.gt), (">=", tree.gte), ("<", tree.lt), ("<=", tree.lte)):
        if bound is not None:
            conditions.append(f"{tree.field} {op} ?")
            args.append(bound)
    return "(" + " AND ".join(conditions) + ")", args


NUMERIC = {"tag": sorted(set(COLUMNS["tag"].tolist())), "price": sorted(set(COLUMNS["price"].tolist())),
           "delta": sorted(set(COLUMNS["delta"].tolist()))}


@st.composite
def leaf(draw):
    field = draw(st.sampled_from(["tag", "price", "delta", "category"]))
    if field == "category":
        values = st.sampled_from(["a", "b", "o'brien", "c d", "zz"])
        return draw(st.one_of(st.builds(Eq, st.just(field), values),
                              st.builds(In, st.just(field), st.lists(values, min_size=1, max_size=3).map(tuple))))
    # bounds drawn from the stored values (boundaries) and just beside them
    value = draw(st.sampled_from(NUMERIC[field]))
    bound = draw(st.sampled_from([value, value + 0.5, value - 0.5]))
    kind = draw(st.sampled_from(["eq", "in", "gt", "gte", "lt", "lte", "between"]))
    if kind == "eq":
        return Eq(field, value)
    if kind == "in":
        return In(field, tuple(draw(st.lists(st.sampled_from(NUMERIC[field]), min_size=1, max_size=3))))
    if kind == "between":
        upper = draw(st.sampled_from(NUMERIC[field]))
        return Range(field, **{draw(st.sampled_from(["gt", "gte"])): float(bound),
                               draw(st.sampled_from(["lt", "lte"])): float(upper)})
    return Range(field, **{kind: float(bound)})


trees = st.recursive(
    leaf(),
    lambda children: st.one_of(st.lists(children, min_size=2, max_size=3).map(lambda c: And(tuple(c))),
                               st.lists(children, min_size=2, max_size=3).map(lambda c: Or(tuple(c)))),
    max_leaves=5,
)


@settings(max_examples=300, deadline=None)
@given(trees)
def test_random_trees_agree_with_sqlite(table, tree):
    where, args = sql_of(tree)
    assert evaluate(tree, COLUMNS).tolist() == sql_mask(table, where, tuple(args)).tolist()
