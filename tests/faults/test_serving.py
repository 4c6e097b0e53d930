"""Served beyond loopback, nothing answers before the password: raw HTTP and websocket probes get 401, uploads
are capped per file and per session, and visitors never see error details."""

import base64
import http.client
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from conftest import CHROMIUM, CHROMIUM_FLAGS, require_tool

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.2"  # a loopback address other than 127.0.0.1: served as if to the network
PASSWORD = "s3cret /@:#% x"  # every character that broke secret handling once


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def request(port: int, method: str, path: str, password: str | None = None, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    sent = dict(headers or {})
    if password is not None:
        sent["Authorization"] = "Basic " + base64.b64encode(f"room:{password}".encode()).decode()
    connection.request(method, path, body=body, headers=sent)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


WEBSOCKET = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
             "Sec-WebSocket-Key": base64.b64encode(b"0123456789abcdef").decode(), "Sec-WebSocket-Protocol": "streamlit"}


@pytest.fixture
def served(vectorscout_home, tmp_path):
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "vectorscout", "serve", "--host", HOST, "--port", str(port)],
                               cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                               env={**os.environ, "VECTORSCOUT_PASSWORD": PASSWORD, "VECTORSCOUT_UPLOAD_FILE_MB": "1",
                                    "VECTORSCOUT_UPLOAD_SESSION_MB": "3"})
    deadline = time.monotonic() + 120
    while True:  # ready when the proxy answers (with 401: no password given)
        try:
            if request(port, "GET", "/_stcore/health").status == 401:
                break
        except OSError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
        time.sleep(0.3)
    yield port, process
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(30)
    log.close()


def test_nothing_answers_before_the_password(served):
    port, _ = served
    probes = [("GET", "/", None, {}), ("GET", "/_stcore/health", None, {}), ("GET", "/_stcore/host-config", None, {}),
              ("GET", "/media/anything.png", None, {}), ("GET", "/static/js/index.js", None, {}),
              ("PUT", "/_stcore/upload_file/any-session/any-file", b"x" * 2**20, {}),
              ("GET", "/_stcore/stream", None, WEBSOCKET)]
    for method, path, body, headers in probes:
        for password in (None, "wrong"):
            answer = request(port, method, path, password, body, headers)
            assert answer.status == 401, (method, path, password, answer.status)
            assert answer.getheader("WWW-Authenticate", "").startswith("Basic")


def test_with_the_password_pages_and_the_websocket_answer(served):
    port, _ = served
    assert request(port, "GET", "/_stcore/health", PASSWORD).status == 200
    assert request(port, "GET", "/", PASSWORD).status == 200
    assert request(port, "GET", "/_stcore/stream", PASSWORD, headers=WEBSOCKET).status == 101


def test_uploads_are_capped_per_file_and_per_session(served):
    port, _ = served
    too_big = request(port, "PUT", "/_stcore/upload_file/s1/f0", PASSWORD, b"x" * (2**20 + 1))
    assert too_big.status == 413
    for number in range(3):  # 3 MB per session: three uploads of 0.9 MB are let through to Streamlit...
        assert request(port, "PUT", f"/_stcore/upload_file/s1/f{number + 1}", PASSWORD, b"x" * 900_000).status != 413
    assert request(port, "PUT", "/_stcore/upload_file/s1/f4", PASSWORD, b"x" * 900_000).status == 413  # ...a 4th not
    assert request(port, "PUT", "/_stcore/upload_file/s2/f1", PASSWORD, b"x" * 900_000).status != 413  # per session


def test_streamlit_behind_the_proxy_listens_on_loopback_and_shows_visitors_no_error_details(served):
    _, process = served
    (streamlit,) = [p for p in psutil.Process(process.pid).children() if "streamlit" in " ".join(p.cmdline())]
    command = streamlit.cmdline()
    assert command[command.index("--client.showErrorDetails") + 1] == "none"
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--server.maxUploadSize") + 1] == "1"


def test_serving_beyond_loopback_without_a_password_is_one_line_and_exit_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "VECTORSCOUT_PASSWORD"}
    result = subprocess.run([sys.executable, "-m", "vectorscout", "serve", "--host", HOST, "--port", "1"], cwd=ROOT,
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "needs a password" in result.stderr


@pytest.mark.browser
def test_a_browser_with_the_password_uses_the_dashboard_through_the_proxy(served, tmp_path):
    require_tool(CHROMIUM)
    from playwright.sync_api import expect, sync_playwright

    port, _ = served
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS,
                                             env={**os.environ, "HOME": str(tmp_path)})
        context = browser.new_context(http_credentials={"username": "room", "password": PASSWORD})
        page = context.new_page()
        page.goto(f"http://{HOST}:{port}/datasets")
        expect(page.get_by_role("heading", name="Datasets")).to_be_visible(timeout=60_000)
        expect(page.get_by_role("button", name="Download and import")).to_be_visible(timeout=60_000)  # over the websocket
        # Streamlit's own port, past the proxy (any local user can reach loopback): no page without the proxy's token
        internal = re.search(r"Streamlit on 127\.0\.0\.1:(\d+)", (tmp_path / "serve.log").read_text())[1]
        direct = browser.new_page()
        direct.goto(f"http://127.0.0.1:{internal}/datasets")
        expect(direct.get_by_text("served through VectorScout's password proxy")).to_be_visible(timeout=60_000)
        expect(direct.get_by_role("heading", name="Datasets")).to_have_count(0)
        browser.close()


def test_a_path_in_another_form_than_a_browsers_is_refused_before_the_upload_cap(served):
    port, _ = served
    two_mb = b"x" * (2 * 2**20)  # over the 1 MB per-file cap: judged as an upload it would get 413
    for path in ("/./_stcore/upload_file/s1/f0", "/_stcore/x/../upload_file/s1/f0", "//_stcore/upload_file/s1/f0",
                 "/%2e/_stcore/upload_file/s1/f0", "/_stcore/upload_file/./s1/f0"):
        assert request(port, "PUT", path, PASSWORD, two_mb).status == 400, path
    assert request(port, "PUT", "/_stcore/upload_file/s1/f0", PASSWORD, two_mb).status == 413
    assert request(port, "GET", "/_stcore/health?a=./b", PASSWORD).status == 200  # a query is not a path


def test_half_sent_requests_are_closed_and_a_websocket_outlives_the_idle_limit(served):
    import socket

    from vectorscout.serve import IDLE_TIMEOUT_S

    port, _ = served
    half_sent = []
    for _ in range(50):
        sock = socket.create_connection((HOST, port), timeout=IDLE_TIMEOUT_S * 6)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # the headers never end
        half_sent.append(sock)
    credentials = base64.b64encode(f"room:{PASSWORD}".encode()).decode()
    stream = socket.create_connection((HOST, port), timeout=IDLE_TIMEOUT_S * 6)
    stream.sendall(("GET /_stcore/stream HTTP/1.1\r\nHost: x\r\n" + "".join(f"{k}: {v}\r\n" for k, v in WEBSOCKET.items())
                    + f"Authorization: Basic {credentials}\r\n\r\n").encode())
    assert stream.recv(4096).startswith(b"HTTP/1.1 101")
    for sock in half_sent:  # each is closed by the server (recv returns no bytes), none answered
        assert sock.recv(4096) == b""
        sock.close()
    # the websocket, idle as long, is still served: a ping is answered with a pong (opcode 0xA)
    stream.sendall(bytes([0x89, 0x80]) + b"\0\0\0\0")  # FIN + ping, masked with a zero key, no payload
    deadline = time.monotonic() + 30
    frames = b""
    while bytes([0x8A]) not in frames and time.monotonic() < deadline:
        frames += stream.recv(65536)
    assert bytes([0x8A]) in frames
    stream.close()


def test_wrong_passwords_lock_out_the_guessing_address_not_others(served):
    from concurrent.futures import ThreadPoolExecutor

    from vectorscout.serve import GUESSES_PER_CLIENT

    port, _ = served

    def from_address(source: str, password: str) -> int:
        connection = http.client.HTTPConnection(HOST, port, timeout=30, source_address=(source, 0))
        connection.request("GET", "/_stcore/health", headers={
            "Authorization": "Basic " + base64.b64encode(f"room:{password}".encode()).decode()})
        status = connection.getresponse().status
        connection.close()
        return status

    assert from_address("127.0.0.5", PASSWORD) == 200  # logged in before the guessing starts
    with ThreadPoolExecutor(GUESSES_PER_CLIENT) as pool:  # all at once: the delay per answer does not add up
        assert list(pool.map(lambda n: from_address("127.0.0.4", f"guess {n}"), range(GUESSES_PER_CLIENT))) == [
            401] * GUESSES_PER_CLIENT
    assert from_address("127.0.0.4", "guess again") == 429
    assert from_address("127.0.0.4", PASSWORD) == 429  # not even checked: the right guess is not told apart
    assert from_address("127.0.0.6", PASSWORD) == 200  # another address is not locked out by one address's guesses
    assert from_address("127.0.0.5", PASSWORD) == 200


@pytest.mark.parametrize("host", ["127.0.0.1", HOST])  # Streamlit alone, and Streamlit behind the proxy
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_stopping_serve_leaves_nothing_answering_on_its_ports(vectorscout_home, tmp_path, host, stop):
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "vectorscout", "serve", "--host", host, "--port", str(port)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                               env={**os.environ, "VECTORSCOUT_PASSWORD": PASSWORD})
    try:
        deadline = time.monotonic() + 120
        while True:  # up when the port answers HTTP at all
            try:
                connection = http.client.HTTPConnection(host, port, timeout=5)
                connection.request("GET", "/_stcore/health")
                connection.getresponse().read()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.3)
        tree = [process, *psutil.Process(process.pid).children(recursive=True)]
        assert any("streamlit" in " ".join(p.cmdline()) for p in tree[1:])
        process.send_signal(stop)  # serve alone, not its process group
        process.wait(60)
        gone, alive = psutil.wait_procs(tree[1:], timeout=30)
        assert alive == [], [" ".join(p.cmdline())[:100] for p in alive]
        with pytest.raises(OSError):
            socket.create_connection((host, port), timeout=5).close()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
