"""The memory model against the vendors' own sizing rules, raw vector bytes and a real pgvector index."""

import pytest

from adapters.registry import adapter_class
from vectorscout.decision import memory_model
from vectorscout.decision.memory_model import calibrate, model, vendor_rule_bytes, vendor_rules

DIM, DEGREE, RAW = 768, 16, 768 * 4
GRAPH_PARAMS = {"M": DEGREE, "m": DEGREE, "max_connections": DEGREE, "max_neighbors": DEGREE}


def vendor_cases():
    for engine in memory_model._knowledge():
        for rule in vendor_rules(engine):
            yield pytest.param(engine, rule, id=f"{engine}-{rule['index']}-{rule['bytes_per_vector']}")


@pytest.mark.parametrize("engine, rule", list(vendor_cases()))
def test_the_model_lands_within_35_percent_of_each_vendor_rule(engine, rule):
    dim = rule.get("dim", DIM)
    ours = model(engine, rule["index"], dim, GRAPH_PARAMS).ram_bytes_per_vector
    theirs = vendor_rule_bytes(rule, dim, DEGREE)
    assert 0.65 <= ours / theirs <= 1.35, (engine, ours, theirs, rule["source"])


def test_every_engine_with_a_server_or_library_has_a_vendor_rule():
    assert {engine for engine, _ in (case.values for case in vendor_cases())} >= {
        "qdrant", "milvus", "weaviate", "pgvector", "chroma", "faiss", "hnswlib", "lancedb"}


def test_every_declared_index_type_is_modelled_and_its_layout_pinned():
    """Each index type an adapter declares has a model entry, and that entry's figure is pinned against its
    cited formula in test_knowledge_oracles.py (EXPECTED): no modelled index is left unchecked."""
    from test_knowledge_oracles import EXPECTED

    pinned = {(engine, index) for engine, index, _ in EXPECTED}
    for engine in memory_model._knowledge():
        for spec in adapter_class(engine).capabilities.index_types:
            breakdown = model(engine, spec.name, 128)
            assert (engine, spec.name) in pinned and breakdown.source.strip(), (engine, spec.name)
            assert breakdown.ram_bytes_per_vector > 0 or "on disk" in breakdown.note, breakdown.to_dict()


@pytest.mark.parametrize("engine, index", [("faiss", "hnsw"), ("hnswlib", "hnsw"), ("chroma", "hnsw"), ("qdrant", "hnsw"),
                                           ("milvus", "hnsw"), ("pgvector", "hnsw"), ("weaviate", "hnsw")])
def test_in_memory_hnsw_costs_between_one_and_two_and_a_half_times_the_raw_vectors(engine, index):
    breakdown = model(engine, index, DIM, GRAPH_PARAMS)
    assert RAW <= breakdown.ram_bytes_per_vector <= 2.5 * RAW, breakdown.to_dict()


def test_an_index_that_keeps_vectors_on_disk_says_so():
    breakdown = model("lancedb", "ivf_hnsw_sq", DIM)
    assert breakdown.ram_bytes_per_vector < RAW / 2 and "on disk" in breakdown.note
    assert breakdown.disk_bytes_per_vector >= RAW  # the originals are still stored


def test_the_graph_term_follows_the_degree_and_the_vectors_the_dimension():
    small, large = model("faiss", "hnsw", DIM, {"M": 8}), model("faiss", "hnsw", DIM, {"M": 32})
    assert large.ram_bytes_per_vector - small.ram_bytes_per_vector == pytest.approx(2 * 24 * 4 * 1.03)
    assert model("faiss", "hnsw", 2 * DIM).ram_bytes_per_vector - model("faiss", "hnsw", DIM).ram_bytes_per_vector == RAW


def test_calibration_needs_two_sizes_and_flags_a_disagreement():
    modelled = 1000.0
    assert not calibrate([(10_000, 50e6)], modelled).used  # one size: fixed memory would be charged per vector
    agreeing = calibrate([(10_000, 30e6 + 10_000 * 1100.0), (40_000, 30e6 + 40_000 * 1100.0)], modelled)
    assert agreeing.used and agreeing.ratio == pytest.approx(1.1) and agreeing.fixed_bytes == pytest.approx(30e6)
    wild = calibrate([(10_000, 10_000 * 5000.0), (40_000, 40_000 * 5000.0)], modelled)
    assert not wild.used and "disagrees" in wild.verdict


def test_vendor_rules_are_plain_arithmetic_only():
    with pytest.raises(memory_model.MemoryModelError):
        vendor_rule_bytes({"bytes_per_vector": "__import__('os').getcwd()"}, DIM, DEGREE)


@pytest.mark.engine
def test_pgvector_model_matches_a_real_hnsw_index():
    """The page layout model against PostgreSQL's own relation size of a built HNSW index."""
    import tempfile
    from pathlib import Path

    import numpy as np

    from vectorscout.contract.metric import Metric

    cls = adapter_class("pgvector")
    n, dim = 1500, 768
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    with tempfile.TemporaryDirectory() as workdir, cls(Path(workdir)) as db:
        db.create_collection("memory_model", dim, Metric.L2, "hnsw", {"m": 16, "ef_construction": 64})
        db.insert(np.arange(n, dtype=np.int64), vectors, {})
        db.wait_until_indexed()
        index_bytes = db.index_bytes()
        db.drop()
    modelled = model("pgvector", "hnsw", dim, {"m": 16}).ram_bytes_per_vector
    print(f"pgvector HNSW 768-d: {index_bytes / n:,.0f} B/vector measured, {modelled:,.0f} modelled")
    assert 0.85 <= index_bytes / n / modelled <= 1.15, (index_bytes / n, modelled)


def test_calibration_is_a_least_squares_line_used_within_twice_the_model_either_way():
    from vectorscout.decision.memory_model import DISAGREEMENT

    assert DISAGREEMENT == 2.0
    # three sizes off the line: slope = cov / var by hand. x = 10k, 20k, 30k; y = 25, 40, 70 MB above the empty engine
    fit = calibrate([(30_000, 70e6), (10_000, 25e6), (20_000, 40e6)], 1500.0)
    slope = ((-10_000) * (25e6 - 45e6) + 0 + 10_000 * (70e6 - 45e6)) / (2 * 10_000**2)  # 2,250 B/vector
    assert fit.measured_bytes_per_vector == pytest.approx(slope) == pytest.approx(2250.0)
    assert fit.fixed_bytes == pytest.approx(45e6 - slope * 20_000)  # 0 intercept: 45e6 - 45e6
    assert fit.ratio == pytest.approx(1.5) and fit.used and fit.modelled_bytes_per_vector == 1500.0
    assert fit.points == ((10_000, 25e6), (20_000, 40e6), (30_000, 70e6))
    assert fit.verdict == "calibrated over 3 sizes: measured 2,250 B/vector, model 1,500 (1.50x)"
    # exactly twice and exactly half the model are still used; beyond either, the model stands and says why
    assert calibrate([(1000, 2000e3), (2000, 4000e3)], 1000.0).used
    assert calibrate([(1000, 500e3), (2000, 1000e3)], 1000.0).used
    over = calibrate([(1000, 2010e3), (2000, 4020e3)], 1000.0)
    assert not over.used and over.ratio == pytest.approx(2.01)
    assert over.verdict == ("measured 2,010 B/vector disagrees with the model's 1,000 (2.01x): the model is used; check "
                            "the runs (other load on the machine, sizes too small)")
    assert not calibrate([(1000, 490e3), (2000, 980e3)], 1000.0).used
    shrinking = calibrate([(1000, 5e6), (2000, 4e6)], 1000.0)  # memory fell as vectors grew: noise, not a fit
    assert not shrinking.used and shrinking.measured_bytes_per_vector == pytest.approx(-1000.0)
    assert calibrate([(1000, 0.0), (2000, 0.0)], 1000.0).used is False  # flat: slope 0
    unmodelled = calibrate([(1000, 1e6), (2000, 2e6)], 0.0)
    assert unmodelled.ratio is None and not unmodelled.used and "(n/a)" in unmodelled.verdict
    # a negative intercept (the empty engine measured high) is clamped when used, kept when it is not
    assert calibrate([(1000, 0.5e6), (2000, 1.6e6)], 1000.0).fixed_bytes == 0.0
    assert calibrate([(1000, 0.5e6), (2000, 3.5e6)], 1000.0).fixed_bytes == pytest.approx(-2.5e6)


def test_calibration_from_one_size_or_none_says_which():
    one = calibrate([(10_000, 5e6), (10_000, 6e6)], 500.0)  # repeated at one size: still one size
    assert (one.used, one.ratio, one.measured_bytes_per_vector, one.fixed_bytes) == (False, None, None, None)
    assert one.points == ((10_000, 5e6), (10_000, 6e6)) and one.modelled_bytes_per_vector == 500.0
    assert one.verdict.startswith("not calibrated: memory measured at one size only")
    assert calibrate([], 500.0).verdict == "not calibrated: no isolated run measured memory"


def test_the_breakdown_document_lists_each_term_rounded_and_says_where_it_came_from():
    assert model("faiss", "hnsw", 128, {"M": 16}).to_dict() == {
        "engine": "faiss", "index": "hnsw", "dim": 128,
        "terms": {"vectors": 512.0, "graph": 131.8, "ids": 0.0},  # 2 x 16 links x 4 B x 1.03 = 131.84
        "runtime_factor": 1.0, "ram_bytes_per_vector": 643.8, "disk_bytes_per_vector": 643.8, "note": "vectors in memory",
        "source": "https://www.github.com/facebookresearch/faiss/wiki/Faiss-indexes (IndexHNSWFlat: 4*d + x*M*2*4)"}


@pytest.mark.parametrize(("index", "dim", "build", "option", "ram", "disk", "note"), [
    # 768-d vector: datum 4 x 768 + 8 = 3,080 B, stored out of line (over ~2 KB): heap 24 + 8 + 3,080 + 18 = 3,130.
    # element MAXALIGN(72 + 3,080) = 3,152, neighbours MAXALIGN(4 + 2 x 16 x 6) = 200, + 4 line pointer = 3,356:
    # 8,160 usable // 3,360 = 2 per 8 KB page
    ("hnsw", 768, {"m": 16}, None, 8192 / 2, 8192 / 2 + 3130, "the HNSW index pages kept in memory; the table on disk"),
    # 100-d, m 8: datum 408; heap MAXALIGN(440) = 440 -> 8,160 // 444 = 18 per page; element 480 + neighbours
    # MAXALIGN(4 + 96) = 104 + 4 = 588 -> 8,160 // 592 = 13 per page
    ("hnsw", 100, {"m": 8}, None, 8192 / 13, 8192 / 13 + 8192 / 18, "the HNSW index pages kept in memory; the table on disk"),
    # IVFFlat: MAXALIGN(8 + 408) = 416 -> 8,160 // 420 = 19 per page
    ("ivfflat", 100, {}, None, 8192 / 19, 8192 / 19 + 8192 / 18, "the IVFFlat lists kept in memory; the table on disk"),
    ("flat", 100, {}, None, 8192 / 18, 8192 / 18, "a sequential scan reads the whole table: kept in memory"),
    # halfvec 768-d: datum 2 x 768 + 8 = 1,544 in line: heap MAXALIGN(1,576) -> 8,160 // 1,580 = 5; element
    # MAXALIGN(1,616) + 200 + 4 = 1,820 -> 4 per page
    ("hnsw", 768, {}, "halfvec (float16) with an HNSW index", 8192 / 4, 8192 / 4 + 8192 / 5,
     "the HNSW index pages kept in memory; the table on disk"),
    # halfvec 996-d: a 2,000-byte datum goes out of line (24 + 8 + 2,000 + 18); 995-d (1,998 B) stays: 4 per page
    ("flat", 996, {}, "halfvec (float16) with an HNSW index", 2050.0, 2050.0, None),
    ("flat", 995, {}, "halfvec (float16) with an HNSW index", 8192 / 4, 8192 / 4, None),
    # an element larger than a page still takes one page: 2,000-d element 8,080 + 200 + 4 > 8,160
    ("hnsw", 2000, {}, None, 8192.0, 8192.0 + 24 + 8 + 8008 + 18, None),
])
def test_pgvector_pages_by_hand(index, dim, build, option, ram, disk, note):
    if option is not None and index == "flat":  # the halfvec option names the HNSW index: read its heap alone
        breakdown = model("pgvector", "hnsw", dim, build, option)
        element = breakdown.ram_bytes_per_vector
        assert breakdown.disk_bytes_per_vector - element == pytest.approx(disk)
        return
    breakdown = model("pgvector", index, dim, build, option)
    assert breakdown.ram_bytes_per_vector == pytest.approx(ram)
    assert breakdown.disk_bytes_per_vector == pytest.approx(disk)
    assert [term.name for term in breakdown.terms] == ["table pages" if index == "flat" else "index pages"]
    if note:
        assert breakdown.note == note


def test_a_missing_option_or_index_is_named():
    with pytest.raises(memory_model.MemoryModelError, match=r"^pgvector has no memory option 'zstd'$"):
        model("pgvector", "hnsw", 8, {}, "zstd")
    with pytest.raises(memory_model.MemoryModelError, match=r"^no memory model for pgvector diskann$"):
        model("pgvector", "diskann", 8)


def pages_needed(tuple_bytes: int) -> float:
    """Fill one 8 KB page tuple by tuple (each with its 4-byte line pointer) until the next does not fit."""
    usable, used, count = 8192 - 24 - 8, 0, 0
    while used + tuple_bytes + 4 <= usable:
        used += tuple_bytes + 4
        count += 1
    return 8192 / max(count, 1)


def maxalign(size: int) -> int:
    return -(-size // 8) * 8


@pytest.mark.parametrize("m", [4, 8, 16, 23, 48])
def test_pgvector_pages_match_a_page_filled_tuple_by_tuple_at_every_dimension(m):
    """src/hnsw.h's tuple sizes, packed by simulation, at each dimension from 1 to 2,100: every byte of a
    tuple's size counts where it tips a page from n to n - 1 tuples."""
    for dim in range(1, 2101):
        datum = 4 * dim + 8
        heap = pages_needed(maxalign(24 + 8 + datum)) if datum < 2000 else 24 + 8 + datum + 18
        element, neighbours = maxalign(72 + datum), maxalign(4 + 2 * m * 6)
        hnsw = model("pgvector", "hnsw", dim, {"m": m})
        assert hnsw.ram_bytes_per_vector == pytest.approx(pages_needed(element + neighbours + 4)), dim
        assert hnsw.disk_bytes_per_vector == pytest.approx(pages_needed(element + neighbours + 4) + heap), dim
        if m == 16:
            ivfflat = pages_needed(maxalign(8 + datum))
            assert model("pgvector", "ivfflat", dim).ram_bytes_per_vector == pytest.approx(ivfflat), dim
            assert model("pgvector", "flat", dim).ram_bytes_per_vector == pytest.approx(heap), dim
            assert model("pgvector", "hnsw", dim).ram_bytes_per_vector == hnsw.ram_bytes_per_vector  # m 16 by default


def test_vendor_rules_are_plain_arithmetic_over_the_degree_by_any_name():
    assert vendor_rule_bytes({"bytes_per_vector": "dim * 4 + M * 8 - 2"}, 10, 16) == 166.0
    assert vendor_rule_bytes({"bytes_per_vector": "(m + max_connections) / 4 - 1"}, 10, 16) == 7.0
    with pytest.raises(memory_model.MemoryModelError) as refused:
        vendor_rule_bytes({"bytes_per_vector": "dim ** 2"}, 10, 16)
    assert str(refused.value) == "a sizing rule may use numbers, dim, M, m, max_connections and + - * / only"
    assert vendor_rules("no such engine") == []


def test_an_engine_without_memory_options_has_none():
    assert memory_model.options("no such engine") == []


@pytest.mark.parametrize(("engine", "index", "option", "note", "terms"), [
    ("weaviate", "flat", None, "original vectors on disk; read from disk per query", ["vectors", "ids"]),
    ("lancedb", "ivf_pq", None, "original vectors on disk; compressed codes in memory", ["vectors", "codes", "ids"]),
    ("lancedb", "ivf_hnsw_sq", None, "original vectors on disk; compressed codes and the graph in memory",
     ["vectors", "graph", "codes", "ids"]),
    ("qdrant", "hnsw", None, "vectors in memory", ["vectors", "graph", "ids"]),
    ("qdrant", "hnsw", "float16 vectors", "vectors in memory", ["vectors", "graph", "ids"]),
])
def test_each_breakdown_says_what_stays_in_memory(engine, index, option, note, terms):
    breakdown = model(engine, index, 64, {}, option)
    assert (breakdown.engine, breakdown.index, breakdown.dim, breakdown.note) == (engine, index, 64, note)
    assert [term.name for term in breakdown.terms] == terms
    on_disk = note.startswith("original")
    assert breakdown.terms[0].bytes_per_vector == (0.0 if on_disk else 64 * (2 if option else 4))
    assert breakdown.disk_bytes_per_vector >= 64 * (2 if option else 4)


def test_a_page_layout_breakdown_names_its_engine_index_and_dimension():
    breakdown = model("pgvector", "ivfflat", 100)
    assert (breakdown.engine, breakdown.index, breakdown.dim, breakdown.runtime_factor) == ("pgvector", "ivfflat", 100, 1.0)


def test_every_modelled_index_is_one_its_adapter_declares():
    for engine, indexes in memory_model._knowledge().items():
        declared = {spec.name for spec in adapter_class(engine).capabilities.index_types}
        assert set(indexes) - {"options", "vendor_rules"} <= declared, engine


def test_an_index_modelled_like_another_keeps_its_own_source():
    autoindex, hnsw = model("milvus", "autoindex", 64), model("milvus", "hnsw", 64)
    assert autoindex.ram_bytes_per_vector == hnsw.ram_bytes_per_vector
    assert autoindex.source == "https://milvus.io/docs/index-explained.md" != hnsw.source


def test_calibration_at_small_figures_and_what_a_refused_one_keeps():
    # a model of 1 B/vector and a measured 1 B/vector: ratio 1, used
    assert calibrate([(1000, 2000.0), (2000, 3000.0)], 1.0).used
    half = calibrate([(1000, 2000.0), (2000, 2500.0)], 0.5)  # 0.5 B/vector measured against 0.5 modelled
    assert half.ratio == pytest.approx(1.0) and half.used
    refused = calibrate([(2000, 9e6), (1000, 1e6)], 1000.0)
    assert (refused.used, refused.points, refused.modelled_bytes_per_vector) == (False, ((1000, 1e6), (2000, 9e6)), 1000.0)


@pytest.mark.parametrize("engine", ["faiss", "milvus"])
def test_product_quantization_holds_the_chosen_m_bytes_of_code_per_vector(engine):
    """IVF-PQ keeps m one-byte codes per vector and no vectors: a run that chose m=8 at 384 dimensions holds 8
    bytes of code, not a quarter of the dimensions."""
    chosen = model(engine, "ivf_pq", 384, {"m": 8})
    codes = {term.name: term.bytes_per_vector for term in chosen.terms}
    assert codes["codes"] == 8 and codes["vectors"] == 0
    unset = {t.name: t.bytes_per_vector for t in model(engine, "ivf_pq", 384).terms}["codes"]
    # m not set: the adapter's own default for an IVF-PQ build, FAISS's 0 (a quarter of the dimensions, 96) and
    # Milvus's 16, not the defaults of another index type (which have no m)
    assert unset == {"faiss": 96, "milvus": 16}[engine]
