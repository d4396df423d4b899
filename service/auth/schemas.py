"""Roles, the authenticated caller, and API-key bodies."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field


class Role(enum.StrEnum):
    """What a key may do; each role includes the ones before it."""

    SUBMITTER = "submitter"
    REVIEWER = "reviewer"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Position in the hierarchy submitter < reviewer < admin."""
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        """Whether this role may do what ``needed`` may."""
        return self.rank >= needed.rank


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a key's name and role (or the local user when auth is off)."""

    name: str
    role: Role
    key_id: int | None = None


class KeyCreate(BaseModel):
    """A new API key's owner and role."""

    name: str = Field(min_length=1, max_length=128)
    role: Role


class KeyOut(BaseModel):
    """An API key as listed: never the token itself."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: Role
    prefix: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class KeyCreated(KeyOut):
    """A freshly created key: ``token`` is shown this once and never stored."""

    token: str
