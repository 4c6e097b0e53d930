"""The proxy's rules on their own: which paths are a browser's, and when wrong passwords lock an address out."""

import pytest

from vectorscout.serve import Guesses, canonical


@pytest.mark.parametrize(("path", "accepted"), [
    ("/", True), ("/_stcore/health", True), ("/_stcore/upload_file/s1/f0", True), ("/static/js/a.js?v=../x", True),
    ("/datasets/", True), ("/./_stcore/upload_file/s1", False), ("/_stcore/x/../upload_file/s1", False),
    ("//_stcore/upload_file/s1", False), ("/a//b", False), ("/%2e%2e/x", False), ("/a/%2E/b", False),
    ("/a\\b", False), ("/x/..", False), ("x", False), ("/a/%2F/b", False)])
def test_only_the_one_form_a_browser_sends_is_canonical(path, accepted):
    assert canonical(path) is accepted


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_address_is_locked_after_its_tenth_wrong_password_for_the_window():
    clock = Clock()
    guesses = Guesses(per_client=10, overall=100, window_s=60.0, clock=clock)
    for _ in range(9):
        guesses.failed("a")
    assert not guesses.locked("a")
    guesses.failed("a")
    assert guesses.locked("a") and not guesses.locked("b")
    clock.now += 60.0  # the window has passed exactly: the first failures no longer count
    assert not guesses.locked("a")


def test_all_addresses_together_are_locked_after_a_hundred_wrong_passwords_but_one_that_logged_in_is_not():
    clock = Clock()
    guesses = Guesses(per_client=10, overall=100, window_s=60.0, clock=clock)
    guesses.succeeded("friend")
    for n in range(99):
        guesses.failed(f"bot{n}")
    assert not guesses.locked("newcomer")
    clock.now += 30.0
    guesses.failed("bot99")
    assert guesses.locked("newcomer") and not guesses.locked("friend")
    clock.now += 29.0  # 59 s after the first 99: all 100 still in the window
    assert guesses.locked("newcomer")
    clock.now += 1.5  # the first 99 have left it
    assert not guesses.locked("newcomer")
    assert guesses.failures.keys() == {"bot99"}  # addresses without a recent failure are forgotten


def test_a_request_body_that_stops_arriving_is_answered_408_and_a_whole_one_passes(monkeypatch):
    """The proxy in front of a stand-in upstream (it counts the body's bytes): a body that stops halfway is
    given up after the idle limit, one that arrives whole reaches the upstream."""
    import asyncio

    from aiohttp import web

    import vectorscout.serve as serve

    monkeypatch.setattr(serve, "IDLE_TIMEOUT_S", 0.5)

    async def scenario() -> tuple[bytes, bytes]:
        async def count(request: web.Request) -> web.Response:
            return web.Response(text=str(len(await request.read())))

        upstream_app = web.Application()
        upstream_app.router.add_route("*", "/{tail:.*}", count)
        upstream = web.AppRunner(upstream_app)
        await upstream.setup()
        await web.TCPSite(upstream, "127.0.0.1", 0).start()
        upstream_port = upstream.addresses[0][1]
        proxy = serve.Proxy(upstream_port, "pw", 2**20, 2**20)
        app = web.Application()
        app.on_startup.append(proxy.start)
        app.on_cleanup.append(proxy.stop)
        app.router.add_route("*", "/{tail:.*}", proxy.handle)
        front = web.AppRunner(app, shutdown_timeout=0.1)
        await front.setup()
        await web.TCPSite(front, "127.0.0.1", 0).start()
        port = front.addresses[0][1]
        auth = "Authorization: Basic cm9vbTpwdw==\r\n"  # room:pw
        answers = []
        for body, sent in ((b"x" * 100, b"x" * 100), (b"x" * 100, b"x" * 10)):  # whole, then stopped at 10 bytes
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(f"PUT /thing HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: {len(body)}\r\n\r\n".encode() + sent)
            await writer.drain()
            answers.append(await asyncio.wait_for(reader.read(4096), 30))
            writer.close()
        await front.cleanup()
        await upstream.cleanup()
        return answers[0], answers[1]

    whole, stalled = asyncio.run(scenario())
    assert whole.startswith(b"HTTP/1.1 200") and b"\r\n100\r\n" in whole  # the upstream counted 100 bytes
    assert stalled.startswith(b"HTTP/1.1 408") and b"no part of the request's body came for 0.5 s" in stalled
