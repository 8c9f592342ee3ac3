"""The Open311 answers as documented (JSON; the XML is built from the same dicts) and the
limits and vocabularies they share: the formats, the report types, what counts as closed."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any, Literal

from pydantic import BaseModel, Field

from posko import wire

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
