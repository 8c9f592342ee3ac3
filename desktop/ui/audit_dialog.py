"""Settings, Activity log: the desk's audit trail (``desktop.store.audit``) for a
coordinator, newest first, narrowed by what was done, by whom and on which days."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.store.audit import ACTION_LABELS, action_label
from desktop.store.repo import Store
from desktop.when import post_time
from posko import tracking
from posko.i18n import _
from posko.zones import zone

LIMIT = 500  # lines shown at once: the newest


class AuditDialog(QDialog):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(_("Activity log"))
        self.resize(900, 560)
        context = store.require_context()
        self.action = QComboBox()
        self.action.setObjectName("audit_action")
        self.action.addItem(_("Everything"), "")
        for action, label in ACTION_LABELS.items():
            self.action.addItem(_(label), action.value)
        self.operator = QComboBox()
        self.operator.setObjectName("audit_operator")
        self.operator.addItem(_("Everyone"), "")
        for account in store.operator_accounts(inactive=True):
            self.operator.addItem(account.name, account.name)
        self.use_dates = QCheckBox(_("Only the &days from"))
        self.use_dates.setObjectName("audit_use_dates")
        today = datetime.now(zone(context.time_zone)).date()
        self.date_from = _date_edit("audit_from", today - timedelta(days=6))
        self.date_to = _date_edit("audit_to", today)
        for edit in (self.date_from, self.date_to):
            edit.setEnabled(False)
            self.use_dates.toggled.connect(edit.setEnabled)
            edit.dateChanged.connect(self.refresh)
        self.use_dates.toggled.connect(self.refresh)
        self.action.currentIndexChanged.connect(self.refresh)
        self.operator.currentIndexChanged.connect(self.refresh)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("audit_table")
        self.table.setHorizontalHeaderLabels(
            [_("When"), _("Operator"), _("What"), _("Record"), _("Detail")]
        )
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.count = QLabel()
        self.count.setObjectName("audit_count")
        filters = QHBoxLayout()
        for label, widget in ((_("&What"), self.action), (_("W&ho"), self.operator)):
            shown = QLabel(label)
            shown.setBuddy(widget)
            filters.addWidget(shown)
            filters.addWidget(widget)
        filters.addWidget(self.use_dates)
        filters.addWidget(self.date_from)
        filters.addWidget(QLabel(_("to")))
        filters.addWidget(self.date_to)
        filters.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        layout.addWidget(close)
        self.refresh()

    def days(self) -> tuple[date | None, date | None]:
        if not self.use_dates.isChecked():
            return None, None
        return _day(self.date_from.date()), _day(self.date_to.date())

    def refresh(self, *_args: object) -> None:
        first, last = self.days()
        lines = self.store.audit_trail(
            action=str(self.action.currentData() or ""),
            operator=str(self.operator.currentData() or ""),
            first=first,
            last=last,
            limit=LIMIT,
        )
        self.table.setRowCount(len(lines))
        for row, line in enumerate(lines):
            cells = (
                post_time(line.at),
                line.operator or _("(the central system)"),
                action_label(line.action),
                _subject(line.subject),
                line.detail,
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        shown = _("{n} lines").format(n=len(lines))
        if len(lines) == LIMIT:
            shown += " " + _("(the newest; narrow the filters to see older ones)")
        self.count.setText(shown)


def _subject(subject: str) -> str:
    """A tracking ID as the receipt prints it (groups of three); anything else as it is."""
    try:
        return tracking.display(tracking.parse(subject))
    except tracking.TrackingIdError:
        return subject


def _date_edit(name: str, day: date) -> QDateEdit:
    edit = QDateEdit(QDate(day.year, day.month, day.day))
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd-MM-yyyy")
    return edit


def _day(shown: QDate) -> date:
    return date(shown.year(), shown.month(), shown.day())


__all__ = ["AuditDialog"]
