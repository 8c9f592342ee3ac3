"""The sync API under the abuse a roadside network and a busy server give it, against the
real ``posko-central serve`` process on 127.0.0.1, on SQLite and on PostgreSQL:

- a resent batch, concurrent pushes of the same UUIDs (also through two server processes on
  one database) leave exactly one row per UUID, and exactly one answer per UUID says
  ``accepted``;
- a connection cut in the middle of a push leaves nothing behind and the server goes on;
- gzip bodies, gzip bombs, oversized bodies, wrong content types, malformed batches and bad
  tokens get their documented status and a message;
- the server's log never holds a receipt secret or a token.
"""

from __future__ import annotations

import gzip
import json
import random
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select

from central import models
from central.store import CentralStore
from posko import wire
from tests.central_support import (
    CentralServer,
    complaint_record,
    enroll,
    enroll_body,
    start_server,
    stop_process,
)

pytestmark = pytest.mark.slow

PUSH = "/api/v1/sync/push"
TABLES: dict[str, type[models.Complaint | models.SurveyResponse | models.TallyEvent]] = {
    "complaint": models.Complaint,
    "survey_response": models.SurveyResponse,
    "tally_event": models.TallyEvent,
}
COUNTS = ["complaints", "survey_responses", "tally_events", "status_changes"]


def _now() -> str:
    return datetime.now(UTC).isoformat()


def survey_record(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "kind": "survey_response",
        "uuid": str(uuid.uuid4()),
        "post_code": "MRK",
        "service": "Rest area KM 57",
        "answers": {"U1": 4, "U2": 3, "U5": 2},
        "respondent": {"usia": "31-40", "jenis_kelamin": "P"},
        "suggestion": "Toilet perlu ditambah.",
        "created_at": _now(),
    }
    record.update(overrides)
    return record


def tally_record(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "kind": "tally_event",
        "uuid": str(uuid.uuid4()),
        "post_code": "MRK",
        "counter": "merchandise",
        "item": "kaos",
        "count": 3,
        "created_at": _now(),
    }
    record.update(overrides)
    return record


def make_records(kind: str, prefix: str, n: int, start: int = 1) -> list[dict[str, Any]]:
    if kind == "complaint":
        return [complaint_record(prefix, start + i) for i in range(n)]
    if kind == "survey_response":
        return [survey_record() for _ in range(n)]
    return [tally_record(count=i % 7 + 1) for i in range(n)]


def mixed_batch(prefix: str, n: int, start: int = 1) -> list[dict[str, Any]]:
    """``n`` records, the three kinds interleaved."""
    makers: list[Callable[[int], dict[str, Any]]] = [
        lambda i: complaint_record(prefix, start + i),
        lambda _i: survey_record(),
        lambda i: tally_record(count=i % 5 + 1),
    ]
    return [makers[i % 3](i) for i in range(n)]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def push(
    client: httpx.Client, token: str, records: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    response = client.post(PUSH, json={"records": list(records)}, headers=auth(token))
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    assert [r["index"] for r in results] == list(range(len(records)))
    assert [r["uuid"] for r in results] == [r["uuid"] for r in records]
    return results


def stored_uuids(store: CentralStore, kind: str) -> list[str]:
    table = TABLES[kind]
    with store.session() as session:
        return list(session.scalars(select(table.uuid)))


def assert_one_row_each(store: CentralStore, records: Sequence[dict[str, Any]]) -> None:
    """Every record is stored exactly once, and nothing else is."""
    for kind in TABLES:
        wanted = sorted(r["uuid"] for r in records if r["kind"] == kind)
        assert sorted(stored_uuids(store, kind)) == wanted, kind
    complaints = sum(1 for r in records if r["kind"] == "complaint")
    # One "received" step per complaint: a duplicate never adds a second one.
    assert store.count(["status_changes"]) == {"status_changes": complaints}


def assert_nothing_stored(store: CentralStore) -> None:
    assert store.count(COUNTS) == dict.fromkeys(COUNTS, 0)


def assert_log_clean(server: CentralServer, *secrets: str) -> None:
    text = server.log_text()
    for secret in secrets:
        assert secret not in text, f"the server log holds a secret: {secret[:4]}…"


def receipt_secrets(records: Sequence[dict[str, Any]]) -> list[str]:
    return [r["secret"] for r in records if r["kind"] == "complaint"]


def assert_serving(server: CentralServer) -> None:
    assert server.process.poll() is None, server.log_text()
    assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200


# -- resending --------------------------------------------------------------------------------


def test_resending_a_batch_stores_each_record_once(central_server: CentralServer) -> None:
    token, device = enroll(central_server.store)
    records = mixed_batch(device.tracking_prefix, 60)
    with central_server.client() as client:
        answers = [push(client, token, records) for _ in range(3)]
    assert [r["result"] for r in answers[0]] == ["accepted"] * 60
    for later in answers[1:]:
        assert [r["result"] for r in later] == ["duplicate"] * 60
        assert all(r["reason"] is None for r in later)
    assert [r["kind"] for r in answers[0]] == [r["kind"] for r in records]
    assert_one_row_each(central_server.store, records)
    assert_log_clean(central_server, token, *receipt_secrets(records))


def test_the_same_uuid_with_other_content_is_a_conflict_and_the_first_is_kept(
    central_server: CentralServer,
) -> None:
    token, device = enroll(central_server.store)
    records = mixed_batch(device.tracking_prefix, 6)
    changed = [
        dict(records[0], title="Judul yang lain"),
        dict(records[1], suggestion="Saran yang lain"),
        dict(records[2], count=99),
    ]
    with central_server.client() as client:
        push(client, token, records)
        answer = push(client, token, changed)
    assert [r["result"] for r in answer] == ["conflict"] * 3
    assert all(r["reason"] for r in answer)
    stored = central_server.store.complaint(records[0]["tracking_id"])
    assert stored is not None and stored.title == records[0]["title"]
    assert_one_row_each(central_server.store, records)


# -- concurrency -------------------------------------------------------------------------------


def _race(
    urls: Sequence[str], token: str, batches: Sequence[list[dict[str, Any]]]
) -> list[list[dict[str, Any]]]:
    """Push each batch from its own thread, all released at once; the answers, in order."""
    barrier = threading.Barrier(len(batches))
    answers: list[list[dict[str, Any]] | None] = [None] * len(batches)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            with httpx.Client(base_url=urls[i % len(urls)], timeout=120) as client:
                client.get("/health")  # connect before the start line
                barrier.wait(timeout=30)
                answers[i] = push(client, token, batches[i])
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(batches))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not errors, errors
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]


@pytest.fixture
def second_server(central_server: CentralServer, tmp_path: Path) -> Iterator[str]:
    """Another server process on the same database: horizontal scale, as deployed."""
    process, url = start_server(central_server.database_url, tmp_path / "second.log")
    try:
        yield url
    finally:
        stop_process(process)
        assert "Traceback" not in (tmp_path / "second.log").read_text()


@pytest.mark.parametrize("kind", ["complaint", "survey_response", "tally_event"])
def test_concurrent_pushes_of_the_same_uuids_store_each_once(
    central_server: CentralServer, second_server: str, kind: str
) -> None:
    token, device = enroll(central_server.store)
    records = make_records(kind, device.tracking_prefix, 200)
    # 8 threads over two server processes; each sends the same 200 records in its own
    # order, so the database's row locks are taken in different orders too.
    batches = []
    for i in range(8):
        batch = list(records)
        if i % 2:
            random.Random(i).shuffle(batch)
        batches.append(batch)
    answers = _race([central_server.url, second_server], token, batches)
    accepted: Counter[str] = Counter()
    for answer in answers:
        assert {r["result"] for r in answer} <= {"accepted", "duplicate"}, answer
        assert {r["kind"] for r in answer} == {kind}
        accepted.update(r["uuid"] for r in answer if r["result"] == "accepted")
    assert accepted == Counter(r["uuid"] for r in records)  # exactly one "accepted" each
    assert_one_row_each(central_server.store, records)


def test_concurrent_mixed_batches_with_overlapping_uuids(central_server: CentralServer) -> None:
    """Eight desks' retries overlapping in part: each record is stored once, the overlap
    answered ``duplicate``."""
    token, device = enroll(central_server.store)
    records = mixed_batch(device.tracking_prefix, 300)
    batches = [records[i * 25 : i * 25 + 100] for i in range(8)]  # windows overlapping by 75
    answers = _race([central_server.url], token, batches)
    accepted: Counter[str] = Counter()
    for answer in answers:
        assert {r["result"] for r in answer} <= {"accepted", "duplicate"}
        accepted.update(r["uuid"] for r in answer if r["result"] == "accepted")
    sent = records[: 7 * 25 + 100]
    assert accepted == Counter(r["uuid"] for r in sent)
    assert_one_row_each(central_server.store, sent)


# -- cut-off requests --------------------------------------------------------------------------


def _raw_request(
    url: str,
    token: str,
    body: bytes,
    *,
    send: int | None = None,
    declared: int | None = None,
    extra_headers: dict[str, str] | None = None,
    reset: bool = False,
    read_answer: bool = False,
) -> bytes:
    """A push over a bare socket: ``send`` bytes of ``body`` (all by default) under a
    Content-Length of ``declared`` (the body's length by default), then close (or reset)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    headers = {
        "Host": f"{host}:{port}",
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Content-Length": str(len(body) if declared is None else declared),
        **(extra_headers or {}),
    }
    head = f"POST {PUSH} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    sock = socket.create_connection((host, port), timeout=30)
    try:
        sock.sendall(head.encode("ascii") + b"\r\n" + body[: len(body) if send is None else send])
        if read_answer:
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks) and b"}" in chunk:
                    break
            return b"".join(chunks)
        time.sleep(0.2)  # let the server read what was sent before the cut
        if reset:  # an RST, as when a phone's hotspot drops, rather than a clean FIN
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
        return b""
    finally:
        sock.close()


def _settle(server: CentralServer) -> None:
    """Give the server a moment to notice the cut, then make sure it still answers."""
    time.sleep(0.5)
    assert_serving(server)


def test_a_push_cut_off_mid_body_leaves_nothing_and_the_resend_counts_once(
    central_server: CentralServer,
) -> None:
    token, device = enroll(central_server.store)
    records = mixed_batch(device.tracking_prefix, 120)
    body = json.dumps({"records": records}).encode()
    packed = gzip.compress(body)

    _raw_request(central_server.url, token, body, send=len(body) // 2)
    _settle(central_server)
    _raw_request(central_server.url, token, body, send=len(body) - 1, reset=True)
    _settle(central_server)
    gz = {"Content-Encoding": "gzip"}
    _raw_request(central_server.url, token, packed, send=len(packed) // 2, extra_headers=gz)
    _settle(central_server)
    _raw_request(central_server.url, token, b"", send=0, declared=len(body))  # headers only
    _settle(central_server)
    assert_nothing_stored(central_server.store)

    with central_server.client() as client:
        first = push(client, token, records)
        again = push(client, token, records)
    assert [r["result"] for r in first] == ["accepted"] * len(records)
    assert [r["result"] for r in again] == ["duplicate"] * len(records)
    assert_one_row_each(central_server.store, records)
    assert_log_clean(central_server, token, *receipt_secrets(records))


def test_a_lost_answer_is_safe_to_resend(central_server: CentralServer) -> None:
    """The whole body arrives but the desk hangs up before the answer: whether or not the
    server stored the batch, resending it ends with each record stored once."""
    token, device = enroll(central_server.store)
    records = mixed_batch(device.tracking_prefix, 90)
    body = json.dumps({"records": records}).encode()
    _raw_request(central_server.url, token, body, reset=True)
    _settle(central_server)
    with central_server.client() as client:
        answer = push(client, token, records)
    assert {r["result"] for r in answer} <= {"accepted", "duplicate"}
    assert_one_row_each(central_server.store, records)


def test_a_truncated_gzip_body_is_refused_whole(central_server: CentralServer) -> None:
    token, device = enroll(central_server.store)
    records = mixed_batch(device.tracking_prefix, 30)
    packed = gzip.compress(json.dumps({"records": records}).encode())
    gz = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    with central_server.client() as client:
        # Cut in the middle of the deflate stream, and cut only the 8-byte trailer (CRC and
        # length): the JSON inside is complete then, but the body is still not what was sent.
        for cut in (len(packed) // 2, len(packed) - 8, len(packed) - 1):
            response = client.post(PUSH, content=packed[:cut], headers=auth(token) | gz)
            assert response.status_code == 400, (cut, response.text)
            assert response.json()["error"] == "bad_gzip"
        corrupt = bytearray(packed)
        corrupt[-6] ^= 0xFF  # a wrong length in the trailer
        response = client.post(PUSH, content=bytes(corrupt), headers=auth(token) | gz)
        assert response.status_code == 400, response.text
        assert_nothing_stored(central_server.store)
        response = client.post(PUSH, content=packed, headers=auth(token) | gz)
        assert response.status_code == 200, response.text
    assert [r["result"] for r in response.json()["results"]] == ["accepted"] * 30
    assert_one_row_each(central_server.store, records)


# -- what the push refuses ---------------------------------------------------------------------


def test_gzip_is_accepted_and_a_gzip_bomb_is_refused(central_server: CentralServer) -> None:
    token, device = enroll(central_server.store)
    records = mixed_batch(device.tracking_prefix, 500)
    gz = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    with central_server.client() as client:
        packed = gzip.compress(json.dumps({"records": records}).encode())
        response = client.post(PUSH, content=packed, headers=auth(token) | gz)
        assert response.status_code == 200, response.text
        assert [r["result"] for r in response.json()["results"]] == ["accepted"] * 500

        bomb = gzip.compress(b"\0" * (50 * 1024 * 1024), compresslevel=9)
        assert len(bomb) < 100_000
        response = client.post(PUSH, content=bomb, headers=auth(token) | gz)
        assert response.status_code == 413, response.text
        assert response.json()["error"] == "too_large"
        # Just over the limit once inflated, though valid JSON: refused too.
        padded = b'{"records": [{}], "device_app_version": "' + b" " * wire.MAX_BODY_BYTES + b'"}'
        response = client.post(PUSH, content=gzip.compress(padded), headers=auth(token) | gz)
        assert response.status_code == 413, response.text
    assert_serving(central_server)
    assert_one_row_each(central_server.store, records)


def test_a_body_over_the_limit_is_refused(central_server: CentralServer) -> None:
    token, _device = enroll(central_server.store)
    big = b'{"records": [' + b" " * (wire.MAX_BODY_BYTES + 1) + b"{}]}"
    json_type = {"Content-Type": "application/json"}

    # Announced: refused from the headers, before the body is read.
    answer = _raw_request(
        central_server.url, token, b"", send=0, declared=len(big), read_answer=True
    )
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(big), 256 * 1024):
            yield big[i : i + 256 * 1024]

    with central_server.client() as client:
        # Not announced (chunked): refused once the limit is passed.
        try:
            response = client.post(PUSH, content=chunks(), headers=auth(token) | json_type)
        except httpx.TransportError:
            pass  # the server may close the connection while the rest is still being sent
        else:
            assert response.status_code == 413, response.text
        # At the limit exactly is still fine (and merely an invalid record).
        head = b'{"records": [{}], "device_app_version": ""'
        exact = head + b" " * (wire.MAX_BODY_BYTES - len(head) - 1) + b"}"
        assert len(exact) == wire.MAX_BODY_BYTES
        response = client.post(PUSH, content=exact, headers=auth(token) | json_type)
        assert response.status_code == 200, response.text
        assert response.json()["results"][0]["result"] == "rejected"
    assert_serving(central_server)
    assert_nothing_stored(central_server.store)


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ({"Content-Type": "text/plain"}, "bad_content_type"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, "bad_content_type"),
        ({"Content-Type": ""}, "bad_content_type"),
        ({"Content-Type": "application/json", "Content-Encoding": "br"}, "bad_encoding"),
    ],
)
def test_a_wrong_content_type_is_refused(
    central_server: CentralServer, headers: dict[str, str], error: str
) -> None:
    token, device = enroll(central_server.store)
    body = json.dumps({"records": [complaint_record(device.tracking_prefix, 1)]})
    with central_server.client() as client:
        response = client.post(PUSH, content=body, headers=auth(token) | headers)
    assert response.status_code == 415, response.text
    assert response.json()["error"] == error and response.json()["message"]
    assert_nothing_stored(central_server.store)


def test_an_invalid_batch_is_refused_with_a_message(central_server: CentralServer) -> None:
    token, device = enroll(central_server.store)
    record = complaint_record(device.tracking_prefix, 1)
    bad: list[tuple[bytes, str]] = [
        (b"", "json"),
        (b"not json", "json"),
        (b'{"records": [', "json"),
        (b"[]", "object"),
        (b"{}", "records"),
        (b'{"records": []}', "records"),
        (b'{"records": "semua"}', "records"),
        (json.dumps({"records": [record] * 501}).encode(), "records"),
        (json.dumps({"protocol": 3, "records": [record]}).encode(), "protocol"),
        (json.dumps({"records": [record], "extra": 1}).encode(), "extra"),
        (json.dumps({"records": [record], "device_app_version": "v" * 33}).encode(), "version"),
        ('{"records": [{"kind": "\udcff"}]}'.encode("utf-8", "surrogatepass"), "unicode"),
    ]
    json_type = {"Content-Type": "application/json"}
    with central_server.client() as client:
        for body, word in bad:
            response = client.post(PUSH, content=body, headers=auth(token) | json_type)
            assert response.status_code == 400, (body[:60], response.text)
            answer = response.json()
            assert answer["error"] == "invalid_batch"
            assert word in answer["message"].lower(), (word, answer["message"])
        # Records that are not objects are the records' own fault: each is answered.
        response = client.post(
            PUSH, content=b'{"records": [1, []]}', headers=auth(token) | json_type
        )
        assert response.status_code == 200, response.text
        assert [r["result"] for r in response.json()["results"]] == ["rejected"] * 2
    assert_serving(central_server)
    assert_nothing_stored(central_server.store)


def test_bad_missing_and_revoked_tokens_are_refused(central_server: CentralServer) -> None:
    store = central_server.store
    token, device = enroll(store)
    staff = store.create_client("Petugas", "staff")
    body = {"records": [complaint_record(device.tracking_prefix, 1)]}
    wrong = [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": f"Basic {token}"},
        {"Authorization": f"Bearer {token}x"},
        {"Authorization": f"Bearer {token[:-1]}"},
        {"Authorization": f"Bearer {staff}"},  # a staff token is not a device token
        {"Authorization": "Bearer " + "A" * 10_000},
    ]
    with central_server.client() as client:
        for headers in wrong:
            for method, path in (("POST", PUSH), ("GET", "/api/v1/sync/pull")):
                response = client.request(
                    method, path, json=body if method == "POST" else None, headers=headers
                )
                assert response.status_code == 401, (headers, path, response.text)
                assert response.headers["www-authenticate"] == "Bearer"
                assert response.json()["error"] in ("unauthenticated", "bad_token")
        assert client.get("/api/v1/sync/whoami", headers=auth(token)).status_code == 200
        store.revoke_device(device.id)
        for method, path in (
            ("POST", PUSH),
            ("GET", "/api/v1/sync/pull"),
            ("GET", "/api/v1/sync/whoami"),
        ):
            response = client.request(
                method, path, json=body if method == "POST" else None, headers=auth(token)
            )
            assert response.status_code == 401, response.text
            assert response.json()["error"] == "bad_token"
    assert_nothing_stored(store)
    assert_log_clean(central_server, token, staff)


def test_the_log_never_holds_a_secret_or_a_token(central_server: CentralServer) -> None:
    """Secrets travel in bodies, headers and the QR's query string; none reaches the log,
    whatever the answer was."""
    store = central_server.store
    token, device = enroll(store)
    staff = store.create_client("Petugas", "staff")
    records = mixed_batch(device.tracking_prefix, 30)
    code, _expires = store.create_enroll_code("MRK", 1)
    with central_server.client() as client:
        push(client, token, records)
        push(client, token, records)
        client.post(PUSH, json={"records": [dict(records[0], title="lain")]}, headers=auth(token))
        client.post(PUSH, content=b"{", headers=auth(token) | {"Content-Type": "application/json"})
        client.post(PUSH, json={"records": records}, headers=auth(token + "x"))
        client.get("/api/v1/sync/pull", headers=auth(token))
        enrolled = client.post("/api/v1/enroll", json=enroll_body(code, label="laptop 2"))
        assert enrolled.status_code == 201, enrolled.text
        second_token = enrolled.json()["token"]
        client.post("/api/v1/enroll", json=enroll_body(code))  # used: refused
        for record in records[:6]:
            if record["kind"] != "complaint":
                continue
            tid, secret = record["tracking_id"], record["secret"]
            client.get(f"/t/{tid}", params={"k": secret})
            client.get(f"/api/v1/track/{tid}", params={"k": secret})
            client.get(f"/api/v1/staff/complaints/{tid}", headers=auth(staff))
            client.get(f"/api/v1/staff/complaints/{tid}", params={"k": secret, "token": token})
    assert_serving(central_server)
    text = central_server.log_text()
    assert f"POST {PUSH} 200" in text  # the log is there, and it is about requests
    assert_log_clean(central_server, token, second_token, staff, code, *receipt_secrets(records))


def test_a_path_cannot_forge_log_lines(central_server: CentralServer) -> None:
    """A raw request whose path holds an encoded newline: the log escapes it."""
    import socket
    from urllib.parse import urlsplit

    port = urlsplit(central_server.url).port
    assert port is not None
    forged = "2026-01-01 00:00:00,000 INFO forged: admin logged in"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        path = "/t/ABC%0A" + forged.replace(" ", "%20")
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith((b"HTTP/1.1 404", b"HTTP/1.1 400"))
    assert_serving(central_server)
    lines = central_server.log_text().splitlines()
    assert not any(line.startswith(forged) for line in lines)
    # The request is logged on one line, whatever the path held.
    assert any(line.count("forged") == 1 and " GET /t/ABC" in line for line in lines)
