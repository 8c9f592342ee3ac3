"""The staff API: move a report through its statuses, read it whole. Bearer staff tokens
(``posko-central client add NAME --role staff``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from central.deps import ApiError, current_staff, get_store
from central.store import ClientInfo, NotFound
from desktop import tracking, wire

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])


class StatusRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: wire.CentralStatus
    note: str = Field(default="", max_length=2000)
    agency: str | None = Field(default=None, max_length=100)


class TimelineItem(BaseModel):
    status: wire.CentralStatus
    note: str
    agency: str
    actor: str
    changed_at: datetime


class StaffComplaint(BaseModel):
    tracking_id: str
    uuid: str
    type: str
    category: str
    title: str
    description: str
    location: str
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
    timeline: list[TimelineItem]


def _tracking_id(raw: str) -> str:
    try:
        return tracking.parse(raw)
    except tracking.TrackingIdError:
        raise ApiError(404, "not_found", "no report with this tracking ID") from None


@router.post("/complaints/{tracking_id}/status", response_model=TimelineItem)
def set_status(
    tracking_id: str,
    body: StatusRequest,
    request: Request,
    staff: Annotated[ClientInfo, Depends(current_staff)],
) -> TimelineItem:
    """Move a report on (received → verified → forwarded → in progress → resolved, or
    postponed, not our authority, archived); the note, time and who are kept."""
    try:
        entry = get_store(request).set_status(
            _tracking_id(tracking_id),
            body.status,
            actor=staff.name,
            note=body.note,
            agency=body.agency,
        )
    except NotFound:
        raise ApiError(404, "not_found", "no report with this tracking ID") from None
    return TimelineItem(**entry.__dict__)


@router.get("/complaints/{tracking_id}", response_model=StaffComplaint)
def complaint(
    tracking_id: str,
    request: Request,
    _staff: Annotated[ClientInfo, Depends(current_staff)],
) -> StaffComplaint:
    store = get_store(request)
    view = store.complaint(_tracking_id(tracking_id))
    if view is None:
        raise ApiError(404, "not_found", "no report with this tracking ID")
    fields = {k: v for k, v in view.__dict__.items() if k in StaffComplaint.model_fields}
    return StaffComplaint(
        **fields,
        timeline=[TimelineItem(**entry.__dict__) for entry in store.timeline(view.id)],
    )
