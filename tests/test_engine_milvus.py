import time

import pytest
from contract import AdapterContract
from tests_support import closed_port

from adapters.base import EngineUnavailable, Metric, UnsupportedFeature
from adapters.milvus import MilvusAdapter, filter_expression
from vectorscout.data.filters import parse_filter


def test_lite_refuses_hnsw_it_would_search_exhaustively(tmp_path):
    """Milvus Lite accepts an HNSW index but scans every vector (its README: FLAT and IVF_FLAT only). Measured
    before this refusal: recall 1.000 at ef=16 and at ef=512 on 20,000 random 32-d vectors, which a graph with
    M=8 cannot give. A flat scan must not be reported as HNSW."""
    with MilvusAdapter(tmp_path) as db, pytest.raises(UnsupportedFeature, match=r"Milvus Lite has no hnsw index.*index=ivf_flat"):
        db.create_collection("hnsw_on_lite", 8, Metric.L2, "hnsw", {"M": 8, "efConstruction": 100})


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
