"""The desk's sync against the real central server on 127.0.0.1 (a subprocess), and the
engine's decisions with an injected transport where a fault must be exact."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text, update

from central.store import CentralStore
from desktop.domain import ComplaintInput, ComplaintType
from desktop.paths import Profile
from desktop.settings import CENTRAL_URL, SYNC_CURSOR
from desktop.store.models import Complaint
from desktop.store.outbox import Outbox
from desktop.store.repo import Store
from desktop.sync.backoff import Backoff
from desktop.sync.engine import Problem, SyncEngine
from desktop.sync.enroll import EnrollmentError, enroll, read_token, token_path
from desktop.sync.transport import Answer, RequestsTransport, TransportError
from posko import wire
from tests.central_support import CentralServer, enroll_with, start_server, stop_process


def complaint(n: int, **overrides: object) -> ComplaintInput:
    fields: dict[str, object] = {
        "type": ComplaintType.PENGADUAN,
        "category": "TOL",
        "title": f"Antrean gerbang tol nomor {n}",
        "description": "Antrean kendaraan di gerbang tol lebih dari 5 km, petugas tidak ada.",
        "reporter_name": "Rina",
        "phone": "0812-3456-7890",
    }
    fields.update(overrides)
    return ComplaintInput(**fields)  # type: ignore[arg-type]


@pytest.fixture
def transport() -> Iterator[RequestsTransport]:
    real = RequestsTransport(timeout=(5, 30))
    yield real
    real.close()


def enrolled(store: Store, profile: Profile, server: CentralServer, t: RequestsTransport) -> None:
    code, _expires = server.store.create_enroll_code("MRK", 1)
    enroll(store, profile, server.url, code, t)


def test_a_phone_abroad_reaches_the_central_system(
    store: Store, profile: Profile, central_server: CentralServer, transport: RequestsTransport
) -> None:
    """A migrant worker's Saudi number goes through the desk, the wire and the central
    system's checks unchanged (before: the desk refused it, and the wire allowed only +62)."""
    record = store.save_complaint(complaint(1, phone="+966 50 123 4567"))
    assert record.phone == "+966501234567"
    enrolled(store, profile, central_server, transport)
    report = SyncEngine(store, profile, transport).run_once()
    assert report.ok and (report.sent, report.attention) == (1, 0), report
    view = central_server.store.complaint(record.tracking_id)
    assert view is not None and view.phone == "+966501234567"


@pytest.mark.slow
def test_enroll_sync_and_statuses_come_back(
    store: Store, profile: Profile, central_server: CentralServer, transport: RequestsTransport
) -> None:
    before = store.save_complaint(complaint(1))  # made offline, before enrollment
    assert before.tracking_id[0] in "ABCDEFGHJKMNPQRSTVWXY"
    enrolled(store, profile, central_server, transport)
    token = read_token(profile)
    assert token and stat.S_IMODE(token_path(profile).stat().st_mode) == 0o600
    assert token.encode() not in profile.database.read_bytes()  # never in the database
    context = store.require_context()
    assert context.enrolled and context.tracking_prefix[0] in "23456789"
    after = store.save_complaint(complaint(2))
    assert after.tracking_id.startswith(context.tracking_prefix)
    assert after.qr_payload.startswith(f"{central_server.url}/t/{after.tracking_id}?k=")

    engine = SyncEngine(store, profile, transport)
    report = engine.run_once()
    assert report.ok, report
    assert (report.sent, report.attention, report.pulled) == (2, 0, 0)
    assert Outbox(store).counts()["sent"] == 2 and store.queue_count() == 0
    for record in (before, after):
        view = central_server.store.complaint(record.tracking_id)
        assert view is not None and view.title == record.title
        assert view.secret_matches(record.secret)
        assert store.complaint(record.tracking_id).central_status == "received"

    central_server.store.set_status(
        after.tracking_id, wire.CentralStatus.FORWARDED, actor="Dewi", public_note="Ke BPJT",
        agency="BPJT",
    )  # fmt: skip
    again = engine.run_once()
    assert (again.sent, again.pulled) == (0, 1)
    assert store.complaint(after.tracking_id).central_status == "forwarded"
    with store.engine.connect() as conn:
        agency = conn.execute(
            text("SELECT central_agency FROM complaints WHERE tracking_id = :t"),
            {"t": after.tracking_id},
        ).scalar()
    assert agency == "BPJT"
    assert central_server.store.count(["complaints"]) == {"complaints": 2}


@pytest.mark.slow
def test_offline_then_online_without_any_action(
    store: Store, profile: Profile, tmp_path: Path, transport: RequestsTransport
) -> None:
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    process, server_url = start_server(url, tmp_path / "server.log")
    from central.db import open_database

    central = CentralStore(open_database(url))
    try:
        code, _ = central.create_enroll_code("MRK", 1)
        enroll(store, profile, server_url, code, transport)
    finally:
        stop_process(process)
    records = [store.save_complaint(complaint(n)) for n in range(5)]
    engine = SyncEngine(store, profile, transport)
    down = engine.run_once()
    assert down.problem == Problem.OFFLINE
    assert not engine.probe()
    counts = Outbox(store).counts()
    assert counts["pending"] == 5 and counts["sending"] == 0
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT sync_attempts, last_error FROM complaints")).all()
    assert all(n == 1 and "offline" in (error or "") for n, error in rows)

    # The server comes back on the same address; the next scheduled pass sends everything.
    port = server_url.rsplit(":", 1)[1]
    env = dict(os.environ)
    log = tmp_path / "server2.log"
    handle = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "central.cli", "--database-url", url, "serve", "--port", port],
        stdout=handle,
        stderr=subprocess.STDOUT,
        env=env,
    )
    handle.close()
    try:
        backoff = Backoff(base=0.2, cap=1.0)
        for _ in range(60):
            if engine.probe():
                break
            import time

            time.sleep(backoff.failed())
        report = engine.run_once()
        assert report.ok and report.sent == 5
        assert central.count(["complaints"]) == {"complaints": 5}
        assert {central.complaint(r.tracking_id) is not None for r in records} == {True}
    finally:
        stop_process(process)
        central.close()


class ScriptedTransport:
    """A transport that forwards to the real server but lets a test refuse or drop calls."""

    def __init__(self, inner: RequestsTransport) -> None:
        self.inner = inner
        self.refuse_uuid: str | None = None
        self.drop_answer_once = False
        self.calls: list[int] = []

    def request(
        self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str]
    ) -> Answer:
        if body is not None and self.refuse_uuid:
            import gzip

            batch = json.loads(gzip.decompress(body))
            self.calls.append(len(batch["records"]))
            if any(r["uuid"] == self.refuse_uuid for r in batch["records"]):
                return Answer(400, b'{"error":"invalid_batch","message":"records.0: bad"}')
        answer = self.inner.request(method, url, body=body, headers=headers)
        if body is not None and self.drop_answer_once:
            self.drop_answer_once = False
            raise TransportError("connection reset after the server committed")
        return answer


@pytest.mark.slow
def test_one_bad_record_never_blocks_the_rest(
    store: Store, profile: Profile, central_server: CentralServer, transport: RequestsTransport
) -> None:
    enrolled(store, profile, central_server, transport)
    records = [store.save_complaint(complaint(n)) for n in range(9)]
    scripted = ScriptedTransport(transport)
    scripted.refuse_uuid = records[4].uuid
    report = SyncEngine(store, profile, scripted, batch_size=8).run_once()
    assert report.ok
    assert (report.sent, report.attention) == (8, 1)
    attention = Outbox(store).attention()
    assert [a.tracking_id for a in attention] == [records[4].tracking_id]
    assert "bad" in attention[0].last_error and attention[0].attempts >= 1
    assert central_server.store.count(["complaints"]) == {"complaints": 8}

    # A record the central system refuses on its own goes to attention with its reason;
    # the operator fixes it and resends, or sets it aside with a reason.
    box = Outbox(store)
    assert box.resend(records[4].uuid)
    scripted.refuse_uuid = None
    assert SyncEngine(store, profile, scripted).run_once().sent == 1
    assert box.counts()["sent"] == 9
    with pytest.raises(ValueError):
        box.set_aside(records[4].uuid, "  ")


@pytest.mark.slow
def test_refused_record_is_fixed_and_sent_again(
    store: Store, profile: Profile, central_server: CentralServer, transport: RequestsTransport
) -> None:
    enrolled(store, profile, central_server, transport)
    good = store.save_complaint(complaint(1))
    odd = store.save_complaint(complaint(2))
    # A category this desk knows but the central system does not (an older server).
    with store.session() as s:
        s.execute(update(Complaint).where(Complaint.uuid == odd.uuid).values(category="LAMA"))
    engine = SyncEngine(store, profile, transport)
    report = engine.run_once()
    assert (report.sent, report.attention) == (1, 1)
    box = Outbox(store)
    [item] = box.attention()
    assert item.uuid == odd.uuid and "category" in item.last_error
    out = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "--data-dir", str(profile.root), "outbox", "--json"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    listed = json.loads(out.stdout)
    assert listed["counts"]["needs_attention"] == 1 and listed["counts"]["sent"] == 1
    assert listed["attention"][0]["tracking_id"] == odd.tracking_id
    # Fixed by an edit: queued again and accepted.
    store.edit_complaint(odd.tracking_id, complaint(2, category="TOL"))
    assert box.counts()["pending"] == 1
    assert engine.run_once().sent == 1
    assert central_server.store.complaint(odd.tracking_id) is not None
    assert central_server.store.complaint(good.tracking_id) is not None


@pytest.mark.slow
def test_lost_answer_is_resent_safely_and_edits_while_sending_go_next(
    store: Store, profile: Profile, central_server: CentralServer, transport: RequestsTransport
) -> None:
    enrolled(store, profile, central_server, transport)
    records = [store.save_complaint(complaint(n)) for n in range(3)]
    scripted = ScriptedTransport(transport)
    scripted.drop_answer_once = True
    engine = SyncEngine(store, profile, scripted)
    lost = engine.run_once()
    assert lost.problem == Problem.OFFLINE
    assert Outbox(store).counts()["pending"] == 3  # unknown outcome: sent again
    assert central_server.store.count(["complaints"]) == {"complaints": 3}  # it was committed
    again = engine.run_once()
    assert again.ok and again.sent == 3
    assert central_server.store.count(["complaints"]) == {"complaints": 3}

    # Frozen while sending: an edit made after the claim is not lost.
    box = Outbox(store)
    store.edit_complaint(records[0].tracking_id, complaint(0, title="Judul yang sudah diperbaiki"))
    claimed = [c for c in box.claim(10) if c.kind == "complaint"]  # and the edit's audit line
    assert [c.uuid for c in claimed] == [records[0].uuid] and claimed[0].revision == 2
    store.edit_complaint(records[0].tracking_id, complaint(0, title="Judul versi ketiga"))
    box.fail([claimed[0].uuid], "simulated")
    report = engine.run_once()
    assert report.ok and report.sent == 1
    view = central_server.store.complaint(records[0].tracking_id)
    assert view is not None and view.title == "Judul versi ketiga"
    assert box.counts()["sent"] == 3


def test_enrolling_before_setup_keeps_the_code(
    profile: Profile, central_store: CentralStore, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from central.app import asgi_app
    from desktop.store.repo import NotSetUp
    from tests.e2e.test_bundle import AppTransport

    bare = Store.open(profile)
    code, _ = central_store.create_enroll_code("MRK", 1)
    try:
        with TestClient(asgi_app(central_store)) as client, pytest.raises(NotSetUp):
            enroll(bare, profile, "http://central.test", code, AppTransport(client))
    finally:
        bare.close()
    assert enroll_with(central_store, code).post_code == "MRK"  # still unused


def test_revoked_or_missing_enrollment_is_a_clear_problem(
    store: Store, profile: Profile, transport: RequestsTransport
) -> None:
    report = SyncEngine(store, profile, transport).run_once()
    assert report.problem == Problem.NOT_ENROLLED
    with pytest.raises(EnrollmentError) as refused:
        enroll(store, profile, "ftp://x", "ABCD", transport)
    assert refused.value.code == EnrollmentError.BAD_URL
    with pytest.raises(EnrollmentError) as offline:
        enroll(store, profile, "http://127.0.0.1:9", "ABCD-EFGH-JK", transport)
    assert offline.value.code == EnrollmentError.OFFLINE
    assert store.get(CENTRAL_URL) == "https://pelacakan.posko.test"  # unchanged
    assert store.get(SYNC_CURSOR) == "0"


@pytest.mark.slow
def test_revoked_token(
    store: Store, profile: Profile, central_server: CentralServer, transport: RequestsTransport
) -> None:
    enrolled(store, profile, central_server, transport)
    store.save_complaint(complaint(1))
    [device] = central_server.store.devices()
    central_server.store.revoke_device(device.id)
    report = SyncEngine(store, profile, transport).run_once()
    assert report.problem == Problem.AUTH and report.http_status == 401
    assert Outbox(store).counts()["pending"] == 1

    # A fresh code is not enough: a revoked desk stays revoked (a stolen laptop must not
    # come back by itself), and the code stays unused.
    code, _ = central_server.store.create_enroll_code("MRK", 1)
    with pytest.raises(EnrollmentError) as refused:
        enroll(store, profile, central_server.url, code, transport)
    assert refused.value.code == EnrollmentError.DEVICE_REVOKED
    # Once the coordinator reinstates it by name, the central system recognises the desk's
    # key: it keeps its device and prefix; the queued report goes, numbering carries on.
    central_server.store.reinstate_device(device.id)
    prefix = store.require_context().tracking_prefix
    before = store.save_complaint(complaint(2))
    enroll(store, profile, central_server.url, code, transport)
    assert store.require_context().tracking_prefix == prefix
    [again] = central_server.store.devices()
    assert again.id == device.id and again.revoked_at is None
    after = store.save_complaint(complaint(3))
    assert after.tracking_id not in (before.tracking_id,)
    assert SyncEngine(store, profile, transport).run_once().sent == 3
    assert central_server.store.count(["complaints"]) == {"complaints": 3}


def test_backoff_grows_is_capped_and_jittered() -> None:
    import random

    backoff = Backoff(base=10, cap=300, rng=random.Random(7))
    waits = [backoff.failed() for _ in range(12)]
    bounds = [min(300, 10 * 2**n) for n in range(12)]
    assert all(b / 2 <= w <= b for w, b in zip(waits, bounds, strict=True))
    assert max(waits) <= 300 and len({round(w, 3) for w in waits}) == 12
    backoff.succeeded()
    assert backoff.bound() == 0
    assert Backoff(base=10, cap=300).bound(1000) == 300


def test_claim_is_oldest_first(store: Store) -> None:
    now = datetime.now(UTC)
    newer = store.save_complaint(complaint(1), now=now)
    older = store.save_complaint(complaint(2), now=now - timedelta(hours=3))
    claimed = Outbox(store).claim(1)
    assert [c.uuid for c in claimed] == [older.uuid]
    again = Outbox(store).claim(5)  # re-claimable; the audit lines come after the reports
    assert {c.uuid for c in again[:2]} == {older.uuid, newer.uuid}
    assert [c.kind for c in again[2:]] == ["audit_event", "audit_event"]
    payload = claimed[0].payload
    wire.ComplaintPayload.model_validate(payload)  # what the desk sends is valid protocol


@pytest.mark.slow
def test_a_closing_desk_stops_between_batches_and_keeps_the_rest_queued(
    store: Store, profile: Profile, central_server: CentralServer, transport: RequestsTransport
) -> None:
    import threading

    enrolled(store, profile, central_server, transport)
    for n in range(12):
        store.save_complaint(complaint(n))
    stop = threading.Event()

    class StopAfterFirst:
        def request(
            self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str]
        ) -> Answer:
            answer = transport.request(method, url, body=body, headers=headers)
            stop.set()  # the window closes while the first batch is out
            return answer

    report = SyncEngine(store, profile, StopAfterFirst(), batch_size=5, stop=stop).run_once()
    assert report.problem == Problem.STOPPED and report.sent == 5
    counts = Outbox(store).counts()
    assert (counts["sent"], counts["pending"], counts["sending"]) == (5, 7, 0)
    assert SyncEngine(store, profile, transport).run_once().sent == 7
    assert central_server.store.count(["complaints"]) == {"complaints": 12}
