"""SQLite migrations that touch fact_checks: 0011 makes it AUTOINCREMENT without losing a row;
0013 adds (and drops) the headline column keeping rows and triggers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from claims_db.db import make_engine
from claims_db.migrate import downgrade, upgrade

pytestmark = pytest.mark.sqlite_only("PostgreSQL's serial never reused ids")

_ROW = (
    "INSERT INTO fact_checks (id, claim, claim_key, rating, verdict, publisher, url, language,"
    " created_at, updated_at) VALUES (:id, :claim, :key, 'False', 'false', 'Desk', :url, 'en',"
    " '2025-01-01', '2025-01-01')"
)


def test_rebuild_keeps_rows_history_and_triggers_and_never_reuses_ids(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0010")
    engine = make_engine(url)
    with engine.begin() as connection:
        for number in (1, 2, 3):
            connection.execute(
                text(_ROW),
                {"id": number, "claim": f"c{number}", "key": f"k{number}", "url": f"u{number}"},
            )
        connection.execute(
            text(
                "INSERT INTO fact_check_revisions (fact_check_id, rating, verdict, replaced_at)"
                " VALUES (2, 'Mostly false', 'mostly_false', '2025-01-01')"
            )
        )
        connection.execute(text("DELETE FROM fact_checks WHERE id = 3"))
        triggers_before = set(
            connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            .scalars()
            .all()
        )
    engine.dispose()

    upgrade(url, "0011")  # later migrations add triggers of their own

    engine = make_engine(url)
    with engine.begin() as connection:
        schema = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'fact_checks'")
        ).scalar_one()
        assert "AUTOINCREMENT" in schema
        triggers = connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        ).scalars()
        assert set(triggers) == triggers_before
        assert connection.execute(text("SELECT count(*) FROM fact_check_revisions")).scalar() == 1
        assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
        # Id 3 was deleted before the migration (the change log remembers it): not reused.
        connection.execute(text(_ROW), {"id": None, "claim": "c4", "key": "k4", "url": "u4"})
        ids = connection.execute(text("SELECT id FROM fact_checks ORDER BY id")).scalars().all()
        assert ids == [1, 2, 4]
    engine.dispose()

    downgrade(url, "0010")
    upgrade(url)


def test_migration_0013_adds_headlines_and_downgrades_keeping_rows_and_triggers(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0012")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(_ROW), {"id": 1, "claim": "c1", "key": "k1", "url": "u1"})
        triggers_before = set(
            connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            .scalars()
            .all()
        )
    engine.dispose()

    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        assert connection.execute(text("SELECT claim, title FROM fact_checks")).all() == [
            ("c1", None)
        ]
        connection.execute(text("UPDATE fact_checks SET title = 'Headline' WHERE id = 1"))
    engine.dispose()

    downgrade(url, "0012")
    engine = make_engine(url)
    with engine.begin() as connection:
        columns = {row[1] for row in connection.execute(text("PRAGMA table_info(fact_checks)"))}
        assert "title" not in columns and "claim" in columns
        assert connection.execute(text("SELECT id, claim FROM fact_checks")).all() == [(1, "c1")]
        triggers = connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        ).scalars()
        assert set(triggers) == triggers_before
    engine.dispose()
