"""The staff API: move a report through its statuses, read it whole, list what is due, read
the desks' and the central system's audit trails, enroll and revoke desks.
Bearer staff tokens (``posko-central client add NAME --role staff [--staff-role ROLE]``).

Which staff see which report, and which of its fields, is ``central.disclosure``'s
(``staff_scope``): an agency officer's token finds only the reports of their agency (any
other answers exactly as a tracking ID that does not exist); the audit trails, the
personal-data reads and the devices are the coordinators' (403 for an officer)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Protocol, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from central.deps import ApiError, current_coordinator, current_staff, get_store, scope_of
from central.disclosure import Audience, disclose
from central.rules import RuleSet
from central.store import (
    DUE_CURSOR_PATTERN,
    MAX_AUDIT_LIMIT,
    MAX_DUE_LIMIT,
    AuditSelection,
    ClientInfo,
    DeviceInfo,
    DueCursor,
    DueList,
    DueState,
    NotFound,
)
from posko import tracking, wire
from posko.workdays import WIB

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])


class StatusRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: wire.CentralStatus
    public_note: Annotated[str, wire.text(2000)] = Field(
        default="",
        description="For the citizen: shown on the tracking page (on an anonymous or "
        "confidential report only with the receipt secret), in Open311 and at the desk.",
    )
    internal_note: Annotated[str, wire.text(2000)] = Field(
        default="", description="For the staff only: never shown to the citizen or the public."
    )
    agency: Annotated[str, wire.line(100, 1)] | None = Field(
        default=None,
        description="The agency the report is assigned to: a code of the routing rules' "
        "agencies (GET /api/v1/rules), in any letter case; the pages show its name.",
    )


class TimelineItem(BaseModel):
    status: wire.CentralStatus
    public_note: str
    internal_note: str
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


def _not_found() -> ApiError:
    """The one answer for a report that does not exist, or not for this staff client."""
    return ApiError(404, "not_found", "no report with this tracking ID")


def _tracking_id(raw: str) -> str:
    try:
        return tracking.parse(raw)
    except tracking.TrackingIdError:
        raise _not_found() from None


@router.post("/complaints/{tracking_id}/status", response_model=TimelineItem)
def set_status(
    tracking_id: str,
    body: StatusRequest,
    request: Request,
    staff: Annotated[ClientInfo, Depends(current_staff)],
) -> TimelineItem:
    """Move a report on (received → verified → forwarded → in progress → resolved, or
    postponed, not our authority, archived); the note, time and who are kept. An agency
    officer moves only their agency's reports and assigns none to another agency."""
    scope = scope_of(staff)
    agency = body.agency
    if agency is not None:
        rules = request.app.state.rules
        assert isinstance(rules, RuleSet)
        agency = rules.agency_code(agency)
        if agency is None:
            raise ApiError(  # schema-valid, refused by design: 400, as a wrong check letter
                400,
                "unknown_agency",
                "agency must be a code of the routing rules' agencies: "
                + ", ".join(sorted(rules.agency_names)),
            )
        if scope.within_agency is not None and agency != scope.within_agency:
            # Decided from the body alone, before any report is looked up: says nothing.
            raise ApiError(
                403,
                "coordinator_only",
                "only a coordinator assigns a report to another agency; an agency officer "
                "may leave agency out (or give their own)",
            )
    try:
        entry = get_store(request).set_status(
            _tracking_id(tracking_id),
            body.status,
            actor=staff.name,
            actor_client_id=staff.id,
            public_note=body.public_note,
            internal_note=body.internal_note,
            agency=agency,
            within_agency=scope.within_agency,
        )
    except NotFound:
        raise _not_found() from None
    return TimelineItem(**entry.__dict__)


@router.get("/complaints/{tracking_id}", response_model=StaffComplaint)
def complaint(
    tracking_id: str,
    request: Request,
    staff: Annotated[ClientInfo, Depends(current_staff)],
) -> StaffComplaint:
    """One report whole, as this staff client may see it (``central.disclosure``): an
    agency officer finds only their agency's reports, and not an anonim reporter's name and
    contacts. A read of personal data is recorded before the answer leaves."""
    store = get_store(request)
    scope = scope_of(staff)
    view = store.complaint(_tracking_id(tracking_id))
    if view is None or not scope.sees(view):
        raise _not_found()
    shown = disclose(view, store.timeline(view.id), Audience.STAFF, scope=scope)
    personal = [
        name
        for name, held in (
            ("contacts", bool(shown.reporter_name or shown.phone or shown.email)),
            ("content", view.confidential),
        )
        if held
    ]
    if personal:  # recorded before the answer leaves: no read of it goes unrecorded
        store.note_personal_read(staff, view.tracking_id, personal, "staff_api")
    return StaffComplaint(
        tracking_id=shown.tracking_id,
        uuid=view.uuid,
        type=shown.type or "",
        category=shown.category or "",
        title=shown.title or "",
        description=shown.description or "",
        location=shown.location or "",
        reporter_name=shown.reporter_name or "",
        phone=shown.phone or "",
        email=shown.email or "",
        anonymous=bool(shown.anonymous),
        confidential=shown.confidential,
        post_code=shown.post_code or "",
        channel=shown.channel or "",
        created_at=shown.created_at,
        received_at=shown.received_at,
        status=shown.status,
        agency=shown.agency or "",
        expected_at=shown.expected_at,
        timeline=[
            TimelineItem(
                status=step.status,
                public_note=step.public_note or "",
                internal_note=step.internal_note or "",
                agency=step.agency or "",
                actor=step.actor or "",
                changed_at=step.changed_at,
            )
            for step in shown.timeline
        ],
    )


# -- what is due ------------------------------------------------------------------------------


class DueReport(BaseModel):
    """An open report against its answer deadline (SP4N-LAPOR!, in working days)."""

    tracking_id: str = Field(description="compact form, e.g. 2K7MQA42X")
    type: str = Field(description="pengaduan, aspirasi or permintaan_informasi")
    category: str
    agency: str = Field(description="the agency it was assigned to; empty until staff assign one")
    post_code: str = Field(description="the post it was reported at (PUSAT: filed centrally)")
    status: wire.CentralStatus
    created_at: datetime = Field(description="when the citizen reported it")
    expected_at: datetime = Field(description="the answer deadline: the end of a day in WIB")
    due: DueState = Field(
        description=(
            "overdue: the deadline has passed; soon: due today or by the end of the next "
            "working day (WIB); ok: later"
        )
    )
    working_days_late: int | None = Field(
        description=(
            "overdue reports only: the working days since the deadline, today included "
            "(0 when it passed on a weekend or holiday)"
        )
    )


class DueCounts(BaseModel):
    """The whole lists under the same filters, whatever the page."""

    overdue: int
    soon: int


class DueListResponse(BaseModel):
    state: DueList = Field(description="the list asked for")
    now: datetime = Field(description="the moment the list was measured against")
    today: date = Field(description="today in WIB")
    next_working_day: date = Field(description="the last day counted as soon (WIB)")
    items: list[DueReport] = Field(description="oldest deadline first")
    next: str | None = Field(
        description="pass as `after` for the following page; null on the last page"
    )
    counts: DueCounts


def _cursor(raw: str) -> str:
    DueCursor.decode(raw)  # ValueError: a 422 saying what a cursor is
    return raw


# The schema states the pattern (every string of it decodes, so a well-formed cursor is never
# refused); the validator words the refusal of anything else better than "should match".
Cursor = Annotated[
    str,
    AfterValidator(_cursor),
    WithJsonSchema({"type": "string", "pattern": DUE_CURSOR_PATTERN}),
]


_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"
# Control characters never match a stored agency, and PostgreSQL refuses NUL outright.
_AGENCY_PATTERN = r"^[^\x00-\x1f\x7f]{1,100}$"


@router.get("/due", response_model=DueListResponse)
def due(
    request: Request,
    staff: Annotated[ClientInfo, Depends(current_staff)],
    state: Annotated[
        DueList,
        Query(description="overdue, soon (today or the next working day, WIB), or all open"),
    ] = "open",
    agency: Annotated[
        str | None,
        Query(description="the assigned agency, exactly as set", pattern=_AGENCY_PATTERN),
    ] = None,
    post: Annotated[
        str | None, Query(description="post code, e.g. MRK", pattern=r"^[A-Za-z0-9-]{1,16}$")
    ] = None,
    category: Annotated[
        str | None, Query(description="category code, e.g. TOL", pattern=_CODE_PATTERN)
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_DUE_LIMIT, description="page size")] = 100,
    after: Annotated[
        Cursor | None, Query(description="the `next` value of the previous page")
    ] = None,
) -> DueListResponse:
    """Open reports by their answer deadline, oldest first: the overdue ones, those due
    soon (today or the next working day in WIB, the desk's rule), or all open ones.
    Resolved and archived reports are never late and never listed. An agency officer's
    lists (and counts) hold only their agency's reports, whatever the filters."""
    page = get_store(request).due(
        state,
        within_agency=scope_of(staff).within_agency,
        agency=agency,
        post_code=post.upper() if post else None,
        category=category.upper() if category else None,
        limit=limit,
        after=DueCursor.decode(after) if after else None,
    )
    return DueListResponse(
        state=page.state,
        now=page.now,
        today=page.today,
        next_working_day=page.next_working_day,
        items=[
            DueReport(
                tracking_id=item.tracking_id,
                type=item.type,
                category=item.category,
                agency=item.agency,
                post_code=item.post_code,
                status=item.status,
                created_at=item.created_at,
                expected_at=item.expected_at,
                due=item.state,
                working_days_late=item.working_days_late,
            )
            for item in page.items
        ],
        next=page.next,
        counts=DueCounts(overdue=page.overdue, soon=page.soon),
    )


class AuditLine(BaseModel):
    id: int
    post_code: str
    device_id: int
    action: str
    subject: str = Field(description="a tracking ID, a record's UUID or an operator's name")
    detail: str
    operator_name: str
    created_at: datetime = Field(description="when the desk wrote it (the desk's clock)")
    received_at: datetime


class AuditPage(BaseModel):
    items: list[AuditLine]
    next: int | None = Field(description="`before` for the next (older) page, if any")


# The days a desk's clock could have written (``posko.wire.Moment``): a day outside them is
# taken as the nearest (at the calendar's ends a day's bounds would overflow). ``until``
# before ``since`` is simply an empty list.
_FIRST_DAY = wire.EARLIEST.date()
_LAST_DAY = wire.LATEST.date() - timedelta(days=1)


def _iso_day(value: object) -> object:
    """A day only as ISO 8601 writes it (pydantic would also take "0" as 1970-01-01)."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("a day as YYYY-MM-DD")
    return value


IsoDay = Annotated[date, BeforeValidator(_iso_day)]


def _wib_start(day: date) -> datetime:
    day = min(max(day, _FIRST_DAY), _LAST_DAY)
    return datetime.combine(day, time(0), tzinfo=WIB).astimezone(UTC)


class _Numbered(Protocol):
    @property
    def id(self) -> int: ...


Line = TypeVar("Line", bound=_Numbered)


def _keyset_page(lines: list[Line], limit: int) -> tuple[list[Line], int | None]:
    """A page of an audit trail read newest first with one line more than ``limit``: the
    page, and the ``before`` of the next (older) page when there is one."""
    page = lines[:limit]
    return page, page[-1].id if len(lines) > limit and page else None


@router.get("/audit", response_model=AuditPage)
def desk_audit(
    request: Request,
    _staff: Annotated[ClientInfo, Depends(current_coordinator)],
    post: Annotated[
        str | None, Query(description="post code, e.g. MRK", pattern=r"^[A-Za-z0-9-]{1,16}$")
    ] = None,
    action: Annotated[
        str | None,
        Query(description="e.g. created, printed, exported", pattern=r"^[a-z][a-z_]{0,31}$"),
    ] = None,
    since: Annotated[IsoDay | None, Query(description="from this WIB day")] = None,
    until: Annotated[IsoDay | None, Query(description="up to and including this WIB day")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_AUDIT_LIMIT, description="page size")] = 100,
    before: Annotated[int | None, Query(ge=1, description="`next` of the previous page")] = None,
) -> AuditPage:
    """The desks' audit trails, newest first: who created, printed, edited, exported, set
    aside a record, changed a status, signed in or failed to, at which post. No reporter
    data is ever in them (the desk writes none). Coordinators only."""
    selection = AuditSelection(
        post_code=post.upper() if post else "",
        action=action or "",
        date_from=_wib_start(since) if since else None,
        date_to=_wib_start(until) + timedelta(days=1) if until else None,
        before=before,
    )
    lines, after = _keyset_page(get_store(request).desk_audit(selection, limit + 1), limit)
    return AuditPage(items=[AuditLine(**vars(line)) for line in lines], next=after)


class PersonalReadLine(BaseModel):
    client_name: str = Field(description="the staff token's or account's name")
    tracking_id: str
    what: str = Field(description="contacts, content (a rahasia report's), or both")
    channel: str
    read_at: datetime


@router.get("/reads", response_model=list[PersonalReadLine])
def personal_reads(
    request: Request,
    _staff: Annotated[ClientInfo, Depends(current_coordinator)],
    tracking_id: Annotated[
        str | None, Query(description="one report's reads", pattern=r"^[A-Za-z0-9-]{1,40}$")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_AUDIT_LIMIT, description="how many")] = 100,
) -> list[PersonalReadLine]:
    """Who was shown a reporter's personal data, newest first: every read through
    ``GET /api/v1/staff/complaints/{id}`` of a report with contacts or rahasia content.
    Coordinators only."""
    wanted = _tracking_id(tracking_id) if tracking_id else ""
    return [
        PersonalReadLine(**vars(line)) for line in get_store(request).personal_reads(wanted, limit)
    ]


# -- the central system's own audit trail, and the desks ---------------------------------------


class CentralAuditItem(BaseModel):
    id: int
    actor: str = Field(
        description="a staff client's name, cli:USER for the shell, desk:ID for an enrollment"
    )
    action: str = Field(
        description="enroll_code_created, device_enrolled, device_reenrolled, device_revoked, "
        "device_reinstated, client_created, client_revoked or status_changed"
    )
    target: str = Field(description="device:ID, client:ID, enroll_code:ID or a tracking ID")
    detail: str = Field(description="codes only: a status, a role, an agency, a post")
    created_at: datetime


class CentralAuditPage(BaseModel):
    items: list[CentralAuditItem]
    next: int | None = Field(description="`before` for the next (older) page, if any")


@router.get("/central-audit", response_model=CentralAuditPage)
def central_audit(
    request: Request,
    _staff: Annotated[ClientInfo, Depends(current_coordinator)],
    action: Annotated[
        str | None, Query(description="e.g. status_changed", pattern=r"^[a-z][a-z_]{0,31}$")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_AUDIT_LIMIT, description="page size")] = 100,
    before: Annotated[
        int | None, Query(ge=1, le=2**62, description="`next` of the previous page")
    ] = None,
) -> CentralAuditPage:
    """What the central system's users did, newest first: desks enrolled and revoked,
    staff clients created and revoked, statuses changed (who, what, to what, when). No
    reporter data or report text is in it. Coordinators only."""
    found = get_store(request).central_audit(action or "", before, limit + 1)
    lines, after = _keyset_page(found, limit)
    return CentralAuditPage(items=[CentralAuditItem(**vars(line)) for line in lines], next=after)


class DeviceItem(BaseModel):
    id: int
    post_code: str
    tracking_prefix: str
    label: str
    created_at: datetime
    last_seen_at: datetime | None
    revoked: bool


def _device_item(info: DeviceInfo) -> DeviceItem:
    return DeviceItem(
        id=info.id,
        post_code=info.post_code,
        tracking_prefix=info.tracking_prefix,
        label=info.label,
        created_at=info.created_at,
        last_seen_at=info.last_seen_at,
        revoked=info.revoked_at is not None,
    )


@router.get("/devices", response_model=list[DeviceItem])
def devices(
    request: Request, _staff: Annotated[ClientInfo, Depends(current_coordinator)]
) -> list[DeviceItem]:
    """The enrolled desks (as ``posko-central device list``). Coordinators only."""
    return [_device_item(info) for info in get_store(request).devices()]


DeviceId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the device's ID")]


@router.post("/devices/{device_id}/revoke", response_model=DeviceItem)
def revoke_device(
    device_id: DeviceId,
    request: Request,
    staff: Annotated[ClientInfo, Depends(current_coordinator)],
) -> DeviceItem:
    """Revoke a desk: its token stops working at once, and it cannot enroll again until
    it is reinstated (``posko-central device reinstate``). Coordinators only."""
    try:
        info = get_store(request).revoke_device(
            device_id, actor=staff.name, actor_client_id=staff.id
        )
    except NotFound:
        raise ApiError(404, "not_found", "no device with this ID") from None
    return _device_item(info)


class EnrollCodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    post_code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{1,15}$", description="e.g. MRK")
    hours: float = Field(default=72, gt=0, le=24 * 90, description="how long the code is valid")


class EnrollCodeAnswer(BaseModel):
    code: str = Field(description="single use, for the desk's `posko enroll --code`")
    post_code: str
    expires_at: datetime


@router.post("/enroll-codes", response_model=EnrollCodeAnswer)
def enroll_code(
    body: EnrollCodeRequest,
    request: Request,
    staff: Annotated[ClientInfo, Depends(current_coordinator)],
) -> EnrollCodeAnswer:
    """A single-use enrollment code for a post's desk (as ``posko-central enroll-code``).
    Coordinators only."""
    post = body.post_code.upper()
    code, expires = get_store(request).create_enroll_code(
        post, body.hours, actor=staff.name, actor_client_id=staff.id
    )
    return EnrollCodeAnswer(code=code, post_code=post, expires_at=expires)
