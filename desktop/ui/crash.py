"""Unexpected errors: a report file in the profile, a line in the log, and (unless disabled
for CI or kiosks) a dialog that tells the operator nothing typed was lost."""

from __future__ import annotations

import logging
import sys
import threading
from datetime import datetime
from pathlib import Path
from types import TracebackType

from posko import __version__
from posko.errors import describe, report
from posko.i18n import _

log = logging.getLogger("posko.crash")


def write_report(
    directory: Path, kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> Path:
    import platform  # here: 2 ms of start-up otherwise, for a report that is rarely written

    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    path = directory / f"crash-{stamp}.txt"
    # Messages withheld (posko.errors): they may hold report text or reporter data.
    text = report(value.with_traceback(tb))
    path.write_text(
        f"Posko {__version__}\nPython {sys.version}\n{platform.platform()}\n"
        f"time {datetime.now().isoformat()}\n\n{text}",
        encoding="utf-8",
    )
    return path


def install(directory: Path, *, show_dialog: bool) -> None:
    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        path = write_report(directory, kind, value, tb)
        log.error("unexpected error, report %s: %s", path, describe(value.with_traceback(tb)))
        if show_dialog and threading.current_thread() is threading.main_thread():
            from PySide6.QtWidgets import QApplication, QMessageBox

            if QApplication.instance() is not None:
                QMessageBox.critical(
                    None,
                    _("Unexpected error"),
                    _(
                        "Posko ran into an unexpected error. Saved reports and the form's draft "
                        "are safe. A report was written to:\n{path}\nPlease give it to your "
                        "coordinator."
                    ).format(path=path),
                )

    sys.excepthook = hook
    threading.excepthook = lambda args: hook(
        args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback
    )
