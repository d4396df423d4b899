import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from claims_db.db import make_engine, make_session_factory
from claims_db.ingest import ingest
from claims_db.migrate import downgrade, upgrade
from claims_db.pg_search import PgFactCheckSource
from claims_db.repository import FactCheckInput
from claims_db.search import FactCheckIndex
from models.embedding import Embedder
from models.matching import SearchFilter

pytestmark = pytest.mark.postgresql_only("pgvector and full-text search live in PostgreSQL")

QUERIES = [
    "Muslims were told to pray in their own homes",
    "The bridge cost four million pounds",
    "vaccines contain microchips",
    "the election was rigged",
    "immigrants get free houses",
]

BRIDGE = FactCheckInput(
    claim="The Forth bridge repairs cost four million pounds.",
    rating="Mostly False",
    publisher="Example Checks",
    publisher_site="checks.example",
    url="https://checks.example/bridge",
    review_date=dt.date(2024, 5, 1),
    language="en",
)


@pytest.fixture
def seeded(session_factory: sessionmaker[Session], embedder: Embedder) -> sessionmaker[Session]:
    from claims_db.importers.datasets import curated_seed

    ingest(session_factory, embedder, [*curated_seed(), BRIDGE])
    return session_factory


FILTERS = [
    None,
    SearchFilter(reviewed_before=dt.date(2024, 1, 1)),
    SearchFilter(reviewed_after=dt.date(2025, 1, 1)),
    SearchFilter(language="en", publisher="checks.example"),
    SearchFilter(publisher="Full Fact"),
]


@pytest.mark.parametrize("search_filter", FILTERS)
def test_pgvector_search_agrees_with_exact_in_memory_search(
    seeded: sessionmaker[Session], embedder: Embedder, search_filter: SearchFilter | None
) -> None:
    source = PgFactCheckSource(seeded, embedder.model_name)
    exact = FactCheckIndex(embedder.model_name)
    with seeded() as session:
        exact.sync(session)
    vectors = embedder.encode(QUERIES)
    from_pg = source.nearest(vectors, k=5, search_filter=search_filter)
    from_memory = exact.nearest(vectors, k=5, search_filter=search_filter)
    assert len(from_pg) == len(QUERIES)
    assert any(from_memory), "the filter should leave something to find"
    for pg_row, memory_row in zip(from_pg, from_memory, strict=True):
        assert [c.fact_check.id for c in pg_row] == [c.fact_check.id for c in memory_row]
        for pg_hit, memory_hit in zip(pg_row, memory_row, strict=True):
            assert pg_hit.similarity == pytest.approx(memory_hit.similarity, abs=1e-4)
            assert pg_hit.fact_check == memory_hit.fact_check


def test_a_commit_is_searchable_at_once(seeded: sessionmaker[Session], embedder: Embedder) -> None:
    source = PgFactCheckSource(seeded, embedder.model_name)
    query = embedder.encode(["repairs to the bridge cost £4m"])
    assert source.nearest(query, k=1)[0][0].fact_check.url == BRIDGE.url
    with seeded.begin() as session:
        session.execute(text("DELETE FROM fact_checks WHERE url = :url"), {"url": BRIDGE.url})
    assert all(c.fact_check.url != BRIDGE.url for c in source.nearest(query, k=5)[0])


def test_lexical_search_uses_any_word_and_the_filters(seeded: sessionmaker[Session]) -> None:
    source = PgFactCheckSource(seeded, "all-MiniLM-L6-v2")
    found = source.lexical(["bridge repairs", "zebra crossings near the bridge", "the of and"], k=3)
    assert found[0][0].fact_check.url == BRIDGE.url
    assert found[1][0].fact_check.url == BRIDGE.url  # OR semantics: one shared word suffices
    assert found[2] == []  # only stop words
    assert found[0][0].similarity > 0
    before = SearchFilter(reviewed_before=dt.date(2024, 4, 30))
    assert all(
        c.fact_check.url != BRIDGE.url
        for c in source.lexical(["bridge repairs"], k=3, search_filter=before)[0]
    )


def test_migration_built_the_hnsw_and_full_text_indexes(seeded: sessionmaker[Session]) -> None:
    with seeded() as session:
        session.execute(text("SET LOCAL enable_seqscan = off"))  # 42 rows: a scan is cheaper
        definitions = session.scalars(
            text("SELECT indexdef FROM pg_indexes WHERE tablename LIKE 'fact_check%'")
        ).all()
        plan = "\n".join(
            session.scalars(
                text(
                    "EXPLAIN SELECT fact_check_id FROM fact_check_embeddings "
                    "ORDER BY vector <=> (SELECT vector FROM fact_check_embeddings LIMIT 1) "
                    "LIMIT 5"
                )
            ).all()
        )
    hnsw = [
        d
        for d in definitions
        if "USING hnsw (vector vector_cosine_ops)" in d and "multilingual" not in d
    ]
    # Migration 0006 rebuilt 0004's graph denser, under the same name.
    assert len(hnsw) == 1
    assert "ix_fact_check_embeddings_vector_hnsw " in hnsw[0]
    assert "m='32'" in hnsw[0] and "ef_construction='200'" in hnsw[0]
    assert any("USING gin (claim_search)" in d for d in definitions)
    assert "ix_fact_check_embeddings_vector_hnsw" in plan


ZEPPELINS = [
    FactCheckInput(
        claim=f"Zeppelins {tail}",
        rating="False",
        publisher="Example Checks",
        url=f"https://checks.example/zeppelin-{n}",
        language="en",
    )
    for n, tail in enumerate(["cause cancer in cows", "flood the valley", "kill every bird"])
]


def test_ingest_refreshes_the_term_statistics(
    seeded: sessionmaker[Session], embedder: Embedder
) -> None:
    def documents(word: str) -> int:
        with seeded() as session:
            found = session.scalar(
                text("SELECT ndoc FROM fact_check_lexemes WHERE word = :word"), {"word": word}
            )
        return int(found or 0)

    assert documents("bridg") == 1
    assert documents("zeppelin") == 0
    ingest(seeded, embedder, ZEPPELINS)
    assert documents("zeppelin") == 3
    with seeded() as session:
        docs = session.scalar(text("SELECT docs FROM fact_check_text_stats"))
        total = session.scalar(text("SELECT count(*) FROM fact_checks"))
    assert docs == total


def test_lexical_candidates_come_from_the_rarest_words_within_the_budget(
    seeded: sessionmaker[Session], embedder: Embedder
) -> None:
    ingest(seeded, embedder, ZEPPELINS)
    query = ["zeppelins flood the bridge"]  # zeppelin: 3 rows, bridg: 1, flood: 1+

    def urls(budget: int) -> list[str]:
        source = PgFactCheckSource(seeded, embedder.model_name, lexical_budget=budget)
        return [c.fact_check.url for c in source.lexical(query, k=10)[0]]

    # Budget 1: only the rarest one-row lexeme selects candidates.
    narrow = urls(1)
    assert BRIDGE.url in narrow or "https://checks.example/zeppelin-1" in narrow
    assert "https://checks.example/zeppelin-0" not in narrow
    wide = urls(1000)
    assert wide[0] == "https://checks.example/zeppelin-1"  # shares flood and zeppelin
    others = {"https://checks.example/zeppelin-0", "https://checks.example/zeppelin-2"}
    assert {BRIDGE.url, *others} <= set(wide)
    # A claim whose every word is commoner than the budget gets no lexical candidates.
    source = PgFactCheckSource(seeded, embedder.model_name, lexical_budget=2)
    assert source.lexical(["zeppelins"], k=10) == [[]]


def _hnsw_options(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return str(
                connection.scalar(
                    text(
                        "SELECT array_to_string(c.reloptions, ',') FROM pg_class c "
                        "WHERE c.relname = 'ix_fact_check_embeddings_vector_hnsw'"
                    )
                )
            )
    finally:
        engine.dispose()


def test_migration_0006_rebuilds_the_graph_denser_and_back(
    empty_database_url: str, embedder: Embedder
) -> None:
    upgrade(empty_database_url, "0005")
    engine = make_engine(empty_database_url)
    # Written as 0005's schema holds it (the ORM models follow the newest one).
    vector = embedder.encode([BRIDGE.claim])[0]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO fact_checks (id, claim, claim_key, rating, verdict, publisher, url,"
                " language, created_at, updated_at) VALUES (1, :claim, 'k', 'Mostly False',"
                " 'mostly_false', 'P', :url, 'en', now(), now())"
            ),
            {"claim": BRIDGE.claim, "url": BRIDGE.url},
        )
        connection.execute(
            text(
                "INSERT INTO fact_check_embeddings (fact_check_id, model_name, vector,"
                " created_at) VALUES (1, :model, CAST(:vector AS vector), now())"
            ),
            {"model": embedder.model_name, "vector": str(vector.tolist())},
        )
    engine.dispose()
    assert _hnsw_options(empty_database_url) == "m=16,ef_construction=64"

    upgrade(empty_database_url)
    assert _hnsw_options(empty_database_url) == "m=32,ef_construction=200"
    source = PgFactCheckSource(
        make_session_factory(make_engine(empty_database_url)), embedder.model_name
    )
    [hits] = source.nearest(embedder.encode(["repairs of the Forth bridge cost"]), k=1)
    assert [c.fact_check.url for c in hits] == [BRIDGE.url]

    downgrade(empty_database_url, "0005")
    assert _hnsw_options(empty_database_url) == "m=16,ef_construction=64"


def test_beam_scales_with_the_table_unless_set(seeded: sessionmaker[Session]) -> None:
    from claims_db.pg_search import PG_EF_SEARCH_ANCHORS

    (_, small_beam), _ = PG_EF_SEARCH_ANCHORS
    # A few dozen rows: the smallest measured beam.
    assert PgFactCheckSource(seeded, "all-MiniLM-L6-v2").beam() == small_beam
    assert PgFactCheckSource(seeded, "all-MiniLM-L6-v2", ef_search=300).beam() == 300


def test_the_size_estimate_counts_the_table_and_is_cached(seeded: sessionmaker[Session]) -> None:
    source = PgFactCheckSource(seeded, "all-MiniLM-L6-v2")
    rows = len(source)
    assert rows > 0
    # Never analysed in the test: the estimate falls back to counting.
    assert source.approximate_size() == rows
    with seeded() as session:
        session.execute(text("DELETE FROM fact_check_embeddings"))
        session.commit()
    assert len(source) == 0
    assert source.approximate_size() == rows  # read again only after SIZE_ESTIMATE_SECONDS
