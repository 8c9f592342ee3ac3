"""A shift change in two keys: F2 opens this with the previous operator already chosen,
Enter switches. Another name is a Down away, a new one is typed. (Roles and PINs come
later: the choice goes through ``Store.switch_operator``, where a PIN check will sit.)"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from desktop.domain import ValidationError
from desktop.store.records import DeskContext
from desktop.store.repo import Store
from desktop.ui.widgets import FieldMessage
from posko.i18n import _


class OperatorDialog(QDialog):
    """``context`` is the desk's context after a switch (None when cancelled)."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.context: DeskContext | None = None
        self.setWindowTitle(_("Change operator"))
        names = store.operators()  # the one on duty first
        self.name = QComboBox()
        self.name.setObjectName("operator_name")
        self.name.setEditable(True)
        self.name.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.name.addItems(names)
        # The usual shift change is back to the one before: chosen already.
        self.name.setCurrentIndex(1 if len(names) > 1 else 0)
        line = self.name.lineEdit()
        if line is not None:
            line.selectAll()  # typing replaces it with a new name
            # Enter switches, whether the name is in the list or new (the box keeps an Enter
            # on a listed name to itself, so the dialog's default button would not see it).
            line.returnPressed.connect(self.accept)
        label = QLabel(_("&Operator on duty from now on"))
        label.setBuddy(self.name)
        self.message = FieldMessage()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setText(_("Change"))
            ok.setAutoDefault(False)  # Enter is the name box's, above: one switch per Enter
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("On duty now: {name}").format(name=names[0])))
        layout.addWidget(label)
        layout.addWidget(self.name)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.name.setFocus()

    def accept(self) -> None:
        try:
            self.context = self.store.switch_operator(self.name.currentText())
        except ValidationError as error:
            self.message.show_message(error.errors[0].message)
            self.name.setFocus()
            return
        super().accept()
