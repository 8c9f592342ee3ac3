"""PIN rate limiting holds against guesses made at the same time (several
``posko export --with-contacts --coordinator`` processes, or a command and the desk at
once): ``check_pin`` takes SQLite's write lock before it reads the count, so each guess
sees the count the one before left, and no wrong PIN goes uncounted. (Before, the read ran
outside the write transaction: eight guessers all saw no failures and all were checked.)"""

from __future__ import annotations

import threading

import pytest

from desktop.paths import Profile
from desktop.store import operators as operators_module
from desktop.store.operators import PinRefused, Role
from desktop.store.repo import Store
from desktop.survey.pin import FREE_TRIES

PIN = "482915"


def test_parallel_guesses_are_held_back_like_sequential_ones(
    store: Store, profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.first_coordinator("Siti Rahmawati", PIN, PIN)
    store.save_operator("Budi Santoso", role=Role.PETUGAS, pin="7301", repeated="7301")
    store.close()

    checked: list[str] = []
    real = vars(operators_module)["_matches"]

    def counting(stored: str, pin: str) -> bool:
        checked.append(pin)
        return bool(real(stored, pin))

    monkeypatch.setattr(operators_module, "_matches", counting)
    guessers = 8
    stores = [Store.open(profile) for _ in range(guessers)]
    for s in stores:
        s.require_context()  # opened and migrated before the race
    gate = threading.Barrier(guessers)
    outcomes: list[object] = []

    def guess(s: Store, n: int) -> None:
        gate.wait()
        try:
            s.check_pin("Siti Rahmawati", f"{100000 + n}")
        except PinRefused as refused:
            outcomes.append(refused.wait_seconds)
        except Exception as error:
            outcomes.append(error)

    threads = [threading.Thread(target=guess, args=(s, n)) for n, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    again = Store.open(profile)
    try:
        failed = again.database().session
        from sqlalchemy import select

        from desktop.store.models import Operator

        with failed() as sess:
            count = sess.scalar(
                select(Operator.failed_pins).where(Operator.name == "Siti Rahmawati")
            )
    finally:
        again.close()
    # Sequentially, only FREE_TRIES PINs are checked before a wait is imposed and every
    # wrong PIN that was checked is counted.
    assert len(checked) <= FREE_TRIES, (len(checked), count, outcomes)
    assert count == len(checked), (len(checked), count, outcomes)
