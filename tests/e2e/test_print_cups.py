"""The system print path, not just PDF export: a receipt goes through Qt's CUPS backend to
a real print queue (cups-pdf, a virtual printer that writes each job to a PDF), and the QR
is read back from what the queue produced. The physical thermal printer is the only part
out of reach."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.domain import ComplaintInput, ComplaintType, PaperSize
from desktop.paths import Profile
from desktop.printing.render import paint_on
from desktop.receipt import build_receipt
from desktop.store import start_card
from desktop.store.context import ReceiptPrinting
from desktop.store.records import ComplaintQuery
from desktop.store.repo import Store
from desktop.ui.main_window import MainWindow
from desktop.ui.receipt_dialog import ReceiptDialog
from desktop.ui.setup_dialog import SetupDialog
from tests.desk_support import CTRL, Keyboard
from tests.helpers import pdf_page_size_mm, pdf_qr_codes

QUEUE = "PoskoTestPDF"


def _scheduler_running() -> bool:
    result = subprocess.run(["lpstat", "-r"], capture_output=True, text=True)
    return "is running" in result.stdout and "not" not in result.stdout


@pytest.fixture(scope="module")
def cups_queue() -> Iterator[str]:
    tools = [shutil.which(t) for t in ("cupsd", "lpadmin", "lpstat")]
    ppd = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
    if not all(tools) or not Path("/usr/lib/cups/backend/cups-pdf").exists():
        if os.environ.get("CI"):
            pytest.fail("CI must have cups and printer-driver-cups-pdf (see .ci/run)")
        pytest.skip("cups and printer-driver-cups-pdf are not installed")
    started: subprocess.Popen[bytes] | None = None
    if not _scheduler_running():
        started = subprocess.Popen(["cupsd", "-f"])  # foreground: we own the PID
        deadline = time.monotonic() + 20
        while not _scheduler_running():
            assert time.monotonic() < deadline, "cupsd did not start"
            time.sleep(0.2)
    model = ["-P", str(ppd)] if ppd.exists() else ["-m", "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"]
    subprocess.run(
        ["lpadmin", "-p", QUEUE, "-E", "-v", "cups-pdf:/", *model],
        check=True,
        capture_output=True,
    )
    try:
        yield QUEUE
    finally:
        subprocess.run(["lpadmin", "-x", QUEUE], capture_output=True)
        if started is not None:
            started.terminate()
            started.wait(timeout=20)


def wait_for_output(job_name: str, timeout: float = 60) -> Path:
    """cups-pdf writes ``~/PDF/<title>…pdf`` for the submitting user."""
    places = [Path.home() / "PDF", Path("/var/spool/cups-pdf")]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QApplication.processEvents()
        for place in places:
            for pdf in place.rglob(f"*{job_name}*.pdf") if place.exists() else []:
                if pdf.stat().st_size > 0:
                    time.sleep(0.3)  # let cups-pdf finish writing
                    return pdf
        time.sleep(0.2)
    raise AssertionError(f"the print queue produced no file for {job_name}")


@pytest.mark.slow
def test_receipt_through_the_system_print_queue(
    qapp: QApplication, store: Store, cups_queue: str
) -> None:
    assert cups_queue in QPrinterInfo.availablePrinterNames()
    record = store.save_complaint(
        ComplaintInput(
            type=ComplaintType.PENGADUAN,
            category="SPBU",
            title="SPBU kehabisan Pertalite",
            description="SPBU di KM 102 kehabisan Pertalite sejak pagi.",
        )
    )
    content = build_receipt(record, store.require_context(), store.catalog)
    job = f"posko-{uuid.uuid4().hex[:8]}"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPrinterName(cups_queue)
    printer.setDocName(job)
    assert printer.isValid() and printer.outputFormat() == QPrinter.OutputFormat.NativeFormat
    paint_on(printer, content, PaperSize.THERMAL_58)

    printed = wait_for_output(job)
    try:
        assert pdf_qr_codes(printed) == [record.qr_payload]
        width, _height = pdf_page_size_mm(printed)
        assert width == pytest.approx(58, abs=1)
    finally:
        printed.unlink()


def _desk(qtbot: QtBot, store: Store, profile: Profile, printing: ReceiptPrinting) -> MainWindow:
    context = store.require_context()
    store.setup(
        post_code=context.post_code,
        post_name=context.post_name,
        operator=context.operator_name,
        central_url=context.central_url,
        printing=printing,
    )
    window = MainWindow(store, profile)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    return window


def _one_traveller(keys: Keyboard, title: str) -> None:
    """A whole report by keyboard from the first field: type (as it is), category, title,
    description, then Ctrl+Enter saves."""
    keys.press(Qt.Key.Key_Tab)  # the type stays Pengaduan; on to the category
    keys.type_text("spbu")
    keys.press(Qt.Key.Key_Tab)
    keys.type_text(title)
    keys.press(Qt.Key.Key_Tab)
    keys.type_text("Antre 2 jam di KM 102.")
    keys.press(Qt.Key.Key_Return, CTRL)


def _keys_to_a_printed_receipt(
    qtbot: QtBot,
    store: Store,
    profile: Profile,
    printing: ReceiptPrinting,
    windows: list[tuple[type[QWidget], Qt.Key]],
) -> int:
    """One traveller's report, from its first key to its receipt out of the print queue,
    answering ``windows`` on the way (one key each); the keys it took."""
    window = _desk(qtbot, store, profile, printing)
    first = window.form.type_buttons[ComplaintType.PENGADUAN]
    assert QApplication.focusWidget() is first
    keys = Keyboard()
    title = f"Pertalite habis {uuid.uuid4().hex[:6]}"
    answered = keys.in_next_windows(*windows)

    _one_traveller(keys, title)

    assert [type(w) for w in answered] == [kind for kind, _key in windows]
    (record,) = store.search(ComplaintQuery(text=title))
    printed = wait_for_output(record.tracking_display)
    try:
        assert pdf_qr_codes(printed) == [record.qr_payload]
    finally:
        printed.unlink()
    # the next traveller starts where this one did
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first)
    if printing.when_saved:
        assert printing.printer in window.statusBar().currentMessage()
    window.close()
    return keys.count


@pytest.mark.slow
def test_keys_from_the_first_to_the_printed_receipt(
    qtbot: QtBot,
    store: Store,
    profile: Profile,
    cups_queue: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The whole path, counted: from the first key of a report to its receipt coming out of
    the print queue. A chosen receipt printer takes the print dialog out of the path (one
    key); printing on saving takes the receipt window out too (one more)."""
    monkeypatch.setenv("PRINTER", cups_queue)  # the print dialog's default printer (CUPS)
    enter = Qt.Key.Key_Return
    with_dialog = _keys_to_a_printed_receipt(
        qtbot, store, profile, ReceiptPrinting(), [(ReceiptDialog, enter), (QPrintDialog, enter)]
    )
    straight = _keys_to_a_printed_receipt(
        qtbot, store, profile, ReceiptPrinting(printer=cups_queue), [(ReceiptDialog, enter)]
    )
    on_saving = _keys_to_a_printed_receipt(
        qtbot, store, profile, ReceiptPrinting(printer=cups_queue, on_save=True), []
    )
    typed = len("spbu") + len("Pertalite habis 123456") + len("Antre 2 jam di KM 102.")
    report = typed + 3 + 1  # three Tabs, Ctrl+Enter
    assert (with_dialog, straight, on_saving) == (report + 2, report + 1, report)


@pytest.mark.slow
def test_a_printer_that_is_gone_says_so_and_the_print_dialog_takes_over(
    qtbot: QtBot, store: Store, profile: Profile, cups_queue: str
) -> None:
    window = _desk(qtbot, store, profile, ReceiptPrinting(printer="PrinterYangDicabut"))
    record = store.save_complaint(
        ComplaintInput(
            type=ComplaintType.PENGADUAN,
            category="SPBU",
            title="SPBU kehabisan Pertalite",
            description="SPBU di KM 102 kehabisan Pertalite sejak pagi.",
        )
    )
    keys = Keyboard()
    seen: list[str] = []
    steps = keys.in_next_windows(
        (ReceiptDialog, Qt.Key.Key_Return),  # Print: the printer is not there
        (QMessageBox, Qt.Key.Key_Return),  # it says so
        (QPrintDialog, Qt.Key.Key_Escape),  # the dialog asks instead; this time, not now
        (ReceiptDialog, Qt.Key.Key_Escape),  # the receipt window is still there
    )
    QTimer.singleShot(0, lambda: _read_messages(seen))
    window.show_receipt(record)
    assert [type(w) for w in steps] == [ReceiptDialog, QMessageBox, QPrintDialog, ReceiptDialog]
    assert any("PrinterYangDicabut" in text and "tidak tersedia" in text for text in seen), seen


@pytest.mark.slow
def test_printing_on_saving_to_a_printer_that_is_gone_shows_the_receipt_window(
    qtbot: QtBot, store: Store, profile: Profile, cups_queue: str
) -> None:
    _desk(qtbot, store, profile, ReceiptPrinting(printer="PrinterYangDicabut", on_save=True))
    keys = Keyboard()
    steps = keys.in_next_windows(
        (QMessageBox, Qt.Key.Key_Return),
        (ReceiptDialog, Qt.Key.Key_Escape),  # here the receipt can still be printed
    )
    _one_traveller(keys, "Pertalite habis")
    assert [type(w) for w in steps] == [QMessageBox, ReceiptDialog]
    assert store.search(ComplaintQuery(text="Pertalite habis"))  # saved all the same


def _read_messages(seen: list[str]) -> None:
    box = QApplication.activeModalWidget()
    if isinstance(box, QMessageBox) and box.text() not in seen:
        seen.append(box.text())
    if len(seen) < 1:
        QTimer.singleShot(10, lambda: _read_messages(seen))


@pytest.mark.slow
def test_the_setup_offers_the_system_printers(
    qtbot: QtBot, store: Store, profile: Profile, cups_queue: str
) -> None:
    dialog = SetupDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.printer.currentData() == ""  # asks each time until a printer is chosen
    assert not dialog.print_on_save.isEnabled()
    dialog.printer.setCurrentIndex(dialog.printer.findData(cups_queue))
    assert dialog.print_on_save.isEnabled()
    dialog.print_on_save.setChecked(True)
    dialog.accept()
    assert store.require_context().printing == ReceiptPrinting(cups_queue, on_save=True)
    # The next start has it
    assert start_card.read(profile) == start_card.without_operator(store.require_context())

    # A chosen printer that is gone (unplugged) is kept and shown as such, not dropped.
    store.setup(
        post_code="MRK",
        post_name="Posko Pelabuhan Merak",
        operator="Siti Rahmawati",
        printing=ReceiptPrinting("PrinterYangDicabut", on_save=True),
    )
    again = SetupDialog(store)
    qtbot.addWidget(again)
    assert again.printer.currentData() == "PrinterYangDicabut"
    assert "tidak ditemukan" in again.printer.currentText()
    assert again.print_on_save.isChecked()
