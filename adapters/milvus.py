"""Milvus: Milvus Lite on a private file by default, any Milvus server or Zilliz Cloud by URI + token.

Milvus needs its schema up front, but payload columns are only known with the first batch, so the
collection is created at the first insert. Queries are timed only after ``flush()`` and after the index
reports no pending rows: before that Milvus searches unindexed segments by brute force.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from adapters.base import (
    RRF_K,
    AdapterError,
    Capabilities,
    EngineUnavailable,
    EngineVersions,
    IndexSpec,
    Metric,
    Param,
    SearchHits,
    SparseEncoder,
    TextSearch,
    UnsupportedFeature,
    VectorAdapter,
    as_float32_matrix,
    hits_from,
    package_version,
)
from vectorscout.data.filters import Bound, Filter, Scalar, translate
from vectorscout.secrets import mask_url

HNSW = IndexSpec(
    "hnsw",
    build_params=(
        Param("M", int, 16, "graph degree", 2, 2048, sweep=(8, 16, 32)),
        Param("efConstruction", int, 200, "candidate list while building", 1, 65535, sweep=(100, 200, 400)),
    ),
    search_params=(
        Param("ef", int, 64, "candidate list per query (at least k)", 1, 32768, sweep=(16, 32, 64, 128, 256, 512)),
    ),
    description="HNSW graph",
)
IVF_FLAT = IndexSpec(
    "ivf_flat",
    build_params=(Param("nlist", int, 128, "number of clusters", 1, 65536, sweep=(64, 128, 1024)),),
    search_params=(Param("nprobe", int, 16, "clusters scanned per query", 1, 65536, sweep=(1, 4, 16, 64, 256)),),
    description="inverted file over k-means clusters",
)
FLAT = IndexSpec("flat", exact=True, description="exhaustive search")
AUTOINDEX = IndexSpec("autoindex", description="Milvus chooses the index and its parameters")
# Compressed variants (https://milvus.io/docs/ivf-sq8.md, https://milvus.io/docs/hnsw-sq.md,
# https://milvus.io/docs/ivf-pq.md): codes of d bytes (SQ8) or m bytes (PQ) per vector instead of 4*d.
IVF_SQ8 = IndexSpec(
    "ivf_sq8", build_params=IVF_FLAT.build_params, search_params=IVF_FLAT.search_params,
    description="inverted file over 8-bit scalar-quantized vectors: d bytes per vector instead of 4*d",
)
HNSW_SQ8 = IndexSpec(
    "hnsw_sq8", build_params=HNSW.build_params, search_params=HNSW.search_params,
    description="HNSW graph over 8-bit scalar-quantized vectors (HNSW_SQ, sq_type SQ8)",
)
IVF_PQ = IndexSpec(
    "ivf_pq",
    build_params=(*IVF_FLAT.build_params,
                  Param("m", int, 16, "PQ sub-quantizers, one byte of code each; must divide the dimension", 1, 4096)),
    search_params=IVF_FLAT.search_params,
    description="inverted file with product-quantized codes: m bytes per vector (Milvus servers only)",
)
INDEX_TYPES = {"hnsw": "HNSW", "ivf_flat": "IVF_FLAT", "flat": "FLAT", "autoindex": "AUTOINDEX",
               "ivf_sq8": "IVF_SQ8", "hnsw_sq8": "HNSW_SQ", "ivf_pq": "IVF_PQ"}
FIXED_BUILD_PARAMS: dict[str, dict[str, Any]] = {"hnsw_sq8": {"sq_type": "SQ8"}, "ivf_pq": {"nbits": 8}}
METRICS = {Metric.COSINE: "COSINE", Metric.L2: "L2", Metric.IP: "IP"}
INDEX_TIMEOUT_S = 3600
# Index types Milvus Lite accepts without building them: milvus-lite 3.2.2's index factory raises
# NotImplementedError for IVF_PQ ("reserved for a future phase") inside its background build, logs it and searches
# the collection exhaustively, so its figures would be a flat scan's under the name IVF_PQ.
LITE_UNBUILT = frozenset({"ivf_pq"})


def literal(value: Scalar) -> str:
    """A Milvus expression literal; strings are JSON-quoted, which escapes quotes and backslashes. Non-ASCII
    text stays as it is: Milvus's parser rejects \\u escapes ("unknown escape sequence")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


class _MilvusExpression:
    """Milvus boolean expressions (fields are validated identifiers)."""

    def combine(self, operator: str, parts: Sequence[str]) -> str:
        return "(" + f" {operator} ".join(parts) + ")"

    def equals(self, field: str, value: Scalar) -> str:
        return f"({field} == {literal(value)})"

    def one_of(self, field: str, values: tuple[Scalar, ...]) -> str:
        return f"({field} in [{', '.join(literal(v) for v in values)}])"

    def bounded(self, field: str, bounds: list[Bound]) -> str:
        return "(" + " and ".join(f"{field} {op} {literal(bound)}" for op, bound in bounds) + ")"


def filter_expression(tree: Filter) -> str:
    """The engine-neutral filter as a Milvus boolean expression."""
    return translate(tree, _MilvusExpression())


class _DropUnimplementedRpc(logging.Filter):
    """Milvus Lite's in-process gRPC server logs a traceback for each RPC it does not implement
    (pymilvus 3 asks for AllocTimestamp, Lite answers UNIMPLEMENTED and the client carries on)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], NotImplementedError))


# Milvus's english analyzer spelled out (https://milvus.io/docs/english-analyzer.md): Milvus Lite 3.2.2 knows no
# "type": "english" and takes this chain, but measured, it neither stems nor drops stop words ("dog" does not
# find "dogs", "the" finds every text with "the"): on Lite, keywords match as lower-cased whole words.
ANALYZER = {"tokenizer": "standard",
            "filter": ["lowercase", {"type": "stemmer", "language": "english"}, {"type": "stop", "stop_words": ["_english_"]}]}
TEXT_FIELD, SPARSE_FIELD = "text", "text_bm25"  # a text collection's text and the sparse vector BM25 makes of it


def _hits(hits: Any) -> SearchHits:
    return hits_from((h["id"] for h in hits), (h["distance"] for h in hits), len(hits))


class MilvusAdapter(VectorAdapter):
    name = "milvus"
    display_name = "Milvus"
    capabilities = Capabilities(
        metrics=frozenset(Metric), index_types=(IVF_FLAT, HNSW, FLAT, AUTOINDEX, IVF_SQ8, HNSW_SQ8, IVF_PQ),
        filtering=True, thread_safe=True, embedded=True,
        # Full-text search (https://milvus.io/docs/full-text-search.md), which Milvus Lite 3.2.2 runs too: a BM25
        # function turns each text, cut by the english analyzer (stems, stop words), into a sparse vector under
        # a SPARSE_INVERTED_INDEX; hybrid_search fuses the two searches with its RRFRanker.
        text_search=TextSearch(keyword="Milvus full-text search: its BM25 function (english filters; Milvus Lite "
                                       "3.2.2 applies neither stems nor stop words)",
                               fusion=f"Milvus hybrid_search with RRFRanker (k={RRF_K})"),
    )
    colour = "#AB63FA"
    server_params = ("uri",)
    requirements: ClassVar[Mapping[str, str]] = {"pymilvus": "pymilvus==3.0.2", "milvus_lite": "milvus-lite==3.2.2"}
    connection_params = (
        Param("uri", str, "", "a Milvus server or Zilliz Cloud URI; empty for Milvus Lite on a local file"),
        Param("token", str, "", "user:password or API key for the server", secret=True),
        Param("timeout_s", int, 10, "seconds before a request to the server gives up", 1, 600),
    )

    def open(self) -> None:
        pymilvus = self.import_engine("pymilvus")
        self._pymilvus = pymilvus
        uri = self.connection["uri"]
        self.lite = not uri
        if self.lite:
            self.import_engine("milvus_lite")
            grpc_server_log = logging.getLogger("grpc._server")
            if not any(isinstance(f, _DropUnimplementedRpc) for f in grpc_server_log.filters):
                grpc_server_log.addFilter(_DropUnimplementedRpc())
            self.workdir.mkdir(parents=True, exist_ok=True)
            uri = str(self.workdir / "milvus.db")
        self.where = mask_url(uri)
        try:
            self.client = pymilvus.MilvusClient(uri=uri, token=self.connection["token"], timeout=self.connection["timeout_s"])
        except Exception as exc:
            raise EngineUnavailable(
                f"Milvus at {self.where} does not answer within {self.connection['timeout_s']} s: {type(exc).__name__}"
            ) from None
        self._created = False
        self._text = False
        self._payload_types: dict[str, Any] = {}

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
            self.client = None

    def create_collection(
        self, name: str, dim: int, metric: Metric, index: str, build_params: Mapping[str, Any]
    ) -> None:
        if self.lite and self.capabilities.index(index).name in LITE_UNBUILT:
            raise UnsupportedFeature(
                f"Milvus Lite does not build a {index.lower()} index: milvus-lite 3.2.2 logs NotImplementedError in its "
                "background build and searches the collection exhaustively, so its figures would be a flat scan's. "
                "Use index=ivf_sq8 or hnsw_sq8 for compressed vectors on Lite, or a Milvus server (uri=...)")
        spec = self.begin_collection(name, dim, metric, index, build_params)
        self.set_search_params(spec.search_defaults())
        if self.client.has_collection(name):
            raise AdapterError(f"Milvus already has a collection {name!r}")

    def create_text_collection(self, name: str, dim: int, metric: Metric, index: str, build_params: Mapping[str, Any],
                               encoder: SparseEncoder) -> None:
        self.create_collection(name, dim, metric, index, build_params)
        self._text = True  # Milvus's BM25 function analyses the texts itself: the encoder is not needed

    def insert_texts(self, ids: np.ndarray, vectors: np.ndarray, texts: Sequence[str]) -> None:
        self.insert(ids, vectors, {TEXT_FIELD: np.asarray(list(texts), dtype=object)})

    def _add_text_fields(self, schema: Any, index_params: Any) -> None:
        pymilvus, data_type = self._pymilvus, self._pymilvus.DataType
        schema.add_field(SPARSE_FIELD, data_type.SPARSE_FLOAT_VECTOR)
        schema.add_function(pymilvus.Function(name="bm25", function_type=pymilvus.FunctionType.BM25,
                                              input_field_names=[TEXT_FIELD], output_field_names=[SPARSE_FIELD]))
        index_params.add_index(field_name=SPARSE_FIELD, index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")

    def _create(self, payloads: Mapping[str, np.ndarray]) -> None:
        data_type = self._pymilvus.DataType
        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", data_type.INT64, is_primary=True)
        schema.add_field("vector", data_type.FLOAT_VECTOR, dim=self.state.dim)
        index_params = self.client.prepare_index_params()
        for field, values in payloads.items():
            if self._text and field == TEXT_FIELD:
                schema.add_field(field, data_type.VARCHAR, max_length=65535, enable_analyzer=True,
                                 analyzer_params=ANALYZER)
                self._payload_types[field] = "text"
                continue
            kind = np.asarray(values).dtype.kind
            if kind in "iu":
                schema.add_field(field, data_type.INT64)
            elif kind == "f":
                schema.add_field(field, data_type.DOUBLE)
            elif kind == "b":
                schema.add_field(field, data_type.BOOL)
            else:
                schema.add_field(field, data_type.VARCHAR, max_length=65535)
            self._payload_types[field] = kind
            # INVERTED works on Lite and servers alike (Lite rejects STL_SORT).
            index_params.add_index(field_name=field, index_type="INVERTED")
        if self._text:
            self._add_text_fields(schema, index_params)
        index_params.add_index(
            field_name="vector", index_type=INDEX_TYPES[self.state.index], metric_type=METRICS[self.state.metric],
            params={**self.state.build_params, **FIXED_BUILD_PARAMS.get(self.state.index, {})},
        )
        self.client.create_collection(self.state.name, schema=schema, index_params=index_params)
        self._created = True

    def insert(
        self, ids: np.ndarray, vectors: np.ndarray, payloads: Mapping[str, np.ndarray] | None = None
    ) -> None:
        matrix = as_float32_matrix(vectors, self.state.dim)
        payloads = payloads or {}
        if not self._created:
            self._create(payloads)
        elif set(payloads) != set(self._payload_types):
            raise AdapterError("every batch must carry the same payload columns as the first")
        columns = {field: np.asarray(values).tolist() for field, values in payloads.items()}
        rows = [
            {"id": int(i), "vector": matrix[n], **{field: column[n] for field, column in columns.items()}}
            for n, i in enumerate(np.asarray(ids).tolist())
        ]
        self.client.insert(self.state.name, data=rows)

    def wait_until_indexed(self) -> None:
        if not self._created:
            self._create({})
        self.client.flush(self.state.name)
        deadline = time.monotonic() + INDEX_TIMEOUT_S
        while True:
            described = self.client.describe_index(self.state.name, "vector")
            if int(described.get("pending_index_rows", 0)) == 0 and described.get("state", "Finished") == "Finished":
                break
            if time.monotonic() > deadline:
                raise AdapterError(f"Milvus did not finish indexing within {INDEX_TIMEOUT_S} s: {described}")
            time.sleep(0.2)
        if self.lite:
            # Milvus Lite reports the index finished at once but builds each flushed segment's index in a background
            # thread; until then it scans the segment (measured: 20,000x32 HNSW gave recall 1.000 at ef=10 and 20 ms
            # per query right after the flush, 0.502 and 0.7 ms once built). Loading a released collection builds
            # every missing segment index before it returns.
            self.client.release_collection(self.state.name)
            self._load_beside_background_build(deadline)
        else:
            self.client.load_collection(self.state.name)

    def _load_beside_background_build(self, deadline: float) -> None:
        # The background thread may be writing a segment's index file while the load reads it ("Not an Arrow
        # file", "File is too small: 0"); the file is whole a moment later, so the load is tried again.
        while True:
            try:
                self.client.load_collection(self.state.name)
                return
            except self._pymilvus.exceptions.MilvusException as exc:
                if time.monotonic() > deadline:
                    raise AdapterError(f"Milvus Lite could not load its indexes within {INDEX_TIMEOUT_S} s: "
                                       f"{exc}") from None
                time.sleep(0.2)

    def set_search_params(self, params: Mapping[str, Any]) -> None:
        self.state.search_params = dict(params)
        self._search_params = {"params": {k: int(v) for k, v in params.items()}}

    def _params_for(self, k: int) -> dict[str, Any]:
        params = self._search_params
        if "ef" in params["params"] and params["params"]["ef"] < k:
            params = {"params": {"ef": k}}  # Milvus refuses ef below k
        return params

    def search(self, vector: np.ndarray, k: int, filter: Filter | None = None) -> SearchHits:
        query = self.query_vector(vector)
        result = self.client.search(
            self.state.name, [query], anns_field="vector", limit=k, search_params=self._params_for(k),
            output_fields=["id"], filter=filter_expression(filter) if filter is not None else "",
        )
        return _hits(result[0])

    def keyword_search(self, text: str, k: int) -> SearchHits:
        result = self.client.search(self.state.name, [text], anns_field=SPARSE_FIELD, limit=k,
                                    search_params={"metric_type": "BM25"}, output_fields=["id"])
        return _hits(result[0])

    def hybrid_search(self, vector: np.ndarray, text: str, k: int, depth: int) -> SearchHits:
        pymilvus = self._pymilvus
        requests = [pymilvus.AnnSearchRequest([self.query_vector(vector)], "vector", self._params_for(depth), depth),
                    pymilvus.AnnSearchRequest([text], SPARSE_FIELD, {"metric_type": "BM25"}, depth)]
        result = self.client.hybrid_search(self.state.name, requests, pymilvus.RRFRanker(RRF_K), limit=k,
                                           output_fields=["id"])
        return _hits(result[0])

    def index_bytes(self) -> int | None:
        """Milvus Lite's vector index files (one per segment, indexes/*.vector.<type>.idx): what it loads to
        search; a server keeps its own."""
        if not self.lite:
            return None
        return sum(f.stat().st_size for f in self.workdir.rglob("*.idx") if f.is_file() and ".vector." in f.name)

    def delete(self, ids: np.ndarray) -> None:
        if self._created:
            self.client.delete(self.state.name, ids=[int(i) for i in np.asarray(ids).tolist()])

    def count(self) -> int:
        if not self._created:
            return 0
        rows = self.client.query(self.state.name, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    def drop(self) -> None:
        if getattr(self, "client", None) is not None and self._created:
            self.client.drop_collection(self.state.name)
            self._created = False

    def disk_bytes(self) -> int | None:
        return super().disk_bytes() if self.lite else None  # a server keeps its own disk

    def versions(self) -> EngineVersions:
        client = f"pymilvus {package_version('pymilvus')}"
        if self.lite:
            return EngineVersions(engine=f"milvus-lite {package_version('milvus-lite')} (embedded)", client=client)
        try:
            server = self.client.get_server_version()
        except Exception:  # older servers or restricted tokens: keep the client version at least
            server = "unknown"
        return EngineVersions(engine=f"milvus server {server} at {self.where}", client=client)
