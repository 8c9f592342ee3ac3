"""Opening the desk database: WAL, foreign keys, durable commits, and migrations applied
after an automatic backup.

Start-up cost matters (the desk must open fast on an old laptop), so the current revision is
read with the standard library first; Alembic is imported only when there is work for it.
Before anything, ``desktop.store.health`` checks that the file is a sound SQLite database,
so a damaged one is a typed ``DatabaseDamaged`` and never SQLite's raw text.
"""

from __future__ import annotations

import logging
import os
from contextlib import closing, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

from desktop.paths import PRIVATE_FILE
from desktop.store import HEAD_REVISION, cipher
from desktop.store.health import DatabaseDamaged, DatabaseError, check_file, damage_from, is_damage
from posko.db import run_migrations

log = logging.getLogger("posko.db")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

__all__ = ["DatabaseDamaged", "DatabaseError", "backup", "make_engine", "open_database"]


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # FULL: a report acknowledged to the operator survives a power cut, not just a crash.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=5000")
    # What is erased or overwritten is zeroed in the file, not left in its free pages
    # (a reporter's contacts after retention, desktop.store.retention).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def make_engine(path: Path) -> Engine:
    """An engine on ``path``, encrypted with its profile's key (``desktop.store.cipher``)
    when one is unlocked; plain otherwise (a test's bare file, the benchmarks' baseline)."""
    key = cipher.key_for(path)

    def connect() -> cipher.Connection:
        return cipher.connect(path, key=key, check_same_thread=False)

    # hide_parameters: an error's message never carries report text or reporter data into
    # the log or a crash report. module: SQLCipher's errors are the ones SQLAlchemy wraps.
    engine = create_engine(
        f"sqlite:///{path}",
        future=True,
        hide_parameters=True,
        creator=connect,
        module=cipher.dbapi,
    )
    event.listen(engine, "connect", _on_connect)
    return engine


def create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600, so SQLite (which gives its journal and WAL the
    database file's mode) never makes any of them readable by others."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))


def backup(path: Path, backups: Path, label: str) -> Path:
    """A consistent copy of ``path`` (SQLite's online backup, safe with WAL), owner-only."""
    backups.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = backups / f"{path.stem}-{stamp}-{label}.sqlite3"
    n = 1
    while target.exists():
        n += 1
        target = backups / f"{path.stem}-{stamp}-{label}-{n}.sqlite3"
    create_private(target)
    # Both ends with the profile's key: the copy is encrypted like the file.
    with closing(cipher.connect(path)) as source, closing(cipher.connect(target)) as dest:
        source.backup(dest)
    return target


def encrypt_backups(backups: Path, key: bytes) -> int:
    """Encrypt the plain backups in ``backups`` (made before the database was encrypted);
    how many. A backup that cannot be read stays as it is (and is logged)."""
    count = 0
    for copy in sorted(backups.glob("*.sqlite3")) if backups.is_dir() else ():
        if not cipher.is_plain(copy):
            continue
        try:
            count += cipher.encrypt_plain(copy, key)
        except (cipher.Error, OSError) as exc:
            log.error("backup %s could not be encrypted: %s", copy.name, exc)
    return count


class PeekError(RuntimeError):
    """The file exists but SQLite cannot read it."""


def current_revision(path: Path) -> str | None:
    """The Alembic revision stamped in ``path``, or None for a new or empty file."""
    if not path.exists():
        return None
    try:
        with closing(cipher.connect(path, readonly=True)) as conn:
            row = conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name='alembic_version'"
            ).fetchone()
            if row is None:
                return None
            version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except cipher.DatabaseError as exc:
        raise PeekError(f"{path}: {exc}") from exc
    return str(version[0]) if version else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the desk's database to ``revision`` with the desk's own scripts."""
    run_migrations(engine, MIGRATIONS, revision)


def open_database(path: Path, backups: Path) -> Engine:
    """An engine on ``path`` at the head revision, backing the file up before any upgrade.

    Raises ``DatabaseDamaged`` for a file that is not a sound SQLite database (the caller
    keeps a copy and tells the operator), ``DatabaseError`` for anything else that stops it.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        check_file(path)
        revision = current_revision(path)
    except PeekError as exc:
        if is_damage(exc):
            raise damage_from(path, exc) from exc
        raise DatabaseError(str(exc)) from exc
    except cipher.Error as exc:
        raise DatabaseError(f"{path}: {exc}") from exc
    create_private(path)
    key = cipher.key_for(path)
    if key is not None:
        encrypt_backups(backups, key)  # plain copies from before, re-encrypted first
        if cipher.is_plain(path):
            # A full disk, a locked file, a page SQLite cannot read: the plain file is as
            # it was (encrypt_plain swaps the copy in only once it is whole), and the
            # operator is told as for any database that cannot be opened.
            try:
                cipher.encrypt_plain(path, key)
            except (cipher.Error, OSError) as exc:
                if is_damage(exc):
                    raise damage_from(path, exc) from exc
                raise DatabaseError(f"{path}: could not be encrypted: {exc}") from exc
            log.info("database %s encrypted", path)
    engine = make_engine(path)
    if revision == HEAD_REVISION:
        return engine
    if revision is not None:
        known = sorted(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("*.py"))
        if revision not in known:
            raise DatabaseError(
                f"{path} has schema revision {revision}, newer than this program knows "
                f"({HEAD_REVISION}); install a newer Posko."
            )
        copy = backup(path, backups, f"rev{revision}")
        log.info("backed up %s to %s before upgrading from %s", path, copy, revision)
    try:
        upgrade(engine)
    except Exception as exc:
        engine.dispose()
        if is_damage(exc):
            raise damage_from(path, exc) from exc
        raise DatabaseError(f"upgrading {path} failed: {exc}") from exc
    log.info("database %s at revision %s", path, HEAD_REVISION)
    return engine
