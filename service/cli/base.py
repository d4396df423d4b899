"""What every command module shares: the Typer apps, the console, logging set-up and a
session factory on the configured database.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from service.config import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from service.runtime import Runtime


app = typer.Typer(help="claimflag: flag check-worthy claims and match them to fact-checks.")
db_app = typer.Typer(help="Database maintenance.")
app.add_typer(db_app, name="db")
keys_app = typer.Typer(help="API keys: create, list, revoke.")
app.add_typer(keys_app, name="keys")
models_app = typer.Typer(help="Encoder exports: ONNX files made from the packaged weights.")
app.add_typer(models_app, name="models")
console = Console()


# Chatty below WARNING at every start ("Context impl SQLiteImpl", plugin set-up); the
# service says itself when it upgrades the database. CLAIMFLAG_LOG_LEVEL=DEBUG shows them.
QUIET_LOGGERS = ("alembic",)


def _setup_logging(settings: Settings) -> None:
    level = settings.log_level.upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if level != "DEBUG":
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)


def _session_factory() -> sessionmaker[Session]:
    """Sessions on the configured database; exits 1 with the reason (and the command that
    mends it) when the database is not at the code's revision."""
    from claims_db.db import make_engine, make_session_factory
    from claims_db.migrate import DatabaseNotMigratedError, require_current

    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        require_current(engine, settings.resolved_database_url)
    except DatabaseNotMigratedError as error:
        engine.dispose()
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    return make_session_factory(engine)


def _build_runtime(settings: Settings) -> Runtime:
    """The service's runtime (database, index, models); exits 1 with the reason (and the
    command that mends it) when the database is not migrated or was embedded by another
    encoder."""
    from claims_db.embedding_space import EmbeddingSpaceMismatchError
    from claims_db.migrate import DatabaseNotMigratedError
    from service.runtime import build_runtime

    try:
        return build_runtime(settings)
    except (DatabaseNotMigratedError, EmbeddingSpaceMismatchError) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error


def _require_embedding_space(session_factory: sessionmaker[Session]) -> None:
    """Exit non-zero when the database's embeddings come from another encoder."""
    from claims_db.embedding_space import EmbeddingSpaceMismatchError, require_embedding_space
    from service.runtime import expected_embedding_key

    with session_factory() as session:
        try:
            require_embedding_space(session, expected_embedding_key(get_settings()))
        except EmbeddingSpaceMismatchError as error:
            console.print(f"[red]{error}[/red]")
            raise typer.Exit(1) from error
