"""A small in-process token bucket per client address: enough to make enumerating tracking
IDs impractical (the ID's check character already rejects 28 of 29 guesses before any
look-up). Each API worker keeps its own buckets; a deployment behind a proxy passes the
client address through ``--forwarded-allow-ips``."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict


class RateLimiter:
    def __init__(self, per_minute: int, burst: int | None = None, max_clients: int = 100_000):
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else per_minute)
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, client: str, now: float | None = None) -> bool:
        """Take one token from ``client``'s bucket; False when it is empty."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.burst, moment))
            tokens = min(self.burst, tokens + (moment - last) * self.rate)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._buckets[client] = (tokens, moment)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return allowed

    def retry_after(self) -> int:
        return max(1, int(1 / self.rate) if self.rate else 60)
