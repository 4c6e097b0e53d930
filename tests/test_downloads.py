"""Downloads against a loopback HTTP server that serves files the test makes (no other host is touched)."""

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import h5py
import numpy as np
import pytest
from tests_support import closed_port

from vectorscout.cli import main
from vectorscout.data.datasets import load_dataset
from vectorscout.data.downloads import DownloadError, download


class Files(BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    cut_after: int | None = None  # drop the connection after this many bytes, once
    requests: list[str] = []

    def do_GET(self):
        body = self.files.get(self.path)
        Files.requests.append(self.headers.get("Range") or "")
        if body is None:
            self.send_error(404)
            return
        start = 0
        if self.headers.get("Range"):
            start = int(self.headers["Range"].split("=")[1].split("-")[0])
            if start >= len(body):
                self.send_error(416)
                return
            self.send_response(206)
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        payload = body[start:]
        if Files.cut_after is not None:
            payload, Files.cut_after = payload[: Files.cut_after], None
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Files)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Files.files, Files.cut_after, Files.requests = {}, None, []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_interrupted_download_resumes_and_verifies(server, tmp_path):
    body = bytes(range(256)) * 4000
    Files.files["/data.bin"] = body
    Files.cut_after = 300_000
    target = tmp_path / "data.bin"
    with pytest.raises(DownloadError, match="run again to resume"):
        download(server + "/data.bin", target, size=len(body))
    assert (tmp_path / "data.bin.part").stat().st_size == 300_000
    seen = []
    download(server + "/data.bin", target, size=len(body), sha256=hashlib.sha256(body).hexdigest(),
             progress=lambda done, total: seen.append((done, total)))
    assert target.read_bytes() == body
    assert Files.requests[-1] == "bytes=300000-" and seen[-1] == (len(body), len(body))


def test_checksum_mismatch_discards_the_file(server, tmp_path):
    Files.files["/x.bin"] = b"not what was promised"
    with pytest.raises(DownloadError, match="checksum does not match"):
        download(server + "/x.bin", tmp_path / "x.bin", sha256="0" * 64)
    assert not (tmp_path / "x.bin").exists() and not (tmp_path / "x.bin.part").exists()


def test_wrong_size_is_refused(server, tmp_path):
    Files.files["/y.bin"] = b"12345"
    with pytest.raises(DownloadError, match="expected 9"):
        download(server + "/y.bin", tmp_path / "y.bin", size=9)


def test_offline_gives_a_clear_message(tmp_path):
    with pytest.raises(DownloadError, match="are you offline"):
        download(f"http://127.0.0.1:{closed_port()}/z.hdf5", tmp_path / "z.hdf5", timeout=3)


def test_cli_downloads_and_imports_a_public_format_from_a_mirror(server, tmp_path, capsys):
    path = tmp_path / "glove.hdf5"
    rng = np.random.default_rng(0)
    with h5py.File(path, "w") as f:
        f["train"], f["test"] = rng.standard_normal((200, 25)), rng.standard_normal((10, 25))
        f.attrs["distance"] = "angular"
    Files.files["/glove-25-angular.hdf5"] = path.read_bytes()
    code = main(["datasets", "download", "glove-25-angular", "--url", server + "/glove-25-angular.hdf5",
                 "--as-name", "glove-mirror"])
    assert code == 0, capsys.readouterr().err
    data = load_dataset("glove-mirror")
    assert data.dim == 25 and data.metric.value == "cosine"
    assert main(["datasets", "download", "no-such-set"]) == 2
    assert "known: glove-25-angular" in capsys.readouterr().err
