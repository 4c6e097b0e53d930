"""Every cell of the tables the dashboard, the report and the CLI show, written out by hand for rows whose
figures are chosen to tell the rounding, the unit and the column apart: a table that puts a figure in the
wrong column, to the wrong places, or under the wrong heading fails here."""

import math
from dataclasses import replace

import pandas as pd

from vectorscout.reporting.tables import (
    column_widths,
    frontier_table,
    grid_text,
    human_label,
    hybrid_table,
    params_text,
    results_table,
    stages_table,
    stream_summary_table,
    stream_windows_table,
    text,
)
from vectorscout.results.records import (
    Freshness,
    HybridFigures,
    ResultRow,
    RetrievalMode,
    StreamingFigures,
    StreamWindow,
)


def row(engine="qdrant", **fields):
    values = dict(engine=engine, status="ok", index="hnsw", build_params={"m": 16}, search_params={"ef": 64},
                  recall=0.95, qps=1234.5, latency_p95_ms=2.345, concurrency=1, k=10)
    values.update(fields)
    return ResultRow(**values)


def rows_of(frame):
    return [list(frame.columns)] + [[str(cell) for cell in line] for line in frame.values.tolist()]


def test_the_stages_table_reads_each_engines_first_serial_stages_to_their_places():
    serial = row(stages=[{"stage": "insert", "wall_s": 12.345, "rss_mb": 100.04, "peak_rss_mb": 150.06},
                         {"stage": "index", "wall_s": 0.01234, "rss_mb": None, "peak_rss_mb": 151.0},
                         {"stage": "insert", "wall_s": 99.0, "rss_mb": 1.0, "peak_rss_mb": 1.0}])  # seen: dropped
    concurrent = row(concurrency=4, stages=[{"stage": "search", "wall_s": 5.0, "rss_mb": 1.0, "peak_rss_mb": 1.0}])
    assert rows_of(stages_table([serial, concurrent])) == [
        ["Engine", "Stage", "Wall time (s)", "Memory held (MB)", "Peak memory (MB)"],
        ["qdrant", "insert", "12.3", "100.0", "150.1"],
        ["qdrant", "index", "0.0123", "not measured", "151.0"],
    ]


def streamed(fell_behind=None, serialized=""):
    figures = StreamingFigures(rate_asked=500.0, rate_achieved=487.65, base_vectors=1000, streamed_vectors=500,
                               clients=2, window_s=1.0, fell_behind_at_s=fell_behind, serialized=serialized,
                               windows=[StreamWindow(1.0, 1490, 41, 0.98765, 1.2345, 2.5, 10.04, 490.4, 0.0123),
                                        StreamWindow(2.0004, 1987, 0, None, None, None, None, 497.0, 0.0)],
                               freshness=[Freshness("insert", 5, 5, 12.345, 20.0),
                                          Freshness("update", 5, 3, 40.0, 90.0),
                                          Freshness("delete", 0, 0, skipped="not in a flat index")])
    return row(recall=0.9876, latency_p95_ms=3.456, streaming=figures)


def test_the_stream_summary_reads_rates_lag_recall_and_each_freshness_figure():
    never, behind = streamed(), streamed(fell_behind=1.5, serialized="one client at a time")
    behind.engine, behind.streaming.freshness = "chroma", [Freshness("delete", 0, 0, skipped="cannot delete")]
    frame = stream_summary_table([never, row(engine="faiss"), behind])  # faiss did not stream: no line
    assert rows_of(frame) == [
        ["Engine", "Index", "Rate asked (vectors/s)", "Rate achieved (vectors/s)", "Fell behind at (s)",
         "Writes and searches", "Recall during the stream", "p95 during the stream (ms)",
         "Insert visible after (ms, median)", "Update visible after (ms, median)", "Delete visible after (ms, median)"],
        ["qdrant", "HNSW", "500", "488", "never", "at once", "0.988", "3.46", "12.3", "40.0 (2 of 5 never seen)",
         "skipped: not in a flat index"],
        ["chroma", "HNSW", "500", "488", "1.50", "one client at a time", "0.988", "3.46", "not measured", "not measured",
         "skipped: cannot delete"],
    ]
    insert_skipped = streamed()
    insert_skipped.streaming.freshness = [Freshness("insert", 0, 0, skipped="read only")]
    assert stream_summary_table([insert_skipped])["Insert visible after (ms, median)"].tolist() == ["skipped (as delete)"]


def test_the_stream_windows_read_each_window_to_its_places():
    assert rows_of(stream_windows_table(streamed())) == [
        ["Until (s)", "Vectors", "Searches", "Recall", "p50 (ms)", "p95 (ms)", "p99 (ms)", "Inserts (vectors/s)",
         "Writer late by (s)"],
        ["1.00", "1,490", "41", "0.988", "1.23", "2.50", "10.0", "490", "0.0123"],
        ["2.00", "1,987", "0", "not measured", "not measured", "not measured", "not measured", "497", "0"],
    ]
    assert stream_windows_table(row()).empty  # a row that did not stream has no windows


def test_the_hybrid_table_reads_each_mode_in_its_column_with_the_depth_of_the_fusion():
    figures = HybridFigures(documents=500, queries=40, depth=100, rrf_k=60, application_side=True,
                            exact_dense_ndcg_at_10=0.71234, dense_recall_at_k=0.98765, modes=[
                                RetrievalMode("keyword", "BM25 (application side)", 0.41234, 0.5, 0.6),
                                RetrievalMode("dense", "qdrant hnsw", 0.61234, 0.7, 0.8),
                                RetrievalMode("hybrid", "RRF (application side, k=60)", 0.66666, 0.77777, 0.88888,
                                              p50_ms=3.4567)])
    only_dense = HybridFigures(documents=500, queries=40, depth=50, rrf_k=60, application_side=False,
                               exact_dense_ndcg_at_10=0.7, modes=[RetrievalMode("dense", "lancedb", 0.6, 0.7, 0.8)])
    frame = hybrid_table([row(hybrid=figures, k=5), row(engine="faiss"), row(engine="lancedb", hybrid=only_dense, k=5)])
    assert rows_of(frame) == [
        ["Engine", "Index", "Keyword nDCG@10", "Dense nDCG@10", "Hybrid nDCG@10", "Exact dense nDCG@10",
         "Dense recall@5 vs exact", "Hybrid MRR@10", "Hybrid recall@5", "Hybrid p50 (ms)", "Keyword ranking", "Fusion"],
        ["qdrant", "HNSW", "0.4123", "0.6123", "0.6667", "0.7123", "0.9877", "0.7778", "0.8889", "3.46",
         "BM25 (application side)", "RRF (application side, k=60); top 100 of each list"],
        ["lancedb", "HNSW", "not measured", "0.6000", "not measured", "0.7000", "not measured", "not measured",
         "not measured", "not measured", "not measured", "not measured"],
    ]


def test_the_frontier_reads_each_engines_pareto_points_in_rising_recall():
    points = [row(recall=0.9, qps=2000.0, search_params={"ef": 16}, latency_p95_ms=0.5),
              row(recall=0.99, qps=500.0, search_params={"ef": 128}, latency_p95_ms=2.0),
              row(recall=0.95, qps=400.0, search_params={"ef": 64}, latency_p95_ms=3.0)]  # dominated
    header, body = frontier_table(points)
    assert header == ["Engine", "Index", "Build parameters", "Search setting", "Recall@k", "QPS", "p95 (ms)"]
    assert body == [["qdrant", "HNSW", "m=16", "ef=16", "0.9000", "2,000", "0.500"],
                    ["qdrant", "HNSW", "m=16", "ef=128", "0.9900", "500", "2.00"]]


def test_a_column_is_as_wide_as_its_longest_text_within_the_limit():
    frame = pd.DataFrame({"QPS": ["1", "22"], "Error": ["x" * 200, ""], "A long column heading": ["1", "2"],
                          "Empty": pd.Series([], dtype=str).reindex(range(2), fill_value="")})
    widths = column_widths(frame)
    assert widths["QPS"] == math.ceil(30 + 7.8 * 3)  # the header is the longest text: 54 px
    assert widths["Error"] == 640  # 200 characters would be 1,590 px: cut at the limit
    assert widths["A long column heading"] == math.ceil(30 + 7.8 * 21)  # 194 px
    long_header = pd.DataFrame({"h" * 100: ["x" * 120]})  # a header past the limit still fits whole
    assert column_widths(long_header) == {"h" * 100: math.ceil(30 + 7.8 * 100)}
    assert column_widths(pd.DataFrame({"Q": []})) == {"Q": math.ceil(30 + 7.8)}


def test_labels_settings_and_grids_read_as_a_person_writes_them():
    assert human_label("memory_headroom") == "Memory headroom" and human_label("_qps_") == "Qps"
    assert human_label("") == ""
    assert text(None) == "" and text(3) == "3"
    assert params_text({"ef": 64, "exact": True, "lists": [1, 2], "opts": {"a": None}, "off": False}) == \
        "ef=64, exact=yes, lists=1/2, opts=(a=none), off=no"
    assert params_text({}) == "defaults"
    assert grid_text([{"ef": 16}, {"ef": 64}]) == "ef=16; ef=64"
    assert grid_text({"ef": [16, 64]}) == "ef=16/64"
    assert grid_text([]) == "defaults" and grid_text(None) == "defaults"


def test_a_sweep_with_words_among_numbers_puts_numbers_first_in_numeric_order():
    rows = [row(search_params={"ef": value}) for value in ("auto", 128, True, 16, 64.5)]
    settings = results_table(rows)["Search setting"].tolist()
    assert settings == ["ef=16", "ef=64.5", "ef=128", "ef=yes", "ef=auto"]  # then words by their text: "True" < "auto"


def test_the_measurements_table_keeps_the_columns_asked_for_in_that_order():
    frame = results_table([row(), row(engine="faiss", qps=99.0)], columns=["QPS", "No such column", "Engine"])
    assert rows_of(frame) == [["QPS", "Engine"], ["99.0", "faiss"], ["1,234", "qdrant"]]
    empty = results_table([])
    # led by what identifies a row and the answer; configuration last
    assert list(empty.columns) == [label for label in (
        "Engine", "Index", "Search setting", "Clients", "Recall@k", "p95 (ms)", "QPS", "Status", "p50 (ms)", "p99 (ms)",
        "QPS spread (%)", "Errors", "Client CPU (%)", "Recall@k (distance)", "nDCG@10", "Exact nDCG@10", "MRR@10",
        "Insert (s)", "Index build (s)", "Engine memory (MB)", "Worker peak RSS, with the dataset (MB)",
        "RAM (bytes/vector)", "Disk (MB)", "Disk (bytes/vector)", "Other load on the host (% CPU)", "Build parameters")]


def test_the_measurement_parts_hold_every_column_once_each_led_by_the_row_and_the_first_by_the_answer():
    from vectorscout.reporting.tables import COLUMNS, MEASUREMENT_PARTS, ROW_IDENTITY, measurement_parts

    in_parts = [label for _, columns in MEASUREMENT_PARTS for label in columns]
    assert sorted(in_parts + list(ROW_IDENTITY)) == sorted(label for label, _, _ in COLUMNS)
    assert MEASUREMENT_PARTS[0][1] == ("Recall@k", "p95 (ms)", "QPS", "Status")
    assert MEASUREMENT_PARTS[1][1] == ("Recall ±", "p95 ±", "QPS ±", "Runs in ±")
    measured = [row(), row(engine="faiss", index="flat", search_params={}, qps=99.0, insert_s=1.5)]
    parts = dict(measurement_parts(measured))
    assert list(parts) == ["Recall, latency and throughput", "Latency in detail", "Build time",
                           "Configuration"]  # nothing of retrieval quality measured: left out
    assert rows_of(parts["Build time"])[0] == ["Engine", "Index", "Search setting", "Clients", "Insert (s)"]
    assert rows_of(parts["Recall, latency and throughput"])[0] == ["Engine", "Index", "Search setting", "Clients",
                                                                  "Recall@k", "p95 (ms)", "QPS", "Status"]
    # with intervals kept, the part after the answer gives each figure's "±": half the 95 % interval
    known = [row(recall=0.96, recall_interval=[0.95, 0.97], latency_p95_ms=1.1, latency_p95_interval_ms=[0.9, 1.3],
                 qps=1650.0, qps_interval=[1600.0, 1700.0])]
    plus_minus = rows_of(dict(measurement_parts(known))["How far each figure could move (half its 95 % interval)"])
    assert plus_minus == [["Engine", "Index", "Search setting", "Clients", "Recall ±", "p95 ±", "QPS ±"],
                          ["qdrant", "HNSW", "ef=64", "1", "0.0100", "0.200", "50.0"]]
    # a "±" that takes in earlier runs on this machine says how many (absent above: this run's queries alone), and
    # an interval even only in logarithms (×/÷ 2 here) gives both sides, never a "±" that would reach below 0
    spread = [replace(known[0], interval_runs=4, latency_p95_ms=1.0, latency_p95_interval_ms=[0.5, 2.0],
                      recall=0.9996, recall_interval=[0.9988, 1.0])]
    plus_minus = rows_of(dict(measurement_parts(spread))["How far each figure could move (half its 95 % interval)"])
    assert plus_minus[0][-1] == "Runs in ±" and plus_minus[1][-1] == "4"
    assert plus_minus[1][4:6] == ["+0.0004/−0.0008", "+1.00/−0.500"]
    assert plus_minus[1][6] == "50.0"  # QPS 1,600 to 1,700 around 1,650: even, so half the width


def test_empty_tables_keep_their_headings():
    from vectorscout.reporting.tables import at_target_table, tuning_lines

    assert list(stages_table([]).columns) == ["Engine", "Stage", "Wall time (s)", "Memory held (MB)",
                                              "Peak memory (MB)"]
    assert list(at_target_table({}).columns) == ["Engine", "Reaches the target", "Best QPS at the target",
                                                 "Best p95 at the target (ms)"]
    assert tuning_lines([row(), row(concurrency=4)]) == []  # nothing tuned: no line, not an empty one


def test_stages_of_a_concurrent_row_listed_first_do_not_hide_the_serial_ones():
    concurrent = row(concurrency=4, stages=[{"stage": "search", "wall_s": 5.0, "rss_mb": 1.0, "peak_rss_mb": 1.0}])
    serial = row(stages=[{"stage": "insert", "wall_s": 1.0, "rss_mb": 1.0, "peak_rss_mb": 1.0},
                         {"stage": "insert", "wall_s": 2.0, "rss_mb": 2.0, "peak_rss_mb": 2.0},
                         {"stage": "index", "wall_s": 3.0, "rss_mb": 3.0, "peak_rss_mb": 3.0}])
    assert stages_table([concurrent, serial])["Stage"].tolist() == ["insert", "index"]


def test_a_hybrid_figure_without_a_dense_mode_reads_not_measured_there():
    figures = HybridFigures(documents=5, queries=2, depth=10, rrf_k=60, application_side=True,
                            exact_dense_ndcg_at_10=0.5, modes=[RetrievalMode("keyword", "BM25", 0.4, 0.5, 0.6)])
    line = hybrid_table([row(hybrid=figures)]).iloc[0]
    assert (line["Keyword nDCG@10"], line["Dense nDCG@10"], line["Fusion"]) == ("0.4000", "not measured", "not measured")


def test_a_table_wider_than_its_frame_narrows_its_widest_columns_first_never_below_their_header():
    frame = pd.DataFrame({"QPS": ["1"], "Note": ["n" * 50], "Error": ["e" * 70], "Engine": ["qdrant"]})
    natural = column_widths(frame)
    assert natural == {"QPS": 54, "Note": math.ceil(30 + 7.8 * 50), "Error": math.ceil(30 + 7.8 * 70), "Engine": 77}
    assert column_widths(frame, sum(natural.values())) == natural  # it fits: nothing changes
    fitted = column_widths(frame, 800)
    # the two long columns share one cap; the short ones keep their text
    assert fitted["QPS"] == 54 and fitted["Engine"] == 77 and fitted["Note"] == fitted["Error"]
    assert sum(fitted.values()) <= 800 and sum(fitted.values()) >= 800 - 2
    headers = pd.DataFrame({"A long column heading": ["x" * 90], "Another long heading": ["y" * 90]})
    assert column_widths(headers, 100) == {"A long column heading": math.ceil(30 + 7.8 * 21),
                                           "Another long heading": math.ceil(30 + 7.8 * 20)}  # headers stay whole
    # a column held at its header leaves the rest of the frame to the others: 194 + 106 = 300
    mixed = pd.DataFrame({"A long column heading": ["x" * 90], "N": ["y" * 90]})
    assert column_widths(mixed, 300) == {"A long column heading": 194, "N": 106}


def test_every_part_fits_the_frame_and_one_that_does_not_is_cut_into_parts_that_fit_each_led_by_the_row():
    """A grid cannot wrap a header: a part whose headers alone were wider than the page's column scrolled sideways
    (Build, memory and disk: 1,556 px of headers in an 800 px column). Every part fits beside the row's identity,
    with compared runs' Run column too, or is cut, in order, into parts that do."""
    from vectorscout.reporting.tables import (
        MEASUREMENT_PARTS,
        ROW_IDENTITY,
        TABLE_FIT_PX,
        header_chunks,
        header_px,
        measurement_parts,
    )

    identity = sum(header_px(c) for c in ROW_IDENTITY if c != "Run")
    for title, columns in MEASUREMENT_PARTS:
        assert identity + sum(header_px(c) for c in columns) <= TABLE_FIT_PX, title
    # compared runs add a Run column: a part that no longer fits is cut, "(continued)", each led by the identity
    wide = [(title, [*ROW_IDENTITY, *columns]) for title, columns in MEASUREMENT_PARTS]
    over = [title for title, columns in wide if sum(header_px(c) for c in columns) > TABLE_FIT_PX]
    assert over  # there are such parts with a Run column
    measured = [row(insert_s=1.5, index_s=2.0, peak_rss_mb=400.0, ram_bytes_per_vector=900.0, index_bytes_per_vector=800.0,
                    disk_mb=5.0, disk_bytes_per_vector=300.0, host_other_cpu_pct=1.0, errors=0)]
    narrow = measurement_parts(measured, fit_px=500)
    assert any(title.endswith(" (continued)") for title, _ in narrow)
    for title, frame in narrow:
        assert list(frame.columns[:4]) == ["Engine", "Index", "Search setting", "Clients"], title
        figures = list(frame.columns[4:])
        assert len(figures) == 1 or sum(header_px(c) for c in frame.columns) <= 500, title
    assert [c for _, f in narrow for c in f.columns[4:]] == [c for _, f in measurement_parts(measured) for c in f.columns[4:]]
    # cut where the next header would pass the budget; one wider than the whole budget stands alone
    assert header_chunks(["ab", "cd", "ef"], header_px("ab") + header_px("cd")) == [["ab", "cd"], ["ef"]]
    assert header_chunks(["a" * 90, "b"], 100) == [["a" * 90], ["b"]]
    assert header_chunks([], 100) == []
