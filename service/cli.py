"""The ``claimflag`` command line: serve, analyze, seed, and database maintenance."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from tqdm import tqdm

from service.config import Settings, get_settings

app = typer.Typer(help="claimflag: flag check-worthy claims and match them to fact-checks.")
db_app = typer.Typer(help="Database maintenance.")
app.add_typer(db_app, name="db")
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
    import uvicorn

    settings = get_settings()
    _setup_logging(settings)
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=host or settings.host,
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
