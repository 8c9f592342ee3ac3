"""The Sinkronisasi section: enrollment, the state of the outbox, "Sync now", and the records
that need the operator (why they were refused; resend or set aside with a reason)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.messages import enroll_message, export_message, problem_message, unsealed_warning
from desktop.programme import tracking_address
from desktop.store.outbox import AttentionItem
from desktop.store.repo import Store
from desktop.sync.engine import Problem
from desktop.sync.export import ExportError
from desktop.ui.sync_service import OutboxOverview, SyncService
from desktop.ui.tasks import TaskHandle, Tasks
from desktop.ui.widgets import FieldMessage, heading_label, hint_label
from posko import tracking
from posko.i18n import N_, _

if TYPE_CHECKING:
    from desktop.sync.engine import SyncReport

ModelIndex = QModelIndex | QPersistentModelIndex

STATE_LABELS = {
    "pending": N_("Waiting to send"),
    "sending": N_("Sending"),
    "sent": N_("Sent"),
    "needs_attention": N_("Needs attention"),
    "set_aside": N_("Set aside"),
}


def when_text(iso_or_moment: str | datetime | None) -> str:
    if not iso_or_moment:
        return _("never")
    moment = (
        datetime.fromisoformat(iso_or_moment) if isinstance(iso_or_moment, str) else iso_or_moment
    )
    from desktop.when import post_time

    return post_time(moment, named=True)


OUTCOME_LABELS = {
    "rejected": N_("Refused by the central system"),
    "conflict": N_("The central system holds different content under the same ID"),
}


def reason_text(last_error: str) -> str:
    """``rejected: category: unknown category LAMA`` → the outcome in the operator's
    language, then the server's own reason (which names the field)."""
    outcome, _sep, reason = last_error.partition(": ")
    label = OUTCOME_LABELS.get(outcome)
    if label is None:
        return last_error
    return f"{_(label)} — {reason}" if reason else _(label)


def report_text(report: SyncReport) -> str:
    if report.ok:
        text = _("Sent {sent}, needing attention {attention}, statuses received {pulled}.").format(
            sent=report.sent, attention=report.attention, pulled=report.pulled
        )
        if report.rules_version is not None:
            text += " " + _("Routing rules updated to version {version}.").format(
                version=report.rules_version
            )
        if report.categories_changed:
            text += " " + _("The categories offered for new reports changed.")
        return text
    if report.problem == Problem.NOT_ENROLLED:  # the panel enrolls it: no command line here
        return _("This desk is not enrolled with a central system yet: enroll it below.")
    return problem_message(report.problem)


class AttentionModel(QAbstractTableModel):
    COLUMNS = (N_("Tracking number"), N_("Title"), N_("Tries"), N_("Last try"), N_("Why"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[AttentionItem] = []

    def set_items(self, items: list[AttentionItem]) -> None:
        self.beginResetModel()
        self.items = items
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item = self.items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                tracking.display(item.tracking_id),
                item.title,
                str(item.attempts),
                when_text(item.last_attempt_at),
                reason_text(item.last_error),
            )[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return reason_text(item.last_error)
        if role == Qt.ItemDataRole.UserRole:
            return item.uuid
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.COLUMNS)
        ):
            return _(self.COLUMNS[section])
        return None


class SyncPanel(QWidget):
    """Signals: ``outboxChanged()`` after the operator resends or sets a record aside."""

    outboxChanged = Signal()

    def __init__(
        self,
        store: Store,
        service: SyncService,
        parent: QWidget | None = None,
        *,
        tasks: Tasks | None = None,
    ) -> None:
        super().__init__(parent)
        self.tasks = tasks or Tasks()
        self._reading: TaskHandle | None = None
        self.store = store
        self.service = service

        heading = heading_label(_("Synchronisation"))
        self.connection = QLabel()
        self.connection.setObjectName("connection")
        self.summary = QLabel()
        self.summary.setObjectName("sync_summary")
        self.summary.setWordWrap(True)
        self.last_result = QLabel()
        self.last_result.setObjectName("sync_result")
        self.last_result.setWordWrap(True)
        self.enrolled_with = QLabel()  # which central system this desk sends to
        self.enrolled_with.setObjectName("enrolled_with")
        self.enrolled_with.setTextFormat(Qt.TextFormat.PlainText)
        self.enrolled_with.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.enrolled_with.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumHeight(8)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.sync_button = QPushButton(_("&Sync now"))
        self.sync_button.setObjectName("sync_now")
        self.sync_button.setShortcut(QKeySequence("F5"))
        self.sync_button.clicked.connect(self.service.sync_now)

        # Enrollment: shown until the desk has a token.
        self.enroll_box = QGroupBox(_("Enroll this desk with the central system"))
        self.server = QLineEdit()
        self.server.setObjectName("enroll_server")
        self.server.setPlaceholderText("https://posko.example.go.id")
        self.code = QLineEdit()
        self.code.setObjectName("enroll_code")
        self.code.setPlaceholderText("K7QM-XA42-PT")
        self.enroll_button = QPushButton(_("&Enroll"))
        self.enroll_button.setObjectName("enroll")
        self.enroll_message = FieldMessage()
        self.enroll_message.setObjectName("enroll_message")
        form = QFormLayout(self.enroll_box)
        form.addRow(_("Central system address"), self.server)
        form.addRow(_("Enrollment code"), self.code)
        form.addRow(
            hint_label(
                _(
                    "The coordinator gives each desk a single-use code. Reports are kept on "
                    "this laptop until then, and nothing is lost."
                )
            )
        )
        form.addRow(self.enroll_message)
        form.addRow(self.enroll_button)
        self.enroll_button.clicked.connect(self.enroll)
        self.code.returnPressed.connect(self.enroll)

        # Records that need the operator.
        self.attention_box = QGroupBox(_("Needs attention"))
        self.attention = AttentionModel(self)
        self.table = QTableView()
        self.table.setObjectName("attention")
        self.table.setModel(self.attention)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        for column in (0, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(1, 260)
        self.table.verticalHeader().hide()
        self.resend_button = QPushButton(_("&Resend"))
        self.resend_button.setObjectName("resend")
        self.set_aside_button = QPushButton(_("Set &aside…"))
        self.set_aside_button.setObjectName("set_aside")
        self.fix_button = QPushButton(_("&Correct…"))
        self.fix_button.setObjectName("fix")
        self.fix_button.setToolTip(_("Open the report, correct it, and send it again"))
        self.fix_button.clicked.connect(lambda: self.fix())
        self.resend_button.clicked.connect(self.resend)
        self.set_aside_button.clicked.connect(self.set_aside)
        buttons = QHBoxLayout()
        buttons.addWidget(self.fix_button)
        buttons.addWidget(self.resend_button)
        buttons.addWidget(self.set_aside_button)
        buttons.addStretch(1)
        box = QVBoxLayout(self.attention_box)
        box.addWidget(
            hint_label(
                _(
                    "The central system refused these records. The reason is shown; fix the "
                    "report (or the server) and resend it, or set it aside with a reason. "
                    "The other records are sent meanwhile."
                )
            )
        )
        box.addWidget(self.table)
        box.addLayout(buttons)

        self.export_button = QPushButton(_("Export to &USB…"))
        self.export_button.setObjectName("export_bundle")
        self.export_button.setToolTip(
            _("Write the records waiting to be sent to a signed file for a post with no signal")
        )
        self.export_button.clicked.connect(lambda: self.export_bundle())

        top = QHBoxLayout()
        top.addWidget(self.connection)
        top.addStretch(1)
        top.addWidget(self.export_button)
        top.addWidget(self.sync_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(top)
        layout.addWidget(self.enrolled_with)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.last_result)
        layout.addWidget(self.enroll_box)
        layout.addWidget(self.attention_box, 1)
        # The room left goes below, not between the lines (the attention table, when shown,
        # takes it first).
        layout.addStretch(0)

        service.started.connect(self._on_started)
        service.finished.connect(self._on_finished)
        service.onlineChanged.connect(lambda _online: self._show_connection())
        service.enrolled.connect(self._on_enrolled)
        service.enrollFailed.connect(self._on_enroll_failed)
        self._show_connection()

    # -- display -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the outbox on a worker thread; the panel fills in when it is read."""
        if not self.store.opened:
            self.summary.setText(_("Opening the database…"))
            return
        if self._reading is not None:
            self._reading.cancel()  # a newer reading replaces it
        real = self.store
        self._reading = self.tasks.run(self, lambda: self.service.overview(real), self._show)

    def _show(self, overview: OutboxOverview) -> None:
        self._reading = None
        parts = [
            f"{_(STATE_LABELS[state])}: {n}"
            for state, n in overview.counts.items()
            if n or state in ("pending", "sent")
        ]
        self.summary.setText(
            " · ".join(parts)
            + "\n"
            + _("Last successful sync: {time}").format(time=when_text(overview.last_sync_at))
        )
        self.attention.set_items(overview.attention)
        self.attention_box.setVisible(bool(self.attention.items))
        self.enroll_box.setVisible(not overview.enrolled)
        self.enrolled_with.setVisible(overview.enrolled)
        self.enrolled_with.setText(
            _("Enrolled with the central system at {address}").format(address=overview.central_url)
        )
        if not overview.enrolled and not self.server.text():  # the programme's, by default
            self.server.setText(tracking_address(overview.central_url))
        self._show_connection()

    def _show_connection(self) -> None:
        online = self.service.online
        if online is None:
            text = _("Connection: not checked yet")
        elif online:
            text = _("Connection: online")
        else:
            text = _("Connection: offline — records wait safely on this laptop")
        self.connection.setText(text)

    def _on_started(self) -> None:
        self.progress.show()
        self.sync_button.setEnabled(False)

    def _on_finished(self, report: SyncReport) -> None:
        self.progress.hide()
        self.sync_button.setEnabled(True)
        self.last_result.setText(report_text(report))
        self.refresh()

    # -- actions -------------------------------------------------------------------------

    def enroll(self) -> None:
        server, code = self.server.text().strip(), self.code.text().strip()
        if not server or not code:
            self.enroll_message.show_message(
                _("Fill in the central system's address and the enrollment code.")
            )
            return
        self.enroll_message.show_message(None)
        self.enroll_button.setEnabled(False)
        self.service.enroll(server, code)

    def _on_enrolled(self, _done: object) -> None:
        self.enroll_button.setEnabled(True)
        self.code.clear()
        self.refresh()

    def _on_enroll_failed(self, code: str, _detail: str) -> None:
        self.enroll_button.setEnabled(True)
        self.enroll_message.show_message(enroll_message(code))

    def export_bundle(self, target: str | None = None) -> bool:
        """Write the signed USB bundle; asks where unless ``target`` is given."""

        if not self.store.opened:
            return False
        if target is None:
            from datetime import datetime as _dt

            from PySide6.QtWidgets import QFileDialog

            suggested = f"posko-{_dt.now():%Y%m%d-%H%M}.posko"
            target, _filter = QFileDialog.getSaveFileName(
                self, _("Export to USB"), suggested, _("Posko bundle (*.posko)")
            )
            if not target:
                return False
        try:
            done = self.service.export(self.store, Path(target))
        except ExportError as exc:
            self.last_result.setText(export_message(exc.code, exc.detail))
            return False
        written = _(
            "{n} records written to {path} ({size} KB). Take it to the central system."
        ).format(n=done.records, path=done.path, size=max(1, done.size // 1024))
        self.last_result.setText(written if done.sealed else f"{written}\n{unsealed_warning()}")
        return True

    def _selected(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        uuid = self.attention.data(rows[0], Qt.ItemDataRole.UserRole)
        return str(uuid) if uuid else None

    def fix(self, dialog_hook: object = None) -> bool:
        """Correct the selected report in the intake form; saved corrections are queued
        again (a new revision) and sent at once. ``dialog_hook`` lets a test drive the
        dialog before it runs."""
        uuid = self._selected()
        if uuid is None or not self.store.opened:
            return False
        item = next((i for i in self.attention.items if i.uuid == uuid), None)
        if item is None:
            return False
        record = self.store.complaint(item.tracking_id)
        if record is None:
            return False
        from desktop.ui.edit_dialog import EditDialog

        dialog = EditDialog(self.store, record, self)
        if callable(dialog_hook):
            dialog_hook(dialog)
            accepted = dialog.saved is not None
        else:
            accepted = bool(dialog.exec())
        if not accepted:
            return False
        self.outboxChanged.emit()
        self.refresh()
        self.service.sync_now()
        return True

    def resend(self) -> None:
        uuid = self._selected()
        if uuid is None or not self.store.opened:
            return
        if self.service.resend(self.store, uuid):
            self.outboxChanged.emit()
            self.refresh()
            self.service.sync_now()

    def set_aside(self, _checked: bool = False, reason: str | None = None) -> None:
        from desktop.ui.sign_in import allowed

        uuid = self._selected()
        if uuid is None or not self.store.opened:
            return
        if not allowed(self, self.store, N_("set a record aside")):
            return
        if reason is None:
            reason, ok = QInputDialog.getText(
                self,
                _("Set aside"),
                _("Why is this record not to be sent? (kept with the record)"),
            )
            if not ok:
                return
        if not reason.strip():
            return
        if self.service.set_aside(self.store, uuid, reason):
            self.outboxChanged.emit()
            self.refresh()
