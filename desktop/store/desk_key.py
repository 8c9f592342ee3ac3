"""Where the database key is kept: never beside the data in plain form.

``desk-key.json`` in the profile says where the key is, and holds a check value so a
wrong key is told apart from a damaged database:

* ``"store": "keyring"`` — the key is in the operating system's keyring (Windows
  Credential Manager, the macOS Keychain, the Secret Service of a Linux desktop), under
  the account the file names. The desk opens without asking anything.
* ``"store": "passphrase"`` — no keyring on this machine: the key is wrapped (AES-256-GCM)
  under a key derived from the coordinator's passphrase with scrypt (2^17, 8, 1: about
  128 MB and a third of a second, so guessing costs as much per try). The desk asks for the
  passphrase when it starts. A second check value, from the passphrase's key, tells a
  wrong passphrase from a damaged file.

A profile with no ``desk-key.json`` gets a new key the first time it opens: into the
keyring if there is one, else under a passphrase the coordinator chooses then. A database
from before encryption is encrypted at that open (``desktop.store.db``).

The file is not secret (the key in it is wrapped, or elsewhere) but it is the only way to
the data: lose it, or the keyring's entry, or the passphrase, and the database cannot be
read. It is written once, atomically, owner-only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from desktop.paths import Profile
from desktop.store import cipher
from desktop.store.errors import KeyProblem as KeyProblem  # defined there, raised here
from posko.files import write_atomic, write_once
from posko.i18n import _

log = logging.getLogger("posko.db")

FILE_NAME = "desk-key.json"
KEYRING_SERVICE = "Posko desk database"
VERSION = 1
SCRYPT = {"n": 2**17, "r": 8, "p": 1}
MIN_PASSPHRASE = 10
_WRAP_AAD = b"posko desk database key v1"


def describe(problem: KeyProblem) -> str:
    """What a key that cannot be had means, in the operator's language."""
    if problem.reason == KeyProblem.KEYRING_LOST:
        return _(
            "The key to this desk's data is no longer in this computer's keyring (the "
            "keyring was reset, or the profile was copied from another computer). The data "
            "cannot be read without it. Start the desk on the computer that made the profile, "
            "or ask for help: nothing has been changed."
        )
    if problem.reason == KeyProblem.MISSING:
        return _(
            "The desk's data is encrypted, but the file that says where its key is "
            "(desk-key.json) is missing from the profile. Put it back from a copy of the "
            "profile; nothing has been changed. If there is no copy, posko recover keeps the "
            "unreadable file aside and starts a new database for this desk."
        )
    return _(
        "The file that holds the key to the desk's data (desk-key.json) is damaged. Put it "
        "back from a copy of the profile; nothing has been changed."
    )


class WrongPassphrase(ValueError):
    """The passphrase typed does not open this desk's key."""


def key_file(profile: Profile) -> Path:
    return profile.root / FILE_NAME


def _check(key: bytes, label: bytes) -> str:
    return hmac.new(key, label, hashlib.sha256).hexdigest()[:32]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text, validate=True)


@dataclass(frozen=True)
class KeyRecord:
    store: str
    check: str
    fields: dict[str, Any]


def read_record(profile: Profile) -> KeyRecord | None:
    """What ``desk-key.json`` says; None when there is none; ``KeyProblem(DAMAGED)``."""
    try:
        raw = key_file(profile).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KeyProblem(KeyProblem.DAMAGED, type(exc).__name__) from exc
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ValueError("unknown version")
        store, check = data.get("store"), data.get("check")
        if store not in ("keyring", "passphrase") or not isinstance(check, str):
            raise ValueError("no store")
    except ValueError as exc:
        raise KeyProblem(KeyProblem.DAMAGED, str(exc)) from exc
    return KeyRecord(store, check, data)


def _write(profile: Profile, data: dict[str, Any]) -> None:
    profile.root.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomic(key_file(profile), json.dumps(data, indent=1).encode("ascii"), private=True)


def _write_new(profile: Profile, data: dict[str, Any]) -> bool:
    """Write a new profile's key file unless one appeared meanwhile (a second desk started
    at the same moment made its own key): of two, one record wins and both desks use it,
    or the loser would encrypt the database with a key no record names. Whether this
    call's record was written."""
    profile.root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return write_once(key_file(profile), json.dumps(data, indent=1).encode("ascii"), private=True)


# -- the keyring ----------------------------------------------------------------------------


def _keyring() -> Any | None:
    """The keyring backend, if this machine has a usable one."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:  # pragma: no cover - a build without it
        return None
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken backend configuration
        log.warning("no keyring: %s", type(exc).__name__)
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
        return None
    return backend


# The keyring backend each operating system's desk relies on (``posko selftest`` checks
# that the build carries it).
PLATFORM_BACKENDS = {
    "win32": "keyring.backends.Windows",
    "darwin": "keyring.backends.macOS",
    "linux": "keyring.backends.SecretService",
}


def keyring_backend_present() -> bool:
    """Whether this build carries the keyring and its backend for this operating system
    (not whether the machine has a keyring running)."""
    import importlib
    import sys

    try:
        importlib.import_module("keyring.core")
        module = PLATFORM_BACKENDS.get(sys.platform)
        if module is not None:
            importlib.import_module(module)
    except ImportError:
        return False
    return True


def _named_keyring(name: Any) -> Any | None:
    """The backend ``desk-key.json`` names (loaded directly: discovering every installed
    backend costs the start-up tens of milliseconds), unless the user chose another one
    (``PYTHON_KEYRING_BACKEND``) or it no longer loads."""
    if not isinstance(name, str) or os.environ.get("PYTHON_KEYRING_BACKEND"):
        return _keyring()
    try:
        from keyring.core import load_keyring

        return load_keyring(name)
    except Exception:  # uninstalled, renamed: discover as on a first start
        return _keyring()


def _backend_name(backend: Any) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def _from_keyring(account: str, backend_name: Any = None) -> bytes | None:
    backend = _named_keyring(backend_name)
    if backend is None:
        return None
    try:
        value = backend.get_password(KEYRING_SERVICE, account)
    except Exception as exc:  # locked, refused, the service gone
        log.warning("the keyring did not give the key: %s", type(exc).__name__)
        return None
    try:
        return bytes.fromhex(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _into_keyring(key: bytes) -> tuple[str, str] | None:
    """Store ``key`` in the keyring; the account and the backend's name, or None when
    there is no keyring (or it did not keep the key: a null backend)."""
    backend = _keyring()
    if backend is None:
        return None
    account = str(uuid.uuid4())
    try:
        backend.set_password(KEYRING_SERVICE, account, key.hex())
        kept = backend.get_password(KEYRING_SERVICE, account)
    except Exception as exc:
        log.warning("the keyring refused the key: %s", type(exc).__name__)
        return None
    return (account, _backend_name(backend)) if kept == key.hex() else None


def _drop_from_keyring(account: str) -> None:
    backend = _keyring()
    if backend is None:
        return
    try:
        backend.delete_password(KEYRING_SERVICE, account)
    except Exception as exc:  # left behind: an unused entry, harmless
        log.warning("the keyring kept an unused key: %s", type(exc).__name__)


# -- the passphrase -------------------------------------------------------------------------


def _passphrase_key(passphrase: str, salt: bytes, params: dict[str, int]) -> bytes:
    return hashlib.scrypt(
        passphrase.encode("utf-8"),
        salt=salt,
        n=params["n"],
        r=params["r"],
        p=params["p"],
        maxmem=256 * 1024 * 1024,
        dklen=32,
    )


def _wrapped(key: bytes, passphrase: str) -> dict[str, Any]:
    salt, nonce = os.urandom(16), os.urandom(12)
    wrapping = _passphrase_key(passphrase, salt, SCRYPT)
    return {
        "kdf": {"name": "scrypt", **SCRYPT, "salt": _b64(salt)},
        "nonce": _b64(nonce),
        "wrapped": _b64(AESGCM(wrapping).encrypt(nonce, key, _WRAP_AAD)),
        "passphrase_check": _check(wrapping, b"posko passphrase check"),
    }


# desk-key.json is not secret and anyone who can write the profile can edit it: what it
# says of scrypt is checked before scrypt runs. Beyond these, hashlib refuses (a ValueError
# the operator would see as a crash) or runs for hours (p is a loop count: 2^20 of it with
# n = 2^14 fits the memory limit and costs 16,000 times a normal unlock).
_MAX_SCRYPT_WORK = 4 * SCRYPT["n"] * SCRYPT["r"] * SCRYPT["p"]


def _sane_scrypt(n: int, r: int, p: int) -> bool:
    return (
        2**10 <= n <= 2**20
        and n & (n - 1) == 0
        and 1 <= r <= 16
        and 1 <= p <= 16
        and 128 * r * n <= 192 * 1024 * 1024  # under _passphrase_key's maxmem
        and n * r * p <= _MAX_SCRYPT_WORK
    )


def _unwrap(record: KeyRecord, passphrase: str) -> bytes:
    try:
        kdf = record.fields["kdf"]
        params = {name: int(kdf[name]) for name in ("n", "r", "p")}
        if kdf.get("name") != "scrypt" or not _sane_scrypt(**params):
            raise ValueError("unknown key derivation")
        salt = _unb64(kdf["salt"])
        nonce, wrapped = _unb64(record.fields["nonce"]), _unb64(record.fields["wrapped"])
        expected = record.fields["passphrase_check"]
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyProblem(KeyProblem.DAMAGED, "passphrase fields") from exc
    wrapping = _passphrase_key(passphrase, salt, params)
    if not hmac.compare_digest(_check(wrapping, b"posko passphrase check"), str(expected)):
        raise WrongPassphrase()
    try:
        key = AESGCM(wrapping).decrypt(nonce, wrapped, _WRAP_AAD)
    except InvalidTag as exc:  # the passphrase is right: the file was changed
        raise KeyProblem(KeyProblem.DAMAGED, "wrapped key") from exc
    _verify(record, key)
    return key


def _verify(record: KeyRecord, key: bytes) -> None:
    if len(key) != cipher.KEY_BYTES or not hmac.compare_digest(
        _check(key, b"posko database key check"), record.check
    ):
        raise KeyProblem(KeyProblem.DAMAGED, "check value")


# -- what the desk calls --------------------------------------------------------------------


def unlock(profile: Profile, *, start_anew: bool = False) -> bytes:
    """The profile's key, registered for its files (``cipher.register``). A new profile's
    key is made here and kept in the keyring; ``KeyProblem`` when the operator must act
    (type the passphrase, choose one, or the key is lost). ``start_anew`` (``posko
    recover``): when the key file is gone, make a new key all the same: the unreadable
    database is then kept as a damaged copy and the desk resumes in a new one."""
    known = cipher.key_for(profile.database)
    if known is not None:
        return known
    record = read_record(profile)
    if record is None:
        if not start_anew:
            _refuse_if_encrypted(profile)
        key = cipher.new_key()
        kept = _into_keyring(key)
        if kept is None:
            raise KeyProblem(KeyProblem.NEW_PASSPHRASE_NEEDED)
        account, backend = kept
        if not _write_new(
            profile, _record("keyring", key, {"account": account, "backend": backend})
        ):
            _drop_from_keyring(account)  # another desk's key was kept first: use that one
            return unlock(profile, start_anew=start_anew)
        log.info("a new database key, kept in the keyring")
    elif record.store == "keyring":
        entry, named = record.fields.get("account"), record.fields.get("backend")
        found = _from_keyring(entry, named) if isinstance(entry, str) else None
        if found is None:
            raise KeyProblem(KeyProblem.KEYRING_LOST)
        _verify(record, found)
        key = found
    else:
        raise KeyProblem(KeyProblem.PASSPHRASE_NEEDED)
    cipher.register(profile.root, key)
    return key


def _refuse_if_encrypted(profile: Profile) -> None:
    """No key file, yet a desk was set up here and its database is not plain: it is
    encrypted with a key whose file is gone, and a new key would not open it (the desk
    would take it for a damaged file). A profile where no desk was ever set up has no
    data to lose: its unreadable file is damage, handled as such."""
    from desktop.store import identity

    try:
        size = profile.database.stat().st_size
    except OSError:
        return
    if size > 0 and not cipher.is_plain(profile.database) and identity.had_desk(profile):
        raise KeyProblem(KeyProblem.MISSING, str(key_file(profile)))


def unlock_with_passphrase(profile: Profile, passphrase: str) -> bytes:
    """Open the key kept under ``passphrase``; ``WrongPassphrase``, ``KeyProblem``."""
    record = read_record(profile)
    if record is None or record.store != "passphrase":
        raise KeyProblem(KeyProblem.DAMAGED, "no passphrase record")
    key = _unwrap(record, passphrase)
    cipher.register(profile.root, key)
    return key


def create_with_passphrase(profile: Profile, passphrase: str, *, start_anew: bool = False) -> bytes:
    """A new key for a profile on a machine without a keyring, kept under ``passphrase``
    (at least ``MIN_PASSPHRASE`` characters). Refuses to replace an existing key;
    ``start_anew`` as for ``unlock``."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise ValueError(f"a passphrase has at least {MIN_PASSPHRASE} characters")
    if read_record(profile) is not None:
        raise FileExistsError(str(key_file(profile)))
    if not start_anew:
        _refuse_if_encrypted(profile)
    key = cipher.new_key()
    if not _write_new(profile, _record("passphrase", key, _wrapped(key, passphrase))):
        raise FileExistsError(str(key_file(profile)))  # another desk chose one meanwhile
    cipher.register(profile.root, key)
    log.info("a new database key, kept under the coordinator's passphrase")
    return key


def change_passphrase(profile: Profile, old: str, new: str) -> None:
    """Wrap the same key under ``new`` (the data is not re-encrypted)."""
    if len(new) < MIN_PASSPHRASE:
        raise ValueError(f"a passphrase has at least {MIN_PASSPHRASE} characters")
    record = read_record(profile)
    if record is None or record.store != "passphrase":
        raise KeyProblem(KeyProblem.DAMAGED, "no passphrase record")
    key = _unwrap(record, old)
    _write(profile, _record("passphrase", key, _wrapped(key, new)))


def _record(store: str, key: bytes, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": VERSION,
        "store": store,
        "check": _check(key, b"posko database key check"),
        **fields,
    }


__all__ = [
    "FILE_NAME",
    "MIN_PASSPHRASE",
    "KeyProblem",
    "WrongPassphrase",
    "change_passphrase",
    "create_with_passphrase",
    "describe",
    "key_file",
    "read_record",
    "unlock",
    "unlock_with_passphrase",
]
