"""Ekspor data from the desk, on a real profile (SQLite in a temp dir): the export runs in
the background and the bar follows it; Batal or Escape stops it half-way and leaves no file;
contacts go in only once the warning is accepted; a folder that cannot be written to is
told in Indonesian, and the dialog keeps the choices for another try."""

from __future__ import annotations

import threading
import zipfile
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from desktop.exports import BATCH
from desktop.paths import Profile
from desktop.store.repo import Store
from desktop.ui.export_dialog import ExportDialog
from tests.desk_support import Keyboard, shown_window
from tests.e2e.test_export_cli import _complaint
from tests.gui.test_mnemonics import assert_unique
from tests.helpers import pdf_text, workbook
from tests.unit.test_exports import many_taps

WIB = timezone(timedelta(hours=7))
PHONE_DIGITS = "81234567890"  # of 0812-3456-7890, however the file writes it


@pytest.fixture
def reported(store: Store) -> Store:
    _complaint(store, datetime(2026, 12, 1, 10, tzinfo=WIB), reporter_name="Dewi Lestari",
               phone="0812-3456-7890", email="dewi@contoh.id")  # fmt: skip
    return store


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def _dialog(qtbot: QtBot, store: Store, kind: str = "csv") -> ExportDialog:
    dialog = ExportDialog(store, store.require_context())
    qtbot.addWidget(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData(kind))
    with qtbot.waitExposed(dialog):
        dialog.show()
    return dialog


def _run(qtbot: QtBot, dialog: ExportDialog, target: Path) -> str:
    """Start the export and wait for its end: ``saved``, ``cancelled`` or ``failed``."""
    with qtbot.waitSignal(dialog.finished_export, timeout=30_000) as ended:
        dialog.start(target)
    return str(ended.args[0])


def _read(path: Path) -> str:
    """Every member of the zip (the CSVs, a workbook's XML) as text."""
    with zipfile.ZipFile(path) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())


@pytest.mark.parametrize("kind", ["csv", "xlsx", "pdf"])
def test_the_export_is_written_in_the_background_and_the_bar_follows_it(
    qtbot: QtBot, reported: Store, out: Path, kind: str
) -> None:
    rows = 3 * BATCH + 1  # and the report
    many_taps(reported, 3 * BATCH)
    dialog = _dialog(qtbot, reported, kind)
    shown: list[tuple[int, int]] = []
    dialog.progressed.connect(lambda *_: shown.append((dialog.bar.value(), dialog.bar.maximum())))
    target = out / f"posko.{kind}"
    assert _run(qtbot, dialog, target) == "saved"
    assert dialog.saved == target and str(target) in dialog.status.text()
    assert sorted(out.iterdir()) == [target]
    if kind == "pdf":  # the summary alone: no rows, the bar busy until it is done
        assert shown == [(0, 0)] and "MRK" in pdf_text(target)
    else:
        steps = [0, 1, 1 + BATCH, 1 + 2 * BATCH, rows]  # the report, then the taps' batches
        assert shown == [(step, rows) for step in steps]
    if kind == "csv":
        with zipfile.ZipFile(target) as archive:
            taps = archive.read("tally_events.csv").decode("utf-8-sig").splitlines()
        assert len(taps) == 3 * BATCH + 1  # and the header
    if kind == "xlsx":
        with workbook(target) as book:
            assert sum(1 for _row in book["tally_events"].iter_rows()) == 3 * BATCH + 1
    assert dialog.bar.value() == dialog.bar.maximum()
    assert dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()


def _stopped_at_first_rows(dialog: ExportDialog, stop: Callable[[], None]) -> None:
    """``stop`` (on the GUI thread) as the first rows are reported; the worker waits for
    it there, so the stop always comes half-way, however fast the laptop."""
    pressed = threading.Event()

    def press(written: int, _expected: int) -> None:
        if written and not pressed.is_set():
            stop()
            pressed.set()

    def hold(written: int, _expected: int) -> None:  # on the worker thread
        if written:
            pressed.wait(10)

    dialog.progressed.connect(press)  # queued: the worker emits
    dialog.progressed.connect(hold, Qt.ConnectionType.DirectConnection)


@pytest.mark.parametrize(("kind", "key"), [("csv", False), ("xlsx", True)])
def test_batal_or_escape_stops_it_half_way_and_leaves_no_file(
    qtbot: QtBot, store: Store, out: Path, kind: str, key: bool
) -> None:
    many_taps(store, 30_000)
    dialog = _dialog(qtbot, store, kind)
    if key:
        _stopped_at_first_rows(dialog, lambda: QTest.keyClick(dialog, Qt.Key.Key_Escape))
    else:
        _stopped_at_first_rows(dialog, dialog.cancel_button.click)
    assert _run(qtbot, dialog, out / f"posko.{kind}") == "cancelled"
    assert list(out.iterdir()) == []  # neither the file nor a temporary one
    assert dialog.isVisible() and dialog.saved is None  # stopped, not closed
    assert dialog.bar.isHidden() and dialog.format_code() == kind
    assert dialog.cancel_button.isEnabled() and dialog.kind.isEnabled()
    QTest.keyClick(dialog, Qt.Key.Key_Escape)  # once stopped, Escape closes it
    assert not dialog.isVisible()


def _click_in_next_message(button: str) -> list[str]:
    """Press ``button`` (an object name) in the message box that opens next."""
    seen: list[str] = []

    def look() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.isVisible():
            seen.append(box.objectName())
            found = box.findChild(QPushButton, button)
            assert found is not None
            found.click()
            return
        QTimer.singleShot(20, look)

    QTimer.singleShot(0, look)
    return seen


def test_contacts_go_in_only_once_the_warning_is_accepted(
    qtbot: QtBot, reported: Store, out: Path
) -> None:
    dialog = _dialog(qtbot, reported)
    keys = Keyboard()
    answered = keys.in_next_windows((QMessageBox, Qt.Key.Key_Escape))  # leave them out
    dialog.contacts.click()
    assert len(answered) == 1 and not dialog.contacts.isChecked()
    assert _run(qtbot, dialog, out / "public.zip") == "saved"
    public = _read(out / "public.zip")
    assert "Antrean kapal" in public  # the report is there, its reporter is not
    for private in (PHONE_DIGITS, "Dewi Lestari", "dewi@contoh.id"):
        assert private not in public
    seen = _click_in_next_message("contacts_include")
    dialog.contacts.click()
    assert seen == ["confirm_contacts"] and dialog.contacts.isChecked()
    assert _run(qtbot, dialog, out / "staff.zip") == "saved"
    staff = _read(out / "staff.zip")
    for private in (PHONE_DIGITS, "Dewi Lestari", "dewi@contoh.id"):
        assert private in staff
    dialog.contacts.click()  # unticking asks nothing
    assert not dialog.contacts.isChecked()


def test_a_folder_that_cannot_be_written_to_is_told_in_indonesian(
    qtbot: QtBot, reported: Store, tmp_path: Path, out: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    dialog = _dialog(qtbot, reported, "xlsx")
    dialog.use_dates.setChecked(True)
    dialog.date_from.setDate(dialog.date_from.date().fromString("01-12-2026", "dd-MM-yyyy"))
    assert _run(qtbot, dialog, blocker / "posko.xlsx") == "failed"
    assert dialog.error.isVisibleTo(dialog) and "Tidak dapat menulis" in dialog.error.text()
    assert sorted(tmp_path.iterdir()) == [blocker, out, tmp_path / "profile"]
    # Nothing is lost: the same choices, another folder.
    assert dialog.format_code() == "xlsx" and dialog.days()[0] == date(2026, 12, 1)
    assert _run(qtbot, dialog, out / "posko.xlsx") == "saved"
    assert dialog.error.isHidden()
    with workbook(out / "posko.xlsx") as book:
        assert sum(1 for _row in book["complaints"].iter_rows()) == 2  # header and report


def test_the_days_of_a_section_and_the_suggested_name(qtbot: QtBot, store: Store) -> None:
    context = store.require_context()
    dialog = ExportDialog(store, context, first=date(2026, 11, 30), last=date(2026, 12, 2))
    qtbot.addWidget(dialog)
    assert dialog.use_dates.isChecked() and dialog.date_to.isEnabled()
    assert dialog.days() == (date(2026, 11, 30), date(2026, 12, 2))
    dialog.use_dates.setChecked(False)
    assert dialog.days() == (None, None) and not dialog.date_from.isEnabled()
    today = datetime.now(WIB).date().isoformat()
    assert dialog.suggested_name() == f"posko-MRK-{today}.zip"
    dialog.kind.setCurrentIndex(dialog.kind.findData("xlsx"))
    assert dialog.suggested_name() == f"posko-MRK-{today}.xlsx"
    plain = ExportDialog(store, context)
    qtbot.addWidget(plain)
    assert not plain.use_dates.isChecked()  # every date, unless a section narrows them


def test_the_last_day_before_the_first_is_refused(qtbot: QtBot, store: Store, out: Path) -> None:
    dialog = _dialog(qtbot, store)
    dialog.use_dates.setChecked(True)
    dialog.date_to.setDate(dialog.date_from.date().addDays(-1))
    dialog.start(out / "posko.zip")
    assert dialog.error.isVisibleTo(dialog) and dialog.bar.isHidden()
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_alt_key_once(qtbot: QtBot, store: Store, language: str) -> None:
    from posko.i18n import set_language

    set_language(language)
    dialog = _dialog(qtbot, store)
    assert_unique(dialog, f"export dialog ({language})")


def test_the_file_menu_opens_it_from_a_text_field(
    qtbot: QtBot, store: Store, profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.ui import export_dialog

    window = shown_window(qtbot, store, profile)
    action = next(a for a in window.findChildren(type(window.reprint_last))
                  if a.objectName() == "export_data")  # fmt: skip
    assert action.shortcut() == QKeySequence("Ctrl+Shift+E")
    opened: list[tuple[str, object, object]] = []
    monkeypatch.setattr(
        export_dialog,
        "open_export_dialog",
        lambda _parent, _store, context, first=None, last=None: opened.append(
            (context.post_code, first, last)
        ),
    )
    focused = QApplication.focusWidget()
    assert focused is not None  # the form's first field
    QTest.keyClick(focused, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    assert opened == [("MRK", None, None)]
