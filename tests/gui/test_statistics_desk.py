"""The Statistik section on a real profile: the figures and charts come from the worker,
follow what is saved and tapped while the section is shown, redraw only the charts whose
figures changed, and narrow with the filters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.domain import ComplaintInput
from desktop.paths import Profile
from desktop.store.repo import Store
from desktop.ui.outreach_desk import OutreachDesk
from desktop.ui.statistics_desk import StatisticsDesk, statistics_tasks
from desktop.ui.tasks import shared
from posko import charts
from tests.desk_support import shown_window

OUTREACH_ROW, STATISTICS_ROW = 2, 3
WIB = timezone(timedelta(hours=7))


@pytest.fixture(autouse=True)
def _work_done(store: Store) -> Iterator[None]:
    yield
    shared().wait(5000)
    statistics_tasks().wait(10000)


def _report(store: Store, category: str) -> None:
    store.save_complaint(
        ComplaintInput(
            type="pengaduan",
            category=category,
            title="Antrean kapal panjang",
            description="Antrean kendaraan ke kapal lebih dari 6 jam.",
        ),
        now=datetime.now(WIB) - timedelta(hours=1),
    )


def _tile(desk: StatisticsDesk, name: str) -> str:
    return desk.tiles[name][0].text()


def _keys(desk: StatisticsDesk) -> dict[str, int]:
    return {name: label.pixmap().cacheKey() for name, label in desk.charts.items()}


def open_statistics(qtbot: QtBot, store: Store, profile: Profile) -> StatisticsDesk:
    window = shown_window(qtbot, store, profile)
    window.enter_section(STATISTICS_ROW)
    desk = window.stack.currentWidget().findChild(StatisticsDesk)
    assert desk is not None
    qtbot.waitUntil(lambda: desk.stats is not None, timeout=20000)
    return desk


def test_the_figures_and_charts_of_the_post(qtbot: QtBot, store: Store, profile: Profile) -> None:
    for category in ("PELABUHAN", "PELABUHAN", "TERMINAL"):
        _report(store, category)
    store.record_people_reached(12)
    desk = open_statistics(qtbot, store, profile)
    assert _tile(desk, "people") == "12" and _tile(desk, "complaints") == "3"
    assert _tile(desk, "survey") == "-" and _tile(desk, "merchandise") == "0"
    assert desk.stats is not None
    for name, label in desk.charts.items():
        assert not label.pixmap().isNull(), name
        assert label.pixmap().width() >= 300
        assert label.accessibleDescription() == charts.describe(name, desk.stats)
    assert "Pelabuhan dan penyeberangan: 2" in desk.charts["categories"].toolTip()


def test_a_tap_shows_without_asking_and_redraws_only_its_charts(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    _report(store, "PELABUHAN")
    desk = open_statistics(qtbot, store, profile)
    qtbot.waitUntil(lambda: not desk._running)
    before = _keys(desk)
    with qtbot.waitSignal(desk.figuresShown, timeout=10000):
        store.record_people_reached(5)  # as the Penjangkauan section does, then nothing
    qtbot.waitUntil(lambda: _tile(desk, "people") == "5", timeout=10000)
    after = _keys(desk)
    assert after["people"] != before["people"]
    unchanged = {"categories", "agencies", "deadlines", "ikm", "merchandise"}
    assert {name for name in unchanged if after[name] != before[name]} == set()


def test_a_report_saved_at_the_desk_is_counted(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    desk = open_statistics(qtbot, store, profile)
    assert _tile(desk, "complaints") == "0"
    _report(store, "TERMINAL")
    qtbot.waitUntil(lambda: _tile(desk, "complaints") == "1", timeout=10000)
    assert "Terminal bus: 1" in desk.charts["categories"].accessibleDescription()


def test_filters_narrow_the_figures(qtbot: QtBot, store: Store, profile: Profile) -> None:
    for category in ("PELABUHAN", "PELABUHAN", "TERMINAL"):
        _report(store, category)
    desk = open_statistics(qtbot, store, profile)
    desk.category.setCurrentIndex(desk.category.findData("TERMINAL"))
    qtbot.waitUntil(lambda: _tile(desk, "complaints") == "1", timeout=10000)
    desk.category.setCurrentIndex(0)
    qtbot.waitUntil(lambda: _tile(desk, "complaints") == "3", timeout=10000)
    yesterday = desk.date_to.date().addDays(-2)
    desk.use_dates.setChecked(True)
    desk.date_from.setDate(yesterday)
    desk.date_to.setDate(yesterday)
    qtbot.waitUntil(lambda: _tile(desk, "complaints") == "0", timeout=10000)
    assert desk.filters().first == desk.filters().last


def test_taps_in_penjangkauan_reach_statistik(qtbot: QtBot, store: Store, profile: Profile) -> None:
    window = shown_window(qtbot, store, profile)
    window.enter_section(STATISTICS_ROW)
    desk = window.stack.currentWidget().findChild(StatisticsDesk)
    assert desk is not None
    qtbot.waitUntil(lambda: desk.stats is not None, timeout=20000)
    window.enter_section(OUTREACH_ROW)
    outreach = window.stack.currentWidget().findChild(OutreachDesk)
    assert outreach is not None
    with qtbot.waitSignal(outreach.recorded, timeout=5000):
        qtbot.mouseClick(outreach.people_buttons[10], Qt.MouseButton.LeftButton)
    window.enter_section(STATISTICS_ROW)
    qtbot.waitUntil(lambda: _tile(desk, "people") == "10", timeout=10000)


def test_export_takes_the_days_the_section_shows(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.ui.export_dialog import ExportDialog

    desk = open_statistics(qtbot, store, profile)
    desk.use_dates.setChecked(True)
    desk.date_from.setDate(desk.date_to.date().addDays(-3))
    seen: list[tuple[bool, object, object]] = []

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ExportDialog)
        seen.append((dialog.use_dates.isChecked(), dialog.date_from.date(), dialog.date_to.date()))
        dialog.reject()

    QTimer.singleShot(200, look)
    qtbot.mouseClick(desk.export_button, Qt.MouseButton.LeftButton)
    assert seen == [(True, desk.date_from.date(), desk.date_to.date())]
