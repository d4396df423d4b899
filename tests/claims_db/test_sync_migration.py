"""Migration 0010: the sync tables (and procrastinate's on PostgreSQL) come and go cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from claims_db.base import Base
from claims_db.db import make_engine
from claims_db.migrate import downgrade, upgrade

SYNC_TABLES = {"sources", "source_documents", "source_runs", "feeds", "feed_runs", "feed_items"}
PROCRASTINATE_TABLES = {
    "procrastinate_jobs",
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_workers",
}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_matches_the_models_and_downgrade_removes_everything(
    empty_database_url: str,
) -> None:
    upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        on_postgres = engine.dialect.name == "postgresql"
    finally:
        engine.dispose()
    ours = [d for d in differences if any(t in str(d) for t in SYNC_TABLES)]
    assert ours == []
    expected = SYNC_TABLES | (PROCRASTINATE_TABLES if on_postgres else set())
    assert expected <= _tables(empty_database_url)

    downgrade(empty_database_url, "0008")
    assert not (SYNC_TABLES | PROCRASTINATE_TABLES) & _tables(empty_database_url)
    upgrade(empty_database_url)
    assert expected <= _tables(empty_database_url)
