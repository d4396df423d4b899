"""The service keeps the multilingual index: writes fill it, the backfill command completes it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from claims_db.db import make_engine, make_session_factory
from claims_db.models import FactCheck, FactCheckMultilingualEmbedding
from models.encoders.multilingual import MULTILINGUAL_MODEL_NAME, MultilingualEncoder
from models.pipeline import Pipeline
from service.cli import app
from service.config import Settings, get_settings
from service.runtime import Runtime
from tests.claims_db.feeds import FEEDS
from tests.service.triage_helpers import app_client

runner = CliRunner()

NEW = {
    "claim": "The city council banned cycling on every bridge in Glasgow.",
    "rating": "False",
    "publisher": "Example Fact Desk",
    "url": "https://factdesk.example/2025/03/bridges/",
}


def _counts(url: str) -> tuple[int, int]:
    """Fact-checks, and multilingual vectors under the real encoder's name."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            checks = session.scalar(select(func.count()).select_from(FactCheck))
            vectors = session.scalar(
                select(func.count())
                .select_from(FactCheckMultilingualEmbedding)
                .where(FactCheckMultilingualEmbedding.model_name == MULTILINGUAL_MODEL_NAME)
            )
    finally:
        engine.dispose()
    return int(checks or 0), int(vectors or 0)


@pytest.fixture
def cli_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, empty_database_url: str
) -> Iterator[str]:
    monkeypatch.setenv("CLAIMFLAG_DATABASE_PATH", str(tmp_path / "cli.db"))
    if empty_database_url.startswith("postgresql"):
        monkeypatch.setenv("CLAIMFLAG_DATABASE_URL", empty_database_url)
    get_settings.cache_clear()
    yield get_settings().resolved_database_url
    get_settings.cache_clear()


def test_backfill_command_fills_what_a_seed_without_the_encoder_left_out(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    monkeypatch.setenv("CLAIMFLAG_MULTILINGUAL", "false")
    get_settings.cache_clear()
    seeded = runner.invoke(app, ["seed"])
    assert seeded.exit_code == 0, seeded.output
    assert _counts(cli_env) == (41, 0)

    def broken(self: MultilingualEncoder, texts: object) -> np.ndarray:
        raise RuntimeError("out of memory")

    with monkeypatch.context() as patch:
        patch.setattr(MultilingualEncoder, "encode", broken)
        failed = runner.invoke(app, ["backfill-multilingual", "--batch-size", "16"])
    assert failed.exit_code == 1
    assert "backfill stopped: RuntimeError: out of memory" in failed.output

    done = runner.invoke(app, ["backfill-multilingual", "--batch-size", "16"])
    assert done.exit_code == 0, done.output
    said = " ".join(done.output.split())
    assert "41 multilingual vectors written" in said
    assert "41 of 41 fact-checks have one" in said
    assert _counts(cli_env) == (41, 41)
    again = runner.invoke(app, ["backfill-multilingual"])
    assert "0 multilingual vectors written" in again.output

    # With the setting on (its default) an import writes both spaces.
    monkeypatch.delenv("CLAIMFLAG_MULTILINGUAL")
    get_settings.cache_clear()
    imported = runner.invoke(app, ["import", str(FEEDS / "datafeed.json")])
    assert imported.exit_code == 0, imported.output
    assert "3 inserted" in imported.output
    assert _counts(cli_env) == (44, 44)


@pytest.fixture
def served(seeded_settings: Settings, pipeline: Pipeline) -> Iterator[tuple[TestClient, Runtime]]:
    with app_client(seeded_settings, pipeline) as pair:
        yield pair


def test_api_writes_fill_the_multilingual_index(served: tuple[TestClient, Runtime]) -> None:
    client, runtime = served
    assert runtime.multilingual is not None
    created = client.post("/v1/factchecks", json=NEW)
    assert created.status_code == 201, created.text
    fact_check_id = created.json()["id"]
    imported = client.post(
        "/v1/factchecks/import",
        content=(FEEDS / "datafeed.json").read_bytes(),
        headers={"content-type": "application/json"},
    )
    assert imported.json()["inserted"] == 3
    with runtime.session_factory() as session:
        runtime.index.sync(session)
    # The seeded fact-checks have none yet (no backfill ran); the four written here do.
    assert runtime.index.multilingual_count() == 4  # type: ignore[attr-defined]
    query = runtime.multilingual.encode(
        ["El ayuntamiento prohibió ir en bicicleta por todos los puentes de Glasgow."]
    )
    [hits] = runtime.index.nearest_multilingual(query, k=1)  # type: ignore[attr-defined]
    assert hits[0].fact_check.id == fact_check_id
    assert _counts(runtime.settings.resolved_database_url) == (45, 4)


def test_the_setting_off_keeps_the_service_as_before(
    seeded_settings: Settings, pipeline: Pipeline
) -> None:
    settings = seeded_settings.model_copy(update={"multilingual": False})
    with app_client(settings, pipeline) as (client, runtime):
        assert runtime.multilingual is None
        assert client.post("/v1/factchecks", json=NEW).status_code == 201
        assert runtime.index.multilingual_count() == 0  # type: ignore[attr-defined]
    assert _counts(settings.resolved_database_url) == (42, 0)


SPANISH_ARTICLE = (
    "Vance repite un bulo sobre Escocia\n\n"
    "El vicepresidente de Estados Unidos repitió la afirmación falsa de que a los escoceses "
    "se les advirtió que no rezaran en su propia casa si viven en una zona de protección "
    "alrededor de las clínicas de aborto. El Gobierno escocés lo desmintió: la ley no "
    "prohíbe rezar en casa.\n"
)


def test_a_spanish_article_is_analysed_across_languages(
    seeded_settings: Settings, pipeline: Pipeline
) -> None:
    from claims_db.ingest import backfill_multilingual
    from service.app import create_app
    from service.runtime import build_runtime

    encoder = MultilingualEncoder()
    engine = make_engine(seeded_settings.resolved_database_url)
    try:
        assert backfill_multilingual(make_session_factory(engine), encoder) > 0
    finally:
        engine.dispose()
    runtime = build_runtime(seeded_settings, pipeline=pipeline, multilingual=encoder)
    assert runtime.pipeline is not pipeline  # another encoder: the shared one is left alone
    assert pipeline.multilingual is not encoder
    with TestClient(create_app(runtime=runtime)) as client:
        response = client.post("/v1/analyze", json={"text": SPANISH_ARTICLE})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["article"]["language"] == "es"
        flagged = [c for c in body["claims"] if c["flagged"]]
        assert flagged, [(c["text"], c["matches"][:1]) for c in body["claims"]]
        claim = flagged[0]
        assert claim["language"] == "es"
        assert "rezaran en su propia casa" in claim["text"]
        top = claim["matches"][0]["fact_check"]
        assert "theferret.scot" in top["url"] and top["rating"] == "False"
        assert claim["suggestion"]["verdict"] == "false"
        assert claim["stance"] == "debunks"

        # Stored with its language, and the flagged claim waits in the review queue.
        stored = client.get(f"/v1/articles/{body['article']['id']}").json()
        assert stored["language"] == "es"
        queued = client.get("/v1/queue", params={"kind": "suggested_verdict"}).json()["items"]
        assert [i for i in queued if "rezaran en su propia casa" in i["claim_text"]]

        ready = client.get("/readyz").json()
        assert ready["multilingual_indexed"] == ready["fact_checks_indexed"] > 0

        found = client.get(
            "/v1/factchecks/search",
            params={"q": "Se prohíbe rezar en casa en las zonas de protección del aborto"},
        )
        assert found.status_code == 200, found.text
        assert "theferret.scot" in found.json()["results"][0]["fact_check"]["url"]
    runtime.engine.dispose()


def test_the_second_multilingual_encoder_follows_its_settings() -> None:
    from models.encoders.use import UseEncoder
    from service.runtime import build_crosslingual_matcher

    on = build_crosslingual_matcher(Settings(_env_file=None))  # type: ignore[call-arg]
    assert isinstance(on.second, UseEncoder)
    for off in (
        Settings(multilingual_rescore=False, _env_file=None),  # type: ignore[call-arg]
        Settings(multilingual=False, _env_file=None),  # type: ignore[call-arg]
    ):
        assert build_crosslingual_matcher(off).second is None


def test_why_matched_carries_the_second_encoders_similarity() -> None:
    import datetime as dt

    from models.matching import FactCheckRecord
    from models.retrieval import Match, Tier
    from models.verdicts import Verdict
    from service.factchecks.schemas import MatchWhy

    record = FactCheckRecord(
        id=1,
        claim="Russia released 500 lions onto its streets.",
        rating="False",
        verdict=Verdict.FALSE,
        publisher="Example Checks",
        url="https://checks.example/1",
        review_date=dt.date(2024, 5, 1),
    )
    match = Match(record, 0.87, 0.0, 1.42, 0.8, Tier.LIKELY, second_similarity=0.71)
    why = MatchWhy.from_match("Rusia soltó 500 leones en sus calles.", match)
    assert why.second_encoder_similarity == 0.71
    plain = MatchWhy.from_match("Rusia soltó 500 leones.", Match(record, 0.9, 1.0, 2.0, 0.9, None))
    assert plain.second_encoder_similarity is None
