"""What the store refuses: about the desk itself, and about its database file (found by
``health``). Apart from ``health``, so a widget that catches them imports no SQLite."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.store.identity import Identity


class NotSetUp(RuntimeError):
    """The desk has no post, operator and device yet: run the first-run setup."""


class EnrolledForAnotherPost(ValueError):
    """The desk is enrolled for ``enrolled_post``: its reports cannot be made under another
    post code (the central system would refuse them). Enroll again with a code for the new
    post instead."""

    def __init__(self, enrolled_post: str) -> None:
        super().__init__(enrolled_post)
        self.enrolled_post = enrolled_post


class DatabaseError(RuntimeError):
    """The database file cannot be opened or upgraded (disk full, corrupt, newer schema)."""


class DatabaseDamaged(DatabaseError):
    """The database file is damaged; ``reason`` says how (for the operator's message),
    ``detail`` is SQLite's or the check's own text (for the log), ``copy`` where the copy
    of the damaged file was kept."""

    NOT_A_DATABASE = "not_a_database"  # its beginning is not SQLite's: overwritten, garbage
    TRUNCATED = "truncated"  # shorter than its own header says
    BAD_HEADER = "bad_header"  # SQLite's header, with impossible values
    UNREADABLE = "unreadable"  # SQLite says part of it is malformed
    CHECK_FAILED = "check_failed"  # the full check found damaged pages

    def __init__(self, path: Path, reason: str, detail: str = "", copy: Path | None = None):
        super().__init__(f"{path}: {reason}" + (f" ({detail})" if detail else ""))
        self.path = path
        self.reason = reason
        self.detail = detail
        self.copy = copy

    def __reduce__(self) -> tuple[Any, ...]:  # across to the desk from its drawing process
        return (type(self), (self.path, self.reason, self.detail, self.copy))


class DatabaseVanished(DatabaseError):
    """The database is missing, empty or has no desk, yet the profile shows a desk was set
    up here: not a first run. ``identity`` is what the identity file recorded (None when
    only the device key or token is left), ``backups`` the profile's backups, newest first."""

    MISSING = "missing"
    EMPTY = "empty"
    NOT_SET_UP = "not_set_up"

    def __init__(
        self, path: Path, reason: str, identity: Identity | None, backups: list[Path]
    ) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.identity = identity
        self.backups = backups

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.reason, self.identity, self.backups))


class KeyProblem(DatabaseError):
    """The database key cannot be had without the operator (``reason``;
    ``desktop.store.desk_key``): until it is, the database cannot be opened."""

    PASSPHRASE_NEEDED = "passphrase_needed"  # kept under a passphrase: ask for it
    NEW_PASSPHRASE_NEEDED = "new_passphrase_needed"  # no keyring: choose one
    KEYRING_LOST = "keyring_lost"  # the keyring no longer has the key
    MISSING = "missing"  # desk-key.json is gone, and the database is encrypted
    DAMAGED = "damaged"  # desk-key.json cannot be read

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason + (f": {detail}" if detail else ""))
        self.reason = reason
        self.detail = detail
