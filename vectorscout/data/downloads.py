"""Downloads of standard public datasets, for users with internet: resumable, size- and checksum-checked.

A download goes to ``<home>/downloads/<file>.part`` and resumes from there with an HTTP Range request;
only a complete file that matches its expected size (and SHA-256 where known) is renamed into place and
imported. Offline, the first request fails fast with a message that says so.
"""

from __future__ import annotations

import hashlib
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vectorscout.data.importers import extract_archive, import_dataset
from vectorscout.home import subdir

ProgressFn = Callable[[int, int | None], None]
CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """A download that failed; the partial file is kept for a resume unless it is known to be bad."""


@dataclass(frozen=True)
class PublicDataset:
    name: str
    url: str
    format: str
    license: str
    size: int | None = None
    sha256: str | None = None


PUBLIC: dict[str, PublicDataset] = {
    d.name: d
    for d in (
        PublicDataset("glove-25-angular", "http://ann-benchmarks.com/glove-25-angular.hdf5", "hdf5",
                      "GloVe: Public Domain Dedication and License (PDDL)"),
        PublicDataset("fashion-mnist-784-euclidean", "http://ann-benchmarks.com/fashion-mnist-784-euclidean.hdf5",
                      "hdf5", "Fashion-MNIST: MIT"),
        PublicDataset("sift-128-euclidean", "http://ann-benchmarks.com/sift-128-euclidean.hdf5", "hdf5",
                      "ANN_SIFT1M (TEXMEX): free for research"),
        PublicDataset("scifact", "https://public.ukp.informatik.tu-darmstadt.de/thakur/BEIR/datasets/scifact.zip",
                      "beir", "SciFact: CC BY-NC 2.0"),
    )
}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def download(url: str, target: Path, size: int | None = None, sha256: str | None = None,
             progress: ProgressFn | None = None, timeout: float = 15.0) -> Path:
    """Fetch url to target, resuming a previous partial download; verifies size and checksum."""
    if target.exists():
        return target
    partial = target.with_name(target.name + ".part")
    have = partial.stat().st_size if partial.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have and (size is None or have == size):
            response = None  # the partial file is already complete
        else:
            raise DownloadError(f"{url}: the server answered {exc.code} {exc.reason}") from None
    except (TimeoutError, urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"{url} cannot be reached ({reason}); are you offline? Import a local copy with "
                            "'datasets import' instead") from None
    if response is not None:
        with response:
            resumed = response.status == 206
            if not resumed:
                have = 0  # the server ignored the range: start again
            length = response.headers.get("Content-Length")
            total = (have + int(length)) if length is not None else size
            if size is not None and total is not None and total != size:
                raise DownloadError(f"{url}: the server offers {total:,} bytes, expected {size:,}")
            with partial.open("ab" if resumed else "wb") as out:
                done = have
                try:
                    for block in iter(lambda: response.read(CHUNK), b""):
                        out.write(block)
                        done += len(block)
                        if progress:
                            progress(done, total)
                except (TimeoutError, OSError) as exc:
                    raise DownloadError(f"{url}: interrupted after {done:,} bytes ({exc}); run again to resume") from None
            if total is not None and done < total:
                raise DownloadError(f"{url}: the connection closed after {done:,} of {total:,} bytes; run again to resume")
    if size is not None and partial.stat().st_size != size:
        raise DownloadError(f"{url}: {partial.stat().st_size:,} bytes arrived, expected {size:,}")
    if sha256 is not None and _sha256(partial) != sha256:
        partial.unlink()  # a wrong file must not be resumed
        raise DownloadError(f"{url}: the SHA-256 checksum does not match; the file was discarded")
    partial.rename(target)
    return target


def download_dataset(name: str, progress: ProgressFn | None = None, url: str | None = None,
                     as_name: str | None = None) -> dict[str, Any]:
    """Download a public dataset (or the same kind of file from another URL) and import it."""
    known = PUBLIC.get(name)
    if known is None:
        raise DownloadError(f"unknown public dataset {name!r}; known: {', '.join(PUBLIC)}")
    source_url = url or known.url
    filename = source_url.rsplit("/", 1)[-1] or f"{name}.download"
    target = download(source_url, subdir("downloads") / filename, known.size, known.sha256 if not url else None, progress)
    dataset_name = as_name or name
    if target.suffix == ".zip":
        with tempfile.TemporaryDirectory() as scratch:
            folder = extract_archive(target, Path(scratch))
            return import_dataset(folder, known.format, dataset_name, license=known.license)
    return import_dataset(target, known.format, dataset_name, license=known.license)
