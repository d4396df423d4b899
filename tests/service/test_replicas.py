"""Two service processes on one database behave as one service.

Run by ``make test`` on SQLite (two processes sharing the file) and on PostgreSQL (two
stateless replicas on one server).
"""

from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from claims_db.db import make_engine, make_session_factory
from claims_db.ingest import ingest
from claims_db.repository import FactCheckInput
from claims_db.triage_models import QueueItem
from models.embedding import Embedder
from service.auth.schemas import Role
from service.config import Settings
from tests.service.test_triage_concurrency import _drain, _seed_items
from tests.service.triage_helpers import bearer, make_keys, served

NEW_FACT_CHECK = FactCheckInput(
    claim="The Loch Ness monster was photographed in the Clyde in 2026.",
    rating="Pants on Fire",
    publisher="Example Checks",
    url="https://checks.example/nessie-clyde",
)
ARTICLE = (
    "Scotland news\n\n"
    "A viral post says the Loch Ness monster was photographed in the River Clyde in 2026. "
    "The council said it had no record of any sighting.\n"
)
QUEUED = 20


def _matched_urls(url: str, token: str) -> set[str]:
    response = httpx.post(
        f"{url}/v1/analyze", json={"text": ARTICLE}, headers=bearer(token), timeout=120
    )
    assert response.status_code == 200, response.text
    return {m["fact_check"]["url"] for c in response.json()["claims"] for m in c["matches"]}


def _queue_size(settings: Settings) -> int:
    engine = make_engine(settings.resolved_database_url)
    with make_session_factory(engine)() as session:
        count = session.scalar(select(func.count()).select_from(QueueItem))
    engine.dispose()
    return int(count or 0)


@pytest.mark.slow
def test_two_replicas_share_fact_checks_and_the_queue(
    seeded_settings: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    tokens = make_keys(seeded_settings, *[(Role.REVIEWER, f"r{i}") for i in range(4)])
    with (
        served(seeded_settings, tmp_path / "replica-a.log") as first,
        served(seeded_settings, tmp_path / "replica-b.log") as second,
    ):
        assert NEW_FACT_CHECK.url not in _matched_urls(first, tokens["r0"])
        assert NEW_FACT_CHECK.url not in _matched_urls(second, tokens["r0"])

        # Written beside the replicas, as an importer would; each must see it on its next
        # request without a restart.
        engine = make_engine(seeded_settings.resolved_database_url)
        ingest(make_session_factory(engine), embedder, [NEW_FACT_CHECK])
        engine.dispose()
        assert NEW_FACT_CHECK.url in _matched_urls(second, tokens["r1"])
        assert NEW_FACT_CHECK.url in _matched_urls(first, tokens["r1"])

        _seed_items(seeded_settings, QUEUED)
        total = _queue_size(seeded_settings)
        taken = _drain([first, second], tokens)

    counts = Counter(item_id for _, item_id in taken)
    assert [item_id for item_id, n in counts.items() if n > 1] == []
    assert len(counts) == total >= QUEUED
