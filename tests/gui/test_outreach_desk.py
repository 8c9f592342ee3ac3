"""The Penjangkauan section, tapped as an operator does all day: with the mouse or the
keys shown on the buttons, the figures following each tap; undo, low stock, deliveries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop.paths import Profile
from desktop.store.repo import Store
from desktop.ui.outreach_desk import OutreachDesk
from desktop.ui.tasks import shared
from posko.i18n import _ as tr
from posko.outreach import item
from tests.desk_support import CTRL, Keyboard, focused, shown_window

OUTREACH_ROW = 2


@pytest.fixture(autouse=True)
def _reads_done(store: Store) -> Iterator[None]:
    """Taps are written and read in the background: done before the store closes."""
    yield
    shared().wait(5000)


def open_outreach(qtbot: QtBot, store: Store, profile: Profile) -> OutreachDesk:
    window = shown_window(qtbot, store, profile)
    window.enter_section(OUTREACH_ROW)
    desk = window.stack.currentWidget().findChild(OutreachDesk)
    assert desk is not None
    qtbot.waitUntil(lambda: desk.people.text() == "0")
    return desk


def figures(desk: OutreachDesk) -> tuple[str, dict[str, str], dict[str, str]]:
    return (
        desk.people.text(),
        {code: label.text() for code, label in desk.handed_out.items()},
        {code: label.text() for code, label in desk.stock.items()},
    )


def test_taps_count_and_the_figures_follow(qtbot: QtBot, store: Store, profile: Profile) -> None:
    desk = open_outreach(qtbot, store, profile)
    with qtbot.waitSignal(desk.recorded, timeout=5000) as said:
        qtbot.mouseClick(desk.people_buttons[5], Qt.MouseButton.LeftButton)
    assert said.args == [
        tr("Counted: {tap}.").format(tap=tr("People reached {count:+d}").format(count=5))
    ]
    assert desk.people.text() == "5"
    qtbot.mouseClick(desk.people_buttons[1], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(desk.people_buttons[10], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(desk.item_buttons["stiker"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(desk.item_buttons["stiker"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            figures(desk)
            == (
                "16",
                {"kaus": "0", "stiker": "2", "topi": "0"},
                {"kaus": "0", "stiker": "-2", "topi": "0"},
            )
        )
    )
    totals = store.outreach_totals()
    assert totals.people_reached == 16 and totals.handed_out == {"stiker": 2}


def test_every_tap_has_its_key_shown_on_its_button(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    desk = open_outreach(qtbot, store, profile)
    assert desk.isAncestorOf(focused())  # Alt+3 put the keyboard in it
    for count, key in ((1, "1"), (5, "5"), (10, "0")):
        assert desk.people_buttons[count].text().endswith(f"[{key}]")
    for code, button in desk.item_buttons.items():
        known = item(code)
        assert known is not None and button.text().endswith(f"[{known.key}]")
    keys = Keyboard()
    keys.type_text("1150kKts")  # 1+1+5+10 people; two kaus, a topi, a stiker
    qtbot.waitUntil(lambda: figures(desk)[:2] == ("17", {"kaus": "2", "stiker": "1", "topi": "1"}))
    # A key held down counts once: its repeats are not taps.
    held = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_1, Qt.KeyboardModifier.NoModifier, "1", True)
    QApplication.sendEvent(focused(), held)
    # In a box that takes typing, the keys are the box's: nothing more is counted.
    desk.receive_quantity.setFocus()
    keys.type_text("15")
    desk.receive_note.setFocus()
    keys.type_text("kst")
    shared().wait(5000)
    qtbot.wait(50)
    assert figures(desk)[:2] == ("17", {"kaus": "2", "stiker": "1", "topi": "1"})
    assert desk.receive_note.text() == "kst"


def test_undo_last_undoes_tap_by_tap_and_says_what(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    desk = open_outreach(qtbot, store, profile)
    keys = Keyboard()
    keys.type_text("5")
    keys.type_text("t")
    qtbot.waitUntil(lambda: figures(desk)[:2] == ("5", {"kaus": "0", "stiker": "0", "topi": "1"}))
    with qtbot.waitSignal(desk.recorded, timeout=5000) as said:
        keys.press(Qt.Key.Key_Z, CTRL)
    cap = item("topi")
    assert cap is not None
    topi = tr("{item} handed out {count:+d}").format(item=cap.name(), count=1)
    assert said.args == [tr("Undone: {tap}.").format(tap=topi)]
    assert desk.status.text() == said.args[0]
    assert figures(desk)[:2] == ("5", {"kaus": "0", "stiker": "0", "topi": "0"})
    with qtbot.waitSignal(desk.recorded, timeout=5000) as said:
        qtbot.mouseClick(desk.undo_button, Qt.MouseButton.LeftButton)
    people = tr("People reached {count:+d}").format(count=5)
    assert said.args == [tr("Undone: {tap}.").format(tap=people)]
    assert desk.people.text() == "0"
    with qtbot.waitSignal(desk.recorded, timeout=5000) as said:
        keys.press(Qt.Key.Key_Z, CTRL)
    assert said.args == [tr("Nothing to undo today.")]


def test_low_stock_warns_in_words(qtbot: QtBot, store: Store, profile: Profile) -> None:
    desk = open_outreach(qtbot, store, profile)
    kaus = item("kaus")
    assert kaus is not None
    assert desk.low["kaus"].isVisible()  # none received yet: 0 is low
    assert desk.low["kaus"].text() == tr("Low stock: ask for more")
    desk.receive_item.setCurrentIndex(desk.receive_item.findData("kaus"))
    desk.receive_quantity.setValue(kaus.low_stock + 1)
    desk.receive_note.setText("dari Dinas Perhubungan")
    with qtbot.waitSignal(desk.recorded, timeout=5000) as said:
        qtbot.mouseClick(desk.receive_button, Qt.MouseButton.LeftButton)
    assert said.args == [
        tr("Stock received: {item} {quantity:+d}").format(item="Kaus", quantity=kaus.low_stock + 1)
    ]
    assert desk.stock["kaus"].text() == str(kaus.low_stock + 1)
    assert not desk.low["kaus"].isVisible()
    assert desk.receive_note.text() == "" and desk.receive_quantity.value() == 1
    with qtbot.waitSignal(desk.recorded, timeout=5000):
        qtbot.mouseClick(desk.item_buttons["kaus"], Qt.MouseButton.LeftButton)
    assert desk.stock["kaus"].text() == str(kaus.low_stock)
    assert desk.low["kaus"].isVisible()  # at the threshold: warned
    assert store.stock_levels() == {"kaus": kaus.low_stock}


def test_a_refused_delivery_says_why(qtbot: QtBot, store: Store, profile: Profile) -> None:
    desk = open_outreach(qtbot, store, profile)
    desk.receive_note.setText("baris\x07aneh")
    desk.receive()
    qtbot.waitUntil(desk.receive_message.isVisible)
    assert desk.receive_message.text().startswith(tr("Note"))  # which box, in words
    assert desk.status.property("role") == "error"
    assert store.stock_levels() == {}


def test_a_tap_into_a_damaged_database_says_it_was_not_counted(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    from desktop.store.health import DatabaseDamaged

    desk = open_outreach(qtbot, store, profile)
    store.mark_damaged(DatabaseDamaged(profile.database, DatabaseDamaged.CHECK_FAILED, "test"))
    desk.count_people(5)
    qtbot.waitUntil(lambda: desk.status.property("role") == "error")
    assert desk.status.text() == tr(
        "Not counted: the database is damaged or cannot be written; recover it, then tap again."
    )
    assert desk.people.text() == "0"


def test_todays_target_and_how_much_of_it_is_reached(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    from datetime import datetime, timedelta

    from posko.campaign import Campaign
    from posko.zones import zone

    today = datetime.now(zone("WIB")).date()
    desk = open_outreach(qtbot, store, profile)
    assert desk.target.text() == "Tidak ada target kampanye hari ini."
    store.set_campaign(
        Campaign("Mudik", today - timedelta(days=1), today + timedelta(days=1), ("MRK", "CRB"), 600)
    )  # 100 a post a day
    qtbot.mouseClick(desk.people_buttons[10], Qt.MouseButton.LeftButton)
    # The figures are read in the background after the tap (an earlier read may land first).
    qtbot.waitUntil(lambda: desk.people.text() == "10", timeout=5000)
    assert desk.target.text() == "Target hari ini 100: 10 % tercapai"
