"""Open311 GeoReport v2 under ``/open311/v2/``, so existing Open311 clients, dashboards and
adapters work against the central system unchanged.

* Format by URL suffix: ``.xml`` (required by the spec) or ``.json`` (announced in
  discovery); any other suffix is a 404.
* Services are the complaint categories of ``assets/categories.json``; ``group`` is the
  category's group code (``mudik``, ``covid19``, ``umum``).
* ``POST requests`` takes ``application/x-www-form-urlencoded`` (parsed here: the form
  parser FastAPI would use is not a dependency) and needs an ``api_key`` of an Open311
  client (``posko-central client add NAME --role open311``). The answer carries both the
  ``service_request_id`` (the tracking ID, compact form) and a ``token`` (the report's UUID).
* Status is only ``open``/``closed`` (``CentralStatus.closed``); the detailed state is the
  ``external_status_code`` of FixMyStreet's ``servicerequestupdates`` extension.
* Privacy: no reporter name, phone or e-mail ever leaves through Open311; a confidential
  (rahasia) report shows no title, description, status notes, address or position.
* Errors: a list of ``{code, description}`` in the requested format; 404 missing resource,
  403 bad or missing ``api_key``, 400 anything else. An optional parameter sent empty is
  treated as left out.
* Dates: ISO 8601 in Western Indonesian Time (``+07:00``), to the second.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from central.deps import get_store
from central.disclosure import Audience, Disclosed, disclose, known_to
from central.ratelimit import client_address, public_limiter
from central.store import CentralStore, ComplaintView
from posko import tracking, wire
from posko.catalog import Category

PREFIX = "/open311/v2"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-03-01T00:00:00+07:00"  # when this document last changed
WIB = timezone(timedelta(hours=7), "WIB")  # Indonesia keeps no daylight saving time
WINDOW = timedelta(days=90)
MAX_IDS = 50
MAX_FORM_FIELDS = 100
MAX_DESCRIPTION = 4000
MAX_TITLE = 80
FORMATS: dict[str, str] = {"json": "application/json", "xml": "text/xml"}
COMPLAINT_TYPES: dict[str, dict[str, str]] = {
    "pengaduan": {"id": "Pengaduan", "en": "Complaint"},
    "aspirasi": {"id": "Aspirasi", "en": "Aspiration"},
    "permintaan_informasi": {"id": "Permintaan informasi", "en": "Request for information"},
}
CLOSED = tuple(s.value for s in wire.CentralStatus if s.closed)
OPEN = tuple(s.value for s in wire.CentralStatus if not s.closed)

router = APIRouter(prefix=PREFIX, tags=["open311"])

# -- answers as documented (JSON); the XML is built from the same dicts ------------------------


class ErrorItem(BaseModel):
    code: int = Field(description="the HTTP status")
    description: str


class DiscoveryEndpoint(BaseModel):
    specification: str
    url: str
    changeset: str
    type: Literal["production", "test"]
    formats: list[str]


class Discovery(BaseModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[DiscoveryEndpoint]


class Service(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class AttributeValue(BaseModel):
    key: str
    name: str


class ServiceAttribute(BaseModel):
    variable: bool
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str
    order: int
    description: str
    values: list[AttributeValue]


class ServiceDefinition(BaseModel):
    service_code: str
    attributes: list[ServiceAttribute]


_DATE_TIME: dict[str, Any] = {"format": "date-time"}


class ServiceRequest(BaseModel):
    """A report as the public may see it (``central.disclosure``): null where a field is
    not shown; a confidential report shows only its number, status and dates, with an
    empty ``service_code``."""

    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str | None
    service_code: str
    description: str | None = Field(max_length=MAX_DESCRIPTION)
    agency_responsible: str | None
    service_notice: str
    requested_datetime: str = Field(json_schema_extra=_DATE_TIME)
    updated_datetime: str = Field(json_schema_extra=_DATE_TIME)
    expected_datetime: str | None = Field(json_schema_extra=_DATE_TIME)
    address: str | None
    address_id: str
    zipcode: str
    lat: float | None
    long: float | None
    media_url: str | None


class RequestCreated(BaseModel):
    service_request_id: str
    token: str
    service_notice: str
    account_id: str | None


class TokenAnswer(BaseModel):
    service_request_id: str
    token: str


class RequestUpdate(BaseModel):
    update_id: str
    service_request_id: str
    status: Literal["open", "closed"]
    updated_datetime: str = Field(json_schema_extra=_DATE_TIME)
    description: str
    media_url: str
    external_status_code: wire.CentralStatus


# XML: the root element of each answer and the element of each list item.
LIST_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "service_requests_updates": "request_update",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


class Open311Error(Exception):
    def __init__(
        self, status: int, *descriptions: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions or ("error",)
        self.headers = dict(headers or {})


def _not_found(what: str) -> Open311Error:
    return Open311Error(404, f"{what} not found")


# -- rendering -------------------------------------------------------------------------------

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _xml_fill(parent: ET.Element, data: Mapping[str, object]) -> None:
    for key, value in data.items():
        child = ET.SubElement(parent, key)
        if isinstance(value, list):
            for item in value:
                grandchild = ET.SubElement(child, LIST_ITEMS[key])
                if isinstance(item, Mapping):
                    _xml_fill(grandchild, item)
                else:
                    grandchild.text = _xml_text(item)
        elif isinstance(value, Mapping):
            _xml_fill(child, value)
        else:
            child.text = _xml_text(value)


def to_xml(root: str, content: object) -> str:
    """``content`` (a list of objects, or one object) under ``<root>``."""
    element = ET.Element(root)
    if isinstance(content, list):
        for item in content:
            _xml_fill(ET.SubElement(element, LIST_ITEMS[root]), item)
    else:
        assert isinstance(content, Mapping)
        _xml_fill(element, content)
    body = ET.tostring(element, encoding="unicode")
    # ElementTree leaves carriage returns as they are, and XML parsers turn them into
    # line feeds: a character reference keeps them.
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body.replace("\r", "&#13;")


def _render(fmt: str, root: str, content: object, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, content), status_code=status, media_type=FORMATS["xml"])
    return JSONResponse(content, status_code=status)


def _error_response(fmt: str, error: Open311Error) -> Response:
    items = [{"code": error.status, "description": d} for d in error.descriptions]
    response = _render(fmt, "errors", items, error.status)
    response.headers.update(error.headers)
    return response


def _answer(
    fmt: str,
    root: str,
    produce: Callable[[], object],
    headers: Callable[[object], Mapping[str, str]] | None = None,
) -> Response:
    """Run ``produce`` and answer its content, or the errors it raised, in ``fmt``;
    ``headers`` adds headers computed from the content (a page's ``Link``)."""
    if fmt not in FORMATS:
        return _error_response("json", _format_error(fmt))
    try:
        content = produce()
    except Open311Error as error:
        return _error_response(fmt, error)
    response = _render(fmt, root, content)
    if headers is not None:
        response.headers.update(headers(content))
    return response


# -- the limits of public look-ups -----------------------------------------------------------

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 200  # a deeper page: narrow the dates instead


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def _page(page: str, page_size: str, problems: list[str]) -> Page:
    """``page`` (from 1) and ``page_size`` (at most 100); sent empty = the defaults."""
    values = []
    for name, raw, default, high in (
        ("page", page, 1, MAX_PAGE),
        ("page_size", page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    ):
        text = _given(raw)
        if text is None:
            values.append(default)
        elif not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= high:
            problems.append(f"{name}: a whole number from 1 to {high}")
            values.append(default)
        else:
            values.append(int(text))
    return Page(values[0], values[1])


def _next_link(request: Request, page: Page) -> Callable[[object], Mapping[str, str]]:
    """A ``Link: rel="next"`` header when the page was full. Relative: the address comes
    from nothing the client sent but the path and query it asked for."""

    def headers(content: object) -> Mapping[str, str]:
        if not isinstance(content, list) or len(content) < page.size:
            return {}
        query = dict(request.query_params) | {"page": str(page.number + 1)}
        target = f"{request.url.path}?{urlencode(query)}"
        return {"link": f'<{target}>; rel="next"'}

    return headers


def take_tokens(request: Request, cost: int = 1) -> None:
    """Every public look-up shares the tracking page's per-address limit; a look-up costs
    a token per report it names. ``Open311Error`` 429 when the address has used them up."""
    limiter = public_limiter(request)
    if not limiter.allow(client_address(request), cost=cost):
        seconds = limiter.retry_after(cost)
        raise Open311Error(
            429,
            f"too many look-ups from this address; try again in {seconds} seconds",
            headers={"retry-after": str(seconds)},
        )


def max_ids(request: Request) -> int:
    """How many IDs one ``requests`` call may name: never more than one address may look
    up at once."""
    return max(1, min(MAX_IDS, int(public_limiter(request).burst)))


def _format_error(fmt: str) -> Open311Error:
    return Open311Error(404, f"unknown format {fmt[:20]!r}: use .xml or .json")


def _dump(models_: Iterable[BaseModel]) -> list[dict[str, Any]]:
    return [m.model_dump(mode="json") for m in models_]


def iso(moment: datetime) -> str:
    """ISO 8601 in WIB, to the second: ``2026-03-20T14:05:09+07:00``."""
    return moment.astimezone(WIB).isoformat(timespec="seconds")


# -- parameters ------------------------------------------------------------------------------


def _given(value: str | None) -> str | None:
    """An optional parameter sent empty behaves as if left out."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def _language(locale: str | None) -> str:
    value = (_given(locale) or "").lower()
    return "en" if value[:2] == "en" else "id"


_TZ_SPACE = re.compile(r"^(.*[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")
_LEAP_SECOND = re.compile(r"(T\d{2}:\d{2}):60")
_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)


def _shift(moment: datetime, by: timedelta) -> datetime:
    try:
        return moment + by
    except OverflowError:
        return _EARLIEST if by < timedelta(0) else _LATEST


def parse_datetime(name: str, raw: str | None) -> datetime | None:
    """An ISO 8601 (RFC 3339) parameter as aware UTC; without a zone it is read as WIB. A
    ``+`` that a client forgot to escape arrives as a space and is put back."""
    if not raw:  # sent empty: left out
        return None
    value = _TZ_SPACE.sub(r"\1+\2", raw.upper())
    value = _LEAP_SECOND.sub(r"\1:59", value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Open311Error(
            400, f"{name}: not an ISO 8601 date and time (e.g. 2026-03-20T00:00:00+07:00)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WIB)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # the first or last hours of the calendar
        return _EARLIEST if moment.year == 1 else _LATEST


def date_window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime | None]:
    """The requested span of at most 90 days; the last 90 days when none is given."""
    if start is not None and end is not None:
        if end < start:
            raise Open311Error(400, "end_date: before start_date")
        if end - start > WINDOW:
            raise Open311Error(400, "start_date, end_date: may not span more than 90 days")
        return start, end
    if start is not None:
        return start, _shift(start, WINDOW)
    if end is not None:
        return _shift(end, -WINDOW), end
    return now - WINDOW, None


def _window(
    start_date: str | None, end_date: str | None, problems: list[str]
) -> tuple[datetime, datetime | None] | None:
    """The window of ``start_date``/``end_date``; None with ``problems`` added when bad."""
    dates: list[datetime | None] = []
    for name, raw in (("start_date", start_date), ("end_date", end_date)):
        try:
            dates.append(parse_datetime(name, raw))
        except Open311Error as error:
            problems.extend(error.descriptions)
    if len(dates) < 2:
        return None
    try:
        return date_window(dates[0], dates[1], datetime.now(UTC))
    except Open311Error as error:
        problems.extend(error.descriptions)
        return None


def _comma_list(raw: str | None) -> list[str]:
    value = _given(raw)
    if value is None:
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


# Every space belongs to exactly one " *", so matching is linear: the earlier
# "^ *(open|closed)?( *, *(open|closed)?)* *$" let runs of spaces split between two of
# them, and 47 characters took seconds (a hostile test froze the server with one request).
STATUS_PATTERN = "^ *((open|closed) *)?(, *((open|closed) *)?)*$"
MAX_PARAMETER = 2000  # characters of any one query parameter: the ID list is the longest


def _statuses(raw: str | None) -> tuple[str, ...] | None:
    """Internal statuses matching an Open311 ``status`` filter; None for all."""
    if not raw:
        return None
    if len(raw) > 100 or not re.fullmatch(STATUS_PATTERN, raw):
        raise Open311Error(400, "status: use open, closed or both (comma separated)")
    wanted = {part.strip(" ") for part in raw.split(",")} - {""}
    if wanted == {"open"}:
        return OPEN
    if wanted == {"closed"}:
        return CLOSED
    return None


def _tracking_id(raw: str) -> str | None:
    try:
        return tracking.parse(raw)
    except tracking.TrackingIdError:
        return None


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
    """A report the public may see (``report`` is already reduced) as Open311 shows it."""
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


def _public(store: CentralStore, views: Sequence[ComplaintView], language: str) -> list[Any]:
    timelines = store.timelines([view.id for view in views])
    return [
        service_request(
            store, disclose(view, timelines.get(view.id, []), Audience.PUBLIC), language
        )
        for view in views
    ]


def requests_by_id(store: CentralStore, ids: Sequence[str], language: str) -> list[Any]:
    """Reports named by number, newest first, as the public may see them; a confidential
    one is left out, as a number that has not arrived would be."""
    views = store.complaints_by_tracking_ids(ids)
    return _public(store, [v for v in views if known_to(v, Audience.PUBLIC)], language)


def listed_requests(
    store: CentralStore, wanted: RequestFilter, page: Page, language: str
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
    return _public(store, views, language)


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


# -- filing a request ------------------------------------------------------------------------

_HTML_TAG = re.compile(r"<\s*[/!?]?\s*[A-Za-z][^<>]*>")
_EMAIL = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+$")
_PHONE = re.compile(r"^\+62[2-9][0-9]{7,11}$")
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]*)\](\[\])?$")
_URL = re.compile(r"^https?://[^\s<>\"]+$")
FIELDS = (
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
)


@dataclass(frozen=True)
class NewRequest:
    category: Category
    complaint_type: str
    title: str
    description: str
    location: str
    lat: float | None
    long: float | None
    reporter_name: str
    phone: str
    email: str
    account_id: str | None


def parse_form(body: bytes) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Fields (the last of a repeated one wins) and ``attribute[code]`` values."""
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except ValueError:  # includes UnicodeDecodeError and too many fields
        raise Open311Error(400, "body: not a valid UTF-8 form (at most 100 fields)") from None
    fields: dict[str, str] = {}
    attributes: dict[str, list[str]] = {}
    for key, value in pairs:
        match = _ATTRIBUTE.match(key)
        if match:
            attributes.setdefault(match.group(1), []).append(value)
        else:
            fields[key] = value
    return fields, attributes


def _control_free(name: str, value: str, problems: list[str], *, lines: bool = False) -> None:
    allowed = "\t\n\r" if lines else ""
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed for ch in value):
        problems.append(f"{name}: control characters are not allowed")


def _number(name: str, raw: str, low: float, high: float, problems: list[str]) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        problems.append(f"{name}: not a number")
        return None
    if not math.isfinite(value) or not low <= value <= high:
        problems.append(f"{name}: must be between {low:g} and {high:g}")
        return None
    return value


def _phone(raw: str) -> str | None:
    digits = re.sub(r"[\s().-]", "", raw)
    if digits.startswith("0"):
        digits = "+62" + digits[1:]
    elif digits.startswith("62"):
        digits = "+" + digits
    return digits if _PHONE.match(digits) else None


def _title(description: str, fallback: str) -> str:
    words = " ".join(description.split())
    if not words:
        return fallback
    if len(words) <= MAX_TITLE:
        return words
    cut = words[: MAX_TITLE - 1]
    if " " in cut[MAX_TITLE // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:-") + "…"


def validate_request(
    store: CentralStore, fields: Mapping[str, str], attributes: Mapping[str, list[str]]
) -> NewRequest:
    """Every problem of a submitted form at once, or the report to file."""
    problems: list[str] = []
    given = {name: _given(fields.get(name)) for name in FIELDS}
    for name, value in given.items():
        if value is not None and name != "description":
            _control_free(name, value, problems)

    category = None
    code = given["service_code"]
    if code is None:
        problems.append("service_code: required")
    else:
        category = store.catalog.get(code)
        if category is None:
            problems.append("service_code: unknown service (see services.json)")

    lat = long = None
    if (given["lat"] is None) != (given["long"] is None):
        problems.append("lat, long: give both or neither")
    elif given["lat"] is not None and given["long"] is not None:
        lat = _number("lat", given["lat"], -90, 90, problems)
        long = _number("long", given["long"], -180, 180, problems)
    address = given["address_string"] or ""
    address_id = given["address_id"] or ""
    if len(address) > 200:
        problems.append("address_string: at most 200 characters")
    if len(address_id) > 100:
        problems.append("address_id: at most 100 characters")
    if given["lat"] is None and not address and not address_id:
        problems.append("location: give lat and long, address_string or address_id")

    description = (fields.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        problems.append(f"description: at most {MAX_DESCRIPTION} characters")
    if _HTML_TAG.search(description):
        problems.append("description: HTML is not allowed")
    _control_free("description", description, problems, lines=True)

    email = given["email"] or ""
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        problems.append("email: not an e-mail address")
    phone = ""
    if given["phone"] is not None:
        phone = _phone(given["phone"]) or ""
        if not phone:
            problems.append("phone: not an Indonesian phone number (e.g. 0812 3456 7890)")
    name = " ".join(part for part in (given["first_name"], given["last_name"]) if part)
    if len(name) > 100:
        problems.append("first_name, last_name: at most 100 characters together")
    for opaque in ("device_id", "account_id", "jurisdiction_id"):
        if len(given[opaque] or "") > 100:
            problems.append(f"{opaque}: at most 100 characters")
    media_url = given["media_url"]
    if media_url is not None and (len(media_url) > 2000 or not _URL.match(media_url)):
        problems.append("media_url: not an http(s) URL")

    complaint_type = "pengaduan"
    for attribute, values in attributes.items():
        if attribute != "complaint_type":
            problems.append(f"attribute[{attribute[:40]}]: unknown attribute")
            continue
        chosen = [v.strip() for v in values if v.strip()]
        if len(chosen) > 1:
            problems.append("attribute[complaint_type]: a single value")
        elif chosen and chosen[0] not in COMPLAINT_TYPES:
            problems.append("attribute[complaint_type]: one of " + ", ".join(COMPLAINT_TYPES))
        elif chosen:
            complaint_type = chosen[0]

    if problems or category is None:
        raise Open311Error(400, *problems)
    if address:
        location = address
    elif lat is not None and long is not None:
        location = f"{lat:.6f},{long:.6f}"
    else:
        location = address_id
    return NewRequest(
        category=category,
        complaint_type=complaint_type,
        title=_title(description, category.name("id")),
        description=description,
        location=location,
        lat=lat,
        long=long,
        reporter_name=name,
        phone=phone,
        email=email,
        account_id=given["account_id"],
    )


def file_request(
    store: CentralStore, body: bytes, query: Mapping[str, str], language: str
) -> list[dict[str, Any]]:
    fields, attributes = parse_form(body)
    api_key = _given(fields.get("api_key")) or _given(query.get("api_key"))
    if api_key is None or store.authenticate_client(api_key, "open311") is None:
        raise Open311Error(403, "api_key: missing or not valid")
    new = validate_request(store, fields, attributes)
    view, _secret = store.file_complaint(
        category=new.category.code,
        title=new.title,
        description=new.description,
        location=new.location,
        lat=new.lat,
        long=new.long,
        reporter_name=new.reporter_name,
        phone=new.phone,
        email=new.email,
        channel="open311",
        complaint_type=new.complaint_type,
    )
    created = RequestCreated(
        service_request_id=view.tracking_id,
        token=view.uuid,
        service_notice=_service_notice(view.tracking_id, language),
        account_id=new.account_id,
    )
    return _dump([created])


# -- routes ----------------------------------------------------------------------------------

_XML_BODY: dict[str, Any] = {"text/xml": {"schema": {"type": "string"}}}
Fmt = Annotated[
    str,
    Path(
        description="Answer format: json or xml",
        json_schema_extra={"enum": list(FORMATS)},
    ),
]
# Query parameters are documented precisely but checked here, not by FastAPI, so that a bad
# one is a 400 in the Open311 error format. Sent empty = left out.
Locale = Annotated[
    str,
    Query(
        description="Language of names and notices: id (default) or en",
    ),
]
_DATE_PARAMETER: dict[str, Any] = {"anyOf": [{"maxLength": 0}, {"format": "date-time"}]}
StartDate = Annotated[
    str,
    Query(
        description="ISO 8601 with a time zone (WIB when none); at most 90 days before "
        "end_date, else 400",
        json_schema_extra=_DATE_PARAMETER,
    ),
]
EndDate = Annotated[
    str,
    Query(
        description="ISO 8601 with a time zone (WIB when none); at most 90 days after "
        "start_date, else 400",
        json_schema_extra=_DATE_PARAMETER,
    ),
]


def _responses(model: Any, *statuses: int) -> dict[int | str, dict[str, Any]]:
    answers: dict[int | str, dict[str, Any]] = {
        200: {"model": model, "content": _XML_BODY, "description": "The answer"}
    }
    meaning = {
        400: "Bad request",
        403: "Missing or invalid api_key",
        404: "No such resource or format",
        429: "Too many look-ups from this address; see Retry-After",
    }
    for status in (*statuses, 404):
        answers[status] = {
            "model": list[ErrorItem],
            "content": _XML_BODY,
            "description": meaning[status],
        }
    return answers


@router.get("/discovery.{fmt}", responses=_responses(Discovery))
def discovery(fmt: Fmt, request: Request) -> Response:
    """Where this endpoint is and what it speaks."""

    def produce() -> object:
        # The configured public address, never the Host header a client sent.
        url = str(request.app.state.public_url).rstrip("/") + PREFIX
        return Discovery(
            changeset=CHANGESET,
            contact="Koordinator sistem pusat Posko (posko-central)",
            key_service=(
                "api_key dari koordinator sistem pusat: "
                "posko-central client add NAMA --role open311"
            ),
            endpoints=[
                DiscoveryEndpoint(
                    specification=SPECIFICATION,
                    url=url,
                    changeset=CHANGESET,
                    type="production",
                    formats=["text/xml", "application/json"],
                )
            ],
        ).model_dump(mode="json")

    return _answer(fmt, "discovery", produce)


@router.get("/services.{fmt}", responses=_responses(list[Service]))
def services(fmt: Fmt, request: Request, locale: Locale = "") -> Response:
    """The complaint categories, as Open311 services."""
    store = get_store(request)
    language = _language(locale)
    return _answer(
        fmt,
        "services",
        lambda: _dump(_service(store, c, language) for c in store.catalog.categories),
    )


@router.get("/services/{service_code}.{fmt}", responses=_responses(ServiceDefinition))
def service_definition(
    service_code: Annotated[
        str,
        Path(
            description="A service_code from services",
            json_schema_extra={"pattern": "^[A-Z0-9][A-Z0-9_-]{0,31}$"},
        ),
    ],
    fmt: Fmt,
    request: Request,
    locale: Locale = "",
) -> Response:
    """The extra fields of a service: the type of report (``complaint_type``)."""
    store = get_store(request)

    def produce() -> object:
        category = store.catalog.get(service_code)
        if category is None:
            raise _not_found("service_code")
        return _definition(category, _language(locale)).model_dump(mode="json")

    return _answer(fmt, "service_definition", produce)


_FORM_PROPERTIES: dict[str, Any] = {
    "api_key": {"type": "string", "description": "The Open311 client's key"},
    "jurisdiction_id": {"type": "string", "description": "Ignored: one jurisdiction"},
    "service_code": {"type": "string", "description": "A service_code from services"},
    "lat": {"type": "number", "minimum": -90, "maximum": 90},
    "long": {"type": "number", "minimum": -180, "maximum": 180},
    "address_string": {"type": "string", "maxLength": 200},
    "address_id": {"type": "string", "maxLength": 100},
    "email": {"type": "string", "format": "email"},
    "device_id": {"type": "string", "maxLength": 100},
    "account_id": {"type": "string", "maxLength": 100},
    "first_name": {"type": "string"},
    "last_name": {"type": "string"},
    "phone": {"type": "string", "description": "Indonesian number, e.g. 0812 3456 7890"},
    "description": {"type": "string", "maxLength": MAX_DESCRIPTION, "description": "No HTML"},
    "media_url": {"type": "string", "format": "uri"},
    "attribute[complaint_type]": {"type": "string", "enum": list(COMPLAINT_TYPES)},
}


@router.post(
    "/requests.{fmt}",
    responses=_responses(list[RequestCreated], 400, 403),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["api_key", "service_code"],
                        "properties": _FORM_PROPERTIES,
                    }
                }
            },
        }
    },
)
async def create_request(fmt: Fmt, request: Request, locale: Locale = "") -> Response:
    """File a report (``application/x-www-form-urlencoded``): ``service_code`` and one
    location (``lat`` + ``long``, ``address_string`` or ``address_id``) are needed. The
    answer's ``service_request_id`` is the tracking ID; ``token`` leads to it as well."""
    if fmt not in FORMATS:
        return _error_response("json", _format_error(fmt))
    store = get_store(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type not in ("", "application/x-www-form-urlencoded"):
            raise Open311Error(400, "body: send application/x-www-form-urlencoded")
        body = await request.body()
        content = await run_in_threadpool(
            file_request, store, body, dict(request.query_params), _language(locale)
        )
    except Open311Error as error:
        return _error_response(fmt, error)
    return _render(fmt, "service_requests", content)


@router.api_route(
    "/requests.{fmt}",
    methods=["HEAD", "OPTIONS", "PUT", "PATCH", "DELETE", "TRACE"],
    include_in_schema=False,
)
def requests_other_methods(fmt: str) -> Response:
    """GET and POST live in two routes; this one answers every other method, so the
    ``Allow`` header names both."""
    error = Open311Error(405, "method not allowed: use GET or POST")
    response = _error_response(fmt if fmt in FORMATS else "json", error)
    response.headers["allow"] = "GET, POST"
    return response


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@router.get("/tokens/{token}.{fmt}", responses=_responses(list[TokenAnswer]))
def token(
    token: Annotated[str, Path(description="The token a POST answered")],
    fmt: Fmt,
    request: Request,
) -> Response:
    """The service_request_id of a report filed through POST requests."""
    store = get_store(request)

    def produce() -> object:
        take_tokens(request)
        wanted = token.strip().lower()
        found = store.complaint_by_uuid(wanted) if _UUID.match(wanted) else None
        if found is None or not known_to(found, Audience.PUBLIC):
            raise _not_found("token")
        return _dump([TokenAnswer(service_request_id=found.tracking_id, token=wanted)])

    return _answer(fmt, "service_requests", produce)


PageNumber = Annotated[
    str, Query(description=f"Page of the list, from 1 (at most {MAX_PAGE}); 1 when left out")
]
PageSize = Annotated[
    str,
    Query(
        description=f"Reports per page, 1 to {MAX_PAGE_SIZE} ({DEFAULT_PAGE_SIZE} when left "
        "out); a full page carries a Link header to the next"
    ),
]


@router.get("/requests.{fmt}", responses=_responses(list[ServiceRequest], 400, 429))
def requests(
    fmt: Fmt,
    request: Request,
    service_request_id: Annotated[
        str,
        Query(
            description=f"Comma-separated tracking IDs (at most {MAX_IDS}; each costs one "
            "look-up of the address's limit); when given, the other filters are off"
        ),
    ] = "",
    service_code: Annotated[
        str, Query(description="A service_code, or several comma-separated")
    ] = "",
    start_date: StartDate = "",
    end_date: EndDate = "",
    status: Annotated[
        str,
        Query(
            description="open, closed, or open,closed",
            json_schema_extra={"pattern": STATUS_PATTERN},
        ),
    ] = "",
    page: PageNumber = "",
    page_size: PageSize = "",
    locale: Locale = "",
) -> Response:
    """Reports, newest first, a page at a time, of the last 90 days unless dates are given.
    Confidential reports are never listed; by number, one shows only its status."""
    store = get_store(request)
    problems: list[str] = []
    wanted_page = _page(page, page_size, problems)

    def produce() -> object:
        language = _language(locale)
        # Every parameter is checked, even those a list of IDs then overrides.
        raw_ids = _comma_list(service_request_id)
        limit = max_ids(request)
        if len(raw_ids) > limit:
            problems.append(f"service_request_id: at most {limit} IDs")
        window = _window(start_date, end_date, problems)
        statuses: tuple[str, ...] | None = None
        try:
            statuses = _statuses(status)
        except Open311Error as error:
            problems.extend(error.descriptions)
        if problems or window is None:
            raise Open311Error(400, *problems)
        take_tokens(request, max(1, len(raw_ids)))
        if raw_ids:
            ids = sorted({i for i in map(_tracking_id, raw_ids) if i is not None})
            return _dump(requests_by_id(store, ids, language))
        codes = _comma_list(service_code)
        known = [c for c in codes if store.catalog.get(c) is not None]
        if codes and not known:
            return []
        wanted = RequestFilter(
            service_codes=known, start=window[0], end=window[1], statuses=statuses
        )
        return _dump(listed_requests(store, wanted, wanted_page, language))

    link = None if _comma_list(service_request_id) else _next_link(request, wanted_page)
    return _answer(fmt, "service_requests", produce, link)


@router.get("/requests/{service_request_id}.{fmt}", responses=_responses(list[ServiceRequest], 429))
def one_request(
    service_request_id: Annotated[
        str,
        Path(
            description="A tracking ID (dashes optional)",
            json_schema_extra={"pattern": "^[0-9A-Za-z-]{9,40}$"},
        ),
    ],
    fmt: Fmt,
    request: Request,
    locale: Locale = "",
) -> Response:
    """One report, as a list of one."""
    store = get_store(request)

    def produce() -> object:
        take_tokens(request)
        compact = _tracking_id(service_request_id)
        found = requests_by_id(store, [compact], _language(locale)) if compact else []
        if not found:
            raise _not_found("service_request_id")
        return _dump(found)

    return _answer(fmt, "service_requests", produce)


@router.get("/servicerequestupdates.{fmt}", responses=_responses(list[RequestUpdate], 400, 429))
def request_updates(
    fmt: Fmt,
    request: Request,
    start_date: StartDate = "",
    end_date: EndDate = "",
    page: PageNumber = "",
    page_size: PageSize = "",
) -> Response:
    """FixMyStreet's extension: status changes in a window (the last 90 days unless dates
    are given), oldest first, a page at a time; ``external_status_code`` is the detailed
    status and ``description`` the staff's note to the citizen where the public may read
    it (empty for an anonymous report). Confidential reports are never listed."""
    store = get_store(request)
    problems: list[str] = []
    wanted_page = _page(page, page_size, problems)

    def produce() -> object:
        window = _window(start_date, end_date, problems)
        if problems or window is None:
            raise Open311Error(400, *problems)
        take_tokens(request)
        return _dump(listed_updates(store, *window, wanted_page))

    return _answer(fmt, "service_requests_updates", produce, _next_link(request, wanted_page))
