import streamlit as st

from adapters.registry import DEFAULT_SELECTION, adapter_class, engine_names
from dashboard_ui import engine_form, param_widgets, remember_in_workshop, results_store
from vectorscout.benchmarking.jobs import BackgroundRun
from vectorscout.benchmarking.plan import RunPlan
from vectorscout.benchmarking.specs import SpecError
from vectorscout.data.datasets import PROVIDERS, imported_entries

st.title("Run a benchmark")

names = [*PROVIDERS, *(entry["name"] for entry in imported_entries())]
titles = {**{name: p.title for name, p in PROVIDERS.items()},
          **{entry["name"]: entry["title"] for entry in imported_entries()}}
# The bundled real text dataset is the quick-start default.
chosen = st.selectbox("Dataset", names, index=names.index("wordnet"), format_func=titles.__getitem__, key="dataset")
provider = PROVIDERS.get(chosen)
dataset_spec = chosen
if provider is not None and provider.params:
    with st.expander("Dataset options", expanded=True):
        dataset_spec = provider.spec(param_widgets(provider.params, f"dataset.{provider.name}"))

engines = st.multiselect(
    "Engines", engine_names(), default=list(DEFAULT_SELECTION),
    format_func=lambda name: adapter_class(name).display_name,
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
filter_text = right.text_input("Filter (optional)", placeholder="tag == 3 and price < 50",
                               help="Payload filter; recall is then measured against filtered ground truth.")

job: BackgroundRun | None = st.session_state.get("job")
busy = job is not None and job.snapshot().active
if st.button("Run", type="primary", disabled=busy or not configs or form_error is not None):
    plan = RunPlan(dataset=dataset_spec, engines=configs, k=k, filter=filter_text.strip() or None)
    st.session_state["job"] = BackgroundRun(plan, results_store()).start()
    st.rerun()


@st.fragment(run_every=0.5)
def progress_panel() -> None:
    current: BackgroundRun | None = st.session_state.get("job")
    if current is None:
        return
    snap = current.snapshot()
    st.subheader(f"Run {snap.run_id}: {snap.status}")
    for engine, event in snap.stages.items():
        eta = snap.eta_s.get(engine)
        left = f", about {eta:.0f} s left" if eta and event.done < event.total else ""
        st.progress(min(1.0, event.fraction), text=f"{engine}: {event.stage} ({event.done:,}/{event.total:,}{left})")
    if snap.active:
        if st.button("Cancel", key="cancel"):
            current.cancel()
        return
    if snap.error:
        st.error(snap.error)
    elif snap.run is not None:
        failed = snap.run.failed_engines
        if failed:
            st.warning(f"Finished; failed: {', '.join(failed)} (see the error column).")
        else:
            st.success(f"Run {snap.run.run_id} {snap.run.status}.")
        st.page_link("views/results.py", label="Open the results")
        if st.session_state.get("shown_run") != snap.run_id:
            # one full rerun so the Run button is enabled again once the job has ended
            st.session_state["shown_run"] = snap.run_id
            remember_in_workshop("run", snap.run.run_id)
            st.rerun()


progress_panel()
