"""Every number in the knowledge files (memory.yaml, prices.yaml, features.yaml limits) against the figure its
cited source states, written out here by hand: a vendor's layout formula evaluated at a worked dimension, a
price as read from the cited page, an instance's size from its own name, a limit from the text it quotes.

These tests share no code with the model beyond the call under test: the expected values are plain
arithmetic on the documented formulas. `tests/mutation/knowledge_mutation.py` perturbs each constant of the
files one at a time and checks that a test here fails.
"""

import math
import re

import pytest
import yaml

from vectorscout.decision import memory_model
from vectorscout.decision.cost import DEFAULT_PRICES, default_prices
from vectorscout.decision.matrix import KNOWLEDGE
from vectorscout.decision.memory_model import model, vendor_rule_bytes, vendor_rules


def maxalign(size: float) -> int:
    return math.ceil(size / 8) * 8


def pg_pages(tuple_bytes: int, tuples_per_vector: int) -> float:
    """PostgreSQL 8 KB pages: 24-byte header and 8 bytes of special space; each tuple has a 4-byte line pointer."""
    per_page = (8192 - 24 - 8) // (tuple_bytes + 4 * tuples_per_vector)
    return 8192 / per_page


def pg_heap(datum: int) -> float:
    """A heap tuple: 24-byte header, the 8-byte id, the datum; over about 2 KB the datum is TOASTed (out of line)."""
    if datum >= 2000:
        return 24 + 8 + datum + 18
    return pg_pages(maxalign(24 + 8 + datum), 1)


def pg_hnsw(dim: int, m: int, component: float) -> float:
    # src/hnsw.h: element tuple MAXALIGN(72 + datum) and its layer-0 neighbour tuple MAXALIGN(4 + 2*m*6)
    return pg_pages(maxalign(72 + component * dim + 8) + maxalign(4 + 2 * m * 6), 2)


# (engine, index, build parameters) -> (RAM bytes per vector, disk bytes per vector) at dimension D, by the
# cited layout. D = 768 and a degree of 16 or 32: the degree is always given, so the adapters' defaults do
# not enter (they are checked below against the vendors' documented defaults).
D = 768
EXPECTED = {
    # FAISS wiki, "Faiss indexes": IndexFlat 4d; IndexHNSWFlat 4d + 2*M*4 at layer 0 (upper layers: about
    # 1/(M-1) of the vectors with M more links, ~3 %); IVFFlat 4d + 8-byte id; IVF-SQ8 d + 8; IVF-PQ m + 8
    ("faiss", "flat", ()): (4 * D, 4 * D),
    ("faiss", "hnsw", (("M", 32),)): (4 * D + 2 * 32 * 4 * 1.03, 4 * D + 2 * 32 * 4 * 1.03),
    ("faiss", "ivf_flat", ()): (4 * D + 8, 4 * D + 8),
    ("faiss", "ivf_sq8", ()): (D + 8, D + 8),
    ("faiss", "ivf_pq", (("m", 0),)): (D / 4 + 8, D / 4 + 8),  # m = 0: the adapter's d/4
    ("faiss", "ivf_pq", (("m", 48),)): (48 + 8, 48 + 8),
    ("faiss", "hnsw_sq8", (("M", 16),)): (D + 2 * 16 * 4 * 1.03, D + 2 * 16 * 4 * 1.03),
    # hnswlib (hnswalg.h): 4d, 2*M links of 4 bytes at layer 0, an 8-byte label and a 4-byte link count
    ("hnswlib", "hnsw", (("M", 16),)): (4 * D + 2 * 16 * 4 * 1.03 + 12, 4 * D + 2 * 16 * 4 * 1.03 + 12),
    # Chroma's index is hnswlib, plus its string id <-> label maps (about 64 B)
    ("chroma", "hnsw", (("max_neighbors", 16),)): (4 * D + 2 * 16 * 4 * 1.03 + 76, 4 * D + 2 * 16 * 4 * 1.03 + 76),
    # Qdrant capacity planning: vectors 4d, links 2*m*4 with 1.2 for the upper layers, id tracker 52 B;
    # quantized: the codes in RAM (int8: d; binary: d/8), the originals on disk
    ("qdrant", "hnsw", (("m", 16),)): (4 * D + 2 * 16 * 4 * 1.2 + 52, 4 * D + 2 * 16 * 4 * 1.2 + 52),
    ("qdrant", "hnsw_sq8", (("m", 16),)): (2 * 16 * 4 * 1.2 + D + 52, 4 * D + 2 * 16 * 4 * 1.2 + D + 52),
    ("qdrant", "hnsw_binary", (("m", 16),)): (2 * 16 * 4 * 1.2 + D / 8 + 52, 4 * D + 2 * 16 * 4 * 1.2 + D / 8 + 52),
    # float16 storage: the vectors at 2 bytes per dimension, the same graph and ids
    ("qdrant", "hnsw_float16", (("m", 16),)): (2 * D + 2 * 16 * 4 * 1.2 + 52, 2 * D + 2 * 16 * 4 * 1.2 + 52),
    # milvus.io index docs: HNSW 4d + 2*M*4 and the int64 key; IVF 4d (SQ8: d) with key and 2-byte list;
    # HNSW_SQ d + graph; IVF_PQ m bytes (nbits 8)
    ("milvus", "hnsw", (("M", 16),)): (4 * D + 2 * 16 * 4 + 8, 4 * D + 2 * 16 * 4 + 8),
    ("milvus", "autoindex", (("M", 16),)): (4 * D + 2 * 16 * 4 + 8, 4 * D + 2 * 16 * 4 + 8),
    ("milvus", "ivf_flat", ()): (4 * D + 10, 4 * D + 10),
    ("milvus", "flat", ()): (4 * D + 8, 4 * D + 8),
    ("milvus", "ivf_sq8", ()): (D + 10, D + 10),
    ("milvus", "hnsw_sq8", (("M", 16),)): (D + 2 * 16 * 4 + 8, D + 2 * 16 * 4 + 8),
    ("milvus", "ivf_pq", (("m", 96),)): (96 + 10, 96 + 10),
    # ScaNN: the raw vectors (reordering) plus a 4-bit code per two dimensions; DiskANN: 0.225 x 4d of PQ codes
    # and node cache in RAM (0.9 bytes per dimension), the graph and vectors on SSD
    ("milvus", "scann", ()): (4 * D + D / 4 + 10, 4 * D + D / 4 + 10),
    ("milvus", "diskann", ()): (0.9 * D + 8, 4 * D + 0.9 * D + 8),
    # LanceDB: the table stays on disk; HNSW-SQ keeps graph (2*m*4), one-byte codes and an 8-byte row id;
    # IVF-PQ dim/8 one-byte codes; RaBitQ one bit per dimension
    ("lancedb", "ivf_hnsw_sq", (("m", 16),)): (2 * 16 * 4 + D + 8, 4 * D + 2 * 16 * 4 + D + 8),
    ("lancedb", "ivf_pq", ()): (D / 8 + 8, 4 * D + D / 8 + 8),
    ("lancedb", "ivf_rq", ()): (D / 8 + 8, 4 * D + D / 8 + 8),
    ("lancedb", "none", ()): (0.0, 4 * D),
    # Weaviate resources: N x (vector bytes + maxConnections x 10), times 1.5 for Go's garbage collector
    ("weaviate", "hnsw", (("max_connections", 32),)): (1.5 * (4 * D + 32 * 10), 4 * D + 32 * 10),
    ("weaviate", "flat", ()): (0.0, 4 * D),
    # pgvector src/hnsw.h and the reference: vector 4d + 8, halfvec 2d + 8, bit d/8 + 8; index pages in RAM,
    # index and table on disk (a 768-d float32 datum is TOASTed)
    ("pgvector", "hnsw", (("m", 16),)): (pg_hnsw(D, 16, 4), pg_hnsw(D, 16, 4) + pg_heap(4 * D + 8)),
    ("pgvector", "hnsw_halfvec", (("m", 16),)): (pg_hnsw(D, 16, 2), pg_hnsw(D, 16, 2) + pg_heap(4 * D + 8)),
    ("pgvector", "hnsw_bit", (("m", 16),)): (pg_hnsw(D, 16, 0.125), pg_hnsw(D, 16, 0.125) + pg_heap(4 * D + 8)),
    ("pgvector", "ivfflat", ()): (pg_pages(maxalign(8 + 4 * D + 8), 1),
                                  pg_pages(maxalign(8 + 4 * D + 8), 1) + pg_heap(4 * D + 8)),
    ("pgvector", "flat", ()): (pg_heap(4 * D + 8), pg_heap(4 * D + 8)),
}


@pytest.mark.parametrize("engine, index, params", [pytest.param(*key, id=f"{key[0]}-{key[1]}-{dict(key[2])}")
                                                   for key in EXPECTED])
def test_each_modelled_layout_is_the_cited_formula(engine, index, params):
    ram, disk = EXPECTED[(engine, index, params)]
    breakdown = model(engine, index, D, dict(params))
    assert breakdown.ram_bytes_per_vector == pytest.approx(ram, abs=1e-6), breakdown.to_dict()
    assert breakdown.disk_bytes_per_vector == pytest.approx(disk, abs=1e-6), breakdown.to_dict()


def test_pgvector_pages_at_worked_sizes():
    """The page packing by hand: 768-d, m=16 fits 2 element+neighbour pairs per page (4,096 B each); 100-d,
    m=8 fits 13 (8192/13); a 100-d heap row of 444 bytes fits 18."""
    assert model("pgvector", "hnsw", 768, {"m": 16}).ram_bytes_per_vector == 4096
    assert model("pgvector", "hnsw", 100, {"m": 8}).ram_bytes_per_vector == pytest.approx(8192 / 13)
    assert model("pgvector", "flat", 100).ram_bytes_per_vector == pytest.approx(8192 / 18)


# The memory options, at D and a degree of 16: the index entry with the option's terms changed
OPTIONS = {
    ("faiss", "IVF with 8-bit scalar quantization (IVF,SQ8)"): D + 8,
    ("qdrant", "int8 scalar quantization, originals on disk"): 2 * 16 * 4 * 1.2 + D + 52,
    ("qdrant", "binary quantization, originals on disk"): 2 * 16 * 4 * 1.2 + D / 8 + 52,
    ("qdrant", "float16 vectors"): 2 * D + 2 * 16 * 4 * 1.2 + 52,
    ("milvus", "IVF_SQ8 (int8 codes only)"): D + 10,
    # DiskANN: PQ codes (12.5 % of the raw vectors) and a node cache (10 %), both of 4d: 0.9 bytes per dimension
    ("milvus", "DiskANN (PQ codes and a node cache in RAM, graph and vectors on SSD)"): 0.9 * D + 8,
    ("pgvector", "halfvec (float16) with an HNSW index"): pg_hnsw(D, 16, 2),
    ("lancedb", "IVF_PQ (dim/8 one-byte codes)"): D / 8 + 8,
    ("weaviate", "binary quantization (BQ), vectors on disk"): 1.5 * (D / 8 + 16 * 10),
    ("weaviate", "8-bit rotational or scalar quantization"): 1.5 * (D + 16 * 10),
}


@pytest.mark.parametrize("engine, option", list(OPTIONS))
def test_each_memory_option_is_its_cited_layout(engine, option):
    chosen = next(o for o in memory_model.options(engine) if o["name"] == option)
    degree = {"M": 16, "m": 16, "max_connections": 16, "max_neighbors": 16}
    breakdown = model(engine, chosen["index"], D, degree, option=option)
    assert breakdown.ram_bytes_per_vector == pytest.approx(OPTIONS[(engine, option)], abs=1e-6), breakdown.to_dict()


def test_every_option_and_layout_in_the_file_is_pinned_here():
    listed = {(engine, o["name"]) for engine in memory_model._knowledge() for o in memory_model.options(engine)}
    assert listed == set(OPTIONS)
    indexes = {(engine, index) for engine, entries in memory_model._knowledge().items()
               for index in entries if index not in ("options", "vendor_rules")}
    assert indexes == {(engine, index) for engine, index, _ in EXPECTED}


# Each vendor rule at 768-d and a degree of 16, worked by hand from the rule as the cited page writes it
VENDOR_RULES = {
    ("faiss", "dim*4 + M*2*4"): 768 * 4 + 16 * 2 * 4,
    ("hnswlib", "dim*4 + M*10"): 768 * 4 + 160,
    ("chroma", "1e9 / 245000"): 4081.632653,  # N (millions) = 0.245 x RAM (GB) at 1,024-d
    ("qdrant", "(dim*4 + m*2*4*1.2 + 52) * 1.2"): (3072 + 153.6 + 52) * 1.2,
    ("qdrant", "dim*4*1.5"): 4608,
    ("milvus", "dim*4 + 2*M*4"): 3072 + 128,
    ("pgvector", "8192 / 2"): 4096,
    ("lancedb", "dim*4 / 4"): 768,
    ("weaviate", "2 * dim*4"): 6144,
}


def test_each_vendor_rule_is_the_cited_arithmetic():
    seen = {}
    for engine in memory_model._knowledge():
        for rule in vendor_rules(engine):
            seen[(engine, rule["bytes_per_vector"])] = vendor_rule_bytes(rule, D, 16)
    assert seen.keys() == VENDOR_RULES.keys()
    for key, value in VENDOR_RULES.items():
        assert seen[key] == pytest.approx(value, rel=1e-6), key
    assert next(r for r in vendor_rules("chroma"))["dim"] == 1024  # Chroma measured 1,024-d embeddings


def test_adapters_default_degrees_are_the_vendors_documented_defaults():
    """A run that sets no degree is modelled at the engine's own default (each engine's docs)."""
    def graph(engine, index):
        return next(t.bytes_per_vector for t in model(engine, index, D).terms if t.name == "graph")

    assert graph("qdrant", "hnsw") == pytest.approx(2 * 16 * 4 * 1.2)  # Qdrant m = 16
    assert graph("milvus", "hnsw") == pytest.approx(2 * 16 * 4)  # the adapter's M = 16 (Milvus requires M)
    assert graph("faiss", "hnsw") == pytest.approx(2 * 16 * 4 * 1.03)  # FAISS requires M: the adapter's 16
    assert graph("weaviate", "hnsw") == pytest.approx(32 * 10)  # Weaviate maxConnections 32
    assert graph("chroma", "hnsw") == pytest.approx(2 * 16 * 4 * 1.03)  # Chroma max_neighbors 16
    assert graph("lancedb", "ivf_hnsw_sq") == pytest.approx(2 * 20 * 4)  # LanceDB IVF_HNSW_SQ m = 20
    assert model("pgvector", "hnsw", D).ram_bytes_per_vector == pg_hnsw(D, 16, 4)  # pgvector m = 16


# -- prices ------------------------------------------------------------------------------------------
# On-demand USD per hour as read from each row's cited catalog, per region (AWS: us-east-1, eu-central-1, eu-west-1,
# ap-southeast-1; GCP: us-central1, europe-west3, europe-west1, asia-southeast1; Azure: East US only, no USD catalog of
# another Azure region was found). The same instance type costs more in Frankfurt and Singapore than in Virginia.
INSTANCE_PRICES = {
    # us-east-1
    ("r7g.large", "us-east-1"): 0.1071, ("r7g.xlarge", "us-east-1"): 0.2142, ("r7g.2xlarge", "us-east-1"): 0.4284,
    ("r7g.4xlarge", "us-east-1"): 0.8568, ("r7g.8xlarge", "us-east-1"): 1.7136,
    ("r7g.16xlarge", "us-east-1"): 3.4272, ("r7i.large", "us-east-1"): 0.1323, ("r7i.xlarge", "us-east-1"): 0.2646,
    ("r7i.2xlarge", "us-east-1"): 0.5292, ("r7i.4xlarge", "us-east-1"): 1.0584, ("r7i.8xlarge", "us-east-1"): 2.1168,
    ("r7i.16xlarge", "us-east-1"): 4.2336, ("r6i.large", "us-east-1"): 0.126, ("r6i.2xlarge", "us-east-1"): 0.504,
    ("r6i.8xlarge", "us-east-1"): 2.016, ("m7g.large", "us-east-1"): 0.0816, ("m7g.xlarge", "us-east-1"): 0.1632,
    ("m7g.2xlarge", "us-east-1"): 0.3264, ("m7g.4xlarge", "us-east-1"): 0.6528, ("m7i.large", "us-east-1"): 0.1008,
    ("m7i.2xlarge", "us-east-1"): 0.4032, ("x2iedn.32xlarge", "us-east-1"): 26.676,
    # ap-southeast-1
    ("m7g.xlarge", "ap-southeast-1"): 0.204, ("m7g.2xlarge", "ap-southeast-1"): 0.408,
    ("m7g.4xlarge", "ap-southeast-1"): 0.816, ("r7g.large", "ap-southeast-1"): 0.1292,
    ("r7g.xlarge", "ap-southeast-1"): 0.2584, ("r7g.2xlarge", "ap-southeast-1"): 0.5168,
    ("r7g.4xlarge", "ap-southeast-1"): 1.0336, ("r7g.8xlarge", "ap-southeast-1"): 2.0672,
    ("r7g.16xlarge", "ap-southeast-1"): 4.1344, ("r7i.large", "ap-southeast-1"): 0.1596,
    ("r7i.xlarge", "ap-southeast-1"): 0.3192, ("r7i.2xlarge", "ap-southeast-1"): 0.6384,
    ("r7i.4xlarge", "ap-southeast-1"): 1.2768, ("r7i.8xlarge", "ap-southeast-1"): 2.5536,
    ("r7i.16xlarge", "ap-southeast-1"): 5.1072, ("x2iedn.32xlarge", "ap-southeast-1"): 38.682,
    # eu-central-1
    ("m7g.xlarge", "eu-central-1"): 0.1955, ("m7g.2xlarge", "eu-central-1"): 0.391,
    ("m7g.4xlarge", "eu-central-1"): 0.7821, ("r7g.large", "eu-central-1"): 0.1292,
    ("r7g.xlarge", "eu-central-1"): 0.2584, ("r7g.2xlarge", "eu-central-1"): 0.5168,
    ("r7g.4xlarge", "eu-central-1"): 1.0336, ("r7g.8xlarge", "eu-central-1"): 2.0672,
    ("r7g.16xlarge", "eu-central-1"): 4.1344, ("r7i.large", "eu-central-1"): 0.1596,
    ("r7i.xlarge", "eu-central-1"): 0.3192, ("r7i.2xlarge", "eu-central-1"): 0.6384,
    ("r7i.4xlarge", "eu-central-1"): 1.2768, ("r7i.8xlarge", "eu-central-1"): 2.5536,
    ("r7i.16xlarge", "eu-central-1"): 5.1072, ("x2iedn.32xlarge", "eu-central-1"): 37.348,
    # eu-west-1
    ("m7g.xlarge", "eu-west-1"): 0.1819, ("m7g.2xlarge", "eu-west-1"): 0.3638, ("m7g.4xlarge", "eu-west-1"): 0.7276,
    ("r7g.large", "eu-west-1"): 0.1199, ("r7g.xlarge", "eu-west-1"): 0.2397, ("r7g.2xlarge", "eu-west-1"): 0.4794,
    ("r7g.4xlarge", "eu-west-1"): 0.9588, ("r7g.8xlarge", "eu-west-1"): 1.9176,
    ("r7g.16xlarge", "eu-west-1"): 3.8352, ("r7i.large", "eu-west-1"): 0.14805, ("r7i.xlarge", "eu-west-1"): 0.2961,
    ("r7i.2xlarge", "eu-west-1"): 0.5922, ("r7i.4xlarge", "eu-west-1"): 1.1844, ("r7i.8xlarge", "eu-west-1"): 2.3688,
    ("r7i.16xlarge", "eu-west-1"): 4.7376, ("x2iedn.32xlarge", "eu-west-1"): 32.012,
    # asia-southeast1
    ("m3-ultramem-128", "asia-southeast1"): 30.05885, ("n2-highmem-2", "asia-southeast1"): 0.16161,
    ("n2-highmem-8", "asia-southeast1"): 0.64646, ("n2-highmem-16", "asia-southeast1"): 1.29291,
    ("n2-highmem-32", "asia-southeast1"): 2.58582, ("n4-highmem-2", "asia-southeast1"): 0.14683,
    ("n4-highmem-4", "asia-southeast1"): 0.29367, ("n4-highmem-32", "asia-southeast1"): 2.34936,
    # europe-west1
    ("m3-ultramem-128", "europe-west1"): 26.82808, ("n2-highmem-2", "europe-west1"): 0.14412,
    ("n2-highmem-8", "europe-west1"): 0.57649, ("n2-highmem-16", "europe-west1"): 1.15298,
    ("n2-highmem-32", "europe-west1"): 2.30595, ("n4-highmem-2", "europe-west1"): 0.13105,
    ("n4-highmem-4", "europe-west1"): 0.26211, ("n4-highmem-32", "europe-west1"): 2.09685,
    # europe-west3
    ("m3-ultramem-128", "europe-west3"): 28.7148, ("n2-highmem-2", "europe-west3"): 0.16879,
    ("n2-highmem-8", "europe-west3"): 0.67515, ("n2-highmem-16", "europe-west3"): 1.3503,
    ("n2-highmem-32", "europe-west3"): 2.70061, ("n4-highmem-2", "europe-west3"): 0.14044,
    ("n4-highmem-4", "europe-west3"): 0.28089, ("n4-highmem-32", "europe-west3"): 2.2471,
    # us-central1
    ("m3-ultramem-128", "us-central1"): 24.3648, ("n2-highmem-2", "us-central1"): 0.131014,
    ("n2-highmem-8", "us-central1"): 0.524056, ("n2-highmem-16", "us-central1"): 1.048112,
    ("n2-highmem-32", "us-central1"): 2.096224, ("n4-highmem-2", "us-central1"): 0.124388,
    ("n4-highmem-4", "us-central1"): 0.248776, ("n4-highmem-32", "us-central1"): 1.990208,
    ("n2-standard-8", "us-central1"): 0.388472,
    # eastus
    ("E2s_v5", "eastus"): 0.126, ("E4s_v5", "eastus"): 0.252, ("E8s_v5", "eastus"): 0.504,
    ("E32s_v5", "eastus"): 2.016, ("E64s_v5", "eastus"): 4.032, ("D8s_v5", "eastus"): 0.384,
}


def shipped_prices() -> dict:
    return yaml.safe_load(DEFAULT_PRICES.read_text())


def test_each_instance_price_is_the_cited_figure():
    assert {(i.name, i.region): i.usd_per_hour for i in default_prices().instances} == INSTANCE_PRICES
    assert INSTANCE_PRICES[("r7g.large", "eu-central-1")] / INSTANCE_PRICES[("r7g.large", "us-east-1")] == \
        pytest.approx(1.206, abs=1e-3)  # Frankfurt's premium on the same instance


def expected_size(name: str) -> tuple[int, int]:
    """vCPUs and GiB from the instance's name, by each provider's naming rule."""
    if (match := re.fullmatch(r"([rm])\d[gi]\.(?:(\d*)xlarge|large)", name)) is not None:
        vcpu = 2 if name.endswith(".large") else 4 * int(match[2] or 1)  # large 2, xlarge 4, Nxlarge 4N
        return vcpu, vcpu * (8 if match[1] == "r" else 4)  # r: 8 GiB per vCPU, m: 4
    if (match := re.fullmatch(r"x2iedn\.(\d+)xlarge", name)) is not None:
        return 4 * int(match[1]), 4 * int(match[1]) * 32  # memory-optimised x2iedn: 32 GiB per vCPU
    if name == "m3-ultramem-128":
        return 128, 3904  # Google's M3 ultramem: 30.5 GB per vCPU
    if (match := re.fullmatch(r"n[24]-(highmem|standard)-(\d+)", name)) is not None:
        vcpu = int(match[2])
        return vcpu, vcpu * (8 if match[1] == "highmem" else 4)
    if (match := re.fullmatch(r"([ED])(\d+)s_v5", name)) is not None:
        vcpu = int(match[2])
        return vcpu, vcpu * (8 if match[1] == "E" else 4)
    raise AssertionError(f"no naming rule for {name}")


def test_each_instance_size_follows_from_its_name():
    for instance in default_prices().instances:
        assert (instance.vcpu, instance.ram_gb) == expected_size(instance.name), instance.name


def test_prices_within_a_family_are_linear_in_size_and_derived_rows_follow_their_unit_rates():
    by_name = {i.name: i for i in default_prices().instances}
    families = {}
    for instance in default_prices().instances:
        family = re.sub(r"[.\-]\d*x?large$|-\d+$|\d+s_v5$", "", instance.name)
        families.setdefault((family, instance.region), []).append(instance)
    for family, members in families.items():
        rates = [m.usd_per_hour / m.vcpu for m in members]
        # one price per vCPU in a family and region, to the catalog's 4 decimals (m7g.4xlarge in Frankfurt: 0.7821)
        assert max(rates) == pytest.approx(min(rates), rel=5e-4), (family, rates)
    by_name = {i.name: i for i in default_prices().instances if i.region in ("us-east-1", "us-central1", "eastus")}
    # GCP N2 from its unit rates: $0.031611 per vCPU-hour, $0.004237 per GiB-hour
    for name in ("n2-highmem-2", "n2-highmem-8", "n2-highmem-16", "n2-highmem-32", "n2-standard-8"):
        n = by_name[name]
        assert n.usd_per_hour == pytest.approx(0.031611 * n.vcpu + 0.004237 * n.ram_gb, abs=1e-6), name
    assert by_name["D8s_v5"].usd_per_hour == pytest.approx(8 * 0.048)  # $0.048 per vCPU (D96s_v5)
    assert by_name["E8s_v5"].usd_per_hour == pytest.approx(8 * 0.063)  # $0.063 per vCPU across E v5


def test_storage_managed_and_hours_are_the_cited_figures():
    table = default_prices()
    assert table.hours_per_month == 730 == 365 * 24 / 12
    assert {(s.provider, s.region, s.usd_per_gb_month) for s in table.storage} == {
        ("aws", "us-east-1", 0.08), ("aws", "eu-central-1", 0.0952), ("aws", "eu-west-1", 0.088),
        ("aws", "ap-southeast-1", 0.096), ("gcp", "us-central1", 0.10), ("gcp", "europe-west3", 0.12),
        ("gcp", "europe-west1", 0.10), ("gcp", "asia-southeast1", 0.11),
        ("azure", "not stated", 76.80 / 1024)}  # Azure E30: 1 TiB at $76.80 a month
    managed = {m.name: m for m in table.managed}
    zilliz = managed["Zilliz Cloud dedicated, performance-optimized CU"]
    assert (zilliz.usd_per_unit_hour, zilliz.vectors_768d_per_unit) == (0.248, 1_500_000)
    assert managed["Zilliz Cloud dedicated, capacity-optimized CU"].vectors_768d_per_unit == 5_000_000
    chroma = managed["Chroma Cloud (storage only)"]  # $0.33 per GiB-month; a GiB holds 2^30 / (768 x 4) vectors
    assert chroma.usd_per_unit_hour == pytest.approx(0.33 / 730, abs=5e-7)
    assert chroma.vectors_768d_per_unit == 2**30 // (768 * 4)
    # Aurora Standard, on-demand, us-east-1, per the AWS table cited: one instance class holds a whole copy
    aurora = {m.name.split()[2]: (m.usd_per_unit_hour, m.ram_gb, m.kind) for m in table.managed
              if m.family == "Aurora PostgreSQL (pgvector)"}
    assert aurora == {"db.r7g.large": (0.276, 16, "instance"), "db.r7g.xlarge": (0.553, 32, "instance"),
                      "db.r7g.2xlarge": (1.106, 64, "instance"), "db.r7g.4xlarge": (2.211, 128, "instance"),
                      "db.r7g.8xlarge": (4.422, 256, "instance")}
    tiers = {m.name: (m.vectors_768d_per_unit, m.qps_per_unit, m.min_units) for m in table.managed
             if m.family == "Zilliz Cloud dedicated"}  # Zilliz's cluster types: capacity and QPS per CU
    assert tiers == {"Zilliz Cloud dedicated, performance-optimized CU": (1_500_000, 500, 1),
                     "Zilliz Cloud dedicated, capacity-optimized CU": (5_000_000, 100, 1),
                     "Zilliz Cloud dedicated, tiered-storage CU": (20_000_000, 5, 8)}
    unpriced = {name for name, m in managed.items() if m.usd_per_unit_hour is None}
    assert unpriced == {"Zilliz Cloud dedicated, capacity-optimized CU", "Zilliz Cloud dedicated, tiered-storage CU",
                        "Zilliz Cloud serverless", "Qdrant Cloud", "Weaviate Cloud Flex (shared)",
                        "Weaviate Cloud Premium (dedicated)", "LanceDB Cloud",
                        "Cloud SQL for PostgreSQL (pgvector)"}
    assert {name for name, m in managed.items() if m.vectors_768d_per_unit is None and m.kind == "units"} == \
        unpriced - {"Zilliz Cloud dedicated, capacity-optimized CU", "Zilliz Cloud dedicated, tiered-storage CU"}
    # the plans' published minimum bills (weaviate.io/pricing as transcribed): floors, not prices
    assert {n: m.min_usd_per_month for n, m in managed.items() if m.min_usd_per_month} == {
        "Weaviate Cloud Flex (shared)": 45, "Weaviate Cloud Premium (dedicated)": 400}
    assert len(shipped_prices()["managed"]) == len(managed)


# -- limits --------------------------------------------------------------------------------------------
def limit_cells():
    engines = yaml.safe_load((KNOWLEDGE / "features.yaml").read_text())["engines"]
    for engine, entry in engines.items():
        for vector_type, text in (entry.get("limits", {}).get("max_dimensions") or {}).items():
            yield engine, vector_type, text


LIMITS = {("qdrant", "float32"): 65535, ("qdrant", "float16"): 65535, ("qdrant", "int8"): 65535,
          ("milvus", "float32"): 32768, ("milvus", "float16"): 32768, ("milvus", "int8"): 32768,
          ("milvus", "binary"): 32768 * 8, ("pgvector", "float32"): 2000, ("pgvector", "float16"): 4000,
          ("pgvector", "binary"): 64000}


def test_each_dimension_limit_is_the_number_its_quoted_source_states():
    found = {}
    for engine, vector_type, text in limit_cells():
        level, comment = (part.strip() for part in str(text).split("|")[:2])
        found[(engine, vector_type)] = int(level)
        quoted = {int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", comment)}
        assert int(level) in quoted or (vector_type == "binary" and int(level) // 8 in quoted), (engine, text)
    assert found == LIMITS
