"""Ekspor data: what the desk holds, written to a file for the post's coordinator, as
``posko export`` writes it (``desktop.exports``): which format, which days, whether with
the reporters' contacts (asked again: the file will hold personal data), then where.

The export runs on a worker of its own (``desktop.ui.tasks.shared("export")``; the store
opens its own session there), the bar shows the rows written, and Batal (or Escape) stops
it between two batches, leaving no file. The dialog stays open until the worker is done,
so nothing it owns is freed under it. ``open_export_dialog`` is what a menu or a section
calls."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from desktop.store.context import DeskContext
from desktop.store.repo import Store
from desktop.ui.tasks import shared
from desktop.ui.widgets import FieldMessage, hint_label, labelled_rows, ok_cancel
from posko.i18n import N_, _
from posko.zones import zone

if TYPE_CHECKING:
    from desktop.exports import Progress, Selection

# Format code (``desktop.exports``), its name in the list, the file's suffix and filter.
FORMATS: tuple[tuple[str, str, str, str], ...] = (
    ("csv", N_("CSV files, zipped (one per table)"), ".zip", N_("ZIP archives (*.zip)")),
    ("xlsx", N_("Excel workbook (XLSX)"), ".xlsx", N_("Excel workbooks (*.xlsx)")),
    ("pdf", N_("PDF summary"), ".pdf", N_("PDF files (*.pdf)")),
)


def open_export_dialog(
    parent: QWidget | None,
    store: Store,
    context: DeskContext,
    first: date | None = None,
    last: date | None = None,
) -> ExportDialog:
    """The dialog, its days set to ``first``…``last`` when given (a section's filter), run
    until closed."""
    dialog = ExportDialog(store, context, parent, first=first, last=last)
    dialog.exec()
    return dialog


def confirm_contacts(parent: QWidget) -> bool:
    """Ask before personal data goes into a file; Enter and Escape leave it out."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        _("Include personal data?"),
        _(
            "The file will hold reporters' names, phone numbers and e-mail addresses, and "
            "the text of rahasia reports."
        ),
        parent=parent,
    )
    box.setObjectName("confirm_contacts")
    box.setInformativeText(
        _(
            "Anyone who gets the file can read them. Hand it only to staff who need it, "
            "and delete it once it is no longer needed."
        )
    )
    include = box.addButton(_("&Include personal data"), QMessageBox.ButtonRole.AcceptRole)
    include.setObjectName("contacts_include")
    leave_out = box.addButton(_("&Leave them out"), QMessageBox.ButtonRole.RejectRole)
    leave_out.setObjectName("contacts_leave_out")
    box.setDefaultButton(leave_out)
    box.setEscapeButton(leave_out)
    box.exec()
    return box.clickedButton() is include


class ExportDialog(QDialog):
    """Signals: ``progressed(written, expected)`` (rows; emitted from the worker, shown on
    the GUI thread); ``finished_export(str)`` once the worker is done: ``"saved"``,
    ``"cancelled"`` or ``"failed"``. ``saved`` is the file written last."""

    progressed = Signal(int, int)
    finished_export = Signal(str)

    def __init__(
        self,
        store: Store,
        context: DeskContext,
        parent: QWidget | None = None,
        *,
        first: date | None = None,
        last: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("export_dialog")
        self.store = store
        self.context = context
        self.saved: Path | None = None
        self._progress: Progress | None = None  # while an export runs
        self.setWindowTitle(_("Export data"))
        self._build(first, last)
        self.progressed.connect(self._show_progress)

    # -- building ------------------------------------------------------------------------
    def _build(self, first: date | None, last: date | None) -> None:
        intro = hint_label(
            _(
                "What this desk holds for post {code}: reports, survey answers, tallies "
                "and stock movements, for the post's coordinator."
            ).format(code=self.context.post_code)
        )
        self.kind = QComboBox()
        self.kind.setObjectName("export_format")
        for code, name, _suffix, _filter in FORMATS:
            self.kind.addItem(_(name), code)
        form = QFormLayout()
        labelled_rows(form, ((_("&Format"), self.kind),))
        form.addRow(_("Period"), self._period_row(first, last))
        self.contacts = QCheckBox(
            _("Include &contacts (names, phones, e-mails, text of rahasia reports)")
        )
        self.contacts.setObjectName("with_contacts")
        self.contacts.toggled.connect(self._contacts_toggled)
        self.bar = QProgressBar()
        self.bar.setObjectName("export_progress")
        self.bar.hide()
        self.status = QLabel()
        self.status.setObjectName("export_status")
        self.status.setWordWrap(True)
        self.error = FieldMessage()
        self.error.setObjectName("export_error")
        self.buttons = ok_cancel(self, _("&Export…"), "export_start")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("export_cancel")
        column = QVBoxLayout(self)
        column.addWidget(intro)
        column.addLayout(form)
        column.addWidget(self.contacts)
        for widget in (self.bar, self.status, self.error, self.buttons):
            column.addWidget(widget)
        self.fields: tuple[QWidget, ...] = (self.kind, self.use_dates, self.contacts)

    def _period_row(self, first: date | None, last: date | None) -> QWidget:
        """All dates, or (ticked) only the days from … to …."""
        self.use_dates = QCheckBox(_("Only the &days from"))
        self.use_dates.setObjectName("export_use_dates")
        last_shown = last or datetime.now(zone(self.context.time_zone)).date()  # post's today
        self.date_from = QDateEdit(_qdate(first or last_shown - timedelta(days=6)))
        self.date_from.setObjectName("export_from")
        self.date_to = QDateEdit(_qdate(last_shown))
        self.date_to.setObjectName("export_to")
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.use_dates)
        for edit, after in ((self.date_from, QLabel(_("to"))), (self.date_to, None)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd-MM-yyyy")
            edit.setEnabled(False)
            self.use_dates.toggled.connect(edit.setEnabled)
            line.addWidget(edit)
            if after is not None:
                line.addWidget(after)
        line.addStretch(1)
        self.use_dates.setChecked(first is not None or last is not None)
        return row

    # -- choices -------------------------------------------------------------------------
    def _contacts_toggled(self, on: bool) -> None:
        from desktop.ui.sign_in import allowed

        if on and not (
            allowed(self, self.store, N_("export reporters' contacts")) and confirm_contacts(self)
        ):
            self.contacts.setChecked(False)

    def format_code(self) -> str:
        return str(self.kind.currentData())

    def days(self) -> tuple[date | None, date | None]:
        if not self.use_dates.isChecked():
            return None, None
        return _day(self.date_from.date()), _day(self.date_to.date())

    def suggested_name(self) -> str:
        """``posko-MRK-2026-12-04.zip``: the post, today on its clock, the format's suffix."""
        today = datetime.now(zone(self.context.time_zone)).date()
        return f"posko-{self.context.post_code}-{today.isoformat()}{self._format()[2]}"

    def _format(self) -> tuple[str, str, str, str]:
        return next(f for f in FORMATS if f[0] == self.format_code())

    # -- running -------------------------------------------------------------------------
    def accept(self) -> None:
        """Enter, or the Export button: where to, then the export (the dialog stays)."""
        if self._progress is not None or self._days_refused():
            return
        suffix, filter_ = self._format()[2:]
        name, _chosen = QFileDialog.getSaveFileName(
            self, _("Export data"), self.suggested_name(), _(filter_)
        )
        if name:
            target = Path(name)
            self.start(target if target.suffix.lower() == suffix else Path(name + suffix))

    def _days_refused(self) -> bool:
        first, last = self.days()
        wrong = first is not None and last is not None and last < first
        self.error.show_message(_("The last day is before the first.") if wrong else None)
        return wrong

    def start(self, target: Path) -> None:
        """Export to ``target`` in the background; ``finished_export`` says how it ended."""
        from desktop.exports import Progress, Selection

        if self._progress is not None or self._days_refused():
            return
        first, last = self.days()
        selection = Selection(self.context, first, last, self.contacts.isChecked())
        kind, store = self.format_code(), self.store  # read here: the worker touches no widget
        progress = self._progress = Progress(self._relay)
        self._set_running(True)
        self.status.setText(_("Exporting…"))
        self.error.show_message(None)
        shared("export").run(
            self,
            lambda: _export(store, selection, kind, target, progress),
            lambda done: self._finished(target if done else None),
            self._failed,
        )

    def _relay(self, written: int, expected: int) -> None:
        """On the worker thread: the figures to the GUI thread (a queued signal)."""
        if shiboken6.isValid(self):
            self.progressed.emit(written, expected)

    def _show_progress(self, written: int, expected: int) -> None:
        self.bar.setRange(0, expected)  # 0 to 0: a PDF's summary, no rows to count
        self.bar.setValue(written)

    def reject(self) -> None:
        """Escape, Batal, the window's close: stop a running export (the dialog stays
        until it has stopped), or close."""
        if self._progress is None:
            super().reject()
            return
        self._progress.stop.set()
        self.cancel_button.setEnabled(False)
        self.status.setText(_("Stopping the export…"))

    def _set_running(self, running: bool) -> None:
        for widget in self.fields:
            widget.setEnabled(not running)
        self.date_from.setEnabled(not running and self.use_dates.isChecked())
        self.date_to.setEnabled(not running and self.use_dates.isChecked())
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not running)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText(_("Cancel"))
        self.cancel_button.setDefault(False)
        self.bar.setVisible(running)
        if running:
            self.bar.setRange(0, 0)
            self.bar.setValue(0)

    def _finished(self, target: Path | None) -> None:
        self._progress = None
        self._set_running(False)
        if target is None:
            self.status.setText(_("The export was stopped; no file was written."))
            self.finished_export.emit("cancelled")
            return
        self.saved = target
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.bar.show()
        self.status.setText(_("Export written to {file}").format(file=target))
        self.cancel_button.setText(_("Close"))
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus()
        self.finished_export.emit("saved")

    def _failed(self, error: BaseException) -> None:
        from posko.survey_files import ReportFileError

        self._progress = None
        self._set_running(False)
        self.status.clear()
        if isinstance(error, ReportFileError):
            shown = str(error)  # in the user's language, naming the file and why
        else:
            shown = _(
                "The export could not be written; no file was saved. The desk's records are "
                "unchanged."
            )
        self.error.show_message(shown)
        self.finished_export.emit("failed")


def _export(
    store: Store, selection: Selection, kind: str, target: Path, progress: Progress
) -> bool:
    """On the worker: True once written, False when stopped (not an error to log)."""
    from desktop.exports import ExportCancelled, write_export

    try:
        write_export(store, selection, kind, target, progress)
    except ExportCancelled:
        return False
    return True


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(shown: QDate) -> date:
    return date(shown.year(), shown.month(), shown.day())
