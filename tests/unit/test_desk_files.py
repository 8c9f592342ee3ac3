"""The desk's own files: a database that vanished or went back in time never makes the desk
reuse a tracking ID, and the profile is readable by its owner alone.

Real profiles in ``tmp_path``, the real ``posko`` command as a process where the operator
would type it."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest

from desktop.domain import ComplaintInput, ComplaintType
from desktop.paths import Profile
from desktop.store import identity
from desktop.store.health import DatabaseVanished, describe
from desktop.store.records import ComplaintQuery
from desktop.store.recover import resume_identity
from desktop.store.repo import Store
from desktop.sync.engine import SyncEngine
from desktop.sync.enroll import enroll
from desktop.sync.transport import RequestsTransport
from posko import tracking
from tests import rawdb
from tests.central_support import CentralServer
from tests.e2e.test_cli import posko


def make(title: str = "Antrean gerbang tol") -> ComplaintInput:
    return ComplaintInput(
        type=ComplaintType.PENGADUAN,
        category="TOL",
        title=title,
        description="Antrean panjang di gerbang tol, tidak ada petugas.",
    )


def sequence_of(tracking_id: str, prefix: str) -> int:
    assert tracking_id.startswith(prefix)
    number = 0
    for ch in tracking_id[len(prefix) : -1]:
        number = number * tracking.BASE + tracking.ALPHABET.index(ch)
    return number


def set_up(data: Path) -> None:
    result = posko(
        "--data-dir",
        str(data),
        "setup",
        "--post-code",
        "MRK-1",
        "--post-name",
        "Posko Pelabuhan Merak",
        "--operator",
        "Siti",
    )
    assert result.returncode == 0, result.stderr


def issued(profile: Profile) -> list[str]:
    store = Store.open(profile)
    try:
        return [r.tracking_id for r in store.search(ComplaintQuery(), limit=10_000)]
    finally:
        store.close()


def drop_database(profile: Profile, *, empty: bool = True) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{profile.database}{suffix}").unlink(missing_ok=True)
    if empty:
        profile.database.write_bytes(b"")
    else:
        profile.database.unlink()


# -- a vanished database ------------------------------------------------------------------


def test_a_zero_byte_database_is_not_a_first_run(tmp_path: Path) -> None:
    """The hole: a 0-byte file was taken for a first run, the same prefix came back and
    the sequence restarted at 1. Now the desk says what happened and resumes itself."""
    data = tmp_path / "desk"
    set_up(data)
    assert posko("--data-dir", str(data), "demo-data", "--complaints", "7").returncode == 0
    profile = Profile(data)
    before = issued(profile)
    prefix = before[0][:7]
    drop_database(profile)

    again = posko(
        "--data-dir",
        str(data),
        "setup",
        "--post-code",
        "MRK-1",
        "--post-name",
        "Posko Pelabuhan Merak",
        "--operator",
        "Siti",
    )
    assert again.returncode == 1
    assert "Basis data meja ini hilang" in again.stderr  # said in Indonesian
    assert "posko recover" in again.stderr  # and what to do
    assert "Traceback" not in again.stderr
    assert profile.database.stat().st_size == 0  # nothing started over

    recovered = posko("--data-dir", str(data), "recover")
    assert recovered.returncode == 0, recovered.stderr
    assert "melanjutkan identitas" in recovered.stdout
    assert posko("--data-dir", str(data), "demo-data", "--complaints", "1").returncode == 0
    (new,) = issued(profile)
    assert new not in before
    assert new.startswith(prefix) and sequence_of(new, prefix) == 8


def test_resume_keeps_uuid_prefix_enrollment_and_post(profile: Profile, store: Store) -> None:
    store.save_complaint(make())
    with store.session() as s:
        from sqlalchemy import update

        from desktop.store.models import Device

        s.execute(  # as an enrollment does
            update(Device).values(enrolled=True, tracking_prefix="3KQ7", next_sequence=1)
        )
    from desktop.settings import ENROLLED_DEVICE_ID, TIME_ZONE

    store.set(ENROLLED_DEVICE_ID, "17")
    store.set(TIME_ZONE, "WIT")  # a post in Papua: its receipts keep its time
    third = [store.save_complaint(make(f"Laporan {i}")) for i in range(3)][-1]
    known = identity.read(profile)
    assert known is not None
    assert known.prefix == "3KQ7" and known.enrolled and known.enrolled_device_id == "17"
    assert identity.highest_issued(profile, "3KQ7") == 3
    old_prefix = next(p for p in known.issued if p != "3KQ7")
    assert identity.highest_issued(profile, old_prefix) == 1
    uuid_before = known.device_uuid
    store.close()
    drop_database(profile, empty=False)

    with pytest.raises(DatabaseVanished) as raised:
        Store.open(profile)
    assert raised.value.identity is not None and raised.value.backups == []
    context = resume_identity(profile)
    assert context.tracking_prefix == "3KQ7" and context.enrolled
    assert (context.post_code, context.post_name, context.operator_name) == (
        "MRK",
        "Posko Pelabuhan Merak",
        "Siti Rahmawati",
    )
    assert context.central_url == "https://pelacakan.posko.test"
    assert context.time_zone == "WIT"
    again = Store.open(profile)
    try:
        assert again.get(ENROLLED_DEVICE_ID) == "17"
        record = again.save_complaint(make("Setelah hilang"))
        assert sequence_of(record.tracking_id, "3KQ7") == 4
        assert record.tracking_id != third.tracking_id
        resumed = identity.read(profile)
        assert resumed is not None and resumed.device_uuid == uuid_before
    finally:
        again.close()


def test_a_vanished_database_offers_the_newest_backup(profile: Profile, store: Store) -> None:
    for i in range(3):
        store.save_complaint(make(f"Laporan {i}"))
    from desktop.store.db import backup

    older = backup(profile.database, profile.backups, "manual")
    store.save_complaint(make("Sesudah cadangan"))
    store.close()
    drop_database(profile)
    with pytest.raises(DatabaseVanished) as raised:
        Store.open(profile)
    assert raised.value.backups == [older]
    _title, what, todo = describe(raised.value)
    assert "hilang" in what and "cadangan" in todo

    from desktop.store.recover import restore_backup

    reopened = restore_backup(profile, older)
    try:
        assert [n.code for n in reopened.notices] == ["rolled_back"]
        record = reopened.save_complaint(make("Sesudah dipulihkan"))
        prefix = reopened.require_context().tracking_prefix
        assert sequence_of(record.tracking_id, prefix) == 5  # 4 was issued after the backup
    finally:
        reopened.close()


# -- a database that went back in time ----------------------------------------------------


def test_an_old_backup_restored_over_a_newer_database_never_reissues(tmp_path: Path) -> None:
    data = tmp_path / "desk"
    set_up(data)
    profile = Profile(data)
    assert posko("--data-dir", str(data), "demo-data", "--complaints", "5").returncode == 0
    old = tmp_path / "old.sqlite3"
    with rawdb.connect(profile.database) as source, rawdb.connect(old, like=profile) as target:
        source.backup(target)
    assert posko("--data-dir", str(data), "demo-data", "--complaints", "5").returncode == 0
    newest = issued(profile)
    drop_database(profile, empty=False)
    shutil.copy(old, profile.database)  # the operator restores yesterday's copy by hand

    result = posko("--data-dir", str(data), "demo-data", "--complaints", "1")
    assert result.returncode == 0, result.stderr
    assert "lebih lama" in result.stderr  # the operator is told
    assert "tidak ada di berkas ini" in result.stderr
    ids = issued(profile)
    fresh = sorted(set(ids) - set(newest))
    assert len(fresh) == 1 and len(ids) == 6
    prefix = fresh[0][:7]
    assert sequence_of(fresh[0], prefix) == 11


# -- permissions ----------------------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_profile_is_private(tmp_path: Path) -> None:
    data = tmp_path / "desk"
    set_up(data)
    profile = Profile(data)
    assert posko("--data-dir", str(data), "demo-data", "--complaints", "2").returncode == 0
    assert mode(profile.root) == 0o700
    assert mode(profile.database) == 0o600
    assert mode(profile.identity) == 0o600
    assert profile.backups.exists() and mode(profile.backups) == 0o700


def test_existing_profiles_are_made_private_on_open(profile: Profile, store: Store) -> None:
    from desktop.store.db import backup

    store.save_complaint(make())
    copy = backup(profile.database, profile.backups, "manual")
    assert mode(copy) == 0o600  # new backups are private from the start
    store.close()
    key = profile.root / "device-key"
    token = profile.root / "device-token"
    for path in (key, token):
        path.write_text("secret")
    wal = Path(f"{profile.database}-wal")
    wal.write_bytes(b"")
    for path in (profile.database, wal, copy, key, token, profile.identity):
        path.chmod(0o644)
    profile.root.chmod(0o755)
    profile.backups.chmod(0o755)

    Store.open(profile).close()
    assert mode(profile.root) == 0o700
    assert mode(profile.backups) == 0o700
    for path in (profile.database, copy, key, token, profile.identity):
        assert mode(path) == 0o600, path
    assert not wal.exists() or mode(wal) == 0o600


def test_the_identity_file_is_made_from_an_older_profile(profile: Profile, store: Store) -> None:
    """Profiles made before the identity file existed get one on their first open."""
    for i in range(4):
        store.save_complaint(make(f"Laporan {i}"))
    prefix = store.require_context().tracking_prefix
    store.close()
    profile.identity.unlink()
    Store.open(profile).close()
    assert identity.highest_issued(profile, prefix) == 4
    content = json.loads(profile.identity.read_text(encoding="utf-8"))
    assert content["prefix"] == prefix and content["post_code"] == "MRK"
    assert identity.highest_issued(profile, "XXXXXXX") is None


# -- with the real central system -----------------------------------------------------------


@pytest.mark.slow
def test_an_enrolled_desk_resumed_after_its_database_vanished_keeps_syncing(
    store: Store, profile: Profile, central_server: CentralServer
) -> None:
    """Enrollment changes the prefix: the identity file follows, and a desk resumed from it
    after its database vanished numbers on and syncs with the token it already has."""
    offline = store.save_complaint(make("Sebelum pendaftaran"))
    provisional = store.require_context().tracking_prefix
    transport = RequestsTransport(timeout=(5, 30))
    try:
        code, _expires = central_server.store.create_enroll_code("MRK", 1)
        enroll(store, profile, central_server.url, code, transport)
        context = store.require_context()
        known = identity.read(profile)
        assert known is not None and known.prefix == context.tracking_prefix != provisional
        assert known.enrolled and known.enrolled_device_id and known.issued[provisional] == 1
        assert known.central_url == central_server.url
        sent = [store.save_complaint(make(f"Laporan {i}")) for i in range(2)]
        assert SyncEngine(store, profile, transport).run_once().ok
        store.close()
        drop_database(profile)

        resumed = resume_identity(profile)
        assert resumed.tracking_prefix == context.tracking_prefix and resumed.enrolled
        again = Store.open(profile)
        try:
            record = again.save_complaint(make("Sesudah basis data hilang"))
            assert sequence_of(record.tracking_id, context.tracking_prefix) == 3
            assert record.tracking_id not in {r.tracking_id for r in (offline, *sent)}
            report = SyncEngine(again, profile, transport).run_once()
            assert report.ok and report.sent == 1, report
        finally:
            again.close()
        assert central_server.store.complaint(record.tracking_id) is not None
    finally:
        transport.close()


def test_a_desk_set_up_again_never_numbers_a_used_prefix_from_one(
    profile: Profile, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started over as a new desk (nothing to resume it from), the setup that follows may
    draw a prefix this profile used before (the provisional prefix is the lead's to derive,
    from the device key): it numbers on after what the identity file recorded."""
    for i in range(5):
        store.save_complaint(make(f"Laporan {i}"))
    used = store.require_context().tracking_prefix
    store.close()
    from desktop.store.recover import start_over

    drop_database(profile)
    start_over(profile)
    monkeypatch.setattr(tracking, "provisional_prefix", lambda: used)  # the same prefix again
    again = Store.open(profile)  # a first run now
    try:
        assert again.context() is None
        again.setup(post_code="MRK", post_name="Posko Pelabuhan Merak", operator="Siti")
        record = again.save_complaint(make("Meja baru"))
        assert sequence_of(record.tracking_id, used) == 6
    finally:
        again.close()
