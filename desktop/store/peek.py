"""A look at the profile with the standard library alone.

The desk's window is built from this while SQLAlchemy (a quarter of a second to import on
the field laptops' class of machine) loads after the window is shown. Anything unusual — a
new profile, a database needing migration, an unreadable or damaged file (``health``'s
cheap check of its header and size, or a marker left when damage was found) — returns None,
and the caller takes the ordinary path through ``Store.open``, which knows how to handle it.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

from desktop.domain import PaperSize
from desktop.settings import (
    CENTRAL_URL,
    DEVICE_ID,
    LANGUAGE,
    OPERATOR_ID,
    PAPER,
    POST_ID,
    TIME_ZONE,
    appearance_of,
    printing_of,
    survey_services_of,
)
from desktop.store import cipher
from desktop.store.context import DeskContext
from desktop.store.health import DatabaseDamaged, check_header, damaged

HEAD_REVISION = "0011"  # tests/unit/test_store.py checks it against the migration scripts


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


def peek_context(path: Path) -> DeskContext | None:
    """The desk context of an up-to-date, set-up profile; None when anything is unusual.

    Mirrors ``Store.context`` (a test keeps the two in step).
    """
    try:
        if check_header(path) != "ok" or damaged(path) is not None:
            return None
        if current_revision(path) != HEAD_REVISION:
            return None
        with closing(cipher.connect(path, readonly=True)) as conn:
            values = dict(conn.execute("SELECT key, value FROM settings").fetchall())
            post = conn.execute(
                "SELECT id, code, name FROM posts WHERE id = ?",
                (POST_ID.parse(values.get(POST_ID.key)),),
            ).fetchone()
            operator = conn.execute(
                "SELECT id, name, role FROM operators WHERE id = ?",
                (OPERATOR_ID.parse(values.get(OPERATOR_ID.key)),),
            ).fetchone()
            device = conn.execute(
                "SELECT id, tracking_prefix, enrolled FROM devices WHERE id = ?",
                (DEVICE_ID.parse(values.get(DEVICE_ID.key)),),
            ).fetchone()
    except (cipher.DatabaseError, PeekError, DatabaseDamaged):
        return None
    if post is None or operator is None or device is None:
        return None
    return DeskContext(
        post_id=post[0],
        post_code=post[1],
        post_name=post[2],
        operator_id=operator[0],
        operator_name=operator[1],
        device_id=device[0],
        tracking_prefix=device[1],
        enrolled=bool(device[2]),
        central_url=CENTRAL_URL.parse(values.get(CENTRAL_URL.key)),
        language=LANGUAGE.parse(values.get(LANGUAGE.key)),
        paper=PaperSize(PAPER.parse(values.get(PAPER.key))),
        time_zone=TIME_ZONE.parse(values.get(TIME_ZONE.key)),
        appearance=appearance_of(values),
        printing=printing_of(values),
        survey_services=survey_services_of(values),
        operator_role=operator[2],
    )
