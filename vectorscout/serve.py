"""Serving the dashboard. On loopback: Streamlit itself. Beyond it: Streamlit on a private loopback port behind
a small authenticating proxy, so nothing answers before the password — pages, static files, media, uploads
and the websocket alike (Streamlit's own endpoints answer any session, logged in or not), with uploads
capped per file and per session, and error details kept out of visitors' browsers.

The proxy asks with HTTP Basic authentication (any user name, the room's password): the browser asks once
and sends it with every request, the websocket's included. Put TLS in front of it beyond a trusted network.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import os
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from vectorscout.benchmarking.lifetime import die_with_parent

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
PASSWORD_ENV = "VECTORSCOUT_PASSWORD"
BEHIND_PROXY_ENV = "VECTORSCOUT_BEHIND_PROXY"  # tells the app the proxy has checked the password already
PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Uploads are dataset imports; the import itself is bounded again (VECTORSCOUT_MAX_IMPORT_BYTES).
DEFAULT_UPLOAD_FILE_MB = 1024
DEFAULT_UPLOAD_SESSION_MB = 4096
# Headers that belong to one hop of the connection, not to the request or response passed on.
HOP_HEADERS = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
               "trailers", "transfer-encoding", "upgrade", "host", "authorization", "content-length"}
UPLOAD_PATH = "/_stcore/upload_file/"


class ServeError(ValueError):
    """The dashboard cannot be served as asked (one line, exit 2)."""


def configured_password() -> str:
    """The room's password: the environment, else `password` in .streamlit/secrets.toml."""
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    secrets = PROJECT_ROOT / ".streamlit" / "secrets.toml"
    try:
        return str(tomllib.loads(secrets.read_text()).get("password", "") or "") if secrets.exists() else ""
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ServeError(f"cannot read {secrets}: {exc}") from None


def megabytes(variable: str, default: int) -> int:
    raw = os.environ.get(variable) or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise ServeError(f"{variable} must be a positive whole number of MB; got {raw!r}")
    return int(raw)


def authorized(header: str | None, password: str) -> bool:
    """HTTP Basic credentials carrying the password (the user name is not checked)."""
    if not header or not header.startswith("Basic "):
        return False
    try:
        decoded = base64.b64decode(header[6:], validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return False
    return hmac.compare_digest(decoded.partition(":")[2].encode(), password.encode())


class Proxy:
    """Every request and websocket checked, then passed to the Streamlit server on loopback."""

    def __init__(self, upstream_port: int, password: str, file_cap_bytes: int, session_cap_bytes: int) -> None:
        self.upstream = f"http://127.0.0.1:{upstream_port}"
        self.password = password
        self.file_cap, self.session_cap = file_cap_bytes, session_cap_bytes
        self.uploaded: dict[str, int] = {}  # bytes admitted per Streamlit session

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if not authorized(request.headers.get("Authorization"), self.password):
            if "Authorization" in request.headers:
                await asyncio.sleep(1.0)  # slows guessing
            return web.Response(status=401, text="VectorScout: the password is required.\n",
                                headers={"WWW-Authenticate": 'Basic realm="VectorScout", charset="UTF-8"'})
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self.websocket(request)
        if request.path.startswith(UPLOAD_PATH) and request.method in ("PUT", "POST"):
            refusal = self.admit_upload(request)
            if refusal is not None:
                return refusal
        return await self.forward(request)

    def admit_upload(self, request: web.Request) -> web.Response | None:
        """Within the per-file and per-session caps, judged on the declared length before a byte is read."""
        length = request.content_length
        if length is None:
            return web.Response(status=411, text="VectorScout: an upload must declare its length.\n")
        session = request.path[len(UPLOAD_PATH):].split("/", 1)[0]
        if length > self.file_cap:
            return web.Response(status=413, text=f"VectorScout: uploads are limited to {self.file_cap // 2**20:,} MB "
                                                 "per file (VECTORSCOUT_UPLOAD_FILE_MB).\n")
        if self.uploaded.get(session, 0) + length > self.session_cap:
            return web.Response(status=413, text=f"VectorScout: uploads are limited to {self.session_cap // 2**20:,} "
                                                 "MB per session (VECTORSCOUT_UPLOAD_SESSION_MB).\n")
        self.uploaded[session] = self.uploaded.get(session, 0) + length
        return None

    def upstream_headers(self, request: web.Request) -> dict[str, str]:
        """The request's headers for Streamlit: hop headers dropped, and the browser's Origin said as Streamlit's
        own (it refuses other origins; this proxy has checked the visitor already)."""
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        if "Origin" in headers:
            headers["Origin"] = self.upstream
        return headers

    async def forward(self, request: web.Request) -> web.StreamResponse:
        body = request.content if request.can_read_body else None
        async with self.client.request(request.method, self.upstream + request.path_qs, data=body,
                                       headers=self.upstream_headers(request), allow_redirects=False) as upstream:
            response = web.StreamResponse(status=upstream.status, headers={
                k: v for k, v in upstream.headers.items() if k.lower() not in HOP_HEADERS})
            await response.prepare(request)
            async for chunk in upstream.content.iter_chunked(2**16):
                await response.write(chunk)
            await response.write_eof()
            return response

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        protocols = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]
        headers = {k: v for k, v in self.upstream_headers(request).items()
                   if k.lower() in ("cookie", "origin", "user-agent")}
        try:
            server = await self.client.ws_connect(self.upstream + request.path_qs, protocols=protocols,
                                                  headers=headers, max_msg_size=0)
        except aiohttp.ClientError as exc:
            return web.Response(status=502, text=f"VectorScout: the dashboard refused the connection ({exc}).\n")
        browser = web.WebSocketResponse(protocols=[server.protocol] if server.protocol else (), max_msg_size=0)
        await browser.prepare(request)

        async def relay(source: Any, target: Any) -> None:
            async for message in source:
                if message.type == aiohttp.WSMsgType.TEXT:
                    await target.send_str(message.data)
                elif message.type == aiohttp.WSMsgType.BINARY:
                    await target.send_bytes(message.data)
                else:
                    break

        relays = [asyncio.ensure_future(relay(browser, server)), asyncio.ensure_future(relay(server, browser))]
        await asyncio.wait(relays, return_when=asyncio.FIRST_COMPLETED)
        for task in relays:
            task.cancel()
        await server.close()
        await browser.close()
        return browser

    async def start(self, app: web.Application) -> None:
        self.client = aiohttp.ClientSession(auto_decompress=False, timeout=aiohttp.ClientTimeout(total=None))

    async def stop(self, app: web.Application) -> None:
        await self.client.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def streamlit_command(address: str, port: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"), "--server.address", address,
            "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false", *extra]


def wait_until_healthy(port: int, process: subprocess.Popen[bytes], patience_s: float = 120) -> None:
    deadline = time.monotonic() + patience_s
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise ServeError("the dashboard did not start (see the output above)")
        time.sleep(0.3)


def serve(host: str, port: int) -> int:
    """Serve the dashboard on host:port; beyond loopback only behind the password (ServeError without one)."""
    if host in LOOPBACK:
        return subprocess.call(streamlit_command(host, port), cwd=PROJECT_ROOT)
    password = configured_password()
    if not password:
        raise ServeError(f"serving {host}, which other machines can reach, needs a password: set {PASSWORD_ENV} (or "
                         "`password` in .streamlit/secrets.toml), or serve 127.0.0.1")
    file_cap = megabytes("VECTORSCOUT_UPLOAD_FILE_MB", DEFAULT_UPLOAD_FILE_MB)
    session_cap = megabytes("VECTORSCOUT_UPLOAD_SESSION_MB", DEFAULT_UPLOAD_SESSION_MB)
    internal = free_port()
    parent = os.getpid()
    dashboard = subprocess.Popen(
        streamlit_command("127.0.0.1", internal, "--client.showErrorDetails", "none",
                          "--server.maxUploadSize", str(file_cap)),
        cwd=PROJECT_ROOT, env={**os.environ, BEHIND_PROXY_ENV: "1"}, preexec_fn=lambda: die_with_parent(parent))
    try:
        wait_until_healthy(internal, dashboard)
        proxy = Proxy(internal, password, file_cap * 2**20, session_cap * 2**20)
        app = web.Application(client_max_size=0)
        app.on_startup.append(proxy.start)
        app.on_cleanup.append(proxy.stop)
        app.router.add_route("*", "/{tail:.*}", proxy.handle)
        print(f"VectorScout: http://{host}:{port} (password required; Streamlit on 127.0.0.1:{internal} behind it)",
              flush=True)
        web.run_app(app, host=host, port=port, print=None, access_log=None)
        return 0
    finally:
        dashboard.terminate()
        try:
            dashboard.wait(10)
        except subprocess.TimeoutExpired:
            dashboard.kill()

