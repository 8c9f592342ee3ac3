"""Complaints and their statuses: filed on the central system (Open311), moved along LAPOR!'s
workflow by staff, looked up by tracking ID, listed for the public."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import (
    func,
    select,
    update,
)

from central import models
from central.disclosure import LISTED
from central.security import (
    digest,
)
from central.store.base import SYSTEM_ACTOR, NotFound, StoreBase, _now, note_central_action
from central.views import ComplaintView, TimelineEntry, complaint_view
from posko import tracking, wire


class Complaints(StoreBase):
    """Filing, status changes, look-ups and the public lists."""

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
        within_agency: str | None = None,
        actor_client_id: int | None = None,
        audit_actor: str | None = None,
    ) -> TimelineEntry:
        """Move a report on; every change is kept with its notes, time and who made it. The
        public note is meant for the citizen; the internal note stays with the staff.
        ``within_agency``: only a report currently assigned to that agency (an agency
        officer's limit, ``central.disclosure.staff_scope``); any other is NotFound,
        checked under the same row lock as the change. ``audit_actor``: who the central
        audit trail names, when not ``actor`` (``cli:NAME`` for the shell's ``--by``)."""
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
            if row is None or (within_agency is not None and row.agency != within_agency):
                raise NotFound(tracking_id)
            before = row.agency
            row.status = status.value
            if agency is not None:
                row.agency = agency
            row.updated_at = now
            moved = f",agency={before or '-'}>{row.agency or '-'}" if row.agency != before else ""
            note_central_action(
                session,
                actor=audit_actor or actor,
                client_id=actor_client_id,
                action="status_changed",
                target=row.tracking_id,
                detail=f"status={status.value}{moved}",
                at=now,
            )
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
            "skm_responses": models.SkmResponse,
            "tally_events": models.TallyEvent,
            "outreach_tallies": models.OutreachTally,
            "stock_movements": models.StockMovement,
            "desk_audit_events": models.DeskAuditEvent,
            "status_changes": models.StatusChange,
        }
        with self.session() as session:
            return {
                name: session.scalar(select(func.count()).select_from(names[name])) or 0
                for name in table
            }
