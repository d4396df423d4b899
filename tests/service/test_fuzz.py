"""Schemathesis over the service's own OpenAPI schema: no 5xx, every response as documented."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (  # type: ignore[attr-defined]
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from models.pipeline import Pipeline
from service.app import create_app
from service.config import Settings
from service.runtime import build_runtime

EXAMPLES_PER_OPERATION = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(seeded_settings: Settings, pipeline: Pipeline) -> Iterator[schemathesis.BaseSchema]:
    """The live app's schema; the TestClient context keeps its lifespan (runtime) open."""
    runtime = build_runtime(seeded_settings, pipeline=pipeline)
    app = create_app(runtime=runtime)
    with TestClient(app):
        yield schemathesis.openapi.from_asgi("/openapi.json", app)
    runtime.engine.dispose()


# Driven through hypothesis directly: schemathesis' lazy pytest fixture loader does not
# work with pytest 9.2 (it reads a private attribute pytest removed).
@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_schema(
    api_schema: schemathesis.BaseSchema, mode: GenerationMode
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/analyze", "/readyz", "/healthz"}
    if mode is GenerationMode.NEGATIVE:
        # Only operations that take input can be sent invalid input.
        operations = [op for op in operations if len(op.body) or len(op.path_parameters)]
    for operation in operations:

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def call_and_validate(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=CHECKS)

        call_and_validate()
