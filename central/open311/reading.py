"""Reading through Open311: the services (complaint categories) and their definitions,
and reports and their status changes as the public may see them (``central.disclosure``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from central.disclosure import Audience, Disclosed, disclose, known_to
from central.open311.models import (
    COMPLAINT_TYPES,
    MAX_DESCRIPTION,
    AttributeValue,
    RequestUpdate,
    Service,
    ServiceAttribute,
    ServiceDefinition,
    ServiceRequest,
)
from central.open311.params import Page
from central.open311.render import iso
from central.store import CentralStore, ComplaintView
from posko import tracking
from posko.catalog import Category

# -- services --------------------------------------------------------------------------------


def _service(store: CentralStore, category: Category, language: str) -> Service:
    group = store.catalog.groups.get(category.group, {})
    group_name = group.get(language) or group.get("id") or category.group
    words: list[str] = []
    for word in (category.code.lower(), *category.names.values(), category.group):
        if word.lower() not in (w.lower() for w in words):
            words.append(word)
    return Service(
        service_code=category.code,
        service_name=category.name(language),
        description=f"{group_name}: {category.name(language)}",
        metadata=True,
        type="realtime",
        keywords=", ".join(words),
        group=category.group,
    )


def _definition(category: Category, language: str) -> ServiceDefinition:
    english = language == "en"
    return ServiceDefinition(
        service_code=category.code,
        attributes=[
            ServiceAttribute(
                variable=True,
                code="complaint_type",
                datatype="singlevaluelist",
                required=False,
                datatype_description=(
                    "One of the keys; pengaduan when left out"
                    if english
                    else "Salah satu kunci; pengaduan bila tidak diisi"
                ),
                order=1,
                description="Type of report" if english else "Jenis laporan",
                values=[
                    AttributeValue(key=key, name=names[language])
                    for key, names in COMPLAINT_TYPES.items()
                ],
            )
        ],
    )


# -- reading requests ------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestFilter:
    service_codes: Sequence[str] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: Sequence[str] | None = None


def _service_notice(tracking_id: str, language: str) -> str:
    shown = tracking.display(tracking_id)
    if language == "en":
        return f"Follow this report with tracking ID {shown}."
    return f"Pantau laporan ini dengan nomor pelacakan {shown}."


def service_request(store: CentralStore, report: Disclosed, language: str) -> ServiceRequest:
    """A report the public may see (``report`` is already reduced, its agency named) as
    Open311 shows it."""
    category = store.catalog.get(report.category) if report.category else None
    service_name = None
    if report.category is not None:
        service_name = category.name(language) if category else report.category
    description = report.description[:MAX_DESCRIPTION] if report.description else None
    return ServiceRequest(
        service_request_id=report.tracking_id,
        status="closed" if report.status.closed else "open",
        status_notes=report.public_note,
        service_name=service_name,
        service_code=report.category or "",
        description=description,
        agency_responsible=report.agency,
        service_notice=_service_notice(report.tracking_id, language),
        requested_datetime=iso(report.created_at),
        updated_datetime=iso(report.updated_at),
        expected_datetime=iso(report.expected_at) if report.expected_at else None,
        address=report.location,
        address_id="",
        zipcode="",
        lat=report.lat,
        long=report.long,
        media_url=None,
    )


# ``agency_name(code, language)``: what a citizen reads for an agency's code (the routing
# rules' catalog, ``RuleSet.agency_name``), as on the tracking page.
AgencyName = Callable[[str, str], str]


def _public(
    store: CentralStore,
    views: Sequence[ComplaintView],
    language: str,
    agency_name: AgencyName,
) -> list[Any]:
    timelines = store.timelines([view.id for view in views])

    def named(code: str) -> str:
        return agency_name(code, language)

    return [
        service_request(
            store, disclose(view, timelines.get(view.id, []), Audience.PUBLIC, named), language
        )
        for view in views
    ]


def requests_by_id(
    store: CentralStore, ids: Sequence[str], language: str, agency_name: AgencyName
) -> list[Any]:
    """Reports named by number, newest first, as the public may see them; a confidential
    one is left out, as a number that has not arrived would be."""
    views = store.complaints_by_tracking_ids(ids)
    shown = [v for v in views if known_to(v, Audience.PUBLIC)]
    return _public(store, shown, language, agency_name)


def listed_requests(
    store: CentralStore,
    wanted: RequestFilter,
    page: Page,
    language: str,
    agency_name: AgencyName,
) -> list[Any]:
    """A page of the public list, newest first; confidential reports are never listed."""
    views = store.listed_complaints(
        categories=wanted.service_codes,
        start=wanted.start,
        end=wanted.end,
        statuses=wanted.statuses,
        offset=page.offset,
        limit=page.size,
    )
    return _public(store, views, language, agency_name)


def update_id(report_uuid: str, change_id: int) -> str:
    """A stable, unique, opaque ``update_id``: the change's own number is a sequence over
    every report, and its gaps would count and time the changes of rahasia reports."""
    return hashlib.sha256(f"{report_uuid}/{change_id}".encode()).hexdigest()[:20]


def listed_updates(
    store: CentralStore, start: datetime, end: datetime | None, page: Page
) -> list[RequestUpdate]:
    """A page of status changes of listed reports, oldest first (a client polls on from
    the last one); ``description`` is the public note where the public may read it."""
    updates = []
    for change_id, entry, view in store.listed_updates(
        start, end, offset=page.offset, limit=page.size
    ):
        [step] = disclose(view, [entry], Audience.PUBLIC).timeline
        updates.append(
            RequestUpdate(
                update_id=update_id(view.uuid, change_id),
                service_request_id=view.tracking_id,
                status="closed" if step.status.closed else "open",
                updated_datetime=iso(step.changed_at),
                description=step.public_note or "",
                media_url="",
                external_status_code=step.status,
            )
        )
    return updates
