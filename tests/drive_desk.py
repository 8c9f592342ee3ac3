"""Run the real desk (same wiring as ``posko``) and type into its form, for the tests that
kill the process mid-typing. Prints ``BANNER shown|hidden <n>`` before typing (whether the
desk offers drafts left by earlier runs, and how many), ``TYPED`` after the last key and
``DRAFT-SAVED <n>`` each time the draft is written. Report text is never printed."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop.app import DeskApp
from desktop.logs import configure
from desktop.paths import Profile
from desktop.store.repo import Store
from desktop.ui.main_window import MainWindow


def main() -> None:
    profile = Profile.resolve(sys.argv[1])
    text = sys.argv[2]
    configure(profile.logs)
    app = QApplication([])
    desk = DeskApp(Store.open(profile), profile, ask_at_start=False)
    window = desk.show_main_window()
    assert isinstance(window, MainWindow)
    saves = 0

    def saved() -> None:
        nonlocal saves
        saves += 1
        print(f"DRAFT-SAVED {saves}", flush=True)

    window.form.draftSaved.connect(saved)

    def type_text() -> None:
        shown = "hidden" if window.form.banner.isHidden() else "shown"
        print("BANNER", shown, len(window.form.offered), flush=True)
        window.form.title.setFocus()
        for chunk in range(0, len(text), 4):
            QTest.keyClicks(window.form.title, text[chunk : chunk + 4])
            QTest.qWait(20)
        print("TYPED", flush=True)

    QTimer.singleShot(0, type_text)
    app.exec()


if __name__ == "__main__":
    main()
