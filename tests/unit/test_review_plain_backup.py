"""Review of the desk's encryption at rest: a backup made before encryption, kept on a USB
stick, is still a backup the desk restores (nothing is ever lost)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop.store import cipher
from desktop.store.records import ComplaintQuery
from desktop.store.recover import restore_backup
from desktop.store.repo import Store
from tests.unit.test_encryption import _plain_desk


def test_a_plain_backup_from_before_encryption_kept_outside_is_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's backup API cannot copy a plain file into an encrypted one ("SQL logic
    error"): the restore of a plain backup raised an SQLCipher error out of
    restore_backup, a crash instead of the 41 reports."""
    profile, _secret = _plain_desk(tmp_path / "desk", monkeypatch)
    stick = tmp_path / "usb"
    stick.mkdir()
    (made,) = profile.backups.glob("*.sqlite3")
    kept = stick / "posko-cadangan-lama.sqlite3"
    shutil.copy(made, kept)  # the coordinator's copy, from before the upgrade
    assert cipher.is_plain(kept)
    Store.open(profile).close()  # the new version's first start: all encrypted
    restored = restore_backup(profile, kept)
    try:
        assert restored.count(ComplaintQuery()) == 41
    finally:
        restored.close()
    assert not cipher.is_plain(profile.database)
    assert [p.name for p in profile.backups.glob("*.sqlite3") if cipher.is_plain(p)] == []
