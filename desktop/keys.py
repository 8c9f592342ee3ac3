"""The desk's Ed25519 key pair: made once, when the desk is set up, and kept in the profile.

The key is the desk's identity before and after enrollment:

* its provisional tracking prefix is derived from the public key
  (``tracking.provisional_prefix_for``), so no other device can claim that prefix;
* enrollment proves possession of the private key (the desk signs
  ``wire.enrollment_message``), so no one can enroll as this desk with its public key alone;
* USB bundles are signed with it.

The private key never leaves the profile: a file readable by the desk's user alone,
written atomically.
"""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.paths import Profile
from posko.files import write_atomic


class DamagedKey(ValueError):
    """The key file exists but is not an Ed25519 private key."""


def key_path(profile: Profile) -> Path:
    return profile.device_key


def load(profile: Profile) -> Ed25519PrivateKey | None:
    """The desk's key, or None if it has none yet; ``DamagedKey`` if the file is damaged."""
    try:
        raw = key_path(profile).read_bytes()
    except FileNotFoundError:
        return None
    if not raw:
        return None
    try:
        key = serialization.load_pem_private_key(raw, password=None)
    except ValueError as exc:
        raise DamagedKey("the device key file is damaged") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise DamagedKey("the device key file holds another kind of key")
    return key


def load_or_create(profile: Profile) -> Ed25519PrivateKey:
    key = load(profile)
    if key is not None:
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    profile.root.mkdir(parents=True, exist_ok=True)
    write_atomic(key_path(profile), pem, private=True)
    return key


def public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_text(key: Ed25519PrivateKey) -> str:
    """The raw 32-byte public key, base64: what enrollment registers."""
    return base64.b64encode(public_bytes(key)).decode("ascii")


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message)).decode("ascii")
