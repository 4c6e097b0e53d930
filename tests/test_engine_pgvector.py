import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from contract import AdapterContract
from psycopg import sql
from tests_support import closed_port

from adapters.base import EngineUnavailable
from adapters.pgvector import PgvectorAdapter, where_clause
from vectorscout.contract.filters import parse_filter

ROOT = Path(__file__).resolve().parent.parent


# 16 bits per vector on the contract's data (16 dimensions), re-ranked from 100 candidates: recall 0.925 (l2),
# 0.930 (cosine), 0.900 (ip) measured here; binary quantization is meant for high dimensions.
BIT_MIN_RECALL = 0.8


class TestPgvectorHNSW(AdapterContract):
    engine = "pgvector"


class TestPgvectorIVFFlat(AdapterContract):
    engine = "pgvector"
    options = {"index": "ivfflat", "lists": "8", "probes": "4"}


class TestPgvectorHalfvec(AdapterContract):
    engine = "pgvector"
    options = {"index": "hnsw_halfvec"}


class TestPgvectorBinaryQuantized(AdapterContract):
    engine = "pgvector"
    options = {"index": "hnsw_bit", "candidates": "100"}
    min_recall = BIT_MIN_RECALL


class TestPgvectorExact(AdapterContract):
    engine = "pgvector"
    options = {"index": "flat"}
    min_recall = 1.0
    min_filtered_recall = 1.0


def test_filter_values_are_parameters_never_sql_text():
    hostile = "x'); DROP TABLE t; --"
    fragment, params = where_clause(parse_filter(f'category == "{hostile}" and price < 3'), sql)
    text = fragment.as_string(None)
    assert hostile not in text and params == [hostile, 3.0]
    assert text == '(("category" = %s) AND ("price" < %s))'


def postgres_processes(pgdata_root: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and any(str(pgdata_root) in part for part in proc.info["cmdline"] or []):
            found.append(proc)
    return found


def servers_gone(pgdata_root: Path, within_s: float = 30.0) -> bool:
    """True once no server of that folder is left (a stopping postmaster takes a moment to exit)."""
    _, alive = psutil.wait_procs(postgres_processes(pgdata_root), timeout=within_s)
    return not alive and postgres_processes(pgdata_root) == []


def test_bundled_server_listens_on_loopback_and_leaves_nothing_behind(vectorscout_home):
    script = (
        "from adapters.pgserver import shared_server; import psycopg\n"
        "dsn = shared_server().dsn\n"
        "assert dsn.startswith('postgresql://postgres@127.0.0.1:'), dsn\n"
        "with psycopg.connect(dsn) as c: print(c.execute('select 1').fetchone()[0])\n"
    )
    env = {**os.environ, "VECTORSCOUT_HOME": str(vectorscout_home)}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
    assert servers_gone(vectorscout_home / "pgvector")
    assert list((vectorscout_home / "pgvector").glob("server-*")) == []


# Kills this process's watchdog first (waiting until it has started), then itself: a server whose owner and
# watchdog both died, which only reap_orphans can stop. Without this, the watchdog races the assertion below.
KILLED_WITH_ITS_WATCHDOG = """
import os, signal, time
import psutil
from adapters.pgserver import WATCHDOG, shared_server
shared_server()
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    watchdogs = [p for p in psutil.process_iter(["cmdline"])
                 if WATCHDOG in (p.info["cmdline"] or []) and str(os.getpid()) in p.info["cmdline"]]
    if watchdogs:
        break
    time.sleep(0.05)
for watchdog in watchdogs:
    watchdog.kill()
    watchdog.wait(10)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_server_orphaned_by_a_killed_process_is_reaped(vectorscout_home):
    script = KILLED_WITH_ITS_WATCHDOG
    env = {**os.environ, "VECTORSCOUT_HOME": str(vectorscout_home)}
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, timeout=120)
    assert postgres_processes(vectorscout_home / "pgvector"), "the killed process should have left its server"
    from adapters.pgserver import reap_orphans

    reap_orphans(vectorscout_home / "pgvector")
    assert servers_gone(vectorscout_home / "pgvector")


def test_unreachable_dsn_is_a_clear_error_without_the_password(tmp_path):
    adapter = PgvectorAdapter(tmp_path, {"dsn": f"postgresql://bench:hunter2@127.0.0.1:{closed_port()}/db"})
    with pytest.raises(EngineUnavailable, match="does not answer") as error:
        adapter.open()
    assert "hunter2" not in str(error.value) and "bench:***@127.0.0.1" in str(error.value)


def test_shared_memory_left_by_killed_servers_is_released_and_segments_in_use_are_kept(tmp_path):
    """A PostgreSQL killed by SIGKILL leaves its dynamic shared memory segments in /dev/shm (RAM): 22 GB of them
    were found after a day of test runs. Unmapped segments of the server's user go; a mapped one, or another
    user's, stays."""
    import mmap

    from adapters.pgserver import release_shared_memory

    shm = tmp_path / "shm"
    shm.mkdir()
    orphan, in_use, elsewhere = (shm / f"PostgreSQL.{n}" for n in (111, 222, 333))
    for segment in (orphan, in_use, elsewhere):
        segment.write_bytes(b"\0" * 4096)
    owner = os.getuid()
    if owner == 0:
        os.chown(elsewhere, 1, -1)  # as root: another user's server, never touched
    with open(in_use, "r+b") as file, mmap.mmap(file.fileno(), 4096) as mapping:
        released = release_shared_memory(owner, shm)
        assert mapping[0] == 0
    assert orphan in released and not orphan.exists() and in_use.exists()
    assert (elsewhere in released) == (owner != 0)  # not root: it is this user's, unmapped, and goes too
    assert release_shared_memory(owner, shm) == [in_use]  # unmapped now: the next look releases it


def test_compressed_indexes_are_smaller_by_the_bytes_they_drop_and_bits_are_reranked_exactly(tmp_path, vectorscout_home):
    """From first principles: the graph is the same, so per vector the float16 index is smaller than the float32
    one by 2*d bytes and the bit index by 4*d - d/8 (within 10 %: page fill). Re-ranking the bit index's candidates
    with the table's exact vectors returns exact distances; the float16 index returns float16 ones."""
    import numpy as np

    from vectorscout.benchmarking.specs import engine_config
    from vectorscout.contract.metric import Metric

    rng = np.random.default_rng(9)
    dim, n = 256, 4000
    centers = rng.standard_normal((40, dim)).astype(np.float32)  # clustered, as embeddings are
    base = centers[rng.integers(0, 40, n)] + 0.3 * rng.standard_normal((n, dim)).astype(np.float32)
    sizes, self_distance = {}, {}
    for index in ("hnsw", "hnsw_halfvec", "hnsw_bit"):
        config = engine_config("pgvector", {"index": index})
        with PgvectorAdapter(tmp_path / index) as db:
            db.create_collection(f"sizes_{index}", dim, Metric.L2, index, config.build_params)
            db.insert(np.arange(n), base)
            db.wait_until_indexed()
            sizes[index] = db.index_bytes() / n
            db.set_search_params(config.search_grid[0])
            hits = db.search(base[7], 10)
            assert hits.ids[0] == 7, (index, hits.ids)
            self_distance[index] = abs(float(hits.scores[0]))
            db.drop()
    saved_by_halves, saved_by_bits = sizes["hnsw"] - sizes["hnsw_halfvec"], sizes["hnsw"] - sizes["hnsw_bit"]
    assert 0.9 < saved_by_halves / (2 * dim) < 1.1, sizes
    assert 0.9 < saved_by_bits / (4 * dim - dim / 8) < 1.1, sizes
    assert self_distance["hnsw"] < 1e-3 and self_distance["hnsw_bit"] < 1e-3, self_distance  # exact vectors
