"""The outbox: every record's sync state, for every record kind, driven by the sync engine.

States: pending → sending → sent, or needs_attention (the central system refused it: the
operator sees why, fixes and resends it, or sets it aside with a reason). A record is marked
``sending`` before the request and ``sent`` only on the central system's answer; a record
found ``sending`` later (the answer was lost, the desk was killed) is simply sent again,
which the central system's deduplication by UUID makes harmless.

A record is frozen while it is sent: the revision on the wire is remembered, and if the
record was edited meanwhile the answer leaves it pending so the new revision goes next.

One mechanism for every kind of record (complaints, SKM responses, tally events, stock
movements): a ``RecordKind`` names its table (with the ``OutboxColumns``), the columns its
wire form is read from, the mapping to ``posko.wire``, how the operator recognises it, and
what an answer saying "the central system holds it" also sets. A new kind adds a table, its
wire model and one ``register`` call, nothing else. A record the central system defers (it
does not store the kind yet) stays pending and is not offered again before
``next_attempt_at``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    bindparam,
    case,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import DeclarativeBase

from desktop.domain import SyncState
from desktop.store.audit import ACTION_LABELS, Action, note
from desktop.store.models import (
    AuditEvent,
    Complaint,
    Operator,
    Post,
    StockMovement,
    SurveyResponse,
    TallyEvent,
)
from posko.db import UTCDateTime
from posko.i18n import N_, _

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy.orm import Session


class Sessions(Protocol):
    """What the outbox needs of a store (``desktop.store.repo.Store``): a session per call."""

    def session(self) -> AbstractContextManager[Session]: ...

    def require(self, role: Any, doing: str) -> Any:
        """``desktop.store.operators.Operators.require``: the role check."""
        ...


log = logging.getLogger("posko.sync")

# desktop.store.audit's line for a status the central system set (by nobody at the desk).
_STATUS_LINE = text(
    "INSERT INTO audit_events (uuid, action, subject, detail, operator_name, post_id,"
    " operator_id, created_at, sync_state, sync_attempts, revision)"
    " SELECT :b_line, 'status_changed', tracking_id, :b_status, '', post_id, NULL, :b_now,"
    " 'pending', 0, 1 FROM complaints WHERE uuid = :b_uuid"
    " AND (central_updated_at IS NULL OR central_updated_at < :b_changed)"
    " AND central_status IS NOT :b_status"
).bindparams(
    bindparam("b_changed", type_=UTCDateTime()),
    bindparam("b_now", type_=UTCDateTime()),
)

QUEUED = (SyncState.PENDING.value, SyncState.SENDING.value)
HELD = ("accepted", "duplicate")  # the central system has the record
DEFERRED = "deferred"  # valid, but the central system does not store the kind yet
# A deferred record waits this long, doubled for each deferral, up to the cap.
DEFER_BASE = timedelta(minutes=15)
DEFER_CAP = timedelta(hours=6)


@dataclass(frozen=True)
class RecordKind:
    """One kind of record the outbox sends.

    ``wire_rows`` selects the columns the wire form is made from (plain rows, ``id``,
    ``uuid``, ``revision`` and ``created_at`` among them) and ``to_wire`` makes the
    ``posko.wire`` dict of one row; ``label`` says, for the operator, which record it is
    (a tracking ID or "", and a title); ``on_held`` gives the extra column values an answer
    "the central system holds it" sets; ``protocol`` is the lowest push protocol carrying
    the kind (``posko.wire.KINDS_SINCE``); ``counted``: whether the operator's "waiting to
    send" counts it (the audit trail's lines go along unseen)."""

    name: str
    model: type[DeclarativeBase]
    wire_rows: Callable[[], Any]
    to_wire: Callable[[Any], dict[str, Any]]
    label: Callable[[Any], tuple[str, str]]
    protocol: int = 1
    on_held: Callable[[Table], dict[str, Any]] = field(default=lambda _table: {})
    counted: bool = True

    @property
    def table(self) -> Table:
        return cast(Table, self.model.__table__)


KINDS: dict[str, RecordKind] = {}


def register(kind: RecordKind) -> RecordKind:
    """Add a kind; the order of registration is the order of claiming (complaints first)."""
    if kind.name in KINDS:
        raise ValueError(f"record kind {kind.name} is registered already")
    KINDS[kind.name] = kind
    return kind


@dataclass(frozen=True)
class OutboxItem:
    """A record claimed for sending: its UUID, the revision on the wire, the wire dict."""

    uuid: str
    revision: int
    payload: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.payload.get("kind", "complaint"))


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
    kind: str = "complaint"


@dataclass(frozen=True)
class Delivery:
    """The central system's answer for one record."""

    uuid: str
    outcome: str  # accepted | duplicate | conflict | rejected | deferred
    reason: str | None = None
    kind: str | None = None  # None: look in every kind's table


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

    def __init__(self, store: Sessions, kinds: Iterable[str] | None = None) -> None:
        self.store = store
        # The kinds this outbox works on (all registered ones unless told).
        self.kinds = [KINDS[name] for name in kinds] if kinds is not None else list(KINDS.values())

    def _kinds(self, name: str | None = None) -> list[RecordKind]:
        return [k for k in self.kinds if name is None or k.name == name]

    def claim(
        self,
        limit: int,
        *,
        now: datetime | None = None,
        protocol: int | None = None,
        exclude: Collection[str] = (),
    ) -> list[OutboxItem]:
        """Mark up to ``limit`` queued records ``sending`` and return them as the wire shows
        them: kind by kind in registration order, oldest first within a kind. Records left
        ``sending`` by an earlier run are claimed again; deferred ones once their time has
        come. ``protocol``: only the kinds a central system of that push protocol takes;
        ``exclude``: UUIDs not to claim (a batch whose request is out right now)."""
        moment = now or _now()
        claimed: list[OutboxItem] = []
        with self.store.session() as s:
            for kind in self.kinds:
                if len(claimed) >= limit:
                    break
                if protocol is not None and kind.protocol > protocol:
                    continue
                table = kind.table
                oldest = (
                    select(table.c.id)
                    .where(table.c.sync_state.in_(QUEUED), _due(table, moment))
                    .where(*([table.c.uuid.not_in(list(exclude))] if exclude else []))
                    .order_by(table.c.created_at, table.c.id)
                    .limit(limit - len(claimed))
                )
                # The UPDATE comes first: it opens the write transaction, so the content
                # read next is exactly the revision recorded as on the wire. (Read first,
                # an edit committed in between would be marked sent without ever being
                # sent.)
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
                    continue
                rows = s.execute(
                    kind.wire_rows()
                    .where(table.c.id.in_(ids))
                    .order_by(table.c.created_at, table.c.id)
                ).all()
                claimed.extend(
                    OutboxItem(uuid=row.uuid, revision=row.revision, payload=kind.to_wire(row))
                    for row in rows
                )
        return claimed

    def queued_payloads(self) -> list[dict[str, Any]]:
        """Every record not yet confirmed and not refused, kind by kind, oldest first, as the
        wire shows it; nothing changes state (a USB bundle is confirmed by the next online
        contact). Deferred records too: the central system that imports may store them."""
        with self.store.session() as s:
            out: list[dict[str, Any]] = []
            for kind in self.kinds:
                table = kind.table
                out.extend(
                    kind.to_wire(row)
                    for row in s.execute(
                        kind.wire_rows()
                        .where(table.c.sync_state.in_(QUEUED))
                        .order_by(table.c.created_at, table.c.id)
                    )
                )
            return out

    def deliver(self, deliveries: Iterable[Delivery], *, now: datetime | None = None) -> None:
        """Record the central system's answers. Accepted and duplicate mean the central
        system holds the record; conflict and rejected need the operator; deferred waits.
        A few statements per kind and batch whatever its size (set-based or executemany)."""
        moment = now or _now()
        answers = list(deliveries)
        with self.store.session() as s:
            for kind in self.kinds:
                mine = [d for d in answers if d.kind in (None, kind.name)]
                if mine:
                    _deliver(s, kind, mine, moment)

    def fail(self, uuids: Sequence[str], error: str, http_status: int | None = None) -> None:
        """The batch did not get an answer (offline, timeout, 5xx): back to pending, with the
        reason kept for the operator."""
        if not uuids:
            return
        with self.store.session() as s:
            for kind in self.kinds:
                table = kind.table
                s.execute(
                    update(table)
                    .where(
                        table.c.uuid.in_(list(uuids)),
                        table.c.sync_state == SyncState.SENDING.value,
                    )
                    .values(
                        sync_state=SyncState.PENDING.value,
                        last_error=error[:2000],
                        last_http_status=http_status,
                    )
                )

    def defer(self, uuids: Sequence[str], reason: str, *, now: datetime | None = None) -> None:
        """Records the central system does not take yet (a version 1 central system, a
        kind it does not store): back to pending, not offered again before their time."""
        self.deliver((Delivery(u, DEFERRED, reason) for u in uuids), now=now)

    def resend(self, uuid: str) -> bool:
        """The operator fixed it (or wants to try again): queue a needs-attention or
        set-aside record once more."""
        with self.store.session() as s:
            for kind in self.kinds:
                table = kind.table
                result = s.execute(
                    update(table)
                    .where(
                        table.c.uuid == uuid,
                        table.c.sync_state.in_(
                            (SyncState.NEEDS_ATTENTION.value, SyncState.SET_ASIDE.value)
                        ),
                    )
                    .values(
                        sync_state=SyncState.PENDING.value,
                        set_aside_reason=None,
                        next_attempt_at=None,
                    )
                )
                if getattr(result, "rowcount", 0):
                    return True
            return False

    def set_aside(self, uuid: str, reason: str) -> bool:
        """Stop trying to send a refused record, keeping it and the operator's reason: a
        coordinator's decision (``NotAllowed`` for a petugas)."""
        from desktop.store.operators import Role

        reason = reason.strip()
        if not reason:
            raise ValueError("a reason is required")
        context = self.store.require(Role.KOORDINATOR, N_("set a record aside"))
        with self.store.session() as s:
            for kind in self.kinds:
                table = kind.table
                result = s.execute(
                    update(table)
                    .where(
                        table.c.uuid == uuid,
                        table.c.sync_state == SyncState.NEEDS_ATTENTION.value,
                    )
                    .values(sync_state=SyncState.SET_ASIDE.value, set_aside_reason=reason[:500])
                )
                if getattr(result, "rowcount", 0):
                    note(s, context, Action.SET_ASIDE, uuid, kind.name)
                    return True
            return False

    def apply_updates(self, updates: Iterable[CentralUpdate]) -> int:
        """Store the central system's statuses of complaints (an older change never
        overwrites a newer one); returns how many changes were applied. One executemany
        per page."""
        table = cast(Table, Complaint.__table__)
        now = _now()
        rows = [
            {
                "b_uuid": item.uuid,
                "b_status": item.status,
                "b_agency": item.agency or None,
                "b_note": item.note or None,
                "b_changed": item.changed_at,
                "b_line": str(uuid.uuid4()),
                "b_now": now,
            }
            for item in updates
        ]
        if not rows:
            return 0
        with self.store.session() as s:
            # The audit trail's line for each change that is newer than what the desk has
            # (so a change pulled twice is noted once), before the change is applied.
            s.execute(_STATUS_LINE, rows)
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

    def counts_by_kind(self) -> dict[str, dict[str, int]]:
        """For each kind, how many records are in each state."""
        out: dict[str, dict[str, int]] = {}
        with self.store.session() as s:
            for kind in self.kinds:
                table = kind.table
                found = {
                    state: int(n)
                    for state, n in s.execute(
                        select(table.c.sync_state, func.count(table.c.id)).group_by(
                            table.c.sync_state
                        )
                    )
                }
                out[kind.name] = {state.value: found.get(state.value, 0) for state in SyncState}
        return out

    def counts(self) -> dict[str, int]:
        """How many of the operator's records (every kind but the audit trail's lines, as
        the "waiting to send" figure) are in each state."""
        total = {state.value: 0 for state in SyncState}
        for name, per_state in self.counts_by_kind().items():
            if not KINDS[name].counted:
                continue
            for state, n in per_state.items():
                total[state] += n
        return total

    def attention(self) -> list[AttentionItem]:
        """The records that need the operator, of every kind, oldest first."""
        items: list[AttentionItem] = []
        with self.store.session() as s:
            for kind in self.kinds:
                table = kind.table
                rows = s.execute(
                    kind.wire_rows()
                    .add_columns(
                        table.c.sync_attempts,
                        table.c.last_error,
                        table.c.last_http_status,
                        table.c.last_attempt_at,
                    )
                    .where(table.c.sync_state == SyncState.NEEDS_ATTENTION.value)
                    .order_by(table.c.created_at, table.c.id)
                ).all()
                for row in rows:
                    tracking_id, title = kind.label(row)
                    items.append(
                        AttentionItem(
                            uuid=row.uuid,
                            tracking_id=tracking_id,
                            title=title,
                            created_at=row.created_at,
                            attempts=row.sync_attempts,
                            last_error=row.last_error or "",
                            last_http_status=row.last_http_status,
                            last_attempt_at=row.last_attempt_at,
                            kind=kind.name,
                        )
                    )
        items.sort(key=lambda item: item.created_at)
        return items


def _due(table: Table, moment: datetime) -> ColumnElement[bool]:
    return or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= moment)


def _deliver(s: Any, kind: RecordKind, answers: list[Delivery], moment: datetime) -> None:
    table = kind.table
    held = [d.uuid for d in answers if d.outcome in HELD]
    deferred = [d for d in answers if d.outcome == DEFERRED]
    refused = [
        {"b_uuid": d.uuid, "b_error": f"{d.outcome}: {d.reason or ''}".strip()[:2000]}
        for d in answers
        if d.outcome not in HELD and d.outcome != DEFERRED
    ]
    if held:
        # Sent only if the revision on the wire is still the record's revision; an edit
        # made while it was sent goes out next time.
        s.execute(
            update(table)
            .where(table.c.uuid.in_(held), table.c.sync_state == SyncState.SENDING.value)
            .values(
                sync_state=case(
                    (table.c.revision == table.c.sending_revision, SyncState.SENT.value),
                    else_=SyncState.PENDING.value,
                ),
                sent_revision=table.c.sending_revision,
                sent_at=moment,
                last_error=None,
                last_http_status=None,
                next_attempt_at=None,
                **kind.on_held(table),
            )
        )
    if deferred:
        # Back to pending, not needs attention: nothing is wrong with the record. Not
        # offered again before its time, doubling with each try (15 min, 30 min … 6 h; the
        # desk's pass timer already spreads desks out), so a pass ends and nothing is lost.
        tries = dict(
            s.execute(
                select(table.c.uuid, table.c.sync_attempts).where(
                    table.c.uuid.in_([d.uuid for d in deferred]),
                    table.c.sync_state == SyncState.SENDING.value,
                )
            ).all()
        )
        rows = [
            {
                "b_uuid": d.uuid,
                "b_error": f"{DEFERRED}: {d.reason or ''}".strip()[:2000],
                "b_next": moment + _deferral(int(tries[d.uuid])),
            }
            for d in deferred
            if d.uuid in tries
        ]
        if rows:
            s.execute(
                update(table)
                .where(
                    table.c.uuid == bindparam("b_uuid"),
                    table.c.sync_state == SyncState.SENDING.value,
                )
                .values(
                    sync_state=SyncState.PENDING.value,
                    last_error=bindparam("b_error"),
                    last_http_status=200,
                    next_attempt_at=bindparam("b_next", type_=table.c.next_attempt_at.type),
                ),
                rows,
            )
    if refused:
        s.execute(
            update(table)
            .where(
                table.c.uuid == bindparam("b_uuid"),
                table.c.sync_state == SyncState.SENDING.value,
            )
            .values(
                # Refused, unless an edit made meanwhile waits to go: it may be the fix, so
                # it is sent before the operator is bothered.
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


def _deferral(attempts: int) -> timedelta:
    wait: timedelta = DEFER_BASE * 2 ** min(max(attempts - 1, 0), 10)
    return min(DEFER_CAP, wait)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


# -- complaints ------------------------------------------------------------------------------


def _complaint_rows() -> Any:
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


def _complaint_wire(row: Any) -> dict[str, Any]:
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


COMPLAINTS = register(
    RecordKind(
        name="complaint",
        model=Complaint,
        wire_rows=_complaint_rows,
        to_wire=_complaint_wire,
        label=lambda row: (row.tracking_id, row.title),
        protocol=1,
        # The answer itself says the central system has it.
        on_held=lambda table: {"central_status": func.coalesce(table.c.central_status, "received")},
    )
)


# -- SKM responses, tally events, stock movements (protocol 2) -------------------------------


def _rows(model: Any, *columns: Any) -> Callable[[], Any]:
    def rows() -> Any:
        return select(
            model.id, model.uuid, model.revision, model.created_at, *columns,
            Post.code.label("post_code"),
        ).join(Post, Post.id == model.post_id)  # fmt: skip

    return rows


def _survey_wire(row: Any) -> dict[str, Any]:
    return {
        "kind": "skm_response",
        "uuid": row.uuid,
        "post_code": row.post_code,
        "service_code": row.service_code,
        "answers": dict(row.answers),
        "respondent": {
            "age_band": row.age_band,
            "sex": row.sex,
            "education": row.education,
            "occupation": row.occupation,
        },
        "suggestion": row.suggestion,
        "self_filled": bool(row.self_filled),
        "extra": dict(row.extra or {}),
        "created_at": _iso(row.created_at),
    }


def _tally_wire(row: Any) -> dict[str, Any]:
    return {
        "kind": "tally",
        "uuid": row.uuid,
        "post_code": row.post_code,
        "counter": row.counter,
        "item": row.item,
        "count": row.count,
        "undoes": row.undoes,
        "created_at": _iso(row.created_at),
    }


def _stock_wire(row: Any) -> dict[str, Any]:
    return {
        "kind": "stock_movement",
        "uuid": row.uuid,
        "post_code": row.post_code,
        "item": row.item,
        "movement": row.movement,
        "quantity": row.quantity,
        "note": row.note,
        "created_at": _iso(row.created_at),
    }


def _audit_wire(row: Any) -> dict[str, Any]:
    return {
        "kind": "audit_event",
        "uuid": row.uuid,
        "post_code": row.post_code,
        "action": row.action,
        "subject": row.subject,
        "detail": row.detail,
        "operator_name": row.operator_name,
        "created_at": _iso(row.created_at),
    }


def _audit_label(row: Any) -> str:
    try:
        label = _(ACTION_LABELS[Action(row.action)])
    except (ValueError, KeyError):  # an action this desk's labels do not name
        label = row.action
    return _("Activity log: {action}").format(action=label)


def _tally_label(row: Any) -> str:
    if row.counter == "people_reached":
        return _("People reached {count:+d}").format(count=row.count)
    return _("Merchandise {item} {count:+d}").format(item=row.item, count=row.count)


def _stock_label(row: Any) -> str:
    if row.movement == "received":
        return _("Stock received: {item} {quantity:+d}").format(
            item=row.item, quantity=row.quantity
        )
    return _("Stock adjusted: {item} {quantity:+d}").format(item=row.item, quantity=row.quantity)


SURVEY_RESPONSES = register(
    RecordKind(
        name="skm_response",
        model=SurveyResponse,
        wire_rows=_rows(
            SurveyResponse,
            SurveyResponse.service_code,
            SurveyResponse.answers,
            SurveyResponse.age_band,
            SurveyResponse.sex,
            SurveyResponse.education,
            SurveyResponse.occupation,
            SurveyResponse.suggestion,
            SurveyResponse.self_filled,
            SurveyResponse.extra,
        ),
        to_wire=_survey_wire,
        label=lambda row: ("", _("Survey response ({service})").format(service=row.service_code)),
        protocol=2,
    )
)
TALLY_EVENTS = register(
    RecordKind(
        name="tally",
        model=TallyEvent,
        wire_rows=_rows(
            TallyEvent, TallyEvent.counter, TallyEvent.item, TallyEvent.count, TallyEvent.undoes
        ),
        to_wire=_tally_wire,
        label=lambda row: ("", _tally_label(row)),
        protocol=2,
    )
)
STOCK_MOVEMENTS = register(
    RecordKind(
        name="stock_movement",
        model=StockMovement,
        wire_rows=_rows(
            StockMovement,
            StockMovement.item,
            StockMovement.movement,
            StockMovement.quantity,
            StockMovement.note,
        ),
        to_wire=_stock_wire,
        label=lambda row: ("", _stock_label(row)),
        protocol=2,
    )
)
AUDIT_EVENTS = register(
    RecordKind(
        name="audit_event",
        model=AuditEvent,
        wire_rows=_rows(
            AuditEvent,
            AuditEvent.action,
            AuditEvent.subject,
            AuditEvent.detail,
            AuditEvent.operator_name,
        ),
        to_wire=_audit_wire,
        label=lambda row: ("", _audit_label(row)),
        protocol=2,
        counted=False,
    )
)
