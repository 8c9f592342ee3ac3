"""Legible outdoors (issue 11, item 1): the text size and the high-contrast theme apply to
every window and are remembered; hint and disabled text reach WCAG AA; the keyboard focus
shows on every control of the form; an invalid field is marked by more than a thin red
line; the fields that must be filled in say so; the window fits 1366×768 at every size.

The focus and error checks look at the pixels each control paints (``QWidget.grab``), not at
style sheet text: before this change Fusion marked a focused radio button or button with a
thin dotted line, and these tests failed."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop.appearance import (
    AA_NON_TEXT,
    AA_TEXT,
    CONTRAST,
    STANDARD,
    THEME_COLOURS,
    Appearance,
    colours,
    contrast,
)
from desktop.paths import Profile
from desktop.store import start_card
from desktop.store.repo import Store
from desktop.ui import appearance
from desktop.ui.main_window import MainWindow
from desktop.ui.setup_dialog import SetupDialog
from tests.desk_support import shown_window


@pytest.fixture(autouse=True)
def standard_look() -> Iterator[None]:
    yield
    appearance.apply(Appearance())  # the next test starts from the system's text size


def _point_size() -> float:
    return QApplication.font().pointSizeF()


def test_text_size_keys_scale_every_window_and_are_remembered(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    window = shown_window(qtbot, store, profile)
    window.form.title.setFocus()
    base = _point_size()
    qtbot.keyClick(window.form.title, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.context.appearance.text_size == 125
    assert _point_size() == pytest.approx(base * 1.25, abs=0.1)
    qtbot.keyClick(window.form.title, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    # and once more: 150 % is the top
    qtbot.keyClick(window.form.title, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.context.appearance.text_size == 150
    assert _point_size() == pytest.approx(base * 1.5, abs=0.1)
    assert window.size_actions[150].isChecked()
    # Every window follows, the form's fields and a dialog opened afterwards too.
    assert window.form.title.font().pointSizeF() == pytest.approx(base * 1.5, abs=0.1)
    box = QMessageBox(QMessageBox.Icon.Information, "x", "y", parent=window)
    qtbot.addWidget(box)
    assert box.font().pointSizeF() == pytest.approx(base * 1.5, abs=0.1)
    qtbot.keyClick(window.form.title, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert window.context.appearance.text_size == 125

    store.close()
    assert store.require_context().appearance == Appearance(text_size=125)
    shown_first = start_card.read(profile)  # what the next start shows the window with
    assert shown_first is not None and shown_first.appearance.text_size == 125
    qtbot.keyClick(window.form.title, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.context.appearance.text_size == 100
    assert _point_size() == pytest.approx(base, abs=0.1)


def test_the_high_contrast_theme_is_one_menu_item_away_and_remembered(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    window = shown_window(qtbot, store, profile)
    window.contrast_action.trigger()
    assert window.context.appearance.theme == CONTRAST
    palette = QApplication.palette()
    assert palette.color(QPalette.ColorRole.Window) == QColor(THEME_COLOURS[CONTRAST].window)
    store.close()
    assert store.require_context().appearance.theme == CONTRAST
    again = MainWindow(store, profile, show_receipt_dialog=False)  # the next start
    qtbot.addWidget(again)
    assert again.contrast_action.isChecked()
    again.contrast_action.trigger()
    assert store.require_context().appearance.theme == STANDARD


@pytest.mark.parametrize("theme", [STANDARD, CONTRAST])
def test_every_theme_reaches_wcag_aa(theme: str) -> None:
    c = THEME_COLOURS[theme]
    for background in (c.window, c.base):
        assert contrast(c.text, background) >= 7
        assert contrast(c.hint, background) >= AA_TEXT
        assert contrast(c.focus, background) >= AA_NON_TEXT
        assert contrast(c.border, background) >= AA_NON_TEXT
    assert contrast(c.hint, c.focus_fill) >= AA_TEXT  # a focused field's placeholder
    assert contrast(c.disabled_text, c.disabled_base) >= AA_TEXT
    assert contrast(c.disabled_text, c.window) >= AA_TEXT
    assert contrast(c.text, c.error_fill) >= AA_TEXT
    assert contrast(c.error, c.base) >= AA_TEXT
    assert contrast(c.error, c.error_fill) >= AA_NON_TEXT
    for background in (c.window, c.base):
        assert contrast(c.warning, background) >= AA_TEXT
    assert contrast(c.text, c.banner_fill) >= 7  # the draft notice's text
    assert contrast(c.banner_border, c.banner_fill) >= AA_NON_TEXT
    assert contrast(c.highlighted_text, c.highlight) >= AA_TEXT
    assert contrast(c.focus, c.focus_fill) >= AA_NON_TEXT


def _darkest(image: QImage) -> QColor:
    darkest = QColor("#ffffff")
    for y in range(image.height()):
        for x in range(image.width()):
            pixel = image.pixelColor(x, y)
            if pixel.lightness() < darkest.lightness():
                darkest = pixel
    return darkest


def _most_common(image: QImage) -> QColor:
    counts: dict[int, int] = {}
    for y in range(image.height()):
        for x in range(image.width()):
            rgb = image.pixel(x, y)
            counts[rgb] = counts.get(rgb, 0) + 1
    return QColor.fromRgb(max(counts, key=counts.__getitem__))


@pytest.mark.parametrize("theme", [STANDARD, CONTRAST])
def test_hint_and_disabled_text_as_painted_reach_aa(qtbot: QtBot, theme: str) -> None:
    """What the screen shows: the darkest pixel of the text (the glyphs' cores) against
    the most common one (the background), for a hint line and a disabled field."""
    appearance.apply(Appearance(theme=theme))
    holder = QWidget()
    qtbot.addWidget(holder)
    hint = QLabel("Hint: ███ Pengaduan", holder)
    hint.setProperty("role", "hint")
    disabled = QLineEdit("███ Tidak aktif", holder)
    disabled.setEnabled(False)
    placeholder = QLineEdit(holder)
    placeholder.setPlaceholderText("███ contoh")
    disabled.move(0, 40)
    placeholder.move(0, 80)
    holder.resize(300, 120)
    holder.show()
    qtbot.waitExposed(holder)
    for widget in (hint, disabled, placeholder):
        widget.ensurePolished()
        image = widget.grab().toImage()
        inner = image.copy(6, 6, image.width() - 12, image.height() - 12)  # inside the border
        text, ground = _darkest(inner).name(), _most_common(inner).name()
        assert contrast(text, ground) >= AA_TEXT, (widget, text, ground)


def _lacks_focus(widget: QWidget) -> bool:
    return not widget.hasFocus()


def _changed_pixels(before: QImage, after: QImage) -> int:
    return sum(
        before.pixel(x, y) != after.pixel(x, y)
        for y in range(before.height())
        for x in range(before.width())
    )


@pytest.mark.parametrize("theme", [STANDARD, CONTRAST])
def test_the_keyboard_focus_shows_on_every_control_of_the_form(
    qtbot: QtBot, store: Store, profile: Profile, theme: str
) -> None:
    """Each control in the form's tab chain repaints with focus a ring at least two pixels
    thick all round: radio buttons, check boxes and buttons as much as fields."""
    window = shown_window(qtbot, store, profile)
    window.set_appearance(Appearance(theme=theme))
    form = window.form
    controls: list[QWidget] = [
        *form.type_buttons.values(),
        form.category,
        form.title,
        form.description,
        form.location,
        form.occurred_at,
        form.reporter_name,
        form.anonymous,
        form.confidential,
        form.save_button,
        form.clear_button,
    ]
    kinds = {type(w) for w in controls}
    assert {QRadioButton, QCheckBox, QPushButton, QComboBox} <= kinds | {
        base for kind in kinds for base in kind.__mro__
    }
    parking = window.nav  # focus waits outside the form between two controls
    for control in controls:
        parking.setFocus()
        qtbot.waitUntil(partial(_lacks_focus, control))
        control.ensurePolished()
        resting = control.grab().toImage()
        control.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(control.hasFocus)
        focused = control.grab().toImage()
        ring = 2 * 2 * (resting.width() + resting.height())  # two pixels all round
        assert _changed_pixels(resting, focused) >= ring, control.objectName()


@pytest.mark.parametrize("theme", [STANDARD, CONTRAST])
def test_an_invalid_field_is_marked_by_a_thick_outline_and_its_fill(
    qtbot: QtBot, store: Store, profile: Profile, theme: str
) -> None:
    window = shown_window(qtbot, store, profile)
    window.set_appearance(Appearance(theme=theme))
    c = colours(Appearance(theme=theme))
    form = window.form
    form.title.setFocus()
    assert form.submit() is None  # nothing typed: type, category, title, description
    field = form.location  # not invalid: for comparison
    field.setText("")
    marked = form.description
    assert marked.property("invalid") is True and not field.property("invalid")
    image = marked.grab().toImage()
    middle = image.height() // 2
    red = QColor(c.error).rgb()
    outline = 0
    while outline < image.width() and image.pixel(outline, middle) == red:
        outline += 1
    assert outline >= 3, outline
    inside = image.pixelColor(image.width() // 2, image.height() - 8)
    assert inside.name() == c.error_fill
    message = form.messages["description"]
    assert message.isVisible() and message.font().bold()

    form.title.setText("Antrean kapal lebih dari 6 jam")
    form.clear_errors()
    assert not marked.property("invalid")
    after = marked.grab().toImage()
    assert after.pixel(1, middle) != red


def test_the_fields_that_must_be_filled_in_are_marked(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    """A star on exactly the fields the checks refuse empty: an empty form's errors."""
    window = shown_window(qtbot, store, profile)
    form = window.form
    assert form.submit() is None
    refused = {name for name, message in form.messages.items() if message.isVisible()}
    assert refused == {"category", "title", "description"}  # the type starts chosen
    layout_labels: dict[str, str] = {}
    for label in form.findChildren(QLabel):
        buddy = label.buddy()
        if buddy is not None:
            layout_labels[buddy.objectName()] = label.text()
    starred = {name for name, text in layout_labels.items() if text.endswith(" *")}
    assert {"category", "title", "description"} <= starred
    assert not starred & {"location", "occurred_at", "reporter_name", "phone", "email"}
    type_label = form.findChild(QLabel, "type_label")
    assert type_label is not None and type_label.text().endswith(" *")

    dialog = SetupDialog(store, window)
    qtbot.addWidget(dialog)
    starred_setup = {
        label.buddy().objectName()
        for label in dialog.findChildren(QLabel)
        if label.buddy() is not None and label.text().endswith(" *")
    }
    # Set up already: the operator is who signed in, not a field to fill.
    assert starred_setup == {"post_code", "post_name"}


@pytest.mark.parametrize("size", [100, 125, 150])
def test_the_window_fits_1366x768_at_every_text_size(
    qtbot: QtBot, store: Store, profile: Profile, size: int
) -> None:
    window = shown_window(qtbot, store, profile)
    window.set_appearance(Appearance(text_size=size))
    room_height = 768 - 40 - 30  # a taskbar, a title bar
    window.resize(1366, room_height)
    qtbot.waitUntil(lambda: window.height() == room_height)
    assert window.minimumSizeHint().height() <= room_height
    bar = window.statusBar()
    assert bar.isVisible()
    assert bar.mapTo(window, bar.rect().bottomLeft()).y() < window.height()
    # Usable: the form's buttons and the section list's names are whole.
    for button in (window.form.save_button, window.form.clear_button):
        assert button.width() >= button.sizeHint().width(), button.text()
    nav = window.nav
    for row in range(nav.count()):
        wanted = nav.fontMetrics().horizontalAdvance(nav.item(row).text())
        assert nav.visualItemRect(nav.item(row)).width() >= wanted
