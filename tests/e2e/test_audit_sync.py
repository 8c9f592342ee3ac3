"""The desk's audit trail reaches the central system (issue 14, item 4): every line the desk
wrote arrives once, by the same outbox as the reports, is kept append-only there, and is
listed to staff with filters. Real desk store, real central server on 127.0.0.1, SQLite and
PostgreSQL."""

from __future__ import annotations

import uuid as uuids
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from desktop.paths import Profile
from desktop.store.operators import PinRefused, Role
from desktop.store.outbox import Outbox
from desktop.store.repo import Store
from desktop.sync.engine import SyncEngine
from desktop.sync.enroll import read_token
from desktop.sync.transport import RequestsTransport
from posko import wire
from posko.workdays import WIB
from tests.central_support import CentralServer
from tests.e2e.test_sync import complaint, enrolled

pytestmark = pytest.mark.slow

REPORTER = ("Rahmat Hidayat", "0812-3456-7890", "rahmat@example.org")


@pytest.fixture
def transport() -> Iterator[RequestsTransport]:
    real = RequestsTransport(timeout=(5, 30))
    yield real
    real.close()


def _staff(server: CentralServer) -> dict[str, str]:
    return {"authorization": f"Bearer {server.store.create_client('Koordinator', 'staff')}"}


def _lines(server: CentralServer, headers: dict[str, str], **params: Any) -> httpx.Response:
    with server.client() as client:
        return client.get("/api/v1/staff/audit", params=params, headers=headers)


def test_the_desks_trail_arrives_once_and_is_listed_with_filters(
    store: Store, profile: Profile, central_server: CentralServer, transport: RequestsTransport
) -> None:
    enrolled(store, profile, central_server, transport)
    store.save_operator("Budi Santoso", role=Role.PETUGAS, pin="7301", repeated="7301")
    saved = store.save_complaint(
        complaint(1, reporter_name=REPORTER[0], phone=REPORTER[1], email=REPORTER[2])
    )
    with pytest.raises(PinRefused):
        store.sign_in("Budi Santoso", "0000")
    written = len(store.audit_trail())
    report = SyncEngine(store, profile, transport).run_once()
    assert report.ok, report
    # The operator's figures count the report, not the trail's lines that went with it.
    assert report.sent == 1 and store.queue_count() == 0
    assert Outbox(store).counts_by_kind()["audit_event"]["sent"] == written
    assert central_server.store.count(["desk_audit_events"]) == {"desk_audit_events": written}
    # Sent again (a lost answer): the central system keeps each line once.
    with store.session() as s:
        s.execute(text("UPDATE audit_events SET sync_state = 'pending'"))
    assert SyncEngine(store, profile, transport).run_once().ok
    assert central_server.store.count(["desk_audit_events"]) == {"desk_audit_events": written}

    staff = _staff(central_server)
    answer = _lines(central_server, staff)
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert len(items) == written and answer.json()["next"] is None
    by_action = {item["action"]: item for item in items}
    assert by_action["created"]["subject"] == saved.tracking_id
    assert by_action["created"]["operator_name"] == "Siti Rahmawati"
    assert by_action["sign_in_failed"]["subject"] == "Budi Santoso"
    assert all(item["post_code"] == "MRK" for item in items)
    # Newest first, a page at a time.
    ids = [item["id"] for item in items]
    assert ids == sorted(ids, reverse=True)
    first = _lines(central_server, staff, limit=1).json()
    assert [i["id"] for i in first["items"]] == ids[:1] and first["next"] == ids[0]
    second = _lines(central_server, staff, limit=1, before=first["next"]).json()
    assert [i["id"] for i in second["items"]] == ids[1:2]
    # Filters: by action, post and WIB day.
    failed = _lines(central_server, staff, action="sign_in_failed").json()["items"]
    assert [i["subject"] for i in failed] == ["Budi Santoso"]
    assert _lines(central_server, staff, post="mrk").json()["items"] == items
    assert _lines(central_server, staff, post="BKH").json()["items"] == []
    today = datetime.now(UTC).astimezone(WIB).date()
    assert len(_lines(central_server, staff, since=today, until=today).json()["items"]) == written
    tomorrow = today + timedelta(days=1)
    assert _lines(central_server, staff, since=tomorrow).json()["items"] == []
    # No reporter data anywhere in what the central system keeps of the trail.
    shown = answer.text
    engine = create_engine(central_server.database_url)
    try:
        with engine.connect() as conn:
            stored = repr(conn.execute(text("SELECT * FROM desk_audit_events")).all())
    finally:
        engine.dispose()
    for secret in (*REPORTER, "3456", saved.secret, saved.title):
        assert secret not in shown and secret not in stored


def test_the_central_trail_is_append_only(
    store: Store, profile: Profile, central_server: CentralServer, transport: RequestsTransport
) -> None:
    """Not even another client of the database can change or remove a line."""
    enrolled(store, profile, central_server, transport)
    store.save_complaint(complaint(1))
    assert SyncEngine(store, profile, transport).run_once().ok
    engine = create_engine(central_server.database_url)
    attacks = [
        "UPDATE desk_audit_events SET operator_name = 'someone else'",
        "UPDATE desk_audit_events SET action = 'printed' WHERE action = 'created'",
        "DELETE FROM desk_audit_events",
    ]
    if engine.dialect.name == "postgresql":
        attacks.append("TRUNCATE desk_audit_events")
    try:
        for attack in attacks:
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(attack))
        with engine.connect() as conn:
            names = conn.execute(text("SELECT operator_name FROM desk_audit_events")).scalars()
            assert set(names) == {"Siti Rahmawati"}
    finally:
        engine.dispose()


def _line(post_code: str = "MRK", **fields: object) -> dict[str, object]:
    return {
        "kind": "audit_event",
        "uuid": str(uuids.uuid4()),
        "post_code": post_code,
        "action": "printed",
        "subject": "MRK-0001",
        "detail": "",
        "operator_name": "Siti Rahmawati",
        "created_at": datetime.now(UTC).isoformat(),
    } | fields


def test_forged_audit_lines_are_refused_one_by_one(
    store: Store, profile: Profile, central_server: CentralServer, transport: RequestsTransport
) -> None:
    """An attacker with a desk's token pushes audit lines: each bad one is refused on its
    own, with a reason, and nothing of it is stored; the good one in the batch is kept."""
    enrolled(store, profile, central_server, transport)
    token = read_token(profile)
    headers = {"authorization": f"Bearer {token}"}
    far = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    bad = [
        _line(subject="MRK\x1b[2J-0001"),  # a terminal escape into a log or a page
        _line(operator_name="a\x00b"),  # NUL, which PostgreSQL refuses in text
        _line(detail="x" * 201),
        _line(action="DROP TABLE"),
        _line(post_code="BKH"),  # another post's trail
        _line(created_at=far),  # a line from the future would sort first for ever
        _line(extra="field"),
    ]
    good = _line()
    with central_server.client() as client:
        answer = client.post(
            "/api/v1/sync/push", json={"protocol": 2, "records": [*bad, good]}, headers=headers
        )
        assert answer.status_code == 200, answer.text
        parsed = wire.PushAnswer.model_validate(answer.json())
        assert parsed.outcomes == "r" * len(bad) + "a"
        # Protocol 1 has no audit lines: refused for that record.
        old = client.post("/api/v1/sync/push", json={"records": [_line()]}, headers=headers)
        (result,) = wire.PushResponse.model_validate(old.json()).results
        assert result.result == "rejected" and "protocol 2" in (result.reason or "")
    assert central_server.store.count(["desk_audit_events"]) == {"desk_audit_events": 1}
    # The trail is for staff alone: no token, a desk's token, a bad query.
    staff = _staff(central_server)
    assert _lines(central_server, {}).status_code == 401
    assert _lines(central_server, headers).status_code == 401
    for query in (
        {"since": "2026-13-01"},
        {"until": "0"},  # pydantic alone takes it as 1970-01-01
        {"action": "x'; DROP"},
        {"limit": 100_000},
        {"before": -1},
    ):
        answer = _lines(central_server, staff, **query)
        assert answer.status_code == 422 and answer.json()["problems"], query
    # The calendar's ends are taken as the nearest day a desk could write; the days the
    # wrong way round: nothing lies between them.
    for query in ({"since": "9999-12-31"}, {"until": "0001-01-01"}):
        answer = _lines(central_server, staff, **query)
        assert answer.status_code == 200 and answer.json()["items"] == [], query
    assert len(_lines(central_server, staff, since="0001-01-01").json()["items"]) == 1
    backwards = _lines(central_server, staff, since="2026-12-07", until="2026-12-01")
    assert backwards.status_code == 200 and backwards.json()["items"] == []


def test_every_staff_read_of_personal_data_is_recorded(
    store: Store, profile: Profile, central_server: CentralServer, transport: RequestsTransport
) -> None:
    enrolled(store, profile, central_server, transport)
    named = store.save_complaint(complaint(1))
    secret = store.save_complaint(
        complaint(2, reporter_name="", phone="", email="", anonymous=True, confidential=True)
    )
    bare = store.save_complaint(complaint(3, reporter_name="", phone="", email="", anonymous=True))
    assert SyncEngine(store, profile, transport).run_once().ok
    staff = _staff(central_server)
    with central_server.client() as client:
        for saved in (named, secret, bare, named):
            answer = client.get(f"/api/v1/staff/complaints/{saved.tracking_id}", headers=staff)
            assert answer.status_code == 200, answer.text
        reads = client.get("/api/v1/staff/reads", headers=staff).json()
        one = client.get(
            "/api/v1/staff/reads", params={"tracking_id": secret.tracking_id}, headers=staff
        ).json()
        assert client.get("/api/v1/staff/reads").status_code == 401
    # Newest first; the report with neither contacts nor rahasia content is not a read of
    # personal data.
    assert [(r["tracking_id"], r["what"]) for r in reads] == [
        (named.tracking_id, "contacts"),
        (secret.tracking_id, "content"),
        (named.tracking_id, "contacts"),
    ]
    assert {r["client_name"] for r in reads} == {"Koordinator"}
    assert [r["tracking_id"] for r in one] == [secret.tracking_id]
    engine = create_engine(central_server.database_url)
    try:
        for attack in (
            "UPDATE personal_data_reads SET client_name = 'x'",
            "DELETE FROM personal_data_reads",
        ):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(attack))
    finally:
        engine.dispose()
