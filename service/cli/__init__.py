"""The ``claimflag`` command line (``claimflag --help``; every command in docs/cli.md).

``base`` holds the Typer apps and what the commands share; the commands live by subject in
``serving`` (serve, analyze, reindex, config, encoder exports), ``factchecks`` (seed,
import, export, ratings report), ``database`` (``db …``) and ``keys`` (``keys …``); the
sources, feeds and the job worker come from ``service.cli.sync``.
"""

from service.cli import database, factchecks, keys, serving
from service.cli.base import app
from service.cli.factchecks import seed
from service.cli.sync import feeds_app, sources_app, worker

app.add_typer(sources_app, name="sources")
app.add_typer(feeds_app, name="feeds")
app.command()(worker)

__all__ = ["app", "database", "factchecks", "keys", "seed", "serving"]
