"""API-key management routes (admin only)."""

from __future__ import annotations

from fastapi import APIRouter, status

from service.auth import service
from service.auth.schemas import KeyCreate, KeyCreated, KeyOut
from service.deps import CurrentAdmin, RowId, SessionDep

router = APIRouter(prefix="/v1/keys", tags=["auth"])


@router.post("", response_model=KeyCreated, status_code=status.HTTP_201_CREATED)
def create_key(*, session: SessionDep, admin: CurrentAdmin, body: KeyCreate) -> KeyCreated:
    """Create a key; its token is in this response only."""
    key, token = service.create_key(
        session, body.name, body.role, actor=admin.name, actor_key_id=admin.key_id
    )
    return KeyCreated(**KeyOut.model_validate(key).model_dump(), token=token)


@router.get("", response_model=list[KeyOut])
def list_keys(*, session: SessionDep, admin: CurrentAdmin) -> list[KeyOut]:
    """Every key without its token."""
    return [KeyOut.model_validate(k) for k in service.list_keys(session)]


@router.delete("/{key_id}", response_model=KeyOut)
def revoke_key(*, session: SessionDep, admin: CurrentAdmin, key_id: RowId) -> KeyOut:
    """Revoke a key."""
    revoked = service.revoke_key(session, key_id, actor=admin.name, actor_key_id=admin.key_id)
    return KeyOut.model_validate(revoked)
