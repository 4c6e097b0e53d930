"""Commands that decide from measurements: recommend, cost, scale, workshop, report."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from vectorscout.cli.common import UsageError, get_run, read_scenario, run_queued, scenario_and_runs, whole_numbers
from vectorscout.decision.answers import Answers
from vectorscout.results.documents import finite
from vectorscout.results.records import Run
from vectorscout.results.scaling import describe_error, figure_text
from vectorscout.results.store import ResultsStore


def cmd_recommend(args: argparse.Namespace) -> int:
    from vectorscout.decision.matrix import MODE_LABELS
    from vectorscout.decision.recommend import recommend

    scenario, run_ids, runs = scenario_and_runs(args)
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


def _add_recommend_command(sub: Any) -> None:
    recommend = sub.add_parser("recommend", help="rank engines for a requirements scenario, with reasons")
    recommend.add_argument("--scenario", required=True, help="a scenario JSON file (saved from the Requirements page)")
    recommend.add_argument("--runs", help="stored run ids whose measurements count as evidence, comma-separated")
    recommend.add_argument("--format", choices=["table", "json"], default="table")
    recommend.set_defaults(handler=cmd_recommend)


def cmd_cost(args: argparse.Namespace) -> int:
    from vectorscout.decision.cost import CostError, cost_report
    from vectorscout.decision.recommend import excluded_engines, recommend
    from vectorscout.reporting.tables import money

    scenario, run_ids, runs = scenario_and_runs(args)
    if args.calibrate:
        calibration = _calibration_runs(scenario.record, runs, args)
        runs, run_ids = runs + calibration, run_ids + [run.run_id for run in calibration]
    if args.ladder:
        ladder = _ladder_runs(scenario.record, runs, args)
        runs, run_ids = runs + ladder, run_ids + [run.run_id for run in ladder]
    try:
        report = cost_report(scenario.record, runs, scenario.cost,
                             excluded=excluded_engines(recommend(scenario, runs).ranking))
    except CostError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        print(json.dumps(finite(report.to_dict() if args.details else [e.summary() for e in report.estimates]), indent=2))
        return 0
    answers = scenario.record
    print(f"Cost for {scenario.name!r}: {answers.vectors_now:,} vectors x {answers.dimensions}, peak "
          f"{answers.peak_qps:,} QPS, recall >= {answers.recall_target:g}; runs {', '.join(run_ids) or 'none'}; "
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


def _ladder_runs(answers: Answers, runs: list[Run], args: argparse.Namespace) -> list[Run]:
    """Measure each costed engine's setting at the ladder's sizes of the scenario's dimension (stored runs)."""
    import psutil

    from vectorscout.benchmarking.plans import ladder_seconds, ladder_sizes, scale_ladder
    from vectorscout.decision.cost import ladder_settings

    settings = ladder_settings(answers, runs)
    if not settings:
        raise UsageError("--ladder needs runs in which an engine reached the recall target (give --runs)")
    dim = answers.dimensions
    sizes = args.ladder_sizes or ladder_sizes(dim, psutil.virtual_memory().available)
    if len(sizes) < 3:
        raise UsageError(f"a scale ladder needs three sizes; this machine's memory holds {len(sizes)} at {dim} "
                         "dimensions (give --ladder-sizes)")
    plans = scale_ladder(settings, dim, sizes)
    minutes = ladder_seconds(settings, dim, sizes) / 60
    print(f"scale ladder: {', '.join(s.engine for s in settings)} at {', '.join(f'{n:,}' for n in sizes)} x {dim}; "
          f"about {minutes:.0f} min on this machine", file=sys.stderr, flush=True)
    return run_queued(plans, args.quiet)


def _calibration_runs(answers: Answers, runs: list[Run], args: argparse.Namespace) -> list[Run]:
    """Measure the memory of every engine the runs cost, at two sizes of the scenario's dimension."""
    from vectorscout.benchmarking.plans import memory_calibration
    from vectorscout.decision.cost import measure_engines

    measures, _ = measure_engines(runs, answers.recall_target, answers.deployment)
    if not measures:
        raise UsageError("--calibrate needs runs in which an engine reached the recall target (give --runs)")
    settings = [(m.engine, m.index, m.build_params) for m in measures.values()]
    plans = memory_calibration(settings, answers.dimensions, args.calibration_sizes)
    print(f"calibrating memory: {', '.join(plan.label for plan in plans)}", file=sys.stderr, flush=True)
    return run_queued(plans, args.quiet)


def _sizes(text: str) -> tuple[int, ...]:
    sizes = whole_numbers(text, "10000,40000")
    if len(sizes) < 2 or sizes[0] < 100:
        raise argparse.ArgumentTypeError("calibration needs two or more sizes of at least 100 vectors")
    return sizes


def _ladder_sizes(text: str) -> tuple[int, ...]:
    sizes = whole_numbers(text, "25000,50000,100000")
    if len(sizes) < 3 or sizes[0] < 1000:
        raise argparse.ArgumentTypeError("a scale ladder needs three or more sizes of at least 1,000 vectors")
    return sizes


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


def cmd_scale(args: argparse.Namespace) -> int:
    from vectorscout.results.scaling import ladders

    store = ResultsStore()
    run_ids = [r for r in (args.runs or "").split(",") if r] or [s.run_id for s in store.list_runs(100_000)]
    found = ladders([get_run(store, run_id) for run_id in run_ids])
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


def _add_scale_command(sub: Any) -> None:
    scale = sub.add_parser("scale", help="scaling curves of every setting measured at three or more sizes, each "
                                         "checked by predicting its largest size from the smaller ones")
    scale.add_argument("--runs", help="stored run ids (default: every stored run), comma-separated")
    scale.add_argument("--at", type=lambda text: whole_numbers(text, "10000000,100000000"), default=(),
                       help="sizes to predict every figure at, e.g. 10000000,100000000")
    scale.add_argument("--format", choices=["table", "json"], default="table")
    scale.set_defaults(handler=cmd_scale)


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
                get_run(store, run_id)
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


def cmd_report(args: argparse.Namespace) -> int:
    from vectorscout.reporting.report import write_report
    from vectorscout.reporting.sections import ReportError, build_report

    store = ResultsStore()
    runs = [get_run(store, run_id) for run_id in args.runs.split(",") if run_id.strip()]
    scenario = read_scenario(args.scenario) if args.scenario else None
    try:
        written = write_report(build_report(runs, scenario), Path(args.out), args.formats.split(","),
                               progress=lambda step: print(f"writing {step}", file=sys.stderr, flush=True))
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    for kind, path in written.items():
        print(f"{kind}: {path}")
    return 0


def _add_report_command(sub: Any) -> None:
    report = sub.add_parser("report", help="a comparison report of stored runs: HTML, PDF, Markdown, CSV, JSON")
    report.add_argument("--runs", required=True, help="stored run ids, comma-separated")
    report.add_argument("--scenario", help="a scenario JSON file: adds the recommendation, requirements and cost")
    report.add_argument("--out", required=True, help="the folder to write into (created)")
    report.add_argument("--formats", default="html,pdf,md,csv,json", help="any of html,pdf,md,csv,json")
    report.set_defaults(handler=cmd_report)


def add_commands(sub: Any) -> None:
    _add_recommend_command(sub)
    _add_cost_command(sub)
    _add_scale_command(sub)
    _add_workshop_command(sub)
    _add_report_command(sub)
