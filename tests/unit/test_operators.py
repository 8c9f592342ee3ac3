"""Operators with roles and PINs (``desktop.store.operators``) on a real SQLite file: the
first coordinator, signing in, wrong PINs held back across a restart of the desk, the role
check, operator management and its limits, and a desk upgraded from before roles."""

from __future__ import annotations

import shutil
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.domain import ValidationError
from desktop.paths import Profile
from desktop.store import db, start_card
from desktop.store.operators import NotAllowed, PinRefused, Role, wait_after
from desktop.store.repo import Store
from posko.i18n import N_
from tests import rawdb

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
PIN = "482915"
DATA = Path(__file__).parents[1] / "data"


@pytest.fixture
def led(store: Store) -> Store:
    """The store's desk with Siti as its first coordinator and Budi as a petugas."""
    store.first_coordinator("Siti Rahmawati", PIN, PIN)
    store.save_operator("Budi Santoso", role=Role.PETUGAS, pin="7301", repeated="7301")
    return store


def test_a_new_desk_asks_for_its_first_coordinator(store: Store) -> None:
    assert store.needs_coordinator()
    with pytest.raises(ValidationError):
        store.first_coordinator("Siti Rahmawati", "1111", "1111")  # one digit repeated
    with pytest.raises(ValidationError):
        store.first_coordinator("Siti Rahmawati", PIN, "482916")  # typed differently
    assert store.needs_coordinator()
    context = store.first_coordinator("Siti Rahmawati", PIN, PIN)
    assert context.operator_name == "Siti Rahmawati" and context.operator_role == "koordinator"
    assert not store.needs_coordinator()
    with pytest.raises(NotAllowed):
        store.first_coordinator("Orang Lain", "5555123", "5555123")  # only the first
    # The PIN is kept as its slow hash, never as typed.
    with closing(rawdb.connect(store.profile.database)) as conn:
        (stored,) = conn.execute("SELECT pin_hash FROM operators WHERE role = 'koordinator'")
    assert stored[0].startswith("scrypt$") and PIN not in stored[0]


def test_signing_in_puts_the_operator_on_duty(led: Store) -> None:
    context = led.sign_in("Budi Santoso", "7301", now=NOW)
    assert (context.operator_name, context.operator_role) == ("Budi Santoso", "petugas")
    assert led.require_context().operator_name == "Budi Santoso"
    # Who is on duty is never on the start card: its window has nobody signed in.
    assert start_card.read(led.profile) == start_card.without_operator(context)
    assert b"Budi" not in start_card.card_path(led.profile).read_bytes()
    with pytest.raises(PinRefused) as refused:
        led.sign_in("Siti Rahmawati", "7301", now=NOW)
    assert refused.value.wait_seconds == 0
    assert led.require_context().operator_name == "Budi Santoso"  # a wrong PIN changes nothing
    # A name that is not an operator is refused in the same words as a wrong PIN.
    with pytest.raises(PinRefused) as unknown:
        led.sign_in("Tidak Ada", "7301", now=NOW)
    assert unknown.value.message == refused.value.message


def test_wrong_pins_wait_longer_each_time_even_after_a_restart(
    led: Store, profile: Profile
) -> None:
    for n in range(3):  # the free tries
        with pytest.raises(PinRefused) as refused:
            led.sign_in("Siti Rahmawati", f"90{n}12", now=NOW)
    assert refused.value.wait_seconds == 30
    # Closing the desk does not reset the count.
    led.close()
    again = Store.open(profile)
    try:
        with pytest.raises(PinRefused) as waiting:
            again.sign_in("Siti Rahmawati", PIN, now=NOW + timedelta(seconds=29))
        assert 0 < waiting.value.wait_seconds <= 1  # the right PIN, unchecked: wait
        with pytest.raises(PinRefused) as longer:
            again.sign_in("Siti Rahmawati", "000123", now=NOW + timedelta(seconds=30))
        assert longer.value.wait_seconds == 60  # twice as long
        # The right PIN after the wait signs in and starts the count again.
        later = NOW + timedelta(seconds=91)
        assert again.sign_in("Siti Rahmawati", PIN, now=later).operator_role == "koordinator"
        with pytest.raises(PinRefused) as fresh:
            again.sign_in("Siti Rahmawati", "000123", now=later)
        assert fresh.value.wait_seconds == 0
        # Each operator has their own count: Budi was never held back.
        assert again.sign_in("Budi Santoso", "7301", now=later).operator_name == "Budi Santoso"
    finally:
        again.close()
    assert [wait_after(n) for n in (0, 2, 3, 4, 5, 30)] == [0, 0, 30, 60, 120, 900]


def test_only_a_coordinator_passes_the_role_check(led: Store) -> None:
    doing = N_("export contacts")
    assert led.require(Role.KOORDINATOR, doing).operator_name == "Siti Rahmawati"
    led.sign_in("Budi Santoso", "7301", now=NOW)
    with pytest.raises(NotAllowed) as refused:
        led.require(Role.KOORDINATOR, doing)
    assert "koordinator" in refused.value.message.lower()
    assert led.require(Role.PETUGAS, doing).operator_name == "Budi Santoso"
    # A petugas cannot make operators, nor raise themselves to coordinator.
    with pytest.raises(NotAllowed):
        led.save_operator("Budi Santoso", role=Role.KOORDINATOR)
    with pytest.raises(NotAllowed):
        led.save_operator("Dewi Lestari", role=Role.PETUGAS, pin="5820", repeated="5820")


def test_a_coordinator_manages_the_operators(led: Store) -> None:
    with pytest.raises(ValidationError):
        led.save_operator("Dewi Lestari", role=Role.PETUGAS)  # a new one needs a PIN
    led.save_operator("Dewi Lestari", role=Role.PETUGAS, pin="5820", repeated="5820")
    names = [a.name for a in led.operator_accounts()]
    assert names[0] == "Siti Rahmawati" and set(names) == {
        "Siti Rahmawati",
        "Budi Santoso",
        "Dewi Lestari",
    }
    # A new PIN, a new role; then Budi may no longer sign in at all.
    led.save_operator("Budi Santoso", role=Role.KOORDINATOR, pin="640213", repeated="640213")
    assert led.sign_in("Budi Santoso", "640213", now=NOW).operator_role == "koordinator"
    led.save_operator("Budi Santoso", role=Role.PETUGAS, active=False)
    with pytest.raises(PinRefused):
        led.sign_in("Budi Santoso", "640213", now=NOW)
    assert "Budi Santoso" not in [a.name for a in led.operator_accounts()]
    assert "Budi Santoso" in [a.name for a in led.operator_accounts(inactive=True)]
    # Renamed, keeping their reports; never onto another operator's name.
    led.sign_in("Siti Rahmawati", PIN, now=NOW)
    with pytest.raises(ValidationError):
        led.save_operator("Siti Rahmawati", role=Role.PETUGAS, renamed_from="Dewi Lestari")
    led.save_operator("Dewi Lestari Putri", role=Role.PETUGAS, renamed_from="Dewi Lestari")
    assert led.sign_in("Dewi Lestari Putri", "5820", now=NOW).operator_name == (
        "Dewi Lestari Putri"
    )


def test_the_last_coordinator_stays_one(led: Store) -> None:
    with pytest.raises(NotAllowed):
        led.save_operator("Siti Rahmawati", role=Role.PETUGAS)
    with pytest.raises(NotAllowed):
        led.save_operator("Siti Rahmawati", role=Role.KOORDINATOR, active=False)
    assert led.require_context().operator_role == "koordinator"
    assert not led.needs_coordinator()


def test_a_desk_from_before_roles_keeps_its_operators_and_asks_for_a_coordinator(
    tmp_path: Path,
) -> None:
    """The last release's database (revision 0007) with two operators who never had a PIN:
    upgraded, both are there as petugas, nobody can sign in, and the desk asks for its
    first coordinator, who may be either of them."""
    profile = Profile(tmp_path / "old")
    profile.ensure()
    shutil.copy(DATA / "schema-0001.sqlite3", profile.database)
    engine = db.make_engine(profile.database)
    db.upgrade(engine, "0007")  # the last release's own migration scripts
    engine.dispose()
    with closing(rawdb.connect(profile.database)) as conn, conn:
        conn.execute(
            "INSERT INTO operators (name, post_id, created_at) "
            "VALUES ('Budi', 1, '2025-03-26 01:00:00')"
        )
        conn.execute("INSERT INTO settings (key, value) VALUES ('operator_id', '1')")
        conn.execute("INSERT INTO settings (key, value) VALUES ('post_id', '1')")
    store = Store.open(profile)
    try:
        store.setup(post_code="SMG", post_name="Posko Terminal Terboyo", operator="Agus Salim")
        accounts = store.operator_accounts()
        assert {(a.name, a.role, a.has_pin) for a in accounts} == {
            ("Agus Salim", Role.PETUGAS, False),
            ("Budi", Role.PETUGAS, False),
        }
        assert store.needs_coordinator()
        with pytest.raises(PinRefused):  # no PIN yet: nobody signs in before a coordinator
            store.sign_in("Budi", "")
        assert store.first_coordinator("Budi", "2468", "2468").operator_name == "Budi"
        assert store.complaint("kq7-mxa-322-246") is not None  # the old reports are there
    finally:
        store.close()
