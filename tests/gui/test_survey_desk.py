"""The Survei section's desk mode, driven by the keyboard as an operator types a paper or
spoken questionnaire in: every key goes to whatever has the focus, and is counted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.paths import Profile
from desktop.store.repo import Store
from desktop.survey.entry import SurveyInput
from desktop.ui.main_window import MainWindow
from desktop.ui.survey_desk import SurveyDesk
from desktop.ui.tasks import shared
from posko.i18n import _ as tr
from posko.survey import score
from tests import rawdb
from tests.desk_support import CTRL, Keyboard, focused, shown_window

SURVEY_ROW = 1


@pytest.fixture(autouse=True)
def _reads_done(store: Store) -> Iterator[None]:
    """Today's figures are read in the background: done before the store closes."""
    yield
    shared().wait(5000)


def open_survey(qtbot: QtBot, store: Store, profile: Profile) -> SurveyDesk:
    window = shown_window(qtbot, store, profile)
    window.enter_section(SURVEY_ROW)
    desk = window.stack.currentWidget().findChild(SurveyDesk)
    assert desk is not None
    return desk


def test_a_whole_respondent_in_fourteen_keys(qtbot: QtBot, store: Store, profile: Profile) -> None:
    desk = open_survey(qtbot, store, profile)
    assert QApplication.focusWidget() is desk.service  # Alt+2 lands on the service
    desk.service.setCurrentIndex(desk.service.findData("PELABUHAN"))
    desk.focus_first()  # as after the previous respondent: the service stays chosen

    keys = Keyboard()
    keys.type_text("P")  # sex: Perempuan
    keys.type_text("2")  # age band: the second, 26-35
    keys.type_text("sma")  # education by its code's letters (SMP shares "SM"), any case
    keys.type_text("W")  # occupation: Wirausaha
    assert focused() is desk.answer_boxes["U1"]
    keys.type_text("433241234")  # U1..U9 in order
    assert focused() is desk.suggestion
    with qtbot.waitSignal(desk.saved, timeout=5000) as saved:
        keys.press(Qt.Key.Key_Return, CTRL)
    assert saved.args == [1]
    assert keys.count <= 20
    assert keys.count == 16  # 4 profile questions in 6 keys, 9 digits, Ctrl+Enter

    (row,) = store.survey_answers()
    assert row.service_code == "PELABUHAN"
    assert row.answers == {
        "U1": 4, "U2": 3, "U3": 3, "U4": 2, "U5": 4, "U6": 1, "U7": 2, "U8": 3, "U9": 4,
    }  # fmt: skip
    assert (row.sex, row.age_band, row.education, row.occupation) == (
        "P",
        "26-35",
        "SMA",
        "WIRAUSAHA",
    )
    assert not row.self_filled and row.suggestion == ""

    # Ready for the next respondent: empty, the same service, the keyboard on the first.
    assert desk.service.currentData() == "PELABUHAN"
    assert all(
        not box.code() for box in (*desk.profile_boxes.values(), *desk.answer_boxes.values())
    )
    assert focused() is desk.profile_boxes["sex"]
    assert desk.status.text() == tr("Answers saved ({n} today).").format(n=1)
    window = desk.window()
    assert isinstance(window, MainWindow)
    assert window.statusBar().currentMessage() == desk.status.text()
    # Today's figures for the service: 26 points over 9 elements, x 25 = 72.22, grade C.
    expected = score([row.answers])
    assert expected.ikm == Decimal("72.22") and expected.grade is not None
    assert expected.grade.letter == "C"
    assert desk.summary.text() == tr(
        "Today's respondents: {n}, IKM {ikm} (grade {grade}, {label})."
    ).format(n=1, ikm="72,22", grade="C", label=expected.grade.label())

    # The shortest respondent: one key per profile question, nine digits, Ctrl+Enter.
    keys = Keyboard()
    keys.type_text("L")
    keys.type_text("1")
    keys.type_text("1")  # education by number: SD
    keys.type_text("1")  # occupation by number: PNS
    keys.type_text("444444444")
    with qtbot.waitSignal(desk.saved, timeout=5000):
        keys.press(Qt.Key.Key_Return, CTRL)
    assert keys.count == 14
    first, second = store.survey_answers()
    assert second.answers == dict.fromkeys(desk.answer_boxes, 4)
    assert (second.sex, second.age_band, second.education, second.occupation) == (
        "L",
        "17-25",
        "SD",
        "PNS",
    )
    assert second.service_code == "PELABUHAN"
    both = score([first.answers, second.answers])  # (26 + 36) / 2 / 9 x 25 = 86.11, B
    assert both.ikm == Decimal("86.11") and both.grade is not None
    assert desk.summary.text() == tr(
        "Today's respondents: {n}, IKM {ikm} (grade {grade}, {label})."
    ).format(n=2, ikm="86,11", grade="B", label=both.grade.label())


def test_skipping_and_clearing_answers(qtbot: QtBot, store: Store, profile: Profile) -> None:
    desk = open_survey(qtbot, store, profile)
    desk.service.setCurrentIndex(desk.service.findData("POSKO"))
    desk.focus_first()
    keys = Keyboard()
    for _ in desk.profile_boxes:  # the profile left out
        keys.press(Qt.Key.Key_Tab)
    keys.type_text("3")  # U1
    keys.press(Qt.Key.Key_Tab)  # U2 skipped
    keys.type_text("2")  # U3
    assert focused() is desk.answer_boxes["U4"]
    keys.type_text("4")  # U4, then back to it to take it back
    keys.press(Qt.Key.Key_Backtab)
    assert focused() is desk.answer_boxes["U4"] and desk.answer_boxes["U4"].code() == "4"
    keys.press(Qt.Key.Key_Backspace)
    assert desk.answer_boxes["U4"].code() == ""
    assert focused() is desk.answer_boxes["U4"]  # clearing stays on the question
    keys.type_text("1")  # U4 answered again
    keys.press(Qt.Key.Key_Space)  # U5 answered, cleared by Space
    keys.type_text("0")  # and 0 clears too
    keys.type_text("9")  # not an answer: ignored
    assert desk.answer_boxes["U5"].code() == ""
    assert focused() is desk.answer_boxes["U5"]
    keys.press(Qt.Key.Key_Return, CTRL)

    (row,) = store.survey_answers()
    assert row.answers == {"U1": 3, "U3": 2, "U4": 1}
    assert (row.sex, row.age_band, row.education, row.occupation) == ("", "", "", "")


def test_an_empty_questionnaire_is_refused_in_indonesian(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    desk = open_survey(qtbot, store, profile)
    desk.service.setCurrentIndex(desk.service.findData("SPBU"))
    desk.focus_first()
    keys = Keyboard()
    keys.type_text("L")
    keys.type_text("3")
    desk.suggestion.setPlainText("Toilet kurang bersih")
    keys.press(Qt.Key.Key_Return, CTRL)

    assert store.survey_answers() == []
    message = desk.messages["answers"]
    # In the desk's language (Indonesian here, once the lead's translation is in).
    assert message.isVisibleTo(desk) and message.text() == tr("Answer at least one question.")
    assert desk.status.text() == tr("Not saved: please correct the marked questions ({n}).").format(
        n=1
    )
    # Nothing lost: the profile and the suggestion are still there, the keyboard on U1.
    assert desk.profile_boxes["sex"].code() == "L"
    assert desk.profile_boxes["age_band"].code() == "36-45"
    assert desk.suggestion.toPlainText() == "Toilet kurang bersih"
    assert focused() is desk.answer_boxes["U1"]

    keys.type_text("3")
    keys.press(Qt.Key.Key_Return, CTRL)
    (row,) = store.survey_answers()
    assert row.answers == {"U1": 3} and row.suggestion == "Toilet kurang bersih"
    assert not message.isVisibleTo(desk)


def test_no_service_chosen_is_refused(qtbot: QtBot, store: Store, profile: Profile) -> None:
    desk = open_survey(qtbot, store, profile)
    assert desk.service.currentData() == ""  # nobody chose one yet
    keys = Keyboard()
    keys.press(Qt.Key.Key_Tab)  # past the service
    keys.type_text("L3")  # sex, age band
    keys.press(Qt.Key.Key_Tab)  # education and occupation left out
    keys.press(Qt.Key.Key_Tab)
    keys.type_text("3")  # U1
    keys.press(Qt.Key.Key_Return, CTRL)
    assert store.survey_answers() == []
    message = desk.messages["service_code"]
    assert message.isVisibleTo(desk)
    assert message.text() == tr("Choose the service the survey is about.")
    assert focused() is desk.service and desk.service.property("invalid") is True
    assert desk.answer_boxes["U1"].code() == "3"  # nothing lost

    keys.type_text("T")  # the list's type-ahead: Terminal bus
    assert desk.service.currentData() == "TERMINAL"
    keys.press(Qt.Key.Key_Return, CTRL)
    (row,) = store.survey_answers()
    assert row.service_code == "TERMINAL" and row.answers == {"U1": 3}
    assert (row.sex, row.age_band, row.education) == ("L", "36-45", "")
    assert not message.isVisibleTo(desk)


def test_a_bad_profile_answer_is_refused_in_place(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    """A code the definition does not have (as an old draft or a changed list could bring)
    is named under its question; nothing is stored."""
    desk = open_survey(qtbot, store, profile)
    desk.service.setCurrentIndex(desk.service.findData("POSKO"))
    desk.profile_boxes["education"]._code = "S9"  # past the keys: they cannot type it
    desk.answer_boxes["U1"].set_code("2")
    desk.save_button.click()
    assert store.survey_answers() == []
    message = desk.messages["education"]
    assert message.isVisibleTo(desk)
    assert "S9" in message.text() and "SMA" in message.text()
    assert desk.profile_boxes["education"].property("invalid") is True


def test_letters_that_fit_several_options_wait_for_the_next(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    desk = open_survey(qtbot, store, profile)
    box = desk.profile_boxes["occupation"]
    box.setFocus()
    keys = Keyboard()
    keys.type_text("P")  # PNS and POLRI
    assert box.code() == "" and focused() is box and box.text() == "P…"
    keys.type_text("X")  # fits neither: ignored, "P" stays
    assert box.code() == "" and focused() is box
    keys.type_text("O")
    assert box.code() == "POLRI"
    assert focused() is desk.answer_boxes["U1"]

    education = desk.profile_boxes["education"]
    for typed, meant in (("S2", "S2"), ("D4", "D4-S1"), ("SD", "SD"), ("5", "D4-S1")):
        education.setFocus()
        keys.type_text(typed)
        assert education.code() == meant, typed
        assert focused() is desk.profile_boxes["occupation"]
    education.setFocus()
    keys.type_text("S")  # SD, SMP, SMA, S2, S3: waits…
    keys.press(Qt.Key.Key_Tab)  # …and leaving drops the half-typed letters
    assert education.code() == "D4-S1" and education.text().startswith("5 ")


def test_todays_figures_are_the_services_and_todays(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    now = datetime.now(UTC)
    yesterday = now - timedelta(days=1, hours=1)
    all_ones = {f"U{n}": 1 for n in range(1, 10)}
    store.save_survey_responses([SurveyInput("POSKO", all_ones)], now=yesterday)
    store.save_survey_responses([SurveyInput("TERMINAL", all_ones)], now=now)
    store.save_survey_responses(
        [SurveyInput("POSKO", {"U1": 4, "U2": 4}), SurveyInput("POSKO", {"U1": 2})], now=now
    )
    desk = open_survey(qtbot, store, profile)
    with qtbot.waitSignal(desk.summaryShown, timeout=5000) as shown:
        desk.service.setCurrentIndex(desk.service.findData("POSKO"))
    assert shown.args == [2]
    # U1: (4 + 2) / 2 = 3, U2: 4; two elements scored, (3 + 4) / 2 x 25 = 87.50, grade B.
    assert desk.summary.text() == tr(
        "Today's respondents: {n}, IKM {ikm} (grade {grade}, {label})."
    ).format(n=2, ikm="87,50", grade="B", label=store_grade_label("B"))
    with qtbot.waitSignal(desk.summaryShown, timeout=5000) as shown:
        desk.service.setCurrentIndex(desk.service.findData("BANDARA"))
    assert shown.args == [0]
    assert desk.summary.text() == tr("Today's respondents: {n}.").format(n=0)


def store_grade_label(letter: str) -> str:
    from posko.survey import skm_2017

    return next(g.label() for g in skm_2017().grades if g.letter == letter)


def _survey_draft_on_disk(profile: Profile) -> dict[str, object] | None:
    """The survey draft as another process reads the file (what a crash leaves)."""
    import json
    from contextlib import closing

    from desktop.ui.survey_desk import DRAFT_ID

    with closing(rawdb.connect(profile.database, readonly=True)) as conn:
        row = conn.execute("SELECT content FROM drafts WHERE id = ?", (DRAFT_ID,)).fetchone()
    return None if row is None else dict(json.loads(row[0]))


def test_a_half_typed_respondent_survives_and_the_service_is_remembered(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    desk = open_survey(qtbot, store, profile)
    desk.service.setCurrentIndex(desk.service.findData("TERMINAL"))
    desk.focus_first()
    keys = Keyboard()
    keys.type_text("L")
    keys.type_text("1")
    desk.answer_boxes["U1"].setFocus()
    keys.type_text("34")

    def both_answers_kept() -> bool:
        answers = (_survey_draft_on_disk(profile) or {}).get("answers")
        return isinstance(answers, dict) and len(answers) == 2

    qtbot.waitUntil(both_answers_kept)  # a pause in typing: the draft is written
    draft = _survey_draft_on_disk(profile)
    assert draft == {
        "service": "TERMINAL",
        "profile": {"sex": "L", "age_band": desk.profile_boxes["age_band"].code()},
        "answers": {"U1": "3", "U2": "4"},
        "suggestion": "",
    }
    assert store.survey_answers() == []  # a draft, not a response

    # The desk comes back (after a crash or a close): the questionnaire is on screen again.
    again = SurveyDesk(store)
    qtbot.addWidget(again)
    assert again.service.currentData() == "TERMINAL"
    assert again.profile_boxes["sex"].code() == "L"
    assert (again.answer_boxes["U1"].code(), again.answer_boxes["U2"].code()) == ("3", "4")
    assert again.status.text() == tr(
        "A questionnaire that was not saved is back on screen: check it and save it."
    )
    assert again.submit()
    (row,) = store.survey_answers()
    assert row.answers == {"U1": 3, "U2": 4} and row.sex == "L"

    # Saved: the draft keeps only the service, the next start has it chosen and nothing else.
    assert _survey_draft_on_disk(profile) == {
        "service": "TERMINAL", "profile": {}, "answers": {}, "suggestion": "",
    }  # fmt: skip
    third = SurveyDesk(store)
    qtbot.addWidget(third)
    assert third.service.currentData() == "TERMINAL"
    assert not any(box.code() for box in third.answer_boxes.values())
    assert third.status.text() == ""


def test_the_section_key_lands_on_the_first_question_once_a_service_is_chosen(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    window = shown_window(qtbot, store, profile)
    window.enter_section(SURVEY_ROW)
    desk = window.stack.currentWidget().findChild(SurveyDesk)
    assert desk is not None
    assert QApplication.focusWidget() is desk.service  # nothing chosen yet
    desk.service.setCurrentIndex(desk.service.findData("POSKO"))
    window.enter_section(0)
    window.enter_section(SURVEY_ROW)
    assert QApplication.focusWidget() is desk.profile_boxes["sex"]


def test_the_setup_dialog_chooses_the_services_surveyed(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    from desktop.ui.setup_dialog import SetupDialog

    dialog = SetupDialog(store)
    qtbot.addWidget(dialog)
    assert all(box.isChecked() for box in dialog.services.values())  # none set: every one
    for box in dialog.services.values():
        box.setChecked(False)
    dialog.accept()
    assert dialog.result() == 0  # not saved: a survey about nothing
    assert dialog.messages["survey_services"].text() == (
        "Centang sedikitnya satu layanan yang disurvei di posko ini."
    )
    assert store.require_context().survey_services == ()
    dialog.services["PELABUHAN"].setChecked(True)
    dialog.services["POSKES"].setChecked(True)
    dialog.accept()
    assert dialog.result() == 1
    assert store.require_context().survey_services == ("PELABUHAN", "POSKES")

    # The Survei section offers those two, in the list's order; the dialog shows them again.
    desk = SurveyDesk(store)
    qtbot.addWidget(desk)
    offered = [desk.service.itemData(i) for i in range(1, desk.service.count())]
    assert offered == ["PELABUHAN", "POSKES"]
    again = SetupDialog(store)
    qtbot.addWidget(again)
    assert [c for c, box in again.services.items() if box.isChecked()] == ["PELABUHAN", "POSKES"]

    # Every one ticked is stored as "every service" (a service added later is surveyed too).
    for box in again.services.values():
        box.setChecked(True)
    again.accept()
    assert store.require_context().survey_services == ()


def test_the_posts_own_questions_follow_the_elements(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    from tests.unit.test_survey_extra import DEFINITION

    store.set_survey_extra_questions(DEFINITION)
    desk = open_survey(qtbot, store, profile)
    desk.service.setCurrentIndex(desk.service.findData("PELABUHAN"))
    desk.focus_first()
    keys = Keyboard()
    for _question in desk.profile_boxes:  # the profile skipped, a Tab each
        keys.press(Qt.Key.Key_Tab)
    assert focused() is desk.answer_boxes["U1"]
    keys.type_text("333333333")
    assert focused() is desk.extra_boxes["TOILET"]  # the post's own, after U9
    keys.type_text("2")
    keys.type_text("m")  # Media sosial: the one option whose code starts so
    assert focused() is desk.extra_boxes["USUL"]
    keys.type_text("Mushola")
    with qtbot.waitSignal(desk.saved, timeout=5000):
        keys.press(Qt.Key.Key_Return, CTRL)
    (row,) = store.survey_answers()
    assert row.extra == {"TOILET": 2, "INFO": "MEDSOS", "USUL": "Mushola"}
    assert row.answers == dict.fromkeys(row.answers, 3) and len(row.answers) == 9
    assert all(not box.code() for code, box in desk.extra_boxes.items() if code != "USUL")
    assert desk.extra_boxes["USUL"].text() == ""
