"""No two controls a person can see at once answer the same Alt key, in either language
(before: Alt+S was both "Save and print receipt" and the Settings menu in English, Alt+H
"When" and Help; in Indonesian Alt+U "Cetak ulang" and "Ubah…"). Every window, every
section and tab of the main one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QMenuBar, QTabWidget, QWidget
from pytestqt.qtbot import QtBot

from desktop.domain import ComplaintInput, ComplaintType, PaperSize
from desktop.paths import Profile
from desktop.receipt import build_receipt
from desktop.store.context import ReceiptPrinting
from desktop.store.repo import Store
from desktop.ui.audit_dialog import AuditDialog
from desktop.ui.desk_files import ProblemDialog
from desktop.ui.edit_dialog import EditDialog
from desktop.ui.kiosk_dialog import KioskDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.operator_dialog import OperatorDialog
from desktop.ui.operators_dialog import OperatorsDialog
from desktop.ui.receipt_dialog import ReceiptDialog
from desktop.ui.setup_dialog import SetupDialog
from desktop.ui.sign_in import FirstCoordinatorDialog
from desktop.ui.sync_service import SyncService
from posko.i18n import set_language

_MNEMONIC = re.compile(r"&([^&])")


def mnemonics(window: QWidget) -> dict[str, list[str]]:
    """Alt key → the texts that claim it, among the widgets visible in ``window``."""
    found: dict[str, list[str]] = {}
    for widget in [window, *window.findChildren(QWidget)]:
        if widget is not window and not widget.isVisibleTo(window):
            continue
        texts: list[str] = []
        if isinstance(widget, QAbstractButton) or (
            isinstance(widget, QLabel) and widget.buddy() is not None
        ):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox) and widget.isCheckable():
            texts.append(widget.title())
        elif isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count())]
        elif isinstance(widget, QMenuBar):
            texts += [action.text() for action in widget.actions()]
        for text in texts:
            key = _MNEMONIC.search(text.replace("&&", ""))
            if key:
                found.setdefault(key.group(1).lower(), []).append(text)
    return found


def assert_unique(window: QWidget, where: str) -> None:
    clashes = {key: texts for key, texts in mnemonics(window).items() if len(texts) > 1}
    assert not clashes, f"{where}: {clashes}"


@pytest.fixture(params=["id", "en"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    set_language(request.param)
    yield request.param
    set_language("id")


def test_the_main_window_in_every_section_and_tab(
    qtbot: QtBot, store: Store, profile: Profile, language: str
) -> None:
    window = MainWindow(store, profile, show_receipt_dialog=False)
    qtbot.addWidget(window)
    service = SyncService(profile, watch_network=False)
    try:
        window.attach_sync(service)
        window.show()
        for row in range(window.nav.count()):
            window.nav.setCurrentRow(row)
            for tab in range(window.complaints.count()) if row == 0 else [-1]:
                if tab >= 0:
                    window.complaints.setCurrentIndex(tab)
                assert_unique(window, f"{language}: section {row}, tab {tab}")
        assert "s" in mnemonics(window) or language == "id"  # the test sees mnemonics
    finally:
        service.shutdown()


def test_the_dialogs(qtbot: QtBot, store: Store, profile: Profile, language: str) -> None:
    record = store.save_complaint(
        ComplaintInput(
            type=ComplaintType.PENGADUAN,
            category="TOL",
            title="Antrean gerbang tol",
            description="Antrean panjang, tidak ada petugas.",
        )
    )
    from desktop.store.health import DatabaseDamaged

    dialogs: list[QWidget] = [
        SetupDialog(store),
        EditDialog(store, record),
        ReceiptDialog(
            build_receipt(record, store.require_context(), store.catalog), PaperSize.THERMAL_58
        ),
        ReceiptDialog(  # with a receipt printer chosen: Print to… is there too
            build_receipt(record, store.require_context(), store.catalog),
            PaperSize.THERMAL_58,
            printing=ReceiptPrinting(printer="Thermal58"),
        ),
        ProblemDialog(
            DatabaseDamaged(profile.database, DatabaseDamaged.CHECK_FAILED, "x"),
            backups=[],
            running=True,
        ),
        KioskDialog(store, (), "", None),
        FirstCoordinatorDialog(store),
    ]
    with TemporaryDirectory() as empty:  # the first run's setup, with its PIN fields
        fresh = Store.open(Profile(Path(empty) / "fresh"))
        dialogs.append(SetupDialog(fresh))
        fresh.close()
    store.first_coordinator("Siti Rahmawati", "482915", "482915")
    dialogs += [OperatorsDialog(store), OperatorDialog(store), AuditDialog(store)]
    window = MainWindow(store, profile, show_receipt_dialog=False)
    window.lock()
    dialogs.append(window)
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        assert mnemonics(dialog), type(dialog).__name__  # it has some to check
        assert_unique(dialog, f"{language}: {type(dialog).__name__}")
