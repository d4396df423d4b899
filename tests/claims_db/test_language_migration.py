"""Migration 0014: stored language labels become ISO 639 codes, on both backends."""

from __future__ import annotations

from sqlalchemy import text

from claims_db.db import make_engine
from claims_db.migrate import downgrade, upgrade

_FACT_CHECK = (
    "INSERT INTO fact_checks (claim, claim_key, rating, verdict, publisher, url, language,"
    " created_at, updated_at) VALUES (:claim, :key, 'False', 'false', 'Desk', :url, :language,"
    " '2025-01-01', '2025-01-01')"
)
_FEED = (
    "INSERT INTO feeds (name, url, kind, language, interval_minutes, enabled, created_at,"
    " updated_at) VALUES (:name, 'https://outlet.example/rss', 'auto', :language, 15, true,"
    " '2025-01-01', '2025-01-01')"
)
_SOURCE = (
    "INSERT INTO sources (name, kind, query, language, interval_minutes, enabled, created_at,"
    " updated_at) VALUES (:name, 'google', 'vaccines', :language, 60, true, '2025-01-01',"
    " '2025-01-01')"
)


def test_stored_labels_become_codes_and_a_bogus_fact_check_label_is_detected(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    upgrade(url, "0013")
    labels = {
        "1": ("Glasgow banned cycling on every bridge in the city.", "en-US"),
        "2": ("Edinburgh closed all of its tram lines last winter.", "English"),
        "3": ("El gobierno cerró todas las líneas de tranvía de la ciudad.", "zz-bogus"),
        "4": ("Die Regierung hat alle Straßenbahnlinien der Stadt geschlossen.", "de"),
    }
    engine = make_engine(url)
    with engine.begin() as connection:
        for number, (claim, language) in labels.items():
            connection.execute(
                text(_FACT_CHECK),
                {
                    "claim": claim,
                    "key": number,
                    "url": f"https://a.example/{number}",
                    "language": language,
                },
            )
        connection.execute(text(_FEED), {"name": "tagged", "language": "pt_BR"})
        connection.execute(text(_FEED), {"name": "bogus", "language": "xx-nowhere"})
        connection.execute(text(_SOURCE), {"name": "spanish", "language": "Spanish"})
    engine.dispose()

    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            stored = dict(connection.execute(text("SELECT url, language FROM fact_checks")).all())
            feeds = dict(connection.execute(text("SELECT name, language FROM feeds")).all())
            sources = dict(connection.execute(text("SELECT name, language FROM sources")).all())
    finally:
        engine.dispose()
    assert {key.rsplit("/", 1)[1]: value for key, value in stored.items()} == {
        "1": "en",
        "2": "en",
        "3": "es",
        "4": "de",
    }
    # A feed's label restricts what it matches: one naming no language is left for the
    # operator rather than guessed.
    assert feeds == {"tagged": "pt", "bogus": "xx-nowhere"}
    assert sources == {"spanish": "es"}

    downgrade(url, "0013")
    upgrade(url)
