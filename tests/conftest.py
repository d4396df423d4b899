"""Shared fixtures: the real packaged model, a real migrated database, the app over it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from claims_db.db import make_engine, make_session_factory
from claims_db.importers.datasets import curated_seed
from claims_db.ingest import ingest
from claims_db.migrate import upgrade
from models.checkworthiness import load_scorer
from models.embedding import Embedder
from models.pipeline import Pipeline
from service.app import create_app
from service.config import Settings
from service.runtime import build_runtime

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
EXAMPLE_ARTICLE = SHARED / "examples" / "metro-2025-02-17-starmer-paris.txt"
DATA_DIR = SHARED / "data"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The packaged all-MiniLM-L6-v2, loaded once for the whole run."""
    return Embedder()


@pytest.fixture(scope="session")
def pipeline(embedder: Embedder) -> Pipeline:
    return Pipeline(embedder, load_scorer())


@pytest.fixture(scope="session")
def example_text() -> str:
    return EXAMPLE_ARTICLE.read_text(encoding="utf-8")


def _fresh_database_url(directory: Path) -> str:
    """A new, empty database for one test (SQLite file; see CLAIMFLAG_TEST_DATABASE_URL)."""
    return f"sqlite:///{directory / 'claimflag.db'}"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A migrated, empty database."""
    url = _fresh_database_url(tmp_path)
    upgrade(url)
    return url


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
def seeded_settings(tmp_path: Path, seeded_template: Path) -> Settings:
    """Settings pointing at a private copy of the seeded database."""
    target = tmp_path / "claimflag.db"
    target.write_bytes(seeded_template.read_bytes())
    return Settings(database_path=target, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def client(seeded_settings: Settings, pipeline: Pipeline) -> Iterator[TestClient]:
    """The app over a seeded SQLite file, sharing the session's loaded model."""
    runtime = build_runtime(seeded_settings, pipeline=pipeline)
    with TestClient(create_app(runtime=runtime)) as test_client:
        yield test_client
    runtime.engine.dispose()
