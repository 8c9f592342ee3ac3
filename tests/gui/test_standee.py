"""The survey standee saved from the desk's dialog: the same sheet as the command's."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from desktop.paths import Profile
from desktop.store.repo import Store
from desktop.survey.standee import phone_survey_url
from desktop.ui.standee_dialog import StandeeDialog
from tests.helpers import pdf_page_size_mm, pdf_qr_codes, pdf_text


def test_the_dialog_saves_the_chosen_services_standee(
    qapp: QGuiApplication, store: Store, tmp_path: Path
) -> None:
    context = store.require_context()
    dialog = StandeeDialog(context, "TERMINAL", None)
    assert dialog.service.currentData() == "TERMINAL"  # the section's service, to start with
    dialog.paper.setCurrentIndex(dialog.paper.findData("a5"))
    target = tmp_path / "standee.pdf"
    assert dialog.save_to(target) and dialog.saved == target
    assert pdf_qr_codes(target) == [phone_survey_url(context.central_url, "MRK", "TERMINAL")]
    assert "Posko Pelabuhan Merak (MRK)" in pdf_text(target)
    assert tuple(round(mm) for mm in pdf_page_size_mm(target)) == (148, 210)


def test_the_survey_section_opens_it_for_its_service(
    qtbot: QtBot, store: Store, profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.ui import standee_dialog
    from desktop.ui.survey_desk import SurveyDesk
    from desktop.ui.tasks import shared
    from tests.desk_support import shown_window

    window = shown_window(qtbot, store, profile)
    window.enter_section(1)
    desk = window.stack.currentWidget().findChild(SurveyDesk)
    assert desk is not None
    desk.service.setCurrentIndex(desk.service.findData("TERMINAL"))
    opened: list[tuple[str, str]] = []
    monkeypatch.setattr(
        standee_dialog,
        "open_standee_dialog",
        lambda _parent, context, code="": opened.append((context.post_code, code)),
    )
    desk.standee_button.click()
    assert opened == [("MRK", "TERMINAL")]
    shared().wait(5000)  # today's figures, read in the background, before the store closes
