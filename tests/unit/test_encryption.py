"""The desk's files at rest (issue 14, item 2): a thief who copies the profile finds no
reporter's name, phone or e-mail, no rahasia text and no receipt secret in the database,
its WAL, its backups or the rescued drafts; a plain database from before is encrypted at
its first open with every row kept; the key is in the keyring, or under the
coordinator's passphrase, and never beside the data in the clear."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail

from desktop.domain import ComplaintInput, ComplaintType
from desktop.paths import Profile
from desktop.store import cipher, desk_key
from desktop.store.db import backup
from desktop.store.desk_key import KeyProblem, WrongPassphrase
from desktop.store.records import ComplaintQuery
from desktop.store.recover import rescue_draft
from desktop.store.repo import Store
from tests import rawdb

NAME = "Kartini Wulandari"
PHONE = "081377712345"
EMAIL = "kartini.wulandari@contoh.id"
SECRET_TITLE = "Pungli petugas jembatan timbang"
SECRET_TEXT = "Oknum meminta uang lima puluh ribu tanpa karcis resmi"
DRAFT_TEXT = "Draf berisi nama Suryani Pramesti"


def _report(**overrides: object) -> ComplaintInput:
    fields: dict[str, object] = {
        "type": ComplaintType.PENGADUAN,
        "category": "TOL",
        "title": SECRET_TITLE,
        "description": SECRET_TEXT,
        "location": "Gerbang Tol Cikampek Utama",
        "reporter_name": NAME,
        "phone": PHONE,
        "email": EMAIL,
        "confidential": True,
    }
    fields.update(overrides)
    return ComplaintInput(**fields)  # type: ignore[arg-type]


def _set_up(store: Store) -> None:
    store.setup(post_code="CKP", post_name="Posko Cikampek", operator="Dewi Lestari")


def secrets_in(data: bytes, secret: str) -> list[str]:
    """Which of the reporter's data ``data`` holds, in UTF-8 or UTF-16 (SQLite's two)."""
    needles = [NAME, PHONE, EMAIL, SECRET_TITLE, SECRET_TEXT, DRAFT_TEXT, secret]
    needles += [NAME.split()[1], "Suryani", "jembatan timbang", PHONE[-8:]]
    found = []
    for needle in needles:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            if needle.encode(encoding) in data:
                found.append(f"{needle!r} ({encoding})")
    return found


def test_the_database_its_wal_its_backups_and_the_rescued_drafts_hold_no_reporter_data(
    tmp_path: Path,
) -> None:
    profile = Profile(tmp_path / "desk")
    store = Store.open(profile)
    _set_up(store)
    record = store.save_complaint(_report())
    store.save_draft("2b1f0a57-4c2e-4a53-9a61-0c7c1e0d9b11", "complaint", {"title": DRAFT_TEXT})
    rescue_draft(profile, "9d0e3c1a-7b55-4f0c-8a7e-31c2f5d7a6b2", "complaint", {"t": DRAFT_TEXT})
    copy = backup(profile.database, profile.backups, "manual")
    # The WAL, while the desk is open and has not checkpointed.
    wal = Path(f"{profile.database}-wal")
    assert wal.exists() and wal.stat().st_size > 0
    files = {
        "database": profile.database.read_bytes(),
        "wal": wal.read_bytes(),
        "backup": copy.read_bytes(),
        "rescued drafts": (profile.root / "draft-rescue.json").read_bytes(),
    }
    store.close()
    files["database after close"] = profile.database.read_bytes()
    for name, data in files.items():
        assert secrets_in(data, record.secret) == [], name
    assert not cipher.is_plain(profile.database) and not cipher.is_plain(copy)

    # The key is not beside the data: the key file holds only where it is and a check.
    key = rawdb.key_of(profile)
    stored = (profile.root / desk_key.FILE_NAME).read_text()
    assert key.hex() not in stored and json.loads(stored)["store"] == "keyring"
    # Without the key the file does not open; with it every row is there.
    with pytest.raises(cipher.DatabaseError):
        cipher.connect(profile.database, key=None).execute("SELECT * FROM complaints")
    with rawdb.connect(profile.database) as conn:
        assert conn.execute("SELECT reporter_name FROM complaints").fetchall() == [(NAME,)]

    # The desk itself reads it all back, the rescued draft included, and searches it.
    store = Store.open(profile)
    try:
        assert store.complaint(record.tracking_id) == record
        assert store.count(ComplaintQuery(text="Wulandari")) == 1
        assert store.count(ComplaintQuery(text="777 123")) == 1  # the phone's digits
    finally:
        store.close()


def _plain_desk(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Profile, str]:
    """A desk as the version before encryption made it: a plain database at the head
    revision, with a backup and a rescued draft in the clear."""
    profile = Profile(root)
    with monkeypatch.context() as patched:
        patched.setattr(desk_key, "unlock", lambda _profile: None)
        store = Store.open(profile)
        _set_up(store)
        record = store.save_complaint(_report())
        for n in range(40):
            store.save_complaint(_report(reporter_name=f"Pelapor Nomor {n}", confidential=False))
        store.save_draft("2b1f0a57-4c2e-4a53-9a61-0c7c1e0d9b11", "complaint", {"t": DRAFT_TEXT})
        backup(profile.database, profile.backups, "manual")
        rescue_draft(profile, "9d0e3c1a-7b55-4f0c-8a7e-31c2f5d7a6b2", "complaint", {"t": "x"})
        store.close()
    assert cipher.is_plain(profile.database)
    assert NAME.encode() in profile.database.read_bytes()  # as it was: readable by anyone
    return profile, record.secret


def _rows(path: Path, key: bytes | None) -> dict[str, list[tuple[object, ...]]]:
    with cipher.connect(path, key=key) as conn:
        tables = [
            str(row[0])
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}


def test_a_plain_database_from_before_is_encrypted_at_its_first_open_with_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile, secret = _plain_desk(tmp_path / "desk", monkeypatch)
    before = _rows(profile.database, None)
    backup_before = {p.name: _rows(p, None) for p in profile.backups.glob("*.sqlite3")}
    assert sum(len(rows) for rows in before.values()) > 50

    store = Store.open(profile)  # the new version's first start
    try:
        assert store.count(ComplaintQuery()) == 41
    finally:
        store.close()
    key = rawdb.key_of(profile)
    assert not cipher.is_plain(profile.database)
    assert _rows(profile.database, key) == before  # every row of every table
    for name, rows in backup_before.items():
        copy = profile.backups / name
        assert not cipher.is_plain(copy), name
        assert _rows(copy, key) == rows
        assert secrets_in(copy.read_bytes(), secret) == []
    assert secrets_in(profile.database.read_bytes(), secret) == []
    leftovers = [p.name for p in profile.root.iterdir() if "encrypting" in p.name]
    assert leftovers == []
    # The old rescue file is plain JSON: read as it is, sealed when next written.
    rescue_draft(profile, "9d0e3c1a-7b55-4f0c-8a7e-31c2f5d7a6b2", "complaint", {"t": DRAFT_TEXT})
    assert secrets_in((profile.root / "draft-rescue.json").read_bytes(), secret) == []


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """A machine without a keyring (a bare Linux, a kiosk account)."""
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(before)


def test_without_a_keyring_the_key_is_kept_under_the_coordinators_passphrase(
    tmp_path: Path, no_keyring: None
) -> None:
    profile = Profile(tmp_path / "desk")
    with pytest.raises(KeyProblem) as asked:
        Store.open(profile)
    assert asked.value.reason == KeyProblem.NEW_PASSPHRASE_NEEDED
    assert not profile.database.exists()  # nothing written before the key exists
    with pytest.raises(ValueError):
        desk_key.create_with_passphrase(profile, "pendek")
    key = desk_key.create_with_passphrase(profile, "gerbang tol cikampek 2027")
    store = Store.open(profile)
    _set_up(store)
    record = store.save_complaint(_report())
    store.close()
    stored = (profile.root / desk_key.FILE_NAME).read_bytes()
    assert key.hex().encode() not in stored and json.loads(stored)["store"] == "passphrase"
    assert secrets_in(profile.database.read_bytes(), record.secret) == []

    cipher.forget(profile.root)  # the desk starts again
    with pytest.raises(KeyProblem) as asked:
        Store.open(profile)
    assert asked.value.reason == KeyProblem.PASSPHRASE_NEEDED
    with pytest.raises(WrongPassphrase):
        desk_key.unlock_with_passphrase(profile, "gerbang tol cikampek 2026")
    assert desk_key.unlock_with_passphrase(profile, "gerbang tol cikampek 2027") == key
    store = Store.open(profile)
    assert store.complaint(record.tracking_id) == record
    store.close()

    # A new passphrase wraps the same key; the old one no longer opens it.
    desk_key.change_passphrase(profile, "gerbang tol cikampek 2027", "pelabuhan merak 2028")
    cipher.forget(profile.root)
    with pytest.raises(WrongPassphrase):
        desk_key.unlock_with_passphrase(profile, "gerbang tol cikampek 2027")
    assert desk_key.unlock_with_passphrase(profile, "pelabuhan merak 2028") == key

    # A changed wrapped key is a damaged file, told apart from a wrong passphrase.
    data = json.loads(stored)
    wrapped = bytearray(desk_key._unb64(data["wrapped"]))
    wrapped[3] ^= 1
    data["wrapped"] = desk_key._b64(bytes(wrapped))
    (profile.root / desk_key.FILE_NAME).write_text(json.dumps(data))
    cipher.forget(profile.root)
    with pytest.raises(KeyProblem) as damaged:
        desk_key.unlock_with_passphrase(profile, "gerbang tol cikampek 2027")
    assert damaged.value.reason == KeyProblem.DAMAGED


def test_a_lost_key_is_said_plainly_and_nothing_is_changed(tmp_path: Path) -> None:
    profile = Profile(tmp_path / "desk")
    store = Store.open(profile)
    _set_up(store)
    store.save_complaint(_report())
    store.close()
    before = profile.database.read_bytes()
    record = json.loads((profile.root / desk_key.FILE_NAME).read_text())

    # The keyring lost the entry (reset, or the profile copied to another laptop).
    keyring.delete_password(desk_key.KEYRING_SERVICE, record["account"])
    cipher.forget(profile.root)
    with pytest.raises(KeyProblem) as lost:
        Store.open(profile)
    assert lost.value.reason == KeyProblem.KEYRING_LOST
    assert "keyring" in desk_key.describe(lost.value)

    # The key file is gone: a new key would not open the file, so none is made.
    (profile.root / desk_key.FILE_NAME).unlink()
    with pytest.raises(KeyProblem) as missing:
        Store.open(profile)
    assert missing.value.reason == KeyProblem.MISSING
    assert not (profile.root / desk_key.FILE_NAME).exists()

    # A damaged key file.
    (profile.root / desk_key.FILE_NAME).write_text("{not json")
    with pytest.raises(KeyProblem) as damaged:
        Store.open(profile)
    assert damaged.value.reason == KeyProblem.DAMAGED
    assert profile.database.read_bytes() == before  # never marked damaged, never touched
    assert not profile.damaged.exists() or not any(profile.damaged.iterdir())


def test_the_command_line_asks_for_the_passphrase_and_refuses_a_wrong_one(
    tmp_path: Path,
) -> None:
    data = tmp_path / "desk"
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    env["POSKO_LANG"] = "id"

    def posko(*args: str, stdin: str = "", passphrase: str | None = None) -> Any:
        run_env = dict(env)
        if passphrase is not None:
            run_env["POSKO_DESK_PASSPHRASE"] = passphrase
        return subprocess.run(
            [sys.executable, "-m", "desktop", "--data-dir", str(data), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=run_env,
            timeout=120,
        )

    made = posko("demo-data", "--complaints", "3", stdin="rahasia posko 2027\nrahasia posko 2027\n")
    assert made.returncode == 0, made.stderr
    assert "tidak punya gantungan kunci" in made.stderr
    wrong = posko("outbox", passphrase="bukan frasa sandinya")
    assert wrong.returncode != 0
    assert "Frasa sandi itu tidak membuka data meja ini." in wrong.stderr
    assert "Traceback" not in wrong.stderr
    right = posko("outbox", passphrase="rahasia posko 2027")
    assert right.returncode == 0, right.stderr
    logs = "".join(p.read_text() for p in (data / "logs").glob("*") if p.is_file())
    assert "rahasia posko 2027" not in logs and "bukan frasa" not in logs


def test_a_copied_profile_opens_where_the_key_is(tmp_path: Path) -> None:
    """A profile copied whole (a portable one, a test's copy) keeps its key file; on the
    same machine the keyring still has the key."""
    profile = Profile(tmp_path / "desk")
    store = Store.open(profile)
    _set_up(store)
    record = store.save_complaint(_report())
    store.close()
    shutil.copytree(profile.root, tmp_path / "copy")
    copy = Store.open(Profile(tmp_path / "copy"))
    try:
        assert copy.complaint(record.tracking_id) == record
    finally:
        copy.close()


@pytest.mark.parametrize("keyring_kind", ["keyring", "passphrase"])
def test_recover_starts_anew_when_the_key_file_is_gone(tmp_path: Path, keyring_kind: str) -> None:
    """Without desk-key.json the start refuses (the file may come back from a copy);
    ``posko recover`` keeps the unreadable file aside and the desk goes on, numbering
    after its last tracking ID: with a keyring, and on a machine without one."""
    from tests.e2e import test_cli

    env: dict[str, str] = {}
    if keyring_kind == "passphrase":
        env = {
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "POSKO_DESK_PASSPHRASE": "frasa sandi pemulihan",
        }

    def posko(*args: str) -> Any:
        return test_cli.posko(*args, env=env)

    data = tmp_path / "desk"
    made = posko("--data-dir", str(data), "demo-data", "--complaints", "3")
    assert made.returncode == 0, made.stderr
    assert json.loads((data / desk_key.FILE_NAME).read_text())["store"] == keyring_kind
    (data / desk_key.FILE_NAME).unlink()
    refused = posko("--data-dir", str(data), "outbox")
    assert refused.returncode == 1
    assert "desk-key.json" in refused.stderr and "posko recover" in refused.stderr
    assert "Traceback" not in refused.stderr
    recovered = posko("--data-dir", str(data), "recover")
    assert recovered.returncode == 0, recovered.stderr
    assert "Traceback" not in recovered.stderr
    assert list((data / "damaged").glob("*/posko.sqlite3"))  # the old file, kept
    again = posko("--data-dir", str(data), "demo-data", "--complaints", "1")
    assert again.returncode == 0, again.stderr


def test_a_backup_kept_outside_the_profile_is_restored_with_the_profiles_key(
    tmp_path: Path,
) -> None:
    """A coordinator copied a backup to a USB stick: ``posko recover --backup PATH`` reads
    it with the desk's key (copied into ``backups/`` first) and restores it."""
    from tests.e2e.test_cli import posko

    data = tmp_path / "desk"
    assert posko("--data-dir", str(data), "demo-data", "--complaints", "4").returncode == 0
    profile = Profile(data)
    rawdb.key_of(profile)
    stick = tmp_path / "usb"
    stick.mkdir()
    kept = stick / "posko-cadangan.sqlite3"  # copied there by hand from backups/
    shutil.copy(backup(profile.database, profile.backups, "manual"), kept)
    for made in profile.backups.glob("*.sqlite3"):
        made.unlink()  # only the stick has it now
    assert not cipher.is_plain(kept)
    assert posko("--data-dir", str(data), "demo-data", "--complaints", "2").returncode == 0
    restored = posko("--data-dir", str(data), "recover", "--backup", str(kept))
    assert restored.returncode == 0, restored.stderr
    with rawdb.connect(profile.database) as conn:
        assert conn.execute("SELECT count(*) FROM complaints").fetchone() == (4,)


def test_a_sealed_copy_opens_only_whole_and_with_its_key(tmp_path: Path) -> None:
    """The copies kept in damaged/ are sealed whole: what comes out is what went in, and
    a changed, cut, reordered or foreign-keyed file is refused, never half-read."""
    key, other = cipher.new_key(), cipher.new_key()
    data = os.urandom(3 * 2**20 + 12345)  # four chunks, the last one short
    path = tmp_path / "posko.sqlite3"
    path.write_bytes(data)
    assert cipher.seal_file(path, key) and not cipher.seal_file(path, key)  # once
    sealed = path.read_bytes()
    assert data[:4096] not in sealed and cipher.is_sealed(path)
    cipher.unseal_to(path, key, tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == data

    chunk = 16 + 2**20 + 16  # nonce + length, one sealed chunk
    start = len(cipher.SEALED_MAGIC)
    first, second = sealed[start : start + chunk], sealed[start + chunk : start + 2 * chunk]
    changed = {
        "a flipped bit": sealed[:5000] + bytes([sealed[5000] ^ 1]) + sealed[5001:],
        "cut at a chunk": sealed[: start + 2 * chunk],
        "cut inside": sealed[:-100],
        "reordered": sealed[:start] + second + first + sealed[start + 2 * chunk :],
    }
    for name, content in changed.items():
        path.write_bytes(content)
        with pytest.raises(ValueError):
            cipher.unseal_to(path, key, tmp_path / "out")
        assert name
    path.write_bytes(sealed)
    with pytest.raises(ValueError):
        cipher.unseal_to(path, other, tmp_path / "out")


def test_a_wrong_key_file_put_back_is_mended_by_the_right_one(tmp_path: Path) -> None:
    """The wrong desk-key.json put back (another desk's) makes the file unreadable, and the
    desk says it is damaged; once the right one is back the desk opens it again, with
    nothing lost, rather than remembering the file as damaged for ever."""
    from desktop.store import health

    mine, other = Profile(tmp_path / "mine"), Profile(tmp_path / "other")
    for profile in (mine, other):
        store = Store.open(profile)
        _set_up(store)
        store.close()
    store = Store.open(mine)
    record = store.save_complaint(_report())
    store.close()
    right = (mine.root / desk_key.FILE_NAME).read_bytes()
    shutil.copy(other.root / desk_key.FILE_NAME, mine.root / desk_key.FILE_NAME)
    cipher.forget(mine.root)
    with pytest.raises(health.DatabaseDamaged) as found:
        Store.open(mine)
    assert found.value.reason == health.DatabaseDamaged.NOT_A_DATABASE
    (mine.root / desk_key.FILE_NAME).write_bytes(right)
    cipher.forget(mine.root)
    store = Store.open(mine)
    try:
        assert store.complaint(record.tracking_id) == record
        assert store.damage is None
    finally:
        store.close()


def test_one_process_at_a_time_encrypts_a_plain_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two desks started at once on a plain profile: the second waits for the first's
    lock, then finds the file encrypted and leaves it; a lock a crash left is taken over;
    one held too long is a clear error, and the file stays plain and whole."""
    import threading
    import time

    profile, _secret = _plain_desk(tmp_path / "desk", monkeypatch)
    before = _rows(profile.database, None)
    key = cipher.new_key()
    lock = profile.database.with_name(f".{profile.database.name}-encrypting.lock")

    lock.touch()  # another process is at it
    monkeypatch.setattr(cipher, "UPGRADE_WAIT_S", 0.5)
    with pytest.raises(OSError):
        cipher.encrypt_plain(profile.database, key)
    assert cipher.is_plain(profile.database) and _rows(profile.database, None) == before

    monkeypatch.setattr(cipher, "UPGRADE_WAIT_S", 30.0)
    results: list[bool] = []
    waiter = threading.Thread(target=lambda: results.append(cipher.encrypt_plain(
        profile.database, key)))  # fmt: skip
    waiter.start()
    time.sleep(0.5)
    assert waiter.is_alive()  # waiting for the lock
    lock.unlink()  # the other process finished
    waiter.join(30)
    assert results == [True] and not cipher.is_plain(profile.database)
    assert _rows(profile.database, key) == before

    # A lock left by a crash long ago does not block for ever.
    profile2, _ = _plain_desk(tmp_path / "desk2", monkeypatch)
    stale = profile2.database.with_name(f".{profile2.database.name}-encrypting.lock")
    stale.touch()
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    assert cipher.encrypt_plain(profile2.database, key)
    assert not stale.exists()


def test_the_passphrase_given_in_the_environment_is_not_handed_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``POSKO_DESK_PASSPHRASE`` opens the desk for a script, then leaves the environment:
    a process started afterwards (a drawing process, a helper) does not inherit it."""
    from desktop.cli.commands import unlock

    profile = Profile(tmp_path / "desk")
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        desk_key.create_with_passphrase(profile, "terminal pulogebang 2027")
        cipher.forget(profile.root)
        monkeypatch.setenv("POSKO_DESK_PASSPHRASE", "terminal pulogebang 2027")
        assert unlock(profile)
        assert cipher.key_for(profile.database) is not None
        assert "POSKO_DESK_PASSPHRASE" not in os.environ
        child = subprocess.run(
            [sys.executable, "-c", "import os; print(os.environ.get('POSKO_DESK_PASSPHRASE'))"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert child.stdout.strip() == "None"
    finally:
        keyring.set_keyring(before)
        cipher.forget(profile.root)
