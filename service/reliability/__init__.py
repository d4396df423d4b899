"""Reliability and security wiring: request guards, CORS, problem schema, rate limits,
admission control."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from service.config import Settings
from service.reliability.admission import AdmissionGate, AdmissionMiddleware
from service.reliability.middleware import (
    BodyGuardMiddleware,
    RequestTimeoutMiddleware,
    SecurityHeadersMiddleware,
)
from service.reliability.openapi import install_problem_schema
from service.reliability.ratelimit import TokenBucketLimiter

# Feed imports: bodies up to CLAIMFLAG_MAX_IMPORT_BYTES, no request time limit.
BULK_PATHS = ("/v1/factchecks/import",)
# Model work, bounded by CLAIMFLAG_MAX_ANALYSES_IN_FLIGHT.
MODEL_PATHS = ("/v1/analyze", "/v1/stance")


def install_reliability(app: FastAPI, settings: Settings) -> None:
    """Add the request guards (innermost first), CORS when configured, and security headers."""
    bulk_limits = {path: settings.max_import_bytes for path in BULK_PATHS}
    gate = AdmissionGate(settings.resolved_max_analyses_in_flight, settings.admission_wait_s)
    app.state.admission = gate
    # Innermost: it reads the body through the body guard before taking a slot.
    app.add_middleware(AdmissionMiddleware, gate=gate, paths=MODEL_PATHS)
    app.add_middleware(
        BodyGuardMiddleware, max_bytes=settings.max_body_bytes, bulk_limits=bulk_limits
    )
    app.add_middleware(
        RequestTimeoutMiddleware, timeout_s=settings.request_timeout_s, exempt_paths=BULK_PATHS
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key"],
            max_age=600,
        )
    app.add_middleware(SecurityHeadersMiddleware)
    install_problem_schema(app)
    app.state.rate_limiter = (
        TokenBucketLimiter(settings.rate_limit_per_minute)
        if settings.rate_limit_per_minute
        else None
    )
