"""Bad input, generated: every importer fed random bytes, truncated and corrupted files, NaN/inf and absurd
declared sizes; filter values built to break out of each engine's query language. Only the documented error
may come out, and nothing half-made may stay behind."""

import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests_support import make_format_samples

from vectorscout.data.datasets import imported_dir, imported_entries, load_dataset
from vectorscout.data.importers import DatasetImportError, import_dataset

# Examples per importer and kind of damage (the closing note of the reliability issue quotes these).
RANDOM_EXAMPLES = 100
MUTATION_EXAMPLES = 100
FUZZ = settings(max_examples=RANDOM_EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
SINGLE_FILE = {"npy": "x.npy", "npz": "x.npz", "hdf5": "x.hdf5", "parquet": "x.parquet", "csv": "x.csv"}
# the file inside each folder format that the damage goes into
FOLDER_MEMBER = {"texmex": "x_base.fvecs", "vectordbbench": "train-0.parquet", "beir": "corpus.jsonl"}
_counter = iter(range(10**9))


def attempt(path: Path, fmt: str) -> None:
    """Import; the only acceptable failure is DatasetImportError, and a failure must register nothing."""
    name = f"fuzz-{next(_counter)}"
    before = [e["name"] for e in imported_entries()]
    try:
        import_dataset(path, fmt, name)
    except DatasetImportError as exc:
        assert str(exc), "the error must say what is wrong"
        assert [e["name"] for e in imported_entries()] == before
        with pytest.raises(ValueError, match="unknown dataset"):
            load_dataset(name)
    else:  # damage that leaves a valid file is allowed: the result must then be a whole, usable dataset
        dataset = load_dataset(name)
        assert dataset.n > 0 and np.isfinite(dataset.base).all() and np.isfinite(dataset.queries).all()
    assert not list(imported_dir().glob(".staging-*")), "a failed import left a half-written dataset"


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    folder = tmp_path_factory.mktemp("samples")
    found = make_format_samples(folder)
    for fmt in FOLDER_MEMBER:  # unpack the zipped folder formats
        with zipfile.ZipFile(found[fmt]) as archive:
            archive.extractall(folder / f"{fmt}-unpacked")
        found[fmt] = next(p for p in (folder / f"{fmt}-unpacked").iterdir() if p.is_dir())
    return found


@pytest.mark.parametrize("fmt", [*SINGLE_FILE, *FOLDER_MEMBER])
@FUZZ
@given(data=st.binary(min_size=1, max_size=4096))
def test_random_bytes(tmp_path_factory, samples, fmt, data):
    target = tmp_path_factory.mktemp("random")
    if fmt in SINGLE_FILE:
        path = target / SINGLE_FILE[fmt]
        path.write_bytes(data)
    else:
        path = target / "folder"
        shutil.copytree(samples[fmt], path)
        (path / FOLDER_MEMBER[fmt]).write_bytes(data)
    attempt(path, fmt)


@pytest.mark.parametrize("fmt", [*SINGLE_FILE, *FOLDER_MEMBER])
@settings(FUZZ, max_examples=MUTATION_EXAMPLES)
@given(cut=st.floats(0.0, 0.999), flips=st.lists(st.tuples(st.floats(0.0, 0.999), st.integers(0, 255)), max_size=8),
       truncate=st.booleans())
def test_truncated_and_corrupted_files(tmp_path_factory, samples, fmt, cut, flips, truncate):
    target = tmp_path_factory.mktemp("damaged")
    if fmt in SINGLE_FILE:
        path = target / SINGLE_FILE[fmt]
        shutil.copy(samples[fmt], path)
        victim = path
    else:
        path = target / "folder"
        shutil.copytree(samples[fmt], path)
        victim = path / FOLDER_MEMBER[fmt]
    raw = bytearray(victim.read_bytes())
    for where, value in flips:
        raw[int(where * len(raw))] = value
    victim.write_bytes(bytes(raw[: max(1, int(cut * len(raw)))] if truncate else raw))
    attempt(path, fmt)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("fmt", ["npy", "npz", "parquet", "csv", "hdf5"])
def test_non_finite_values_are_refused(tmp_path, fmt, bad):
    import h5py
    import pandas as pd

    matrix = np.random.default_rng(0).standard_normal((60, 4)).astype(np.float32)
    matrix[17, 2] = bad
    path = tmp_path / SINGLE_FILE[fmt]
    if fmt == "npy":
        np.save(path, matrix)
    elif fmt == "npz":
        np.savez(path, base=matrix, queries=matrix[:3] * 0 + 1)
    elif fmt == "parquet":
        pd.DataFrame({"emb": list(matrix)}).to_parquet(path)
    elif fmt == "csv":
        pd.DataFrame({"vector": [" ".join(map(str, r)) for r in matrix]}).to_csv(path, index=False)
    else:
        with h5py.File(path, "w") as f:
            f["train"], f["test"] = matrix, np.ones((3, 4), dtype=np.float32)
            f.attrs["distance"] = "euclidean"
    with pytest.raises(DatasetImportError, match=r"NaN|infinit|finite"):
        import_dataset(path, fmt, "nonfinite")
    assert imported_entries() == []


def test_absurd_declared_sizes_are_refused_at_once(tmp_path):
    from numpy.lib import format as npy_format

    npy = tmp_path / "huge.npy"
    with npy.open("wb") as handle:
        npy_format.write_array_header_1_0(handle, {"descr": "<f4", "fortran_order": False, "shape": (10**11, 128)})
        handle.write(b"\0" * 1024)
    with pytest.raises(DatasetImportError, match="declares 51,200,000,000,000 bytes"):
        import_dataset(npy, "npy", "huge")
    npz = tmp_path / "huge.npz"
    with zipfile.ZipFile(npz, "w") as archive, archive.open("base.npy", "w") as member:
        npy_format.write_array_header_1_0(member, {"descr": "<f8", "fortran_order": False, "shape": (10**12, 64)})
        member.write(b"\0" * 64)
    with pytest.raises(DatasetImportError, match="declares"):
        import_dataset(npz, "npz", "huge")
    folder = tmp_path / "tex"
    folder.mkdir()
    (folder / "x_base.fvecs").write_bytes(np.array([2**30], dtype=np.int32).tobytes() + b"\0" * 64)
    (folder / "x_query.fvecs").write_bytes(np.array([4], dtype=np.int32).tobytes() + b"\0" * 16)
    with pytest.raises(DatasetImportError, match="declares dimension"):
        import_dataset(folder, "texmex", "huge")
    assert imported_entries() == []


@settings(FUZZ, max_examples=20)
@given(data=st.binary(min_size=1, max_size=600))
def test_random_bytes_as_texts(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("texts") / "lines.txt"
    path.write_bytes(data)
    attempt(path, "texts")
