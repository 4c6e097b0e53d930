"""Every engine's filter translation, judged without the engine and without ``filters.evaluate``.

Each translation is run by a second reader of its language and compared with SQLite over the same rows:
the SQL ones (pgvector, LanceDB) run in SQLite itself, Milvus's expression is evaluated per row as the
Python expression it also is, and the structured ones (Chroma's ``where`` document, Qdrant's models,
Weaviate's filter objects) by small interpreters written from those engines' documented semantics. The
engine contract suite then proves each engine applies what it was given (boundary filters there).
"""

from __future__ import annotations

import re
import sqlite3

import numpy as np
import pytest
from hypothesis import given, settings
from psycopg import sql as psycopg_sql
from qdrant_client import models as qdrant_models
from test_filter_oracle import CASES, COLUMNS, N, payload_table, sql_mask, sql_of, trees
from weaviate.classes.query import Filter as WeaviateFilter

from adapters.chroma import where_clause as chroma_where
from adapters.lancedb import filter_sql as lancedb_sql
from adapters.milvus import filter_expression as milvus_expression
from adapters.pgvector import where_clause as pgvector_where
from adapters.qdrant import translate_filter as qdrant_filter
from adapters.weaviate import translate_filter as weaviate_filter
from vectorscout.contract.filters import parse_filter

ROWS = [{name: COLUMNS[name][i].item() for name in COLUMNS} for i in range(N)]


@pytest.fixture(scope="module")
def table():
    connection = payload_table()
    yield connection
    connection.close()


# -- readers of each engine's filter language -----------------------------------------------------------------
def chroma_matches(where: dict, row: dict) -> bool:
    """Chroma's metadata filter: $and/$or lists, and per field one of $eq/$gt/$gte/$lt/$lte/$in."""
    ((key, value),) = where.items()
    if key == "$and":
        return all(chroma_matches(w, row) for w in value)
    if key == "$or":
        return any(chroma_matches(w, row) for w in value)
    ((op, operand),) = value.items()
    field = row[key]
    return {"$eq": lambda: field == operand, "$gt": lambda: field > operand, "$gte": lambda: field >= operand,
            "$lt": lambda: field < operand, "$lte": lambda: field <= operand, "$in": lambda: field in operand}[op]()


def qdrant_matches(node, row: dict) -> bool:
    """Qdrant: a Filter's must (all), should (any); a FieldCondition matches a value, any of values or a range."""
    if isinstance(node, qdrant_models.Filter):
        must = all(qdrant_matches(c, row) for c in node.must or [])
        should = any(qdrant_matches(c, row) for c in node.should) if node.should else True
        return must and should
    field = row[node.key]
    if node.match is not None:
        if isinstance(node.match, qdrant_models.MatchAny):
            return field in node.match.any
        return field == node.match.value
    r = node.range
    return ((r.gt is None or field > r.gt) and (r.gte is None or field >= r.gte)
            and (r.lt is None or field < r.lt) and (r.lte is None or field <= r.lte))


def weaviate_matches(node, row: dict) -> bool:
    """Weaviate's filter objects: _FilterAnd / _FilterOr hold filters; a _FilterValue an operator and a value."""
    kind = type(node).__name__
    if kind == "_FilterAnd":
        return all(weaviate_matches(f, row) for f in node.filters)
    if kind == "_FilterOr":
        return any(weaviate_matches(f, row) for f in node.filters)
    field, value = row[node.target], node.value
    return {"Equal": lambda: field == value, "GreaterThan": lambda: field > value,
            "GreaterThanEqual": lambda: field >= value, "LessThan": lambda: field < value,
            "LessThanEqual": lambda: field <= value, "ContainsAny": lambda: field in value}[node.operator.value]()


def milvus_matches(expression, row: dict) -> bool:
    # Milvus's boolean expressions over scalars are Python expressions too (==, and/or, in [..], JSON strings)
    return bool(eval(expression, {"__builtins__": {}}, {"true": True, "false": False, **row}))


def mask_of(matches) -> list[bool]:
    return [bool(matches(row)) for row in ROWS]


def pgvector_mask(connection: sqlite3.Connection, tree) -> list[bool]:
    fragment, params = pgvector_where(tree, psycopg_sql)
    text = fragment.as_string(None)
    # PostgreSQL's "= ANY(array)" is SQLite's "IN (...)": expand each array parameter in place
    args: list = []
    pieces = re.split(r"(= ANY\(%s\)|%s)", text)
    rebuilt, values = [], iter(params)
    for piece in pieces:
        if piece == "= ANY(%s)":
            array = next(values)
            rebuilt.append("IN (" + ", ".join("?" * len(array)) + ")")
            args.extend(array)
        elif piece == "%s":
            rebuilt.append("?")
            args.append(next(values))
        else:
            rebuilt.append(piece)
    return sql_mask(connection, "".join(rebuilt), tuple(args)).tolist()


def translations(connection, tree) -> dict[str, list[bool]]:
    # each translation once per tree, then read against every row
    chroma, qdrant = chroma_where(tree), qdrant_filter(tree, qdrant_models)
    weaviate, milvus = weaviate_filter(tree, WeaviateFilter), compile(milvus_expression(tree), "<milvus>", "eval")
    return {
        "chroma": mask_of(lambda row: chroma_matches(chroma, row)),
        "qdrant": mask_of(lambda row: qdrant_matches(qdrant, row)),
        "weaviate": mask_of(lambda row: weaviate_matches(weaviate, row)),
        "milvus": mask_of(lambda row: milvus_matches(milvus, row)),
        "lancedb": sql_mask(connection, lancedb_sql(tree)).tolist(),
        "lancedb on integer columns": sql_mask(connection, lancedb_sql(tree, frozenset({"tag", "delta"}))).tolist(),
        "pgvector": pgvector_mask(connection, tree),
    }


@pytest.mark.parametrize(("text", "where"), CASES)
def test_every_translation_selects_what_sqlite_selects(table, text, where):
    expected = sql_mask(table, where).tolist()
    got = translations(table, parse_filter(text))
    assert {engine: mask == expected for engine, mask in got.items()} == dict.fromkeys(got, True)


@settings(max_examples=150, deadline=None)
@given(trees)
def test_random_trees_translate_faithfully(table, tree):
    where, args = sql_of(tree)
    expected = sql_mask(table, where, tuple(args)).tolist()
    got = translations(table, tree)
    assert {engine: mask == expected for engine, mask in got.items()} == dict.fromkeys(got, True)


def test_a_float_equality_is_a_closed_range_in_qdrant():
    # Qdrant's match takes keywords, integers and booleans only: a float equality must still select exactly
    condition = qdrant_filter(parse_filter("price == 25.0"), qdrant_models).must[0]
    assert condition.match is None and (condition.range.gte, condition.range.lte) == (25.0, 25.0)
    assert np.flatnonzero(mask_of(lambda row: qdrant_matches(condition, row))).tolist() == np.flatnonzero(
        COLUMNS["price"] == 25.0).tolist()


@pytest.mark.parametrize(("text", "milvus", "lancedb", "lancedb_on_integer_tag"), [
    ("flag == true", "(flag == true)", "(`flag` IN (TRUE))", "(`flag` IN (TRUE))"),
    ("flag in [true, false]", "(flag in [true, false])", "(`flag` IN (TRUE, FALSE))", "(`flag` IN (TRUE, FALSE))"),
    ("name == 'café'", '(name == "café")', "(`name` IN ('café'))", "(`name` IN ('café'))"),
    ("tag in [2.0, 3]", "(tag in [2, 3])", "(`tag` IN (2.0, 3))", "(`tag` IN (2, 3))"),
    ("tag in [2.5]", "(tag in [2.5])", "(`tag` IN (2.5))", "(FALSE)"),  # no integer equals 2.5
    ("tag > 2.5", "(tag > 2.5)", "(`tag` > 2.5)", "(`tag` > 2)"),
    ("tag < 2.5 and tag <= 7.5", "((tag < 2.5) and (tag <= 7.5))", "((`tag` < 2.5) AND (`tag` <= 7.5))",
     "((`tag` < 3) AND (`tag` <= 7))"),
])
def test_the_exact_text_of_the_sql_and_expression_translations(text, milvus, lancedb, lancedb_on_integer_tag):
    """Booleans as each language spells them, text kept as written (no JSON escapes), and
    LanceDB's integer columns given integer bounds (it refuses a float bound on an integer column)."""
    tree = parse_filter(text)
    assert milvus_expression(tree) == milvus
    assert lancedb_sql(tree) == lancedb
    assert lancedb_sql(tree, frozenset({"tag"})) == lancedb_on_integer_tag


def test_qdrant_matches_floats_in_a_list_as_ranges_beside_the_other_values():
    mixed = qdrant_filter(parse_filter("price in [2.5, 5]"), qdrant_models)
    (exact_float, the_rest) = mixed.should
    assert (exact_float.must[0].range.gte, exact_float.must[0].range.lte) == (2.5, 2.5)
    assert the_rest.must[0].match.any == [5] and the_rest.must[0].key == "price"
    assert mask_of(lambda row: qdrant_matches(mixed, row)) == [row["price"] in (2.5, 5) for row in ROWS]
    only_floats = qdrant_filter(parse_filter("price in [2.5, 7.5]"), qdrant_models)
    assert len(only_floats.should) == 2  # no empty match-any beside them


def test_qdrant_edge_models_get_their_float_range():
    import qdrant_edge

    condition = qdrant_filter(parse_filter("price > 2.5"), qdrant_edge).must[0]
    assert isinstance(condition.range, qdrant_edge.RangeFloat) and condition.range.gt == 2.5


def test_the_exact_form_of_the_structured_and_sql_translations():
    from vectorscout.contract.filters import Range

    assert chroma_where(parse_filter("price > 2.5")) == {"price": {"$gt": 2.5}}  # Chroma refuses a one-item $and
    assert chroma_where(Range("price", gte=1.0, lt=5.0)) == {"$and": [{"price": {"$gte": 1.0}}, {"price": {"$lt": 5.0}}]}
    fragment, params = pgvector_where(parse_filter("price >= 1 and price < 5 or tag == 3"), psycopg_sql)
    assert (fragment.as_string(None), params) == (
        '((("price" >= %s) AND ("price" < %s)) OR ("tag" = %s))', [1.0, 5.0, 3])
    fragment, params = pgvector_where(Range("price", gte=1.0, lt=5.0), psycopg_sql)
    assert (fragment.as_string(None), params) == ('("price" >= %s AND "price" < %s)', [1.0, 5.0])


def test_milvus_writes_integral_bounds_as_integers_only_where_a_float_holds_them_exactly():
    from adapters.milvus import literal

    assert literal(200.0) == "200" and literal(-3.0) == "-3" and literal(2.5) == "2.5"
    assert literal(float(2**53 - 2)) == "9007199254740990"  # every integer below 2**53 is exact in a float
    assert literal(float(2**53)) == "9007199254740992.0"  # from 2**53 on, a float is no longer a count
    assert literal(2.0**60) == "1.152921504606847e+18"
    assert literal("naïve") == '"naïve"' and literal(True) == "true"
