"""Logging: named loggers per area (``posko.db``, ``posko.print``, ``posko.ui`` …) into a
rotating file in the profile, so a field report can be diagnosed after the fact."""

from __future__ import annotations

import logging
import os
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
MAX_BYTES = 1_000_000
BACKUPS = 5


class RotatingLog(logging.FileHandler):
    """Appends to ``posko.log``; once a record takes it to ``max_bytes`` or more it becomes
    ``posko.log.1`` (the older ones move up, the one past ``backups`` is dropped) and a new
    file starts, so a file exceeds ``max_bytes`` by at most one record.

    The policy of ``logging.handlers.RotatingFileHandler``, in a few lines: that module
    pulls in ``socket``, ``pickle`` and ``queue``, 7 ms of the desk's start-up for nothing it
    uses. As with any handler, a failure to write or rotate is reported through
    ``handleError`` (a line on stderr), never raised at the code that logs."""

    def __init__(self, path: Path, *, max_bytes: int = MAX_BYTES, backups: int = BACKUPS):
        if max_bytes < 1 or backups < 1:
            raise ValueError("a rotating log needs max_bytes and backups of at least 1")
        super().__init__(path, encoding="utf-8")
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups

    def emit(self, record: logging.LogRecord) -> None:
        super().emit(record)
        self.acquire()
        try:
            if self.stream is not None and self.stream.tell() >= self.max_bytes:
                self.rotate()
        except Exception:  # as logging's own handlers: report, never raise
            self.handleError(record)
        finally:
            self.release()

    def rotate(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None
        try:
            for index in range(self.backups - 1, 0, -1):
                older = self.path.with_name(f"{self.path.name}.{index}")
                if older.exists():
                    os.replace(older, self.path.with_name(f"{self.path.name}.{index + 1}"))
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        finally:
            # Reopened even when a rename failed (a locked file): the log goes on.
            self.stream = self._open()


def configure(log_dir: Path, *, verbose: bool = False) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "posko.log"
    root = logging.getLogger("posko")
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in list(root.handlers):
        if getattr(handler, "_posko", False):
            root.removeHandler(handler)
            handler.close()
    handler = RotatingLog(path)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler._posko = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    return path
