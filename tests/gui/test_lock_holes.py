"""Two ways the desk's work stayed reachable without a PIN, closed:

1. The idle lock waited while a dialog was open, so a coordinator who left Settings >
   Operators (or a report, the export dialog, the activity log) open walked away from a
   desk that never locked: it now closes the desk's dialogs, then locks.
2. After the database file was replaced (recovery, a backup restored: ``DeskApp.reopen``)
   nobody was asked to sign in, and a file from before roles had roles off: the new file
   is signed in to, or given its first coordinator, as at a start."""

from __future__ import annotations

import shutil

from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from desktop.app import DeskApp
from desktop.paths import Profile
from desktop.store.operators import Role
from desktop.store.repo import Store
from desktop.ui.main_window import MainWindow
from desktop.ui.operators_dialog import OperatorsDialog
from desktop.ui.sign_in import FirstCoordinatorDialog
from tests.desk_support import shown_window

SITI, BUDI = "482915", "7301"


def _led(store: Store) -> Store:
    store.first_coordinator("Siti Rahmawati", SITI, SITI)
    store.save_operator("Budi Santoso", role=Role.PETUGAS, pin=BUDI, repeated=BUDI)
    return store


def test_an_open_dialog_does_not_keep_the_desk_unlocked_forever(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    window = shown_window(qtbot, _led(store), profile)
    window.watch_idle(0.01)  # 600 ms
    dialog = OperatorsDialog(store, window)  # a coordinator's dialog, left open
    qtbot.addWidget(dialog)
    dialog.open()
    try:
        qtbot.wait(2500)  # four idle periods, nobody at the keys
        covered = window.locked or not dialog.isVisible()
    finally:
        window.watch_idle(0)
        dialog.reject()
    assert covered, "left alone with a dialog open, the desk never locked"


def test_a_replaced_file_without_a_coordinator_asks_for_one(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    # An older copy of the desk's file, from before its first coordinator.
    older = Profile(profile.root.parent / "older")
    older.root.mkdir()
    shutil.copy(profile.root / "desk-key.json", older.root)  # this desk's file: its key
    copy = Store.open(older)
    copy.setup(post_code="MRK", post_name="Posko Pelabuhan Merak", operator="Siti Rahmawati")
    copy.close()
    _led(store).close()
    again = Store.open(profile)  # a normal start: nobody signed in yet
    desk = DeskApp(again, profile)
    asked: list[object] = []

    def choose(dialog: QDialog) -> object:
        asked.append(dialog)
        if isinstance(dialog, FirstCoordinatorDialog):  # the older file's first coordinator
            dialog.pin.setText("2468")
            dialog.repeated.setText("2468")
            dialog.accept()
        return dialog.result()

    desk.exec_dialog = choose
    window = desk.show_main_window()
    assert isinstance(window, MainWindow)  # not qtbot's: reopen deletes it
    qtbot.waitUntil(lambda: window.locked, timeout=3000)  # "Sign in to start"
    window.unlock(again.sign_in("Budi Santoso", BUDI))  # a petugas signs in
    desk._release()
    for suffix in ("", "-wal", "-shm"):
        target = profile.database.with_name(profile.database.name + suffix)
        source = older.database.with_name(older.database.name + suffix)
        target.unlink(missing_ok=True)
        if source.exists():
            shutil.copy2(source, target)
    desk.reopen()
    new = desk.window
    assert isinstance(new, MainWindow)
    qtbot.addWidget(new)
    qtbot.wait(300)
    try:
        assert any(isinstance(d, FirstCoordinatorDialog) for d in asked), "roles silently off"
        assert not desk.store.needs_coordinator()
    finally:
        new.watch_idle(0)
        desk._release()
