"""``posko kiosk``, run as the coordinator runs it: its exit PIN set from standard input, and
the kiosk refused with a reason where it cannot start (the real command, a real profile)."""

from __future__ import annotations

from pathlib import Path

from desktop.paths import Profile
from desktop.settings import KIOSK_PIN
from desktop.store.repo import Store
from desktop.survey.pin import pin_matches
from tests.e2e.test_cli import posko


def test_the_pin_is_set_and_the_kiosk_checked_before_it_starts(tmp_path: Path) -> None:
    data = tmp_path / "desk"
    desk = ["--data-dir", str(data)]
    not_set_up = posko(*desk, "kiosk")
    assert not_set_up.returncode == 1
    assert "belum disiapkan" in not_set_up.stderr
    made = posko(
        *desk, "setup", "--post-code", "MRK", "--post-name", "Merak", "--operator", "Siti",
        "--survey-services", "PELABUHAN,TERMINAL",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr

    no_pin = posko(*desk, "kiosk")
    assert no_pin.returncode == 1
    assert "Kios memerlukan PIN keluar terlebih dahulu: posko kiosk --set-pin" in no_pin.stderr

    weak = posko(*desk, "kiosk", "--set-pin", stdin="0000\n")
    assert weak.returncode == 1 and "terlalu mudah ditebak" in weak.stderr
    chosen = posko(*desk, "kiosk", "--set-pin", stdin="802461\n")
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.strip() == "PIN kios sudah diatur."
    store = Store.open(Profile(data))
    try:
        stored = store.get(KIOSK_PIN)
    finally:
        store.close()
    assert pin_matches(stored, "802461") and "802461" not in stored
    for kept in data.rglob("*"):  # the database, its WAL, the logs: the PIN is in none
        assert not kept.is_file() or b"802461" not in kept.read_bytes(), kept

    elsewhere = posko(*desk, "kiosk", "--service", "SPBU")
    assert elsewhere.returncode == 1
    assert "SPBU bukan layanan yang disurvei di sini." in elsewhere.stderr
    no_screen = posko(*desk, "kiosk", "--screen", "3")
    assert no_screen.returncode == 1
    assert "Tidak ada layar 3; layar yang ada: 1 (" in no_screen.stderr
