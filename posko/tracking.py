"""Tracking IDs: made offline, unique without talking to anyone, easy to read aloud.

Shape: device prefix + ``SSSS`` per-device sequence + one check character, shown in groups of
three for reading aloud or typing from an SMS: ``2K7-MQA-42X``.

* **Alphabet**: 29 symbols, ``23456789ABCDEFGHJKMNPQRSTVWXY`` — no 0/O, 1/I/L, U/V-lookalike
  U, or Z/2. 29 is prime, which the check character needs.
* **Uniqueness without coordination**: the prefix names the device, the sequence counts that
  device's reports, so no two devices need to talk. Prefixes handed out once by the central
  system at enrollment are four characters beginning with a digit (8 × 29³ = 195,112 devices,
  unique by construction): IDs of 9 characters. A desk that was never enrolled has a
  provisional prefix of seven characters beginning with a letter, so it never meets an
  enrolled one; among provisional prefixes (21 × 29⁶ ≈ 1.25·10¹⁰) the chance that any two of
  1,000 never-enrolled desks collide is about n²/2N ≈ 4·10⁻⁵. Four sequence characters give
  707,281 reports per device before the sequence grows a character.
* **A provisional prefix belongs to one key**: it is derived from the desk's public key
  (``provisional_prefix_for``) through scrypt, a deliberately slow, memory-hard hash, so the
  central system accepts a provisional ID only from the device whose key it comes from, and
  finding another key with a given prefix costs on the order of 10¹⁰ scrypt evaluations.
* **Check character**: weighted sum ``Σ i·vᵢ ≡ 0 (mod 29)`` over all characters, weights
  ``1…n``. Any single wrong character changes the sum by ``i·δ`` with ``0 < i, |δ| < 29``,
  and swapping neighbours changes it by ``±(vᵢ − vᵢ₊₁)``: both non-zero modulo the prime 29,
  so every single substitution and every adjacent transposition is caught.
"""

from __future__ import annotations

from dataclasses import dataclass

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXY"
BASE = len(ALPHABET)  # 29, prime
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
PREFIX_LENGTH = 4  # enrolled devices
PROVISIONAL_PREFIX_LENGTH = 7  # never-enrolled desks
SEQUENCE_LENGTH = 4
MAX_LENGTH = BASE - 1  # weights 1..28 stay distinct and non-zero mod 29
ENROLLED_FIRST = ALPHABET[:8]  # digits: prefixes handed out at enrollment
PROVISIONAL_FIRST = ALPHABET[8:]  # letters: random prefixes of never-enrolled desks
SECRET_LENGTH = 12  # ~58 bits, behind a rate-limited look-up


class TrackingIdError(ValueError):
    """A string that is not a valid tracking ID; ``reason`` is one of the class constants."""

    EMPTY = "empty"
    BAD_CHARACTER = "bad_character"
    BAD_LENGTH = "bad_length"
    BAD_CHECK = "bad_check"

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def check_character(payload: str) -> str:
    """The character that makes ``payload + check`` sum to zero."""
    if not 1 <= len(payload) < MAX_LENGTH:
        raise TrackingIdError(TrackingIdError.BAD_LENGTH, payload)
    total = 0
    for weight, ch in enumerate(payload, start=1):
        try:
            total += weight * _VALUE[ch]
        except KeyError:
            raise TrackingIdError(TrackingIdError.BAD_CHARACTER, ch) from None
    n = len(payload) + 1
    # n * c ≡ -total (mod 29)  →  c = -total * n⁻¹
    return ALPHABET[(-total * pow(n, -1, BASE)) % BASE]


def is_valid(compact: str) -> bool:
    if not 2 <= len(compact) <= MAX_LENGTH:
        return False
    total = 0
    for weight, ch in enumerate(compact, start=1):
        value = _VALUE.get(ch)
        if value is None:
            return False
        total += weight * value
    return total % BASE == 0


def normalize(text: str) -> str:
    """Upper-case and drop separators a person may type or an SMS may add."""
    return "".join(ch for ch in text.upper() if ch not in " -._\t\n")


def parse(text: str) -> str:
    """The compact form of a typed or scanned ID; raises ``TrackingIdError``."""
    compact = normalize(text)
    if not compact:
        raise TrackingIdError(TrackingIdError.EMPTY)
    bad = [ch for ch in compact if ch not in _VALUE]
    if bad:
        raise TrackingIdError(TrackingIdError.BAD_CHARACTER, "".join(bad))
    if len(compact) < PREFIX_LENGTH + SEQUENCE_LENGTH + 1 or len(compact) > MAX_LENGTH:
        raise TrackingIdError(TrackingIdError.BAD_LENGTH, compact)
    if not is_valid(compact):
        raise TrackingIdError(TrackingIdError.BAD_CHECK, compact)
    return compact


def display(compact: str) -> str:
    """Groups of three from the left: ``2K7MQA42X`` → ``2K7-MQA-42X``."""
    return "-".join(compact[i : i + 3] for i in range(0, len(compact), 3))


def encode_number(number: int, width: int) -> str:
    if number < 0:
        raise ValueError("sequence numbers are not negative")
    digits = []
    while number:
        number, rest = divmod(number, BASE)
        digits.append(ALPHABET[rest])
    return "".join(reversed(digits)).rjust(width, ALPHABET[0])


def provisional_prefix() -> str:
    """A random provisional prefix (first character a letter). Desks derive theirs from
    their key (``provisional_prefix_for``); this is for tests and throwaway profiles."""
    import secrets  # here: its import (hashlib, random) is not needed to show the window

    first = secrets.choice(PROVISIONAL_FIRST)
    rest = "".join(secrets.choice(ALPHABET) for _ in range(PROVISIONAL_PREFIX_LENGTH - 1))
    return first + rest


# scrypt's cost: about 0.1 s and 16 MiB once per desk (at setup) and once per enrollment on
# the central system; about 10¹⁰ times that to find a key for someone else's prefix.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024, "dklen": 16}
_SCRYPT_SALT = b"posko provisional tracking prefix, v1"


def provisional_prefix_for(public_key: bytes) -> str:
    """The provisional prefix that belongs to the raw Ed25519 ``public_key``."""
    import hashlib

    if len(public_key) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    digest = hashlib.scrypt(public_key, salt=_SCRYPT_SALT, **_SCRYPT)
    rest_length = PROVISIONAL_PREFIX_LENGTH - 1
    number = int.from_bytes(digest, "big") % (len(PROVISIONAL_FIRST) * BASE**rest_length)
    head, tail = divmod(number, BASE**rest_length)
    return PROVISIONAL_FIRST[head] + encode_number(tail, rest_length)


def decode_number(text: str) -> int:
    number = 0
    for ch in text:
        number = number * BASE + _VALUE[ch]
    return number


def split(compact: str) -> tuple[str, int]:
    """A valid compact ID's prefix and sequence number: ``2K7MQA42X`` → ``("2K7M", …)``.
    The prefix's length follows from its first character (a digit: enrolled, 4; a letter:
    provisional, 7)."""
    length = PREFIX_LENGTH if compact[:1] in ENROLLED_FIRST else PROVISIONAL_PREFIX_LENGTH
    if len(compact) < length + SEQUENCE_LENGTH + 1:
        raise TrackingIdError(TrackingIdError.BAD_LENGTH, compact)
    return compact[:length], decode_number(compact[length:-1])


def enrolled_prefix(device_number: int) -> str:
    """The prefix the central system gives its ``device_number``-th enrolled device."""
    limit = len(ENROLLED_FIRST) * BASE ** (PREFIX_LENGTH - 1)
    if not 0 <= device_number < limit:
        raise ValueError("device number out of range")
    head, tail = divmod(device_number, BASE ** (PREFIX_LENGTH - 1))
    return ENROLLED_FIRST[head] + encode_number(tail, PREFIX_LENGTH - 1)


def is_prefix(text: str) -> bool:
    """Four characters led by a digit (enrolled) or seven led by a letter (provisional)."""
    if not text or not all(ch in _VALUE for ch in text):
        return False
    if text[0] in ENROLLED_FIRST:
        return len(text) == PREFIX_LENGTH
    return len(text) == PROVISIONAL_PREFIX_LENGTH


@dataclass(frozen=True)
class TrackingId:
    compact: str

    @classmethod
    def make(cls, prefix: str, sequence: int) -> TrackingId:
        if not is_prefix(prefix):
            raise TrackingIdError(TrackingIdError.BAD_CHARACTER, prefix)
        payload = prefix + encode_number(sequence, SEQUENCE_LENGTH)
        return cls(payload + check_character(payload))

    def __str__(self) -> str:
        return display(self.compact)


def new_secret() -> str:
    import secrets

    return "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH))


def tracking_url(central_url: str, compact: str, secret: str) -> str:
    """What the receipt's QR encodes: the tracking page, the ID and the per-report secret."""
    return f"{central_url.rstrip('/')}/t/{compact}?k={secret}"
