"""The outbox: every record's sync state, driven by the sync engine.

States: pending → sending → sent, or needs_attention (the central system refused it: the
operator sees why, fixes and resends it, or sets it aside with a reason). A record is marked
``sending`` before the request and ``sent`` only on the central system's answer; a record
found ``sending`` later (the answer was lost, the desk was killed) is simply sent again,
which the central system's deduplication by UUID makes harmless.

A record is frozen while it is sent: the revision on the wire is remembered, and if the
record was edited meanwhile the answer leaves it pending so the new revision goes next.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, func, select, update

from desktop.domain import SyncState
from desktop.store.models import Complaint, Operator, Post
from desktop.store.repo import Store

log = logging.getLogger("posko.sync")

QUEUED = (SyncState.PENDING.value, SyncState.SENDING.value)


@dataclass(frozen=True)
class OutboxItem:
    """A record claimed for sending: its UUID, the revision on the wire, the wire dict."""

    uuid: str
    revision: int
    payload: dict[str, Any]


@dataclass(frozen=True)
class AttentionItem:
    uuid: str
    tracking_id: str
    title: str
    created_at: datetime
    attempts: int
    last_error: str
    last_http_status: int | None
    last_attempt_at: datetime | None


@dataclass(frozen=True)
class Delivery:
    """The central system's answer for one record."""

    uuid: str
    outcome: str  # accepted | duplicate | conflict | rejected
    reason: str | None = None


@dataclass(frozen=True)
class CentralUpdate:
    """A status change pulled from the central system."""

    uuid: str
    status: str
    agency: str
    note: str
    changed_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


class Outbox:
    """Sync-state reads and writes over a desk ``Store``; plain data in and out."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def claim(self, limit: int, *, now: datetime | None = None) -> list[OutboxItem]:
        """Mark up to ``limit`` queued records ``sending``, oldest first, and return them as
        the wire shows them. Records left ``sending`` by an earlier run are claimed again."""
        moment = now or _now()
        table = cast(Table, Complaint.__table__)
        oldest = (
            select(Complaint.id)
            .where(Complaint.sync_state.in_(QUEUED))
            .order_by(Complaint.created_at, Complaint.id)
            .limit(limit)
        )
        with self.store.session() as s:
            # The UPDATE comes first: it opens the write transaction, so the content read
            # next is exactly the revision recorded as on the wire. (Read first, an edit
            # committed in between would be marked sent without ever being sent.)
            ids = [
                row[0]
                for row in s.execute(
                    update(table)
                    .where(table.c.id.in_(oldest.scalar_subquery()))
                    .values(
                        sync_state=SyncState.SENDING.value,
                        sending_revision=table.c.revision,
                        sync_attempts=table.c.sync_attempts + 1,
                        last_attempt_at=moment,
                    )
                    .returning(table.c.id)
                )
            ]
            if not ids:
                return []
            rows = s.execute(
                _wire_rows()
                .where(Complaint.id.in_(ids))
                .order_by(Complaint.created_at, Complaint.id)
            ).all()
            return [
                OutboxItem(uuid=row.uuid, revision=row.revision, payload=_payload(row))
                for row in rows
            ]

    def queued_payloads(self) -> list[dict[str, Any]]:
        """Every record not yet confirmed and not refused, oldest first, as the wire shows
        it; nothing changes state (a USB bundle is confirmed by the next online contact)."""
        with self.store.session() as s:
            return [_payload(row) for row in s.execute(_queued())]

    def deliver(self, deliveries: Iterable[Delivery], *, now: datetime | None = None) -> None:
        """Record the central system's answers. Accepted and duplicate mean the central
        system holds the record; conflict and rejected need the operator. Two statements
        per batch whatever its size (one set-based, one executemany)."""
        moment = now or _now()
        table = cast(Table, Complaint.__table__)
        held = [d.uuid for d in deliveries if d.outcome in ("accepted", "duplicate")]
        refused = [
            {
                "b_uuid": d.uuid,
                "b_error": f"{d.outcome}: {d.reason or ''}".strip()[:2000],
            }
            for d in deliveries
            if d.outcome not in ("accepted", "duplicate")
        ]
        with self.store.session() as s:
            if held:
                # Sent only if the revision on the wire is still the record's revision; an
                # edit made while it was sent goes out next time.
                s.execute(
                    update(table)
                    .where(
                        table.c.uuid.in_(held),
                        table.c.sync_state == SyncState.SENDING.value,
                    )
                    .values(
                        sync_state=case(
                            (
                                table.c.revision == table.c.sending_revision,
                                SyncState.SENT.value,
                            ),
                            else_=SyncState.PENDING.value,
                        ),
                        sent_revision=table.c.sending_revision,
                        sent_at=moment,
                        # The answer itself says the central system has it.
                        central_status=func.coalesce(table.c.central_status, "received"),
                        last_error=None,
                        last_http_status=None,
                    )
                )
            if refused:
                s.execute(
                    update(table)
                    .where(
                        table.c.uuid == bindparam("b_uuid"),
                        table.c.sync_state == SyncState.SENDING.value,
                    )
                    .values(
                        # Refused, unless an edit made meanwhile waits to go: it may be
                        # the fix, so it is sent before the operator is bothered.
                        sync_state=case(
                            (
                                table.c.revision == table.c.sending_revision,
                                SyncState.NEEDS_ATTENTION.value,
                            ),
                            else_=SyncState.PENDING.value,
                        ),
                        last_error=bindparam("b_error"),
                        last_http_status=200,
                    ),
                    refused,
                )

    def fail(self, uuids: Sequence[str], error: str, http_status: int | None = None) -> None:
        """The batch did not get an answer (offline, timeout, 5xx): back to pending, with the
        reason kept for the operator."""
        if not uuids:
            return
        with self.store.session() as s:
            s.execute(
                update(Complaint)
                .where(
                    Complaint.uuid.in_(list(uuids)),
                    Complaint.sync_state == SyncState.SENDING.value,
                )
                .values(
                    sync_state=SyncState.PENDING.value,
                    last_error=error[:2000],
                    last_http_status=http_status,
                )
            )

    def resend(self, uuid: str) -> bool:
        """The operator fixed it (or wants to try again): queue a needs-attention or
        set-aside record once more."""
        with self.store.session() as s:
            result = s.execute(
                update(Complaint)
                .where(
                    Complaint.uuid == uuid,
                    Complaint.sync_state.in_(
                        (SyncState.NEEDS_ATTENTION.value, SyncState.SET_ASIDE.value)
                    ),
                )
                .values(sync_state=SyncState.PENDING.value, set_aside_reason=None)
            )
            return bool(getattr(result, "rowcount", 0))

    def set_aside(self, uuid: str, reason: str) -> bool:
        """Stop trying to send a refused record, keeping it and the operator's reason."""
        reason = reason.strip()
        if not reason:
            raise ValueError("a reason is required")
        with self.store.session() as s:
            result = s.execute(
                update(Complaint)
                .where(
                    Complaint.uuid == uuid,
                    Complaint.sync_state == SyncState.NEEDS_ATTENTION.value,
                )
                .values(sync_state=SyncState.SET_ASIDE.value, set_aside_reason=reason[:500])
            )
            return bool(getattr(result, "rowcount", 0))

    def apply_updates(self, updates: Iterable[CentralUpdate]) -> int:
        """Store the central system's statuses (an older change never overwrites a newer
        one); returns how many changes were applied. One executemany per page."""
        table = cast(Table, Complaint.__table__)
        rows = [
            {
                "b_uuid": item.uuid,
                "b_status": item.status,
                "b_agency": item.agency or None,
                "b_note": item.note or None,
                "b_changed": item.changed_at,
            }
            for item in updates
        ]
        if not rows:
            return 0
        with self.store.session() as s:
            s.execute(
                update(table)
                .where(
                    table.c.uuid == bindparam("b_uuid"),
                    (table.c.central_updated_at.is_(None))
                    | (table.c.central_updated_at <= bindparam("b_changed")),
                )
                .values(
                    central_status=bindparam("b_status"),
                    central_agency=bindparam("b_agency"),
                    central_note=bindparam("b_note"),
                    central_updated_at=bindparam("b_changed"),
                ),
                rows,
            )
        return len(rows)

    def counts(self) -> dict[str, int]:
        with self.store.session() as s:
            found = dict(
                (state, int(n))
                for state, n in s.execute(
                    select(Complaint.sync_state, func.count(Complaint.id)).group_by(
                        Complaint.sync_state
                    )
                )
            )
        return {state.value: found.get(state.value, 0) for state in SyncState}

    def attention(self) -> list[AttentionItem]:
        with self.store.session() as s:
            rows = s.scalars(
                select(Complaint)
                .where(Complaint.sync_state == SyncState.NEEDS_ATTENTION.value)
                .order_by(Complaint.created_at, Complaint.id)
            ).all()
            return [
                AttentionItem(
                    uuid=row.uuid,
                    tracking_id=row.tracking_id,
                    title=row.title,
                    created_at=row.created_at,
                    attempts=row.sync_attempts,
                    last_error=row.last_error or "",
                    last_http_status=row.last_http_status,
                    last_attempt_at=row.last_attempt_at,
                )
                for row in rows
            ]


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _queued() -> Any:
    """The queued records' wire columns, oldest first."""
    return (
        _wire_rows()
        .where(Complaint.sync_state.in_(QUEUED))
        .order_by(Complaint.created_at, Complaint.id)
    )


def _wire_rows() -> Any:
    """The columns the wire carries (plain rows: no ORM objects to build)."""
    return (
        select(
            Complaint.id,
            Complaint.uuid,
            Complaint.revision,
            Complaint.tracking_id,
            Complaint.secret,
            Complaint.type,
            Complaint.category,
            Complaint.title,
            Complaint.description,
            Complaint.location,
            Complaint.occurred_at,
            Complaint.reporter_name,
            Complaint.phone,
            Complaint.email,
            Complaint.anonymous,
            Complaint.confidential,
            Complaint.created_at,
            Post.code.label("post_code"),
            Operator.name.label("operator_name"),
        )
        .join(Post, Post.id == Complaint.post_id)
        .join(Operator, Operator.id == Complaint.operator_id)
    )


def _payload(row: Any) -> dict[str, Any]:
    """The complaint as protocol v1 carries it (``posko.wire.ComplaintPayload``)."""
    return {
        "kind": "complaint",
        "uuid": row.uuid,
        "revision": row.revision,
        "tracking_id": row.tracking_id,
        "secret": row.secret,
        "type": row.type,
        "category": row.category,
        "title": row.title,
        "description": row.description,
        "location": row.location,
        "occurred_at": _iso(row.occurred_at),
        "reporter_name": row.reporter_name,
        "phone": row.phone,
        "email": row.email,
        "anonymous": bool(row.anonymous),
        "confidential": bool(row.confidential),
        "post_code": row.post_code,
        "operator_name": row.operator_name,
        "created_at": _iso(row.created_at),
    }
