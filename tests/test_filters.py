import contextlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vectorscout.data.filters import And, Eq, FilterError, In, Or, Range, evaluate, parse_filter, to_text

COLUMNS = {
    "tag": np.array([0, 1, 2, 3, 3]),
    "price": np.array([1.0, 50.0, 99.0, 10.0, 60.0]),
    "category": np.array(["a", "b", "a", "c", "a"]),
}


def test_parse_precedence_and_over_or():
    tree = parse_filter("tag == 3 or price < 5 and category == 'a'")
    assert tree == Or((Eq("tag", 3), And((Range("price", lt=5.0), Eq("category", "a")))))


def test_parse_membership_and_parentheses():
    tree = parse_filter("(tag in [1, 2]) and category in ['a', \"b\"]")
    assert tree == And((In("tag", (1, 2)), In("category", ("a", "b"))))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tag == 3", [False, False, False, True, True]),
        ("price >= 50", [False, True, True, False, True]),
        ("category in ['a'] and price > 50", [False, False, True, False, True]),
        ("tag == 0 or tag == 2", [True, False, True, False, False]),
    ],
)
def test_evaluate(text, expected):
    assert evaluate(parse_filter(text), COLUMNS).tolist() == expected


@pytest.mark.parametrize(
    "text",
    ["", "tag ==", "tag = 3", "== 3", "tag == 3 and", "tag in [1, 2", "tag == 3; DROP TABLE x", "price < 'x'",
     "(tag == 1", "tag == 1)"],
)
def test_malformed_filters_are_refused(text):
    with pytest.raises(FilterError):
        parse_filter(text)


def test_unknown_field_names_the_known_ones():
    with pytest.raises(FilterError, match="fields: category, price, tag"):
        evaluate(parse_filter("colour == 'red'"), COLUMNS)


def test_range_on_text_is_refused():
    with pytest.raises(FilterError, match="not numeric"):
        evaluate(parse_filter("category < 3"), COLUMNS)


fields = st.sampled_from(["tag", "price", "category", "x_1"])
literals = st.one_of(st.integers(-1000, 1000), st.text(max_size=8), st.booleans())
leaves = st.one_of(
    st.builds(Eq, fields, literals),
    st.builds(In, fields, st.lists(literals, min_size=1, max_size=4).map(tuple)),
    st.builds(lambda f, b: Range(f, lt=float(b)), fields, st.integers(-100, 100)),
)
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, min_size=2, max_size=3).map(lambda c: And(tuple(c))),
        st.lists(children, min_size=2, max_size=3).map(lambda c: Or(tuple(c))),
    ),
    max_leaves=6,
)


def flatten(tree):
    # and/or are associative: the text form cannot tell And(And(a, b), c) from And(a, b, c)
    if isinstance(tree, (And, Or)):
        parts = []
        for clause in tree.clauses:
            clause = flatten(clause)
            parts.extend(clause.clauses if type(clause) is type(tree) else [clause])
        return type(tree)(tuple(parts))
    return tree


@given(trees)
def test_text_round_trip(tree):
    assert flatten(parse_filter(to_text(tree))) == flatten(tree)


@given(st.text(max_size=60))
def test_any_text_is_parsed_or_refused(text):
    with contextlib.suppress(FilterError):
        parse_filter(text)
