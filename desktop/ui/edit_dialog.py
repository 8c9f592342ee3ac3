"""Correcting a saved report: the intake form, filled with the report, in a dialog. The
tracking ID, secret and receipt stay; the sync sends the corrected revision."""

from __future__ import annotations

from datetime import UTC

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from desktop.store.records import ComplaintRecord
from desktop.store.repo import Store
from desktop.ui.complaint_form import ComplaintForm
from posko.i18n import _


def record_values(record: ComplaintRecord) -> dict[str, object]:
    return {
        "type": record.type.value,
        "category": record.category,
        "title": record.title,
        "description": record.description,
        "location": record.location,
        # An instant with its offset: the form shows it in the post's zone, not the laptop's.
        "occurred_at": record.occurred_at.astimezone(UTC).isoformat()
        if record.occurred_at
        else None,
        "reporter_name": record.reporter_name,
        "phone": record.phone,
        "email": record.email,
        "anonymous": record.anonymous,
        "confidential": record.confidential,
    }


class EditDialog(QDialog):
    """``saved`` is the corrected record after ``exec()`` returns Accepted."""

    def __init__(
        self, store: Store, record: ComplaintRecord, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(
            _("Correct report {tracking_id}").format(tracking_id=record.tracking_display)
        )
        self.resize(820, 700)
        self.saved: ComplaintRecord | None = None
        self.form = ComplaintForm(store, editing=record.tracking_id)
        self.form.set_values(record_values(record))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save = buttons.button(QDialogButtonBox.StandardButton.Save)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert save is not None and cancel is not None
        save.setText(_("&Save changes"))
        save.setObjectName("save_changes")
        cancel.setText(_("Cancel"))
        save.clicked.connect(self.form.submit)
        cancel.clicked.connect(self.reject)
        # The form's own "save and print" button does not fit a correction; its Ctrl+S and
        # Ctrl+Enter shortcuts still save.
        self.form.save_button.hide()
        self.form.clear_button.hide()
        self.form.saved.connect(self._on_saved)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(buttons)

    def _on_saved(self, record: ComplaintRecord) -> None:
        self.saved = record
        self.accept()
