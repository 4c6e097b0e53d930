"""Dataset files built to make the importer read what it should not: an HDF5 file whose vectors live in another
file, a zip of a hundred thousand members or one thousands of folders deep, and table columns an engine cannot
hold or would mistake for its own. Each is refused in one line and leaves nothing registered; the honest form
of each still imports."""

import zipfile

import h5py
import numpy as np
import pandas as pd
import pytest
from test_import_bombs import nothing_registered, refused

from vectorscout.data.datasets import load_dataset
from vectorscout.data.importers import (
    MAX_ARCHIVE_DEPTH,
    MAX_ARCHIVE_MEMBERS,
    DatasetImportError,
    extract_archive,
    import_dataset,
)

RNG = np.random.default_rng(7)


def vectors(n: int, dim: int = 8) -> np.ndarray:
    return RNG.standard_normal((n, dim)).astype(np.float32)


def ann_file(path, train=None, test=None) -> None:
    with h5py.File(path, "w") as f:
        f.attrs["distance"] = "euclidean"
        if train is not None:
            f.create_dataset("train", data=train)
        if test is not None:
            f.create_dataset("test", data=test)


# -- HDF5: values from another file ---------------------------------------------------------------------------
def test_an_hdf5_dataset_linked_to_another_file_is_refused(tmp_path, vectorscout_home):
    ann_file(tmp_path / "other.h5", train=vectors(50))
    ann_file(tmp_path / "linked.h5", test=vectors(5))
    with h5py.File(tmp_path / "linked.h5", "a") as f:
        f["train"] = h5py.ExternalLink(str(tmp_path / "other.h5"), "/train")
    refused(tmp_path / "linked.h5", "hdf5", "linked", "'train' links to another file; a dataset must be stored in the "
                                                      "file")


def test_an_hdf5_dataset_whose_values_are_another_files_bytes_is_refused(tmp_path, vectorscout_home):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(vectors(50).tobytes())  # any file on the machine: its bytes would become the vectors
    ann_file(tmp_path / "external.h5", test=vectors(5))
    with h5py.File(tmp_path / "external.h5", "a") as f:
        f.create_dataset("train", shape=(50, 8), dtype="f4", external=[(str(secret), 0, 50 * 8 * 4)])
    refused(tmp_path / "external.h5", "hdf5", "external", r"'train' keeps its values in other files \(HDF5 external or "
                                                          "virtual storage\\)")


def test_an_hdf5_virtual_dataset_mapping_another_file_is_refused(tmp_path, vectorscout_home):
    ann_file(tmp_path / "source.h5", train=vectors(50))
    layout = h5py.VirtualLayout(shape=(50, 8), dtype="f4")
    layout[:] = h5py.VirtualSource(str(tmp_path / "source.h5"), "train", shape=(50, 8))
    ann_file(tmp_path / "virtual.h5", train=vectors(50))
    with h5py.File(tmp_path / "virtual.h5", "a") as f:
        f.create_virtual_dataset("test", layout)
    refused(tmp_path / "virtual.h5", "hdf5", "virtual", "'test' keeps its values in other files")


def test_a_link_inside_the_file_still_reads(tmp_path, vectorscout_home):
    base = vectors(60)
    ann_file(tmp_path / "inside.h5", test=vectors(5))
    with h5py.File(tmp_path / "inside.h5", "a") as f:
        f.create_dataset("data/train", data=base)
        f["train"] = h5py.SoftLink("/data/train")
    assert import_dataset(tmp_path / "inside.h5", "hdf5", "inside")["n"] == 60
    assert np.array_equal(load_dataset("inside").base, base)


# -- zip archives: how many members and how deep --------------------------------------------------------------
def test_a_zip_of_too_many_members_is_refused_before_one_is_written(tmp_path):
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for i in range(MAX_ARCHIVE_MEMBERS + 1):
            zipped.writestr(f"set/{i}.txt", "")
    destination = tmp_path / "out"
    destination.mkdir()
    with pytest.raises(DatasetImportError, match=f"many.zip: {MAX_ARCHIVE_MEMBERS + 1:,} members; a dataset folder "
                                                 f"has at most {MAX_ARCHIVE_MEMBERS:,}"):
        extract_archive(archive, destination)
    assert list(destination.iterdir()) == []


def test_a_zip_member_too_many_folders_deep_is_refused(tmp_path):
    archive = tmp_path / "deep.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("/".join(["d"] * 2000) + "/x.txt", "1")
    destination = tmp_path / "out"
    destination.mkdir()
    with pytest.raises(DatasetImportError, match=f"lies more than {MAX_ARCHIVE_DEPTH} folders deep"):
        extract_archive(archive, destination)
    assert list(destination.iterdir()) == []
    at_depth = tmp_path / "ok.zip"
    with zipfile.ZipFile(at_depth, "w") as zipped:
        zipped.writestr("/".join(["d"] * MAX_ARCHIVE_DEPTH) + "/x.txt", "1")  # exactly the deepest allowed
    assert extract_archive(at_depth, destination) == destination / "d"


# -- table columns an engine cannot hold --------------------------------------------------------------------------
def vectordbbench(folder, **payloads):
    folder.mkdir()
    base = vectors(80)
    pd.DataFrame({"id": np.arange(80), "emb": list(base), **payloads}).to_parquet(folder / "train.parquet")
    pd.DataFrame({"id": range(5), "emb": list(vectors(5))}).to_parquet(folder / "test.parquet")
    return folder


@pytest.mark.parametrize("column", ["a b", 'x"); DROP TABLE t; --', "_distance", "embedding", "Vector", "9lives",
                                    "x" * 64])
def test_a_column_name_an_engine_would_refuse_or_take_for_its_own_is_refused(tmp_path, vectorscout_home, column):
    folder = vectordbbench(tmp_path / "named", **{column: np.arange(80)})
    refused(folder, "vectordbbench", "named", "payload column .* must be an identifier of at most 63 characters, "
                                              "starting with a letter, and not one of the engines' own columns")
    frame = pd.DataFrame({"vector": [" ".join(map(str, row)) for row in vectors(40)], column: range(40)})
    frame.to_csv(tmp_path / "named.csv", index=False)
    refused(tmp_path / "named.csv", "csv", "named", "must be an identifier of at most 63 characters")


def test_a_column_of_mappings_or_lists_is_refused_and_one_of_text_imports_as_text(tmp_path, vectorscout_home):
    mappings = vectordbbench(tmp_path / "mappings", meta=[{"a": i} for i in range(80)])
    refused(mappings, "vectordbbench", "mappings", "payload column 'meta' holds dict values; a payload column holds "
                                                   "numbers, text or true/false")
    lists = vectordbbench(tmp_path / "lists", tags=[[i, i + 1] for i in range(80)])
    refused(lists, "vectordbbench", "lists", "payload column 'tags' holds ndarray values")
    dates = vectordbbench(tmp_path / "dates", seen=pd.date_range("2026-01-01", periods=80))
    refused(dates, "vectordbbench", "dates", "payload column 'seen' holds datetime64")
    texts = vectordbbench(tmp_path / "texts", colour=[("red", "blue")[i % 2] for i in range(80)], price=np.arange(80.0))
    entry = import_dataset(texts, "vectordbbench", "texts", metric="l2", replace_ground_truth=True)
    assert entry["payloads"] == ["colour", "price"]
    loaded = load_dataset("texts")
    assert loaded.payloads["colour"].dtype.kind == "U" and loaded.payloads["colour"][:2].tolist() == ["red", "blue"]
    nothing_registered("mappings")


def test_a_parquet_or_csv_table_gets_the_same_column_check_and_an_empty_text_cell_still_imports(tmp_path,
                                                                                                vectorscout_home):
    """The table reader hands columns over as they are: a mapping column in a Parquet file is refused like a
    VectorDBBench one (it was turned into text before the check), while a text column with an empty cell imports
    as it always did."""
    table = pd.DataFrame({"vector": list(vectors(40)), "meta": [{"a": i} for i in range(40)]})
    table.to_parquet(tmp_path / "mapped.parquet")
    refused(tmp_path / "mapped.parquet", "parquet", "mapped", "payload column 'meta' holds dict values")
    frame = pd.DataFrame({"vector": [" ".join(map(str, row)) for row in vectors(40)],
                          "colour": [None if i == 3 else ("red", "blue")[i % 2] for i in range(40)]})
    frame.to_csv(tmp_path / "gaps.csv", index=False)
    entry = import_dataset(tmp_path / "gaps.csv", "csv", "gaps", metric="l2")
    assert entry["payloads"] == ["colour"] and load_dataset("gaps").payloads["colour"].dtype.kind == "U"
