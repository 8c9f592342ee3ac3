"""The desk's audit trail: who created, printed, reprinted, edited, exported or set aside
what, whose status changed, when the desk was enrolled, who signed in and who failed to,
who changed the team or the kiosk's PIN. No Qt.

Each line is written by the store in the same transaction as what it records (``note``),
so a report saved is never missing from the trail and a line never stands for something
undone; what happens outside the store (a receipt printed) is noted by ``Store.audit``.
Lines are append-only (the triggers of migration 0009 refuse changing or deleting them)
and carry no reporter's data and no report text: the subject is a tracking ID, a record's
UUID or an operator's name, the detail a code or a count. Coordinators read them
(``audit_trail``, with filters); the outbox sends them to the central system."""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.domain import SyncState
from desktop.store.models import AuditEvent
from posko.i18n import N_, _
from posko.zones import zone

if TYPE_CHECKING:
    from desktop.store.operators import OperatorAccount
    from desktop.store.records import DeskContext


class Action(enum.StrEnum):
    CREATED = "created"
    EDITED = "edited"
    PRINTED = "printed"
    REPRINTED = "reprinted"
    EXPORTED = "exported"
    SET_ASIDE = "set_aside"
    STATUS_CHANGED = "status_changed"
    ENROLLED = "enrolled"
    SIGNED_IN = "signed_in"
    SIGN_IN_FAILED = "sign_in_failed"
    OPERATOR_SAVED = "operator_saved"
    KIOSK_PIN_SET = "kiosk_pin_set"
    SETTINGS_CHANGED = "settings_changed"
    PERSONAL_DATA_ERASED = "personal_data_erased"


ACTION_LABELS = {
    Action.CREATED: N_("Report created"),
    Action.EDITED: N_("Report edited"),
    Action.PRINTED: N_("Receipt printed"),
    Action.REPRINTED: N_("Receipt printed again"),
    Action.EXPORTED: N_("Data exported"),
    Action.SET_ASIDE: N_("Record set aside"),
    Action.STATUS_CHANGED: N_("Status changed"),
    Action.ENROLLED: N_("Desk enrolled"),
    Action.SIGNED_IN: N_("Signed in"),
    Action.SIGN_IN_FAILED: N_("Wrong PIN"),
    Action.OPERATOR_SAVED: N_("Operator saved"),
    Action.KIOSK_PIN_SET: N_("Kiosk PIN set"),
    Action.SETTINGS_CHANGED: N_("Settings changed"),
    Action.PERSONAL_DATA_ERASED: N_("Personal data erased"),
}


def action_label(action: str) -> str:
    known = ACTION_LABELS.get(Action(action)) if action in tuple(Action) else None
    return _(known) if known else action


@dataclass(frozen=True)
class AuditEntry:
    at: datetime  # UTC, aware
    operator: str
    action: str
    subject: str
    detail: str


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _one_line(value: str, limit: int) -> str:
    """What a line keeps of ``value``: no control character (a name typed at the command
    line could hold one; the central system refuses it, ``posko.wire.line``), at most
    ``limit`` characters."""
    return _CONTROL.sub(" ", value)[:limit]


def note(
    s: Session,
    context: DeskContext,
    action: Action,
    subject: str = "",
    detail: str = "",
    *,
    at: datetime | None = None,
    operator: tuple[int | None, str] | None = None,
) -> None:
    """Add a line to the trail in ``s`` (the transaction of what it records): by the
    operator on duty, or ``operator`` (id, name)."""
    who = operator if operator is not None else (context.operator_id, context.operator_name)
    s.add(
        AuditEvent(
            uuid=str(uuid.uuid4()),
            action=action.value,
            subject=_one_line(subject, 100),
            detail=_one_line(detail, 200),
            operator_id=who[0],
            operator_name=_one_line(who[1], 100),
            post_id=context.post_id,
            created_at=at or datetime.now(UTC),
            sync_state=SyncState.PENDING.value,
            sync_attempts=0,
        )
    )


class Audit:
    """The trail's methods of ``desktop.store.database.Database``."""

    if TYPE_CHECKING:

        def session(self) -> AbstractContextManager[Session]: ...

        def require_context(self) -> DeskContext: ...

    def audit(
        self,
        action: Action,
        subject: str = "",
        detail: str = "",
        *,
        by: OperatorAccount | None = None,
    ) -> None:
        """Note what happened outside the store's own writes (a receipt printed, a file
        exported) by the one on duty, or ``by`` (a coordinator's PIN for one command)."""
        context = self.require_context()
        with self.session() as s:
            note(s, context, action, subject, detail,
                 operator=(by.id, by.name) if by is not None else None)  # fmt: skip

    def audit_trail(
        self,
        *,
        action: str = "",
        operator: str = "",
        first: date | None = None,
        last: date | None = None,
        limit: int = 500,
    ) -> list[AuditEntry]:
        """The newest lines first, narrowed to an action, an operator's name and the post's
        days ``first`` to ``last`` (both included). For coordinators (the caller checks)."""
        context = self.require_context()
        post_zone = zone(context.time_zone)
        statement = select(AuditEvent).where(AuditEvent.post_id == context.post_id)
        if action:
            statement = statement.where(AuditEvent.action == action)
        if operator:
            statement = statement.where(AuditEvent.operator_name == operator)
        if first is not None:
            start = datetime.combine(first, time(0), post_zone).astimezone(UTC)
            statement = statement.where(AuditEvent.created_at >= start)
        if last is not None:
            end = datetime.combine(last + timedelta(days=1), time(0), post_zone).astimezone(UTC)
            statement = statement.where(AuditEvent.created_at < end)
        statement = statement.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        with self.session() as s:
            rows: Sequence[AuditEvent] = s.scalars(statement.limit(limit)).all()
            return [
                AuditEntry(
                    at=row.created_at
                    if row.created_at.tzinfo
                    else row.created_at.replace(tzinfo=UTC),
                    operator=row.operator_name,
                    action=row.action,
                    subject=row.subject,
                    detail=row.detail,
                )
                for row in rows
            ]


__all__ = ["ACTION_LABELS", "Action", "Audit", "AuditEntry", "action_label", "note"]
