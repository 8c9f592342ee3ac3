"""The kiosk's exit PIN: what a coordinator may choose, its stored hash, and the wait a
guesser meets (a fixed clock)."""

from __future__ import annotations

import pytest

from desktop.domain import ValidationError
from desktop.survey.pin import (
    FREE_TRIES,
    LONGEST_WAIT,
    PinGuard,
    checked_pin,
    hash_pin,
    pin_matches,
)


@pytest.mark.parametrize(
    ("pin", "repeated", "message"),
    [
        ("123", None, "PIN terdiri dari 4 sampai 12 angka."),
        ("1234567890123", None, "PIN terdiri dari 4 sampai 12 angka."),
        ("12a4", None, "PIN terdiri dari 4 sampai 12 angka."),
        ("١٢٣٤", None, "PIN terdiri dari 4 sampai 12 angka."),  # digits, but not 0-9
        ("7777", None, "PIN berupa satu angka yang diulang terlalu mudah ditebak."),
        ("2468", "2469", "Kedua PIN berbeda: ketik PIN yang sama dua kali."),
    ],
)
def test_a_pin_that_is_refused_says_why(pin: str, repeated: str | None, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        checked_pin(pin, repeated)
    assert [(e.field, e.message) for e in refused.value.errors] == [("pin", message)]


def test_only_a_salted_slow_hash_is_kept() -> None:
    stored, again = hash_pin("2468"), hash_pin("2468")
    assert "2468" not in stored and stored != again  # salted
    assert stored.startswith("scrypt$16384$8$1$")
    assert pin_matches(stored, "2468") and pin_matches(again, "2468")
    assert not pin_matches(stored, "2469")
    for damaged in ("", "2468", "scrypt$1$2", stored.replace("scrypt", "md5"), stored + "zz"):
        assert not pin_matches(damaged, "2468")


def test_wrong_pins_wait_longer_each_time() -> None:
    now = [0.0]
    guard = PinGuard(hash_pin("2468"), clock=lambda: now[0])
    for _ in range(FREE_TRIES - 1):
        assert not guard.attempt("0000") and guard.wait_left() == 0
    assert not guard.attempt("0000")
    assert guard.wait_left() == 30
    assert not guard.attempt("2468")  # refused unchecked while it waits
    assert guard.failures == FREE_TRIES
    waits = []
    for _ in range(8):
        now[0] += guard.wait_left()
        assert not guard.attempt("1111")
        waits.append(guard.wait_left())
    assert waits == [60, 120, 240, 480, LONGEST_WAIT, LONGEST_WAIT, LONGEST_WAIT, LONGEST_WAIT]
    now[0] += guard.wait_left()
    assert guard.attempt("2468") and guard.failures == 0
    assert not guard.attempt("1") and guard.wait_left() == 0  # a fresh count after the PIN
