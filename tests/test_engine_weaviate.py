"""Weaviate: the contract suite runs when VECTORSCOUT_WEAVIATE_URL names a server; the rest needs none."""

import os
import time
import uuid

import numpy as np
import pytest
from contract import AdapterContract
from tests_support import closed_port
from weaviate.classes.config import Configure, DataType, Property, VectorDistances
from weaviate.classes.query import Filter as WeaviateFilter
from weaviate.collections.classes.internal import MetadataReturn, Object

from adapters.base import EngineUnavailable
from adapters.weaviate import (
    URL_ENV,
    WeaviateAdapter,
    collection_name,
    hits_from_objects,
    properties_for,
    server_address,
    translate_filter,
    vector_config,
)
from vectorscout.contract.filters import parse_filter
from vectorscout.contract.metric import Metric
from vectorscout.contract.params import ParamError


@pytest.mark.skipif(not os.environ.get(URL_ENV), reason=f"no Weaviate server: set {URL_ENV}=http://host:8080")
class TestWeaviateServer(AdapterContract):
    engine = "weaviate"


def test_server_address_from_url():
    assert server_address("https://weaviate.example:8443", 50051) == {
        "http_host": "weaviate.example", "http_port": 8443, "http_secure": True,
        "grpc_host": "weaviate.example", "grpc_port": 50051, "grpc_secure": True,
    }
    with pytest.raises(ParamError, match="http://host:8080"):
        server_address("weaviate.example:8080", 50051)


def test_collection_config_carries_index_and_distance():
    config = vector_config(Metric.L2, "hnsw", {"max_connections": 24, "ef_construction": 99}, Configure,
                           VectorDistances)
    index = config.vectorIndexConfig
    assert index.distance == VectorDistances.L2_SQUARED and index.maxConnections == 24 and index.efConstruction == 99
    flat = vector_config(Metric.COSINE, "flat", {}, Configure, VectorDistances).vectorIndexConfig
    assert flat.distance == VectorDistances.COSINE and type(flat).__name__.lower().find("flat") >= 0
    assert collection_name("vs_abc") == "Vs_abc"
    props = properties_for({"tag": np.array([1]), "price": np.array([1.5]), "category": np.array(["a"]),
                            "ok": np.array([True])}, Property, DataType)
    assert [(p.name, p.dataType) for p in props] == [
        ("tag", DataType.INT), ("price", DataType.NUMBER), ("category", DataType.TEXT), ("ok", DataType.BOOL)]


def test_filter_translation():
    tree = translate_filter(parse_filter("tag == 3 and (category in ['a', 'b'] or price < 5)"), WeaviateFilter)
    assert type(tree).__name__ == "_FilterAnd"
    tag, either = tree.filters
    assert (tag.target, tag.value, tag.operator.name) == ("tag", 3, "EQUAL")
    category, price = either.filters
    assert (category.target, list(category.value), category.operator.name) == ("category", ["a", "b"], "CONTAINS_ANY")
    assert (price.target, price.value, price.operator.name) == ("price", 5.0, "LESS_THAN")
    both = translate_filter(parse_filter("price >= 1 and price < 2"), WeaviateFilter)
    assert [f.operator.name for f in both.filters] == ["GREATER_THAN_EQUAL", "LESS_THAN"]


def test_results_map_back_to_integer_ids():
    objects = [
        Object(uuid=uuid.UUID(int=i), metadata=MetadataReturn(distance=d), properties={}, references=None, vector={},
               collection="Vs_x")
        for i, d in ((42, 0.1), (7, 0.25))
    ]
    hits = hits_from_objects(objects)
    assert hits.ids.tolist() == [42, 7] and hits.scores.tolist() == pytest.approx([0.1, 0.25])


def test_without_a_url_the_message_says_how_to_start_a_server(tmp_path, monkeypatch):
    monkeypatch.delenv(URL_ENV, raising=False)
    with pytest.raises(EngineUnavailable, match="docker run"):
        WeaviateAdapter(tmp_path).open()


def test_unreachable_server_is_a_clear_error_within_the_timeout(tmp_path, monkeypatch):
    monkeypatch.delenv(URL_ENV, raising=False)
    adapter = WeaviateAdapter(tmp_path, {"url": f"http://127.0.0.1:{closed_port()}", "api_key": "wv-s3cret",
                                         "grpc_port": str(closed_port()), "timeout_s": "2"})
    began = time.monotonic()
    with pytest.raises(EngineUnavailable, match="does not answer") as error:
        adapter.open()
    assert time.monotonic() - began < 30
    assert "wv-s3cret" not in str(error.value)
