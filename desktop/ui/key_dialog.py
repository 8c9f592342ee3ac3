"""The database's key, when the desk must ask for it (``desktop.store.desk_key``).

On a machine with a keyring the desk never asks. Without one, the key is kept under the
coordinator's passphrase: the first start asks the coordinator to choose it (twice), every
start after asks for it. A wrong passphrase says so and stays; a lost key says what it
means and what to do, and the desk does not start (nothing is changed on disk)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QCursor
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from desktop.paths import Profile
from desktop.store import desk_key
from desktop.store.desk_key import KeyProblem, WrongPassphrase
from desktop.ui.widgets import FieldMessage, hint_label, ok_cancel, required
from posko.i18n import _


def _secret_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMaxLength(200)
    return field


class PassphraseDialog(QDialog):
    """Type the passphrase (``new``: choose it, typed twice); accepted once the key is
    unlocked and registered."""

    def __init__(self, profile: Profile, *, new: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile = profile
        self.new = new
        self.setObjectName("passphraseDialog")
        self.setMinimumWidth(460)
        self.setWindowTitle(_("Protect this desk's data") if new else _("Open this desk's data"))
        layout = QVBoxLayout(self)
        if new:
            text = _(
                "This computer has no keyring to keep the key to the desk's data. Choose a "
                "passphrase of at least {n} characters: the desk asks for it each time it "
                "starts. Only the coordinator should know it. Without it the data cannot be "
                "read by anyone, the team included, so keep it somewhere safe."
            ).format(n=desk_key.MIN_PASSPHRASE)
        else:
            text = _("Type the coordinator's passphrase to open the desk's data.")
        layout.addWidget(hint_label(text))
        form = QFormLayout()
        self.passphrase = _secret_field("passphrase")
        form.addRow(required(_("Passphrase")), self.passphrase)
        self.again: QLineEdit | None = None
        if new:
            self.again = _secret_field("passphraseAgain")
            form.addRow(required(_("Passphrase again")), self.again)
        layout.addLayout(form)
        self.message = FieldMessage()
        self.message.setObjectName("passphraseMessage")
        layout.addWidget(self.message)
        layout.addWidget(ok_cancel(self, _("Create") if new else _("Open"), "passphraseOk"))
        self.passphrase.setFocus()
        self.problem: KeyProblem | None = None
        self.retry = False

    def accept(self) -> None:
        typed = self.passphrase.text()
        if self.new:
            assert self.again is not None
            if len(typed) < desk_key.MIN_PASSPHRASE:
                self._refuse(
                    _("The passphrase needs at least {n} characters.").format(
                        n=desk_key.MIN_PASSPHRASE
                    )
                )
                return
            if typed != self.again.text():
                self._refuse(_("The two passphrases are not the same."))
                self.again.clear()
                self.again.setFocus()
                return
        QApplication.setOverrideCursor(_wait_cursor())
        try:
            if self.new:
                desk_key.create_with_passphrase(self.profile, typed)
            else:
                desk_key.unlock_with_passphrase(self.profile, typed)
        except WrongPassphrase:
            self._refuse(_("That passphrase does not open this desk's data."))
            self.passphrase.selectAll()
            return
        except KeyProblem as problem:  # the key file is damaged: said by ``unlock``
            self.problem = problem
            super().reject()
            return
        except FileExistsError:  # another desk chose a passphrase meanwhile: ask for it
            self.retry = True
            super().reject()
            return
        finally:
            QApplication.restoreOverrideCursor()
        super().accept()

    def _refuse(self, text: str) -> None:
        self.message.show_message(text)


def _wait_cursor() -> QCursor:
    from PySide6.QtCore import Qt

    return QCursor(Qt.CursorShape.WaitCursor)


def unlock(
    profile: Profile,
    exec_dialog: Callable[[QDialog], object],
    *,
    parent: QWidget | None = None,
) -> bool:
    """The profile's key unlocked (asking when it must, over ``parent``: the window drawn
    from the start card); False when the desk cannot start (the operator cancelled, or
    the key is lost: they have been told)."""
    while True:
        try:
            desk_key.unlock(profile)
            return True
        except KeyProblem as problem:
            if problem.reason in (KeyProblem.PASSPHRASE_NEEDED, KeyProblem.NEW_PASSPHRASE_NEEDED):
                new = problem.reason == KeyProblem.NEW_PASSPHRASE_NEEDED
                dialog = PassphraseDialog(profile, new=new, parent=parent)
                accepted = exec_dialog(dialog)
                if dialog.problem is not None:
                    problem = dialog.problem
                elif accepted or dialog.retry:
                    continue
                else:
                    return False
            box = QMessageBox(parent)
            box.setIcon(QMessageBox.Icon.Critical)
            box.setWindowTitle(_("The desk cannot start"))
            box.setObjectName("keyProblem")
            box.setText(desk_key.describe(problem))
            exec_dialog(box)
            return False


__all__ = ["PassphraseDialog", "unlock"]
