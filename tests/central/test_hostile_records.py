"""A record is accepted only from the device that could have issued it: attacked through the
real server on 127.0.0.1 (SQLite and PostgreSQL).

Before: an enrolled desk pushed another desk's provisional (pre-enrollment) ID before that
desk synced; the real report then went to needs-attention as a conflict while the citizen's
QR showed the planted text. And records claiming another post than the device's were
accepted."""

from __future__ import annotations

from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop import keys
from desktop.domain import ComplaintInput, ComplaintType
from desktop.paths import Profile
from desktop.store.outbox import Outbox
from desktop.store.repo import Store
from desktop.sync.engine import SyncEngine
from desktop.sync.enroll import enroll as desk_enroll
from desktop.sync.transport import RequestsTransport
from posko import tracking
from tests.central_support import CentralServer, complaint_record, enroll, enroll_body


def _auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_a_desk_cannot_plant_a_report_under_another_desks_provisional_id(
    central_server: CentralServer, tmp_path: Path
) -> None:
    # The victim: a desk set up offline, never enrolled; it prints a receipt at once.
    profile = Profile(tmp_path / "victim")
    victim = Store.open(profile)
    victim.setup(post_code="MRK", post_name="Posko Merak", operator="Siti")
    real = victim.save_complaint(
        ComplaintInput(
            type=ComplaintType.PENGADUAN,
            category="TOL",
            title="Antrean gerbang tol Merak",
            description="Antrean lebih dari dua jam di gerbang tol, tidak ada petugas.",
        )
    )
    assert real.tracking_id[0] in tracking.PROVISIONAL_FIRST  # printed before enrollment

    # The attacker: an enrolled desk that read the receipt's ID.
    token, _device = enroll(central_server.store, provisional=True)
    planted = complaint_record(
        real.tracking_id[:7], 1, tracking_id=real.tracking_id, title="Teks palsu dari penyerang"
    )
    with central_server.client() as client:
        answer = client.post("/api/v1/sync/push", json={"records": [planted]}, headers=_auth(token))
    result = answer.json()["results"][0]
    assert result["result"] == "rejected", result
    assert "provisional prefix" in result["reason"]
    assert central_server.store.complaint(real.tracking_id) is None

    # The victim enrolls later, proving the prefix is its own: its report goes through and
    # the citizen's QR opens the real report.
    transport = RequestsTransport()
    code, _ = central_server.store.create_enroll_code("MRK", 1)
    desk_enroll(victim, profile, central_server.url, code, transport)
    report = SyncEngine(victim, profile, transport).run_once()
    assert report.sent == 1 and report.attention == 0, report
    assert Outbox(victim).counts()["needs_attention"] == 0
    victim.close()
    stored = central_server.store.complaint(real.tracking_id)
    assert stored is not None and stored.title == "Antrean gerbang tol Merak"
    page = httpx.get(
        f"{central_server.url}/api/v1/track/{real.tracking_id}", params={"k": real.secret}
    )
    assert page.json()["title"] == "Antrean gerbang tol Merak"


def test_a_provisional_prefix_can_only_be_proved_by_its_key(
    central_server: CentralServer,
) -> None:
    """The attacker cannot register the victim's prefix as its own at enrollment either."""
    victim_key = Ed25519PrivateKey.generate()
    victim_prefix = tracking.provisional_prefix_for(keys.public_bytes(victim_key))
    attacker_key = Ed25519PrivateKey.generate()
    code, _ = central_server.store.create_enroll_code("MRK", 1)
    body = enroll_body(code, attacker_key)
    # Signed honestly by the attacker, but claiming the victim's prefix.
    from desktop.sync.enroll import enrollment_body

    claim = enrollment_body(code, attacker_key, victim_prefix)
    with central_server.client() as client:
        answer = client.post("/api/v1/enroll", json=claim)
        assert answer.status_code == 400 and answer.json()["error"] == "bad_prefix"
        assert client.post("/api/v1/enroll", json=body).status_code == 201
    assert [d.provisional_prefix for d in central_server.store.devices()] == [None]


def test_records_claiming_another_post_are_refused(central_server: CentralServer) -> None:
    token, device = enroll(central_server.store, "MRK")
    now = "2026-12-01T08:00:00+07:00"
    records = [
        complaint_record(device.tracking_prefix, 1, post_code="SMG"),
        {
            "kind": "survey_response",
            "uuid": "0b6f2c4e-1c1a-4f5e-9a57-0c2d7f1e9a01",
            "post_code": "SMG",
            "service": "Pelabuhan Merak",
            "answers": {"U1": 4},
            "created_at": now,
        },
        {
            "kind": "tally_event",
            "uuid": "0b6f2c4e-1c1a-4f5e-9a57-0c2d7f1e9a02",
            "post_code": "PUSAT",
            "counter": "people_reached",
            "count": 500,
            "created_at": now,
        },
        complaint_record(device.tracking_prefix, 2),  # its own post: accepted
    ]
    with central_server.client() as client:
        answer = client.post("/api/v1/sync/push", json={"records": records}, headers=_auth(token))
    results = answer.json()["results"]
    assert [r["result"] for r in results] == ["rejected", "rejected", "rejected", "accepted"]
    assert all("post_code" in (r["reason"] or "") for r in results[:3])
    counts = central_server.store.count(("complaints", "survey_responses", "tally_events"))
    assert counts == {"complaints": 1, "survey_responses": 0, "tally_events": 0}


def test_a_provisional_looking_id_too_short_for_its_kind_is_refused_not_a_crash(
    central_server: CentralServer,
) -> None:
    """A valid check character on ten characters led by a letter: the parser takes it, but
    no desk makes it (a provisional prefix has seven). Found by reading the new check."""
    token, device = enroll(central_server.store)
    payload = "KQ7MXA222"
    short = payload + tracking.check_character(payload)
    assert tracking.parse(short) == short
    record = complaint_record(device.tracking_prefix, 1, tracking_id=short)
    with central_server.client() as client:
        answer = client.post("/api/v1/sync/push", json={"records": [record]}, headers=_auth(token))
    assert answer.status_code == 200, answer.text
    result = answer.json()["results"][0]
    assert result["result"] == "rejected" and "tracking_id" in result["reason"]
