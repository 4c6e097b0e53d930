"""Scenarios an expert would check the recommendation against, each with the page its expectation rests on.

Each case names the engines that must be excluded (and some that must not be), the group the top of the
ranking must fall in, and any warning or reason the result must say; no runs are given, so the sourced
matrix alone decides. The rationale cites the documentation page the expectation comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from vectorscout.decision.recommend import recommend
from vectorscout.decision.scenario import Scenario

EMBEDDED = {"chroma", "qdrant", "milvus", "lancedb", "faiss", "hnswlib", "weaviate"}
LIBRARIES = {"faiss", "hnswlib"}
DISTRIBUTED = {"milvus", "qdrant", "weaviate"}
LITE = "https://pypi.org/project/milvus-lite/3.2.2/"


@dataclass
class Case:
    name: str
    answers: dict
    rationale: str  # why an expert expects this, with the page it rests on
    excluded: set[str] = field(default_factory=set)
    kept: set[str] = field(default_factory=set)
    top_within: set[str] | None = None  # every engine of the top group is one of these
    top_not: set[str] = field(default_factory=set)
    warning: str = ""  # a phrase one of the warnings says
    against: tuple[str, str] = ("", "")  # (engine, phrase of a reason against it)
    for_: tuple[str, str] = ("", "")  # (engine, phrase of a reason for it)
    not_against: tuple[str, str] = ("", "")  # (engine, phrase no reason against it may say)


CASES = [
    Case("high availability embedded", dict(deployment="embedded", high_availability=True),
         "Milvus Lite and Qdrant's in-process modes are single local stores without replication — "
         "https://github.com/milvus-io/milvus-lite, https://qdrant.tech/documentation/edge",
         excluded={"milvus", "qdrant", "lancedb", "faiss", "hnswlib", "chroma", "pgvector"},
         warning="cannot hold together"),
    Case("hybrid search required on a single server", dict(deployment="single_server", hybrid_search="required"),
         "Chroma's Search API (hybrid, RRF) is Chroma Cloud only — https://docs.trychroma.com/cloud/search-api/overview",
         excluded={"chroma", "lancedb", "faiss", "hnswlib"}, kept={"qdrant", "milvus", "weaviate"}),
    Case("hybrid search required in a managed cloud", dict(deployment="managed_cloud", hybrid_search="required"),
         "Chroma Cloud offers BM25/sparse search fused with Rrf() — https://docs.trychroma.com/cloud/schema/sparse-vector-search",
         kept={"chroma"}),
    Case("150M vectors in a managed cloud", dict(deployment="managed_cloud", vectors_now=50_000_000,
                                                 vectors_24m=150_000_000),
         "Chroma Cloud is distributed, unlike single-node Chroma — https://docs.trychroma.com/docs/overview/architecture",
         kept={"chroma"}, excluded=LIBRARIES),
    Case(".NET client required", dict(sdk_languages=["dotnet"]),
         "Weaviate lists an official C# client — https://docs.weaviate.io/weaviate/client-libraries.md",
         kept={"weaviate", "qdrant", "pgvector"}, excluded={"chroma"}),
    Case("Rust client required", dict(sdk_languages=["rust"]),
         "Chroma has a first-party Rust client; Milvus's install pages list Python, Node.js, Go and Java — "
         "https://milvus.io/docs/install-go.md",
         kept={"chroma", "qdrant"}, against=("milvus", "Rust client is partial")),
    Case("a PostgreSQL shop at 3,072 dimensions", dict(existing_postgres=True, sql_joins=True, dimensions=3072),
         "pgvector indexes vector up to 2,000 dimensions and halfvec up to 4,000 — https://github.com/pgvector/pgvector",
         top_within={"pgvector"}, warning="halfvec"),
    Case("a PostgreSQL shop at 20,000 dimensions", dict(existing_postgres=True, sql_joins=True, dimensions=20000),
         "only bit vectors index beyond 4,000 dimensions in pgvector (up to 64,000) — https://github.com/pgvector/pgvector",
         top_within={"pgvector"}, warning="binary"),
    Case("Hamming distance", dict(metric="hamming", deployment="embedded"),
         "Chroma offers l2, cosine and ip; hnswlib l2, ip and cosine — https://github.com/nmslib/hnswlib; Milvus "
         f"Lite 3.2.2 has no binary vector fields, so no Hamming — {LITE}",
         excluded={"chroma", "qdrant", "hnswlib", "milvus"}, kept={"faiss", "lancedb"}),
    Case("int8 vectors", dict(vector_type="int8"),
         "Milvus stores INT8_VECTOR; pgvector has vector, halfvec and bit only — https://milvus.io/docs/metric.md",
         excluded={"pgvector", "chroma", "weaviate"}, kept={"milvus", "qdrant"}),
    Case("binary vectors in the application", dict(vector_type="binary", metric="hamming", deployment="embedded"),
         "FAISS has binary indexes; LanceDB searches uint8-packed binary vectors with hamming — "
         f"https://lancedb.github.io/documentation/concepts/vectors.html; Milvus Lite 3.2.2 has none — {LITE}",
         kept={"faiss", "lancedb"}, excluded={"hnswlib", "chroma", "qdrant", "milvus"}),
    Case("SQL joins embedded", dict(sql_joins=True, deployment="embedded"),
         "pgvector lives in a PostgreSQL server, never in the application process — https://github.com/pgvector/pgvector",
         excluded=EMBEDDED | {"pgvector"}, warning="need PostgreSQL"),
    Case("half a billion vectors, HA, on a cluster", dict(vectors_now=100_000_000, vectors_24m=500_000_000,
                                                          deployment="cluster", high_availability=True,
                                                          filtering="heavy", ops_skills="strong"),
         "Milvus, Qdrant and Weaviate shard and replicate across nodes — "
         "https://qdrant.tech/documentation/scaling/distributed_deployment/",
         excluded=LIBRARIES | {"chroma"}, top_within=DISTRIBUTED),
    Case("a notebook prototype", dict(vectors_now=50_000, vectors_24m=200_000, deployment="embedded",
                                      ops_skills="none"),
         "pgvector is a PostgreSQL extension, not an in-process library — https://github.com/pgvector/pgvector",
         excluded={"pgvector"}, top_not={"pgvector"}),
    Case("continuous writes in the application", dict(deployment="embedded", update_rate="continuous"),
         "FAISS HNSW cannot remove vectors; a library leaves updates to the application — "
         "https://github.com/Facebookresearch/faiss/wiki/Special-operations-on-indexes",
         top_not=LIBRARIES, against=("faiss", "continuous updates")),
    Case("encryption at rest from a managed service", dict(deployment="managed_cloud", security=["encryption_at_rest"]),
         "Qdrant Cloud, Zilliz Cloud and Weaviate Cloud encrypt storage at rest — "
         "https://qdrant.tech/documentation/cloud/encryption/index.md",
         top_within=DISTRIBUTED),
    Case("audit logs on a single server", dict(security=["audit"]),
         "Qdrant lists audit logging of API operations — https://qdrant.tech/documentation/security/?q=jwt",
         top_within={"qdrant", "pgvector"}),
    Case("10,000 uneven tenants on a cluster", dict(deployment="cluster", tenants=10_000, tenant_sizes="uneven",
                                                    multi_tenancy="required", ops_skills="strong"),
         "Qdrant partitions by a tenant payload index with tiered tenants; Weaviate gives each tenant a shard — "
         "https://qdrant.tech/documentation/manage-data/multitenancy/?q=multitenan",
         top_within=DISTRIBUTED, against=("lancedb", "10,000 tenants")),
    Case("multi-vector (late interaction) on a server", dict(multi_vector="required"),
         "Qdrant multivectors with MaxSim — https://qdrant.tech/course/multi-vector-search/module-1/multi-vector-in-qdrant",
         top_within=DISTRIBUTED, excluded={"lancedb"}),
    Case("sparse vectors in the application", dict(sparse_vectors="required", deployment="embedded"),
         "Chroma's sparse search goes through the Cloud-only Search API; Milvus Lite supports sparse vectors — "
         "https://github.com/milvus-io/milvus-lite",
         excluded={"chroma", "faiss", "hnswlib"}, kept={"milvus", "qdrant"}),
    Case("re-embedding regularly in the application", dict(deployment="embedded", reindexing="regularly"),
         f"Milvus Lite 3 creates, alters and drops collection aliases — {LITE}",
         for_=("milvus", "aliases"), not_against=("milvus", "without downtime is none")),
    Case("writes searchable within a second", dict(write_visibility="within a second"),
         "Milvus reads with Bounded staleness by default — "
         "https://raw.githubusercontent.com/milvus-io/milvus-docs/v3.0.x/site/en/reference/tune_consistency.md",
         against=("milvus", "Bounded staleness")),
    Case("permissive licenses with a managed service", dict(deployment="managed_cloud",
                                                            license_constraint="permissive only"),
         "a managed service is bought under the vendor's terms — https://docs.zilliz.com/docs/install-sdks",
         warning="vendor's terms"),
    Case("data residency with a managed service", dict(deployment="managed_cloud", security=["data_residency"],
                                                       cloud_region="europe"),
         "managed services run in the vendor's regions — https://qdrant.tech/documentation/cloud.md",
         warning="confirm the vendor runs in your region"),
    Case("fewer vectors later than now", dict(vectors_now=5_000_000, vectors_24m=1_000_000),
         "growth answers that shrink are a typing error more often than a plan — "
         "https://docs.trychroma.com/docs/overview/architecture",
         warning="fewer than today"),
    Case("both framework integrations in the application", dict(deployment="embedded",
                                                                integrations=["langchain", "llamaindex"]),
         "LangChain's HNSWLib store is LangChain.js only — "
         "https://docs.langchain.com/oss/javascript/js-integrations/vectorstores/hnswlib",
         against=("hnswlib", "LangChain integration is partial")),
    Case("a team without operators on a cluster", dict(deployment="cluster", ops_skills="none"),
         "Chroma's distributed mode is run with Chroma's team (BYOC) — "
         "https://docs.trychroma.com/docs/overview/architecture",
         against=("chroma", "only in part"), excluded=LIBRARIES),
    # In-process engines run in fewer languages than their servers' clients
    Case("a Java team, embedded", dict(deployment="embedded", sdk_languages=["java"]),
         "Qdrant Edge is Python and Rust (https://qdrant.tech/documentation/edge/edge-api/index.md); Milvus Lite is "
         f"Python ({LITE}); LanceDB's Java SDK is remote-only (https://lancedb.github.io/lancedb/java/java/)",
         excluded=EMBEDDED, warning="No engine meets every hard constraint"),
    Case("a JavaScript team, embedded", dict(deployment="embedded", sdk_languages=["javascript"]),
         "LanceDB Embedded runs in-process from TypeScript — https://docs.lancedb.com/basics/sdk.md; Chroma's JS "
         "client needs a server — https://github.com/chroma-core/chroma/blob/218e1b9784265215e1547ebae55f4ba9cade5079/"
         "docs/mintlify/docs/run-chroma/clients.mdx",
         kept={"lancedb"}, excluded={"qdrant", "milvus", "chroma", "faiss", "hnswlib"}),
    Case("a Rust team, embedded", dict(deployment="embedded", sdk_languages=["rust"]),
         "Qdrant Edge ships a Rust crate — https://qdrant.tech/documentation/edge/edge-api/index.md",
         kept={"qdrant", "lancedb"}, excluded={"milvus", "chroma"}),
    Case("a Java team, single server", dict(deployment="single_server", sdk_languages=["java"]),
         "the servers have Java clients — https://qdrant.tech/documentation/interfaces/index.md",
         kept={"qdrant", "milvus", "weaviate", "pgvector"}),
    # Licenses of what runs in the mode
    Case("an air-gapped cluster, permissive licenses only", dict(deployment="cluster", license_constraint="permissive only"),
         "LanceDB's only self-hosted multi-node product is LanceDB Enterprise, sold commercially — "
         "https://docs.lancedb.com/enterprise/features",
         excluded={"lancedb"}, kept={"qdrant", "milvus"}),
    Case("permissive licenses only, embedded", dict(deployment="embedded", license_constraint="permissive only"),
         "LanceDB OSS is Apache-2.0 — https://npmjs.com/package/@lancedb/lancedb",
         kept={"lancedb", "qdrant", "faiss", "hnswlib"}),
    # Limits of the mode, not of the engine
    Case("int8 vectors in the application", dict(deployment="embedded", vector_type="int8"),
         f"Milvus Lite 3.2.2 has no int8 vector fields — {LITE}; Qdrant stores int8 vectors — "
         "https://qdrant.tech/documentation/faq/qdrant-fundamentals/index.md",
         excluded={"milvus"}, kept={"qdrant"}),
    Case("binary vectors on a Milvus server", dict(deployment="single_server", vector_type="binary", metric="hamming"),
         "Milvus's server stores BINARY_VECTOR with HAMMING — https://milvus.io/docs/metric.md",
         kept={"milvus"}),
    Case("TLS required in the application", dict(deployment="embedded", security=["tls"]),
         f"Milvus Lite has no TLS — {LITE}",
         excluded={"milvus"}),
    Case("writes searchable within a second on one Weaviate node", dict(deployment="single_server",
                                                                       write_visibility="within a second"),
         "one node with replication and asynchronous indexing off indexes a write before acknowledging it — "
         "https://docs.weaviate.io/deploy/configuration/env-vars.md",
         not_against=("weaviate", "eventually consistent"), for_=("weaviate", "indexed before it is acknowledged")),
    Case("multi-vector required on Zilliz Cloud", dict(deployment="managed_cloud", multi_vector="required"),
         "Zilliz Cloud's embedding lists with MAX_SIM are in Public Preview — "
         "https://docs.zilliz.com/docs/search-with-struct-array",
         kept={"milvus"}, against=("milvus", "Public Preview")),
    # Scale one node cannot hold, and targets no run assesses
    Case("five billion vectors on a cluster", dict(deployment="cluster", vectors_now=2_000_000_000,
                                                   vectors_24m=5_000_000_000, dimensions=768),
         "pgvector does not shard by itself: Citus or another approach — https://github.com/pgvector/pgvector#scaling",
         warning="pgvector (PostgreSQL): 5,000,000,000 x 768 is 14.0 TiB of raw vectors"),
    Case("two billion vectors on a single server", dict(deployment="single_server", vectors_now=500_000_000,
                                                        vectors_24m=2_000_000_000, dimensions=1024),
         "one PostgreSQL primary holds one machine's data; sharding needs Citus — "
         "https://github.com/pgvector/pgvector#scaling",
         warning="more than one node holds, and sharding is partial"),
    Case("p95 5 ms at 5,000 QPS with no runs", dict(latency_p95_ms=5, peak_qps=5000),
         "a latency target is a measurement, which the documentation cannot give — "
         "https://github.com/zilliztech/VectorDBBench",
         warning="The p95 under 5 ms at 5,000 QPS is not assessed: no run was given"),
    Case("a standby region from the application", dict(deployment="embedded",
                                                        disaster_recovery="standby in another region"),
         "an in-process engine's files are the application's to copy — https://github.com/nmslib/hnswlib",
         warning="standby in another region needs a server", excluded=LIBRARIES),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_expert_scenario(case: Case):
    result = recommend(Scenario(case.name, case.answers))
    by_engine = {v.engine: v for v in result.ranking}
    assert "https://" in case.rationale, "every expectation cites the page it rests on"
    for engine in case.excluded:
        assert by_engine[engine].excluded, (engine, "should be excluded", case.rationale)
    for engine in case.kept:
        assert not by_engine[engine].excluded, (engine, by_engine[engine].excluded, case.rationale)
    if case.top_within is not None:
        assert result.top_group and set(result.top_group) <= case.top_within, (result.top_group, result.verdict)
    assert not set(result.top_group) & case.top_not, result.top_group
    if case.warning:
        assert any(case.warning in w.text for w in result.warnings), [w.text for w in result.warnings]
    engine, phrase = case.against
    if engine:
        assert any(phrase in r.text for r in by_engine[engine].reasons_against), by_engine[engine].reasons_against
    engine, phrase = case.for_
    if engine:
        assert any(phrase in r.text for r in by_engine[engine].reasons_for), by_engine[engine].reasons_for
    engine, phrase = case.not_against
    if engine:
        assert not any(phrase in r.text for r in by_engine[engine].reasons_against), by_engine[engine].reasons_against


def test_there_are_at_least_40_scenarios():
    assert len(CASES) >= 40


def test_there_are_at_least_25_scenarios_covering_every_mode():
    assert len(CASES) >= 25
    modes = {c.answers.get("deployment", "single_server") for c in CASES}
    assert modes == {"embedded", "single_server", "cluster", "managed_cloud"}
