"""The central system's storage layer, one module per job, and the only place that writes SQL.

- ``devices``: enrollment codes, enrollment with proof of the desk's key, device and client
  tokens;
- ``ingest``: what desks push, exactly once by UUID;
- ``complaints``: filing on the central system, statuses, look-ups, the public lists;
- ``pull``: what a desk fetches back;
- ``due``: the due lists against working-day deadlines;
- ``categories``: the category groups a coordinator offers for new reports;
- ``survey``: the SKM questionnaires' figures (one SQL aggregate per service);
- ``outreach``: people reached, merchandise handed out and stock, per post and WIB day;
- ``statistics``: the coordinators' figures over every post, the per-post breakdown and the
  campaign (``posko.statistics``' one definition);
- ``staff_sessions``: coordinators signed in to the staff pages (only token hashes);
- ``audit``: the desks' audit trails as they arrived, the staff's reads of personal data,
  and the central system's own actions (enrollments, revocations, clients, statuses).

Statistics and exports come as jobs of their own beside these. ``CentralStore`` is all of
them on one engine, so a route or command holds one store; each job reads alone. Plain data
leaves the store (``central.views`` and wire models), never ORM objects.
"""

from __future__ import annotations

from central.store.audit import (
    MAX_AUDIT_LIMIT,
    AuditSelection,
    CentralAuditLine,
    DeskAudit,
    DeskAuditLine,
    PersonalRead,
)
from central.store.base import (
    AGENCY_OFFICER,
    CENTRAL_DEVICE_NUMBER,
    COORDINATOR,
    MAX_STAFF_TOKEN_DAYS,
    ROLES,
    STAFF_ROLES,
    STAFF_TOKEN_DAYS,
    SYSTEM_ACTOR,
    EnrollError,
    NotFound,
)
from central.store.categories import Categories, GroupState
from central.store.complaints import Complaints
from central.store.devices import Devices
from central.store.due import (
    DUE_CURSOR_PATTERN,
    DUE_LISTS,
    MAX_DUE_LIMIT,
    DueCursor,
    DueList,
    DueLists,
    DuePage,
    DueReport,
    DueState,
)
from central.store.ingest import Ingest
from central.store.outreach import OutreachReports, OutreachSelection
from central.store.pull import Pull
from central.store.staff_sessions import SESSION_LIFETIME, StaffSessions
from central.store.statistics import CentralSource, PostFigures, StatisticsReports
from central.store.survey import SkmReports, SkmRow, SkmSelection
from central.views import ClientInfo, ComplaintView, DeviceInfo, TimelineEntry, complaint_view


class CentralStore(
    Devices,
    Ingest,
    Complaints,
    Pull,
    DueLists,
    Categories,
    StatisticsReports,
    SkmReports,
    OutreachReports,
    StaffSessions,
    DeskAudit,
):
    """All reads and writes of the central database. Thread-safe: a session per call."""


__all__ = [
    "AGENCY_OFFICER",
    "CENTRAL_DEVICE_NUMBER",
    "COORDINATOR",
    "DUE_CURSOR_PATTERN",
    "DUE_LISTS",
    "MAX_AUDIT_LIMIT",
    "MAX_DUE_LIMIT",
    "MAX_STAFF_TOKEN_DAYS",
    "ROLES",
    "SESSION_LIFETIME",
    "STAFF_ROLES",
    "STAFF_TOKEN_DAYS",
    "SYSTEM_ACTOR",
    "AuditSelection",
    "CentralAuditLine",
    "CentralSource",
    "CentralStore",
    "ClientInfo",
    "ComplaintView",
    "DeskAuditLine",
    "DeviceInfo",
    "DueCursor",
    "DueList",
    "DuePage",
    "DueReport",
    "DueState",
    "EnrollError",
    "GroupState",
    "NotFound",
    "OutreachReports",
    "OutreachSelection",
    "PersonalRead",
    "PostFigures",
    "SkmRow",
    "SkmSelection",
    "StatisticsReports",
    "TimelineEntry",
    "complaint_view",
]
