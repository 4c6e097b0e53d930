"""Engine name -> adapter class, imported only when first asked for.

A table, not an if-chain: adding an engine is one line here and one module beside this file.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

from adapters.base import VectorAdapter


@dataclass(frozen=True)
class EngineEntry:
    name: str
    target: str  # "module:Class"
    summary: str


ENGINES: dict[str, EngineEntry] = {
    entry.name: entry
    for entry in (
        EngineEntry("faiss", "adapters.faiss:FaissAdapter", "FAISS library; Flat is the exact baseline"),
        EngineEntry("chroma", "adapters.chroma:ChromaAdapter", "Chroma, embedded persistent client"),
        EngineEntry("qdrant", "adapters.qdrant:QdrantAdapter", "Qdrant: embedded engine (qdrant-edge) or a server URL"),
        EngineEntry("milvus", "adapters.milvus:MilvusAdapter", "Milvus: Milvus Lite on a local file or a server URI"),
        EngineEntry("pgvector", "adapters.pgvector:PgvectorAdapter",
                    "PostgreSQL + pgvector: a bundled private server or a DSN"),
        EngineEntry("lancedb", "adapters.lancedb:LanceDBAdapter", "LanceDB: embedded, or a remote URI"),
        EngineEntry("hnswlib", "adapters.hnswlib:HnswlibAdapter", "hnswlib library: a reference HNSW baseline"),
        EngineEntry("weaviate", "adapters.weaviate:WeaviateAdapter", "Weaviate: a server by URL (no embedded engine)"),
        EngineEntry("qdrant-local", "adapters.qdrant:QdrantLocalAdapter",
                    "qdrant-client local mode: pure Python, not the Qdrant engine"),
    )
}


# What a new run starts with: the exact baseline and an embedded database, both quick to set up.
DEFAULT_SELECTION = ("faiss", "chroma")


class UnknownEngine(KeyError):
    def __str__(self) -> str:
        return f"unknown engine {self.args[0]!r}; known engines: {', '.join(ENGINES)}"


def engine_names() -> list[str]:
    return list(ENGINES)


@cache
def adapter_class(name: str) -> type[VectorAdapter]:
    """The adapter class for an engine name; the engine's own package is not imported here."""
    entry = ENGINES.get(name.lower())
    if entry is None:
        raise UnknownEngine(name)
    module_name, class_name = entry.target.split(":")
    cls: type[VectorAdapter] = getattr(importlib.import_module(module_name), class_name)
    return cls
