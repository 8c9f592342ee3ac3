"""Tokens and codes: made with ``secrets``, stored only as SHA-256 hashes, compared in
constant time. A leaked database yields no usable token, code or receipt secret."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from posko import tracking


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_hash)


def new_token() -> str:
    """A bearer token: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


ENROLL_CODE_LENGTH = 10  # 29^10 ≈ 4·10^14; single use, expiring


def new_enroll_code() -> str:
    """``K7QM-XA42-PT``: the tracking alphabet, so it is read aloud and typed without
    look-alikes; the dashes are decoration."""
    raw = "".join(secrets.choice(tracking.ALPHABET) for _ in range(ENROLL_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalize_code(code: str) -> str:
    return tracking.normalize(code)


def signature_valid(public_key: str, signature: str, message: bytes) -> bool:
    """Whether ``signature`` (base64) is the Ed25519 signature of ``message`` by the key
    ``public_key`` (raw 32 bytes, base64)."""
    import base64
    import binascii

    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
        key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True
