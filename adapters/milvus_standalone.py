"""Milvus's own standalone server, from the ``milvus`` wheel (2.3.5: Milvus's Go proxy and coordinators with its
C++ Knowhere/segcore engine, embedded etcd and local storage in one binary), started on loopback for a run and
stopped with it.

Process tree: benchmark worker -> this module run as a launcher (``python -m adapters.milvus_standalone``) ->
``milvus run standalone``. Each child gets a parent-death signal, so SIGKILL of the worker (or of the CLI above it)
ends the launcher and with it the server: nothing is left running. The wheel's own ``milvus-server`` command starts
the binary without one, which is why it is not used as it is.
"""

from __future__ import annotations

import fcntl
import functools
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import psutil

from adapters.base import EngineUnavailable
from vectorscout.process.lifetime import die_with_parent

# measured here: 35-60 s on an idle 2-core machine once the binary is unpacked, plus about 15 s to unpack it once
START_TIMEOUT_S = 240.0
STOP_TIMEOUT_S = 15.0
LAUNCHER_MODULE = "adapters.milvus_standalone"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unpacked_binary(cache: Path) -> Path:
    """The server binary and its libraries, unpacked once per installation into ``cache/bin`` (246 MB from 58 MB
    of lzma files) and shared by every run; a lock keeps two runs starting at once from writing it together."""
    import milvus

    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # the wheel's own unpacking step: it skips every file whose recorded checksum still matches
        milvus._initialize_data_files(str(cache))
    return cache / "bin"


def launch(data_dir: Path, proxy_port: int, cache: Path) -> None:
    """Run the server in ``data_dir`` with its proxy on ``proxy_port`` until SIGTERM (called in the launcher)."""
    import milvus

    launcher = os.getpid()
    # The wheel starts its binary with subprocess.Popen; the server gets this launcher as its parent-death signal's
    # parent, so it cannot outlive it. Only the wheel's module sees this Popen.
    milvus.subprocess = SimpleNamespace(
        Popen=functools.partial(subprocess.Popen, preexec_fn=lambda: die_with_parent(launcher)),
        TimeoutExpired=subprocess.TimeoutExpired)
    # The wheel finds free ports for the proxy and every coordinator, but not for the metrics/health HTTP server
    # (9091 unless METRICS_PORT says otherwise): a second server on the machine panicked on it (measured).
    os.environ["METRICS_PORT"] = str(free_port())
    data_dir.mkdir(parents=True, exist_ok=True)
    binary = unpacked_binary(cache)
    if not (data_dir / "bin").exists():
        (data_dir / "bin").symlink_to(binary, target_is_directory=True)
    server = milvus.MilvusServer(wait_for_started=False)
    server.set_base_dir(str(data_dir))
    server.config.set("proxy_port", proxy_port)

    def stop(signum: int, frame: object) -> None:
        server.stop()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.start()
    server.wait()


class StandaloneServer:
    """One Milvus standalone server for one benchmark worker: started on free loopback ports, stopped with its
    whole process tree."""

    def __init__(self, data_dir: Path, cache: Path) -> None:
        self.data_dir = data_dir
        self.proxy_port = free_port()
        self.uri = f"http://127.0.0.1:{self.proxy_port}"
        self.log = data_dir.parent / "milvus-launcher.log"
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        parent = os.getpid()
        with self.log.open("wb") as log:
            self.launcher = subprocess.Popen(
                [sys.executable, "-m", LAUNCHER_MODULE, str(data_dir), str(self.proxy_port), str(cache)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd=Path(__file__).resolve().parents[1], preexec_fn=lambda: die_with_parent(parent))

    def wait_until_serving(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Return once the proxy answers a version request; if the server dies or stays silent, stop it and raise
        EngineUnavailable with the last lines it wrote."""
        import pymilvus

        deadline = time.monotonic() + timeout_s
        while True:
            try:
                client = pymilvus.MilvusClient(uri=self.uri, timeout=5)
                try:
                    client.get_server_version()
                    return
                finally:
                    client.close()
            except Exception:
                if not self.running() or time.monotonic() > deadline:
                    failure = self.failure()
                    self.stop()
                    raise EngineUnavailable(f"Milvus's standalone server did not start within {timeout_s:.0f} s: "
                                            f"{failure}") from None
                time.sleep(0.5)

    def running(self) -> bool:
        return self.launcher.poll() is None

    def process_ids(self) -> list[int]:
        """The server binary's process (the launcher is a small Python process: its memory is not Milvus's)."""
        try:
            return [child.pid for child in psutil.Process(self.launcher.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def failure(self) -> str:
        """The last lines the launcher and the server wrote, for an error message."""
        texts = [self.log.read_text(errors="replace").strip()]
        stderr = self.data_dir / "logs" / "milvus-stderr.log"
        if stderr.exists():
            texts.append(stderr.read_text(errors="replace").strip())
        return " | ".join(t[-400:] for t in texts if t) or "no output"

    def stop(self) -> None:
        """Stop the server and the launcher; whatever is still alive after the grace period is killed."""
        members = [self.launcher.pid, *self.process_ids()]
        if self.running():
            self.launcher.terminate()
            try:
                self.launcher.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.launcher.kill()
                self.launcher.wait(STOP_TIMEOUT_S)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for pid in members:
            try:
                process = psutil.Process(pid)
                process.wait(max(0.1, deadline - time.monotonic()))
            except psutil.TimeoutExpired:
                process.kill()
            except psutil.NoSuchProcess:
                pass


if __name__ == "__main__":
    launch(Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]))
