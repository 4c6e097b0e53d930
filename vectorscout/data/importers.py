"""Dataset imports: the formats people already have, validated whole before anything is registered.

Every import reads the source, builds and validates a ``Dataset`` (dimensions, NaN/inf, zero vectors under
cosine, relevance judgments naming real ids), checks shipped ground truth on a sample, and only then
writes ``<home>/datasets/<name>/`` by renaming a finished temporary directory: an import either appears
whole or not at all, and existing datasets and results are never touched.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from vectorscout.contract.metric import Metric
from vectorscout.data.datasets import PROVIDERS, Dataset, DatasetError, imported_dir, imported_entries
from vectorscout.data.embedding import ProgressFn, embed_texts
from vectorscout.data.groundtruth import exact_distances, exact_knn
from vectorscout.home import HomeError
from vectorscout.results.records import utc_now

log = logging.getLogger(__name__)
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DEFAULT_MAX_BYTES = 4 * 1024**3
DEFAULT_MAX_RECORD_BYTES = 16 * 1024**2
DEFAULT_MAX_COLUMNS = 20_000
HELD_OUT_QUERIES = 1000


class DatasetImportError(DatasetError):
    """A file that cannot be imported; the message names the file, the place and the rule broken."""


@dataclass
class ImportedData:
    base: np.ndarray
    queries: np.ndarray
    metric: Metric
    payloads: dict[str, np.ndarray] = field(default_factory=dict)
    texts: list[str] | None = None
    query_texts: list[str] | None = None
    qrels: list[dict[int, float]] | None = None
    neighbors: np.ndarray | None = None  # shipped ground truth (base row ids), checked on a sample
    source: str = ""
    metric_assumed: bool = False  # neither the user nor the file said: the format's usual metric was taken


def _limit(variable: str, default: int) -> int:
    """A configurable bound: the environment variable when set (a positive whole number), else the default."""
    raw = os.environ.get(variable)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise DatasetImportError(f"{variable} must be a positive whole number; got {raw!r}")
    return value


def max_import_bytes() -> int:
    """The most data an import may unpack to: files as stored and, for compressed formats, as unpacked."""
    return _limit("VECTORSCOUT_MAX_IMPORT_BYTES", DEFAULT_MAX_BYTES)


def max_record_bytes() -> int:
    """The longest line (a JSONL record, a CSV row, a text) read before refusing the file."""
    return _limit("VECTORSCOUT_MAX_RECORD_BYTES", DEFAULT_MAX_RECORD_BYTES)


def max_columns() -> int:
    return _limit("VECTORSCOUT_MAX_COLUMNS", DEFAULT_MAX_COLUMNS)


def check_limits() -> None:
    """Every configured bound is read once up front, so a bad setting is refused before any work."""
    max_import_bytes(), max_record_bytes(), max_columns()


def bounded_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The file's lines, numbered from 1, each read with a bound: a line over max_record_bytes() is refused
    before it is held in memory (a 1 MB zip can unpack to one 1 GB line)."""
    limit = max_record_bytes()
    with path.open("rb") as handle:
        number = 0
        while raw := handle.readline(limit + 1):
            number += 1
            if len(raw) > limit and not raw.endswith(b"\n"):
                raise DatasetImportError(f"{path.name}: line {number} is over {limit:,} bytes "
                                         "(VECTORSCOUT_MAX_RECORD_BYTES)")
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DatasetImportError(f"{path.name}: line {number} is not UTF-8 text (byte {exc.start})") from None


def _check_unpacked(name: str, unpacked: int) -> None:
    limit = max_import_bytes()
    if unpacked > limit:
        raise DatasetImportError(f"{name}: unpacks to {unpacked:,} bytes, over the import limit of {limit:,} bytes "
                                 "(VECTORSCOUT_MAX_IMPORT_BYTES)")


def _check_parquet(path: Path) -> None:
    """Columns and unpacked size from the Parquet footer, before any row is read."""
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_metadata(path)
    except Exception as exc:
        raise DatasetImportError(f"{path.name}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None
    if metadata.num_columns > max_columns():
        raise DatasetImportError(f"{path.name}: {metadata.num_columns:,} columns, over the limit of {max_columns():,} "
                                 "(VECTORSCOUT_MAX_COLUMNS)")
    _check_unpacked(path.name, sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups)))


def _check_csv(path: Path) -> None:
    """Column count from the header and every line's length, before pandas parses anything."""
    for number, line in bounded_lines(path):
        if number == 1:
            columns = len(next(csv.reader([line]), []))
            if columns > max_columns():
                raise DatasetImportError(f"{path.name}: {columns:,} columns, over the limit of {max_columns():,} "
                                         "(VECTORSCOUT_MAX_COLUMNS)")


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def held_out(count: int, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows kept as base and rows held out as queries (removed from the base, so no query finds itself)."""
    wanted = min(count, max(1, n // 10))
    if n < 2:
        raise DatasetImportError(f"{n} vector(s): at least 2 are needed (one base, one query)")
    queries = np.sort(np.random.default_rng(seed).choice(n, wanted, replace=False))
    base = np.setdiff1d(np.arange(n), queries)
    return base, queries


def _matrix(values: Any, where: str) -> np.ndarray:
    try:
        with np.errstate(over="ignore"):  # values beyond float32 become inf, which the dataset check refuses
            matrix = np.asarray(values, dtype=np.float32)
    except (ValueError, TypeError) as exc:
        raise DatasetImportError(f"{where}: values are not numeric or rows have different lengths ({exc})") from None
    if matrix.ndim != 2 or matrix.shape[0] == 0 or matrix.shape[1] == 0:
        raise DatasetImportError(f"{where}: expected a non-empty 2-D matrix of vectors, got shape {matrix.shape}")
    return matrix


# -- ann-benchmarks HDF5 ----------------------------------------------------------------------------
ANN_METRICS = {"euclidean": Metric.L2, "angular": Metric.COSINE, "dot": Metric.IP, "ip": Metric.IP}


def read_hdf5(path: Path, metric: Metric | None, **_: Any) -> ImportedData:
    import h5py

    try:
        with h5py.File(path, "r") as f:
            for key in ("train", "test"):
                if key not in f:
                    raise DatasetImportError(f"{path.name}: no '{key}' dataset (ann-benchmarks files have train and test)")
            distance = f.attrs.get("distance", "")
            distance = distance.decode() if isinstance(distance, bytes) else str(distance)
            assumed = metric is None and distance not in ANN_METRICS
            if assumed and "neighbors" not in f:
                raise DatasetImportError(f"{path.name}: distance attribute {distance!r} is not one of "
                                         f"{', '.join(ANN_METRICS)} and no neighbours to infer it from; give --metric")
            if metric is None:
                metric = ANN_METRICS.get(distance, Metric.L2)
            for key in ("train", "test", "neighbors"):
                _check_stored_inside(f, key, path.name)
            _check_unpacked(path.name, sum(int(np.prod(f[key].shape, dtype=object)) * f[key].dtype.itemsize
                                           for key in ("train", "test", "neighbors") if key in f))
            base = _matrix(f["train"][()], f"{path.name}:train")
            queries = _matrix(f["test"][()], f"{path.name}:test")
            neighbors = np.asarray(f["neighbors"][()], dtype=np.int64) if "neighbors" in f else None
    except OSError as exc:
        raise DatasetImportError(f"{path.name}: not a readable HDF5 file ({exc})") from None
    return ImportedData(base, queries, metric, neighbors=neighbors, source=f"ann-benchmarks HDF5 {path.name}",
                        metric_assumed=assumed)


def _check_stored_inside(f: Any, key: str, file_name: str) -> None:
    """A dataset read from this file only: HDF5 lets one be a link to another file, point at raw bytes in
    other files (external storage) or map other files' datasets (a virtual dataset); each would import the
    contents of a file the visitor names on this machine."""
    import h5py

    link = f.get(key, getlink=True)
    if link is None:
        return
    if isinstance(link, h5py.ExternalLink):
        raise DatasetImportError(f"{file_name}: '{key}' links to another file; a dataset must be stored in the file")
    dataset = f[key]
    if not isinstance(dataset, h5py.Dataset) or dataset.file.filename != f.filename:
        raise DatasetImportError(f"{file_name}: '{key}' is not a dataset stored in the file")
    if dataset.external or dataset.is_virtual:
        raise DatasetImportError(f"{file_name}: '{key}' keeps its values in other files (HDF5 external or virtual "
                                 "storage); a dataset must be stored in the file")


# -- TEXMEX fvecs / ivecs / bvecs ------------------------------------------------------------------
def read_vecs(path: Path) -> np.ndarray:
    """Rows of (int32 dimension, then that many values); every row must have the same dimension."""
    kind = path.suffix.lower()
    value_type = {".fvecs": np.float32, ".ivecs": np.int32, ".bvecs": np.uint8}.get(kind)
    if value_type is None:
        raise DatasetImportError(f"{path.name}: not an .fvecs, .ivecs or .bvecs file")
    raw = path.read_bytes()
    if len(raw) < 4:
        raise DatasetImportError(f"{path.name}: empty or truncated file")
    dim = int(np.frombuffer(raw[:4], dtype=np.int32)[0])
    value_size = np.dtype(value_type).itemsize
    row_bytes = 4 + dim * value_size
    if dim <= 0 or dim > 65536:
        raise DatasetImportError(f"{path.name}: row 0 declares dimension {dim} (allowed 1..65536)")
    if len(raw) % row_bytes:
        raise DatasetImportError(f"{path.name}: {len(raw)} bytes is not a whole number of {dim}-dimensional rows")
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(-1, row_bytes)
    dims = rows[:, :4].copy().view(np.int32).ravel()
    ragged = np.flatnonzero(dims != dim)
    if len(ragged):
        raise DatasetImportError(f"{path.name}: row {int(ragged[0])} has dimension {int(dims[ragged[0]])}, row 0 has {dim}")
    return rows[:, 4:].copy().view(value_type).reshape(len(rows), dim)


def read_texmex(path: Path, metric: Metric | None, **_: Any) -> ImportedData:
    if not path.is_dir():
        raise DatasetImportError(f"{path}: give the folder holding *_base.*vecs, *_query.*vecs and *_groundtruth.ivecs")

    def one(pattern: str, required: bool = True) -> Path | None:
        found = sorted(p for p in path.iterdir() if re.search(pattern, p.name))
        if not found and required:
            raise DatasetImportError(f"{path}: no file matching {pattern}")
        return found[0] if found else None

    base_file, query_file = one(r"_base\.[fb]vecs$"), one(r"_query\.[fb]vecs$")
    truth_file = one(r"_groundtruth\.ivecs$", required=False)
    assert base_file is not None and query_file is not None
    base, queries = read_vecs(base_file).astype(np.float32), read_vecs(query_file).astype(np.float32)
    neighbors = read_vecs(truth_file).astype(np.int64) if truth_file else None
    return ImportedData(base, queries, metric or Metric.L2, neighbors=neighbors, source=f"TEXMEX {base_file.name}",
                        metric_assumed=metric is None)


# -- NPY / NPZ -----------------------------------------------------------------------------------
def _check_declared_sizes(path: Path) -> None:
    """Refuse arrays whose header declares more data than the file holds, before anything is allocated
    (a 100-byte file may declare a 40 TB array)."""
    import zipfile

    from numpy.lib import format as npy_format

    def check(handle: Any, available: int, where: str) -> int:
        version = npy_format.read_magic(handle)
        read_header = npy_format.read_array_header_1_0 if version == (1, 0) else npy_format.read_array_header_2_0
        shape, _, dtype = read_header(handle)
        declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if declared > available:
            raise DatasetImportError(f"{where}: the header declares {declared:,} bytes of data but the file holds "
                                     f"{available:,}; truncated or corrupt")
        return declared

    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                declared = 0
                for info in archive.infolist():
                    if info.filename.endswith(".npy"):
                        with archive.open(info) as member:
                            declared += check(member, info.file_size, f"{path.name}:{info.filename}")
                _check_unpacked(path.name, declared)  # a 2 MB .npz may hold a 2 GiB array of zeros
        else:
            with path.open("rb") as handle:
                check(handle, path.stat().st_size, path.name)
    except DatasetImportError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, SyntaxError, TypeError) as exc:
        raise DatasetImportError(f"{path.name}: not a readable .npy/.npz file ({type(exc).__name__}: {exc})") from None


def read_numpy(path: Path, metric: Metric | None, queries: int = HELD_OUT_QUERIES, **_: Any) -> ImportedData:
    _check_declared_sizes(path)
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise DatasetImportError(f"{path.name}: not a readable .npy/.npz file without pickled objects ({exc})") from None
    if isinstance(loaded, np.ndarray):
        matrix = _matrix(loaded, path.name)
        base_rows, query_rows = held_out(queries, len(matrix))
        return ImportedData(matrix[base_rows], matrix[query_rows], metric or Metric.COSINE, source=f"NPY {path.name}")
    with loaded:
        keys = set(loaded.files)
        base_key = next((k for k in ("base", "train", "vectors") if k in keys), None)
        if base_key is None:
            raise DatasetImportError(f"{path.name}: no array named base, train or vectors (found: {', '.join(sorted(keys))})")
        matrix = _matrix(loaded[base_key], f"{path.name}:{base_key}")
        query_key = next((k for k in ("queries", "test", "query") if k in keys), None)
        neighbors = np.asarray(loaded["neighbors"], dtype=np.int64) if "neighbors" in keys else None
        if query_key:
            return ImportedData(matrix, _matrix(loaded[query_key], f"{path.name}:{query_key}"), metric or Metric.COSINE,
                                neighbors=neighbors, source=f"NPZ {path.name}")
    base_rows, query_rows = held_out(queries, len(matrix))
    return ImportedData(matrix[base_rows], matrix[query_rows], metric or Metric.COSINE, source=f"NPZ {path.name}")


# -- Parquet / CSV with a vector column ------------------------------------------------------------
VECTOR_COLUMNS = ("vector", "emb", "embedding", "embeddings")


def _parse_vector_cell(cell: Any, where: str) -> list[float]:
    if isinstance(cell, str):
        parts = [p for p in re.split(r"[\s,;]+", cell.strip().strip("[]")) if p]
        try:
            return [float(p) for p in parts]
        except ValueError:
            raise DatasetImportError(f"{where}: {cell[:40]!r} is not a list of numbers") from None
    if cell is None:
        raise DatasetImportError(f"{where}: the vector is missing")
    return list(cell)


# Names a payload column cannot take: the dataset's own arrays, and the columns the engines' tables hold beside
# the payload (the row id, the vector, the texts of a hybrid run). A leading underscore is an engine's internal
# name (a search's distance column), so none is taken either.
RESERVED_COLUMNS = frozenset({"base", "queries", "texts", "query_texts", "qrels", "qrel_gains",
                              "id", "vector", "emb", "embedding", "embeddings", "text", "body"})
PAYLOAD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}")
PAYLOAD_KINDS = {"b": "true or false", "i": "whole numbers", "u": "whole numbers", "f": "numbers", "U": "text",
                 "S": "text"}


def checked_payloads(payloads: dict[str, np.ndarray], source: str) -> dict[str, np.ndarray]:
    """Payload columns every engine can store and a filter can name: an identifier that is no reserved name,
    one value per row of numbers, text or true/false (text held as Python objects becomes text). Anything
    else (a mapping, a list, a date) is refused here, not by an engine in the middle of a run."""
    checked = {}
    for name, values in payloads.items():
        if not PAYLOAD_NAME.fullmatch(str(name)) or str(name).lower() in RESERVED_COLUMNS:
            raise DatasetImportError(f"{source}: payload column {str(name)[:80]!r} must be an identifier of at most 63 "
                                     "characters, starting with a letter, and not one of the engines' own columns "
                                     f"({', '.join(sorted(RESERVED_COLUMNS))}); rename it")
        column = np.asarray(values)
        if column.dtype.kind == "O":
            # an empty cell of a text column (None, NaN) reads as text as it always did; anything else is refused
            other = next((v for v in column.ravel() if not isinstance(v, str) and not _missing(v)), None)
            if other is not None:
                raise DatasetImportError(f"{source}: payload column {name!r} holds {type(other).__name__} values; a "
                                         "payload column holds numbers, text or true/false")
            column = column.astype(str)
        if column.ndim != 1 or column.dtype.kind not in PAYLOAD_KINDS:
            raise DatasetImportError(f"{source}: payload column {name!r} holds {column.dtype} values in "
                                     f"{column.ndim} dimension(s); a payload column holds one number, text or "
                                     "true/false per row")
        checked[str(name)] = column
    return checked


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _table_to_data(frame: Any, name: str, metric: Metric | None, vector_column: str | None, queries: int) -> ImportedData:
    if "id" in frame.columns and frame["id"].duplicated().any():  # two rows under one id: which one is the id's?
        duplicate = frame["id"][frame["id"].duplicated()].iloc[0]
        rows = frame.index[frame["id"] == duplicate][:2].tolist()
        raise DatasetImportError(f"{name}: id {duplicate} appears twice (rows {rows[0]} and {rows[1]})")
    column = vector_column or next((c for c in VECTOR_COLUMNS if c in frame.columns), None)
    if column is None or column not in frame.columns:
        raise DatasetImportError(f"{name}: no vector column (looked for {vector_column or ', '.join(VECTOR_COLUMNS)}; "
                                 f"columns: {', '.join(map(str, frame.columns))})")
    rows = [_parse_vector_cell(cell, f"{name}: row {i}, column {column!r}") for i, cell in enumerate(frame[column])]
    lengths = {len(r) for r in rows}
    if len(lengths) > 1:
        first_bad = next(i for i, r in enumerate(rows) if len(r) != len(rows[0]))
        raise DatasetImportError(f"{name}: row {first_bad}, column {column!r} has {len(rows[first_bad])} values, "
                                 f"row 0 has {len(rows[0])}")
    matrix = _matrix(rows, f"{name}:{column}")
    payloads = {}
    for other in frame.columns:
        if other == column or other == "id":
            continue
        payloads[str(other)] = frame[other].to_numpy()  # text, mappings and lists alike: checked_payloads tells
    base_rows, query_rows = held_out(queries, len(matrix))
    return ImportedData(matrix[base_rows], matrix[query_rows], metric or Metric.COSINE,
                        payloads={k: v[base_rows] for k, v in payloads.items()}, source=name)


def read_table(path: Path, metric: Metric | None, vector_column: str | None = None,
               queries: int = HELD_OUT_QUERIES, **_: Any) -> ImportedData:
    import pandas as pd

    if path.suffix.lower() == ".parquet":
        _check_parquet(path)
    else:
        _check_csv(path)
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path)
    except Exception as exc:
        raise DatasetImportError(f"{path.name}: cannot be read as {path.suffix or 'CSV'} ({type(exc).__name__}: {exc})") from None
    if frame.empty:
        raise DatasetImportError(f"{path.name}: the file has no rows")
    return _table_to_data(frame, path.name, metric, vector_column, queries)


# -- VectorDBBench parquet layout --------------------------------------------------------------------
def read_vectordbbench(path: Path, metric: Metric | None, **_: Any) -> ImportedData:
    import pandas as pd

    if not path.is_dir():
        raise DatasetImportError(f"{path}: give the folder holding train*.parquet, test.parquet, neighbors.parquet")
    train_files = sorted(path.glob("train*.parquet"))
    if not train_files or not (path / "test.parquet").exists():
        raise DatasetImportError(f"{path}: VectorDBBench layout needs train*.parquet and test.parquet")
    for part in [*train_files, path / "test.parquet", *sorted(path.glob("neighbors.parquet"))]:
        _check_parquet(part)
    train = pd.concat([pd.read_parquet(f) for f in train_files], ignore_index=True)
    for required in ("id", "emb"):
        if required not in train.columns:
            raise DatasetImportError(f"{train_files[0].name}: no column {required!r}")
    if train["id"].duplicated().any():
        duplicate = train["id"][train["id"].duplicated()].iloc[0]
        raise DatasetImportError(f"{train_files[0].name}: id {duplicate} appears twice")
    train = train.sort_values("id").reset_index(drop=True)
    row_of = {int(i): row for row, i in enumerate(train["id"])}
    test = pd.read_parquet(path / "test.parquet").sort_values("id").reset_index(drop=True)
    base = _matrix(np.stack(train["emb"].to_numpy()), "train:emb")
    queries = _matrix(np.stack(test["emb"].to_numpy()), "test.parquet:emb")
    neighbors = None
    if (path / "neighbors.parquet").exists():
        truth = pd.read_parquet(path / "neighbors.parquet").sort_values("id")
        try:
            neighbors = np.array([[row_of[int(n)] for n in ids] for ids in truth["neighbors_id"]], dtype=np.int64)
        except KeyError as exc:
            raise DatasetImportError(f"neighbors.parquet: names id {exc.args[0]}, which is not in train") from None
    payloads = {c: train[c].to_numpy() for c in train.columns if c not in ("id", "emb")}
    return ImportedData(base, queries, metric or Metric.COSINE, payloads=payloads, neighbors=neighbors,
                        source=f"VectorDBBench {path.name}", metric_assumed=metric is None)


# -- texts: BEIR folders and plain text files ----------------------------------------------------------
def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in bounded_lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetImportError(f"{path.name}: line {number} is not JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise DatasetImportError(f"{path.name}: line {number} is not a JSON object")
        yield number, record


def read_beir(path: Path, metric: Metric | None, progress: ProgressFn | None = None, **_: Any) -> ImportedData:
    if not path.is_dir():
        raise DatasetImportError(f"{path}: give the BEIR folder holding corpus.jsonl, queries.jsonl and qrels/")
    for required in ("corpus.jsonl", "queries.jsonl"):
        if not (path / required).exists():
            raise DatasetImportError(f"{path}: no {required}")
    qrel_files = sorted((path / "qrels").glob("*.tsv"))
    if not qrel_files:
        raise DatasetImportError(f"{path}: no qrels/*.tsv")
    qrel_file = next((f for f in qrel_files if f.stem == "test"), qrel_files[0])
    doc_ids, texts = [], []
    for number, record in _jsonl(path / "corpus.jsonl"):
        if "_id" not in record:
            raise DatasetImportError(f"corpus.jsonl: line {number} has no _id")
        doc_ids.append(str(record["_id"]))
        texts.append(" ".join(filter(None, [str(record.get("title") or ""), str(record.get("text") or "")])).strip())
    row_of = {doc: row for row, doc in enumerate(doc_ids)}
    if len(row_of) != len(doc_ids):
        raise DatasetImportError("corpus.jsonl: a document _id appears twice")
    query_text = {str(r["_id"]): str(r.get("text", "")) for _, r in _jsonl(path / "queries.jsonl") if "_id" in r}
    judged: dict[str, dict[int, float]] = {}
    for number, row in enumerate(csv.reader((line for _, line in bounded_lines(qrel_file)), delimiter="\t"), 1):
        if number == 1 and row and row[0] == "query-id":
            continue
        if len(row) < 3:
            raise DatasetImportError(f"qrels/{qrel_file.name}: line {number} needs query-id, corpus-id, score")
        query, doc, score = row[0], row[1], row[2]
        if doc not in row_of:
            raise DatasetImportError(f"qrels/{qrel_file.name}: line {number} names unknown document {doc!r}")
        if query not in query_text:
            raise DatasetImportError(f"qrels/{qrel_file.name}: line {number} names unknown query {query!r}")
        try:
            judged.setdefault(query, {})[row_of[doc]] = float(score)
        except ValueError:
            raise DatasetImportError(f"qrels/{qrel_file.name}: line {number}: score {score!r} is not a number") from None
        if not math.isfinite(judged[query][row_of[doc]]):  # a NaN gain makes every nDCG of that query NaN
            raise DatasetImportError(f"qrels/{qrel_file.name}: line {number}: score {score!r} is not a finite number")
    query_ids = sorted(judged)
    query_texts = [query_text[q] for q in query_ids]
    base = embed_texts(texts, progress=progress)
    queries = embed_texts(query_texts, progress=progress)
    return ImportedData(base, queries, Metric.COSINE, texts=texts, query_texts=query_texts,
                        qrels=[judged[q] for q in query_ids], payloads={"doc_id": np.array(doc_ids)},
                        source=f"BEIR {path.name} ({qrel_file.name})")


def read_texts(path: Path, metric: Metric | None, queries: int = HELD_OUT_QUERIES,
               progress: ProgressFn | None = None, **_: Any) -> ImportedData:
    suffix = path.suffix.lower()
    try:
        if suffix == ".jsonl":
            texts = [str(r.get("text", "")) for _, r in _jsonl(path)]
        elif suffix == ".csv":
            _check_csv(path)
            reader = csv.DictReader(line for _, line in bounded_lines(path))
            if not reader.fieldnames or "text" not in reader.fieldnames:
                raise DatasetImportError(f"{path.name}: a CSV of texts needs a 'text' column")
            texts = [row["text"] or "" for row in reader]
        else:
            texts = [line for _, line in bounded_lines(path)]
    except UnicodeDecodeError as exc:
        raise DatasetImportError(f"{path.name}: not UTF-8 text (byte {exc.start})") from None
    texts = [t.strip() for t in texts if t.strip()]
    if len(texts) < 2:
        raise DatasetImportError(f"{path.name}: fewer than 2 non-empty texts")
    base_rows, query_rows = held_out(queries, len(texts))
    vectors = embed_texts(texts, progress=progress)
    return ImportedData(vectors[base_rows], vectors[query_rows], Metric.COSINE,
                        texts=[texts[i] for i in base_rows], query_texts=[texts[i] for i in query_rows],
                        source=f"texts {path.name}")


# A BEIR, TEXMEX or VectorDBBench folder holds a handful of files a folder or two deep; bounds far above that
# keep a zip of 100,000 empty members (minutes of file creation) or a member thousands of folders deep (past
# Python's recursion limit when the folder is walked) out.
MAX_ARCHIVE_MEMBERS = 1_000
MAX_ARCHIVE_DEPTH = 16


def extract_archive(archive: Path, destination: Path) -> Path:
    """Unpack an uploaded .zip (a BEIR, TEXMEX or VectorDBBench folder) safely; returns the data folder.

    Members with absolute paths or '..' are refused (no writing outside the destination), and the unpacked
    size counts against the import limit before anything is written.
    """
    import zipfile

    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            if len(members) > MAX_ARCHIVE_MEMBERS:
                raise DatasetImportError(f"{archive.name}: {len(members):,} members; a dataset folder has at most "
                                         f"{MAX_ARCHIVE_MEMBERS:,}")
            deep = next((m.filename for m in members if m.filename.count("/") > MAX_ARCHIVE_DEPTH), None)
            if deep is not None:
                raise DatasetImportError(f"{archive.name}: member {deep[:80]!r}... lies more than "
                                         f"{MAX_ARCHIVE_DEPTH} folders deep")
            total = sum(m.file_size for m in members)
            if total > max_import_bytes():
                raise DatasetImportError(f"{archive.name}: unpacks to {total:,} bytes, over the import limit")
            root = destination.resolve()
            for member in members:
                target = (destination / member.filename).resolve()
                if member.filename.startswith(("/", "\\")) or not target.is_relative_to(root):
                    raise DatasetImportError(f"{archive.name}: member {member.filename!r} points outside the archive")
            zipped.extractall(destination)
    except zipfile.BadZipFile:
        raise DatasetImportError(f"{archive.name}: not a valid .zip archive") from None
    entries = [p for p in destination.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else destination


FORMATS: dict[str, Callable[..., ImportedData]] = {
    "hdf5": read_hdf5, "texmex": read_texmex, "npy": read_numpy, "npz": read_numpy, "parquet": read_table,
    "csv": read_table, "vectordbbench": read_vectordbbench, "beir": read_beir, "texts": read_texts,
}


FORMAT_SNIFF_BYTES = 64 * 2**10  # a CSV header past 64 KB names hundreds of columns: read as a vector table


def guess_format(path: Path) -> str:
    """The format a file or folder most likely has, from its name and contents."""
    if path.is_dir():
        names = {p.name for p in path.iterdir()}
        if "corpus.jsonl" in names:
            return "beir"
        if any(re.search(r"_base\.[fb]vecs$", n) for n in names):
            return "texmex"
        if any(n.startswith("train") and n.endswith(".parquet") for n in names):
            return "vectordbbench"
        raise DatasetImportError(f"{path}: cannot tell the format of this folder; give it")
    by_suffix = {".hdf5": "hdf5", ".h5": "hdf5", ".npy": "npy", ".npz": "npz", ".parquet": "parquet", ".csv": "csv",
                 ".txt": "texts", ".jsonl": "texts"}
    guessed = by_suffix.get(path.suffix.lower())
    if guessed is None:
        raise DatasetImportError(f"{path.name}: cannot tell the format from the name; give it")
    if guessed == "csv":  # a CSV of texts has a 'text' column and no vector column
        # the header's first bytes only: a file of one huge line must not be read whole just to be named
        with path.open("rb") as handle:
            first = handle.readline(FORMAT_SNIFF_BYTES)
        header = first.decode("utf-8", errors="replace").strip().split(",")
        if "text" in header and not set(VECTOR_COLUMNS) & set(header):
            return "texts"
    return guessed


TRUTH_SAMPLE = 200  # queries compared with exact neighbours (all of them when fewer)
TRUTH_TOLERANCE = 0.01  # more than 1 % of shipped neighbours outside the exact top-k: refused


def truth_agreement(data: ImportedData, metric: Metric, rows: np.ndarray) -> tuple[float, int]:
    """The share of shipped top-k neighbours (k: all the columns shipped) that are within the exact k-th
    distance under ``metric``, on the sampled query rows. Judged by distance, so ties among equally near
    vectors never count as disagreement; an id outside the base, or given twice in a row, counts as wrong."""
    assert data.neighbors is not None
    k = min(data.neighbors.shape[1], len(data.base))
    shipped = data.neighbors[rows, :k]
    valid = (shipped >= 0) & (shipped < len(data.base))
    for row, ids in enumerate(shipped):  # an id given twice is one neighbour, not two
        first = np.zeros(k, dtype=bool)
        first[np.unique(ids, return_index=True)[1]] = True
        valid[row] &= first
    exact = exact_knn(data.queries[rows], data.base, metric, k)
    distance = exact_distances(data.queries[rows], data.base, np.where(valid, shipped, 0), metric)
    kth = exact.distances[:, -1:].astype(np.float64)
    within = distance <= kth + 1e-4 * (1.0 + np.abs(kth))  # float32 rounding of equal distances
    return float((valid & within).mean()), k


def settle_metric_and_truth(data: ImportedData, replace_truth: bool) -> tuple[Metric, str]:
    """The metric to import with and the ground-truth verdict the catalog keeps.

    A metric nobody stated is inferred from the shipped neighbours (refused when none fits, naming how well
    each did); shipped neighbours that disagree with the exact ones on more than 1 % are refused unless the
    user asks to replace them. Runs always measure against exact neighbours VectorScout computes itself."""
    if data.neighbors is None:
        return data.metric, "computed (none shipped)"
    if data.neighbors.ndim != 2 or len(data.neighbors) != len(data.queries):
        if not replace_truth:
            raise DatasetImportError(f"{data.source}: shipped neighbours have shape {data.neighbors.shape}, expected "
                                     f"({len(data.queries)}, k); pass --replace-ground-truth to use exact neighbours")
        return data.metric, f"replaced: shipped neighbours had shape {data.neighbors.shape}; exact neighbours are used"
    rows = np.random.default_rng(0).choice(len(data.queries), min(TRUTH_SAMPLE, len(data.queries)), replace=False)
    metric, inferred = data.metric, ""
    if data.metric_assumed:
        scores = {candidate: truth_agreement(data, candidate, rows)[0] for candidate in Metric}
        said = ", ".join(f"{candidate.value} {score:.1%}" for candidate, score in scores.items())
        fitting = [candidate for candidate, score in scores.items() if score >= 1 - TRUTH_TOLERANCE]
        if not fitting:
            raise DatasetImportError(f"{data.source}: no metric was given and the shipped neighbours fit none "
                                     f"(top-k agreement with exact neighbours: {said}); give --metric, and "
                                     "--replace-ground-truth to use exact neighbours")
        metric = data.metric if data.metric in fitting else fitting[0]  # several fit: equivalent on this data
        inferred = f"metric {metric.value} inferred from the shipped neighbours ({said}); "
    agreement, k = truth_agreement(data, metric, rows)
    sample = f"a {len(rows)}-query sample"
    if agreement >= 1 - TRUTH_TOLERANCE:
        return metric, f"{inferred}ok: shipped top-{k} matches exact {metric.value} neighbours on {agreement:.1%} of {sample}"
    if not replace_truth:
        raise DatasetImportError(f"{data.source}: shipped top-{k} neighbours agree with exact {metric.value} neighbours "
                                 f"on only {agreement:.1%} of {sample} (more than 1 % differ): check the metric "
                                 "(--metric), or pass --replace-ground-truth to measure against exact neighbours")
    return metric, (f"{inferred}replaced: shipped top-{k} agreed with exact {metric.value} neighbours on "
                    f"{agreement:.1%} of {sample}; exact neighbours are used")


def import_dataset(
    path: Path, format: str, name: str, metric: str | None = None, progress: ProgressFn | None = None,
    replace_ground_truth: bool = False, **options: Any
) -> dict[str, Any]:
    """Import and register a dataset; returns its catalog entry. Raises DatasetImportError, leaving nothing."""
    path = Path(path)
    check_limits()
    if not NAME_PATTERN.match(name):
        raise DatasetImportError(f"dataset name {name!r}: use 1-64 lower-case letters, digits, '-' or '_'")
    if name in PROVIDERS or any(e["name"] == name for e in imported_entries()):
        raise DatasetImportError(f"a dataset named {name!r} exists already; choose another name")
    if not path.exists():
        raise DatasetImportError(f"{path}: no such file or folder")
    if format == "auto":
        format = guess_format(path)
    reader = FORMATS.get(format)
    if reader is None:
        raise DatasetImportError(f"unknown format {format!r}; formats: auto, {', '.join(FORMATS)}")
    size, limit = _size(path), max_import_bytes()
    if size > limit:
        raise DatasetImportError(f"{path.name}: {size:,} bytes is over the import limit of {limit:,} bytes "
                                 "(VECTORSCOUT_MAX_IMPORT_BYTES)")
    if size == 0:
        raise DatasetImportError(f"{path.name}: the file is empty")
    try:
        chosen_metric = Metric(metric) if metric else None
    except ValueError:
        raise DatasetImportError(f"metric must be cosine, l2 or ip; got {metric!r}") from None
    try:
        data = reader(path, chosen_metric, progress=progress, **options)
    except DatasetImportError:
        raise
    except MemoryError:
        raise DatasetImportError(f"{path.name}: declares more data than this machine's memory holds") from None
    except Exception as exc:  # whatever a damaged file makes a parser raise (zip CRC, Arrow, HDF5, struct, ...)
        log.info("import of %s as %s failed", path, format, exc_info=True)
        raise DatasetImportError(f"{path.name}: cannot be read as {format} ({type(exc).__name__}: {exc})"[:1000]) from None
    data.payloads = checked_payloads(data.payloads, path.name)
    try:
        dataset = Dataset(name=name, metric=data.metric, base=data.base, queries=data.queries, payloads=data.payloads,
                          texts=data.texts, query_texts=data.query_texts, qrels=data.qrels, source=data.source)
    except DatasetError as exc:
        raise DatasetImportError(f"{path.name}: {exc}") from None
    dataset.metric, check = settle_metric_and_truth(data, replace_ground_truth)  # on data the checks above passed
    entry = {
        "name": name, "title": f"{name} (imported {format})", "metric": dataset.metric.value,
        "payloads": sorted(dataset.payloads), "source": data.source or str(path.name),
        "license": options.get("license") or "as licensed by its source", "format": format,
        "imported_at": utc_now(), "ground_truth_check": check, "n": dataset.n, "dim": dataset.dim,
        "queries": len(dataset.queries), "has_qrels": dataset.qrels is not None,
    }
    _write(name, dataset, entry)
    return entry


def _write(name: str, dataset: Dataset, entry: dict[str, Any]) -> None:
    root = imported_dir()
    staging = root / f".staging-{name}-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        arrays: dict[str, Any] = {"base": dataset.base, "queries": dataset.queries, **dataset.payloads}
        if dataset.texts is not None:
            arrays["texts"] = np.array(dataset.texts)
        if dataset.query_texts is not None:
            arrays["query_texts"] = np.array(dataset.query_texts)
        if dataset.qrels is not None:
            pairs = [(q, doc) for q, judged in enumerate(dataset.qrels) for doc in judged]
            arrays["qrels"] = np.array(pairs, dtype=np.int64).reshape(-1, 2)
            arrays["qrel_gains"] = np.array([g for judged in dataset.qrels for g in judged.values()], dtype=np.float32)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        (staging / "data.npz").write_bytes(buffer.getvalue())
        (staging / "meta.json").write_text(json.dumps(entry, indent=2))
        staging.rename(root / name)  # the dataset appears whole, or not at all
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


# -- the import in a worker of its own ------------------------------------------------------------------
DEFAULT_IMPORT_TIMEOUT_S = 3600


def import_memory_mb() -> int:
    """The import worker's memory ceiling (RSS of its process tree): half this machine's memory, at most
    8 GiB, unless VECTORSCOUT_IMPORT_MEMORY_MB says otherwise. Embedding texts needs about 1.5 GB."""
    import psutil

    return _limit("VECTORSCOUT_IMPORT_MEMORY_MB", min(8192, psutil.virtual_memory().total // 2**21))


def _import_job(path: str, format: str, name: str, metric: str | None, replace_ground_truth: bool,
                options: dict[str, Any], report: Any, stop: Any) -> tuple[str, Any]:
    from vectorscout.process.progress import Progress

    def progress(done: int, total: int) -> None:
        report(Progress("import", "embedding", done, total))

    try:
        return "ok", import_dataset(Path(path), format, name, metric, progress=progress,
                                    replace_ground_truth=replace_ground_truth, **options)
    except (DatasetImportError, HomeError) as exc:
        return "refused", str(exc)


def import_isolated(path: Path, format: str, name: str, metric: str | None = None,
                    progress: ProgressFn | None = None, replace_ground_truth: bool = False, **options: Any) -> dict[str, Any]:
    """import_dataset in a worker process with a memory ceiling and a timeout: a file built to exhaust memory
    (a decompression bomb) ends that worker, never the dashboard or CLI that asked; nothing is registered."""
    from vectorscout.process.isolation import WorkerLimits, run_in_worker

    check_limits()
    limits = WorkerLimits(_limit("VECTORSCOUT_IMPORT_TIMEOUT_S", DEFAULT_IMPORT_TIMEOUT_S), import_memory_mb())
    outcome = run_in_worker(_import_job, (str(path), format, name, metric, replace_ground_truth, options), limits,
                            f"vectorscout-import-{name}",
                            progress=(lambda event: progress(event.done, event.total)) if progress else None)
    if outcome.failure is not None:
        for staging in imported_dir().glob(f".staging-{name}-*"):  # a worker killed while writing
            shutil.rmtree(staging, ignore_errors=True)
        raise DatasetImportError(f"{Path(path).name}: the import {outcome.failure.removeprefix('the worker ')} "
                                 "(VECTORSCOUT_IMPORT_MEMORY_MB, VECTORSCOUT_IMPORT_TIMEOUT_S); nothing was imported")
    kind, value = outcome.value
    if kind == "refused":
        raise DatasetImportError(value)
    entry: dict[str, Any] = value
    return entry
