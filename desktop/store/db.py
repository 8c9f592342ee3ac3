"""Opening the desk database: WAL, foreign keys, durable commits, and migrations applied
after an automatic backup.

Start-up cost matters (the desk must open fast on an old laptop), so the current revision is
read with the standard library first; Alembic is imported only when there is work for it.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

from desktop.store.peek import HEAD_REVISION, PeekError, current_revision

log = logging.getLogger("posko.db")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class DatabaseError(RuntimeError):
    """The database file cannot be opened or upgraded (disk full, corrupt, newer schema)."""


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # FULL: a report acknowledged to the operator survives a power cut, not just a crash.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(path: Path) -> Engine:
    # hide_parameters: an error's message never carries report text or reporter data into
    # the log or a crash report.
    engine = create_engine(f"sqlite:///{path}", future=True, hide_parameters=True)
    event.listen(engine, "connect", _on_connect)
    return engine


def backup(path: Path, backups: Path, label: str) -> Path:
    """A consistent copy of ``path`` (SQLite's online backup, safe with WAL)."""
    backups.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = backups / f"{path.stem}-{stamp}-{label}.sqlite3"
    n = 1
    while target.exists():
        n += 1
        target = backups / f"{path.stem}-{stamp}-{label}-{n}.sqlite3"
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(target)) as dest:
        source.backup(dest)
    return target


def upgrade(engine: Engine, revision: str = "head", scripts: Path = MIGRATIONS) -> None:
    """Run the Alembic scripts in ``scripts`` (the desk's by default; the central system
    passes its own) on the engine's own connection: no ini file."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(scripts))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def open_database(path: Path, backups: Path) -> Engine:
    """An engine on ``path`` at the head revision, backing the file up before any upgrade."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        revision = current_revision(path)
    except PeekError as exc:
        raise DatabaseError(str(exc)) from exc
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
        raise DatabaseError(f"upgrading {path} failed: {exc}") from exc
    log.info("database %s at revision %s", path, HEAD_REVISION)
    return engine
