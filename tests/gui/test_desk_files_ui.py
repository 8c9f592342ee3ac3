"""The desk's start-up and window when its database is damaged, vanished or old: real
widgets (pytest-qt), real files; the dialogs are driven through ``exec_dialog`` (the same
widgets ``exec()`` would show)."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.app import DeskApp, _open_slow_path
from desktop.appearance import Appearance
from desktop.domain import ComplaintInput, ComplaintType
from desktop.paths import Profile
from desktop.store import health, start_card
from desktop.store.db import backup
from desktop.store.repo import Store
from desktop.ui import appearance
from desktop.ui.desk_files import HealthWatch, ProblemDialog
from desktop.ui.main_window import MainWindow
from tests import rawdb
from tests.unit.test_recover import all_rows, build, damage_page, sequence, table_leaf_pages


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Profile]:
    profile = Profile(tmp_path / "desk")
    build(profile)
    yield profile
    health.forget_damage(profile.database)


def texts(dialog: ProblemDialog) -> dict[str, str]:
    return {key: button.text().replace("&", "") for key, button in dialog.buttons.items()}


class Driver:
    """Plays the operator: answers each dialog with the next step, and keeps what it saw."""

    def __init__(self, *steps: Callable[[QDialog], None]) -> None:
        self.steps = list(steps)
        self.seen: list[QDialog] = []

    def __call__(self, dialog: QDialog) -> object:
        self.seen.append(dialog)
        assert self.steps, f"an unexpected dialog: {dialog.windowTitle()}"
        self.steps.pop(0)(dialog)
        return dialog.result()


def choose(key: str, check: Callable[[ProblemDialog], None] | None = None) -> Callable[..., None]:
    def step(dialog: QDialog) -> None:
        assert isinstance(dialog, ProblemDialog)
        if check is not None:
            check(dialog)
        dialog.buttons[key].click()

    return step


def acknowledge(check: Callable[[str], None] | None = None) -> Callable[..., None]:
    def step(dialog: QDialog) -> None:
        assert isinstance(dialog, QMessageBox)
        if check is not None:
            check(dialog.text())
        dialog.accept()

    return step


def save(store: Store, title: str = "Laporan sesudah pemulihan") -> str:
    return store.save_complaint(
        ComplaintInput(
            type=ComplaintType.PENGADUAN,
            category="TOL",
            title=title,
            description="Antrean panjang di gerbang tol Cikampek.",
        )
    ).tracking_id


def test_a_broken_database_at_start_up(
    qtbot: QtBot, desk: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from desktop.store import recover

    recovered_on: list[str] = []
    real_recover = recover.recover

    def watched(profile: Profile) -> object:
        recovered_on.append(threading.current_thread().name)
        return real_recover(profile)

    monkeypatch.setattr(recover, "recover", watched)
    used = {tid for tid, _state in all_rows(desk).values()}
    prefix = next(iter(used))[:7]
    desk.database.write_bytes(random.Random(3).randbytes(desk.database.stat().st_size))

    def looks_right(dialog: ProblemDialog) -> None:
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "Basis data rusak"
        assert dialog.what.text().startswith("Berkas basis data meja ini bukan lagi basis data")
        assert "Posko berhenti menyimpan ke berkas yang rusak" in dialog.what.text()
        assert "Salinan berkas yang rusak disimpan di" in dialog.what.text()
        assert dialog.todo.text().startswith("Pilih “Pulihkan”")
        assert texts(dialog) == {"recover": "Pulihkan", "quit": "Keluar"}  # no backup yet
        assert dialog.buttons["recover"].isDefault()

    def counts(text: str) -> None:
        assert text.startswith("Basis data sudah dipulihkan ke berkas baru.")
        assert "Tidak ada yang dapat dibaca dari berkas yang rusak." in text
        assert "Nomor pelacakan berikutnya" in text

    driver = Driver(choose("recover", looks_right), acknowledge(counts))
    opened = _open_slow_path(desk, exec_dialog=driver)
    assert not isinstance(opened, int)
    store, context = opened
    try:
        assert (context.post_code, context.tracking_prefix) == ("MRK", prefix)
        new = save(store)
        assert new not in used and sequence(new, prefix) == 1001
    finally:
        store.close()
    assert len(list(desk.damaged.glob("*/posko.sqlite3"))) == 1
    # Read off the GUI thread (a whole damaged file can take a minute), behind a busy window.
    assert recovered_on and threading.main_thread().name not in recovered_on


def test_quitting_leaves_the_broken_file_as_it_is(qtbot: QtBot, desk: Profile) -> None:
    with open(desk.database, "r+b") as handle:
        handle.truncate(desk.database.stat().st_size // 3 // 4096 * 4096)
    before = desk.database.read_bytes()

    def looks_right(dialog: ProblemDialog) -> None:
        qtbot.addWidget(dialog)
        assert dialog.what.text().startswith("Berkas basis data meja ini terpotong")

    assert _open_slow_path(desk, exec_dialog=Driver(choose("quit", looks_right))) == 1
    assert desk.database.read_bytes() == before


def test_a_vanished_database_resumes_the_desk(qtbot: QtBot, desk: Profile) -> None:
    used = {tid for tid, _state in all_rows(desk).values()}
    prefix = next(iter(used))[:7]
    backup(desk.database, desk.backups, "manual")
    desk.database.write_bytes(b"")

    def looks_right(dialog: ProblemDialog) -> None:
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "Basis data meja ini hilang"
        assert "Ini bukan penggunaan pertama" in dialog.what.text()
        assert "Posko Pelabuhan Merak (MRK)" in dialog.what.text()
        assert texts(dialog) == {
            "resume": "Lanjutkan sebagai meja ini",
            "restore_backup": "Pulihkan cadangan terbaru",
            "quit": "Keluar",
        }

    opened = _open_slow_path(desk, exec_dialog=Driver(choose("resume", looks_right)))
    assert not isinstance(opened, int)
    store, context = opened
    try:
        assert context.tracking_prefix == prefix and context.operator_name == "Siti Rahmawati"
        assert sequence(save(store), prefix) == 1001
    finally:
        store.close()


def test_an_old_backup_is_told_at_start_up(qtbot: QtBot, desk: Profile) -> None:
    old = backup(desk.database, desk.backups, "manual")
    first = Store.open(desk)
    for i in range(3):
        save(first, f"Laporan baru {i}")
    first.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{desk.database}{suffix}").unlink(missing_ok=True)
    shutil.copy(old, desk.database)

    def told(text: str) -> None:
        assert "Basis data ini lebih lama daripada catatan meja" in text
        assert "tidak ada di berkas ini" in text

    opened = _open_slow_path(desk, exec_dialog=Driver(acknowledge(told)))
    assert not isinstance(opened, int)
    store, context = opened
    try:
        assert sequence(save(store), context.tracking_prefix) == 1004
    finally:
        store.close()


def test_damage_found_after_the_window_shows(qtbot: QtBot, desk: Profile) -> None:
    """The full check runs on its thread once the window is up; the desk stops saving,
    keeps the operator's typing, and recovers into a new file on request."""
    used = {tid for tid, _state in all_rows(desk).values()}
    leaves = table_leaf_pages(desk.database)
    damage_page(desk.database, leaves[len(leaves) // 2])
    context = start_card.read(desk)
    assert context is not None  # the window is drawn from the card, then the store opens
    lazy = Store(desk)
    app = DeskApp(lazy, desk, ask_at_start=False)

    def offered(dialog: ProblemDialog) -> None:
        qtbot.addWidget(dialog)
        assert dialog.what.text().startswith("Sebagian berkas basis data meja ini tidak")
        assert texts(dialog) == {"recover": "Pulihkan", "later": "Nanti saja"}

    driver = Driver(choose("later", offered))
    app.exec_dialog = driver
    window = app.show_main_window(context)
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    window.show_receipt_dialog = False
    qtbot.waitUntil(lambda: len(driver.seen) == 1, timeout=10_000)
    assert "rusak" in window.statusBar().currentMessage()

    typed = {
        "type": "pengaduan",
        "category": "TOL",
        "title": "Antrean di gerbang tol",
        "description": "Antrean panjang, tidak ada petugas yang mengatur.",
        "reporter_name": "Budi",
    }
    window.form.set_values(typed)
    before = desk.database.read_bytes()
    assert window.form.submit() is None
    assert window.form.status.text().startswith("Tidak tersimpan: basis data rusak.")
    assert window.form.title.text() == "Antrean di gerbang tol"  # the typing stays
    assert desk.database.read_bytes() == before  # nothing went into the damaged file
    assert (desk.root / "draft-rescue.json").exists()
    # A larger text applies all the same, and says it cannot be remembered.
    window.set_appearance(Appearance(text_size=125))
    assert appearance.current().text_size == 125
    assert "tidak diingat: basis data rusak" in window.statusBar().currentMessage()
    assert desk.database.read_bytes() == before

    def recovered(text: str) -> None:
        assert "Laporan belum terkirim" in text

    driver.steps += [choose("recover"), acknowledge(recovered)]
    found = health.damaged(desk.database)
    assert found is not None
    app.on_damaged(found)
    new_window = app.window
    assert isinstance(new_window, MainWindow) and new_window is not window
    qtbot.addWidget(new_window)
    assert new_window.form.title.text() == "Antrean di gerbang tol"  # carried over
    new_window.show_receipt_dialog = False
    record = new_window.form.submit()
    assert record is not None and record.tracking_id not in used
    with closing(rawdb.connect(desk.database)) as conn:
        assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
    app.store.close()
    if isinstance(app.watch, HealthWatch):
        app.watch.close()
    if app.sync is not None:
        from desktop.ui.sync_service import SyncService

        assert isinstance(app.sync, SyncService)
        app.sync.shutdown()
