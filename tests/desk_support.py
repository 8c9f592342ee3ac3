"""What the desk's GUI tests share: the main window shown and active (so its shortcuts
work), and a keyboard that counts its keys."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.paths import Profile
from desktop.store.repo import Store
from desktop.ui.main_window import MainWindow

NO_MODIFIER = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def shown_window(qtbot: QtBot, store: Store, profile: Profile) -> MainWindow:
    """The desk's main window, shown and active, printing nothing (no receipt window)."""
    window = MainWindow(store, profile, show_receipt_dialog=False)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window


def focused() -> QWidget:
    widget = QApplication.focusWidget() or QApplication.activeModalWidget()
    assert widget is not None, "nothing has the keyboard"
    return widget


class Keyboard:
    """Every key goes to whatever has the keyboard focus, as a person's would, and is
    counted: a key with Ctrl or Shift held counts once (one press of the hand)."""

    def __init__(self) -> None:
        self.count = 0

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = NO_MODIFIER) -> None:
        self.count += 1
        QTest.keyClick(focused(), key, modifier)

    def type_text(self, text: str) -> None:
        for character in text:
            self.count += 1
            QTest.keyClicks(focused(), character)

    def in_next_windows(self, *steps: tuple[type[QWidget], Qt.Key]) -> list[QWidget]:
        """Answer the modal windows that open next, in order: in each, one key. Returns
        the windows as they were answered (the test checks that each one came)."""
        answered: list[QWidget] = []
        pending = list(steps)

        def look() -> None:
            if not pending:
                return
            window = QApplication.activeModalWidget()
            kind, key = pending[0]
            again = bool(answered) and window is answered[-1]  # still closing
            if window is not None and isinstance(window, kind) and not again and window.isVisible():
                pending.pop(0)
                answered.append(window)
                QTimer.singleShot(50, lambda: self.press(key))  # once it has the focus
            QTimer.singleShot(20, look)

        QTimer.singleShot(0, look)
        return answered
