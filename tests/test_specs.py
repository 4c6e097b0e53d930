"""Engine and dataset specs by hand: how text becomes an index build, a search grid and a connection."""

import pytest

from vectorscout.benchmarking.specs import EngineConfig, engine_config, parse_engines
from vectorscout.contract.spec_text import SpecError, parse_spec


def test_parse_spec_splits_name_and_options():
    assert parse_spec(" Synthetic : n = 10 , dim=4 ,") == ("synthetic", {"n": "10", "dim": "4"})
    assert parse_spec("faiss") == ("faiss", {})
    assert parse_spec("x:url=http://h:1/a=b") == ("x", {"url": "http://h:1/a=b"})  # the first '=' splits
    for bad, message in ((":n=1", "a name is missing"), ("x:n", "is not key=value"), ("x:=1", "is not key=value"),
                         ("x:n= ", "is not key=value"), ("x:n=1,n=2", "'n' is given twice")):
        with pytest.raises(SpecError, match=message):
            parse_spec(bad)


def test_engine_config_routes_each_key_by_the_adapters_declarations():
    config = engine_config("faiss", {"index": "HNSW", "M": "8", "ef_search": "16|32"})
    assert (config.engine, config.index) == ("faiss", "hnsw")
    assert config.build_params == {"M": 8, "ef_construction": 200}  # the rest from the declared defaults
    assert config.search_grid == [{"ef_search": 16}, {"ef_search": 32}]
    assert config.connection == {}
    assert engine_config("faiss").search_grid == [{}] and engine_config("faiss").index == "flat"
    assert engine_config("faiss", {"index": "hnsw"}).search_grid == [{"ef_search": 64}]
    listed = engine_config("faiss", {"index": "ivf_flat", "nprobe": [1, 4]})
    assert listed.search_grid == [{"nprobe": 1}, {"nprobe": 4}] and listed.build_params == {"nlist": 256}
    assert engine_config("faiss", {"index": "hnsw", "ef_search": 7}).search_grid == [{"ef_search": 7}]


def test_engine_config_grid_is_the_product_of_sweeps_or_the_given_grid():
    config = engine_config("lancedb", {"index": "ivf_pq", "nprobes": "1|5", "refine_factor": "1|10"})
    assert config.search_grid == [{"nprobes": 1, "refine_factor": 1}, {"nprobes": 1, "refine_factor": 10},
                                  {"nprobes": 5, "refine_factor": 1}, {"nprobes": 5, "refine_factor": 10}]
    given = engine_config("faiss", {"index": "hnsw"}, search_grid=[{"ef_search": "12"}, {}])
    assert given.search_grid == [{"ef_search": 12}, {}]
    with pytest.raises(SpecError, match="faiss: unknown search parameter 'nprobe'; allowed: ef_search"):
        engine_config("faiss", {"index": "hnsw"}, search_grid=[{"nprobe": 1}])


def test_engine_config_keeps_the_connection_apart_and_out_of_public():
    config = engine_config("qdrant", {"url": "http://127.0.0.1:6333", "api_key": "k", "hnsw_ef": "32"})
    assert config.connection == {"url": "http://127.0.0.1:6333", "api_key": "k"}
    assert config.public() == {"engine": "qdrant", "index": "hnsw", "build_params": config.build_params,
                               "search_grid": [{"hnsw_ef": 32}]}
    assert isinstance(config, EngineConfig)


@pytest.mark.parametrize(("options", "message"), [
    ({"nope": "1"}, "faiss: unknown parameter 'nope' for index 'hnsw'; allowed: index, M, ef_construction, ef_search"),
    ({"M": "x"}, "faiss: M must be int"),
    ({"M": "1"}, "faiss: M must be at least 4"),
    ({"ef_search": "8|x"}, "faiss: ef_search must be int"),
])
def test_engine_config_refuses_what_the_index_does_not_declare(options, message):
    with pytest.raises(SpecError, match=message):
        engine_config("faiss", {"index": "hnsw", **options})


def test_engine_config_refuses_unknown_engines_indexes_and_connections():
    with pytest.raises(SpecError, match="no_such"):
        engine_config("no_such")
    with pytest.raises(SpecError, match="unknown index type 'ivf'"):
        engine_config("faiss", {"index": "ivf"})
    with pytest.raises(SpecError, match="qdrant: timeout_s must be int"):
        engine_config("qdrant", {"timeout_s": "soon"})


def test_parse_engines_gives_options_to_the_engine_before_them():
    configs = parse_engines(" faiss , faiss:index=hnsw,M=8,ef_search=16|64 ,, hnswlib:ef=32")
    assert [(c.engine, c.index) for c in configs] == [("faiss", "flat"), ("faiss", "hnsw"), ("hnswlib", "hnsw")]
    assert configs[1].build_params["M"] == 8 and configs[1].search_grid == [{"ef_search": 16}, {"ef_search": 64}]
    assert configs[2].search_grid == [{"ef": 32}]
    # the same engine twice is fine when the builds differ, refused when they are the same
    assert len(parse_engines("faiss:index=hnsw,M=8,faiss:index=hnsw,M=16")) == 2
    with pytest.raises(SpecError, match="engine 'faiss' with the same index settings and connection is given twice"):
        parse_engines("faiss:index=hnsw,faiss:index=hnsw,ef_search=8")
    # the same engine embedded and as a server is two measurements
    assert [c.connection for c in parse_engines("chroma,chroma:url=bundled")] == [{}, {"url": "bundled"}]
    with pytest.raises(SpecError, match="no engine given"):
        parse_engines(" , ")
    with pytest.raises(SpecError, match="'M=8' is an option but no engine comes before it"):
        parse_engines("M=8,faiss")


def test_an_unknown_search_parameter_lists_the_allowed_ones_or_none():
    with pytest.raises(SpecError) as refused:
        engine_config("faiss", {"index": "flat"}, [{"ef_search": 3}])
    assert str(refused.value) == "faiss: unknown search parameter 'ef_search'; allowed: none"
    with pytest.raises(SpecError) as refused:
        engine_config("lancedb", {"index": "ivf_pq"}, [{"ef": 3}])
    assert str(refused.value) == "lancedb: unknown search parameter 'ef'; allowed: nprobes, refine_factor"
    with pytest.raises(SpecError) as refused:
        parse_engines(" , ")
    assert str(refused.value) == "no engine given"
