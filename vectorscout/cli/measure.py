"""Commands that measure and keep measurements: run, runs, rerun, datasets, engines, the queue worker."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adapters.registry import adapter_class, engine_names
from vectorscout.benchmarking.plan import PlanError, RunPlan
from vectorscout.benchmarking.run_queue import RunQueue, describe, run_job, turn
from vectorscout.benchmarking.specs import parse_engines
from vectorscout.cli.common import UsageError, get_run, requested_by, run_queued, waiting, whole_numbers
from vectorscout.cli.output import print_progress_lines, run_text
from vectorscout.contract.spec_text import SpecError
from vectorscout.process.progress import CancelToken
from vectorscout.results.documents import finite, run_document, run_to_json
from vectorscout.results.records import Run
from vectorscout.results.store import ResultsStore, StoreError

if TYPE_CHECKING:
    pass


def _levels(text: str) -> tuple[int, ...]:
    levels = whole_numbers(text, "1,2,4,8")
    if not levels or levels[0] < 1 or levels[-1] > 256:
        raise argparse.ArgumentTypeError("concurrency levels must be between 1 and 256")
    return levels


def cmd_run(args: argparse.Namespace) -> int:
    from vectorscout.benchmarking.plans import PlanFileError, load_plan, quick_evaluation, quick_evaluation_label

    if sum(map(bool, (args.plan, args.engines, args.quick))) != 1:
        raise UsageError("give one of --engines, --plan or --quick")
    if args.quick:
        plans = [quick_evaluation()]
    elif args.plan:
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
        if args.until_known is not None:
            plan.until_known_pct = args.until_known
        if args.quick:
            plan.label = quick_evaluation_label(plan)
    runs = run_queued(plans, args.quiet)
    if args.format == "json":
        documents = [run_document(run) for run in runs]
        print(json.dumps(documents[0] if len(documents) == 1 else {"runs": documents}, indent=2))
    else:
        for run in runs:
            print(run_text(run, f"run {run.run_id} ({run.status}) on {run.dataset.name}, k={run.k}"))
    return 1 if any(run.failed_engines for run in runs) else 0


def _add_run_command(sub: Any) -> None:
    run = sub.add_parser("run", help="benchmark engines on a dataset and store the run")
    run.add_argument("--engines",
                     help="e.g. faiss,chroma:ef_search=32|64 (key=value options per engine; a|b sweeps a search parameter)")
    run.add_argument("--plan", help="a plan file (YAML/JSON): datasets x engines x build grid x search grid")
    run.add_argument("--quick", action="store_true",
                     help="the dashboard's quick evaluation: every engine that runs here, tuned to recall 0.95 on the "
                          "bundled WordNet set, timed until known (see --until-known)")
    run.add_argument("--until-known", type=float, metavar="PCT",
                     help="stop timing a setting once the 95 %% intervals of p50 and QPS are within ±PCT %% (p95: twice "
                          "that), between one pass and --repetitions; 0 runs every repetition (the quick evaluation: 5)")
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
        run = get_run(store, args.run_id)
        if args.format == "json":
            print(run_to_json(run))
        else:
            print(run_text(run, f"run {run.run_id} ({run.status}) on {run.dataset.name}, k={run.k}, "
                                f"created {run.created_at}"))
        return 0
    if args.runs_command == "export":
        text = run_to_json(get_run(store, args.run_id))
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


def cmd_rerun(args: argparse.Namespace) -> int:
    from vectorscout.contract.spec_text import SpecError
    from vectorscout.reporting.rerun import plan_from_public, read_reproduction
    from vectorscout.reporting.sections import ReportError
    from vectorscout.reporting.tables import plain_text, rerun_table

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
    job_id = queue.submit(plans, requested_by())
    with turn(queue, job_id, token, waiting):
        comparisons = [_rerun_one(store, entry, plan, args, token) for entry, plan in zip(document["runs"], plans)]
    if args.format == "json":
        print(json.dumps(finite(comparisons), indent=2))
        return 0
    for comparison in comparisons:
        print(f"run {comparison['old_run']} (report) against {comparison['new_run']} (now)")
        print(plain_text(rerun_table(comparison["rows"])))
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
    new = execute(plan, store, None if args.quiet else print_progress_lines(), token, prepared)
    return {"old_run": old.run_id, "new_run": new.run_id, "rows": side_by_side(old, new)}


def _add_rerun_command(sub: Any) -> None:
    rerun = sub.add_parser("rerun", help="run a report's embedded plans again and show old and new side by side")
    rerun.add_argument("report", help="report.html, report.json or the folder holding them")
    rerun.add_argument("--allow-changed-data", action="store_true",
                       help="run even when a dataset's content differs from the one the report measured")
    rerun.add_argument("--format", choices=["table", "json"], default="table")
    rerun.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    rerun.set_defaults(handler=cmd_rerun)


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


def _add_engines_command(sub: Any) -> None:
    engines = sub.add_parser("engines", help="list engines with their index types and parameters")
    engines.add_argument("--format", choices=["table", "json"], default="table")
    engines.set_defaults(handler=cmd_engines)


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


def add_commands(sub: Any) -> None:
    _add_run_command(sub)
    _add_runs_command(sub)
    _add_datasets_command(sub)
    _add_rerun_command(sub)
    _add_engines_command(sub)
    _add_queue_worker_command(sub)
