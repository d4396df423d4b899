"""Catch super-linear text processing by how its time grows, never by how long it takes.

A function is run on an input of size ``n`` and on one ``factor`` times larger, each several
times interleaved, and the best CPU times of this thread are compared. Linear work grows by
about ``factor``; quadratic by ``factor²``. The limit sits between them in exponent
(``factor ** 1.5``: 8 for 4x), so noise from other processes on a shared machine, which
``thread_time`` mostly excludes anyway, cannot flip the answer either way.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass

FACTOR = 4
LIMIT = FACTOR**1.5


@dataclass(frozen=True, slots=True)
class Growth:
    """How a function's time grew from ``size`` characters to ``FACTOR`` times as many."""

    size: int
    small_s: float
    large_s: float

    @property
    def ratio(self) -> float:
        return self.large_s / max(self.small_s, 1e-9)

    def __str__(self) -> str:
        return (
            f"{self.size:,} -> {self.size * FACTOR:,} characters: {self.small_s * 1e3:.2f} -> "
            f"{self.large_s * 1e3:.2f} ms CPU (x{self.ratio:.1f}, limit x{LIMIT:.1f})"
        )


def _cpu_time(function: Callable[[str], object], text: str) -> float:
    started = time.thread_time()
    function(text)
    return time.thread_time() - started


def measure(
    function: Callable[[str], object],
    make: Callable[[int], str],
    *,
    min_cpu_s: float = 0.003,
    max_size: int = 400_000,
    repeats: int = 5,
) -> Growth:
    """Grow ``n`` until ``function(make(n))`` takes ``min_cpu_s``, then compare n and 4n."""
    size = 64
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        while size < max_size and _cpu_time(function, make(size)) < min_cpu_s:
            size *= 2
        small, large = make(size), make(size * FACTOR)
        best_small = best_large = float("inf")
        for _ in range(repeats):
            best_small = min(best_small, _cpu_time(function, small))
            best_large = min(best_large, _cpu_time(function, large))
        return Growth(size, best_small, best_large)
    finally:
        if gc_was_enabled:
            gc.enable()


def assert_linear(function: Callable[[str], object], make: Callable[[int], str]) -> None:
    """Fail when ``function``'s time on ``make(n)`` grows faster than ``n ** 1.5``.

    A ratio over the limit is measured once more with more repetitions before failing, so
    one burst of load on a shared machine is not reported as a regression.
    """
    growth = measure(function, make)
    if growth.ratio > LIMIT:
        growth = measure(function, make, min_cpu_s=0.01, repeats=9)
    assert growth.ratio <= LIMIT, f"super-linear: {growth}"
