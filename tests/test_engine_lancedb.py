import pytest
from contract import AdapterContract
from tests_support import closed_port

from adapters.base import EngineUnavailable
from adapters.lancedb import LanceDBAdapter, filter_sql
from vectorscout.data.filters import parse_filter


class TestLanceDBHNSW(AdapterContract):
    engine = "lancedb"


class TestLanceDBIVFPQ(AdapterContract):
    engine = "lancedb"
    options = {"index": "ivf_pq", "num_partitions": "4", "num_sub_vectors": "8", "nprobes": "4", "refine_factor": "10"}


class TestLanceDBExact(AdapterContract):
    engine = "lancedb"
    options = {"index": "none"}
    min_recall = 1.0
    min_filtered_recall = 1.0


def test_filter_sql_quotes_strings_and_names():
    text = "category in ['it''s'] or tag == 3"
    assert filter_sql(parse_filter("category in [\"it's\"] or tag == 3")) == (
        "((`category` IN ('it''s')) OR (`tag` IN (3)))"
    ), text


def test_unreachable_remote_is_a_clear_error(tmp_path):
    adapter = LanceDBAdapter(tmp_path, {"uri": "db://bench", "api_key": "sk-s3cret",
                                        "host_override": f"http://127.0.0.1:{closed_port()}"})
    with pytest.raises(EngineUnavailable, match="cannot be opened") as error:
        adapter.open()
    assert "sk-s3cret" not in str(error.value)
