import pytest
from contract import AdapterContract

from adapters.chroma import where_clause
from vectorscout.contract.filters import parse_filter


class TestChroma(AdapterContract):
    engine = "chroma"


class TestChromaServer(AdapterContract):
    """Chroma's own server (`chroma run`, from the chromadb wheel) started on loopback for the run."""

    engine = "chroma"
    options = {"url": "bundled"}


def test_the_bundled_server_is_chromas_own_process_measured_as_a_loopback_server(tmp_path):
    import psutil

    from adapters.chroma import ChromaAdapter

    assert ChromaAdapter.measured_where({"url": "bundled"}) == ("server", "loopback")
    assert ChromaAdapter.measured_where({}) == ("embedded", "in-process")
    with ChromaAdapter(tmp_path, {"url": "bundled"}) as db:
        (pid,) = db.server_process_ids()
        assert "chroma" in " ".join(psutil.Process(pid).cmdline()) and "run" in psutil.Process(pid).cmdline()
        assert "own server on loopback" in db.versions().engine
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE  # stopped on close


def test_the_bundled_server_sweeps_ef_search_for_real_and_matches_embedded(tmp_path):
    """Chroma keeps searching with the ef_search it loaded: the bundled server is restarted on its folder, so a
    sweep measures what it says (recall rises with ef_search, as embedded)."""
    from vectorscout.benchmarking.plan import RunPlan
    from vectorscout.benchmarking.runner import execute
    from vectorscout.benchmarking.specs import parse_engines
    from vectorscout.results.store import ResultsStore

    plan = RunPlan(dataset="synthetic:n=3000,dim=32,queries=200,clusters=4",
                   engines=parse_engines("chroma:ef_search=2|256,chroma:url=bundled,ef_search=2|256"), k=10)
    rows = execute(plan, ResultsStore()).results
    recall = {(r.deployment, r.search_params["ef_search"]): r.recall for r in rows}
    assert recall[("server", 2)] < recall[("server", 256)] and recall[("embedded", 2)] < recall[("embedded", 256)]
    assert abs(recall[("server", 2)] - recall[("embedded", 2)]) < 0.05
    assert {(r.deployment, r.endpoint) for r in rows} == {("embedded", "in-process"), ("server", "loopback")}


def test_a_chroma_server_by_url_refuses_an_ef_search_sweep_it_cannot_honour(tmp_path):
    from adapters.base import UnsupportedFeature
    from adapters.chroma import ChromaAdapter
    from vectorscout.contract.metric import Metric

    with ChromaAdapter(tmp_path / "server", {"url": "bundled"}) as bundled:
        address = bundled._address
        with ChromaAdapter(tmp_path / "client", {"url": address}) as db:
            db.create_collection("remote", 4, Metric.L2, "hnsw", {"max_neighbors": 16, "ef_construction": 100})
            with pytest.raises(UnsupportedFeature, match="keeps searching with the ef_search it loaded"):
                db.set_search_params({"ef_search": 7})
            db.drop()


def test_where_clause_translation():
    assert where_clause(parse_filter("tag == 3")) == {"tag": {"$eq": 3}}
    assert where_clause(parse_filter("price >= 1 and price < 5 or category in ['a']")) == {
        "$or": [
            {"$and": [{"price": {"$gte": 1.0}}, {"price": {"$lt": 5.0}}]},
            {"category": {"$in": ["a"]}},
        ]
    }
