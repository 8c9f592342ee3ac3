"""Signing in with a name and a PIN (``desktop.store.operators``): the form the lock screen
and the shift change (F2) share, the lock screen itself, and the first coordinator's
dialog of a desk that has none yet.

The name is chosen from the post's operators (the one before is already chosen: a shift
change is F2, the PIN, Enter); Up and Down in the PIN field choose another. A wrong PIN
says so, and after the free tries how long to wait."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import ValidationError
from desktop.store.operators import NotAllowed, PinRefused
from desktop.store.records import DeskContext
from desktop.store.repo import Store
from desktop.survey.pin import PIN_LENGTH
from desktop.ui.widgets import FieldMessage, hint_label, ok_cancel, required
from posko.i18n import _


def allowed(parent: QWidget, store: Store, doing: str) -> bool:
    """Whether the operator on duty may do ``doing`` (``Store.require``, the desk's one
    role check, which the store applies again itself); if not, says so, and who may."""
    from desktop.store.operators import Role

    try:
        store.require(Role.KOORDINATOR, doing)
    except NotAllowed as refused:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.information(parent, _("Only for a coordinator"), refused.message)
        return False
    return True


def pin_field(name: str) -> QLineEdit:
    """A PIN's field: digits only, never shown as typed."""
    field = QLineEdit()
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMaxLength(PIN_LENGTH[1])
    field.setInputMethodHints(
        Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhSensitiveData
    )
    return field


class SignInForm(QWidget):
    """Name and PIN; ``signedIn(DeskContext)`` once ``sign_in`` accepted them.
    ``previous``: choose the operator before the one on duty (a shift change)."""

    signedIn = Signal(object)

    def __init__(self, store: Store, *, previous: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.name = QComboBox()
        self.name.setObjectName("operator_name")
        self.pin = pin_field("operator_pin")
        self.pin.returnPressed.connect(self.attempt)
        self.pin.installEventFilter(self)
        self.message = FieldMessage()
        self.message.setObjectName("sign_in_message")
        self.button = QPushButton(_("&Sign in"))
        self.button.setObjectName("sign_in")
        self.button.setAutoDefault(False)  # Enter is the PIN field's: one try per Enter
        self.button.clicked.connect(self.attempt)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(_("&Operator"), self.name)
        form.addRow(_("&PIN"), self.pin)
        form.addRow("", self.message)
        form.addRow("", self.button)
        for label, field in ((0, self.name), (1, self.pin)):
            item = form.itemAt(label, QFormLayout.ItemRole.LabelRole)
            shown = item.widget() if item is not None else None
            if isinstance(shown, QLabel):
                shown.setBuddy(field)
        self.fill(previous=previous)

    def fill(self, *, previous: bool) -> None:
        """The operators who can sign in, the one on duty first."""
        self.name.clear()
        for account in self.store.operator_accounts():
            if account.has_pin:
                self.name.addItem(account.name)
        on_duty = self.store.require_context().operator_name
        start = self.name.findText(on_duty)
        if previous and self.name.count() > 1:
            start = 1 if start == 0 else 0
        self.name.setCurrentIndex(max(0, start))
        self.pin.clear()
        self.message.show_message(None)

    def focus(self) -> None:
        self.pin.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.pin and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1}.get(Qt.Key(event.key()))
            if step is not None and self.name.count():
                self.name.setCurrentIndex((self.name.currentIndex() + step) % self.name.count())
                self.pin.clear()
                return True
        return super().eventFilter(watched, event)

    def attempt(self) -> None:
        name = self.name.currentText()
        if not name:
            self.message.show_message(_("No operator can sign in yet."))
            return
        try:
            context = self.store.sign_in(name, self.pin.text())
        except PinRefused as refused:
            self.pin.clear()
            self.message.show_message(refused.message)
            self.pin.setFocus()
            return
        self.pin.clear()
        self.message.show_message(None)
        self.signedIn.emit(context)


class LockPage(QWidget):
    """What the main window shows while locked: nothing of the desk's work, only who may
    sign in. ``signedIn(DeskContext)``."""

    signedIn = Signal(object)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lock_page")
        self.title = QLabel(_("Posko is locked"))
        self.title.setObjectName("lock_title")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.title.setFont(font)
        self.form = SignInForm(store, previous=False)
        self.form.signedIn.connect(self.signedIn)
        box = QWidget()
        inner = QVBoxLayout(box)
        inner.addWidget(self.title)
        hint = hint_label(_("Sign in with your name and PIN to go on. Nothing typed was lost."))
        hint.setWordWrap(False)  # one line: a wrapped label's height would squeeze the form
        inner.addWidget(hint)
        inner.addSpacing(12)
        inner.addWidget(self.form)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def shown_for(self, reason: str) -> None:
        self.title.setText(reason)
        self.form.fill(previous=False)
        self.form.focus()


class FirstCoordinatorDialog(QDialog):
    """A desk without a coordinator (new, or upgraded from before roles) asks for one:
    an operator of the post or a new name, and a PIN typed twice. ``context`` afterwards
    (None when cancelled: the desk then does not start, and nothing is lost)."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.context: DeskContext | None = None
        self.setWindowTitle(_("Choose the desk's coordinator"))
        self.setMinimumWidth(460)
        self.name = QComboBox()
        self.name.setObjectName("coordinator_name")
        self.name.setEditable(True)
        self.name.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.name.addItems([a.name for a in store.operator_accounts()])
        self.pin = pin_field("coordinator_pin")
        self.repeated = pin_field("coordinator_pin_again")
        self.repeated.returnPressed.connect(self.accept)
        self.message = FieldMessage()
        self.message.setObjectName("coordinator_message")
        form = QFormLayout()
        form.addRow(required(_("&Coordinator")), self.name)
        form.addRow(required(_("&PIN")), self.pin)
        form.addRow(required(_("PIN &again")), self.repeated)
        form.addRow("", self.message)
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint_label(
                _(
                    "Every member of the team now signs in with a PIN. A coordinator "
                    "changes the settings, exports contacts and adds the others. Choose "
                    "the first coordinator: a name from the list or a new one."
                )
            )
        )
        layout.addLayout(form)
        layout.addWidget(ok_cancel(self, _("Save"), "save_coordinator"))
        (self.pin if self.name.count() else self.name).setFocus()

    def accept(self) -> None:
        try:
            self.context = self.store.first_coordinator(
                self.name.currentText(), self.pin.text(), self.repeated.text()
            )
        except ValidationError as error:
            self.message.show_message(error.errors[0].message)
            field = self.name if error.errors[0].field == "operator" else self.pin
            field.setFocus()
            return
        except NotAllowed as refused:
            self.message.show_message(refused.message)
            return
        super().accept()


__all__ = ["FirstCoordinatorDialog", "LockPage", "SignInForm", "allowed", "pin_field"]
