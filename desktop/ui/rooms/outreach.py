"""The Penjangkauan section: people reached, merchandise handed out and its stock
(``desktop.ui.outreach_desk``, imported when the section is first shown, never at the
window's start)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.ui.sections import Section, register
from posko.i18n import N_


def _outreach(window: QWidget) -> QWidget:
    from desktop.ui.outreach_desk import OutreachDesk

    store = getattr(window, "store")  # noqa: B009 (the window is typed loosely, see sections)
    desk = OutreachDesk(store, window)
    status = getattr(window, "statusBar", None)
    if callable(status):
        desk.recorded.connect(lambda text: status().showMessage(text, 5000))
    return desk


register(Section("outreach", N_("Outreach"), 30, _outreach))
