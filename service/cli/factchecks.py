"""The fact-check database from the command line: seed, import, export, unknown ratings."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from tqdm import tqdm

from claims_db.importers.formats import FeedFormat
from models.verdicts import Verdict
from service.cli.base import (
    _require_embedding_space,
    _session_factory,
    _setup_logging,
    app,
    console,
)
from service.config import get_settings

if TYPE_CHECKING:
    from claims_db.importers.records import ImportItem
    from claims_db.ingest import IngestSummary


@app.command()
def seed(
    with_datasets: Annotated[
        bool, typer.Option(help="Also load every public fact-check dataset in the data folder.")
    ] = False,
    if_empty: Annotated[
        bool, typer.Option(help="Do nothing when the database already holds fact-checks.")
    ] = False,
) -> None:
    """Load the curated seed of real fact-checks; with --with-datasets every public dataset.

    ``claimflag seed --with-datasets`` is the one command that builds the full database.
    """
    from claims_db.importers.datasets import DATASETS, curated_seed
    from claims_db.ingest import ingest
    from claims_db.repository import FactCheckRepository
    from service.runtime import build_embedder, build_multilingual_encoder

    settings = get_settings()
    _setup_logging(settings)
    session_factory = _session_factory()
    with session_factory() as session:
        existing = FactCheckRepository(session).count()
    if if_empty and existing:
        console.print(f"database already holds {existing:,} fact-checks; nothing seeded")
        return
    _require_embedding_space(session_factory)
    embedder = build_embedder(settings)
    multilingual = build_multilingual_encoder(settings)
    sources: list[tuple[str, Iterable[ImportItem]]] = [("curated seed", curated_seed())]
    if with_datasets:
        if not settings.data_dir.is_dir():
            raise typer.BadParameter(f"data folder {settings.data_dir} not found")
        sources += [(name, load(settings.data_dir)) for name, load in DATASETS.items()]
    started = time.perf_counter()
    for name, items in sources:
        with tqdm(desc=name, unit=" records") as bar:
            summary = ingest(
                session_factory, embedder, items, on_batch=bar.update, multilingual=multilingual
            )
        _print_summary(name, summary)
    with session_factory() as session:
        total = FactCheckRepository(session).count()
    console.print(f"database holds {total:,} fact-checks ({time.perf_counter() - started:.0f} s)")


def _print_summary(name: str, summary: IngestSummary) -> None:
    skipped = ", ".join(f"{n:,} {why}" for why, n in summary.skipped_reasons.most_common())
    console.print(
        f"{name}: {summary.inserted:,} inserted, {summary.updated:,} updated, "
        f"{summary.unchanged:,} unchanged, {summary.rejected:,} rejected, "
        f"{summary.skipped:,} skipped" + (f" ({skipped})" if skipped else "")
    )


@app.command("import")
def import_feed(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The feed file.")],
    feed_format: Annotated[
        FeedFormat, typer.Option("--format", help="Feed format; auto guesses from the content.")
    ] = FeedFormat.AUTO,
    column: Annotated[
        list[str] | None,
        typer.Option("--map", help="FIELD=COLUMN for CSV or flat JSON Lines (repeatable)."),
    ] = None,
    show_errors: Annotated[int, typer.Option(help="Rejected records to list.")] = 20,
    bulk: Annotated[
        bool,
        typer.Option(
            help="PostgreSQL: drop the vector index for the load and build it once after it "
            "(for large loads; dense search scans the table meanwhile)."
        ),
    ] = False,
    maintenance_work_mem: Annotated[
        str | None,
        typer.Option(help="With --bulk: memory for the index build, e.g. 3GB for 1M rows."),
    ] = None,
) -> None:
    """Import fact-checks from a ClaimReview, Google Fact Check, JSON Lines or CSV feed."""
    from contextlib import nullcontext

    from claims_db.importers.feeds import detect_format, read_feed
    from claims_db.importers.nesting import JsonTooDeepError
    from claims_db.ingest import ingest
    from claims_db.pg_search import vector_index_dropped
    from service.runtime import build_embedder, build_multilingual_encoder

    settings = get_settings()
    _setup_logging(settings)
    session_factory = _session_factory()
    _require_embedding_space(session_factory)
    engine = session_factory.kw["bind"]
    if bulk and engine.dialect.name != "postgresql":
        console.print("--bulk changes nothing on SQLite: its index is built in memory")
    index_dropped = (
        vector_index_dropped(engine, maintenance_work_mem=maintenance_work_mem)
        if bulk
        else nullcontext()
    )
    columns = {}
    for pair in column or []:
        field, sep, name = pair.partition("=")
        if not sep:
            raise typer.BadParameter(f"--map {pair!r} is not FIELD=COLUMN")
        columns[field.strip()] = name.strip()
    embedder = build_embedder(settings)
    multilingual = build_multilingual_encoder(settings)
    with file.open("rb") as stream:
        if feed_format is FeedFormat.AUTO:
            feed_format = detect_format(stream.read(64 * 1024))
            stream.seek(0)
        try:
            items = read_feed(stream, feed_format, columns=columns, source=file.name[:64])
        except JsonTooDeepError as error:
            console.print(f"{file.name}: {error}", highlight=False)
            raise typer.Exit(code=1) from error
        except ValueError as error:
            raise typer.BadParameter(str(error)) from error
        total = file.stat().st_size
        with tqdm(total=total, desc=file.name, unit="B", unit_scale=True) as bar:

            def advance(_: int) -> None:
                bar.update(stream.tell() - bar.n)

            with index_dropped:
                summary = ingest(
                    session_factory, embedder, items, on_batch=advance, multilingual=multilingual
                )
                bar.update(total - bar.n)
                if bulk:
                    console.print("building the vector index …")
    _print_summary(f"{file.name} ({feed_format.value})", summary)
    for rejection in summary.errors[:show_errors]:
        console.print(f"  rejected {rejection}", highlight=False)
    if summary.rejected > show_errors:
        console.print(f"  … and {summary.rejected - show_errors:,} more rejected")
    if summary.rejected and summary.rejected == summary.processed - summary.skipped:
        # A script must be able to tell that nothing went in.
        console.print(f"{file.name}: every record was rejected; nothing was imported")
        raise typer.Exit(code=1)


@app.command("backfill-multilingual")
def backfill_multilingual_command(
    batch_size: Annotated[int, typer.Option(min=1, help="Claims encoded per commit.")] = 256,
) -> None:
    """Give every fact-check lacking one its multilingual vector (resumable).

    Each batch is committed on its own: an interrupted run loses at most one batch, and
    running the command again carries on with what is still missing. The service keeps
    serving meanwhile; its indexes take the new vectors in as they are committed.
    """
    from claims_db.ingest import backfill_multilingual
    from claims_db.repository import FactCheckRepository
    from models.encoders.multilingual import MultilingualEncoder

    settings = get_settings()
    _setup_logging(settings)
    session_factory = _session_factory()
    encoder = MultilingualEncoder(threads=settings.resolved_encoder_threads)
    with session_factory() as session:
        missing = FactCheckRepository(session).missing_multilingual_count(encoder.model_name)
    started = time.perf_counter()
    try:
        with tqdm(total=missing, desc=f"embedding ({encoder.model_name})", unit=" claims") as bar:
            done = backfill_multilingual(
                session_factory, encoder, batch_size=batch_size, on_batch=bar.update
            )
    except Exception as error:
        console.print(
            f"[red]backfill stopped: {type(error).__name__}: {error}[/red]; the batches "
            "committed so far are kept: run the command again to go on"
        )
        raise typer.Exit(1) from error
    elapsed = time.perf_counter() - started
    with session_factory() as session:
        repository = FactCheckRepository(session)
        stored = repository.multilingual_count(encoder.model_name)
        total = repository.count()
    console.print(
        f"{done:,} multilingual vectors written in {elapsed:.1f} s "
        f"({done / max(elapsed, 1e-9):,.1f} claims/s); {stored:,} of {total:,} fact-checks "
        "have one"
    )


def _language_option(value: str | None) -> str | None:
    """A --language option as its ISO 639 code ("en-GB" and "English" are "en")."""
    if value is None:
        return None
    from service.reliability.text import language_label

    try:
        return language_label(value)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error


@app.command("export")
def export_feed(
    output: Annotated[Path, typer.Argument(dir_okay=False, help="JSON-LD file to write.")],
    publisher: Annotated[str | None, typer.Option(help="Publisher name or site.")] = None,
    verdict: Annotated[Verdict | None, typer.Option(help="Verdict on the scale.")] = None,
    language: Annotated[
        str | None,
        typer.Option(help="ISO 639 code, BCP 47 tag or name.", callback=_language_option),
    ] = None,
    reviewed_from: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Reviewed on or after.")
    ] = None,
    reviewed_to: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Reviewed on or before.")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Dataset or importer of origin.")] = None,
) -> None:
    """Export fact-checks as schema.org ClaimReview JSON-LD (optionally a filtered subset)."""
    from claims_db.export import export_claim_reviews
    from claims_db.repository import FactCheckFilter

    session_factory = _session_factory()
    search_filter = FactCheckFilter(
        publisher=publisher,
        verdict=verdict,
        language=language,
        reviewed_from=reviewed_from.date() if reviewed_from else None,
        reviewed_to=reviewed_to.date() if reviewed_to else None,
        source=source,
    )
    # Written beside the target and renamed over it at the end: a failed export leaves
    # no half-written file, and an earlier export stays whole until the new one is.
    partial = output.with_name(f".{output.name}.partial")
    try:
        with session_factory() as session, partial.open("w", encoding="utf-8") as out:
            count = export_claim_reviews(session, out, search_filter)
        partial.replace(output)
    except OSError as error:
        console.print(f"[red]cannot write {output}: {error.strerror or error}[/red]")
        raise typer.Exit(1) from error
    finally:
        partial.unlink(missing_ok=True)
    console.print(f"{count:,} ClaimReview records written to {output}")


@app.command("ratings-report")
def ratings_report(
    show_all: Annotated[
        bool, typer.Option("--all", help="List every rating with its verdict, not only unknown.")
    ] = False,
    top: Annotated[int, typer.Option(help="Most ratings listed.")] = 50,
) -> None:
    """Publishers' ratings the normaliser does not know (mapped to `other`), by frequency."""
    from claims_db.repository import FactCheckRepository
    from models.verdicts import is_known_rating, normalize_rating

    session_factory = _session_factory()
    with session_factory() as session:
        counts = FactCheckRepository(session).rating_counts(None if show_all else Verdict.OTHER)
    if not show_all:
        counts = [(rating, n) for rating, n in counts if not is_known_rating(rating)]
    title = "all ratings" if show_all else "unknown ratings (mapped to other)"
    table = Table(title=f"{title}: {len(counts):,} distinct, {sum(n for _, n in counts):,} records")
    for name in ("rating", "records", "verdict"):
        table.add_column(name)
    for rating, n in counts[:top]:
        table.add_row(rating, f"{n:,}", normalize_rating(rating).value)
    console.print(table)
