"""Pull: what a desk fetches back (statuses, agencies, public notes of its own reports), by a
cursor over the change log."""

from __future__ import annotations

from sqlalchemy import (
    and_,
    select,
)

from central import models
from central.store.base import SYSTEM_ACTOR, StoreBase
from central.views import DeviceInfo
from posko import wire


class Pull(StoreBase):
    """Changes to a device's own reports since its cursor."""

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
