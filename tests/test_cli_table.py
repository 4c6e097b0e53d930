"""The table `vectorscout run` and `runs show` print: the dashboard's and the report's results table (one table,
reporting/tables.results_table) as fixed-width text, cell by cell, with the notes under it."""

from vectorscout.reporting.tables import TERMINAL_COLUMNS, plain_text, rerun_table, results_text
from vectorscout.results.records import ResultRow


def row(**fields):
    values = dict(engine="hnswlib", status="ok", index="hnsw", build_params={"M": 16}, search_params={"ef": 64},
                  recall=0.97654, recall_distance=0.9991, latency_p50_ms=1.23449, latency_p95_ms=2.5,
                  latency_p99_ms=10.0, qps=3571.5, insert_s=1.005, index_s=12.3456, concurrency=1,
                  deployment="embedded", endpoint="in-process")
    values.update(fields)
    return ResultRow(**values)


def cells(text: str) -> list[list[str]]:
    """The text table back into cells, by the header's column starts (labels and cells hold single spaces)."""
    lines = text.splitlines()
    starts = [0] + [i + 2 for i in range(len(lines[0]) - 1) if lines[0][i:i + 2] == "  " and lines[0][i + 2] != " "]
    return [[line[a:b].strip() for a, b in zip(starts, [*starts[1:], None])] for line in lines]


def test_the_terminal_shows_the_shared_table_with_its_labels_and_formats():
    text = results_text([row(), row(engine="faiss", index="flat", search_params={}, recall=None, qps=None,
                                     latency_p99_ms=None, deployment="", endpoint="", concurrency=4)])
    header, faiss, hnsw = cells(text)  # in engine order, as on the pages
    assert header == ["Engine", "Measured as", "Index", "Search setting", "Clients", "Status", "Recall@k",
                      "Recall@k (distance)", "p50 (ms)", "p95 (ms)", "p99 (ms)", "QPS", "Insert (s)", "Index build (s)"]
    # no compared runs: no Run column; no intervals kept: no "±" columns
    assert header == [c for c in TERMINAL_COLUMNS if c != "Run" and not c.endswith("±")]
    # recall to 4 places, times to 3 significant figures, QPS whole with separators, as on the pages and in reports
    assert hnsw == ["hnswlib", "embedded, in-process", "HNSW", "ef=64", "1", "ok", "0.9765", "0.9991", "1.23", "2.50",
                    "10.0", "3,572", "1.00", "12.3"]
    assert faiss == ["faiss", "", "FLAT", "defaults", "4", "ok", "not measured", "0.9991", "1.23", "2.50",
                     "not measured", "not measured", "1.00", "12.3"]


def test_columns_are_as_wide_as_their_widest_cell_and_lines_carry_no_trailing_space():
    text = results_text([row(engine="a-very-long-engine-name"), row()])
    header, first, second = text.splitlines()
    start = header.index("Measured as")
    assert start == len("a-very-long-engine-name") + 2  # the widest cell, then two spaces
    assert first.index("embedded") == second.index("embedded") == start
    assert all(line == line.rstrip() for line in (header, first, second))


def test_notes_follow_the_table_and_milvus_lite_is_named_for_what_it_is():
    text = results_text([row(deployment="server", endpoint="loopback", status="failed", error="it stopped"),
                         row(engine="faiss", diagnosis="recall fell to 0.1 at ef=4")])
    table, notes = text.split("\n\n")
    assert cells(table)[2][1] == "server, loopback"  # faiss sorts first; hnswlib's row says where it ran
    assert notes.splitlines() == ["hnswlib: it stopped", "faiss recall collapse: recall fell to 0.1 at ef=4"]
    assert "\n\n" not in results_text([row()])  # no notes: nothing after the table
    two = cells(results_text([row(search_params={"nprobe": 8, "reorder_k": 100})]))[1]
    assert two[3] == "nprobe=8, reorder_k=100"
    lite = cells(results_text([row(engine="milvus")]))[1][0]
    assert lite == "milvus (Milvus Lite 3, a Python engine over FAISS indexes)"


def test_a_rerun_reads_in_the_same_units():
    frame = rerun_table([{"engine": "faiss", "setting": "hnsw ef=64", "clients": 1, "recall_old": 0.97654,
                          "recall_new": 0.9771, "qps_old": 1000.0, "qps_new": 1234.5, "qps_ratio": 1.2345,
                          "p95_ms_old": 2.5, "p95_ms_new": None}])
    assert cells(plain_text(frame))[1] == ["faiss", "hnsw ef=64", "1", "0.9765", "0.9771", "1,000", "1,234", "1.23",
                                           "2.50", "not measured"]
