"""The real desk start-up, through the ``posko`` command's own entry point
(``desktop.cli.main``, as ``posko --data-dir DIR``), up to the main window shown, on the
profile given as argv[1]; optionally scrolls the list to the end to load its pages."""

import sys

from peak import peak_kib  # benchmarks/peak.py, beside this script
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def main() -> None:
    from desktop.cli import main as posko

    app = QApplication(sys.argv[:1])
    browse = len(sys.argv) > 2 and sys.argv[2] == "--browse"

    def shown() -> None:
        if browse:
            from desktop.ui.main_window import MainWindow

            window = next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))
            window.go_to_list()
            table = window.list.table
            for _ in range(30):
                table.verticalScrollBar().setValue(table.verticalScrollBar().maximum())
                app.processEvents()
        print(f"SHOWN {peak_kib()}", flush=True)
        app.quit()

    QTimer.singleShot(0, shown)
    posko(["--data-dir", sys.argv[1], "--no-crash-dialog"])


if __name__ == "__main__":
    main()
