"""A token bucket per client address, kept in the database so that every worker process
(``posko-central serve --workers N``) draws on the same budget: enough to make enumerating
tracking IDs impractical (the ID's check character already rejects 28 of 29 guesses before
any look-up). The address is the connection's peer; behind a reverse proxy,
``posko-central serve --forwarded-allow-ips PROXY`` makes that proxy's ``X-Forwarded-For``
count instead (no other's, ever).

Every public look-up shares one bucket per address (``public_limiter``): the tracking page
in each format and Open311's reads. A look-up costs a token per report it names, so a list
of 50 IDs costs 50, as 50 single look-ups would.

A look-up is one atomic statement (an upsert that refills the bucket for the time passed
and takes the tokens only if there are enough), the same on SQLite and PostgreSQL, so two
workers can never both spend the last token. The clock is the wall clock (``time.time``),
the one clock every worker shares; a bucket untouched long enough to be full again means
the same as no bucket, and such rows are pruned now and then. All of the limiter's SQL is
in this module.
"""

from __future__ import annotations

import math
import threading
import time

from sqlalchemy import Engine, text

MAX_ADDRESS = 255  # the column's width; a longer "address" is cut
PRUNE_EVERY = 60.0  # seconds between two prunings, per process

# The bucket's tokens now: what it held, plus what the time since refilled, at most full.
# A clock that went back refills nothing.
_ELAPSED = "(CASE WHEN :now > rate_limits.updated_at THEN :now - rate_limits.updated_at ELSE 0 END)"
_REFILLED = (
    f"(CASE WHEN rate_limits.tokens + {_ELAPSED} * :rate < :burst "
    f"THEN rate_limits.tokens + {_ELAPSED} * :rate ELSE :burst END)"
)
# A new address starts full; a known one pays if it can. No row comes back when the
# tokens are not enough (and then nothing is written).
_TAKE = text(
    "INSERT INTO rate_limits (address, tokens, updated_at) "
    "VALUES (:address, :burst - :cost, :now) "
    "ON CONFLICT (address) DO UPDATE "
    f"SET tokens = {_REFILLED} - :cost, "
    "updated_at = CASE WHEN :now > rate_limits.updated_at "
    "THEN :now ELSE rate_limits.updated_at END "
    f"WHERE {_REFILLED} >= :cost "
    "RETURNING tokens"
)
# Tokens handed back (refilled first, never past full): an attempt that paid up front and
# turned out not to be one the limit charges (a right key).
_GIVE_BACK = text(
    "UPDATE rate_limits SET "
    f"tokens = CASE WHEN {_REFILLED} + :cost < :burst THEN {_REFILLED} + :cost ELSE :burst END, "
    "updated_at = CASE WHEN :now > rate_limits.updated_at "
    "THEN :now ELSE rate_limits.updated_at END "
    "WHERE address = :address"
)
_PRUNE = text("DELETE FROM rate_limits WHERE updated_at < :full_since")
# A bucket lost to a crash only means a fresh budget: PostgreSQL need not wait for the disk
# at commit (the transaction stays atomic; only its durability is given up).
_NO_WAIT = text("SET LOCAL synchronous_commit TO OFF")


class RateLimiter:
    def __init__(self, engine: Engine, per_minute: int, burst: int | None = None):
        self.engine = engine
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else per_minute)
        self._postgresql = engine.dialect.name == "postgresql"
        self._lock = threading.Lock()
        self._next_prune = 0.0

    def allow(self, client: str, now: float | None = None, *, cost: int = 1) -> bool:
        """Take ``cost`` tokens from ``client``'s bucket; False (and none taken) when it
        holds fewer."""
        if cost > self.burst:
            return False  # more than a full bucket ever holds
        moment = time.time() if now is None else now
        parameters = self._parameters(client, cost, moment)
        with self.engine.begin() as conn:
            if self._postgresql:
                conn.execute(_NO_WAIT)
            allowed = conn.execute(_TAKE, parameters).first() is not None
            if self._prune_due():
                full_after = self.burst / self.rate if self.rate else math.inf
                if math.isfinite(full_after):
                    conn.execute(_PRUNE, {"full_since": moment - full_after})
        return allowed

    def give_back(self, client: str, now: float | None = None, *, cost: int = 1) -> None:
        """Return ``cost`` tokens that ``allow`` took: for limits that charge failures only
        (a wrong sign-in). Each attempt pays before it is tried, so that attempts made all
        at once cannot all pass a check of the budget before any of them is charged; one
        that succeeded gets its token back."""
        moment = time.time() if now is None else now
        with self.engine.begin() as conn:
            conn.execute(_GIVE_BACK, self._parameters(client, cost, moment))

    def _parameters(self, client: str, cost: int, moment: float) -> dict[str, object]:
        return {
            "address": client[:MAX_ADDRESS],
            "cost": cost,
            "now": moment,
            "rate": self.rate,
            "burst": self.burst,
        }

    def _prune_due(self) -> bool:
        clock = time.monotonic()
        with self._lock:
            if clock < self._next_prune:
                return False
            self._next_prune = clock + PRUNE_EVERY
            return True

    def retry_after(self, cost: int = 1) -> int:
        """Seconds until an empty bucket holds ``cost`` tokens again."""
        return max(1, math.ceil(cost / self.rate) if self.rate else 60)
