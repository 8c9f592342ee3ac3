"""Applies ``desktop.appearance`` to the whole application: the font size, the palette and one
application style sheet, so every window (dialogs too) follows the operator's choice.

The desk draws with Qt's Fusion style on every system: the palette and the style sheet then
look the same on the field laptops' Windows as on Linux, and the contrast checks hold.

One style sheet for the application, not one per widget: Qt parses it once, and a widget's
own style sheet (a cost at every window's first appearance) is not needed for a hint, a
heading or an invalid field; they carry a ``role`` or ``invalid`` property instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget

from desktop.appearance import Appearance, Colours, colours

if TYPE_CHECKING:
    from PySide6.QtGui import QPalette

_BASE_POINT_SIZE = "posko_base_point_size"  # the system's text size, before any scaling
_APPLIED = "posko_appearance"
_SHEET_PENDING = "posko_style_sheet_pending"  # apply(palette_soon=True) until ready()
_FUSION = "posko_fusion"  # the application draws with Fusion
HEADING_SCALE = 1.6
FIGURE_SCALE = 2.4  # a figure read from across the post's table (the outreach counts)
TALLY_SCALE = 1.3  # a button tapped all day (the outreach counts)
FIELDS = ("QLineEdit", "QPlainTextEdit", "QTextEdit", "QComboBox", "QDateTimeEdit", "QSpinBox")
VIEWS = ("QTableView", "QListView", "QListWidget", "QTreeView")


def new_application(program: str) -> QApplication:
    """The desk's application, drawing with Fusion from the start: choosing the style later
    goes through ``QApplication.style()``, and PySide builds its ``QStyle`` type and enums
    for it on first use (30 ms measured at start-up)."""
    app = QApplication([program, "-style", "Fusion"])
    app.setProperty(_FUSION, True)
    return app


def current() -> Appearance:
    app = QApplication.instance()
    applied = app.property(_APPLIED) if app is not None else None
    return applied if isinstance(applied, Appearance) else Appearance()


def _selectors(types: tuple[str, ...], suffix: str) -> str:
    return ", ".join(f"{name}{suffix}" for name in types)


def style_sheet(appearance: Appearance, point_size: float) -> str:
    """The application style sheet for ``appearance`` with text of ``point_size``."""
    c = colours(appearance)
    rest, ring = c.border_width, c.focus_width
    pad = 4  # a field's inner padding at rest; less by the ring's extra width when focused
    focus_pad = max(pad - (ring - rest), 0)
    indicator = round(13 * appearance.scale)  # Fusion's check box, grown with the text
    return f"""
QLabel[role="heading"] {{ font-size: {point_size * HEADING_SCALE:.1f}pt; font-weight: bold; }}
QLabel[role="hint"] {{ color: {c.hint}; }}
QLabel[role="figure"] {{ font-size: {point_size * FIGURE_SCALE:.1f}pt; font-weight: bold; }}
QLabel[role="total"] {{ font-size: {point_size * FIGURE_SCALE * 1.6:.1f}pt; font-weight: bold; }}
QPushButton[role="tally"] {{
    font-size: {point_size * TALLY_SCALE:.1f}pt; padding: 10px 16px;
    min-height: {point_size * TALLY_SCALE * 3:.0f}px;
}}
QLabel[role="error"] {{ color: {c.error}; font-weight: bold; }}
QLabel[role="warning"] {{ color: {c.warning}; }}
QFrame[role="banner"] {{
    background: {c.banner_fill}; border: {rest}px solid {c.banner_border}; border-radius: 4px;
}}
{_selectors(FIELDS, "")} {{
    border: {rest}px solid {c.border}; border-radius: 3px; padding: {pad}px;
    background: {c.base}; color: {c.text};
}}
{_selectors(FIELDS, ":disabled")} {{
    background: {c.disabled_base}; color: {c.disabled_text}; border-color: {c.disabled_text};
}}
{_selectors(FIELDS, ":focus")} {{
    border: {ring}px solid {c.focus}; padding: {focus_pad}px; background: {c.focus_fill};
}}
{_selectors(FIELDS, '[invalid="true"]')}, {_selectors(FIELDS, '[invalid="true"]:focus')} {{
    border: {ring}px solid {c.error}; padding: {focus_pad}px; background: {c.error_fill};
}}
QComboBox QAbstractItemView {{ border: {rest}px solid {c.border}; background: {c.base}; }}
QPushButton, QToolButton {{
    border: {rest}px solid {c.border}; border-radius: 4px; padding: {pad}px 12px;
    background: {c.window}; color: {c.text};
}}
QPushButton:hover, QToolButton:hover {{ background: {c.button_hover}; }}
QPushButton:pressed, QToolButton:pressed {{ background: {c.border}; color: {c.base}; }}
QPushButton:default {{
    background: {c.highlight}; color: {c.highlighted_text}; border-color: {c.highlight};
}}
QPushButton:default:hover {{ background: {c.focus}; }}
QPushButton:disabled, QToolButton:disabled {{
    color: {c.disabled_text}; border-color: {c.disabled_text};
}}
QPushButton:focus, QToolButton:focus {{
    border: {ring}px solid {c.focus}; padding: {focus_pad}px {12 - (ring - rest)}px;
    background: {c.focus_fill};
}}
QPushButton:default:focus {{
    border-color: {c.text}; background: {c.highlight}; color: {c.highlighted_text};
}}
QCheckBox, QRadioButton {{
    border: {ring}px solid transparent; border-radius: 3px; padding: 1px 4px; color: {c.text};
}}
QCheckBox:focus, QRadioButton:focus {{ border-color: {c.focus}; background: {c.focus_fill}; }}
QCheckBox::indicator, QRadioButton::indicator {{ width: {indicator}px; height: {indicator}px; }}
QCheckBox:disabled, QRadioButton:disabled {{ color: {c.disabled_text}; }}
{_selectors(VIEWS, "")} {{
    border: {rest}px solid {c.border}; background: {c.base}; color: {c.text};
    selection-background-color: {c.highlight}; selection-color: {c.highlighted_text};
}}
{_selectors(VIEWS, ":focus")} {{ border: {ring}px solid {c.focus}; }}
QTabBar::tab:focus {{ color: {c.focus}; text-decoration: underline; }}
QGroupBox {{
    border: {rest}px solid {c.border}; border-radius: 4px; margin-top: 1.3em;
    padding: 0.3em 4px 4px 4px; background: {c.window};
}}
QGroupBox::title {{
    subcontrol-origin: margin; subcontrol-position: top left; left: 6px; padding: 0 4px;
    color: {c.text};
}}
"""


def palette(c: Colours) -> QPalette:
    # Imported here: the palette follows the window's first turn (see apply), and PySide
    # builds QPalette's type and enums on first use.
    from PySide6.QtGui import QColor, QPalette

    roles = QPalette.ColorRole
    groups = QPalette.ColorGroup
    result = QPalette(QColor(c.window))
    for group in (groups.Active, groups.Inactive):
        result.setColor(group, roles.Window, QColor(c.window))
        result.setColor(group, roles.Button, QColor(c.window))
        result.setColor(group, roles.Base, QColor(c.base))
        result.setColor(group, roles.AlternateBase, QColor(c.disabled_base))
        for role in (roles.Text, roles.WindowText, roles.ButtonText, roles.ToolTipText):
            result.setColor(group, role, QColor(c.text))
        result.setColor(group, roles.ToolTipBase, QColor(c.base))
        result.setColor(group, roles.PlaceholderText, QColor(c.hint))
        result.setColor(group, roles.Highlight, QColor(c.highlight))
        result.setColor(group, roles.HighlightedText, QColor(c.highlighted_text))
    disabled = groups.Disabled
    for role in (roles.Text, roles.WindowText, roles.ButtonText, roles.PlaceholderText):
        result.setColor(disabled, role, QColor(c.disabled_text))
    result.setColor(disabled, roles.Base, QColor(c.disabled_base))
    result.setColor(disabled, roles.Window, QColor(c.window))
    result.setColor(disabled, roles.Button, QColor(c.window))
    return result


def apply(appearance: Appearance, *, palette_soon: bool = False) -> None:
    """Make every window of the application follow ``appearance``; nothing when it already
    does (re-polishing every widget is not free).

    ``palette_soon``, for the window at start-up: the style sheet waits for ``ready()`` (the
    window calls it once its widgets are built, before it shows), and the palette for the
    event loop's next turn. Widgets built under an application style sheet cost a third
    more to build (measured: 76-107 ms against 55-65 ms for the main window); set on widgets
    not yet shown, it costs 8-10 ms, and they are polished with it when they show. Building
    a palette calls into PySide6's ``Qt`` namespace (13 ms, see
    ``widgets.set_enum_property``), which the window does not wait for: the style sheet
    gives every field, button and label its colours at once, and the palette adds the rest
    (placeholders, selections, the window's background) as the window appears."""
    app = QApplication.instance()
    if not isinstance(app, QApplication) or app.property(_APPLIED) == appearance:
        return
    base = app.property(_BASE_POINT_SIZE)
    if not isinstance(base, float):
        if not app.property(_FUSION):
            app.setStyle("Fusion")
            app.setProperty(_FUSION, True)
        base = app.font().pointSizeF()
        if base <= 0:
            base = 9.0
        app.setProperty(_BASE_POINT_SIZE, base)
    font = QFont(app.font())
    size = round(base * appearance.scale, 1)
    font.setPointSizeF(size)
    app.setFont(font)
    app.setProperty(_APPLIED, appearance)
    if palette_soon:
        app.setProperty(_SHEET_PENDING, True)
        QTimer.singleShot(0, _apply_palette)
    else:
        _apply_palette()


def ready() -> None:
    """The style sheet ``apply(..., palette_soon=True)`` left for now: the window's widgets
    are built and about to show."""
    app = QApplication.instance()
    if isinstance(app, QApplication) and app.property(_SHEET_PENDING):
        app.setProperty(_SHEET_PENDING, False)
        app.setStyleSheet(style_sheet(current(), app.font().pointSizeF()))


def _apply_palette() -> None:
    """The palette, then the style sheet again: widgets the style sheet styles keep the
    palette they were polished with, so they are polished once more with the new one."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.setProperty(_SHEET_PENDING, False)
        app.setPalette(palette(colours(current())))
        sheet = style_sheet(current(), app.font().pointSizeF())
        app.setStyleSheet("")
        app.setStyleSheet(sheet)


def set_role(widget: QWidget, role: str) -> None:
    """Draw ``widget`` as the style sheet's ``role`` (hint, warning, error, heading, banner)
    in the current theme."""
    if widget.property("role") == role:
        return
    widget.setProperty("role", role)
    _repolish(widget)


def mark_invalid(widget: QWidget, invalid: bool) -> None:
    """Show ``widget`` as invalid (the theme's thick error outline and fill), or not."""
    if bool(widget.property("invalid")) == invalid:
        return
    widget.setProperty("invalid", invalid)
    _repolish(widget)


def _repolish(widget: QWidget) -> None:
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()
