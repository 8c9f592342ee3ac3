"""Opening the central database: SQLite in the data directory by default, PostgreSQL in
production through a ``postgresql+psycopg://`` URL. Alembic migrations run on every open."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from posko.db import run_migrations

log = logging.getLogger("posko.central.db")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
ENV_DATABASE_URL = "POSKO_CENTRAL_DATABASE_URL"
ENV_DATA_DIR = "POSKO_CENTRAL_DATA_DIR"


class CentralDatabaseError(RuntimeError):
    """The database cannot be reached, opened or upgraded."""


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("posko-central", appauthor=False))


def database_url(data_dir: Path | None, url: str | None) -> str:
    """``url`` if given, else a SQLite file in ``data_dir`` (created if missing)."""
    if url:
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise CentralDatabaseError(f"not a database URL: {exc}") from exc
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise CentralDatabaseError("only sqlite:// and postgresql+psycopg:// are supported")
        return url
    directory = data_dir or default_data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'central.sqlite3'}"


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling defers the write lock; the engine's "begin" hook
    # below takes it at BEGIN instead, so concurrent writers queue on busy_timeout rather
    # than failing mid-transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """``hide_parameters``: a database error's message never carries the statement's values
    (report text, reporter data) into a log or a traceback."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    return create_engine(
        url, pool_size=10, max_overflow=10, pool_pre_ping=True, hide_parameters=True
    )


def upgrade(engine: Engine, revision: str = "head") -> None:
    run_migrations(engine, MIGRATIONS, revision)


def open_database(url: str) -> Engine:
    """An engine at the head revision."""
    engine = make_engine(url)
    try:
        upgrade(engine)
    except Exception as exc:
        engine.dispose()
        raise CentralDatabaseError(f"opening {make_url(url).render_as_string()}: {exc}") from exc
    return engine
