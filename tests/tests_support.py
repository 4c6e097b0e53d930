"""Small helpers shared by tests."""

import socket

from adapters.base import Capabilities
from adapters.faiss import FaissAdapter


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class NoFilterFaiss(FaissAdapter):
    """The real FAISS engine declaring no filter support, to test how the runner treats such engines."""

    name = "nofilter"
    display_name = "FAISS without filters"
    capabilities = Capabilities(**{**FaissAdapter.capabilities.__dict__, "filtering": False})
