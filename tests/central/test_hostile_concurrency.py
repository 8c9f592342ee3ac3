"""Concurrent writers on PostgreSQL, through the real server on 127.0.0.1: a desk's push
racing staff status changes, and two pushes of one desk's edits in opposite orders.

Before: PostgreSQL detected deadlocks (the push held the device row's key-share lock and
then wanted report rows; a status change held a report row and then wanted the device
row; two pushes revised rows in batch order) and the loser answered 500."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from central.db import open_database
from central.store import CentralStore
from tests.central_support import complaint_record, enroll, start_server, stop_process

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_server(pg_cluster: Any, tmp_path: Path) -> Iterator[tuple[str, CentralStore, Path]]:
    url = pg_cluster.new_database()
    store = CentralStore(open_database(url))
    log = tmp_path / "server.log"
    process, base = start_server(url, log, "--workers", "2")
    try:
        yield base, store, log
    finally:
        stop_process(process)
        store.close()


def _push(base: str, token: str, records: list[dict[str, Any]]) -> int:
    answer = httpx.post(
        f"{base}/api/v1/sync/push",
        json={"records": records},
        headers={"authorization": f"Bearer {token}"},
        timeout=120,
    )
    return answer.status_code


def _together(*work: Any) -> None:
    threads = [threading.Thread(target=job) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_pushes_and_status_changes_never_deadlock(
    pg_server: tuple[str, CentralStore, Path],
) -> None:
    base, store, log = pg_server
    token, device = enroll(store)
    staff = store.create_client("Petugas", "staff")
    prefix = device.tracking_prefix
    targets = [complaint_record(prefix, n) for n in range(1, 121)]
    assert _push(base, token, targets) == 200
    answers: list[int] = []
    sequence = 1000
    for revision in range(2, 6):
        fresh = [complaint_record(prefix, sequence + n) for n in range(120)]
        sequence += 120
        edits = [dict(r, revision=revision, title=f"Perbaikan {revision}") for r in targets]

        def push_all(batch: list[dict[str, Any]] = fresh + edits) -> None:
            answers.append(_push(base, token, batch))

        def change_statuses() -> None:
            with httpx.Client(base_url=base, timeout=120) as client:
                for record in reversed(targets[-30:]):
                    answer = client.post(
                        f"/api/v1/staff/complaints/{record['tracking_id']}/status",
                        json={"status": "verified"},
                        headers={"authorization": f"Bearer {staff}"},
                    )
                    answers.append(answer.status_code)

        _together(push_all, change_statuses)
    assert set(answers) == {200}, answers
    # Two pushes of the same edits, one in each order, at once.
    for revision in range(6, 9):
        forward = [dict(r, revision=revision, title=f"Edit {revision} a") for r in targets]
        backward = [dict(r, revision=revision, title=f"Edit {revision} b") for r in targets][::-1]
        codes: list[int] = []

        def push_one(batch: list[dict[str, Any]], into: list[int] = codes) -> None:
            into.append(_push(base, token, batch))

        _together(partial(push_one, forward), partial(push_one, backward))
        assert codes == [200, 200], codes
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "unexpected error" not in text, text
