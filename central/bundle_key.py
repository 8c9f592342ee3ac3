"""The central system's bundle key: the X25519 key pair desks seal their USB bundles to
(``posko.bundle`` version 3), so a lost stick carries no reporter's data in clear.

It is made once, the first time ``posko-central serve`` starts, in ``bundle-key.pem`` in the
data directory (or the file ``POSKO_CENTRAL_BUNDLE_KEY`` names): PKCS #8 PEM, the owner's
alone (0600) from the moment it exists, written whole or not at all, and never replaced (of
two processes making it at once, both end up with the one that was written first). The
public half goes to every desk, in its enrollment answer and on each sync
(``GET /api/v1/sync/bundle-key``). Lose the file and bundles already written cannot be
opened; the desks learn the new key on their next sync. Back it up with the database.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from posko.files import write_once

ENV_BUNDLE_KEY = "POSKO_CENTRAL_BUNDLE_KEY"
KEY_FILE = "bundle-key.pem"


class BundleKeyError(ValueError):
    """The key file exists but is not an X25519 private key."""


def key_path(data_dir: Path | None) -> Path:
    """``POSKO_CENTRAL_BUNDLE_KEY`` if set, else ``bundle-key.pem`` in the data directory
    (the default one without ``data_dir``)."""
    configured = os.environ.get(ENV_BUNDLE_KEY)
    if configured:
        return Path(configured)
    if data_dir is None:
        from central.db import default_data_dir

        data_dir = default_data_dir()
    return data_dir / KEY_FILE


def load(path: Path) -> X25519PrivateKey | None:
    """The key at ``path``, or None if there is none yet; ``BundleKeyError`` if damaged."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        key = serialization.load_pem_private_key(raw, password=None)
    except ValueError as exc:
        raise BundleKeyError(f"{path}: not a private key") from exc
    if not isinstance(key, X25519PrivateKey):
        raise BundleKeyError(f"{path}: not an X25519 key")
    return key


def load_or_create(path: Path) -> X25519PrivateKey:
    """The key at ``path``, made first if there is none."""
    key = load(path)
    if key is not None:
        return key
    pem = X25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_once(path, pem, private=True)
    key = load(path)  # ours, or the one another process wrote first
    if key is None:
        raise BundleKeyError(f"{path}: vanished as it was made")
    return key
