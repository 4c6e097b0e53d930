"""Concurrent load driven by Locust's master/worker mode instead of local threads or processes.

For users who outgrow one client machine: the same Locust user (vectorscout/benchmarking/locust_load.py) runs in
workers that may sit on other machines; here the master binds 127.0.0.1 and its workers are started beside
it. VectorScout does not distribute anything itself: Locust does, and its CSV statistics are read back.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCUSTFILE = Path(__file__).resolve().parent / "locust_load.py"


class DistributedLoadError(RuntimeError):
    """Locust did not produce statistics; the message holds the end of its log."""


@dataclass(frozen=True)
class LocustStats:
    requests: int
    failures: int
    qps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    workers: int
    users: int
    client_cpu_s: float


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_locust(spec: dict[str, Any], connection: dict[str, Any], users: int, workers: int, duration_s: float,
               timeout_s: float = 600.0) -> LocustStats:
    """One headless Locust run: a master on 127.0.0.1 and `workers` worker processes, `users` users in all."""
    folder = Path(tempfile.mkdtemp(prefix="vs-locust-"))
    port = _free_port()
    environment = {**os.environ, "VECTORSCOUT_LOAD_SPEC": json.dumps(spec),
                   "VECTORSCOUT_LOAD_CONNECTION": json.dumps(connection)}
    base = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--loglevel", "WARNING"]
    logs = [(folder / f"{name}.log").open("w") for name in ["master", *(f"worker{i}" for i in range(workers))]]
    before = os.times()
    master = subprocess.Popen(
        [*base, "--master", "--headless", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
         "--expect-workers", str(workers), "-u", str(users), "-r", str(users), "-t", f"{max(1, round(duration_s))}s",
         "--csv", str(folder / "load"), "--only-summary", "--exit-code-on-error", "0", "--stop-timeout", "5"],
        env=environment, stdout=logs[0], stderr=subprocess.STDOUT,
    )
    started = [subprocess.Popen([*base, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)],
                                env=environment, stdout=log, stderr=subprocess.STDOUT) for log in logs[1:]]
    try:
        master.wait(timeout=duration_s + timeout_s)
    except subprocess.TimeoutExpired:
        master.kill()
    finally:
        for worker in started:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        for log in logs:
            log.close()
    after = os.times()
    stats_file = folder / "load_stats.csv"
    tail = "\n".join((folder / "master.log").read_text(errors="replace").splitlines()[-15:])
    if not stats_file.exists():
        raise DistributedLoadError(f"Locust wrote no statistics (exit code {master.returncode}): {tail}")
    busy = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    stats = read_stats(stats_file, workers, users, busy)
    if stats is None:
        raise DistributedLoadError(f"Locust sent no request: {tail}")
    return stats


def read_stats(stats_file: Path, workers: int, users: int, client_cpu_s: float) -> LocustStats | None:
    """The Aggregated row of Locust's statistics CSV (None when it sent no request). Locust writes response
    times in the unit the user reported them in, and VectorScout's user reports microseconds (Locust rounds
    larger times to two significant figures; whole microseconds keep sub-millisecond queries apart): /1000."""
    with stats_file.open() as handle:
        total = next((row for row in csv.DictReader(handle) if row["Name"] == "Aggregated"), None)
    if total is None or int(total["Request Count"]) + int(total["Failure Count"]) == 0:
        return None

    def ms(column: str) -> float:
        return float(total[column]) / 1000.0

    return LocustStats(
        requests=int(total["Request Count"]), failures=int(total["Failure Count"]), qps=float(total["Requests/s"]),
        p50_ms=ms("50%"), p95_ms=ms("95%"), p99_ms=ms("99%"), mean_ms=ms("Average Response Time"),
        workers=workers, users=users, client_cpu_s=client_cpu_s,
    )
