import datetime as dt

import numpy as np
import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from claims_db.importers.datasets import curated_seed, parse_loose_date
from claims_db.ingest import ingest
from claims_db.models import FactCheck, claim_key
from claims_db.repository import FactCheckInput, FactCheckRepository, UpsertOutcome
from claims_db.search import FactCheckIndex
from models.embedding import Embedder
from models.verdicts import Verdict

ITEM = FactCheckInput(
    claim="The bridge cost four million pounds.",
    rating="Mostly False",
    publisher="Example Checks",
    url="https://checks.example/bridge",
    review_date=dt.date(2024, 5, 1),
)


def test_upsert_inserts_updates_and_is_idempotent(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        row, outcome = FactCheckRepository(session).upsert(ITEM)
        assert outcome is UpsertOutcome.INSERTED
        assert row.verdict == Verdict.MOSTLY_FALSE.value
    with session_factory.begin() as session:
        assert FactCheckRepository(session).upsert(ITEM)[1] is UpsertOutcome.UNCHANGED
    changed = FactCheckInput(
        claim=ITEM.claim, rating="False", publisher=ITEM.publisher, url=ITEM.url
    )
    with session_factory.begin() as session:
        row, outcome = FactCheckRepository(session).upsert(changed)
        assert outcome is UpsertOutcome.UPDATED and row.verdict == "false"
        assert FactCheckRepository(session).count() == 1


def test_one_url_can_hold_several_claims(session_factory: sessionmaker[Session]) -> None:
    other = FactCheckInput(
        claim="The bridge was never opened.", rating="False", publisher=ITEM.publisher, url=ITEM.url
    )
    with session_factory.begin() as session:
        repository = FactCheckRepository(session)
        repository.upsert(ITEM)
        repository.upsert(other)
        assert repository.count() == 2


def test_url_and_claim_are_unique_in_the_database(session_factory: sessionmaker[Session]) -> None:
    with pytest.raises(IntegrityError), session_factory.begin() as session:
        for _ in range(2):
            session.add(
                FactCheck(
                    claim="x",
                    claim_key=claim_key("x"),
                    rating="False",
                    verdict="false",
                    publisher="p",
                    url="https://u.example",
                    language="en",
                )
            )
            session.flush()


def test_claim_key_folds_case_and_space() -> None:
    assert claim_key("The  bridge\ncost") == claim_key("the bridge cost")


def test_ingest_embeds_and_index_follows_changes(
    session_factory: sessionmaker[Session], embedder: Embedder
) -> None:
    summary = ingest(session_factory, embedder, curated_seed())
    assert (summary.inserted, summary.updated, summary.unchanged) == (41, 0, 0)
    again = ingest(session_factory, embedder, curated_seed())
    assert (again.inserted, again.unchanged) == (0, 41)

    index = FactCheckIndex(embedder.model_name)
    with session_factory() as session:
        assert index.sync(session) is True
        assert len(index) == 41
        assert index.sync(session) is False
    ingest(session_factory, embedder, [ITEM])
    with session_factory() as session:
        assert index.sync(session) is True
    found = index.nearest(embedder.encode(["the bridge cost £4m"]), k=1)
    assert found[0][0].fact_check.claim == ITEM.claim
    with session_factory.begin() as session:
        session.delete(FactCheckRepository(session).find(ITEM.url, ITEM.claim))
    with session_factory() as session:
        index.sync(session)
    assert len(index) == 41
    vectors = embedder.encode(["the bridge cost £4m"])
    assert all(c.fact_check.url != ITEM.url for c in index.nearest(vectors, k=5)[0])
    assert np.isclose(np.linalg.norm(vectors[0]), 1.0, atol=1e-3)


def test_loose_dates() -> None:
    assert parse_loose_date("9 October 2020") == dt.date(2020, 10, 9)
    assert parse_loose_date("August 30, 2024") == dt.date(2024, 8, 30)
    assert parse_loose_date("2025-02-17T10:00:00Z") == dt.date(2025, 2, 17)
    assert parse_loose_date("sometime") is None
    assert parse_loose_date(None) is None
