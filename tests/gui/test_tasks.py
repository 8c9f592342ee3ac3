"""The background-task helper: work on a pool thread, results and errors on the GUI thread,
nothing delivered to a widget that went away."""

from __future__ import annotations

import logging
import threading

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop.ui.tasks import Tasks


def test_the_result_arrives_on_the_gui_thread(qtbot: QtBot) -> None:
    tasks = Tasks()
    owner = QWidget()
    qtbot.addWidget(owner)
    gui = QThread.currentThread()
    ran_on: list[str] = []
    got: list[tuple[int, bool]] = []

    def work() -> int:
        ran_on.append(threading.current_thread().name)
        return 42

    handle = tasks.run(owner, work, lambda v: got.append((v, QThread.currentThread() is gui)))
    with qtbot.waitSignal(handle.finished, timeout=5000):
        pass
    assert got == [(42, True)]
    assert ran_on and ran_on[0] != threading.main_thread().name


def test_an_exception_goes_to_failure_described_without_its_message(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    tasks = Tasks()
    owner = QWidget()
    qtbot.addWidget(owner)
    errors: list[BaseException] = []

    def work() -> int:
        raise ValueError("Siti Rahmawati 081234567890")

    handle = tasks.run(owner, work, lambda _v: pytest.fail("no result"), errors.append)
    with (
        caplog.at_level(logging.ERROR, "posko.ui"),
        qtbot.waitSignal(handle.finished, timeout=5000),
    ):
        pass
    assert len(errors) == 1 and isinstance(errors[0], ValueError)
    assert "ValueError" in caplog.text
    assert "Siti" not in caplog.text and "0812" not in caplog.text


def test_nothing_is_delivered_to_a_widget_destroyed_before_the_result(qtbot: QtBot) -> None:
    tasks = Tasks()
    owner = QWidget()
    release = threading.Event()
    got: list[int] = []

    def work() -> int:
        release.wait(5)
        return 1

    handle = tasks.run(owner, work, got.append)
    owner.deleteLater()
    qtbot.waitUntil(lambda: handle.cancelled, timeout=5000)
    release.set()
    with qtbot.waitSignal(handle.finished, timeout=5000):
        pass
    assert got == []


def test_a_cancelled_handle_drops_its_result(qtbot: QtBot) -> None:
    tasks = Tasks()
    owner = QWidget()
    qtbot.addWidget(owner)
    release = threading.Event()
    got: list[str] = []

    def slow() -> str:
        release.wait(5)
        return "old"

    old = tasks.run(owner, slow, got.append)
    old.cancel()
    new = tasks.run(owner, lambda: "new", got.append)
    release.set()
    with qtbot.waitSignal(new.finished, timeout=5000):
        pass
    assert got == ["new"]


def test_synchronous_tasks_deliver_before_run_returns(qtbot: QtBot) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    got: list[int] = []
    handle = Tasks(synchronous=True).run(owner, lambda: 7, got.append)
    assert got == [7] and handle.done
