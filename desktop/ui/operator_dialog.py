"""A shift change: F2 opens this with the operator before the one on duty already chosen;
their PIN and Enter switch (``desktop.ui.sign_in.SignInForm``: Up and Down in the PIN field
choose another name). A new member of the team is added by a coordinator (Settings,
Operators), not here."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from desktop.store.records import DeskContext
from desktop.store.repo import Store
from desktop.ui.sign_in import SignInForm
from desktop.ui.widgets import ok_cancel
from posko.i18n import _


class OperatorDialog(QDialog):
    """``context`` is the desk's context after a switch (None when cancelled)."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.context: DeskContext | None = None
        self.setWindowTitle(_("Change operator"))
        on_duty = store.require_context().operator_name
        self.form = SignInForm(store, previous=True)
        self.form.button.hide()  # the dialog's own button signs in
        self.form.signedIn.connect(self._signed_in)
        buttons = ok_cancel(self, _("Change"), "change_operator")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("On duty now: {name}").format(name=on_duty)))
        layout.addWidget(self.form)
        layout.addWidget(buttons)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setAutoDefault(False)  # Enter is the PIN field's: one try per Enter
        self.form.focus()

    def accept(self) -> None:
        self.form.attempt()  # signedIn closes the dialog

    def _signed_in(self, context: DeskContext) -> None:
        self.context = context
        super().accept()
