"""Files built to exhaust memory or time: refused by their unpacked size, line length or column count before
anything large is allocated, and an import that still outgrows its ceiling ends its own worker, not the
process that asked."""

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import psutil
import pytest

from vectorscout.data.datasets import imported_entries
from vectorscout.data.importers import DatasetImportError, extract_archive, import_dataset, import_isolated
from vectorscout.home import existing_subdir

ROOT = Path(__file__).resolve().parents[2]
MB = 2**20


def nothing_registered(name: str) -> None:
    assert name not in {entry["name"] for entry in imported_entries()}
    assert not list(existing_subdir("datasets").glob(".staging-*"))


def refused(path: Path, fmt: str, name: str, message: str) -> None:
    """The import is refused with this message, and leaves nothing registered or half-written."""
    with pytest.raises(DatasetImportError, match=message):
        import_dataset(path, fmt, name)
    nothing_registered(name)


def zeros_member(archive: zipfile.ZipFile, name: str, size: int, prefix: bytes = b"") -> None:
    """A member that unpacks to `size` bytes (prefix, then zeros) while taking a few hundred KB zipped."""
    with archive.open(name, "w", force_zip64=True) as member:
        member.write(prefix)
        chunk = b"\0" * MB
        for _ in range((size - len(prefix)) // MB):
            member.write(chunk)


def test_a_zipped_beir_folder_with_one_huge_line_is_refused_by_its_line_length(tmp_path, monkeypatch):
    """The attack: a 1 MB zip whose corpus.jsonl is one 1 GB line. Here 64 MB (over the 16 MiB record bound)."""
    archive = tmp_path / "beir.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        with zipped.open("set/corpus.jsonl", "w", force_zip64=True) as member:
            member.write(b'{"_id": "d0", "text": "')
            for _ in range(64):
                member.write(b"a" * MB)
            member.write(b'"}\n')
        zipped.writestr("set/queries.jsonl", json.dumps({"_id": "q0", "text": "a"}) + "\n")
        zipped.writestr("set/qrels/test.tsv", "query-id\tcorpus-id\tscore\nq0\td0\t1\n")
    assert archive.stat().st_size < MB
    unpacked = extract_archive(archive, tmp_path / "unpacked")
    before = psutil.Process().memory_info().rss
    with pytest.raises(DatasetImportError, match=r"corpus\.jsonl: line 1 is over 16,777,216 bytes \(VECTORSCOUT_MAX"):
        import_dataset(unpacked, "beir", "bomb")
    assert psutil.Process().memory_info().rss - before < 48 * MB  # the line was never held whole
    nothing_registered("bomb")


def test_an_npz_is_bounded_by_its_unpacked_size_not_its_file_size(tmp_path, monkeypatch):
    """The attack: a 2.1 MB .npz holding a 2 GiB array passed a limit of 10 MB. Here 64 MiB in 64 KB."""
    monkeypatch.setenv("VECTORSCOUT_MAX_IMPORT_BYTES", "10000000")
    buffer = io.BytesIO()
    from numpy.lib import format as npy_format

    npy_format.write_array_header_1_0(buffer, {"descr": "<f4", "fortran_order": False, "shape": (2**22, 4)})
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zipped:
        zeros_member(zipped, "train.npy", len(buffer.getvalue()) + 64 * MB, buffer.getvalue())
        small = io.BytesIO()
        np.save(small, np.ones((5, 4), dtype=np.float32))
        zipped.writestr("test.npy", small.getvalue())
    assert path.stat().st_size < 10_000_000 // 10
    refused(path, "npz", "npzbomb", r"bomb\.npz: unpacks to 67,108,\d+ bytes, over the import limit of 10,000,000 bytes")


def test_a_compressed_hdf5_dataset_is_bounded_by_its_declared_size(tmp_path, monkeypatch):
    import h5py

    monkeypatch.setenv("VECTORSCOUT_MAX_IMPORT_BYTES", "10000000")
    path = tmp_path / "bomb.hdf5"
    with h5py.File(path, "w") as f:
        f.create_dataset("train", shape=(2**20, 16), dtype="f4", compression="gzip", fillvalue=0)  # 64 MiB, unwritten
        f["test"] = np.ones((5, 16), dtype="f4")
        f.attrs["distance"] = "euclidean"
    refused(path, "hdf5", "h5bomb", r"bomb\.hdf5: unpacks to 67,109,")


def test_a_csv_with_a_million_columns_is_refused_from_its_header(tmp_path):
    """The attack took 11 min 39 s and 1.6 GB to produce 2 vectors; the header alone says enough."""
    path = tmp_path / "wide.csv"
    header = ",".join(f"c{i}" for i in range(10**6))
    path.write_text(header + "\n" + ",".join("1" for _ in range(10**6)) + "\n")
    refused(path, "csv", "wide", r"wide\.csv: 1,000,000 columns, over the limit of 20,000 \(VECTORSCOUT_MAX_COLUMNS\)")


def test_a_parquet_file_is_bounded_by_its_footer(tmp_path, monkeypatch):
    import pandas as pd

    monkeypatch.setenv("VECTORSCOUT_MAX_COLUMNS", "50")
    path = tmp_path / "wide.parquet"
    pd.DataFrame({f"c{i}": [1.0, 2.0] for i in range(60)}).to_parquet(path)
    refused(path, "parquet", "widepq", r"wide\.parquet: 60 columns, over the limit of 50")


def test_a_text_file_with_a_huge_line_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("VECTORSCOUT_MAX_RECORD_BYTES", "1000")
    path = tmp_path / "lines.txt"
    path.write_text("short line\n" + "x" * 5000 + "\nanother\n")
    refused(path, "texts", "longline", r"lines\.txt: line 2 is over 1,000 bytes")


@pytest.mark.parametrize("value", ["0", "-5", "lots"])
def test_a_bad_limit_is_one_clear_line_on_the_cli(tmp_path, value):
    path = tmp_path / "v.npy"
    np.save(path, np.ones((20, 4), dtype=np.float32))
    result = subprocess.run([sys.executable, "-m", "vectorscout", "datasets", "import", str(path), "--name", "v"],
                            cwd=ROOT, capture_output=True, text=True,
                            env={**__import__("os").environ, "VECTORSCOUT_MAX_RECORD_BYTES": value})
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "VECTORSCOUT_MAX_RECORD_BYTES must be a positive whole number" in result.stderr


def test_an_import_that_outgrows_its_ceiling_ends_its_worker_not_the_caller(tmp_path, monkeypatch):
    """Texts need the embedding model (over 200 MB): under a 200 MB ceiling the worker is stopped, the caller
    gets one line and goes on, and nothing is registered or left half-written."""
    monkeypatch.setenv("VECTORSCOUT_IMPORT_MEMORY_MB", "200")
    path = tmp_path / "lines.txt"
    path.write_text("\n".join(f"a short line number {i}" for i in range(50)))
    with pytest.raises(DatasetImportError, match=r"lines\.txt: the import exceeded the memory limit of 200 MB .*"
                                                 r"nothing was imported"):
        import_isolated(path, "texts", "ceiling")
    nothing_registered("ceiling")
    np.save(tmp_path / "v.npy", np.ones((30, 4), dtype=np.float32) + np.arange(30)[:, None])
    monkeypatch.delenv("VECTORSCOUT_IMPORT_MEMORY_MB")
    assert import_isolated(tmp_path / "v.npy", "npy", "after", metric="l2")["n"] > 0  # the caller goes on


def test_telling_a_csvs_format_reads_a_bounded_prefix_of_its_first_line(tmp_path):
    import tracemalloc

    from vectorscout.data.importers import FORMAT_SNIFF_BYTES, guess_format

    one_line = tmp_path / "one-line.csv"
    with one_line.open("wb") as handle:
        handle.write(b"text,")
        for _ in range(64):
            handle.write(b"x" * MB)  # a 64 MB header without a line break
    tracemalloc.start()
    try:
        assert guess_format(one_line) == "texts"  # 'text' is among the columns its prefix names
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * FORMAT_SNIFF_BYTES + MB
