"""The results store: SQLite in WAL mode under the VectorScout home. Runs are never overwritten."""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from vectorscout.home import home_dir, read_only_error
from vectorscout.results.records import DatasetInfo, Environment, ResultRow, Run, RunStatus, utc_now

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    k INTEGER NOT NULL,
    dataset TEXT NOT NULL,
    plan TEXT NOT NULL,
    environment TEXT NOT NULL,
    owner_pid INTEGER
);
CREATE TABLE IF NOT EXISTS results (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    engine TEXT NOT NULL,
    status TEXT NOT NULL,
    row TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX IF NOT EXISTS runs_created ON runs(created_at);
CREATE TABLE IF NOT EXISTS queue (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL UNIQUE,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    state TEXT NOT NULL,
    plans TEXT NOT NULL,
    workshop TEXT,
    pid INTEGER,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    started_at TEXT,
    finished_at TEXT,
    progress TEXT NOT NULL DEFAULT '{}',
    run_ids TEXT NOT NULL DEFAULT '[]',
    error TEXT
);
CREATE TABLE IF NOT EXISTS workshops (
    name TEXT PRIMARY KEY,
    document TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


def writable(folder: Path) -> bool:
    """Whether files can be created in the folder: tried, not judged from permission bits (root ignores them;
    a read-only mount refuses root too)."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-probe-"):
            return True
    except OSError:
        return False


class StoreError(RuntimeError):
    """The store cannot be read or written; nothing already stored is lost."""


class ReadOnlyHome(StoreError):
    """A write asked of a store in a read-only home."""


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    created_at: str
    status: str
    label: str
    dataset: str
    engines: list[str]
    k: int


@dataclass(frozen=True)
class EarlierRow:
    environment: Environment
    dataset: DatasetInfo
    k: int
    row: ResultRow


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


class ResultsStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or home_dir() / "results.sqlite"
        # A store in a read-only home (a read-only mount, a folder of another user) is opened read-only: what
        # was stored can be listed, shown, exported and reported; a write says the home is read-only.
        self.read_only = self.path.exists() and not writable(self.path.parent)
        if self.read_only:
            return
        try:
            with self._connect() as db:
                db.executescript(SCHEMA)
            self._mark_orphans_interrupted()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the results store at {self.path}: {exc}") from exc

    @contextmanager
    def transaction(self, immediate: bool = False) -> Iterator[sqlite3.Connection]:
        """One transaction on a connection of its own; ``immediate`` takes the write lock at once (for a
        read-then-write that must not interleave with another process's, such as claiming the run queue)."""
        with self._connect() as db:
            if immediate:
                db.execute("BEGIN IMMEDIATE")
            yield db

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # One short-lived connection per operation: safe from any thread and process.
        try:
            if self.read_only:  # immutable: SQLite needs no -wal or -shm file it could not create
                db = sqlite3.connect(f"{self.path.absolute().as_uri()}?immutable=1", uri=True, timeout=30)
            else:
                db = sqlite3.connect(self.path, timeout=30)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the results store at {self.path}: {exc}") from exc
        try:
            if not self.read_only:
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            with db:  # a transaction: committed on success, rolled back on error
                yield db
        except sqlite3.Error as exc:
            if self.read_only:
                raise ReadOnlyHome(str(read_only_error(self.path.parent))) from None
            raise StoreError(f"results store at {self.path}: {exc}") from exc
        finally:
            db.close()

    def _mark_orphans_interrupted(self) -> None:
        """A run left 'running' by a process that no longer exists was interrupted, not finished."""
        with self._connect() as db:
            rows = db.execute("SELECT run_id, owner_pid FROM runs WHERE status = 'running'").fetchall()
            for run_id, pid in rows:
                if pid is None or not psutil.pid_exists(pid):
                    db.execute(
                        "UPDATE runs SET status = 'interrupted', finished_at = ? WHERE run_id = ?", (utc_now(), run_id)
                    )

    # -- writing -----------------------------------------------------------------------------
    def create_run(self, run: Run) -> None:
        with self._connect() as db:
            exists = db.execute("SELECT 1 FROM runs WHERE run_id = ?", (run.run_id,)).fetchone()
            if exists:
                raise StoreError(f"run {run.run_id} already exists; stored runs are never overwritten")
            db.execute(
                "INSERT INTO runs (run_id, created_at, finished_at, status, label, k, dataset, plan, environment,"
                " owner_pid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.run_id, run.created_at, run.finished_at, run.status, run.label, run.k,
                    json.dumps(asdict(run.dataset)), json.dumps(run.plan), json.dumps(asdict(run.environment)),
                    os.getpid() if run.status == "running" else None,
                ),
            )
            self._insert_rows(db, run.run_id, run.results)

    def _insert_rows(self, db: sqlite3.Connection, run_id: str, rows: list[ResultRow]) -> None:
        (next_seq,) = db.execute("SELECT COALESCE(MAX(seq) + 1, 0) FROM results WHERE run_id = ?", (run_id,)).fetchone()
        db.executemany(
            "INSERT INTO results (run_id, seq, engine, status, row) VALUES (?, ?, ?, ?, ?)",
            [(run_id, next_seq + i, r.engine, r.status, json.dumps(r.to_dict())) for i, r in enumerate(rows)],
        )

    def add_results(self, run_id: str, rows: list[ResultRow]) -> None:
        with self._connect() as db:
            self._insert_rows(db, run_id, rows)

    def finish_run(self, run_id: str, status: RunStatus, environment: Environment | None = None) -> None:
        with self._connect() as db:
            db.execute("UPDATE runs SET status = ?, finished_at = ? WHERE run_id = ?", (status, utc_now(), run_id))
            if environment is not None:
                db.execute("UPDATE runs SET environment = ? WHERE run_id = ?", (json.dumps(asdict(environment)), run_id))

    def import_run(self, data: dict[str, Any]) -> Run:
        from vectorscout.results.validation import RunDocumentError, check_run_document

        try:
            check_run_document(data)  # every field as the records declare it: pages never meet a string for a figure
            run = Run.from_dict(data)
        except (RunDocumentError, TypeError) as exc:
            raise StoreError(f"not a VectorScout run export: {exc}") from None
        if run.status == "running":
            run.status = "interrupted"  # an export taken mid-run cannot finish here
        self.create_run(run)
        return run

    # -- reading -----------------------------------------------------------------------------
    def get_run(self, run_id: str) -> Run:
        with self._connect() as db:
            row = db.execute(
                "SELECT run_id, created_at, finished_at, status, label, k, dataset, plan, environment"
                " FROM runs WHERE run_id = ?", (run_id,),
            ).fetchone()
            if row is None:
                raise KeyError(run_id)
            results = db.execute("SELECT row FROM results WHERE run_id = ? ORDER BY seq", (run_id,)).fetchall()
        return Run(
            run_id=row[0], created_at=row[1], finished_at=row[2], status=row[3], label=row[4], k=row[5],
            dataset=DatasetInfo.from_dict(json.loads(row[6])), plan=json.loads(row[7]),
            environment=Environment.from_dict(json.loads(row[8])),
            results=[ResultRow.from_dict(json.loads(r[0])) for r in results],
        )

    def list_runs(self, limit: int = 1000) -> list[RunSummary]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT r.run_id, r.created_at, r.status, r.label, r.dataset, r.k,"
                " (SELECT GROUP_CONCAT(DISTINCT engine) FROM results WHERE run_id = r.run_id)"
                " FROM runs r ORDER BY r.created_at DESC, r.run_id DESC LIMIT ?", (limit,),
            ).fetchall()
        return [
            RunSummary(
                run_id=r[0], created_at=r[1], status=r[2], label=r[3], dataset=json.loads(r[4]).get("name", ""),
                engines=sorted((r[6] or "").split(",")) if r[6] else [], k=r[5],
            )
            for r in rows
        ]

    def durations_s(self, label: str, limit: int = 5) -> list[float]:
        """Wall-clock seconds of the latest finished runs with this label (newest first): what the next such run
        will likely take on this machine."""
        with self._connect() as db:
            rows = db.execute("SELECT created_at, finished_at FROM runs WHERE label = ? AND status = 'finished' AND "
                              "finished_at IS NOT NULL ORDER BY created_at DESC LIMIT ?", (label, limit)).fetchall()
        return [(datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() for start, end in rows]

    def earlier_rows(self, engine: str, run_id: str, limit: int = 500) -> list[EarlierRow]:
        """The engine's measured rows from the runs stored before this run, newest first, each with the machine
        and data its run recorded: what a figure measured again is compared with. Stored before, not created
        before: runs of small data start several in one second, and created_at counts seconds."""
        with self._connect() as db:
            found = db.execute(
                "SELECT r.environment, r.dataset, r.k, x.row FROM results x JOIN runs r USING (run_id)"
                " WHERE x.engine = ? AND x.status = 'ok' AND r.rowid < (SELECT rowid FROM runs WHERE run_id = ?)"
                " ORDER BY r.rowid DESC, x.seq LIMIT ?", (engine, run_id, limit)).fetchall()
        return [EarlierRow(Environment.from_dict(json.loads(env)), DatasetInfo.from_dict(json.loads(data)), k,
                           ResultRow.from_dict(json.loads(row))) for env, data, k, row in found]

    # -- workshops ---------------------------------------------------------------------------
    def save_workshop(self, name: str, document: dict[str, Any]) -> None:
        with self._connect() as db:
            db.execute("INSERT INTO workshops (name, document, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO "
                       "UPDATE SET document = excluded.document, updated_at = excluded.updated_at",
                       (name, json.dumps(document), utc_now()))

    def get_workshop(self, name: str) -> dict[str, Any]:
        with self._connect() as db:
            row = db.execute("SELECT document FROM workshops WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise KeyError(name)
        document: dict[str, Any] = json.loads(row[0])
        return document

    def list_workshops(self) -> list[str]:
        with self._connect() as db:
            return [r[0] for r in db.execute("SELECT name FROM workshops ORDER BY updated_at DESC, name").fetchall()]
