"""The smaller holes a hostile test found, each attacked through the real server on
127.0.0.1."""

from __future__ import annotations

import httpx

from tests.central_support import CentralServer


def test_discovery_never_echoes_the_host_header(central_server: CentralServer) -> None:
    """Before: the discovery document's endpoint URL was built from the request's Host
    header, so a forged header made the server advertise an attacker's address."""
    for fmt in ("json", "xml"):
        answer = httpx.get(
            f"{central_server.url}/open311/v2/discovery.{fmt}",
            headers={"host": "evil.example:666"},
        )
        assert answer.status_code == 200
        assert "evil.example" not in answer.text
        assert f"{central_server.url}/open311/v2" in answer.text


def test_gzip_bodies_with_anything_after_them_are_refused(central_server: CentralServer) -> None:
    """Before: the push inflated the first gzip member and ignored what followed, so a
    second member or trailing bytes (a smuggled second batch) went unnoticed."""
    import gzip
    import json

    from tests.central_support import complaint_record, enroll

    token, device = enroll(central_server.store)
    first = json.dumps({"records": [complaint_record(device.tracking_prefix, 1)]}).encode()
    second = json.dumps({"records": [complaint_record(device.tracking_prefix, 2)]}).encode()
    headers = {
        "authorization": f"Bearer {token}",
        "content-type": "application/json",
        "content-encoding": "gzip",
    }
    with central_server.client() as client:
        for body in (
            gzip.compress(first) + gzip.compress(second),  # two members
            gzip.compress(first) + b"trailing bytes",
            gzip.compress(first) + b"\0",
        ):
            answer = client.post("/api/v1/sync/push", content=body, headers=headers)
            assert answer.status_code == 400, answer.text
            assert answer.json()["error"] == "bad_gzip"
        assert central_server.store.count()["complaints"] == 0
        good = client.post("/api/v1/sync/push", content=gzip.compress(first), headers=headers)
        assert good.status_code == 200
    assert central_server.store.count()["complaints"] == 1


def test_the_access_code_typed_in_the_form_opens_a_rahasia_report(
    central_server: CentralServer,
) -> None:
    """The receipt prints its secret as an access code (for a receipt whose QR could not
    carry it, or a phone that cannot scan): typed with the number, it opens the report as
    the QR would."""
    from tests.central_support import complaint_record, enroll

    _token, device = enroll(central_server.store)
    record = complaint_record(device.tracking_prefix, 1, confidential=True, title="Judul rahasia")
    central_server.store.push(device, [record])
    secret = record["secret"]
    typed = "-".join(secret[i : i + 4] for i in range(0, 12, 4)).lower()
    with central_server.client(follow_redirects=True) as client:
        opened = client.get("/t", params={"number": record["tracking_id"], "code": typed})
        assert opened.status_code == 200 and "Judul rahasia" in opened.text
        closed = client.get("/t", params={"number": record["tracking_id"]})
        assert "Judul rahasia" not in closed.text
        form = client.get("/t").text
        assert 'name="code"' in form and "Kode akses" in form
