"""Wiring, done once: build the services, hand them to the widgets, run the event loop.

Start-up is progressive. On an everyday start the window is drawn from the profile's start
card (``desktop.store.start_card``: the post and the look, kept in the clear) and shown at
once; on the first turn of the event loop the database's key is fetched (from the keyring,
or the coordinator types the passphrase), the store (SQLAlchemy) opens and the list, the
queue count and any draft fill in. Keys typed meanwhile wait in Qt's queue, and a save
before then simply opens the store first. A first run, an upgrade (no card yet, or one from
another schema) or an unreadable card takes the ordinary path: key, store, then window.

Qt is imported in the functions, after the desk's own Qt-free modules: PySide6 reads the
source of every module imported once it is loaded (to look for its ``__feature__`` switches),
and the core's modules need not pay for that at each start.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from desktop.logs import configure as configure_logs
from desktop.paths import Profile
from desktop.settings import LANGUAGE
from desktop.store import start_card
from desktop.store.context import DeskContext
from desktop.store.repo import Store
from desktop.ui import (
    crash,  # Qt-free until a crash: imported before PySide6, see above
    qt_language,
)
from posko import __version__
from posko.i18n import _, current_language, set_language

if TYPE_CHECKING:
    from PySide6.QtCore import QtMsgType
    from PySide6.QtWidgets import QApplication, QDialog, QWidget

    from desktop.store.health import DatabaseDamaged

log = logging.getLogger("posko.ui")
qt_log = logging.getLogger("posko.qt")

_QT_LEVELS = {
    "QtDebugMsg": logging.DEBUG,
    "QtInfoMsg": logging.INFO,
    "QtWarningMsg": logging.WARNING,
    "QtCriticalMsg": logging.ERROR,
    "QtFatalMsg": logging.CRITICAL,
}


def _qt_message(kind: QtMsgType, _context: object, message: str) -> None:
    qt_log.log(_QT_LEVELS.get(kind.name, logging.WARNING), "%s", message)


def _cannot_open(exc: Exception) -> None:
    from PySide6.QtWidgets import QMessageBox  # only on this path: it costs start-up 2 ms

    QMessageBox.critical(None, _("Cannot open the database"), str(exc))


def _exec(dialog: QDialog) -> object:
    return dialog.exec()


class DeskApp:
    """Owns the store and the main window; rebuilds the window when the language changes
    or the database file was replaced (recovered, restored)."""

    def __init__(self, store: Store, profile: Profile, *, ask_at_start: bool = True) -> None:
        self.store = store
        self.profile = profile
        # Someone signs in (or a first coordinator is chosen) once the store is open,
        # unless someone just did (the first-run setup made the coordinator); again after
        # the file is replaced. (False: tests of other things.)
        self.asks = ask_at_start
        self.ask_at_start = ask_at_start
        self.window: object | None = None
        self.sync: object | None = None  # SyncService, made once the store is open
        self.watch: object | None = None  # HealthWatch, made once the store is open
        self.exec_dialog = _exec  # a test drives the dialogs through this
        self.follow_language = True  # False: the command line chose the language
        self._handling = False

    def show_main_window(self, context: DeskContext | None = None) -> object:
        from PySide6.QtCore import QTimer

        from desktop.ui.main_window import MainWindow

        window = MainWindow(self.store, self.profile, context=context)
        window.languageRequested.connect(self.switch_language)
        window.show()
        self.window = window
        if not self.store.opened:
            QTimer.singleShot(0, self.open_store)
        else:
            QTimer.singleShot(0, self.start_sync)
            QTimer.singleShot(0, self.signing_in)
        return window

    def signing_in(self) -> None:
        """Once the store is open: the window locks when idle, and at start someone signs
        in, or a desk without a coordinator (new, or upgraded from before roles) is given
        one; without one it does not start (nothing is lost)."""
        from PySide6.QtWidgets import QApplication

        from desktop.settings import LOCK_AFTER_MINUTES
        from desktop.ui.main_window import MainWindow

        window = self.window
        if not isinstance(window, MainWindow):
            return
        from desktop.store.health import DatabaseError

        try:
            window.watch_idle(int(self.store.get(LOCK_AFTER_MINUTES)))
            self.store.erase_expired()  # retention: also on a desk that never syncs again
        except DatabaseError as exc:  # damaged: the health watch tells the operator
            log.error("lock and retention not started: %s", exc)
            window.watch_idle(5)
        if not self.ask_at_start or self.store.signed_in_here:
            return
        self.ask_at_start = False
        window.lock(_("Sign in to start"))
        if self.store.needs_coordinator():
            from desktop.ui.sign_in import FirstCoordinatorDialog

            dialog = FirstCoordinatorDialog(self.store, window)
            if not self.exec_dialog(dialog) or dialog.context is None:
                QApplication.exit(0)
                return
            window.unlock(dialog.context)

    def start_sync(self) -> None:
        """Create the sync service once (it outlives language switches) and show it."""
        from desktop.ui.main_window import MainWindow
        from desktop.ui.sync_service import SyncService
        from posko.routing import use_profile_rules

        self.watch_health()
        if self.sync is None:
            use_profile_rules(self.profile.rules)  # rules the central system sent, if newer
            service = SyncService(self.profile)
            self.sync = service
            service.start()
        assert isinstance(self.sync, SyncService)
        if isinstance(self.window, MainWindow) and self.window.sync is None:
            self.window.attach_sync(self.sync)

    def open_store(self) -> None:
        """Once the window is shown: the database's key, then the store; the window fills
        in, or is drawn anew when the store's context is not the card's."""
        from PySide6.QtWidgets import QApplication

        from desktop.store.db import DatabaseError
        from desktop.store.health import DatabaseDamaged, DatabaseVanished
        from desktop.ui.desk_files import QUIT, handle_problem, show_notices
        from desktop.ui.key_dialog import unlock
        from desktop.ui.main_window import MainWindow

        if not unlock(self.profile, self.exec_dialog, parent=self._parent()):
            QApplication.exit(1)
            return
        try:
            self.store.database()
        except (DatabaseDamaged, DatabaseVanished) as exc:
            log.error("cannot open database: %s", exc)
            choice = handle_problem(
                self.profile, exc, parent=self._parent(), exec_dialog=self.exec_dialog
            )
            if choice == QUIT:
                QApplication.exit(1)
            else:
                self.reopen()
            return
        except DatabaseError as exc:
            log.error("cannot open database: %s", exc)
            _cannot_open(exc)
            QApplication.exit(1)
            return
        show_notices(self._parent(), self.store.notices, self.exec_dialog)
        if isinstance(self.window, MainWindow):
            context = self.store.context()  # and the card kept in step with it
            drawn = start_card.without_operator(self.window.context)
            if context is None:  # no desk in the file after all (replaced meanwhile)
                self.reopen()
                return
            if start_card.without_operator(context) != drawn:
                # Not what the card said (a backup restored, another version's writing):
                # the window again, from the store, in its language unless one was chosen.
                if self.follow_language:
                    set_language(context.language)
                self.redraw(context)
                return
            self.window.adopt(context)
            self.window.load()
            self.window.form.flush_draft()  # typing that waited for the key, if any
        if os.environ.get("POSKO_EXIT_WHEN_SHOWN") == "open":
            _report_shown_and_quit()  # the probe's other reading: key and database in hand
            return
        self.start_sync()
        self.signing_in()

    # -- the database file ---------------------------------------------------------------
    def _parent(self) -> QWidget | None:
        from PySide6.QtWidgets import QWidget

        return self.window if isinstance(self.window, QWidget) else None

    def watch_health(self) -> None:
        """Once: SQLite's full check of the file, on a thread; damage found by it or by any
        store in the process (a save, the sync) is handled on the GUI thread."""
        from desktop.ui.desk_files import HealthWatch

        if self.watch is not None:
            return
        watch = HealthWatch()
        watch.checked.connect(self._on_checked)
        watch.damaged.connect(self.on_damaged)
        self.watch = watch
        watch.check(self.profile.database)

    def _on_checked(self, problems: list[str]) -> None:
        from desktop.store.health import DatabaseDamaged

        if not problems:
            return
        found = DatabaseDamaged(
            self.profile.database, DatabaseDamaged.CHECK_FAILED, "; ".join(problems)
        )
        self.store.mark_damaged(found)  # no more writes; ``on_damaged`` follows from the watch

    def on_damaged(self, error: DatabaseDamaged) -> None:
        """The file is damaged (and no longer written): explain, offer recovery."""
        from desktop.ui.desk_files import LATER, QUIT, handle_problem
        from desktop.ui.main_window import MainWindow

        if self._handling:
            return
        self._handling = True
        try:
            choice = handle_problem(
                self.profile,
                error,
                parent=self._parent(),
                running=True,
                before_change=self._release,
                exec_dialog=self.exec_dialog,
            )
        finally:
            self._handling = False
        if choice == LATER:
            if isinstance(self.window, MainWindow):
                self.window.statusBar().showMessage(
                    _("The database is damaged: nothing is saved until it is recovered.")
                )
            return
        if choice == QUIT:
            return
        self.reopen()

    def _release(self) -> None:
        """Let go of the database file before it is replaced."""
        from desktop.ui.sync_service import SyncService

        if isinstance(self.sync, SyncService):
            self.sync.shutdown()
        self.sync = None
        self.store.close()
        _stop_drawing()

    def reopen(self) -> None:
        """The database file was replaced: a new store and window, the typing carried over."""
        from PySide6.QtWidgets import QApplication

        from desktop.store.health import DatabaseDamaged, DatabaseError, DatabaseVanished
        from desktop.store.repo import Store
        from desktop.ui.desk_files import QUIT, handle_problem, show_notices
        from desktop.ui.main_window import MainWindow

        old = self.window
        typed = old.form.values() if isinstance(old, MainWindow) else None
        self._release()
        while True:
            try:
                store = Store.open(self.profile)
                break
            except (DatabaseDamaged, DatabaseVanished) as exc:
                choice = handle_problem(
                    self.profile, exc, parent=self._parent(), exec_dialog=self.exec_dialog
                )
                if choice == QUIT:
                    QApplication.exit(1)
                    return
            except DatabaseError as exc:
                _cannot_open(exc)
                QApplication.exit(1)
                return
        context = store.context()
        if context is None:
            from desktop.ui.setup_dialog import SetupDialog

            dialog = SetupDialog(store, self._parent())
            if not self.exec_dialog(dialog):
                store.close()
                QApplication.exit(1)
                return
            context = store.require_context()
        self.store = store
        new = self.show_main_window(context)
        assert isinstance(new, MainWindow)
        if isinstance(old, MainWindow):
            if typed and not old.form.is_blank():
                new.form.set_values(typed)  # the operator's typing carries over
            new.setGeometry(old.geometry())
            old.form.store = store  # its closing draft goes to the new file, not the old
            old.close()
            old.deleteLater()
        new.load()
        show_notices(new, store.notices, self.exec_dialog)
        # Another file, perhaps another team (or none yet, from before roles): someone
        # signs in to it, or it is given its first coordinator, as at a start.
        self.ask_at_start = self.asks
        self.signing_in()

    def switch_language(self, language: str) -> None:
        from desktop.ui.main_window import MainWindow

        assert isinstance(self.window, MainWindow)
        self.window.form.flush_draft()
        self.store.set(LANGUAGE, language)
        set_language(language)
        self.redraw()

    def redraw(self, context: DeskContext | None = None) -> None:
        """The window again, on the open store (``context``: the store's, by default): in
        the language now set, with the operator's typing carried over, no question asked
        (the new form goes on with the same draft, and the other drafts stay offered)."""
        from desktop.ui.main_window import MainWindow

        old = self.window
        assert isinstance(old, MainWindow)
        old.form.flush_draft()
        new = self.show_main_window(context)  # the store is open: it fills in on the loop
        assert isinstance(new, MainWindow)
        if old.form.draft_id is not None:
            new.form.restore_draft(old.form.draft_id)
        new.setGeometry(old.geometry())
        old.close()
        old.deleteLater()


def _open_slow_path(
    profile: Profile, exec_dialog: Callable[[QDialog], object] = _exec
) -> tuple[Store, DeskContext] | int:
    """First run, upgrade, damaged or vanished file: open (and migrate) the store, ask for
    setup; a damaged or vanished database is explained and, if the operator chooses,
    recovered, restored or resumed first.

    Returns the store and context, or the exit code when the desk cannot start."""
    from desktop.store.db import DatabaseError
    from desktop.store.health import DatabaseDamaged, DatabaseVanished
    from desktop.store.repo import Store
    from desktop.ui.desk_files import QUIT, handle_problem, show_notices

    while True:
        try:
            store = Store.open(profile)
            break
        except (DatabaseDamaged, DatabaseVanished) as exc:
            log.error("cannot open database: %s", exc)
            if handle_problem(profile, exc, exec_dialog=exec_dialog) == QUIT:
                return 1
        except DatabaseError as exc:
            log.error("cannot open database: %s", exc)
            _cannot_open(exc)
            return 1
    show_notices(None, store.notices, exec_dialog)
    context = store.context()
    if context is None:
        from desktop.ui.setup_dialog import SetupDialog

        dialog = SetupDialog(store)
        if not exec_dialog(dialog):
            store.close()
            return 0  # the operator chose not to set up now
        context = store.require_context()
    return store, context


def _report_shown_and_quit() -> None:
    """The start-up probe (``POSKO_EXIT_WHEN_SHOWN``, used by ``benchmarks``): print
    ``SHOWN <peak resident memory in KiB>`` and quit. ``1``: on the event loop's first
    turn, with the window shown and before the key is fetched and the store opens;
    ``open``: once they are and the window has filled in (before anyone signs in)."""
    from PySide6.QtWidgets import QApplication

    print(f"SHOWN {_peak_kib()}", flush=True)
    QApplication.quit()


def _peak_kib() -> int:
    """VmHWM on Linux: ``ru_maxrss`` there also counts what the process held before its
    ``exec`` (the benchmark's own memory, at the fork that started it)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _application(profile: Profile, *, crash_dialog: bool) -> QApplication:
    """The desk's Qt application, with its logs and crash reports in ``profile``."""
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    profile.ensure()
    configure_logs(profile.logs)
    crash.install(profile.crash_reports, show_dialog=crash_dialog)
    qInstallMessageHandler(_qt_message)
    from desktop.ui.appearance import new_application

    app = QApplication.instance() or new_application(sys.argv[0])
    assert isinstance(app, QApplication)
    app.setApplicationName("Posko")
    app.setApplicationVersion(__version__)
    qt_language.install(app)  # Qt's own buttons and dialogs speak the desk's language
    log.info("Posko %s starting, profile %s", __version__, profile.root)
    return app


def _stop_drawing() -> None:
    """Stop the Statistik section's drawing processes, if it started any: they hold the
    database file open."""
    if "desktop.drawing" in sys.modules:
        sys.modules["desktop.drawing"].stop()


def run_gui(profile: Profile, *, language: str | None, crash_dialog: bool) -> int:
    from PySide6.QtCore import QTimer

    app = _application(profile, crash_dialog=crash_dialog)
    store: Store
    profile.clear_receipts()  # any a crash left behind
    context = start_card.read(profile)
    if context is not None:
        store = Store(profile)  # the key and the store on the loop's first turn, after the window
    else:
        from desktop.ui.key_dialog import unlock

        if not unlock(profile, _exec):  # the database's key, before anything reads the file
            return 1
        opened = _open_slow_path(profile)
        if isinstance(opened, int):
            return opened
        store, context = opened
    if language is None and context.language != current_language():
        set_language(context.language)
    desk = DeskApp(store, profile)
    desk.follow_language = language is None
    if os.environ.get("POSKO_EXIT_WHEN_SHOWN") == "1":
        QTimer.singleShot(0, _report_shown_and_quit)  # queued ahead of the store's opening
    desk.show_main_window(context)
    code = app.exec()
    profile.clear_receipts()  # no receipt (its secret, its title) left in the clear
    _stop_drawing()  # before the interpreter's exit waits for a drawing in hand
    if desk.watch is not None:
        from desktop.ui.desk_files import HealthWatch

        assert isinstance(desk.watch, HealthWatch)
        desk.watch.close()
    if desk.sync is not None:
        from desktop.ui.sync_service import SyncService

        assert isinstance(desk.sync, SyncService)
        desk.sync.shutdown()
    store.close()
    return code


def run_kiosk(
    profile: Profile,
    store: Store,
    *,
    screen: int | None,
    service: str,
    crash_dialog: bool,
) -> int:
    """``posko kiosk``: the SKM survey full screen on ``screen`` (1 the first; None: the
    primary one) until the operator leaves it with the exit PIN. ``store`` is open and set
    up, with a PIN (``desktop.cli.survey`` checks both)."""
    from desktop.settings import KIOSK_PIN

    app = _application(profile, crash_dialog=crash_dialog)
    from desktop.ui import appearance
    from desktop.ui.kiosk import open_kiosk

    context = store.require_context()
    appearance.apply(context.appearance)
    screens = app.screens()
    if screen is not None and not 1 <= screen <= len(screens):
        names = ", ".join(
            f"{n} ({s.size().width()}×{s.size().height()})" for n, s in enumerate(screens, 1)
        )
        print(
            _("There is no screen {n}; the screens are {names}.").format(n=screen, names=names),
            file=sys.stderr,
        )
        return 1
    kiosk = open_kiosk(
        store,
        store.get(KIOSK_PIN),
        screen_number=None if screen is None else screen - 1,
        service_code=service,
        services=context.survey_services,
    )
    kiosk.finished.connect(app.quit)
    log.info("kiosk started on screen %s", kiosk.screen().name())
    return app.exec()
