from contract import AdapterContract

from adapters.chroma import where_clause
from vectorscout.data.filters import parse_filter


class TestChroma(AdapterContract):
    engine = "chroma"


def test_where_clause_translation():
    assert where_clause(parse_filter("tag == 3")) == {"tag": {"$eq": 3}}
    assert where_clause(parse_filter("price >= 1 and price < 5 or category in ['a']")) == {
        "$or": [
            {"$and": [{"price": {"$gte": 1.0}}, {"price": {"$lt": 5.0}}]},
            {"category": {"$in": ["a"]}},
        ]
    }
