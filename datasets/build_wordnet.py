"""Build the bundled WordNet 3.0 gloss dataset (the quick-start default).

Source: Princeton WordNet 3.0 as packaged by Debian (`apt-get install wordnet-base`, files in
/usr/share/wordnet), under the WordNet 3.0 license (permissive; see datasets/wordnet/LICENSE).

Documents are the definitions of 15,000 synsets drawn with a fixed seed from all four parts of speech;
payloads are the part of speech, the lexicographer category (45 of them, natural selectivities) and the
number of lemmas. Queries are 1,000 held-out words; a document is relevant to a word when the word is
one of the synset's lemmas (the word's senses), which gives graded-free relevance judgments for nDCG@10.
Vectors: all-MiniLM-L6-v2 (384-d, unit length) stored as float16.

    .venv/bin/python datasets/build_wordnet.py [--wordnet /usr/share/wordnet] [--docs 15000] [--queries 1000]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vectorscout.data.embedding import embed_texts

# The 45 lexicographer files of WordNet 3.0, by number (lexnames(5WN)).
LEXNAMES = [
    "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact", "noun.attribute",
    "noun.body", "noun.cognition", "noun.communication", "noun.event", "noun.feeling", "noun.food", "noun.group",
    "noun.location", "noun.motive", "noun.object", "noun.person", "noun.phenomenon", "noun.plant",
    "noun.possession", "noun.process", "noun.quantity", "noun.relation", "noun.shape", "noun.state",
    "noun.substance", "noun.time", "verb.body", "verb.change", "verb.cognition", "verb.communication",
    "verb.competition", "verb.consumption", "verb.contact", "verb.creation", "verb.emotion", "verb.motion",
    "verb.perception", "verb.possession", "verb.social", "verb.stative", "verb.weather", "adj.ppl",
]
POS = {"n": "noun", "v": "verb", "a": "adjective", "s": "adjective", "r": "adverb"}
OUT = Path(__file__).resolve().parent / "wordnet"


def parse_synsets(wordnet: Path) -> list[dict]:
    synsets = []
    for part in ("noun", "verb", "adj", "adv"):
        for line in (wordnet / f"data.{part}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  "):  # the license header
                continue
            head, _, gloss = line.partition(" | ")
            fields = head.split()
            lexfile, ss_type, count = int(fields[1]), fields[2], int(fields[3], 16)
            lemmas = [re.sub(r"\(.*\)$", "", fields[4 + 2 * i]).replace("_", " ").lower() for i in range(count)]
            definition, *examples = gloss.split('; "')
            definition = definition.strip().rstrip(";").strip()
            if definition:
                synsets.append({"pos": POS[ss_type], "lexname": LEXNAMES[lexfile], "lemmas": lemmas,
                                "text": definition, "examples": [e.strip().strip(';"').strip() for e in examples]})
    return synsets


def arguments(docs: int, queries: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    parser.add_argument("--docs", type=int, default=docs)
    parser.add_argument("--queries", type=int, default=queries)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def held_out_words(chosen: list[dict], count: int, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """Query words drawn from the chosen synsets' lemmas, and the (query, document) pairs judged relevant: the
    synsets the word is a lemma of."""
    senses: dict[str, list[int]] = {}
    for doc, synset in enumerate(chosen):
        for lemma in synset["lemmas"]:
            senses.setdefault(lemma, []).append(doc)
    candidates = sorted(w for w in senses if re.fullmatch(r"[a-z][a-z -]{2,}", w))
    words = [candidates[i] for i in sorted(rng.choice(len(candidates), count, replace=False))]
    return words, np.array([(q, d) for q, word in enumerate(words) for d in senses[word]], dtype=np.int32)


def embedded(documents: list[str], words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    def report(done: int, total: int) -> None:
        print(f"\rembedding {done}/{total}", end="", file=sys.stderr)

    base, queries = embed_texts(documents, progress=report), embed_texts(words, progress=report)
    print(file=sys.stderr)
    return base, queries


def main() -> None:
    args = arguments(15_000, 1_000)
    rng = np.random.default_rng(args.seed)
    synsets = parse_synsets(args.wordnet)
    chosen = [synsets[i] for i in sorted(rng.choice(len(synsets), args.docs, replace=False))]
    query_words, qrel_pairs = held_out_words(chosen, args.queries, rng)
    base, queries = embedded([s["text"] for s in chosen], query_words)
    OUT.mkdir(exist_ok=True)
    np.savez_compressed(
        OUT / "wordnet.npz",
        base=base.astype(np.float16), queries=queries.astype(np.float16),
        texts=np.array([s["text"] for s in chosen]), query_texts=np.array(query_words),
        pos=np.array([s["pos"] for s in chosen]), lexname=np.array([s["lexname"] for s in chosen]),
        lemma_count=np.array([len(s["lemmas"]) for s in chosen], dtype=np.int64),
        qrels=qrel_pairs,
    )
    print(f"wrote {OUT / 'wordnet.npz'}: {len(chosen)} documents, {len(query_words)} queries, "
          f"{len(qrel_pairs)} relevance judgments")


if __name__ == "__main__":
    main()
