"""When the desk's own files go wrong: a damaged database, a vanished one, an old copy.

``ProblemDialog`` says what happened and what to do in the operator's language and offers
what can be done: recover into a new database, restore the newest backup, continue as the
same desk, set up as a new desk, or (with the window open) carry on reading while nothing
is saved. ``handle_problem`` runs the choice. ``HealthWatch`` runs SQLite's full check off
the GUI thread once the window is shown and reports damage found by any store in the
process (the sync's thread too) on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop.paths import Profile
from desktop.store import health
from desktop.store.health import DatabaseDamaged, DatabaseError, DatabaseVanished
from desktop.store.identity import Notice
from posko.i18n import _

log = logging.getLogger("posko.ui")

RECOVER = "recover"
RESTORE_BACKUP = "restore_backup"
RESUME = "resume"
START_OVER = "start_over"
LATER = "later"
QUIT = "quit"

ExecDialog = Callable[[QDialog], object]


def _exec(dialog: QDialog) -> object:
    return dialog.exec()


class ProblemDialog(QDialog):
    """What happened to the database and the ways on; ``choice`` after ``exec()``.

    ``running``: the window is already open, so the operator may also go on reading (the
    desk saves nothing into a damaged file) instead of quitting."""

    def __init__(
        self,
        error: DatabaseError,
        *,
        backups: list[Path],
        running: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        from PySide6.QtCore import Qt  # here: the namespace is not needed to start the desk

        super().__init__(parent)
        self.choice = QUIT
        title, what, todo = health.describe(error, gui=True, backups=backups)
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        heading = QLabel(f"<b>{title}</b>")
        heading.setObjectName("problem_title")
        self.what = QLabel(what)
        self.what.setObjectName("problem_what")
        self.todo = QLabel(todo)
        self.todo.setObjectName("problem_todo")
        for label in (self.what, self.todo):
            label.setWordWrap(True)
        icon = QLabel()
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(48, 48)
        )
        column = QVBoxLayout()
        column.addWidget(heading)
        column.addWidget(self.what)
        column.addWidget(self.todo)
        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(column, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        row = QHBoxLayout()
        row.addStretch(1)
        self.buttons: dict[str, QPushButton] = {}
        choices: list[tuple[str, str]] = []
        if isinstance(error, DatabaseDamaged):
            choices.append((RECOVER, _("&Recover")))
        elif isinstance(error, DatabaseVanished):
            if error.identity is not None:
                choices.append((RESUME, _("&Continue as this desk")))
            else:
                choices.append((START_OVER, _("&Set up as a new desk")))
        if backups:
            choices.append((RESTORE_BACKUP, _("Restore the newest &backup")))
        choices.append((LATER, _("&Not now")) if running else (QUIT, _("&Quit")))
        for key, text in choices:
            button = QPushButton(text)
            button.setObjectName(key)
            button.clicked.connect(lambda _c=False, k=key: self._choose(k))
            row.addWidget(button)
            self.buttons[key] = button
        first = self.buttons[choices[0][0]]
        first.setDefault(True)
        first.setFocus()
        layout.addLayout(row)

    def _choose(self, key: str) -> None:
        self.choice = key
        if key in (QUIT, LATER):
            self.reject()
        else:
            self.accept()


def information(
    parent: QWidget | None, title: str, text: str, exec_dialog: ExecDialog = _exec
) -> None:
    box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=parent)
    box.setObjectName("desk_files_information")
    exec_dialog(box)


def show_notices(
    parent: QWidget | None, notices: list[Notice], exec_dialog: ExecDialog = _exec
) -> None:
    """Tell the operator what the store fixed on opening (an older copy of the database)."""
    for notice in notices:
        information(
            parent, _("Tracking numbers continued"), health.notice_text(notice), exec_dialog
        )


def handle_problem(
    profile: Profile,
    error: DatabaseError,
    *,
    parent: QWidget | None = None,
    running: bool = False,
    before_change: Callable[[], None] | None = None,
    exec_dialog: ExecDialog = _exec,
) -> str:
    """Ask what to do about ``error`` and do it; returns the choice that was carried out
    (``QUIT`` or ``LATER`` when nothing was done). ``before_change`` lets go of the file
    before it is replaced. A recovery's counts, and what opening a backup fixed, are shown
    before it returns."""
    from desktop.store import recover
    from desktop.store.health import newest_backups

    while True:
        dialog = ProblemDialog(
            error, backups=newest_backups(profile), running=running, parent=parent
        )
        exec_dialog(dialog)
        choice = dialog.choice
        if choice in (QUIT, LATER):
            return choice
        if before_change is not None:
            before_change()
            before_change = None
        try:
            notices = _carry_out(choice, profile, parent)
            if choice == RECOVER:
                information(parent, _("Database recovered"), notices, exec_dialog)
            elif choice == RESTORE_BACKUP:
                show_notices(parent, notices, exec_dialog)
            return choice
        except recover.RecoveryError as exc:
            log.error("recovery step %s failed: %s", choice, exc)
            information(parent, _("Not done"), _recovery_text(exc), exec_dialog)
        except (DatabaseDamaged, DatabaseVanished) as exc:  # what was restored is damaged too
            error = exc


def _carry_out(choice: str, profile: Profile, parent: QWidget | None) -> Any:
    """Do ``choice`` off the GUI thread, behind a busy window: a recovery reads the whole
    damaged file and can take a minute. Returns what to tell the operator: the recovery's
    report, or the notices of the restored backup."""
    from desktop.store import recover
    from desktop.ui.tasks import wait_for

    def work() -> Any:
        if choice == RECOVER:
            report = recover.recover(profile)
            return "\n".join(
                [_("The database was recovered into a new file."), *recover.report_lines(report)]
            )
        if choice == RESTORE_BACKUP:
            store = recover.restore_backup(profile)
            try:
                return list(store.notices)
            finally:
                store.close()
        if choice == RESUME:
            recover.resume_identity(profile)
        elif choice == START_OVER:
            recover.start_over(profile)
        return None

    return wait_for(work, parent, _("Working on the database…"))


def _recovery_text(error: Exception) -> str:
    from desktop.store.recover import RecoveryError

    assert isinstance(error, RecoveryError)
    return {
        RecoveryError.NO_BACKUP: _("There is no backup in this profile's backups folder."),
        RecoveryError.BAD_BACKUP: _("That backup is damaged too; choose another one."),
        RecoveryError.NO_IDENTITY: _("There is nothing to resume this desk from."),
        RecoveryError.HEALTHY: _("The database is sound; there is nothing to recover."),
    }.get(error.code, error.code)


class HealthWatch(QObject):
    """Signals: ``damaged(DatabaseDamaged)`` on the GUI thread, when the full check finds
    damage or any store in the process runs into it; ``checked(list)`` with what the full
    check found (empty when the file is sound)."""

    damaged = Signal(object)
    checked = Signal(list)
    _found = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._found.connect(self.damaged.emit)  # queued: emitted from other threads
        self._remove = health.on_damage(self._found.emit)
        remove = self._remove
        self.destroyed.connect(lambda *_args: remove())  # never called once it is gone
        self.worker: threading.Thread | None = None

    def check(self, path: Path) -> None:
        """Run ``PRAGMA quick_check`` on ``path`` on a thread of its own."""

        def work() -> None:
            try:
                problems = health.quick_check(path)
            except Exception as exc:  # a locked or vanished file: not damage
                log.warning("the full check of %s did not run: %s", path, exc)
                problems = []
            self.checked.emit(problems)

        self.worker = threading.Thread(target=work, name="posko-quick-check", daemon=True)
        self.worker.start()

    def close(self) -> None:
        self._remove()
