"""Sections whose features arrive in later releases: they say so instead of being blank."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class UpcomingSection(QWidget):
    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        heading = QLabel(title)
        heading.setStyleSheet("font-size: 16pt; font-weight: bold;")
        body = QLabel(text)
        body.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(body)
        layout.addStretch(1)  # keeps the text at the top
