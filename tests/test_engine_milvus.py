import time

import pytest
from contract import AdapterContract
from tests_support import closed_port, index_bytes_per_vector

from adapters.base import EngineUnavailable, UnsupportedFeature
from adapters.milvus import MilvusAdapter, filter_expression
from vectorscout.benchmarking.specs import engine_config
from vectorscout.contract.filters import parse_filter
from vectorscout.contract.metric import Metric


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
        '((category == "a\\"b") or ((tag in [1, 2]) and (price >= 1.5) and (price < 3)))'
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


# -- Milvus's own standalone server (the milvus 2.3.5 wheel), beside Lite --------------------------------------------

@pytest.fixture(scope="session")
def milvus_binary_cache(tmp_path_factory):
    """The server binary unpacked once for the session (about 6 s) and shared by its servers."""
    return tmp_path_factory.mktemp("milvus-cache")


@pytest.fixture(scope="module")
def milvus_server(tmp_path_factory, milvus_binary_cache):
    """One standalone server for the module's contract classes (about 3 s to start); each test makes its own
    collections in it."""
    from adapters.milvus_standalone import StandaloneServer

    server = StandaloneServer(tmp_path_factory.mktemp("milvus") / "server", milvus_binary_cache)
    server.wait_until_serving()
    yield server
    server.stop()


class MilvusServerContract(AdapterContract):
    """The contract against Milvus 2.3.5 standalone: Knowhere builds each index (segments of 1,024 rows and more;
    Milvus scans smaller ones), STL_SORT and Trie scalar indexes, no BM25 function (text calls refused)."""

    engine = "milvus"
    # What belongs to the collection rather than its index (other metrics, batches, drop, deletes, filter values
    # and filtered recall): checked once, with HNSW. Every other index type runs the rest: build, recall, every
    # search setting and its effect, filters at their bounds. A server test loads in about 9 s here; the whole
    # contract seven times would add about 20 minutes to the suite.
    CHECKED_WITH_HNSW = frozenset({
        "test_other_metrics", "test_search_batch_agrees_with_search", "test_drop_removes_the_collection_and_is_idempotent",
        "test_deleted_vectors_are_not_found_and_re_added_ones_are", "test_filter_values_are_data_never_query_text",
        "test_filtered_hits_match_and_recall_uses_filtered_truth", "test_search_parameters_are_read_back_from_the_engine"})

    @pytest.fixture(autouse=True)
    def collection_checks_once(self, request):
        if self.options["index"] != "hnsw" and request.node.originalname in self.CHECKED_WITH_HNSW:
            pytest.skip("a collection's behaviour, not its index's: checked with HNSW on the same server")

    @pytest.fixture
    def adapter(self, tmp_path, milvus_server):
        config = engine_config(self.engine, {**self.options, "uri": milvus_server.uri})
        db = MilvusAdapter(tmp_path / "engine", config.connection)
        with db:
            yield db
            db.drop()


class TestMilvusServerHNSW(MilvusServerContract):
    options = {"index": "hnsw"}


class TestMilvusServerIVF(MilvusServerContract):
    options = {"index": "ivf_flat"}


class TestMilvusServerIVFSQ8(MilvusServerContract):
    options = {"index": "ivf_sq8"}


class TestMilvusServerIVFPQ(MilvusServerContract):
    options = {"index": "ivf_pq"}
    min_recall = 0.5  # 8-bit product codes of 16-d vectors: the contract checks the index runs, not its accuracy
    min_filtered_recall = 0.5


class TestMilvusServerSCANN(MilvusServerContract):
    options = {"index": "scann"}


class TestMilvusServerFlat(MilvusServerContract):
    options = {"index": "flat"}
    min_recall = 1.0


class TestMilvusServerAutoindex(MilvusServerContract):
    options = {"index": "autoindex"}

