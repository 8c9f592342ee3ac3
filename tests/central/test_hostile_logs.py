"""No reporter data and no report text ever reaches a log: the real server on 127.0.0.1
(SQLite and PostgreSQL) is driven through good requests, refused requests and a database
that fails in the middle of an insert, then its whole log is searched for what the reports
held."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from tests.central_support import complaint_record, enroll, start_server, stop_process

# Each value is unmistakable in a log, and each is a field of a report.
TITLE = "Judulrahasia Qzx"
DESCRIPTION = "Uraianpribadi Wvk tentang pungutan liar"
REPORTER = "Namapelapor Jqx"
PHONE = "+6281299887766"
EMAIL = "pelapor.jqx@contoh.id"
PLACE = "Tempatlapor Kzv"
NOTE = "Catatanstaf Pqw"
SECRETS = (TITLE, DESCRIPTION, REPORTER, PHONE, "81299887766", EMAIL, PLACE, NOTE, "Qzx", "Jqx")


def _fail_inserts_holding(url: str, marker: str) -> None:
    """Make the database itself refuse a row whose title holds ``marker`` (a constraint the
    application does not know about): the insert fails with the row in the error."""
    engine = create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(
                text(
                    "ALTER TABLE complaints ADD CONSTRAINT no_marker "
                    f"CHECK (title NOT LIKE '%{marker}%') NOT VALID"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE TRIGGER no_marker BEFORE INSERT ON complaints "
                    f"WHEN NEW.title LIKE '%{marker}%' "
                    "BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END"
                )
            )
    engine.dispose()


def test_the_server_log_holds_no_report_text(central_db_url: str, tmp_path: Path) -> None:
    from central.db import open_database
    from central.store import CentralStore

    store = CentralStore(open_database(central_db_url))
    token, device = enroll(store)
    staff = store.create_client("Petugas Uji", "staff")
    open311_key = store.create_client("Dasbor", "open311")
    _fail_inserts_holding(central_db_url, "Boomjudul")
    log = tmp_path / "server.log"
    process, url = start_server(central_db_url, log)
    auth = {"authorization": f"Bearer {token}"}
    personal = {
        "title": TITLE,
        "description": DESCRIPTION,
        "reporter_name": REPORTER,
        "phone": PHONE,
        "email": EMAIL,
        "location": PLACE,
    }
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            good = complaint_record(device.tracking_prefix, 1, **personal)
            assert (
                client.post("/api/v1/sync/push", json={"records": [good]}, headers=auth).json()[
                    "results"
                ][0]["result"]
                == "accepted"
            )
            # Refused records: a field too long, a control character, a wrong type.
            prefix = device.tracking_prefix
            refused = [
                complaint_record(prefix, 2, **personal | {"title": TITLE * 20}),
                complaint_record(
                    device.tracking_prefix, 3, **personal | {"location": PLACE + "\0"}
                ),
                complaint_record(prefix, 4, **personal | {"anonymous": REPORTER}),
                complaint_record(prefix, 5, **personal | {"category": REPORTER}),
            ]
            answer = client.post("/api/v1/sync/push", json={"records": refused}, headers=auth)
            assert {r["result"] for r in answer.json()["results"]} == {"rejected"}
            # A batch that is not valid at all, and one that is not JSON.
            client.post("/api/v1/sync/push", json={"records": personal}, headers=auth)
            client.post(
                "/api/v1/sync/push",
                content=f'{{"records": [{{"title": "{TITLE}"'.encode(),
                headers=auth | {"content-type": "application/json"},
            )
            # The same UUID again with other content: a conflict.
            client.post(
                "/api/v1/sync/push",
                json={"records": [good | {"title": TITLE + " lagi", "revision": 1}]},
                headers=auth,
            )
            # Staff: a good note, a refused one.
            for body in (
                {"status": "verified", "public_note": NOTE, "internal_note": NOTE},
                {"status": "verified", "public_note": NOTE + "\x00", "agency": REPORTER},
                {"status": "nonsense", "internal_note": NOTE},
            ):
                client.post(
                    f"/api/v1/staff/complaints/{good['tracking_id']}/status",
                    json=body,
                    headers={"authorization": f"Bearer {staff}"},
                )
            # Open311: a report filed, and one refused.
            form = {
                "api_key": open311_key,
                "service_code": "TOL",
                "description": DESCRIPTION,
                "address_string": PLACE,
                "first_name": REPORTER,
                "email": EMAIL,
                "phone": PHONE,
            }
            assert client.post("/open311/v2/requests.json", data=form).status_code == 200
            client.post("/open311/v2/requests.json", data=form | {"lat": REPORTER})
            client.get(f"/t/{good['tracking_id']}", params={"k": good["secret"]})
            # The database refuses an insert in the middle of a push: a 500.
            boom = complaint_record(
                device.tracking_prefix, 6, **personal | {"title": "Boomjudul " + TITLE}
            )
            failed = client.post("/api/v1/sync/push", json={"records": [boom]}, headers=auth)
            assert failed.status_code == 500
            assert failed.json()["error"] == "internal_error"
            assert failed.headers["x-content-type-options"] == "nosniff"
            assert "default-src 'none'" in failed.headers["content-security-policy"]
            assert TITLE not in failed.text and REPORTER not in failed.text
    finally:
        stop_process(process)
        store.close()
    logged = log.read_text(encoding="utf-8", errors="replace")
    assert "unexpected error in POST /api/v1/sync/push" in logged, logged
    assert "IntegrityError" in logged or "CheckViolation" in logged, logged
    found = [secret for secret in SECRETS if secret.casefold() in logged.casefold()]
    assert found == [], logged
