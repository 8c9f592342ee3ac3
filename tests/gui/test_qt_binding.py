"""Guards the PySide6 pin: 6.12.0 on Python 3.11 drops a reference to ``None`` on every
void-returning call and aborts the process after a few thousand painter calls."""

from __future__ import annotations

import sys

from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter


def test_void_calls_keep_none_alive(qapp: QGuiApplication) -> None:
    image = QImage(64, 64, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    before = sys.getrefcount(None)
    for _ in range(2000):
        painter.setPen(QColor("black"))
        painter.drawRect(1, 2, 3, 4)
    painter.end()
    assert sys.getrefcount(None) - before > -100
