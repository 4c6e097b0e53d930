"""Bundled datasets, every import format from files the tests make, and the bad input each must refuse."""

import json

import h5py
import numpy as np
import pandas as pd
import pytest

from vectorscout.benchmarking.plan import RunPlan
from vectorscout.benchmarking.runner import execute
from vectorscout.benchmarking.specs import parse_engines
from vectorscout.cli import main
from vectorscout.contract.metric import Metric
from vectorscout.data.datasets import imported_entries, load_dataset
from vectorscout.data.importers import DatasetImportError, import_dataset, read_vecs
from vectorscout.results.store import ResultsStore

RNG = np.random.default_rng(5)


def vectors(n, dim=8):
    return RNG.standard_normal((n, dim)).astype(np.float32)


def write_vecs(path, matrix, dtype):
    rows = [np.concatenate([np.array([matrix.shape[1]], dtype=np.int32).view(np.uint8),
                            np.asarray(row, dtype=dtype).view(np.uint8)]) for row in matrix]
    path.write_bytes(b"".join(r.tobytes() for r in rows))


def test_bundled_wordnet_has_real_metadata_and_judgments():
    data = load_dataset("wordnet")
    assert data.n == 15_000 and data.dim == 384 and data.metric is Metric.COSINE
    assert set(data.payloads) == {"pos", "lexname", "lemma_count"}
    assert len(set(data.payloads["lexname"].tolist())) >= 40
    assert len(data.qrels) == len(data.queries) == 1000 and all(data.qrels)
    assert np.allclose(np.linalg.norm(data.base[:50], axis=1), 1, atol=1e-2)
    assert data.texts[0] and data.query_texts[0]


def test_wordnet_run_reports_retrieval_quality_beside_the_exact_baseline():
    run = execute(RunPlan(dataset="wordnet", engines=parse_engines("faiss,hnswlib:ef=10"), k=10), ResultsStore())
    exact, approximate = run.results
    assert exact.ndcg_at_10 == pytest.approx(exact.exact_ndcg_at_10, abs=0.01)
    assert 0.05 < exact.exact_ndcg_at_10 < 1 and exact.mrr_at_10 > 0
    assert approximate.ndcg_at_10 <= exact.exact_ndcg_at_10 + 0.01


def test_bundled_digits():
    data = load_dataset("digits")
    assert (data.n, data.dim, len(data.queries)) == (1597, 64, 200)
    assert set(np.unique(data.payloads["label"]).tolist()) == set(range(10))


def test_hdf5_with_shipped_ground_truth(tmp_path):
    base, queries = vectors(300), vectors(20)
    truth = np.argsort(((queries[:, None] - base[None]) ** 2).sum(-1), axis=1)[:, :10]
    path = tmp_path / "set.hdf5"
    with h5py.File(path, "w") as f:
        f["train"], f["test"], f["neighbors"] = base, queries, truth
        f.attrs["distance"] = "euclidean"
    entry = import_dataset(path, "hdf5", "ann-set")
    assert entry["metric"] == "l2" and entry["ground_truth_check"].startswith("ok")
    data = load_dataset("ann-set")
    assert np.array_equal(data.base, base) and data.metric is Metric.L2


def test_shipped_ground_truth_that_disagrees_is_refused_unless_replaced(tmp_path):
    path = tmp_path / "set.hdf5"
    with h5py.File(path, "w") as f:
        f["train"], f["test"] = vectors(300), vectors(20)
        f["neighbors"] = np.tile(np.arange(10), (20, 1))
        f.attrs["distance"] = "angular"
    with pytest.raises(DatasetImportError, match=r"agree with exact cosine neighbours on only \d+\.\d% of a 20-query"):
        import_dataset(path, "hdf5", "wrong-truth")
    assert not any(entry["name"] == "wrong-truth" for entry in imported_entries())
    entry = import_dataset(path, "hdf5", "wrong-truth", replace_ground_truth=True)
    assert entry["ground_truth_check"].startswith("replaced: shipped top-10 agreed")


def test_texmex_folder(tmp_path):
    base, queries = vectors(200, 4), vectors(10, 4)
    write_vecs(tmp_path / "x_base.fvecs", base, np.float32)
    write_vecs(tmp_path / "x_query.fvecs", queries, np.float32)
    write_vecs(tmp_path / "x_groundtruth.ivecs", np.zeros((10, 5), dtype=np.int32), np.int32)
    entry = import_dataset(tmp_path, "texmex", "tex", metric="l2", replace_ground_truth=True)
    assert (entry["n"], entry["dim"]) == (200, 4) and entry["ground_truth_check"].startswith("replaced")
    np.testing.assert_array_equal(read_vecs(tmp_path / "x_base.fvecs"), base)


def test_bvecs_and_ragged_rows(tmp_path):
    write_vecs(tmp_path / "b.bvecs", np.arange(12).reshape(3, 4), np.uint8)
    assert read_vecs(tmp_path / "b.bvecs").tolist()[1] == [4, 5, 6, 7]
    ragged = tmp_path / "r.fvecs"
    ragged.write_bytes((tmp_path / "b.bvecs").read_bytes()[:8] + b"\x00" * 4)
    with pytest.raises(DatasetImportError, match=r"r\.fvecs: .* not a whole number"):
        read_vecs(ragged)


def test_npy_holds_out_queries_and_npz_uses_named_arrays(tmp_path):
    np.save(tmp_path / "v.npy", vectors(500))
    entry = import_dataset(tmp_path / "v.npy", "npy", "plain")
    assert entry["n"] + entry["queries"] == 500 and entry["queries"] == 50
    np.savez(tmp_path / "v.npz", train=vectors(100), test=vectors(7))
    assert import_dataset(tmp_path / "v.npz", "npz", "named", metric="ip")["queries"] == 7


def test_parquet_and_csv_with_payload_columns(tmp_path):
    matrix = vectors(120)
    frame = pd.DataFrame({"id": range(120), "emb": list(matrix), "colour": ["red", "blue"] * 60, "size": range(120)})
    frame.to_parquet(tmp_path / "t.parquet")
    import_dataset(tmp_path / "t.parquet", "parquet", "pq")
    data = load_dataset("pq")
    assert set(data.payloads) == {"colour", "size"} and data.dim == 8
    csv_frame = pd.DataFrame({"vector": [" ".join(map(str, row)) for row in matrix], "tag": range(120)})
    csv_frame.to_csv(tmp_path / "t.csv", index=False)
    assert import_dataset(tmp_path / "t.csv", "csv", "csvset")["n"] == 108
    run = execute(RunPlan(dataset="csvset", engines=parse_engines("faiss"), k=5, filter="tag < 60"), ResultsStore())
    assert run.results[0].recall == 1.0


def test_vectordbbench_layout(tmp_path):
    train = vectors(100)
    ids = np.arange(100)[::-1] + 1000  # ids need not be row numbers
    pd.DataFrame({"id": ids, "emb": list(train)}).to_parquet(tmp_path / "train-00.parquet")
    pd.DataFrame({"id": range(5), "emb": list(vectors(5))}).to_parquet(tmp_path / "test.parquet")
    pd.DataFrame({"id": range(5), "neighbors_id": [list(ids[:3])] * 5}).to_parquet(tmp_path / "neighbors.parquet")
    with pytest.raises(DatasetImportError, match="more than 1 % differ"):
        import_dataset(tmp_path, "vectordbbench", "vdb", metric="l2")
    entry = import_dataset(tmp_path, "vectordbbench", "vdb", metric="l2", replace_ground_truth=True)
    assert entry["n"] == 100 and entry["ground_truth_check"].startswith("replaced")


def vectordbbench_folder(folder, base, queries, metric: Metric, k: int = 10):
    """A VectorDBBench folder whose neighbours are exact under ``metric``."""
    from vectorscout.data.groundtruth import exact_knn

    ids = np.arange(len(base)) + 500
    folder.mkdir(exist_ok=True)
    pd.DataFrame({"id": ids, "emb": list(base)}).to_parquet(folder / "train.parquet")
    pd.DataFrame({"id": range(len(queries)), "emb": list(queries)}).to_parquet(folder / "test.parquet")
    truth = exact_knn(queries, base, metric, k).ids
    pd.DataFrame({"id": range(len(queries)), "neighbors_id": [list(ids[row]) for row in truth]}).to_parquet(
        folder / "neighbors.parquet")
    return folder


def load_dataset_parts(folder):
    return {"base": np.stack(pd.read_parquet(folder / "train.parquet")["emb"].to_numpy()).astype(np.float32),
            "queries": np.stack(pd.read_parquet(folder / "test.parquet")["emb"].to_numpy()).astype(np.float32)}


def unnormalised(n, dim=8):
    """Vectors whose lengths vary a lot, so cosine, l2 and ip neighbours differ."""
    return (vectors(n, dim) * RNG.uniform(0.1, 10, (n, 1))).astype(np.float32)


@pytest.mark.parametrize("fmt", ["vectordbbench", "auto"])
def test_a_vectordbbench_folder_without_a_metric_takes_the_one_its_neighbours_fit(tmp_path, fmt):
    folder = vectordbbench_folder(tmp_path / "l2set", unnormalised(400), unnormalised(30), Metric.L2)
    entry = import_dataset(folder, fmt, "l2set")
    assert entry["metric"] == "l2" and load_dataset("l2set").metric is Metric.L2
    assert entry["ground_truth_check"].startswith("metric l2 inferred from the shipped neighbours (cosine ")
    assert "ok: shipped top-10 matches exact l2 neighbours on 100.0% of a 30-query sample" in entry["ground_truth_check"]


def test_a_metric_nothing_fits_is_refused_naming_each_candidates_agreement(tmp_path):
    folder = vectordbbench_folder(tmp_path / "noise", unnormalised(400), unnormalised(30), Metric.L2)
    shuffled = pd.read_parquet(folder / "neighbors.parquet")
    shuffled["neighbors_id"] = [list(np.random.default_rng(i).choice(400, 10, replace=False) + 500) for i in range(30)]
    shuffled.to_parquet(folder / "neighbors.parquet")
    with pytest.raises(DatasetImportError, match=r"fit none \(top-k agreement with exact neighbours: cosine \d+\.\d%, "
                                                 r"l2 \d+\.\d%, ip \d+\.\d%\); give --metric"):
        import_dataset(folder, "vectordbbench", "noise")


def test_the_check_covers_every_shipped_column_not_only_the_top_ten(tmp_path):
    """Right top-10, wrong 11th-100th: the old top-10 sample check let it through."""
    folder = vectordbbench_folder(tmp_path / "deep", unnormalised(400), unnormalised(30), Metric.L2, k=100)
    from vectorscout.data.groundtruth import exact_knn

    data = load_dataset_parts(folder)
    farthest = exact_knn(data["queries"], data["base"], Metric.L2, 400).ids[:, -90:] + 500
    truth = pd.read_parquet(folder / "neighbors.parquet")
    truth["neighbors_id"] = [list(ids[:10]) + [int(i) for i in far] for ids, far in zip(truth["neighbors_id"], farthest)]
    truth.to_parquet(folder / "neighbors.parquet")
    with pytest.raises(DatasetImportError, match="shipped top-100 neighbours agree with exact l2"):
        import_dataset(folder, "vectordbbench", "deep", metric="l2")


def test_ties_among_equally_near_vectors_are_not_disagreement(tmp_path):
    base = np.repeat(unnormalised(100), 2, axis=0)  # every vector twice: which copy is "the" neighbour is a tie
    folder = vectordbbench_folder(tmp_path / "twins", base, unnormalised(20), Metric.L2)
    truth = pd.read_parquet(folder / "neighbors.parquet")
    truth["neighbors_id"] = [[int(i) ^ 1 for i in ids] for ids in truth["neighbors_id"]]  # each one's twin instead
    truth.to_parquet(folder / "neighbors.parquet")
    assert import_dataset(folder, "vectordbbench", "twins", metric="l2")["ground_truth_check"].startswith("ok")


def test_the_cli_refuses_a_disagreeing_ground_truth_in_one_line(tmp_path, capsys):
    folder = vectordbbench_folder(tmp_path / "l2set", unnormalised(400), unnormalised(30), Metric.L2)
    assert main(["datasets", "import", str(folder), "--name", "wrongmetric", "--metric", "cosine"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--replace-ground-truth" in err
    assert main(["datasets", "import", str(folder), "--name", "wrongmetric", "--metric", "cosine",
                 "--replace-ground-truth"]) == 0


def test_beir_folder_gives_ndcg_for_exact_and_engines(tmp_path):
    (tmp_path / "qrels").mkdir()
    docs = ["cats purr and sleep all day", "dogs bark at the mail carrier", "the stock market fell sharply",
            "interest rates rose again", "a recipe for lemon cake", "how to bake sourdough bread"]
    queries = {"q1": "why do cats sleep so much", "q2": "what happened to stocks", "q3": "baking bread at home"}
    (tmp_path / "corpus.jsonl").write_text("\n".join(json.dumps({"_id": f"d{i}", "title": "", "text": t})
                                                     for i, t in enumerate(docs)))
    (tmp_path / "queries.jsonl").write_text("\n".join(json.dumps({"_id": q, "text": t}) for q, t in queries.items()))
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td0\t1\nq2\td2\t1\nq2\td3\t1\nq3\td5\t2\n")
    entry = import_dataset(tmp_path, "beir", "tiny-beir")
    assert entry["has_qrels"] and entry["dim"] == 384
    run = execute(RunPlan(dataset="tiny-beir", engines=parse_engines("faiss,qdrant"), k=3), ResultsStore())
    for row in run.results:
        assert row.status == "ok" and row.ndcg_at_10 > 0.5 and row.exact_ndcg_at_10 > 0.5
    # the imported texts and judgments carry a hybrid-quality run too: words find q2's "stock" and q3's "bread"
    hybrid = execute(RunPlan(dataset="tiny-beir", engines=parse_engines("faiss,qdrant"), k=3, hybrid=True), ResultsStore())
    for row in hybrid.results:
        assert row.status == "ok" and row.hybrid is not None
        assert row.hybrid.mode("keyword").recall_at_k > 0 and row.hybrid.mode("hybrid").ndcg_at_10 > 0.5


def test_plain_texts_are_embedded_and_cached(tmp_path):
    lines = [f"sentence number {i} about topic {i % 7}" for i in range(40)]
    (tmp_path / "t.txt").write_text("\n".join(lines))
    entry = import_dataset(tmp_path / "t.txt", "texts", "lines")
    assert entry["n"] == 36 and entry["queries"] == 4
    (tmp_path / "t.jsonl").write_text("\n".join(json.dumps({"text": t}) for t in lines))
    assert import_dataset(tmp_path / "t.jsonl", "texts", "lines-jsonl")["n"] == 36


@pytest.mark.parametrize(
    ("make", "fmt", "message"),
    [
        (lambda p: p.write_bytes(b""), "npy", "empty"),
        (lambda p: p.write_bytes(b"\x93NUMPY garbage"), "npy", "not a readable"),
        (lambda p: np.save(p, np.array([[1.0, np.nan]] * 30)), "npy", "NaN"),
        (lambda p: np.save(p, np.zeros((30, 4))), "npy", "zero vector"),
        (lambda p: p.write_text("vector\n1 2 3\n4 5\n"), "csv", "row 1, column 'vector' has 2 values"),
        (lambda p: p.write_text("vector\n1 2 x\n4 5 6\n"), "csv", "not a list of numbers"),
        (lambda p: p.write_bytes(b"\xff\xfe\x00garbage"), "hdf5", "not a readable HDF5"),
        (lambda p: p.write_text("x"), "nosuchformat", "unknown format"),
    ],
)
def test_bad_files_are_refused_clearly_and_nothing_is_registered(tmp_path, make, fmt, message):
    path = tmp_path / {"csv": "bad.csv", "hdf5": "bad.hdf5"}.get(fmt, "bad.npy")
    make(path)
    with pytest.raises(DatasetImportError, match=message):
        import_dataset(path, fmt, "bad")
    with pytest.raises(ValueError, match="unknown dataset"):
        load_dataset("bad")


def test_qrels_naming_unknown_documents_are_refused(tmp_path):
    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text(json.dumps({"_id": "d1", "text": "x"}))
    (tmp_path / "queries.jsonl").write_text(json.dumps({"_id": "q1", "text": "y"}))
    (tmp_path / "qrels" / "test.tsv").write_text("q1\td9\t1\n")
    with pytest.raises(DatasetImportError, match="line 1 names unknown document 'd9'"):
        import_dataset(tmp_path, "beir", "bad-beir")


@pytest.mark.parametrize("score", ["nan", "inf", "-inf"])
def test_qrels_with_a_score_that_is_no_finite_number_are_refused(tmp_path, score):
    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text(json.dumps({"_id": "d1", "text": "x"}))
    (tmp_path / "queries.jsonl").write_text(json.dumps({"_id": "q1", "text": "y"}))
    (tmp_path / "qrels" / "test.tsv").write_text(f"q1\td1\t{score}\n")
    with pytest.raises(DatasetImportError, match=f"line 1: score '{score}' is not a finite number"):
        import_dataset(tmp_path, "beir", "bad-beir")
    assert "bad-beir" not in {entry["name"] for entry in imported_entries()}


def test_a_table_with_an_id_given_twice_is_refused_naming_both_rows(tmp_path):
    frame = pd.DataFrame({"id": [5, 6, 7, 6], "vector": ["1 2", "3 4", "5 6", "7 8"]})
    frame.to_csv(tmp_path / "twice.csv", index=False)
    with pytest.raises(DatasetImportError, match=r"^twice.csv: id 6 appears twice \(rows 1 and 3\)$"):
        import_dataset(tmp_path / "twice.csv", "csv", "twice")


@pytest.mark.parametrize("name", ["../escape", "Upper", "a/b", "", "synthetic", "wordnet"])
def test_names_cannot_escape_or_shadow(tmp_path, name):
    np.save(tmp_path / "v.npy", vectors(30))
    with pytest.raises(DatasetImportError):
        import_dataset(tmp_path / "v.npy", "npy", name)


def test_size_limit(tmp_path, monkeypatch):
    np.save(tmp_path / "v.npy", vectors(30))
    monkeypatch.setenv("VECTORSCOUT_MAX_IMPORT_BYTES", "100")
    with pytest.raises(DatasetImportError, match="over the import limit"):
        import_dataset(tmp_path / "v.npy", "npy", "big")


def test_cli_import_and_list(tmp_path, capsys):
    np.save(tmp_path / "v.npy", vectors(60))
    assert main(["datasets", "import", str(tmp_path / "v.npy"), "--format", "npy", "--name", "cli-set",
                 "--license", "CC0-1.0"]) == 0
    assert main(["datasets", "list", "--format", "json"]) == 0
    listing = {d["name"]: d for d in json.loads(capsys.readouterr().out.split("\n", 1)[1])}
    assert listing["cli-set"]["license"] == "CC0-1.0" and listing["wordnet"]["has_qrels"] is True
    assert main(["datasets", "import", str(tmp_path / "v.npy"), "--format", "npy", "--name", "cli-set"]) == 2
    assert "exists already" in capsys.readouterr().err


def test_format_is_guessed_from_name_and_contents(tmp_path):
    from vectorscout.data.importers import guess_format

    (tmp_path / "a.csv").write_text("id,text\n1,hello\n")
    (tmp_path / "b.csv").write_text("vector,tag\n1 2,3\n")
    (tmp_path / "beir").mkdir()
    (tmp_path / "beir" / "corpus.jsonl").write_text("")
    assert [guess_format(tmp_path / n) for n in ("a.csv", "b.csv", "beir")] == ["texts", "csv", "beir"]
    np.save(tmp_path / "v.npy", vectors(40))
    assert import_dataset(tmp_path / "v.npy", "auto", "guessed")["format"] == "npy"


def test_zip_archives_unpack_safely(tmp_path):
    import zipfile

    from vectorscout.data.importers import extract_archive

    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../outside.txt", "x")
    (tmp_path / "out").mkdir()
    with pytest.raises(DatasetImportError, match="points outside"):
        extract_archive(evil, tmp_path / "out")
    assert not (tmp_path / "outside.txt").exists()
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as z:
        z.writestr("set/corpus.jsonl", "{}")
    (tmp_path / "in").mkdir()
    assert extract_archive(good, tmp_path / "in").name == "set"


@pytest.mark.parametrize("fmt", ["hdf5", "npz", "npy", "parquet", "csv", "texts", "texmex", "vectordbbench", "beir"])
def test_every_format_imports_through_the_cli(tmp_path, fmt, capsys):
    import zipfile

    from tests_support import make_format_samples

    path = make_format_samples(tmp_path / "files")[fmt]
    if path.suffix == ".zip":  # the CLI takes the folder itself
        with zipfile.ZipFile(path) as z:
            z.extractall(tmp_path / "unzipped")
        path = next((tmp_path / "unzipped").iterdir())
    assert main(["datasets", "import", str(path), "--name", f"cli-{fmt}"]) == 0, capsys.readouterr().err
    data = load_dataset(f"cli-{fmt}")
    assert data.n > 0 and len(data.queries) > 0


def test_the_bundled_folder_never_shadows_hugging_face_datasets():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    script = ("import sentence_transformers, datasets, lancedb\n"
              "assert datasets.__file__ and 'site-packages' in datasets.__file__, datasets\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_texmex_ground_truth_ids_are_read_as_shipped_and_checked(tmp_path):
    """A TEXMEX folder whose ivecs holds the exact L2 top-5 (numpy) imports with its truth agreeing on 100 %;
    the same file with every id one off is refused, naming the agreement."""
    base, queries = vectors(300, 6), vectors(20, 6)
    squared = ((queries[:, None, :] - base[None, :, :]) ** 2).sum(axis=2)
    exact = np.argsort(squared, axis=1, kind="stable")[:, :5].astype(np.int32)
    for folder, truth in (("right", exact), ("shifted", (exact + 1) % 300)):
        (tmp_path / folder).mkdir()
        write_vecs(tmp_path / folder / "s_base.fvecs", base, np.float32)
        write_vecs(tmp_path / folder / "s_query.fvecs", queries, np.float32)
        write_vecs(tmp_path / folder / "s_groundtruth.ivecs", truth, np.int32)
    np.testing.assert_array_equal(read_vecs(tmp_path / "right" / "s_groundtruth.ivecs"), exact)
    entry = import_dataset(tmp_path / "right", "texmex", "tex-right", metric="l2")
    assert entry["ground_truth_check"] == "ok: shipped top-5 matches exact l2 neighbours on 100.0% of a 20-query sample"
    with pytest.raises(DatasetImportError, match=r"agree with exact l2 neighbours on only \d"):
        import_dataset(tmp_path / "shifted", "texmex", "tex-shifted", metric="l2")
    # no metric given: the shipped ids decide it (they are exact L2 neighbours, not cosine or dot)
    inferred = import_dataset(tmp_path / "right", "texmex", "tex-inferred")
    assert inferred["metric"] == "l2" and "metric l2 inferred" in inferred["ground_truth_check"]


def test_beir_graded_judgments_keep_their_gains_through_import_and_store(tmp_path):
    """qrels with gains 2 and 1 on one query: the stored dataset keeps each gain on the right document row, and
    nDCG@10 of the ranking [d3, d2] is (1 + 2 / log2 3) / (2 + 1 / log2 3) = 0.8597 by hand."""
    from vectorscout.benchmarking.metrics import retrieval_quality

    (tmp_path / "qrels").mkdir()
    docs = ["cats purr", "dogs bark", "stocks fell", "rates rose", "lemon cake"]
    (tmp_path / "corpus.jsonl").write_text("\n".join(json.dumps({"_id": f"d{i}", "text": t}) for i, t in enumerate(docs)))
    (tmp_path / "queries.jsonl").write_text("\n".join(json.dumps({"_id": q, "text": t})
                                                      for q, t in {"qb": "markets", "qa": "pets"}.items()))
    (tmp_path / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nqb\td2\t2\nqb\td3\t1\nqb\td4\t0\nqa\td0\t1\nqa\td1\t3\n")
    import_dataset(tmp_path, "beir", "graded")
    data = load_dataset("graded")
    assert data.query_texts == ["pets", "markets"]  # queries in id order: qa, qb
    assert data.qrels == [{0: 1.0, 1: 3.0}, {2: 2.0, 3: 1.0, 4: 0.0}]
    quality = retrieval_quality(np.array([[1, 0], [3, 2]]), data.qrels, 2)
    assert quality.query_ndcg[1] == pytest.approx((1 + 2 / np.log2(3)) / (2 + 1 / np.log2(3)))
    assert quality.query_ndcg[0] == pytest.approx(1.0)  # the gain-3 document first: ideal


@pytest.mark.parametrize("content, suffix, message", [
    (b"", ".fvecs", "v.fvecs: empty or truncated file"),
    (b"\x01\x00\x00", ".fvecs", "v.fvecs: empty or truncated file"),
    (np.array([0], dtype=np.int32).tobytes(), ".fvecs", "v.fvecs: row 0 declares dimension 0 (allowed 1..65536)"),
    (np.array([-3], dtype=np.int32).tobytes(), ".ivecs", "v.ivecs: row 0 declares dimension -3 (allowed 1..65536)"),
    (np.array([65537], dtype=np.int32).tobytes(), ".bvecs", "v.bvecs: row 0 declares dimension 65537 (allowed 1..65536)"),
    (b"\x00" * 8, ".txt", "v.txt: not an .fvecs, .ivecs or .bvecs file"),
    (np.array([2, 1, 2, 3, 1, 2], dtype=np.int32).tobytes(), ".ivecs", "v.ivecs: row 1 has dimension 3, row 0 has 2"),
])
def test_vecs_files_are_refused_with_the_reason(tmp_path, content, suffix, message):
    path = tmp_path / f"v{suffix}"
    path.write_bytes(content)
    with pytest.raises(DatasetImportError) as raised:
        read_vecs(path)
    assert str(raised.value) == message


def test_a_vecs_file_of_exactly_one_row_of_one_value_reads(tmp_path):
    path = tmp_path / "one.ivecs"
    path.write_bytes(np.array([1, 42], dtype=np.int32).tobytes())  # 8 bytes: a dimension and one value
    assert read_vecs(path).tolist() == [[42]]


def test_the_ground_truth_verdicts_word_by_word():
    from vectorscout.data.importers import ImportedData, settle_metric_and_truth

    base, queries = vectors(50, 4), vectors(6, 4)
    assert settle_metric_and_truth(ImportedData(base, queries, Metric.L2), False) == (Metric.L2, "computed (none shipped)")
    wrong_shape = ImportedData(base, queries, Metric.L2, neighbors=np.zeros((3, 5), dtype=np.int64), source="S")
    with pytest.raises(DatasetImportError) as raised:
        settle_metric_and_truth(wrong_shape, False)
    assert str(raised.value) == ("S: shipped neighbours have shape (3, 5), expected (6, k); pass "
                                 "--replace-ground-truth to use exact neighbours")
    assert settle_metric_and_truth(wrong_shape, True) == (
        Metric.L2, "replaced: shipped neighbours had shape (3, 5); exact neighbours are used")
    squared = ((queries[:, None, :] - base[None, :, :]) ** 2).sum(axis=2)
    exact = np.argsort(squared, axis=1, kind="stable")[:, :3]
    right = ImportedData(base, queries, Metric.L2, neighbors=exact, source="S", metric_assumed=True)
    metric, verdict = settle_metric_and_truth(right, False)
    assert metric is Metric.L2 and verdict.startswith("metric l2 inferred from the shipped neighbours (")
    assert verdict.endswith("ok: shipped top-3 matches exact l2 neighbours on 100.0% of a 6-query sample")


def test_a_decaying_spectrum_keeps_the_total_variance_shares_the_queries_across_sizes_and_leaves_old_specs_alone():
    small = load_dataset("synthetic:n=4000,dim=32,decay=1,queries=20,clusters=1")
    large = load_dataset("synthetic:n=8000,dim=32,decay=1,queries=20,clusters=1")
    assert np.array_equal(small.queries, large.queries)  # every size of a ladder is searched with the same queries
    variance = large.base.var(axis=0)
    # one cluster: variance per dimension = 0.25 * 32 * w_i / sum(w), w_i = 1 / (i + 1)
    assert variance[0] / variance[-1] == pytest.approx(32, rel=0.15)
    assert variance.sum() == pytest.approx(0.25 * 32, rel=0.05)
    assert small.spec.endswith(",decay=1")
    isotropic = load_dataset("synthetic:n=300,dim=8,queries=5")
    assert "decay" not in isotropic.spec
