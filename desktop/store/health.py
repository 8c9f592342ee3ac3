"""Is the database file sound? Cheap checks at start-up, the full one after, and what the
desk does and says when a file is damaged or gone. Standard library only: the start-up path
runs it before SQLAlchemy loads.

- ``check_file``: what the file's first hundred bytes and its size say (magic, page size,
  the header's page count against the size), then whether SQLite can read its schema. A
  few hundred microseconds, whatever the size of the file.
- ``quick_check``: SQLite's ``PRAGMA quick_check``, every page. Seconds on a big profile,
  so the desk runs it off the GUI thread once the window is shown.
- ``mark_damaged``: keep a copy of the file (and its ``-wal``) in the profile's
  ``damaged/`` folder, leave a marker beside the database so every later start knows, and
  stop every store in this process from writing into it.
- ``describe``: what happened and what to do, in the operator's language. SQLite's own
  English text goes to the log, never to the operator.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.store import cipher
from desktop.store.errors import DatabaseDamaged as DatabaseDamaged  # where they were
from desktop.store.errors import DatabaseError as DatabaseError
from desktop.store.errors import DatabaseVanished as DatabaseVanished
from posko.i18n import _

if TYPE_CHECKING:
    from desktop.paths import Profile
    from desktop.store.identity import Notice

log = logging.getLogger("posko.db")

MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
# SQLite's primary result codes (the low byte of an extended code).
SQLITE_READONLY = 8
SQLITE_CORRUPT = 11
SQLITE_NOTADB = 26
DAMAGE_CODES = frozenset({SQLITE_CORRUPT, SQLITE_NOTADB})


# The detail of a file whose first page does not authenticate under the profile's key: it
# is overwritten, or desk-key.json is not this database's (a wrong copy put back). Found
# so before, it is judged again at each start (``still_damaged``), so putting the right
# key file back is enough.
NOT_THIS_KEY = "page 1 not authentic under this key"


# -- the cheap check --------------------------------------------------------------------


def has_wal(path: Path) -> bool:
    try:
        return Path(f"{path}-wal").stat().st_size > 0
    except OSError:
        return False


def check_header(path: Path) -> str:
    """``"missing"``, ``"empty"`` or ``"ok"`` from the file's size and first 100 bytes;
    raises ``DatabaseDamaged`` when they cannot be a sound SQLite database."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            header = handle.read(HEADER_SIZE)
    except FileNotFoundError:
        return "missing"
    wal = has_wal(path)
    if size == 0:
        return "ok" if wal else "empty"  # SQLite finds the content in the WAL
    if len(header) < HEADER_SIZE:
        raise DatabaseDamaged(path, DatabaseDamaged.TRUNCATED, f"{size} bytes")
    if header[:16] != MAGIC:
        if cipher.key_for(path) is None:
            raise DatabaseDamaged(path, DatabaseDamaged.NOT_A_DATABASE, "no SQLite header")
        # Encrypted: the header is too (its first 16 bytes are the salt); only the size is
        # left to judge here, and SQLCipher (each page's HMAC) judges the rest.
        if wal:  # as for a plain file: SQLite finishes a checkpoint cut short
            return "ok"
        key = cipher.key_for(path)
        assert key is not None
        pages = cipher.header_page_count(path, key)
        if pages is None:  # its first page is not this key's: garbage, another file
            raise DatabaseDamaged(path, DatabaseDamaged.NOT_A_DATABASE, NOT_THIS_KEY)
        if size % cipher.PAGE_SIZE or size < pages * cipher.PAGE_SIZE:
            raise DatabaseDamaged(
                path,
                DatabaseDamaged.TRUNCATED,
                f"{size} bytes, header says {pages} pages of {cipher.PAGE_SIZE}",
            )
        return "ok"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size > 65536 or page_size & (page_size - 1):
        raise DatabaseDamaged(path, DatabaseDamaged.BAD_HEADER, f"page size {page_size}")
    pages = int.from_bytes(header[28:32], "big")
    counted = header[24:28] == header[92:96] and pages > 0  # the header's count is valid
    # With a WAL beside it, a checkpoint cut short may have written page 1 before the
    # pages after the file's end: SQLite finishes it from the WAL, so only SQLite judges.
    if not wal and (size % page_size or (counted and size < pages * page_size)):
        raise DatabaseDamaged(
            path,
            DatabaseDamaged.TRUNCATED,
            f"{size} bytes, header says {pages} pages of {page_size}",
        )
    return "ok"


def error_code(exc: BaseException) -> int | None:
    """SQLite's primary result code of ``exc`` (or of what it wraps), if it has one."""
    seen: BaseException | None = exc
    while seen is not None:
        code = getattr(seen, "sqlite_errorcode", None)
        if isinstance(code, int):
            return code & 0xFF
        seen = getattr(seen, "orig", None) or seen.__cause__
    return None


def is_damage(exc: BaseException) -> bool:
    return error_code(exc) in DAMAGE_CODES


def damage_from(path: Path, exc: BaseException) -> DatabaseDamaged:
    reason = (
        DatabaseDamaged.NOT_A_DATABASE
        if error_code(exc) == SQLITE_NOTADB
        else DatabaseDamaged.UNREADABLE
    )
    return DatabaseDamaged(path, reason, str(exc))


def check_file(path: Path) -> str:
    """``check_header``, then SQLite reads the schema: ``"missing"``, ``"empty"`` or
    ``"ok"``; raises ``DatabaseDamaged``. Other errors (permissions, a locked file) pass
    through as ``cipher.Error``."""
    state = check_header(path)
    if state != "ok":
        return state
    try:
        with closing(cipher.connect(path, readonly=True)) as conn:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except cipher.DatabaseError as exc:
        if is_damage(exc):
            raise damage_from(path, exc) from exc
        raise
    return "ok"


def quick_check(path: Path, limit: int = 20) -> list[str]:
    """What SQLite's ``PRAGMA quick_check`` finds wrong (empty when the file is sound)."""
    try:
        with closing(cipher.connect(path, readonly=True)) as conn:
            rows = conn.execute(f"PRAGMA quick_check({int(limit)})").fetchall()
    except cipher.DatabaseError as exc:
        if is_damage(exc):
            return [str(exc)]
        raise
    problems = [str(row[0]) for row in rows]
    return [] if problems == ["ok"] else problems


# -- marking a file damaged ---------------------------------------------------------------

_lock = threading.Lock()
_damaged: dict[Path, DatabaseDamaged] = {}
_listeners: list[Callable[[DatabaseDamaged], None]] = []


def marker_path(path: Path) -> Path:
    """Beside the database: found damaged (by this or an earlier run of the desk)."""
    return path.with_name(path.name + ".damaged.json")


def damaged(path: Path) -> DatabaseDamaged | None:
    """The damage known for the database file at ``path``: found in this process, or
    recorded by an earlier run for this very file (a replaced file is another file)."""
    key = path.resolve()
    with _lock:
        known = _damaged.get(key)
    if known is not None:  # a fresh exception each time: each is raised on its own
        return DatabaseDamaged(known.path, known.reason, known.detail, known.copy)
    marker = marker_path(path)
    try:
        if not marker.exists():
            return None
        content = json.loads(marker.read_text(encoding="utf-8"))
        info = path.stat()
    except (OSError, ValueError):
        return None
    if not isinstance(content, dict) or content.get("file") != [info.st_dev, info.st_ino]:
        return None
    copy = content.get("copy")
    return DatabaseDamaged(
        path,
        str(content.get("reason") or DatabaseDamaged.UNREADABLE),
        str(content.get("detail") or ""),
        Path(copy) if isinstance(copy, str) and copy else None,
    )


def still_damaged(path: Path) -> DatabaseDamaged | None:
    """``damaged(path)``, except that a file marked only because its first page did not
    authenticate (``NOT_THIS_KEY``) and that does now (its key file was put right) is
    forgotten: the mark was about the key, not the file."""
    known = damaged(path)
    if known is None or known.detail != NOT_THIS_KEY:
        return known
    key = cipher.key_for(path)
    if key is None or cipher.header_page_count(path, key) is None:
        return known
    log.info("database %s opens with its key again", path)
    forget_damage(path)
    return None


def on_damage(listener: Callable[[DatabaseDamaged], None]) -> Callable[[], None]:
    """Call ``listener`` (on the thread that found it) when a database is first found
    damaged in this process; returns a function that removes it."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


def keep_copy(path: Path, folder: Path) -> Path:
    """Copy the database file and its ``-wal`` into ``folder/<time>/``, owner-only, and
    sealed whole with the profile's key (``cipher.seal_file``) where one is unlocked."""
    import shutil  # here: with its compression modules, milliseconds of every start-up

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / stamp
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    for source in (path, Path(f"{path}-wal")):
        if not source.exists():
            continue
        dest = target / source.name
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(source, "rb") as src, os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(src, out, 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        key = cipher.key_for(path)
        if key is not None:  # a plain file from before encryption stays unreadable too
            cipher.seal_file(dest, key)
    return target / path.name


def mark_damaged(path: Path, folder: Path, found: DatabaseDamaged) -> DatabaseDamaged:
    """Record ``found`` for ``path``: a copy kept in ``folder`` (once per file), a marker
    beside the database, no more writes from this process; returns it with ``copy`` set."""
    from posko.files import write_atomic

    known = damaged(path)
    if known is not None and known.copy is not None and known.copy.exists():
        result = known
    else:
        copy: Path | None = None
        try:
            copy = keep_copy(path, folder)
        except OSError as exc:  # a full disk: the file itself stays as it is
            log.error("could not keep a copy of the damaged %s: %s", path, exc)
        result = DatabaseDamaged(path, found.reason, found.detail, copy)
        try:
            info = path.stat()
            marker = {
                "file": [info.st_dev, info.st_ino],
                "reason": result.reason,
                "detail": result.detail,
                "copy": str(copy) if copy else "",
                "found_at": datetime.now(UTC).isoformat(),
            }
            write_atomic(marker_path(path), json.dumps(marker).encode(), private=True)
        except OSError as exc:
            log.error("could not mark %s as damaged: %s", path, exc)
    key = path.resolve()
    with _lock:
        first = key not in _damaged
        _damaged[key] = result
    if first:
        log.error("database %s is damaged (%s): %s", path, result.reason, result.detail)
        for listener in list(_listeners):
            try:
                listener(DatabaseDamaged(path, result.reason, result.detail, result.copy))
            except Exception:  # a listener's failure must not stop the marking
                log.exception("a damage listener failed")
    return DatabaseDamaged(path, result.reason, result.detail, result.copy)


def forget_damage(path: Path) -> None:
    """The file at ``path`` was replaced by a sound one (recovered, restored)."""
    with _lock:
        _damaged.pop(path.resolve(), None)
    marker_path(path).unlink(missing_ok=True)


# -- what the operator reads ------------------------------------------------------------


def _what_damaged(error: DatabaseDamaged) -> str:
    if error.reason == DatabaseDamaged.NOT_A_DATABASE:
        what = _(
            "The desk's database file is no longer a database: its content was overwritten "
            "or replaced by another file."
        )
    elif error.reason == DatabaseDamaged.TRUNCATED:
        what = _(
            "The desk's database file is cut short: part of it is missing. This happens when "
            "the disk fills up or a USB stick is pulled out while the desk is writing."
        )
    else:
        what = _(
            "Part of the desk's database file cannot be read: the disk may be failing, or the "
            "laptop lost power while it was writing."
        )
    what += " " + _("Posko stopped saving into the damaged file, so nothing more is lost.")
    if error.copy is not None:
        what += " " + _("A copy of the damaged file is kept in {folder}.").format(
            folder=error.copy.parent
        )
    return what


def _what_vanished(error: DatabaseVanished) -> str:
    known = error.identity
    if known is not None and known.post_code:
        desk = _("post {post} ({code}), tracking numbers {prefix}…").format(
            post=known.post_name, code=known.post_code, prefix=known.prefix
        )
    else:
        desk = _("its device key and sync token are still here")
    if error.reason == DatabaseVanished.NOT_SET_UP:
        gone = _("The desk's database has no desk in it")
    else:
        gone = _("The desk's database is missing (the file is gone or empty)")
    return _(
        "{gone}, but this profile belongs to a desk that was set up before ({desk}). This is "
        "not a first start: starting over would hand out tracking numbers that citizens "
        "already hold."
    ).format(gone=gone, desk=desk)


def describe(
    error: DatabaseError, *, gui: bool = False, backups: Sequence[Path] = ()
) -> tuple[str, str, str]:
    """Title, what happened and what to do, in the operator's language. ``gui``: the advice
    names the dialog's buttons instead of the commands; ``backups``: the profile's (a
    damaged file's advice mentions restoring one only when there is one)."""
    if isinstance(error, DatabaseDamaged):
        if gui:
            todo = _(
                "Choose “Recover”: Posko reads everything that can still be read into a new "
                "database, reports not yet sent first, and keeps this desk's tracking "
                "numbers."
            )
        else:
            todo = _(
                "Run posko recover: it reads everything that can still be read into a new "
                "database, reports not yet sent first, and keeps this desk's tracking "
                "numbers."
            )
        if backups:
            todo += " " + (
                _("Or restore the newest backup ({name}).")
                if gui
                else _("Or restore the newest backup ({name}) with posko recover --backup.")
            ).format(name=backups[0].name)
            todo += " " + _("Reports saved after a backup was made are not in it.")
        return _("The database is damaged"), _what_damaged(error), todo
    if isinstance(error, DatabaseVanished):
        newest = error.backups[0].name if error.backups else ""
        if error.identity is not None:
            if gui:
                todo = _(
                    "Continue in a new database as this same desk: new tracking numbers "
                    "follow the last one issued."
                )
            else:
                todo = _(
                    "Run posko recover to continue in a new database as this same desk: new "
                    "tracking numbers follow the last one issued."
                )
        elif gui:
            todo = _(
                "Set the desk up again as a new desk, and ask the coordinator to enroll it again."
            )
        else:
            todo = _(
                "Run posko recover to set the desk up again as a new desk, and ask the "
                "coordinator to enroll it again."
            )
        if newest:
            todo += " " + (
                _("Or restore the newest backup ({name}).")
                if gui
                else _("Or restore the newest backup ({name}) with posko recover --backup.")
            ).format(name=newest)
            todo += " " + _("Reports saved after a backup was made are not in it.")
        return _("The desk's database is missing"), _what_vanished(error), todo
    return (
        _("Cannot open the database"),
        _("The desk's database cannot be opened."),
        _("Check that the disk is not full and that the profile folder can be written."),
    )


def notice_text(notice: Notice) -> str:
    from posko import tracking

    return _(
        "This database is older than the desk's own record: tracking numbers up to {last} "
        "were issued, but this file stops at {stored}. Reports saved after this copy was made "
        "are not in this file. New tracking numbers continue after {last}, so none is used "
        "twice."
    ).format(
        last=tracking.display(notice.last_issued),
        stored=tracking.display(notice.last_in_file) if notice.last_in_file else "—",
    )


def newest_backups(profile: Profile) -> list[Path]:
    """The profile's database backups, newest first."""
    try:
        found = [p for p in profile.backups.glob("*.sqlite3") if p.is_file()]
    except OSError:
        return []
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
