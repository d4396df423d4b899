"""Fact-check search inside PostgreSQL: pgvector HNSW for dense, full-text search for lexical.

Nothing is cached in the process: every query reads the table, so any number of stateless
API replicas see a fact-check the moment its transaction commits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, Row, text
from sqlalchemy.orm import Session, sessionmaker

from claims_db.repository import to_record
from models.ann import scaled_ef_search
from models.embedding import Vectors
from models.matching import Candidate, SearchFilter

logger = logging.getLogger(__name__)

# HNSW beam width per query, scaled with the table (``models.ann.scaled_ef_search``) unless
# set. Measured on the m 32 / ef_construction 200 graph with bench/bench_pg_search.py
# (README, Benchmarks): at 100k rows ef_search 64 gives recall@10 0.9905 (48: 0.986); at 1M
# 256 gives 0.984 (200: 0.982, 320: 0.9905). pgvector 0.8's iterative scan keeps walking
# the graph when filters (publication date, language) reject candidates, so filtered
# searches still fill k.
PG_EF_SEARCH_ANCHORS = ((100_000, 64), (1_000_000, 256))
# How long a process trusts its estimate of the table's size before asking again.
SIZE_ESTIMATE_SECONDS = 60.0
# The pgvector graph's build parameters (set by migration 0006; bench/ builds the same).
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
HNSW_INDEX = "ix_fact_check_embeddings_vector_hnsw"
# The multilingual vectors' graph (migration 0012), built with the same parameters.
MULTILINGUAL_TABLE = "fact_check_multilingual_embeddings"
MULTILINGUAL_HNSW_INDEX = "ix_fact_check_multilingual_embeddings_vector_hnsw"
# Most rows a lexical query's candidate lexemes may match (see ``lexical``); measured by
# bench/bench_pg_matching.py for matching quality and latency.
DEFAULT_LEXICAL_BUDGET = 300

_RECORD_COLUMNS = (
    "f.id, f.claim, f.rating, f.verdict, f.publisher, f.url, f.review_date, f.claimant, "
    "f.publisher_site, f.language"
)


def _filter_sql(search_filter: SearchFilter | None) -> tuple[str, dict[str, Any]]:
    """SQL conditions on ``f`` (fact_checks) equivalent to ``SearchFilter.admits``."""
    if search_filter is None:
        return "", {}
    conditions: list[str] = []
    parameters: dict[str, Any] = {}
    if search_filter.language:
        conditions.append("f.language = :language")
        parameters["language"] = search_filter.language
    if search_filter.publisher:
        conditions.append(
            "(lower(f.publisher) = :publisher"
            " OR lower(coalesce(f.publisher_site, '')) = :publisher)"
        )
        parameters["publisher"] = search_filter.publisher.lower()
    if search_filter.reviewed_before:
        conditions.append("(f.review_date IS NULL OR f.review_date <= :reviewed_before)")
        parameters["reviewed_before"] = search_filter.reviewed_before
    if search_filter.reviewed_after:
        conditions.append("(f.review_date IS NULL OR f.review_date >= :reviewed_after)")
        parameters["reviewed_after"] = search_filter.reviewed_after
    return "".join(f" AND {c}" for c in conditions), parameters


# Fewer queries than this per connection are not worth a thread hand-off.
_MIN_CHUNK = 8


# Threads that wait on PostgreSQL for the parts of a split dense search (started on use).
_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="claimflag-pgvector")


def _send_vectors_in_binary(session: Session) -> None:
    """Let the session's connection send numpy vectors in pgvector's binary format.

    Formatting an article's 42 vectors as text literals took ~10 ms of Python per article
    (and PostgreSQL then parsed 16k decimals); the binary form is a byte swap. Registered
    once per pooled connection (four catalog lookups), remembered in the connection's
    ``info``.
    """
    connection = session.connection()
    if not connection.info.get("pgvector_binary"):
        from pgvector.psycopg import register_vector

        register_vector(connection.connection.dbapi_connection)  # type: ignore[arg-type]
        connection.info["pgvector_binary"] = True


class PgFactCheckSource:
    """A ``FactCheckSource`` answered by PostgreSQL, a few round trips per article and method.

    Args:
        session_factory: Sessions on the PostgreSQL database (migrated to 0005 or later).
        model_name: Embeddings stored under this model name are searched.
        ef_search: ``hnsw.ef_search`` for dense queries. Defaults to None: scaled with the
            table's estimated size between ``PG_EF_SEARCH_ANCHORS``.
        lexical_budget: Most rows the candidate lexemes of one lexical query may match.
            Defaults to ``DEFAULT_LEXICAL_BUDGET``.
        parallel: Connections an article's dense queries are spread over. Defaults to 2.
        multilingual_model: Multilingual vectors stored under this model name are searched
            by ``nearest_multilingual``. Defaults to None: it finds nothing.
    """

    approximate = True

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        model_name: str,
        *,
        ef_search: int | None = None,
        lexical_budget: int = DEFAULT_LEXICAL_BUDGET,
        parallel: int = 2,
        multilingual_model: str | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.model_name = model_name
        self.multilingual_model = multilingual_model
        self.ef_search = ef_search
        self.lexical_budget = lexical_budget
        self.parallel = parallel
        self._size_estimate: tuple[float, int] | None = None

    def __len__(self) -> int:
        with self.session_factory() as session:
            count = session.scalar(
                text("SELECT count(*) FROM fact_check_embeddings WHERE model_name = :model"),
                {"model": self.model_name},
            )
        return int(count or 0)

    def multilingual_count(self) -> int:
        """How many fact-checks have a multilingual vector under ``multilingual_model``."""
        if self.multilingual_model is None:
            return 0
        with self.session_factory() as session:
            count = session.scalar(
                text(f"SELECT count(*) FROM {MULTILINGUAL_TABLE} WHERE model_name = :model"),
                {"model": self.multilingual_model},
            )
        return int(count or 0)

    def sync(self, session: Session) -> bool:
        """Nothing to load: every search reads the database. Always False."""
        return False

    def _collect(
        self, session: Session, rows: Sequence[Row[Any]], queries: int
    ) -> list[list[Candidate]]:
        """Candidates from (ord, id, score) rows, each distinct record read and built once.

        An article's claims share many neighbours, so fetching records by distinct id
        halves the rows PostgreSQL sends and Python turns into records. Each record comes
        with its claim's stored lexical profile, which the re-ranker's overlap features
        would otherwise compute per record. A fact-check deleted between the two statements
        is dropped.
        """
        ids = sorted({int(row.id) for row in rows})
        records = {
            record.id: record
            for record in map(
                to_record,
                session.execute(
                    text(
                        f"SELECT {_RECORD_COLUMNS}, p.profile AS lexical_profile"
                        " FROM fact_checks f"
                        " LEFT JOIN fact_check_profiles p ON p.fact_check_id = f.id"
                        " WHERE f.id = ANY(CAST(:ids AS integer[]))"
                    ),
                    {"ids": ids},
                ),
            )
        }
        results: list[list[Candidate]] = [[] for _ in range(queries)]
        for row in rows:
            record = records.get(int(row.id))
            if record is not None:
                results[row.ord - 1].append(Candidate(record, float(row.score)))
        return results

    def nearest(
        self, vectors: Vectors, *, k: int, search_filter: SearchFilter | None = None
    ) -> list[list[Candidate]]:
        """Dense candidates by cosine similarity through the HNSW index, best first.

        An article's queries are split over ``parallel`` connections, so PostgreSQL walks
        the graph for them on that many cores at once.
        """
        return self._split(vectors, k, search_filter, "fact_check_embeddings", self.model_name)

    def nearest_multilingual(
        self, vectors: Vectors, *, k: int, search_filter: SearchFilter | None = None
    ) -> list[list[Candidate]]:
        """As ``nearest``, over the multilingual vectors and their HNSW index (migration
        0012); no candidates without a ``multilingual_model``."""
        if self.multilingual_model is None:
            return [[] for _ in range(vectors.shape[0])]
        return self._split(vectors, k, search_filter, MULTILINGUAL_TABLE, self.multilingual_model)

    def _split(
        self,
        vectors: Vectors,
        k: int,
        search_filter: SearchFilter | None,
        table: str,
        model_name: str,
    ) -> list[list[Candidate]]:
        if vectors.shape[0] == 0:
            return []
        beam = self.beam()
        chunk = max(_MIN_CHUNK, -(-vectors.shape[0] // max(1, self.parallel)))
        if vectors.shape[0] <= chunk:
            return self._nearest(vectors, k, search_filter, beam, table, model_name)
        parts = [vectors[start : start + chunk] for start in range(0, vectors.shape[0], chunk)]
        answers = _POOL.map(
            lambda part: self._nearest(part, k, search_filter, beam, table, model_name), parts
        )
        return [row for answer in answers for row in answer]

    def beam(self) -> int:
        """The ``hnsw.ef_search`` used now: the set one, or scaled with the table's size."""
        if self.ef_search is not None:
            return int(self.ef_search)
        return scaled_ef_search(self.approximate_size(), PG_EF_SEARCH_ANCHORS)

    def approximate_size(self) -> int:
        """The embedding table's rows by the planner's estimate, read at most every
        ``SIZE_ESTIMATE_SECONDS`` (a count while the table was never analysed)."""
        now = time.monotonic()
        if self._size_estimate is None or now - self._size_estimate[0] > SIZE_ESTIMATE_SECONDS:
            with self.session_factory() as session:
                # The planner's row estimate: free, and close enough to pick a beam. -1 (or
                # NULL) until the table was first analysed; then count.
                rows = session.scalar(
                    text(
                        "SELECT reltuples FROM pg_class"
                        " WHERE oid = to_regclass('fact_check_embeddings')"
                    )
                )
                if rows is None or rows < 0:
                    rows = session.scalar(text("SELECT count(*) FROM fact_check_embeddings"))
            self._size_estimate = (now, int(rows or 0))
        return self._size_estimate[1]

    def _nearest(
        self,
        vectors: Vectors,
        k: int,
        search_filter: SearchFilter | None,
        beam: int,
        table: str,
        model_name: str,
    ) -> list[list[Candidate]]:
        conditions, parameters = _filter_sql(search_filter)
        # The fact-check row is joined only when a filter needs its columns: otherwise
        # each of the k hits would cost an index probe for nothing.
        joined = " JOIN fact_checks f ON f.id = e.fact_check_id" if conditions else ""
        statement = text(
            "SELECT q.ord, hit.id, 1 - hit.distance AS score "
            "FROM unnest(CAST(:queries AS vector[])) WITH ORDINALITY AS q(v, ord) "
            "CROSS JOIN LATERAL ("
            "  SELECT e.fact_check_id AS id, e.vector <=> q.v AS distance"
            f"  FROM {table} e{joined}"
            f"  WHERE e.model_name = :model{conditions}"
            "  ORDER BY e.vector <=> q.v LIMIT :k"
            ") AS hit "
            "ORDER BY q.ord, hit.distance"
        )
        parameters |= {"queries": list(vectors), "model": model_name, "k": k}
        with self.session_factory() as session, session.begin():
            _send_vectors_in_binary(session)
            session.execute(text(f"SET LOCAL hnsw.ef_search = {min(max(beam, k), 1000)}"))
            session.execute(text("SET LOCAL hnsw.iterative_scan = strict_order"))
            rows = session.execute(statement, parameters).all()
            return self._collect(session, rows, vectors.shape[0])

    def lexical(
        self, texts: Sequence[str], *, k: int, search_filter: SearchFilter | None = None
    ) -> list[list[Candidate]]:
        """Lexical candidates ranked by BM25 over PostgreSQL full-text search, best first.

        The claim's lexemes (``to_tsvector('english', …)``) are looked up in
        ``fact_check_lexemes`` (migration 0005). Candidates are the fact-checks holding any
        of the rarest lexemes whose posting lists add up to at most ``lexical_budget`` rows,
        found through the GIN index; each candidate is then scored by BM25 (Lucene form,
        k1 1.5, b 0.75, term frequency 1) over all the claim's lexemes, so common words still
        order the candidates without making every row sharing one of them a candidate. A
        claim whose rarest lexeme alone is commoner than the budget gets no lexical
        candidates; its dense candidates remain. ``Candidate.similarity`` is the BM25 score.
        """
        if not texts:
            return []
        conditions, parameters = _filter_sql(search_filter)
        statement = text(
            "WITH q AS ("
            "  SELECT t, ord FROM unnest(CAST(:texts AS text[])) WITH ORDINALITY AS q(t, ord)"
            "), terms AS ("
            "  SELECT q.ord, w.word, ln(1 + (st.docs - w.ndoc + 0.5) / (w.ndoc + 0.5)) AS idf,"
            "   sum(w.ndoc) OVER (PARTITION BY q.ord ORDER BY w.ndoc, w.word) AS postings"
            "  FROM q CROSS JOIN fact_check_text_stats st CROSS JOIN LATERAL ("
            "   SELECT l.word, coalesce(s.ndoc, 0) AS ndoc"
            "   FROM unnest(tsvector_to_array(to_tsvector('english', q.t))) AS l(word)"
            "   LEFT JOIN fact_check_lexemes s ON s.word = l.word"
            "  ) AS w"
            "), per_query AS ("
            "  SELECT ord, CAST(string_agg(quote_literal(word), ' | ')"
            "    FILTER (WHERE postings <= :budget) AS tsquery) AS rare,"
            "   array_agg(CAST(quote_literal(word) AS tsquery)) AS terms, array_agg(idf) AS idfs"
            "  FROM terms GROUP BY ord"
            ") "
            "SELECT p.ord, hit.id, hit.score "
            "FROM per_query p CROSS JOIN fact_check_text_stats st CROSS JOIN LATERAL ("
            "  SELECT f.id, ("
            "    SELECT sum(u.idf) FROM unnest(p.terms, p.idfs) AS u(term, idf)"
            "    WHERE f.claim_search @@ u.term"
            "   ) * 2.5 / (1 + 1.5 * (0.25 + 0.75 * length(f.claim_search) / st.avg_length))"
            "   AS score"
            "  FROM fact_checks f"
            f"  WHERE f.claim_search @@ p.rare{conditions}"
            "  ORDER BY score DESC, f.id LIMIT :k"
            ") AS hit "
            "ORDER BY p.ord, hit.score DESC, hit.id"
        )
        parameters |= {"texts": list(texts), "k": k, "budget": self.lexical_budget}
        with self.session_factory() as session, session.begin():
            rows = session.execute(statement, parameters).all()
            return self._collect(session, rows, len(texts))


# Each HNSW graph (index name, table): the embeddings' and the multilingual vectors'.
_GRAPHS = ((HNSW_INDEX, "fact_check_embeddings"), (MULTILINGUAL_HNSW_INDEX, MULTILINGUAL_TABLE))


def hnsw_index_ddl(
    m: int = HNSW_M,
    ef_construction: int = HNSW_EF_CONSTRUCTION,
    *,
    concurrently: bool = False,
    index: str = HNSW_INDEX,
) -> str:
    """``CREATE INDEX`` for an HNSW graph (cosine), as migrations 0006 and 0012 build them.

    ``index`` names the graph: ``HNSW_INDEX`` (the embeddings', the default) or
    ``MULTILINGUAL_HNSW_INDEX``.
    """
    table = dict(_GRAPHS)[index]
    how = " CONCURRENTLY" if concurrently else ""
    return (
        f"CREATE INDEX{how} {index} ON {table} USING hnsw "
        f"(vector vector_cosine_ops) WITH (m = {int(m)}, ef_construction = {int(ef_construction)})"
    )


class IndexState(StrEnum):
    """The embeddings' HNSW graph on PostgreSQL, as the catalog has it."""

    VALID = "valid"
    # Left by a CREATE INDEX CONCURRENTLY that was interrupted: kept up to date by writes
    # but never used by searches.
    INVALID = "invalid"
    MISSING = "missing"


def vector_index_state(engine: Engine, index: str = HNSW_INDEX) -> IndexState | None:
    """Whether an HNSW graph (default: the embeddings') is there and usable; None on
    databases other than PostgreSQL."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        valid = connection.scalar(
            text("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(:name)"),
            {"name": index},
        )
    if valid is None:
        return IndexState.MISSING
    return IndexState.VALID if valid else IndexState.INVALID


def drop_vector_index(engine: Engine, indexes: Sequence[str] | None = None) -> None:
    """Drop the HNSW graphs (PostgreSQL; elsewhere a no-op); searches go on by table scan.

    ``indexes`` defaults to both, the embeddings' and the multilingual vectors'. ``DROP
    INDEX CONCURRENTLY`` waits for the searches using a graph to end instead of blocking
    new ones.
    """
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for index in indexes if indexes is not None else dict(_GRAPHS):
            connection.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {index}"))


def build_vector_index(engine: Engine, *, maintenance_work_mem: str | None = None) -> bool:
    """Build each HNSW graph (the embeddings', the multilingual vectors') unless a valid one
    is there (PostgreSQL; elsewhere a no-op).

    An invalid graph left by an interrupted build is dropped first. The build runs
    ``CONCURRENTLY``, so searches and writes go on meanwhile (searches by table scan until
    it is done). ``maintenance_work_mem`` (e.g. ``"3GB"``) should hold the whole graph,
    about 2.5 kB per fact-check, or the build spills to disk and takes far longer. Returns
    whether a graph was built.
    """
    built = False
    for index, table in _GRAPHS:
        state = vector_index_state(engine, index)
        if state is None or state is IndexState.VALID:
            continue
        if state is IndexState.INVALID:
            drop_vector_index(engine, [index])
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if maintenance_work_mem:
                connection.execute(
                    text("SELECT set_config('maintenance_work_mem', :value, false)"),
                    {"value": maintenance_work_mem},
                )
            try:
                connection.execute(text(hnsw_index_ddl(concurrently=True, index=index)))
            finally:
                # The connection goes back to the pool: later work on it gets the server's.
                connection.execute(text("RESET maintenance_work_mem"))
            # The planner should know the table's new size before it picks plans around it.
            connection.execute(text(f"ANALYZE {table}"))
        built = True
    return built


@contextmanager
def vector_index_dropped(
    engine: Engine, *, maintenance_work_mem: str | None = None
) -> Iterator[None]:
    """Bulk loads on PostgreSQL: no HNSW graphs during the block, each built once after it.

    Rows inserted one at a time into the graph are most of an import's database time
    (README, Benchmarks: 149 rows/s into an m 32 graph against 36,000 into the bare
    table), and building the graph once over all the rows is several times cheaper (100k
    rows in 152 s on the same machine). The graph is built again even when the block
    fails, so an interrupted load leaves the committed rows searchable through it; a load
    killed outright leaves the graph missing until ``build_vector_index`` runs
    (``claimflag db build-index``). Elsewhere the block runs unchanged.
    """
    drop_vector_index(engine)
    try:
        yield
    finally:
        build_vector_index(engine, maintenance_work_mem=maintenance_work_mem)


def refresh_text_statistics(session: Session) -> None:
    """Recount the term statistics behind lexical search (PostgreSQL; elsewhere a no-op).

    Runs ``REFRESH MATERIALIZED VIEW CONCURRENTLY`` on the lexeme counts, so searches go on
    meanwhile, then the one-row totals, then ``ANALYZE`` on the searched tables and views:
    right after a bulk import the planner's row estimates are those of the empty tables
    until autovacuum comes round, and a 40-sentence article on 20k fresh fact-checks took
    1.15 s instead of 0.24 s in that window. Call after bulk imports; single writes need not.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text("REFRESH MATERIALIZED VIEW CONCURRENTLY fact_check_lexemes"))
    session.execute(text("REFRESH MATERIALIZED VIEW fact_check_text_stats"))
    session.execute(
        text(
            "ANALYZE fact_checks, fact_check_embeddings, fact_check_multilingual_embeddings,"
            " fact_check_profiles, fact_check_lexemes, fact_check_text_stats"
        )
    )
