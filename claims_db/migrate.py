"""Alembic wiring: upgrade a database to the latest schema, or tell whether it is current."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration for ``database_url`` using the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("claims_db") / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Revert migrations down to ``revision``."""
    command.downgrade(alembic_config(database_url), revision)


def head_revision(database_url: str) -> str | None:
    """The newest migration revision shipped with the package."""
    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


class DatabaseNotMigratedError(RuntimeError):
    """The database schema is missing or behind the code."""


def require_current(engine: Engine, database_url: str) -> None:
    """Raise ``DatabaseNotMigratedError`` unless the database is at the head revision."""
    current, head = current_revision(engine), head_revision(database_url)
    if current != head:
        raise DatabaseNotMigratedError(
            f"database {engine.url.render_as_string(hide_password=True)} is at revision "
            f"{current or 'none (empty)'}, the code needs {head}: run `claimflag db upgrade`"
        )
