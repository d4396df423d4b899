"""The encoder runtime setting end to end: start-up, stored-embedding refusal, reindex."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from claims_db.db import make_engine, make_session_factory
from claims_db.embedding_space import EmbeddingSpaceMismatchError
from claims_db.models import FactCheck, FactCheckEmbedding
from models.embedding import Precision
from models.encoders.runtime import RuntimeKind
from service.app import create_app
from service.cli import app as cli
from service.config import Settings, get_settings
from service.runtime import build_runtime, check_database, expected_embedding_key

runner = CliRunner()


def _int8(settings: Settings) -> Settings:
    return settings.model_copy(update={"encoder_runtime": RuntimeKind.ONNX_INT8})


def _names(settings: Settings) -> dict[str, int]:
    engine = make_engine(settings.resolved_database_url)
    with make_session_factory(engine)() as session:
        rows = session.execute(
            select(FactCheckEmbedding.model_name, func.count()).group_by(
                FactCheckEmbedding.model_name
            )
        ).all()
    engine.dispose()
    return {name: count for name, count in rows}


def test_start_refuses_embeddings_made_by_another_runtime(seeded_settings: Settings) -> None:
    int8 = _int8(seeded_settings)
    assert expected_embedding_key(int8) == "all-MiniLM-L6-v2+int8"
    with pytest.raises(EmbeddingSpaceMismatchError) as refused:
        check_database(int8)
    message = str(refused.value)
    assert "41 fact-checks" in message and "claimflag reindex" in message
    assert "all-MiniLM-L6-v2 (fp32" in message and "CLAIMFLAG_ENCODER_RUNTIME" in message
    with pytest.raises(EmbeddingSpaceMismatchError):
        build_runtime(int8)
    # The app refuses before it starts loading (no process left that never gets ready).
    with pytest.raises(EmbeddingSpaceMismatchError), TestClient(create_app(int8)):
        pass
    # The runtime that made them is accepted, and so is fp32 PyTorch (the same vectors).
    check_database(seeded_settings)
    check_database(
        seeded_settings.model_copy(
            update={"encoder_runtime": RuntimeKind.TORCH, "precision": Precision.FP32}
        )
    )


def test_healthz_answers_at_once_and_readyz_once_loaded(seeded_settings: Settings) -> None:
    with TestClient(create_app(seeded_settings)) as client:
        assert client.get("/healthz").status_code == 200
        for _ in range(600):
            ready = client.get("/readyz")
            if ready.status_code == 200:
                break
            assert ready.status_code == 503
            assert ready.json()["detail"] == "starting: the model is loading"
            time.sleep(0.1)
        body = ready.json()
        assert body["encoder_runtime"] == "onnx-fp32" and body["fact_checks_indexed"] == 41
        assert (
            client.post("/v1/analyze", json={"text": "Vaccines cause autism."}).status_code == 200
        )


@pytest.fixture
def cli_database(seeded_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The CLI pointed at a private seeded database."""
    if seeded_settings.database_url:
        monkeypatch.setenv("CLAIMFLAG_DATABASE_URL", seeded_settings.database_url)
    else:
        monkeypatch.setenv("CLAIMFLAG_DATABASE_PATH", str(seeded_settings.database_path))
    get_settings.cache_clear()
    yield seeded_settings
    get_settings.cache_clear()


@pytest.mark.slow
def test_import_is_refused_and_reindex_moves_the_database_to_int8(
    cli_database: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        '{"claim": "The moon is made of cheese.", "rating": "False", "publisher": "P",'
        ' "url": "https://p.example/moon"}\n'
    )
    monkeypatch.setenv("CLAIMFLAG_ENCODER_RUNTIME", "onnx-int8")
    get_settings.cache_clear()
    refused = runner.invoke(cli, ["import", str(feed)])
    assert refused.exit_code == 1
    assert "claimflag reindex" in refused.output
    assert _names(cli_database) == {"all-MiniLM-L6-v2": 41}  # nothing written

    reindexed = runner.invoke(cli, ["reindex"])
    assert reindexed.exit_code == 0, reindexed.output
    assert "41 embeddings by other encoders deleted" in reindexed.output
    assert _names(cli_database) == {"all-MiniLM-L6-v2+int8": 41}
    check_database(_int8(cli_database))
    with pytest.raises(EmbeddingSpaceMismatchError):
        check_database(cli_database)  # now fp32 is the one refused

    imported = runner.invoke(cli, ["import", str(feed)])
    assert imported.exit_code == 0, imported.output
    engine = make_engine(cli_database.resolved_database_url)
    with make_session_factory(engine)() as session:
        assert session.scalar(select(func.count(FactCheck.id))) == 42
    engine.dispose()
    assert _names(cli_database) == {"all-MiniLM-L6-v2+int8": 42}
