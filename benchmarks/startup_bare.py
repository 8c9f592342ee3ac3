"""Baseline: a bare PySide6 main window, started the way the desk is started."""

import resource
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


def main() -> None:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1180, 760)
    window.show()

    def shown() -> None:
        print(f"SHOWN {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", flush=True)
        app.quit()

    QTimer.singleShot(0, shown)
    app.exec()


if __name__ == "__main__":
    main()
