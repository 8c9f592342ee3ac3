"""Hostile USB bundles against the real ``posko-central import-bundle`` process (SQLite and
PostgreSQL): each is refused with its one message, with no traceback, nothing imported, a
low peak memory, and nothing from inside the file reaching the terminal raw. The variants of
each refusal are checked in-process, faster, in ``tests/e2e/test_bundle.py``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.store import CentralStore
from central.terminal import shown
from tests.bundle_support import (
    MAGIC,
    PEAK_LIMIT_MIB,
    Desk,
    Run,
    central,
    enrolled_desk,
    records,
    v1_bomb,
    v2,
    variants,
    zeros_gzip,
)
from tests.central_support import complaint_record


@pytest.fixture
def desk(central_store: CentralStore) -> Desk:
    return enrolled_desk(central_store)


# -- the tests -------------------------------------------------------------------------------


def refused(run: Run, *fragments: str) -> None:
    """Refused: exit 1, one line on stderr saying why and that nothing was imported."""
    assert run.returncode == 1, run.output
    assert "Traceback" not in run.output, run.output
    message = run.stderr.decode()
    assert len(message.splitlines()) == 1, run.output
    for fragment in (*fragments, "Tidak ada data yang diimpor."):
        assert fragment in message, run.output
    assert run.stdout == b"", run.output


SIGNATURE = "Tanda tangan bundel tidak cocok"
UNREADABLE = "Data di dalam bundel tidak dapat dibaca"


def test_gzip_bombs_are_refused_before_inflating(
    central_db_url: str, central_store: CentralStore, desk: Desk, tmp_path: Path
) -> None:
    bomb = zeros_gzip(1024**3)
    stranger = Ed25519PrivateKey.generate()
    files = {
        # The hostile test's file: version 1, so it is refused unopened.
        "v1": (v1_bomb(), "versi lama"),
        # A forged header that lies about the size: refused by the signature.
        "forged": (v2(desk, bomb, record_count=1, inflated_bytes=100, key=stranger), SIGNATURE),
        # An honest header: refused by the inflated size it announces.
        "honest": (
            v2(desk, bomb, record_count=1, inflated_bytes=1024**3, key=stranger),
            "lebih banyak daripada yang dapat diimpor",
        ),
        # Signed by the desk's own key, lying about the size: inflation stops at the lie.
        "signed": (v2(desk, bomb, record_count=1, inflated_bytes=1000), UNREADABLE),
    }
    for name, (data, message) in files.items():
        target = tmp_path / f"{name}.posko"
        target.write_bytes(data)
        assert target.stat().st_size < 2_000_000
        run = central(central_db_url, "import-bundle", str(target), tmp_path=tmp_path)
        refused(run, message)
        assert run.peak_mib < PEAK_LIMIT_MIB, (name, run.peak_mib)
    assert central_store.count(["complaints"]) == {"complaints": 0}


def test_huge_file_is_refused_by_size_unread(
    central_db_url: str, central_store: CentralStore, tmp_path: Path
) -> None:
    huge = tmp_path / "huge.posko"
    with huge.open("wb") as handle:
        handle.write(MAGIC)
    os.truncate(huge, 6 * 1024**3)  # sparse: six GiB that take no disk
    run = central(central_db_url, "import-bundle", str(huge), tmp_path=tmp_path)
    refused(run, "lebih besar daripada batas ukuran bundel (256 MB)")
    assert run.peak_mib < PEAK_LIMIT_MIB, run.peak_mib


# One file per message (``tests/e2e/test_bundle.py`` checks every variant in-process).
MESSAGES = {
    "deep": UNREADABLE,  # RecursionError inside json, caught
    "garbage": "data tambahan",
    "cut-at-end": "Bundel terpotong",
    "wrong-signature": SIGNATURE,
    "unknown-device": "tidak didaftarkan oleh server ini",
    "prefix": "awalan nomor pelacakan",
    "v1": "versi lama",
    "zip": "bukan bundel Posko",
    "newer": "versi lebih baru",
    "too-many": "paling banyak 200000 data, 512 MB",
}


def test_every_refusal_has_its_one_message(
    central_db_url: str, central_store: CentralStore, desk: Desk, tmp_path: Path
) -> None:
    cases = variants(desk)
    for name, message in MESSAGES.items():
        target = tmp_path / f"{name}.posko"
        target.write_bytes(cases[name][0])
        refused(central(central_db_url, "import-bundle", str(target), tmp_path=tmp_path), message)

    missing = central(central_db_url, "import-bundle", str(tmp_path / "nope"), tmp_path=tmp_path)
    assert missing.returncode == 1 and "Traceback" not in missing.output
    assert missing.stderr.decode().startswith("Tidak dapat membaca")
    refused(central(central_db_url, "import-bundle", str(tmp_path), tmp_path=tmp_path), "bukan")

    english = central(
        central_db_url, "--lang", "en", "import-bundle", str(tmp_path / "v1.posko"),
        tmp_path=tmp_path,
    )  # fmt: skip
    assert english.returncode == 1
    assert english.stderr.decode() == (
        "This bundle was made by an older Posko: update the desk and export again. "
        "Nothing was imported.\n"
    )

    central_store.revoke_device(desk.device_id)
    target = tmp_path / "good.posko"
    target.write_bytes(records(desk, complaint_record(desk.prefix, 1)))
    refused(central(central_db_url, "import-bundle", str(target), tmp_path=tmp_path), "dicabut")
    assert central_store.count(["complaints"]) == {"complaints": 0}


EVIL = "\x1b[2J\x1b[31mEVIL\x1b]0;owned\x07\x08\r\u202eKCATTA\x9b6n\u2028"
CONTROL = [b"\x1b", b"\x07", b"\x08", b"\r", "\u202e".encode(), "\x9b".encode(), "\u2028".encode()]


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_escape_codes_in_records_never_reach_the_terminal(
    central_db_url: str, central_store: CentralStore, desk: Desk, tmp_path: Path, as_json: bool
) -> None:
    items = [
        complaint_record(desk.prefix, 1, uuid=EVIL * 50),
        complaint_record(desk.prefix, 2, kind=EVIL),
        complaint_record(desk.prefix, 3, category="X" + EVIL, title="Rahasia pelapor " + EVIL),
        {"kind": "survey_response", "uuid": "u", "respondent": {EVIL: EVIL}},
        complaint_record(desk.prefix, 4),  # a good one among them
    ]
    target = tmp_path / "evil.posko"
    target.write_bytes(records(desk, *items, created_at="2025-03-28T08:00:00+00:00"))
    args = ["import-bundle", str(target)] + (["--json"] if as_json else [])
    run = central(central_db_url, *args, tmp_path=tmp_path)
    assert run.returncode == 0, run.output
    for stream in (run.stdout, run.stderr):
        for byte in CONTROL:
            assert byte not in stream, (byte, stream)
    # Never report text nor reporter data, escaped or not.
    for secret in ("Rahasia pelapor", "Budi Santoso", "+6281234567890", "Siti"):
        assert secret not in run.output
    if as_json:
        report = json.loads(run.stdout)
        assert report["counts"] == {
            "accepted": 1,
            "duplicate": 0,
            "conflict": 0,
            "rejected": 4,
            "deferred": 0,
        }
        assert all(len(p["uuid"] or "") <= 41 for p in report["problems"])
        assert all(len(p["reason"] or "") <= 301 for p in report["problems"])
        assert "\\x1b[2J" in report["problems"][0]["uuid"]
    else:
        text = run.stdout.decode()
        assert "\\x1b[2J\\x1b[31mEVIL" in text  # shown escaped: the operator sees it was there
        assert "\\u202eKCATTA" in text
        assert max(len(line) for line in text.splitlines()) < 500
        assert "yang ditulis 28-03-2025 15:00 WIB: 1 baru" in text and "4 ditolak" in text


def test_shown_escapes_what_a_terminal_obeys_and_cuts_long_values() -> None:
    assert shown("Posko Merak 2K7-MQA-42X é ü") == "Posko Merak 2K7-MQA-42X é ü"
    assert shown("\x1b[31mred\x07") == "\\x1b[31mred\\x07"
    assert shown("a\rb\x08c\x9bd\x7f") == "a\\x0db\\x08c\\x9bd\\x7f"
    assert shown("\u202eabc\u2066\u200b") == "\\u202eabc\\u2066\\u200b"
    assert shown("\U000e0041 tag") == "\\U000e0041 tag"
    assert shown("C:\\x1b") == "C:\\\\x1b"  # a backslash is doubled: no faked escape
    assert shown("x" * 100, 10) == "x" * 10 + "…"
    assert shown("abcdefgh\x1b", 10) == "abcdefgh…"  # an escape is never split
    assert shown(17) == "17"
    for value in ("\x1b" * 500, "é" * 500, "\U0010ffff" * 500):
        assert len(shown(value, 40)) <= 41
