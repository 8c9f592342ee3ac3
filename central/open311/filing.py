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
