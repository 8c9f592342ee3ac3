"""Filing a report through ``POST requests``: the form (parsed here: the form parser
FastAPI would use is not a dependency), every problem of it at once, and the report filed."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from central.open311.models import (
    COMPLAINT_TYPES,
    MAX_DESCRIPTION,
    MAX_FORM_FIELDS,
    MAX_TITLE,
    RequestCreated,
)
from central.open311.params import _given
from central.open311.reading import _service_notice
from central.open311.render import Open311Error, _dump
from central.store import CentralStore
from posko.catalog import Category
from posko.phones import normalize_phone

_HTML_TAG = re.compile(r"<\s*[/!?]?\s*[A-Za-z][^<>]*>")
_EMAIL = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+$")
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


Given = Mapping[str, str | None]


def validate_request(
    store: CentralStore, fields: Mapping[str, str], attributes: Mapping[str, list[str]]
) -> NewRequest:
    """Every problem of a submitted form at once, or the report to file. Each check adds its
    problems to the list and hands back the value it cleaned; their order is the order in
    which the problems are reported."""
    problems: list[str] = []
    given = {name: _given(fields.get(name)) for name in FIELDS}
    _check_control_characters(given, problems)
    category = _check_service(store, given["service_code"], problems)
    lat, long = _check_position(given, problems)
    _check_address(given, problems)
    description = _check_description(fields.get("description"), problems)
    email = _check_email(given["email"], problems)
    phone = _check_phone(given["phone"], problems)
    name = _check_name(given["first_name"], given["last_name"], problems)
    _check_opaque_ids(given, problems)
    _check_media_url(given["media_url"], problems)
    complaint_type = _check_attributes(attributes, problems)
    if problems or category is None:
        raise Open311Error(400, *problems)
    return NewRequest(
        category=category,
        complaint_type=complaint_type,
        title=_title(description, category.name("id")),
        description=description,
        location=_location(given, lat, long),
        lat=lat,
        long=long,
        reporter_name=name,
        phone=phone,
        email=email,
        account_id=given["account_id"],
    )


def _check_control_characters(given: Given, problems: list[str]) -> None:
    """Every field but the description (which may hold line breaks, checked with it)."""
    for name, value in given.items():
        if value is not None and name != "description":
            _control_free(name, value, problems)


def _check_service(store: CentralStore, code: str | None, problems: list[str]) -> Category | None:
    if code is None:
        problems.append("service_code: required")
        return None
    category = store.catalog.get(code)
    if category is None:
        problems.append("service_code: unknown service (see services.json)")
    elif not store.catalog.is_offered(category.code, store.offered_groups()):
        problems.append("service_code: no longer offered for new reports (see services.json)")
        return None
    return category


def _check_position(given: Given, problems: list[str]) -> tuple[float | None, float | None]:
    """``lat`` and ``long``: both or neither, each in range."""
    raw_lat, raw_long = given["lat"], given["long"]
    if (raw_lat is None) != (raw_long is None):
        problems.append("lat, long: give both or neither")
        return None, None
    if raw_lat is None or raw_long is None:
        return None, None
    return (
        _number("lat", raw_lat, -90, 90, problems),
        _number("long", raw_long, -180, 180, problems),
    )


def _check_address(given: Given, problems: list[str]) -> None:
    """The address fields' lengths, and that some location was given at all."""
    address = given["address_string"] or ""
    address_id = given["address_id"] or ""
    if len(address) > 200:
        problems.append("address_string: at most 200 characters")
    if len(address_id) > 100:
        problems.append("address_id: at most 100 characters")
    if given["lat"] is None and not address and not address_id:
        problems.append("location: give lat and long, address_string or address_id")


def _check_description(raw: str | None, problems: list[str]) -> str:
    description = (raw or "").strip()
    if len(description) > MAX_DESCRIPTION:
        problems.append(f"description: at most {MAX_DESCRIPTION} characters")
    if _HTML_TAG.search(description):
        problems.append("description: HTML is not allowed")
    _control_free("description", description, problems, lines=True)
    return description


def _check_email(raw: str | None, problems: list[str]) -> str:
    email = raw or ""
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        problems.append("email: not an e-mail address")
    return email


def _check_phone(raw: str | None, problems: list[str]) -> str:
    """The number in E.164 (``+62…``, or abroad ``+60…``); "" when none was given."""
    if raw is None:
        return ""
    phone = normalize_phone(raw) or ""
    if not phone:
        problems.append("phone: not a phone number (e.g. 0812 3456 7890, or +60 12 345 6789)")
    return phone


def _check_name(first: str | None, last: str | None, problems: list[str]) -> str:
    name = " ".join(part for part in (first, last) if part)
    if len(name) > 100:
        problems.append("first_name, last_name: at most 100 characters together")
    return name


def _check_opaque_ids(given: Given, problems: list[str]) -> None:
    """Fields kept or ignored as they are, only limited in length."""
    for opaque in ("device_id", "account_id", "jurisdiction_id"):
        if len(given[opaque] or "") > 100:
            problems.append(f"{opaque}: at most 100 characters")


def _check_media_url(media_url: str | None, problems: list[str]) -> None:
    if media_url is not None and (len(media_url) > 2000 or not _URL.match(media_url)):
        problems.append("media_url: not an http(s) URL")


def _check_attributes(attributes: Mapping[str, list[str]], problems: list[str]) -> str:
    """The ``attribute[...]`` fields: only ``complaint_type``, pengaduan when left out."""
    complaint_type = "pengaduan"
    for attribute, values in attributes.items():
        if attribute != "complaint_type":
            problems.append(f"attribute[{attribute[:40]}]: unknown attribute")
            continue
        complaint_type = _check_complaint_type(values, problems) or complaint_type
    return complaint_type


def _check_complaint_type(values: list[str], problems: list[str]) -> str | None:
    """The one value of ``attribute[complaint_type]``; None when absent or refused."""
    chosen = [v.strip() for v in values if v.strip()]
    if len(chosen) > 1:
        problems.append("attribute[complaint_type]: a single value")
        return None
    if chosen and chosen[0] not in COMPLAINT_TYPES:
        problems.append("attribute[complaint_type]: one of " + ", ".join(COMPLAINT_TYPES))
        return None
    return chosen[0] if chosen else None


def _location(given: Given, lat: float | None, long: float | None) -> str:
    """What the report says of its place: the address, else the position, else the ID."""
    if given["address_string"]:
        return given["address_string"]
    if lat is not None and long is not None:
        return f"{lat:.6f},{long:.6f}"
    return given["address_id"] or ""


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
