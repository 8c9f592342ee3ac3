"""Review of the desk's encryption at rest (issue 14, item 2): the holes a thief, a second
desk started at once, or an attacker who edits desk-key.json would find."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.store import cipher, health
from desktop.store.repo import Store
from tests.unit.test_encryption import NAME, _plain_desk, _set_up, no_keyring  # noqa: F401


def test_a_failed_encryption_of_a_plain_database_is_a_database_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk while the plain database is encrypted: the desk says it cannot open
    the database (health.DatabaseError, which the desk and the command line explain),
    not an SQLCipher error that reaches the crash dialog; the plain file is untouched."""
    profile, _secret = _plain_desk(tmp_path / "desk", monkeypatch)
    before = profile.database.read_bytes()

    def full(*_args: object) -> bool:
        raise cipher.OperationalError("database or disk is full")

    monkeypatch.setattr(cipher, "encrypt_plain", full)
    with pytest.raises(health.DatabaseError):
        Store.open(profile)
    assert profile.database.read_bytes() == before
    assert health.damaged(profile.database) is None
