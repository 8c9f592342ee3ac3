"""After saving: the receipt as the citizen will get it, and the ways to hand it over.

Saving already wrote the PDF into the profile, so a receipt exists even when the printer is
out of paper; this dialog prints it through the system's printers, previews it, or saves a
copy elsewhere."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import PaperSize
from desktop.printing.render import PrintError, paint_on, render_image, render_pdf
from desktop.receipt import ReceiptContent
from posko.i18n import _

log = logging.getLogger("posko.print")


def print_with_dialog(parent: QWidget, content: ReceiptContent, paper: PaperSize) -> bool:
    """The system print dialog, then the receipt on the chosen printer. True if printed."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(_("Print receipt"))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    try:
        paint_on(printer, content, paper)
    except PrintError as exc:
        QMessageBox.warning(
            parent,
            _("Printing failed"),
            _(
                "The receipt was not printed: {error}. It is saved; you can print it again from "
                "the list."
            ).format(error=exc),
        )
        return False
    log.info("receipt %s sent to printer %s", content.tracking_id, printer.printerName())
    return True


def preview(parent: QWidget, content: ReceiptContent, paper: PaperSize) -> None:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(_("Receipt preview"))
    dialog.paintRequested.connect(lambda p: paint_on(p, content, paper))
    dialog.exec()


def save_pdf_as(parent: QWidget, content: ReceiptContent, paper: PaperSize) -> Path | None:
    name, _filter = QFileDialog.getSaveFileName(
        parent,
        _("Save receipt as PDF"),
        _("receipt") + f"-{content.tracking_id}.pdf",
        _("PDF files (*.pdf)"),
    )
    if not name:
        return None
    try:
        return render_pdf(content, paper, Path(name))
    except PrintError as exc:
        QMessageBox.warning(parent, _("Saving failed"), str(exc))
        return None


class ReceiptDialog(QDialog):
    """Shows the receipt; Enter prints it."""

    def __init__(
        self, content: ReceiptContent, paper: PaperSize, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.content = content
        self.paper = paper
        self.setWindowTitle(_("Receipt {tracking_id}").format(tracking_id=content.tracking_id))
        heading = QLabel(
            _("Tracking number") + f"<br><span style='font-size:22pt;font-weight:bold'>"
            f"{content.tracking_id}</span>"
        )
        heading.setTextFormat(Qt.TextFormat.RichText)
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        image = render_image(content, paper, dpi=120)
        picture = QLabel()
        picture.setObjectName("receipt_image")
        picture.setPixmap(QPixmap.fromImage(image))
        picture.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        scroll = QScrollArea()
        scroll.setWidget(picture)
        scroll.setWidgetResizable(True)
        scroll.setMinimumSize(380, 420)
        self.print_button = QPushButton(_("&Print"))
        self.print_button.setObjectName("print")
        self.print_button.setDefault(True)
        self.preview_button = QPushButton(_("Pre&view"))
        self.pdf_button = QPushButton(_("&Save PDF…"))
        self.done_button = QPushButton(_("&Done"))
        self.done_button.setObjectName("done")
        self.print_button.clicked.connect(self._print)
        self.preview_button.clicked.connect(lambda: preview(self, content, paper))
        self.pdf_button.clicked.connect(lambda: save_pdf_as(self, content, paper))
        self.done_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for button in (self.print_button, self.preview_button, self.pdf_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.done_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

    def _print(self) -> None:
        if print_with_dialog(self, self.content, self.paper):
            self.accept()
