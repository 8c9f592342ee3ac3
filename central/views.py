"""What the central store hands out: plain, frozen records of devices, clients, reports and
their timelines, never ORM objects, so sessions never leak across threads. The disclosure
policy (``central.disclosure``) and every route read these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from central import models
from central.security import (
    matches,
)
from posko import wire

# A staff client's role: a coordinator sees everything; an agency officer (petugas instansi)
# only the reports assigned to their agency (``central.disclosure.staff_scope``).
COORDINATOR = "koordinator"
AGENCY_OFFICER = "petugas_instansi"
STAFF_ROLES = (COORDINATOR, AGENCY_OFFICER)


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
    """A staff client or an Open311 key. ``staff_role``: koordinator or petugas_instansi
    (an agency officer, bound to ``agency``); empty for an Open311 key. What each may see
    is ``central.disclosure``'s to decide (``staff_scope``)."""

    id: int
    name: str
    role: str
    created_at: datetime | None = None
    revoked_at: datetime | None = None
    staff_role: str = ""
    agency: str = ""
    expires_at: datetime | None = None


def client_info(row: models.ApiClient) -> ClientInfo:
    return ClientInfo(
        id=row.id,
        name=row.name,
        role=row.role,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        staff_role=row.staff_role,
        agency=row.agency,
        expires_at=row.expires_at,
    )


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


def device_info(row: models.Device) -> DeviceInfo:
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
