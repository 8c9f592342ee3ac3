"""The survey's kiosk mode, tapped through as a traveller does: the real window on a real
profile (SQLite in a temp dir), every answer a click on the button the person sees."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from desktop.paths import Profile
from desktop.settings import KIOSK_PIN
from desktop.store.repo import Store
from desktop.survey.pin import FREE_TRIES, hash_pin, pin_matches
from desktop.ui.kiosk import TARGET_MM, KioskWindow, mm_to_px
from desktop.ui.kiosk_dialog import KioskDialog
from desktop.ui.survey_desk import SurveyDesk
from desktop.ui.tasks import shared
from tests.desk_support import shown_window

PIN = "2468"
PIN_HASH = hash_pin(PIN)


@pytest.fixture(autouse=True)
def _reads_done(store: Store) -> Iterator[None]:
    """The survey section reads today's figures in the background: done before the store
    closes."""
    yield
    shared().wait(5000)


@pytest.fixture
def kiosk(qtbot: QtBot, store: Store) -> Iterator[KioskWindow]:
    window = KioskWindow(store, PIN_HASH, service_code="PELABUHAN", thanks_ms=300)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window._unlocked = True  # the test is over: let it close
    window.close()


def tap(qtbot: QtBot, kiosk: KioskWindow, button: QPushButton, page: str | None = None) -> None:
    """A finger on ``button`` (it must be on screen), and the page it leads to shown."""
    assert button.isVisible() and button.isEnabled(), button.objectName()
    if page is None:
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        return
    with qtbot.waitSignal(kiosk.pageShown, check_params_cb=lambda name: name == page):
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def answer(qtbot: QtBot, kiosk: KioskWindow, code: str, choice: str, following: str) -> None:
    page = kiosk.pages.currentWidget()
    assert page.objectName() == f"kiosk_page_{code}"
    button = page.findChild(QPushButton, f"kiosk_{code}_{choice}")
    assert isinstance(button, QPushButton), f"{code} has no answer {choice}"
    tap(qtbot, kiosk, button, following)


ELEMENTS = ["U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9"]


def test_a_whole_survey_tapped_through(qtbot: QtBot, kiosk: KioskWindow, store: Store) -> None:
    assert kiosk.pages.currentWidget() is kiosk.start_page
    tap(qtbot, kiosk, kiosk.start_buttons["PELABUHAN"], "sex")
    answer(qtbot, kiosk, "sex", "P", "age_band")
    tap(qtbot, kiosk, kiosk.skip_button, "education")  # the age: skipped
    answer(qtbot, kiosk, "education", "SMA", "occupation")
    answer(qtbot, kiosk, "occupation", "WIRAUSAHA", "U1")
    scores = "432143214"
    for code, following, given in zip(ELEMENTS, [*ELEMENTS[1:], "suggestion"], scores, strict=True):
        answer(qtbot, kiosk, code, given, following)
    # Back to U9 to change the answer: the one given shows chosen, then a new one.
    tap(qtbot, kiosk, kiosk.back_button, "U9")
    u9 = kiosk.pages.currentWidget()
    assert [code for code, b in u9.buttons.items() if b.isChecked()] == ["4"]
    answer(qtbot, kiosk, "U9", "3", "suggestion")
    QTest.keyClicks(kiosk.suggestion, "Toilet dermaga perlu dibersihkan")
    with qtbot.waitSignal(kiosk.saved) as saved:
        tap(qtbot, kiosk, kiosk.send_button, "thanks")
    assert saved.args == [1]

    (row,) = store.survey_answers()
    assert row.service_code == "PELABUHAN" and row.self_filled
    assert row.answers == dict(zip(ELEMENTS, [4, 3, 2, 1, 4, 3, 2, 1, 3], strict=True))
    assert (row.sex, row.age_band, row.education, row.occupation) == (
        "P",
        "",
        "SMA",
        "WIRAUSAHA",
    )
    assert row.suggestion == "Toilet dermaga perlu dibersihkan"
    # The thank-you, then the start again, empty for the next person.
    with qtbot.waitSignal(kiosk.pageShown, timeout=3000) as shown:
        pass
    assert shown.args == ["start"]
    tap(qtbot, kiosk, kiosk.start_buttons["PELABUHAN"], "sex")
    assert not any(b.isChecked() for b in kiosk.pages.currentWidget().buttons.values())
    assert kiosk.suggestion.toPlainText() == ""


def test_the_keys_answer_too(qtbot: QtBot, kiosk: KioskWindow, store: Store) -> None:
    QTest.keyClick(kiosk, Qt.Key.Key_Return)
    for key in "1235":  # the profile: L, 26-35, SMA, the fifth occupation
        QTest.keyClicks(kiosk, key)
    QTest.keyClicks(kiosk, "5")  # no fifth answer to an element: nothing happens
    assert kiosk.pages.currentWidget().step.code == "U1"
    for key in "444444444":
        QTest.keyClicks(kiosk, key)
    assert kiosk.pages.currentWidget() is kiosk.suggestion_page
    kiosk.send_button.click()
    (row,) = store.survey_answers()
    assert (row.sex, row.age_band, row.education, row.occupation) == (
        "L",
        "26-35",
        "SMA",
        "WIRAUSAHA",
    )
    assert set(row.answers.values()) == {4} and len(row.answers) == 9


def test_a_survey_without_any_answer_is_not_stored(
    qtbot: QtBot, kiosk: KioskWindow, store: Store
) -> None:
    tap(qtbot, kiosk, kiosk.start_buttons["PELABUHAN"], "sex")
    for _step in kiosk.steps:
        tap(qtbot, kiosk, kiosk.skip_button)
    assert kiosk.pages.currentWidget() is kiosk.suggestion_page
    tap(qtbot, kiosk, kiosk.send_button)
    assert kiosk.pages.currentWidget() is kiosk.suggestion_page  # stays, and says why
    assert "Jawab paling sedikit satu pertanyaan" in kiosk.suggestion_error.text()
    assert store.survey_answers() == []
    tap(qtbot, kiosk, kiosk.back_button, "U9")  # the way back to the questions


def test_an_abandoned_survey_is_discarded(qtbot: QtBot, store: Store) -> None:
    kiosk = KioskWindow(store, PIN_HASH, service_code="PELABUHAN", idle_ms=300, grace_ms=300)
    qtbot.addWidget(kiosk)
    kiosk.show()
    tap(qtbot, kiosk, kiosk.start_buttons["PELABUHAN"], "sex")
    answer(qtbot, kiosk, "sex", "L", "age_band")
    answer(qtbot, kiosk, "age_band", "56+", "education")
    # Left alone: first the question, and a touch on it keeps the survey.
    qtbot.waitUntil(kiosk.still_there.isVisible, timeout=2000)
    tap(qtbot, kiosk, kiosk.still_there)
    assert not kiosk.still_there.isVisible()
    assert kiosk.pages.currentWidget().step.code == "education"
    # Left alone again: the question, then the start, and nothing of it stays anywhere.
    with qtbot.waitSignal(kiosk.discarded, timeout=3000):
        pass
    assert kiosk.pages.currentWidget() is kiosk.start_page
    assert kiosk.answers == {} and kiosk.service_code == ""
    assert store.survey_answers() == []
    assert store.drafts("survey") == []  # no draft either: it is never mixed with the next
    tap(qtbot, kiosk, kiosk.start_buttons["PELABUHAN"], "sex")
    tap(qtbot, kiosk, kiosk.skip_button, "age_band")
    assert not any(b.isChecked() for b in kiosk.pages.currentWidget().buttons.values())
    # The start screen waits for the next person as long as it takes.
    kiosk.show_start()
    assert not kiosk._idle.isActive()
    kiosk._unlocked = True
    kiosk.close()


def test_leaving_needs_the_operators_pin(qtbot: QtBot, kiosk: KioskWindow) -> None:
    now = [1000.0]
    kiosk.guard.clock = lambda: now[0]
    tap(qtbot, kiosk, kiosk.start_buttons["PELABUHAN"], "sex")
    assert not kiosk.close()  # Alt+F4, the window manager's close: refused
    assert kiosk.isVisible() and kiosk.pages.currentWidget() is kiosk.pin_page
    QTest.keyClick(kiosk, Qt.Key.Key_Escape)  # Esc on the PIN: back where it was
    assert kiosk.pages.currentWidget().objectName() == "kiosk_page_sex"

    tap(qtbot, kiosk, kiosk.operator_button, "pin")
    for attempt in range(FREE_TRIES):
        QTest.keyClicks(kiosk.pin, f"1{attempt}35")
        QTest.keyClick(kiosk.pin, Qt.Key.Key_Return)
        assert kiosk.isVisible()
    assert "Terlalu banyak PIN salah" in kiosk.pin_message.text()
    assert not any(key.isEnabled() for key in kiosk.pin_keys)
    kiosk.pin.setText(PIN)  # even the right PIN waits its turn
    kiosk.check_pin()
    assert kiosk.isVisible()

    now[0] += 31
    kiosk._show_pin_wait()
    assert all(key.isEnabled() for key in kiosk.pin_keys)
    kiosk.pin.clear()
    with qtbot.waitSignal(kiosk.finished):
        for digit in PIN:  # the on-screen pad
            tap(qtbot, kiosk, kiosk.pin_keys[int(digit) - 1 if digit != "0" else 10])
        tap(qtbot, kiosk, kiosk.pin_keys[11])
    assert not kiosk.isVisible()


def test_touch_targets_are_at_least_15_mm(qtbot: QtBot, kiosk: KioskWindow) -> None:
    smallest = mm_to_px(kiosk.screen(), TARGET_MM)
    for index in range(kiosk.pages.count()):
        kiosk.pages.setCurrentIndex(index)
        kiosk.navigation.show()
        qtbot.wait(1)
        for button in kiosk.findChildren(QPushButton):
            if button.isVisible():
                assert button.height() >= smallest, button.objectName()
    assert kiosk.text_px >= mm_to_px(kiosk.screen(), 5.0)


def test_a_post_with_several_services_lets_the_traveller_choose(qtbot: QtBot, store: Store) -> None:
    kiosk = KioskWindow(store, PIN_HASH, services=("PELABUHAN", "TERMINAL"))
    qtbot.addWidget(kiosk)
    kiosk.show()
    assert sorted(kiosk.start_buttons) == ["PELABUHAN", "TERMINAL"]
    tap(qtbot, kiosk, kiosk.start_buttons["TERMINAL"], "sex")
    for _ in range(4):
        tap(qtbot, kiosk, kiosk.skip_button)
    answer(qtbot, kiosk, "U1", "2", "U2")
    for _ in range(8):
        tap(qtbot, kiosk, kiosk.skip_button)
    tap(qtbot, kiosk, kiosk.send_button, "thanks")
    (row,) = store.survey_answers()
    assert row.service_code == "TERMINAL" and row.answers == {"U1": 2}
    kiosk._unlocked = True
    kiosk.close()


def test_started_from_the_survey_section_with_a_first_pin(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    window = shown_window(qtbot, store, profile)
    window.enter_section(1)
    desk = window.stack.currentWidget().findChild(SurveyDesk)
    assert desk is not None
    desk.service.setCurrentIndex(desk.service.findData("PELABUHAN"))
    seen: list[KioskDialog] = []

    def answer_dialog(dialog: QDialog) -> bool:
        assert isinstance(dialog, KioskDialog)
        seen.append(dialog)
        assert dialog.service.currentData() == "PELABUHAN"  # the section's, to start with
        dialog.pin.setText("1357")
        dialog.repeated.setText("1375")  # a slip: refused, and said so
        dialog.accept()
        assert dialog.result() != QDialog.DialogCode.Accepted
        assert dialog.pin_message.text() == "Kedua PIN berbeda: ketik PIN yang sama dua kali."
        dialog.repeated.setText("1357")
        dialog.accept()
        return dialog.result() == QDialog.DialogCode.Accepted

    desk.run_dialog = answer_dialog  # type: ignore[method-assign]
    QTest.mouseClick(desk.kiosk_button, Qt.MouseButton.LeftButton)
    kiosk = desk.kiosk
    assert isinstance(kiosk, KioskWindow) and seen
    qtbot.waitExposed(kiosk)
    assert kiosk.geometry() == kiosk.screen().geometry()  # the whole screen
    assert not desk.kiosk_button.isEnabled()
    assert pin_matches(store.get(KIOSK_PIN), "1357")

    kiosk.begin("PELABUHAN")
    for choice in ("L", "17-25", "SMP", "PNS", *"333333333"):
        kiosk.choose(choice)
    with qtbot.waitSignal(desk.summaryShown, check_params_cb=lambda n: n == 1):
        kiosk.send_button.click()  # the desk's figures follow the kiosk's answers
    kiosk.ask_pin()
    kiosk.pin.setText("1357")
    kiosk.check_pin()
    assert desk.kiosk is None and desk.kiosk_button.isEnabled()
    assert desk.status.text() == "Kios ditutup: 1 responden mengisinya."
    (row,) = store.survey_answers()
    assert row.self_filled and row.answers == dict.fromkeys(ELEMENTS, 3)


def test_the_posts_own_questions_come_after_the_elements(qtbot: QtBot, store: Store) -> None:
    from tests.unit.test_survey_extra import DEFINITION

    store.set_survey_extra_questions(DEFINITION)
    kiosk = KioskWindow(store, PIN_HASH, service_code="PELABUHAN")
    qtbot.addWidget(kiosk)
    kiosk.show()
    tap(qtbot, kiosk, kiosk.start_buttons["PELABUHAN"], "sex")
    for _ in range(4):
        tap(qtbot, kiosk, kiosk.skip_button)
    for code, following in zip(ELEMENTS, [*ELEMENTS[1:], "TOILET"], strict=True):
        answer(qtbot, kiosk, code, "2", following)
    assert "Pertanyaan dari posko ini" in kiosk.pages.currentWidget().findChildren(QLabel)[0].text()
    answer(qtbot, kiosk, "TOILET", "4", "INFO")
    answer(qtbot, kiosk, "INFO", "PETUGAS", "suggestion")
    usul = kiosk.own_texts["USUL"]  # a text question: a line on the suggestions' screen
    assert usul.isVisible()
    QTest.keyClicks(usul, "Tempat sampah")
    tap(qtbot, kiosk, kiosk.send_button, "thanks")
    (row,) = store.survey_answers()
    assert row.extra == {"TOILET": 4, "INFO": "PETUGAS", "USUL": "Tempat sampah"}
    assert row.answers == dict.fromkeys(ELEMENTS, 2)
    kiosk.show_start()
    assert usul.text() == ""
    kiosk._unlocked = True
    kiosk.close()
