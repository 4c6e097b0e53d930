"""Build the bundled hybrid-search set: WordNet 3.0 definitions with their example sentences.

Source and license as the WordNet set (build_wordnet.py; datasets/wordnet/LICENSE). Why this set: WordNet
ships its own relevance judgments (a synset is relevant to a word when the word is one of its lemmas), its
license allows shipping it, and its two kinds of text pull keyword and dense retrieval apart. A definition
rarely uses the word it defines, so only meaning finds it; the example sentences usually do use the word
(often inflected), so keywords find them, together with every other synset whose example happens to use
the word. Neither retriever alone sees both signals, which is the question hybrid search answers.

Documents are 10,000 synsets that have at least one example, drawn with a fixed seed from all four parts
of speech: "definition; example; example". Queries are 500 of their lemmas (held-out words, as in the
WordNet set). Vectors: all-MiniLM-L6-v2 (384-d, unit length) stored as float16.

    .venv/bin/python datasets/build_wordnet_examples.py [--wordnet /usr/share/wordnet] [--docs 10000] [--queries 500]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_wordnet import arguments, embedded, held_out_words, parse_synsets

OUT = Path(__file__).resolve().parent / "wordnet_examples"


def document_text(synset: dict) -> str:
    return "; ".join([synset["text"], *synset["examples"]])


def main() -> None:
    args = arguments(10_000, 500)
    rng = np.random.default_rng(args.seed)
    synsets = [s for s in parse_synsets(args.wordnet) if s["examples"]]
    chosen = [synsets[i] for i in sorted(rng.choice(len(synsets), args.docs, replace=False))]
    query_words, qrel_pairs = held_out_words(chosen, args.queries, rng)
    texts = [document_text(s) for s in chosen]
    base, queries = embedded(texts, query_words)
    OUT.mkdir(exist_ok=True)
    np.savez_compressed(
        OUT / "wordnet_examples.npz",
        base=base.astype(np.float16), queries=queries.astype(np.float16),
        texts=np.array(texts), query_texts=np.array(query_words),
        pos=np.array([s["pos"] for s in chosen]), lexname=np.array([s["lexname"] for s in chosen]),
        qrels=qrel_pairs,
    )
    print(f"wrote {OUT / 'wordnet_examples.npz'}: {len(chosen)} documents, {len(query_words)} queries, "
          f"{len(qrel_pairs)} relevance judgments")


if __name__ == "__main__":
    main()
