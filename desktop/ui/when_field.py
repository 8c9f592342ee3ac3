"""The "when it happened" field: one line typed in one go (``kemarin 20.00``, ``3-12 14.30``),
read by ``desktop.when`` in the post's time zone, with what it understood shown beside it.

Unlike a date-time spin box it has no sections: a typed day never spills into the month,
typing never moves the focus, and Tab leaves it for the next field in one press. Down arrow
(or the small button) offers now, today and yesterday; empty means not known."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QLineEdit, QMenu, QToolButton, QWidget

from desktop.ui.appearance import set_role
from desktop.ui.widgets import set_enum_property
from desktop.when import FAR_PAST, When, WhenError, canonical, parse_when
from posko.i18n import _
from posko.zones import zone

if TYPE_CHECKING:
    from PySide6.QtGui import QKeyEvent  # its QEvent.Type is built on first use: not at start


class WhenEdit(QLineEdit):
    """``zone_code`` says the post's zone (``WIB``…) when asked; ``clock`` is the current
    instant (tests set it). ``understood`` and ``choices`` are laid out by the form."""

    def __init__(self, zone_code: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._zone_code = zone_code
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.setPlaceholderText(
            _("e.g. 14.30, 3-12 14.30, yesterday 20.00; ↓ now, today, yesterday; empty: not known")
        )
        self.understood = QLabel()
        self.understood.setObjectName("occurred_understood")
        self.understood.setProperty("role", "hint")  # "warning" for a date long ago
        self.choices = QToolButton()
        self.choices.setObjectName("occurred_choices")
        self.choices.setText("▾")
        self.choices.setToolTip(_("Now, today, yesterday (Down arrow in the field)"))
        # Not in the tab chain: Tab goes from this field straight to the next one.
        set_enum_property(self.choices, "focusPolicy", "NoFocus")
        self.choices.clicked.connect(lambda _checked=False: self.show_choices())
        self.menu: QMenu | None = None
        self.textChanged.connect(self._show_understood)
        self.editingFinished.connect(self.normalise)

    # -- reading ------------------------------------------------------------------------
    def zone(self) -> tzinfo:
        return zone(self._zone_code())

    def reading(self) -> When | None:
        """What the text says (``None``: not known); ``WhenError`` when it says nothing
        usable."""
        return parse_when(self.text(), now=self.clock(), zone=self.zone())

    def moment(self) -> datetime | None:
        found = self.reading()
        return None if found is None else found.moment

    def problem(self) -> str | None:
        """Why the text cannot be used, in the desk's language, or ``None``."""
        try:
            self.reading()
        except WhenError as error:
            return error.message
        return None

    def set_moment(self, moment: datetime | None) -> None:
        self.setText("" if moment is None else canonical(moment, self.zone()))

    def normalise(self) -> None:
        """Write back what was understood (``kemarin 20.00`` becomes ``02-12-2026 20:00``),
        so the text means the same tomorrow, in a restored draft; other text stays as typed."""
        try:
            found = self.reading()
        except WhenError:
            return
        text = "" if found is None else canonical(found.moment, self.zone())
        if text != self.text():
            self.setText(text)

    def _show_understood(self, _text: str = "") -> None:
        from desktop.receipt import format_datetime_local

        try:
            found = self.reading()
        except WhenError:
            found, shown, role = None, "", "hint"
        else:
            role = "hint"
            if found is None:
                shown = _("Not known") if not self.text().strip() else ""
            else:
                shown = format_datetime_local(found.moment, time_zone=self._zone_code())
                if found.far_past:
                    shown += "  " + _("(more than {days} days ago: check the date)").format(
                        days=FAR_PAST.days
                    )
                    role = "warning"
        set_role(self.understood, role)
        self.understood.setText(shown)

    # -- quick choices -------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        from PySide6.QtCore import Qt

        plain = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if event.key() == Qt.Key.Key_Down and plain in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.AltModifier,
        ):
            self.show_choices()
            return
        super().keyPressEvent(event)

    def show_choices(self) -> None:
        """The quick choices under the field; each has a letter, the arrows and Enter work,
        Escape keeps what is typed. The keyboard stays in the field."""
        menu = self.menu = QMenu(self)
        menu.setObjectName("occurred_menu")
        now = self.clock().astimezone(self.zone())
        picks: list[tuple[str, Callable[[], None]]] = [
            (
                _("&Now ({time})").format(time=now.strftime("%H:%M")),
                lambda: self.set_moment(now.replace(second=0, microsecond=0)),
            ),
            (_("&Today, at …"), lambda: self._start_with(_("today"))),
            (_("&Yesterday, at …"), lambda: self._start_with(_("yesterday"))),
            (_("Not &known (empty)"), self.clear),
        ]
        for text, chosen in picks:
            action = QAction(text, menu)
            action.triggered.connect(lambda _checked=False, chosen=chosen: chosen())
            menu.addAction(action)
        self.setFocus()
        menu.popup(self.mapToGlobal(self.rect().bottomLeft()))

    def _start_with(self, word: str) -> None:
        """``kemarin `` with the cursor after it, ready for the hour."""
        self.setText(f"{word} ")
        self.setFocus()
        self.end(False)
