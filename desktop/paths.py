"""Where the desk keeps its files: one module, one override.

The profile directory holds the database, its backups, drafts, logs and crash reports. It
is chosen, in order, by ``posko --data-dir DIR``, by ``POSKO_DATA_DIR``, or by the
operating system's user data directory. A portable profile on a USB stick or a test's
``tmp_path`` is just another directory.

The profile holds reporters' names and phone numbers and the desk's credentials, so it is
its owner's alone: the folder (and its ``backups/`` and ``damaged/``) 0700, the database and
its companions, backups, the identity file, the device key and token 0600. ``ensure`` makes
it so on every open, for profiles made before too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_DATA_DIR = "POSKO_DATA_DIR"
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
# The companions SQLite keeps beside a database file (WAL mode; a rollback journal while a
# backup is written).
DATABASE_COMPANIONS = ("-wal", "-shm", "-journal")


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

    @property
    def category_groups(self) -> Path:
        """The groups of categories the coordinator offers for new reports, as the last
        sync learned them (``posko.catalog.read_switches``)."""
        return self.root / "category-groups.json"

    @property
    def identity(self) -> Path:
        """Who this desk is and the highest tracking number it ever issued per prefix, kept
        outside the database (``desktop.store.identity``)."""
        return self.root / "device-identity.json"

    @property
    def damaged(self) -> Path:
        """Copies of database files found damaged, kept for a second attempt at recovery."""
        return self.root / "damaged"

    @property
    def device_key(self) -> Path:
        """The Ed25519 private key, made at setup (``desktop.keys``)."""
        return self.root / "device-key"

    @property
    def device_token(self) -> Path:
        """The sync token (``desktop.sync.enroll``)."""
        return self.root / "device-token"

    def ensure(self) -> None:
        """Create the folders (owner-only) and make existing private files owner-only."""
        self.root.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        for path in (self.backups, self.logs, self.crash_reports, self.receipts):
            path.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        self.secure()

    def clear_receipts(self, keep: Path | None = None) -> int:
        """Remove the receipt PDFs in ``receipts/`` but ``keep``; how many. A receipt holds
        its report's secret access code and title in the clear, so the profile keeps only
        the one on the screen, and none once the desk closes (a reprint renders it anew
        from the encrypted database)."""
        removed = 0
        try:
            found = list(self.receipts.glob("*.pdf"))
        except OSError:
            return 0
        for path in found:
            if keep is not None and path == keep:
                continue
            try:
                path.unlink()
                removed += 1
            except OSError:  # open in a viewer on Windows: the next clearing takes it
                continue
        return removed

    def private_files(self) -> list[Path]:
        """The files that must be readable by the owner alone, where they exist."""
        files = [self.database, self.identity, self.device_key, self.device_token]
        files += [self.root / "desk-key.json", self.root / "draft-rescue.json"]
        files += [Path(f"{self.database}{suffix}") for suffix in DATABASE_COMPANIONS]
        for folder in (self.backups, self.damaged):
            files += [p for p in folder.rglob("*") if p.is_file()]
        return files

    def secure(self) -> None:
        """Folder 0700 (and ``backups/``, ``damaged/``), private files 0600. Only modes that
        differ are changed, so an everyday open costs a few ``stat`` calls."""
        for folder in (self.root, self.backups, self.damaged):
            _chmod(folder, PRIVATE_DIR)
        for path in self.private_files():
            _chmod(path, PRIVATE_FILE)


def _chmod(path: Path, mode: int) -> None:
    try:
        if path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
    except OSError:  # gone, a read-only medium, owned by someone else: not ours to fix
        return
