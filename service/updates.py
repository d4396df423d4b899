"""What every partial-update body (a PATCH) shares."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator


class PartialUpdate(BaseModel):
    """Fields left out stay as they are and ``null`` clears an optional one; a field named in
    ``not_null`` (a required column) refuses ``null`` with a 422 naming it, where it would
    otherwise reach the database and fail there."""

    model_config = ConfigDict(extra="forbid")

    not_null: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _refuse_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulls = [name for name in cls.not_null if name in data and data[name] is None]
            if nulls:
                raise ValueError(f"{', '.join(nulls)} cannot be null")
        return data
