"""The ``posko`` command as IT staff use it: real processes, real profiles, Indonesian
messages, non-zero exits on failure and no tracebacks for expected errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta, timezone
from pathlib import Path

import pytest

from desktop.paths import Profile
from desktop.store.records import ComplaintQuery
from desktop.store.repo import Store
from posko import __version__
from tests.helpers import pdf_qr_codes, pdf_text

ROOT = Path(__file__).resolve().parents[2]


def posko(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        timeout=120,
    )


def test_version() -> None:
    result = posko("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"posko {__version__}"


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "posko"
    if not script.exists():
        pytest.skip("not run from an installed environment (make test installs it)")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert result.stdout.strip() == f"posko {__version__}"


def test_help_is_indonesian_by_default_and_english_on_request() -> None:
    assert "siapkan meja ini" in posko("--help").stdout
    assert "prepare this desk" in posko("--lang", "en", "--help").stdout


def test_setup_then_demo_data_then_receipt(tmp_path: Path) -> None:
    data = tmp_path / "laptop-07"
    result = posko(
        "--data-dir",
        str(data),
        "setup",
        "--post-code",
        "cbn-1",
        "--post-name",
        "Posko Tol Cipali",
        "--operator",
        "Wahyu",
        "--central-url",
        "https://lacak.posko.test/",
        "--paper",
        "80mm",
        "--time-zone",
        "WITA",  # not Cipali's, to see it is the post's zone and not the laptop's
    )
    assert result.returncode == 0, result.stderr
    assert "Meja siap: posko Posko Tol Cipali (CBN-1)" in result.stdout

    result = posko("--data-dir", str(data), "demo-data", "--complaints", "120", "--seed", "7")
    assert result.returncode == 0, result.stderr
    assert "120 pengaduan contoh" in result.stdout

    store = Store.open(Profile(data))
    records = store.search(ComplaintQuery(), limit=500)
    store.close()
    assert len(records) == 120
    record = records[17]

    pdf = tmp_path / "ulang.pdf"
    result = posko(
        "--data-dir", str(data), "receipt", record.tracking_display.lower(), "--pdf", str(pdf)
    )
    assert result.returncode == 0, result.stderr
    assert pdf_qr_codes(pdf) == [record.qr_payload]
    assert record.qr_payload.startswith("https://lacak.posko.test/t/")
    assert record.tracking_display in pdf_text(pdf)
    created = record.created_at.astimezone(timezone(timedelta(hours=8)))
    assert f"{created:%H.%M} WITA" in pdf_text(pdf)


def test_environment_variable_selects_the_profile(tmp_path: Path) -> None:
    data = tmp_path / "from-env"
    result = posko(
        "setup",
        "--post-code",
        "SLO",
        "--post-name",
        "Posko Solo",
        "--operator",
        "Tri",
        env={"POSKO_DATA_DIR": str(data)},
    )
    assert result.returncode == 0, result.stderr
    assert (data / "posko.sqlite3").exists()


def test_setup_errors_are_messages(tmp_path: Path) -> None:
    result = posko(
        "--data-dir",
        str(tmp_path / "p"),
        "setup",
        "--post-code",
        "a b",
        "--post-name",
        "P",
        "--operator",
        "O",
        "--central-url",
        "lapor.go.id",
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Kode posko hanya boleh berisi huruf" in result.stderr
    assert "Alamat sistem pusat harus diawali https://" in result.stderr
    assert not (tmp_path / "p" / "posko.sqlite3").exists()


def test_receipt_errors(tmp_path: Path) -> None:
    data = tmp_path / "p"
    result = posko("--data-dir", str(data), "receipt", "AAA-AAA-AAA", "--pdf", "x.pdf")
    assert result.returncode == 1 and "belum disiapkan" in result.stderr
    posko(
        "--data-dir",
        str(data),
        "setup",
        "--post-code",
        "X1",
        "--post-name",
        "Posko X",
        "--operator",
        "Op",
    )
    result = posko("--data-dir", str(data), "receipt", "not-an-id", "--pdf", "x.pdf")
    assert result.returncode == 1 and "bukan nomor pelacakan yang valid" in result.stderr
    result = posko("--data-dir", str(data), "receipt", "2K7-M22-3F2", "--pdf", "x.pdf")
    assert result.returncode == 1 and "Tidak ada laporan 2K7-M22-3F2" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_data_bounds(tmp_path: Path) -> None:
    result = posko("--data-dir", str(tmp_path / "p"), "demo-data", "--complaints", "-5")
    assert result.returncode == 1 and "antara 0 dan 2.000.000" in result.stderr


def test_corrupt_database_is_a_message(tmp_path: Path) -> None:
    data = tmp_path / "p"
    data.mkdir()
    (data / "posko.sqlite3").write_bytes(b"garbage" * 1000)
    result = posko(
        "--data-dir",
        str(data),
        "setup",
        "--post-code",
        "X1",
        "--post-name",
        "Posko X",
        "--operator",
        "Op",
    )
    assert result.returncode == 1
    assert "Berkas basis data meja ini bukan lagi basis data" in result.stderr
    assert "posko recover" in result.stderr  # what to do
    assert "Traceback" not in result.stderr and "is not a database" not in result.stderr


def test_selftest() -> None:
    result = posko("selftest")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "OK   basis data",
        "OK   penyandian",
        "OK   PDF tanda terima",
        "OK   kode QR",
        "OK   sinkronisasi",
        "OK   grafik",
        "Uji mandiri berhasil.",
    ]


QUICK = [
    [],
    ["--data-dir", "/tmp/p"],
    ["--data-dir=/tmp/p", "--lang", "en"],
    ["--lang=id", "--no-crash-dialog", "--data-dir", "/tmp/p"],
    ["--data-dir="],
]
FULL = [
    ["--data"],  # an abbreviation
    ["--data", "/tmp/p"],
    ["--lang", "fr"],
    ["--lang="],
    ["--data-dir"],
    ["--data-dir", "--lang", "en"],
    ["--no-crash-dialog=1"],
    ["--", "--data-dir", "x"],
    ["gui"],
    ["--version"],
    ["-h"],
    ["route", "tol"],
]


@pytest.mark.parametrize("argv", QUICK + FULL)
def test_the_quick_start_reads_the_options_as_the_full_parser_does(argv: list[str]) -> None:
    """``posko`` with global options only skips the full parser (it imports every command):
    what it takes, it reads exactly as the full parser does; the rest (abbreviations,
    commands, mistakes) it leaves to the full parser, which explains them."""
    from desktop.cli import _gui_only, build_parser

    quick = _gui_only(argv)
    if argv not in QUICK:
        assert quick is None
        return
    assert quick is not None
    full = build_parser().parse_args(argv)
    assert vars(quick) == {key: getattr(full, key) for key in vars(quick)}
    assert full.command is None


def test_setup_chooses_the_receipt_printer(tmp_path: Path) -> None:
    from desktop.paths import Profile
    from desktop.store import start_card
    from desktop.store.context import ReceiptPrinting

    data = tmp_path / "p"
    desk = ["--data-dir", str(data), "setup", "--post-code", "MRK", "--post-name", "Merak"]
    refused = posko(*desk, "--operator", "Siti", "--print-on-save")
    assert refused.returncode == 1
    assert "--print-on-save memerlukan printer tanda terima" in refused.stderr
    assert "Traceback" not in refused.stderr

    chosen = posko(*desk, "--operator", "Siti", "--printer", "Thermal58", "--print-on-save")
    assert chosen.returncode == 0, chosen.stderr
    context = start_card.read(Profile(data))  # what the desk's next start draws
    assert context is not None and context.printing == ReceiptPrinting("Thermal58", on_save=True)

    # Another setup leaves the printer as it was unless asked; "" goes back to asking.
    assert posko(*desk, "--operator", "Budi").returncode == 0
    context = start_card.read(Profile(data))
    assert context is not None and context.printing == ReceiptPrinting("Thermal58", on_save=True)
    assert posko(*desk, "--operator", "Budi", "--printer", "").returncode == 0
    context = start_card.read(Profile(data))
    assert context is not None and context.printing == ReceiptPrinting()


def test_a_campaign_and_its_targets(tmp_path: Path) -> None:
    desk = ["--data-dir", str(tmp_path / "desk")]
    made = posko(*desk, "setup", "--post-code", "MRK", "--post-name", "Merak", "--operator", "Siti")
    assert made.returncode == 0, made.stderr
    none = posko(*desk, "campaign")
    assert none.stdout.strip() == "Meja ini tidak dihitung untuk kampanye mana pun."
    bad = posko(*desk, "campaign", "set", "--name", "Mudik", "--from", "2026-03-20",
                "--to", "2026-03-14", "--posts", "MRK,CRB", "--people", "1000")  # fmt: skip
    assert bad.returncode == 1 and "paling lama 60 hari" in bad.stderr
    shown = posko(*desk, "campaign", "set", "--name", "Mudik", "--from", "2026-03-14",
                  "--to", "2026-03-15", "--posts", "mrk,CRB", "--people", "1001")  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert "Mudik: 1001 orang, 2 posko, 2026-03-14 sampai 2026-03-15" in shown.stdout
    assert "2026-03-14: target 251, terjangkau 0 (0.0 %)" in shown.stdout
    edited = posko(*desk, "campaign", "target", "--day", "2026-03-15", "--people", "400")
    assert "2026-03-15: target 400 *, terjangkau 0" in edited.stdout
    figures = json.loads(posko(*desk, "campaign", "show", "--json").stdout)
    assert [d["target"] for d in figures["days"]] == [201, 400]  # 1001 - 400 over 3 others
    outside = posko(*desk, "campaign", "target", "--day", "2026-04-01", "--people", "5")
    assert outside.returncode == 1 and "bukan hari kampanye ini" in outside.stderr
