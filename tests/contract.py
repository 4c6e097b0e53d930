"""The contract suite every adapter inherits: subclass ``AdapterContract`` and set ``engine``.

It runs on the real engine. An adapter passes when it keeps the contract in ``adapters.base``:
lifecycle, insert/count, exact-enough search, search parameters applied, filters honoured, clean drop.
"""

from __future__ import annotations

import re
import sqlite3
from typing import ClassVar

import numpy as np
import pytest

from adapters.base import AdapterError, EngineUnavailable, SearchHits, UnsupportedFeature, VectorAdapter
from adapters.registry import adapter_class
from vectorscout.benchmarking.hybrid import Bm25, reciprocal_rank_fusion
from vectorscout.benchmarking.metrics import recall_ids
from vectorscout.benchmarking.specs import engine_config
from vectorscout.contract.filters import Eq, In, evaluate, parse_filter
from vectorscout.contract.metric import Metric
from vectorscout.data.groundtruth import exact_knn

N, DIM, QUERIES = 600, 16, 20
# unclustered data on which an approximate index with its smallest settings must miss neighbours
HARD_N, HARD_DIM, HARD_QUERIES = 3000, 32, 40


def sample_data(seed: int = 7):
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((8, DIM)).astype(np.float32)
    base = centers[rng.integers(0, 8, N)] + 0.3 * rng.standard_normal((N, DIM)).astype(np.float32)
    queries = centers[rng.integers(0, 8, QUERIES)] + 0.3 * rng.standard_normal((QUERIES, DIM)).astype(np.float32)
    payloads = {
        "tag": (np.arange(N) % 10).astype(np.int64),
        "price": np.linspace(0, 100, N, endpoint=False),
        "category": np.array(["a", "b", "c"])[np.arange(N) % 3],
    }
    return base.astype(np.float32), queries.astype(np.float32), payloads


# Texts of the contract's text collection: common words everywhere, "zeppelin" in exactly three documents
# (thrice in a short one, once in two long ones), "xylograph" in none.
COMMON_WORDS = ("river", "bank", "money", "loan", "water", "fish", "boat", "bridge", "stone", "forest", "mountain",
                "cloud", "storm", "garden", "flower", "music", "piano", "violin", "engine", "wheel")
ZEPPELIN_DOCS = (3, 77, 150)
HYBRID_QUERIES = ("river boat", "music piano", "storm cloud", "stone bridge", "garden", "money loan water")


def text_sample() -> list[str]:
    rng = np.random.default_rng(11)
    texts = [" ".join(rng.choice(COMMON_WORDS, int(rng.integers(4, 11)))) for _ in range(N)]
    texts[3] = "zeppelin zeppelin zeppelin river"
    for doc in ZEPPELIN_DOCS[1:]:
        texts[doc] = "a zeppelin over " + " ".join(rng.choice(COMMON_WORDS, 12))
    return texts


@pytest.mark.engine
class AdapterContract:
    engine: ClassVar[str]
    # options for engine_config, e.g. a connection URL; index defaults come from the adapter
    options: ClassVar[dict[str, str]] = {}
    # recall@10 the default index must reach on this small clustered set
    min_recall: ClassVar[float] = 0.9
    # graph indexes lose some recall under selective filters; this floor still catches a wrong translation
    min_filtered_recall: ClassVar[float] = 0.8
    # the fewest vectors a fresh collection of this index type can be built from (trained codebooks need more)
    fewest_vectors: ClassVar[int] = 50
    # build parameters that make the index approximate on the tuning set (e.g. a planner's full-scan threshold)
    tuning_build_params: ClassVar[dict[str, object]] = {}
    # why the engine's search parameters cannot change its answers, when they cannot (empty: they must)
    search_params_ignored: ClassVar[str] = ""

    @pytest.fixture
    def adapter(self, tmp_path):
        cls = adapter_class(self.engine)
        config = engine_config(self.engine, dict(self.options))
        db = cls(tmp_path / "engine", config.connection)
        with db:
            yield db
            db.drop()

    def create(self, db: VectorAdapter, metric: Metric = Metric.L2, index: str | None = None):
        config = engine_config(self.engine, {**self.options, **({"index": index} if index else {})})
        db.create_collection("contract_test", DIM, metric, config.index, config.build_params)
        return config

    def load(self, db: VectorAdapter, metric: Metric = Metric.L2, index: str | None = None):
        base, queries, payloads = sample_data()
        config = self.create(db, metric, index)
        ids = np.arange(N, dtype=np.int64)
        for start in range(0, N, 250):  # several batches, like the runner
            stop = min(N, start + 250)
            db.insert(ids[start:stop], base[start:stop], {k: v[start:stop] for k, v in payloads.items()})
        db.wait_until_indexed()
        db.set_search_params(config.search_grid[0])
        return base, queries, payloads

    # -- declarations ----------------------------------------------------------------------
    def test_capabilities_are_declared_consistently(self):
        cls = adapter_class(self.engine)
        caps = cls.capabilities
        assert cls.name == self.engine
        assert caps.metrics and caps.index_types
        assert cls.what_runs and all(line.strip() for line in cls.what_runs), "say what actually runs"
        for spec in caps.index_types:
            for param in (*spec.build_params, *spec.search_params):
                assert param.coerce(param.default) == param.default
                for value in param.sweep:
                    param.coerce(value)

    def test_deployment_follows_the_connection(self, adapter):
        cls = type(adapter)
        # with no connection an embedded engine runs embedded; any server option makes it a server engine
        assert cls.deployment({}) == ("embedded" if cls.capabilities.embedded else "server")
        for name in cls.server_params:
            assert name in {p.name for p in cls.connection_params}, name
            assert cls.deployment({name: "http://127.0.0.1:1"}) == "server", name
        assert adapter.deployment(adapter.connection) in ("embedded", "server")

    def test_optional_hooks_keep_their_promises(self, adapter):
        cls = type(adapter)
        cls.clean_up_after_crash()  # safe with nothing to clean: called after any worker failure
        assert all(isinstance(pid, int) for pid in adapter.server_process_ids())
        remote = adapter.remote_connection()
        assert remote is None or set(remote) <= {p.name for p in cls.connection_params}
        assert isinstance(cls.colour, str) and cls.colour.startswith("#") and len(cls.colour) == 7

    def test_versions_are_reported(self, adapter):
        versions = adapter.versions()
        assert versions.engine and versions.client
        assert "not installed" not in versions.client

    # -- data path -------------------------------------------------------------------------
    def test_insert_count_and_search_find_true_neighbours(self, adapter):
        base, queries, _ = self.load(adapter)
        assert adapter.count() == N
        truth = exact_knn(queries, base, Metric.L2, 10)
        found = np.full((QUERIES, 10), -1)
        for i, query in enumerate(queries):
            hits = adapter.search(query, 10)
            assert isinstance(hits, SearchHits)
            assert hits.ids.dtype == np.int64 and len(hits.ids) == len(hits.scores) == 10
            found[i] = hits.ids
        recall = recall_ids(found, truth.ids, 10)
        assert recall >= self.min_recall, f"recall {recall:.3f} below {self.min_recall}"

    @pytest.mark.parametrize("metric", [Metric.COSINE, Metric.IP])
    def test_other_metrics(self, adapter, metric):
        if metric not in adapter.capabilities.metrics:
            pytest.skip(f"{self.engine} does not declare {metric.value}")
        base, queries, _ = self.load(adapter, metric)
        truth = exact_knn(queries, base, metric, 10)
        found = np.array([adapter.search(q, 10).ids for q in queries])
        recall = recall_ids(found, truth.ids, 10)
        assert recall >= self.min_recall, f"{metric.value}: recall {recall:.3f} below {self.min_recall}"

    def test_search_batch_agrees_with_search(self, adapter):
        _, queries, _ = self.load(adapter)
        batch = adapter.search_batch(queries[:5], 5)
        assert [h.ids.tolist() for h in batch] == [adapter.search(q, 5).ids.tolist() for q in queries[:5]]

    def test_every_search_setting_is_accepted(self, adapter):
        _, queries, _ = self.load(adapter)
        spec = adapter.capabilities.index(adapter.state.index)
        for param in spec.search_params:
            for value in param.sweep or (param.default,):
                adapter.set_search_params({**spec.search_defaults(), param.name: value})
                assert len(adapter.search(queries[0], 10).ids) == 10

    # -- search parameters proven applied --------------------------------------------------
    def tuned_index(self):
        """The class's index and its first search parameter, or a reason there is nothing to tune."""
        config = engine_config(self.engine, dict(self.options))
        spec = adapter_class(self.engine).capabilities.index(config.index)
        if spec.exact or not spec.search_params:
            pytest.skip(f"{self.engine} {spec.name} is exact: no search parameter trades recall for speed")
        if self.search_params_ignored:
            pytest.skip(self.search_params_ignored)
        return config, spec, spec.search_params[0]

    def test_search_parameters_are_read_back_from_the_engine(self, adapter):
        config, spec, _ = self.tuned_index()
        self.load(adapter)
        for param in spec.search_params:
            for value in param.sweep or (param.default,):
                adapter.set_search_params({**config.search_grid[0], param.name: value})
                reported = adapter.engine_search_params()
                if reported is None:
                    pytest.skip(f"{self.engine} takes its search parameters with each query and cannot report them; "
                                "test_low_and_high_search_settings_give_different_recall proves they are applied")
                if param.name in reported:
                    assert reported[param.name] == value, f"{param.name}={value!r} set, the engine reports {reported}"

    def test_low_and_high_search_settings_give_different_recall(self, adapter):
        """On data where the setting must matter (no clusters, a small graph or few lists), the lowest and the
        highest value of the first search parameter's sweep give strictly different recall."""
        config, spec, param = self.tuned_index()
        rng = np.random.default_rng(21)
        base = rng.standard_normal((HARD_N, HARD_DIM)).astype(np.float32)
        queries = rng.standard_normal((HARD_QUERIES, HARD_DIM)).astype(np.float32)
        build = {**config.build_params, **{p.name: min(p.sweep) for p in spec.build_params if p.sweep},
                 **self.tuning_build_params}
        adapter.create_collection("tuning_test", HARD_DIM, Metric.L2, config.index, build)
        ids = np.arange(HARD_N, dtype=np.int64)
        for start in range(0, HARD_N, 1000):
            adapter.insert(ids[start:start + 1000], base[start:start + 1000])
        adapter.wait_until_indexed()
        truth = exact_knn(queries, base, Metric.L2, 10)
        recalls = {}
        for value in (min(param.sweep), max(param.sweep)):
            adapter.set_search_params({**config.search_grid[0], param.name: value})
            found = np.full((HARD_QUERIES, 10), -1)
            for i, query in enumerate(queries):
                hits = adapter.search(query, 10)
                found[i, :len(hits.ids)] = hits.ids
            recalls[value] = recall_ids(found, truth.ids, 10)
        low, high = recalls[min(param.sweep)], recalls[max(param.sweep)]
        assert low < high, f"{param.name}: recall {low:.3f} at {min(param.sweep)} vs {high:.3f} at {max(param.sweep)}"

    def test_wrong_dimension_is_refused(self, adapter):
        self.create(adapter)
        with pytest.raises((AdapterError, ValueError)):
            adapter.insert(np.arange(3, dtype=np.int64), np.zeros((3, DIM + 1), dtype=np.float32))

    def test_drop_removes_the_collection_and_is_idempotent(self, adapter):
        self.load(adapter)
        adapter.drop()
        adapter.drop()
        assert adapter.count() == 0
        # the name is free again and the new collection starts empty: the old vectors are gone
        self.create(adapter)
        assert adapter.count() == 0
        base, _, _ = sample_data()
        few = self.fewest_vectors
        adapter.insert(np.arange(few, dtype=np.int64), base[:few])  # enough to train the smallest IVF here
        adapter.wait_until_indexed()
        assert adapter.count() == few

    def test_deleted_vectors_are_not_found_and_re_added_ones_are(self, adapter):
        """A deleted id disappears from searches (its own vector as the query) and from the count; the same id
        inserted again with another vector (an update: re-embedding a record) is found by the new vector. An
        index type that cannot delete says so (streaming runs record that as a skipped row)."""
        base, _, _ = self.load(adapter)
        gone = np.array([3, 17, 250], dtype=np.int64)
        try:
            adapter.delete(gone)
        except UnsupportedFeature as exc:
            assert str(exc), "an engine that cannot delete says why"
            return
        assert adapter.count() == N - len(gone)
        for i in gone.tolist():
            assert i not in adapter.search(base[i], 10).ids.tolist(), f"deleted id {i} still found"
        moved = base[400] + 0.01  # id 3 re-embedded next to row 400
        adapter.insert(np.array([3], dtype=np.int64), moved[None, :], {name: column[[3]] for name, column in
                                                                        sample_data()[2].items()})
        assert 3 in adapter.search(moved, 10).ids.tolist()
        assert adapter.count() == N - len(gone) + 1

    # -- text: keyword and hybrid search ------------------------------------------------------
    def text_collection(self, db: VectorAdapter) -> tuple[np.ndarray, np.ndarray]:
        """The sample vectors with a text each (text_sample) in a text collection; vectors and queries back."""
        base, queries, _ = sample_data()
        texts = text_sample()
        config = engine_config(self.engine, dict(self.options))
        db.create_text_collection("contract_text", DIM, Metric.L2, config.index, config.build_params, Bm25(texts))
        ids = np.arange(N, dtype=np.int64)
        for start in range(0, N, 250):
            db.insert_texts(ids[start:start + 250], base[start:start + 250], texts[start:start + 250])
        db.wait_until_indexed()
        db.set_search_params(config.search_grid[0])
        return base, queries

    def text_search_or_skip(self, db: VectorAdapter) -> None:
        """Engines without text search refuse every text call (VectorScout then ranks and fuses for them)."""
        if db.own_text_search() is None:
            for call in (lambda: db.create_text_collection("contract_text", DIM, Metric.L2, "x", {}, Bm25(["a"])),
                         lambda: db.keyword_search("river", 10), lambda: db.hybrid_search(np.zeros(DIM), "river", 10, 20)):
                with pytest.raises(UnsupportedFeature):
                    call()
            pytest.skip("no text search of its own: measured with VectorScout's application-side BM25 and fusion")
        if self.options.get("index", db.capabilities.index_types[0].name) != db.capabilities.index_types[0].name:
            pytest.skip("text search is checked with the engine's default index")

    def test_keyword_search_finds_exactly_the_documents_holding_the_word(self, adapter):
        """A word in three documents finds those three, the one saying it three times in few words first; the
        text collection's vectors are searched as before."""
        self.text_search_or_skip(adapter)
        base, _ = self.text_collection(adapter)
        assert adapter.count() == N
        hits = adapter.keyword_search("zeppelin", 10)
        assert set(hits.ids.tolist()) == set(ZEPPELIN_DOCS)
        assert int(hits.ids[0]) == ZEPPELIN_DOCS[0]
        assert adapter.keyword_search("xylograph", 10).ids.size == 0  # in no document
        truth = exact_knn(base[:20], base, Metric.L2, 10)
        found = np.stack([adapter.search(v, 10).ids for v in base[:20]])
        assert recall_ids(found, truth.ids, 10) >= self.min_recall

    def test_hybrid_search_is_the_reciprocal_rank_fusion_of_the_two_lists(self, adapter):
        """The engine's hybrid answer is RRF (constant RRF_K, ranks from 1) over its own dense and keyword top
        lists: every returned document's fused score, recomputed from the two lists, is among the k best (ties
        may be broken either way), and is the score the engine reports."""
        self.text_search_or_skip(adapter)
        _, queries = self.text_collection(adapter)
        depth = 30
        for q, words in enumerate(HYBRID_QUERIES):
            dense, keyword = adapter.search(queries[q], depth).ids, adapter.keyword_search(words, depth).ids
            expected = reciprocal_rank_fusion([dense, keyword], 10)
            every = reciprocal_rank_fusion([dense, keyword], 2 * depth)
            scores = {int(d): float(s) for d, s in zip(every.ids, every.scores)}
            got = adapter.hybrid_search(queries[q], words, 10, depth)
            assert len(got.ids) == len(expected.ids), words
            recomputed = [scores.get(int(d), 0.0) for d in got.ids]
            assert sorted(recomputed, reverse=True) == pytest.approx(expected.scores.tolist(), abs=1e-6), words
            # and the engine's own fused scores are these: the constant and the ranks from 1 are the same
            assert got.scores.tolist() == pytest.approx(recomputed, rel=1e-5), words

    # -- filters ---------------------------------------------------------------------------
    @pytest.mark.parametrize(
        "text", ["tag == 3", "price < 20", "category in ['a', 'c'] and price >= 50", "tag == 1 or tag == 2"]
    )
    def test_filtered_hits_match_and_recall_uses_filtered_truth(self, adapter, text):
        base, queries, payloads = self.load(adapter)
        tree = parse_filter(text)
        if not adapter.capabilities.filtering:
            with pytest.raises(UnsupportedFeature):
                adapter.search(queries[0], 10, tree)
            return
        mask = evaluate(tree, payloads)
        truth = exact_knn(queries, base, Metric.L2, 10, allowed=mask)
        found = np.full((QUERIES, 10), -1)
        for i, query in enumerate(queries):
            hits = adapter.search(query, 10, tree)
            assert mask[hits.ids].all(), f"a hit does not match {text!r}"
            found[i, : len(hits.ids)] = hits.ids
        recall = recall_ids(found, truth.ids, 10)
        assert recall >= self.min_filtered_recall, f"filtered recall {recall:.3f} for {text!r}"

    def test_filters_at_their_boundaries_select_what_sqlite_selects(self, adapter):
        """Each comparison on the exact bound: the row holding the bound is queried with its own vector, so an
        engine that takes > for >= (or drops an inclusive bound) shows it in its first hit. What may match
        comes from SQLite over the same payloads, not from VectorScout's own evaluator."""
        if not adapter.capabilities.filtering:
            pytest.skip("the engine cannot filter")
        base, _, payloads = self.load(adapter)
        table = sqlite3.connect(":memory:")
        table.execute("CREATE TABLE p (id INTEGER, tag INTEGER, price REAL, category TEXT)")
        table.executemany("INSERT INTO p VALUES (?, ?, ?, ?)", [
            (i, int(payloads["tag"][i]), float(payloads["price"][i]), str(payloads["category"][i])) for i in range(N)])
        problems = []
        for text, where, row, row_matches in BOUNDARY_CASES:
            allowed = {r[0] for r in table.execute(f"SELECT id FROM p WHERE {where}")}
            assert (row in allowed) is row_matches, f"the case {text!r} is wrong about row {row}"
            hits = adapter.search(base[row], 10, parse_filter(text)).ids.tolist()
            if not set(hits) <= allowed:
                problems.append(f"{text!r}: hits {sorted(set(hits) - allowed)} do not match")
            if row_matches and hits[:1] != [row]:
                problems.append(f"{text!r}: row {row} matches and is the query itself, but the hits are {hits}")
            if len(allowed) == 1 and set(hits) != allowed:
                problems.append(f"{text!r}: exactly {allowed} matches, the hits are {hits}")
        table.close()
        assert not problems, problems

    def test_filter_values_are_data_never_query_text(self, adapter):
        """Stored strings that look like quotes, escapes or injections are matched exactly; values built to
        break out of the engine's filter language match nothing (no SQL or expression injection)."""
        if not adapter.capabilities.filtering:
            pytest.skip("the engine cannot filter")
        rng = np.random.default_rng(11)
        per_value = max(10, -(-self.fewest_vectors // len(STORED_STRINGS)))
        base = rng.standard_normal((len(STORED_STRINGS) * per_value, DIM)).astype(np.float32)
        labels = np.array(STORED_STRINGS, dtype=object)[np.arange(len(base)) % len(STORED_STRINGS)].astype(str)
        config = self.create(adapter)
        adapter.insert(np.arange(len(base), dtype=np.int64), base, {"category": labels})
        adapter.wait_until_indexed()
        adapter.set_search_params(config.search_grid[0])
        for value in STORED_STRINGS:
            # queried with a vector holding that value, so even a coarse approximate index finds some
            hits = adapter.search(base[int(np.flatnonzero(labels == value)[0])], 20, Eq("category", value))
            found = len(hits.ids)
            assert 1 <= found <= min(20, per_value) and (labels[hits.ids] == value).all(), f"{value!r}: {labels[hits.ids]}"
        for attack in INJECTIONS:
            assert len(adapter.search(base[0], 20, Eq("category", attack)).ids) == 0, attack
            assert len(adapter.search(base[0], 20, In("category", (attack, "no such value"))).ids) == 0, attack
        assert adapter.count() == len(base)  # nothing was dropped or altered by a query


# (filter, the same in SQL, a row queried with its own vector, whether that row matches). In sample_data row
# 300 has price exactly 50.0 (prices are i/6), row 3 has tag 3, row 0 category 'a' and price 0.0.
BOUNDARY_CASES = [
    ("price > 50", "price > 50", 300, False),
    ("price >= 50", "price >= 50", 300, True),
    ("price < 50", "price < 50", 300, False),
    ("price <= 50", "price <= 50", 300, True),
    ("price > 49.9 and price < 50.1", "price > 49.9 AND price < 50.1", 300, True),
    ("tag > 3", "tag > 3", 3, False),
    ("tag >= 3", "tag >= 3", 3, True),
    ("tag < 3", "tag < 3", 3, False),
    ("tag <= 3", "tag <= 3", 3, True),
    ("tag in [3, 4]", "tag IN (3, 4)", 3, True),
    ("tag in [4, 5]", "tag IN (4, 5)", 3, False),
    ("category == 'b'", "category = 'b'", 0, False),
    ("tag == 3 or price <= 0", "tag = 3 OR price <= 0", 0, True),
    ("category in ['b', 'c'] or price > 0", "category IN ('b', 'c') OR price > 0", 0, False),
]

# Strings stored as payloads (each must match itself exactly) and filter values crafted to escape a quoted
# literal in SQL, Milvus expressions, DataFusion SQL or JSON (each must match nothing).
STORED_STRINGS = ("plain", "o'brien", 'say "hi"', "back\\slash", "x') OR ('1'='1", "semi;-- colon", "ünïcödé text")
INJECTIONS = ("' OR '1'='1", "') OR ('a'='a", '" or category != "', "\\' OR 1=1 --", "x'; DROP TABLE t; --",
              '") or (category like "%', "plain' OR category LIKE '%")


def test_registry_reports_missing_packages_with_an_install_hint():
    class Missing(adapter_class("faiss")):  # type: ignore[misc,valid-type]
        requirements: ClassVar = {"vectorscout_no_such_module": "no-such-package==1.0"}

    with pytest.raises(EngineUnavailable, match=re.escape("pip install 'no-such-package==1.0'")):
        Missing.import_engine("vectorscout_no_such_module")
