"""Review of the desk's encryption at rest (issue 14, item 2): the holes a thief, a second
desk started at once, or an attacker who edits desk-key.json would find."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.store import health
from desktop.store.repo import Store
from tests.unit.test_encryption import NAME, _plain_desk, _set_up, no_keyring  # noqa: F401


def _every_file(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_plain_database_found_damaged_leaves_no_plain_copy_once_recovered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A desk from before encryption whose file is damaged at the new version's first start:
    the copy kept in damaged/ is the plain file, and it stays plain after the recovery has
    taken its rows into the new, encrypted database."""
    from desktop.store.recover import recover

    profile, _secret = _plain_desk(tmp_path / "desk", monkeypatch)
    size = profile.database.stat().st_size
    with open(profile.database, "r+b") as handle:  # cut short: a torn copy, a full disk
        handle.truncate(size - 3 * 4096)
    with pytest.raises(health.DatabaseDamaged):
        Store.open(profile)
    recover(profile)
    holding = [name for name, data in _every_file(profile.root).items() if NAME.encode() in data]
    assert holding == []
