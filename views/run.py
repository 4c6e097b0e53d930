import streamlit as st

from adapters.registry import DEFAULT_SELECTION, adapter_class, engine_names
from dashboard_ui import (
    engine_choice,
    engine_form,
    follow_job_in_url,
    measured_so_far,
    param_widgets,
    requester,
    results_store,
    run_button_state,
    start_benchmark,
)
from vectorscout.benchmarking.plan import PlanError, RunPlan
from vectorscout.benchmarking.run_queue import QueueEntry, RunQueue, describe
from vectorscout.contract.params import ParamError
from vectorscout.contract.spec_text import SpecError, parse_spec
from vectorscout.data.datasets import PROVIDERS, imported_entries
from vectorscout.results.records import Run

st.title("Run a benchmark")
queue = RunQueue(results_store())


def restore_form(entry: QueueEntry) -> None:
    """The form as this tab's job was asked for (its first plan): dataset, its options, and the engines."""
    plan = entry.plans[0] if entry.plans else {}
    st.session_state["engines"] = [e["engine"] for e in plan.get("engines", []) if e.get("engine") in engine_names()]
    try:
        name, options = parse_spec(str(plan.get("dataset", "")))
    except SpecError:
        return
    st.session_state["dataset"] = name
    provider = PROVIDERS.get(name)
    for param in provider.params if provider else ():
        if param.name in options:
            try:
                st.session_state[f"dataset.{name}.{param.name}"] = param.coerce(options[param.name])
            except ParamError:  # a plan from an older version: that option keeps its default
                continue


restored = follow_job_in_url(queue)  # a reload mid-run keeps this tab's job and the form it was started with
if restored is not None and "engines" not in st.session_state:
    restore_form(restored)
st.html("""<style>.st-key-open-results a { background: var(--primary-color, #ff4b4b); border-radius: .5rem;
  padding: .4rem 1rem; } .st-key-open-results a p { color: white; font-weight: 600; }</style>""")

names = [*PROVIDERS, *(entry["name"] for entry in imported_entries())]
titles = {**{name: p.title for name, p in PROVIDERS.items()},
          **{entry["name"]: entry["title"] for entry in imported_entries()}}
# The bundled real text dataset is the quick-start default.
if st.session_state.get("dataset") not in names:
    st.session_state.pop("dataset", None)
chosen = st.selectbox("Dataset", names, index=names.index("wordnet"), format_func=titles.__getitem__, key="dataset")
provider = PROVIDERS.get(chosen)
dataset_spec = chosen
if provider is not None and provider.params:
    with st.expander("Dataset options", expanded=True):
        dataset_spec = provider.spec(param_widgets(provider.params, f"dataset.{provider.name}"))

engines = st.multiselect(
    "Engines", engine_names(), default=None if "engines" in st.session_state else list(DEFAULT_SELECTION),
    format_func=engine_choice, key="engines",
)
configs = []
form_error = None
for engine in engines:
    with st.expander(f"{adapter_class(engine).display_name} settings"):
        try:
            configs.append(engine_form(engine))
        except SpecError as exc:
            form_error = str(exc)
            st.error(form_error)

left, right = st.columns(2)
k = int(left.number_input("k (neighbours per query)", min_value=1, max_value=1000, value=10, step=1))
filter_text = right.text_input("Filter (optional)", key="filter", placeholder="tag == 3 and price < 50",
                               help="Payload filter; recall is then measured against filtered ground truth.")

left, right = st.columns([3, 1])
equal_recall = left.toggle("Compare engines at equal recall", value=True, key="tune.on",
                           help="Each index's search effort (ef, nprobe...) is stepped up on half the queries until "
                           "recall@k reaches the target; latency and throughput are then measured at that setting on "
                           "the other half. Off: each engine is measured at the settings given below its name.")
recall_target = float(right.number_input("Recall target", 0.5, 1.0, 0.95, 0.01, key="tune.target",
                                         disabled=not equal_recall))

with st.expander("Workload: static, streaming writes while clients search, or hybrid-search quality"):
    streaming = st.toggle("Streaming: insert the dataset's last vectors at a fixed rate while clients search",
                          key="stream.on", help="Recall and latency per window as the index grows, the insert rate "
                          "achieved against the rate asked, then how fast an insert, delete and update reach searches.")
    a, b, c, d = st.columns(4)
    stream = {"stream_vectors": int(a.number_input("Vectors streamed", 1, 10**7, 10_000, 1000, key="stream.vectors")),
              "stream_rate": float(b.number_input("Rate asked (vectors/s)", 1.0, 1e6, 500.0, 100.0, key="stream.rate")),
              "stream_clients": int(c.number_input("Searching clients", 1, 64, 2, 1, key="stream.clients")),
              "stream_window_s": float(d.number_input("Window (s)", 0.1, 3600.0, 2.0, 0.5, key="stream.window"))}
    if streaming:
        st.caption(f"The index is built from all but the last {stream['stream_vectors']:,} vectors; those arrive at "
                   f"{stream['stream_rate']:,.0f}/s (about {stream['stream_vectors'] / stream['stream_rate']:,.0f} s "
                   "per engine) while the clients search with each engine's first search setting, unfiltered.")
    hybrid = st.toggle("Hybrid search: keyword alone, dense alone and their fusion, scored against the judgments",
                       key="hybrid.on", help="Needs a dataset with texts and relevance judgments (the bundled "
                       "wordnet-examples, or an imported BEIR set). Engines with their own text search rank keywords "
                       "and fuse themselves; for the others VectorScout does both in the application, so labelled.")
    depth = int(st.number_input("Candidates fused from each list", 10, 1000, 100, 10, key="hybrid.depth"))
    if hybrid:
        st.caption(f"Each engine loads the vectors and texts, then answers every query three ways: keywords, "
                   f"vectors (its first search setting) and the fusion of the top {depth} of each, by reciprocal "
                   "rank fusion.")

tuned = equal_recall and not streaming and not hybrid
if equal_recall and not tuned:
    st.caption("Streaming and hybrid runs measure each engine's first search setting: no tuning to a recall target.")
state = run_button_state(queue)
st.session_state["queue.seen"] = state.active_jobs  # the fragment reruns the page when this changes
if state.caption:
    st.info(state.caption)
if st.button(state.label, type="primary", disabled=not configs or form_error is not None,
             help="Runs now when nothing else runs on this machine; otherwise after what is ahead of it."):
    try:
        started = start_benchmark([RunPlan(dataset=dataset_spec, engines=configs, k=k, filter=filter_text.strip() or None,
                                           **(stream if streaming else {}),
                                           **({"hybrid": True, "hybrid_depth": depth} if hybrid else {}),
                                           tune_recall=recall_target if tuned else 0.0)])
    except PlanError as exc:
        st.error(str(exc))
    else:
        if started:
            st.rerun()


def running_panel(entry: QueueEntry) -> None:
    """The running job, read from the store: the same in every tab, after a reload or a dashboard restart."""
    progress = entry.progress
    st.subheader(f"Running: {entry.label}")
    st.caption(describe(entry, with_label=False, requested_by=requester(entry)))
    if progress.engines:
        plan = f"run {progress.plan_number} of {progress.plan_count}, " if progress.plan_count > 1 else ""
        done = max(0, progress.engine_number - 1) / len(progress.engines)
        st.progress(done, text=f"Overall: {plan}engine {max(1, progress.engine_number)} of {len(progress.engines)}")
        # the engines this job measures (the form above is for the next run and may name others)
        st.markdown("**Engines in this run:** " + ", ".join(engine_state(engine, place, progress.engine_number)
                                                           for place, engine in enumerate(progress.engines, 1)))
    for engine, stage in progress.stages.items():
        # no time left is promised once a cancel is asked for: the run stops at its next check instead
        left = (f", about {stage.eta_s:.0f} s left"
                if stage.eta_s and stage.done < stage.total and not entry.cancel_requested else "")
        st.progress(stage.fraction, text=f"{engine}: {stage.stage} ({stage.done:,}/{stage.total:,}{left})")
    measured_so_far(entry.run_ids)
    if entry.cancel_requested:
        st.warning("Cancel requested: the run stops at its next check.")
    elif st.button("Cancel", key=f"cancel.{entry.job_id}"):
        queue.request_cancel(entry.job_id)
        st.rerun(scope="fragment")


def engine_state(engine: str, place: int, at_work: int) -> str:
    name = adapter_class(engine).display_name if engine in engine_names() else engine
    return f"{name} ({'done' if place < at_work else 'running' if place == at_work else 'waiting'})"


def ended_panel(entry: QueueEntry) -> None:
    """How a job ended, with a link to its results."""
    runs = [run for run_id in entry.run_ids if (run := stored_run(run_id)) is not None]
    failed = sorted({engine for run in runs for engine in run.failed_engines})
    if entry.state == "error":
        st.error(entry.error or "the job failed before it stored a run")
    elif entry.state == "interrupted":
        st.error(f"Job {entry.job_id} was interrupted: {entry.error}")
    elif entry.state == "cancelled":
        st.warning(f"Job {entry.job_id} was cancelled; what it measured before is stored.")
    elif failed:
        st.warning(f"Finished; failed: {', '.join(failed)} (see the error column).")
    else:
        st.success(f"Run {', '.join(entry.run_ids)} {entry.state}.")
    if runs:
        # a link (navigation in the browser, never lost to the fragment's reruns) drawn as the primary button;
        # the Results page opens on this job's run
        with st.container(key="open-results"):
            st.page_link("views/results.py", label="Open the results", query_params={"run": runs[0].run_id})


def stored_run(run_id: str) -> Run | None:
    try:
        return results_store().get_run(run_id)
    except KeyError:
        return None


@st.fragment(run_every=1.0)
def queue_panel() -> None:
    entries = queue.active()
    for place, entry in enumerate(entries):
        if entry.state == "running":
            running_panel(entry)
        else:
            st.markdown(f"**Waiting ({place} ahead):** {describe(entry, requested_by=requester(entry))}")
            if st.button("Leave the queue", key=f"leave.{entry.job_id}"):
                queue.request_cancel(entry.job_id)
                st.rerun(scope="fragment")
    if tuple(entry.job_id for entry in entries) != st.session_state.get("queue.seen"):
        st.rerun()  # a job started or ended: the button and its caption above are redrawn from the queue
    mine = st.session_state.get("job")  # the job this tab started, else the last one that ended
    followed = queue.find(mine) if mine else queue.latest_ended()
    if followed is None or followed.active:
        return
    ended_panel(followed)


queue_panel()
