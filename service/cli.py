"""The ``claimflag`` command line: serve, analyze, seed, and database maintenance."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from tqdm import tqdm

from service.config import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

app = typer.Typer(help="claimflag: flag check-worthy claims and match them to fact-checks.")
db_app = typer.Typer(help="Database maintenance.")
app.add_typer(db_app, name="db")
keys_app = typer.Typer(help="API keys: create, list, revoke.")
app.add_typer(keys_app, name="keys")
console = Console()


def _setup_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply the schema migrations to the configured database."""
    from claims_db.migrate import upgrade

    settings = get_settings()
    upgrade(settings.resolved_database_url, revision)
    console.print(f"database at {revision}: {settings.resolved_database_url}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Run the HTTP service."""
    import os

    import uvicorn

    from service.auth.service import check_auth_mode

    settings = get_settings()
    _setup_logging(settings)
    bind = host or settings.host
    try:
        check_auth_mode(settings.model_copy(update={"host": bind}))
    except RuntimeError as exc:
        raise typer.BadParameter(str(exc)) from exc
    # The app (in this or worker processes) reads its settings afresh: tell it the bind address.
    os.environ["CLAIMFLAG_HOST"] = bind
    get_settings.cache_clear()
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=bind,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level.lower(),
    )


@app.command()
def seed(
    with_datasets: Annotated[
        bool, typer.Option(help="Also load the Snopes and PolitiFact sets from the data folder.")
    ] = False,
    if_empty: Annotated[
        bool, typer.Option(help="Do nothing when the database already holds fact-checks.")
    ] = False,
) -> None:
    """Load the curated seed of real fact-checks (and optionally the public datasets)."""
    from claims_db.db import make_engine, make_session_factory
    from claims_db.importers.datasets import curated_seed, default_datasets
    from claims_db.ingest import ingest
    from claims_db.migrate import require_current
    from claims_db.repository import FactCheckRepository
    from models.embedding import Embedder

    settings = get_settings()
    _setup_logging(settings)
    engine = make_engine(settings.resolved_database_url)
    require_current(engine, settings.resolved_database_url)
    session_factory = make_session_factory(engine)
    with session_factory() as session:
        existing = FactCheckRepository(session).count()
    if if_empty and existing:
        console.print(f"database already holds {existing:,} fact-checks; nothing seeded")
        return
    embedder = Embedder(settings.model_path, precision=settings.precision)
    sources = [("curated seed", curated_seed())]
    if with_datasets:
        if not settings.data_dir.is_dir():
            raise typer.BadParameter(f"data folder {settings.data_dir} not found")
        sources.append(("datasets", default_datasets(settings.data_dir)))
    for name, items in sources:
        with tqdm(desc=name, unit=" fact-checks") as bar:
            summary = ingest(session_factory, embedder, items, on_batch=bar.update)
        console.print(
            f"{name}: {summary.inserted:,} inserted, {summary.updated:,} updated, "
            f"{summary.unchanged:,} unchanged"
        )


@app.command()
def analyze(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Article text file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the API response body.")] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="List every claim, not only flagged.")
    ] = False,
) -> None:
    """Analyse an article file against the database and show its flagged claims."""
    from service.analysis.schemas import AnalyzeRequest
    from service.analysis.service import analyze_article
    from service.runtime import build_runtime

    settings = get_settings()
    logging.basicConfig(level=logging.WARNING)
    runtime = build_runtime(settings)
    request = AnalyzeRequest(text=file.read_text(encoding="utf-8"))
    with runtime.session_factory() as session:
        response = analyze_article(
            session, runtime.pipeline, runtime.index, request, max_chars=settings.max_text_chars
        )
    if as_json:
        typer.echo(json.dumps(response.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    claims = [c for c in response.claims if show_all or c.flagged]
    table = Table(title=f"{file.name}: {len(claims)} of {len(response.claims)} claims shown")
    for column in ("claim", "worthiness", "verdict", "similarity", "fact-check"):
        table.add_column(column, overflow="fold")
    for claim in claims:
        best = claim.matches[0] if claim.matches else None
        table.add_row(
            claim.text,
            f"{claim.check_worthiness:.2f}",
            claim.suggestion.verdict.value if claim.suggestion else "-",
            f"{best.similarity:.2f}" if best else "-",
            f"{best.fact_check.publisher}: {best.fact_check.rating}\n{best.fact_check.url}"
            if best
            else "-",
        )
    console.print(table)


def _session_factory() -> sessionmaker[Session]:
    from claims_db.db import make_engine, make_session_factory
    from claims_db.migrate import require_current

    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    require_current(engine, settings.resolved_database_url)
    return make_session_factory(engine)


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="submitter, reviewer or admin.")],
    name: Annotated[str, typer.Option(help="Who the key is for.")],
) -> None:
    """Create an API key and print its token (shown this once only)."""
    from service.auth.schemas import Role
    from service.auth.service import create_key

    try:
        chosen = Role(role)
    except ValueError as exc:
        raise typer.BadParameter(f"role must be one of {', '.join(Role)}") from exc
    with _session_factory()() as session:
        key, token = create_key(session, name, chosen)
        session.commit()
    console.print(f"key {key.id} for {name} ({chosen.value}); store the token now, it is not kept:")
    typer.echo(token)


@keys_app.command("list")
def keys_list() -> None:
    """List API keys (never their tokens)."""
    from service.auth.service import list_keys

    table = Table(title="API keys")
    for column in ("id", "name", "role", "prefix", "created", "revoked"):
        table.add_column(column)
    with _session_factory()() as session:
        for key in list_keys(session):
            table.add_row(
                str(key.id),
                key.name,
                key.role,
                key.prefix,
                key.created_at.isoformat(timespec="seconds"),
                key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "-",
            )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[int, typer.Argument(help="The key's id.")]) -> None:
    """Revoke an API key."""
    from service.auth.service import revoke_key
    from service.errors import NotFoundError

    with _session_factory()() as session:
        try:
            key = revoke_key(session, key_id)
        except NotFoundError as exc:
            raise typer.BadParameter(exc.detail) from exc
        session.commit()
    console.print(f"key {key.id} ({key.name}) revoked")
