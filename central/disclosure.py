"""What each audience may see of a report: decided here, once, for every surface.

Every route that shows a report — the citizen's tracking page (HTML, JSON, SMS), Open311
(JSON and XML; one request, a list, a list of IDs, the updates), the desks' pull, the staff
API — builds what it shows from ``disclose(report, timeline, audience)`` and from
``LISTED`` for lists, and from nothing else. The table in ``docs/disclosure.md`` is this
module in words; ``tests/central/test_disclosure.py`` walks every public route for every audience
and kind of report and compares what it shows with that table.

Audiences:

* ``PUBLIC``: anyone — the tracking page without the receipt's secret, the SMS reply,
  every Open311 ``GET``.
* ``HOLDER``: whoever holds the receipt's secret (the QR code's ``k``) — the reporter, and
  the desk that made the report (it keeps the secret; its pull is this view).
* ``STAFF``: a staff token or a staff session, limited by the client's role
  (``staff_scope``): a coordinator (koordinator) sees every report whole; an agency
  officer (petugas instansi) sees only the reports currently assigned to their agency —
  any other report does not exist for them, exactly as a rahasia report does not for the
  public — and of an anonim report not the reporter's name and contacts (SP4N-LAPOR!:
  anonim hides the reporter from the party reported too). Only a coordinator reads the
  audit trails and enrolls or revokes desks. Aggregates without personal data (the
  statistics page and its downloads) are for both.

Kinds of report, by the two independent flags of SP4N-LAPOR!:

* *anonim* hides the reporter: their name and contact, and the staff's notes to them (a
  note to an anonymous reporter can name them), from the public.
* *rahasia* (confidential) hides the report itself from the public: to anyone without the
  receipt's secret its number answers as one that has not reached the central system
  (``known_to``), and it is in no public list. The tracking IDs are sequential, so a
  report that showed even its status would be found from the gaps between listed ones.

Never public, whatever the flags: the reporter's name, phone and e-mail, the post and the
operator. Never outside staff: the internal note.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement

from central import models
from central.views import COORDINATOR, ClientInfo, ComplaintView, TimelineEntry
from posko import tracking, wire
from posko.disclosure import Audience as Audience  # re-exported: the routes import it here
from posko.disclosure import contacts_visible, content_visible

# The reports a public list (Open311 ``requests``, ``servicerequestupdates``) may name.
LISTED: ColumnElement[bool] = models.Complaint.confidential.is_(False)


def audience(report: ComplaintView, secret: str | None) -> Audience:
    """PUBLIC, or HOLDER when ``secret`` is this report's receipt secret (as the QR carries
    it, or typed from the receipt: any case, with dashes or spaces)."""
    typed = tracking.normalize(secret)[:64] if secret else None
    return Audience.HOLDER if report.secret_matches(typed) else Audience.PUBLIC


@dataclass(frozen=True)
class Step:
    """One status change, as the audience may see it (None: not shown)."""

    status: wire.CentralStatus
    changed_at: datetime
    agency: str | None
    public_note: str | None
    internal_note: str | None
    actor: str | None  # who made the change: staff only


@dataclass(frozen=True)
class Disclosed:
    """A report reduced to what one audience may see; None means "not shown", and every
    surface renders only this."""

    audience: Audience
    tracking_id: str
    status: wire.CentralStatus
    confidential: bool
    created_at: datetime  # when the citizen reported it
    received_at: datetime
    updated_at: datetime
    timeline: tuple[Step, ...]
    content_visible: bool  # type, category, agency, deadline, title, description, place
    type: str | None
    category: str | None
    agency: str | None
    expected_at: datetime | None
    title: str | None
    description: str | None
    location: str | None
    lat: float | None
    long: float | None
    reporter_name: str | None
    phone: str | None
    email: str | None
    anonymous: bool | None
    post_code: str | None
    channel: str | None
    listed: bool  # may appear in a public list

    @property
    def public_note(self) -> str | None:
        """The newest note to the citizen the audience may read (Open311 status_notes)."""
        for step in reversed(self.timeline):
            if step.public_note:
                return step.public_note
        return None


def known_to(report: ComplaintView, who: Audience) -> bool:
    """Whether the audience may learn that the report exists at all. A rahasia report is,
    to the public, exactly a valid number that has not arrived: otherwise the gaps in the
    public lists' sequence numbers would point at every rahasia report."""
    return who is not Audience.PUBLIC or not report.confidential


def notes_visible(report: ComplaintView, who: Audience) -> bool:
    """The staff's notes to the citizen (public notes)."""
    if who is not Audience.PUBLIC:
        return True
    return not report.confidential and not report.anonymous


@dataclass(frozen=True)
class StaffScope:
    """Which reports, and which of their fields, one staff client may see. Aggregates
    without personal data or report text (the statistics page and its files) are every
    staff client's, so they ask nothing of the scope."""

    coordinator: bool
    agency: str  # an agency officer's agency code; "" for a coordinator

    @property
    def within_agency(self) -> str | None:
        """The agency every staff list and look-up is limited to (None: no limit)."""
        return None if self.coordinator else self.agency

    def sees(self, report: ComplaintView) -> bool:
        """Whether the report exists for this client at all: a coordinator sees every
        one, an agency officer only those now assigned to their agency. A report that is
        not seen is answered as one that does not exist (the same 404), so an officer
        learns nothing of another agency's reports, rahasia or not."""
        return self.coordinator or report.agency == self.agency

    def contacts_visible(self, report: ComplaintView) -> bool:
        """The reporter's name, phone and e-mail: an anonim report's only to a
        coordinator, never to the agency it is about."""
        return self.coordinator or not report.anonymous

    @property
    def reads_audit(self) -> bool:
        """The desks' and the central system's audit trails, the personal-data reads, the
        devices: a coordinator's alone."""
        return self.coordinator


COORDINATOR_SCOPE = StaffScope(coordinator=True, agency="")


def staff_scope(client: ClientInfo) -> StaffScope | None:
    """What ``client`` may see as staff; None for a client that is not one a staff route
    may serve (an Open311 key, an officer without an agency): refused like a bad token."""
    if client.role != "staff":
        return None
    if client.staff_role == COORDINATOR:
        return COORDINATOR_SCOPE
    if not client.agency:
        return None
    return StaffScope(coordinator=False, agency=client.agency)


def _as_typed(code: str) -> str:
    return code


def disclose(
    report: ComplaintView,
    timeline: Sequence[TimelineEntry],
    who: Audience,
    agency_name: Callable[[str], str] = _as_typed,
    scope: StaffScope | None = None,
) -> Disclosed:
    """What ``who`` sees of ``report``. ``agency_name`` turns an agency's code into what the
    page shows (its name, in the page's language); staff see the code they set. ``scope``:
    which staff (``staff_scope``), required for ``STAFF`` so no route gets a coordinator's
    view by leaving it out; the caller has checked ``scope.sees(report)``."""
    staff = who is Audience.STAFF
    if staff and (scope is None or not scope.sees(report)):
        raise LookupError("this report does not exist for this staff client")
    content = content_visible(report, who)
    notes = notes_visible(report, who)
    contacts = contacts_visible(who) and (scope is None or scope.contacts_visible(report))
    named = _as_typed if staff else agency_name

    def shown(value: str) -> str | None:
        return (value or None) if content else None

    def agency(value: str | None) -> str | None:
        return named(value) if value and content else None

    steps = tuple(
        Step(
            status=entry.status,
            changed_at=entry.changed_at,
            agency=agency(entry.agency),
            public_note=(entry.public_note or None) if notes else None,
            internal_note=(entry.internal_note or None) if staff else None,
            actor=entry.actor if staff else None,
        )
        for entry in timeline
    )
    return Disclosed(
        audience=who,
        tracking_id=report.tracking_id,
        status=report.status,
        confidential=report.confidential,
        created_at=report.created_at,
        received_at=report.received_at,
        updated_at=report.updated_at,
        timeline=steps,
        content_visible=content,
        type=report.type if content else None,
        category=report.category if content else None,
        agency=agency(report.agency),
        expected_at=report.expected_at if content else None,
        title=report.title if content else None,
        description=report.description if content else None,
        location=shown(report.location),
        lat=report.lat if content else None,
        long=report.long if content else None,
        reporter_name=report.reporter_name if contacts else None,
        phone=report.phone if contacts else None,
        email=report.email if contacts else None,
        anonymous=report.anonymous if staff else None,
        post_code=report.post_code if staff else None,
        channel=report.channel if staff else None,
        listed=not report.confidential,
    )
