"""``posko setup`` on a desk that has a coordinator changes the desk's settings
(here the central system's address, where sync sends reports and receipts' QR codes
point) without any PIN, whenever the operator last on duty was a coordinator, e.g. the
GUI is merely locked. ``export --with-contacts`` and ``kiosk --set-pin`` ask for
``--coordinator NAME`` and a PIN; ``setup`` has no such check."""

from __future__ import annotations

from pathlib import Path

from desktop.paths import Profile
from desktop.store.operators import Role
from desktop.store.repo import Store
from tests.e2e.test_cli import posko

SITI, BUDI = "482915", "7301"


def test_cli_setup_needs_a_coordinators_pin(tmp_path: Path) -> None:
    data = tmp_path / "desk"
    desk = ["--data-dir", str(data)]
    made = posko(*desk, "setup", "--post-code", "MRK", "--post-name", "Merak", "--operator", "Siti")
    assert made.returncode == 0, made.stderr
    store = Store.open(Profile(data))
    try:
        store.first_coordinator("Siti", SITI, SITI)  # Siti on duty, then the desk is locked
        store.save_operator("Budi", role=Role.PETUGAS, pin=BUDI, repeated=BUDI)
    finally:
        store.close()
    changed = posko(
        *desk, "setup", "--post-code", "MRK", "--post-name", "Merak", "--operator", "Siti",
        "--central-url", "https://attacker.invalid",
    )  # fmt: skip
    store = Store.open(Profile(data))
    try:
        url = store.require_context().central_url
    finally:
        store.close()
    assert url != "https://attacker.invalid", changed.stdout
