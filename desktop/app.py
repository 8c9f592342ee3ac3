"""Wiring, done once: build the services, hand them to the widgets, run the event loop."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import __version__
from desktop.i18n import _, current_language, set_language
from desktop.logs import configure as configure_logs
from desktop.paths import Profile
from desktop.settings import LANGUAGE
from desktop.store.db import DatabaseError
from desktop.store.repo import Store

log = logging.getLogger("posko.ui")
qt_log = logging.getLogger("posko.qt")

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _qt_message(kind: QtMsgType, _context: object, message: str) -> None:
    qt_log.log(_QT_LEVELS.get(kind, logging.WARNING), "%s", message)


class DeskApp:
    """Owns the store and the main window; rebuilds the window when the language changes."""

    def __init__(self, store: Store, profile: Profile) -> None:
        self.store = store
        self.profile = profile
        self.window: object | None = None

    def show_main_window(self) -> object:
        from desktop.ui.main_window import MainWindow

        window = MainWindow(self.store, self.profile)
        window.languageRequested.connect(self.switch_language)
        window.show()
        self.window = window
        return window

    def switch_language(self, language: str) -> None:
        from desktop.ui.main_window import MainWindow

        old = self.window
        assert isinstance(old, MainWindow)
        if not old.form.is_blank():
            old.form.save_draft()
        self.store.set(LANGUAGE, language)
        set_language(language)
        new = self.show_main_window()
        assert isinstance(new, MainWindow)
        new.form.restore_draft()  # the operator's typing carries over, no question asked
        new.setGeometry(old.geometry())
        old.close()
        old.deleteLater()


def run_gui(profile: Profile, *, language: str | None, crash_dialog: bool) -> int:
    from desktop.ui import crash

    profile.ensure()
    configure_logs(profile.logs)
    crash.install(profile.crash_reports, show_dialog=crash_dialog)
    qInstallMessageHandler(_qt_message)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Posko")
    app.setApplicationVersion(__version__)
    log.info("Posko %s starting, profile %s", __version__, profile.root)
    try:
        store = Store.open(profile)
    except DatabaseError as exc:
        log.error("cannot open database: %s", exc)
        QMessageBox.critical(None, _("Cannot open the database"), str(exc))
        return 1
    context = store.context()
    if context is None:
        from desktop.ui.setup_dialog import SetupDialog

        dialog = SetupDialog(store)
        if not dialog.exec():
            return 0
        context = store.require_context()
    if language is None and context.language != current_language():
        set_language(context.language)
    desk = DeskApp(store, profile)
    desk.show_main_window()
    code = app.exec()
    store.close()
    return code
