"""API keys: random tokens shown once, stored as SHA-256 hashes, found by a public prefix."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import logging
import secrets
from collections.abc import Sequence

from sqlalchemy.orm import Session

from claims_db.base import utcnow
from claims_db.triage_models import ApiKey, AuditEntry, UiSession
from claims_db.triage_repository import ApiKeyRepository, QueueRepository, UiSessionRepository
from service.auth.schemas import Principal, Role
from service.config import AuthMode, Settings
from service.errors import ClaimflagError, NotFoundError

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "cf"
SESSION_COOKIE = "claimflag_session"
LOCAL_PRINCIPAL = Principal(name="local", role=Role.ADMIN)


class UnauthorizedError(ClaimflagError):
    status_code = 401
    code = "unauthorized"
    title = "Unauthorized"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class ForbiddenError(ClaimflagError):
    status_code = 403
    code = "forbidden"
    title = "Forbidden"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback bind address (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_auth_mode(settings: Settings, *, announce: bool = True) -> None:
    """Refuse auth ``off`` unless bound to loopback, and (``announce``) say when it is off."""
    if settings.auth is not AuthMode.OFF:
        if announce:
            logger.info("authentication required: every API call needs a key")
        return
    if not is_loopback(settings.host):
        raise RuntimeError(
            f"CLAIMFLAG_AUTH=off is only allowed on a loopback address, not {settings.host}; "
            "set CLAIMFLAG_AUTH=required and create keys with `claimflag keys create`"
        )
    if not announce:
        return
    logger.warning(
        "authentication is OFF (CLAIMFLAG_AUTH=off): every caller acts as admin; "
        "allowed only because the service is bound to %s",
        settings.host,
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _split(token: str) -> str | None:
    """The lookup prefix of a well-formed token, else None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1]


def _audit(
    session: Session, actor: str, action: str, key: ApiKey, actor_key_id: int | None
) -> None:
    state = {"key_id": key.id, "name": key.name, "role": key.role, "prefix": key.prefix}
    QueueRepository(session).add_audit(
        AuditEntry(
            actor=actor,
            actor_key_id=actor_key_id,
            action=action,
            before=None if action == "key.create" else state,
            after={**state, "revoked": key.revoked_at is not None},
        )
    )


def create_key(
    session: Session,
    name: str,
    role: Role,
    *,
    actor: str = "cli",
    actor_key_id: int | None = None,
) -> tuple[ApiKey, str]:
    """Store a new key and return it with its token, which is not kept anywhere."""
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKeyRepository(session).add(
        ApiKey(name=name, role=role.value, prefix=prefix, key_hash=_hash(token))
    )
    _audit(session, actor, "key.create", key, actor_key_id)
    logger.info("API key %d (%s, %s) created", key.id, name, role.value)
    return key, token


def authenticate(session: Session, token: str) -> Principal | None:
    """The principal of a valid, unrevoked token, else None."""
    prefix = _split(token.strip())
    if prefix is None:
        return None
    key = ApiKeyRepository(session).by_prefix(prefix)
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.key_hash, _hash(token.strip())):
        return None
    return Principal(name=key.name, role=Role(key.role), key_id=key.id)


def start_ui_session(session: Session, principal: Principal, hours: float) -> str:
    """Sign a browser in as ``principal``'s key; returns the opaque token for its cookie."""
    if principal.key_id is None:
        raise ValueError("only a key can sign in")
    token = secrets.token_urlsafe(32)
    UiSessionRepository(session).add(
        UiSession(
            token_hash=_hash(token),
            key_id=principal.key_id,
            expires_at=utcnow() + dt.timedelta(hours=hours),
        )
    )
    return token


def ui_session_principal(session: Session, token: str) -> Principal | None:
    """The principal of a live UI session: not signed out, not expired, its key not revoked."""
    if not 20 <= len(token) <= 100:
        return None
    found = UiSessionRepository(session).by_hash(_hash(token))
    if found is None:
        return None
    ui_session, key = found
    if ui_session.revoked_at is not None or ui_session.expires_at <= utcnow():
        return None
    if key.revoked_at is not None:
        return None
    return Principal(name=key.name, role=Role(key.role), key_id=key.id)


def end_ui_session(session: Session, token: str) -> None:
    """Sign a browser out: its token never works again, even if copied before."""
    found = UiSessionRepository(session).by_hash(_hash(token)) if token else None
    if found is not None and found[0].revoked_at is None:
        found[0].revoked_at = utcnow()
        session.flush()


def list_keys(session: Session) -> Sequence[ApiKey]:
    """Every key, revoked ones included."""
    return ApiKeyRepository(session).list()


def revoke_key(
    session: Session, key_id: int, *, actor: str = "cli", actor_key_id: int | None = None
) -> ApiKey:
    """Revoke a key so it no longer authenticates; revoking twice is harmless."""
    key = ApiKeyRepository(session).get(key_id)
    if key is None:
        raise NotFoundError(f"no API key with id {key_id}")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
        _audit(session, actor, "key.revoke", key, actor_key_id)
        logger.info("API key %d (%s) revoked", key.id, key.name)
    return key


def require(principal: Principal | None, role: Role) -> Principal:
    """``principal`` if it may act as ``role``; 401 without one, 403 when its role is lower."""
    if principal is None:
        raise UnauthorizedError("an API key is required: send `Authorization: Bearer <key>`")
    if not principal.role.allows(role):
        raise ForbiddenError(
            f"this needs the {role.value} role; the key has {principal.role.value}"
        )
    return principal
