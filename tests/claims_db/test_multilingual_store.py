"""The fact-checks' multilingual vectors: migration 0012, ingest, backfill and both backends."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

import numpy as np
import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from claims_db.db import make_engine, make_session_factory
from claims_db.importers.datasets import curated_seed
from claims_db.ingest import backfill_multilingual, ingest
from claims_db.migrate import downgrade, upgrade
from claims_db.models import (
    FactCheck,
    FactCheckChange,
    FactCheckMultilingualEmbedding,
    claim_key,
)
from claims_db.pg_search import PgFactCheckSource
from claims_db.repository import FactCheckFilter, FactCheckInput, FactCheckRepository
from claims_db.search import FactCheckIndex
from models.embedding import Embedder
from models.matching import SearchFilter
from tests.conftest import ON_POSTGRES

MODEL = "test-model"
MULTILINGUAL = "fake-multilingual"
TABLE = "fact_check_multilingual_embeddings"


def _unit(text_or_seed: str | int) -> np.ndarray:
    seed = (
        text_or_seed
        if isinstance(text_or_seed, int)
        else int(hashlib.sha256(text_or_seed.encode()).hexdigest()[:8], 16)
    )
    vector = np.random.default_rng(seed).normal(size=384).astype(np.float32)
    return vector / np.linalg.norm(vector)


class FakeMultilingual:
    """A deterministic encoder (a random unit vector per text) that records what it read and
    can be told to fail on a given call, as a crashing backfill would."""

    model_name = MULTILINGUAL

    def __init__(self, fail_on_call: int | None = None) -> None:
        self.fail_on_call = fail_on_call
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        if self.fail_on_call is not None and len(self.calls) == self.fail_on_call:
            raise RuntimeError("encoder died")
        return np.stack([_unit(t) for t in texts]) if texts else np.zeros((0, 384), np.float32)


def _item(number: int, claim: str | None = None, language: str | None = None) -> FactCheckInput:
    return FactCheckInput(
        claim=claim or f"Claim number {number} about the price of bread in town",
        rating="False",
        publisher="Desk",
        url=f"https://desk.example/{number}",
        language=language,
    )


def _multilingual_rows(session_factory: sessionmaker[Session]) -> dict[int, str]:
    with session_factory() as session:
        rows = session.execute(
            select(
                FactCheckMultilingualEmbedding.fact_check_id,
                FactCheckMultilingualEmbedding.model_name,
            )
        ).all()
    return {int(fact_check_id): str(name) for fact_check_id, name in rows}


def test_migration_adds_the_table_to_a_populated_database_and_downgrades(
    empty_database_url: str,
) -> None:
    upgrade(empty_database_url, "0011")
    engine = make_engine(empty_database_url)
    factory = make_session_factory(engine)
    # Rows written under 0011's schema, in its columns (later migrations add others).
    with factory.begin() as session:
        repository = FactCheckRepository(session)
        for number in range(3):
            item = _item(number, language="en")
            fact_check_id = session.execute(
                text(
                    "INSERT INTO fact_checks (claim, claim_key, rating, verdict, publisher, url,"
                    " language, created_at, updated_at) VALUES (:claim, :key, :rating,"
                    " 'false', :publisher, :url, 'en', :now, :now) RETURNING id"
                ),
                {
                    "claim": item.claim,
                    "key": claim_key(item.claim),
                    "rating": item.rating,
                    "publisher": item.publisher,
                    "url": item.url,
                    "now": dt.datetime(2026, 1, 1),
                },
            ).scalar_one()
            repository.store_embeddings(MODEL, [fact_check_id], _unit(number)[None, :])
    assert TABLE not in inspect(engine).get_table_names()
    engine.dispose()

    upgrade(empty_database_url)

    engine = make_engine(empty_database_url)
    factory = make_session_factory(engine)
    assert TABLE in inspect(engine).get_table_names()
    with factory() as session:
        _, before = FactCheckRepository(session).change_window()
        assert FactCheckRepository(session).missing_multilingual_count(MULTILINGUAL) == 3
    assert backfill_multilingual(factory, FakeMultilingual()) == 3
    with factory() as session:
        repository = FactCheckRepository(session)
        assert repository.count() == 3
        assert repository.multilingual_count(MULTILINGUAL) == 3
        # The triggers logged each vector written, for other processes' indexes.
        logged = session.scalars(
            select(FactCheckChange.fact_check_id).where(FactCheckChange.seq > before)
        ).all()
        assert set(logged) == set(session.scalars(select(FactCheck.id)))
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            definition = connection.scalar(
                text(
                    "SELECT indexdef FROM pg_indexes"
                    " WHERE tablename = :table AND indexdef LIKE '%hnsw%'"
                ),
                {"table": TABLE},
            )
        assert "vector_cosine_ops" in definition
        assert "m='32'" in definition and "ef_construction='200'" in definition
    engine.dispose()

    downgrade(empty_database_url, "0011")
    engine = make_engine(empty_database_url)
    assert TABLE not in inspect(engine).get_table_names()
    with make_session_factory(engine)() as session:
        assert FactCheckRepository(session).count() == 3
    engine.dispose()
    upgrade(empty_database_url)


def test_ingest_fills_both_spaces_and_detects_missing_languages(
    session_factory: sessionmaker[Session], embedder: Embedder
) -> None:
    spanish = "Las vacunas contra la gripe contienen microchips para vigilar a la población."
    english = "The new bridge over the river cost four million pounds to repair last year."
    items = [_item(1, spanish), _item(2, english), _item(3, english, language="fr")]
    encoder = FakeMultilingual()
    summary = ingest(session_factory, embedder, items, multilingual=encoder)
    assert summary.inserted == 3
    with session_factory() as session:
        repository = FactCheckRepository(session)
        languages = [row.language for row in repository.iterate(FactCheckFilter())]
        ids, vectors = repository.multilingual_matrix(MULTILINGUAL)
        assert repository.multilingual_count(MULTILINGUAL) == 3
        assert len(repository.embedding_counts()) == 1
    # Detected when the record has none; a given language is kept as given.
    assert sorted(languages) == ["en", "es", "fr"]
    by_id = dict(zip(ids.tolist(), vectors, strict=True))
    with session_factory() as session:
        spanish_id = session.scalar(select(FactCheck.id).where(FactCheck.claim == spanish))
    assert np.allclose(by_id[spanish_id], _unit(spanish))

    # A changed claim gets a new vector in both spaces.
    changed = FactCheckInput(
        claim=spanish, rating="True", publisher="Desk", url="https://desk.example/1"
    )
    assert ingest(session_factory, embedder, [changed], multilingual=encoder).updated == 1
    assert encoder.calls[-1] == [spanish]
    # Without the encoder a changed record's multilingual vector is dropped, not left stale.
    again = FactCheckInput(
        claim=spanish, rating="Mostly false", publisher="Desk", url="https://desk.example/1"
    )
    assert ingest(session_factory, embedder, [again]).updated == 1
    assert spanish_id not in _multilingual_rows(session_factory)
    with session_factory() as session:
        assert FactCheckRepository(session).missing_multilingual(MULTILINGUAL) == [
            (spanish_id, spanish)
        ]


def _store_english_vectors(session_factory: sessionmaker[Session], count: int) -> list[int]:
    ids = []
    with session_factory.begin() as session:
        repository = FactCheckRepository(session)
        for number in range(count):
            row, _ = repository.upsert(_item(number, language="en"))
            repository.store_embeddings(MODEL, [row.id], _unit(number)[None, :])
            ids.append(row.id)
    return ids


def test_backfill_resumes_after_an_interruption_and_writes_each_vector_once(
    session_factory: sessionmaker[Session],
) -> None:
    ids = _store_english_vectors(session_factory, 10)
    failing = FakeMultilingual(fail_on_call=2)
    with pytest.raises(RuntimeError, match="encoder died"):
        backfill_multilingual(session_factory, failing, batch_size=3)
    assert sorted(_multilingual_rows(session_factory)) == ids[:3]

    resumed = FakeMultilingual()
    assert backfill_multilingual(session_factory, resumed, batch_size=3) == 7
    # Only what was missing was encoded again.
    assert sum(len(call) for call in resumed.calls) == 7
    rows = _multilingual_rows(session_factory)
    assert sorted(rows) == ids and set(rows.values()) == {MULTILINGUAL}
    with session_factory() as session:
        total = session.scalar(select(func.count()).select_from(FactCheckMultilingualEmbedding))
    assert total == 10
    assert backfill_multilingual(session_factory, FakeMultilingual(), batch_size=3) == 0


LANGUAGES = {"en": 11, "es": 12, "de": 13}


def _multilingual_sources(
    session_factory: sessionmaker[Session],
) -> list[FactCheckIndex | PgFactCheckSource]:
    sources: list[FactCheckIndex | PgFactCheckSource] = [
        FactCheckIndex(MODEL, multilingual_model=MULTILINGUAL)
    ]
    if ON_POSTGRES:
        sources.append(PgFactCheckSource(session_factory, MODEL, multilingual_model=MULTILINGUAL))
    return sources


def test_both_backends_find_the_nearest_multilingual_vector_honour_filters_and_forget_deletes(
    session_factory: sessionmaker[Session],
) -> None:
    by_language: dict[str, int] = {}
    with session_factory.begin() as session:
        repository = FactCheckRepository(session)
        for language, seed in LANGUAGES.items():
            row, _ = repository.upsert(_item(seed, language=language))
            repository.store_embeddings(MODEL, [row.id], _unit(seed)[None, :])
            # The multilingual space differs from the English one: other seeds.
            repository.store_multilingual(MULTILINGUAL, [row.id], _unit(seed + 100)[None, :])
            by_language[language] = row.id
    spanish_query = _unit(LANGUAGES["es"] + 100)[None, :]
    for source in _multilingual_sources(session_factory):
        with session_factory() as session:
            source.sync(session)
        assert source.multilingual_count() == 3
        [hits] = source.nearest_multilingual(spanish_query, k=3)
        assert hits[0].fact_check.id == by_language["es"]
        assert hits[0].similarity == pytest.approx(1.0, abs=1e-4)
        # The English space is another index: the same query vector finds nothing close.
        assert source.nearest(spanish_query, k=1)[0][0].similarity < 0.5
        [english_only] = source.nearest_multilingual(
            spanish_query, k=3, search_filter=SearchFilter(language="en")
        )
        assert [c.fact_check.id for c in english_only] == [by_language["en"]]
        assert source.nearest_multilingual(spanish_query[:0], k=3) == []

    sources = _multilingual_sources(session_factory)
    for source in sources:
        with session_factory() as session:
            source.sync(session)
    with session_factory.begin() as session:
        FactCheckRepository(session).delete(session.get_one(FactCheck, by_language["es"]))
    assert by_language["es"] not in _multilingual_rows(session_factory)
    for source in sources:
        with session_factory() as session:
            source.sync(session)  # the in-memory index applies the logged delete
        assert source.multilingual_count() == 2
        [hits] = source.nearest_multilingual(spanish_query, k=3)
        assert by_language["es"] not in {c.fact_check.id for c in hits}
        assert len(hits) == 2


def test_a_backfill_batch_reaches_a_running_index_without_rebuilding_its_texts(
    session_factory: sessionmaker[Session],
) -> None:
    ids = _store_english_vectors(session_factory, 4)
    index = FactCheckIndex(MODEL, multilingual_model=MULTILINGUAL)
    with session_factory() as session:
        index.sync(session)
    texts = index._texts
    assert index.multilingual_count() == 0
    backfill_multilingual(session_factory, FakeMultilingual(), batch_size=2)
    with session_factory() as session:
        assert index.sync(session) is True
    assert index.multilingual_count() == 4
    assert index._texts is texts  # the BM25 index was not rebuilt for vectors alone
    with session_factory.begin() as session:
        FactCheckRepository(session).update(session.get_one(FactCheck, ids[0]), {"claim": "new"})
    with session_factory() as session:
        index.sync(session)
    assert index._texts is not texts
    assert index.lexical(["new"], k=1)[0][0].fact_check.id == ids[0]


def test_an_index_without_a_multilingual_model_keeps_todays_behaviour(
    session_factory: sessionmaker[Session],
) -> None:
    _store_english_vectors(session_factory, 2)
    index = FactCheckIndex(MODEL)
    with session_factory() as session:
        index.sync(session)
    assert len(index) == 2
    assert index.multilingual_count() == 0
    assert index.nearest_multilingual(_unit(0)[None, :], k=2) == [[]]


def test_load_takes_multilingual_vectors_for_evaluations() -> None:
    from models.matching import FactCheckRecord
    from models.verdicts import Verdict

    records = [
        FactCheckRecord(
            id=i, claim=f"c{i}", rating="False", verdict=Verdict.FALSE, publisher="P", url=f"u{i}"
        )
        for i in (1, 2)
    ]
    index = FactCheckIndex(MODEL, multilingual_model=MULTILINGUAL)
    ids = np.array([1, 2], dtype=np.int64)
    index.load(
        records,
        ids,
        np.stack([_unit(1), _unit(2)]),
        multilingual_ids=ids[1:],
        multilingual_vectors=_unit(7)[None, :],
    )
    assert index.multilingual_count() == 1
    assert index.nearest_multilingual(_unit(7)[None, :], k=2)[0][0].fact_check.id == 2


def test_a_spanish_claim_finds_the_english_fact_check_with_the_real_encoder(
    session_factory: sessionmaker[Session], embedder: Embedder
) -> None:
    from models.encoders.multilingual import MultilingualEncoder

    encoder = MultilingualEncoder()
    ingest(session_factory, embedder, curated_seed(), multilingual=encoder)
    index = FactCheckIndex(embedder.model_name, multilingual_model=encoder.model_name)
    with session_factory() as session:
        index.sync(session)
    assert index.multilingual_count() == 41
    query = encoder.encode(["Zelenski es un dictador que se ha negado a celebrar elecciones."])
    [hits] = index.nearest_multilingual(query, k=3)
    assert hits[0].fact_check.claim == "Zelenskyy is a dictator who has refused to hold elections."
