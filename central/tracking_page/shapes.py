"""The tracking look-up as JSON (``/api/v1/track/{id}``): the shapes the API documents."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from central.tracking_page.view import PublicReport
from posko import wire


class TimelineStep(BaseModel):
    status: wire.CentralStatus
    status_label: str = Field(description="The status in the requested language.")
    changed_at: datetime
    changed_at_local: str = Field(description="The time in Jakarta (WIB), for people.")
    agency: str | None = Field(
        default=None, description="The agency then in charge, when the details are visible."
    )
    note: str | None = Field(
        default=None,
        description="The staff's note to the citizen; on an anonymous or confidential report "
        "only with the receipt secret.",
    )


class TrackedReport(BaseModel):
    """A received report as the public may see it. Reporter name, phone and e-mail are never
    part of it; a confidential report's details are null unless ``k`` is its secret."""

    tracking_id: str = Field(description="Compact form, e.g. 2K7MQA42X.")
    display: str = Field(description="For reading aloud, e.g. 2K7-MQA-42X.")
    status: wire.CentralStatus
    status_label: str
    status_description: str
    open: bool = Field(description="False once resolved or archived.")
    confidential: bool
    details_visible: bool
    secret_accepted: bool = Field(description="Whether ``k`` was this report's secret.")
    category: str | None = None
    category_name: str | None = None
    type: str | None = None
    type_label: str | None = None
    agency: str | None = None
    expected_at: datetime | None = Field(
        default=None,
        description="When a response is due; null on a confidential report without the "
        "receipt secret.",
    )
    received_at: datetime
    timeline: list[TimelineStep]
    title: str | None = None
    description: str | None = None
    location: str | None = None


class UnknownReport(BaseModel):
    error: Literal["unknown"]
    valid: Literal[True]
    message: str


class MalformedId(BaseModel):
    error: Literal["malformed"]
    valid: Literal[False]
    reason: Literal["empty", "bad_character", "bad_length", "bad_check"]
    message: str


class RateLimited(BaseModel):
    error: Literal["rate_limited"]
    message: str
    retry_after: int = Field(description="Seconds to wait; also in the Retry-After header.")


def tracked_report(report: PublicReport) -> TrackedReport:
    return TrackedReport(
        tracking_id=report.compact,
        display=report.display,
        status=report.status,
        status_label=report.status_label,
        status_description=report.status_help,
        open=report.open,
        confidential=report.confidential,
        details_visible=report.details_visible,
        secret_accepted=report.secret_accepted,
        category=report.category,
        category_name=report.category_name,
        type=report.type,
        type_label=report.type_label,
        agency=report.agency,
        expected_at=report.expected_at,
        received_at=report.received_at,
        timeline=[
            TimelineStep(
                status=step.status,
                status_label=step.label,
                changed_at=step.changed_at,
                changed_at_local=step.when,
                agency=step.agency,
                note=step.note,
            )
            for step in report.timeline
        ],
        title=report.title,
        description=report.description,
        location=report.location,
    )
