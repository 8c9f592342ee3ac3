"""The central system's tables. Records keep the UUID they were given on the desk, under a
unique constraint: that constraint, not a look-up before the insert, makes a resend harmless."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from posko import wire
from posko.db import NAMING, UTCDateTime, utcnow

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Device(Base):
    """An enrolled desk. Number 0 is the central system itself (reports filed through
    Open311 get tracking IDs from it)."""

    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    tracking_prefix: Mapped[str] = mapped_column(String(8), unique=True)
    post_code: Mapped[str] = mapped_column(String(16), index=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    # Ed25519 public key (base64), proved at enrollment: the desk's identity (one device per
    # key: a partial unique index below), and it verifies the desk's USB bundles.
    public_key: Mapped[str] = mapped_column(String(64), default="")
    # The prefix of the IDs the desk made before enrollment, derived from its key
    # (``tracking.provisional_prefix_for``): only this device may send IDs under it.
    provisional_prefix: Mapped[str | None] = mapped_column(String(8), unique=True, nullable=True)
    next_sequence: Mapped[int] = mapped_column(Integer, default=1)
    app_version: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


# Desks enrolled before keys were required have none; every key belongs to one device.
Index(
    "uq_devices_public_key",
    Device.public_key,
    unique=True,
    sqlite_where=text("public_key <> ''"),
    postgresql_where=text("public_key <> ''"),
)


class EnrollCode(Base):
    """A single-use, expiring code a coordinator hands to a post; only its hash is kept."""

    __tablename__ = "enroll_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    post_code: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), nullable=True)


class ApiClient(Base):
    """A staff member's token (status changes) or an Open311 client's api_key."""

    __tablename__ = "api_clients"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))  # "staff" | "open311"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A staff client's role (``posko.staff_roles``: koordinator, petugas_instansi); empty
    # for an Open311 key. An agency officer is bound to one agency code of the routing
    # rules and sees only that agency's reports (``central.disclosure``).
    staff_role: Mapped[str] = mapped_column(String(32), default="")
    agency: Mapped[str] = mapped_column(String(100), default="")
    # When the token stops working (staff tokens); None: never (Open311 keys).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class StaffSession(Base):
    """A coordinator signed in to the staff pages (``central.staff_web``): only a hash of
    the session cookie's token is kept, so a leaked database signs nobody in. The session
    is a client's (for now a staff token's); it ends at ``expires_at``, at sign-out, or the
    moment the client is revoked."""

    __tablename__ = "staff_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Complaint(Base):
    __tablename__ = "complaints"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    # The desk's edit counter: a later revision from the same desk replaces the content.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    tracking_id: Mapped[str] = mapped_column(String(32), unique=True)
    # Only a hash of the receipt's secret: a leaked database does not unlock rahasia reports.
    secret_hash: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[float | None] = mapped_column(nullable=True)
    long: Mapped[float | None] = mapped_column(nullable=True)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reporter_name: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    post_code: Mapped[str] = mapped_column(String(16), index=True)
    operator_name: Mapped[str] = mapped_column(String(100), default="")
    channel: Mapped[str] = mapped_column(String(16), default="desk")  # desk | open311
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="received", index=True)
    agency: Mapped[str] = mapped_column(String(100), default="")
    expected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


# Resolved and archived reports are closed: never late, never on a due list.
CLOSED_STATUSES = tuple(status.value for status in wire.CentralStatus if status.closed)
# The due lists (``CentralStore.due``) read open reports in deadline order. The index is
# partial, so the closed reports (most of a season's) take no room in it and are never
# scanned past. Queries repeat this predicate word for word, the values inline rather than
# bound, so that SQLite and PostgreSQL both see it implies the index's (migration 0002).
OPEN_COMPLAINT_SQL = "status NOT IN ({})".format(", ".join(f"'{s}'" for s in CLOSED_STATUSES))
Index(
    "ix_complaints_open_expected_at",
    Complaint.expected_at,
    Complaint.id,
    sqlite_where=text(OPEN_COMPLAINT_SQL),
    postgresql_where=text(OPEN_COMPLAINT_SQL),
)


class StatusChange(Base):
    """Every step of a report, in order; ``id`` is the cursor desks pull from."""

    __tablename__ = "status_changes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    status: Mapped[str] = mapped_column(String(20))
    # The public note: written for the citizen (central.disclosure says who sees it).
    note: Mapped[str] = mapped_column(Text, default="")
    # Never shown outside the staff.
    internal_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    agency: Mapped[str] = mapped_column(String(100), default="")
    actor: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_status_changes_complaint_id", StatusChange.complaint_id, StatusChange.id)
Index("ix_status_changes_device_id", StatusChange.device_id, StatusChange.id)
Index("ix_status_changes_changed_at", StatusChange.changed_at)


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    post_code: Mapped[str] = mapped_column(String(16), index=True)
    service: Mapped[str] = mapped_column(String(100))
    answers: Mapped[dict[str, int]] = mapped_column(JSON)
    respondent: Mapped[dict[str, str]] = mapped_column(JSON)
    suggestion: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SkmResponse(Base):
    """One SKM questionnaire (PermenPANRB 14/2017, ``posko.wire.SkmResponsePayload``): each
    element's score in its own column (1..4, NULL: not answered), so a report is one SQL
    aggregate per service. ``origin`` says where it was filled: at a desk (``device_id``
    set) or, later, on a citizen's phone (no device)."""

    __tablename__ = "skm_responses"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("devices.id"), index=True, nullable=True
    )
    post_code: Mapped[str] = mapped_column(String(16), index=True)
    service_code: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    u1: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    u2: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    u3: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    u4: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    u5: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    u6: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    u7: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    u8: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    u9: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    age_band: Mapped[str] = mapped_column(String(32), default="")
    sex: Mapped[str] = mapped_column(String(1), default="")
    education: Mapped[str] = mapped_column(String(32), default="")
    occupation: Mapped[str] = mapped_column(String(32), default="")
    suggestion: Mapped[str] = mapped_column(Text, default="")
    self_filled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The answers to the post's own questions (posko.survey_extra), by their codes: kept,
    # never scored.
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    origin: Mapped[str] = mapped_column(String(8), default="desk")  # desk | phone


# The element columns by element code (U1 -> u1 ...), for ingest and the report's aggregate.
SKM_COLUMNS = {code: getattr(SkmResponse, code.lower()) for code in wire.SKM_ELEMENTS}


class TallyEvent(Base):
    __tablename__ = "tally_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    post_code: Mapped[str] = mapped_column(String(16), index=True)
    counter: Mapped[str] = mapped_column(String(20))
    item: Mapped[str] = mapped_column(String(32), default="")
    count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutreachTally(Base):
    """One protocol 2 tally event (``posko.wire.TallyEventPayload``): people reached, or a
    merchandise item handed out. Append-only: an undo is a row of its own naming the event
    it undoes, with the count negated, so a sum over the rows is the figure. ``undoes`` is
    unique: an event is undone at most once. (``tally_events`` is protocol 1's kind.)"""

    __tablename__ = "outreach_tallies"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    post_code: Mapped[str] = mapped_column(String(16), index=True)
    counter: Mapped[str] = mapped_column(String(20))  # people_reached | merchandise
    item: Mapped[str] = mapped_column(String(32), default="")
    count: Mapped[int] = mapped_column(Integer)
    undoes: Mapped[str | None] = mapped_column(String(36), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StockMovement(Base):
    """Merchandise stock received at a post, or adjusted after a count
    (``posko.wire.StockMovementPayload``); append-only like the tallies."""

    __tablename__ = "stock_movements"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    post_code: Mapped[str] = mapped_column(String(16), index=True)
    item: Mapped[str] = mapped_column(String(32))
    movement: Mapped[str] = mapped_column(String(16))  # received | adjusted
    quantity: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeskAuditEvent(Base):
    """One line of a desk's audit trail (``posko.wire.AuditEventPayload``), as the desk
    wrote it: who did what at that desk, when. Append-only: triggers (migration 0013) refuse
    to change or delete a line, from this program or any other client of the database."""

    __tablename__ = "desk_audit_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    post_code: Mapped[str] = mapped_column(String(16), index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    subject: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[str] = mapped_column(String(200), default="")
    operator_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PersonalDataRead(Base):
    """Who read which report's personal data (the reporter's contacts, a rahasia report's
    content), when, through what: one line per read, written with the answer
    (``central.store.audit``). Append-only, as the desks' trails (migration 0013)."""

    __tablename__ = "personal_data_reads"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    client_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    client_name: Mapped[str] = mapped_column(String(100))
    tracking_id: Mapped[str] = mapped_column(String(32), index=True)
    what: Mapped[str] = mapped_column(String(100))  # e.g. "contacts,content"
    channel: Mapped[str] = mapped_column(String(32))  # e.g. "staff_api"
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class CentralAuditEvent(Base):
    """What the central system's own users did: enrolled or revoked a device, created or
    revoked a staff client, changed a report's status. Who (``actor``: a staff client's
    name, ``cli:USER`` for the shell, ``desk`` for an enrollment), what (``action``), to
    what (``target``: a device, a client or a tracking ID) and ``detail`` (codes only: a
    status, a role, an agency, a post). Never a reporter's data or a report's text.
    Append-only: triggers (migration 0014) refuse to change or delete a line."""

    __tablename__ = "central_audit_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    actor: Mapped[str] = mapped_column(String(100))
    actor_client_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class RateLimitBucket(Base):
    """One client address's budget of public look-ups, shared by every worker process
    (``central.ratelimit`` holds the SQL): a token bucket, its tokens as of ``updated_at``
    (seconds since the epoch). A bucket untouched long enough to be full again is pruned."""

    __tablename__ = "rate_limits"
    address: Mapped[str] = mapped_column(String(255), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float, index=True)


class CategoryGroupSwitch(Base):
    """A coordinator's choice for a group of categories (``posko-central categories on|off
    GROUP``): offered for new reports or not. A group without a row is as the catalog says
    (``offered_by_default``). Saved reports keep their category either way."""

    __tablename__ = "category_groups"
    group_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    offered: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(100), default="")


class Setting(Base):
    """One of the central system's settings, by name, as text: ``campaign`` holds the
    outreach campaign (``posko.campaign.Campaign.to_json``, ``posko-central campaign``)."""

    __tablename__ = "settings"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The statistics page (``central.store.statistics``) groups the tallies by these columns:
# people reached and merchandise, per post and day, answered from the index alone.
Index(
    "ix_outreach_tallies_statistics",
    OutreachTally.counter,
    OutreachTally.created_at,
    OutreachTally.post_code,
    OutreachTally.item,
    OutreachTally.count,
)


class ComplaintCount(Base):
    """How many complaints share a (post, WIB day received, device, type, category, status,
    agency): kept by triggers on ``complaints`` (migration 0011, which also holds them, and
    says why the device is in the key), so the statistics page sums this small table rather
    than scanning every complaint."""

    __tablename__ = "complaint_counts"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    post_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    device_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(32), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    agency: Mapped[str] = mapped_column(String(100), primary_key=True)  # "": none
    complaints: Mapped[int] = mapped_column(Integer)
