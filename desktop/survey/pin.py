"""The kiosk's exit PIN: set by a coordinator (``posko kiosk --set-pin`` or the Survei
section), asked for before the kiosk gives the screen back. No Qt.

Only a slow hash of the PIN is stored (scrypt, in the profile's settings); a guessed PIN is
rate-limited: after ``FREE_TRIES`` wrong ones each further try waits, twice as long each
time, up to ``LONGEST_WAIT`` seconds. The count lives as long as the kiosk runs: a traveller
at the screen cannot restart it without the operator (leaving it is what the PIN guards).
A thief who has the laptop's disk is out of this file's reach (issue 14's encryption)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

from desktop.domain import FieldError, ValidationError
from posko.i18n import _

PIN_LENGTH = (4, 12)
FREE_TRIES = 3
FIRST_WAIT = 30.0  # seconds, after the free tries
LONGEST_WAIT = 900.0
# scrypt's cost: about 50 ms a try on a field laptop (RFC 7914's interactive figures).
_N, _R, _P = 2**14, 8, 1


def checked_pin(pin: str, repeated: str | None = None) -> str:
    """The PIN a coordinator chose, or ``ValidationError`` on ``pin`` saying what is wrong:
    4 to 12 digits, not one digit repeated, typed the same twice (``repeated``)."""
    low, high = PIN_LENGTH
    message = ""
    if not (pin.isascii() and pin.isdigit() and low <= len(pin) <= high):
        message = _("The PIN is {low} to {high} digits.").format(low=low, high=high)
    elif len(set(pin)) == 1:
        message = _("A PIN of one digit repeated is too easy to guess.")
    elif repeated is not None and repeated != pin:
        message = _("The two PINs differ: type the same PIN twice.")
    if message:
        raise ValidationError([FieldError("pin", message)])
    return pin


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def pin_matches(stored: str, pin: str) -> bool:
    """Whether ``pin`` is the one ``stored`` (a ``hash_pin`` value) was made from; False for
    a stored value that is not one (nothing set, or damaged)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        found = hashlib.scrypt(
            pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(found.hex(), digest)


class PinGuard:
    """Checks PINs against ``stored`` and holds back a guesser."""

    def __init__(self, stored: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.stored = stored
        self.clock = clock
        self.failures = 0
        self._blocked_until = 0.0

    def wait_left(self) -> float:
        """Seconds until the next try is allowed (0: now)."""
        return max(0.0, self._blocked_until - self.clock())

    def attempt(self, pin: str) -> bool:
        """Whether ``pin`` is right; a try while ``wait_left()`` is not 0 is refused without
        being checked (and does not count)."""
        if self.wait_left() > 0:
            return False
        if pin_matches(self.stored, pin):
            self.failures = 0
            return True
        self.failures += 1
        if self.failures >= FREE_TRIES:
            wait = FIRST_WAIT * 2 ** min(self.failures - FREE_TRIES, 10)
            self._blocked_until = self.clock() + min(wait, LONGEST_WAIT)
        return False


__all__ = ["FREE_TRIES", "PIN_LENGTH", "PinGuard", "checked_pin", "hash_pin", "pin_matches"]
