"""The one small module of Streamlit helpers the pages share: widgets derived from declared parameters.

Forms are never restated by hand: every input comes from a ``Param`` that an adapter or a dataset
provider declares, so a new engine parameter appears in the dashboard without touching a page.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import math
import os
import time
from collections.abc import Iterable
from typing import Any

import pandas as pd
import streamlit as st

from adapters.registry import adapter_class
from vectorscout.benchmarking.specs import EngineConfig, engine_config
from vectorscout.contract.params import Param
from vectorscout.glossary import term
from vectorscout.home import HomeError, home_dir
from vectorscout.reporting.tables import TABLE_COLUMN_PX, TABLE_FIT_PX, column_widths, headers_px
from vectorscout.results.store import ResultsStore, RunSummary, StoreError
from vectorscout.serve import BEHIND_PROXY_ENV, LOOPBACK, PASSWORD_ENV, PROXY_TOKEN_HEADER, configured_password


def access_gate() -> None:
    """Stop the page unless this visitor may see it.

    On 127.0.0.1 no password is needed (unless one is configured). Bound to any other address, the dashboard
    serves nothing without a configured password, and asks every session for it once.
    """
    address = str(st.get_option("server.address") or "0.0.0.0")  # unset: Streamlit listens on every interface
    token = os.environ.get(BEHIND_PROXY_ENV, "")
    if token and address in LOOPBACK:  # `serve` put Streamlit on loopback behind its proxy
        # the proxy asked for the password on every request and sends its token; a page opened on this port
        # directly (any local user can reach loopback) has no token
        if hmac.compare_digest(str(st.context.headers.get(PROXY_TOKEN_HEADER) or "").encode(), token.encode()):
            return
        st.error("This dashboard is served through VectorScout's password proxy: open the address `serve` printed.")
        st.stop()
    password = configured_password()
    if not password:
        if address in LOOPBACK:
            return
        st.error(f"VectorScout is bound to {address}, which other machines can reach, and no password is set. "
                 f"Set {PASSWORD_ENV} (or `password` in .streamlit/secrets.toml) and restart, or bind 127.0.0.1.")
        st.stop()
    if st.session_state.get("authenticated"):
        return
    st.title("VectorScout")
    with st.form("login"):
        entered = st.text_input("Password", type="password", key="login.password")
        submitted = st.form_submit_button("Enter")
    if submitted:
        if hmac.compare_digest(entered.encode(), password.encode()):
            st.session_state["authenticated"] = True
            st.rerun()
        time.sleep(1.0)  # slows guessing
        st.error("Wrong password.")
    st.stop()


@st.cache_resource
def _store_for(path: str) -> ResultsStore:
    return ResultsStore()


def results_store() -> ResultsStore:
    """One store object per VectorScout home (the home can change between tests)."""
    return _store_for(str(home_dir()))


def param_widget(param: Param, key: str, help_suffix: str = "") -> Any:
    """A widget for one declared parameter, returning its (validated) value."""
    label = param.label or param.name
    param = dataclasses.replace(param, help=param.help + help_suffix) if help_suffix else param
    if param.choices:
        options = list(param.choices)
        return st.selectbox(label, options, index=options.index(param.default), help=param.help, key=key)
    if param.type is bool:
        return st.checkbox(label, value=bool(param.default), help=param.help, key=key)
    if param.type is int:
        return int(st.number_input(
            label, value=int(param.default), step=1, help=param.help, key=key,
            min_value=None if param.minimum is None else int(param.minimum),
            max_value=None if param.maximum is None else int(param.maximum),
        ))
    if param.type is float:
        return float(st.number_input(
            label, value=float(param.default), help=param.help, key=key,
            min_value=None if param.minimum is None else float(param.minimum),
            max_value=None if param.maximum is None else float(param.maximum),
        ))
    return st.text_input(label, value=str(param.default or ""), help=param.help, key=key,
                         type="password" if param.secret else "default")


def param_widgets(
    params: Iterable[Param], key_prefix: str, columns: int = 3, help_for: Any = None
) -> dict[str, Any]:
    params = list(params)
    values: dict[str, Any] = {}
    if not params:
        return values
    cells = st.columns(min(columns, len(params)))
    for i, param in enumerate(params):
        with cells[i % len(cells)]:
            suffix = help_for(param) if help_for else ""
            values[param.name] = param_widget(param, f"{key_prefix}.{param.name}", suffix)
    return values


def sweep_widget(param: Param, key: str) -> list[Any]:
    """Several values of a search parameter: one index is built, then searched at each."""
    options = sorted({*param.sweep, param.default})
    chosen = st.multiselect(
        f"{param.name} (search sweep)", options, default=[param.default], help=param.help, key=key,
        accept_new_options=True,
    )
    return [param.coerce(value) for value in chosen] or [param.default]


def engine_choice(engine: str) -> str:
    """An engine as the picker shows it: its name, and what its embedded mode runs where that is another engine."""
    cls = adapter_class(engine)
    return f"{cls.display_name} (embedded: {cls.embedded_product})" if cls.embedded_product else cls.display_name


def engine_form(engine: str) -> EngineConfig:
    """Index type, build parameters, search sweep and connection options of one engine."""
    cls = adapter_class(engine)
    caps = cls.capabilities
    for line in cls.what_runs:  # what is measured, so nobody mistakes an embedded stand-in for the server
        st.caption(f"Runs — {line}")
    names = [spec.name for spec in caps.index_types]
    index = st.selectbox(
        "index type", names, key=f"{engine}.index",
        format_func=lambda name: f"{name} — {caps.index(name).description}" if caps.index(name).description else name,
    )
    spec = caps.index(index)
    options: dict[str, Any] = {"index": index}
    if spec.build_params:
        st.caption("Build parameters (fixed when the index is built)")
        options.update(param_widgets(spec.build_params, f"{engine}.{index}.build"))
    if spec.search_params:
        st.caption("Search parameters (one index is swept over every value chosen)")
        for param in spec.search_params:
            options[param.name] = sweep_widget(param, f"{engine}.{index}.search.{param.name}")
    if cls.server_hint:
        st.info(f"{cls.display_name} {cls.server_hint}")
    if cls.connection_params:
        st.caption("Connection (never stored with results; secrets are masked)")
        # Non-secret options start from the environment; secrets stay out of the page (empty = environment).
        shown = [
            dataclasses.replace(p, default=p.coerce(os.environ[cls.connection_env(p)]))
            if not p.secret and os.environ.get(cls.connection_env(p)) else p
            for p in cls.connection_params
        ]
        connection = param_widgets(
            shown, f"{engine}.connection", columns=2,
            help_for=lambda p: f" (when empty: ${cls.connection_env(p)}, else the default)",
        )
        # Empty fields fall back to the environment and the defaults, so they are not passed at all.
        options.update({k: v for k, v in connection.items() if v not in ("", None)})
    return engine_config(engine, options)


def question_widget(question: Any, value: Any, key: str) -> Any:
    """A widget for one questionnaire question (see vectorscout/decision/knowledge/questionnaire.yaml)."""
    if question.type == "bool":
        return st.checkbox(question.label, value=bool(value), help=question.help, key=key)
    if question.type == "choice":
        options = list(question.options)
        return st.selectbox(question.label, options, index=options.index(value), help=question.help, key=key,
                            format_func=term)
    if question.type == "multi":
        return st.multiselect(question.label, list(question.options), default=list(value), help=question.help, key=key,
                              format_func=term)
    number = int if question.type == "int" else float
    chosen = number(st.number_input(
        question.label, value=number(value), help=question.help, key=key,
        min_value=None if question.min is None else number(question.min),
        max_value=None if question.max is None else number(question.max),
    ))
    if abs(chosen) >= 10_000:  # the field shows bare digits: 50000000 is read wrong in a room, 50,000,000 is not
        st.caption(f"= {chosen:,}")
    return chosen


# -- workshop and room helpers ------------------------------------------------------------------------
# The pages in the order of the selection flow: the router builds its navigation from this, Home its steps.
PAGES = (
    ("views/home.py", "Home"), ("views/requirements.py", "Requirements"), ("views/datasets.py", "Datasets"),
    ("views/run.py", "Run"), ("views/results.py", "Results"), ("views/recommendation.py", "Recommendation"),
    ("views/cost.py", "Cost"), ("views/report.py", "Report"),
)


def run_label(summary: RunSummary) -> str:
    """How a stored run is named in every picker."""
    return (f"{summary.run_id} · {summary.label or 'unlabelled'} · {summary.dataset} · "
            f"{', '.join(summary.engines) or 'no results'} · {summary.status}")


def pick_runs(label: str, summaries: list[RunSummary], default: Iterable[str] = (), key: str | None = None,
              exclude: Iterable[str] = ()) -> list[str]:
    """Stored runs to use, newest first, each named by run_label; defaults that no longer exist are dropped."""
    labels = {s.run_id: run_label(s) for s in summaries if s.run_id not in set(exclude)}
    chosen: list[str] = st.multiselect(label, list(labels), default=[rid for rid in default if rid in labels],
                                       key=key, format_func=labels.__getitem__)
    return chosen


def keep_workshop_in_url() -> None:
    """The open workshop lives in the URL (``?workshop=…``) as well as in the session, so a reload or a new tab
    opened from the address keeps it; the router calls this on every page run (page changes drop the URL's
    parameters, this puts it back)."""
    in_url = st.query_params.get("workshop")
    if "workshop" not in st.session_state:  # a new session: a reload, or a new tab from the address
        st.session_state["workshop"] = in_url or None
    opened = st.session_state.get("workshop")
    if opened and in_url != opened:
        st.query_params["workshop"] = opened
    elif not opened and in_url:
        del st.query_params["workshop"]


def start_benchmark(plans: list[Any]) -> str | None:
    """Queue a benchmark (vectorscout.benchmarking.plan.RunPlan list) for this session; it runs in a worker
    process of its own when the home's queue gets to it, and joins the open workshop when it starts. None,
    with the reason on the page, when it cannot be queued (a read-only home)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from vectorscout.benchmarking.run_queue import submit_detached

    context = get_script_run_ctx()
    tab = f"{TAB_REQUESTER}{context.session_id[:6]}" if context else "the dashboard"
    workshop = st.session_state.get("workshop")
    try:
        job_id = submit_detached(results_store(), plans, f"{tab}{f' (workshop {workshop})' if workshop else ''}",
                                 workshop)
    except (StoreError, HomeError) as exc:
        st.error(str(exc))
        return None
    st.session_state["job"] = job_id
    return job_id


ONE_AT_A_TIME = "One benchmark runs at a time on this machine (two at once would measure each other)"
TAB_REQUESTER = "dashboard tab "  # how start_benchmark names a tab in the queue


def requester(entry: Any) -> str:
    """Who asked for a queue entry (vectorscout.benchmarking.run_queue.QueueEntry), in the reading tab's words: "this
    tab", "another dashboard tab" or the CLI as it named itself; the workshop it was asked for kept."""
    asked = str(entry.requested_by)
    if not asked.startswith(TAB_REQUESTER):
        return asked
    workshop = asked[asked.index(" (workshop "):] if " (workshop " in asked else ""
    return ("this tab" if entry.job_id == st.session_state.get("job") else "another dashboard tab") + workshop


def follow_job_in_url(queue: Any) -> Any:
    """This tab's job lives in the URL (``?job=…``) as well as in the session, so a reload keeps following it;
    the entry when a new session (a reload) took it from the URL, else None."""
    in_url = st.query_params.get("job")
    restored = None
    if "job" not in st.session_state and in_url:
        restored = queue.find(in_url)
        if restored is not None:
            st.session_state["job"] = restored.job_id
    mine = st.session_state.get("job")
    if mine and in_url != mine:
        st.query_params["job"] = mine
    return restored


@dataclasses.dataclass(frozen=True)
class RunButtonState:
    """The Run page's main button and what it says of the queue, from the queue's state as this tab sees it."""

    label: str
    caption: str | None
    active_jobs: tuple[str, ...]  # the page is drawn again when the queue no longer holds these


def run_button_state(queue: Any) -> RunButtonState:
    entries = queue.active()
    jobs = tuple(entry.job_id for entry in entries)
    if not entries:
        return RunButtonState("Run", None, jobs)
    mine = st.session_state.get("job")
    if mine in jobs:
        place = jobs.index(mine)
        now = "is running" if place == 0 and entries[0].state == "running" else f"waits ({place} ahead)"
        return RunButtonState("Queue another run", f"Your run {now} (below). {ONE_AT_A_TIME}: another run from this "
                              f"form would wait for the {len(entries)} queued now.", jobs)
    return RunButtonState("Queue this run", f"{ONE_AT_A_TIME}: a new one waits for the {len(entries)} ahead of it "
                          "(below).", jobs)


def queue_caption() -> str | None:
    """What runs now and how many wait, for the buttons that start benchmarks outside the Run page; None when the
    queue is empty."""
    from vectorscout.benchmarking.run_queue import RunQueue, describe

    entries = RunQueue(results_store()).active()
    if not entries:
        return None
    head = (f"Running now: {describe(entries[0], requested_by=requester(entries[0]))}"
            if entries[0].state == "running" else "The next job is starting")
    return (f"{head}. {ONE_AT_A_TIME}: a new one waits for the {len(entries)} ahead of it; progress and Cancel on "
            "the Run page.")


# What a row says as soon as it is measured: the answer, then how far each figure could move (its "±", half its
# 95 % interval). Two tables, as on the Results page: side by side they need more than the column's 800 px, and a
# lopsided "±" ("+0.184/−0.0991") was cut to "+0.18…".
LIVE_PARTS = (("Engine", "Index", "Search setting", "Recall@k", "p95 (ms)", "QPS", "Status"),
              ("Engine", "Search setting", "Recall ±", "p95 ±", "QPS ±", "Runs in ±"))
INTERVAL_NOTE = ("± is half the 95 % interval (\"+above / −below\" where its sides differ): over this run's queries, "
                 "and, where \"Runs in ±\" counts earlier runs of the same measurement on this machine, wide enough for "
                 "how far p50, p95 and QPS moved between them.")
FIRST_RUNS_NOTE = ("± is half the 95 % interval over this run's queries alone (\"+above/−below\" where its sides differ). "
                   "From the third run of the same measurement on this machine it also holds how far the figure moved "
                   "between runs, which on a shared machine is often more.")


def measured_so_far(run_ids: Iterable[str]) -> None:
    """The rows a job's runs have stored so far: each engine's appears as soon as it is measured (the runner
    stores them engine by engine), with its intervals."""
    from vectorscout.reporting.tables import results_table

    rows = []
    for run_id in run_ids:
        try:
            rows += results_store().get_run(run_id).results
        except KeyError:
            continue
    if rows:
        for columns in LIVE_PARTS:
            show_table(results_table(rows, columns))
        st.caption(INTERVAL_NOTE if any(row.interval_runs for row in rows) else FIRST_RUNS_NOTE)
    else:
        st.caption("No engine has finished yet: each one's row appears here as soon as it is measured.")


def current_workshop() -> Any:
    """The workshop this session has open (vectorscout.decision.workshop.Workshop), or None."""
    from vectorscout.decision.workshop import WorkshopError, load_workshop

    name = st.session_state.get("workshop")
    if not name:
        return None
    try:
        return load_workshop(results_store(), name)
    except WorkshopError:
        return None


def remember_in_workshop(kind: str, value: str) -> None:
    """Add a run, scenario or report to the open workshop (nothing when none is open)."""
    from vectorscout.decision.workshop import remember

    if st.session_state.get("workshop"):
        remember(results_store(), st.session_state["workshop"], kind, value)


# Text elements by name, never "*": a rule on every element also hits the spans inside headings, which then
# shrank below the body text. Tables are drawn on a canvas that ignores fonts, so they are zoomed instead.
PROJECTOR_BODY_REM = 1.3
PROJECTOR_TABLE_ZOOM = 1.3
TABLE_SLACK_PX = 3
PROJECTOR_CSS = f"""<style>
[data-testid="stAppViewContainer"] :is(p, li, label, input, textarea, button, td, th, code, small,
  [data-testid="stCaptionContainer"], [data-testid="stWidgetLabel"] *, [data-baseweb="select"] *,
  [data-testid="stMetricValue"] *) {{ font-size: {PROJECTOR_BODY_REM}rem !important; line-height: 1.45; }}
[data-testid="stAppViewContainer"] :is(h1, h1 *) {{ font-size: 3.2rem !important; }}
[data-testid="stAppViewContainer"] :is(h2, h2 *) {{ font-size: 2.5rem !important; }}
[data-testid="stAppViewContainer"] :is(h3, h3 *) {{ font-size: 2.0rem !important; }}
[data-testid="stDataFrame"], [data-testid="stTable"] {{ zoom: {PROJECTOR_TABLE_ZOOM};
  max-width: calc(100% / {PROJECTOR_TABLE_ZOOM}); }}
[data-testid="stSidebar"] :is(p, span, label, a) {{ font-size: 1.2rem !important; }}
</style>"""
PROJECTOR_CHART_FONT = 18


def sidebar() -> None:
    """The open workshop and the projector switch, on every page."""
    workshop = current_workshop()
    st.sidebar.caption(f"Workshop: **{workshop.name}**" if workshop else "No workshop open (Home)")
    if st.sidebar.toggle("Large fonts (projector)", key="large_fonts",
                         help="Bigger text and chart labels for a room reading a projected screen."):
        st.html(PROJECTOR_CSS)


def show_table(frame: pd.DataFrame, key: str | None = None, hide_index: bool = True, every_row: bool = False) -> None:
    """A read-only table whose columns are as wide as their text (see column_widths); ten rows high and
    scrolled, or every_row tall enough for all of them (a catalog read at a glance)."""
    # projector mode zooms tables: the same frame holds fewer unzoomed pixels, and the grid, given the column's
    # full width in pixels, was zoomed past the column's edge; so it is given its own
    projector = bool(st.session_state.get("large_fonts"))
    zoom = table_zoom(frame) if projector else 1.0
    fit = TABLE_FIT_PX / zoom
    widths = column_widths(frame, fit)
    config = {column: st.column_config.Column(width=width) for column, width in widths.items()}
    holder: Any = contextlib.nullcontext()
    if projector and zoom < PROJECTOR_TABLE_ZOOM:  # this table alone zoomed less, by a rule on its own container
        name = "zoomed-table-" + hashlib.sha1(f"{key}|{frame.to_csv()}".encode()).hexdigest()[:12]
        st.html(f"<style>.st-key-{name} [data-testid=stDataFrame] {{ zoom: {zoom:.3f}; "
                f"max-width: calc(100% / {zoom:.3f}); }}</style>")
        holder = st.container(key=name)
    with holder:
        st.dataframe(frame, hide_index=hide_index, column_config=config, key=key, height="content" if every_row else "auto",
                     width=min(math.floor(TABLE_COLUMN_PX / zoom), sum(widths.values()) + 2) if zoom > 1 else "stretch")


def table_zoom(frame: pd.DataFrame) -> float:
    """Projector mode's zoom of one table: PROJECTOR_TABLE_ZOOM, or less for a table whose headers alone would
    not fit the zoomed column (its grid would scroll sideways inside its frame), never below the desk's 1."""
    # each width is rounded up to a whole pixel and the grid draws a border: TABLE_SLACK_PX per column besides
    headers = headers_px(frame.columns) + TABLE_SLACK_PX * len(frame.columns)
    return max(1.0, min(PROJECTOR_TABLE_ZOOM, TABLE_FIT_PX / headers)) if headers else PROJECTOR_TABLE_ZOOM


def show_chart(figure: Any, key: str) -> None:
    """A Plotly chart, with larger labels in projector mode; the figure module stays free of Streamlit."""
    if st.session_state.get("large_fonts"):
        size = PROJECTOR_CHART_FONT
        figure.update_layout(font={"size": size}, title_font={"size": size + 4}, legend_font={"size": size - 2})
        figure.update_xaxes(tickfont={"size": size - 2}, title_font={"size": size})
        figure.update_yaxes(tickfont={"size": size - 2}, title_font={"size": size})
    st.plotly_chart(figure, key=key, config={"displaylogo": False})
