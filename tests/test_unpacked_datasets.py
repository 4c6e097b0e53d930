"""A stored dataset is unpacked once into the home's cache and memory-mapped by every reader after that: the same
values, float32 vectors no reader copies, a new copy for a replaced file, the npz itself where nothing can be
written."""

import os

import numpy as np
import pytest

from vectorscout.data import datasets
from vectorscout.data.datasets import UNPACKED_DONE, load_stored, unpacked_arrays
from vectorscout.home import HomeError, read_only_error

ENTRY = {"name": "tiny", "metric": "cosine", "payloads": ["tag"]}


def stored(tmp_path, seed=0):
    rng = np.random.default_rng(seed)
    path = tmp_path / "tiny.npz"
    arrays = {"base": rng.standard_normal((50, 8)).astype(np.float16), "queries": rng.standard_normal((5, 8)).astype(np.float16),
              "tag": np.arange(50, dtype=np.int64), "texts": np.array([f"text {i}" for i in range(50)])}
    np.savez(path, **arrays)  # uncompressed: a replacement of the same shapes has the same size, only its time differs
    return path, arrays


def test_the_second_reader_maps_the_unpacked_float32_vectors_and_reads_the_same_values(tmp_path, vectorscout_home):
    path, arrays = stored(tmp_path)
    first = load_stored(path, ENTRY, "tiny")
    folders = list((vectorscout_home / "cache").glob("unpacked-float32/tiny-*"))
    assert len(folders) == 1 and (folders[0] / UNPACKED_DONE).exists()
    second = load_stored(path, ENTRY, "tiny")
    for dataset in (first, second):
        np.testing.assert_array_equal(dataset.base, arrays["base"].astype(np.float32))
        np.testing.assert_array_equal(dataset.queries, arrays["queries"].astype(np.float32))
        np.testing.assert_array_equal(dataset.payloads["tag"], arrays["tag"])
        assert dataset.texts == [f"text {i}" for i in range(50)]
        # the file's own pages, shared by every reader: float32 already, so the dataset made no copy of its own
        assert dataset.base.dtype == np.float32 and not dataset.base.flags.writeable
        assert isinstance(dataset.base.base, np.memmap) or isinstance(dataset.base, np.memmap)
    assert first.content_hash == second.content_hash


def test_a_replaced_file_is_unpacked_again_and_a_copy_cut_short_is_made_again(tmp_path, vectorscout_home):
    path, _ = stored(tmp_path)
    load_stored(path, ENTRY, "tiny")
    _, replacement = stored(tmp_path, seed=1)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))  # a new file, a second later
    np.testing.assert_array_equal(load_stored(path, ENTRY, "tiny").base, replacement["base"].astype(np.float32))
    folders = sorted((vectorscout_home / "cache").glob("unpacked-float32/tiny-*"))
    assert len(folders) == 2
    newest = max(folders, key=lambda folder: folder.name)
    (newest / UNPACKED_DONE).unlink()
    (newest / "base.npy").write_bytes(b"cut short")
    np.testing.assert_array_equal(unpacked_arrays(path)["base"], replacement["base"].astype(np.float32))


def test_a_home_that_cannot_be_written_reads_the_npz_itself(tmp_path, monkeypatch, vectorscout_home):
    path, arrays = stored(tmp_path)

    def read_only(name):
        raise read_only_error(vectorscout_home)

    monkeypatch.setattr(datasets, "subdir", read_only)
    read = unpacked_arrays(path)
    np.testing.assert_array_equal(read["base"], arrays["base"])  # as stored: the caller converts
    assert not list((vectorscout_home / "cache").glob("unpacked-float32/*")) if (vectorscout_home / "cache").exists() else True
    with pytest.raises(HomeError):
        read_only("cache")
