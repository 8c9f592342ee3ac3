"""Sections whose features arrive in later releases: they say so instead of being blank."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.ui.sections import Section, register
from desktop.ui.widgets import heading_label
from posko.i18n import N_, _


class UpcomingSection(QWidget):
    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        heading = heading_label(title)
        body = QLabel(text)
        body.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(body)
        layout.addStretch(1)  # keeps the text at the top


def _statistics(_window: QWidget) -> QWidget:
    return UpcomingSection(
        _("Statistics"),
        _("Outreach statistics per post, day, category and agency will be exported here."),
    )


register(Section("statistics", N_("Statistics"), 40, _statistics))
