"""Stored lexical profiles (migrations 0007 and 0008, refresh), on both backends."""

import numpy as np
from sqlalchemy import Connection, delete, func, inspect, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from claims_db.db import make_engine, make_session_factory
from claims_db.ingest import refresh_lexical_profiles
from claims_db.migrate import upgrade
from claims_db.models import FactCheckChange, FactCheckProfile
from claims_db.repository import FactCheckInput, FactCheckRepository
from claims_db.search import FactCheckIndex
from models.retrieval import lexical_profile, profile_version, read_lexical_profile

MODEL = "test-model"
CLAIMS = [
    "Bill Gates wants to put microchips in 5G vaccines, says the WHO.",
    "Scots were warned not to pray in their own home inside a buffer zone.",
    "The council spent £4.2 million on the library, twice its budget.",
]


def _unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=384).astype(np.float32)
    return vector / np.linalg.norm(vector)


def _add(session: Session, seed: int, claim: str, *, with_claims: bool = True) -> int:
    repository = FactCheckRepository(session)
    row, _ = repository.upsert(
        FactCheckInput(claim=claim, rating="False", publisher="P", url=f"https://p.example/{seed}")
    )
    repository.store_embeddings(
        MODEL, [row.id], _unit(seed)[None, :], [claim] if with_claims else None
    )
    return row.id


def _changes(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(FactCheckChange)) or 0)


def test_embeddings_store_the_claims_profile_and_searches_read_it(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        ids = [_add(session, seed, claim) for seed, claim in enumerate(CLAIMS)]
        bare = _add(session, 9, "A claim stored without its profile.", with_claims=False)
    with session_factory() as session:
        records, _ = FactCheckRepository(session).searchable(MODEL)
    by_id = {r.id: r for r in records}
    for fact_check_id, claim in zip(ids, CLAIMS, strict=True):
        assert by_id[fact_check_id].profile == lexical_profile(claim)
    assert by_id[bare].profile is None

    index = FactCheckIndex(MODEL)
    with session_factory() as session:
        index.sync(session)
    [hits] = index.lexical(["microchips vaccines"], k=2)
    assert [c.fact_check.id for c in hits] == [ids[0]]
    [hits] = index.lexical(["claim stored profile"], k=2)  # computed from the claim
    assert [c.fact_check.id for c in hits] == [bare]


def test_only_a_changed_vector_reaches_the_change_log(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        fact_check_id = _add(session, 1, CLAIMS[0])
    with session_factory.begin() as session:
        before = _changes(session)
        FactCheckRepository(session).store_profiles([fact_check_id], [CLAIMS[1]])
        assert _changes(session) == before
        FactCheckRepository(session).store_embeddings(MODEL, [fact_check_id], _unit(2)[None, :])
        assert _changes(session) == before + 1
        # A vector stored without its claim drops the profile, which may be of an older claim.
        assert _stored_profiles(session) == {}


def _insert_fact_check(connection: Connection, seed: int, claim: str) -> None:
    """A fact-check row written in SQL, for migrations older than the ORM models."""
    connection.execute(
        text(
            "INSERT INTO fact_checks (id, claim, claim_key, rating, verdict, publisher, url,"
            " language, created_at, updated_at) VALUES (:id, :claim, :key, 'False', 'false',"
            " 'P', :url, 'en', :now, :now)"
        ),
        {
            "id": seed,
            "claim": claim,
            "key": f"k{seed}",
            "url": f"https://p.example/{seed}",
            "now": "2026-12-01 00:00:00",
        },
    )


def test_migration_0007_fills_existing_embeddings_without_logging_changes(
    empty_database_url: str,
) -> None:
    upgrade(empty_database_url, "0006")
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            for seed, claim in enumerate(CLAIMS, start=1):
                _insert_fact_check(connection, seed, claim)
        # Embeddings as 0006 wrote them: no profile column yet.
        with engine.begin() as connection:
            for seed in (1, 2, 3):
                connection.execute(
                    text(
                        "INSERT INTO fact_check_embeddings (fact_check_id, model_name, vector,"
                        " created_at) VALUES (:id, :model, :vector, :now)"
                    ),
                    {
                        "id": seed,
                        "model": MODEL,
                        "vector": _vector_parameter(engine.dialect.name, _unit(seed)),
                        "now": "2026-12-01 00:00:00",
                    },
                )
            logged = connection.scalar(text("SELECT count(*) FROM fact_check_changes"))

        upgrade(empty_database_url, "0007")

        with engine.connect() as connection:
            stored = dict(
                connection.execute(
                    text("SELECT fact_check_id, lexical_profile FROM fact_check_embeddings")
                ).all()
            )
            assert connection.scalar(text("SELECT count(*) FROM fact_check_changes")) == logged
        assert stored == {
            seed: lexical_profile(claim) for seed, claim in enumerate(CLAIMS, start=1)
        }
        assert all(read_lexical_profile(p) is not None for p in stored.values())
    finally:
        engine.dispose()


def _vector_parameter(dialect: str, vector: np.ndarray) -> object:
    if dialect == "postgresql":
        return "[" + ",".join(repr(float(x)) for x in vector) + "]"
    return vector.astype(np.float32).tobytes()


def _stored_profiles(session: Session) -> dict[int, str]:
    rows = session.execute(select(FactCheckProfile.fact_check_id, FactCheckProfile.profile)).all()
    return {int(fact_check_id): profile for fact_check_id, profile in rows}


def test_refresh_writes_only_stale_or_missing_profiles_without_logging_changes(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        ids = [_add(session, seed, claim) for seed, claim in enumerate(CLAIMS)]
        current = lexical_profile(CLAIMS[0])
        session.execute(
            update(FactCheckProfile)
            .where(FactCheckProfile.fact_check_id == ids[0])
            .values(profile=current.replace(profile_version(), "p-older", 1))
        )
        session.execute(delete(FactCheckProfile).where(FactCheckProfile.fact_check_id == ids[1]))
        before = _changes(session)
    with session_factory() as session:
        written = refresh_lexical_profiles(session.connection(), batch_size=2, commit=True)
    assert written == 2
    with session_factory() as session:
        assert _stored_profiles(session) == {
            i: lexical_profile(claim) for i, claim in zip(ids, CLAIMS, strict=True)
        }
        assert _changes(session) == before
        # Nothing stale is left: a second pass writes nothing.
        assert refresh_lexical_profiles(session.connection()) == 0


def test_migration_0008_moves_profiles_to_their_table_under_the_stable_fingerprint(
    empty_database_url: str,
) -> None:
    upgrade(empty_database_url, "0007")
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            for seed, claim in enumerate(CLAIMS, start=1):
                _insert_fact_check(connection, seed, claim)
                # As 0007 left them: beside the vector, under a fingerprint no process
                # accepts any more (the old one changed with every process).
                connection.execute(
                    text(
                        "INSERT INTO fact_check_embeddings (fact_check_id, model_name, vector,"
                        " lexical_profile, created_at) VALUES (:id, :model, :vector, :profile,"
                        " :now)"
                    ),
                    {
                        "id": seed,
                        "model": MODEL,
                        "vector": _vector_parameter(engine.dialect.name, _unit(seed)),
                        "profile": lexical_profile(claim).replace(
                            profile_version(), "p0123456789", 1
                        ),
                        "now": "2026-12-01 00:00:00",
                    },
                )
            logged = connection.scalar(text("SELECT count(*) FROM fact_check_changes"))

        upgrade(empty_database_url)

        with make_session_factory(engine)() as session:
            assert _stored_profiles(session) == {
                seed: lexical_profile(claim) for seed, claim in enumerate(CLAIMS, start=1)
            }
            assert _changes(session) == logged
            columns = {
                c["name"]
                for c in inspect(session.connection()).get_columns("fact_check_embeddings")
            }
            assert "lexical_profile" not in columns
    finally:
        engine.dispose()
