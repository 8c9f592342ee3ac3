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
* ``agency_responsible`` is the agency's name in the requested language, from the routing
  rules' catalog, as the tracking page shows it (a value the catalog does not know is
  shown as it is).

The parts: ``models`` (the answers and shared limits), ``render`` (XML/JSON and errors),
``params`` (query parameters and the look-up limit), ``reading`` (services and reports as
the public sees them), ``filing`` (``POST requests``) and ``routes`` (the endpoints).
"""

from __future__ import annotations

from central.open311.filing import NewRequest, file_request, parse_form, validate_request
from central.open311.models import WIB
from central.open311.params import date_window, parse_datetime
from central.open311.reading import service_request
from central.open311.render import Open311Error, to_xml
from central.open311.routes import PREFIX, router

__all__ = [
    "PREFIX",
    "WIB",
    "NewRequest",
    "Open311Error",
    "date_window",
    "file_request",
    "parse_datetime",
    "parse_form",
    "router",
    "service_request",
    "to_xml",
    "validate_request",
]
