"""The Statistik section: the post's figures and charts (``desktop.ui.statistics_desk``,
imported when the section is first shown: matplotlib is never loaded at the window's
start)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.ui.sections import Section, register
from posko.i18n import N_


def _statistics(window: QWidget) -> QWidget:
    from desktop.ui.statistics_desk import StatisticsDesk

    store = getattr(window, "store")  # noqa: B009 (the window is typed loosely, see sections)
    return StatisticsDesk(store, window)


register(Section("statistics", N_("Statistics"), 40, _statistics))
