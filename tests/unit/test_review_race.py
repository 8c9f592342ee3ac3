"""Review of the desk's encryption at rest (issue 14, item 2): the holes a thief, a second
desk started at once, or an attacker who edits desk-key.json would find."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.paths import Profile
from desktop.store import cipher, desk_key
from desktop.store.records import ComplaintQuery
from desktop.store.repo import Store
from tests.unit.test_encryption import NAME, _plain_desk, _set_up, no_keyring  # noqa: F401


def test_two_desks_started_at_once_on_a_new_profile_agree_on_one_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two desks (a double click) start on a profile from before encryption. Both find no
    desk-key.json, both make a key; the second's record replaces the first's, but the first
    encrypts the database with its own key: the next start cannot read it."""
    profile, _secret = _plain_desk(tmp_path / "desk", monkeypatch)
    real = desk_key.read_record
    first = desk_key.unlock(profile)  # desk A: its key made and its record written
    cipher.forget(profile.root)
    # Desk B read desk-key.json before A wrote it.
    calls: list[Profile] = []

    def read_before_a_wrote(where: Profile) -> desk_key.KeyRecord | None:
        calls.append(where)
        return None if len(calls) == 1 else real(where)

    monkeypatch.setattr(desk_key, "read_record", read_before_a_wrote)
    desk_key.unlock(profile)
    monkeypatch.setattr(desk_key, "read_record", real)

    # A encrypts the database with the key it holds.
    cipher.forget(profile.root)
    cipher.register(profile.root, first)
    Store.open(profile).close()
    cipher.forget(profile.root)
    store = Store.open(profile)  # the next start
    try:
        assert store.count(ComplaintQuery()) == 41
    finally:
        store.close()
