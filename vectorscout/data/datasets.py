"""Datasets: the typed container every benchmark runs on, and the providers that make them.

A dataset is named by a spec string (``synthetic:n=10000,dim=128,seed=0``) so a run records exactly how
to make its data again; its content hash keys the ground-truth cache and the report's reproducibility.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from vectorscout.contract import filters
from vectorscout.contract.metric import Metric
from vectorscout.contract.params import Param, ParamError
from vectorscout.contract.spec_text import SpecError, parse_spec
from vectorscout.data.groundtruth import GroundTruth, cached_ground_truth
from vectorscout.home import HomeError, existing_subdir, subdir, write_atomically

GROUND_TRUTH_K = 100


class DatasetError(ValueError):
    """A dataset that cannot be made or does not hold together."""


@dataclass
class Dataset:
    name: str
    metric: Metric
    base: np.ndarray  # (n, dim) float32; row i has id i
    queries: np.ndarray  # (queries, dim) float32
    payloads: dict[str, np.ndarray] = field(default_factory=dict)
    texts: list[str] | None = None
    source: str = ""
    license: str = ""
    spec: str = ""
    query_texts: list[str] | None = None
    # Relevance judgments: for each query, base row id -> gain (graded; 1 = relevant).
    qrels: list[dict[int, float]] | None = None

    def __post_init__(self) -> None:
        self.base = np.ascontiguousarray(self.base, dtype=np.float32)
        self.queries = np.ascontiguousarray(self.queries, dtype=np.float32)
        if self.base.ndim != 2 or self.queries.ndim != 2:
            raise DatasetError(f"{self.name}: base and queries must be 2-D matrices")
        if len(self.base) == 0 or len(self.queries) == 0:
            raise DatasetError(f"{self.name}: base and queries must not be empty")
        if self.base.shape[1] != self.queries.shape[1]:
            raise DatasetError(
                f"{self.name}: base vectors have dimension {self.base.shape[1]}, queries {self.queries.shape[1]}"
            )
        for label, matrix in (("base", self.base), ("queries", self.queries)):
            if not np.isfinite(matrix).all():
                row = int(np.flatnonzero(~np.isfinite(matrix).all(axis=1))[0])
                raise DatasetError(f"{self.name}: {label} row {row} holds NaN or infinity")
        for column, values in self.payloads.items():
            if len(values) != len(self.base):
                raise DatasetError(f"{self.name}: payload column {column!r} has {len(values)} rows, base {len(self.base)}")
        if self.metric is Metric.COSINE:
            for label, matrix in (("base", self.base), ("queries", self.queries)):
                zero = np.flatnonzero(~matrix.any(axis=1))
                if len(zero):
                    raise DatasetError(f"{self.name}: {label} row {int(zero[0])} is a zero vector, which has no cosine")
        if self.qrels is not None:
            if len(self.qrels) != len(self.queries):
                raise DatasetError(f"{self.name}: relevance judgments for {len(self.qrels)} queries, {len(self.queries)} given")
            for q, judged in enumerate(self.qrels):
                bad = [doc for doc in judged if not 0 <= doc < len(self.base)]
                if bad:
                    raise DatasetError(f"{self.name}: relevance judgments of query {q} name unknown document {bad[0]}")

    @property
    def n(self) -> int:
        return int(self.base.shape[0])

    @property
    def dim(self) -> int:
        return int(self.base.shape[1])

    @cached_property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        digest.update(self.metric.value.encode())
        digest.update(np.asarray(self.base.shape, dtype=np.int64).tobytes())
        digest.update(self.base.tobytes())
        digest.update(self.queries.tobytes())
        for column in sorted(self.payloads):
            digest.update(column.encode())
            digest.update(np.asarray(self.payloads[column]).astype(str).tobytes())
        return digest.hexdigest()

    def ground_truth(self, k: int = GROUND_TRUTH_K, filter: filters.Filter | None = None) -> GroundTruth:
        """Exact top-k (at least k=100 so several k share one cache entry), optionally filtered."""
        allowed = None if filter is None else filters.evaluate(filter, self.payloads)
        return cached_ground_truth(
            subdir("cache"), self.content_hash, self.queries, self.base, self.metric, max(k, GROUND_TRUTH_K),
            allowed=allowed, filter_key="" if filter is None else filters.to_text(filter),
        )

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name, "spec": self.spec, "hash": self.content_hash, "n": self.n, "dim": self.dim,
            "queries": len(self.queries), "metric": self.metric.value, "source": self.source,
            "license": self.license, "payload_columns": sorted(self.payloads), "has_qrels": self.qrels is not None,
        }


def _exact_fraction_labels(rng: np.random.Generator, n: int, fractions: Mapping[Any, float]) -> np.ndarray:
    """Labels assigned so each value covers (to the row) its fraction of n: selectivities are known."""
    values = list(fractions)
    counts = [round(n * fractions[v]) for v in values[:-1]]
    counts.append(n - sum(counts))
    labels = np.concatenate([np.full(c, v) for v, c in zip(values, counts)])
    return labels[rng.permutation(n)]


SYNTHETIC_PARAMS = (
    Param("n", int, 10_000, "number of base vectors", 1, 50_000_000),
    Param("dim", int, 128, "dimensions per vector", 1, 4096),
    Param("seed", int, 0, "random seed: the same seed gives the same data", 0, 2**32 - 1),
    Param("clusters", int, 32, "Gaussian clusters the vectors are drawn around", 1, 100_000),
    Param("queries", int, 1000, "query vectors (drawn like the base, not from it)", 1, 1_000_000),
    Param("metric", str, "cosine", "distance the benchmark uses", choices=("cosine", "l2", "ip")),
    # 0: isotropic clusters (every dimension as spread as the next). Real embeddings spend most of their variance
    # in a few directions (a decaying spectrum), which is what makes graph and IVF indexes work on them; a scale
    # ladder uses decay 1 so the indexes meet data shaped like what they will hold.
    Param("decay", float, 0.0, "spectrum decay: dimension i gets variance in proportion to (i+1)^-decay "
          "(0: isotropic)", 0.0, 4.0),
)


def check_fits_in_memory(what: str, needed_bytes: int) -> None:
    """Refuse data whose float32 vectors alone would take more than half the memory available now (each
    value may be allowed on its own while their product is not)."""
    available = psutil.virtual_memory().available
    if needed_bytes > available / 2:
        raise SpecError(f"{what} needs {needed_bytes / 2**30:,.1f} GiB for its vectors; this machine has "
                        f"{available / 2**30:,.1f} GiB available (at most half of it is used): use fewer vectors, "
                        "queries or dimensions")


def synthetic(values: Mapping[str, Any]) -> Dataset:
    """Gaussian clusters (real embeddings cluster too) with payload columns of exactly known selectivity.

    Payloads: ``tag`` 0..9 (10% each), ``category`` a/b/c/d (50/30/15/5%), ``bucket`` 0..999 (0.1% each),
    ``price`` uniform in [0, 100) (a range of width w selects about w%).
    """
    n, dim, seed, clusters = values["n"], values["dim"], values["seed"], values["clusters"]
    n_queries, metric, decay = values["queries"], Metric(values["metric"]), float(values.get("decay", 0.0))
    check_fits_in_memory(f"synthetic:n={n},dim={dim},queries={n_queries}", (n + n_queries) * dim * 4)
    rng = np.random.default_rng(seed)
    # per-dimension scale: ones when isotropic; else a decaying spectrum with the same total variance
    weights = np.arange(1, dim + 1, dtype=np.float64) ** -decay
    profile = np.sqrt(weights * dim / weights.sum()).astype(np.float32)
    centers = rng.standard_normal((clusters, dim), dtype=np.float32) * profile
    spread = np.float32(0.5)

    def sample(count: int, source: np.random.Generator) -> np.ndarray:
        out = np.empty((count, dim), dtype=np.float32)
        for start in range(0, count, 100_000):  # bounded temporary memory for large n
            stop = min(count, start + 100_000)
            members = source.integers(0, clusters, stop - start)
            noise = source.standard_normal((stop - start, dim), dtype=np.float32) * profile
            out[start:stop] = centers[members] + spread * noise
        return out

    base = sample(n, rng)
    # With a spectrum (the ladder's data) the queries come from their own stream, so every size of a ladder is
    # searched with the same queries; isotropic data keeps the order its stored runs were made with.
    queries = sample(n_queries, np.random.default_rng([seed, 1]) if decay else rng)
    payloads = {
        "tag": _exact_fraction_labels(rng, n, {i: 0.1 for i in range(10)}).astype(np.int64),
        "category": _exact_fraction_labels(rng, n, {"a": 0.5, "b": 0.3, "c": 0.15, "d": 0.05}).astype(str),
        "bucket": (rng.permutation(n) % 1000).astype(np.int64),
        "price": (rng.random(n) * 100).astype(np.float64),
    }
    spec = f"synthetic:n={n},dim={dim},seed={seed},clusters={clusters},queries={n_queries},metric={metric.value}"
    spec += f",decay={decay:g}" if decay else ""
    return Dataset(
        name=f"synthetic-{n}x{dim}", metric=metric, base=base, queries=queries, payloads=payloads,
        source="generated by VectorScout (seeded Gaussian clusters)", license="CC0-1.0 (generated data)",
        spec=spec,
    )


@dataclass(frozen=True)
class DatasetProvider:
    """A named way to make datasets; its declared params drive the CLI spec and the dashboard form."""

    name: str
    title: str
    params: tuple[Param, ...]
    make: Callable[[Mapping[str, Any]], Dataset]

    def values(self, options: Mapping[str, Any]) -> dict[str, Any]:
        declared = {p.name: p for p in self.params}
        unknown = set(options) - set(declared)
        if unknown:
            raise SpecError(
                f"{self.name}: unknown option(s) {', '.join(sorted(unknown))}; allowed: {', '.join(declared) or 'none'}"
            )
        try:
            return {name: declared[name].coerce(options[name]) if name in options else p.default
                    for name, p in declared.items()}
        except ParamError as exc:
            raise SpecError(f"{self.name}: {exc}") from None

    def spec(self, values: Mapping[str, Any]) -> str:
        options = ",".join(f"{p.name}={values[p.name]}" for p in self.params if p.name in values)
        return f"{self.name}:{options}" if options else self.name


# In a checkout the bundled data sits in datasets/ at the top; an installed package carries the same folder as
# vectorscout/bundled_datasets (pyproject.toml maps one to the other).
_INSTALLED_BUNDLE = Path(__file__).resolve().parents[1] / "bundled_datasets"
BUNDLED_DIR = _INSTALLED_BUNDLE if _INSTALLED_BUNDLE.is_dir() else Path(__file__).resolve().parents[2] / "datasets"


def qrels_from_pairs(pairs: np.ndarray, n_queries: int, gains: np.ndarray | None = None) -> list[dict[int, float]]:
    qrels: list[dict[int, float]] = [{} for _ in range(n_queries)]
    for i, (query, doc) in enumerate(np.asarray(pairs, dtype=np.int64).reshape(-1, 2).tolist()):
        if not 0 <= query < n_queries:
            raise DatasetError(f"relevance judgment {i} names unknown query {query}")
        qrels[query][doc] = float(gains[i]) if gains is not None else 1.0
    return qrels


VECTOR_ARRAYS = ("base", "queries")
UNPACKED_DONE = "complete"  # written last: an unpacked copy without it was cut short and is made again


def unpacked_arrays(path: Path) -> dict[str, np.ndarray]:
    """An npz file's arrays, memory-mapped read-only from an uncompressed copy in the home's cache, made on first
    use. Every engine worker of a run reads the dataset: each used to inflate the compressed file into its own
    copy (0.2 s for WordNet's 12 MB, measured here); mapped, they share the page cache's one copy and read it at
    once. The copy is keyed by the file's size and modification time, so a replaced import is unpacked again.
    A home that cannot be written reads the npz itself."""
    stat = path.stat()
    with np.load(path, allow_pickle=False) as stored:
        names = list(stored.files)
        try:
            folder = subdir("cache") / "unpacked-float32" / f"{path.stem}-{stat.st_size}-{stat.st_mtime_ns}"
            if not (folder / UNPACKED_DONE).exists():
                folder.mkdir(parents=True, exist_ok=True)
                for name in names:
                    # the vectors as the float32 every engine is given (WordNet's file holds float16): mapped
                    # as they are, no worker makes a converted copy of its own
                    array = stored[name].astype(np.float32) if name in VECTOR_ARRAYS else stored[name]
                    write_atomically(folder / f"{name}.npy", lambda target: np.save(target, array))  # noqa: B023
                (folder / UNPACKED_DONE).write_text("")
        except (HomeError, OSError):
            return {name: stored[name] for name in names}
    return {name: _mapped(folder / f"{name}.npy") for name in names}


def _mapped(path: Path) -> np.ndarray:
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError:  # an empty array cannot be mapped
        return np.load(path, allow_pickle=False)


def load_stored(path: Path, entry: Mapping[str, Any], spec: str) -> Dataset:
    """A dataset saved as VectorScout's npz layout (bundled files and imports alike)."""
    try:
        arrays = unpacked_arrays(path)
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{entry['name']}: cannot read {path}: {exc}") from None
    queries = arrays["queries"]
    return Dataset(
        name=entry["name"], metric=Metric(entry["metric"]), base=arrays["base"], queries=queries,
        payloads={column: arrays[column] for column in entry.get("payloads", [])},
        texts=arrays["texts"].tolist() if "texts" in arrays else None,
        query_texts=arrays["query_texts"].tolist() if "query_texts" in arrays else None,
        qrels=qrels_from_pairs(arrays["qrels"], len(queries), arrays.get("qrel_gains")) if "qrels" in arrays else None,
        source=entry.get("source", ""), license=entry.get("license", ""), spec=spec,
    )


def bundled_catalog() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads((BUNDLED_DIR / "catalog.json").read_text())
    return entries


def _bundled_provider(entry: dict[str, Any]) -> DatasetProvider:
    # Bundled files never change while VectorScout runs: read each once per process (the catalog listing,
    # the preview and every run would otherwise decompress the same file again).
    loaded = cache(lambda: load_stored(BUNDLED_DIR / entry["file"], entry, entry["name"]))
    return DatasetProvider(entry["name"], entry["title"], (), lambda values: loaded())


# Providers by spec name; bundled and imported datasets register here too.
PROVIDERS: dict[str, DatasetProvider] = {
    provider.name: provider
    for provider in (
        DatasetProvider("synthetic", "Synthetic clusters (seeded)", SYNTHETIC_PARAMS, synthetic),
        *(_bundled_provider(entry) for entry in bundled_catalog()),
    )
}


def imported_dir() -> Path:
    return subdir("datasets")


def imported_entries() -> list[dict[str, Any]]:
    """Datasets the user imported, from their meta.json files under the VectorScout home."""
    entries = []
    for meta in sorted(existing_subdir("datasets").glob("*/meta.json")):  # reading never creates (read-only homes)
        try:
            entries.append(json.loads(meta.read_text()))
        except (OSError, json.JSONDecodeError):
            continue  # a half-written import is invisible, never half-loaded
    return entries


def load_dataset(spec: str) -> Dataset:
    """Make the dataset a spec names; raises SpecError or DatasetError with a one-line reason."""
    name, options = parse_spec(spec)
    provider = PROVIDERS.get(name)
    if provider is not None:
        return provider.make(provider.values(options))
    for entry in imported_entries():
        if entry["name"] == name:
            if options:
                raise SpecError(f"{name}: an imported dataset takes no options")
            return load_stored(imported_dir() / name / "data.npz", entry, name)
    known = [*PROVIDERS, *(e["name"] for e in imported_entries())]
    raise SpecError(f"unknown dataset {name!r}; known: {', '.join(known)}")


def dataset_listing() -> list[dict[str, Any]]:
    """Every dataset a run can name: generators, bundled files and imports."""
    bundled = {e["name"] for e in bundled_catalog()}
    listing: list[dict[str, Any]] = []
    for name, provider in PROVIDERS.items():
        if name in bundled:
            listing.append({**load_dataset(name).info(), "kind": "bundled", "title": provider.title})
        else:
            listing.append({"name": name, "kind": "generator", "title": provider.title, "n": None, "dim": None,
                            "metric": "any", "source": "generated", "license": "CC0-1.0 (generated data)",
                            "has_qrels": False})
    listing.extend({**entry, "kind": "imported"} for entry in imported_entries())
    return listing
