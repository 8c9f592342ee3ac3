"""Sneakernet: the outbox in a signed file for a USB stick, for posts that stay offline.

A bundle is gzip-compressed JSON::

    {"format": "posko-bundle", "version": 1, "device_id": "17", "tracking_prefix": "2223",
     "created_at": "...", "records": [<protocol v1 records>], "signature": "<base64>"}

The signature is Ed25519 over the canonical JSON of everything but the signature. Each
desk makes its key pair at enrollment and registers the public key with the central system,
so a bundle proves which desk wrote it and that not one byte changed on the way; the
private key never leaves the desk's profile. The central system imports a bundle through
the same deduplication as an online push, so importing twice, or syncing online after,
never makes a record twice.
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from desktop.paths import Profile
from desktop.sync.files import write_atomic

FORMAT = "posko-bundle"
VERSION = 1
KEY_FILE = "device-key"
MAX_BUNDLE_BYTES = 512 * 1024 * 1024  # after decompression
MAX_RECORDS = 200_000


class BundleError(ValueError):
    """A bundle that cannot be trusted or read; ``code`` says why."""

    UNREADABLE = "unreadable"  # not gzip / not JSON / cut off
    TRUNCATED = "truncated"
    NOT_A_BUNDLE = "not_a_bundle"
    NEWER_VERSION = "newer_version"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_DEVICE = "unknown_device"
    TOO_LARGE = "too_large"

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


# -- the desk's key pair -----------------------------------------------------------------


def key_path(profile: Profile) -> Path:
    return profile.root / KEY_FILE


def signing_key(profile: Profile, *, create: bool = False) -> Ed25519PrivateKey | None:
    path = key_path(profile)
    try:
        raw = path.read_bytes()
    except OSError:
        raw = b""
    if raw:
        key = serialization.load_pem_private_key(raw, password=None)
        if isinstance(key, Ed25519PrivateKey):
            return key
    if not create:
        return None
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_atomic(path, pem, private=True)
    return key


def public_key_text(key: Ed25519PrivateKey) -> str:
    """The raw 32-byte public key, base64: what enrollment registers."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


# -- writing and reading -----------------------------------------------------------------


def canonical(document: dict[str, Any]) -> bytes:
    body = {k: v for k, v in document.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Bundle:
    device_id: str
    tracking_prefix: str
    created_at: str
    records: list[dict[str, Any]]


def write_bundle(
    target: Path,
    key: Ed25519PrivateKey,
    *,
    device_id: str,
    tracking_prefix: str,
    records: list[dict[str, Any]],
) -> int:
    """Write atomically (a half-written bundle never replaces a good one); returns bytes."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "device_id": device_id,
        "tracking_prefix": tracking_prefix,
        "created_at": datetime.now(UTC).isoformat(),
        "records": records,
    }
    document["signature"] = base64.b64encode(key.sign(canonical(document))).decode("ascii")
    data = gzip.compress(json.dumps(document, ensure_ascii=False).encode(), compresslevel=6)
    write_atomic(target, data)
    return len(data)


def read_unverified(data: bytes) -> dict[str, Any]:
    """Decompress and parse, checking the shape; the signature is checked by ``verify``."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        raw = inflater.decompress(data, MAX_BUNDLE_BYTES + 1)
    except zlib.error as exc:
        raise BundleError(BundleError.UNREADABLE, str(exc)) from None
    if len(raw) > MAX_BUNDLE_BYTES or inflater.unconsumed_tail:
        raise BundleError(BundleError.TOO_LARGE)
    if not inflater.eof:
        raise BundleError(BundleError.TRUNCATED)
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleError(BundleError.UNREADABLE, str(exc)) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BundleError(BundleError.NOT_A_BUNDLE)
    version = document.get("version")
    if not isinstance(version, int) or version < 1:
        raise BundleError(BundleError.NOT_A_BUNDLE, "version")
    if version > VERSION:
        raise BundleError(BundleError.NEWER_VERSION, str(version))
    for name in ("device_id", "tracking_prefix", "created_at", "signature"):
        if not isinstance(document.get(name), str):
            raise BundleError(BundleError.NOT_A_BUNDLE, name)
    records = document.get("records")
    if not isinstance(records, list):
        raise BundleError(BundleError.NOT_A_BUNDLE, "records")
    if len(records) > MAX_RECORDS:
        raise BundleError(BundleError.TOO_LARGE, f"{len(records)} records")
    return document


def verify(document: dict[str, Any], public_key: str) -> Bundle:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
        signature = base64.b64decode(document["signature"], validate=True)
        key.verify(signature, canonical(document))
    except (InvalidSignature, ValueError) as exc:
        raise BundleError(BundleError.BAD_SIGNATURE) from exc
    return Bundle(
        device_id=document["device_id"],
        tracking_prefix=document["tracking_prefix"],
        created_at=document["created_at"],
        records=document["records"],
    )
