"""Damaged database files: a truncated file, a garbage file, a damaged page in the middle of a
real 1,000-report database. The desk explains in Indonesian, keeps a copy, and the real
``posko recover`` process brings back every readable report (unsent first) into a fresh
database whose next tracking ID was never used."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from desktop.domain import ComplaintInput, ComplaintType
from desktop.paths import Profile
from desktop.store import cipher, health, identity
from desktop.store.health import DatabaseDamaged
from desktop.store.models import Complaint
from desktop.store.records import ComplaintQuery
from desktop.store.repo import Store
from tests import rawdb
from tests.e2e.test_cli import posko

REPORTS = 1000

DRAFT_ID = "6f1c3a4e-1b7d-4c2a-9e8f-0a1b2c3d4e5f"


def build(profile: Profile) -> None:
    store = Store.open(profile)
    store.setup(
        post_code="MRK",
        post_name="Posko Pelabuhan Merak",
        operator="Siti Rahmawati",
        central_url="https://pelacakan.posko.test",
    )
    now = datetime.now(UTC)
    items = [
        (
            ComplaintInput(
                type=ComplaintType.PENGADUAN,
                category="TOL" if i % 2 else "SPBU",
                title=f"Laporan nomor {i}",
                description=f"Uraian laporan nomor {i}: antrean panjang di gerbang tol. " * 3,
                reporter_name=f"Pelapor {i}",
                phone="0812-3456-7890",
            ),
            now - timedelta(minutes=i),
        )
        for i in range(REPORTS)
    ]
    store.save_many(items)
    with store.session() as s:  # two reports in three have reached the central system
        s.execute(update(Complaint).where(Complaint.id % 3 != 0).values(sync_state="sent"))
    store.save_draft(DRAFT_ID, "complaint", {"title": "Draf yang belum disimpan"})
    store.close()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pristine") / "desk"
    build(Profile(root))
    return root


@pytest.fixture
def desk(pristine: Path, tmp_path: Path) -> Iterator[Profile]:
    root = tmp_path / "desk"
    shutil.copytree(pristine, root)
    rawdb.key_of(Profile(root))  # its key (the pristine one's), as the desk would unlock it
    yield Profile(root)
    health.forget_damage(root / "posko.sqlite3")  # the in-process registry, for the next test


def all_rows(profile: Profile) -> dict[str, tuple[str, str]]:
    """uuid → (tracking ID, sync state) of every report, read from a sound file."""
    with closing(rawdb.connect(profile.database)) as conn:
        rows = conn.execute("SELECT uuid, tracking_id, sync_state FROM complaints").fetchall()
    return {uuid: (tid, state) for uuid, tid, state in rows}


def readable_rows(path: Path) -> dict[str, str]:
    """uuid → sync state of each report SQLite can read one by one from ``path`` (a copy):
    the oracle, independent of the recovery's own reading."""
    scratch = path.with_name("oracle.sqlite3")
    shutil.copy(path, scratch)
    owner = rawdb.profile_of(scratch)
    if not cipher.is_plain(scratch) and owner is not None:
        cipher.fit_page_count(scratch, rawdb.key_of(owner))
    if cipher.is_plain(scratch):  # a file cut short: its header says what is left
        with open(scratch, "r+b") as handle:
            page_size = int.from_bytes(handle.read(18)[16:18], "big")
            handle.seek(28)
            handle.write((scratch.stat().st_size // page_size).to_bytes(4, "big"))
    found: dict[str, str] = {}
    conn = rawdb.connect(scratch)
    try:
        names = [row[1] for row in conn.execute("PRAGMA table_info(complaints)")]
        uuid, state = names.index("uuid"), names.index("sync_state")
        for rowid in range(1, REPORTS + 1):
            try:
                row = conn.execute("SELECT * FROM complaints WHERE rowid = ?", (rowid,)).fetchone()
            except cipher.DatabaseError:
                conn.close()  # SQLCipher refuses every read after one that failed
                conn = rawdb.connect(scratch)
                continue
            if row is not None:
                found[row[uuid]] = row[state]
    finally:
        conn.close()
    return found


def table_leaf_pages(path: Path) -> list[int]:
    owner = rawdb.profile_of(path)
    if not cipher.is_plain(path) and owner is not None:  # the desk's own, encrypted
        key = rawdb.key_of(owner)
        pages = []
        for number in range(2, path.stat().st_size // cipher.PAGE_SIZE + 1):
            start = rawdb.page_start(path, number, key)
            if start[0] == 0x0D and int.from_bytes(start[3:5], "big") > 3:
                pages.append(number)
        return pages
    data = path.read_bytes()
    size = int.from_bytes(data[16:18], "big")
    pages = []
    for number in range(2, len(data) // size + 1):
        page = data[(number - 1) * size : number * size]
        cells = int.from_bytes(page[3:5], "big")
        if page[0] == 0x0D and cells > 3:
            pages.append(number)
    return pages


def damage_page(path: Path, number: int) -> None:
    with open(path, "r+b") as handle:
        size = int.from_bytes(handle.read(100)[16:18], "big")
        if not cipher.is_plain(path):
            size = cipher.PAGE_SIZE
        handle.seek((number - 1) * size)
        handle.write(random.Random(number).randbytes(size))


def run_recover(profile: Profile) -> str:
    result = posko("--data-dir", str(profile.root), "recover")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def saves_a_new_report(profile: Profile, used: set[str]) -> str:
    store = Store.open(profile)
    try:
        record = store.save_complaint(
            ComplaintInput(
                type=ComplaintType.ASPIRASI,
                category="LAINNYA",
                title="Laporan sesudah pemulihan",
                description="Tambah petugas di loket tiket.",
            )
        )
        assert store.integrity_check() == "ok"
    finally:
        store.close()
    assert record.tracking_id not in used
    return record.tracking_id


def sequence(tracking_id: str, prefix: str) -> int:
    from posko import tracking

    number = 0
    for ch in tracking_id[len(prefix) : -1]:
        number = number * tracking.BASE + tracking.ALPHABET.index(ch)
    return number


def test_a_damaged_page_in_the_middle(desk: Profile) -> None:
    before = all_rows(desk)
    prefix = next(iter(before.values()))[0][:7]
    leaves = table_leaf_pages(desk.database)
    damage_page(desk.database, leaves[len(leaves) // 2])
    readable = readable_rows(desk.database)
    lost = set(before) - set(readable)
    assert 0 < len(lost) < 60  # one page of reports

    # The cheap start-up check cannot see it; the full check can.
    assert health.check_file(desk.database) == "ok"
    assert health.quick_check(desk.database)

    output = run_recover(desk)
    assert "Sebagian berkas basis data meja ini tidak dapat dibaca" in output
    unsent = sum(1 for state in readable.values() if state != "sent")
    unsent_lost = sum(1 for uuid in lost if before[uuid][1] != "sent")
    lines = output.splitlines()
    first = next(i for i, line in enumerate(lines) if "Laporan belum terkirim" in line)
    second = next(i for i, line in enumerate(lines) if "Laporan sudah terkirim" in line)
    assert first < second  # unsent first
    assert f"Laporan belum terkirim: {unsent} dipulihkan, {unsent_lost} hilang." in output
    assert (
        f"Laporan sudah terkirim: {len(readable) - unsent} dipulihkan, "
        f"{len(lost) - unsent_lost} hilang." in output
    )
    assert "Nomor pelacakan laporan yang hilang" in output

    after = all_rows(desk)
    assert set(after) == set(readable)  # every readable report, and nothing else
    assert all(after[uuid][1] == readable[uuid] for uuid in after)
    copies = list(desk.damaged.glob("*/posko.sqlite3"))
    assert len(copies) == 1 and health.quick_check(copies[0])  # the broken copy stays
    assert health.quick_check(desk.database) == []
    new = saves_a_new_report(desk, {tid for tid, _state in before.values()})
    assert sequence(new, prefix) == REPORTS + 1
    store = Store.open(desk)
    try:
        assert store.load_draft(DRAFT_ID) == {"title": "Draf yang belum disimpan"}
        assert store.require_context().post_name == "Posko Pelabuhan Merak"
        assert store.count(ComplaintQuery()) == len(readable) + 1  # the list shows them all
    finally:
        store.close()


def test_a_truncated_file(desk: Profile) -> None:
    before = all_rows(desk)
    prefix = next(iter(before.values()))[0][:7]
    size = desk.database.stat().st_size
    with open(desk.database, "r+b") as handle:
        handle.truncate(size // 2 // 4096 * 4096)
    readable = readable_rows(desk.database)
    assert 0 < len(readable) < REPORTS

    result = posko("--data-dir", str(desk.root), "outbox")
    assert result.returncode == 1
    assert "Berkas basis data meja ini terpotong" in result.stderr
    assert "Salinan berkas yang rusak disimpan di" in result.stderr
    assert "posko recover" in result.stderr
    assert "malformed" not in result.stderr and "Traceback" not in result.stderr
    assert len(list(desk.damaged.glob("*/posko.sqlite3"))) == 1

    output = run_recover(desk)
    after = all_rows(desk)
    assert set(after) == set(readable)
    assert "Laporan belum terkirim" in output
    new = saves_a_new_report(desk, {tid for tid, _state in before.values()})
    assert sequence(new, prefix) == REPORTS + 1  # from the identity file: IDs past the cut
    assert len(list(desk.damaged.glob("*/posko.sqlite3"))) == 1  # one copy, not two


def test_a_garbage_file(desk: Profile) -> None:
    before = all_rows(desk)
    prefix = next(iter(before.values()))[0][:7]
    size = desk.database.stat().st_size
    desk.database.write_bytes(random.Random(7).randbytes(size))

    result = posko("--data-dir", str(desk.root), "demo-data", "--complaints", "1")
    assert result.returncode == 1
    assert "Berkas basis data meja ini bukan lagi basis data" in result.stderr
    assert "is not a database" not in result.stderr

    output = run_recover(desk)
    assert "Tidak ada yang dapat dibaca dari berkas yang rusak." in output
    assert all_rows(desk) == {}
    new = saves_a_new_report(desk, {tid for tid, _state in before.values()})
    assert sequence(new, prefix) == REPORTS + 1
    store = Store.open(desk)
    try:
        context = store.require_context()  # the desk is itself again, from its identity file
        assert (context.post_code, context.operator_name) == ("MRK", "Siti Rahmawati")
        assert context.central_url == "https://pelacakan.posko.test"
    finally:
        store.close()


def test_a_damaged_file_is_remembered_and_never_written(desk: Profile) -> None:
    """Damage found once (here by the full check) stops writes at once and at every later
    start, until the file is recovered."""
    leaves = table_leaf_pages(desk.database)
    first = min(all_rows(desk).values())[0]
    store = Store.open(desk)
    try:
        damage_page(desk.database, leaves[len(leaves) // 2])
        problems = health.quick_check(desk.database)
        marked = store.mark_damaged(
            DatabaseDamaged(desk.database, DatabaseDamaged.CHECK_FAILED, "; ".join(problems))
        )
        assert marked.copy is not None and marked.copy.exists()
        before = desk.database.read_bytes()
        with pytest.raises(DatabaseDamaged):
            store.save_complaint(
                ComplaintInput(
                    type=ComplaintType.PENGADUAN,
                    category="TOL",
                    title="Tidak boleh masuk",
                    description="Berkas rusak tidak boleh ditulisi lagi.",
                )
            )
        with pytest.raises(DatabaseDamaged):
            store.save_draft(DRAFT_ID, "complaint", {"title": "x"})  # refused by SQLite itself
        assert store.complaint(first) is not None  # what can be read is still shown
    finally:
        store.close()
    assert desk.database.read_bytes() == before
    # A later start (another process) knows from the marker, though the cheap check passes.
    assert health.check_file(desk.database) == "ok"
    result = posko("--data-dir", str(desk.root), "demo-data", "--complaints", "1")
    assert result.returncode == 1
    assert "Sebagian berkas basis data meja ini tidak dapat dibaca" in result.stderr
    assert desk.database.read_bytes() == before
    assert len(list(desk.damaged.glob("*/posko.sqlite3"))) == 1  # no second copy
    assert identity.highest_issued(desk, first[:7]) == REPORTS  # the refused save issued none


def test_recover_on_a_sound_file_and_from_a_backup(desk: Profile) -> None:
    result = posko("--data-dir", str(desk.root), "recover")
    assert result.returncode == 0
    assert "Basis data dalam keadaan baik; tidak ada yang perlu dipulihkan." in result.stdout
    assert posko("--data-dir", str(desk.root), "recover", "--backup").returncode == 1  # none

    from desktop.store.db import backup

    older = backup(desk.database, desk.backups, "manual")
    store = Store.open(desk)
    try:
        prefix = store.require_context().tracking_prefix
        newer = saves_a_new_report(desk, set())
    finally:
        store.close()
    desk.database.write_bytes(random.Random(5).randbytes(desk.database.stat().st_size))
    broken = posko("--data-dir", str(desk.root), "outbox")
    assert "posko recover --backup" in broken.stderr and older.name in broken.stderr

    result = posko("--lang", "en", "--data-dir", str(desk.root), "recover", "--backup")
    assert result.returncode == 0, result.stderr
    assert f"The backup is restored: {older}" in result.stdout
    assert "This database is older than the desk's own record" in result.stderr  # English
    assert newer not in {tid for tid, _state in all_rows(desk).values()}  # after the backup
    assert sequence(saves_a_new_report(desk, {newer}), prefix) == REPORTS + 2
