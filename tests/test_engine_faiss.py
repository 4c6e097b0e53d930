import numpy as np
import pytest
from contract import AdapterContract, sample_data

from adapters.base import Metric
from adapters.registry import adapter_class
from vectorscout.benchmarking.specs import engine_config
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
