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
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from PySide6.QtWidgets import QApplication

from desktop.domain import ComplaintInput, ComplaintType, PaperSize
from desktop.printing.render import paint_on
from desktop.receipt import build_receipt
from desktop.store.repo import Store
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
        for place in places:
            for pdf in place.rglob(f"{job_name}*.pdf") if place.exists() else []:
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
