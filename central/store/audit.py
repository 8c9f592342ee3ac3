"""Audit lines on the central system, read and added, never changed (triggers refuse it,
migration 0013):

- the desks' audit trails as they arrived (push protocol 2's ``audit_event``), listed newest
  first, a page at a time, by their row id (a keyset cursor: each page costs the same
  however deep it is);
- the staff's reads of a reporter's personal data (contacts, a rahasia report's content):
  one line per read, written before the answer leaves, so no read goes unrecorded;
- the central system's own actions (migration 0014): devices enrolled and revoked, staff
  clients created and revoked, statuses changed, written with the change itself
  (``base.note_central_action``) and listed newest first like the desks' trails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from central import models
from central.store.base import StoreBase, _now
from central.views import ClientInfo

MAX_AUDIT_LIMIT = 500


@dataclass(frozen=True)
class DeskAuditLine:
    id: int
    post_code: str
    device_id: int
    action: str
    subject: str
    detail: str
    operator_name: str
    created_at: datetime
    received_at: datetime


@dataclass(frozen=True)
class AuditSelection:
    """Which lines: a post code, an action (empty: all), ``date_from`` inclusive and
    ``date_to`` exclusive (UTC moments of the desk's clock), older than the row ``before``."""

    post_code: str = ""
    action: str = ""
    date_from: datetime | None = None
    date_to: datetime | None = None
    before: int | None = None


@dataclass(frozen=True)
class CentralAuditLine:
    """One of the central system's own actions (``models.CentralAuditEvent``)."""

    id: int
    actor: str
    action: str
    target: str
    detail: str
    created_at: datetime


@dataclass(frozen=True)
class PersonalRead:
    client_name: str
    tracking_id: str
    what: str
    channel: str
    read_at: datetime


class DeskAudit(StoreBase):
    """The desks' audit lines, for the coordinators, and the staff's reads of personal data."""

    def note_personal_read(
        self, client: ClientInfo, tracking_id: str, what: list[str], channel: str
    ) -> None:
        """Record that ``client`` is being shown ``what`` ("contacts", "content") of the
        report ``tracking_id``."""
        with self.session() as session, session.begin():
            session.execute(
                insert(models.PersonalDataRead).values(
                    client_id=client.id,
                    client_name=client.name[:100],
                    tracking_id=tracking_id,
                    what=",".join(what),
                    channel=channel,
                    read_at=_now(),
                )
            )

    def personal_reads(self, tracking_id: str = "", limit: int = 100) -> list[PersonalRead]:
        """The latest reads of personal data, newest first (of one report, if given)."""
        table = models.PersonalDataRead
        statement = select(table).order_by(table.id.desc()).limit(min(limit, MAX_AUDIT_LIMIT))
        if tracking_id:
            statement = statement.where(table.tracking_id == tracking_id)
        with self.session() as session:
            return [
                PersonalRead(row.client_name, row.tracking_id, row.what, row.channel, row.read_at)
                for row in session.scalars(statement)
            ]

    def desk_audit(self, selection: AuditSelection, limit: int = 100) -> list[DeskAuditLine]:
        table = models.DeskAuditEvent
        statement = select(table)
        if selection.post_code:
            statement = statement.where(table.post_code == selection.post_code)
        if selection.action:
            statement = statement.where(table.action == selection.action)
        if selection.date_from is not None:
            statement = statement.where(table.created_at >= selection.date_from)
        if selection.date_to is not None:
            statement = statement.where(table.created_at < selection.date_to)
        if selection.before is not None:
            statement = statement.where(table.id < selection.before)
        statement = statement.order_by(table.id.desc()).limit(min(limit, MAX_AUDIT_LIMIT))
        with self.session() as session:
            return [
                DeskAuditLine(
                    id=row.id,
                    post_code=row.post_code,
                    device_id=row.device_id,
                    action=row.action,
                    subject=row.subject,
                    detail=row.detail,
                    operator_name=row.operator_name,
                    created_at=row.created_at,
                    received_at=row.received_at,
                )
                for row in session.scalars(statement)
            ]

    def central_audit(
        self, action: str = "", before: int | None = None, limit: int = 100
    ) -> list[CentralAuditLine]:
        """The central system's own audit lines, newest first, older than ``before``."""
        table = models.CentralAuditEvent
        statement = select(table)
        if action:
            statement = statement.where(table.action == action)
        if before is not None:
            statement = statement.where(table.id < before)
        statement = statement.order_by(table.id.desc()).limit(min(limit, MAX_AUDIT_LIMIT))
        with self.session() as session:
            return [
                CentralAuditLine(
                    row.id, row.actor, row.action, row.target, row.detail, row.created_at
                )
                for row in session.scalars(statement)
            ]
