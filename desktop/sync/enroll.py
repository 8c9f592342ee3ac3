"""Enrollment with the central system and the device token.

The token is the desk's only credential. It is kept out of the database (backups and
exported profiles do not carry it) in a file readable by the desk's user alone, written
atomically; the central system keeps only its hash and can revoke it.
"""

from __future__ import annotations

import json
import logging
import platform
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import update

from desktop import __version__, wire
from desktop.paths import Profile
from desktop.settings import CENTRAL_URL, ENROLLED_DEVICE_ID, SYNC_CURSOR
from desktop.store.models import Device
from desktop.store.repo import Store
from desktop.sync.files import write_atomic
from desktop.sync.transport import Transport, TransportError

log = logging.getLogger("posko.sync")

TOKEN_FILE = "device-token"


class EnrollmentError(Exception):
    """Enrollment did not happen; ``code`` says why (for the operator's message)."""

    OFFLINE = "offline"
    BAD_URL = "bad_url"
    CODE_UNKNOWN = "code_unknown"
    CODE_USED = "code_used"
    CODE_EXPIRED = "code_expired"
    REFUSED = "refused"

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def token_path(profile: Profile) -> Path:
    return profile.root / TOKEN_FILE


def read_token(profile: Profile) -> str | None:
    try:
        text = token_path(profile).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text or None


def write_token(profile: Profile, token: str) -> None:
    """Atomically, with permissions 0600 from the start (never readable by others)."""
    write_atomic(token_path(profile), token.encode("ascii"), private=True)


def normalize_server(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or len(url) > 200 or " " in url:
        raise EnrollmentError(EnrollmentError.BAD_URL, url)
    return url


@dataclass(frozen=True)
class Enrollment:
    device_id: str
    tracking_prefix: str
    post_code: str
    server: str


def enroll(
    store: Store, profile: Profile, server: str, code: str, transport: Transport
) -> Enrollment:
    """Exchange the coordinator's code for this desk's token and tracking-ID prefix.

    Reports made before enrollment keep their provisional IDs (the central system accepts
    them); new ones use the enrolled prefix from sequence 1.
    """
    from desktop.sync.bundle import public_key_text, signing_key

    base = normalize_server(server)
    context = store.require_context()  # before the single-use code is spent
    key = signing_key(profile, create=True)
    assert key is not None
    body = json.dumps(
        {"code": code.strip(), "label": platform.node()[:100], "public_key": public_key_text(key)}
    ).encode()
    try:
        answer = transport.request(
            "POST",
            f"{base}/api/v1/enroll",
            body=body,
            headers={"content-type": "application/json", "user-agent": f"posko/{__version__}"},
        )
    except TransportError as exc:
        raise EnrollmentError(EnrollmentError.OFFLINE, str(exc)) from exc
    if answer.status != 201:
        try:
            error = str(json.loads(answer.body).get("error", ""))
        except (ValueError, AttributeError):
            error = ""
        known = {
            EnrollmentError.CODE_UNKNOWN,
            EnrollmentError.CODE_USED,
            EnrollmentError.CODE_EXPIRED,
        }
        if error in known:
            raise EnrollmentError(error)
        raise EnrollmentError(EnrollmentError.REFUSED, f"HTTP {answer.status}")
    try:
        granted = wire.EnrollResponse.model_validate_json(answer.body)
    except ValidationError as exc:
        raise EnrollmentError(EnrollmentError.REFUSED, "unexpected answer") from exc
    write_token(profile, granted.token)
    with store.session() as s:
        if granted.tracking_prefix != context.tracking_prefix:
            # A new prefix starts its own sequence; re-enrolling under the same prefix (the
            # central system recognised this desk's key) keeps counting, so no tracking ID
            # is ever made twice.
            s.execute(
                update(Device)
                .where(Device.id == context.device_id)
                .values(tracking_prefix=granted.tracking_prefix, enrolled=True, next_sequence=1)
            )
        else:
            s.execute(update(Device).where(Device.id == context.device_id).values(enrolled=True))
    store.set(CENTRAL_URL, base)
    store.set(ENROLLED_DEVICE_ID, granted.device_id)
    store.set(SYNC_CURSOR, "0")
    log.info("enrolled with %s as device %s", base, granted.device_id)
    return Enrollment(granted.device_id, granted.tracking_prefix, granted.post_code, base)
