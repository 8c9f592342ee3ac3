"""Enumeration and bulk look-ups, attacked through the real server on 127.0.0.1 (SQLite and
PostgreSQL).

Before: Open311's ``requests.json`` listed every ID of the last 90 days, rahasia ones
included, up to 1,000 in one answer, and its ``service_request_id`` list (1,000 IDs a call)
was never throttled while the tracking page was."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from central.db import open_database
from central.store import CentralStore, DeviceInfo
from tests.central_support import (
    CentralServer,
    complaint_record,
    enroll,
    start_server,
    stop_process,
)

BASE = "/open311/v2"


def _push(store: CentralStore, device: DeviceInfo, numbers: range, **fields: Any) -> list[str]:
    records = [complaint_record(device.tracking_prefix, n, **fields) for n in numbers]
    results = store.push(device, records)
    assert {r.result.value for r in results} == {"accepted"}
    return [r["tracking_id"] for r in records]


def test_rahasia_reports_are_in_no_public_list(central_server: CentralServer) -> None:
    store = central_server.store
    _token, device = enroll(store)
    hidden = _push(store, device, range(1, 4), confidential=True)
    public = _push(store, device, range(4, 7))
    with central_server.client() as client:
        for fmt in ("json", "xml"):
            listing = client.get(f"{BASE}/requests.{fmt}").text
            updates = client.get(f"{BASE}/servicerequestupdates.{fmt}").text
            for tracking_id in hidden:
                assert tracking_id not in listing and tracking_id not in updates
            for tracking_id in public:
                assert tracking_id in listing and tracking_id in updates


def test_public_lists_are_paged_and_bounded(central_server: CentralServer) -> None:
    store = central_server.store
    _token, device = enroll(store)
    made = _push(store, device, range(1, 121))
    seen: list[str] = []
    with central_server.client() as client:
        url: str | None = f"{BASE}/requests.json"
        pages = 0
        while url is not None:
            answer = client.get(url)
            assert answer.status_code == 200, answer.text
            page = answer.json()
            assert len(page) <= 50
            seen += [r["service_request_id"] for r in page]
            pages += 1
            url = answer.links.get("next", {}).get("url")
        assert pages == 3 and sorted(seen) == sorted(made)
        # The host in the Link header is never one the client made up.
        answer = client.get(f"{BASE}/requests.json", headers={"host": "evil.example"})
        assert "evil.example" not in answer.headers["link"]
        for bad in ("page_size=101", "page_size=0", "page=0", "page=201", "page=x"):
            refused = client.get(f"{BASE}/requests.json?{bad}")
            assert refused.status_code == 400, bad
        assert len(client.get(f"{BASE}/requests.json?page_size=100").json()) == 100
        assert len(client.get(f"{BASE}/servicerequestupdates.json").json()) == 50


@pytest.fixture(params=["sqlite", "postgresql"])
def limited_server(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, CentralStore]]:
    """The real server with a limit of 10 public look-ups a minute per address."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_cluster").new_database()
    store = CentralStore(open_database(url))
    process, base = start_server(url, tmp_path / "server.log", "--rate-limit", "10")
    try:
        yield base, store
    finally:
        stop_process(process)
        store.close()


def test_every_public_look_up_shares_one_limit(limited_server: tuple[str, CentralStore]) -> None:
    base, store = limited_server
    _token, device = enroll(store)
    ids = _push(store, device, range(1, 13))
    with httpx.Client(base_url=base, timeout=30) as client:
        # More IDs than the address may ever look up at once: refused, and said why.
        too_many = client.get(f"{BASE}/requests.json", params={"service_request_id": ",".join(ids)})
        assert too_many.status_code == 400 and "at most 10" in too_many.text
        # Ten IDs cost ten look-ups: the tracking page is out of tokens afterwards.
        bulk = client.get(
            f"{BASE}/requests.json", params={"service_request_id": ",".join(ids[:10])}
        )
        assert bulk.status_code == 200 and len(bulk.json()) == 10
        for path in (
            f"/t/{ids[0]}",
            f"/api/v1/track/{ids[0]}",
            f"/api/v1/track/{ids[0]}/sms",
            f"{BASE}/requests/{ids[0]}.json",
            f"{BASE}/requests.xml",
            f"{BASE}/servicerequestupdates.json",
            f"{BASE}/tokens/00000000-0000-4000-8000-000000000000.json",
        ):
            answer = client.get(path)
            assert answer.status_code == 429, (path, answer.status_code)
            assert int(answer.headers["retry-after"]) >= 1
        refused = client.get(f"{BASE}/requests/{ids[0]}.xml")
        assert refused.status_code == 429 and "<errors>" in refused.text
