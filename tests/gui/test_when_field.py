"""The "when" field with real keystrokes: a time typed in one go is the post's wall clock
(WITA here, on a laptop set to São Paulo), the quick choices answer the keyboard, text it
cannot read blocks the save and stays, Tab leaves in one press, drafts keep the instant."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.paths import Profile
from desktop.settings import TIME_ZONE
from desktop.store.records import ComplaintQuery
from desktop.store.repo import Store
from desktop.ui.complaint_form import DRAFT_DELAY_MS, DRAFT_FORM, ComplaintForm
from desktop.ui.edit_dialog import EditDialog
from tests.drafts_support import drafts_on_disk

# Wednesday 1 April 2026, 11:00 in Makassar (WITA, UTC+8); 23:00 the day before in São Paulo.
NOW = datetime(2026, 4, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def laptop_elsewhere(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The laptop's clock set to another zone than the post's: nothing may use it."""
    monkeypatch.setenv("TZ", "America/Sao_Paulo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def form(qtbot: QtBot, store: Store, laptop_elsewhere: None) -> ComplaintForm:
    store.set(TIME_ZONE, "WITA")
    form = ComplaintForm(store)
    form.occurred_at.clock = lambda: NOW
    qtbot.addWidget(form)
    with qtbot.waitActive(form):
        form.show()
        form.activateWindow()
    return form


def type_into(qtbot: QtBot, widget: QWidget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def fill_the_rest(qtbot: QtBot, form: ComplaintForm) -> None:
    # Chosen without typing: the category box's completer is another test's subject.
    form.category.setCurrentIndex(form.category.findData("SOSIAL"))
    type_into(qtbot, form.title, "Antrean gerbang tol")
    type_into(qtbot, form.description, "Antrean 5 km di gerbang tol Cikampek Utama.")


def test_a_time_typed_in_one_go_is_the_posts_wall_clock(qtbot: QtBot, form: ComplaintForm) -> None:
    fill_the_rest(qtbot, form)
    type_into(qtbot, form.occurred_at, "1-4 9.30")
    assert QApplication.focusWidget() is form.occurred_at  # typing never moved on
    assert form.occurred_at.understood.text() == "Rabu, 1 April 2026 09.30 WITA"
    qtbot.keyClick(form.occurred_at, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.reporter_name  # one press, the next field
    assert form.occurred_at.text() == "01-04-2026 09:30"  # what it understood, written back
    with qtbot.waitSignal(form.saved, timeout=5000) as saved:
        qtbot.keyClick(form.reporter_name, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    record = saved.args[0]
    assert record.occurred_at == datetime(2026, 4, 1, 1, 30, tzinfo=UTC)
    assert form.occurred_at.text() == "" and form.occurred_at.understood.text() == "Tidak diketahui"


def test_empty_is_not_known(qtbot: QtBot, form: ComplaintForm) -> None:
    fill_the_rest(qtbot, form)
    record = form.submit()
    assert record is not None and record.occurred_at is None


def test_tab_leaves_in_one_press_whatever_is_typed(qtbot: QtBot, form: ComplaintForm) -> None:
    for typed in ("", "3-", "03-12-2026 14:3", "besok"):
        form.occurred_at.setText("")
        type_into(qtbot, form.location, "Merak")
        qtbot.keyClick(form.location, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is form.occurred_at
        qtbot.keyClicks(form.occurred_at, typed)
        assert QApplication.focusWidget() is form.occurred_at
        qtbot.keyClick(form.occurred_at, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is form.reporter_name, typed
        assert form.occurred_at.text() == typed  # nothing spilled anywhere
        assert form.reporter_name.text() == ""


def test_quick_choices_by_keyboard(qtbot: QtBot, form: ComplaintForm) -> None:
    field = form.occurred_at
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_Down)
    menu = field.menu
    assert menu is not None
    qtbot.waitUntil(menu.isVisible)
    assert [a.text() for a in menu.actions()] == [
        "&Sekarang (11:00)",
        "&Hari ini, jam …",
        "&Kemarin, jam …",
        "&Tidak diketahui (kosong)",
    ]
    qtbot.keyClick(menu, "k")
    qtbot.waitUntil(lambda: not menu.isVisible())
    assert field.text() == "kemarin " and field.cursorPosition() == len("kemarin ")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
    qtbot.keyClicks(field, "20.00")
    assert field.understood.text() == "Selasa, 31 Maret 2026 20.00 WITA"
    assert field.moment() == datetime(2026, 3, 31, 12, 0, tzinfo=UTC)

    qtbot.keyClick(field, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    menu = field.menu
    assert menu is not None
    qtbot.waitUntil(menu.isVisible)
    qtbot.keyClick(menu, "s")
    assert field.text() == "01-04-2026 11:00"
    assert field.moment() == NOW


def test_text_it_cannot_read_blocks_the_save_and_stays(
    qtbot: QtBot, form: ComplaintForm, profile: Profile
) -> None:
    fill_the_rest(qtbot, form)
    type_into(qtbot, form.occurred_at, "besok pagi")
    qtbot.keyClick(form.occurred_at, Qt.Key.Key_Tab)
    message = form.messages["occurred_at"]
    assert message.isVisible()  # said on leaving the field, before any save
    assert message.text().startswith("“besok pagi” bukan waktu yang dimengerti kolom ini.")
    assert form.submit() is None
    assert form.store.count(ComplaintQuery()) == 0
    assert message.isVisible() and QApplication.focusWidget() is form.occurred_at
    assert form.occurred_at.text() == "besok pagi"
    qtbot.wait(DRAFT_DELAY_MS * 2)
    form.flush_draft()
    ((content, _stamp),) = drafts_on_disk(profile.database).values()
    assert json.loads(content)["occurred_text"] == "besok pagi"
    # Corrected: the message goes when the field is left, and the report saves.
    form.occurred_at.selectAll()
    qtbot.keyClicks(form.occurred_at, "tadi 10.15")
    qtbot.keyClick(form.occurred_at, Qt.Key.Key_Tab)
    assert not message.isVisible()
    record = form.submit()
    assert record is not None and record.occurred_at == datetime(2026, 4, 1, 2, 15, tzinfo=UTC)


def test_the_future_is_refused_with_the_other_mistakes(qtbot: QtBot, form: ComplaintForm) -> None:
    type_into(qtbot, form.occurred_at, "hari ini 23.00")
    assert form.occurred_at.understood.text() == ""
    assert form.submit() is None
    assert form.messages["occurred_at"].text() == (
        "Itu belum terjadi (01-04-2026 23:00): kejadiannya harus sudah berlalu."
    )
    # The other fields' messages too, and the keyboard on the first of them.
    assert form.messages["title"].isVisible() and form.messages["category"].isVisible()
    assert QApplication.focusWidget() is not form.occurred_at
    assert form.occurred_at.text() == "hari ini 23.00"


def test_a_far_past_is_shown_for_a_second_look(qtbot: QtBot, form: ComplaintForm) -> None:
    type_into(qtbot, form.occurred_at, "1-4-2025 9.30")
    assert form.occurred_at.understood.text() == (
        "Selasa, 1 April 2025 09.30 WITA  (lebih dari 30 hari yang lalu: periksa tanggalnya)"
    )
    assert form.occurred_at.understood.property("role") == "warning"  # the theme's colour
    fill_the_rest(qtbot, form)
    record = form.submit()
    assert record is not None and record.occurred_at == datetime(2025, 4, 1, 1, 30, tzinfo=UTC)


def test_a_draft_keeps_the_instant_and_comes_back_in_the_posts_zone(
    qtbot: QtBot, form: ComplaintForm, store: Store, profile: Profile
) -> None:
    type_into(qtbot, form.title, "Draf dengan waktu")
    type_into(qtbot, form.occurred_at, "kemarin 20.00")
    qtbot.wait(DRAFT_DELAY_MS * 2)
    form.flush_draft()
    ((content, _stamp),) = drafts_on_disk(profile.database).values()
    assert json.loads(content)["occurred_at"] == "2026-03-31T20:00:00+08:00"
    # The next day, another form: "kemarin" was the 31st, and stays so.
    later = ComplaintForm(store)
    qtbot.addWidget(later)
    later.occurred_at.clock = lambda: datetime(2026, 4, 2, 3, 0, tzinfo=UTC)
    draft = store.drafts(DRAFT_FORM)[0]
    later.restore_draft(draft.id)
    assert later.occurred_at.text() == "31-03-2026 20:00"
    assert later.occurred_at.understood.text() == "Selasa, 31 Maret 2026 20.00 WITA"


def test_a_correction_shows_the_saved_time_in_the_posts_zone(
    qtbot: QtBot, form: ComplaintForm, store: Store
) -> None:
    fill_the_rest(qtbot, form)
    type_into(qtbot, form.occurred_at, "1-4 9.30")
    record = form.submit()
    assert record is not None
    dialog = EditDialog(store, record)
    qtbot.addWidget(dialog)
    assert dialog.form.occurred_at.text() == "01-04-2026 09:30"
    saved = dialog.form.submit()
    assert saved is not None and saved.occurred_at == record.occurred_at
