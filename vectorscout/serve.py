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
import secrets
import socket
import subprocess
import sys
import time
import tomllib
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from vectorscout.process.lifetime import die_with_parent

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
PASSWORD_ENV = "VECTORSCOUT_PASSWORD"
# The app behind the proxy is given a token (in its environment, which other local users cannot read); the proxy
# sends it with every request, so a page opened on Streamlit's own loopback port, past the proxy, is refused.
BEHIND_PROXY_ENV = "VECTORSCOUT_BEHIND_PROXY"
PROXY_TOKEN_HEADER = "X-VectorScout-Proxy"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Uploads are dataset imports; the import itself is bounded again (VECTORSCOUT_MAX_IMPORT_BYTES).
DEFAULT_UPLOAD_FILE_MB = 1024
DEFAULT_UPLOAD_SESSION_MB = 4096
# Headers that belong to one hop of the connection, not to the request or response passed on.
HOP_HEADERS = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
               "trailers", "transfer-encoding", "upgrade", "host", "authorization", "content-length",
               PROXY_TOKEN_HEADER.lower()}
UPLOAD_PATH = "/_stcore/upload_file/"
# A connection that has not sent a whole request this long after opening (or after its last answer) is closed:
# a browser sends its headers at once, and hundreds of half-sent requests must not hold the server's sockets.
IDLE_TIMEOUT_S = 10.0
# Wrong passwords: after this many from one address, or this many from all addresses together, within the
# window, requests bearing a password are answered 429 without checking it (an address that has logged in
# before keeps its access), so parallel guessing gains nothing over guessing one at a time.
GUESSES_PER_CLIENT = 10
GUESSES_OVERALL = 100
GUESS_WINDOW_S = 60.0


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


class Guesses:
    """Wrong passwords per address and overall within a sliding window, and the addresses that logged in."""

    def __init__(self, per_client: int = GUESSES_PER_CLIENT, overall: int = GUESSES_OVERALL,
                 window_s: float = GUESS_WINDOW_S, clock: Any = time.monotonic) -> None:
        self.per_client, self.overall, self.window_s, self.clock = per_client, overall, window_s, clock
        self.failures: dict[str, list[float]] = {}
        self.trusted: set[str] = set()

    def _recent(self) -> None:
        since = self.clock() - self.window_s
        self.failures = {client: kept for client, times in self.failures.items()
                         if (kept := [t for t in times if t > since])}

    def locked(self, client: str) -> bool:
        if client in self.trusted:
            return False
        self._recent()
        return (len(self.failures.get(client, ())) >= self.per_client
                or sum(map(len, self.failures.values())) >= self.overall)

    def failed(self, client: str) -> None:
        self.failures.setdefault(client, []).append(self.clock())

    def succeeded(self, client: str) -> None:
        self.trusted.add(client)


class BodyStalled(Exception):
    """A request body that stopped arriving: the sender holds a connection without sending."""


async def received(content: Any) -> Any:
    """The request's body as it arrives, given up when no byte has come for IDLE_TIMEOUT_S (an upload that
    trickles or stops must not hold a connection and Streamlit's upload for good)."""
    while True:
        try:
            chunk = await asyncio.wait_for(content.readany(), IDLE_TIMEOUT_S)
        except TimeoutError:
            raise BodyStalled from None
        if not chunk:
            return
        yield chunk


def canonical(raw_path: str) -> bool:
    """Whether a request path is already in the one form a browser sends: no '.' or '..' segment and no empty
    one (decoded or not), so what the upload cap judges is what Streamlit serves."""
    path = urllib.parse.unquote(raw_path.split("?", 1)[0])
    segments = path.split("/")
    return (path.startswith("/") and "\\" not in path and not {".", ".."} & set(segments)
            and "" not in segments[1:-1])


class Proxy:
    """Every request and websocket checked, then passed to the Streamlit server on loopback."""

    def __init__(self, upstream_port: int, password: str, file_cap_bytes: int, session_cap_bytes: int,
                 token: str = "") -> None:
        self.upstream = f"http://127.0.0.1:{upstream_port}"
        self.password, self.token = password, token
        self.file_cap, self.session_cap = file_cap_bytes, session_cap_bytes
        self.uploaded: dict[str, int] = {}  # bytes admitted per Streamlit session
        self.guesses = Guesses()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        client = request.remote or ""
        if "Authorization" in request.headers and self.guesses.locked(client):
            return web.Response(status=429, text="VectorScout: too many wrong passwords; try again in a minute.\n",
                                headers={"Retry-After": str(int(GUESS_WINDOW_S))})
        if not authorized(request.headers.get("Authorization"), self.password):
            if "Authorization" in request.headers:
                self.guesses.failed(client)
                await asyncio.sleep(1.0)  # slows guessing
            return web.Response(status=401, text="VectorScout: the password is required.\n",
                                headers={"WWW-Authenticate": 'Basic realm="VectorScout", charset="UTF-8"'})
        self.guesses.succeeded(client)
        if not canonical(request.raw_path):
            return web.Response(status=400, text="VectorScout: a path with '.', '..' or empty segments is refused.\n")
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
        if self.token:
            headers[PROXY_TOKEN_HEADER] = self.token
        return headers

    async def forward(self, request: web.Request) -> web.StreamResponse:
        body = received(request.content) if request.can_read_body else None
        try:
            async with self.client.request(request.method, self.upstream + request.path_qs, data=body,
                                           headers=self.upstream_headers(request), allow_redirects=False) as upstream:
                response = web.StreamResponse(status=upstream.status, headers={
                    k: v for k, v in upstream.headers.items() if k.lower() not in HOP_HEADERS})
                await response.prepare(request)
                async for chunk in upstream.content.iter_chunked(2**16):
                    await response.write(chunk)
                await response.write_eof()
                return response
        except (BodyStalled, aiohttp.ClientConnectionError) as exc:
            # the client sends the body in a task of its own and reports its failure wrapped
            if not isinstance(exc, BodyStalled) and not isinstance(exc.__cause__, BodyStalled):
                raise
            return web.Response(status=408, text=f"VectorScout: no part of the request's body came for "
                                                 f"{IDLE_TIMEOUT_S:g} s.\n")

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        protocols = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]
        headers = {k: v for k, v in self.upstream_headers(request).items()
                   if k.lower() in ("cookie", "origin", "user-agent", PROXY_TOKEN_HEADER.lower())}
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
    if not (PROJECT_ROOT / "app.py").is_file():  # an installed package carries the command line, not the pages
        raise ServeError("the dashboard runs from a checkout of VectorScout (`make run` there); this installation "
                         "has the command line only")
    if host in LOOPBACK:
        dashboard = start_dashboard(streamlit_command(host, port), dict(os.environ))
        try:
            return dashboard.wait()
        finally:
            stop_dashboard(dashboard)
    password = configured_password()
    if not password:
        raise ServeError(f"serving {host}, which other machines can reach, needs a password: set {PASSWORD_ENV} (or "
                         "`password` in .streamlit/secrets.toml), or serve 127.0.0.1")
    file_cap = megabytes("VECTORSCOUT_UPLOAD_FILE_MB", DEFAULT_UPLOAD_FILE_MB)
    session_cap = megabytes("VECTORSCOUT_UPLOAD_SESSION_MB", DEFAULT_UPLOAD_SESSION_MB)
    internal, token = free_port(), secrets.token_urlsafe(32)
    dashboard = start_dashboard(streamlit_command("127.0.0.1", internal, "--client.showErrorDetails", "none",
                                                  "--server.maxUploadSize", str(file_cap)),
                                {**os.environ, BEHIND_PROXY_ENV: token})
    try:
        wait_until_healthy(internal, dashboard)
        proxy = Proxy(internal, password, file_cap * 2**20, session_cap * 2**20, token)
        app = web.Application(client_max_size=0)
        app.on_startup.append(proxy.start)
        app.on_cleanup.append(proxy.stop)
        app.router.add_route("*", "/{tail:.*}", proxy.handle)
        print(f"VectorScout: http://{host}:{port} (password required; Streamlit on 127.0.0.1:{internal} behind it)",
              flush=True)
        web.run_app(app, host=host, port=port, print=None, access_log=None, keepalive_timeout=IDLE_TIMEOUT_S)
        return 0
    finally:
        stop_dashboard(dashboard)


def start_dashboard(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Streamlit as this process's child, which the kernel ends when this process dies however it dies (a SIGTERM
    or SIGKILL skips every ``finally``): a stopped `serve` leaves nothing answering on its port."""
    parent = os.getpid()
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, preexec_fn=lambda: die_with_parent(parent))


def stop_dashboard(dashboard: subprocess.Popen[bytes]) -> None:
    dashboard.terminate()
    try:
        dashboard.wait(10)
    except subprocess.TimeoutExpired:
        dashboard.kill()
        dashboard.wait()

