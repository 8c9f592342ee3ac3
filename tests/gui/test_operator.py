"""Shift change in two keys (F2, Enter); the new operator is on receipts and records from
then on."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.domain import ComplaintInput, ComplaintType
from desktop.paths import Profile
from desktop.receipt import build_receipt
from desktop.store.repo import Store
from desktop.ui.operator_dialog import OperatorDialog
from tests.desk_support import shown_window


def report(n: int) -> ComplaintInput:
    return ComplaintInput(
        type=ComplaintType.PENGADUAN,
        category="TOL",
        title=f"Antrean gerbang tol {n}",
        description="Antrean panjang, tidak ada petugas.",
    )


def keys_in_the_dialog(qtbot: QtBot, *keys: Qt.Key, text: str = "") -> None:
    """Once the modal dialog is up (it is looked for every 20 ms, for 2 s): type ``text``,
    then press ``keys``."""

    def act(tries: int = 100) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, OperatorDialog):
            if tries:
                QTimer.singleShot(20, lambda: act(tries - 1))
            return
        line = dialog.name.lineEdit()
        assert line is not None and dialog.focusWidget() in (dialog.name, line)
        if text:
            qtbot.keyClicks(line, text)
        for key in keys:
            qtbot.keyClick(line, key)
        QTimer.singleShot(1000, dialog.reject)  # never left hanging if the keys did not do it

    QTimer.singleShot(0, act)


def test_a_shift_change_takes_two_keys(qtbot: QtBot, store: Store, profile: Profile) -> None:
    window = shown_window(qtbot, store, profile)
    first = store.save_complaint(report(1))
    assert first.operator_name == "Siti Rahmawati"

    # Budi arrives for the first time: F2, his name, Enter.
    keys_in_the_dialog(qtbot, Qt.Key.Key_Return, text="Budi Santoso")
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert window.context.operator_name == "Budi Santoso"
    assert "Budi Santoso" in window.post_label.text()
    second = store.save_complaint(report(2))
    assert second.operator_name == "Budi Santoso"
    footer = build_receipt(second, store.require_context(), store.catalog).footer
    assert footer == "Dilayani oleh Budi Santoso. Simpan tanda terima ini."

    # Siti takes over again: F2, Enter. Two keys.
    with qtbot.waitActive(window):  # the window manager's part, once the dialog is gone
        window.activateWindow()
    keys_in_the_dialog(qtbot, Qt.Key.Key_Return)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert store.require_context().operator_name == "Siti Rahmawati"
    assert store.save_complaint(report(3)).operator_name == "Siti Rahmawati"
    assert store.complaint(second.tracking_id).operator_name == "Budi Santoso"  # kept
    assert store.operators() == ["Siti Rahmawati", "Budi Santoso"]


def test_a_blank_name_is_refused_and_nothing_changes(qtbot: QtBot, store: Store) -> None:
    dialog = OperatorDialog(store)
    qtbot.addWidget(dialog)
    dialog.name.setEditText("   ")
    dialog.accept()
    assert dialog.context is None and dialog.message.text() == "Nama operator wajib diisi."
    assert store.require_context().operator_name == "Siti Rahmawati"
    dialog.name.setEditText("x" * 101)
    dialog.accept()
    assert dialog.context is None and dialog.message.text()
