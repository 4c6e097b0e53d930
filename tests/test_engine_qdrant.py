import time

import pytest
from contract import AdapterContract
from qdrant_client import models as client_models
from qdrant_edge import FieldCondition
from tests_support import closed_port

from adapters.base import EngineUnavailable
from adapters.qdrant import QdrantAdapter, translate_filter
from vectorscout.data.filters import parse_filter


class TestQdrantEdge(AdapterContract):
    engine = "qdrant"
    # below this many KB Qdrant's planner scans every vector instead of walking the graph
    tuning_build_params = {"full_scan_threshold_kb": 1}


class TestQdrantClientLocalMode(AdapterContract):
    """The qdrant-client code path a server uses, on the client's local mode (no server here)."""

    engine = "qdrant-local"
    search_params_ignored = "qdrant-client's local mode compares the query with every stored vector: no graph for hnsw_ef"


def test_versions_label_the_local_mode_as_not_the_engine(tmp_path):
    from adapters.qdrant import QdrantLocalAdapter

    with QdrantLocalAdapter(tmp_path) as db:
        assert "not the Qdrant engine" in db.versions().engine


def test_filter_translation_for_both_model_families():
    tree = parse_filter("tag == 3 and (category in ['a', 'b'] or price < 5)")
    edge = translate_filter(tree, __import__("qdrant_edge"))
    assert len(edge.must) == 2
    client = translate_filter(tree, client_models)
    assert client.must[0].must[0] == client_models.FieldCondition(key="tag", match=client_models.MatchValue(value=3))
    either = client.must[1].should
    assert either[0].must[0].match == client_models.MatchAny(any=["a", "b"])
    assert either[1].must[0].range == client_models.Range(lt=5.0)
    edge_tag = edge.must[0].must[0]
    assert isinstance(edge_tag, FieldCondition) and edge_tag.key == "tag"


def test_unreachable_server_is_a_clear_error_within_the_timeout(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}"
    adapter = QdrantAdapter(tmp_path, {"url": url, "api_key": "s3cret-key", "timeout_s": "2"})
    began = time.monotonic()
    with pytest.raises(EngineUnavailable, match="does not answer") as error:
        adapter.open()
    assert time.monotonic() - began < 15
    assert "s3cret-key" not in str(error.value)
