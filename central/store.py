"""The central system's storage layer: enrollment, ingest, statuses, look-ups.

Plain data leaves this module (dataclasses and wire models), never ORM objects, so the API,
the CLI and the benchmarks share it without sessions leaking across threads.

Ingest is idempotent by the record's UUID through the tables' unique constraints: rows are
inserted with ``ON CONFLICT DO NOTHING`` and whatever was not inserted is then classified as
a duplicate (same content hash) or a conflict (different content). There is no look-up
before the insert, so two concurrent pushes of the same UUID cannot both insert it.
"""

from __future__ import annotations

import base64
import logging
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    TextClause,
    and_,
    case,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from central import models
from central.security import (
    digest,
    matches,
    new_enroll_code,
    new_token,
    normalize_code,
    signature_valid,
)
from posko import tracking, wire
from posko.catalog import Catalog, default_catalog
from posko.workdays import WIB, deadlines, default_calendar

log = logging.getLogger("posko.central.store")

CENTRAL_DEVICE_NUMBER = 0
SYSTEM_ACTOR = "system"
ROLES = ("staff", "open311")


class EnrollError(ValueError):
    """An enrollment code that cannot be used; ``reason`` is one of the constants."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    BAD_PROOF = "bad_proof"  # the signature does not prove the key
    BAD_PREFIX = "bad_prefix"  # the provisional prefix is not the key's
    REVOKED = "revoked"  # this key's device was revoked
    OTHER_POST = "other_post"  # this key's device is enrolled, with a live token, elsewhere

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFound(LookupError):
    """No such tracking ID, device or client."""


@dataclass(frozen=True)
class DeviceInfo:
    id: int
    number: int
    tracking_prefix: str
    post_code: str
    label: str
    created_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None
    app_version: str
    provisional_prefix: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class ClientInfo:
    id: int
    name: str
    role: str
    created_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class TimelineEntry:
    """One status change. ``public_note`` is written for the citizen (who sees it is
    ``central.disclosure``'s to decide); ``internal_note`` never leaves the staff."""

    status: wire.CentralStatus
    public_note: str
    internal_note: str
    agency: str
    actor: str
    changed_at: datetime


@dataclass(frozen=True)
class ComplaintView:
    """A received report as staff see it; public views decide what to leave out."""

    id: int
    uuid: str
    tracking_id: str
    secret_hash: str
    type: str
    category: str
    title: str
    description: str
    location: str
    lat: float | None
    long: float | None
    occurred_at: datetime | None
    reporter_name: str
    phone: str
    email: str
    anonymous: bool
    confidential: bool
    post_code: str
    channel: str
    created_at: datetime
    received_at: datetime
    status: wire.CentralStatus
    agency: str
    expected_at: datetime | None
    updated_at: datetime

    def secret_matches(self, secret: str | None) -> bool:
        return bool(secret) and matches(secret or "", self.secret_hash)


# -- due lists -------------------------------------------------------------------------------

DueList = Literal["overdue", "soon", "open"]
DueState = Literal["overdue", "soon", "ok"]
DUE_LISTS: tuple[DueList, ...] = ("overdue", "soon", "open")
MAX_DUE_LIMIT = 500
# Working days late are counted over at most this many calendar days back: a report whose
# deadline is older than that (a desk's clock far off) is as late as it gets, and counting
# decades of holidays would only slow the list down.
LATE_LOOKBACK_DAYS = 3 * 366
# ``<microseconds since 1970 UTC>_<id>``: every string of this shape is a usable cursor
# (the API's schema says so with the same pattern), so a well-formed one never fails.
DUE_CURSOR_PATTERN = r"^-?[0-9]{1,18}_[0-9]{1,18}$"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# A day inside datetime's range at either end, so that WIB conversions cannot overflow.
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_LATEST = datetime(9999, 12, 30, tzinfo=UTC)


@dataclass(frozen=True)
class DueCursor:
    """Where a page of a due list ended: its last report's deadline and id."""

    expected_at: datetime
    id: int

    def encode(self) -> str:
        micros = (self.expected_at - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}_{self.id}"

    @classmethod
    def decode(cls, raw: str) -> DueCursor:
        """The cursor in ``raw``; ``ValueError`` if it is not one. Out-of-range moments
        are clamped: the list then starts at its beginning, or is empty."""
        if not re.fullmatch(DUE_CURSOR_PATTERN, raw):
            raise ValueError("not a cursor: pass the 'next' value of the previous page")
        micros, _sep, ident = raw.partition("_")
        try:
            moment = _EPOCH + timedelta(microseconds=int(micros))
        except OverflowError:
            moment = _EARLIEST if micros.startswith("-") else _LATEST
        return cls(min(max(moment, _EARLIEST), _LATEST), int(ident))


@dataclass(frozen=True)
class DueReport:
    """An open report against its answer deadline."""

    id: int
    tracking_id: str
    type: str
    category: str
    agency: str
    post_code: str
    status: wire.CentralStatus
    created_at: datetime
    expected_at: datetime
    state: DueState
    working_days_late: int | None  # overdue reports only


@dataclass(frozen=True)
class DuePage:
    """A page of a due list, with the counts of the whole lists under the same filters."""

    state: DueList
    now: datetime
    today: date  # in WIB
    next_working_day: date  # "soon" ends with this day (WIB)
    items: list[DueReport]
    next: str | None  # the cursor of the following page, if there is one
    overdue: int
    soon: int


def _now() -> datetime:
    return datetime.now(UTC)


def _device_info(row: models.Device) -> DeviceInfo:
    return DeviceInfo(
        id=row.id,
        number=row.number,
        tracking_prefix=row.tracking_prefix,
        post_code=row.post_code,
        label=row.label,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        revoked_at=row.revoked_at,
        app_version=row.app_version,
        provisional_prefix=row.provisional_prefix,
    )


def complaint_view(row: models.Complaint) -> ComplaintView:
    return ComplaintView(
        id=row.id,
        uuid=row.uuid,
        tracking_id=row.tracking_id,
        secret_hash=row.secret_hash,
        type=row.type,
        category=row.category,
        title=row.title,
        description=row.description,
        location=row.location,
        lat=row.lat,
        long=row.long,
        occurred_at=row.occurred_at,
        reporter_name=row.reporter_name,
        phone=row.phone,
        email=row.email,
        anonymous=row.anonymous,
        confidential=row.confidential,
        post_code=row.post_code,
        channel=row.channel,
        created_at=row.created_at,
        received_at=row.received_at,
        status=wire.CentralStatus(row.status),
        agency=row.agency,
        expected_at=row.expected_at,
        updated_at=row.updated_at,
    )


class CentralStore:
    """All reads and writes of the central database. Thread-safe: a session per call."""

    def __init__(
        self,
        engine: Engine,
        catalog: Catalog | None = None,
        *,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.engine = engine
        self.catalog = catalog or default_catalog()
        # "Now" for the due lists (tests give a fixed clock; ``due`` also takes ``now``).
        self.clock = clock
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._central_device_id = self._ensure_central_device()

    def session(self) -> Session:
        return self._sessions()

    def close(self) -> None:
        self.engine.dispose()

    # -- devices -------------------------------------------------------------------------

    def _ensure_central_device(self) -> int:
        with self.session() as session, session.begin():
            row = session.scalar(
                select(models.Device).where(models.Device.number == CENTRAL_DEVICE_NUMBER)
            )
            if row is not None:
                return row.id
        try:
            with self.session() as session, session.begin():
                row = models.Device(
                    number=CENTRAL_DEVICE_NUMBER,
                    tracking_prefix=tracking.enrolled_prefix(CENTRAL_DEVICE_NUMBER),
                    post_code="PUSAT",
                    label="central system",
                )
                session.add(row)
                session.flush()
                return row.id
        except IntegrityError:  # another worker made it first
            with self.session() as session:
                found = session.scalar(
                    select(models.Device.id).where(models.Device.number == CENTRAL_DEVICE_NUMBER)
                )
                assert found is not None
                return found

    @property
    def central_device_id(self) -> int:
        return self._central_device_id

    def create_enroll_code(self, post_code: str, hours: float = 72) -> tuple[str, datetime]:
        if not 0 < hours <= 24 * 90:
            raise ValueError("hours must be between 0 and 2160")
        code = new_enroll_code()
        expires = _now() + timedelta(hours=hours)
        with self.session() as session, session.begin():
            session.add(
                models.EnrollCode(
                    code_hash=digest(normalize_code(code)), post_code=post_code, expires_at=expires
                )
            )
        return code, expires

    def enroll(
        self,
        code: str,
        label: str = "",
        app_version: str = "",
        *,
        public_key: str,
        proof: str,
        provisional_prefix: str = "",
    ) -> wire.EnrollResponse:
        """Exchange a single-use code for a device, its tracking prefix and its token.

        The desk proves it holds the private key of ``public_key`` (``proof`` signs
        ``wire.enrollment_message``). A key already enrolled is the same desk coming back
        (say, after losing its token): it keeps its device, prefix and sequence and gets a
        new token; no other device is touched. A revoked device stays revoked until a
        coordinator reinstates it (``reinstate_device``)."""
        message = wire.enrollment_message(code, public_key, provisional_prefix)
        if not public_key or not signature_valid(public_key, proof, message):
            raise EnrollError(EnrollError.BAD_PROOF)
        with self.session() as session:
            reason = self._why_code_unusable(session, code, _now())
        if reason is not None:
            raise EnrollError(reason)
        # Checked once the code is known good: scrypt is slow on purpose.
        if provisional_prefix and provisional_prefix != tracking.provisional_prefix_for(
            base64.b64decode(public_key)
        ):
            raise EnrollError(EnrollError.BAD_PREFIX)
        token = new_token()
        for _attempt in range(5):
            try:
                with self.session() as session, session.begin():
                    return self._enroll(
                        session, code, label, app_version, public_key, provisional_prefix, token
                    )
            except IntegrityError:
                continue  # two enrollments took the same device number: try again
        raise RuntimeError("could not allocate a device number")

    def _enroll(
        self,
        session: Session,
        code: str,
        label: str,
        app_version: str,
        public_key: str,
        provisional_prefix: str,
        token: str,
    ) -> wire.EnrollResponse:
        now = _now()
        # Claim the code atomically: the UPDATE matches only an unused one.
        claimed = session.execute(
            update(models.EnrollCode)
            .where(
                models.EnrollCode.code_hash == digest(normalize_code(code)),
                models.EnrollCode.used_at.is_(None),
                models.EnrollCode.expires_at > now,
            )
            .values(used_at=now)
            .returning(models.EnrollCode.id, models.EnrollCode.post_code)
        ).one_or_none()
        if claimed is None:
            raise EnrollError(self._why_code_unusable(session, code, now) or EnrollError.USED)
        device = session.scalar(
            select(models.Device)
            .where(
                models.Device.public_key == public_key,
                models.Device.number != CENTRAL_DEVICE_NUMBER,
            )
            .with_for_update()
        )
        if device is not None and device.revoked_at is not None:
            # Raising rolls the transaction back: the code stays unused.
            raise EnrollError(EnrollError.REVOKED)
        if (
            device is not None
            and device.token_hash is not None
            and device.post_code != claimed.post_code
        ):
            # The key is enrolled and its token alive at another post: a copied profile on a
            # second laptop, most likely. Moving a desk is a coordinator's decision: revoke,
            # reinstate, then enroll with the new post's code.
            raise EnrollError(EnrollError.OTHER_POST)
        if provisional_prefix:
            holder = session.scalar(
                select(models.Device.id).where(
                    models.Device.provisional_prefix == provisional_prefix
                )
            )
            if holder is not None and (device is None or holder != device.id):
                # Two keys with one prefix: as likely as two random prefixes meeting (about
                # 4·10⁻⁵ among 1,000 desks). The first keeps it; the IDs this desk made
                # before enrolling will be refused with the reason, never taken as the
                # other desk's.
                log.warning("provisional prefix already held by device %s", holder)
                provisional_prefix = ""
        if device is None:
            number = (
                session.scalar(select(func.coalesce(func.max(models.Device.number), 0))) or 0
            ) + 1
            device = models.Device(
                number=number,
                tracking_prefix=tracking.enrolled_prefix(number),
                post_code=claimed.post_code,
                label=label,
                token_hash=digest(token),
                app_version=app_version,
                public_key=public_key,
                provisional_prefix=provisional_prefix or None,
            )
            session.add(device)
            session.flush()
            log.info("enrolled device %s for post %s", device.id, claimed.post_code)
        else:
            # The same desk (it proved the key) with a fresh code: a new token for it alone.
            if device.token_hash is not None:
                log.warning(
                    "device %s enrolled again: its previous token no longer works", device.id
                )
            else:
                log.info("re-enrolled device %s for post %s", device.id, claimed.post_code)
            device.token_hash = digest(token)
            device.post_code = claimed.post_code
            device.label = label or device.label
            if provisional_prefix and device.provisional_prefix is None:
                device.provisional_prefix = provisional_prefix
        session.execute(
            update(models.EnrollCode)
            .where(models.EnrollCode.id == claimed.id)
            .values(device_id=device.id)
        )
        return wire.EnrollResponse(
            device_id=str(device.id),
            tracking_prefix=device.tracking_prefix,
            token=token,
            post_code=claimed.post_code,
            next_sequence=self._next_sequence(session, device.id, device.tracking_prefix),
        )

    @staticmethod
    def _next_sequence(session: Session, device_id: int, prefix: str) -> int:
        """One past the highest sequence the central system holds under ``prefix``."""
        highest = 0
        for (tracking_id,) in session.execute(
            select(models.Complaint.tracking_id).where(
                models.Complaint.device_id == device_id,
                models.Complaint.tracking_id.startswith(prefix),
            )
        ):
            own, sequence = tracking.split(tracking_id)
            if own == prefix:
                highest = max(highest, sequence)
        return highest + 1

    @staticmethod
    def _why_code_unusable(session: Session, code: str, now: datetime) -> str | None:
        row = session.scalar(
            select(models.EnrollCode).where(
                models.EnrollCode.code_hash == digest(normalize_code(code))
            )
        )
        if row is None:
            return EnrollError.UNKNOWN
        if row.used_at is not None:
            return EnrollError.USED
        if row.expires_at <= now:
            return EnrollError.EXPIRED
        return None

    def devices(self) -> list[DeviceInfo]:
        with self.session() as session:
            rows = session.scalars(
                select(models.Device)
                .where(models.Device.number != CENTRAL_DEVICE_NUMBER)
                .order_by(models.Device.id)
            )
            return [_device_info(row) for row in rows]

    def device(self, device_id: int) -> tuple[DeviceInfo, str] | None:
        """A device and its registered public key."""
        with self.session() as session:
            row = session.get(models.Device, device_id)
            if row is None or row.number == CENTRAL_DEVICE_NUMBER:
                return None
            return _device_info(row), row.public_key

    def revoke_device(self, device_id: int) -> DeviceInfo:
        """The device's token stops working at once and for good; enrolling again (even
        with a fresh code and the device's own key) is refused until it is reinstated."""
        with self.session() as session, session.begin():
            row = session.get(models.Device, device_id)
            if row is None or row.number == CENTRAL_DEVICE_NUMBER:
                raise NotFound(f"device {device_id}")
            if row.revoked_at is None:
                row.revoked_at = _now()
            row.token_hash = None
            return _device_info(row)

    def reinstate_device(self, device_id: int) -> DeviceInfo:
        """A coordinator lets a revoked device enroll again (its old token stays dead)."""
        with self.session() as session, session.begin():
            row = session.get(models.Device, device_id)
            if row is None or row.number == CENTRAL_DEVICE_NUMBER:
                raise NotFound(f"device {device_id}")
            row.revoked_at = None
            return _device_info(row)

    def authenticate_device(self, token: str) -> DeviceInfo | None:
        """The active device holding ``token``. The look-up is by hash (a unique index), so
        its timing says nothing about the token; the final comparison is constant-time."""
        if not token:
            return None
        wanted = digest(token)
        with self.session() as session:
            row = session.scalar(select(models.Device).where(models.Device.token_hash == wanted))
            if row is None or row.token_hash is None or row.revoked_at is not None:
                return None
            if not matches(token, row.token_hash):
                return None
            return _device_info(row)

    # -- staff and Open311 clients -------------------------------------------------------

    def create_client(self, name: str, role: str) -> str:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        token = new_token()
        with self.session() as session, session.begin():
            session.add(models.ApiClient(name=name, role=role, token_hash=digest(token)))
        return token

    def clients(self) -> list[ClientInfo]:
        with self.session() as session:
            return [
                ClientInfo(row.id, row.name, row.role, row.created_at, row.revoked_at)
                for row in session.scalars(select(models.ApiClient).order_by(models.ApiClient.id))
            ]

    def revoke_client(self, client_id: int) -> ClientInfo:
        """The staff token or Open311 key stops working at once, for good."""
        with self.session() as session, session.begin():
            row = session.get(models.ApiClient, client_id)
            if row is None:
                raise NotFound(f"client {client_id}")
            if row.revoked_at is None:
                row.revoked_at = _now()
            return ClientInfo(row.id, row.name, row.role, row.created_at, row.revoked_at)

    def authenticate_client(self, token: str, role: str) -> ClientInfo | None:
        if not token:
            return None
        with self.session() as session:
            row = session.scalar(
                select(models.ApiClient).where(models.ApiClient.token_hash == digest(token))
            )
            if row is None or row.revoked_at is not None or row.role != role:
                return None
            if not matches(token, row.token_hash):
                return None
            return ClientInfo(id=row.id, name=row.name, role=row.role)

    # -- ingest --------------------------------------------------------------------------

    def push(
        self, device: DeviceInfo, raw_records: Sequence[object], app_version: str = ""
    ) -> list[wire.RecordResult]:
        """Validate each record on its own, then ingest the valid ones; one answer each."""
        results: list[wire.RecordResult | None] = [None] * len(raw_records)
        valid: list[
            tuple[int, wire.ComplaintPayload | wire.SurveyResponsePayload | wire.TallyPayload]
        ] = []
        for index, raw in enumerate(raw_records):
            try:
                record = wire.parse_record(raw)
            except wire.RecordError as exc:
                results[index] = wire.RecordResult(
                    index=index,
                    uuid=exc.uuid,
                    kind=exc.kind,
                    result=wire.RecordOutcome.REJECTED,
                    reason=exc.reason,
                )
                continue
            reason = self._refuse(device, record)
            if reason:
                results[index] = wire.RecordResult(
                    index=index,
                    uuid=record.uuid,
                    kind=record.kind,
                    result=wire.RecordOutcome.REJECTED,
                    reason=reason,
                )
            else:
                valid.append((index, record))
        answers = self.ingest(device, [r for _i, r in valid], app_version)
        for (index, _record), result in zip(valid, answers, strict=True):
            results[index] = result.model_copy(update={"index": index})
        return [r for r in results if r is not None]

    def _refuse(
        self,
        device: DeviceInfo,
        record: wire.ComplaintPayload | wire.SurveyResponsePayload | wire.TallyPayload,
    ) -> str | None:
        """Why a well-formed record is still unacceptable from this device, if it is.

        A record is taken only from the device that could have made it: under the post the
        device is enrolled for, and (complaints) with a tracking ID of the device's own
        prefix, or of the provisional prefix it proved at enrollment (derived from its key),
        so no device can plant a report under another desk's ID before that desk syncs."""
        if record.post_code != device.post_code:
            return f"post_code: this desk is enrolled for post {device.post_code}"
        if isinstance(record, wire.ComplaintPayload):
            if self.catalog.get(record.category) is None:
                return f"category: unknown category {record.category}"
            try:
                prefix, _sequence = tracking.split(record.tracking_id)
            except tracking.TrackingIdError:
                return "tracking_id: too short for a tracking ID of its kind"
            if prefix != device.tracking_prefix and prefix != device.provisional_prefix:
                if prefix[0] in tracking.PROVISIONAL_FIRST:
                    return "tracking_id: the provisional prefix is not this desk's"
                return "tracking_id: the prefix belongs to another device"
            if record.created_at > _now() + timedelta(days=1):
                return "created_at: in the future"
        return None

    def ingest(
        self,
        device: DeviceInfo,
        records: Sequence[wire.ComplaintPayload | wire.SurveyResponsePayload | wire.TallyPayload],
        app_version: str = "",
    ) -> list[wire.RecordResult]:
        """Insert validated records in one transaction; one result per record, in order."""
        hashes = [wire.content_hash(r) for r in records]
        outcome: dict[int, tuple[wire.RecordOutcome, str | None]] = {}
        # The same UUID twice in one batch: the first counts, the second is classified.
        first_seen: dict[str, int] = {}
        fresh: list[int] = []
        for i, record in enumerate(records):
            if record.uuid in first_seen:
                same = hashes[first_seen[record.uuid]] == hashes[i]
                outcome[i] = (
                    (wire.RecordOutcome.DUPLICATE, None)
                    if same
                    else (wire.RecordOutcome.CONFLICT, "uuid: sent twice with different content")
                )
            else:
                first_seen[record.uuid] = i
                fresh.append(i)
        now = _now()
        with self.session() as session, session.begin():
            # Every writer locks the device row first, then reports (set_status too): one
            # order, so a push and a status change, or two pushes, never deadlock on
            # PostgreSQL (a hostile test made both happen). SQLite writes one at a time.
            session.execute(
                select(models.Device.id).where(models.Device.id == device.id).with_for_update()
            )
            for kind, table in (
                ("complaint", models.Complaint),
                ("survey_response", models.SurveyResponse),
                ("tally_event", models.TallyEvent),
            ):
                batch = [i for i in fresh if records[i].kind == kind]
                if not batch:
                    continue
                rows = [self._row(device, records[i], hashes[i], now) for i in batch]
                inserted = self._insert_new(session, table, rows)
                if kind == "complaint" and inserted:
                    session.execute(
                        insert(models.StatusChange),
                        [
                            {
                                "complaint_id": complaint_id,
                                "device_id": device.id,
                                "status": wire.CentralStatus.RECEIVED.value,
                                "note": "",
                                "internal_note": "",
                                "agency": "",
                                "actor": SYSTEM_ACTOR,
                                "changed_at": now,
                            }
                            for complaint_id in inserted.values()
                        ],
                    )
                missing = [i for i in batch if records[i].uuid not in inserted]
                if missing:
                    columns: list[Any] = [table.uuid, table.content_hash]
                    if table is models.Complaint:
                        columns += [table.revision, table.device_id, table.tracking_id]
                    existing = {
                        row[0]: row
                        for row in session.execute(
                            select(*columns).where(
                                table.uuid.in_([records[i].uuid for i in missing])
                            )
                        )
                    }
                    # In UUID order, as the inserts: two pushes take the rows' locks alike.
                    for i in sorted(missing, key=lambda i: records[i].uuid):
                        outcome[i] = self._classify(
                            session,
                            device,
                            records[i],
                            hashes[i],
                            existing.get(records[i].uuid),
                            now,
                        )
                for i in batch:
                    outcome.setdefault(i, (wire.RecordOutcome.ACCEPTED, None))
            session.execute(
                update(models.Device)
                .where(models.Device.id == device.id)
                .values(last_seen_at=now, **({"app_version": app_version} if app_version else {}))
            )
        return [
            wire.RecordResult(
                index=i,
                uuid=record.uuid,
                kind=record.kind,
                result=outcome[i][0],
                reason=outcome[i][1],
            )
            for i, record in enumerate(records)
        ]

    def _classify(
        self,
        session: Session,
        device: DeviceInfo,
        record: wire.ComplaintPayload | wire.SurveyResponsePayload | wire.TallyPayload,
        content_hash: str,
        stored: Any,
        now: datetime,
    ) -> tuple[wire.RecordOutcome, str | None]:
        """A record whose insert did nothing: duplicate, newer revision, or conflict."""
        if stored is None:
            return wire.RecordOutcome.CONFLICT, "tracking_id: already used by another report"
        if stored.content_hash == content_hash:
            return wire.RecordOutcome.DUPLICATE, None
        if isinstance(record, wire.ComplaintPayload):
            if record.revision < stored.revision:
                # The central system already holds a later edit of this report.
                return wire.RecordOutcome.DUPLICATE, None
            if (
                record.revision > stored.revision
                and stored.device_id == device.id
                and stored.tracking_id == record.tracking_id
            ):
                if self._revise(session, device, record, content_hash, now):
                    return wire.RecordOutcome.ACCEPTED, None
                again = session.scalar(
                    select(models.Complaint.content_hash).where(
                        models.Complaint.uuid == record.uuid
                    )
                )
                if again == content_hash:  # a concurrent push of the same edit won
                    return wire.RecordOutcome.DUPLICATE, None
        return wire.RecordOutcome.CONFLICT, "uuid: already received with different content"

    def _revise(
        self,
        session: Session,
        device: DeviceInfo,
        record: wire.ComplaintPayload,
        content_hash: str,
        now: datetime,
    ) -> bool:
        """Replace a report's content with a later revision from the desk that made it; the
        status, agency and timeline stay. Atomic: only a lower stored revision is replaced."""
        row = self._row(device, record, content_hash, now)
        keep = {"uuid", "device_id", "received_at", "status", "agency", "expected_at", "channel"}
        values = {k: v for k, v in row.items() if k not in keep}
        result = session.execute(
            update(models.Complaint)
            .where(
                models.Complaint.uuid == record.uuid,
                models.Complaint.revision < record.revision,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    def _expected(self, report_type: str, category: str, received: datetime) -> datetime:
        """The answer's due moment in working days, counted from when the citizen reported
        (at the post, even if the post was offline for days): the same date the receipt
        promised, computed here with the central system's calendar, which is authoritative."""
        found = self.catalog.get(category)
        return deadlines(report_type, found.group if found else "", received).expected_datetime()

    def _insert_new(
        self, session: Session, table: Any, rows: list[dict[str, Any]]
    ) -> dict[str, int]:
        """Insert what is new; ``{uuid: id}`` of the rows this call inserted."""
        core = table.__table__
        # In UUID order: two pushes of the same records in different orders then take the
        # unique index's locks in one order, and cannot deadlock each other on PostgreSQL.
        rows = sorted(rows, key=lambda row: str(row["uuid"]))
        statement = self._insert(core).on_conflict_do_nothing().returning(core.c.uuid, core.c.id)
        # executemany with RETURNING: SQLAlchemy's "insertmanyvalues" batches it on both
        # SQLite and PostgreSQL.
        return {row[0]: row[1] for row in session.execute(statement, rows)}

    def _row(
        self,
        device: DeviceInfo,
        record: wire.ComplaintPayload | wire.SurveyResponsePayload | wire.TallyPayload,
        content_hash: str,
        now: datetime,
    ) -> dict[str, Any]:
        common = {
            "uuid": record.uuid,
            "content_hash": content_hash,
            "device_id": device.id,
            "post_code": record.post_code,
            "created_at": record.created_at,
            "received_at": now,
        }
        if isinstance(record, wire.ComplaintPayload):
            return common | {
                "tracking_id": record.tracking_id,
                "revision": record.revision,
                "secret_hash": digest(record.secret),
                "type": record.type,
                "category": record.category,
                "title": record.title,
                "description": record.description,
                "location": record.location,
                "lat": None,
                "long": None,
                "occurred_at": record.occurred_at,
                "reporter_name": record.reporter_name,
                "phone": record.phone,
                "email": record.email,
                "anonymous": record.anonymous,
                "confidential": record.confidential,
                "operator_name": record.operator_name,
                "channel": "desk",
                "status": wire.CentralStatus.RECEIVED.value,
                "agency": "",
                "expected_at": self._expected(record.type, record.category, record.created_at),
                "updated_at": now,
            }
        if isinstance(record, wire.SurveyResponsePayload):
            return common | {
                "service": record.service,
                "answers": dict(record.answers),
                "respondent": dict(record.respondent),
                "suggestion": record.suggestion,
            }
        return common | {"counter": record.counter, "item": record.item, "count": record.count}

    # -- complaints filed on the central system itself (Open311) ---------------------------

    def file_complaint(
        self,
        *,
        category: str,
        title: str,
        description: str,
        location: str = "",
        lat: float | None = None,
        long: float | None = None,
        reporter_name: str = "",
        phone: str = "",
        email: str = "",
        channel: str = "open311",
        uuid: str | None = None,
        complaint_type: str = "pengaduan",
    ) -> tuple[ComplaintView, str]:
        """A report that did not come from a desk: it gets a tracking ID of the central
        system's own prefix. Returns the report and its receipt secret (shown once)."""
        import uuid as uuidlib

        secret = tracking.new_secret()
        now = _now()
        with self.session() as session, session.begin():
            device = session.execute(
                update(models.Device)
                .where(models.Device.id == self._central_device_id)
                .values(next_sequence=models.Device.next_sequence + 1)
                .returning(models.Device.next_sequence, models.Device.tracking_prefix)
            ).one()
            tracking_id = tracking.TrackingId.make(
                device.tracking_prefix, device.next_sequence - 1
            ).compact
            row = models.Complaint(
                uuid=uuid or str(uuidlib.uuid4()),
                content_hash="",
                tracking_id=tracking_id,
                secret_hash=digest(secret),
                type=complaint_type,
                category=category,
                title=title,
                description=description,
                location=location,
                lat=lat,
                long=long,
                reporter_name=reporter_name,
                phone=phone,
                email=email,
                anonymous=False,
                confidential=False,
                post_code="PUSAT",
                operator_name="",
                channel=channel,
                device_id=self._central_device_id,
                created_at=now,
                received_at=now,
                status=wire.CentralStatus.RECEIVED.value,
                expected_at=self._expected(complaint_type, category, now),
                updated_at=now,
            )
            session.add(row)
            session.flush()
            row.content_hash = digest(row.uuid)
            session.add(
                models.StatusChange(
                    complaint_id=row.id,
                    device_id=self._central_device_id,
                    status=wire.CentralStatus.RECEIVED.value,
                    actor=SYSTEM_ACTOR,
                    changed_at=now,
                )
            )
            return complaint_view(row), secret

    # -- statuses ------------------------------------------------------------------------

    def set_status(
        self,
        tracking_id: str,
        status: wire.CentralStatus,
        *,
        actor: str,
        public_note: str = "",
        internal_note: str = "",
        agency: str | None = None,
    ) -> TimelineEntry:
        """Move a report on; every change is kept with its notes, time and who made it. The
        public note is meant for the citizen; the internal note stays with the staff."""
        if (
            wire.has_control(public_note, lines=True)
            or wire.has_control(internal_note, lines=True)
            or wire.has_control(actor)
            or (agency is not None and wire.has_control(agency))
        ):
            raise ValueError("control characters in a note, an agency or a name")
        now = _now()
        with self.session() as session, session.begin():
            device_id = session.scalar(
                select(models.Complaint.device_id).where(
                    models.Complaint.tracking_id == tracking_id
                )
            )
            if device_id is None:
                raise NotFound(tracking_id)
            # The device row first, then the report: the order every writer keeps (see
            # ingest). It also orders the changes of one device: desks pull by an id
            # cursor, and a change whose id was taken first but committed last would be
            # skipped.
            session.execute(
                select(models.Device.id).where(models.Device.id == device_id).with_for_update()
            )
            row = session.scalar(
                select(models.Complaint)
                .where(models.Complaint.tracking_id == tracking_id)
                .with_for_update()
            )
            if row is None:
                raise NotFound(tracking_id)
            row.status = status.value
            if agency is not None:
                row.agency = agency
            row.updated_at = now
            session.add(
                models.StatusChange(
                    complaint_id=row.id,
                    device_id=row.device_id,
                    status=status.value,
                    note=public_note,
                    internal_note=internal_note,
                    agency=row.agency,
                    actor=actor,
                    changed_at=now,
                )
            )
            return TimelineEntry(
                status=status,
                public_note=public_note,
                internal_note=internal_note,
                agency=row.agency,
                actor=actor,
                changed_at=now,
            )

    def pull(self, device: DeviceInfo, cursor: int, limit: int = 500) -> wire.PullResponse:
        """Status changes of this device's reports after ``cursor``, oldest first, as the
        holder of the receipt secret sees them (the desk keeps it): the public note and the
        agency, never the internal note (``central.disclosure``).

        The automatic "received" step of a pushed record is left out: the push answer
        (accepted or duplicate) already told the desk, and a desk syncing 10,000 records
        should not download 10,000 receipts of what it just heard."""
        with self.session() as session:
            rows = session.execute(
                select(
                    models.StatusChange.id,
                    models.Complaint.tracking_id,
                    models.Complaint.uuid,
                    models.StatusChange.status,
                    models.StatusChange.note,
                    models.StatusChange.agency,
                    models.StatusChange.changed_at,
                )
                .join(models.Complaint, models.Complaint.id == models.StatusChange.complaint_id)
                .where(
                    models.StatusChange.device_id == device.id,
                    models.StatusChange.id > cursor,
                    ~and_(
                        models.StatusChange.status == wire.CentralStatus.RECEIVED.value,
                        models.StatusChange.actor == SYSTEM_ACTOR,
                    ),
                )
                .order_by(models.StatusChange.id)
                .limit(limit + 1)
            ).all()
        more = len(rows) > limit
        rows = rows[:limit]
        changes = [
            wire.StatusChange(
                cursor=str(row.id),
                tracking_id=row.tracking_id,
                uuid=row.uuid,
                status=wire.CentralStatus(row.status),
                note=row.note,
                agency=row.agency,
                changed_at=row.changed_at,
            )
            for row in rows
        ]
        return wire.PullResponse(
            changes=changes, cursor=changes[-1].cursor if changes else str(cursor), more=more
        )

    # -- look-ups ------------------------------------------------------------------------

    def complaint(self, tracking_id: str) -> ComplaintView | None:
        with self.session() as session:
            row = session.scalar(
                select(models.Complaint).where(models.Complaint.tracking_id == tracking_id)
            )
            return complaint_view(row) if row is not None else None

    def timeline(self, complaint_id: int) -> list[TimelineEntry]:
        return self.timelines([complaint_id]).get(complaint_id, [])

    def timelines(self, complaint_ids: Sequence[int]) -> dict[int, list[TimelineEntry]]:
        """The status changes of several reports in one query, each list oldest first."""
        found: dict[int, list[TimelineEntry]] = {}
        if not complaint_ids:
            return found
        with self.session() as session:
            rows = session.scalars(
                select(models.StatusChange)
                .where(models.StatusChange.complaint_id.in_(list(complaint_ids)))
                .order_by(models.StatusChange.id)
            )
            for row in rows:
                found.setdefault(row.complaint_id, []).append(
                    TimelineEntry(
                        status=wire.CentralStatus(row.status),
                        public_note=row.note,
                        internal_note=row.internal_note,
                        agency=row.agency,
                        actor=row.actor,
                        changed_at=row.changed_at,
                    )
                )
        return found

    # -- public lists (Open311) -----------------------------------------------------------

    def complaints_by_tracking_ids(self, tracking_ids: Sequence[str]) -> list[ComplaintView]:
        """The reports with these IDs, newest first (rahasia ones included: a public look-up
        by number shows them as ``central.disclosure`` says)."""
        if not tracking_ids:
            return []
        with self.session() as session:
            rows = session.scalars(
                select(models.Complaint)
                .where(models.Complaint.tracking_id.in_(list(tracking_ids)))
                .order_by(models.Complaint.created_at.desc(), models.Complaint.id.desc())
            )
            return [complaint_view(row) for row in rows]

    def listed_complaints(
        self,
        *,
        categories: Sequence[str] = (),
        start: datetime | None = None,
        end: datetime | None = None,
        statuses: Sequence[str] | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> list[ComplaintView]:
        """A page of the reports a public list may name (``disclosure.LISTED``: never a
        rahasia one), newest first."""
        from central.disclosure import LISTED

        table = models.Complaint
        statement = select(table).where(LISTED)
        if categories:
            statement = statement.where(table.category.in_(list(categories)))
        if start is not None:
            statement = statement.where(table.created_at >= start)
        if end is not None:
            statement = statement.where(table.created_at <= end)
        if statuses is not None:
            statement = statement.where(table.status.in_(list(statuses)))
        statement = (
            statement.order_by(table.created_at.desc(), table.id.desc()).offset(offset).limit(limit)
        )
        with self.session() as session:
            return [complaint_view(row) for row in session.scalars(statement)]

    def listed_updates(
        self, start: datetime, end: datetime | None, *, offset: int = 0, limit: int = 100
    ) -> list[tuple[int, TimelineEntry, ComplaintView]]:
        """A page of the status changes of publicly listed reports in a window, oldest
        first: ``(change id, change, report)``."""
        from central.disclosure import LISTED

        change = models.StatusChange
        statement = (
            select(change, models.Complaint)
            .join(models.Complaint, models.Complaint.id == change.complaint_id)
            .where(LISTED, change.changed_at >= start)
        )
        if end is not None:
            statement = statement.where(change.changed_at <= end)
        statement = statement.order_by(change.changed_at, change.id).offset(offset).limit(limit)
        with self.session() as session:
            return [
                (
                    row.id,
                    TimelineEntry(
                        status=wire.CentralStatus(row.status),
                        public_note=row.note,
                        internal_note=row.internal_note,
                        agency=row.agency,
                        actor=row.actor,
                        changed_at=row.changed_at,
                    ),
                    complaint_view(report),
                )
                for row, report in session.execute(statement).all()
            ]

    def complaint_by_uuid(self, uuid: str) -> ComplaintView | None:
        with self.session() as session:
            row = session.scalar(select(models.Complaint).where(models.Complaint.uuid == uuid))
            return complaint_view(row) if row is not None else None

    def count(self, table: Iterable[str] = ("complaints",)) -> dict[str, int]:
        names = {
            "complaints": models.Complaint,
            "survey_responses": models.SurveyResponse,
            "tally_events": models.TallyEvent,
            "status_changes": models.StatusChange,
        }
        with self.session() as session:
            return {
                name: session.scalar(select(func.count()).select_from(names[name])) or 0
                for name in table
            }

    # -- due lists -----------------------------------------------------------------------

    def due_window(self, now: datetime) -> tuple[date, date, datetime]:
        """Today (WIB), the next working day after it, and the moment "soon" ends: the
        start of the day after that working day, in WIB. The desk's rule
        (``desktop.ui.complaint_list.due_state``): due today or the next working day."""
        today = now.astimezone(WIB).date()
        following = default_calendar().add_working_days(today, 1)
        return today, following, datetime.combine(following + timedelta(days=1), time(), WIB)

    def due_query(
        self,
        state: DueList,
        now: datetime,
        *,
        agency: str | None = None,
        post_code: str | None = None,
        category: str | None = None,
        after: DueCursor | None = None,
        limit: int = 100,
    ) -> Select[*tuple[Any, ...]]:
        """The SQL of one page of a due list (``due`` runs it; tests read its plan)."""
        if state not in DUE_LISTS:
            raise ValueError(f"state must be one of {', '.join(DUE_LISTS)}")
        table = models.Complaint
        _today, _following, soon_end = self.due_window(now)
        conditions = self._due_filters(agency, post_code, category)
        if state == "overdue":
            conditions.append(table.expected_at < now)
        elif state == "soon":
            conditions += [table.expected_at >= now, table.expected_at < soon_end]
        else:
            conditions.append(table.expected_at.is_not(None))
        if after is not None:
            # Keyset on (expected_at, id), written so both databases bound the index scan
            # by its first column and only compare ids among equal deadlines.
            conditions += [
                table.expected_at >= after.expected_at,
                or_(table.expected_at > after.expected_at, table.id > after.id),
            ]
        return (
            select(
                table.id,
                table.tracking_id,
                table.type,
                table.category,
                table.agency,
                table.post_code,
                table.status,
                table.created_at,
                table.expected_at,
            )
            .where(*conditions)
            .order_by(table.expected_at, table.id)
            .limit(limit + 1)
        )

    def due_counts_query(
        self,
        now: datetime,
        *,
        agency: str | None = None,
        post_code: str | None = None,
        category: str | None = None,
    ) -> Select[*tuple[Any, ...]]:
        """How many open reports are overdue and due soon: one range of the index."""
        table = models.Complaint
        _today, _following, soon_end = self.due_window(now)
        return select(
            func.count(case((table.expected_at < now, 1))),
            func.count(case((table.expected_at >= now, 1))),
        ).where(*self._due_filters(agency, post_code, category), table.expected_at < soon_end)

    @staticmethod
    def _due_filters(
        agency: str | None, post_code: str | None, category: str | None
    ) -> list[ColumnElement[bool] | TextClause]:
        table = models.Complaint
        # The partial index's own predicate, inline (see models.OPEN_COMPLAINT_SQL).
        conditions: list[ColumnElement[bool] | TextClause] = [text(models.OPEN_COMPLAINT_SQL)]
        if agency is not None:
            conditions.append(table.agency == agency)
        if post_code is not None:
            conditions.append(table.post_code == post_code)
        if category is not None:
            conditions.append(table.category == category)
        return conditions

    def due(
        self,
        state: DueList = "open",
        *,
        agency: str | None = None,
        post_code: str | None = None,
        category: str | None = None,
        limit: int = 100,
        after: DueCursor | None = None,
        now: datetime | None = None,
    ) -> DuePage:
        """Open reports by their answer deadline (``expected_at``), oldest deadline first:
        ``overdue`` (the deadline has passed), ``soon`` (not overdue, due by the end of
        the next working day in WIB) or ``open`` (every open report). Resolved and
        archived reports are never listed. Filters match exactly: the agency a report
        was assigned to, the post it came from, its category. ``after`` continues from
        a page's ``next`` cursor; the counts cover the whole lists under the filters."""
        if not 1 <= limit <= MAX_DUE_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_DUE_LIMIT}")
        now = now or self.clock()
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        today, following, soon_end = self.due_window(now)
        filters = {"agency": agency, "post_code": post_code, "category": category}
        with self.session() as session:
            rows = session.execute(
                self.due_query(state, now, after=after, limit=limit, **filters)
            ).all()
            counts = session.execute(self.due_counts_query(now, **filters)).one()
        more = len(rows) > limit
        rows = rows[:limit]
        late = self._working_days_late(
            [row.expected_at.astimezone(WIB).date() for row in rows if row.expected_at < now],
            today,
        )
        items = []
        for row in rows:
            overdue = row.expected_at < now
            items.append(
                DueReport(
                    id=row.id,
                    tracking_id=row.tracking_id,
                    type=row.type,
                    category=row.category,
                    agency=row.agency,
                    post_code=row.post_code,
                    status=wire.CentralStatus(row.status),
                    created_at=row.created_at,
                    expected_at=row.expected_at,
                    state="overdue" if overdue else "soon" if row.expected_at < soon_end else "ok",
                    working_days_late=(
                        late[row.expected_at.astimezone(WIB).date()] if overdue else None
                    ),
                )
            )
        last = items[-1] if items else None
        return DuePage(
            state=state,
            now=now,
            today=today,
            next_working_day=following,
            items=items,
            next=DueCursor(last.expected_at, last.id).encode() if more and last else None,
            overdue=int(counts[0]),
            soon=int(counts[1]),
        )

    def _working_days_late(self, due_days: Iterable[date], today: date) -> dict[date, int]:
        """For each due day: the working days after it, up to and including today. One
        walk over the calendar for the whole page, not one per report."""
        floor = today - timedelta(days=LATE_LOOKBACK_DAYS)
        days = set(due_days)
        if not days:
            return {}
        start = max(min(days), floor)
        calendar = default_calendar()
        working: list[date] = []
        current = start
        while current < today:
            current += timedelta(days=1)
            if calendar.is_working_day(current):
                working.append(current)
        return {day: len(working) - bisect_right(working, max(day, floor)) for day in days}
