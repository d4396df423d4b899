"""ClaimReview export: valid JSON-LD, filtered subsets, and export → import without change."""

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from claims_db.db import make_engine, make_session_factory
from claims_db.export import export_claim_reviews
from claims_db.importers.feeds import FeedFormat, read_feed
from claims_db.ingest import ingest
from claims_db.migrate import upgrade
from claims_db.repository import FactCheckFilter, FactCheckRepository
from models.embedding import Embedder
from models.verdicts import Verdict
from tests.claims_db.feeds import CSV_COLUMNS, FEEDS

FIELDS = (
    "claim",
    "rating",
    "verdict",
    "publisher",
    "publisher_site",
    "url",
    "claimant",
    "review_date",
    "claim_date",
    "language",
    "title",
)


def _load_fixtures(session_factory: sessionmaker[Session], embedder: Embedder) -> None:
    for name in ("page_graph.jsonld", "datafeed.json", "google_claims_search.json", "mapped.csv"):
        columns = CSV_COLUMNS if name.endswith(".csv") else None
        with (FEEDS / name).open("rb") as stream:
            ingest(session_factory, embedder, read_feed(stream, columns=columns, source=name))


def _snapshot(session_factory: sessionmaker[Session]) -> set[tuple[Any, ...]]:
    with session_factory() as session:
        rows = FactCheckRepository(session).iterate(FactCheckFilter())
        return {tuple(getattr(row, f) for f in FIELDS) for row in rows}


def _export(session_factory: sessionmaker[Session], search_filter: FactCheckFilter) -> str:
    out = io.StringIO()
    with session_factory() as session:
        export_claim_reviews(session, out, search_filter)
    return out.getvalue()


def test_export_is_claim_review_json_ld(
    session_factory: sessionmaker[Session], embedder: Embedder
) -> None:
    _load_fixtures(session_factory, embedder)
    document = json.loads(_export(session_factory, FactCheckFilter()))
    assert document["@context"] == "https://schema.org"
    nodes = document["@graph"]
    assert len(nodes) == 11
    for node in nodes:
        assert node["@type"] == "ClaimReview"
        assert node["claimReviewed"] and node["url"] and node["author"]["name"]
        assert node["reviewRating"]["@type"] == "Rating" and node["reviewRating"]["alternateName"]
        assert node["itemReviewed"]["@type"] == "Claim"
    buffer = next(n for n in nodes if "pray silently" in n["claimReviewed"])
    assert buffer["datePublished"] == "2025-02-17"
    assert buffer["author"] == {
        "@type": "Organization",
        "name": "Example Fact Desk",
        "url": "https://factdesk.example",
    }
    assert buffer["itemReviewed"]["author"]["name"] == "Social media posts"
    assert buffer["itemReviewed"]["datePublished"] == "2025-02-14"
    assert buffer["reviewRating"]["ratingValue"] == 1


def test_filtered_subset(session_factory: sessionmaker[Session], embedder: Embedder) -> None:
    _load_fixtures(session_factory, embedder)
    french = json.loads(_export(session_factory, FactCheckFilter(language="fr")))["@graph"]
    assert [n["reviewRating"]["alternateName"] for n in french] == ["Faux"]
    false_2025 = FactCheckFilter(
        verdict=Verdict.FALSE, reviewed_from=dt.date(2025, 1, 1), publisher="factdesk.example"
    )
    claims = {
        n["claimReviewed"] for n in json.loads(_export(session_factory, false_2025))["@graph"]
    }
    assert claims == {
        "The buffer zone law makes it illegal to pray silently in your own home.",
        "Half of all Europeans want to leave the EU.",
    }


def test_export_then_import_round_trips_without_change(
    tmp_path: Path, session_factory: sessionmaker[Session], embedder: Embedder
) -> None:
    _load_fixtures(session_factory, embedder)
    exported = tmp_path / "export.jsonld"
    exported.write_text(_export(session_factory, FactCheckFilter()), encoding="utf-8")

    # Into the same database: every record is unchanged.
    with exported.open("rb") as stream:
        again = ingest(session_factory, embedder, read_feed(stream, FeedFormat.AUTO))
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 11, 0)

    # Into an empty database: the same records, field for field.
    url = f"sqlite:///{tmp_path / 'copy.db'}"
    upgrade(url)
    engine = make_engine(url)
    copy = make_session_factory(engine)
    with exported.open("rb") as stream:
        assert ingest(copy, embedder, read_feed(stream)).inserted == 11
    assert _snapshot(copy) == _snapshot(session_factory)
    engine.dispose()
