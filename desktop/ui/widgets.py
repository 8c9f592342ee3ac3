"""Small shared widget helpers."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

ERROR_COLOUR = "#b00020"
ERROR_STYLE = f"color: {ERROR_COLOUR};"


class FieldMessage(QLabel):
    """The red one-liner under a field that says what is wrong with it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(ERROR_STYLE)
        self.setWordWrap(True)
        self.hide()

    def show_message(self, text: str | None) -> None:
        self.setText(text or "")
        self.setVisible(bool(text))


def hint_label(text: str, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setStyleSheet("color: palette(placeholder-text); font-size: 90%;")
    return label
