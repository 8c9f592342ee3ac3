"""Settings, Operators: a coordinator's list of the post's team. Add a member (name, role,
PIN typed twice), change one's name, role or PIN, or stop one signing in (their reports
keep their name). ``Store.save_operator`` checks the role again and keeps one coordinator
at least."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import ValidationError
from desktop.store.operators import NotAllowed, OperatorAccount, Role, role_label
from desktop.store.repo import Store
from desktop.ui.sign_in import pin_field
from desktop.ui.widgets import FieldMessage, hint_label, required
from posko.i18n import _


class OperatorsDialog(QDialog):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(_("Operators"))
        self.setMinimumWidth(620)
        self.editing = ""  # the name of the operator in the form ("": a new one)
        self.accounts = QListWidget()
        self.accounts.setObjectName("operator_accounts")
        self.accounts.currentItemChanged.connect(self._chosen)
        self.name = QLineEdit()
        self.name.setObjectName("operator_name")
        self.role = QComboBox()
        self.role.setObjectName("operator_role")
        for role in Role:
            self.role.addItem(role_label(role), role.value)
        self.pin = pin_field("operator_pin")
        self.repeated = pin_field("operator_pin_again")
        self.active = QCheckBox(_("May &sign in"))
        self.active.setObjectName("operator_active")
        self.active.setChecked(True)
        self.message = FieldMessage()
        self.message.setObjectName("operators_message")
        self.saved = FieldMessage()
        self.saved.setProperty("role", "hint")
        new = QPushButton(_("Ne&w operator"))
        new.setObjectName("new_operator")
        new.clicked.connect(self.start_new)
        save = QPushButton(_("Sa&ve"))
        save.setObjectName("save_operator")
        save.clicked.connect(self.save)
        new.setAutoDefault(False)
        save.setDefault(True)  # Enter in a field saves, never empties the form
        form = QFormLayout()
        form.addRow(required(_("&Name")), self.name)
        form.addRow(_("&Role"), self.role)
        form.addRow(_("&PIN"), self.pin)
        form.addRow(_("PIN &again"), self.repeated)
        form.addRow("", hint_label(_("Leave the PIN empty to keep the one they have.")))
        form.addRow("", self.active)
        form.addRow("", self.message)
        form.addRow("", self.saved)
        actions = QHBoxLayout()
        actions.addWidget(new)
        actions.addWidget(save)
        actions.addStretch(1)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addLayout(actions)
        side.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.accounts, 1)
        row.addLayout(side, 2)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(close)
        self.fill()
        self.start_new()

    def fill(self, chosen: str = "") -> None:
        self.accounts.blockSignals(True)
        self.accounts.clear()
        for account in self.store.operator_accounts(inactive=True):
            item = QListWidgetItem(_describe(account))
            item.setData(256, account)  # Qt.UserRole, without building the Qt namespace
            self.accounts.addItem(item)
            if account.name == chosen:
                self.accounts.setCurrentItem(item)
        self.accounts.blockSignals(False)

    def start_new(self) -> None:
        self.accounts.clearSelection()
        self.editing = ""
        self.name.clear()
        self.role.setCurrentIndex(self.role.findData(Role.PETUGAS.value))
        self.pin.clear()
        self.repeated.clear()
        self.active.setChecked(True)
        self.message.show_message(None)
        self.name.setFocus()

    def _chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        if item is None:
            return
        account = item.data(256)
        assert isinstance(account, OperatorAccount)
        self.editing = account.name
        self.name.setText(account.name)
        self.role.setCurrentIndex(self.role.findData(account.role.value))
        self.pin.clear()
        self.repeated.clear()
        self.active.setChecked(account.active)
        self.message.show_message(None)

    def save(self) -> None:
        self.message.show_message(None)
        try:
            account = self.store.save_operator(
                self.name.text(),
                role=Role(str(self.role.currentData())),
                pin=self.pin.text(),
                repeated=self.repeated.text(),
                active=self.active.isChecked(),
                renamed_from=self.editing,
            )
        except ValidationError as error:
            self.message.show_message(error.errors[0].message)
            (self.name if error.errors[0].field == "operator" else self.pin).setFocus()
            return
        except NotAllowed as refused:
            self.message.show_message(refused.message)
            return
        self.saved.show_message(_("{name} saved.").format(name=account.name))
        self.fill(chosen=account.name)
        self.editing = account.name
        self.pin.clear()
        self.repeated.clear()


def _describe(account: OperatorAccount) -> str:
    parts = [account.name, role_label(account.role)]
    if not account.has_pin:
        parts.append(_("no PIN yet"))
    if not account.active:
        parts.append(_("cannot sign in"))
    return " · ".join(parts)


__all__ = ["OperatorsDialog"]
