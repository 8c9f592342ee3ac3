"""Staff roles on the central system (issue 14, item 5), tried as an attacker would: an
agency officer's token (petugas_instansi) against another agency's reports, the
coordinators' routes, an expired token, the central system's own audit trail from a second
database client, and the upgrade that turns every existing staff token into a
coordinator's. Real server on 127.0.0.1, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from central.db import make_engine, upgrade
from central.security import digest, new_token
from central.store import CentralStore
from posko import tracking, wire
from tests.central_support import (
    CentralServer,
    complaint_record,
    enroll,
    enroll_body,
    run_central,
)

TABLE = Path(__file__).resolve().parents[2] / "docs" / "disclosure.md"
STATUS = "/api/v1/staff/complaints/{}/status"
ONE = "/api/v1/staff/complaints/{}"
REPORTER = ("Rahmat Hidayat", "+6281299887766", "rahmat@example.org")


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@dataclass
class World:
    server: CentralServer
    prefix: str
    device_id: int
    coordinator: str
    kai: str  # an officer of KAI
    bpjt: str  # an officer of BPJT
    reports: dict[str, dict[str, Any]]  # name → wire record

    def tid(self, name: str) -> str:
        return str(self.reports[name]["tracking_id"])

    def missing(self) -> str:
        """A well-formed tracking ID that never reached the central system."""
        return tracking.TrackingId.make(self.prefix, 99).compact

    def get(self, token: str, path: str, **params: Any) -> httpx.Response:
        with self.server.client() as client:
            return client.get(path, params=params, headers=_bearer(token))

    def post(self, token: str, path: str, body: dict[str, Any]) -> httpx.Response:
        with self.server.client() as client:
            return client.post(path, json=body, headers=_bearer(token))


@pytest.fixture
def world(central_server: CentralServer) -> World:
    store = central_server.store
    _token, device = enroll(store)
    personal = {"reporter_name": REPORTER[0], "phone": REPORTER[1], "email": REPORTER[2]}
    kinds: dict[str, tuple[str, dict[str, Any]]] = {
        "kai_rahasia": ("KAI", {"confidential": True, "title": "Pungli di stasiun KAI"}),
        "kai_anonim": ("KAI", {"anonymous": True, "title": "Toilet stasiun rusak"}),
        "kai_biasa": ("KAI", {"title": "Kereta tambahan terlambat"}),
        "bpjt_rahasia": ("BPJT", {"confidential": True, "title": "Suap di gerbang tol BPJT"}),
        "unassigned": ("", {"title": "Belum ditugaskan"}),
    }
    reports = {}
    for number, (name, (agency, overrides)) in enumerate(kinds.items(), start=1):
        record = complaint_record(device.tracking_prefix, number, **personal, **overrides)
        reports[name] = record
        store.push(device, [record])
        if agency:
            store.set_status(
                record["tracking_id"],
                wire.CentralStatus.FORWARDED,
                actor="Rina",
                agency=agency,
                public_note="Diteruskan ke instansi.",
                internal_note="Catatan dalam untuk petugas.",
            )
    return World(
        central_server,
        device.tracking_prefix,
        device.id,
        store.create_client("Koordinator Pusat", "staff"),
        store.create_client("Petugas KAI", "staff", staff_role="petugas_instansi", agency="KAI"),
        store.create_client("Petugas BPJT", "staff", staff_role="petugas_instansi", agency="BPJT"),
        reports,
    )


def test_an_officer_reading_another_agencys_rahasia_report_gets_the_missing_reports_404(
    world: World,
) -> None:
    missing = world.get(world.kai, ONE.format(world.missing()))
    assert missing.status_code == 404
    for name in ("bpjt_rahasia", "unassigned"):
        for typed in (world.tid(name), tracking.display(world.tid(name)).lower()):
            answer = world.get(world.kai, ONE.format(typed))
            assert (answer.status_code, answer.content) == (404, missing.content), name
            assert answer.headers.get("content-length") == missing.headers.get("content-length")
    # Nothing of it was shown, so no read of personal data is recorded for it.
    assert world.server.store.personal_reads(world.tid("bpjt_rahasia")) == []
    # Its own agency's officer and the coordinator read it; their reads are recorded.
    own = world.get(world.bpjt, ONE.format(world.tid("bpjt_rahasia")))
    assert own.status_code == 200 and own.json()["title"] == "Suap di gerbang tol BPJT"
    assert own.json()["reporter_name"] == REPORTER[0]
    assert world.get(world.coordinator, ONE.format(world.tid("bpjt_rahasia"))).status_code == 200
    readers = [r.client_name for r in world.server.store.personal_reads(world.tid("bpjt_rahasia"))]
    assert readers == ["Koordinator Pusat", "Petugas BPJT"]


def test_an_officer_sees_no_anonymous_reporter_but_the_coordinator_does(world: World) -> None:
    officer = world.get(world.kai, ONE.format(world.tid("kai_anonim")))
    assert officer.status_code == 200, officer.text
    shown = officer.json()
    assert shown["title"] == "Toilet stasiun rusak" and shown["anonymous"] is True
    for secret in REPORTER:
        assert secret not in officer.text
    # The officer was shown no contacts of a plain report: nothing personal read.
    assert world.server.store.personal_reads(world.tid("kai_anonim")) == []
    coordinator = world.get(world.coordinator, ONE.format(world.tid("kai_anonim")))
    assert coordinator.json()["reporter_name"] == REPORTER[0]
    reads = world.server.store.personal_reads(world.tid("kai_anonim"))
    assert [(r.client_name, r.what) for r in reads] == [("Koordinator Pusat", "contacts")]


def test_an_officers_lists_never_hold_another_agencys_reports(world: World) -> None:
    everything = world.get(world.coordinator, "/api/v1/staff/due", limit=500)
    assert everything.status_code == 200
    assert {item["tracking_id"] for item in everything.json()["items"]} == {
        world.tid(name) for name in world.reports
    }
    own = {world.tid("kai_rahasia"), world.tid("kai_anonim"), world.tid("kai_biasa")}
    for params in (
        {},
        {"state": "overdue"},
        {"state": "soon"},
        {"limit": 1},
        {"post": "MRK"},
        {"category": "TOL"},
        {"agency": "KAI"},
    ):
        answer = world.get(world.kai, "/api/v1/staff/due", **params)
        assert answer.status_code == 200, answer.text
        items = answer.json()["items"]
        assert {item["tracking_id"] for item in items} <= own, params
        assert {item["agency"] for item in items} <= {"KAI"}
    assert {
        i["tracking_id"] for i in world.get(world.kai, "/api/v1/staff/due").json()["items"]
    } == own
    # Paging through one at a time reaches only the officer's own reports.
    seen, cursor = [], None
    while True:
        page = world.get(
            world.kai, "/api/v1/staff/due", limit=1, **({"after": cursor} if cursor else {})
        )
        seen += [item["tracking_id"] for item in page.json()["items"]]
        cursor = page.json()["next"]
        if cursor is None:
            break
    assert set(seen) == own
    # Asking for another agency's list is an empty list, with no counts either.
    other = world.get(world.kai, "/api/v1/staff/due", agency="BPJT").json()
    assert other["items"] == [] and other["counts"] == {"overdue": 0, "soon": 0}


def test_an_officer_cannot_move_another_agencys_report(world: World) -> None:
    body = {"status": "resolved", "public_note": "Selesai."}
    missing = world.post(world.kai, STATUS.format(world.missing()), body)
    assert missing.status_code == 404
    for name in ("bpjt_rahasia", "unassigned"):
        answer = world.post(world.kai, STATUS.format(world.tid(name)), body)
        assert (answer.status_code, answer.content) == (404, missing.content)
        view = world.server.store.complaint(world.tid(name))
        assert view is not None and view.status is not wire.CentralStatus.RESOLVED
    # Nor hand its own report to another agency (a coordinator's decision): refused
    # from the body alone, the same for a report it cannot see.
    for name in ("kai_rahasia", "bpjt_rahasia"):
        moved = world.post(world.kai, STATUS.format(world.tid(name)), {**body, "agency": "BPJT"})
        assert moved.status_code == 403 and moved.json()["error"] == "coordinator_only"
    view = world.server.store.complaint(world.tid("kai_rahasia"))
    assert view is not None and view.agency == "KAI" and view.status.value == "forwarded"
    # Its own report it moves (naming its own agency, in any case, is fine).
    done = world.post(world.kai, STATUS.format(world.tid("kai_rahasia")), {**body, "agency": "kai"})
    assert done.status_code == 200, done.text
    assert done.json()["actor"] == "Petugas KAI"
    lines = world.server.store.central_audit("status_changed")
    assert (lines[0].actor, lines[0].target, lines[0].detail) == (
        "Petugas KAI",
        world.tid("kai_rahasia"),
        "status=resolved",
    )


def test_the_coordinators_routes_are_refused_to_an_officer(world: World) -> None:
    gets = [
        "/api/v1/staff/audit",
        "/api/v1/staff/reads",
        "/api/v1/staff/central-audit",
        "/api/v1/staff/devices",
    ]
    posts = [
        (f"/api/v1/staff/devices/{world.device_id}/revoke", {}),
        ("/api/v1/staff/enroll-codes", {"post_code": "MRK"}),
    ]
    for path in gets:
        answer = world.get(world.kai, path)
        assert answer.status_code == 403, path
        assert answer.json()["error"] == "coordinator_only"
        assert "koordinator" in answer.json()["message"]
        assert world.get(world.coordinator, path).status_code == 200, path
    for path, body in posts:
        answer = world.post(world.bpjt, path, body)
        assert answer.status_code == 403 and answer.json()["error"] == "coordinator_only", path
    devices = world.server.store.devices()
    assert [d.revoked_at for d in devices] == [None]
    made = world.server.store.central_audit("enroll_code_created")
    assert [line.actor for line in made] == ["system"]  # the fixture's, none of the officer's
    # Aggregates without personal data stay open to an officer: none of these is a list of
    # reports, and the statistics page is behind the staff sign-in (see the web test).


def test_an_expired_staff_token_is_refused_exactly_like_a_revoked_one(world: World) -> None:
    store = world.server.store
    revoked = store.create_client("Lama", "staff")
    store.revoke_client(store.clients()[-1].id)
    expiring = store.create_client(
        "Kedaluwarsa", "staff", staff_role="petugas_instansi", agency="KAI"
    )
    assert world.get(expiring, "/api/v1/staff/due").status_code == 200
    with world.server.client() as browser:
        signed = browser.post("/staf/masuk", data={"key": expiring}, follow_redirects=False)
        assert signed.status_code == 303 and browser.get("/staf").status_code == 200
        engine = create_engine(world.server.database_url)
        try:
            with engine.begin() as conn:
                conn.execute(
                    text("UPDATE api_clients SET expires_at = :when WHERE name = 'Kedaluwarsa'"),
                    {"when": datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)},
                )
        finally:
            engine.dispose()
        # The session opened before the token expired ends with it.
        after = browser.get("/staf", follow_redirects=False)
        assert after.status_code == 303 and after.headers["location"].startswith("/staf/masuk")
    for path in ("/api/v1/staff/due", ONE.format(world.tid("kai_rahasia"))):
        gone = world.get(revoked, path)
        late = world.get(expiring, path)
        assert gone.status_code == late.status_code == 401
        assert (
            late.json()
            == gone.json()
            == {
                "error": "bad_token",
                "message": "unknown, revoked or expired staff token",
            }
        )
        assert late.headers["www-authenticate"] == "Bearer"
    # Nor does it sign in to the staff pages.
    with world.server.client() as web:
        answer = web.post("/staf/masuk", data={"key": expiring}, follow_redirects=False)
        assert answer.status_code == 401


def test_a_fixed_clock_past_the_expiry_refuses_the_token(central_store: CentralStore) -> None:
    token = central_store.create_client("Uji", "staff", days=1)
    client = central_store.authenticate_client(token, "staff")
    assert client is not None and client.expires_at is not None
    assert client.staff_role == "koordinator" and client.agency == ""
    expires = client.expires_at
    central_store.clock = lambda: expires - timedelta(seconds=1)
    assert central_store.authenticate_client(token, "staff") is not None
    central_store.clock = lambda: expires
    assert central_store.authenticate_client(token, "staff") is None
    # Open311 keys never expire; officers need a known agency; coordinators none.
    key = central_store.create_client("Aplikasi", "open311")
    assert central_store.authenticate_client(key, "open311") is not None
    bad: dict[str, Any]
    for bad in (
        {"staff_role": "petugas_instansi"},
        {"staff_role": "petugas_instansi", "agency": "NOPE", "agencies": ["KAI"]},
        {"agency": "KAI"},
        {"staff_role": "admin"},
        {"days": 0},
    ):
        with pytest.raises(ValueError):
            central_store.create_client("Salah", "staff", **bad)


def test_the_central_audit_records_enrollment_revocation_and_status_changes(
    world: World,
) -> None:
    server = world.server
    code = world.post(
        world.coordinator, "/api/v1/staff/enroll-codes", {"post_code": "gbr", "hours": 2}
    )
    assert code.status_code == 200, code.text
    assert code.json()["post_code"] == "GBR"
    with server.client() as client:
        enrolled = client.post("/api/v1/enroll", json=enroll_body(code.json()["code"]))
    assert enrolled.status_code == 201, enrolled.text
    device_id = int(enrolled.json()["device_id"])
    revoked = world.post(world.coordinator, f"/api/v1/staff/devices/{device_id}/revoke", {})
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    missing = world.post(world.coordinator, "/api/v1/staff/devices/999999/revoke", {})
    assert missing.status_code == 404
    changed = world.post(
        world.coordinator,
        STATUS.format(world.tid("unassigned")),
        {
            "status": "forwarded",
            "agency": "BPJT",
            "public_note": "Diteruskan ke BPJT, Pak Rahmat.",
            "internal_note": "Telepon +6281299887766",
        },
    )
    assert changed.status_code == 200, changed.text

    page = world.get(world.coordinator, "/api/v1/staff/central-audit")
    assert page.status_code == 200
    items = page.json()["items"]
    assert [item["id"] for item in items] == sorted((item["id"] for item in items), reverse=True)
    found = {(item["actor"], item["action"], item["target"]) for item in items}
    assert any(
        (item["action"], item["actor"], item["detail"])
        == ("enroll_code_created", "Koordinator Pusat", "post=GBR")
        for item in items
    )
    assert (f"desk:{device_id}", "device_enrolled", f"device:{device_id}") in found
    assert ("Koordinator Pusat", "device_revoked", f"device:{device_id}") in found
    assert ("Koordinator Pusat", "status_changed", world.tid("unassigned")) in found
    status_line = next(
        i
        for i in items
        if i["action"] == "status_changed" and i["target"] == world.tid("unassigned")
    )
    assert status_line["detail"] == "status=forwarded,agency=->BPJT"
    clients = [i for i in items if i["action"] == "client_created"]
    assert {i["detail"] for i in clients} >= {"staff,koordinator", "staff,petugas_instansi,KAI"}
    # Keyset paging: one line a page reaches every line once.
    seen, before = [], None
    while True:
        params: dict[str, Any] = {"limit": 1, **({"before": before} if before else {})}
        answer = world.get(world.coordinator, "/api/v1/staff/central-audit", **params).json()
        seen += [item["id"] for item in answer["items"]]
        before = answer["next"]
        if before is None:
            break
    assert seen == [item["id"] for item in items]
    only = world.get(
        world.coordinator, "/api/v1/staff/central-audit", action="device_revoked"
    ).json()
    assert [i["action"] for i in only["items"]] == ["device_revoked"]

    # No reporter's data and no report text in the trail, nor in the server's log.
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            stored = repr(conn.execute(text("SELECT * FROM central_audit_events")).all())
    finally:
        engine.dispose()
    for secret in (*REPORTER, "Pungli di stasiun", "Diteruskan ke BPJT", "Antrean di gerbang"):
        assert secret not in stored
        assert secret not in server.log_text()
        assert secret not in page.text

    # Append-only, whoever asks: a second client of the database is refused.
    engine = create_engine(server.database_url)
    attacks = [
        "UPDATE central_audit_events SET actor = 'someone else'",
        "UPDATE central_audit_events SET action = 'nothing' WHERE action = 'device_revoked'",
        "DELETE FROM central_audit_events",
        "DELETE FROM central_audit_events WHERE action = 'status_changed'",
    ]
    if engine.dialect.name == "postgresql":
        attacks.append("TRUNCATE central_audit_events")
    try:
        for attack in attacks:
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(attack))
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM central_audit_events")).scalar()
            actors = set(conn.execute(text("SELECT actor FROM central_audit_events")).scalars())
    finally:
        engine.dispose()
    assert count == len(items) and "someone else" not in actors


def test_an_officers_staff_pages_session_keeps_the_officers_limits(world: World) -> None:
    with world.server.client() as web:
        signed = web.post("/staf/masuk", data={"key": world.kai}, follow_redirects=False)
        assert signed.status_code == 303, signed.text
        home = web.get("/staf?lang=en")
        assert home.status_code == 200
        assert "Officer of KAI: you see only that agency&#39;s reports." in home.text or (
            "Officer of KAI" in home.text
        )
        # The statistics are aggregates (no reporter data, no report text): open to both.
        stats = web.get("/staf/statistik?lang=en")
        assert stats.status_code == 200
        for secret in (*REPORTER, "Suap di gerbang tol", "Pungli di stasiun"):
            assert secret not in stats.text
        # A session is no bearer token for the API.
        assert web.get("/api/v1/staff/audit").status_code == 401
    with world.server.client() as web:
        web.post("/staf/masuk", data={"key": world.coordinator}, follow_redirects=False)
        assert "Coordinator: you see every report." in web.get("/staf?lang=en").text


def test_the_upgrade_keeps_every_staff_token_working_as_a_coordinators(
    central_db_url: str,
) -> None:
    engine = make_engine(central_db_url)
    try:
        upgrade(engine, "0013")
        staff, key = new_token(), new_token()
        with engine.begin() as conn:
            for name, role, token in (
                ("Koordinator Lama", "staff", staff),
                ("Aplikasi", "open311", key),
            ):
                conn.execute(
                    text(
                        "INSERT INTO api_clients (name, role, token_hash, created_at)"
                        " VALUES (:name, :role, :hash, :at)"
                    ),
                    {"name": name, "role": role, "hash": digest(token), "at": datetime(2026, 1, 5)},
                )
        upgrade(engine)
        store = CentralStore(engine)
        client = store.authenticate_client(staff, "staff")
        assert client is not None and client.name == "Koordinator Lama"
        assert (client.staff_role, client.agency) == ("koordinator", "")
        assert client.expires_at is not None
        left = client.expires_at - datetime.now(UTC)
        assert timedelta(days=89) < left <= timedelta(days=90)
        other = store.authenticate_client(key, "open311")
        assert other is not None and other.staff_role == "" and other.expires_at is None
    finally:
        engine.dispose()


def test_the_cli_makes_an_agency_officers_token_only_for_a_known_agency(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    unknown = run_central(
        "--database-url", url, "client", "add", "Petugas", "--role", "staff",
        "--staff-role", "petugas_instansi", "--agency", "NOPE",
    )  # fmt: skip
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert "--agency" in unknown.stderr and "KAI" in unknown.stderr
    nothing = run_central(
        "--database-url", url, "client", "add", "Petugas", "--role", "staff",
        "--staff-role", "petugas_instansi",
    )  # fmt: skip
    assert nothing.returncode == 2 and nothing.stdout == ""
    stray = run_central(
        "--database-url", url, "client", "add", "Koordinator", "--role", "staff", "--agency", "KAI"
    )
    assert stray.returncode == 2 and stray.stdout == ""
    made = run_central(
        "--database-url", url, "client", "add", "Petugas KAI", "--role", "staff",
        "--staff-role", "petugas_instansi", "--agency", "kai", "--expires-days", "7",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "KAI" in made.stderr and "Hanya ditampilkan sekali" in made.stderr
    listed = run_central("--database-url", url, "client", "list", "--json")
    (entry,) = json.loads(listed.stdout)
    assert (entry["staff_role"], entry["agency"]) == ("petugas_instansi", "KAI")
    until = datetime.fromisoformat(entry["expires_at"])
    assert timedelta(days=6) < until - datetime.now(UTC) <= timedelta(days=7)
    store = CentralStore(make_engine(url))
    try:
        client = store.authenticate_client(made.stdout.strip(), "staff")
        assert client is not None and client.agency == "KAI"
        (line,) = store.central_audit("client_created")
        assert line.actor.startswith("cli:") and line.detail == "staff,petugas_instansi,KAI"
    finally:
        store.close()


def _role_table() -> dict[str, dict[str, str]]:
    """``docs/disclosure.md``'s second table: ``{row: {column: "✓" or "—"}}``."""
    text_ = TABLE.read_text(encoding="utf-8").split("## Staff, by role", 1)[1]
    lines = [line for line in text_.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = dict(zip(header[1:], cells[1:], strict=True))
    return rows


def test_the_staff_api_shows_each_role_what_the_documents_table_says(world: World) -> None:
    table = _role_table()
    columns = {
        "Coordinator": (world.coordinator, "kai_anonim"),
        "Officer: own agency, plain": (world.kai, "kai_biasa"),
        "Officer: own agency, anonim": (world.kai, "kai_anonim"),
        "Officer: own agency, rahasia": (world.kai, "kai_rahasia"),
        "Officer: other": (world.kai, "bpjt_rahasia"),
    }
    checked = 0
    for column, (token, name) in columns.items():
        tid = world.tid(name)
        one = world.get(token, ONE.format(tid))
        listed = world.get(token, "/api/v1/staff/due", limit=500).json()["items"]
        title = str(world.reports[name]["title"])
        shown = {
            "That the report exists": one.status_code == 200
            and tid in {item["tracking_id"] for item in listed},
            "Type, category, agency, deadline, title, description, place": title in one.text
            and "Gerbang Tol Cikampek Utama" in one.text,
            "Staff's public and internal notes": "Catatan dalam untuk petugas." in one.text
            and "Diteruskan ke instansi." in one.text
            and '"actor":"Rina"' in one.text,
            "Reporter's name, phone, e-mail": all(part in one.text for part in REPORTER),
        }
        if not shown["That the report exists"]:
            assert one.status_code == 404
        for row, cells in table.items():
            expected = cells[column] == "✓"
            assert cells[column] in ("✓", "—")
            if row.startswith("Change its status"):
                moved = world.post(token, STATUS.format(tid), {"status": "in_progress"})
                assert (moved.status_code == 200) is expected, (column, row, moved.text)
            else:
                (key,) = [key for key in shown if row.startswith(key)]
                assert shown[key] is expected, (column, row)
            checked += 1
    assert checked == len(columns) * len(table) == 25
