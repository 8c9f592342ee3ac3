"""Review of the desk's encryption at rest (issue 14, item 2): the holes a thief, a second
desk started at once, or an attacker who edits desk-key.json would find."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from desktop.paths import Profile
from desktop.store import cipher, desk_key
from desktop.store.desk_key import KeyProblem
from desktop.store.repo import Store
from tests.unit.test_encryption import _set_up, no_keyring  # noqa: F401


def _passphrase_profile(tmp_path: Path) -> Profile:
    profile = Profile(tmp_path / "desk")
    desk_key.create_with_passphrase(profile, "gerbang tol cikampek 2027")
    store = Store.open(profile)
    _set_up(store)
    store.close()
    cipher.forget(profile.root)
    return profile


@pytest.mark.parametrize(
    "kdf",
    [
        {"n": 3},  # not a power of two: hashlib's ValueError
        {"n": 0},
        {"n": -1},
        {"p": 0},
        {"n": 2**14, "r": 1, "p": 2**20},  # within maxmem, but hours of CPU
        {"n": 2**20, "r": 16},  # over maxmem: hashlib's ValueError
    ],
)
@pytest.mark.usefixtures("no_keyring")
def test_scrypt_parameters_from_the_key_file_are_bounded(
    tmp_path: Path, kdf: dict[str, int]
) -> None:
    """desk-key.json is not secret and can be edited: what it says of scrypt is checked
    before scrypt runs; a bad value is a damaged key file, quickly, never a hang or a
    ValueError (which the dialog and the command line would show as a crash)."""
    profile = _passphrase_profile(tmp_path)
    path = desk_key.key_file(profile)
    data = json.loads(path.read_text())
    data["kdf"].update(kdf)
    path.write_text(json.dumps(data))
    started = time.monotonic()
    with pytest.raises(KeyProblem) as problem:
        desk_key.unlock_with_passphrase(profile, "gerbang tol cikampek 2027")
    assert problem.value.reason == KeyProblem.DAMAGED
    assert time.monotonic() - started < 5
