"""The real desk start-up (``desktop.app.run_gui``) up to the main window shown, on the
profile given as argv[1]; optionally scrolls the list to the end to load its pages."""

import resource
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def main() -> None:
    from desktop.app import run_gui
    from desktop.paths import Profile

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
        print(f"SHOWN {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", flush=True)
        app.quit()

    QTimer.singleShot(0, shown)
    run_gui(Profile.resolve(sys.argv[1]), language=None, crash_dialog=False)


if __name__ == "__main__":
    main()
