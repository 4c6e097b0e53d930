import time

import pytest
from contract import AdapterContract
from tests_support import closed_port, index_bytes_per_vector

from adapters.base import EngineUnavailable, Metric, UnsupportedFeature
from adapters.milvus import MilvusAdapter, filter_expression
from vectorscout.data.filters import parse_filter


def test_lite_refuses_ivf_pq_it_would_search_exhaustively(tmp_path):
    """milvus-lite 3.2.2 accepts an IVF_PQ index, fails to build it in a background thread (NotImplementedError,
    logged only) and scans every vector. A flat scan must not be reported as IVF-PQ."""
    with MilvusAdapter(tmp_path) as db, pytest.raises(UnsupportedFeature, match=r"does not build a ivf_pq index.*ivf_sq8"):
        db.create_collection("pq_on_lite", 8, Metric.L2, "ivf_pq", {"nlist": 8, "m": 4})


class TestMilvusLiteHNSW(AdapterContract):
    """Lite's HNSW is a graph once its segments are indexed: the sweep test sees recall move with ef (right after
    a flush, before the background build, it scanned: recall 1.000 at every ef)."""

    engine = "milvus"
    options = {"index": "hnsw"}


class TestMilvusLiteHNSWSQ8(AdapterContract):
    engine = "milvus"
    options = {"index": "hnsw_sq8"}


class TestMilvusLiteIVFSQ8(AdapterContract):
    engine = "milvus"
    options = {"index": "ivf_sq8", "nlist": "128", "nprobe": "96"}


class TestMilvusLiteIVF(AdapterContract):
    engine = "milvus"
    # Milvus Lite 3.2.2 trains 128 clusters whatever nlist says (seen in describe_index and its log), so
    # the contract probes most of them; the sweep test still runs every nprobe in the declared grid.
    options = {"index": "ivf_flat", "nlist": "128", "nprobe": "96"}


class TestMilvusLiteFlat(AdapterContract):
    engine = "milvus"
    options = {"index": "flat"}
    min_recall = 1.0


def test_filter_expression_escapes_literals():
    text = "category == 'a\"b' or (tag in [1, 2] and price >= 1.5 and price < 3)"
    assert filter_expression(parse_filter(text)) == (
        '((category == "a\\"b") or ((tag in [1, 2]) and (price >= 1.5) and (price < 3.0)))'
    )


def test_unreachable_server_is_a_clear_error_within_the_timeout(tmp_path):
    adapter = MilvusAdapter(tmp_path, {"uri": f"http://127.0.0.1:{closed_port()}", "token": "root:s3cret",
                                       "timeout_s": "2"})
    began = time.monotonic()
    with pytest.raises(EngineUnavailable, match="does not answer") as error:
        adapter.open()
    assert time.monotonic() - began < 20
    assert "s3cret" not in str(error.value)


def test_index_bytes_of_the_int8_graph_are_smaller_by_three_bytes_per_dimension(tmp_path):
    """From first principles: Milvus Lite's HNSW_SQ index file holds d bytes of code per vector where HNSW holds
    4*d, with the same graph; so it is smaller by 3*d bytes per vector (within 2 %)."""
    import numpy as np

    dim = 128
    base = np.random.default_rng(8).standard_normal((5000, dim)).astype(np.float32)
    per_vector = index_bytes_per_vector("milvus", tmp_path, ("hnsw", "hnsw_sq8"), base)
    assert per_vector["hnsw"] - per_vector["hnsw_sq8"] == pytest.approx(3 * dim, rel=0.02), per_vector
