"""Cross-site protection: Host allow-list, origin checks, JSON-only bodies, CSRF tokens."""

from __future__ import annotations

from fastapi import FastAPI

from service.config import Settings
from service.reliability.ratelimit import TokenBucketLimiter
from service.security.middleware import CrossSiteGuardMiddleware

# Bodies the feed import takes besides JSON (JSON-LD and Google's JSON count as JSON).
IMPORT_MEDIA_TYPES = {
    "/v1/factchecks/import": (
        "application/x-ndjson",
        "application/jsonl",
        "application/json-seq",
        "text/csv",
    ),
}


def install_cross_site_guard(app: FastAPI, settings: Settings) -> None:
    """Refuse foreign Host headers, cross-site writes and non-JSON API bodies."""
    app.state.login_limiter = (
        TokenBucketLimiter(settings.login_attempts_per_minute)
        if settings.login_attempts_per_minute
        else None
    )
    app.add_middleware(
        CrossSiteGuardMiddleware,
        allowed_hosts=settings.resolved_allowed_hosts,
        allowed_origins=[*settings.allowed_origins, *settings.cors_origins],
        media_types=IMPORT_MEDIA_TYPES,
    )
