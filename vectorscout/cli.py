"""``python -m vectorscout``: run benchmarks and manage stored runs from the shell.

Exit status: 0 success, 1 when an engine failed (its row says why), 2 for bad input (nothing stored).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adapters.registry import adapter_class, engine_names
from vectorscout.benchmarking.plan import PlanError, RunPlan
from vectorscout.benchmarking.run_queue import QueueEntry, RunQueue, describe, run_job, turn
from vectorscout.benchmarking.specs import parse_engines
from vectorscout.contract.spec_text import SpecError
from vectorscout.home import HomeError
from vectorscout.process.progress import CancelToken, Progress, StageClock
from vectorscout.results.analysis import engine_label
from vectorscout.results.documents import finite, run_document, run_to_json
from vectorscout.results.records import ResultRow, Run
from vectorscout.results.scaling import describe_error, figure_text
from vectorscout.results.store import ReadOnlyHome, ResultsStore, StoreError

if TYPE_CHECKING:
    from vectorscout.decision.scenario import Scenario


class UsageError(Exception):
    """Bad input from the user: one line to stderr, exit status 2."""


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def results_table(rows: list[ResultRow]) -> str:
    header = ["engine", "where", "index", "search", "clients", "status", "recall", "recall_d", "p50_ms", "p95_ms",
              "p99_ms", "qps", "insert_s", "index_s"]
    lines = [header]
    for r in rows:
        search = ",".join(f"{k}={v}" for k, v in r.search_params.items()) or "-"
        lines.append([
            engine_label(r), "/".join(filter(None, (r.deployment, r.endpoint))) or "-", r.index, search, str(r.concurrency),
            r.status, _fmt(r.recall), _fmt(r.recall_distance),
            _fmt(r.latency_p50_ms), _fmt(r.latency_p95_ms), _fmt(r.latency_p99_ms), _fmt(r.qps, 0),
            _fmt(r.insert_s, 2), _fmt(r.index_s, 2),
        ])
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    text = "\n".join("  ".join(str(cell).ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines)
    notes = [f"{engine_label(r)}: {r.error}" for r in rows if r.error] + [
        f"{engine_label(r)} recall collapse: {r.diagnosis}" for r in rows if r.diagnosis]
    return text + ("\n\n" + "\n".join(notes) if notes else "")


def streaming_text(rows: list[ResultRow]) -> str:
    """The streaming rows' summary and each one's windows as text ("" when the run did not stream)."""
    from vectorscout.reporting.tables import stream_summary_table, stream_windows_table

    streamed = [r for r in rows if r.streaming is not None]
    if not streamed:
        return ""
    parts = ["", "streaming and freshness:", stream_summary_table(streamed).to_string(index=False)]
    for row in streamed:
        parts += ["", f"{engine_label(row)} ({row.index}) during the stream:", stream_windows_table(row).to_string(index=False)]
    return "\n".join(parts)


def hybrid_text(rows: list[ResultRow]) -> str:
    """The hybrid rows' quality table as text ("" when the run measured vector search only)."""
    from vectorscout.reporting.tables import HYBRID_NOTE, hybrid_table

    hybrid = [r for r in rows if r.hybrid is not None]
    if not hybrid:
        return ""
    return "\n".join(["", "hybrid search quality:", hybrid_table(hybrid).to_string(index=False), "", HYBRID_NOTE])


def details_text(rows: list[ResultRow]) -> str:
    """What follows a run's table: how tuned settings were found, the streaming and hybrid figures."""
    from vectorscout.reporting.tables import tuning_lines

    tuned = tuning_lines(rows)
    parts = ["\n".join(["", "tuned to a recall target (each setting read on queries other than those that chose it):",
                         *tuned]) if tuned else "", streaming_text(rows), hybrid_text(rows)]
    return "\n".join(part for part in parts if part)


def _print_progress_lines() -> Any:
    """Progress on stderr: a redrawn bar per stage in a terminal, else a line per tenth (readable in a log)."""
    last: dict[str, Any] = {}
    clock = StageClock()
    terminal = sys.stderr.isatty()

    def show(event: Progress) -> None:
        elapsed, eta = clock.observe(event)
        left = f", ETA {eta:.0f} s" if eta is not None and event.done < event.total else ""
        if terminal:
            filled = int(24 * event.fraction)
            line = (f"\r[{event.engine}] {event.stage} [{'#' * filled}{'.' * (24 - filled)}] "
                    f"{100 * event.fraction:3.0f}% ({elapsed:.1f} s{left})")
            print(line[:150].ljust(last.get("width", 0)), end="\n" if event.done >= event.total else "",
                  file=sys.stderr, flush=True)
            last["width"] = min(150, len(line))
            return
        key = (event.engine, event.stage, int(10 * event.fraction))
        if last.get("key") == key:
            return
        last["key"] = key
        print(f"[{event.engine}] {event.stage}: {event.done:,}/{event.total:,} ({elapsed:.1f} s{left})",
              file=sys.stderr, flush=True)

    return show


def _requested_by() -> str:
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown user"
    return f"the CLI (pid {os.getpid()}, {user})"


def _waiting(ahead: list[QueueEntry]) -> None:
    if ahead:
        print(f"waiting for the run queue ({len(ahead)} ahead): now {describe(ahead[0])}; Ctrl-C leaves the queue",
              file=sys.stderr, flush=True)


def run_queued(plans: list[RunPlan], quiet: bool) -> list[Run]:
    """Run the plans when the home's run queue gets to them: one benchmark at a time per home, whoever asks."""
    store = ResultsStore()
    job_id = RunQueue(store).submit(plans, _requested_by())
    try:
        return run_job(store, job_id, None if quiet else _print_progress_lines(), _waiting, plans)
    except PlanError as exc:
        raise UsageError(str(exc)) from None


def cmd_run(args: argparse.Namespace) -> int:
    from vectorscout.benchmarking.plans import PlanFileError, load_plan

    if bool(args.plan) == bool(args.engines):
        raise UsageError("give either --engines or --plan")
    if args.plan:
        try:
            plans = load_plan(Path(args.plan)).runs
        except PlanFileError as exc:
            raise UsageError(str(exc)) from None
    else:
        try:
            engines = parse_engines(args.engines)
        except SpecError as exc:
            raise UsageError(str(exc)) from None
        plans = [RunPlan(dataset=args.dataset, engines=engines, k=args.k, filter=args.filter, label=args.label or "",
                         batch_size=args.batch_size)]
    for plan in plans:
        plan.isolate = not args.in_process
        if args.concurrency:
            plan.concurrency = args.concurrency
        if args.repetitions is not None:
            plan.repetitions = args.repetitions
        if args.duration_s is not None:
            plan.duration_s = args.duration_s
        if args.locust_workers:
            plan.load_driver, plan.locust_workers = "locust", args.locust_workers
        if args.timeout_s is not None:
            plan.timeout_s = args.timeout_s
        if args.memory_limit_mb is not None:
            plan.memory_limit_mb = args.memory_limit_mb
        for option in ("stream_vectors", "stream_rate", "stream_clients", "stream_window_s", "hybrid_depth", "tune_recall"):
            if getattr(args, option) is not None:
                setattr(plan, option, getattr(args, option))
        plan.hybrid = plan.hybrid or args.hybrid
    runs = run_queued(plans, args.quiet)
    if args.format == "json":
        documents = [run_document(run) for run in runs]
        print(json.dumps(documents[0] if len(documents) == 1 else {"runs": documents}, indent=2))
    else:
        for run in runs:
            print(f"run {run.run_id} ({run.status}) on {run.dataset.name}, k={run.k}")
            print(results_table(run.results))
            print(details_text(run.results))
    return 1 if any(run.failed_engines for run in runs) else 0


def _get_run(store: ResultsStore, run_id: str) -> Run:
    try:
        return store.get_run(run_id)
    except KeyError:
        raise UsageError(f"no stored run {run_id!r}; see 'python -m vectorscout runs list'") from None


def cmd_runs(args: argparse.Namespace) -> int:
    store = ResultsStore()
    if args.runs_command == "list":
        summaries = store.list_runs(args.limit)
        if args.format == "json":
            print(json.dumps([s.__dict__ for s in summaries], indent=2))
        else:
            for s in summaries:
                print(f"{s.run_id}  {s.created_at}  {s.status:<11}  {s.dataset:<24}  k={s.k:<4} {','.join(s.engines)}")
        return 0
    if args.runs_command == "show":
        run = _get_run(store, args.run_id)
        if args.format == "json":
            print(run_to_json(run))
        else:
            print(f"run {run.run_id} ({run.status}) on {run.dataset.name}, k={run.k}, created {run.created_at}")
            print(results_table(run.results))
            print(details_text(run.results))
        return 0
    if args.runs_command == "export":
        text = run_to_json(_get_run(store, args.run_id))
        if args.out:
            Path(args.out).write_text(text + "\n")
            print(f"exported run {args.run_id} to {args.out}", file=sys.stderr)
        else:
            print(text)
        return 0
    if args.runs_command == "queue":
        entries = RunQueue(store).active()
        for place, entry in enumerate(entries):
            print(f"{'running' if entry.state == 'running' else f'waiting ({place} ahead)'}: {describe(entry)}")
        if not entries:
            print("nothing running or waiting")
        return 0
    if args.runs_command == "cancel":
        queue = RunQueue(store)
        try:
            entry = queue.get(args.job_id)
        except KeyError:
            raise UsageError(f"no queued or running job {args.job_id!r}; see 'python -m vectorscout runs queue'") from None
        if not entry.active:
            raise UsageError(f"job {args.job_id} has already ended ({entry.state})")
        queue.request_cancel(args.job_id)
        print(f"asked job {args.job_id} to stop; it ends at its next check (within seconds)")
        return 0
    # import
    path = Path(args.file)
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read run export {path}: {exc}") from None
    if not isinstance(data, dict) or "run_id" not in data:
        raise UsageError(f"{path} is not a VectorScout run export (no run_id)")
    try:
        run = store.import_run(data)
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    print(f"imported run {run.run_id}")
    return 0


def cmd_engines(args: argparse.Namespace) -> int:
    listing: list[dict[str, Any]] = []
    for name in engine_names():
        cls = adapter_class(name)
        caps = cls.capabilities
        listing.append({
            "engine": name, "name": cls.display_name, "metrics": sorted(m.value for m in caps.metrics),
            "index_types": {
                spec.name: {"build": [p.name for p in spec.build_params], "search": [p.name for p in spec.search_params]}
                for spec in caps.index_types
            },
            "filtering": caps.filtering, "deployment": cls.deployment(), "embedded": caps.embedded,
            "runs": list(cls.what_runs),
        })
    if args.format == "json":
        print(json.dumps(listing, indent=2))
    else:
        for item in listing:
            indexes = "; ".join(
                f"{name}(build: {', '.join(p['build']) or '-'}; search: {', '.join(p['search']) or '-'})"
                for name, p in item["index_types"].items()
            )
            where = item["deployment"]
            print(f"{item['engine']:<10} {where:<9} filter={'yes' if item['filtering'] else 'no':<4} {indexes}")
            for line in item["runs"]:  # what actually runs, by connection
                print(f"{'':<10} runs: {line}")
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    from vectorscout.data.datasets import dataset_listing
    from vectorscout.data.importers import DatasetImportError, import_isolated

    if args.datasets_command == "list":
        listing = dataset_listing()
        if args.format == "json":
            print(json.dumps(finite(listing), indent=2))
        else:
            for d in listing:
                size = f"{d['n']:,}x{d['dim']}" if d.get("n") else "any size"
                qrels = "yes" if d.get("has_qrels") else "no"
                print(f"{d['name']:<16} {d['kind']:<9} {size:<14} {d['metric']:<6} qrels={qrels:<3} "
                      f"{d.get('source', '')} [{d.get('license', '')}]")
        return 0
    last = {"shown": -1}

    def progress(done: int, total: int) -> None:
        step = max(1, total // 20)
        if done == total or done // step != last["shown"]:
            last["shown"] = done // step
            print(f"\rembedding {done:,}/{total:,}", end="\n" if done == total else "", file=sys.stderr, flush=True)

    if args.datasets_command == "download":
        from vectorscout.data.downloads import DownloadError, download_dataset

        def fetched(done: int, total: int | None) -> None:
            print(f"\rdownloaded {done:,}" + (f"/{total:,} bytes" if total else " bytes"), end="", file=sys.stderr)

        try:
            entry = download_dataset(args.name, fetched, url=args.url, as_name=args.as_name)
        except (DownloadError, DatasetImportError) as exc:
            print(file=sys.stderr)
            raise UsageError(str(exc)) from None
        print(file=sys.stderr)
        print(f"downloaded and imported {entry['name']}: {entry['n']:,} vectors x {entry['dim']}")
        return 0
    options = {key: value for key, value in (("vector_column", args.vector_column), ("queries", args.queries),
                                              ("license", args.license)) if value is not None}
    try:
        entry = import_isolated(Path(args.path), args.format, args.name, args.metric, progress=progress,
                                replace_ground_truth=args.replace_ground_truth, **options)
    except DatasetImportError as exc:
        raise UsageError(str(exc)) from None
    print(f"imported {entry['name']}: {entry['n']:,} vectors x {entry['dim']}, {entry['queries']:,} queries, "
          f"metric {entry['metric']}; ground truth {entry['ground_truth_check']}")
    return 0


def _read_scenario(path: str) -> Scenario:
    from vectorscout.decision.scenario import Scenario, ScenarioError

    try:
        return Scenario.from_json(Path(path).read_text())
    except OSError as exc:
        raise UsageError(f"cannot read scenario {path}: {exc.strerror}") from None
    except ScenarioError as exc:
        raise UsageError(f"{path}: {exc}") from None


def _scenario_and_runs(args: argparse.Namespace) -> tuple[Scenario, list[str], list[Run]]:
    scenario = _read_scenario(args.scenario)
    store = ResultsStore()
    run_ids = [r for r in (args.runs or "").split(",") if r]
    return scenario, run_ids, [_get_run(store, run_id) for run_id in run_ids]


def cmd_cost(args: argparse.Namespace) -> int:
    from vectorscout.decision.cost import CostError, cost_report
    from vectorscout.decision.recommend import excluded_engines, recommend
    from vectorscout.reporting.tables import money

    scenario, run_ids, runs = _scenario_and_runs(args)
    if args.calibrate:
        calibration = _calibration_runs(scenario.answers, runs, args)
        runs, run_ids = runs + calibration, run_ids + [run.run_id for run in calibration]
    if args.ladder:
        ladder = _ladder_runs(scenario.answers, runs, args)
        runs, run_ids = runs + ladder, run_ids + [run.run_id for run in ladder]
    try:
        report = cost_report(scenario.answers, runs, scenario.cost,
                             excluded=excluded_engines(recommend(scenario, runs).ranking))
    except CostError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        print(json.dumps(finite(report.to_dict() if args.details else [e.summary() for e in report.estimates]), indent=2))
        return 0
    answers = scenario.answers
    print(f"Cost for {scenario.name!r}: {answers['vectors_now']:,} vectors x {answers['dimensions']}, peak "
          f"{answers['peak_qps']:,} QPS, recall >= {answers['recall_target']:g}; runs {', '.join(run_ids) or 'none'}; "
          f"priced in {report.assumptions['provider']} {report.assumptions['region']}")
    if report.region_note:
        print(f"  region: {report.region_note}")
    for line in report.lines():
        if line.usd_per_month is None:
            print(f"  {line.engine}: {line.status} ({line.note})")
            continue
        grown = money(line.usd_per_month_in_24_months, line.status_in_24_months)
        if not (line.usd_per_month_range and line.nodes_range):
            spread = " (no interval: one size measured)"
        elif line.nodes_range[0] == line.nodes_range[1]:
            spread = f" (the throughput's 95 % interval does not move it: bound by {line.bound_by})"
        else:
            spread = (f" (95 % interval {line.nodes_range[0]}–{line.nodes_range[1]} nodes, "
                      f"{money(line.usd_per_month_range[0])}–{money(line.usd_per_month_range[1])})")
        print(f"  {line.engine}: {line.shape}, {line.nodes} x {line.instance} (bound by {line.bound_by}), "
              f"{money(line.usd_per_month)}/month{spread}, {money(line.usd_per_million_queries, 'n/a')} per million "
              f"queries; in 24 months {grown}/month")
        print(f"      RAM per node: {line.ram_per_node}")
        print(f"      throughput: {line.throughput_evidence}")
        print(f"      memory: {line.memory_evidence}")
    return 0


def _ladder_runs(answers: dict[str, Any], runs: list[Run], args: argparse.Namespace) -> list[Run]:
    """Measure each costed engine's setting at the ladder's sizes of the scenario's dimension (stored runs)."""
    import psutil

    from vectorscout.benchmarking.plans import ladder_seconds, ladder_sizes, scale_ladder
    from vectorscout.decision.cost import ladder_settings

    settings = ladder_settings(answers, runs)
    if not settings:
        raise UsageError("--ladder needs runs in which an engine reached the recall target (give --runs)")
    dim = int(answers["dimensions"])
    sizes = args.ladder_sizes or ladder_sizes(dim, psutil.virtual_memory().available)
    if len(sizes) < 3:
        raise UsageError(f"a scale ladder needs three sizes; this machine's memory holds {len(sizes)} at {dim} "
                         "dimensions (give --ladder-sizes)")
    plans = scale_ladder(settings, dim, sizes)
    minutes = ladder_seconds(settings, dim, sizes) / 60
    print(f"scale ladder: {', '.join(s.engine for s in settings)} at {', '.join(f'{n:,}' for n in sizes)} x {dim}; "
          f"about {minutes:.0f} min on this machine", file=sys.stderr, flush=True)
    return run_queued(plans, args.quiet)


def cmd_scale(args: argparse.Namespace) -> int:
    from vectorscout.results.scaling import ladders

    store = ResultsStore()
    run_ids = [r for r in (args.runs or "").split(",") if r] or [s.run_id for s in store.list_runs(100_000)]
    found = ladders([_get_run(store, run_id) for run_id in run_ids])
    if args.format == "json":
        print(json.dumps(finite([_ladder_document(ladder, args.at) for ladder in found]), indent=2))
        return 0
    if not found:
        print("no scale ladder: no setting was measured at three or more sizes of one family of data "
              "(cost --ladder, or the Cost page's scale ladder, measures one)")
    for ladder in found:
        print(f"{ladder.label}; runs {', '.join(ladder.run_ids)}")
        for curve in ladder.curves.values():
            check = curve.check
            checked = (f"predicted {figure_text(curve.figure, check.predicted)} at {check.size:,} from the smaller sizes, "
                       f"measured {figure_text(curve.figure, check.measured)} (off by "
                       f"{describe_error(curve.figure, check.error)})" if check else "no held-out check")
            print(f"  {curve.figure.label}: {curve.why}; {checked}")
            for n in args.at:
                at = curve.at(n)
                interval = (f" (95 % interval {figure_text(curve.figure, at.interval[0])}–"
                            f"{figure_text(curve.figure, at.interval[1])})" if at.interval else "")
                print(f"      at {n:,}: {figure_text(curve.figure, at.value)}{interval}; {at.reach}")
    return 0


def _ladder_document(ladder: Any, sizes: tuple[int, ...]) -> dict[str, Any]:
    from dataclasses import asdict

    return {"ladder": ladder.label, "key": asdict(ladder.key), "runs": ladder.run_ids, "sizes": list(ladder.sizes),
            "curves": {key: {"model": curve.line.model.name, "why": curve.why, "points": curve.points,
                             "held_out": asdict(curve.check) if curve.check else None,
                             "predictions": [{"n": p.n, "value": p.value, "interval": p.interval, "long": p.long}
                                             for p in map(curve.at, sizes)]}
                       for key, curve in ladder.curves.items()}}


def _calibration_runs(answers: dict[str, Any], runs: list[Run], args: argparse.Namespace) -> list[Run]:
    """Measure the memory of every engine the runs cost, at two sizes of the scenario's dimension."""
    from vectorscout.benchmarking.plans import memory_calibration
    from vectorscout.decision.cost import measure_engines

    measures, _ = measure_engines(runs, float(answers["recall_target"]), answers.get("deployment"))
    if not measures:
        raise UsageError("--calibrate needs runs in which an engine reached the recall target (give --runs)")
    settings = [(m.engine, m.index, m.build_params) for m in measures.values()]
    plans = memory_calibration(settings, int(answers["dimensions"]), args.calibration_sizes)
    print(f"calibrating memory: {', '.join(plan.label for plan in plans)}", file=sys.stderr, flush=True)
    return run_queued(plans, args.quiet)


def cmd_report(args: argparse.Namespace) -> int:
    from vectorscout.reporting.report import write_report
    from vectorscout.reporting.sections import ReportError, build_report

    store = ResultsStore()
    runs = [_get_run(store, run_id) for run_id in args.runs.split(",") if run_id.strip()]
    scenario = _read_scenario(args.scenario) if args.scenario else None
    try:
        written = write_report(build_report(runs, scenario), Path(args.out), args.formats.split(","),
                               progress=lambda step: print(f"writing {step}", file=sys.stderr, flush=True))
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    for kind, path in written.items():
        print(f"{kind}: {path}")
    return 0


def cmd_rerun(args: argparse.Namespace) -> int:
    from vectorscout.contract.spec_text import SpecError
    from vectorscout.reporting.rerun import plan_from_public, read_reproduction
    from vectorscout.reporting.sections import ReportError

    try:
        document = read_reproduction(Path(args.report))
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    store = ResultsStore()
    plans = []
    for entry in document["runs"]:
        try:
            plans.append(plan_from_public(entry["plan"]))
        except (KeyError, TypeError, ValueError, SpecError) as exc:
            raise UsageError(f"the report's plan for run {entry.get('run_id')} cannot be used: {exc}") from None
    queue, token = RunQueue(store), CancelToken()
    job_id = queue.submit(plans, _requested_by())
    with turn(queue, job_id, token, _waiting):
        comparisons = [_rerun_one(store, entry, plan, args, token) for entry, plan in zip(document["runs"], plans)]
    if args.format == "json":
        print(json.dumps(finite(comparisons), indent=2))
        return 0
    for comparison in comparisons:
        print(f"run {comparison['old_run']} (report) against {comparison['new_run']} (now)")
        header = ["engine", "setting", "clients", "recall old", "recall new", "QPS old", "QPS new", "ratio", "p95 old",
                  "p95 new"]
        lines = [header] + [[r["engine"], r["setting"], str(r["clients"]), _fmt(r["recall_old"]), _fmt(r["recall_new"]),
                             _fmt(r["qps_old"], 0), _fmt(r["qps_new"], 0), _fmt(r["qps_ratio"], 2),
                             _fmt(r["p95_ms_old"]), _fmt(r["p95_ms_new"])] for r in comparison["rows"]]
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        print("\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines))
    return 0


def _rerun_one(store: ResultsStore, entry: dict[str, Any], plan: RunPlan, args: argparse.Namespace,
               token: CancelToken) -> dict[str, Any]:
    """Run one of a report's plans again (same dataset, checked by content hash) and compare it with the report."""
    from vectorscout.benchmarking.runner import execute, prepare
    from vectorscout.reporting.rerun import side_by_side

    try:
        prepared = prepare(plan)
    except PlanError as exc:
        raise UsageError(f"run {entry.get('run_id')}: {exc}") from None
    if entry.get("dataset_hash") and prepared.dataset.content_hash != entry["dataset_hash"] and not args.allow_changed_data:
        raise UsageError(f"dataset {plan.dataset!r} is not the one the report measured (content hash "
                         f"{prepared.dataset.content_hash[:12]} here, {str(entry['dataset_hash'])[:12]} in the report); "
                         "use --allow-changed-data to run anyway")
    old = Run.from_dict({"run_id": entry["run_id"], "created_at": "", "status": "finished", "k": plan.k,
                         "dataset": {}, "plan": entry["plan"], "environment": {}, "results": entry.get("results", [])})
    new = execute(plan, store, None if args.quiet else _print_progress_lines(), token, prepared)
    return {"old_run": old.run_id, "new_run": new.run_id, "rows": side_by_side(old, new)}


def cmd_workshop(args: argparse.Namespace) -> int:
    from vectorscout.decision.workshop import (
        WorkshopError,
        export_workshop,
        import_workshop,
        load_workshop,
        open_or_create,
        save_workshop,
    )

    store = ResultsStore()
    try:
        if args.workshop_command == "list":
            for name in store.list_workshops():
                workshop = load_workshop(store, name)
                print(f"{name}: {len(workshop.scenarios)} scenario(s), {len(workshop.run_ids)} run(s), "
                      f"{len(workshop.reports)} report(s)")
        elif args.workshop_command == "add":
            workshop = open_or_create(store, args.name)
            for run_id in [r for r in (args.runs or "").split(",") if r]:
                _get_run(store, run_id)
                workshop.add("run", run_id)
            if args.scenario:
                workshop.add("scenario", args.scenario)
            save_workshop(store, workshop)
            print(json.dumps(finite(workshop.__dict__), indent=2))
        elif args.workshop_command == "export":
            text = export_workshop(store, args.name)
            if args.out:
                Path(args.out).write_text(text)
                print(f"wrote {args.out}")
            else:
                print(text)
        else:  # import
            try:
                text = Path(args.file).read_text()
            except OSError as exc:
                raise UsageError(f"cannot read {args.file}: {exc.strerror}") from None
            workshop = import_workshop(store, text)
            print(f"imported workshop {workshop.name!r}: {len(workshop.scenarios)} scenario(s), "
                  f"{len(workshop.run_ids)} run(s)")
    except WorkshopError as exc:
        raise UsageError(str(exc)) from None
    return 0


def cmd_recommend(args: argparse.Namespace) -> int:
    from vectorscout.decision.matrix import MODE_LABELS
    from vectorscout.decision.recommend import recommend

    scenario, run_ids, runs = _scenario_and_runs(args)
    result = recommend(scenario, runs)
    if args.format == "json":
        print(json.dumps(finite({"runs": run_ids, **result.to_dict()}), indent=2))
        return 0
    print(f"Recommendation for {scenario.name!r}, judged {MODE_LABELS[result.deployment]}"
          + (f", with runs {', '.join(run_ids)}" if run_ids else ", with no runs (performance unverified)"))
    for warning in result.warnings:
        print(f"  ! {warning}")
    print(f"  {result.verdict}")
    if result.evidence_reach:
        print(f"  How far the evidence reaches: {result.evidence_reach}")
    for place, verdict in enumerate(result.ranking, 1):
        if verdict.score is None:
            print(f"  --  {verdict.name}: excluded, {verdict.excluded}" + (f" [{verdict.excluded_source}]"
                                                                         if verdict.excluded_source else ""))
            continue
        print(f"  {place:>2}. {verdict.name}  score {verdict.score:.3f}  (performance evidence: {verdict.evidence})")
        for reason in verdict.reasons_for:
            print(f"        + {reason}")
        for reason in verdict.reasons_against:
            print(f"        - {reason}")
    print(f"  Sensitivity: {result.sensitivity}")
    return 0


def _whole_numbers(text: str, example: str) -> tuple[int, ...]:
    """Comma-separated whole numbers, sorted and without repeats."""
    try:
        return tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of whole numbers like {example}") from None


def _sizes(text: str) -> tuple[int, ...]:
    sizes = _whole_numbers(text, "10000,40000")
    if len(sizes) < 2 or sizes[0] < 100:
        raise argparse.ArgumentTypeError("calibration needs two or more sizes of at least 100 vectors")
    return sizes


def _ladder_sizes(text: str) -> tuple[int, ...]:
    sizes = _whole_numbers(text, "25000,50000,100000")
    if len(sizes) < 3 or sizes[0] < 1000:
        raise argparse.ArgumentTypeError("a scale ladder needs three or more sizes of at least 1,000 vectors")
    return sizes


def _levels(text: str) -> tuple[int, ...]:
    levels = _whole_numbers(text, "1,2,4,8")
    if not levels or levels[0] < 1 or levels[-1] > 256:
        raise argparse.ArgumentTypeError("concurrency levels must be between 1 and 256")
    return levels


def _add_run_command(sub: Any) -> None:
    run = sub.add_parser("run", help="benchmark engines on a dataset and store the run")
    run.add_argument("--engines",
                     help="e.g. faiss,chroma:ef_search=32|64 (key=value options per engine; a|b sweeps a search parameter)")
    run.add_argument("--plan", help="a plan file (YAML/JSON): datasets x engines x build grid x search grid")
    run.add_argument("--dataset", default="wordnet",
                     help="dataset name or spec (default: the bundled wordnet; e.g. synthetic:n=10000,dim=128,seed=0); "
                          "see 'datasets list'")
    run.add_argument("--k", type=int, default=10, help="neighbours per query (default 10)")
    run.add_argument("--filter", help="payload filter, e.g. \"tag == 3\" or \"price < 10 and category in ['a','b']\"")
    run.add_argument("--label", help="a name for the run")
    run.add_argument("--batch-size", type=int, default=1000, help="vectors per insert call (default 1000)")
    run.add_argument("--concurrency", type=_levels,
                     help="concurrent clients to measure, e.g. 1,2,4,8 (threads; processes for clients that are not "
                          "thread-safe)")
    run.add_argument("--locust-workers", type=int,
                     help="apply the concurrent load with Locust (master + this many workers on 127.0.0.1) instead of "
                          "local clients; the engine must be reachable over the network (e.g. pgvector)")
    run.add_argument("--duration-s", type=float,
                     help="concurrent load for this many seconds per level (default: each query once)")
    run.add_argument("--repetitions", type=int, help="timed passes per search setting: medians and QPS spread")
    run.add_argument("--timeout-s", type=float, help="wall-clock limit per engine job (default 3600)")
    run.add_argument("--memory-limit-mb", type=int, help="memory limit per engine worker, RSS of its process tree")
    run.add_argument("--stream-vectors", type=int,
                     help="a streaming run: the dataset's last N vectors are inserted while clients search (default 0: off)")
    run.add_argument("--stream-rate", type=float, help="vectors per second the stream asks for (default 500)")
    run.add_argument("--stream-clients", type=int, help="clients searching during the stream (default 2)")
    run.add_argument("--stream-window-s", type=float, help="seconds per window of recall and latency (default 2)")
    run.add_argument("--hybrid", action="store_true",
                     help="hybrid-search quality: keyword alone, dense alone and their fusion, by nDCG@10 against the "
                          "judgments (a dataset with texts and judgments, e.g. --dataset wordnet-examples)")
    run.add_argument("--hybrid-depth", type=int, help="candidates fused from each list (default 100)")
    run.add_argument("--tune-recall", type=float, metavar="TARGET",
                     help="compare engines at equal recall: step each index's search effort (ef, nprobe...) up on half "
                          "the queries until recall@k reaches TARGET (e.g. 0.95), then measure that setting on the "
                          "other half")
    run.add_argument("--in-process", action="store_true",
                     help="run engines in this process instead of isolated workers (no timeout or memory limit)")
    run.add_argument("--format", choices=["table", "json"], default="table")
    run.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    run.set_defaults(handler=cmd_run)


def _add_runs_command(sub: Any) -> None:
    runs = sub.add_parser("runs", help="stored runs")
    runs_sub = runs.add_subparsers(dest="runs_command", required=True)
    listing = runs_sub.add_parser("list", help="list stored runs, newest first")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--format", choices=["table", "json"], default="table")
    show = runs_sub.add_parser("show", help="show one run")
    show.add_argument("run_id")
    show.add_argument("--format", choices=["table", "json"], default="table")
    export = runs_sub.add_parser("export", help="write a run as JSON")
    export.add_argument("run_id")
    export.add_argument("--out", help="file to write (default: standard output)")
    importer = runs_sub.add_parser("import", help="add a run from a JSON export")
    importer.add_argument("file")
    runs_sub.add_parser("queue", help="what is running and waiting in this home's run queue (CLI and dashboard)")
    cancel = runs_sub.add_parser("cancel", help="stop a running or waiting job (see 'runs queue')")
    cancel.add_argument("job_id")
    runs.set_defaults(handler=cmd_runs)


def cmd_serve(args: argparse.Namespace) -> int:
    from vectorscout.serve import ServeError, serve

    try:
        return serve(args.host, args.port)
    except ServeError as exc:
        raise UsageError(str(exc)) from None


def _add_serve_command(sub: Any) -> None:
    serve = sub.add_parser("serve", help="the dashboard; beyond loopback behind a password on every endpoint")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine)")
    serve.add_argument("--port", type=int, default=8501)
    serve.set_defaults(handler=cmd_serve)


def cmd_queue_worker(args: argparse.Namespace) -> int:
    """The process the dashboard starts for a queued job: it outlives the browser session and the dashboard."""
    store = ResultsStore()
    from vectorscout.decision.workshop import remember

    RunQueue(store).adopt(args.job_id)
    runs = run_job(store, args.job_id, on_run_started=lambda workshop, run_id: remember(store, workshop, "run", run_id))
    return 1 if any(run.failed_engines for run in runs) else 0


def _add_queue_worker_command(sub: Any) -> None:
    worker = sub.add_parser("queue-worker", help=argparse.SUPPRESS)
    worker.add_argument("job_id")
    worker.set_defaults(handler=cmd_queue_worker)


def _add_datasets_command(sub: Any) -> None:
    datasets = sub.add_parser("datasets", help="list and import datasets")
    datasets_sub = datasets.add_subparsers(dest="datasets_command", required=True)
    dlist = datasets_sub.add_parser("list", help="every dataset a run can name")
    dlist.add_argument("--format", choices=["table", "json"], default="table")
    dimport = datasets_sub.add_parser("import", help="import a file or folder as a named dataset")
    dimport.add_argument("path")
    dimport.add_argument("--format", default="auto",
                         choices=["auto", "hdf5", "texmex", "npy", "npz", "parquet", "csv", "vectordbbench", "beir", "texts"],
                         help="default: guessed from the name and contents")
    dimport.add_argument("--name", required=True, help="lower-case letters, digits, - and _")
    dimport.add_argument("--metric", choices=["cosine", "l2", "ip"],
                         help="when the file does not say (else inferred from shipped neighbours, or refused)")
    dimport.add_argument("--replace-ground-truth", action="store_true",
                         help="import even when the shipped neighbours disagree with exact ones on more than 1 %% of "
                              "a sample (runs always measure against exact neighbours)")
    dimport.add_argument("--vector-column", help="parquet/csv: the column holding vectors")
    dimport.add_argument("--queries", type=int, help="vectors or texts held out as queries when none are given")
    dimport.add_argument("--license", help="the data's license, shown wherever the dataset is")
    ddownload = datasets_sub.add_parser("download", help="download a public dataset and import it (needs internet)")
    ddownload.add_argument("name", help="glove-25-angular, fashion-mnist-784-euclidean, sift-128-euclidean or scifact")
    ddownload.add_argument("--url", help="fetch the same kind of file from this URL instead (a mirror)")
    ddownload.add_argument("--as-name", help="register it under this name")
    datasets.set_defaults(handler=cmd_datasets)


def _add_recommend_command(sub: Any) -> None:
    recommend = sub.add_parser("recommend", help="rank engines for a requirements scenario, with reasons")
    recommend.add_argument("--scenario", required=True, help="a scenario JSON file (saved from the Requirements page)")
    recommend.add_argument("--runs", help="stored run ids whose measurements count as evidence, comma-separated")
    recommend.add_argument("--format", choices=["table", "json"], default="table")
    recommend.set_defaults(handler=cmd_recommend)


def _add_cost_command(sub: Any) -> None:
    cost = sub.add_parser("cost", help="nodes and dollars per month at the scenario's scale, from measured runs")
    cost.add_argument("--scenario", required=True, help="a scenario JSON file (answers, and optional cost assumptions)")
    cost.add_argument("--runs", help="stored run ids to take bytes per vector and QPS from, comma-separated")
    cost.add_argument("--format", choices=["table", "json"], default="table")
    cost.add_argument("--details", action="store_true", help="with --format json: inputs, sizing and 24-month figures")
    cost.add_argument("--calibrate", action="store_true",
                      help="first measure each engine's memory at two sizes of the scenario's dimension (isolated "
                           "runs, stored), so the memory model is calibrated")
    cost.add_argument("--calibration-sizes", type=_sizes, default=(10_000, 40_000),
                      help="vector counts for --calibrate (default 10000,40000)")
    cost.add_argument("--ladder", action="store_true",
                      help="first measure each costed engine's setting at several sizes of the scenario's dimension "
                           "(a scale ladder: stored runs), so throughput, build time and recall are carried to the "
                           "scenario's size by fitted curves with intervals")
    cost.add_argument("--ladder-sizes", type=_ladder_sizes,
                      help="vector counts for --ladder (default: 25000 doubling to 400000, as many as memory holds)")
    cost.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    cost.set_defaults(handler=cmd_cost)


def _add_scale_command(sub: Any) -> None:
    scale = sub.add_parser("scale", help="scaling curves of every setting measured at three or more sizes, each "
                                         "checked by predicting its largest size from the smaller ones")
    scale.add_argument("--runs", help="stored run ids (default: every stored run), comma-separated")
    scale.add_argument("--at", type=lambda text: _whole_numbers(text, "10000000,100000000"), default=(),
                       help="sizes to predict every figure at, e.g. 10000000,100000000")
    scale.add_argument("--format", choices=["table", "json"], default="table")
    scale.set_defaults(handler=cmd_scale)


def _add_workshop_command(sub: Any) -> None:
    workshop = sub.add_parser("workshop", help="named workshops: their scenarios, runs and reports, as one file")
    workshop_sub = workshop.add_subparsers(dest="workshop_command", required=True)
    workshop_sub.add_parser("list", help="stored workshops")
    wadd = workshop_sub.add_parser("add", help="create a workshop or add runs and a scenario to it")
    wadd.add_argument("name")
    wadd.add_argument("--runs", help="stored run ids, comma-separated")
    wadd.add_argument("--scenario", help="the name of a saved scenario")
    wexport = workshop_sub.add_parser("export", help="one JSON file with the workshop, its scenarios and runs")
    wexport.add_argument("name")
    wexport.add_argument("--out", help="file to write (default: standard output)")
    wimport = workshop_sub.add_parser("import", help="add a workshop file's scenarios, runs and workshop")
    wimport.add_argument("file")
    workshop.set_defaults(handler=cmd_workshop)


def _add_report_command(sub: Any) -> None:
    report = sub.add_parser("report", help="a comparison report of stored runs: HTML, PDF, Markdown, CSV, JSON")
    report.add_argument("--runs", required=True, help="stored run ids, comma-separated")
    report.add_argument("--scenario", help="a scenario JSON file: adds the recommendation, requirements and cost")
    report.add_argument("--out", required=True, help="the folder to write into (created)")
    report.add_argument("--formats", default="html,pdf,md,csv,json", help="any of html,pdf,md,csv,json")
    report.set_defaults(handler=cmd_report)


def _add_rerun_command(sub: Any) -> None:
    rerun = sub.add_parser("rerun", help="run a report's embedded plans again and show old and new side by side")
    rerun.add_argument("report", help="report.html, report.json or the folder holding them")
    rerun.add_argument("--allow-changed-data", action="store_true",
                       help="run even when a dataset's content differs from the one the report measured")
    rerun.add_argument("--format", choices=["table", "json"], default="table")
    rerun.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    rerun.set_defaults(handler=cmd_rerun)


def _add_engines_command(sub: Any) -> None:
    engines = sub.add_parser("engines", help="list engines with their index types and parameters")
    engines.add_argument("--format", choices=["table", "json"], default="table")
    engines.set_defaults(handler=cmd_engines)


def build_parser() -> argparse.ArgumentParser:
    # the name it was called by: the installed `vectorscout` command, or the module from a checkout
    prog = "vectorscout" if Path(sys.argv[0]).name == "vectorscout" else "python -m vectorscout"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run_command(sub)
    _add_runs_command(sub)
    _add_datasets_command(sub)
    _add_recommend_command(sub)
    _add_cost_command(sub)
    _add_scale_command(sub)
    _add_workshop_command(sub)
    _add_report_command(sub)
    _add_rerun_command(sub)
    _add_engines_command(sub)
    _add_serve_command(sub)
    _add_queue_worker_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
        return code
    except (UsageError, HomeError, ReadOnlyHome) as exc:
        print(f"vectorscout: error: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"vectorscout: error: {exc}", file=sys.stderr)
        return 1
