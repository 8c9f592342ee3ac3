"""Capped exponential back-off with jitter (Enketo's min(2^n, cap), PouchDB's randomised
doubling): failing desks spread out instead of hammering a recovering server together."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base: float = 15.0  # seconds after the first failure
    cap: float = 600.0  # never wait longer than this
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def bound(self, failures: int | None = None) -> float:
        """The longest wait after ``failures`` consecutive failures."""
        n = self.failures if failures is None else failures
        if n <= 0:
            return 0.0
        return float(min(self.cap, self.base * 2.0 ** min(n - 1, 30)))

    def failed(self) -> float:
        """Count a failure; the seconds to wait before the next try ("equal jitter": between
        half the bound and the bound, so waits grow but never synchronise)."""
        self.failures += 1
        bound = self.bound()
        return bound / 2 + self.rng.uniform(0, bound / 2)

    def succeeded(self) -> None:
        self.failures = 0
