"""The ``claimflag`` command line: serve, analyze, seed, and database maintenance."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from tqdm import tqdm

from claims_db.importers.formats import FeedFormat
from models.verdicts import Verdict
from service import cli_tables as tables
from service.cli_sync import feeds_app, sources_app, worker
from service.config import Settings, get_settings, settings_reference

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from claims_db.importers.records import ImportItem
    from claims_db.ingest import IngestSummary

app = typer.Typer(help="claimflag: flag check-worthy claims and match them to fact-checks.")
db_app = typer.Typer(help="Database maintenance.")
app.add_typer(db_app, name="db")
keys_app = typer.Typer(help="API keys: create, list, revoke.")
app.add_typer(keys_app, name="keys")
models_app = typer.Typer(help="Encoder exports: ONNX files made from the packaged weights.")
app.add_typer(models_app, name="models")
app.add_typer(sources_app, name="sources")
app.add_typer(feeds_app, name="feeds")
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

    from claims_db.db import make_engine
    from claims_db.ingest import refresh_lexical_profiles

    settings = get_settings()
    _setup_logging(settings)
    engine = make_engine(settings.resolved_database_url)
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


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    prepare: Annotated[
        bool,
        typer.Option(
            help="First migrate the database and seed it when empty, in this process "
            "(`make run`: one interpreter start instead of three)."
        ),
    ] = False,
) -> None:
    """Run the HTTP service."""
    import os

    import uvicorn

    from service.auth.service import check_auth_mode

    settings = get_settings()
    _setup_logging(settings)
    if prepare:
        _upgrade_if_behind(settings)
        seed(with_datasets=False, if_empty=True)
    bind = host or settings.host
    try:
        # Refuses before binding; the app's start says that auth is off (once).
        check_auth_mode(settings.model_copy(update={"host": bind}), announce=False)
    except RuntimeError as exc:
        raise typer.BadParameter(str(exc)) from exc
    # The app (in this or worker processes) reads its settings afresh: tell it the bind address.
    os.environ["CLAIMFLAG_HOST"] = bind
    # Each worker sizes its encoder's thread pool to its share of the cores.
    os.environ["CLAIMFLAG_WORKERS"] = str(workers)
    get_settings.cache_clear()
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=bind,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level.lower(),
        timeout_keep_alive=settings.keep_alive_timeout_s,
        # Only these proxies may say the request came over TLS (Secure cookies, HSTS).
        proxy_headers=True,
        forwarded_allow_ips=",".join(settings.trusted_proxies),
    )


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
    from service.runtime import build_embedder

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
    sources: list[tuple[str, Iterable[ImportItem]]] = [("curated seed", curated_seed())]
    if with_datasets:
        if not settings.data_dir.is_dir():
            raise typer.BadParameter(f"data folder {settings.data_dir} not found")
        sources += [(name, load(settings.data_dir)) for name, load in DATASETS.items()]
    started = time.perf_counter()
    for name, items in sources:
        with tqdm(desc=name, unit=" records") as bar:
            summary = ingest(session_factory, embedder, items, on_batch=bar.update)
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
    from service.runtime import build_embedder

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
                summary = ingest(session_factory, embedder, items, on_batch=advance)
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


@app.command("export")
def export_feed(
    output: Annotated[Path, typer.Argument(dir_okay=False, help="JSON-LD file to write.")],
    publisher: Annotated[str | None, typer.Option(help="Publisher name or site.")] = None,
    verdict: Annotated[Verdict | None, typer.Option(help="Verdict on the scale.")] = None,
    language: Annotated[str | None, typer.Option(help="Language code.")] = None,
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
    with session_factory() as session, output.open("w", encoding="utf-8") as out:
        count = export_claim_reviews(session, out, search_filter)
    console.print(f"{count:,} ClaimReview records written to {output}")


@app.command()
def reindex(
    batch_size: Annotated[int, typer.Option(help="Claims embedded per transaction.")] = 512,
) -> None:
    """Re-embed every fact-check with the configured model and runtime (after a change).

    Embeddings made by any other encoder or format are deleted once every fact-check has
    one from this one, so the database holds one kind of vector again.
    """
    from claims_db.ingest import reembed_all
    from claims_db.repository import FactCheckRepository
    from service.runtime import build_embedder

    settings = get_settings()
    _setup_logging(settings)
    session_factory = _session_factory()
    embedder = build_embedder(settings)
    with session_factory() as session:
        total = FactCheckRepository(session).count()
    started = time.perf_counter()
    with tqdm(total=total, desc=f"embedding ({embedder.model_name})", unit=" claims") as bar:
        done = reembed_all(session_factory, embedder, batch_size=batch_size, on_batch=bar.update)
    with session_factory.begin() as session:
        dropped = FactCheckRepository(session).delete_embeddings_except(embedder.model_name)
    elapsed = time.perf_counter() - started
    console.print(
        f"{done:,} fact-checks re-embedded with {embedder.model_name} ({embedder.label}) in "
        f"{elapsed:.1f} s ({done / max(elapsed, 1e-9):,.0f} claims/s); "
        f"{dropped:,} embeddings by other encoders deleted"
    )


@models_app.command("export")
def models_export(
    force: Annotated[
        bool, typer.Option(help="Export again even when a checked one is there.")
    ] = False,
) -> None:
    """Export the encoder to ONNX (fp32 and int8) and check it against PyTorch.

    Done on first start when missing; run at install time to start faster. Re-exported
    when the weights' package, torch, ONNX Runtime or the exporter changes.
    """
    from models.embedding import DEFAULT_MODEL_NAME, default_model_path, export_name, read_dimension
    from models.encoders.export import ExportError, ensure_export
    from models.encoders.sentence import sentence_spec

    settings = get_settings()
    _setup_logging(settings)
    path = Path(settings.model_path or default_model_path())
    spec = sentence_spec(path, export_name(DEFAULT_MODEL_NAME, path), read_dimension(path))
    started = time.perf_counter()
    try:
        record = ensure_export(spec, settings.encoder_dir, force=force)
    except ExportError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    table = Table(title=f"{spec.name} in {settings.encoder_dir / spec.name}")
    for column in ("variant", "file", "MB", "check against PyTorch"):
        table.add_column(column)
    for variant, entry in record["files"].items():
        check = ", ".join(f"{k} {v:.6f}" for k, v in entry["check"].items() if k != "deviation")
        table.add_row(variant, entry["file"], f"{entry['bytes'] / 1e6:.1f}", check)
    console.print(table)
    console.print(
        f"exported {record['exported_at']} on {record['check_inputs']} check sentences "
        f"({time.perf_counter() - started:.1f} s)"
    )


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


@app.command("config")
def show_config(
    reference: Annotated[
        bool, typer.Option("--reference", help="Print every setting's default and meaning.")
    ] = False,
) -> None:
    """The settings in effect (from the environment and .env), or the reference table."""
    if reference:
        typer.echo(settings_reference(), nl=False)
        return
    settings = get_settings()
    table = Table("variable", "value")
    for name in Settings.model_fields:
        value = getattr(settings, name)
        secret = "secret" in name or "api_key" in name
        table.add_row(f"CLAIMFLAG_{name.upper()}", "***" if secret and value else str(value))
    Console().print(table)


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
    columns = ("claim", "worthiness", "verdict", "stance", "confidence", "similarity", "fact-check")
    table = tables.table(
        f"{file.name}: {len(claims)} of {len(response.claims)} claims shown", *columns
    )
    for claim in claims:
        best = claim.matches[0] if claim.matches else None
        table.add_row(
            claim.text,
            f"{claim.check_worthiness:.2f}",
            claim.suggestion.verdict.value if claim.suggestion else "-",
            claim.stance.value if claim.stance else "-",
            f"{best.confidence:.2f}" if best else "-",
            f"{best.similarity:.2f}" if best else "-",
            f"{best.fact_check.publisher}: {best.fact_check.rating}\n"
            f"{tables.short_url(best.fact_check.url, 48)}"
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


app.command()(worker)
