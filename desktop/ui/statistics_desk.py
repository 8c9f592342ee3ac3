"""The Statistik section: the coordinators' figures and charts of this desk's post
(``posko.statistics``, drawn by ``posko.charts``), filtered by dates, category and service.

Everything slow happens on a worker thread of its own: the figures (a few grouped SQL
queries) and the charts, drawn into pixels by matplotlib; the GUI thread only puts the
pixels on screen. A chart whose figures, size and style are unchanged is not drawn again,
so a tap in Penjangkauan redraws the people and merchandise charts only. The section
follows the database while it is shown: every write made in this process (a report saved,
a tap, a sync) counts in ``Store.write_count``, looked at once a second; a change started
elsewhere (the command line) shows on the next filter change or with F5."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, QSize, QTimer, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QResizeEvent, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.appearance import CONTRAST
from desktop.drawing import drawn_elsewhere
from desktop.store.repo import Store
from desktop.store.statistics import Drawing, Drawn
from desktop.ui import appearance
from desktop.ui.tasks import Tasks, shared
from desktop.ui.widgets import heading_label, hint_label, set_enum_property
from posko import charts
from posko.errors import describe
from posko.i18n import _, current_language
from posko.statistics import Deadline, Filters, Statistics
from posko.survey import services
from posko.workdays import WIB

log = logging.getLogger("posko.ui")

# How often the section looks whether this process wrote anything (milliseconds), and how
# long it waits after a filter or size change before drawing (typing a date, dragging).
WATCH_MS = 1000
SETTLE_MS = 250
CHART_SIZE = QSize(420, 280)  # the smallest a chart is drawn


def statistics_tasks() -> Tasks:
    """The section's own worker (``tasks.shared``): a refresh never queues behind a tap
    being written, nor a tap behind a refresh."""
    return shared("statistics")


def _images(drawn: Drawn) -> dict[str, QImage]:
    """The drawn pixels as images (an image, unlike a pixmap, may be made off the GUI
    thread)."""
    rgba = QImage.Format.Format_RGBA8888
    return {
        name: QImage(pixels, width, height, 4 * width, rgba).copy()
        for name, (pixels, width, height) in drawn.pixels.items()
    }


class ChartLabel(QLabel):
    """One chart: its pixels, and its figures as the tooltip and the accessible text."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"chart_{name}")
        self.setMinimumSize(CHART_SIZE)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(_(charts.chart(name).title))


class StatisticsDesk(QWidget):
    """The section. Signal ``figuresShown()`` each time new figures are on screen."""

    figuresShown = Signal()

    def __init__(
        self, store: Store, parent: QWidget | None = None, *, tasks: Tasks | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("statistics_desk")
        self.store = store
        self.tasks = tasks or statistics_tasks()
        self.stats: Statistics | None = None
        self.charts: dict[str, ChartLabel] = {}
        self._drawn: dict[str, Any] = {}
        self._running = False
        self._again = False
        self._seen_writes = -1
        self._seen_day = _today()
        self._build()
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle.timeout.connect(self.refresh)
        self._watch = QTimer(self, interval=WATCH_MS)
        self._watch.timeout.connect(self._look_for_writes)

    # -- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        column = QVBoxLayout(self)
        column.addWidget(heading_label(_("Statistics")))
        column.addLayout(self._filters())
        tiles = QHBoxLayout()
        self.tiles: dict[str, tuple[QLabel, QLabel]] = {}
        for name in TILES:
            value, caption = heading_label(""), hint_label("")
            value.setObjectName(f"tile_{name}")
            caption.setObjectName(f"tile_{name}_caption")
            box = QVBoxLayout()
            box.addWidget(value)
            box.addWidget(caption)
            tiles.addLayout(box, 1)
            self.tiles[name] = (value, caption)
        column.addLayout(tiles)
        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        for index, name in enumerate(charts.NAMES):
            label = ChartLabel(name)
            self.charts[name] = label
            grid.addWidget(label, index // 2, index % 2)
        scroll = QScrollArea()
        scroll.setObjectName("statistics_scroll")
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_host)
        column.addWidget(scroll, 1)
        self.status = hint_label("")
        self.status.setObjectName("statistics_status")
        column.addWidget(self.status)
        refresh = QShortcut(QKeySequence("F5"), self)
        set_enum_property(refresh, "context", "WidgetWithChildrenShortcut")
        refresh.activated.connect(self.refresh)

    def _filters(self) -> QHBoxLayout:
        self.use_dates = QCheckBox(_("From"))
        self.use_dates.setObjectName("statistics_use_dates")
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addDays(-6))
        self.date_from.setObjectName("statistics_from")
        self.date_to = QDateEdit(today)
        self.date_to.setObjectName("statistics_to")
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd-MM-yyyy")
            edit.setEnabled(False)
            self.use_dates.toggled.connect(edit.setEnabled)
            edit.dateChanged.connect(self._changed)
        self.use_dates.toggled.connect(self._changed)
        self.category = QComboBox()
        self.category.setObjectName("statistics_category")
        self.category.addItem(_("All categories"), "")
        for category in self.store.catalog.categories:
            self.category.addItem(category.name(), category.code)
        self.service = QComboBox()
        self.service.setObjectName("statistics_service")
        self.service.addItem(_("All services"), "")
        for service in services():
            self.service.addItem(service.name(), service.code)
        for box in (self.category, self.service):
            box.currentIndexChanged.connect(self._changed)
        self.refresh_button = QPushButton(_("&Refresh (F5)"))
        self.refresh_button.setObjectName("statistics_refresh")
        self.refresh_button.setAutoDefault(False)
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button = QPushButton(_("E&xport these days…"))
        self.export_button.setObjectName("statistics_export")
        self.export_button.setAutoDefault(False)
        self.export_button.clicked.connect(self.export)
        row = QHBoxLayout()
        row.addWidget(self.use_dates)
        row.addWidget(self.date_from)
        row.addWidget(QLabel(_("to")))
        row.addWidget(self.date_to)
        row.addWidget(self.category, 2)
        row.addWidget(self.service, 2)
        row.addWidget(self.refresh_button)
        row.addWidget(self.export_button)
        return row

    # -- what is asked -------------------------------------------------------------------------

    def filters(self) -> Filters:
        first = last = None
        if self.use_dates.isChecked():
            first, last = _day(self.date_from.date()), _day(self.date_to.date())
            first, last = min(first, last), max(first, last)
        return Filters(
            first=first,
            last=last,
            category=str(self.category.currentData() or ""),
            service=str(self.service.currentData() or ""),
        )

    def export(self) -> None:
        """The export dialog, for the days the section shows (``desktop.ui.export_dialog``:
        CSV, XLSX or the PDF of these figures with their charts)."""
        from desktop.ui.export_dialog import open_export_dialog

        chosen = self.filters()
        open_export_dialog(
            self, self.store, self.store.require_context(), chosen.first, chosen.last
        )

    def _asked(self) -> Drawing:
        sizes = {}
        for name, label in self.charts.items():
            size = label.size().expandedTo(CHART_SIZE)
            sizes[name] = (size.width() - 4, size.height() - 4)
        points = self.font().pointSizeF()
        return Drawing(
            profile=str(self.store.profile.root),
            language=current_language(),
            filters=self.filters(),
            sizes=sizes,
            scale=self.devicePixelRatioF(),
            style=charts.Style(
                font_size=max(points, 8.0), high_contrast=appearance.current().theme == CONTRAST
            ),
            drawn=dict(self._drawn),
        )

    # -- refreshing ----------------------------------------------------------------------------

    def _changed(self) -> None:
        self._settle.start()

    def refresh(self) -> None:
        """Figures and charts again, on the worker; one refresh at a time (asked during
        one, it runs once more after it)."""
        if self._running:
            self._again = True
            return
        self._running = True
        self._again = False
        self._seen_writes = self.store.write_count()
        self._seen_day = _today()
        asked = self._asked()
        self.status.setText(_("Updating…"))
        self.tasks.run(self, lambda: _drawn(asked), self._show, self._failed)

    def _show(self, result: tuple[Drawn, dict[str, QImage]]) -> None:
        drawn, images = result
        self._running = False
        self.stats = drawn.stats
        scale = self.devicePixelRatioF()
        for name, image in images.items():
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(scale)
            self.charts[name].setPixmap(pixmap)
        for name, text in drawn.texts.items():
            label = self.charts[name]
            label.setToolTip(text)
            label.setAccessibleDescription(text)
        self._drawn.update(drawn.keys)
        for name, (value, caption) in tiles(drawn.stats).items():
            self.tiles[name][0].setText(value)
            self.tiles[name][1].setText(caption)
        self.status.setText(
            _("Figures of this laptop, as of {time}.").format(
                time=datetime.now().strftime("%H.%M.%S")
            )
        )
        self.figuresShown.emit()
        if self._again:
            self.refresh()

    def _failed(self, error: BaseException) -> None:
        self._running = False
        log.error("statistics refresh failed: %s", describe(error))
        self.status.setText(_("The figures could not be read; they are tried again at F5."))
        if self._again:  # asked for meanwhile (a filter changed): tried once more
            self.refresh()

    def _look_for_writes(self) -> None:
        """Once a second while shown: new figures when this process wrote something, or
        when a new WIB day began (reports move from due soon to overdue at midnight)."""
        if self.store.write_count() != self._seen_writes or _today() != self._seen_day:
            self.refresh()

    # -- Qt ------------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._watch.start()
        self._settle.start()

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self._watch.stop()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.isVisible():
            self._settle.start()


def _drawn(asked: Drawing) -> tuple[Drawn, dict[str, QImage]]:
    drawn = drawn_elsewhere(asked)
    return drawn, _images(drawn)


def _today() -> date:
    return datetime.now(WIB).date()


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _n(value: int) -> str:
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=current_language()))


TILES = ("people", "complaints", "survey", "merchandise")


def tiles(stats: Statistics) -> dict[str, tuple[str, str]]:
    """The headline figures above the charts: each a value and what it is."""
    target = stats.people_target
    people = (
        (
            f"{_n(stats.people_reached)} / {_n(target)}",
            _("people reached, of the target"),
        )
        if target
        else (_n(stats.people_reached), _("people reached"))
    )
    complaints = (
        _n(stats.complaints),
        _("complaints: {late} overdue, {soon} due soon").format(
            late=_n(stats.deadline(Deadline.OVERDUE)), soon=_n(stats.deadline(Deadline.DUE_SOON))
        ),
    )
    score = stats.survey
    survey = (
        (
            f"{score.ikm:.2f} ({score.grade.letter if score.grade else '-'})",
            _("IKM (grade), {n} respondents").format(n=_n(score.respondents)),
        )
        if score.ikm is not None
        else ("-", _("IKM: no survey answers yet"))
    )
    handed = sum(m.handed_out for m in stats.merchandise)
    merchandise = (_n(handed), _("merchandise handed out"))
    return {
        "people": people,
        "complaints": complaints,
        "survey": survey,
        "merchandise": merchandise,
    }


__all__ = ["StatisticsDesk", "tiles"]
