"""The Penjangkauan (outreach) section: big buttons that count the people reached and the
merchandise handed out, today's figures large, the stock left per item with a warning
when it runs low, deliveries received, and "Undo last" for a mistaken tap.

Each tap has a key (shown on its button) that works wherever the keyboard is in the
section, except in a box that takes typing: 1, 5 and 0 count 1, 5 and 10 people; an
item's letter (``posko.outreach``: K for kaus…) one of it handed out; Ctrl+Z undoes the
last tap of today. Taps are written and the figures read again on the desk's worker
(``desktop.ui.tasks``), in the order tapped: the window never waits for the disk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import ValidationError
from desktop.outreach import MAX_QUANTITY, OutreachTotals, TallyRecord
from desktop.store.health import DatabaseError
from desktop.ui.appearance import set_role
from desktop.ui.tasks import Tasks, shared
from desktop.ui.widgets import FieldMessage, heading_label, hint_label, set_enum_property
from desktop.when import post_today
from posko.campaign import share
from posko.i18n import _
from posko.outreach import Item, items
from posko.zones import zone

if TYPE_CHECKING:
    from desktop.store.repo import Store

PEOPLE_KEYS = {"1": 1, "5": 5, "0": 10}  # key -> people counted
_PLAIN = 0x20000000  # the keypad: a digit from it counts as one of the row's


@dataclass(frozen=True)
class Figures:
    """What the section shows, read after each tap: today's totals and the stock."""

    totals: OutreachTotals
    stock: dict[str, int]
    target: int | None = None  # today's people target at this post (posko campaign)


def with_key(text: str, key: str) -> str:
    """A button's text with the key that presses it."""
    return f"{text}   [{key}]"


class OutreachDesk(QWidget):
    """The section. Signals: ``figuresShown()`` each time the figures on screen are new;
    ``recorded(str)`` with the status after a tap, an undo or a delivery is stored."""

    figuresShown = Signal()
    recorded = Signal(str)

    def __init__(
        self, store: Store, parent: QWidget | None = None, *, tasks: Tasks | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("outreach_desk")
        self.store = store
        self.tasks = tasks or shared()  # one worker: taps are written in the order tapped
        self.items: tuple[Item, ...] = items()
        self.item_keys = {item.key: item for item in self.items}
        self.people_buttons: dict[int, QPushButton] = {}
        self.item_buttons: dict[str, QPushButton] = {}
        self.handed_out: dict[str, QLabel] = {}
        self.stock: dict[str, QLabel] = {}
        self.low: dict[str, QLabel] = {}
        self._build()
        self.refresh()

    # -- building ----------------------------------------------------------------------------
    def _build(self) -> None:
        column = QVBoxLayout(self)
        column.addWidget(heading_label(_("Outreach")))
        column.addWidget(
            hint_label(
                _(
                    "Tap once per person or item, or press the key shown on the button: 1, 5 "
                    "and 0 count 1, 5 and 10 people; an item's letter one item handed out. "
                    "Ctrl+Z undoes the last tap."
                )
            )
        )
        row = QHBoxLayout()
        row.addWidget(self._people_box(), 2)
        row.addWidget(self._items_box(), 3)
        column.addLayout(row)
        self.undo_button = QPushButton(_("&Undo last tap (Ctrl+Z)"))
        self.undo_button.setProperty("role", "tally")
        self.undo_button.setAutoDefault(False)
        self.undo_button.setObjectName("outreach_undo")
        self.undo_button.clicked.connect(self.undo_last)
        undo = QShortcut(QKeySequence("Ctrl+Z"), self)
        set_enum_property(undo, "context", "WidgetWithChildrenShortcut")
        undo.activated.connect(self.undo_last)
        self.status = QLabel()
        self.status.setObjectName("outreach_status")
        self.status.setWordWrap(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.undo_button)
        column.addLayout(bottom)
        column.addWidget(self._receive_box())
        column.addStretch(1)

    def _people_box(self) -> QGroupBox:
        box = QGroupBox(_("People reached today"))
        grid = QGridLayout(box)
        self.people = QLabel("–")
        self.people.setObjectName("outreach_people")
        self.people.setProperty("role", "total")  # the day's headline figure
        set_enum_property(self.people, "alignment", "AlignCenter")
        grid.addWidget(self.people, 0, 0, 1, len(PEOPLE_KEYS))
        self.target = QLabel()
        self.target.setObjectName("outreach_target")
        set_enum_property(self.target, "alignment", "AlignCenter")
        grid.addWidget(self.target, 1, 0, 1, len(PEOPLE_KEYS))
        grid.setRowStretch(0, 1)  # the count in the room above the buttons
        for column, (key, count) in enumerate(PEOPLE_KEYS.items()):
            button = self._tally_button(
                with_key(f"+{count}", key), partial(self.count_people, count)
            )  # short, so the section fits a laptop's screen at 150 % text: the box says who
            button.setAccessibleName(_("People +{n}").format(n=count))
            button.setToolTip(button.accessibleName())
            button.setObjectName(f"outreach_people_{count}")
            self.people_buttons[count] = button
            grid.addWidget(button, 2, column)
        return box

    def _items_box(self) -> QGroupBox:
        box = QGroupBox(_("Merchandise handed out today"))
        grid = QGridLayout(box)
        for column, title in enumerate((_("Handed out"), _("In stock")), start=1):
            header = QLabel(title)
            header.setProperty("role", "hint")
            grid.addWidget(header, 0, column)
        for row, item in enumerate(self.items, start=1):
            button = self._tally_button(
                with_key(_("{item} +1").format(item=item.name()), item.key),
                partial(self.hand_out, item.code),
            )
            button.setObjectName(f"outreach_item_{item.code}")
            self.item_buttons[item.code] = button
            handed = QLabel("–")
            handed.setProperty("role", "figure")
            stock = QLabel("–")
            stock.setProperty("role", "heading")  # large, though less than today's counts
            low = QLabel(_("Low stock: ask for more"))
            low.setProperty("role", "error")
            low.setWordWrap(True)
            low.hide()
            for name, label in (("handed", handed), ("stock", stock), ("low", low)):
                label.setObjectName(f"outreach_{name}_{item.code}")
            self.handed_out[item.code], self.stock[item.code] = handed, stock
            self.low[item.code] = low
            grid.addWidget(button, row, 0)
            grid.addWidget(handed, row, 1)
            grid.addWidget(stock, row, 2)
            grid.addWidget(low, row, 3)
        grid.setColumnStretch(3, 1)
        return box

    def _tally_button(self, text: str, tap: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setProperty("role", "tally")
        button.setAutoDefault(False)
        button.clicked.connect(lambda _checked=False: tap())
        return button

    def _receive_box(self) -> QGroupBox:
        box = QGroupBox(_("Stock received"))
        outer = QVBoxLayout(box)
        row = QHBoxLayout()
        outer.addLayout(row)
        self.receive_item = QComboBox()
        self.receive_item.setObjectName("outreach_receive_item")
        for item in self.items:
            self.receive_item.addItem(item.name(), item.code)
        self.receive_quantity = QSpinBox()
        self.receive_quantity.setObjectName("outreach_receive_quantity")
        self.receive_quantity.setRange(1, MAX_QUANTITY)
        self.receive_note = QLineEdit()
        self.receive_note.setObjectName("outreach_receive_note")
        self.receive_note.setMaxLength(200)
        self.receive_note.setPlaceholderText(_("e.g. delivered by the regency office"))
        for text, field in (
            (_("&Item"), self.receive_item),
            (_("&Quantity"), self.receive_quantity),
            (_("N&ote"), self.receive_note),
        ):
            label = QLabel(text)
            label.setBuddy(field)
            row.addWidget(label)
            row.addWidget(field, 2 if field is self.receive_note else 0)
        self.receive_button = QPushButton(_("&Receive"))
        self.receive_button.setObjectName("outreach_receive")
        self.receive_button.clicked.connect(self.receive)
        row.addWidget(self.receive_button)
        self.receive_message = FieldMessage()
        self.receive_message.setObjectName("outreach_receive_error")
        outer.addWidget(self.receive_message)
        return box

    # -- keys --------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        """A tap's key, from any control of the section that does not take it itself (a
        box being typed in, the item list, keeps its keys)."""
        modifiers = event.modifiers().value & ~_PLAIN & ~0x02000000  # keypad, Shift
        key = event.text().upper()
        tap = not modifiers and (key in PEOPLE_KEYS or key in self.item_keys)
        if tap and event.isAutoRepeat():
            return  # a key held down counts once, as a button held down
        if tap and key in PEOPLE_KEYS:
            self.count_people(PEOPLE_KEYS[key])
        elif tap:
            self.hand_out(self.item_keys[key].code)
        else:
            super().keyPressEvent(event)

    # -- taps --------------------------------------------------------------------------------
    def count_people(self, count: int) -> None:
        store = self.store
        self._write(lambda: store.record_people_reached(count), self._tapped)

    def hand_out(self, code: str) -> None:
        store = self.store
        self._write(lambda: store.record_handed_out(code), self._tapped)

    def undo_last(self) -> None:
        store = self.store
        since = post_today()[0]  # today's taps only: yesterday's figures are reported
        self._write(lambda: store.undo_last_tally(since=since), self._undone)

    def receive(self) -> None:
        store = self.store
        code = self.receive_item.currentData() or ""
        quantity = self.receive_quantity.value()
        note = self.receive_note.text()
        name = self.receive_item.currentText()
        self.receive_message.show_message(None)

        def received(_uuid: str) -> str:
            self.receive_quantity.setValue(1)
            self.receive_note.clear()
            return _("Stock received: {item} {quantity:+d}").format(item=name, quantity=quantity)

        self._write(lambda: store.record_stock_received(code, quantity, note), received)

    def _tapped(self, tap: TallyRecord) -> str:
        return _("Counted: {tap}.").format(tap=tap.describe())

    def _undone(self, tap: TallyRecord | None) -> str:
        if tap is None:
            return _("Nothing to undo today.")
        return _("Undone: {tap}.").format(tap=tap.describe())

    def _write(self, write: Callable[[], object], said: Callable[..., str]) -> None:
        """``write`` and then the figures read, on the worker; the status says ``said`` of
        what ``write`` returned, or why it was refused."""
        store = self.store

        def work() -> tuple[object, Figures]:
            done = write()
            return done, _read(store)

        def success(outcome: tuple[object, Figures]) -> None:
            message = said(outcome[0])
            self.status.setText(message)
            set_role(self.status, "")
            self._show(outcome[1])
            self.recorded.emit(message)

        self.tasks.run(self, work, success, self._refused)

    def _refused(self, error: BaseException) -> None:
        if isinstance(error, ValidationError):
            text = " ".join(e.message for e in error.errors)
            if any(e.field in ("quantity", "note", "item") for e in error.errors):
                self.receive_message.show_message(text)
        elif isinstance(error, DatabaseError):
            text = _(
                "Not counted: the database is damaged or cannot be written; recover it, "
                "then tap again."
            )
        else:
            text = _("Not counted: something went wrong; try again.")
        self.status.setText(text)
        set_role(self.status, "error")
        self.refresh()

    # -- figures -----------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        self.refresh()  # a new day, or taps made in another window meanwhile
        super().showEvent(event)

    def refresh(self) -> None:
        """Read today's figures and the stock again, on the worker."""
        store = self.store
        self.tasks.run(self, lambda: _read(store), self._show, self._unread)

    def _show(self, figures: Figures) -> None:
        reached = figures.totals.people_reached
        self.people.setText(str(reached))
        part = share(reached, figures.target)
        self.target.setText(
            _("No campaign target today.")
            if figures.target is None
            else _("Today's target {target}: {percent} % reached").format(
                target=figures.target, percent=round(float(part or 0) * 100)
            )
        )
        for item in self.items:
            self.handed_out[item.code].setText(str(figures.totals.handed_out.get(item.code, 0)))
            left = figures.stock.get(item.code, 0)
            self.stock[item.code].setText(str(left))
            self.low[item.code].setVisible(item.is_low(left))
        self.figuresShown.emit()

    def _unread(self, _error: BaseException) -> None:
        self.status.setText(_("Today's figures could not be read."))
        set_role(self.status, "error")


def _read(store: Store) -> Figures:
    start, end = post_today()
    campaign = store.campaign()
    context = store.require_context()
    day = start.astimezone(zone(context.time_zone)).date()
    target = campaign.target(context.post_code, day) if campaign is not None else None
    return Figures(
        store.outreach_totals(date_from=start, date_to=end), store.stock_levels(), target
    )
