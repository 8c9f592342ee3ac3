"""The outreach programme a desk is built for (``assets/programme.json``): its name on the
receipt, the public tracking address receipts send citizens to, LAPOR!'s SMS number. A
programme changes the file before building its desks; nothing else needs changing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from posko import tracking
from posko.assets import assets_dir


class ProgrammeError(ValueError):
    """``assets/programme.json`` is missing a field or holds a bad one (a build error)."""


@dataclass(frozen=True)
class Programme:
    name: str
    tracking_address: str  # https://…, or "" for none
    sms_number: str


def load(path: Path) -> Programme:
    data = json.loads(path.read_text(encoding="utf-8"))
    try:
        name, address, sms = data["name"], data["tracking_address"], data["sms_number"]
    except (KeyError, TypeError) as exc:
        raise ProgrammeError(f"{path}: missing {exc}") from exc
    if not all(isinstance(v, str) for v in (name, address, sms)) or not name.strip():
        raise ProgrammeError(f"{path}: name, tracking_address and sms_number are text")
    address = address.strip().rstrip("/")
    if address and (not address.startswith("https://") or any(c.isspace() for c in address)):
        raise ProgrammeError(f"{path}: tracking_address must be an https:// address or empty")
    return Programme(name=name.strip(), tracking_address=address, sms_number=sms.strip())


@lru_cache(maxsize=1)
def programme() -> Programme:
    return load(assets_dir() / "programme.json")


def tracking_address(central_url: str) -> str:
    """Where this desk's receipts send citizens: the central system it was set up with,
    or else the programme's address ("" when there is neither)."""
    return central_url or programme().tracking_address


def receipt_url(central_url: str, tracking_id: str, secret: str) -> str:
    """What a receipt's QR code holds: the tracking page with the ID and the report's
    secret, at ``tracking_address``; "" when there is no address (then no QR is printed:
    a bare ID opens nothing on a phone)."""
    address = tracking_address(central_url)
    return tracking.tracking_url(address, tracking_id, secret) if address else ""
