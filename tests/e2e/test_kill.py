"""A real desk process killed with SIGKILL while the operator types loses nothing: the
next start offers the draft back. The log of the killed process has no error lines."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.paths import Profile
from desktop.store.repo import Store
from desktop.ui.complaint_form import DRAFT_FORM
from desktop.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]


def start_desk(profile: Profile, text: str) -> subprocess.Popen[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "drive_desk.py"), str(profile.root), text],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()


def wait_for(process: subprocess.Popen[str], marker: str, timeout: float = 60) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.strip())
        if line.startswith(marker):
            return lines
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    errors = process.stderr.read() if process.stderr else ""
    kill(process)
    raise AssertionError(f"no {marker!r} from the desk; got {lines}; {errors}")


@pytest.mark.slow
def test_draft_survives_sigkill(qtbot: QtBot, store: Store, profile: Profile) -> None:
    store.close()
    text = "Kapal penuh sejak subuh di dermaga dua"
    desk = start_desk(profile, text)
    try:
        wait_for(desk, "TYPED")
        wait_for(desk, "DRAFT-SAVED")  # the debounce after the last key
    finally:
        kill(desk)
    assert desk.returncode == -signal.SIGKILL

    store = Store.open(profile)
    assert [draft.title for draft in store.drafts(DRAFT_FORM)] == [text]
    window = MainWindow(store, profile, show_receipt_dialog=False)
    qtbot.addWidget(window)
    assert not window.form.banner.isHidden()
    qtbot.mouseClick(window.form.restore_button, Qt.MouseButton.LeftButton)
    assert window.form.title.text() == text
    log = (profile.logs / "posko.log").read_text(encoding="utf-8")
    assert "ERROR" not in log and "CRITICAL" not in log
    assert store.integrity_check() == "ok"
    store.close()


@pytest.mark.slow
def test_kill_mid_typing_keeps_a_prefix(qtbot: QtBot, store: Store, profile: Profile) -> None:
    """Killed while keys are still arriving: the draft holds what was typed up to the last
    save, and the database is intact."""
    store.close()
    text = "Petugas loket meminta uang tambahan tanpa kuitansi resmi di pelabuhan"
    desk = start_desk(profile, text)
    try:
        wait_for(desk, "DRAFT-SAVED")
    finally:
        kill(desk)
    store = Store.open(profile)
    (draft,) = store.drafts(DRAFT_FORM)
    content = store.load_draft(draft.id)
    assert content is not None and text.startswith(content["title"]) and content["title"]
    assert store.integrity_check() == "ok"
    store.close()
