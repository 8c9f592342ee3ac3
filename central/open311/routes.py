"""The Open311 endpoints under ``/open311/v2/``: each documents its parameters and
answers precisely and leaves the work to the package's other modules."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from central.deps import get_rules, get_store
from central.disclosure import Audience, known_to
from central.open311.filing import file_request
from central.open311.models import (
    COMPLAINT_TYPES,
    FORMATS,
    MAX_DESCRIPTION,
    MAX_IDS,
    Discovery,
    DiscoveryEndpoint,
    ErrorItem,
    RequestCreated,
    RequestUpdate,
    Service,
    ServiceDefinition,
    ServiceRequest,
    TokenAnswer,
)
from central.open311.params import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    STATUS_PATTERN,
    _comma_list,
    _language,
    _next_link,
    _page,
    _statuses,
    _tracking_id,
    _window,
    max_ids,
    take_tokens,
)
from central.open311.reading import (
    RequestFilter,
    _definition,
    _service,
    listed_requests,
    listed_updates,
    requests_by_id,
)
from central.open311.render import (
    Open311Error,
    _answer,
    _dump,
    _error_response,
    _format_error,
    _not_found,
    _render,
)

PREFIX = "/open311/v2"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-03-01T00:00:00+07:00"  # when this document last changed

router = APIRouter(prefix=PREFIX, tags=["open311"])


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
    """The complaint categories a new report may take, as Open311 services: those of the
    groups a coordinator offers (``posko-central categories``). A category no longer
    offered keeps its service definition, for the reports filed under it."""
    store = get_store(request)
    language = _language(locale)

    def produce() -> object:
        offered = store.catalog.offered(store.offered_groups())
        return _dump(_service(store, c, language) for c in offered)

    return _answer(fmt, "services", produce)


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
    "phone": {"type": "string", "description": "e.g. 0812 3456 7890, or abroad +60 12 345 6789"},
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
    agency_name = get_rules(request).agency_name
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
            return _dump(requests_by_id(store, ids, language, agency_name))
        codes = _comma_list(service_code)
        known = [c for c in codes if store.catalog.get(c) is not None]
        if codes and not known:
            return []
        wanted = RequestFilter(
            service_codes=known, start=window[0], end=window[1], statuses=statuses
        )
        return _dump(listed_requests(store, wanted, wanted_page, language, agency_name))

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
    agency_name = get_rules(request).agency_name

    def produce() -> object:
        take_tokens(request)
        compact = _tracking_id(service_request_id)
        language = _language(locale)
        found = requests_by_id(store, [compact], language, agency_name) if compact else []
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
