"""Receipt rendering with QtGui (QPainter → PDF or a system printer). No widgets here."""
