"""Small shared widget helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from posko.i18n import _

if TYPE_CHECKING:  # PySide builds a class's enums on its first use: not at the start
    from PySide6.QtWidgets import QDialog, QDialogButtonBox


class FieldMessage(QLabel):
    """The red one-liner under a field that says what is wrong with it (bold, in the theme's
    error colour: ``desktop.ui.appearance``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "error")
        self.setWordWrap(True)
        self.hide()

    def show_message(self, text: str | None) -> None:
        self.setText(text or "")
        self.setVisible(bool(text))


def hint_label(text: str, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setProperty("role", "hint")  # the theme's hint colour, at AA contrast
    return label


def heading_label(text: str, parent: QWidget | None = None) -> QLabel:
    """A section's title: larger and bold, growing with the operator's text size."""
    label = QLabel(text, parent)
    label.setProperty("role", "heading")
    return label


def required(label: str) -> str:
    """A form label marked as a field that must be filled in (see ``REQUIRED_LEGEND``)."""
    return f"{label} *"


def set_enum_property(target: QObject, name: str, key: str) -> None:
    """Set the Qt enum (or flag) property ``name`` of ``target`` by its key's name, e.g.
    ``set_enum_property(shortcut, "context", "WidgetWithChildrenShortcut")``, through the
    meta-object as Designer's ``.ui`` files do.

    For widgets built before the window is first shown: the first use of PySide6's ``Qt``
    namespace builds its hundred-odd Python enums, 13 ms of the desk's start-up, and the
    window needs none of them to appear."""
    if not target.setProperty(name, key):
        raise ValueError(f"{type(target).__name__} has no enum property {name!r} with key {key!r}")


SAVE_KEYS = ("Ctrl+Return", "Ctrl+Enter", "Ctrl+S")


def ok_cancel(dialog: QDialog, ok_text: str, name: str = "") -> QDialogButtonBox:
    """A dialog's OK and Cancel, wired to accept and reject, OK saying what it does and
    Cancel in the desk's language (not Qt's)."""
    from PySide6.QtWidgets import QDialogButtonBox

    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    if name:
        ok.setObjectName(name)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def labelled_rows(form: QFormLayout, rows: tuple[tuple[str, QWidget], ...]) -> None:
    """``form``'s rows, each label (with its Alt key) the buddy of its field."""
    for text, field in rows:
        label = QLabel(text)
        label.setBuddy(field)
        form.addRow(label, field)


def save_shortcuts(owner: QWidget, save: Callable[[], object]) -> None:
    """``Ctrl+Enter`` (either Enter key) and ``Ctrl+S`` call ``save`` while the keyboard is
    anywhere in ``owner``: how every form of the desk is saved."""
    for sequence in SAVE_KEYS:
        shortcut = QShortcut(QKeySequence(sequence), owner)
        set_enum_property(shortcut, "context", "WidgetWithChildrenShortcut")
        shortcut.activated.connect(save)


def set_shortcut(action: QAction, sequence: str) -> None:
    """``action.setShortcut(QKeySequence(sequence))``, without building the ``Qt`` namespace:
    resolving ``setShortcut``'s overloads does, ``setShortcuts`` with one sequence does not."""
    action.setShortcuts([QKeySequence(sequence)])
