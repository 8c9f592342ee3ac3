"""Reading the drafts straight from the database file, and answering the form's questions,
for the draft tests."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from tests import rawdb


def drafts_on_disk(database: Path) -> dict[str, tuple[str, str]]:
    """Each draft's title with its stored ``(content, updated_at)``, read as another
    process sees the file (sqlite3, read-only). Whatever the desk's schema, a draft is a
    JSON object in ``content``."""
    with closing(rawdb.connect(database, readonly=True)) as conn:
        rows = conn.execute("SELECT content, updated_at FROM drafts").fetchall()
    return {str(json.loads(content).get("title")): (content, stamp) for content, stamp in rows}


def titles_on_disk(database: Path) -> list[str]:
    """The titles of the drafts in the file, sorted, one entry per row."""
    with closing(rawdb.connect(database, readonly=True)) as conn:
        rows = conn.execute("SELECT content FROM drafts").fetchall()
    return sorted(str(json.loads(content).get("title")) for (content,) in rows)


def answer_question(answer: QMessageBox.StandardButton | Qt.Key) -> list[str]:
    """Press ``answer`` (a button, or a key on the keyboard) in the next message box that
    opens (a real, modal one). Returns a list that receives the box's text once answered."""
    seen: list[str] = []

    def respond() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, respond)
            return
        seen.append(box.text())
        if isinstance(answer, Qt.Key):
            QTest.keyClick(box, answer)
            return
        pressed = box.button(answer)
        assert pressed is not None
        pressed.click()

    QTimer.singleShot(0, respond)
    return seen
