"""Enrollment attacked as an impostor would, against the real server on 127.0.0.1 (SQLite
and PostgreSQL): another desk's public key, a replayed proof, a revoked desk with a fresh
code, and a desk that lost its database enrolling again.

Before enrollment proved the key, ``{"code": <fresh code>, "public_key": <victim's key>}``
was accepted: the impostor got the victim's device and prefix, the victim's token stopped
working, and the impostor could overwrite the victim's reports and pull its notes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop import keys
from desktop.domain import ComplaintInput, ComplaintType
from desktop.paths import Profile
from desktop.store.repo import Store
from desktop.sync.enroll import enroll
from desktop.sync.transport import RequestsTransport
from posko import tracking, wire
from tests.central_support import CentralServer, complaint_record, enroll_body, run_central


def _auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _enroll(client: httpx.Client, body: dict[str, Any]) -> httpx.Response:
    return client.post("/api/v1/enroll", json=body)


def test_another_desks_public_key_cannot_take_it_over(central_server: CentralServer) -> None:
    store = central_server.store
    victim_key = Ed25519PrivateKey.generate()
    victim_public = keys.public_text(victim_key)
    code, _ = store.create_enroll_code("MRK", 1)
    with central_server.client() as client:
        granted = _enroll(client, enroll_body(code, victim_key, provisional=True))
        assert granted.status_code == 201, granted.text
        victim = wire.EnrollResponse.model_validate(granted.json())
        report = complaint_record(victim.tracking_prefix, 1)
        pushed = client.post(
            "/api/v1/sync/push", json={"records": [report]}, headers=_auth(victim.token)
        )
        assert pushed.json()["results"][0]["result"] == "accepted"

        attacker_key = Ed25519PrivateKey.generate()
        fresh, _ = store.create_enroll_code("MRK", 1)
        forged = enroll_body(fresh, attacker_key) | {"public_key": victim_public}
        replayed = enroll_body(code, victim_key) | {"code": fresh}
        with_prefix = enroll_body(fresh, attacker_key, provisional=True) | {
            "public_key": victim_public
        }
        attempts = [
            ({"code": fresh, "public_key": victim_public, "label": "laptop"}, 422, "invalid"),
            (forged, 400, "bad_proof"),
            (replayed, 400, "bad_proof"),
            (with_prefix, 400, "bad_proof"),
        ]
        for body, status, error in attempts:
            answer = _enroll(client, body)
            assert (answer.status_code, answer.json()["error"]) == (status, error), answer.text

        # The victim is untouched: its token works, it is the only device, its report stands.
        who = client.get("/api/v1/sync/whoami", headers=_auth(victim.token))
        assert who.status_code == 200
        assert who.json()["tracking_prefix"] == victim.tracking_prefix
        assert [d.id for d in store.devices()] == [int(victim.device_id)]

        # The code the impostor tried is still good for an honest desk, which gets a device of
        # its own; the victim's token still works after that.
        honest = _enroll(client, enroll_body(fresh))
        assert honest.status_code == 201, honest.text
        assert honest.json()["tracking_prefix"] != victim.tracking_prefix
        assert client.get("/api/v1/sync/whoami", headers=_auth(victim.token)).status_code == 200

        # Enrolled with its own key, the impostor still cannot overwrite the victim's report.
        intruder, _ = store.create_enroll_code("MRK", 1)
        own = wire.EnrollResponse.model_validate(
            _enroll(client, enroll_body(intruder, attacker_key)).json()
        )
        overwrite = report | {
            "revision": 2,
            "title": "Judul palsu",
            "reporter_name": "",
            "secret": tracking.new_secret(),
        }
        answer = client.post(
            "/api/v1/sync/push", json={"records": [overwrite]}, headers=_auth(own.token)
        )
        assert answer.json()["results"][0]["result"] in ("rejected", "conflict")
        pull = client.get("/api/v1/sync/pull", headers=_auth(own.token)).json()
        assert pull["changes"] == []
    stored = store.complaint(report["tracking_id"])
    assert stored is not None
    assert (stored.title, stored.reporter_name) == (report["title"], report["reporter_name"])
    assert stored.secret_matches(report["secret"])


def test_a_revoked_desk_stays_revoked_until_reinstated(central_server: CentralServer) -> None:
    """Before: a fresh code and the revoked desk's key brought it back at once."""
    store = central_server.store
    key = Ed25519PrivateKey.generate()
    database = ("--database-url", central_server.database_url)
    code, _ = store.create_enroll_code("MRK", 1)
    with central_server.client() as client:
        first = wire.EnrollResponse.model_validate(_enroll(client, enroll_body(code, key)).json())
        revoked = run_central(*database, "device", "revoke", first.device_id)
        assert revoked.returncode == 0, revoked.stderr
        assert client.get("/api/v1/sync/whoami", headers=_auth(first.token)).status_code == 401

        fresh, _ = store.create_enroll_code("MRK", 1)
        refused = _enroll(client, enroll_body(fresh, key))
        assert refused.status_code == 403 and refused.json()["error"] == "device_revoked"
        listed = run_central(*database, "device", "list")
        assert "dicabut" in listed.stdout  # still revoked, in Indonesian

        reinstated = run_central(*database, "device", "reinstate", first.device_id)
        assert reinstated.returncode == 0, reinstated.stderr
        assert first.device_id in reinstated.stdout
        # Reinstating does not revive the old token; enrolling again (the code was not spent
        # by the refusal) gives the same device and prefix and a new token.
        assert client.get("/api/v1/sync/whoami", headers=_auth(first.token)).status_code == 401
        again = wire.EnrollResponse.model_validate(_enroll(client, enroll_body(fresh, key)).json())
        assert (again.device_id, again.tracking_prefix) == (first.device_id, first.tracking_prefix)
        assert client.get("/api/v1/sync/whoami", headers=_auth(again.token)).status_code == 200
        assert client.get("/api/v1/sync/whoami", headers=_auth(first.token)).status_code == 401


def test_enrolling_again_says_where_the_sequence_stands(central_server: CentralServer) -> None:
    store = central_server.store
    key = Ed25519PrivateKey.generate()
    code, _ = store.create_enroll_code("MRK", 1)
    with central_server.client() as client:
        first = wire.EnrollResponse.model_validate(_enroll(client, enroll_body(code, key)).json())
        assert first.next_sequence == 1
        records = [complaint_record(first.tracking_prefix, n) for n in (1, 2, 3, 7)]
        client.post("/api/v1/sync/push", json={"records": records}, headers=_auth(first.token))
        fresh, _ = store.create_enroll_code("MRK", 1)
        again = wire.EnrollResponse.model_validate(_enroll(client, enroll_body(fresh, key)).json())
    assert again.tracking_prefix == first.tracking_prefix
    assert again.next_sequence == 8


def _complaint(n: int) -> ComplaintInput:
    return ComplaintInput(
        type=ComplaintType.PENGADUAN,
        category="TOL",
        title=f"Antrean gerbang tol nomor {n}",
        description="Antrean di gerbang tol lebih dari satu jam, petugas tidak ada.",
    )


def test_a_desk_that_lost_its_database_never_reissues_a_tracking_id(
    central_server: CentralServer, tmp_path: Path
) -> None:
    """The desk's database and its identity file are gone but its key survived: set up again
    and enrolled again, it must not hand a new citizen an earlier citizen's tracking ID
    (the central system says where the sequence stands). Before: the sequence
    restarted at 1, so the first new receipt's QR opened the first old report."""
    transport = RequestsTransport()
    profile = Profile(tmp_path / "desk")
    desk = Store.open(profile)
    desk.setup(post_code="MRK", post_name="Posko Merak", operator="Siti")
    code, _ = central_server.store.create_enroll_code("MRK", 1)
    enroll(desk, profile, central_server.url, code, transport)
    issued = [desk.save_complaint(_complaint(n)).tracking_id for n in range(3)]
    from desktop.sync.engine import SyncEngine

    assert SyncEngine(desk, profile, transport).run_once().sent == 3
    desk.close()

    reborn = Profile(tmp_path / "desk-again")
    reborn.root.mkdir()
    shutil.copy2(keys.key_path(profile), keys.key_path(reborn))  # the key survived
    # The desk sees a profile that had a desk and no database; with no identity file to
    # resume from, the operator chooses to set it up again (desktop.store.recover).
    from desktop.store.health import DatabaseVanished
    from desktop.store.recover import start_over

    with pytest.raises(DatabaseVanished):
        Store.open(reborn)
    start_over(reborn)
    fresh = Store.open(reborn)
    fresh.setup(post_code="MRK", post_name="Posko Merak", operator="Siti")
    code, _ = central_server.store.create_enroll_code("MRK", 1)
    enroll(fresh, reborn, central_server.url, code, transport)
    assert fresh.require_context().tracking_prefix == tracking.split(issued[0])[0]
    new = fresh.save_complaint(_complaint(9)).tracking_id
    fresh.close()
    assert new not in issued
    assert tracking.split(new)[1] == 4
