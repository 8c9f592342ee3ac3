"""Bringing a desk back after its database was damaged or vanished (``posko recover`` and the
start-up dialogs).

- ``recover``: read what can be read from a damaged file into a fresh database. Table by
  table, in row ranges that are halved around unreadable pages until single rows; reports
  not yet sent first (``sync_state`` other than ``sent``), then the rest, then settings,
  post, operator, device and drafts. The device keeps its identity and its sequence goes
  past every tracking ID recovered, seen in a readable index, or recorded in the identity
  file. The copy of the damaged file stays in ``damaged/``.
- ``resume_identity``: a database vanished (missing, 0 bytes): a new one for the same desk
  (device UUID, prefix, enrollment, post, operator), numbering after the last ID issued.
- ``restore_backup``: the newest backup (or a chosen one) in place of the current file;
  opening it raises the sequence past what the identity file recorded.
- ``start_over``: a vanished database with nothing to resume: the profile becomes a first
  run again (the old file is set aside).

Every path builds the new file beside the old one and swaps it in with a rename, so a power
cut during recovery leaves the old file as it was.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from desktop.paths import DATABASE_COMPANIONS, Profile
from desktop.settings import (
    CENTRAL_URL,
    DEVICE_ID,
    ENROLLED_DEVICE_ID,
    LANGUAGE,
    OPERATOR_ID,
    PAPER,
    POST_ID,
    SYNC_CURSOR,
    TIME_ZONE,
)
from desktop.store import cipher, health, identity
from desktop.store.context import DeskContext
from desktop.store.db import create_private, open_database
from desktop.store.health import DatabaseDamaged, DatabaseError, DatabaseVanished
from posko import tracking
from posko.files import write_atomic
from posko.i18n import _

log = logging.getLogger("posko.db")

RESCUE_FILE = "draft-rescue.json"
SENT = "sent"
# Written first, in this order; then any other table of the schema.
FIRST_TABLES = ("posts", "operators", "devices", "settings")
LAST_TABLES = ("drafts",)
NOT_COPIED = ("alembic_version",)
SMALL_TABLE_GUESS = 10_000  # rows a table other than the reports could hold


class RecoveryError(Exception):
    """Recovery cannot go on; ``code`` says why (for the operator's message)."""

    HEALTHY = "healthy"  # nothing to recover
    NO_IDENTITY = "no_identity"  # nothing recorded to resume
    NO_BACKUP = "no_backup"
    BAD_BACKUP = "bad_backup"

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass
class TableCount:
    recovered: int = 0
    lost: int = 0


@dataclass
class RecoveryReport:
    """What a recovery brought back. ``*_lost`` count the reports a readable index (or the
    unreadable row ranges) show were in the damaged file but could not be read."""

    readable: bool = True  # False: not even the file's schema could be read
    unsent: int = 0
    sent: int = 0
    unsent_lost: int = 0
    sent_lost: int = 0
    unknown_lost: int = 0  # lost reports whose state no readable index gives
    lost_ids: list[str] = field(default_factory=list)
    tables: dict[str, TableCount] = field(default_factory=dict)
    drafts: int = 0
    next_tracking_id: str = ""
    copy: Path | None = None
    # Every tracking ID the damaged file shows, read or only indexed (the sequence passes
    # them all); and a guess at the last rowid when the file cannot say.
    seen_ids: list[str] = field(default_factory=list, repr=False)
    rowid_guess: int = field(default=0, repr=False)


# -- what is wrong ------------------------------------------------------------------------


def diagnose(profile: Profile, *, full: bool = True) -> DatabaseError | None:
    """The profile's database problem, if any: vanished, damaged (the cheap check, the
    marker from an earlier run and, with ``full``, SQLite's quick check). A damaged file
    is marked (a copy kept) before this returns."""
    from desktop.store.repo import Store

    try:
        Store.open(profile).close()
    except (DatabaseVanished, DatabaseDamaged) as exc:
        return exc
    if full:
        problems = health.quick_check(profile.database)
        if problems:
            found = DatabaseDamaged(
                profile.database, DatabaseDamaged.CHECK_FAILED, "; ".join(problems)
            )
            return health.mark_damaged(profile.database, profile.damaged, found)
    return None


# -- setting the old file aside and swapping the new one in ---------------------------------


def _companions(path: Path) -> list[Path]:
    return [Path(f"{path}{suffix}") for suffix in DATABASE_COMPANIONS]


def _set_aside(profile: Profile) -> Path | None:
    """Move the current database file (and its companions) out of the way: deleted when
    empty or already copied into ``damaged/``, moved there otherwise. Returns where."""
    path = profile.database
    known = health.damaged(path)
    copied = known is not None and known.copy is not None and known.copy.exists()
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        size = -1
    moved: Path | None = None
    if size > 0 and not copied:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        folder = profile.damaged / f"{stamp}-replaced"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for source in [path, *_companions(path)]:
            if source.exists():
                os.replace(source, folder / source.name)
        moved = folder / path.name
        key = cipher.key_for(path)
        if key is not None:  # as every copy in damaged/: sealed, plain or not
            cipher.seal_folder(folder, key)
    else:
        path.unlink(missing_ok=True)
    for companion in _companions(path):
        companion.unlink(missing_ok=True)  # never let an old WAL meet the new file
    health.forget_damage(path)
    profile.secure()
    return moved


def _swap_in(profile: Profile, fresh: Path) -> None:
    _set_aside(profile)
    os.replace(fresh, profile.database)
    cipher.fsync_folder(profile.root)
    health.forget_damage(profile.database)


def _new_database(profile: Profile) -> Path:
    """An empty database at the head revision beside the profile's, in rollback-journal
    mode so it is one self-contained file until the desk opens it (and makes it WAL)."""
    fresh = profile.root / "posko-recovering.sqlite3"
    for stale in [fresh, *_companions(fresh)]:
        stale.unlink(missing_ok=True)
    create_private(fresh)
    open_database(fresh, profile.backups).dispose()
    with closing(cipher.connect(fresh)) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    return fresh


# -- drafts kept while the database could not take them ------------------------------------


def rescue_path(profile: Profile) -> Path:
    return profile.root / RESCUE_FILE


def rescue_draft(profile: Profile, draft_id: str, form: str, content: dict[str, Any]) -> None:
    """Keep one draft's typing outside a database that refuses writes (owner-only file);
    the next recovery, restore or resume puts it back as that draft."""
    kept = _read_rescued(profile)
    if not isinstance(kept, dict):
        kept = {}
    now = datetime.now(UTC).isoformat()
    kept[draft_id] = {"form": form, "content": content, "updated_at": now}
    data = json.dumps(kept, ensure_ascii=False).encode("utf-8")
    key = cipher.key_for(profile.database)
    if key is not None:  # the typing is a reporter's data: as unreadable as the database
        nonce = os.urandom(12)
        data = SEALED + nonce + AESGCM(_rescue_key(key)).encrypt(nonce, data, SEALED)
    write_atomic(rescue_path(profile), data, private=True)


SEALED = b"POSKO-RESCUE-SEALED-1\n"


def _rescue_key(key: bytes) -> bytes:
    return hmac.new(key, b"posko draft rescue file", hashlib.sha256).digest()


def _read_rescued(profile: Profile) -> Any:
    """The drafts kept in the rescue file (sealed with the database's key, or plain JSON
    from before encryption); {} when there are none or they cannot be read."""
    try:
        data = rescue_path(profile).read_bytes()
    except OSError:
        return {}
    if data.startswith(SEALED):
        key = cipher.key_for(profile.database)
        body = data[len(SEALED) :]
        try:
            if key is None:
                raise ValueError("no key")
            data = AESGCM(_rescue_key(key)).decrypt(body[:12], body[12:], SEALED)
        except (ValueError, InvalidTag):
            log.error("the rescued drafts cannot be opened with this desk's key")
            return {}
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError:
        return {}


def _put_back_rescued_drafts(profile: Profile, conn: cipher.Connection) -> int:
    kept = _read_rescued(profile)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(drafts)")}
    count = 0
    for draft_id, entry in kept.items() if isinstance(kept, dict) else ():
        if not isinstance(entry, dict) or not isinstance(entry.get("content"), dict):
            continue
        moment = _sql_time(str(entry.get("updated_at") or ""))
        values = {
            "id": str(draft_id)[:36],
            "form": str(entry.get("form") or "complaint")[:32],
            "content": json.dumps(entry["content"], ensure_ascii=False),
            "created_at": moment,
            "updated_at": moment,
        }
        names = [name for name in values if name in columns]
        conn.execute(
            f"INSERT OR REPLACE INTO drafts ({', '.join(names)}) "
            f"VALUES ({', '.join('?' for _ in names)})",
            [values[name] for name in names],
        )
        count += 1
    return count


def _sql_time(iso: str) -> str:
    """An ISO time as the desk's UTC columns store it (naive, space-separated)."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        moment = datetime.now(UTC)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(sep=" ")


def _drop_rescued_drafts(profile: Profile) -> None:
    rescue_path(profile).unlink(missing_ok=True)


# -- reading a damaged file -----------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Reader:
    """Rows out of a damaged file: row ranges halved around what cannot be read.

    After a page it cannot decrypt, SQLCipher refuses every later read on that connection,
    so each failed read is followed by a new connection (``recovered``)."""

    def __init__(self, conn: cipher.Connection, path: Path | None = None) -> None:
        self.conn = conn
        self.path = path

    def recovered(self) -> None:
        """A fresh connection after a failed read (an encrypted file's only way on)."""
        if self.path is None or cipher.is_plain(self.path):
            return
        self.conn.close()
        self.conn = cipher.connect(self.path)

    def columns(self, table: str) -> list[str]:
        return [str(row[1]) for row in self.conn.execute(f"PRAGMA table_info({_quote(table)})")]

    def tables(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        return [str(row[0]) for row in rows]

    def bounds(self, table: str, known: Iterable[int], guess: int) -> tuple[int, int] | None:
        """The rowids to look through: the table's own first and last where they can be
        read, else the rowids a readable index knows, else 1 … ``guess``."""
        seen = sorted(known)
        ends: list[int | None] = []
        for end in ("min", "max"):
            try:
                row = self.conn.execute(f"SELECT {end}(rowid) FROM {_quote(table)}").fetchone()
                ends.append(None if row[0] is None else int(row[0]))
            except cipher.DatabaseError:
                self.recovered()
                ends.append(-1)  # unreadable, unlike an empty table
        low, high = ends
        if low is None and high is None and not seen:
            return None  # an empty table
        low = min([v for v in (low, *seen[:1]) if v is not None and v >= 0] or [1])
        high = max([v for v in (high, *seen[-1:]) if v is not None and v >= 0] or [guess])
        if ends[1] == -1:
            high = max(high, guess)
        return low, high

    def rows(
        self, table: str, columns: Sequence[str], bounds: tuple[int, int]
    ) -> tuple[list[tuple[Any, ...]], list[tuple[int, int]]]:
        """The readable rows (rowid first) and the row ranges that could not be read."""
        select = f"SELECT rowid, {', '.join(_quote(c) for c in columns)} FROM {_quote(table)} "
        between = select + "WHERE rowid BETWEEN ? AND ? ORDER BY rowid"
        # One row by itself: a range would step on to the next row to see where it ends,
        # and the last row before an unreadable page would be lost with it.
        single = select + "WHERE rowid = ?"
        found: list[tuple[Any, ...]] = []
        lost: list[tuple[int, int]] = []
        pending = [bounds]
        while pending:
            low, high = pending.pop()
            try:
                if low == high:
                    found.extend(self.conn.execute(single, (low,)).fetchall())
                else:
                    found.extend(self.conn.execute(between, (low, high)).fetchall())
            except cipher.DatabaseError as exc:
                if not health.is_damage(exc) and not isinstance(exc, cipher.OperationalError):
                    raise
                self.recovered()
                if low >= high:
                    lost.append((low, high))
                else:
                    middle = (low + high) // 2
                    pending += [(middle + 1, high), (low, middle)]
        found.sort(key=lambda row: int(row[0]))
        return found, lost

    def indexed(self, table: str, column: str) -> dict[int, Any]:
        """rowid → ``column`` from a readable single-column index on it ({} when none)."""
        try:
            indexes = self.conn.execute(f"PRAGMA index_list({_quote(table)})").fetchall()
            for index in indexes:
                name = str(index[1])
                info = self.conn.execute(f"PRAGMA index_info({_quote(name)})").fetchall()
                if [str(row[2]) for row in info] != [column]:
                    continue
                query = (
                    f"SELECT rowid, {_quote(column)} FROM {_quote(table)} INDEXED BY {_quote(name)}"
                )
                return {int(row[0]): row[1] for row in self.conn.execute(query)}
        except cipher.DatabaseError:
            self.recovered()
            return {}
        return {}


def _sequence(tracking_id: str, prefix: str) -> int | None:
    if not tracking_id.startswith(prefix) or len(tracking_id) <= len(prefix) + 1:
        return None
    number = 0
    for ch in tracking_id[len(prefix) : -1]:
        if ch not in tracking.ALPHABET:
            return None
        number = number * tracking.BASE + tracking.ALPHABET.index(ch)
    return number


def _fit_header(path: Path) -> None:
    """A file cut short still says in its header how many pages it had, and SQLite then
    refuses even its schema: make the header (and the file) say what is really there."""
    with open(path, "r+b") as handle:
        header = handle.read(health.HEADER_SIZE)
        if len(header) == health.HEADER_SIZE and header[:16] != health.MAGIC:
            key = cipher.key_for(path)
            if key is not None:  # encrypted: the torn last page cut, the count mended
                size = os.fstat(handle.fileno()).st_size
                handle.truncate(size - size % cipher.PAGE_SIZE)
                handle.close()
                cipher.fit_page_count(path, key)
            return
        if len(header) < health.HEADER_SIZE:
            return
        page_size = int.from_bytes(header[16:18], "big")
        page_size = 65536 if page_size == 1 else page_size
        if page_size < 512 or page_size & (page_size - 1):
            return
        size = os.fstat(handle.fileno()).st_size
        pages = size // page_size
        if size % page_size:
            handle.truncate(pages * page_size)
        if int.from_bytes(header[28:32], "big") > pages:
            handle.seek(28)
            handle.write(pages.to_bytes(4, "big"))


def _open_source(profile: Profile, work: Path) -> cipher.Connection | None:
    """A scratch copy of the damaged file (and its WAL) to read from: SQLite may apply
    the WAL and write its index; the kept copy stays as it was found."""
    source = profile.database
    known = health.damaged(source)
    if known is not None and known.copy is not None and known.copy.exists():
        source = known.copy
    key = cipher.key_for(profile.database)
    for path, name in ((source, "source.sqlite3"), (Path(f"{source}-wal"), "source.sqlite3-wal")):
        if not path.exists():
            continue
        if key is not None and cipher.is_sealed(path):  # a copy kept in damaged/
            try:
                cipher.unseal_to(path, key, work / name)
            except ValueError as exc:
                log.error("recovery: the kept copy %s cannot be opened: %s", path.name, exc)
            continue
        fd = os.open(work / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(path, "rb") as src, os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(src, out, 1024 * 1024)
    scratch = work / "source.sqlite3"
    if not scratch.exists():
        return None
    _fit_header(scratch)
    try:
        conn = cipher.connect(scratch)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except cipher.DatabaseError as exc:
        log.error("recovery: nothing of %s can be read: %s", profile.database, exc)
        return None
    return conn


def _insert(
    conn: cipher.Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert ``rows`` (rowid first, then ``columns``), keeping rowids; returns how many."""
    names = ["rowid", *columns]
    statement = (
        f"INSERT OR REPLACE INTO {_quote(table)} ({', '.join(_quote(n) for n in names)}) "
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    count = 0
    for row in rows:
        try:
            conn.execute(statement, tuple(row))
            count += 1
        except cipher.IntegrityError as exc:  # a damaged value breaking a constraint
            log.error("recovery: a row of %s does not fit the new database: %s", table, exc)
    return count


def recover(profile: Profile) -> RecoveryReport:
    """Read what can be read of the profile's damaged database into a fresh one and put it
    in its place; the damaged copy stays in ``damaged/``. See the module's docstring."""
    path = profile.database
    known = health.damaged(path)
    if known is None:
        problem = diagnose(profile)
        if problem is None:
            raise RecoveryError(RecoveryError.HEALTHY)
        if isinstance(problem, DatabaseVanished):
            raise problem
        assert isinstance(problem, DatabaseDamaged)
        known = problem
    report = RecoveryReport(copy=known.copy)
    try:
        recorded = identity.read(profile)
    except identity.IdentityError:
        recorded = None
    if recorded is not None and not recorded.is_desk:
        recorded = None
    # Rowids count the rows ever written: no more than the IDs ever issued (one report,
    # one ID), nor than the file could hold at 64 bytes a row.
    try:
        size = (known.copy or path).stat().st_size
    except OSError:
        size = 0
    report.rowid_guess = max(
        sum(recorded.issued.values()) + 100 if recorded else 0, size // 64, 100
    )
    fresh = _new_database(profile)
    with tempfile.TemporaryDirectory(prefix=".recover-", dir=profile.root) as tmp:
        source = _open_source(profile, Path(tmp))
        with closing(cipher.connect(fresh)) as target:
            target.execute("PRAGMA foreign_keys=OFF")
            if source is None:
                report.readable = False
            else:
                reader = _Reader(source, Path(tmp) / "source.sqlite3")
                try:
                    _copy_tables(reader, target, report)
                finally:
                    reader.conn.close()
            _complete_desk(target, recorded, report)
            report.drafts += _put_back_rescued_drafts(profile, target)
            target.commit()
            problems = target.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                log.error("recovery: %d rows refer to missing rows", len(problems))
    _swap_in(profile, fresh)
    _drop_rescued_drafts(profile)
    report.next_tracking_id = _next_id(profile)
    log.info(
        "recovered %s: %d unsent and %d sent reports, %d lost",
        path,
        report.unsent,
        report.sent,
        report.unsent_lost + report.sent_lost + report.unknown_lost,
    )
    return report


def _copy_tables(reader: _Reader, target: cipher.Connection, report: RecoveryReport) -> None:
    try:
        in_source = set(reader.tables())
    except cipher.DatabaseError:
        report.readable = False
        return
    in_target = [
        str(row[0])
        for row in target.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    order = [t for t in FIRST_TABLES if t in in_target]
    order += ["complaints"] if "complaints" in in_target else []
    order += sorted(t for t in in_target if t not in (*order, *LAST_TABLES, *NOT_COPIED))
    order += [t for t in LAST_TABLES if t in in_target]
    for table in order:
        if table not in in_source:
            continue
        wanted = {str(row[1]) for row in target.execute(f"PRAGMA table_info({_quote(table)})")}
        try:
            columns = [c for c in reader.columns(table) if c in wanted]
        except cipher.DatabaseError:
            reader.recovered()
            continue
        if table == "complaints":
            _copy_complaints(reader, target, columns, report)
            continue
        count = TableCount()
        bounds = reader.bounds(table, (), SMALL_TABLE_GUESS)
        if bounds is not None:
            rows, lost = reader.rows(table, columns, bounds)
            count.recovered = _insert(target, table, columns, rows)
            count.lost = sum(high - low + 1 for low, high in lost)
        target.commit()
        report.tables[table] = count
        if table == "drafts":
            report.drafts = count.recovered


def _copy_complaints(
    reader: _Reader, target: cipher.Connection, columns: list[str], report: RecoveryReport
) -> None:
    states = reader.indexed("complaints", "sync_state")
    ids = reader.indexed("complaints", "tracking_id")
    seen = set(states) | set(ids)
    bounds = reader.bounds("complaints", seen, report.rowid_guess)
    if bounds is None:
        return
    rows, lost_ranges = reader.rows("complaints", columns, bounds)
    state_at = columns.index("sync_state") + 1 if "sync_state" in columns else None
    unsent = [r for r in rows if state_at is None or r[state_at] != SENT]
    sent = [r for r in rows if state_at is not None and r[state_at] == SENT]
    report.unsent = _insert(target, "complaints", columns, unsent)
    target.commit()  # the records the central system does not have yet are safe first
    report.sent = _insert(target, "complaints", columns, sent)
    target.commit()
    recovered = {int(r[0]) for r in rows}
    if seen:
        for rowid in sorted(seen - recovered):
            state = states.get(rowid)
            if state is None:
                report.unknown_lost += 1
            elif state == SENT:
                report.sent_lost += 1
            else:
                report.unsent_lost += 1
            if isinstance(ids.get(rowid), str):
                report.lost_ids.append(str(ids[rowid]))
    else:
        report.unknown_lost = sum(high - low + 1 for low, high in lost_ranges)
    tid_at = columns.index("tracking_id") + 1 if "tracking_id" in columns else None
    # Every ID the file shows, read or not: the sequence must pass them all.
    every = [str(r[tid_at]) for r in rows if tid_at is not None and isinstance(r[tid_at], str)]
    every += [str(v) for v in ids.values() if isinstance(v, str)]
    report.seen_ids += every


def _settings(conn: cipher.Connection) -> dict[str, str]:
    return {str(k): str(v) for k, v in conn.execute("SELECT key, value FROM settings")}


def _set(conn: cipher.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value))


def _complete_desk(
    conn: cipher.Connection, recorded: identity.Identity | None, report: RecoveryReport
) -> None:
    """Whatever the damaged file lost of who this desk is comes from the identity file;
    rows that reports point to are made again; the sequence passes every known ID."""
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    values = _settings(conn)
    device: tuple[Any, ...] | None = None
    if recorded is not None:
        device = conn.execute(
            "SELECT id, tracking_prefix, next_sequence FROM devices WHERE uuid = ?",
            (recorded.device_uuid,),
        ).fetchone()
    if device is None:
        device = conn.execute(
            "SELECT id, tracking_prefix, next_sequence FROM devices WHERE id = ?",
            (DEVICE_ID.parse(values.get(DEVICE_ID.key)),),
        ).fetchone()
    if device is None and recorded is not None:
        cursor = conn.execute(
            "INSERT INTO devices (uuid, tracking_prefix, enrolled, next_sequence, created_at) "
            "VALUES (?, ?, ?, 1, ?)",
            (recorded.device_uuid, recorded.prefix, recorded.enrolled, now),
        )
        device = (cursor.lastrowid, recorded.prefix, 1)
    if device is None:
        return  # nothing says who this desk was: it is set up again
    device_id, prefix = int(device[0]), str(device[1])
    if recorded is not None and recorded.prefix != prefix and prefix in recorded.issued:
        prefix = recorded.prefix  # the file predates the prefix the desk was given
        conn.execute(
            "UPDATE devices SET tracking_prefix = ?, enrolled = ? WHERE id = ?",
            (prefix, recorded.enrolled, device_id),
        )
    highest = [int(device[2]) - 1 if str(device[1]) == prefix else 0]
    if recorded is not None:
        highest.append(recorded.highest(prefix) or 0)
    seen = list(report.seen_ids)
    seen += [str(row[0]) for row in conn.execute("SELECT tracking_id FROM complaints")]
    highest += [n for n in (_sequence(t, prefix) for t in seen) if n is not None]
    conn.execute("UPDATE devices SET next_sequence = ? WHERE id = ?", (max(highest) + 1, device_id))
    _set(conn, DEVICE_ID.key, str(device_id))

    post_id = POST_ID.parse(values.get(POST_ID.key))
    if conn.execute("SELECT 1 FROM posts WHERE id = ?", (post_id,)).fetchone() is None:
        code = recorded.post_code if recorded and recorded.post_code else "POSKO"
        row = conn.execute("SELECT id FROM posts WHERE code = ?", (code,)).fetchone()
        if row is None:
            name = recorded.post_name if recorded and recorded.post_name else code
            row = (
                conn.execute(
                    "INSERT INTO posts (code, name, created_at) VALUES (?, ?, ?)",
                    (code, name, now),
                ).lastrowid,
            )
        post_id = int(row[0])
        _set(conn, POST_ID.key, str(post_id))
    operator_id = OPERATOR_ID.parse(values.get(OPERATOR_ID.key))
    if conn.execute("SELECT 1 FROM operators WHERE id = ?", (operator_id,)).fetchone() is None:
        name = recorded.operator if recorded and recorded.operator else _("Operator")
        operator_id = int(
            conn.execute(
                "INSERT INTO operators (name, post_id, created_at) VALUES (?, ?, ?)",
                (name, post_id, now),
            ).lastrowid
            or 0
        )
        _set(conn, OPERATOR_ID.key, str(operator_id))
    # Reports pointing to a post or operator whose row was lost keep pointing somewhere.
    for table, column, insert in (
        ("posts", "post_id", "INSERT INTO posts (id, code, name, created_at) VALUES (?, ?, ?, ?)"),
        (
            "operators",
            "operator_id",
            "INSERT INTO operators (id, name, post_id, created_at) VALUES (?, ?, ?, ?)",
        ),
    ):
        orphans = conn.execute(
            f"SELECT DISTINCT {column} FROM complaints WHERE {column} NOT IN "
            f"(SELECT id FROM {table})"
        ).fetchall()
        for (missing,) in orphans:
            label = _("(recovered) {n}").format(n=missing)
            params = (
                (missing, f"PULIH-{missing}"[:16], label, now)
                if table == "posts"
                else (missing, label, post_id, now)
            )
            conn.execute(insert, params)
    conn.execute(
        "UPDATE complaints SET device_id = ? WHERE device_id NOT IN (SELECT id FROM devices)",
        (device_id,),
    )
    if recorded is not None:
        for option, value in (
            (CENTRAL_URL, recorded.central_url),
            (ENROLLED_DEVICE_ID, recorded.enrolled_device_id),
        ):
            if not values.get(option.key) and value:
                _set(conn, option.key, value)
        for option, value in (
            (LANGUAGE, recorded.language),
            (PAPER, recorded.paper),
            (TIME_ZONE, recorded.time_zone),
        ):
            if option.key not in values and value in option.choices:
                _set(conn, option.key, value)
    # Statuses are fetched again from the start: some of the recovered ones may be old.
    _set(conn, SYNC_CURSOR.key, "0")


def _next_id(profile: Profile) -> str:
    from desktop.store.repo import Store

    store = Store.open(profile)
    try:
        context = store.context()
        if context is None:
            return ""
        with store.session() as s:
            from desktop.store.models import Device

            device = s.get(Device, context.device_id)
            assert device is not None
            return tracking.TrackingId.make(device.tracking_prefix, device.next_sequence).compact
    finally:
        store.close()


# -- a vanished database -----------------------------------------------------------------------


def resume_identity(profile: Profile) -> DeskContext:
    """A new database for the desk the identity file names: same device UUID, prefix and
    enrollment (the token keeps syncing), post and operator; numbering continues after
    the highest ID ever issued under the prefix."""
    from desktop.store.repo import Store

    try:
        recorded = identity.read(profile)
    except identity.IdentityError as exc:
        raise RecoveryError(RecoveryError.NO_IDENTITY, str(exc)) from exc
    if recorded is None or not recorded.is_desk:
        raise RecoveryError(RecoveryError.NO_IDENTITY)
    fresh = _new_database(profile)
    with closing(cipher.connect(fresh)) as conn:
        _complete_desk(conn, recorded, RecoveryReport())
        _put_back_rescued_drafts(profile, conn)
        conn.commit()
    _swap_in(profile, fresh)
    _drop_rescued_drafts(profile)
    store = Store.open(profile)
    try:
        context = store.require_context()
    finally:
        store.close()
    log.info("resumed desk %s (prefix %s) in a new database", recorded.device_uuid, recorded.prefix)
    return context


def restore_backup(profile: Profile, backup: Path | None = None) -> Any:
    """Put ``backup`` (default: the newest in ``backups/``) in place of the database and
    open it: a backup older than the last ID issued gets its sequence raised (the store's
    ``notices`` say so). Returns the open ``Store``."""
    from desktop.store.health import newest_backups
    from desktop.store.repo import Store

    chosen = backup or next(iter(newest_backups(profile)), None)
    if chosen is None:
        raise RecoveryError(RecoveryError.NO_BACKUP)
    named, chosen = chosen, _within_profile(profile, chosen)
    try:
        key = cipher.key_for(profile.database)
        if key is not None and cipher.is_plain(chosen):
            # A backup from before encryption: SQLite's backup API does not copy a plain
            # file into an encrypted one, so it is encrypted first, as the desk's own are.
            cipher.encrypt_plain(chosen, key)
        if health.check_file(chosen) != "ok" or health.quick_check(chosen):
            raise RecoveryError(RecoveryError.BAD_BACKUP, str(named))
    except (DatabaseDamaged, cipher.Error, OSError) as exc:
        raise RecoveryError(RecoveryError.BAD_BACKUP, str(named)) from exc
    fresh = profile.root / "posko-restoring.sqlite3"
    for stale in [fresh, *_companions(fresh)]:
        stale.unlink(missing_ok=True)
    create_private(fresh)
    with closing(cipher.connect(chosen)) as source, closing(cipher.connect(fresh)) as dest:
        source.backup(dest)
        if _has_table(dest, "drafts"):
            _put_back_rescued_drafts(profile, dest)
        dest.commit()
    _swap_in(profile, fresh)
    _drop_rescued_drafts(profile)
    log.info("restored %s from %s", profile.database, chosen)
    return Store.open(profile)


def _within_profile(profile: Profile, chosen: Path) -> Path:
    """A backup from elsewhere (a copy kept on a USB stick) is first copied into the
    profile's ``backups/``: there it is read with the profile's key, as the desk's own are
    (an older, plain one is read as it is)."""
    try:
        chosen.resolve().relative_to(profile.root.resolve())
        return chosen
    except ValueError:
        pass
    profile.backups.mkdir(mode=0o700, parents=True, exist_ok=True)
    copy = profile.backups / f"restored-{chosen.name}"
    try:
        fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(chosen, "rb") as src, os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(src, out, 1024 * 1024)
    except OSError as exc:
        raise RecoveryError(RecoveryError.BAD_BACKUP, str(chosen)) from exc
    return copy


def _has_table(conn: cipher.Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,))
    return row.fetchone() is not None


def start_over(profile: Profile) -> None:
    """Nothing to resume (no identity file): set the old file aside and make the profile a
    first run, to be set up (and enrolled) again."""
    _set_aside(profile)
    identity.clear_for_new_desk(profile)
    log.warning("profile %s starts over as a new desk", profile.root)


# -- what the operator reads ---------------------------------------------------------------


def report_lines(report: RecoveryReport) -> list[str]:
    lines = []
    if not report.readable:
        lines.append(_("Nothing could be read from the damaged file."))
    lines.append(
        _("Reports not yet sent: {n} recovered, {lost} lost.").format(
            n=report.unsent, lost=report.unsent_lost
        )
    )
    lines.append(
        _("Reports already sent: {n} recovered, {lost} lost.").format(
            n=report.sent, lost=report.sent_lost
        )
    )
    if report.unknown_lost:
        lines.append(
            _("Other reports lost (their state cannot be read): {n}.").format(n=report.unknown_lost)
        )
    if report.lost_ids:
        shown = ", ".join(tracking.display(t) for t in report.lost_ids[:20])
        more = len(report.lost_ids) - 20
        lines.append(
            _("Tracking numbers of the lost reports: {ids}").format(
                ids=shown + (f" … (+{more})" if more > 0 else "")
            )
        )
    for table, count in report.tables.items():
        if count.lost:
            lines.append(
                _("Table {table}: {n} rows recovered, {lost} lost.").format(
                    table=table, n=count.recovered, lost=count.lost
                )
            )
    if report.drafts:
        lines.append(_("Drafts recovered: {n}.").format(n=report.drafts))
    if report.next_tracking_id:
        lines.append(
            _("The next tracking number is {tracking_id}; none is used twice.").format(
                tracking_id=tracking.display(report.next_tracking_id)
            )
        )
    if report.copy is not None:
        lines.append(_("The damaged file is kept in {folder}.").format(folder=report.copy.parent))
    return lines
