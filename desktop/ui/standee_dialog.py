"""The survey standee from the desk: which service, which paper, then where to save the PDF
(``posko survey standee`` does the same from a terminal). Not wired into a section yet:
call ``open_standee_dialog`` from a button."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from desktop.printing.render import STANDEE_PAPER, PrintError, render_standee_pdf
from desktop.store.context import DeskContext
from desktop.survey.entry import services_surveyed
from desktop.survey.standee import build_standee, no_standee_reason
from desktop.ui.widgets import hint_label, labelled_rows, ok_cancel
from posko.i18n import _
from posko.survey import services


def open_standee_dialog(parent: QWidget, context: DeskContext, service_code: str = "") -> None:
    """The dialog, or, on a desk without a central system, why there is no standee."""
    if not context.central_url:
        QMessageBox.information(parent, _("Survey standee"), no_standee_reason())
        return
    StandeeDialog(context, service_code, parent).exec()


class StandeeDialog(QDialog):
    def __init__(self, context: DeskContext, service_code: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.context = context
        self.saved: Path | None = None
        self.setWindowTitle(_("Survey standee"))
        intro = hint_label(
            _(
                "A sheet to print and put on the table: travellers scan its QR code and "
                "fill in the survey on their own phone."
            )
        )
        self.service = QComboBox()
        self.service.setObjectName("standee_service")
        for service in services_surveyed(context.survey_services):
            self.service.addItem(service.name(), service.code)
        self.service.setCurrentIndex(max(self.service.findData(service_code), 0))
        self.paper = QComboBox()
        self.paper.setObjectName("standee_paper")
        for paper in STANDEE_PAPER:
            self.paper.addItem(paper.upper(), paper)
        form = QFormLayout()
        labelled_rows(form, ((_("Ser&vice"), self.service), (_("&Paper"), self.paper)))
        column = QVBoxLayout(self)
        column.addWidget(intro)
        column.addLayout(form)
        column.addWidget(ok_cancel(self, _("&Save PDF…"), "standee_save"))

    def accept(self) -> None:
        code = str(self.service.currentData())
        name, _filter = QFileDialog.getSaveFileName(
            self,
            _("Save the survey standee as PDF"),
            f"survei-{self.context.post_code}-{code}.pdf",
            _("PDF files (*.pdf)"),
        )
        if name and self.save_to(Path(name)):
            super().accept()

    def save_to(self, target: Path) -> bool:
        """Write the chosen standee to ``target``; a failure is told, and nothing is left."""
        code = str(self.service.currentData())
        service = next(s for s in services() if s.code == code)
        content = build_standee(self.context, service)
        assert content is not None  # open_standee_dialog checks the central system
        try:
            render_standee_pdf(content, str(self.paper.currentData()), target)
        except PrintError as error:
            QMessageBox.warning(self, _("Saving failed"), str(error))
            return False
        self.saved = target
        return True
