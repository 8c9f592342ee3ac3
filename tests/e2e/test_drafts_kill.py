"""Two crashes in a row lose no report. A real desk process types report A and is killed
with SIGKILL; the next one starts, offers A, gets report B typed without restoring A and is
killed too; the third start offers both, and restoring each gives back its text."""

from __future__ import annotations

import signal
import time

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.paths import Profile
from desktop.store.repo import Store
from desktop.ui.complaint_form import ComplaintForm
from desktop.ui.main_window import MainWindow
from tests.drafts_support import titles_on_disk
from tests.e2e.test_kill import kill, start_desk, wait_for

REPORT_A = "Kapal penuh sejak subuh di dermaga dua"
REPORT_B = "Petugas loket meminta uang tambahan tanpa kuitansi"


def type_and_kill(profile: Profile, text: str) -> list[str]:
    """Start the real desk, type ``text``, wait until its draft is in the database file,
    then SIGKILL the process. Returns what the desk printed."""
    desk = start_desk(profile, text)
    try:
        lines = wait_for(desk, "TYPED")
        deadline = time.monotonic() + 30
        while text not in titles_on_disk(profile.database):
            assert time.monotonic() < deadline, "the draft never reached the database file"
            time.sleep(0.05)
    finally:
        kill(desk)
    assert desk.returncode == -signal.SIGKILL
    return lines


def pick(form: ComplaintForm, title: str) -> None:
    """Choose the offered draft with this title in the banner's list."""
    titles = [draft.title for draft in form.offered]
    form.draft_choice.setCurrentIndex(titles.index(title))


@pytest.mark.slow
def test_two_crashes_in_a_row_keep_both_reports(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    store.close()
    first = type_and_kill(profile, REPORT_A)
    assert "BANNER hidden 0" in first  # nothing was left before run 1
    second = type_and_kill(profile, REPORT_B)
    assert "BANNER shown 1" in second  # run 2 offered A, and B was typed without restoring it

    # Both reports are in the file, each its own draft.
    assert titles_on_disk(profile.database) == sorted([REPORT_A, REPORT_B])

    # Run 3: the desk offers both, and restoring each gives back its text.
    store = Store.open(profile)
    window = MainWindow(store, profile, show_receipt_dialog=False)
    qtbot.addWidget(window)
    form = window.form
    assert not form.banner.isHidden()
    assert sorted(draft.title for draft in form.offered) == sorted([REPORT_A, REPORT_B])
    for text in (REPORT_A, REPORT_B):
        pick(form, text)
        qtbot.mouseClick(form.restore_button, Qt.MouseButton.LeftButton)
        assert form.title.text() == text
    # Restoring one after the other kept both, and made no copies.
    assert titles_on_disk(profile.database) == sorted([REPORT_A, REPORT_B])
    assert [draft.title for draft in form.offered] == [REPORT_A]
    log = (profile.logs / "posko.log").read_text(encoding="utf-8")
    assert "ERROR" not in log and "CRITICAL" not in log
    assert store.integrity_check() == "ok"
    store.close()
