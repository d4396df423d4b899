"""Importing feeds into a real database: idempotency, history, embeddings, flat memory."""

import dataclasses
import datetime as dt
import io
import json
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from claims_db.importers.feeds import FeedFormat, read_feed
from claims_db.ingest import IngestSummary, ingest, reembed_all
from claims_db.repository import FactCheckInput, FactCheckRepository
from claims_db.search import FactCheckIndex
from models.embedding import Embedder, fact_check_vectors
from tests.claims_db.feeds import CSV_COLUMNS, FEEDS


def _import(
    session_factory: sessionmaker[Session],
    embedder: Embedder,
    path: Path,
    columns: dict[str, str] | None = None,
    batch_size: int = 256,
) -> IngestSummary:
    with path.open("rb") as stream:
        items = read_feed(stream, FeedFormat.AUTO, columns=columns, source=path.name)
        return ingest(session_factory, embedder, items, batch_size=batch_size)


def _counts(summary: IngestSummary) -> tuple[int, int, int, int, int]:
    return (
        summary.inserted,
        summary.updated,
        summary.unchanged,
        summary.rejected,
        summary.skipped,
    )


def test_every_fixture_imports_and_a_reimport_changes_nothing(
    session_factory: sessionmaker[Session], embedder: Embedder
) -> None:
    expected = {
        "page_graph.jsonld": (3, 0, 0, 0, 1),
        "datafeed.json": (3, 0, 0, 3, 1),
        "single.json": (1, 0, 0, 0, 0),
        "google_claims_search.json": (3, 0, 0, 1, 0),
        "flat.jsonl": (3, 0, 0, 3, 0),
        "mapped.csv": (2, 0, 0, 2, 0),
    }
    for name, counts in expected.items():
        columns = CSV_COLUMNS if name.endswith(".csv") else None
        first = _import(session_factory, embedder, FEEDS / name, columns)
        assert _counts(first) == counts, name
        again = _import(session_factory, embedder, FEEDS / name, columns)
        inserted, _, _, rejected, skipped = counts
        assert _counts(again) == (0, 0, inserted, rejected, skipped), name
    with session_factory() as session:
        repository = FactCheckRepository(session)
        assert repository.count() == 15
        assert not repository.missing_embeddings(embedder.model_name)


def test_changed_rating_updates_the_record_and_keeps_its_history(
    session_factory: sessionmaker[Session], embedder: Embedder
) -> None:
    original = FactCheckInput(
        claim="The tunnel will open next year.",
        rating="Unproven",
        publisher="Example Fact Desk",
        url="https://factdesk.example/tunnel/",
        review_date=dt.date(2024, 1, 1),
        source="first-feed",
    )
    ingest(session_factory, embedder, [original])
    revised = FactCheckInput(
        claim=original.claim,
        rating="False",
        publisher=original.publisher,
        url=original.url,
        review_date=dt.date(2024, 6, 1),
        source="second-feed",
    )
    summary = ingest(session_factory, embedder, [revised], actor="feed-bot")
    assert (summary.inserted, summary.updated) == (0, 1)
    assert ingest(session_factory, embedder, [revised]).unchanged == 1
    with session_factory() as session:
        repository = FactCheckRepository(session)
        row = repository.find(original.url, original.claim)
        assert row is not None
        assert (row.rating, row.verdict, row.review_date) == ("False", "false", dt.date(2024, 6, 1))
        (revision,) = repository.revisions(row.id)
        assert (revision.rating, revision.verdict) == ("Unproven", "unproven")
        assert revision.review_date == dt.date(2024, 1, 1)
        assert (revision.replaced_by, revision.source) == ("feed-bot", "second-feed")
        # The update was re-embedded: nothing is stale.
        assert not repository.missing_embeddings(embedder.model_name)


def test_reembedding_overwrites_every_vector(
    session_factory: sessionmaker[Session], embedder: Embedder
) -> None:
    _import(session_factory, embedder, FEEDS / "page_graph.jsonld")
    with session_factory() as session:
        _, before = FactCheckRepository(session).embedding_matrix(embedder.model_name)
    assert reembed_all(session_factory, embedder, batch_size=2) == 3
    with session_factory() as session:
        ids, after = FactCheckRepository(session).embedding_matrix(embedder.model_name)
    assert ids.shape[0] == 3 and after.shape == before.shape
    index = FactCheckIndex(embedder.model_name)
    with session_factory() as session:
        index.sync(session)
    (best,) = index.nearest(embedder.encode(["praying at home is banned near clinics"]), k=1)[0]
    assert "pray silently" in best.fact_check.claim


def _write_feed(path: Path, count: int) -> None:
    """A ClaimReview DataFeed of ``count`` distinct reviews, written record by record."""
    with path.open("w", encoding="utf-8") as out:
        out.write('{"@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": [')
        for number in range(count):
            node = {
                "@type": "DataFeedItem",
                "item": {
                    "@type": "ClaimReview",
                    "url": f"https://factdesk.example/review/{number}/",
                    "claimReviewed": f"Claim number {number} about item {number % 97}.",
                    "datePublished": "2024-05-01",
                    "author": {"@type": "Organization", "name": "Example Fact Desk"},
                    "reviewRating": {"@type": "Rating", "alternateName": "False"},
                },
            }
            out.write(("," if number else "") + json.dumps(node))
        out.write("]}")


@pytest.mark.slow
def test_import_memory_stays_flat_from_1k_to_10k_records(
    tmp_path: Path, session_factory: sessionmaker[Session], embedder: Embedder
) -> None:
    peaks = {}
    for count in (1_000, 10_000):
        path = tmp_path / f"feed-{count}.json"
        _write_feed(path, count)
        with session_factory.begin() as session:
            session.execute(FactCheckRepository.delete_all_statement())
        tracemalloc.start()
        summary = _import(session_factory, embedder, path)
        peaks[count] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert summary.inserted == count
    # Ten times the records may not take much more memory than one batch's worth.
    assert peaks[10_000] < peaks[1_000] * 1.5 + 2_000_000, peaks


def test_a_headline_moves_the_stored_vector_and_a_new_one_re_embeds(
    session_factory: sessionmaker[Session], embedder: Embedder
) -> None:
    plain = FactCheckInput(
        claim="Drinking hot water every fifteen minutes kills the coronavirus.",
        rating="False",
        publisher="Example Fact Desk",
        url="https://factdesk.example/hot-water/",
        source="feed",
    )
    ingest(session_factory, embedder, [plain])

    def stored() -> np.ndarray:
        with session_factory() as session:
            _, vectors = FactCheckRepository(session).embedding_matrix(embedder.model_name)
        assert vectors.shape[0] == 1
        return vectors[0]

    claim_only = stored()
    np.testing.assert_allclose(claim_only, embedder.encode([plain.claim])[0], atol=1e-6)
    headline = "Does Hot Water Wash the Virus Into the Stomach?"
    titled = dataclasses.replace(plain, title=headline)
    assert ingest(session_factory, embedder, [titled]).updated == 1
    moved = stored()
    expected = fact_check_vectors(embedder, [plain.claim], [headline])[0]
    np.testing.assert_allclose(moved, expected, atol=1e-6)
    assert float(moved @ claim_only) < 0.999
    with session_factory() as session:
        row = FactCheckRepository(session).find(plain.url, plain.claim)
        assert row is not None and row.title == headline
    # Re-embedding everything (``claimflag reindex``) keeps the headline in the vector.
    assert reembed_all(session_factory, embedder) == 1
    np.testing.assert_allclose(stored(), expected, atol=1e-6)


def test_a_checkthat_copy_leaves_the_review_it_copies_as_it_is(
    session_factory: sessionmaker[Session], embedder: Embedder
) -> None:
    held = FactCheckInput(
        claim="Road tunnels melt in the summer heat.",
        rating="false",
        publisher="Snopes",
        url="https://www.snopes.com/fact-check/tunnels-melt/",
        title="Do Tunnels Melt in Summer?",
        source="snopes-2020",
    )
    ingest(session_factory, embedder, [held])
    copies = [
        {  # the same review, its headline typeset with curly quotes and no rating
            "vclaim": held.claim,
            "title": "Do Tunnels ‘Melt’ in Summer?",
            "page_url_derived": held.url,
            "rating": None,
        },
        {
            "vclaim": "Every bridge in the county is made of cheese.",
            "title": "Bridges of Cheese",
            "page_url_derived": "https://www.snopes.com/fact-check/cheese-bridges/",
            "rating": "false",
        },
    ]
    body = "\n".join(json.dumps(r) for r in copies).encode()
    items = read_feed(io.BytesIO(body), FeedFormat.AUTO, source="ct22")
    summary = ingest(session_factory, embedder, items)
    assert _counts(summary) == (1, 0, 1, 0, 0)
    with session_factory() as session:
        repository = FactCheckRepository(session)
        row = repository.find(held.url, held.claim)
        assert row is not None
        assert (row.rating, row.title, row.source) == ("false", held.title, "snopes-2020")
        assert not repository.revisions(row.id)
        assert repository.count() == 2


def test_records_the_database_cannot_store_are_rejected_by_line_and_the_rest_go_in(
    session_factory: sessionmaker[Session], embedder: Embedder, tmp_path: Path
) -> None:
    # A NUL fails a whole batch on PostgreSQL and a lone surrogate on either backend: such
    # a record is rejected with its line before anything is written.
    rows = [
        {
            "claim": "Glasgow banned cycling on bridges.",
            "rating": "False",
            "url": "https://a.example/1",
        },
        {"claim": "Bad\u0000 claim.", "rating": "False", "url": "https://a.example/2"},
        {
            "claim": "Edinburgh closed its trams.",
            "rating": "Fa\u0000lse",
            "url": "https://a.example/3",
        },
        {
            "claim": "Dundee sold its port.",
            "rating": "False",
            "url": "https://a.example/4",
            "publisher": "\ud800",
        },
        {"claim": "Perth has no trains.", "rating": "False", "url": "https://a.example/5"},
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    summary = _import(session_factory, embedder, path)
    assert _counts(summary) == (2, 0, 0, 3, 0), summary.errors
    assert [e.split(":")[0] for e in summary.errors] == ["line 2", "line 3", "line 4"]
    assert "claim: contains a NUL character at offset 3" in summary.errors[0]
    assert "unpaired UTF-16 surrogate" in summary.errors[2]
    with session_factory() as session:
        stored = FactCheckRepository(session).count()
    assert stored == 2


def test_language_labels_are_stored_as_iso_codes_and_a_bogus_one_is_detected(
    session_factory: sessionmaker[Session], embedder: Embedder, tmp_path: Path
) -> None:
    # Real ClaimReview markup says "en-US", "English" or {"name": "Spanish"}: stored as the
    # code the detector gives, so the matcher reads them as English or Spanish.
    def review(number: int, claim: str, language: object) -> dict[str, object]:
        return {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": f"https://factdesk.example/{number}",
            "claimReviewed": claim,
            "author": {"@type": "Organization", "name": "Fact Desk"},
            "reviewRating": {"@type": "Rating", "alternateName": "False"},
            "inLanguage": language,
        }

    rows = [
        review(1, "Glasgow banned cycling on every bridge in the city.", "en-US"),
        review(2, "Edinburgh closed all of its tram lines last winter.", "English"),
        review(3, "El gobierno cerró todas las líneas de tranvía.", {"name": "Spanish"}),
        review(4, "La ciudad prohibió las bicicletas en todos sus puentes.", "zz-bogus"),
    ]
    path = tmp_path / "reviews.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    summary = _import(session_factory, embedder, path)
    assert _counts(summary) == (4, 0, 0, 0, 0), summary.errors
    with session_factory() as session:
        rows_stored = FactCheckRepository(session).all_records()
        languages = {row.url.rsplit("/", 1)[1]: row.language for row in rows_stored}
    assert languages == {"1": "en", "2": "en", "3": "es", "4": "es"}
    again = _import(session_factory, embedder, path)
    assert _counts(again) == (0, 0, 4, 0, 0)
