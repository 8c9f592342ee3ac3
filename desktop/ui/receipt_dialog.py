"""After saving: the receipt as the citizen will get it, and the ways to hand it over.

Saving already wrote the PDF into the profile, so a receipt exists even when the printer is
out of paper; this dialog prints it through the system's printers, previews it, or saves a
copy elsewhere. With a receipt printer chosen in the setup, printing goes straight to it (no
print dialog: one key less per traveller); the print dialog stays one key away (Print to…),
and a chosen printer that is not there says so and falls back to the dialog."""

from __future__ import annotations

import enum
import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QApplication,
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
from desktop.store.context import ReceiptPrinting
from desktop.ui.widgets import hint_label
from posko.i18n import _

log = logging.getLogger("posko.print")


class Printed(enum.Enum):
    PRINTED = "printed"
    NOT_PRINTED = "not printed"  # cancelled, or the printer refused: the user was told
    PRINTER_MISSING = "printer missing"  # the chosen printer is not there: the user was told


def available_printers() -> list[str]:
    """The system's print queues, as the setup offers them."""
    return list(QPrinterInfo.availablePrinterNames())


def default_printer() -> str:
    return QPrinterInfo.defaultPrinterName()


def _paint(parent: QWidget, printer: QPrinter, content: ReceiptContent, paper: PaperSize) -> bool:
    printer.setDocName(_("receipt") + f"-{content.tracking_id}")
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


def print_with_dialog(
    parent: QWidget, content: ReceiptContent, paper: PaperSize, printer_name: str = ""
) -> bool:
    """The system print dialog (on ``printer_name`` when it is there), then the receipt on
    the printer chosen in it. True if printed."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if printer_name and printer_name in available_printers():
        printer.setPrinterName(printer_name)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(_("Print receipt"))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    return _paint(parent, printer, content, paper)


def print_direct(
    parent: QWidget, content: ReceiptContent, paper: PaperSize, printer_name: str
) -> Printed:
    """The receipt straight on ``printer_name``, no dialog. A printer that is not there (or
    not ready to take a job) is explained to the user; the caller offers another way."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if printer_name in available_printers():
        printer.setPrinterName(printer_name)
    if printer.printerName() != printer_name or not printer.isValid():
        log.warning("receipt printer %r is not available", printer_name)
        QMessageBox.warning(
            parent,
            _("Receipt printer not found"),
            _(
                "The receipt printer “{printer}” is not available: is it switched on and "
                "connected? Choose a printer for this receipt. Settings → Post and printer "
                "changes the printer used every time."
            ).format(printer=printer_name),
        )
        return Printed.PRINTER_MISSING
    return Printed.PRINTED if _paint(parent, printer, content, paper) else Printed.NOT_PRINTED


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
    """Shows the receipt; Enter prints it (straight on the receipt printer when one is
    chosen; Print to… asks)."""

    def __init__(
        self,
        content: ReceiptContent,
        paper: PaperSize,
        parent: QWidget | None = None,
        printing: ReceiptPrinting | None = None,
    ) -> None:
        super().__init__(parent)
        self.content = content
        self.paper = paper
        self.printing = printing or ReceiptPrinting()
        self.setWindowTitle(_("Receipt {tracking_id}").format(tracking_id=content.tracking_id))
        big = QApplication.font().pointSizeF() * 2.4  # grows with the operator's text size
        heading = QLabel(
            _("Tracking number") + f"<br><span style='font-size:{big:.0f}pt;font-weight:bold'>"
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
        self.print_to_button = QPushButton(_("Print &to…"))
        self.print_to_button.setObjectName("print_to")
        self.print_to_button.setVisible(self.printing.direct)  # else Print asks anyway
        self.preview_button = QPushButton(_("Pre&view"))
        self.pdf_button = QPushButton(_("&Save PDF…"))
        self.done_button = QPushButton(_("&Done"))
        self.done_button.setObjectName("done")
        self.print_button.clicked.connect(self._print)
        self.print_to_button.clicked.connect(self._print_to)
        self.preview_button.clicked.connect(lambda: preview(self, content, paper))
        self.pdf_button.clicked.connect(lambda: save_pdf_as(self, content, paper))
        self.done_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for button in (
            self.print_button,
            self.print_to_button,
            self.preview_button,
            self.pdf_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.done_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(scroll, 1)
        layout.addWidget(
            hint_label(
                _("Print sends it to {printer}.").format(printer=self.printing.printer)
                if self.printing.direct
                else _("Print asks which printer to use.")
            )
        )
        layout.addLayout(buttons)

    def _print(self) -> None:
        if not self.printing.direct:
            self._print_to()
            return
        printed = print_direct(self, self.content, self.paper, self.printing.printer)
        if printed is Printed.PRINTER_MISSING:
            self._print_to()
        elif printed is Printed.PRINTED:
            self.accept()

    def _print_to(self) -> None:
        if print_with_dialog(self, self.content, self.paper, self.printing.printer):
            self.accept()
