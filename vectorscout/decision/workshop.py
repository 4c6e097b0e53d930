"""A named workshop: the scenario(s), runs and reports of one selection exercise.

Kept in the results store, so it survives a restart; exported as one JSON file holding everything it
refers to (scenarios in full, runs with all their rows), so a workshop moves between laptops whole.
Importing never overwrites: runs already present are kept as they are, a scenario or workshop whose name is
taken gets a new name, and the file is checked completely before anything is written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

from vectorscout.decision.scenario import Scenario, ScenarioError, save_scenario, saved_scenarios, scenario_path
from vectorscout.results.records import Run, utc_now
from vectorscout.results.store import ResultsStore, StoreError
from vectorscout.results.validation import RunDocumentError, check_record, check_run_document

FORMAT = "vectorscout-workshop/1"
NAME = re.compile(r"^[\w .,'()+&-]{1,80}$")


class WorkshopError(ValueError):
    """A workshop name, file or change that cannot be used, with what to do."""


@dataclass
class Workshop:
    name: str
    scenarios: list[str] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)  # folders the reports were written to
    notes: str = ""
    created_at: str = field(default_factory=utc_now)

    def add(self, kind: str, value: str) -> None:
        items = {"scenario": self.scenarios, "run": self.run_ids, "report": self.reports}[kind]
        if value not in items:
            items.append(value)


def check_name(name: str) -> str:
    name = name.strip()
    if not NAME.match(name):
        raise WorkshopError("a workshop name is 1-80 letters, digits, spaces and . , ' ( ) + & - _")
    return name


def load_workshop(store: ResultsStore, name: str) -> Workshop:
    try:
        document = store.get_workshop(name)
    except KeyError:
        raise WorkshopError(f"no workshop named {name!r}; workshops: {', '.join(store.list_workshops()) or 'none'}") from None
    return Workshop(**{k: v for k, v in document.items() if k in Workshop.__dataclass_fields__})


def remember(store: ResultsStore, name: str, kind: str, value: str) -> None:
    """Add a run, scenario or report to the named workshop; nothing when it no longer exists (deleted
    meanwhile: what was added stays in the store)."""
    try:
        workshop = load_workshop(store, name)
    except WorkshopError:
        return
    workshop.add(kind, value)
    save_workshop(store, workshop)


def save_workshop(store: ResultsStore, workshop: Workshop) -> None:
    workshop.name = check_name(workshop.name)
    store.save_workshop(workshop.name, asdict(workshop))


def open_or_create(store: ResultsStore, name: str) -> Workshop:
    name = check_name(name)
    if name in store.list_workshops():
        return load_workshop(store, name)
    workshop = Workshop(name)
    save_workshop(store, workshop)
    return workshop


def export_workshop(store: ResultsStore, name: str) -> str:
    """One JSON document with the workshop and everything it refers to."""
    workshop = load_workshop(store, name)
    scenarios = saved_scenarios()
    runs = []
    for run_id in workshop.run_ids:
        try:
            runs.append(store.get_run(run_id).to_dict())
        except KeyError:
            continue  # a run removed from this store: the workshop still lists it, the file cannot carry it
    return json.dumps({
        "format": FORMAT, "exported_at": utc_now(), "workshop": asdict(workshop),
        "scenarios": [json.loads(scenarios[s].to_json()) for s in workshop.scenarios if s in scenarios],
        "runs": runs,
    }, indent=1)


RENAME_ATTEMPTS = 1000
NAME_KEPT = 56  # a scenario's file name keeps 64 characters: a shorter base leaves room for " (n)" to tell copies apart


def _free_name(name: str, taken: Callable[[str], bool], keep: int | None = None) -> str:
    """The name, or "name (2)", "name (3)", ... : the first one not taken, within RENAME_ATTEMPTS tries. With
    `keep`, the base is cut so the suffix survives where names are stored cut short (two long names that differ
    only past the cut would otherwise map to one file, and every suffix with them)."""
    if not taken(name):
        return name
    base = name[:keep].rstrip() if keep is not None else name
    for number in range(2, RENAME_ATTEMPTS + 2):
        candidate = f"{base} ({number})"
        if not taken(candidate):
            return candidate
    raise WorkshopError(f"no free name like {name[:80]!r} after {RENAME_ATTEMPTS:,} tries: rename it and import again")


def import_workshop(store: ResultsStore, text: str) -> Workshop:
    """Add a workshop file's scenarios, runs and workshop to this machine; returns the workshop as stored."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise WorkshopError(f"not a workshop file: {exc}") from None
    except RecursionError:  # thousands of nested brackets: no workshop file nests more than a few levels
        raise WorkshopError("not a workshop file: nested too deeply") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise WorkshopError(f"not a workshop file (expected format {FORMAT!r})")
    try:
        check_record(document["workshop"], Workshop, "workshop")  # names and lists of names are text
        workshop = Workshop(**{k: v for k, v in dict(document["workshop"]).items() if k in Workshop.__dataclass_fields__})
        scenarios = []
        for number, raw in enumerate(document.get("scenarios", [])):
            if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
                raise ValueError(f"scenario {number + 1}: expected an object with a text name")
            scenarios.append(Scenario(raw["name"], dict(raw.get("answers", {})), dict(raw.get("priorities", {})),
                                      dict(raw.get("cost", {}))))
        for number, run_document in enumerate(document.get("runs", [])):
            try:
                check_run_document(run_document)
            except RunDocumentError as exc:  # a ValueError: said below as the file being damaged
                raise RunDocumentError(f"run {number + 1}: {exc}") from None
        runs = [Run.from_dict(r) for r in document.get("runs", [])]
        twice = next((r.run_id for n, r in enumerate(runs) if r.run_id in {o.run_id for o in runs[:n]}), None)
        if twice is not None:
            raise ValueError(f"run {twice} appears twice")
    except (KeyError, TypeError, ValueError, ScenarioError) as exc:
        raise WorkshopError(f"the workshop file is damaged: {exc}") from None
    check_name(workshop.name)
    # everything is checked above; only now is anything written
    renamed: dict[str, str] = {}
    for scenario in scenarios:
        original = scenario.name

        def taken(name: str, scenario: Scenario = scenario) -> bool:
            # names are saved as file slugs: "Shop" and "shop" would share a file, so compare the files;
            # the same scenario already there is not a clash
            path = scenario_path(name)
            return path.exists() and path.read_text() != replace(scenario, name=name).to_json()

        scenario.name = _free_name(original, taken, keep=NAME_KEPT)
        if scenario.name != original:
            renamed[original] = scenario.name
        save_scenario(scenario)
    known = {s.run_id for s in store.list_runs(limit=10**9)}
    for run in runs:
        if run.run_id not in known:
            try:
                store.import_run(run.to_dict())
            except StoreError as exc:
                raise WorkshopError(f"run {run.run_id} could not be stored: {exc}") from None
    workshop.scenarios = [renamed.get(s, s) for s in workshop.scenarios]
    workshop.name = _free_name(workshop.name, set(store.list_workshops()).__contains__)
    save_workshop(store, workshop)
    return workshop
