import contextlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vectorscout.contract.filters import And, Eq, FilterError, In, Or, Range, evaluate, parse_filter, to_text

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


# -- exact trees, texts and messages -----------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "tree"), [
    ("tag == -3", Eq("tag", -3)),
    ("price == 2.5", Eq("price", 2.5)),
    ("price == 1e3", Eq("price", 1000.0)),
    ("price == 2E-1", Eq("price", 0.2)),
    ("price == 7.", Eq("price", 7.0)),
    ("flag == TRUE", Eq("flag", True)),
    ("flag == False", Eq("flag", False)),
    (r"name == 'it\'s'", Eq("name", "it's")),
    (r'name == "a\\b"', Eq("name", "a\\b")),
    ("tag IN [1, 'x', true]", In("tag", (1, "x", True))),
    ("tag in [4]", In("tag", (4,))),
    ("price < 1", Range("price", lt=1.0)),
    ("price <= 1", Range("price", lte=1.0)),
    ("price > 1", Range("price", gt=1.0)),
    ("price >= -1.5", Range("price", gte=-1.5)),
    ("a == 1 AND b == 2 Or c == 3", Or((And((Eq("a", 1), Eq("b", 2))), Eq("c", 3)))),
    ("a == 1 and b == 2 and c == 3", And((Eq("a", 1), Eq("b", 2), Eq("c", 3)))),
    ("((a == 1))   ", Eq("a", 1)),
    ("_x9 == 0", Eq("_x9", 0)),
])
def test_each_form_parses_to_its_exact_tree(text, tree):
    parsed = parse_filter(text)
    assert parsed == tree
    assert [type(v) for v in getattr(parsed, "values", ())] == [type(v) for v in getattr(tree, "values", ())]
    if isinstance(tree, Eq):
        assert type(parsed.value) is type(tree.value)


@pytest.mark.parametrize(("text", "message"), [
    ("", "filter: the expression is empty"),
    ("   ", "filter: the expression is empty"),
    ("tag == 1 or " * 1000 + "tag == 2", "filter: the expression is longer than 10,000 characters"),
    ("tag ==", "filter: 'tag ==' ends too early"),
    ("tag = 3", "filter: unexpected character '=' at position 4"),
    ("tag == 3 ; x", "filter: unexpected character ';' at position 9"),
    ("== 3", "filter: expected a field name but found '=='"),
    ("and == 3", "filter: expected a field name but found 'and'"),
    ("TRUE == 3", "filter: expected a field name but found 'TRUE'"),
    ("in == 3", "filter: expected a field name but found 'in'"),
    ("tag in (1, 2)", "filter: expected '[' but found '('"),
    ("tag in [1, 2", "filter: 'tag in [1, 2' ends too early"),
    ("tag in [1; 2]", "filter: unexpected character ';' at position 9"),
    ("(tag == 1", "filter: '(tag == 1' ends too early"),
    ("(tag == 1 tag", "filter: expected ')' but found 'tag'"),
    ("tag == 1)", "filter: unexpected ')' after a complete expression"),
    ("tag 3", "filter: expected ==, <, <=, > or >= after 'tag' but found '3'"),
    ("price < 'x'", "filter: price < needs a number, not 'x'"),
    ("price >= true", "filter: price >= needs a number, not True"),
    ("tag == colour", "filter: expected a number, a quoted string, true or false but found 'colour'"),
    ("tag == (", "filter: expected a number, a quoted string, true or false but found '('"),
    ("(" * 33 + "tag == 1" + ")" * 33, "filter: brackets nested deeper than 32 levels"),
    ("a" * 64 + " == 1", f"filter: field name {'a' * 64!r} must be an identifier of at most 63 characters"),
])
def test_each_mistake_is_refused_with_its_own_message(text, message):
    with pytest.raises(FilterError) as refused:
        parse_filter(text)
    assert str(refused.value) == message


def test_the_limits_themselves_are_accepted():
    assert parse_filter("(" * 32 + "tag == 1" + ")" * 32) == Eq("tag", 1)
    assert parse_filter("a" * 63 + " == 1") == Eq("a" * 63, 1)
    long = "tag == 1 or " * 832 + "tag == 2"  # 9,992 characters
    assert len(long) <= 10_000 and len(parse_filter(long).clauses) == 833
    with pytest.raises(FilterError, match='expected text like "tag == 3", got int'):
        parse_filter(3)


@pytest.mark.parametrize(("tree", "text"), [
    (Eq("tag", 3), "tag == 3"),
    (Eq("price", 2.5), "price == 2.5"),
    (Eq("flag", True), "flag == true"),
    (Eq("flag", False), "flag == false"),
    (Eq("name", "it's a\\b"), r"name == 'it\'s a\\b'"),
    (In("tag", (1, "x", False)), "tag in [1, 'x', false]"),
    (Range("price", gt=1.0), "price > 1.0"),
    (Range("price", gte=1.0, lt=5.0), "(price >= 1.0 and price < 5.0)"),
    (Range("price", gt=0.0, gte=1.0, lt=5.0, lte=4.0), "(price > 0.0 and price >= 1.0 and price < 5.0 and price <= 4.0)"),
    (And((Eq("a", 1), Eq("b", 2))), "(a == 1 and b == 2)"),
    (Or((Eq("a", 1), And((Eq("b", 2), Eq("c", 3))))), "(a == 1 or (b == 2 and c == 3))"),
])
def test_the_canonical_text_of_each_tree(tree, text):
    assert to_text(tree) == text
    if isinstance(tree, Range) and len(text.split(" and ")) > 1:  # several bounds: the And of one-bound ranges
        assert parse_filter(text) == And(tuple(parse_filter(part.strip("()")) for part in text.split(" and ")))
    else:
        assert parse_filter(text) == tree


@pytest.mark.parametrize(("text", "expected"), [
    ("price > 50", [False, False, True, False, True]),
    ("price >= 50", [False, True, True, False, True]),
    ("price < 50", [True, False, False, True, False]),
    ("price <= 50", [True, True, False, True, False]),
    ("tag in [3, 0]", [True, False, False, True, True]),
    ("category == 'a' and tag == 3", [False, False, False, False, True]),
    ("category == 'b' or tag == 3 or price == 1.0", [True, True, False, True, True]),
])
def test_every_operator_at_its_boundary(text, expected):
    assert evaluate(parse_filter(text), COLUMNS).tolist() == expected


def test_a_range_of_both_bounds_keeps_only_what_is_inside():
    tree = Range("price", gt=1.0, lte=60.0)
    assert evaluate(tree, COLUMNS).tolist() == [False, True, False, True, True]
    assert evaluate(Range("price", gte=10.0, lt=60.0), COLUMNS).tolist() == [False, True, False, True, False]
    with pytest.raises(FilterError, match=r"^filter: unknown payload field 'x' \(fields: none\)$"):
        evaluate(Eq("x", 1), {})
    with pytest.raises(FilterError, match=r"^filter: 'category' is not numeric, so a range does not apply$"):
        evaluate(Range("category", lt=1.0), COLUMNS)


def test_the_bracket_depth_counts_nesting_not_brackets_seen():
    siblings = " and ".join(f"(tag == {i})" for i in range(40))
    assert len(parse_filter(siblings).clauses) == 40
    deep = "(" * 32 + "tag == 1" + ")" * 32
    assert parse_filter("(tag == 0) and " + deep) == And((Eq("tag", 0), Eq("tag", 1)))
    with pytest.raises(FilterError, match="deeper than 32 levels"):
        parse_filter("(tag == 0) and (" + deep + ")")


@pytest.mark.parametrize("word", ["or", "OR", "false", "False", "true", "in", "and"])
def test_a_keyword_is_never_a_field_name(word):
    with pytest.raises(FilterError) as refused:
        parse_filter(f"{word} == 3")
    assert str(refused.value) == f"filter: expected a field name but found {word!r}"


def test_the_length_limit_is_ten_thousand_characters_exactly():
    exactly = "tag == 1 or " * 832 + "tag == 22" + " " * 7  # 10,000 characters
    assert len(exactly) == 10_000 and len(parse_filter(exactly).clauses) == 833
    with pytest.raises(FilterError, match="longer than 10,000"):
        parse_filter(exactly + " ")


def test_every_bound_of_a_range_holds_at_once():
    assert evaluate(Range("price", gt=50.0, gte=1.0), COLUMNS).tolist() == [False, False, True, False, True]
    assert evaluate(Range("price", gte=10.0, lte=50.0, lt=60.0), COLUMNS).tolist() == [False, True, False, True, False]


@pytest.mark.parametrize(("text", "message"), [
    ("tag == true", "filter: 'tag' holds whole numbers, so true cannot match it"),
    ("tag in [1, 'a']", "filter: 'tag' holds whole numbers, so 'a' cannot match it"),
    ("price == 'cheap'", "filter: 'price' holds numbers, so 'cheap' cannot match it"),
    ("category == 3", "filter: 'category' holds text, so 3 cannot match it"),
    ("flag == 1", "filter: 'flag' holds true or false, so 1 cannot match it"),
    ("price < 1e999", "filter: the number 1e999 is out of range (a 64-bit integer or a finite float)"),
    ("tag == 9223372036854775808", "filter: the number 9223372036854775808 is out of range"),
    ("tag > -9223372036854775809", "filter: the number -9223372036854775809 is out of range"),
])
def test_a_literal_that_cannot_match_its_column_is_refused_before_any_engine_sees_it(text, message):
    columns = {"tag": np.array([1, 2, 3]), "price": np.array([1.5, 2.5, 9.0]),
               "category": np.array(["a", "b", "a"]), "flag": np.array([True, False, True])}
    with pytest.raises(FilterError) as refused:
        evaluate(parse_filter(text), columns)
    assert str(refused.value).startswith(message)


def test_literals_of_the_columns_kind_still_match():
    columns = {"tag": np.array([1, 2, 3]), "price": np.array([1.5, 2.5, 9.0]),
               "category": np.array(["a", "b", "a"]), "flag": np.array([True, False, True])}
    for text, expected in [("tag == 2", [False, True, False]), ("price == 9", [False, False, True]),
                           ("tag in [1, 3.0]", [True, False, True]), ("category in ['b']", [False, True, False]),
                           ("flag == true", [True, False, True]), ("tag == 9223372036854775807", [False] * 3),
                           ("price < 1e300", [True] * 3), ("tag > -9223372036854775808", [True] * 3)]:
        assert evaluate(parse_filter(text), columns).tolist() == expected, text
    # a column of a kind no literal is checked against (complex numbers) is compared as it is
    assert evaluate(parse_filter("z == 3"), {"z": np.array([1 + 0j, 3 + 0j])}).tolist() == [False, True]
