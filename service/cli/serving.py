"""Serving and analysing: ``serve``, ``analyze``, ``reindex``, ``config`` and the encoder
exports (``claimflag models export``).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from tqdm import tqdm

from service import cli_tables as tables
from service.cli.base import (
    _build_runtime,
    _session_factory,
    _setup_logging,
    app,
    console,
    models_app,
)
from service.cli.database import _upgrade_if_behind
from service.cli.factchecks import seed
from service.config import Settings, get_settings, settings_reference

if TYPE_CHECKING:
    pass


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
def reindex(
    batch_size: Annotated[int, typer.Option(help="Claims embedded per transaction.")] = 512,
) -> None:
    """Re-embed every fact-check with the configured model and runtime (after a change).

    Embeddings made by any other encoder or format are deleted once every fact-check has
    one from this one, so the database holds one kind of vector again. Multilingual vectors
    do not depend on this encoder and are kept (``claimflag backfill-multilingual`` makes
    the missing ones).
    """
    from claims_db.ingest import reembed_all
    from claims_db.repository import FactCheckRepository
    from models.encoders.multilingual import MULTILINGUAL_MODEL_NAME
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
        repository = FactCheckRepository(session)
        dropped = repository.delete_embeddings_except(embedder.model_name)
        lacking = repository.missing_multilingual_count(MULTILINGUAL_MODEL_NAME)
    elapsed = time.perf_counter() - started
    console.print(
        f"{done:,} fact-checks re-embedded with {embedder.model_name} ({embedder.label}) in "
        f"{elapsed:.1f} s ({done / max(elapsed, 1e-9):,.0f} claims/s); "
        f"{dropped:,} embeddings by other encoders deleted"
    )
    if settings.multilingual and lacking:
        console.print(
            f"{lacking:,} fact-checks lack a multilingual vector: "
            "run `claimflag backfill-multilingual`"
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
        masked = "secret" in name or "api_key" in name
        table.add_row(f"CLAIMFLAG_{name.upper()}", "***" if masked and value else str(value))
    Console().print(table)


@app.command()
def analyze(
    file: Annotated[
        Path, typer.Argument(dir_okay=False, help="Article text file; - reads standard input.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the API response body.")] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="List every claim, not only flagged.")
    ] = False,
) -> None:
    """Analyse an article file against the database and show its flagged claims.

    Exits 2 when the file is missing or not an article (not UTF-8, empty, too long) and 1
    when the database is not ready (not migrated, embedded by another encoder), saying which.
    """
    from pydantic import ValidationError

    from service.analysis.schemas import AnalyzeRequest
    from service.analysis.service import analyze_article, validate_text
    from service.errors import ClaimflagError, validation_message

    settings = get_settings()
    logging.basicConfig(level=logging.WARNING)
    from_stdin = str(file) == "-"
    name = "standard input" if from_stdin else file.name
    if not from_stdin and not file.is_file():
        console.print(f"[red]{file}: no such file[/red]")
        raise typer.Exit(2)
    try:
        data = typer.get_binary_stream("stdin").read() if from_stdin else file.read_bytes()
        text = data.decode("utf-8")
        validate_text(text, settings.max_text_chars)  # before the models load
        request = AnalyzeRequest(text=text)
    except UnicodeDecodeError as error:
        console.print(f"[red]{name}: not UTF-8 text (byte {error.start}: {error.reason})[/red]")
        raise typer.Exit(2) from error
    except ClaimflagError as error:
        console.print(f"[red]{name}: {error.detail}[/red]")
        raise typer.Exit(2) from error
    except ValidationError as error:
        reasons = "; ".join(validation_message(e) for e in error.errors())
        console.print(f"[red]{name}: {reasons}[/red]")
        raise typer.Exit(2) from error
    runtime = _build_runtime(settings)
    try:
        with runtime.session_factory() as session:
            response = analyze_article(
                session, runtime.pipeline, runtime.index, request, max_chars=settings.max_text_chars
            )
    except ClaimflagError as error:
        console.print(f"[red]{name}: {error.detail}[/red]")
        raise typer.Exit(2 if error.status_code < 500 else 1) from error
    finally:
        runtime.engine.dispose()
    if as_json:
        typer.echo(json.dumps(response.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    claims = [c for c in response.claims if show_all or c.flagged]
    columns = ("claim", "worthiness", "verdict", "stance", "confidence", "similarity", "fact-check")
    table = tables.table(f"{name}: {len(claims)} of {len(response.claims)} claims shown", *columns)
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
