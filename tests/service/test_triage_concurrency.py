"""`POST /v1/queue/next` never hands one item to two reviewers: threads and two processes."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import httpx
import numpy as np
import pytest
from sqlalchemy import func, select

from claims_db.db import make_engine, make_session_factory
from claims_db.triage_models import AuditEntry, ItemKind, QueueItem
from claims_db.triage_repository import QueueRepository
from models.pipeline import Pipeline
from service.auth.schemas import Role
from service.config import Settings
from service.triage.service import priority
from tests.service.triage_helpers import app_client, bearer, make_keys, required, served

ITEMS = 24
REVIEWERS = 6


def _seed_items(settings: Settings, count: int) -> None:
    """Queue ``count`` distinct claims straight through the repository."""
    engine = make_engine(settings.resolved_database_url)
    rng = np.random.default_rng(7)
    with make_session_factory(engine)() as session:
        repository = QueueRepository(session)
        for number in range(count):
            vector = rng.standard_normal(384).astype(np.float32)
            worthiness = 0.5 + number / (2 * count)
            repository.add(
                QueueItem(
                    kind=ItemKind.NEW_CLAIM.value,
                    claim_text=f"Claim number {number} about the budget.",
                    model_name="test",
                    vector=vector / np.linalg.norm(vector),
                    check_worthiness=worthiness,
                    priority=priority(worthiness, None, None, 1),
                    occurrence_count=1,
                    debunking_count=0,
                    version=1,
                )
            )
        session.commit()
    engine.dispose()


def _claims_in_audit(settings: Settings) -> int:
    engine = make_engine(settings.resolved_database_url)
    with make_session_factory(engine)() as session:
        count = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "claim")
        )
    engine.dispose()
    return int(count or 0)


def _drain(urls: list[str], tokens: dict[str, str]) -> list[tuple[str, int]]:
    """Every reviewer calls next (round-robin over ``urls``) until the queue is empty."""
    taken: list[tuple[str, int]] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(tokens))

    def work(position: int, name: str, token: str) -> None:
        with httpx.Client(timeout=60) as http:
            start.wait()
            call = position
            while True:
                url = urls[call % len(urls)]
                call += 1
                response = http.post(f"{url}/v1/queue/next", headers=bearer(token))
                if response.status_code == 204:
                    return
                if response.status_code != 200:
                    with lock:
                        errors.append(f"{response.status_code}: {response.text}")
                    return
                body = response.json()
                with lock:
                    if body["assignee"] != name:
                        errors.append(f"item {body['id']} went to {body['assignee']}, not {name}")
                    taken.append((name, body["id"]))

    threads = [
        threading.Thread(target=work, args=(i, name, token))
        for i, (name, token) in enumerate(tokens.items())
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return taken


def _assert_no_double_assignment(taken: list[tuple[str, int]], settings: Settings) -> None:
    counts = Counter(item_id for _, item_id in taken)
    assert [i for i, n in counts.items() if n > 1] == []
    assert len(counts) == ITEMS
    assert _claims_in_audit(settings) == ITEMS
    assert len({name for name, _ in taken}) > 1, "several reviewers should have taken items"


def test_threads_never_share_an_item(seeded_settings: Settings, pipeline: Pipeline) -> None:
    _seed_items(seeded_settings, ITEMS)
    tokens = make_keys(seeded_settings, *[(Role.REVIEWER, f"r{i}") for i in range(REVIEWERS)])
    with app_client(required(seeded_settings), pipeline) as (client, _):
        taken: list[tuple[str, int]] = []
        errors: list[str] = []
        lock = threading.Lock()
        start = threading.Barrier(REVIEWERS)

        def work(name: str, token: str) -> None:
            start.wait()
            while True:
                response = client.post("/v1/queue/next", headers=bearer(token))
                if response.status_code == 204:
                    return
                with lock:
                    if response.status_code != 200:
                        errors.append(response.text)
                        return
                    taken.append((name, response.json()["id"]))

        threads = [threading.Thread(target=work, args=item) for item in tokens.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        in_review = client.get(
            "/v1/queue", params={"status": "in_review"}, headers=bearer(tokens["r0"])
        )
        assert in_review.json()["total"] == ITEMS
    assert not errors, errors
    _assert_no_double_assignment(taken, seeded_settings)


@pytest.mark.slow
def test_two_server_processes_never_share_an_item(
    seeded_settings: Settings, tmp_path: Path
) -> None:
    _seed_items(seeded_settings, ITEMS)
    tokens = make_keys(seeded_settings, *[(Role.REVIEWER, f"r{i}") for i in range(REVIEWERS)])
    with (
        served(seeded_settings, tmp_path / "server-a.log") as first,
        served(seeded_settings, tmp_path / "server-b.log") as second,
    ):
        taken = _drain([first, second], tokens)
    _assert_no_double_assignment(taken, seeded_settings)
