"""Document the problem bodies every operation can answer with in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from service.errors import PROBLEM_MEDIA_TYPE


class Problem(BaseModel):
    """An error as a JSON problem body (RFC 9457 fields plus a stable ``code``)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int = Field(ge=100, le=599)
    detail: str
    code: str


_PROBLEM_RESPONSES = {
    "4XX": "The request was refused; the problem body says why.",
    "422": "The body or parameters failed validation.",
    "5XX": "The service or its database is unavailable; retry after `Retry-After` seconds.",
}
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def document_problem_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Replace FastAPI's default 422 body with ours and add 4XX/5XX problem responses."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in _PROBLEM_RESPONSES.items():
                if status == "422" or status not in responses:
                    responses[status] = _problem_response(description)
    text = repr(schema["paths"])
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        if f"/{name}'" not in text:
            components.pop(name, None)
    return schema


def install_problem_schema(app: FastAPI) -> None:
    """Make ``app.openapi()`` describe error responses as problem bodies."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problem_responses(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
