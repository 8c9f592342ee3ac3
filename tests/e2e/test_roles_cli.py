"""The command line passes the desk's one role check (``desktop.store.operators``): once a
desk has a coordinator, ``posko export --with-contacts`` and ``posko kiosk --set-pin`` need
``--coordinator NAME`` and that coordinator's PIN (one line of standard input here), a
petugas's PIN is not enough, wrong PINs count as at the desk, and nothing is written
when refused. The real command on a real profile."""

from __future__ import annotations

from pathlib import Path

from desktop.paths import Profile
from desktop.settings import KIOSK_PIN
from desktop.store.operators import Role
from desktop.store.repo import Store
from tests.e2e.test_cli import posko

SITI, BUDI = "482915", "7301"


def _desk(tmp_path: Path, on_duty: str = "Budi") -> list[str]:
    """A desk whose coordinator is Siti and petugas Budi, ``on_duty`` signed in last."""
    data = tmp_path / "desk"
    desk = ["--data-dir", str(data)]
    made = posko(*desk, "setup", "--post-code", "MRK", "--post-name", "Merak", "--operator", "Siti")
    assert made.returncode == 0, made.stderr
    store = Store.open(Profile(data))
    try:
        store.first_coordinator("Siti", SITI, SITI)
        store.save_operator("Budi", role=Role.PETUGAS, pin=BUDI, repeated=BUDI)
        store.sign_in(on_duty, {"Budi": BUDI, "Siti": SITI}[on_duty])
    finally:
        store.close()
    return desk


def test_contacts_leave_the_desk_only_with_a_coordinators_pin(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    out = tmp_path / "kontak.zip"
    export = [*desk, "export", "--format", "csv", "--out", str(out), "--with-contacts"]
    asked = posko(*export)
    assert asked.returncode == 1 and "--coordinator NAMA" in asked.stderr
    for name, pin in (("Budi", BUDI), ("Siti", "000111"), ("Tidak Ada", SITI)):
        refused = posko(*export, "--coordinator", name, stdin=pin + "\n")
        assert refused.returncode == 1, (name, refused.stdout)
        assert not out.exists()
    said = {
        "Budi": "Hanya koordinator yang boleh mengekspor kontak pelapor.",
        "Siti": "Nama dan PIN tidak cocok.",
    }
    budi = posko(*export, "--coordinator", "Budi", stdin=BUDI + "\n")
    assert said["Budi"] in budi.stderr
    wrong = posko(*export, "--coordinator", "Siti", stdin="000222\n")
    assert said["Siti"] in wrong.stderr
    # The third wrong PIN in a row: now even the right one waits.
    posko(*export, "--coordinator", "Siti", stdin="000333\n")
    held = posko(*export, "--coordinator", "Siti", stdin=SITI + "\n")
    assert held.returncode == 1 and "Coba lagi dalam" in held.stderr and not out.exists()
    # Without contacts, anyone on duty exports.
    plain = posko(*desk, "export", "--format", "csv", "--out", str(tmp_path / "biasa.zip"))
    assert plain.returncode == 0, plain.stderr


def test_the_kiosk_pin_is_a_coordinators_to_set(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    no_name = posko(*desk, "kiosk", "--set-pin", stdin="802461\n")
    assert no_name.returncode == 1 and "--coordinator NAMA" in no_name.stderr
    petugas = posko(*desk, "kiosk", "--set-pin", "--coordinator", "Budi", stdin=f"{BUDI}\n802461\n")
    assert petugas.returncode == 1
    assert "Hanya koordinator yang boleh mengatur PIN keluar kios." in petugas.stderr
    chosen = posko(*desk, "kiosk", "--set-pin", "--coordinator", "Siti", stdin=f"{SITI}\n802461\n")
    assert chosen.returncode == 0, chosen.stderr
    store = Store.open(Profile(Path(desk[1])))
    try:
        assert store.get(KIOSK_PIN).startswith("scrypt$")
        assert store.require_context().operator_name == "Budi"  # a PIN for one command only
    finally:
        store.close()


def test_setup_again_is_a_coordinators(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    again = [*desk, "setup", "--post-code", "MRK", "--post-name", "Merak Baru"]
    plain = posko(*again, "--operator", "Budi")
    assert plain.returncode == 1 and "--coordinator NAMA" in plain.stderr
    petugas = posko(*again, "--operator", "Budi", "--coordinator", "Budi", stdin=BUDI + "\n")
    assert petugas.returncode == 1
    assert "Hanya koordinator yang boleh mengubah pengaturan meja." in petugas.stderr
    sneaky = posko(*again, "--operator", "Dewi", "--coordinator", "Siti", stdin=SITI + "\n")
    assert sneaky.returncode == 1 and "bukan di sini" in sneaky.stderr  # no one new on duty
    done = posko(*again, "--operator", "Siti", "--coordinator", "Siti", stdin=SITI + "\n")
    assert done.returncode == 0, done.stderr
    store = Store.open(Profile(Path(desk[1])))
    try:
        context = store.require_context()
        assert (context.post_name, context.operator_name) == ("Merak Baru", "Siti")
        assert [e.action for e in store.audit_trail(action="settings_changed")] == [
            "settings_changed"
        ]
    finally:
        store.close()


def test_a_coordinator_last_on_duty_is_no_pass_for_the_command_line(tmp_path: Path) -> None:
    """Siti signed in last and the desk is merely locked: the command line still asks
    for her PIN before it changes where reports and receipts' QR codes go."""
    desk = _desk(tmp_path, on_duty="Siti")
    changed = posko(
        *desk, "setup", "--post-code", "MRK", "--post-name", "Merak", "--operator", "Siti",
        "--central-url", "https://attacker.invalid",
    )  # fmt: skip
    assert changed.returncode == 1 and "--coordinator NAMA" in changed.stderr
    store = Store.open(Profile(Path(desk[1])))
    try:
        assert store.require_context().central_url != "https://attacker.invalid"
    finally:
        store.close()


def test_the_campaign_and_the_surveys_questions_are_a_coordinators(tmp_path: Path) -> None:
    desk = _desk(tmp_path)
    campaign = [*desk, "campaign", "set", "--name", "Mudik", "--from", "2026-12-01",
                "--to", "2026-12-31", "--posts", "MRK", "--people", "1000"]  # fmt: skip
    for command in (campaign, [*desk, "survey", "questions", "--clear"]):
        asked = posko(*command)
        assert asked.returncode == 1 and "--coordinator NAMA" in asked.stderr
        petugas = posko(*command, "--coordinator", "Budi", stdin=BUDI + "\n")
        assert petugas.returncode == 1 and "Hanya koordinator" in petugas.stderr
    done = posko(*campaign, "--coordinator", "Siti", stdin=SITI + "\n")
    assert done.returncode == 0, done.stderr
    cleared = posko(*desk, "survey", "questions", "--clear", "--coordinator", "Siti",
                    stdin=SITI + "\n")  # fmt: skip
    assert cleared.returncode == 0, cleared.stderr
