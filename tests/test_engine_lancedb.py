import pytest
from contract import AdapterContract
from tests_support import closed_port

from adapters.base import EngineUnavailable
from adapters.lancedb import LanceDBAdapter, filter_sql
from vectorscout.contract.filters import parse_filter


class TestLanceDBHNSW(AdapterContract):
    engine = "lancedb"


class TestLanceDBIVFPQ(AdapterContract):
    engine = "lancedb"
    options = {"index": "ivf_pq", "num_partitions": "4", "num_sub_vectors": "8", "nprobes": "4", "refine_factor": "10"}


class TestLanceDBRaBitQ(AdapterContract):
    engine = "lancedb"
    options = {"index": "ivf_rq", "num_partitions": "4", "nprobes": "4", "refine_factor": "10"}
    min_recall = 0.95  # 1.000 measured (l2, cosine, ip): refine_factor 10 re-ranks by the full vectors


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


def test_ivf_pq_index_bytes_are_its_codes_not_the_vectors(tmp_path):
    """From first principles: IVF-PQ keeps num_sub_vectors one-byte codes and a row id per vector, not 4*d bytes;
    its index files hold that plus centroids and codebooks (shared)."""
    import numpy as np

    from adapters.lancedb import LanceDBAdapter
    from vectorscout.contract.metric import Metric

    dim, n = 128, 5000
    base = np.random.default_rng(8).standard_normal((n, dim)).astype(np.float32)
    with LanceDBAdapter(tmp_path) as db:
        db.create_collection("pq", dim, Metric.L2, "ivf_pq", {"num_partitions": 16, "num_sub_vectors": 16})
        db.insert(np.arange(n), base)
        db.wait_until_indexed()
        per_vector = db.index_bytes() / n
    shared = (16 * dim * 4 + 16 * 256 * (dim // 16) * 4) / n  # centroids and codebooks spread over the vectors
    assert 16 <= per_vector <= 16 + 8 + shared + 4, per_vector
