"""The Survei section: the SKM questionnaire typed in at the desk (``desktop.ui.survey_desk``,
imported when the section is first shown, never at the window's start)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.ui.sections import Section, register
from posko.i18n import N_


def _survey(window: QWidget) -> QWidget:
    from desktop.ui.survey_desk import SurveyDesk

    store = getattr(window, "store")  # noqa: B009 (the window is typed loosely, see sections)
    desk = SurveyDesk(store, window)
    status = getattr(window, "statusBar", None)
    if callable(status):
        desk.saved.connect(lambda _n: status().showMessage(desk.status.text(), 5000))
    return desk


register(Section("survey", N_("Survey"), 20, _survey))
