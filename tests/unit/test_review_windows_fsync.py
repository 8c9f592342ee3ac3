"""Review of the desk's encryption at rest: the upgrade of a plain database on Windows,
where os.fsync (the C runtime's _commit, FlushFileBuffers) refuses a read-only handle
with EBADF, unlike POSIX."""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from pathlib import Path

import pytest

from desktop.store import cipher
from desktop.store.records import ComplaintQuery
from desktop.store.repo import Store
from tests.unit.test_encryption import _plain_desk


@pytest.fixture
def windows_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.fsync

    def fsync(fd: int) -> None:
        # A file's handle; a folder's fsync is POSIX-only code that Windows skips.
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
        if regular and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY:
            raise OSError(errno.EBADF, "Bad file descriptor")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_a_plain_database_is_encrypted_where_fsync_needs_a_writable_handle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, windows_fsync: None
) -> None:
    profile, _secret = _plain_desk(tmp_path / "desk", monkeypatch)
    store = Store.open(profile)
    try:
        assert store.count(ComplaintQuery()) == 41
    finally:
        store.close()
    assert not cipher.is_plain(profile.database)
    assert [p.name for p in profile.backups.glob("*.sqlite3") if cipher.is_plain(p)] == []
