"""Tables and chart styles a person reads: numbers to sensible digits, "not measured" for nothing measured,
sweeps in numeric order, compared runs told apart, and the engine's own memory rather than the harness's."""

import re

import pytest

from vectorscout.reporting.charts import resources_figure, series_styles
from vectorscout.reporting.tables import (
    NOT_MEASURED,
    at_target_table,
    frontier_table,
    params_text,
    results_table,
    significant,
    stages_table,
)
from vectorscout.results.analysis import at_recall, engine_memory_mb
from vectorscout.results.records import ResultRow

# What a table or report body must never show: Python or JSON literals, and floats printed to machine precision.
LITERALS = re.compile(r"\{'|': |\bNone\b|\bnan\b|\bNaN\b|\d\.\d{7,}")


def literal_in(cells) -> list[str]:
    return [str(c) for c in cells if LITERALS.search(str(c))]


def row(engine="hnswlib", ef=64, **figures) -> ResultRow:
    defaults = {"recall": 0.9789000000000001, "qps": 1667.42, "latency_p50_ms": 0.49, "latency_p95_ms": 1.0334,
                "latency_p99_ms": 2.59}
    return ResultRow(engine=engine, status="ok", index="hnsw", build_params={"M": 16, "ef_construction": 200},
                     search_params={"ef": ef}, **{**defaults, **figures})


@pytest.mark.parametrize(("value", "shown"), [
    (0.000245, "0.000245"), (20.692, "20.7"), (1667.4, "1,667"), (0.49, "0.490"), (123456.7, "123,457"),
    (0, "0"), (None, NOT_MEASURED), (float("nan"), NOT_MEASURED), (-3.14159, "-3.14"), (999.6, "1,000"),
    (0.00000269, "0.000003"), (0.0000002, "< 0.000001"),
])
def test_numbers_read_to_three_significant_digits_with_separators(value, shown):
    assert significant(value) == shown


def test_a_sweep_reads_in_numeric_order_with_human_labels_and_no_literals():
    rows = [row(ef=64), row(ef=16, qps=3571.2), row(ef=128, peak_rss_mb=None), row("faiss", ef=None)]
    rows[3].search_params = {}
    table = results_table(rows)
    hnsw = table[table["Engine"] == "hnswlib"]
    assert list(hnsw["Search setting"]) == ["ef=16", "ef=64", "ef=128"]  # entered 64, 16, 128
    assert table[table["Engine"] == "faiss"]["Search setting"].tolist() == ["defaults"]
    assert list(hnsw["Recall@k"]) == ["0.9789"] * 3 and list(hnsw["QPS"]) == ["3,571", "1,667", "1,667"]
    assert list(hnsw["p95 (ms)"]) == ["1.03"] * 3
    assert hnsw["Build parameters"].tolist() == ["M=16, ef_construction=200"] * 3
    assert "Disk (MB)" not in table.columns  # nothing measured it: no column of "not measured"
    assert not literal_in(table.to_numpy().ravel()) and not literal_in(table.columns)


def test_a_cell_nothing_measured_reads_not_measured_where_its_column_has_figures():
    table = results_table([row(disk_mb=12.345), row(ef=16, disk_mb=None)])
    assert table["Disk (MB)"].tolist() == [NOT_MEASURED, "12.3"]  # ef=16 first


def test_compared_runs_get_a_run_column_and_a_style_of_their_own():
    rows = [row("qdrant", run_id="20261126-b"), row("faiss", run_id="20261126-b"), row("qdrant", run_id="20261125-a")]
    table = results_table(rows)
    assert table[["Engine", "Run"]].values.tolist() == [  # each engine's runs in the order they were chosen
        ["faiss", "20261126-b"], ["qdrant", "20261126-b"], ["qdrant", "20261125-a"]]
    styles = series_styles(rows)
    first, second = styles["qdrant @ 20261126-b"], styles["qdrant @ 20261125-a"]
    assert (first.name, second.name) == ("qdrant · run 1", "qdrant · run 2")
    assert first.colour != second.colour and first.dash != second.dash and first.symbol != second.symbol
    assert styles["faiss @ 20261126-b"].dash == first.dash  # the same run: the same dash for every engine
    alone = series_styles([row("qdrant")])["qdrant"]
    assert (alone.name, alone.dash) == ("qdrant", "solid")


def test_engine_memory_is_what_the_engine_held_above_the_empty_engine_and_the_dataset():
    harness = 344.8  # the worker with its copy of the dataset, reached before the engine held anything
    stages = [{"stage": "open", "wall_s": 0.1, "rss_mb": harness, "peak_rss_mb": harness},
              {"stage": "insert", "wall_s": 2.0, "rss_mb": 401.3, "peak_rss_mb": 420.0},
              {"stage": "index", "wall_s": 5.0, "rss_mb": 398.0, "peak_rss_mb": 420.0}]
    measured = row(peak_rss_mb=420.0, stages=stages)
    assert engine_memory_mb(measured) == pytest.approx(401.3 - harness)
    assert engine_memory_mb(row(peak_rss_mb=420.0, stages=stages[1:])) is None  # no empty engine to subtract
    assert engine_memory_mb(row(peak_rss_mb=None)) is None
    shrunk = [{**stages[0], "rss_mb": 500.0}, stages[1]]  # freed more than it took: nothing, never negative
    assert engine_memory_mb(row(stages=shrunk)) == 0.0
    figure = resources_figure([measured, row("faiss", peak_rss_mb=harness)])
    memory = figure.data[0]
    assert list(memory.x) == ["hnswlib", "faiss"] and memory.y[0] == pytest.approx(56.5) and memory.y[1] is None
    assert list(memory.text) == ["56.5", NOT_MEASURED]
    table = results_table([measured])
    assert table["Engine memory (MB)"].tolist() == ["56.5"]
    assert stages_table([measured])["Memory held (MB)"].tolist() == ["344.8", "401.3", "398.0"]


def test_the_frontier_and_the_target_table_read_without_literals():
    header, body = frontier_table([row(ef=16, recall=0.9, qps=3000.0), row(ef=64), row(ef=128, qps=100.0)])
    assert header[:4] == ["Engine", "Index", "Build parameters", "Search setting"]
    assert [line[3] for line in body] == ["ef=16", "ef=64"]  # in rising recall; ef=128 is beaten on both counts
    assert not literal_in(cell for line in body for cell in line)
    target = at_target_table(at_recall([row("faiss", recall=0.99, qps=991.2, latency_p95_ms=1.288),
                                        row("milvus", recall=0.5)], 0.95))
    assert target.values.tolist() == [["faiss", "yes", "991", "1.29"], ["milvus", "no", "not reached", "not reached"]]
    compared = at_target_table(at_recall([row("faiss", recall=0.99, run_id="run-b")], 0.95))
    assert compared[["Engine", "Run"]].values.tolist() == [["faiss", "run-b"]]


def test_parameters_read_as_written():
    assert params_text({"ef_search": [16, 64], "iterative_scan": "relaxed_order", "rerank": True}) == \
        "ef_search=16/64, iterative_scan=relaxed_order, rerank=yes"
    assert params_text({}) == "defaults"


def test_the_compression_chart_puts_recall_against_the_bytes_each_vector_takes_in_the_searched_structures():
    from vectorscout.reporting.charts import compression_figure, measurement_figures
    from vectorscout.results.records import DatasetInfo, Environment, Run

    flat = row("faiss", recall=1.0, qps=400.0, index_bytes_per_vector=1544.0, ram_bytes_per_vector=3111.0)
    flat.index, flat.search_params = "ivf_flat", {"nprobe": 16}
    pq = row("faiss", recall=0.81, qps=1600.0, index_bytes_per_vector=104.0, ram_bytes_per_vector=3740.0)
    pq.index, pq.search_params = "ivf_pq", {"nprobe": 16}
    unmeasured = row("chroma", ram_bytes_per_vector=900.0)  # the adapter cannot read its index size: left out
    figure = compression_figure([flat, pq, unmeasured])
    (trace,) = figure.data
    assert list(trace.x) == [1544.0, 104.0] and list(trace.y) == [1.0, 0.81] and list(trace.text) == ["IVF_FLAT", "IVF_PQ"]
    assert trace.marker.size[1] == pytest.approx(48.0) and trace.marker.size[0] == pytest.approx(18.0)  # area ~ QPS
    run = Run(run_id="r", created_at="", status="finished", k=10, dataset=DatasetInfo(name="d", n=1, dim=1, queries=1,
              metric="l2", hash=""), plan={}, environment=Environment(), results=[flat, pq])
    assert "compression" in dict(measurement_figures([run]))
    run.results = [flat]  # one index: nothing to compare
    assert "compression" not in dict(measurement_figures([run]))


def test_recall_during_a_stream_reads_to_three_decimals_like_every_recall():
    """An exact index's 1.0 beside an approximate 0.995 reads "1.000" and "0.995", not "1.00" (three significant
    digits would drop the place that tells them apart)."""
    from vectorscout.reporting.tables import stream_summary_table, stream_windows_table
    from vectorscout.results.records import StreamingFigures, StreamWindow

    rows = []
    for engine, recall in (("faiss", 1.0), ("hnswlib", 0.995)):
        row = ResultRow(engine=engine, status="ok", index="hnsw", build_params={}, search_params={}, recall=recall)
        row.streaming = StreamingFigures(500, 500, 100, 100, 2, 2.0, None, windows=[
            StreamWindow(2.0, 150, 40, recall, 1.0, 2.0, 3.0, 500.0, 0.0)])
        rows.append(row)
    assert list(stream_summary_table(rows)["Recall during the stream"]) == ["1.000", "0.995"]
    assert list(stream_windows_table(rows[0])["Recall"]) == ["1.000"]


@pytest.mark.parametrize("value, shown", [
    (None, "not measured"), (float("nan"), "not measured"), (0.0, "0"), (float("inf"), "inf"), (float("-inf"), "-inf"),
    (0.0000006, "0.000001"), (0.0000004, "< 0.000001"), (0.00000049, "< 0.000001"), (0.0000025, "0.000003"),
    (0.0000005, "< 0.000001"), (-0.0000004, "< 0.000001"), (-0.0000006, "-0.000001"), (0.00001234, "0.000012"),
    (0.000245, "0.000245"), (20.692, "20.7"), (1667.4, "1,667"), (-3.14159, "-3.14"), (999.95, "1,000"),
])
def test_significant_figures_at_their_edges(value, shown):
    from vectorscout.reporting.tables import significant

    assert significant(value) == shown


@pytest.mark.parametrize("value, shown", [
    (None, "not sized"), (float("nan"), "not sized"), (1.0, "$1"), (0.9999, "$0.9999"), (1.5, "$2"), (0.5, "$0.5000"),
    (12345.4, "$12,345"), (-2.0, "$-2"), (0.01234, "$0.0123"),
])
def test_money_reads_whole_dollars_from_one_dollar_and_four_places_below(value, shown):
    from vectorscout.reporting.tables import money, whole

    assert money(value, "not sized") == shown
    assert whole(None) == "not measured" and whole(1234.5) == "1,234" and whole(float("nan")) == "not measured"


def test_a_tuned_row_says_how_its_setting_was_found_in_each_case():
    from vectorscout.reporting.tables import tuning_text
    from vectorscout.results.records import ResultRow, TuningFigures

    row = ResultRow(engine="pgvector", status="ok", index="hnsw", build_params={}, search_params={}, recall=0.9614)
    assert tuning_text(row) == ""
    row.tuning = TuningFigures(0.95, "ef_search", 64, True, 500, 500, [[16, 0.851], [40, 0.9384], [64, 0.961]])
    assert tuning_text(row) == ("pgvector HNSW: recall 0.95 reached at ef_search=64 on 500 tuning queries (ef_search="
                                "16: 0.851, 40: 0.938, 64: 0.961); on the 500 held-out queries recall 0.961")
    row.tuning = TuningFigures(0.99, "ef_search", 512, False, 500, 499, [[16, 0.851], [512, 0.98]])
    assert tuning_text(row) == ("pgvector HNSW: recall 0.99 reached at no setting tried (ef_search=16: 0.851, 512: 0.980); "
                                "measured at the best, ef_search=512; on the 499 held-out queries recall 0.961")
    row.index, row.recall = "flat", None
    row.tuning = TuningFigures(0.95, "", None, True, 10, 11, [["", 1.0]])
    assert tuning_text(row) == ("pgvector FLAT: nothing to tune (recall 1.000 on 10 tuning queries); on the 11 "
                                "held-out queries recall not read")
