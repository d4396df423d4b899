"""``claimflag sources …``, ``claimflag feeds …`` and ``claimflag worker``: corpus sync and
monitoring from the command line (mounted on the main app by ``service.cli``)."""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from claims_db.sync_models import FeedKind, ItemStatus, SourceKind
from service import cli_tables as tables
from service.cli.base import _build_runtime, _session_factory, _setup_logging, console
from service.config import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from service.errors import ClaimflagError

sources_app = typer.Typer(help="Fact-check sources: ClaimReview feeds, sitemaps, Google queries.")
feeds_app = typer.Typer(help="Monitored feeds: outlets whose new articles are analysed.")

EveryOption = Annotated[int | None, typer.Option("--every", help="Minutes between runs.")]


def _settings() -> Settings:
    settings = get_settings()
    _setup_logging(settings)
    return settings


def _sessions() -> sessionmaker[Session]:
    """Sessions on the configured database (``_settings`` first, for the logging); exits 1
    with the mending command when it is not migrated."""
    _settings()
    return _session_factory()


def _fail(error: ClaimflagError | str) -> typer.Exit:
    console.print(f"[red]{error if isinstance(error, str) else error.detail}[/red]")
    return typer.Exit(1)


def _when(value: object) -> str:
    return value.isoformat(timespec="seconds") if hasattr(value, "isoformat") else "-"


# --- sources --------------------------------------------------------------------------------


@sources_app.command("add")
def sources_add(
    name: Annotated[str, typer.Argument(help="Letters, digits, '.', '_', '-'.")],
    url: Annotated[str | None, typer.Argument(help="The feed, page or sitemap URL.")] = None,
    kind: Annotated[
        SourceKind | None, typer.Option(help="Default: google with --query, else claimreview.")
    ] = None,
    query: Annotated[str | None, typer.Option(help="A Google Fact Check Tools query.")] = None,
    language: Annotated[str | None, typer.Option(help="google: languageCode.")] = None,
    every: EveryOption = None,
) -> None:
    """Add a source; the worker runs it at once, then every --every minutes (default 60)."""
    from pydantic import ValidationError

    from service.errors import ClaimflagError, validation_message
    from service.sources.schemas import SourceCreate
    from service.sources.service import create_source

    chosen = kind or (SourceKind.GOOGLE if query else SourceKind.CLAIMREVIEW)
    try:
        body = SourceCreate(
            name=name,
            kind=chosen,
            url=url,
            query=query,
            language=language,
            interval_minutes=every or 60,
        )
    except ValidationError as error:
        raise typer.BadParameter(validation_message(error.errors()[0])) from error
    with _sessions()() as session:
        try:
            source = create_source(session, body)
        except ClaimflagError as error:
            raise _fail(error) from error
        session.commit()
    target = source.url or f"query {source.query!r}"
    console.print(f"source {source.id} {source.name} ({source.kind.value}): {target}")


@sources_app.command("list")
def sources_list() -> None:
    """Sources with their schedule and latest run."""
    from service.sources.service import list_sources

    table = tables.table(
        "sources", "id", "name", "kind", "target", "every", "next run", "last run", "result"
    )
    with _sessions()() as session:
        for source in list_sources(session):
            run = source.last_run
            result = "-"
            if run:
                result = f"{run.status.value}: +{run.added} ~{run.updated} ✗{run.rejected}"
            table.add_row(
                str(source.id),
                source.name + ("" if source.enabled else " (paused)"),
                source.kind.value,
                tables.short_url(source.url) if source.url else source.query or "-",
                f"{source.interval_minutes} min",
                _when(source.next_run_at),
                _when(source.last_run_at),
                result,
            )
    console.print(table)


@sources_app.command("run")
def sources_run(
    name: Annotated[str, typer.Argument(help="The source's name or id.")],
    full: Annotated[
        bool, typer.Option(help="Ignore what earlier runs fetched: read everything again.")
    ] = False,
) -> None:
    """Sync a source now, in this process, and print the run's summary."""
    from claims_db.embedding_space import EmbeddingSpaceMismatchError, require_embedding_space
    from service.errors import ClaimflagError
    from service.runtime import build_embedder, build_multilingual_encoder, expected_embedding_key
    from service.sources.service import find_source, run_source

    settings = _settings()
    session_factory = _sessions()
    with session_factory() as session:
        try:
            source_id = find_source(session, name).id
            require_embedding_space(session, expected_embedding_key(settings))
        except ClaimflagError as error:
            raise _fail(error) from error
        except EmbeddingSpaceMismatchError as error:
            raise _fail(str(error)) from error
    embedder = build_embedder(settings)
    run = run_source(
        session_factory,
        embedder,
        settings,
        source_id,
        trigger="cli",
        full=full,
        multilingual=build_multilingual_encoder(settings),
    )
    if run is None:
        raise _fail(f"source {name} is being synced by another process")
    console.print(
        f"{name}: {run.status.value} in {run.duration_s or 0:.1f} s: {run.fetched} fetched, "
        f"{run.not_modified} not modified, {run.added} added, {run.updated} updated, "
        f"{run.unchanged} unchanged, {run.rejected} rejected",
        highlight=False,
    )
    for line in [*run.errors, *(f"rejected {r}" for r in run.rejections[:20])]:
        console.print(f"  {line}", highlight=False)
    if run.error:
        raise _fail(run.error)


@sources_app.command("runs")
def sources_runs(
    name: Annotated[str, typer.Argument(help="The source's name or id.")],
    limit: Annotated[int, typer.Option(help="Runs listed.")] = 10,
) -> None:
    """A source's latest runs."""
    from service.errors import ClaimflagError
    from service.sources.service import find_source, runs

    table = Table(title=f"runs of {name}")
    for column in ("id", "started", "status", "s", "fetched", "304", "+", "~", "=", "✗", "error"):
        table.add_column(column, overflow="fold")
    with _sessions()() as session:
        try:
            found = runs(session, find_source(session, name).id, limit)
        except ClaimflagError as error:
            raise _fail(error) from error
    for run in found:
        table.add_row(
            str(run.id),
            _when(run.started_at),
            run.status.value,
            f"{run.duration_s or 0:.1f}",
            *(str(n) for n in (run.fetched, run.not_modified, run.added, run.updated)),
            *(str(n) for n in (run.unchanged, run.rejected)),
            run.error or "; ".join(run.errors[:3]) or "-",
        )
    console.print(table)


@sources_app.command("remove")
def sources_remove(name: Annotated[str, typer.Argument(help="The source's name or id.")]) -> None:
    """Delete a source and its runs (the fact-checks it imported stay)."""
    from service.errors import ClaimflagError
    from service.sources.service import delete_source, find_source

    with _sessions()() as session:
        try:
            delete_source(session, find_source(session, name).id)
        except ClaimflagError as error:
            raise _fail(error) from error
        session.commit()
    console.print(f"source {name} removed")


# --- feeds ----------------------------------------------------------------------------------


@feeds_app.command("add")
def feeds_add(
    name: Annotated[str, typer.Argument(help="The outlet's name, shown on its queue items.")],
    url: Annotated[str, typer.Argument(help="The RSS/Atom feed or sitemap URL.")],
    kind: Annotated[FeedKind, typer.Option(help="auto reads the document to tell.")] = (
        FeedKind.AUTO
    ),
    language: Annotated[str | None, typer.Option(help="Match only fact-checks in it.")] = None,
    every: EveryOption = None,
) -> None:
    """Monitor a feed; the worker polls it at once, then every --every minutes (default 15)."""
    from pydantic import ValidationError

    from service.errors import ClaimflagError, validation_message
    from service.monitoring.schemas import FeedCreate
    from service.monitoring.service import create_feed

    try:
        body = FeedCreate(
            name=name, url=url, kind=kind, language=language, interval_minutes=every or 15
        )
    except ValidationError as error:
        raise typer.BadParameter(validation_message(error.errors()[0])) from error
    with _sessions()() as session:
        try:
            feed = create_feed(session, body)
        except ClaimflagError as error:
            raise _fail(error) from error
        session.commit()
    console.print(f"feed {feed.id} {feed.name}: {feed.url}", highlight=False)


@feeds_app.command("list")
def feeds_list() -> None:
    """Monitored feeds with their schedule, latest poll and articles per status."""
    from service.monitoring.service import list_feeds

    table = tables.table(
        "monitored feeds", "id", "name", "url", "every", "last poll", "result", "articles"
    )
    with _sessions()() as session:
        for feed in list_feeds(session):
            run = feed.last_run
            table.add_row(
                str(feed.id),
                feed.name + ("" if feed.enabled else " (paused)"),
                tables.short_url(feed.url),
                f"{feed.interval_minutes} min",
                _when(feed.last_run_at),
                f"{run.status.value}: {run.new_items} new" if run else "-",
                ", ".join(f"{n} {s}" for s, n in sorted(feed.items.items())) or "-",
            )
    console.print(table)


@feeds_app.command("items")
def feeds_items(
    name: Annotated[str, typer.Argument(help="The feed's name or id.")],
    status: Annotated[ItemStatus | None, typer.Option(help="Only items in this state.")] = None,
    limit: Annotated[int, typer.Option(help="Items listed.")] = 20,
) -> None:
    """The articles a feed listed and what became of them."""
    from service.errors import ClaimflagError
    from service.monitoring.service import find_feed, items

    table = tables.table(
        f"articles of {name}", "id", "status", "tries", "flagged", "title", "url", "error"
    )
    with _sessions()() as session:
        try:
            found = items(session, find_feed(session, name).id, status, limit)
        except ClaimflagError as error:
            raise _fail(error) from error
    for item in found:
        table.add_row(
            str(item.id),
            item.status.value,
            str(item.attempts),
            "-" if item.flagged is None else str(item.flagged),
            item.title or "-",
            tables.short_url(item.url),
            item.error or "-",
        )
    console.print(table)


@feeds_app.command("remove")
def feeds_remove(name: Annotated[str, typer.Argument(help="The feed's name or id.")]) -> None:
    """Stop monitoring a feed (the analyses it stored stay)."""
    from service.errors import ClaimflagError
    from service.monitoring.service import delete_feed, find_feed

    with _sessions()() as session:
        try:
            delete_feed(session, find_feed(session, name).id)
        except ClaimflagError as error:
            raise _fail(error) from error
        session.commit()
    console.print(f"feed {name} removed")


# --- the worker -----------------------------------------------------------------------------


def worker(
    once: Annotated[
        bool, typer.Option(help="Run what is due now, then exit (instead of running on).")
    ] = False,
    concurrency: Annotated[
        int, typer.Option(min=1, help="PostgreSQL: jobs this process runs at once.")
    ] = 1,
) -> None:
    """Run due source syncs, feed polls and article analyses until stopped (Ctrl-C).

    On PostgreSQL any number of workers share procrastinate's queue (each job runs once);
    on SQLite one worker runs due jobs in its own process.
    """
    from service.jobs.work import Worker

    runtime = _build_runtime(_settings())
    job_worker = Worker.build(runtime)
    try:
        if runtime.engine.dialect.name == "postgresql":
            from service.jobs.queue import run_worker

            console.print("worker: procrastinate queue on PostgreSQL")
            run_worker(job_worker, concurrency=concurrency, once=once)
        else:
            from service.jobs.local import LocalRunner

            stop = threading.Event()
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, lambda *_: stop.set())
            console.print(f"worker: in-process runner on {runtime.engine.url.database}")
            LocalRunner(job_worker, stop).run(once=once)
    finally:
        job_worker.close()
        if runtime.webhooks is not None:
            runtime.webhooks.close()
        runtime.engine.dispose()
