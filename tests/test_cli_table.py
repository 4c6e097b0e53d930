"""The table `vectorscout run` and `runs show` print, cell by cell: each figure to its stated places, a missing
figure as "-", columns as wide as their widest cell, and the notes under the table."""

from vectorscout.cli import results_table
from vectorscout.results.records import ResultRow


def row(**fields):
    values = dict(engine="hnswlib", status="ok", index="hnsw", build_params={"M": 16}, search_params={"ef": 64},
                  recall=0.97654, recall_distance=0.9991, latency_p50_ms=1.23449, latency_p95_ms=2.5,
                  latency_p99_ms=10.0, qps=3571.5, insert_s=1.005, index_s=12.3456, concurrency=1,
                  deployment="embedded")
    values.update(fields)
    return ResultRow(**values)


def test_each_figure_reads_to_its_places_and_a_missing_one_reads_a_dash():
    text = results_table([row(), row(engine="faiss", index="flat", search_params={}, recall=None, qps=None,
                                      latency_p99_ms=None, deployment="", endpoint="", concurrency=4)])
    header, hnsw, faiss = text.splitlines()
    assert header.split() == ["engine", "where", "index", "search", "clients", "status", "recall", "recall_d",
                              "p50_ms", "p95_ms", "p99_ms", "qps", "insert_s", "index_s"]
    # recall and latency to 3 places, QPS whole (3571.5 rounds to even: 3572), seconds to 2
    assert hnsw.split() == ["hnswlib", "embedded", "hnsw", "ef=64", "1", "ok", "0.977", "0.999", "1.234", "2.500",
                            "10.000", "3572", "1.00", "12.35"]
    assert faiss.split() == ["faiss", "-", "flat", "-", "4", "ok", "-", "0.999", "1.234", "2.500", "-", "-", "1.00",
                             "12.35"]


def test_columns_are_as_wide_as_their_widest_cell_and_lines_carry_no_trailing_space():
    text = results_table([row(engine="a-very-long-engine-name"), row()])
    header, first, second = text.splitlines()
    start = header.index("where")
    assert start == len("a-very-long-engine-name") + 2  # the widest cell, then two spaces
    assert first.index("embedded") == second.index("embedded") == start
    assert all(line == line.rstrip() for line in (header, first, second))


def test_where_joins_deployment_and_endpoint_and_notes_follow_the_table():
    text = results_table([row(deployment="server", endpoint="loopback", status="failed", error="it stopped"),
                          row(engine="faiss", diagnosis="recall fell to 0.1 at ef=4")])
    table, notes = text.split("\n\n")
    assert table.splitlines()[1].split()[1] == "server/loopback"
    assert notes.splitlines() == ["hnswlib: it stopped", "faiss recall collapse: recall fell to 0.1 at ef=4"]
    assert "\n\n" not in results_table([row()])  # no notes: nothing after the table
    two = results_table([row(search_params={"nprobe": 8, "reorder_k": 100})]).splitlines()[1]
    assert two.split()[3] == "nprobe=8,reorder_k=100"
