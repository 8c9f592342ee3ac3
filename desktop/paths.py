"""Where the desk keeps its files: one module, one override.

The profile directory holds the database, its backups, drafts, logs and crash reports. It
is chosen, in order, by ``posko --data-dir DIR``, by ``POSKO_DATA_DIR``, or by the
operating system's user data directory. A portable profile on a USB stick or a test's
``tmp_path`` is just another directory.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

ENV_DATA_DIR = "POSKO_DATA_DIR"


def assets_dir() -> Path:
    """The read-only data shipped with the program (categories, translations, fonts)."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root) / "assets"
    return Path(__file__).resolve().parent.parent / "assets"


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("posko", appauthor=False))


@dataclass(frozen=True)
class Profile:
    """The files of one desk profile."""

    root: Path

    @classmethod
    def resolve(cls, cli_value: str | None = None) -> Profile:
        chosen = cli_value or os.environ.get(ENV_DATA_DIR) or None
        root = Path(chosen).expanduser() if chosen else default_data_dir()
        return cls(root.resolve())

    @property
    def database(self) -> Path:
        return self.root / "posko.sqlite3"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def crash_reports(self) -> Path:
        return self.root / "crash-reports"

    @property
    def receipts(self) -> Path:
        return self.root / "receipts"

    @property
    def rules(self) -> Path:
        """Routing rules the central system sent (newer than the installed ones)."""
        return self.root / "routing-rules.json"

    def ensure(self) -> None:
        for path in (self.root, self.backups, self.logs, self.crash_reports, self.receipts):
            path.mkdir(parents=True, exist_ok=True)
