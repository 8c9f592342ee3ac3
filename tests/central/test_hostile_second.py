"""The second hostile test's findings, each attacked again through the real server on
127.0.0.1 (SQLite and PostgreSQL where storage is involved). Every one of these failed on
the code before its fix."""

from __future__ import annotations

import time

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from posko import wire
from tests.central_support import (
    CentralServer,
    complaint_record,
    enroll,
    enroll_body,
    run_central,
)

O311 = "/open311/v2"


def test_the_status_filter_answers_at_once_whatever_its_spaces(
    central_server: CentralServer,
) -> None:
    """Before: 47 characters of commas and spaces took 6 s and froze the server (the
    pattern backtracked exponentially); 50 took 17 s."""
    with central_server.client() as client:
        for attack in ("," + "  ," * 15 + "x", "," + "  ," * 1000 + "x", " " * 1500 + "x"):
            started = time.monotonic()
            answer = client.get(f"{O311}/requests.json", params={"status": attack})
            assert answer.status_code == 400
            assert time.monotonic() - started < 2
        good = client.get(f"{O311}/requests.json", params={"status": " open , closed "})
        assert good.status_code == 200


def test_forwarded_for_is_not_believed_by_default(central_server: CentralServer) -> None:
    """Before: uvicorn trusted X-Forwarded-For from 127.0.0.1, so a client there named a new
    address per request and was never limited."""
    answers = []
    with central_server.client() as client:
        for n in range(70):
            answer = client.get(
                "/api/v1/track/2K7MQA42X", headers={"x-forwarded-for": f"203.0.113.{n}"}
            )
            answers.append(answer.status_code)
    assert 429 in answers and answers.count(429) >= 10


def test_staff_tokens_and_open311_keys_can_be_listed_and_revoked(
    central_server: CentralServer,
) -> None:
    store = central_server.store
    staff = store.create_client("Petugas Bocor", "staff")
    database = ("--database-url", central_server.database_url)
    with central_server.client() as client:
        url = "/api/v1/staff/due"
        assert client.get(url, headers={"authorization": f"Bearer {staff}"}).status_code == 200
        listed = run_central(*database, "client", "list")
        assert "Petugas Bocor" in listed.stdout and "aktif" in listed.stdout
        [found] = store.clients()
        revoked = run_central(*database, "client", "revoke", str(found.id))
        assert revoked.returncode == 0, revoked.stderr
        assert client.get(url, headers={"authorization": f"Bearer {staff}"}).status_code == 401
        assert "dicabut" in run_central(*database, "client", "list").stdout
        assert run_central(*database, "client", "revoke", "999").returncode == 1


def test_dates_out_of_range_refuse_their_record_only(central_server: CentralServer) -> None:
    """Before: one record dated at the calendar's end failed its whole batch with a 500."""
    token, device = enroll(central_server.store)
    prefix = device.tracking_prefix
    records = [
        complaint_record(prefix, 1, occurred_at="9999-12-31T23:00:00-14:00"),
        complaint_record(prefix, 2, created_at="0001-01-01T00:00:00+14:00"),
        complaint_record(prefix, 3, created_at="1999-12-31T23:59:59+00:00"),
        complaint_record(prefix, 4),
    ]
    with central_server.client() as client:
        answer = client.post(
            "/api/v1/sync/push",
            json={"records": records},
            headers={"authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 200, answer.text
    results = [r["result"] for r in answer.json()["results"]]
    assert results == ["rejected", "rejected", "rejected", "accepted"]


def test_unicode_digits_are_not_page_numbers_or_phone_numbers(
    central_server: CentralServer,
) -> None:
    """Before: page=² answered 500 ("²".isdigit() but int("²") fails), and a phone of
    Arabic-Indic digits was stored."""
    with central_server.client() as client:
        for name in ("page", "page_size"):
            for value in ("²", "①", "١٢"):
                for path in ("requests.json", "servicerequestupdates.xml"):
                    answer = client.get(f"{O311}/{path}", params={name: value})
                    assert answer.status_code == 400, (name, value, answer.text)
    arabic = "+628" + "١٢٣٤٥٦٧٨٩"
    try:
        wire.parse_record(complaint_record("2222", 1, phone=arabic))
    except wire.RecordError as exc:
        assert "phone" in exc.reason
    else:
        raise AssertionError("a phone of Arabic-Indic digits was accepted")


def test_the_cli_prints_no_terminal_control_from_the_network(
    central_server: CentralServer,
) -> None:
    """Before: a desk's label and a staff-set agency with C1 controls (CSI, OSC) and a
    right-to-left override came out raw in `device list` and `due`."""
    store = central_server.store
    code, _ = store.create_enroll_code("MRK", 1)
    hostile = "Laptop\u202eKRAM-tsop"
    with central_server.client() as client:
        answer = client.post("/api/v1/enroll", json=enroll_body(code, label=hostile))
        assert answer.status_code == 201
        c1 = client.post("/api/v1/enroll", json=enroll_body(code, label="a\u009b2Jb"))
        assert c1.status_code == 422  # C1 controls are control characters too
    database = ("--database-url", central_server.database_url)
    listed = run_central(*database, "device", "list")
    assert "\u202e" not in listed.stdout and "\\u202e" in listed.stdout


def test_slash_redirects_are_not_built_from_the_host_header(
    central_server: CentralServer,
) -> None:
    """Before: /t/ID/?k=SECRET answered 307 to http://<Host header>/t/ID?k=SECRET."""
    answer = httpx.get(
        f"{central_server.url}/t/2K7MQA42X/",
        params={"k": "W856J387DMA2"},
        headers={"host": "evil.example"},
    )
    assert answer.status_code == 404
    assert "evil.example" not in answer.headers.get("location", "")


def test_every_refusal_carries_the_security_headers(central_server: CentralServer) -> None:
    """Before: the 413 of the body limit and a 500 had none."""
    with central_server.client() as client:
        big = client.post("/api/v1/enroll", content=b"x" * (wire.MAX_BODY_BYTES + 10))
        assert big.status_code == 413
        assert big.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'none'" in big.headers["content-security-policy"]


def test_a_copied_profile_cannot_silently_take_a_desk_to_another_post(
    central_server: CentralServer,
) -> None:
    """Before: the same key enrolled with another post's code moved the device there and
    voided the first laptop's token without a word."""
    store = central_server.store
    key = Ed25519PrivateKey.generate()
    mrk, _ = store.create_enroll_code("MRK", 1)
    ckp, _ = store.create_enroll_code("CKP", 1)
    with central_server.client() as client:
        first = client.post("/api/v1/enroll", json=enroll_body(mrk, key)).json()
        moved = client.post("/api/v1/enroll", json=enroll_body(ckp, key))
        assert moved.status_code == 409 and moved.json()["error"] == "device_other_post"
        who = client.get(
            "/api/v1/sync/whoami", headers={"authorization": f"Bearer {first['token']}"}
        )
        assert who.status_code == 200 and who.json()["post_code"] == "MRK"
        # A coordinator moves it: revoke, reinstate, enroll with the new post's code.
        store.revoke_device(int(first["device_id"]))
        store.reinstate_device(int(first["device_id"]))
        again = client.post("/api/v1/enroll", json=enroll_body(ckp, key))
        assert again.status_code == 201 and again.json()["post_code"] == "CKP"


def test_the_gaps_in_public_lists_point_at_nothing(central_server: CentralServer) -> None:
    """Before: walking the public list and looking up the missing sequence numbers found
    every rahasia report, with its status and the times of its changes; and the running
    update_id counted the changes made on them."""
    from posko import tracking

    store = central_server.store
    _token, device = enroll(store)
    prefix = device.tracking_prefix
    records = [complaint_record(prefix, n, confidential=n in (3, 5)) for n in range(1, 7)]
    store.push(device, records)
    for record in records:
        store.set_status(record["tracking_id"], wire.CentralStatus.VERIFIED, actor="petugas")
    hidden = {records[2]["tracking_id"], records[4]["tracking_id"]}
    never = tracking.TrackingId.make(prefix, 99).compact  # a valid number nobody issued
    with central_server.client() as client:
        listed = [r["service_request_id"] for r in client.get(f"{O311}/requests.json").json()]
        sequences = sorted(tracking.split(tid)[1] for tid in listed)
        gaps = [tracking.TrackingId.make(prefix, n).compact for n in (3, 5)]
        assert sequences == [1, 2, 4, 6] and set(gaps) == hidden
        for path in ("/api/v1/track/{}", "/api/v1/track/{}/sms", f"{O311}/requests/{{}}.json"):
            for tid in hidden:
                answer = client.get(path.format(tid))
                unknown = client.get(path.format(never))
                assert answer.status_code == unknown.status_code == 404, path
                assert answer.text.replace(tracking.display(tid), "#") == unknown.text.replace(
                    tracking.display(never), "#"
                ), path
        ids = ",".join(sorted(hidden | {records[0]["tracking_id"]}))
        bulk = client.get(f"{O311}/requests.json", params={"service_request_id": ids}).json()
        assert [r["service_request_id"] for r in bulk] == [records[0]["tracking_id"]]
        updates = client.get(f"{O311}/servicerequestupdates.json").json()
        assert not any(u["update_id"].isdigit() for u in updates)
        # The reporter, with the access code, still reads it, by page and by SMS.
        secret = records[2]["secret"]
        code = "-".join(secret[i : i + 4] for i in range(0, 12, 4))
        own = client.get(f"/api/v1/track/{records[2]['tracking_id']}", params={"k": code})
        assert own.status_code == 200 and own.json()["secret_accepted"] is True
        sms = client.get(f"/api/v1/track/{records[2]['tracking_id']}/sms", params={"k": secret})
        assert sms.status_code == 200 and "Diverifikasi" in sms.text
