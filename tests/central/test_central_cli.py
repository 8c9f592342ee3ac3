"""``posko-central`` as an administrator runs it: a real process on a real database."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from central.db import open_database
from central.store import CentralStore
from posko import tracking, wire
from tests.central_support import complaint_record, enroll, enroll_with, run_central

central = run_central


def test_enroll_code_device_list_and_revoke(central_db_url: str) -> None:
    made = central("--database-url", central_db_url, "enroll-code", "--post", "mrk")
    assert made.returncode == 0, made.stderr
    code = made.stdout.strip()
    assert len(tracking.normalize(code)) == 10
    store = CentralStore(open_database(central_db_url))
    try:
        answer = enroll_with(store, code, label="Laptop Merak 1")
        assert answer.post_code == "MRK"
        listed = central("--database-url", central_db_url, "device", "list", "--json")
        devices = json.loads(listed.stdout)
        assert [(d["id"], d["post_code"], d["revoked"]) for d in devices] == [
            (int(answer.device_id), "MRK", False)
        ]
        text = central("--lang", "en", "--database-url", central_db_url, "device", "list")
        assert answer.tracking_prefix in text.stdout and "active" in text.stdout
        revoked = central("--database-url", central_db_url, "device", "revoke", answer.device_id)
        assert revoked.returncode == 0, revoked.stderr
        assert store.authenticate_device(answer.token) is None
        missing = central("--database-url", central_db_url, "device", "revoke", "999")
        assert missing.returncode == 1 and "999" in missing.stderr
        huge = central("--database-url", central_db_url, "device", "revoke", "9" * 30)
        assert huge.returncode == 1 and "Traceback" not in huge.stderr
    finally:
        store.close()


def test_status_set_from_the_shell(tmp_path: Path) -> None:
    data = str(tmp_path / "central")
    store_url = f"sqlite:///{tmp_path / 'central' / 'central.sqlite3'}"
    assert central("--data-dir", data, "enroll-code", "--post", "SMG").returncode == 0
    store = CentralStore(open_database(store_url))
    try:
        _token, device = enroll(store, "SMG")
        record = complaint_record(device.tracking_prefix, 1, post_code="SMG")
        store.push(device, [record])
        shown = tracking.display(record["tracking_id"]).lower()
        done = central(
            "--lang", "en", "--data-dir", data, "status", "set", shown, "forwarded",
            "--public-note", "Diteruskan ke Dinas Perhubungan", "--agency", "ditjenhubdat",
            "--internal-note", "Pelapor minta ditelepon sore", "--by", "Dewi",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "forwarded" in done.stdout
        view = store.complaint(record["tracking_id"])
        assert view is not None and view.status == wire.CentralStatus.FORWARDED
        assert view.agency == "DITJENHUBDAT"  # as the agency catalog spells it
        last = store.timeline(view.id)[-1]
        assert (last.actor, last.public_note) == ("Dewi", "Diteruskan ke Dinas Perhubungan")
        assert last.internal_note == "Pelapor minta ditelepon sore"
        # The central audit trail says it came from the shell, with codes only.
        (line,) = store.central_audit("status_changed")
        assert (line.actor, line.target) == ("cli:Dewi", record["tracking_id"])
        assert line.detail == "status=forwarded,agency=->DITJENHUBDAT"
        made = store.central_audit("enroll_code_created")  # newest first: enroll()'s, then ours
        assert [line.actor for line in made][1:] == [f"cli:{os.environ.get('USER', 'admin')}"]
        assert made[1].detail == "post=SMG"

        typo = record["tracking_id"][:-1] + ("2" if record["tracking_id"][-1] != "2" else "3")
        bad = central("--data-dir", data, "status", "set", typo, "resolved")
        assert bad.returncode == 2 and typo in bad.stderr
        unknown = tracking.TrackingId.make(device.tracking_prefix, 500).compact
        missing = central("--data-dir", data, "status", "set", unknown, "resolved")
        assert missing.returncode == 1
        wrong = central("--data-dir", data, "status", "set", record["tracking_id"], "done")
        assert wrong.returncode == 2  # argparse: not one of the statuses
        long = central(
            "--data-dir", data, "status", "set", record["tracking_id"], "verified",
            "--agency", "x" * 101,
        )  # fmt: skip
        assert long.returncode == 2 and "Traceback" not in long.stderr
    finally:
        store.close()


def test_status_set_takes_an_agency_from_the_catalog(tmp_path: Path) -> None:
    data = str(tmp_path / "central")
    assert central("--data-dir", data, "enroll-code", "--post", "MRK").returncode == 0
    store = CentralStore(open_database(f"sqlite:///{tmp_path / 'central' / 'central.sqlite3'}"))
    try:
        _token, device = enroll(store, "MRK")
        record = complaint_record(device.tracking_prefix, 1)
        store.push(device, [record])
        compact = record["tracking_id"]
        unknown = central("--data-dir", data, "status", "set", compact, "forwarded",
                          "--agency", "Dishub Jateng")  # fmt: skip
        assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
        assert unknown.stderr.startswith("Dishub Jateng bukan kode instansi.")
        # What is valid, with the names in the operator's language.
        assert "ASDP" in unknown.stderr and "PT ASDP Indonesia Ferry (Persero)" in unknown.stderr
        english = central("--lang", "en", "--data-dir", data, "status", "set", compact,
                          "forwarded", "--agency", "Dishub")  # fmt: skip
        assert english.returncode == 2
        assert english.stderr.startswith("Dishub is not an agency code.")
        assert "ASDP             ASDP Indonesia Ferry" in english.stderr
        view = store.complaint(compact)
        assert view is not None and view.status == wire.CentralStatus.RECEIVED  # unchanged

        assert central("--data-dir", data, "status", "set", compact, "forwarded",
                       "--agency", " asdp ").returncode == 0  # fmt: skip
        view = store.complaint(compact)
        assert view is not None and view.agency == "ASDP"
        # Empty clears the agency, as before.
        assert central("--data-dir", data, "status", "set", compact, "verified",
                       "--agency", "").returncode == 0  # fmt: skip
        view = store.complaint(compact)
        assert view is not None and view.agency == ""

        # The catalog is the rules the server hands out (POSKO_CENTRAL_RULES).
        rules = tmp_path / "rules"
        rules.mkdir()
        assets = Path(__file__).resolve().parents[2] / "assets"
        (rules / "routing.json").write_text((assets / "routing.json").read_text("utf-8"))
        agencies = json.loads((assets / "agencies.json").read_text("utf-8"))
        agencies["agencies"].append({"code": "DISHUBJATENG", "name": {"id": "Dishub Jateng"}})
        (rules / "agencies.json").write_text(json.dumps(agencies))
        env = {"POSKO_CENTRAL_RULES": str(rules)}
        local = central("--data-dir", data, "status", "set", compact, "forwarded",
                        "--agency", "dishubjateng", env=env)  # fmt: skip
        assert local.returncode == 0, local.stderr
        view = store.complaint(compact)
        assert view is not None and view.agency == "DISHUBJATENG"
        (rules / "agencies.json").write_text("{")
        broken = central("--data-dir", data, "status", "set", compact, "forwarded",
                         "--agency", "ASDP", env=env)  # fmt: skip
        assert broken.returncode == 1 and "Traceback" not in broken.stderr
        assert broken.stderr.startswith("Katalog instansi tidak dapat dibaca")
    finally:
        store.close()


def test_client_tokens_are_printed_once_and_stored_hashed(tmp_path: Path) -> None:
    data = str(tmp_path / "central")
    made = central("--data-dir", data, "client", "add", "Dewi", "--role", "staff")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    store = CentralStore(open_database(f"sqlite:///{tmp_path / 'central' / 'central.sqlite3'}"))
    try:
        assert store.authenticate_client(token, "staff") is not None
        assert store.authenticate_client(token, "open311") is None
    finally:
        store.close()
    raw = (tmp_path / "central" / "central.sqlite3").read_bytes()
    assert token.encode() not in raw
    assert central("--data-dir", data, "client", "add", "x", "--role", "staff").returncode == 2


@pytest.mark.parametrize(
    "args",
    [
        ("enroll-code", "--post", "M R K"),
        ("enroll-code", "--post", "MRK", "--expires", "0"),
        ("enroll-code", "--post", "MRK", "--expires", "abc"),
        ("status", "set"),
        ("device", "revoke", "abc"),
    ],
)
def test_usage_errors(tmp_path: Path, args: tuple[str, ...]) -> None:
    answer = central("--data-dir", str(tmp_path), *args)
    assert answer.returncode == 2
    assert answer.stderr.strip()
    assert "Traceback" not in answer.stderr


def test_unreachable_or_bad_database_is_a_message(tmp_path: Path) -> None:
    bad = central("--database-url", "mysql://x@y/z", "device", "list")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    unreachable = central(
        "--database-url", "postgresql+psycopg://nobody@127.0.0.1:1/none", "device", "list"
    )
    assert unreachable.returncode == 1 and "Traceback" not in unreachable.stderr
    not_a_db = tmp_path / "central.sqlite3"
    not_a_db.write_bytes(b"this is not a database" * 100)
    corrupt = central("--data-dir", str(tmp_path), "device", "list")
    assert corrupt.returncode == 1 and "Traceback" not in corrupt.stderr
    assert not_a_db.read_bytes() == b"this is not a database" * 100


def test_version_and_console_script() -> None:
    answer = central("--version")
    assert answer.returncode == 0 and answer.stdout.startswith("posko-central ")
    script = Path(sys.executable).parent / "posko-central"
    assert script.exists()
