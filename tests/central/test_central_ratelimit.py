"""The public look-up limit holds per address across every worker process: its buckets are
in the database, taken with one atomic statement, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import text

from central.db import open_database
from central.ratelimit import RateLimiter
from central.store import CentralStore
from tests.central_support import complaint_record, enroll, start_server, stop_process


def test_a_bucket_refills_and_a_bulk_look_up_costs_one_token_per_id(
    central_db_url: str,
) -> None:
    engine = open_database(central_db_url)
    try:
        limiter = RateLimiter(engine, per_minute=6)  # a token every 10 seconds
        start = 1_800_000_000.0
        assert [limiter.allow("10.0.0.1", start) for _ in range(7)] == [True] * 6 + [False]
        assert limiter.allow("10.0.0.2", start)  # each address has its own bucket
        assert not limiter.allow("10.0.0.1", start + 9.9)
        assert limiter.allow("10.0.0.1", start + 10.0)
        assert not limiter.allow("10.0.0.1", start + 10.0)
        # A refused look-up takes nothing: after 30 s, three tokens, not fewer.
        assert not limiter.allow("10.0.0.1", start + 40.0, cost=4)
        assert limiter.allow("10.0.0.1", start + 40.0, cost=3)
        assert not limiter.allow("10.0.0.1", start + 40.0)
        # Never more than a full bucket, however long it was left alone.
        assert not limiter.allow("10.0.0.1", start + 3600.0, cost=7)
        assert limiter.allow("10.0.0.1", start + 3600.0, cost=6)
        assert not limiter.allow("10.0.0.1", start + 3600.0)
        # A clock that went back refills nothing.
        assert not limiter.allow("10.0.0.1", start + 1000.0)
        assert limiter.retry_after() == 10 and limiter.retry_after(3) == 30
    finally:
        engine.dispose()


def test_tokens_given_back_never_fill_a_bucket_past_full(central_db_url: str) -> None:
    """``give_back``: a sign-in pays before its key is checked and gets its token back
    when the key was right; what comes back refills the bucket, never past full."""
    engine = open_database(central_db_url)
    try:
        limiter = RateLimiter(engine, per_minute=6)
        start = 1_800_000_000.0
        assert all(limiter.allow("10.0.0.3", start) for _ in range(6))
        assert not limiter.allow("10.0.0.3", start)
        limiter.give_back("10.0.0.3", start)
        assert limiter.allow("10.0.0.3", start)  # the one given back
        assert not limiter.allow("10.0.0.3", start)
        # Refilled for the time passed as well, and capped at a full bucket (six).
        for _ in range(10):
            limiter.give_back("10.0.0.3", start + 3600.0)
        assert all(limiter.allow("10.0.0.3", start + 3600.0) for _ in range(6))
        assert not limiter.allow("10.0.0.3", start + 3600.0)
        limiter.give_back("10.0.0.9", start)  # an address never seen: nothing to give back
        assert all(limiter.allow("10.0.0.9", start) for _ in range(6))
        assert not limiter.allow("10.0.0.9", start)
    finally:
        engine.dispose()


def test_two_processes_share_one_bucket_and_full_buckets_are_pruned(
    central_db_url: str,
) -> None:
    first, second = open_database(central_db_url), open_database(central_db_url)
    try:
        one, other = RateLimiter(first, per_minute=4), RateLimiter(second, per_minute=4)
        now = time.time()
        assert one.allow("10.0.0.9", now, cost=3)
        assert not other.allow("10.0.0.9", now, cost=2)
        assert other.allow("10.0.0.9", now)
        assert not one.allow("10.0.0.9", now)
        assert one.allow("10.0.0.8", now - 120)  # a bucket full again for a minute
        # The first look-up of a (new) process prunes.
        assert RateLimiter(second, per_minute=4).allow("10.0.0.7", now)
        with second.connect() as conn:
            left = conn.execute(text("SELECT address FROM rate_limits ORDER BY address"))
            assert [row[0] for row in left] == ["10.0.0.7", "10.0.0.9"]
    finally:
        first.dispose()
        second.dispose()


def test_the_limit_holds_across_workers(central_db_url: str, tmp_path: Path) -> None:
    """The real server with two worker processes: however the kernel spreads the
    connections between them, one address gets one budget. (With a limiter in each
    process, each worker granted its own six.)"""
    store = CentralStore(open_database(central_db_url))
    _token, device = enroll(store)
    record = complaint_record(device.tracking_prefix, 1)
    store.push(device, [record])
    store.close()
    log = tmp_path / "server.log"
    process, url = start_server(central_db_url, log, "--workers", "2", "--rate-limit", "6")
    codes: list[int] = []
    lock = threading.Lock()

    def look_up() -> None:
        for _ in range(6):
            # A new connection each time, so either worker may take it.
            with httpx.Client(base_url=url, timeout=30) as client:
                answer = client.get(f"/api/v1/track/{record['tracking_id']}")
            with lock:
                codes.append(answer.status_code)

    try:
        started = time.monotonic()
        threads = [threading.Thread(target=look_up) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        stop_process(process)
    assert set(codes) <= {200, 429} and len(codes) == 36
    refilled = int(elapsed / 10)  # a token every 10 seconds
    assert 6 <= codes.count(200) <= 6 + refilled, (codes.count(200), elapsed)
    text_ = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text_, text_
