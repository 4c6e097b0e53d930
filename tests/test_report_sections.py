"""The report's sentences and assumption rows that carry figures, line by line, for runs written out here:
the fastest engine at the target and the others' QPS, the noisy and collapsed rows, the engines that missed
the target or failed, and the cost assumptions in percent and gigabytes."""

from types import SimpleNamespace

from vectorscout.reporting.sections import ReportData, assumption_rows, summary_lines
from vectorscout.results.records import DatasetInfo, Environment, ResultRow, Run


def row(engine, recall, qps, **fields):
    values = dict(engine=engine, status="ok", index="hnsw", build_params={}, search_params={"ef": 64}, recall=recall,
                  qps=qps, latency_p95_ms=1.0, concurrency=1)
    values.update(fields)
    return ResultRow(**values)


def run_of(*rows):
    return Run(run_id="r1", created_at="t", status="finished", k=10, dataset=DatasetInfo(n=1000, dim=8), plan={},
               environment=Environment(cores=2), results=list(rows))


def test_the_summary_names_the_fastest_at_the_target_then_the_others_and_what_missed_or_failed():
    lines = summary_lines(ReportData(runs=[run_of(
        row("qdrant", 0.95, 1234.5), row("faiss", 0.99, 20_000.4), row("chroma", 0.92, 99_999.0),
        row("lancedb", 0.5, 50_000.0, noise="other processes used 40 % of the CPU"),
        row("hnswlib", 0.2, 9.0, diagnosis="dimension 3 spans 1e5"),
        row("pgvector", None, None, status="failed", error="it stopped"))]))
    assert lines == [
        "Measured: at recall >= 0.9, the fastest serial throughput was chroma (99,999 QPS); faiss 20,000, "
        "qdrant 1,234.",
        "Noise: 1 measurement(s) were taken under noise and are drawn hollow; the recommendation does not score "
        "their speed: lancedb HNSW ef=64 (other processes used 40 % of the CPU).",
        "Recall collapse: 1 result(s) fell below 0.5 where exact search gives 1.0: hnswlib HNSW ef=64: dimension 3 spans 1e5.",
        "Did not reach recall 0.9 at any setting tried: hnswlib, lancedb.",
        "Failed: pgvector (see Failures).",
    ]


def test_the_cost_assumptions_read_as_shares_gigabytes_and_words():
    cost = SimpleNamespace(prices_edited=False, assumptions={
        "provider": "", "replicas": "auto", "memory_headroom": 0.25, "node_overhead_gb": 1.5, "cpu_utilisation": 0.6,
        "average_load_share": 0.3})
    rows = assumption_rows(ReportData(runs=[], cost=cost))
    shown = {name: value for name, value, _ in rows}
    assert shown["Cloud provider"] == "from the scenario" and shown["Prices"] == "shipped defaults (dated, with sources)"
    assert [value for _, value, _ in rows[1:7]] == ["from the scenario", "auto", "25 %", "1.5 GB", "60 %", "30 %"]
    cost.assumptions = {**cost.assumptions, "region": "eu-central-1"}
    assert {name: value for name, value, _ in assumption_rows(ReportData(runs=[], cost=cost))}[
        "Region (empty: the scenario's)"] == "eu-central-1"
    cost.prices_edited, cost.assumptions = True, {**cost.assumptions, "provider": "gcp", "node_overhead_gb": "2"}
    shown = {name: value for name, value, _ in assumption_rows(ReportData(runs=[], cost=cost))}
    assert shown["Cloud provider"] == "gcp" and shown["Prices"] == "edited by the user"
    assert assumption_rows(ReportData(runs=[])) == []


def test_the_cost_assumptions_keep_their_explanations_and_prices_has_none():
    cost = SimpleNamespace(prices_edited=False, assumptions={"cpu_utilisation": 0.6})
    rows = assumption_rows(ReportData(runs=[], cost=cost))
    assert rows[0] == ("Cloud provider", "from the scenario",
                       "whose instance prices to size with (empty: the scenario's cloud provider)")
    assert rows[5] == ("CPU utilisation at peak (share of cores)", "60 %", "share of each node's cores busy at peak QPS")
    assert rows[-1] == ("Prices", "shipped defaults (dated, with sources)", "")


def verdict(name, score, evidence="measured", excluded="", reasons_for=(), reasons_against=()):
    return SimpleNamespace(name=name, score=score, evidence=evidence, excluded=excluded,
                           reasons_for=list(reasons_for), reasons_against=list(reasons_against))


def test_the_summary_opens_with_the_scenario_verdict_reasons_runners_up_and_exclusions():
    from vectorscout.decision.scenario import Scenario

    best = verdict("qdrant", 0.91, reasons_for=["performance: 1,234 QPS at recall 0.95"],
                   reasons_against=["operations: a server to run"])
    others = [verdict("pgvector", 0.876), verdict("chroma", 0.5, "indicative"), verdict("lancedb", 0.456),
              verdict("faiss", 0.3)]
    excluded = verdict("hnswlib", None, excluded="no filtering")
    recommendation = SimpleNamespace(
        deployment="single_server", warnings=["the data is small"], verdict="qdrant, by 0.03",
        evidence_reach="measured at 1,000 vectors; the scenario has 2,000,000", best=best,
        scored=[best, *others], ranking=[best, *others, excluded], sensitivity="stable under ±20 % weights")
    data = ReportData(runs=[run_of(row("qdrant", 0.5, 10.0))], scenario=Scenario("Shop", {"recall_target": 0.95}),
                      recommendation=recommendation, notes=["cost: no prices for this region"])
    assert summary_lines(data) == [
        "Scenario 'Shop', judged as a self-hosted single server.",
        "Warning: the data is small",
        "Recommended: qdrant, by 0.03",
        "How far the evidence reaches: measured at 1,000 vectors; the scenario has 2,000,000",
        "For qdrant: performance: 1,234 QPS at recall 0.95",
        "Against qdrant: operations: a server to run",
        "Then: pgvector (0.88, measured), chroma (0.50, indicative), lancedb (0.46, measured).",
        "Excluded: hnswlib: no filtering.",
        "Sensitivity: stable under ±20 % weights",
        "Note: cost: no prices for this region",
        "Did not reach recall 0.95 at any setting tried: qdrant.",
    ]
    recommendation.evidence_reach, recommendation.ranking, recommendation.scored = "", [best], [best]
    lines = summary_lines(data)
    assert not any(line.startswith(("How far", "Then:", "Excluded:")) for line in lines)
    assert summary_lines(ReportData(runs=[run_of(row("qdrant", 0.5, 10.0))], recommendation=recommendation)) == [
        "For qdrant: performance: 1,234 QPS at recall 0.95", "Against qdrant: operations: a server to run",
        "Sensitivity: stable under ±20 % weights", "Did not reach recall 0.9 at any setting tried: qdrant."]


def test_long_lists_in_the_summary_are_cut_to_their_first_few_and_joined_by_semicolons():
    from vectorscout.results.records import TuningFigures

    noisy = [row(f"noisy{i}", 0.95, 100.0 + i, noise=f"load {i}") for i in range(6)]
    collapsed = [row(f"collapsed{i}", 0.1, 5.0, diagnosis=f"cause {i}") for i in range(4)]
    tuned = [row(f"tuned{i}", 0.95, 50.0, tuning=TuningFigures(0.9, "ef", 64, True, 50, 50, tried=[[64, 0.95]]))
             for i in range(9)]
    failed = [row(f"failed{i}", None, None, status="failed", error="x") for i in range(2)]
    lines = summary_lines(ReportData(runs=[run_of(*noisy, *collapsed, *tuned, *failed)]))
    noise = next(line for line in lines if line.startswith("Noise:"))
    assert noise.startswith("Noise: 6 measurement(s) were taken under noise") and noise.endswith(
        "noisy0 HNSW ef=64 (load 0); noisy1 HNSW ef=64 (load 1); noisy2 HNSW ef=64 (load 2); "
        "noisy3 HNSW ef=64 (load 3); noisy4 HNSW ef=64 (load 4).")  # the first five
    collapse = next(line for line in lines if line.startswith("Recall collapse:"))
    assert collapse == ("Recall collapse: 4 result(s) fell below 0.5 where exact search gives 1.0: collapsed0 HNSW "
                        "ef=64: cause 0; collapsed1 HNSW ef=64: cause 1; collapsed2 HNSW ef=64: cause 2.")
    compared = next(line for line in lines if line.startswith("Compared at equal recall"))
    assert compared.startswith("Compared at equal recall (each setting read on queries other than those that chose "
                               "it): tuned0 HNSW: recall 0.9 reached at ef=64")
    assert compared.count("; tuned") == 7 and compared.endswith(".") and "tuned8" not in compared  # the first eight
    assert "Failed: failed0, failed1 (see Failures)." in lines


def test_every_engine_excluded_is_named_with_its_reason():
    best = verdict("qdrant", 0.9)
    recommendation = SimpleNamespace(deployment="embedded", warnings=[], verdict="qdrant", evidence_reach="", best=best,
                                     scored=[best], sensitivity="stable",
                                     ranking=[best, verdict("a", None, excluded="no filters"),
                                              verdict("b", None, excluded="no TLS")])
    lines = summary_lines(ReportData(runs=[run_of(row("qdrant", 0.95, 10.0))], recommendation=recommendation))
    assert "Excluded: a: no filters; b: no TLS." in lines


def reason(criterion, text, weight=1.0, source=""):
    from vectorscout.decision.recommend import Reason

    return Reason(criterion, text, weight, source)


def test_one_engine_at_the_target_ends_its_sentence_without_a_stray_semicolon():
    lines = summary_lines(ReportData(runs=[run_of(row("qdrant", 0.95, 1263.0), row("faiss", 0.5, 9.0))]))
    assert lines[0] == "Measured: at recall >= 0.9, the fastest serial throughput was qdrant (1,263 QPS)."


def test_references_are_numbered_in_the_order_first_cited_and_a_run_is_no_reference():
    from vectorscout.reporting.sections import References

    references = References()
    assert references.mark("https://b.example/x") == " [1]"
    assert references.mark("https://a.example/y") == " [2]"
    assert references.mark("https://b.example/x") == " [1]"  # cited again: the same number
    assert references.mark("run 20261206-001") == "" and references.mark("") == ""
    assert references.urls == ["https://b.example/x", "https://a.example/y"]


def executive_data(warnings=(), against=(), excluded_cost=False):
    from vectorscout.decision.scenario import Scenario

    best = verdict("Qdrant", 0.91, reasons_for=[
        reason("performance", "1,234 QPS, p95 2 ms at recall >= 0.95", 3.0, "run r1"),
        reason("features", "TLS: built in", 2.0, "https://qdrant.example/tls"),
        reason("operations", "one binary", 1.5, "https://qdrant.example/ops"),
        reason("features", "backups: snapshots", 1.0, "https://qdrant.example/backups")],
        reasons_against=list(against))
    best.engine = "qdrant"
    ranking = [best, SimpleNamespace(engine="faiss", name="FAISS", score=None, excluded="no server")]
    recommendation = SimpleNamespace(deployment="single_server", warnings=list(warnings), verdict="Qdrant fits best.",
                                     evidence_reach="Measured at 1,000 vectors x 8.", best=best, scored=[best],
                                     ranking=ranking, sensitivity="stable")
    lines = [SimpleNamespace(engine="qdrant", usd_per_month=948.4), SimpleNamespace(engine="faiss", usd_per_month=12.0),
             SimpleNamespace(engine="lancedb", usd_per_month=1322.0), SimpleNamespace(engine="chroma", usd_per_month=None)]
    cost = SimpleNamespace(lines=lambda: lines[:1] if excluded_cost else lines)
    return ReportData(runs=[run_of(row("qdrant", 0.95, 1234.0), row("lancedb", 0.97, 80.0))],
                      scenario=Scenario("Shop", {"recall_target": 0.95}), recommendation=recommendation, cost=cost)


def test_the_executive_summary_is_the_decision_three_reasons_the_evidence_risks_and_the_cost_range():
    from vectorscout.decision.conflicts import ScenarioWarning
    from vectorscout.reporting.sections import References, executive_summary

    references = References()
    data = executive_data(warnings=[ScenarioWarning("Residency: confirm the region.", "https://docs.example/residency")],
                          against=[reason("cost", "dearer than pgvector", -1.0, "https://qdrant.example/tls")])
    parts = {part.heading: part.lines for part in executive_summary(data, references)}
    assert parts == {
        "Decision": ["Qdrant fits best.", "Judged for 'Shop' as a self-hosted single server."],
        "Why Qdrant": ["Performance: 1,234 QPS, p95 2 ms at recall >= 0.95", "Features: TLS: built in [1]",
                       "Operations: one binary [2]"],  # the three weightiest; a run cites no web page
        "What was measured": [
            "qdrant, lancedb on : 1,000 vectors x 8 dimensions, 0 queries, k=10 (run r1, 2 cores).",
            "At recall >= 0.95, the fastest serial throughput: qdrant 1,234 QPS; then lancedb 80.",
            "Measured at 1,000 vectors x 8."],
        "Risks and open questions": ["Residency: confirm the region. [3]", "Qdrant, cost: dearer than pgvector [1]"],
        "Cost": ["Self-hosted, from $948 per month (qdrant) to $1,322 (lancedb) at the scenario's size, among the 2 "
                 "engines priced; instances, nodes, managed offers and assumptions in the Cost section."],
    }  # FAISS is excluded: its $12 is no option; chroma was not priced
    assert references.urls == ["https://qdrant.example/tls", "https://qdrant.example/ops",
                               "https://docs.example/residency"]
    detail = summary_lines(data, references)  # the detail section goes on with the same numbers
    assert "Warning: Residency: confirm the region. [3]" in detail
    assert "For Qdrant: features: backups: snapshots [4]" in detail and "For Qdrant: performance: 1,234 QPS, p95 2 ms " \
        "at recall >= 0.95" in detail
    assert "Against Qdrant: cost: dearer than pgvector [1]" in detail
    assert references.urls[3] == "https://qdrant.example/backups"


def test_the_summarys_risks_stop_at_five_and_say_where_the_rest_are():
    from vectorscout.decision.conflicts import ScenarioWarning
    from vectorscout.reporting.sections import SUMMARY_RISKS, References, executive_summary

    data = executive_data(warnings=[ScenarioWarning(f"warning {i}.") for i in range(7)])
    parts = {part.heading: part.lines for part in executive_summary(data, References())}
    assert SUMMARY_RISKS == 5
    assert parts["Risks and open questions"] == ["warning 0.", "warning 1.", "warning 2.", "warning 3.",
                                                 "3 more in 'The recommendation in detail' below."]
    data = executive_data(warnings=[ScenarioWarning(f"warning {i}.") for i in range(5)])
    assert {p.heading: p.lines for p in executive_summary(data, References())}["Risks and open questions"] == [
        f"warning {i}." for i in range(5)]  # five fit whole


def test_the_summarys_cost_line_for_one_engine_none_and_no_scenario():
    from vectorscout.reporting.sections import References, executive_summary

    data = executive_data(excluded_cost=True)
    cost = {p.heading: p.lines for p in executive_summary(data, References())}["Cost"]
    assert cost == ["Self-hosted, qdrant: $948 per month at the scenario's size (instances, nodes and assumptions in "
                    "the Cost section)."]
    data.cost = SimpleNamespace(lines=lambda: [SimpleNamespace(engine="faiss", usd_per_month=5.0)])
    assert {p.heading: p.lines for p in executive_summary(data, References())}["Cost"] == [
        "No engine the scenario allows could be priced; the Cost section says why for each."]
    bare = executive_summary(ReportData(runs=[run_of(row("qdrant", 0.95, 10.0))]), References())
    assert [p.heading for p in bare] == ["Decision", "What was measured"]
    assert bare[0].lines[0].startswith("No scenario was given")


def ladder(qps_at, sizes=(25_000, 50_000, 100_000, 200_000)):
    runs = []
    for n in sizes:
        run = run_of(row("hnswlib", 0.99, qps_at(n), insert_s=n / 1000, index_s=0.0))
        run.run_id, run.dataset.n, run.dataset.spec = f"l{n}", n, f"synthetic:n={n},dim=8,decay=1"
        runs.append(run)
    return runs


def test_the_scaling_section_gives_each_curves_check_and_its_figure_at_the_scenarios_sizes():
    from vectorscout.decision.scenario import Scenario
    from vectorscout.reporting.sections import build_report, scaling_rows, table_sections

    runs = ladder(lambda n: 1e5 * n ** -0.5)
    scenario = Scenario("s", {"vectors_now": 8_000_000, "vectors_24m": 16_000_000, "dimensions": 8, "peak_qps": 10,
                              "recall_target": 0.9})
    data = build_report(runs, scenario)
    header, body = scaling_rows(data)
    assert header[3] == "Check: its largest size from the smaller ones"
    qps = next(line for line in body if line[1] == "QPS, one client")
    assert qps[0] == "hnswlib, hnsw (ef=64), 8 dimensions, 25,000–200,000 vectors (4 sizes)"
    assert qps[2] == "c × n^b (a power law): the only model for this figure"
    assert qps[3] == f"200,000: predicted {1e5 * 200_000 ** -0.5:,.3g} queries/s, measured " \
                     f"{1e5 * 200_000 ** -0.5:,.3g} queries/s (off by 0%)"
    # an exact power law: at 8M, 1e5 / sqrt(8e6) = 35.4 QPS, 40x the largest size
    assert qps[4].startswith("now 35.4 queries/s (35.4 queries/s–35.4 queries/s), long extrapolation: 40×")
    assert "in 24 months 25 queries/s" in qps[4]
    recall = next(line for line in body if line[1] == "Recall at the ladder's setting")
    assert recall[3] == "200,000: predicted 0.990, measured 0.990 (off by 0.000)"
    memory = [line for line in body if line[1] == "Engine memory"]
    assert memory == []  # no stages recorded: memory was not measured, so no curve is drawn for it
    titles = [section.title for section in table_sections(data)]
    assert "Scaling curves" in titles and "Where the cost figures come from" in titles
    evidence = next(s for s in table_sections(data) if s.title == "Where the cost figures come from")
    engine, monthly, throughput, memory = evidence.body[0]
    assert engine == "hnswlib" and "(" in monthly and "scale ladder hnswlib" in throughput and memory


def test_reports_without_a_ladder_or_a_scenario_leave_the_sections_out():
    from vectorscout.reporting.sections import build_report, table_sections

    titles = [section.title for section in table_sections(build_report(ladder(lambda n: 100.0)[:2]))]
    assert "Scaling curves" not in titles and "Where the cost figures come from" not in titles
