"""Baseline: a bare PySide6 main window, started the way the desk is started."""

import sys

from peak import peak_kib  # benchmarks/peak.py, beside this script
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


def main() -> None:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1180, 760)
    window.show()

    def shown() -> None:
        print(f"SHOWN {peak_kib()}", flush=True)
        app.quit()

    QTimer.singleShot(0, shown)
    app.exec()


if __name__ == "__main__":
    main()
