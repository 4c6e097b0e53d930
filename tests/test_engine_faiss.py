import numpy as np
import pytest
from contract import AdapterContract, sample_data

from adapters.registry import adapter_class
from vectorscout.benchmarking.specs import engine_config
from vectorscout.contract.metric import Metric
from vectorscout.data.groundtruth import exact_knn


class TestFaissFlat(AdapterContract):
    engine = "faiss"
    min_recall = 1.0  # Flat is exact: it is the baseline


class TestFaissHNSW(AdapterContract):
    engine = "faiss"
    options = {"index": "hnsw"}


class TestFaissIVF(AdapterContract):
    engine = "faiss"
    options = {"index": "ivf_flat", "nlist": "8", "nprobe": "4"}


class TestFaissIVFPQ(AdapterContract):
    engine = "faiss"
    options = {"index": "ivf_pq", "nlist": "8", "nprobe": "8", "m": "8"}
    min_recall = 0.75  # PQ codes approximate every distance: 8 bytes for 16 floats (0.905 measured on this data)
    fewest_vectors = 256  # each sub-quantizer trains 256 centroids (8-bit codes)


class TestFaissIVFSQ8(AdapterContract):
    engine = "faiss"
    options = {"index": "ivf_sq8", "nlist": "8", "nprobe": "4"}


class TestFaissHNSWSQ8(AdapterContract):
    engine = "faiss"
    options = {"index": "hnsw_sq8"}


@pytest.mark.engine
@pytest.mark.parametrize(("index", "fewest"), [("ivf_pq", 256), ("ivf_flat", 64)])
def test_too_few_vectors_to_train_is_one_clear_error(tmp_path, index, fewest):
    """FAISS aborts k-means with a C++ assertion; the adapter says how many vectors the index needs."""
    import numpy as np

    from adapters.base import AdapterError
    from adapters.faiss import FaissAdapter
    from vectorscout.contract.metric import Metric

    with FaissAdapter(tmp_path / "engine") as db:
        db.create_collection("few", 16, Metric.L2, index, {"nlist": 64, "m": 4})
        db.insert(np.arange(40), np.random.default_rng(1).standard_normal((40, 16)))
        with pytest.raises(AdapterError, match=f"at least {fewest} vectors.*40"):
            db.wait_until_indexed()


@pytest.mark.engine
def test_compressed_indexes_hold_exactly_their_codes_instead_of_the_vectors(tmp_path):
    """From first principles: per vector, an IVF index holds the vector (4*d bytes) or its code (d bytes for
    SQ8, m for PQ) plus the same ids, and HNSW the same graph either way; so the index's serialized size per
    vector shrinks by exactly the bytes the code saves (the shared codebooks and centroids are spread over
    20,000 vectors)."""
    import faiss

    dim, n, m = 64, 20_000, 16
    base = np.random.default_rng(3).standard_normal((n, dim)).astype(np.float32)
    per_vector = {}
    for index, options in (("ivf_flat", {}), ("ivf_sq8", {}), ("ivf_pq", {"m": str(m)}), ("hnsw", {}),
                           ("hnsw_sq8", {})):
        config = engine_config("faiss", {"index": index, **({"nlist": "64"} if index.startswith("ivf") else {}), **options})
        with adapter_class("faiss")(tmp_path / index) as db:
            db.create_collection("sizes", dim, Metric.L2, index, config.build_params)
            db.insert(np.arange(n), base)
            db.wait_until_indexed()
            per_vector[index] = len(faiss.serialize_index(db._index)) / n
    assert per_vector["ivf_flat"] - per_vector["ivf_sq8"] == pytest.approx(3 * dim, rel=0.03)
    assert per_vector["ivf_flat"] - per_vector["ivf_pq"] == pytest.approx(4 * dim - m, rel=0.03)
    assert per_vector["hnsw"] - per_vector["hnsw_sq8"] == pytest.approx(3 * dim, rel=0.03)
    assert per_vector["ivf_pq"] < per_vector["ivf_sq8"] < per_vector["ivf_flat"] / 2


@pytest.mark.engine
def test_an_ivf_pq_code_size_that_does_not_divide_the_dimension_is_refused_in_one_line(tmp_path):
    from adapters.base import AdapterError

    config = engine_config("faiss", {"index": "ivf_pq", "m": "5"})
    with adapter_class("faiss")(tmp_path) as db, pytest.raises(AdapterError, match="m=5 does not divide the dimension 32"):
        db.create_collection("bad", 32, Metric.L2, "ivf_pq", config.build_params)


@pytest.mark.engine
def test_flat_is_exact_against_ground_truth(tmp_path):
    base, queries, _ = sample_data()
    config = engine_config("faiss", {})
    with adapter_class("faiss")(tmp_path) as db:
        db.create_collection("exact", base.shape[1], Metric.COSINE, "flat", config.build_params)
        db.insert(np.arange(len(base)), base)
        db.wait_until_indexed()
        db.set_search_params({})
        truth = exact_knn(queries, base, Metric.COSINE, 10)
        for i, hits in enumerate(db.search_batch(queries, 10)):
            assert hits.ids.tolist() == truth.ids[i].tolist()


@pytest.mark.engine
def test_index_bytes_are_the_searched_structures_not_the_workers_memory(tmp_path):
    """From first principles, per vector: IVF-Flat holds 4*d bytes, IVF-SQ8 d, IVF-PQ m, each with two 8-byte ids
    (the inverted lists' and the IDMap2 wrapper's map back to ours) (the run rows' index_bytes_per_vector; the
    worker's RSS had said 0 for SQ8 and more for PQ than for Flat)."""
    import numpy as np
    from tests_support import index_bytes_per_vector

    dim, m = 64, 16
    base = np.random.default_rng(4).standard_normal((20_000, dim)).astype(np.float32)
    per_vector = index_bytes_per_vector("faiss", tmp_path, ("ivf_flat", "ivf_sq8", "ivf_pq"), base, {"nlist": 64, "m": m})
    expected = {"ivf_flat": 4 * dim + 16, "ivf_sq8": dim + 16, "ivf_pq": m + 16}
    for index, bytes_per_vector in per_vector.items():  # plus centroids and codebooks, shared: a few bytes each
        assert expected[index] <= bytes_per_vector < expected[index] + 5, (index, per_vector)
