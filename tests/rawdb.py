"""The tests' way into a desk's database file, past the desk's code: with the key of the
profile the file is in (unlocked from the tests' keyring, ``tests/keyring_standin.py``), as
``desktop.store.cipher`` reads it; a file outside any profile is read plain, or with the
key of ``like``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop.paths import Profile
from desktop.store import cipher, desk_key


def profile_of(path: Path | str) -> Profile | None:
    where = Path(path).resolve()
    for folder in (where, *where.parents):
        if (folder / desk_key.FILE_NAME).exists():
            return Profile(folder)
    return None


def key_of(profile: Profile) -> bytes:
    return desk_key.unlock(profile)


def connect(path: Path | str, *, like: Profile | None = None, **kwargs: Any) -> cipher.Connection:
    owner = profile_of(path) or like
    key = key_of(owner) if owner is not None else None
    return cipher.connect(path, key=key, **kwargs)


# SQLCipher 4's page (see desktop/store/cipher.py): AES-256-CBC over all but the reserve
# at its end, whose first 16 bytes are the page's IV. A raw key is the AES key itself.
RESERVE = cipher.RESERVE


def page_start(path: Path, number: int, key: bytes) -> bytes:
    """The first 16 bytes of page ``number`` (2 or more) of an encrypted file, decrypted:
    where a B-tree page says what it is (``0x0D``: a table's leaf) and how many cells."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    size = cipher.PAGE_SIZE
    with open(path, "rb") as handle:
        handle.seek((number - 1) * size)
        page = handle.read(size)
    iv = page[size - RESERVE : size - RESERVE + 16]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(page[:16]) + decryptor.finalize()
