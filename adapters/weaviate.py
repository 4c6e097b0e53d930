"""Weaviate: ``weaviate-client`` v4 against a server URL (no engine runs embedded here).

Start one with ``docker run -p 8080:8080 -p 50051:50051 cr.weaviate.io/semitechnologies/weaviate:1.33.0``
and pass ``weaviate:url=http://127.0.0.1:8080`` (or set ``VECTORSCOUT_WEAVIATE_URL``). Our integer ids
become UUIDs (``UUID(int=id)``) and come back the same way; search-time ``ef`` is a collection setting in
Weaviate, so changing it is a configuration update.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import urlsplit

import numpy as np

from adapters.base import (
    AdapterError,
    Capabilities,
    EngineUnavailable,
    EngineVersions,
    IndexSpec,
    SearchHits,
    VectorAdapter,
    as_float32_matrix,
    package_version,
    payload_rows,
)
from vectorscout.contract.filters import Bound, Filter, Scalar, translate
from vectorscout.contract.metric import Metric
from vectorscout.contract.params import Param, ParamError
from vectorscout.redaction import mask_url

URL_ENV = "VECTORSCOUT_WEAVIATE_URL"
HNSW = IndexSpec(
    "hnsw",
    build_params=(
        Param("max_connections", int, 32, "graph degree", 4, 256, sweep=(16, 32, 64)),
        Param("ef_construction", int, 128, "candidate list while building", 8, 2048, sweep=(64, 128, 256)),
    ),
    search_params=(
        Param("ef", int, 64, "candidate list per query", 1, 4096, sweep=(16, 32, 64, 128, 256, 512)),
    ),
    description="Weaviate's HNSW index",
)
FLAT = IndexSpec("flat", exact=True, description="exhaustive search")
DISTANCES = {Metric.COSINE: "COSINE", Metric.L2: "L2_SQUARED", Metric.IP: "DOT"}
INDEX_TIMEOUT_S = 3600


def server_address(url: str, grpc_port: int) -> dict[str, Any]:
    """connect_to_custom's arguments for an http(s) URL; gRPC goes to the same host."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ParamError(f"weaviate url must look like http://host:8080, got {mask_url(url)!r}")
    secure = parts.scheme == "https"
    return {
        "http_host": parts.hostname, "http_port": parts.port or (443 if secure else 80), "http_secure": secure,
        "grpc_host": parts.hostname, "grpc_port": grpc_port, "grpc_secure": secure,
    }


def collection_name(name: str) -> str:
    """Weaviate class names start with a capital letter."""
    return name[:1].upper() + name[1:]


def vector_config(metric: Metric, index: str, build: Mapping[str, Any], configure: Any, distances: Any) -> Any:
    distance = getattr(distances, DISTANCES[metric])
    if index == "flat":
        index_config = configure.VectorIndex.flat(distance_metric=distance)
    else:
        index_config = configure.VectorIndex.hnsw(
            distance_metric=distance, max_connections=int(build["max_connections"]),
            ef_construction=int(build["ef_construction"]), ef=int(HNSW.search_defaults()["ef"]),
        )
    return configure.Vectors.self_provided(vector_index_config=index_config)


def properties_for(payloads: Mapping[str, np.ndarray], property_class: Any, data_type: Any) -> list[Any]:
    kinds = {"b": data_type.BOOL, "i": data_type.INT, "u": data_type.INT, "f": data_type.NUMBER}
    return [property_class(name=column, data_type=kinds.get(np.asarray(values).dtype.kind, data_type.TEXT))
            for column, values in payloads.items()]


class _WeaviateFilters:
    """weaviate-client filter objects, combined with & and |."""

    def __init__(self, filter_class: Any) -> None:
        self.filter_class = filter_class

    def combine(self, operator: str, parts: Sequence[Any]) -> Any:
        combined = parts[0]
        for part in parts[1:]:
            combined = (combined & part) if operator == "and" else (combined | part)
        return combined

    def equals(self, field: str, value: Scalar) -> Any:
        return self.filter_class.by_property(field).equal(value)

    def one_of(self, field: str, values: tuple[Scalar, ...]) -> Any:
        return self.filter_class.by_property(field).contains_any(list(values))

    def bounded(self, field: str, bounds: list[Bound]) -> Any:
        prop = self.filter_class.by_property(field)
        methods = {">": prop.greater_than, ">=": prop.greater_or_equal, "<": prop.less_than, "<=": prop.less_or_equal}
        return self.combine("and", [methods[op](bound) for op, bound in bounds])


def translate_filter(tree: Filter, filter_class: Any) -> Any:
    """The engine-neutral filter as weaviate-client filter objects."""
    return translate(tree, _WeaviateFilters(filter_class))



def hits_from_objects(objects: Iterable[Any]) -> SearchHits:
    """Map returned objects back to our integer ids (their UUID's integer) and distances."""
    rows = [(obj.uuid.int, obj.metadata.distance) for obj in objects]
    return SearchHits(np.array([r[0] for r in rows], dtype=np.int64), np.array([r[1] for r in rows], dtype=np.float32))


class WeaviateAdapter(VectorAdapter):
    name = "weaviate"
    display_name = "Weaviate"
    capabilities = Capabilities(
        metrics=frozenset(Metric), index_types=(HNSW, FLAT), filtering=True, thread_safe=True, embedded=False,
    )
    colour = "#FF6692"
    what_runs = (
        'url=URL: a Weaviate server (none runs on this machine)',
    )
    server_params = ("url",)
    requirements: ClassVar[Mapping[str, str]] = {"weaviate": "weaviate-client==4.24.1"}
    server_hint = (
        "needs a server: `docker run -p 8080:8080 -p 50051:50051 cr.weaviate.io/semitechnologies/weaviate:1.33.0`, "
        "then url=http://127.0.0.1:8080"
    )
    connection_params = (
        Param("url", str, "", f"the server's HTTP URL, e.g. http://127.0.0.1:8080 (or set {URL_ENV})"),
        Param("grpc_port", int, 50051, "the server's gRPC port", 1, 65535),
        Param("api_key", str, "", "API key for the server", secret=True),
        Param("timeout_s", int, 10, "seconds before a request to the server gives up", 1, 600),
    )

    def open(self) -> None:
        weaviate = self.import_engine("weaviate")
        self._config = self.import_engine("weaviate.classes.config")
        self._query = self.import_engine("weaviate.classes.query")
        self._data = self.import_engine("weaviate.classes.data")
        init = self.import_engine("weaviate.classes.init")
        url = self.connection["url"]  # VECTORSCOUT_WEAVIATE_URL fills it when not given
        if not url:
            raise EngineUnavailable(f"Weaviate {self.server_hint} (or set {URL_ENV})")
        self.where = mask_url(url)
        timeout = self.connection["timeout_s"]
        key = self.connection["api_key"]
        try:
            self.client = weaviate.connect_to_custom(
                **server_address(url, self.connection["grpc_port"]),
                auth_credentials=init.Auth.api_key(key) if key else None,
                additional_config=init.AdditionalConfig(timeout=init.Timeout(init=timeout, query=timeout, insert=timeout * 6)),
            )
        except ParamError:
            raise
        except Exception as exc:
            raise EngineUnavailable(
                f"Weaviate at {self.where} does not answer within {timeout} s: {type(exc).__name__}"
            ) from None
        self.collection: Any = None

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
            self.client = None

    def create_collection(
        self, name: str, dim: int, metric: Metric, index: str, build_params: Mapping[str, Any]
    ) -> None:
        self.begin_collection(collection_name(name), dim, metric, index, build_params)
        self._created = False

    def _create(self, payloads: Mapping[str, np.ndarray]) -> None:
        config = self._config
        self.collection = self.client.collections.create(
            self.state.name,
            vector_config=vector_config(self.state.metric, self.state.index, self.state.build_params,
                                        config.Configure, config.VectorDistances),
            properties=properties_for(payloads, config.Property, config.DataType),
        )
        self._created = True

    def insert(
        self, ids: np.ndarray, vectors: np.ndarray, payloads: Mapping[str, np.ndarray] | None = None
    ) -> None:
        matrix = as_float32_matrix(vectors, self.state.dim)
        if not self._created:
            self._create(payloads or {})
        data_object = self._data.DataObject
        rows = payload_rows(payloads, len(matrix))
        objects = [data_object(properties=rows[n], uuid=uuid.UUID(int=int(i)), vector=matrix[n].tolist())
                   for n, i in enumerate(np.asarray(ids).tolist())]
        result = self.collection.data.insert_many(objects)
        if result.has_errors:
            first = next(iter(result.errors.values()))
            raise AdapterError(f"Weaviate refused {len(result.errors)} objects, e.g.: {first.message}")

    def wait_until_indexed(self) -> None:
        if not self._created:
            self._create({})
        deadline = time.monotonic() + INDEX_TIMEOUT_S
        while True:  # with async indexing the server queues vectors; wait until every queue is empty
            nodes = self.client.cluster.nodes(collection=self.state.name, output="verbose")
            shards = [shard for node in nodes for shard in (node.shards or [])]
            if all(s.vector_queue_length == 0 and str(s.vector_indexing_status).upper().endswith("READY") for s in shards):
                return
            if time.monotonic() > deadline:
                raise AdapterError(f"Weaviate did not finish indexing within {INDEX_TIMEOUT_S} s")
            time.sleep(0.2)

    def set_search_params(self, params: Mapping[str, Any]) -> None:
        spec = self.capabilities.index(self.state.index)
        self.state.search_params = {**spec.search_defaults(), **params}
        if self.state.index == "hnsw" and self.collection is not None:
            reconfigure = self._config.Reconfigure
            self.collection.config.update(vector_config=reconfigure.Vectors.update(
                name="default", vector_index_config=reconfigure.VectorIndex.hnsw(ef=int(self.state.search_params["ef"]))))

    def search(self, vector: np.ndarray, k: int, filter: Filter | None = None) -> SearchHits:
        query = self.query_vector(vector)
        response = self.collection.query.near_vector(
            near_vector=query.tolist(), limit=k, return_properties=[],
            filters=translate_filter(filter, self._query.Filter) if filter is not None else None,
            return_metadata=self._query.MetadataQuery(distance=True),
        )
        return hits_from_objects(response.objects)

    def count(self) -> int:
        if self.collection is None:
            return 0
        return int(self.collection.aggregate.over_all(total_count=True).total_count)

    def drop(self) -> None:
        if getattr(self, "client", None) is not None and getattr(self, "_created", False):
            self.client.collections.delete(self.state.name)
            self.collection = None
            self._created = False

    def disk_bytes(self) -> int | None:
        return None  # the data lives on the server; its disk use is not visible through the client

    def versions(self) -> EngineVersions:
        version = self.client.get_meta().get("version", "unknown")
        return EngineVersions(engine=f"weaviate {version} at {self.where}",
                              client=f"weaviate-client {package_version('weaviate-client')}")
