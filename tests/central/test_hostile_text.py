"""Control characters in every text field of every API, against the real server on
127.0.0.1 (SQLite and PostgreSQL): each is refused with a clear answer, never stored, never
a 500, never echoed into an SMS.

The fields are found from the served OpenAPI schema and the wire models, so a text field
added later is attacked too without anyone remembering to list it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from posko import wire
from tests.central_support import CentralServer, complaint_record, enroll

NUL = "ada\x00nul"
ESCAPE = "ada\x1b[31mwarna"


def _string_fields(schema: dict[str, Any], components: dict[str, Any]) -> list[str]:
    """The string-typed properties of a JSON schema (its ``$ref`` followed)."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    fields = []
    for name, spec in schema.get("properties", {}).items():
        options = spec.get("anyOf", [spec])
        if any(option.get("type") == "string" for option in options):
            fields.append(name)
    return fields


def _json_bodies(server: CentralServer) -> dict[tuple[str, str], dict[str, Any]]:
    schema = httpx.get(f"{server.url}/api/openapi.json").json()
    bodies = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                bodies[(method.upper(), path)] = content["application/json"]["schema"]
    return bodies


def test_every_json_body_text_field_refuses_control_characters(
    central_server: CentralServer,
) -> None:
    store = central_server.store
    token, device = enroll(store)
    staff = store.create_client("Petugas Uji", "staff")
    with central_server.client() as client:
        pushed = client.post(
            "/api/v1/sync/push",
            json={"records": [complaint_record(device.tracking_prefix, 1)]},
            headers={"authorization": f"Bearer {token}"},
        )
        assert pushed.json()["results"][0]["result"] == "accepted"
        tracking_id = complaint_record(device.tracking_prefix, 1)["tracking_id"]
        schema = httpx.get(f"{central_server.url}/api/openapi.json").json()
        components = schema["components"]["schemas"]
        bodies = _json_bodies(central_server)
        status_path = "/api/v1/staff/complaints/{tracking_id}/status"
        # Every JSON body the API takes is attacked here; a new one fails this line until it
        # is added below.
        assert set(bodies) == {
            ("POST", "/api/v1/enroll"),
            ("POST", "/api/v1/sync/push"),
            ("POST", status_path),
            ("POST", "/api/v1/staff/enroll-codes"),
        }

        valid_status: dict[str, Any] = {
            "status": "verified",
            "public_note": "Sudah kami teruskan.",
            "internal_note": "Cek ulang ke BPJT.",
            "agency": "BPJT",
        }
        fields = _string_fields(bodies[("POST", status_path)], components)
        assert {"public_note", "internal_note", "agency"} <= set(fields)
        for field in fields:
            for bad in (NUL, ESCAPE):
                body = valid_status | {field: bad}
                answer = client.post(
                    status_path.format(tracking_id=tracking_id),
                    json=body,
                    headers={"authorization": f"Bearer {staff}"},
                )
                assert answer.status_code == 422, (field, answer.text)
                problems = answer.json()["problems"]
                assert any(field in p["field"] for p in problems), problems
        # A line break is text in a note, never in an agency's name.
        multi = client.post(
            status_path.format(tracking_id=tracking_id),
            json=valid_status | {"public_note": "Baris satu\nbaris dua\ttab", "agency": "BPJT"},
            headers={"authorization": f"Bearer {staff}"},
        )
        assert multi.status_code == 200, multi.text
        one_line = client.post(
            status_path.format(tracking_id=tracking_id),
            json=valid_status | {"agency": "BPJT\nPalsu"},
            headers={"authorization": f"Bearer {staff}"},
        )
        assert one_line.status_code == 422

        fields = _string_fields(bodies[("POST", "/api/v1/staff/enroll-codes")], components)
        assert fields == ["post_code"]
        for bad in (NUL, ESCAPE, "MRK" + NUL, "MRK\nX"):
            answer = client.post(
                "/api/v1/staff/enroll-codes",
                json={"post_code": bad},
                headers={"authorization": f"Bearer {staff}"},
            )
            assert answer.status_code == 422, (bad, answer.text)
            assert any("post_code" in p["field"] for p in answer.json()["problems"])

        fields = _string_fields(bodies[("POST", "/api/v1/enroll")], components)
        assert {"code", "label", "public_key"} <= set(fields)
        for field in fields:
            body = {"code": "AAAA-BBBB-CC", "label": "Laptop", field: NUL}
            answer = client.post("/api/v1/enroll", json=body)
            assert answer.status_code == 422, (field, answer.text)

        # Push: a record with a control character is refused on its own, with the field
        # named; the batch's own text field refuses the whole batch.
        answer = client.post(
            "/api/v1/sync/push",
            json={"device_app_version": NUL, "records": [{"kind": "complaint"}]},
            headers={"authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 400 and "device_app_version" in answer.text
        for model in (wire.ComplaintPayload, wire.SurveyResponsePayload, wire.TallyPayload):
            record_schema = model.model_json_schema()
            for field in _string_fields(record_schema, {}):
                if field in ("kind",):
                    continue
                record = _valid_record(model, device.tracking_prefix)
                record[field] = NUL
                answer = client.post(
                    "/api/v1/sync/push",
                    json={"records": [record]},
                    headers={"authorization": f"Bearer {token}"},
                )
                assert answer.status_code == 200, answer.text
                result = answer.json()["results"][0]
                assert result["result"] == "rejected", (model.__name__, field, result)
                assert field in result["reason"]
    assert store.count(("status_changes",))["status_changes"] == 2  # received, the good one


_SEQUENCE = iter(range(100, 10_000))


def _valid_record(model: type[wire.Strict], prefix: str) -> dict[str, Any]:
    from datetime import UTC, datetime
    from uuid import uuid4

    now = datetime.now(UTC).isoformat()
    if model is wire.ComplaintPayload:
        return complaint_record(prefix, next(_SEQUENCE))
    if model is wire.SurveyResponsePayload:
        return {
            "kind": "survey_response",
            "uuid": str(uuid4()),
            "post_code": "MRK",
            "service": "Pelabuhan Merak",
            "answers": {"U1": 4},
            "respondent": {"umur": "30"},
            "suggestion": "Tambah loket",
            "created_at": now,
        }
    return {
        "kind": "tally_event",
        "uuid": str(uuid4()),
        "post_code": "MRK",
        "counter": "merchandise",
        "item": "kaos",
        "count": 1,
        "created_at": now,
    }


def test_a_nul_in_a_note_never_reaches_the_sms(central_server: CentralServer) -> None:
    """Before: SQLite stored the NUL and the SMS reply carried it raw; PostgreSQL answered
    500."""
    store = central_server.store
    token, device = enroll(store)
    staff = store.create_client("Petugas Uji", "staff")
    record = complaint_record(device.tracking_prefix, 7)
    with central_server.client() as client:
        client.post(
            "/api/v1/sync/push",
            json={"records": [record]},
            headers={"authorization": f"Bearer {token}"},
        )
        answer = client.post(
            f"/api/v1/staff/complaints/{record['tracking_id']}/status",
            json={"status": "forwarded", "public_note": "ok", "agency": "Jasa\x00Marga"},
            headers={"authorization": f"Bearer {staff}"},
        )
        assert answer.status_code == 422
        sms = client.get(f"/api/v1/track/{record['tracking_id']}/sms")
        assert sms.status_code == 200 and "\x00" not in sms.text


@pytest.mark.parametrize("value", [ESCAPE, "ada\x07bel", "ada\x7fdel"])  # argv has no NUL
def test_the_cli_refuses_control_characters_in_notes(
    central_server: CentralServer, value: str
) -> None:
    from tests.central_support import run_central

    store = central_server.store
    token, device = enroll(store)
    record = complaint_record(device.tracking_prefix, 9)
    httpx.post(
        f"{central_server.url}/api/v1/sync/push",
        json={"records": [record]},
        headers={"authorization": f"Bearer {token}"},
    )
    for option in ("--public-note", "--internal-note", "--agency", "--by"):
        done = run_central(
            "--database-url",
            central_server.database_url,
            "status",
            "set",
            record["tracking_id"],
            "verified",
            option,
            value,
        )
        assert done.returncode == 2, (option, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        assert option in done.stderr and "kontrol" in done.stderr, done.stderr
    assert [e.status.value for e in store.timeline(store.complaint(record["tracking_id"]).id)] == [
        "received"
    ]
