"""Enrollment, the sync API and the staff API, through the real ASGI app on both backends."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from central import models
from central.app import asgi_app, create_app
from central.store import CentralStore
from posko import tracking, wire
from tests.central_support import complaint_record, enroll, enroll_body


@pytest.fixture
def client(central_store: CentralStore) -> Iterator[TestClient]:
    with TestClient(asgi_app(central_store)) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_enrollment_gives_a_prefix_and_a_token_once(
    client: TestClient, central_store: CentralStore
) -> None:
    code, _expires = central_store.create_enroll_code("CRB", 2)
    answer = client.post("/api/v1/enroll", json=enroll_body(code.lower(), label="Laptop 1"))
    assert answer.status_code == 201, answer.text
    body = wire.EnrollResponse.model_validate(answer.json())
    assert body.post_code == "CRB"
    assert tracking.is_prefix(body.tracking_prefix) and body.tracking_prefix[0] in "23456789"
    who = client.get("/api/v1/sync/whoami", headers=bearer(body.token))
    assert who.json() == {
        "device_id": body.device_id,
        "tracking_prefix": body.tracking_prefix,
        "post_code": "CRB",
    }
    again = client.post("/api/v1/enroll", json=enroll_body(code))
    assert again.status_code == 409 and again.json()["error"] == "code_used"
    # Only a hash of the token is stored.
    with central_store.session() as session:
        hashes = session.scalars(
            models.Device.__table__.select().with_only_columns(models.Device.token_hash)
        ).all()
    assert body.token not in hashes and any(hashes)


def test_enrollment_refuses_unknown_expired_and_malformed_codes(
    client: TestClient, central_store: CentralStore
) -> None:
    unknown = client.post("/api/v1/enroll", json=enroll_body("XXXX-XXXX-XX"))
    assert unknown.json()["error"] == "code_unknown"
    code, _ = central_store.create_enroll_code("CRB", 1)
    with central_store.session() as session, session.begin():
        session.execute(
            update(models.EnrollCode).values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    expired = client.post("/api/v1/enroll", json=enroll_body(code))
    assert expired.status_code == 409 and expired.json()["error"] == "code_expired"
    bad: object
    good = enroll_body("ABCDEFG")
    for bad in (
        {},
        good | {"code": ""},
        good | {"code": "x" * 65},
        good | {"extra": 1},
        {"code": "ABCDEFG"},  # no key, no proof
        good | {"public_key": ""},
        [],
    ):
        answer = client.post("/api/v1/enroll", json=bad)
        assert answer.status_code == 422, bad
        assert answer.json()["error"] == "invalid"
    assert central_store.devices() == []


def test_push_pull_and_status_round_trip(client: TestClient, central_store: CentralStore) -> None:
    token, device = enroll(central_store)
    records = [complaint_record(device.tracking_prefix, n) for n in range(1, 4)]
    records.append(
        {
            "kind": "tally_event",
            "uuid": "0b6c6d0e-8f43-4d8c-9d42-3d1b2f6a7c01",
            "post_code": "MRK",
            "counter": "merchandise",
            "item": "kaus",
            "count": 12,
            "created_at": "2026-06-10T09:15:00+07:00",
        }
    )
    records.append(
        {
            "kind": "survey_response",
            "uuid": "0b6c6d0e-8f43-4d8c-9d42-3d1b2f6a7c02",
            "post_code": "MRK",
            "service": "Pelabuhan Merak",
            "answers": {"U1": 4, "U2": 3, "U9": 2},
            "respondent": {"sex": "P", "age": "34"},
            "created_at": "2026-06-10T09:20:00+07:00",
        }
    )
    pushed = client.post("/api/v1/sync/push", json={"records": records}, headers=bearer(token))
    assert pushed.status_code == 200, pushed.text
    results = wire.PushResponse.model_validate(pushed.json()).results
    assert [(r.index, r.result) for r in results] == [(i, "accepted") for i in range(5)]

    # The push answer already said "received": the pull does not repeat it.
    pulled = wire.PullResponse.model_validate(
        client.get("/api/v1/sync/pull", headers=bearer(token)).json()
    )
    assert pulled.changes == [] and pulled.cursor == "0" and not pulled.more

    staff = central_store.create_client("Dewi (admin)", "staff")
    moved = client.post(
        f"/api/v1/staff/complaints/{tracking.display(records[0]['tracking_id'])}/status",
        json={"status": "forwarded", "public_note": "Diteruskan ke BPJT", "agency": "BPJT"},
        headers=bearer(staff),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["actor"] == "Dewi (admin)"
    later = wire.PullResponse.model_validate(
        client.get(
            "/api/v1/sync/pull", params={"cursor": pulled.cursor}, headers=bearer(token)
        ).json()
    )
    assert [(c.tracking_id, c.status, c.agency, c.note) for c in later.changes] == [
        (records[0]["tracking_id"], "forwarded", "BPJT", "Diteruskan ke BPJT")
    ]
    whole = client.get(
        f"/api/v1/staff/complaints/{records[0]['tracking_id']}", headers=bearer(staff)
    ).json()
    assert [t["status"] for t in whole["timeline"]] == ["received", "forwarded"]
    assert whole["reporter_name"] == "Budi Santoso"  # staff see the reporter


def test_pull_pages_with_the_cursor(client: TestClient, central_store: CentralStore) -> None:
    token, device = enroll(central_store)
    other_token, other = enroll(central_store, "SMG")
    mine = [complaint_record(device.tracking_prefix, n) for n in range(1, 8)]
    theirs = complaint_record(other.tracking_prefix, 1, post_code="SMG")
    central_store.push(device, mine)
    central_store.push(other, [theirs])
    for record in [*mine, theirs]:
        central_store.set_status(record["tracking_id"], wire.CentralStatus.VERIFIED, actor="Dewi")
    seen: list[str] = []
    cursor = "0"
    for _page in range(10):
        page = client.get(
            "/api/v1/sync/pull", params={"cursor": cursor, "limit": 3}, headers=bearer(token)
        ).json()
        seen.extend(change["tracking_id"] for change in page["changes"])
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert len(seen) == 7 and len(set(seen)) == 7
    assert all(s.startswith(device.tracking_prefix) for s in seen)  # never another device's
    assert (
        client.get("/api/v1/sync/pull", params={"cursor": "abc"}, headers=bearer(token)).status_code
        == 422
    )
    other_page = client.get("/api/v1/sync/pull", headers=bearer(other_token)).json()
    assert len(other_page["changes"]) == 1


def test_gzip_push_and_per_record_rejections(
    client: TestClient, central_store: CentralStore
) -> None:
    token, device = enroll(central_store, provisional=True)
    _other_token, other = enroll(central_store, "SMG", provisional=True)
    good = complaint_record(device.tracking_prefix, 1)
    assert device.provisional_prefix is not None and other.provisional_prefix is not None
    provisional = complaint_record(device.provisional_prefix, 1)  # made before enrollment
    records = [
        good,
        complaint_record(other.tracking_prefix, 5),  # another device's prefix
        complaint_record(device.tracking_prefix, 2, category="NOPE"),
        complaint_record(device.tracking_prefix, 3, phone="0812"),
        complaint_record(device.tracking_prefix, 4, title="x" * 151),
        complaint_record(device.tracking_prefix, 5, tracking_id="2K7MQA42Y"),
        complaint_record(device.tracking_prefix, 6, created_at="2026-06-10T09:20:00"),
        "not an object",
        provisional,
    ]
    body = gzip.compress(json.dumps({"records": records}).encode())
    answer = client.post(
        "/api/v1/sync/push",
        content=body,
        headers=bearer(token) | {"content-encoding": "gzip", "content-type": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["result"] for r in results] == [
        "accepted",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "accepted",
    ]
    reasons = [r["reason"] or "" for r in results]
    assert "another device" in reasons[1]
    assert "category" in reasons[2]
    assert reasons[3].startswith("phone")
    assert reasons[4].startswith("title")
    assert reasons[5].startswith("tracking_id")
    assert reasons[6].startswith("created_at")
    assert central_store.count(["complaints"]) == {"complaints": 2}


def test_bad_requests_get_clear_errors(client: TestClient, central_store: CentralStore) -> None:
    token, device = enroll(central_store)
    push = "/api/v1/sync/push"
    assert client.post(push, json={"records": []}).status_code == 401
    assert client.post(push, json={"records": []}, headers=bearer("nope")).status_code == 401
    too_many: dict[str, object] = {"records": [{}] * (wire.MAX_BATCH + 1)}
    answer = client.post(push, json=too_many, headers=bearer(token))
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_batch"
    assert client.post(push, json={"records": []}, headers=bearer(token)).status_code == 400
    assert (
        client.post(
            push, content=b"{", headers=bearer(token) | {"content-type": "application/json"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            push,
            content=b"x",
            headers=bearer(token)
            | {"content-type": "application/json", "content-encoding": "gzip"},
        ).json()["error"]
        == "bad_gzip"
    )
    assert (
        client.post(
            push, content=b"{}", headers=bearer(token) | {"content-type": "text/plain"}
        ).status_code
        == 415
    )
    assert (
        client.post(push, json={"protocol": 3, "records": [{}]}, headers=bearer(token)).status_code
        == 400
    )
    revoked = central_store.revoke_device(device.id)
    assert revoked.revoked_at is not None
    assert client.get("/api/v1/sync/pull", headers=bearer(token)).status_code == 401


def test_staff_api_needs_a_staff_token(client: TestClient, central_store: CentralStore) -> None:
    token, device = enroll(central_store)
    record = complaint_record(device.tracking_prefix, 1)
    central_store.push(device, [record])
    url = f"/api/v1/staff/complaints/{record['tracking_id']}/status"
    open311_key = central_store.create_client("Kanal web", "open311")
    for headers in ({}, bearer(token), bearer(open311_key)):
        assert client.post(url, json={"status": "verified"}, headers=headers).status_code == 401
    staff = bearer(central_store.create_client("Admin", "staff"))
    assert client.post(url, json={"status": "done"}, headers=staff).status_code == 422
    assert (
        client.post(
            url, json={"status": "verified", "public_note": "x" * 2001}, headers=staff
        ).status_code
        == 422
    )
    missing = tracking.TrackingId.make(device.tracking_prefix, 99).compact
    assert (
        client.post(
            f"/api/v1/staff/complaints/{missing}/status", json={"status": "verified"}, headers=staff
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/api/v1/staff/complaints/NOT-AN-ID/status", json={"status": "verified"}, headers=staff
        ).status_code
        == 404
    )
    assert client.post(url, json={"status": "verified"}, headers=staff).status_code == 200


def test_openapi_documents_the_versioned_sync_api(central_store: CentralStore) -> None:
    with TestClient(create_app(central_store)) as test_client:
        schema = test_client.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/v1/enroll", "/api/v1/sync/push", "/api/v1/sync/pull"):
        assert path in paths
    push_body = paths["/api/v1/sync/push"]["post"]["requestBody"]["content"]
    assert "records" in push_body["application/json"]["schema"]["properties"]


def test_security_headers_on_every_answer(client: TestClient) -> None:
    answer = client.get("/health")
    assert answer.json()["status"] == "ok"
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["x-content-type-options"] == "nosniff"
    too_big = client.post(
        "/api/v1/enroll",
        content=b"x" * (wire.MAX_BODY_BYTES + 1),
        headers={"content-type": "application/json"},
    )
    assert too_big.status_code == 413


def test_a_huge_cursor_is_refused_not_a_crash(
    client: TestClient, central_store: CentralStore
) -> None:
    """Found by the API fuzz: a 20-digit cursor overflowed the database integer (500)."""
    token, _device = enroll(central_store)
    for cursor in ("10000000000000000000", "9" * 19):
        answer = client.get("/api/v1/sync/pull", params={"cursor": cursor}, headers=bearer(token))
        assert answer.status_code == 422, answer.text
    top = client.get("/api/v1/sync/pull", params={"cursor": "9" * 18}, headers=bearer(token))
    assert top.status_code == 200 and top.json()["changes"] == []


def test_a_nul_in_one_record_refuses_that_record_only(
    client: TestClient, central_store: CentralStore
) -> None:
    """PostgreSQL refuses NUL in text: such a record must not turn its batch into a 500."""
    token, device = enroll(central_store)
    records = [
        complaint_record(device.tracking_prefix, 1, title="Antrean\x00 tol"),
        complaint_record(device.tracking_prefix, 2, description="Baris satu\nbaris\tdua panjang"),
    ]
    answer = client.post("/api/v1/sync/push", json={"records": records}, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    assert [r["result"] for r in answer.json()["results"]] == ["rejected", "accepted"]
    assert answer.json()["results"][0]["reason"].startswith("title")


def test_staff_assign_agencies_by_code_and_citizens_read_their_names(
    client: TestClient, central_store: CentralStore
) -> None:
    """An agency is a code of the routing rules' agency catalog: a typo or free text is
    refused (400, naming the valid codes), any letter case is taken as the catalog spells it,
    the desk gets the code and the citizen reads the agency's name."""
    token, device = enroll(central_store)
    record = complaint_record(device.tracking_prefix, 1)
    central_store.push(device, [record])
    staff = bearer(central_store.create_client("Dewi (admin)", "staff"))
    status_url = f"/api/v1/staff/complaints/{record['tracking_id']}/status"

    for typed in ("Dinas Perhubungan", "BPJT2"):
        refused = client.post(
            status_url, json={"status": "forwarded", "agency": typed}, headers=staff
        )
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"] == "unknown_agency"
        assert "BPJT" in refused.json()["message"]
    assert central_store.complaint(record["tracking_id"]).agency == ""  # nothing was set

    moved = client.post(status_url, json={"status": "forwarded", "agency": "bpjt"}, headers=staff)
    assert moved.status_code == 200, moved.text
    assert central_store.complaint(record["tracking_id"]).agency == "BPJT"
    pulled = client.get("/api/v1/sync/pull", headers=bearer(token)).json()
    assert pulled["changes"][-1]["agency"] == "BPJT"  # the desk keeps the code

    shown = client.get(f"/api/v1/track/{record['tracking_id']}?k={record['secret']}").json()
    assert shown["agency"] == "Badan Pengatur Jalan Tol (Kementerian PU)"
    assert [step["agency"] for step in shown["timeline"]][-1] == shown["agency"]
    english = client.get(
        f"/api/v1/track/{record['tracking_id']}?k={record['secret']}&lang=en"
    ).json()
    assert english["agency"] == "Toll Road Regulatory Agency (Ministry of Public Works)"
    page = client.get(f"/t/{record['tracking_id']}?k={record['secret']}").text
    assert "Badan Pengatur Jalan Tol (Kementerian PU)" in page
    staff_view = client.get(f"/api/v1/staff/complaints/{record['tracking_id']}", headers=staff)
    assert staff_view.json()["agency"] == "BPJT"  # staff see the code they set
