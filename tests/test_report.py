"""Reports: every format from the CLI, the HTML opened in real Chromium (charts drawn, nothing fetched from
elsewhere, injected script inert), the PDF's text read back with pdftotext, and a report rerun."""

import json
import re
import subprocess
from html.parser import HTMLParser

import pytest
from conftest import ARTIFACTS, require_tool, screenshot
from test_tables import literal_in

from vectorscout.benchmarking.plan import RunPlan
from vectorscout.benchmarking.runner import execute
from vectorscout.benchmarking.specs import parse_engines
from vectorscout.cli import main
from vectorscout.decision.scenario import Scenario
from vectorscout.glossary import IDENTIFIER
from vectorscout.reporting.markdown import md_escape
from vectorscout.reporting.report import write_report
from vectorscout.reporting.rerun import read_reproduction
from vectorscout.reporting.sections import ReportError, build_report
from vectorscout.results.store import ResultsStore

INJECTED = "<script>window.injected = 1; alert('x')</script>"
SECRET_URL = "postgresql://admin:hunter2-secret@db.example/prod"


@pytest.fixture
def stored():
    # user text in every field a report shows: the run's label, its filter, and (below) the scenario's name
    plan = RunPlan(dataset="synthetic:n=400,dim=8,queries=20", engines=parse_engines("faiss,hnswlib:ef=16|64"), k=5,
                   label=f"label {INJECTED} {SECRET_URL}", isolate=False, filter=f"category in ['a', \"{INJECTED}\"]")
    return execute(plan, ResultsStore())


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "scenario.json"
    path.write_text(Scenario(f"Shop {INJECTED}", {"vectors_now": 2_000_000, "dimensions": 8, "peak_qps": 100,
                                                   "recall_target": 0.9}).to_json())
    return path


def test_cli_writes_every_format(stored, scenario_file, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["report", "--runs", stored.run_id, "--scenario", str(scenario_file), "--out", str(out)]) == 0
    for name in ("report.html", "report.pdf", "report.md", "report.json", "measurements.csv", "chart-pareto.png"):
        assert (out / name).stat().st_size > 0, name
    everything = "".join((out / n).read_text(errors="replace") for n in ("report.html", "report.md", "report.json",
                                                                         "measurements.csv"))
    assert "hunter2-secret" not in everything
    html = (out / "report.html").read_text()
    assert INJECTED not in html and "&lt;script&gt;window.injected" in html
    markdown = (out / "report.md").read_text()
    assert "![pareto](chart-pareto.png)" in markdown and INJECTED not in markdown
    csv_lines = (out / "measurements.csv").read_text().splitlines()
    assert len(csv_lines) == 1 + len(stored.results) and "recall" in csv_lines[0]
    document = json.loads((out / "report.json").read_text())
    assert document["reproduction"]["runs"][0]["dataset_hash"] == stored.dataset.hash
    assert [r["engine"] for r in document["runs"][0]["results"]] == ["faiss", "hnswlib", "hnswlib"]


def test_pdf_text_has_summary_methodology_and_every_engine(stored, scenario_file, tmp_path):
    require_tool("pdftotext")
    out = tmp_path / "r"
    assert main(["report", "--runs", stored.run_id, "--scenario", str(scenario_file), "--out", str(out),
                 "--formats", "pdf"]) == 0
    text = subprocess.run(["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("Executive summary", "Recommended:", "Methodology", "recall@k (ID overlap)", "Feature matrix",
                     "Raw measurements", "faiss", "hnswlib", "Cost"):
        assert expected in text, expected
    assert "hunter2-secret" not in text


class VisibleText(HTMLParser):
    """The text a reader sees in an HTML report: everything outside <script> and <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = 0
        self.lines: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.lines.append(data.strip())


def test_report_bodies_read_without_python_or_json_literals(stored, scenario_file, tmp_path):
    """Tables and text of the HTML, Markdown and PDF: no dict, list or None printed as Python, no float at
    machine precision; the Pareto frontiers and the cost assumptions as tables. The PDF's pages are kept as
    images (pdftoppm) for review."""
    require_tool("pdftotext")
    require_tool("pdftoppm")
    out = tmp_path / "r"
    assert main(["report", "--runs", stored.run_id, "--scenario", str(scenario_file), "--out", str(out),
                 "--formats", "html,md,pdf"]) == 0
    visible = VisibleText()
    visible.feed((out / "report.html").read_text())
    markdown = (out / "report.md").read_text().splitlines()
    pdf = subprocess.run(["pdftotext", "-layout", str(out / "report.pdf"), "-"], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    for name, lines in (("html", visible.lines), ("markdown", markdown), ("pdf", pdf)):
        assert not literal_in(lines), (name, literal_in(lines)[:5])
    text = " ".join(visible.lines)
    assert "Pareto frontiers" in text and "Memory headroom" in text and "25 %" in text
    assert sum(line.startswith("Sensitivity") for line in visible.lines) == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("report-pdf-page*.png"):
        old.unlink()
    pages = subprocess.run(["pdftoppm", "-r", "60", "-png", str(out / "report.pdf"), str(ARTIFACTS / "report-pdf-page")],
                           capture_output=True, text=True)
    assert pages.returncode == 0, pages.stderr
    assert sorted(ARTIFACTS.glob("report-pdf-page*.png"))


@pytest.mark.browser
def test_html_renders_charts_offline_in_chromium(stored, tmp_path, page):
    out = tmp_path / "r"
    write_report(build_report([stored]), out, ["html"])
    # plotly.js packed (gzip, base85) and unpacked by the browser: under 2 MB with every chart, not 4.9 MB
    assert (out / "report.html").stat().st_size < 2_000_000
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(("file://", "data:", "blob:")) else elsewhere.append(r.url))
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto((out / "report.html").as_uri())
    page.wait_for_selector("#chart-pareto .main-svg", timeout=30_000)
    assert page.locator(".plotly-graph-div .main-svg").count() >= 4
    assert page.locator("#chart-pareto .scatterlayer .trace").count() >= 2  # points drawn, not an empty frame
    assert page.evaluate("window.injected") is None and not dialogs
    assert elsewhere == []
    assert "Executive summary" in page.inner_text("body")
    screenshot(page, "report-html")


def test_rerun_measures_again_and_shows_both(stored, tmp_path, capsys):
    out = tmp_path / "r"
    write_report(build_report([stored]), out, ["html"])
    capsys.readouterr()
    assert main(["rerun", str(out / "report.html"), "--format", "json", "--quiet"]) == 0
    (comparison,) = json.loads(capsys.readouterr().out)
    assert comparison["old_run"] == stored.run_id and comparison["new_run"] != stored.run_id
    rows = comparison["rows"]
    assert [r["engine"] for r in rows] == ["faiss", "hnswlib", "hnswlib"]
    assert all(r["qps_old"] and r["qps_new"] and r["qps_ratio"] for r in rows)
    assert rows[0]["recall_old"] == rows[0]["recall_new"] == 1.0
    assert main(["rerun", str(out / "report.html")]) == 0
    assert "QPS (report)" in capsys.readouterr().out


def test_rerun_refuses_a_changed_dataset_and_a_file_that_is_no_report(stored, tmp_path):
    out = tmp_path / "r"
    write_report(build_report([stored]), out, ["json"])
    document = json.loads((out / "report.json").read_text())
    document["reproduction"]["runs"][0]["dataset_hash"] = "0" * 64
    (out / "report.json").write_text(json.dumps(document))
    assert main(["rerun", str(out / "report.json")]) == 2
    other = tmp_path / "page.html"
    other.write_text("<html><body>hello</body></html>")
    with pytest.raises(ReportError, match="not a VectorScout report"):
        read_reproduction(other)
    assert main(["rerun", str(other)]) == 2


def test_bad_report_requests_are_refused(stored, tmp_path):
    with pytest.raises(ReportError, match="unknown format"):
        write_report(build_report([stored]), tmp_path, ["docx"])
    with pytest.raises(ReportError, match="at least one stored run"):
        build_report([])
    assert main(["report", "--runs", "no-such-run", "--out", str(tmp_path)]) == 2


def test_markdown_escaping():
    assert md_escape("a|b <img src=x> [link](http://x)") == r"a\|b \<img src=x\> \[link\]\(http://x\)"


def test_a_report_without_chromium_says_how_to_get_it(stored, tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium"))
    monkeypatch.setenv("PATH", str(tmp_path))  # kaleido finds no browser on the PATH either
    with pytest.raises(ReportError, match="install Debian's chromium"):
        write_report(build_report([stored]), tmp_path / "r", ["md"])


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_written_as_text():
    import pandas as pd

    from vectorscout.reporting.report import spreadsheet_safe

    frame = pd.DataFrame({"filter": ["=HYPERLINK(\"http://x\")", "+1", "-cmd", "@SUM(A1)", "\tx", "\rx", "tag == 3"],
                          "recall": [0.9, -0.5, 1.0, 0.0, 0.1, 0.2, 0.3]})
    safe = spreadsheet_safe(frame)
    assert safe["filter"].tolist() == ["'=HYPERLINK(\"http://x\")", "'+1", "'-cmd", "'@SUM(A1)", "'\tx", "'\rx", "tag == 3"]
    assert safe["recall"].tolist() == [0.9, -0.5, 1.0, 0.0, 0.1, 0.2, 0.3]  # numbers stay numbers


def test_the_written_measurements_csv_neutralises_a_formula_in_a_label(tmp_path):
    import csv

    plan = RunPlan(dataset="synthetic:n=200,dim=8,queries=10", engines=parse_engines("faiss"), k=5, isolate=False)
    document = execute(plan, ResultsStore()).to_dict()
    document["run_id"] = "20261204-000000-c5v000"
    document["results"][0]["engine_version"] = '=HYPERLINK("http://example.invalid","x")'  # an imported run's text
    ResultsStore().import_run(document)
    assert main(["report", "--runs", document["run_id"], "--out", str(tmp_path / "r"), "--formats", "csv"]) == 0
    cells = [cell for row in csv.reader((tmp_path / "r" / "measurements.csv").open()) for cell in row]
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    assert """'=HYPERLINK("http://example.invalid","x")""" in cells


# an identifier in running text; code named as code passes: a setting as written, name and value
# ("ef_construction=200", "iterative_scan=relaxed_order"), a qualified call ("index.set_num_threads",
# "time.perf_counter_ns") and a platform string ("Linux-6.1-x86_64")
URL = re.compile(r"https?://\S+")


def test_a_workshop_report_speaks_in_words_and_its_summary_is_the_first_page_alone(stored, tmp_path):
    """The answers an EU client gives (a managed service, residency, encryption at rest, a budget): no identifier
    with underscores and no "None" in what a reader sees of the HTML, Markdown and PDF, budgets as numbers with
    separators, and the executive summary whole on page one of the PDF, the detail from page two."""
    require_tool("pdftotext")
    scenario = tmp_path / "eu.json"
    scenario.write_text(Scenario("EU insurer", {
        "vectors_now": 20_000_000, "dimensions": 768, "peak_qps": 200, "recall_target": 0.9,
        "deployment": "managed_cloud", "cloud_region": "europe", "high_availability": True, "budget_per_month": 8000,
        "security": ["rbac", "tls", "encryption_at_rest", "data_residency"]}).to_json())
    out = tmp_path / "r"
    assert main(["report", "--runs", stored.run_id, "--scenario", str(scenario), "--out", str(out),
                 "--formats", "html,md,pdf"]) == 0
    visible = VisibleText()
    visible.feed((out / "report.html").read_text())
    pdf = subprocess.run(["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True,
                         check=True).stdout
    for name, text in (("html", " ".join(visible.lines)), ("markdown", (out / "report.md").read_text()), ("pdf", pdf)):
        assert_no_identifier_or_none(name, text)
    assert "| Budget per month (USD) | 8,000 |" in (out / "report.md").read_text().replace("\\(", "(").replace("\\)", ")")
    assert_summary_alone_on_page_one(out / "report.pdf")


def assert_no_identifier_or_none(name: str, text: str) -> None:
    """No snake_case identifier and no "None" in a report's text (addresses aside)."""
    words = URL.sub(" ", text.replace("\\_", "_"))
    assert not IDENTIFIER.findall(words), (name, sorted(set(IDENTIFIER.findall(words)))[:10])
    assert not re.search(r"\bNone\b", words), name


def assert_summary_alone_on_page_one(pdf_path) -> None:
    """The PDF's executive summary is its first page, whole and alone, with sources as numbers."""
    pdf = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout
    first, second = (subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf_path), "-"],
                                    capture_output=True, text=True, check=True).stdout for page in (1, 2))
    for heading in ("Executive summary", "Decision", "What was measured", "Risks and open questions", "Cost"):
        assert heading in first, heading
    assert "The recommendation in detail" not in first and second.lstrip().startswith("The recommendation in detail")
    assert "https://" not in first  # sources are numbers on the page, addresses in the References
    assert "References" in pdf and re.search(r"\[1\] https://", pdf)


def test_every_format_shows_the_outline_sections_in_its_order(stored, scenario_file, tmp_path):
    """One ordered outline: the HTML's, the Markdown's and the PDF's sections are the outline's, in its order (the
    PDF once put the Pareto and scaling tables before the raw measurements, the other two after them)."""
    import html as html_module

    from vectorscout.reporting.outline import Heading, outline

    require_tool("pdftotext")
    out = tmp_path / "r"
    assert main(["report", "--runs", stored.run_id, "--scenario", str(scenario_file), "--out", str(out),
                 "--formats", "html,md,pdf"]) == 0
    scenario = Scenario.from_json(scenario_file.read_text())
    expected = [block.text for block in outline(build_report([stored], scenario)).blocks
                if isinstance(block, Heading) and block.level == 2]
    assert {"Executive summary", "Cost", "Raw measurements", "Pareto frontiers", "Reproduce"} <= set(expected)
    in_html = [html_module.unescape(h) for h in re.findall(r"<h2>(.*?)</h2>", (out / "report.html").read_text())]
    in_markdown = [line[3:].replace("\\", "") for line in (out / "report.md").read_text().splitlines()
                   if line.startswith("## ")]
    assert in_html == expected and in_markdown == expected
    pdf = subprocess.run(["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    lines = [line.strip() for line in pdf.splitlines()]
    position = 0
    for heading in expected:  # each heading as a line of its own after the one before it
        assert heading in lines[position:], f"{heading!r} is not after the previous section in the PDF"
        position = lines.index(heading, position) + 1
