"""``claimflag db …``: migrations, stored lexical profiles, the PostgreSQL vector index."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer
from tqdm import tqdm

from service.cli.base import _session_factory, _setup_logging, console, db_app
from service.config import Settings, get_settings

if TYPE_CHECKING:
    pass


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply the schema migrations to the configured database."""
    from claims_db.migrate import upgrade

    settings = get_settings()
    upgrade(settings.resolved_database_url, revision)
    console.print(f"database at {revision}: {settings.resolved_database_url}")


def _upgrade_if_behind(settings: Settings) -> None:
    from claims_db.db import make_engine
    from claims_db.migrate import current_revision, head_revision, upgrade

    url = settings.resolved_database_url
    engine = make_engine(url)
    try:
        behind = current_revision(engine) != head_revision(url)
    finally:
        engine.dispose()
    if behind:
        upgrade(url)
        console.print(f"database upgraded to head: {url}")


@db_app.command("refresh-profiles")
def db_refresh_profiles(
    batch_size: Annotated[int, typer.Option(help="Fact-checks examined per transaction.")] = 5000,
) -> None:
    """Rewrite the lexical profiles a tokeniser change made stale (searches go on)."""
    from sqlalchemy import text

    from claims_db.ingest import refresh_lexical_profiles

    _setup_logging(get_settings())
    engine = _session_factory().kw["bind"]
    try:
        with engine.connect() as connection:
            total = connection.scalar(text("SELECT count(*) FROM fact_checks"))
            with tqdm(total=total, desc="profiles", unit=" fact-checks") as bar:
                rewritten = refresh_lexical_profiles(
                    connection, batch_size=batch_size, commit=True, on_batch=bar.update
                )
    finally:
        engine.dispose()
    console.print(f"{rewritten:,} of {total:,} lexical profiles written")


@db_app.command("build-index")
def db_build_index(
    maintenance_work_mem: Annotated[
        str | None,
        typer.Option(help="Memory for the build; about 2.5 kB a fact-check, e.g. 3GB for 1M."),
    ] = None,
) -> None:
    """PostgreSQL: build the vector index when it is missing or left invalid by a failed build."""
    from claims_db.pg_search import build_vector_index, vector_index_state

    settings = get_settings()
    _setup_logging(settings)
    engine = _session_factory().kw["bind"]
    try:
        state = vector_index_state(engine)
        if state is None:
            console.print("nothing to build on SQLite: its index is built in memory")
            return
        console.print(f"vector index: {state.value}")
        started = time.perf_counter()
        if build_vector_index(engine, maintenance_work_mem=maintenance_work_mem):
            console.print(f"vector index built in {time.perf_counter() - started:.1f} s")
    finally:
        engine.dispose()
