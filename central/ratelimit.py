"""A small in-process token bucket per client address: enough to make enumerating tracking
IDs impractical (the ID's check character already rejects 28 of 29 guesses before any
look-up). Each API worker keeps its own buckets. The address is the connection's peer;
behind a reverse proxy, ``posko-central serve --forwarded-allow-ips PROXY`` makes that
proxy's ``X-Forwarded-For`` count instead (no other's, ever).

Every public look-up shares one bucket per address (``public_limiter``): the tracking page
in each format and Open311's reads. A look-up costs a token per report it names, so a list
of 50 IDs costs 50, as 50 single look-ups would."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict

from starlette.requests import Request


class RateLimiter:
    def __init__(self, per_minute: int, burst: int | None = None, max_clients: int = 100_000):
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else per_minute)
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, client: str, now: float | None = None, *, cost: int = 1) -> bool:
        """Take ``cost`` tokens from ``client``'s bucket; False (and none taken) when it
        holds fewer."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.burst, moment))
            tokens = min(self.burst, tokens + (moment - last) * self.rate)
            allowed = tokens >= cost
            if allowed:
                tokens -= cost
            self._buckets[client] = (tokens, moment)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return allowed

    def retry_after(self, cost: int = 1) -> int:
        """Seconds until an empty bucket holds ``cost`` tokens again."""
        return max(1, math.ceil(cost / self.rate) if self.rate else 60)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def public_limiter(request: Request) -> RateLimiter:
    """The app's one limiter of public look-ups."""
    limiter = request.app.state.track_limiter
    assert isinstance(limiter, RateLimiter)
    return limiter
