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

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from desktop import keys
from desktop.paths import Profile
from desktop.settings import CENTRAL_BUNDLE_KEY, CENTRAL_URL, ENROLLED_DEVICE_ID, SYNC_CURSOR
from desktop.store.repo import Store
from desktop.sync.transport import Transport, TransportError
from posko import __version__, tracking, wire
from posko.files import write_atomic

log = logging.getLogger("posko.sync")

TOKEN_FILE = "device-token"


class EnrollmentError(Exception):
    """Enrollment did not happen; ``code`` says why (for the operator's message)."""

    OFFLINE = "offline"
    BAD_URL = "bad_url"
    CODE_UNKNOWN = "code_unknown"
    CODE_USED = "code_used"
    CODE_EXPIRED = "code_expired"
    DEVICE_REVOKED = "device_revoked"
    DEVICE_OTHER_POST = "device_other_post"
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


def enrollment_body(
    code: str, key: Ed25519PrivateKey, provisional_prefix: str = "", *, label: str = ""
) -> dict[str, str]:
    """The body of ``POST /api/v1/enroll`` (``wire.EnrollRequest``) for the desk holding
    ``key``: the code, the public key and the signature that proves the key."""
    public_key = keys.public_text(key)
    message = wire.enrollment_message(code, public_key, provisional_prefix)
    return {
        "code": code,
        "label": label,
        "public_key": public_key,
        "proof": keys.sign(key, message),
        "provisional_prefix": provisional_prefix,
    }


def enroll(
    store: Store, profile: Profile, server: str, code: str, transport: Transport
) -> Enrollment:
    """Exchange the coordinator's code for this desk's token and tracking-ID prefix.

    The desk signs the code with its key (made at setup) to prove it is itself. Reports
    made before enrollment keep their provisional IDs, which the central system accepts
    from this desk alone (their prefix is derived from its key). New ones use the enrolled
    prefix, from where the central system says its sequence stands: re-enrolling, even
    after the database was lost, never issues a number twice. The desk takes the post code
    the coordinator's code was made for, and the key its USB bundles are sealed to, when
    the central system has one.
    """
    base = normalize_server(server)
    context = store.require_context()  # before the single-use code is spent
    key = keys.load_or_create(profile)
    provisional = ""
    if not context.enrolled and context.tracking_prefix[:1] in tracking.PROVISIONAL_FIRST:
        if tracking.provisional_prefix_for(keys.public_bytes(key)) == context.tracking_prefix:
            provisional = context.tracking_prefix
        else:
            # A profile from before prefixes came from the key: its provisional IDs cannot
            # be proved to be this desk's, and the central system will refuse them.
            log.warning(
                "provisional prefix %s is not derived from the device key",
                context.tracking_prefix,
            )
    body = json.dumps(
        enrollment_body(code.strip(), key, provisional, label=platform.node()[:100])
    ).encode()
    try:
        answer = transport.request(
            "POST",
            # A central system from before bundle keys ignores the query.
            f"{base}/api/v1/enroll?bundle_key=1",
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
            EnrollmentError.DEVICE_REVOKED,
            EnrollmentError.DEVICE_OTHER_POST,
        }
        if error in known:
            raise EnrollmentError(error)
        raise EnrollmentError(EnrollmentError.REFUSED, f"HTTP {answer.status}")
    try:
        granted = wire.EnrollResponse.model_validate_json(answer.body)
    except ValidationError as exc:
        raise EnrollmentError(EnrollmentError.REFUSED, "unexpected answer") from exc
    write_token(profile, granted.token)
    store.adopt_enrollment(
        tracking_prefix=granted.tracking_prefix,
        next_sequence=granted.next_sequence,
        post_code=granted.post_code,
    )
    store.set(CENTRAL_URL, base)
    store.set(ENROLLED_DEVICE_ID, granted.device_id)
    store.set(SYNC_CURSOR, "0")
    if granted.bundle_key is not None:
        store.set(CENTRAL_BUNDLE_KEY, granted.bundle_key)
    log.info("enrolled with %s as device %s", base, granted.device_id)
    return Enrollment(granted.device_id, granted.tracking_prefix, granted.post_code, base)
