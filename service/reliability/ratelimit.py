"""Per-key request rate limits: an in-process token bucket for each API key.

Each key may burst up to ``per_minute`` requests and is refilled continuously at
``per_minute / 60`` per second. The buckets live in the worker process, so a service
run with N workers admits up to N times the rate per key; that bound is what a single
host needs without a shared store, and a refused request says exactly when to retry.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from service.auth.schemas import Principal
from service.errors import ClaimflagError

logger = logging.getLogger(__name__)

# Buckets idle this long are full again and are forgotten, bounding memory.
_IDLE_EVICT_S = 600.0


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """Thread-safe token buckets keyed by an identity string (an API key id).

    Args:
        per_minute: Requests each key may make per minute (also the burst size).
        clock: Monotonic time source in seconds; default ``time.monotonic``.
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()
        self._last_sweep = clock()

    def acquire(self, key: str) -> float | None:
        """Take one token for ``key``; None when allowed, else seconds until one is free."""
        now = self._clock()
        with self._lock:
            self._sweep(now)
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(self.capacity, now)
            else:
                bucket.tokens = min(
                    self.capacity, bucket.tokens + (now - bucket.updated) * self.rate
                )
                bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return (1.0 - bucket.tokens) / self.rate

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < _IDLE_EVICT_S:
            return
        self._last_sweep = now
        stale = [k for k, b in self._buckets.items() if now - b.updated > _IDLE_EVICT_S]
        for key in stale:
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


def retry_after_header(wait_s: float) -> str:
    """Whole seconds for ``Retry-After``, rounded up so a retry then succeeds."""
    return str(max(1, math.ceil(wait_s)))


class RateLimitedError(ClaimflagError):
    status_code = 429
    code = "rate_limited"
    title = "Too many requests"


def enforce_rate_limit(request: Request, principal: Principal) -> None:
    """Spend one of the caller's tokens; 429 with ``Retry-After`` when it has none left.

    Only API keys are limited: with authentication off there is no key to count against.
    """
    limiter: TokenBucketLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None or principal.key_id is None:
        return
    wait_s = limiter.acquire(f"key:{principal.key_id}")
    if wait_s is None:
        return
    logger.info("rate limit reached for API key %d (%s)", principal.key_id, principal.name)
    raise RateLimitedError(
        f"this key may make {limiter.capacity:g} requests a minute; retry in {wait_s:.1f} s",
        headers={"Retry-After": retry_after_header(wait_s)},
    )
