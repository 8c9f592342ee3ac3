"""Operators sign in with their PIN (``desktop.ui.sign_in``): a shift change is F2, the PIN,
Enter; the desk locks on Ctrl+L and when left alone, and shows nothing of its work until
someone signs in; a petugas is told, in Indonesian, what only a coordinator may do; a
desk without a coordinator asks for one at its start."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.app import DeskApp
from desktop.domain import ComplaintInput, ComplaintType
from desktop.paths import Profile
from desktop.receipt import build_receipt
from desktop.store.operators import Role
from desktop.store.repo import Store
from desktop.ui.main_window import MainWindow
from desktop.ui.operator_dialog import OperatorDialog
from desktop.ui.operators_dialog import OperatorsDialog
from desktop.ui.setup_dialog import SetupDialog
from desktop.ui.sign_in import FirstCoordinatorDialog
from tests.desk_support import shown_window

SITI, BUDI = "482915", "7301"


def report(n: int) -> ComplaintInput:
    return ComplaintInput(
        type=ComplaintType.PENGADUAN,
        category="TOL",
        title=f"Antrean gerbang tol {n}",
        description="Antrean panjang, tidak ada petugas.",
    )


@pytest.fixture
def led(store: Store) -> Store:
    """Siti is the post's coordinator (on duty), Budi a petugas."""
    store.first_coordinator("Siti Rahmawati", SITI, SITI)
    store.save_operator("Budi Santoso", role=Role.PETUGAS, pin=BUDI, repeated=BUDI)
    return store


def in_the_dialog(qtbot: QtBot, kind: type, act: Callable[[QDialog], None]) -> None:
    """Once a modal dialog of ``kind`` is up (looked for every 20 ms, for 2 s), ``act`` on
    it; it is closed after a second if ``act`` did not."""

    def look(tries: int = 100) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind) or not isinstance(dialog, QDialog):
            if tries:
                QTimer.singleShot(20, lambda: look(tries - 1))
            return
        act(dialog)
        QTimer.singleShot(1000, dialog.reject)

    QTimer.singleShot(0, look)


def test_a_shift_change_is_f2_the_pin_and_enter(qtbot: QtBot, led: Store, profile: Profile) -> None:
    window = shown_window(qtbot, led, profile)
    assert led.save_complaint(report(1)).operator_name == "Siti Rahmawati"

    def type_pin(pin: str) -> Callable[[QDialog], None]:
        def act(dialog: QDialog) -> None:
            assert isinstance(dialog, OperatorDialog)
            assert dialog.focusWidget() is dialog.form.pin  # the PIN field has the keyboard
            qtbot.keyClicks(dialog.form.pin, pin)
            qtbot.keyClick(dialog.form.pin, Qt.Key.Key_Return)

        return act

    # Budi takes over: the one before is chosen already; F2, his PIN, Enter.
    in_the_dialog(qtbot, OperatorDialog, type_pin(BUDI))
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert window.context.operator_name == "Budi Santoso"
    assert "Budi Santoso" in window.post_label.text()
    second = led.save_complaint(report(2))
    assert second.operator_name == "Budi Santoso"
    footer = build_receipt(second, led.require_context(), led.catalog).footer
    assert footer == "Dilayani oleh Budi Santoso. Simpan tanda terima ini."

    # Siti again, with a wrong PIN first: told so, and nothing changes.
    with qtbot.waitActive(window):
        window.activateWindow()

    def wrong_then_right(dialog: QDialog) -> None:
        assert isinstance(dialog, OperatorDialog)
        assert dialog.form.name.currentText() == "Siti Rahmawati"
        qtbot.keyClicks(dialog.form.pin, "000999")
        qtbot.keyClick(dialog.form.pin, Qt.Key.Key_Return)
        assert dialog.isVisible() and dialog.form.message.text() == ("Nama dan PIN tidak cocok.")
        assert led.require_context().operator_name == "Budi Santoso"
        qtbot.keyClicks(dialog.form.pin, SITI)
        qtbot.keyClick(dialog.form.pin, Qt.Key.Key_Return)

    in_the_dialog(qtbot, OperatorDialog, wrong_then_right)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert led.require_context().operator_name == "Siti Rahmawati"
    assert led.complaint(second.tracking_id).operator_name == "Budi Santoso"  # kept


def test_up_and_down_in_the_pin_field_choose_another_name(qtbot: QtBot, led: Store) -> None:
    led.save_operator("Dewi Lestari", role=Role.PETUGAS, pin="5820", repeated="5820")
    dialog = OperatorDialog(led)
    qtbot.addWidget(dialog)
    names = [dialog.form.name.itemText(i) for i in range(dialog.form.name.count())]
    assert names[0] == "Siti Rahmawati" and set(names) == {
        "Siti Rahmawati",
        "Budi Santoso",
        "Dewi Lestari",
    }
    start = dialog.form.name.currentIndex()
    assert start == 1  # the one before the one on duty
    qtbot.keyClick(dialog.form.pin, Qt.Key.Key_Down)
    assert dialog.form.name.currentIndex() == 2
    qtbot.keyClick(dialog.form.pin, Qt.Key.Key_Down)
    assert dialog.form.name.currentIndex() == 0  # round again
    qtbot.keyClick(dialog.form.pin, Qt.Key.Key_Up)
    assert dialog.form.name.currentIndex() == 2


def test_ctrl_l_locks_and_hides_the_work_until_a_pin(
    qtbot: QtBot, led: Store, profile: Profile
) -> None:
    window = shown_window(qtbot, led, profile)
    qtbot.keyClicks(window.form.title, "Toilet rusak di rest area")
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.locked and not window.desk_page.isVisible()
    assert not window.menuBar().isVisible()
    page = window.pages.currentWidget()
    assert page is not None and page.isVisible()
    assert window.findChild(QDialog) is None
    qtbot.keyClick(page, Qt.Key.Key_F2)  # the desk's keys do nothing while locked
    assert QApplication.activeModalWidget() is None
    form = window._lock_page.form if window._lock_page else None
    assert form is not None and form.name.currentText() == "Siti Rahmawati"
    assert QApplication.focusWidget() is form.pin
    qtbot.keyClicks(form.pin, "1357")
    qtbot.keyClick(form.pin, Qt.Key.Key_Return)
    assert window.locked and form.message.text() == "Nama dan PIN tidak cocok."
    # Budi signs in at the locked desk: he is on duty, the typing is still there.
    qtbot.keyClick(form.pin, Qt.Key.Key_Down)
    qtbot.keyClicks(form.pin, BUDI)
    qtbot.keyClick(form.pin, Qt.Key.Key_Return)
    assert not window.locked and window.desk_page.isVisible() and window.menuBar().isVisible()
    assert window.context.operator_name == "Budi Santoso"
    assert window.form.title.text() == "Toilet rusak di rest area"


def test_the_desk_locks_itself_when_left_alone(qtbot: QtBot, led: Store, profile: Profile) -> None:
    window = shown_window(qtbot, led, profile)
    window.watch_idle(0.01)  # 600 ms, for the test
    for _n in range(4):  # someone at the keys keeps it open
        qtbot.wait(300)
        qtbot.keyClick(window.form.title, Qt.Key.Key_A)
    assert not window.locked
    qtbot.waitUntil(lambda: window.locked, timeout=3000)
    assert window._lock_page is not None
    assert window._lock_page.title.text() == "Terkunci karena lama tidak dipakai"
    window.watch_idle(0)


def test_a_petugas_is_told_what_only_a_coordinator_may_do(
    qtbot: QtBot, led: Store, profile: Profile
) -> None:
    led.sign_in("Budi Santoso", BUDI)
    window = shown_window(qtbot, led, profile)
    told: list[str] = []

    def read_and_close(dialog: QDialog) -> None:
        assert isinstance(dialog, QMessageBox)
        told.append(dialog.text())
        dialog.accept()

    for action in (window.edit_setup, window.manage_operators):
        in_the_dialog(qtbot, QMessageBox, read_and_close)
        action()
    assert told == [
        "Hanya koordinator yang boleh mengubah pengaturan meja. Minta koordinator masuk.",
        "Hanya koordinator yang boleh mengelola operator. Minta koordinator masuk.",
    ]


def test_a_coordinator_adds_an_operator_who_then_signs_in(qtbot: QtBot, led: Store) -> None:
    dialog = OperatorsDialog(led)
    qtbot.addWidget(dialog)
    dialog.start_new()
    qtbot.keyClicks(dialog.name, "Dewi Lestari")
    qtbot.keyClicks(dialog.pin, "5820")
    dialog.save()
    assert dialog.message.text() == "Kedua PIN berbeda: ketik PIN yang sama dua kali."
    dialog.show()
    qtbot.keyClicks(dialog.repeated, "5820")
    qtbot.keyClick(dialog.repeated, Qt.Key.Key_Return)  # Enter saves (never empties the form)
    assert dialog.message.isHidden(), dialog.message.text()
    shown = [dialog.accounts.item(i).text() for i in range(dialog.accounts.count())]
    assert "Dewi Lestari · Petugas" in shown
    assert led.sign_in("Dewi Lestari", "5820").operator_name == "Dewi Lestari"


def test_a_desk_without_a_coordinator_asks_for_one_at_its_start(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    """As a desk upgraded from before roles starts: its operator (no PIN) is offered as
    the first coordinator; a PIN typed twice and the desk goes on, unlocked."""
    desk = DeskApp(store, profile)
    asked: list[QDialog] = []

    def choose(dialog: QDialog) -> object:
        assert isinstance(dialog, FirstCoordinatorDialog)
        asked.append(dialog)
        assert dialog.name.currentText() == "Siti Rahmawati"
        qtbot.keyClicks(dialog.pin, "2468")
        qtbot.keyClicks(dialog.repeated, "2468")
        dialog.accept()
        return dialog.result()

    desk.exec_dialog = choose
    window = desk.show_main_window()
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: bool(asked), timeout=3000)
    assert not store.needs_coordinator()
    assert store.require_context().operator_role == "koordinator"
    assert not window.locked


def test_a_desk_with_a_team_starts_locked(qtbot: QtBot, led: Store, profile: Profile) -> None:
    led.close()
    again = Store.open(profile)  # a new start: nobody signed in yet
    desk = DeskApp(again, profile)
    window = desk.show_main_window()
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.locked, timeout=3000)
    assert window._lock_page is not None
    assert window._lock_page.title.text() == "Masuk untuk mulai"
    window.watch_idle(0)
    again.close()


def test_the_first_run_makes_its_operator_the_coordinator(qtbot: QtBot, tmp_path: Path) -> None:
    fresh = Store.open(Profile(tmp_path / "fresh"))
    try:
        dialog = SetupDialog(fresh)
        qtbot.addWidget(dialog)
        dialog.post_code.setText("MRK")
        dialog.post_name.setText("Posko Pelabuhan Merak")
        dialog.operator.setText("Siti Rahmawati")
        dialog.pin.setText("1234")
        dialog.repeated.setText("1243")
        dialog.accept()
        assert fresh.context() is None  # nothing saved with PINs that differ
        assert dialog.messages["pin"].text() == "Kedua PIN berbeda: ketik PIN yang sama dua kali."
        dialog.repeated.setText("1234")
        dialog.accept()
        context = fresh.require_context()
        assert (context.operator_name, context.operator_role) == ("Siti Rahmawati", "koordinator")
        assert fresh.signed_in_here and not fresh.needs_coordinator()
        # Afterwards the operator is not changed here: it is who signed in.
        again = SetupDialog(fresh)
        qtbot.addWidget(again)
        assert again.operator.isReadOnly()
    finally:
        fresh.close()


def test_the_activity_log_shows_who_did_what_to_a_coordinator(
    qtbot: QtBot, led: Store, profile: Profile
) -> None:
    from desktop.ui.audit_dialog import AuditDialog

    led.sign_in("Budi Santoso", BUDI)
    window = shown_window(qtbot, led, profile)
    made = led.save_complaint(report(1))
    told: list[str] = []

    def read_and_close(dialog: QDialog) -> None:
        assert isinstance(dialog, QMessageBox)
        told.append(dialog.text())
        dialog.accept()

    in_the_dialog(qtbot, QMessageBox, read_and_close)
    window.show_audit_trail()  # a petugas: not for them
    assert told == [
        "Hanya koordinator yang boleh membaca catatan kegiatan. Minta koordinator masuk."
    ]
    led.sign_in("Siti Rahmawati", SITI)
    dialog = AuditDialog(led, window)
    qtbot.addWidget(dialog)
    rows = [
        [dialog.table.item(r, c).text() for c in range(1, 4)]
        for r in range(dialog.table.rowCount())
    ]
    assert rows[0] == ["Siti Rahmawati", "Masuk", "Siti Rahmawati"]
    assert ["Budi Santoso", "Laporan dibuat", made.tracking_display] in rows
    dialog.action.setCurrentIndex(dialog.action.findData("created"))
    assert dialog.table.rowCount() == 1 and dialog.count.text() == "1 baris"
    dialog.operator.setCurrentIndex(dialog.operator.findData("Siti Rahmawati"))
    assert dialog.table.rowCount() == 0
