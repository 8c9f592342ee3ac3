"""The desk's tables. Plain data leaves this package as ``desktop.store.records`` types."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from posko.db import NAMING, UTCDateTime, utcnow


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Operator(Base):
    """A member of the post's team (``desktop.store.operators``): signs in with a PIN."""

    __tablename__ = "operators"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    role: Mapped[str] = mapped_column(String(16), default="petugas", server_default="petugas")
    pin_hash: Mapped[str] = mapped_column(String(200), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    failed_pins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Device(Base):
    """This laptop. ``tracking_prefix`` is provisional until the central system enrolls it."""

    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    tracking_prefix: Mapped[str] = mapped_column(String(8), unique=True)
    enrolled: Mapped[bool] = mapped_column(Boolean, default=False)
    next_sequence: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Complaint(Base):
    __tablename__ = "complaints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    tracking_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret: Mapped[str] = mapped_column(String(32))
    qr_payload: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32), index=True)
    category_suggested: Mapped[str | None] = mapped_column(String(32), nullable=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reporter_name: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Added in revision 0002: the outbox state every record carries (issue 4 drives it).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sync_state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    sync_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    central_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Added in revision 0003: freezing while sending, and what the central system said.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    sending_revision: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sent_revision: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    set_aside_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    central_agency: Mapped[str | None] = mapped_column(String(100), nullable=True)
    central_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    central_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Added in revision 0005: a record the central system deferred waits until then.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Added in revision 0010: when its personal data left the desk (desktop.store.retention).
    personal_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


Index("ix_complaints_reporter_name", Complaint.reporter_name)


class OutboxColumns:
    """The outbox state every record kind's table carries (``desktop.store.outbox``); the
    complaints table has the same columns, added by revisions 0002, 0003 and 0005."""

    sync_state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    sync_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    sending_revision: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sent_revision: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_http_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    set_aside_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SurveyResponse(OutboxColumns, Base):
    """One SKM questionnaire (``posko.wire.SkmResponsePayload``). Revision 0005."""

    __tablename__ = "survey_responses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    service_code: Mapped[str] = mapped_column(String(32))
    answers: Mapped[dict[str, int]] = mapped_column(JSON)
    age_band: Mapped[str] = mapped_column(String(32), default="")
    sex: Mapped[str] = mapped_column(String(1), default="")
    education: Mapped[str] = mapped_column(String(32), default="")
    occupation: Mapped[str] = mapped_column(String(32), default="")
    suggestion: Mapped[str] = mapped_column(Text, default="")
    self_filled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Answers to the post's own questions by their codes (posko.survey_extra): never scored.
    # Revision 0006.
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class TallyEvent(OutboxColumns, Base):
    """People reached or merchandise handed out (``posko.wire.TallyEventPayload``);
    append-only. Revision 0005."""

    __tablename__ = "tally_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    counter: Mapped[str] = mapped_column(String(20))
    item: Mapped[str] = mapped_column(String(32), default="")
    count: Mapped[int] = mapped_column(Integer)
    undoes: Mapped[str | None] = mapped_column(String(36), nullable=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AuditEvent(OutboxColumns, Base):
    """One line of the audit trail (``desktop.store.audit``): who did what, to which record,
    when. Append-only: SQLite triggers refuse to change its content or delete it (its
    outbox columns move as it is sent). No reporter's data and no report text: the subject
    is a tracking ID, a record's UUID or an operator's name. Revision 0009."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    subject: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[str] = mapped_column(String(200), default="")
    operator_name: Mapped[str] = mapped_column(String(100), default="")
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class StockMovement(OutboxColumns, Base):
    """Merchandise received or adjusted (``posko.wire.StockMovementPayload``); append-only.
    Revision 0005."""

    __tablename__ = "stock_movements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    item: Mapped[str] = mapped_column(String(32))
    movement: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Draft(Base):
    """A report as it is being typed, so a crash or power loss loses nothing. Each report
    the form starts is its own draft (``id``, a UUID the form makes), so several may wait
    for their turn; ``form`` says which form they belong to. Revision 0004."""

    __tablename__ = "drafts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    form: Mapped[str] = mapped_column(String(32), index=True)
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatisticsChange(Base):
    """How often rows of ``table_name`` changed in a way their id cannot show (an edited
    report, a deleted row), counted by SQLite triggers (revision 0007): the Statistik
    section's cached figures are read again when it moves."""

    __tablename__ = "statistics_changes"
    table_name: Mapped[str] = mapped_column(String(32), primary_key=True)
    changes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
