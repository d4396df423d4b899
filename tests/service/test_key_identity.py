"""Leases, resolutions and the audit trail name the API key by id: names may repeat."""

from __future__ import annotations

from claims_db.db import make_engine, make_session_factory
from models.pipeline import Pipeline
from service.auth.schemas import Role
from service.auth.service import create_key
from service.config import Settings
from tests.service.triage_helpers import app_client, bearer, required


def _two_keys_named_desk(settings: Settings) -> list[tuple[int, dict[str, str]]]:
    engine = make_engine(settings.resolved_database_url)
    keys = []
    with make_session_factory(engine)() as session:
        for _ in range(2):
            key, token = create_key(session, "desk", Role.REVIEWER)
            keys.append((key.id, bearer(token)))
        session.commit()
    engine.dispose()
    return keys


def test_two_keys_with_one_name_are_told_apart(
    seeded_settings: Settings, pipeline: Pipeline, example_text: str
) -> None:
    (first_id, first), (second_id, second) = _two_keys_named_desk(seeded_settings)
    assert first_id != second_id
    with app_client(required(seeded_settings), pipeline) as (client, _):
        assert client.post("/v1/analyze", json={"text": example_text}, headers=first).is_success
        claimed = client.post("/v1/queue/next", headers=first).json()
        item_id = claimed["id"]
        assert (claimed["assignee"], claimed["assignee_key_id"]) == ("desk", first_id)

        # The same name is not the same reviewer: the other key may not act on the lease.
        for action in ("resolve", "release", "claim"):
            body = {"resolution": "not_check_worthy"} if action == "resolve" else None
            refused = client.post(f"/v1/queue/items/{item_id}/{action}", json=body, headers=second)
            assert refused.status_code == 409, action
            assert f"desk (key {first_id})" in refused.json()["detail"]

        resolved = client.post(
            f"/v1/queue/items/{item_id}/resolve",
            json={"resolution": "not_check_worthy"},
            headers=first,
        ).json()
        assert (resolved["resolved_by"], resolved["resolved_by_key_id"]) == ("desk", first_id)

        audit = client.get(f"/v1/queue/items/{item_id}", headers=first).json()["audit"]
        by_action = {entry["action"]: entry for entry in audit}
        assert by_action["create"]["actor_key_id"] is None  # the system queued it
        assert by_action["claim"]["actor_key_id"] == first_id
        assert by_action["claim"]["after"]["assignee_key_id"] == first_id
        assert by_action["resolve"]["actor_key_id"] == first_id
        page = client.get(f"/ui/items/{item_id}", headers=first)
        assert f"(key #{first_id})" in page.text
