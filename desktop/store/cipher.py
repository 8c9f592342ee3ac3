"""The desk database, encrypted: every page of the file, its WAL and its backups (SQLCipher).

Why the whole file and not chosen fields: the list's search is a substring search over the
reporter's name, the title and the place, and a digits-contains match on the phone, and it
sorts by name; a blind index answers only whole-token look-ups and tells which reports share a
name. And field-level encryption misses copies that are easy to forget: the outbox's payload,
drafts, the receipt's QR payload, indexes, free pages and old WAL frames. SQLCipher
encrypts each page (AES-256 with an HMAC per page) before it reaches the disk, whatever
table it holds.

The key is 32 random bytes, given raw (``PRAGMA key = "x'…'"``): no key derivation each time
a connection opens. Where it is kept is ``desktop.store.desk_key``'s business; this module
holds the keys unlocked in this process, by profile folder, so every connection to a file in
the profile (the database, ``backups/``, ``damaged/``, a recovery's scratch copy) gets the
key without each caller passing it.

A file that begins with SQLite's plain header is read without a key: it is a database from
before encryption (the next open encrypts it, ``encrypt_plain``) or a backup made then.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlcipher3.dbapi2 as dbapi

if TYPE_CHECKING:  # sqlcipher3 has no types; its API is the standard library's sqlite3
    from sqlite3 import Connection, DatabaseError, Error, IntegrityError, OperationalError
else:
    Connection = dbapi.Connection
    Error = dbapi.Error
    DatabaseError = dbapi.DatabaseError
    OperationalError = dbapi.OperationalError
    IntegrityError = dbapi.IntegrityError

MAGIC = b"SQLite format 3\x00"
KEY_BYTES = 32
# SQLCipher 4's page size: an encrypted file is a whole number of these.
PAGE_SIZE = 4096
CACHE_KIB = 65536

_lock = threading.Lock()
_keys: dict[Path, bytes] = {}


class _Lookup:
    """``connect``'s default: the key registered for the file's profile."""


LOOKUP: Any = _Lookup()


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def register(root: Path, key: bytes) -> None:
    """Files under ``root`` (a profile folder) are encrypted with ``key``."""
    if len(key) != KEY_BYTES:
        raise ValueError("a database key is 32 bytes")
    with _lock:
        _keys[Path(root).resolve()] = key


def forget(root: Path) -> None:
    with _lock:
        _keys.pop(Path(root).resolve(), None)


def registered() -> dict[str, bytes]:
    """The keys unlocked in this process, for a child process to register (the drawing
    processes open the database too)."""
    with _lock:
        return {str(root): key for root, key in _keys.items()}


def register_all(keys: dict[str, bytes]) -> None:
    for root, key in keys.items():
        register(Path(root), key)


def key_for(path: Path | str) -> bytes | None:
    """The key of the profile ``path`` is in, if one is unlocked."""
    where = Path(path).resolve()
    with _lock:
        if not _keys:
            return None
        for folder in (where, *where.parents):
            key = _keys.get(folder)
            if key is not None:
                return key
    return None


def is_plain(path: Path | str) -> bool:
    """Whether ``path`` is an unencrypted SQLite database (its plain header)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def pragma_key(key: bytes) -> str:
    return f"PRAGMA key = \"x'{key.hex()}'\""


def connect(
    path: Path | str, *, key: Any = LOOKUP, readonly: bool = False, **kwargs: Any
) -> Connection:
    """A DB-API connection to ``path``: with the profile's key (or ``key``; None: plain)
    unless the file is a plain one. ``readonly``: opened read-only (``mode=ro``)."""
    if key is LOOKUP:
        key = key_for(path)
    if key is not None and is_plain(path):
        key = None
    conn: Connection
    if readonly:
        conn = dbapi.connect(f"file:{path}?mode=ro", uri=True, **kwargs)
    else:
        conn = dbapi.connect(str(path), **kwargs)
    if key is not None:
        try:
            # SQLCipher's own log would write each page it cannot decrypt to stderr.
            conn.execute("PRAGMA cipher_log_level = NONE")
            conn.execute(pragma_key(key))
            # Pages are decrypted as they leave the disk, so the OS's file cache no longer
            # saves the work: SQLite's own cache (2 MB by default) holds up to CACHE_KIB of
            # decrypted pages instead, growing only as pages are read. The list's searches
            # read every page of 100,000 reports (60 MB); with the default cache each
            # took 2.2-2.8x as long as on a plain file (benchmarks/encryption.py).
            conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        except BaseException:
            conn.close()
            raise
    return conn


def encrypt_plain(path: Path, key: bytes) -> bool:
    """Rewrite the plain database ``path`` encrypted under ``key`` (its WAL folded in
    first), in place: a copy beside it, flushed to disk, then renamed over it. Whether it
    was plain. A crash leaves either the plain file or the encrypted one, never half."""
    if not is_plain(path):
        return False
    with _upgrading(path):
        if not is_plain(path):  # another desk did it while this one waited
            return False
        _encrypt(path, key)
    return True


UPGRADE_WAIT_S = 120.0
STALE_LOCK_S = 900.0


@contextmanager
def _upgrading(path: Path) -> Iterator[None]:
    """One process at a time encrypts a file (two desks started at once): a lock file
    made with O_EXCL beside it, waited for, and taken over when a crash left it."""
    import time

    lock = path.with_name(f".{path.name}-encrypting.lock")
    deadline = time.monotonic() + UPGRADE_WAIT_S
    while True:
        try:
            os.close(os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            break
        except FileExistsError:
            try:
                if time.time() - lock.stat().st_mtime > STALE_LOCK_S:
                    lock.unlink(missing_ok=True)  # its process is long gone
                    continue
            except FileNotFoundError:
                continue
            if time.monotonic() > deadline:
                raise OSError(f"{path.name} is being encrypted by another process") from None
            time.sleep(0.2)
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _encrypt(path: Path, key: bytes) -> None:
    tmp = path.with_name(f".{path.name}-encrypting")
    for stale in (tmp, Path(f"{tmp}-journal")):
        stale.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    try:
        source = dbapi.connect(str(path))
        try:
            source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            source.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"", (str(tmp),))
            source.execute("SELECT sqlcipher_export('encrypted')")
            version = source.execute("PRAGMA user_version").fetchone()[0]
            source.execute(f"PRAGMA encrypted.user_version = {int(version)}")
            source.execute("DETACH DATABASE encrypted")
            source.execute("PRAGMA journal_mode=DELETE")  # no WAL left to meet the new file
        finally:
            source.close()
        # Opened for writing: Windows' fsync (FlushFileBuffers) refuses a read-only handle.
        with open(tmp, "r+b") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    fsync_folder(path.parent)


# SQLCipher 4's page: AES-256-CBC over all but the reserve at its end, which holds the
# page's IV (16 bytes) and its HMAC-SHA512 (64) over the ciphertext, the IV and the page's
# number (4 bytes, little-endian). Page 1 begins with the file's salt, in the clear. With a
# raw key the AES key is the key itself; the HMAC key is PBKDF2-SHA512 of it, 2 rounds,
# salted with the file's salt XOR 0x3a.
RESERVE = 80
_IV, _MAC = 16, 64


def _page_one(page: bytes, key: bytes) -> tuple[bytes, bytes, bytes] | None:
    """Page 1 decrypted (what follows the salt), its IV and the HMAC key; None when the
    page does not authenticate under ``key``."""
    import hashlib
    import hmac

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    if len(page) < PAGE_SIZE:
        return None
    salt, body = page[:16], page[16 : PAGE_SIZE - RESERVE]
    iv = page[PAGE_SIZE - RESERVE : PAGE_SIZE - RESERVE + _IV]
    mac_key = hashlib.pbkdf2_hmac("sha512", key, bytes(b ^ 0x3A for b in salt), 2, 32)
    expected = hmac.new(mac_key, body + iv + _PAGE_ONE, "sha512").digest()
    if not hmac.compare_digest(expected, page[PAGE_SIZE - _MAC : PAGE_SIZE]):
        return None
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(body) + decryptor.finalize(), iv, mac_key


_PAGE_ONE = (1).to_bytes(4, "little")


def header_page_count(path: Path, key: bytes) -> int | None:
    """The page count an encrypted file's header gives: None when page 1 does not
    authenticate under ``key`` (not this desk's file, or overwritten), 0 when the count is
    not valid (SQLite then goes by the file's size)."""
    with open(path, "rb") as handle:
        opened = _page_one(handle.read(PAGE_SIZE), key)
    if opened is None:
        return None
    plain = opened[0]
    # File offsets 24 (change counter), 28 (page count), 92 (version-valid-for): 16 less
    # in what follows the salt.
    if plain[8:12] != plain[76:80]:
        return 0
    return int.from_bytes(plain[12:16], "big")


def fit_page_count(path: Path, key: bytes) -> bool:
    """For an encrypted file cut short: make its (encrypted) header's page count say how
    many pages are really there, as ``desktop.store.recover`` does for a plain one, and
    SQLite reads what is left. Whether it changed anything; False when page 1 itself does
    not authenticate (then nothing is written)."""
    import hmac

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    with open(path, "r+b") as handle:
        opened = _page_one(handle.read(PAGE_SIZE), key)
        if opened is None:
            return False
        plain, iv, mac_key = opened
        pages = os.fstat(handle.fileno()).st_size // PAGE_SIZE
        if int.from_bytes(plain[12:16], "big") <= pages:
            return False
        plain = plain[:12] + pages.to_bytes(4, "big") + plain[16:]
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        body = encryptor.update(plain) + encryptor.finalize()
        handle.seek(16)
        handle.write(body)
        handle.seek(PAGE_SIZE - _MAC)
        handle.write(hmac.new(mac_key, body + iv + _PAGE_ONE, "sha512").digest())
    return True


# -- files sealed whole: the copies kept in damaged/ -------------------------------------
#
# A damaged file cannot be re-encrypted page by page (SQLite cannot read all of it), and
# the copy of one from before encryption is plain: such copies are sealed whole, in 1 MiB
# chunks, each AES-256-GCM with its own nonce, its number and whether it is the last one
# bound in (no chunk can be moved, dropped or cut off unnoticed).

SEALED_MAGIC = b"POSKO-SEALED-FILE-1\n"
_CHUNK = 1 << 20


def _sealing_key(key: bytes) -> bytes:
    import hashlib
    import hmac

    return hmac.new(key, b"posko sealed file", hashlib.sha256).digest()


def is_sealed(path: Path | str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(SEALED_MAGIC)) == SEALED_MAGIC
    except OSError:
        return False


def _aad(index: int, last: bool) -> bytes:
    return SEALED_MAGIC + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


def seal_file(path: Path, key: bytes) -> bool:
    """Replace ``path`` by its sealed form (atomically, owner-only); whether it was not
    sealed already."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if is_sealed(path):
        return False
    aes = AESGCM(_sealing_key(key))
    tmp = path.with_name(f".{path.name}-sealing")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with open(path, "rb") as src, os.fdopen(fd, "wb") as out:
            out.write(SEALED_MAGIC)
            index, chunk = 0, src.read(_CHUNK)
            while True:
                following = src.read(_CHUNK)
                nonce = os.urandom(12)
                box = aes.encrypt(nonce, chunk, _aad(index, not following))
                out.write(nonce + len(box).to_bytes(4, "big") + box)
                if not following:
                    break
                index, chunk = index + 1, following
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True


def unseal_to(path: Path, key: bytes, target: Path) -> None:
    """Write what the sealed ``path`` holds to ``target`` (owner-only); ``ValueError``
    when it was changed, cut short or sealed with another key."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aes = AESGCM(_sealing_key(key))
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(path, "rb") as src, os.fdopen(fd, "wb") as out:
        if src.read(len(SEALED_MAGIC)) != SEALED_MAGIC:
            raise ValueError("not a sealed file")
        index = 0
        while True:
            head = src.read(16)
            if len(head) < 16:
                raise ValueError("cut short")
            size = int.from_bytes(head[12:], "big")
            if size > _CHUNK + 16:
                raise ValueError("bad chunk")
            box = src.read(size)
            last = not src.peek(1) if hasattr(src, "peek") else False
            try:
                out.write(aes.decrypt(head[:12], box, _aad(index, last)))
            except InvalidTag as exc:
                raise ValueError("changed, or another key") from exc
            if last:
                return
            index += 1


def seal_folder(folder: Path, key: bytes) -> int:
    """Seal every file under ``folder`` not sealed yet (the copies in ``damaged/``); how
    many. A file that cannot be sealed is logged and left."""
    import logging

    count = 0
    if not folder.is_dir():
        return 0
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name.endswith("-sealing"):
            continue
        try:
            count += seal_file(path, key)
        except OSError as exc:
            logging.getLogger("posko.db").error("could not seal %s: %s", path.name, exc)
    return count


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (nothing to do on Windows)."""
    if not hasattr(os, "O_DIRECTORY"):  # Windows: a rename is durable without it
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = [
    "KEY_BYTES",
    "LOOKUP",
    "MAGIC",
    "PAGE_SIZE",
    "Connection",
    "DatabaseError",
    "Error",
    "IntegrityError",
    "OperationalError",
    "connect",
    "dbapi",
    "encrypt_plain",
    "fit_page_count",
    "forget",
    "fsync_folder",
    "header_page_count",
    "is_plain",
    "is_sealed",
    "key_for",
    "new_key",
    "register",
    "register_all",
    "registered",
    "seal_file",
    "seal_folder",
    "unseal_to",
]
