"""Phone numbers as reports carry them, in E.164 (``+6281234567890``): Indonesian numbers
typed any way people write them, and numbers abroad (migrant workers coming home keep
their +60, +65, +966 or +852 phones) in international form."""

from __future__ import annotations

import re

# One number in E.164: Indonesia's by its own numbering plan (area or mobile code, then
# the subscriber: 8 to 12 digits after +62), any other country's by E.164's general shape
# (a country code that does not start with 0, at most 15 digits in all).
INDONESIAN = r"\+62[2-9][0-9]{7,11}"
ABROAD = r"\+(?:[1-57-9][0-9]{6,14}|6[013-9][0-9]{5,13})"  # not +62; no look-ahead (pydantic)
E164 = rf"(?:{INDONESIAN}|{ABROAD})"

_SEPARATORS = re.compile(r"[\s\-.()/]")
_TRUNK_ZERO = re.compile(r"^(\+[0-9]{1,3})\s*\(0\)")  # "+62 (0)812": the 0 dialled at home
_NATIONAL = re.compile(r"^(?:\+62|62|0)([2-9][0-9]{7,11})$")  # ASCII digits only, not \d
_E164 = re.compile(rf"^{E164}$")


def normalize_phone(raw: str) -> str | None:
    """``0812-3456-7890`` / ``+62 812 3456 7890`` / ``+62 (0)812 3456 7890`` /
    ``(021) 555-1234`` → ``+6281234567890``-style; ``+60 12-345 6789`` → ``+60123456789``.

    Returns None for text that is no phone number: too short or long, letters, a national
    number of another country without its ``+`` and country code."""
    text = _TRUNK_ZERO.sub(r"\1", raw.strip())
    digits = _SEPARATORS.sub("", text)
    match = _NATIONAL.match(digits)
    if match:
        national = match.group(1)
        if national.startswith("8") and not 9 <= len(national) <= 12:
            return None  # a mobile number has 9 to 12 digits after the 0
        return "+62" + national
    if digits.startswith("+62"):
        return None  # Indonesian, but not a number the plan has
    return digits if _E164.match(digits) else None
