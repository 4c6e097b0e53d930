"""Hybrid-search quality: keyword alone, dense alone and their fusion, on the same judged queries.

Engines with their own text search (own_text_search) answer all three themselves; for the others
VectorScout ranks keywords with its own BM25 and fuses the engine's dense list with it by reciprocal rank
fusion in the application, and the row says so. BM25 here is Okapi BM25 (Robertson and Zaragoza, "The
Probabilistic Relevance Framework: BM25 and Beyond", 2009) with k1 = 1.2, b = 0.75 and Lucene's
non-negative IDF, ln(1 + (N - n + 0.5) / (n + 0.5)), the IDF Qdrant's sparse-vector modifier applies too
(https://qdrant.tech/documentation/concepts/indexing/#idf-modifier). Scored like BEIR: nDCG@10, MRR@10 and
recall@k against the dataset's relevance judgments.
"""

from __future__ import annotations

import re
import secrets
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import snowballstemmer
from scipy import sparse

from adapters.base import RRF_K, SearchHits, VectorAdapter
from vectorscout.benchmarking.metrics import recall_ids, retrieval_quality, summarize_latencies
from vectorscout.benchmarking.plan import PlanError
from vectorscout.data.datasets import Dataset
from vectorscout.process.progress import CancelToken
from vectorscout.results.records import HybridFigures, ResultRow, RetrievalMode

# The Snowball project's English stop words (https://snowballstem.org/algorithms/english/stop.txt), the list
# PostgreSQL's english configuration removes too.
SNOWBALL_STOP_LIST = """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself
it its itself they them their theirs themselves what which who whom this that these those am is are was were be
been being have has had having do does did doing would should could ought i'm you're he's she's it's we're
they're i've you've we've they've i'd you'd he'd she'd we'd they'd i'll you'll he'll she'll we'll they'll isn't
aren't wasn't weren't hasn't haven't hadn't doesn't don't didn't won't wouldn't shan't shouldn't can't cannot
couldn't mustn't let's that's who's what's here's there's when's where's why's how's a an the and but if or
because as until while of at by for with about against between into through during before after above below to
from up down in out on off over under again further then once here there when where why how all any both each
few more most other some such no nor not only own same so than too very
"""
STOP_WORDS = frozenset(SNOWBALL_STOP_LIST.split())
TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
DEFAULT_DEPTH = 100  # candidates each retriever hands to the fusion


class Analyzer:
    """Lower-cased words, Snowball stop words removed, English (Porter2) stems: what a keyword is."""

    def __init__(self) -> None:
        self._stemmer = snowballstemmer.stemmer("english")

    def terms(self, text: str) -> list[str]:
        words = [w for w in TOKEN.findall(text.lower()) if w not in STOP_WORDS]
        return [w.split("'")[0] for w in self._stemmer.stemWords(words)]


class Bm25:
    """Okapi BM25 over a corpus: its vocabulary, document frequencies and average length, and the two halves
    of the score. encode_document gives a document's term weights without IDF (what an engine with an IDF
    modifier stores); search gives the full score, IDF included (the application-side ranking)."""

    def __init__(self, texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b, self.analyzer = k1, b, Analyzer()
        self.vocabulary: dict[str, int] = {}
        counts = [Counter(self.analyzer.terms(text)) for text in texts]
        for document in counts:
            for term in document:
                self.vocabulary.setdefault(term, len(self.vocabulary))
        self.lengths = np.array([sum(c.values()) for c in counts], dtype=np.float64)
        self.average_length = float(self.lengths.mean()) if len(texts) else 0.0
        rows, cols, weights = [], [], []
        for doc, document in enumerate(counts):
            indices, values = self._weights(document, self.lengths[doc])
            rows += [doc] * len(indices)
            cols += indices
            weights += values
        shape = (len(texts), max(len(self.vocabulary), 1))
        self.matrix = sparse.csc_matrix((weights, (rows, cols)), shape=shape, dtype=np.float64)
        frequencies = np.diff(self.matrix.indptr).astype(np.float64)  # documents holding each term
        self.idf = np.log1p((len(texts) - frequencies + 0.5) / (frequencies + 0.5))

    def _weights(self, document: Counter[str], length: float) -> tuple[list[int], list[float]]:
        norm = self.k1 * (1 - self.b + self.b * length / self.average_length) if self.average_length else self.k1
        indices = [self.vocabulary[t] for t in document if t in self.vocabulary]
        values = [tf * (self.k1 + 1) / (tf + norm) for t, tf in document.items() if t in self.vocabulary]
        return indices, values

    def encode_document(self, text: str) -> tuple[list[int], list[float]]:
        terms = Counter(self.analyzer.terms(text))
        return self._weights(terms, float(sum(terms.values())))

    def encode_query(self, text: str) -> tuple[list[int], list[float]]:
        """Each known query term once, weight 1 (the engine multiplies by its IDF); unknown terms match nothing."""
        indices = sorted({self.vocabulary[t] for t in self.analyzer.terms(text) if t in self.vocabulary})
        return indices, [1.0] * len(indices)

    def scores(self, text: str) -> np.ndarray:
        indices, _ = self.encode_query(text)
        if not indices:
            return np.zeros(self.matrix.shape[0])
        return np.asarray(self.matrix[:, indices] @ self.idf[indices]).ravel()

    def search(self, text: str, k: int) -> SearchHits:
        """The k best-scoring documents that hold at least one query term (ties by lower id)."""
        scores = self.scores(text)
        matched = np.flatnonzero(scores > 0)
        order = matched[np.lexsort((matched, -scores[matched]))][:k]
        return SearchHits(order.astype(np.int64), scores[order].astype(np.float32))


def reciprocal_rank_fusion(rankings: Sequence[np.ndarray], k: int, constant: int = RRF_K) -> SearchHits:
    """Ids ranked by the sum over lists of 1 / (constant + rank), rank from 1 (Cormack et al., SIGIR 2009)."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, doc in enumerate(np.asarray(ranking).tolist(), start=1):
            if doc >= 0:
                fused[doc] = fused.get(doc, 0.0) + 1.0 / (constant + rank)
    best = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
    return SearchHits(np.array([d for d, _ in best], dtype=np.int64), np.array([s for _, s in best], dtype=np.float32))


def check_text_dataset(dataset: Dataset) -> None:
    """Hybrid search needs a text per document and per query, and judgments to score against."""
    missing = [what for what, value in (("document texts", dataset.texts), ("query texts", dataset.query_texts),
                                        ("relevance judgments", dataset.qrels)) if value is None]
    if missing:
        raise PlanError(f"hybrid search needs a dataset with texts and judgments; {dataset.name} has no "
                        f"{' or '.join(missing)} (the bundled wordnet-examples has all three, or import a BEIR set)")


@dataclass
class _Retriever:
    mode: str
    method: str
    search: Callable[[int], SearchHits]  # query number -> hits


def _retrievers(db: VectorAdapter, dataset: Dataset, bm25: Bm25, k: int, depth: int) -> list[_Retriever]:
    """The three ways of answering a query: the engine's own where it has text search, else the application's."""
    texts, vectors = dataset.query_texts or [], dataset.queries
    dense = _Retriever("dense", f"{db.display_name} {db.state.index}", lambda q: db.search(vectors[q], k))
    own = db.own_text_search()
    if own is not None:
        return [_Retriever("keyword", own.keyword, lambda q: db.keyword_search(texts[q], k)), dense,
                _Retriever("hybrid", own.fusion, lambda q: db.hybrid_search(vectors[q], texts[q], k, depth))]

    def fused(q: int) -> SearchHits:
        return reciprocal_rank_fusion([db.search(vectors[q], depth).ids, bm25.search(texts[q], depth).ids], k)

    return [_Retriever("keyword", "BM25 by VectorScout (application side)", lambda q: bm25.search(texts[q], k)), dense,
            _Retriever("hybrid", f"reciprocal rank fusion by VectorScout (application side, k={RRF_K})", fused)]


def _score(retriever: _Retriever, dataset: Dataset, k: int, progress: Callable[[str, int, int], None],
           cancel: CancelToken) -> tuple[RetrievalMode, np.ndarray]:
    """The retriever's quality and latency over every query, and the ids it found (-1 where it found fewer)."""
    found = np.full((len(dataset.queries), k), -1, dtype=np.int64)
    latencies = np.empty(len(dataset.queries), dtype=np.int64)
    began = time.perf_counter()
    for q in range(len(dataset.queries)):
        cancel.check()
        started = time.perf_counter_ns()
        hits = retriever.search(q)
        latencies[q] = time.perf_counter_ns() - started
        found[q, : min(k, len(hits.ids))] = hits.ids[:k]
        progress(f"hybrid {retriever.mode}", q + 1, len(dataset.queries))
    quality = retrieval_quality(found, dataset.qrels or [], k)
    stats = summarize_latencies(latencies, time.perf_counter() - began)
    return RetrievalMode(retriever.mode, retriever.method, quality.ndcg_at_10, quality.mrr_at_10, quality.recall_at_k,
                         stats.p50_ms, stats.p95_ms, quality.ndcg_stderr,
                         [round(v, 4) for v in quality.query_ndcg]), found


def load_texts(db: VectorAdapter, dataset: Dataset, bm25: Bm25, index: str, build_params: dict[str, Any],
               batch_size: int, progress: Callable[[str, int, int], None], cancel: CancelToken) -> None:
    """The dataset's vectors (and, where the engine searches text itself, its texts) in a new collection."""
    name, rows, texts = f"vs_{secrets.token_hex(6)}", dataset.n, dataset.texts or []
    if db.own_text_search() is not None:
        db.create_text_collection(name, dataset.dim, dataset.metric, index, build_params, bm25)
    else:
        db.create_collection(name, dataset.dim, dataset.metric, index, build_params)
    ids = np.arange(rows, dtype=np.int64)
    for start in range(0, rows, batch_size):
        cancel.check()
        stop = min(rows, start + batch_size)
        if db.own_text_search() is not None:
            db.insert_texts(ids[start:stop], dataset.base[start:stop], texts[start:stop])
        else:
            db.insert(ids[start:stop], dataset.base[start:stop])
        progress("insert", stop, rows)
    progress("index", 0, 1)
    db.wait_until_indexed()
    progress("index", 1, 1)
    stored = db.count()
    if stored != rows:
        raise RuntimeError(f"the engine holds {stored} rows after {rows} were inserted")


def measure_hybrid(db: VectorAdapter, dataset: Dataset, bm25: Bm25, k: int, depth: int, exact_ids: np.ndarray,
                   progress: Callable[[str, int, int], None], cancel: CancelToken) -> HybridFigures:
    """Keyword, dense and hybrid quality of a collection load_texts filled, with the exact dense top-k's
    nDCG@10 beside them: how much the engine's approximate dense search gives up."""
    modes, dense_recall = [], None
    for retriever in _retrievers(db, dataset, bm25, max(k, 10), depth):
        mode, found = _score(retriever, dataset, max(k, 10), progress, cancel)
        modes.append(mode)
        if mode.mode == "dense":
            dense_recall = recall_ids(found, exact_ids, k)
    exact = retrieval_quality(exact_ids[:, : max(k, 10)], dataset.qrels or [], max(k, 10))
    return HybridFigures(documents=dataset.n, queries=len(dataset.queries), depth=depth, rrf_k=RRF_K,
                         application_side=db.own_text_search() is None,
                         exact_dense_ndcg_at_10=exact.ndcg_at_10, dense_recall_at_k=dense_recall, modes=modes)


def hybrid_row(row: ResultRow, figures: HybridFigures) -> ResultRow:
    """The job's row carrying the hybrid figures; its judged-quality fields are the dense mode's."""
    dense = figures.mode("dense")
    assert dense is not None  # measure_hybrid always scores the dense mode
    row.hybrid = figures
    row.ndcg_at_10, row.mrr_at_10, row.recall_judged = dense.ndcg_at_10, dense.mrr_at_10, dense.recall_at_k
    row.exact_ndcg_at_10 = figures.exact_dense_ndcg_at_10
    row.n_queries = figures.queries
    return row
