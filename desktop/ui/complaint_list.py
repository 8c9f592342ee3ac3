"""The complaint list: a lazily paged model over the store, filters, a detail pane, reprint."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.appearance import colours
from desktop.domain import central_status_label
from desktop.store.records import SORT_KEYS, ComplaintQuery, ComplaintRecord
from desktop.store.repo import Store
from desktop.ui import appearance
from desktop.ui.tasks import TaskHandle, Tasks, shared
from desktop.when import post_time
from posko.catalog import Catalog
from posko.i18n import N_, _, current_language
from posko.routing import default_router

if TYPE_CHECKING:
    from posko.workdays import Calendar

PAGE = 200
ModelIndex = QModelIndex | QPersistentModelIndex

SYNC_LABELS = {
    "pending": N_("Waiting to send"),
    "sending": N_("Sending"),
    "sent": N_("Sent"),
    "needs_attention": N_("Needs attention"),
    "set_aside": N_("Set aside"),
}


CLOSED = ("resolved", "archived")


def due_state(
    record: ComplaintRecord, catalog: Catalog, today: date | None = None
) -> tuple[date, str]:
    """The answer's due date and whether it is ``overdue``, ``soon`` (today or the next
    working day) or ``ok``; a resolved or archived report is never late."""
    from posko.workdays import WIB, default_calendar

    category = catalog.get(record.category)
    answer_by = _answer_by(record.type.value, category.group if category else "", record.created_at)
    now = today or datetime.now(WIB).date()
    if record.central_status in CLOSED:
        return answer_by, "ok"
    if answer_by < now:
        return answer_by, "overdue"
    if answer_by <= _next_working_day(now, default_calendar()):
        return answer_by, "soon"
    return answer_by, "ok"


# The list asks for every visible row on every repaint (text and colour): remember.
@lru_cache(maxsize=4096)
def _answer_by(report_type: str, group: str, created_at: datetime) -> date:
    from posko.workdays import deadlines

    return deadlines(report_type, group, created_at).answer_by


@lru_cache(maxsize=8)
def _next_working_day(day: date, calendar: Calendar) -> date:
    return calendar.add_working_days(day, 1)


def due_text(record: ComplaintRecord, catalog: Catalog) -> str:
    due, state = due_state(record, catalog)
    text = due.strftime("%d-%m-%Y")
    if state == "overdue":
        return text + " · " + _("overdue")
    if state == "soon":
        return text + " · " + _("due soon")
    return text


def local_text(record: ComplaintRecord) -> str:
    """When it was recorded, on the post's clock (``desktop.when.post_time``)."""
    return post_time(record.created_at)


class ComplaintTableModel(QAbstractTableModel):
    """Rows fetched a page at a time, off the GUI thread, and cached, so 100,000 reports
    open instantly and a slow search never freezes the window. Signals: ``loaded()`` once
    a query's count and first page are in; ``pageLoaded(first, last)`` when the rows of a
    later page arrive; ``failed()`` when the store could not be read."""

    loaded = Signal()
    pageLoaded = Signal(int, int)
    failed = Signal()

    COLUMNS = (
        N_("Tracking number"),
        N_("Recorded"),
        N_("Title"),
        N_("Category"),
        N_("Reporter"),
        N_("Type"),
        N_("Sync"),
        N_("Answer due"),
    )
    TITLE_COLUMN = 2
    DUE_COLUMN = 7

    def __init__(
        self, store: Store, parent: QWidget | None = None, *, tasks: Tasks | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.tasks = tasks or shared()  # one worker: pages arrive in the order asked
        self.query = ComplaintQuery()
        self.loading = False
        self._count = 0
        self._pages: dict[int, list[ComplaintRecord]] = {}
        self._counting: TaskHandle | None = None
        self._fetching: dict[int, TaskHandle] = {}
        self.set_query(self.query)

    def set_query(self, query: ComplaintQuery) -> None:
        """Count and read the first page of ``query`` in the background; what the view
        shows stays until the answer is in (``loaded``), and a newer query drops it."""
        self._drop_pending()
        self.query = query
        self.loading = True
        store = self.store

        def work() -> tuple[int, list[ComplaintRecord]]:
            return store.count(query), store.search(query, offset=0, limit=PAGE)

        self._counting = self.tasks.run(self, work, self._counted, self._failed)

    def refresh(self) -> None:
        self.set_query(self.query)

    def _drop_pending(self) -> None:
        if self._counting is not None:
            self._counting.cancel()
        for handle in self._fetching.values():
            handle.cancel()
        self._fetching.clear()

    def _counted(self, result: tuple[int, list[ComplaintRecord]]) -> None:
        count, first = result
        self.beginResetModel()
        self._count = count
        self._pages = {0: first}
        self.endResetModel()
        self.loading = False
        self.loaded.emit()

    def _failed(self, _error: BaseException) -> None:
        self.loading = False
        self.failed.emit()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorted by the database (all rows, not the page in view); the due date sorts as
        the day of the report."""
        key = SORT_KEYS[column] if column < len(SORT_KEYS) else "created_at"
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) != (self.query.order_by, self.query.descending):
            self.set_query(dataclasses.replace(self.query, order_by=key, descending=descending))

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def record(self, row: int) -> ComplaintRecord | None:
        """The record of ``row``, or None while its page is still being read (it is asked
        for here; ``pageLoaded`` says when it is in)."""
        if not 0 <= row < self._count:
            return None
        page = self._pages.get(row // PAGE)
        if page is None:
            self._fetch(row // PAGE)
            return None
        offset = row % PAGE
        return page[offset] if offset < len(page) else None

    def record_if_read(self, row: int) -> str | None:
        """The tracking ID of ``row`` if its page is in, without asking for it."""
        page = self._pages.get(row // PAGE)
        offset = row % PAGE
        return page[offset].tracking_id if page is not None and offset < len(page) else None

    def _fetch(self, number: int) -> None:
        if number in self._fetching:
            return
        store, query = self.store, self.query
        self._fetching[number] = self.tasks.run(
            self,
            lambda: store.search(query, offset=number * PAGE, limit=PAGE),
            lambda page: self._arrived(number, page),
            lambda error: self._page_failed(number, error),
        )

    def _page_failed(self, number: int, error: BaseException) -> None:
        self._fetching.pop(number, None)  # asked again when a row of it is next needed
        self._failed(error)

    def _arrived(self, number: int, page: list[ComplaintRecord]) -> None:
        self._fetching.pop(number, None)
        if len(self._pages) > 50:  # memory stays flat when scrolling through 100,000
            self._pages = {0: self._pages[0]} if 0 in self._pages else {}
        self._pages[number] = page
        first = number * PAGE
        last = min(self._count, first + PAGE) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.COLUMNS) - 1))
            self.pageLoaded.emit(first, last)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        record = self.record(index.row())
        if record is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(record, index.column(), self.store.catalog)
        if role == Qt.ItemDataRole.UserRole:
            return record.tracking_id
        if role == Qt.ItemDataRole.ToolTipRole:  # the whole text where a column cuts it
            return self._display(record, index.column(), self.store.catalog)
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and index.column() == self.DUE_COLUMN
            and due_state(record, self.store.catalog)[1] == "overdue"
        ):
            from PySide6.QtGui import QColor

            return QColor(colours(appearance.current()).error)  # the theme's
        return None

    @staticmethod
    def _display(record: ComplaintRecord, column: int, catalog: Catalog) -> str:
        if column == 0:
            return record.tracking_display
        if column == 1:
            return local_text(record)
        if column == 2:
            return record.title
        if column == 3:
            category = catalog.get(record.category)
            return category.name() if category else record.category
        if column == 4:
            if record.anonymous:
                anonymous = _("anonymous")
                return (
                    f"{record.reporter_name} ({anonymous})" if record.reporter_name else anonymous
                )
            return record.reporter_name or "—"
        if column == 5:
            return record.type.label()
        if column == 7:
            return due_text(record, catalog)
        sync = _(SYNC_LABELS.get(record.sync_state, record.sync_state))
        if record.central_status:
            return f"{sync} · {central_status_label(record.central_status)}"
        return sync

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            return _(self.COLUMNS[section])
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None


def agency_name(code: str | None) -> str:
    """The agency's name, in the desk's language, from the routing rules the desk holds
    (the code itself for an agency they don't know); empty for none."""
    if not code:
        return ""
    return default_router().agency_name(code, current_language())


class ComplaintDetail(QGroupBox):
    """Everything about one report, as plain text (never interpreted as HTML)."""

    FIELDS = (
        ("tracking", N_("Tracking number")),
        ("recorded", N_("Recorded")),
        ("type", N_("Type")),
        ("category", N_("Category")),
        ("title", N_("Title")),
        ("description", N_("Description")),
        ("location", N_("Where")),
        ("occurred", N_("When")),
        ("reporter", N_("Reporter")),
        ("phone", N_("Phone")),
        ("email", N_("E-mail")),
        ("flags", N_("Flags")),
        ("operator", N_("Recorded by")),
        ("due", N_("Answer due")),
        ("sync", N_("Sync")),
        ("status", N_("Central status")),
    )

    def __init__(self, catalog: Catalog, parent: QWidget | None = None) -> None:
        super().__init__(_("Details"), parent)
        self.catalog = catalog
        form = QFormLayout(self)
        self.labels: dict[str, QLabel] = {}
        for key, title in self.FIELDS:
            label = QLabel()
            label.setObjectName(f"detail_{key}")
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.labels[key] = label
            form.addRow(_(title), label)
        self.reprint = QPushButton(_("&Reprint receipt"))
        self.reprint.setObjectName("reprint")
        self.reprint.setEnabled(False)
        self.edit = QPushButton(_("C&orrect…"))
        self.edit.setObjectName("edit")
        self.edit.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(self.reprint)
        row.addWidget(self.edit)
        form.addRow(row)

    def show_record(self, record: ComplaintRecord | None) -> None:
        self.reprint.setEnabled(record is not None)
        self.edit.setEnabled(record is not None)
        if record is None:
            for label in self.labels.values():
                label.clear()
            return
        category = self.catalog.get(record.category)
        flags = [_("anonymous")] if record.anonymous else []
        if record.confidential:
            flags.append(_("confidential"))
        values = {
            "tracking": record.tracking_display,
            "recorded": post_time(record.created_at, named=True),
            "type": record.type.label(),
            "category": category.name() if category else record.category,
            "title": record.title,
            "description": record.description,
            "location": record.location or "—",
            "occurred": post_time(record.occurred_at, named=True) if record.occurred_at else "—",
            "reporter": record.reporter_name or "—",
            "phone": record.phone or "—",
            "email": record.email or "—",
            "flags": ", ".join(flags) or "—",
            "operator": f"{record.operator_name} · {record.post_name}",
            "due": due_text(record, self.catalog),
            "sync": _(SYNC_LABELS.get(record.sync_state, record.sync_state))
            + (f" — {record.last_error}" if record.last_error else ""),
            "status": " · ".join(
                part
                for part in (
                    central_status_label(record.central_status),
                    agency_name(record.central_agency),
                    record.central_note or "",
                )
                if part
            ),
        }
        for key, value in values.items():
            self.labels[key].setText(value)


class ReportTable(QTableView):
    """The report table, for the keyboard: with nothing selected yet, the first Down (or
    Up) selects the row the cursor is on, the first one, instead of jumping past it."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        selection, model = self.selectionModel(), self.model()
        if (
            event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up)
            and (selection is None or not selection.hasSelection())
            and model is not None
            and model.rowCount() > 0
        ):
            self.selectRow(self.currentIndex().row() if self.currentIndex().isValid() else 0)
            return
        super().keyPressEvent(event)


class ComplaintList(QWidget):
    """Signals: ``reprintRequested(ComplaintRecord)``; ``edited(ComplaintRecord)`` after a
    report was corrected."""

    reprintRequested = Signal(object)
    edited = Signal(object)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.model = ComplaintTableModel(store, self)
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(_("Search: tracking number, name, phone, title, place"))
        self.search.setClearButtonEnabled(True)
        self.category = QComboBox()
        self.category.setObjectName("filter_category")
        self.category.addItem(_("All categories"), "")
        for cat in store.catalog.categories:
            self.category.addItem(cat.name(), cat.code)
        self.use_dates = QCheckBox(_("From"))
        self.use_dates.setObjectName("use_dates")
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addDays(-7))
        self.date_from.setObjectName("date_from")
        self.date_to = QDateEdit(today)
        self.date_to.setObjectName("date_to")
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd-MM-yyyy")
            edit.setEnabled(False)
        self.use_dates.toggled.connect(self.date_from.setEnabled)
        self.use_dates.toggled.connect(self.date_to.setEnabled)
        self.overdue = QCheckBox(_("Overdue only"))
        self.overdue.setObjectName("overdue_only")
        self.count = QLabel()
        self.count.setObjectName("result_count")
        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(self.category, 2)
        filters.addWidget(self.use_dates)
        filters.addWidget(self.date_from)
        filters.addWidget(QLabel(_("to")))
        filters.addWidget(self.date_to)
        filters.addWidget(self.overdue)
        filters.addWidget(self.count)

        self.table = ReportTable()
        self.table.setObjectName("complaint_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        widths = (125, 135, 240, 160, 150, 110, 190)  # date and time on one line
        for column, width in enumerate(widths):
            self.table.setColumnWidth(column, width)
        header.setSortIndicator(1, Qt.SortOrder.DescendingOrder)  # newest first, as read
        self.table.setSortingEnabled(True)
        self.detail = ComplaintDetail(store.catalog)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(200)
        self._debounce.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(self._debounce.start)
        self.search.installEventFilter(self)  # Down goes from the search to the results
        self.category.currentIndexChanged.connect(self.apply_filters)
        self.use_dates.toggled.connect(self.apply_filters)
        self.date_from.dateChanged.connect(self.apply_filters)
        self.date_to.dateChanged.connect(self.apply_filters)
        self.overdue.toggled.connect(self.apply_filters)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.doubleClicked.connect(lambda _index: self._reprint())
        self.detail.reprint.clicked.connect(self._reprint)
        self.detail.edit.clicked.connect(lambda: self.edit_selected())
        self.model.loaded.connect(self._loaded)
        self.model.pageLoaded.connect(self._page_loaded)
        self.model.failed.connect(self._failed)
        self._select_single = False
        self._keep: str | None = None  # the report to choose again after a refresh
        self._update_count()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
            and self.model.rowCount() > 0
        ):
            self.table.setFocus()
            if not self.table.selectionModel().hasSelection():
                self.table.selectRow(0)
            return True
        return super().eventFilter(watched, event)

    def query(self) -> ComplaintQuery:
        date_from: date | None = None
        date_to: date | None = None
        if self.use_dates.isChecked():
            start, end = self.date_from.date(), self.date_to.date()
            date_from = date(start.year(), start.month(), start.day())
            date_to = date(end.year(), end.month(), end.day())
        return ComplaintQuery(
            text=self.search.text(),
            category=str(self.category.currentData() or ""),
            date_from=date_from,
            date_to=date_to,
            overdue_only=self.overdue.isChecked(),
            order_by=self.model.query.order_by,  # the order the header shows
            descending=self.model.query.descending,
        )

    def apply_filters(self) -> None:
        self._debounce.stop()
        self._select_single = True  # a search with one hit shows it
        self.model.set_query(self.query())
        self._update_count()

    def refresh(self) -> None:
        """Read again (a save, a sync): the report being read stays chosen and shown."""
        chosen = self.selected()
        self._keep = chosen.tracking_id if chosen is not None else None
        self.model.refresh()
        self._update_count()

    def _loaded(self) -> None:
        self._update_count()
        keep, self._keep = self._keep, None
        if self._select_single:  # a new search: what was shown is gone
            self.detail.show_record(None)
            if self.model.rowCount() == 1:
                self.table.selectRow(0)
        elif keep is not None:
            rows = range(min(self.model.rowCount(), PAGE))
            row = next((r for r in rows if self.model.record_if_read(r) == keep), None)
            if row is not None:
                self.table.selectRow(row)
        self._select_single = False

    def _page_loaded(self, first: int, last: int) -> None:
        row = self.table.currentIndex().row()
        if first <= row <= last:  # the selected row's page came in after it was chosen
            self.detail.show_record(self.model.record(row))

    def _failed(self) -> None:
        self.count.setText(_("The list could not be read"))

    def _update_count(self) -> None:
        if self.model.loading and self.model.rowCount() == 0:
            self.count.setText(_("Searching…"))
            return
        self.count.setText(_("{n} reports").format(n=self.model.rowCount()))

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.detail.show_record(self.model.record(current.row()) if current.isValid() else None)

    def selected(self) -> ComplaintRecord | None:
        index = self.table.currentIndex()
        return self.model.record(index.row()) if index.isValid() else None

    def edit_selected(self, dialog_hook: object = None) -> ComplaintRecord | None:
        """Correct the selected report (``dialog_hook`` lets a test drive the dialog)."""
        record = self.selected()
        if record is None:
            return None
        from desktop.ui.edit_dialog import EditDialog

        dialog = EditDialog(self.store, record, self)
        if callable(dialog_hook):
            dialog_hook(dialog)
        elif not dialog.exec():
            return None
        if dialog.saved is None:
            return None
        self.refresh()
        self.edited.emit(dialog.saved)
        return dialog.saved

    def _reprint(self) -> None:
        record = self.selected()
        if record is not None:
            self.reprintRequested.emit(record)
