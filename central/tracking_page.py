"""The citizen's tracking page (``/t/{id}``), the same as JSON, and as an SMS reply.

A citizen scans the receipt's QR code (``/t/{ID}?k={SECRET}``) or types the ID from an SMS.
What the page may show is decided by ``central.disclosure`` (the public, or the holder of
the receipt's secret ``k``), and every format renders only that, so no format can leak what
another hides. In short: no reporter data ever; a confidential (*rahasia*) report shows
only its status and their dates without the secret; the staff's notes to the citizen need
the secret on an anonymous or confidential report; internal notes never appear.

Every look-up, in every format, takes a token from the app's rate limiter first: the check
character already turns away 28 of 29 guessed IDs, the limiter makes guessing slow.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from babel.dates import format_datetime
from fastapi import APIRouter, Query, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel, Field

from central.disclosure import Audience, Disclosed, audience, disclose, known_to
from central.i18n import LANGUAGES, N_, pick_language, translator
from central.ratelimit import RateLimiter, client_address, public_limiter
from central.store import CentralStore
from posko import tracking, wire

Translate = Callable[[str], str]  # what ``translator(lang)`` returns

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

# Jakarta has kept UTC+7 (WIB) since 1964 without daylight saving: a fixed offset is exact
# and needs no time zone database on the server.
JAKARTA = timezone(timedelta(hours=7), "WIB")
SMS_LIMIT = 160
SHOWN_INPUT_LIMIT = 40  # how much of a malformed ID is echoed back

STATUS_LABELS: dict[wire.CentralStatus, str] = {
    wire.CentralStatus.RECEIVED: N_("Received"),
    wire.CentralStatus.VERIFIED: N_("Verified"),
    wire.CentralStatus.FORWARDED: N_("Forwarded to the agency"),
    wire.CentralStatus.IN_PROGRESS: N_("Being followed up"),
    wire.CentralStatus.RESOLVED: N_("Resolved"),
    wire.CentralStatus.POSTPONED: N_("Postponed"),
    wire.CentralStatus.NOT_AUTHORITY: N_("Not within its authority (redirected)"),
    wire.CentralStatus.ARCHIVED: N_("Archived"),
}

STATUS_HELP: dict[wire.CentralStatus, str] = {
    wire.CentralStatus.RECEIVED: N_(
        "Your report has reached the central system and is waiting to be verified."
    ),
    wire.CentralStatus.VERIFIED: N_(
        "Staff have checked your report and will forward it to the responsible agency."
    ),
    wire.CentralStatus.FORWARDED: N_(
        "Your report has been forwarded to the responsible agency, which must respond by the "
        "date shown."
    ),
    wire.CentralStatus.IN_PROGRESS: N_("The agency is following up your report."),
    wire.CentralStatus.RESOLVED: N_("The agency has reported that your report is resolved."),
    wire.CentralStatus.POSTPONED: N_(
        "The follow-up of your report is on hold for now; staff will update its status."
    ),
    wire.CentralStatus.NOT_AUTHORITY: N_(
        "The matter is not within this agency's authority; your report is being redirected to "
        "the agency that can handle it."
    ),
    wire.CentralStatus.ARCHIVED: N_("Your report has been archived and is no longer followed up."),
}

TYPE_LABELS: dict[str, str] = {
    "pengaduan": N_("Complaint"),
    "aspirasi": N_("Aspiration"),
    "permintaan_informasi": N_("Request for information"),
}

MALFORMED_HINTS: dict[str, str] = {
    tracking.TrackingIdError.EMPTY: N_("No tracking number was given."),
    tracking.TrackingIdError.BAD_CHARACTER: N_(
        "It contains characters a tracking number never has: {characters}. Tracking numbers "
        "use the digits 2 to 9 and capital letters except I, L, O, U and Z."
    ),
    tracking.TrackingIdError.BAD_LENGTH: N_(
        "It has {count} characters; a tracking number usually has 9, in three groups of three "
        "like 2K7-MQA-42X."
    ),
    tracking.TrackingIdError.BAD_CHECK: N_(
        "Its last character does not match the others: one character is probably mistyped, or "
        "two neighbouring characters are swapped. Compare it with your receipt."
    ),
}

SMS_MALFORMED_HINTS: dict[str, str] = {
    tracking.TrackingIdError.EMPTY: N_("No number was given."),
    tracking.TrackingIdError.BAD_CHARACTER: N_("It has characters a tracking number never has."),
    tracking.TrackingIdError.BAD_LENGTH: N_("A tracking number usually has 9 characters."),
    tracking.TrackingIdError.BAD_CHECK: N_("One character is probably mistyped."),
}

# -- what the public may see -----------------------------------------------------------------


@dataclass(frozen=True)
class PublicStep:
    status: wire.CentralStatus
    label: str
    changed_at: datetime
    when: str
    agency: str | None
    note: str | None


@dataclass(frozen=True)
class PublicReport:
    """A received report reduced to what this request may see, in its language."""

    compact: str
    display: str
    status: wire.CentralStatus
    status_label: str
    status_help: str
    open: bool
    confidential: bool
    details_visible: bool  # title, description, location, category, type, agency
    secret_given: bool
    secret_accepted: bool
    category: str | None
    category_name: str | None
    type: str | None
    type_label: str | None
    agency: str | None
    expected_at: datetime | None
    received_at: datetime
    updated_at: datetime
    title: str | None
    description: str | None
    location: str | None
    timeline: tuple[PublicStep, ...]


@dataclass(frozen=True)
class Unknown:
    """A well-formed ID the central system has not received (yet)."""

    compact: str
    display: str


@dataclass(frozen=True)
class Malformed:
    error: tracking.TrackingIdError
    shown: str  # what was typed, cut short


def local_time(moment: datetime, lang: str) -> str:
    """``Senin, 23 November 2026 14.05 WIB``: the citizen's clock, not the server's."""
    local = _aware(moment).astimezone(JAKARTA)
    pattern = "EEEE, d MMMM y HH.mm" if lang == "id" else "EEEE, d MMMM y, HH:mm"
    return f"{format_datetime(local, pattern, locale=lang)} WIB"


def local_date(moment: datetime, lang: str) -> str:
    return str(format_datetime(_aware(moment).astimezone(JAKARTA), "EEEE, d MMMM y", locale=lang))


def short_date(moment: datetime) -> str:
    return _aware(moment).astimezone(JAKARTA).strftime("%d/%m/%Y")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def look_up(
    store: CentralStore, raw_id: str, secret: str | None, lang: str
) -> PublicReport | Unknown | Malformed:
    try:
        compact = tracking.parse(raw_id)
    except tracking.TrackingIdError as exc:
        shown = raw_id.strip()
        if len(shown) > SHOWN_INPUT_LIMIT:
            shown = shown[: SHOWN_INPUT_LIMIT - 1] + "…"
        return Malformed(exc, shown)
    view = store.complaint(compact)
    who = audience(view, secret) if view is not None else Audience.PUBLIC
    if view is None or not known_to(view, who):
        return Unknown(compact, tracking.display(compact))
    shown_report = disclose(view, store.timeline(view.id), who)
    return public_report(store, shown_report, secret_given=bool(secret), lang=lang)


def public_report(
    store: CentralStore, report: Disclosed, *, secret_given: bool, lang: str
) -> PublicReport:
    """``report`` (already reduced by ``central.disclosure``) in the citizen's language."""
    _ = translator(lang)
    category = store.catalog.get(report.category) if report.category else None
    steps = tuple(
        PublicStep(
            status=step.status,
            label=_(STATUS_LABELS[step.status]),
            changed_at=step.changed_at,
            when=local_time(step.changed_at, lang),
            agency=step.agency,
            note=step.public_note,
        )
        for step in report.timeline
    )
    category_name = None
    if report.category is not None:
        category_name = category.name(lang) if category else report.category
    return PublicReport(
        compact=report.tracking_id,
        display=tracking.display(report.tracking_id),
        status=report.status,
        status_label=_(STATUS_LABELS[report.status]),
        status_help=_(STATUS_HELP[report.status]),
        open=not report.status.closed,
        confidential=report.confidential,
        details_visible=report.content_visible,
        secret_given=secret_given,
        secret_accepted=report.audience is Audience.HOLDER,
        category=report.category,
        category_name=category_name,
        type=report.type,
        type_label=_(TYPE_LABELS[report.type]) if report.type in TYPE_LABELS else None,
        agency=report.agency,
        expected_at=report.expected_at,
        received_at=report.received_at,
        updated_at=report.updated_at,
        title=report.title,
        description=report.description,
        location=report.location,
        timeline=steps,
    )


def malformed_hint(error: tracking.TrackingIdError, shown: str, _: Translate) -> str:
    hint: str = _(MALFORMED_HINTS[error.reason])
    if error.reason == tracking.TrackingIdError.BAD_CHARACTER:
        odd = sorted(set(error.detail))[:6]
        return hint.format(characters=", ".join(f"“{ch}”" for ch in odd))
    if error.reason == tracking.TrackingIdError.BAD_LENGTH:
        return hint.format(count=len(tracking.normalize(shown)))
    return hint


# -- the SMS reply ---------------------------------------------------------------------------


def _gsm(text: str) -> str:
    """Plain ASCII: one character outside the GSM alphabet turns a 160-character SMS into a
    70-character one, so accents and typographic quotes are folded away."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(folded.split())


def _fit(text: str, limit: int = SMS_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def sms_for_report(report: PublicReport, lang: str) -> str:
    _ = translator(lang)
    last = report.timeline[-1].changed_at if report.timeline else report.updated_at
    tail = ""
    if report.open and report.details_visible:  # a confidential report's deadline is hidden
        if report.expected_at is not None:
            tail = _("Response due {date}.").format(date=short_date(report.expected_at))
        else:
            tail = _("Response date set after verification.")

    def compose(status: str) -> str:
        head = _("Report {id}: {status}, {date}.").format(
            id=report.display, status=status, date=short_date(last)
        )
        return _gsm(f"{head} {tail}")

    status = _gsm(report.status_label)
    agency = _gsm(report.agency or "")
    if not agency:
        return _fit(compose(status))
    full = compose(f"{status} ({agency})")
    if len(full) <= SMS_LIMIT:
        return full
    # A long agency name is cut, never the status or the dates.
    room = SMS_LIMIT - len(compose(f"{status} ()")) - 3
    if room >= 8:
        return _fit(compose(f"{status} ({agency[:room].rstrip()}...)"))
    return _fit(compose(status))


def sms_for_unknown(found: Unknown, lang: str) -> str:
    _ = translator(lang)
    return _fit(
        _gsm(
            _(
                "{id} is valid but not received yet; check again later. A confidential "
                "report needs its access code after the number."
            ).format(id=found.display)
        )
    )


def sms_for_malformed(found: Malformed, lang: str) -> str:
    _ = translator(lang)
    shown = _gsm(found.shown)[:20] or "-"
    text = _("{id} is not a valid tracking number. {hint} Check your receipt.").format(
        id=shown, hint=_(SMS_MALFORMED_HINTS[found.error.reason])
    )
    return _fit(_gsm(text))


# -- the JSON shapes -------------------------------------------------------------------------


class TimelineStep(BaseModel):
    status: wire.CentralStatus
    status_label: str = Field(description="The status in the requested language.")
    changed_at: datetime
    changed_at_local: str = Field(description="The time in Jakarta (WIB), for people.")
    agency: str | None = Field(
        default=None, description="The agency then in charge, when the details are visible."
    )
    note: str | None = Field(
        default=None,
        description="The staff's note to the citizen; on an anonymous or confidential report "
        "only with the receipt secret.",
    )


class TrackedReport(BaseModel):
    """A received report as the public may see it. Reporter name, phone and e-mail are never
    part of it; a confidential report's details are null unless ``k`` is its secret."""

    tracking_id: str = Field(description="Compact form, e.g. 2K7MQA42X.")
    display: str = Field(description="For reading aloud, e.g. 2K7-MQA-42X.")
    status: wire.CentralStatus
    status_label: str
    status_description: str
    open: bool = Field(description="False once resolved or archived.")
    confidential: bool
    details_visible: bool
    secret_accepted: bool = Field(description="Whether ``k`` was this report's secret.")
    category: str | None = None
    category_name: str | None = None
    type: str | None = None
    type_label: str | None = None
    agency: str | None = None
    expected_at: datetime | None = Field(
        default=None,
        description="When a response is due; null on a confidential report without the "
        "receipt secret.",
    )
    received_at: datetime
    timeline: list[TimelineStep]
    title: str | None = None
    description: str | None = None
    location: str | None = None


class UnknownReport(BaseModel):
    error: Literal["unknown"]
    valid: Literal[True]
    message: str


class MalformedId(BaseModel):
    error: Literal["malformed"]
    valid: Literal[False]
    reason: Literal["empty", "bad_character", "bad_length", "bad_check"]
    message: str


class RateLimited(BaseModel):
    error: Literal["rate_limited"]
    message: str
    retry_after: int = Field(description="Seconds to wait; also in the Retry-After header.")


def tracked_report(report: PublicReport) -> TrackedReport:
    return TrackedReport(
        tracking_id=report.compact,
        display=report.display,
        status=report.status,
        status_label=report.status_label,
        status_description=report.status_help,
        open=report.open,
        confidential=report.confidential,
        details_visible=report.details_visible,
        secret_accepted=report.secret_accepted,
        category=report.category,
        category_name=report.category_name,
        type=report.type,
        type_label=report.type_label,
        agency=report.agency,
        expected_at=report.expected_at,
        received_at=report.received_at,
        timeline=[
            TimelineStep(
                status=step.status,
                status_label=step.label,
                changed_at=step.changed_at,
                changed_at_local=step.when,
                agency=step.agency,
                note=step.note,
            )
            for step in report.timeline
        ],
        title=report.title,
        description=report.description,
        location=report.location,
    )


# -- HTTP --------------------------------------------------------------------------------------

router = APIRouter(tags=["tracking"])

_templates = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,  # every template, whatever its name: report text is never markup
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)

_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
_STATIC: dict[str, tuple[bytes, str]] = {
    path.name: (path.read_bytes(), _STATIC_TYPES[path.suffix])
    for path in sorted(STATIC_DIR.iterdir())
    if path.suffix in _STATIC_TYPES
}
# A content hash in the URL lets browsers keep the files for a long time and still see a
# new version at once.
_STATIC_DIGEST = hashlib.sha256(b"".join(body for body, _type in _STATIC.values()))
_STATIC_VERSION = _STATIC_DIGEST.hexdigest()[:10]

PRIVATE_HEADERS = {
    # The page answers for one receipt (and may hold its secret in the URL): no caches.
    "cache-control": "no-store",
    "x-robots-tag": "noindex, nofollow",
}

SecretParam = Annotated[
    str | None,
    Query(description="The receipt's secret (from the QR code): unlocks confidential details."),
]
LangParam = Annotated[
    str | None,
    Query(description="Language: id (default) or en. Anything else falls back to id."),
]


def _store(request: Request) -> CentralStore:
    store = request.app.state.store
    assert isinstance(store, CentralStore)
    return store


def _too_many(_: Translate, seconds: int) -> str:
    text: str = _("Too many look-ups from your connection. Try again in {seconds} seconds.")
    return text.format(seconds=seconds)


def _page_url(compact: str, lang: str, secret: str | None) -> str:
    query = {"lang": lang, **({"k": secret} if secret else {})}
    return f"/t/{quote(compact, safe='')}?{urlencode(query)}"


def _render(
    template: str,
    lang: str,
    status_code: int,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    _ = translator(lang)
    other = "en" if lang == "id" else "id"
    html = _templates.get_template(template).render(
        _=_,
        lang=lang,
        other_lang=other,
        other_lang_name=LANGUAGES[other],
        static=lambda name: f"/static/{name}?v={_STATIC_VERSION}",
        **context,
    )
    return HTMLResponse(
        html, status_code=status_code, headers={**PRIVATE_HEADERS, **(headers or {})}
    )


HTML_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "Not a tracking number: a page saying which kind of mistake it is.",
        "content": {"text/html": {"schema": {"type": "string"}}},
    },
    429: {
        "description": "Too many look-ups from this address; see Retry-After.",
        "content": {"text/html": {"schema": {"type": "string"}}},
    },
}


@router.get(
    "/t/{tracking_id}",
    response_class=HTMLResponse,
    summary="The citizen's tracking page (what the receipt's QR code opens)",
    responses=HTML_ERRORS,
)
def tracking_page(
    request: Request, tracking_id: str, k: SecretParam = None, lang: LangParam = None
) -> HTMLResponse:
    """A received report (200), a valid number not received yet (200, "check again later"),
    or a malformed number (404, with a hint)."""
    language = pick_language(lang)
    other = "en" if language == "id" else "id"
    _ = translator(language)
    limiter = public_limiter(request)
    if not limiter.allow(client_address(request)):
        seconds = limiter.retry_after()
        return _render(
            "limited.html",
            language,
            429,
            {"retry-after": str(seconds)},
            message=_too_many(_, seconds),
            switch_url=_page_url(tracking_id, other, k),
        )
    found = look_up(_store(request), tracking_id, k, language)
    if isinstance(found, Malformed):
        return _render(
            "invalid.html",
            language,
            404,
            shown=found.shown,
            hint=malformed_hint(found.error, found.shown, _),
            switch_url=f"/t?{urlencode({'lang': other})}",
        )
    if isinstance(found, Unknown):
        return _render(
            "pending.html",
            language,
            200,
            found=found,
            switch_url=_page_url(found.compact, other, k),
        )
    return _render(
        "report.html",
        language,
        200,
        report=found,
        expected=local_date(found.expected_at, language) if found.expected_at else None,
        switch_url=_page_url(found.compact, other, k),
    )


@router.get("/t", response_class=HTMLResponse, include_in_schema=False)
def lookup_form(
    number: str | None = None, code: str | None = None, lang: LangParam = None
) -> Response:
    """Type a number (and the access code) from an SMS or a receipt: the form sends them
    here, the page opens as the QR code would open it."""
    language = pick_language(lang)
    if number and number.strip():
        target = quote(tracking.normalize(number)[:64], safe="") or "-"
        secret = tracking.normalize(code or "")[: tracking.SECRET_LENGTH + 8]
        query = {"lang": language, **({"k": secret} if secret else {})}
        return RedirectResponse(f"/t/{target}?{urlencode(query)}", status_code=303)
    other = "en" if language == "id" else "id"
    return _render("lookup.html", language, 200, switch_url=f"/t?{urlencode({'lang': other})}")


@router.get("/static/{name}", include_in_schema=False)
def static_file(name: str) -> Response:
    found = _STATIC.get(name)
    if found is None:
        return Response(status_code=404)
    body, media_type = found
    return Response(body, media_type=media_type, headers={"cache-control": "public, max-age=86400"})


def _json_limited(_: Translate, limiter: RateLimiter) -> JSONResponse:
    seconds = limiter.retry_after()
    body = RateLimited(error="rate_limited", message=_too_many(_, seconds), retry_after=seconds)
    return JSONResponse(
        body.model_dump(),
        status_code=429,
        headers={**PRIVATE_HEADERS, "retry-after": str(seconds)},
    )


@router.get(
    "/api/v1/track/{tracking_id}",
    response_model=TrackedReport,
    summary="A report's public status as JSON",
    responses={
        400: {"model": MalformedId, "description": "Not a tracking number."},
        404: {"model": UnknownReport, "description": "A valid number not received yet."},
        429: {"model": RateLimited, "description": "Too many look-ups; see Retry-After."},
    },
)
def track_json(
    request: Request,
    response: Response,
    tracking_id: str,
    k: SecretParam = None,
    lang: LangParam = None,
) -> TrackedReport | JSONResponse:
    language = pick_language(lang)
    _ = translator(language)
    limiter = public_limiter(request)
    if not limiter.allow(client_address(request)):
        return _json_limited(_, limiter)
    found = look_up(_store(request), tracking_id, k, language)
    if isinstance(found, Malformed):
        malformed = MalformedId(
            error="malformed",
            valid=False,
            reason=found.error.reason,  # type: ignore[arg-type]  # one of the four constants
            message=malformed_hint(found.error, found.shown, _),
        )
        return JSONResponse(malformed.model_dump(), status_code=400, headers=PRIVATE_HEADERS)
    if isinstance(found, Unknown):
        unknown = UnknownReport(
            error="unknown",
            valid=True,
            message=_(
                "This number is valid, but the report has not reached the central system yet. "
                "Posts send their reports when they are online; check again later. A "
                "confidential report opens only with its receipt's access code (k)."
            ),
        )
        return JSONResponse(unknown.model_dump(), status_code=404, headers=PRIVATE_HEADERS)
    response.headers.update(PRIVATE_HEADERS)
    return tracked_report(found)


def _text(description: str) -> dict[str, Any]:
    schema = {"type": "string", "maxLength": SMS_LIMIT}
    return {"description": description, "content": {"text/plain": {"schema": schema}}}


@router.get(
    "/api/v1/track/{tracking_id}/sms",
    response_class=PlainTextResponse,
    summary="A report's status as an SMS reply (at most 160 plain characters)",
    responses={
        200: _text("The status, its date and the response deadline."),
        400: _text("Not a tracking number."),
        404: _text("A valid number not received yet."),
        429: _text("Too many look-ups; see Retry-After."),
    },
)
def track_sms(
    request: Request, tracking_id: str, k: SecretParam = None, lang: LangParam = None
) -> PlainTextResponse:
    """Never names the reporter or carries a note. A confidential report answers only with
    its access code (``k``, which the SMS gateway passes on from "NUMBER CODE")."""
    language = pick_language(lang)
    _ = translator(language)
    limiter = public_limiter(request)
    if not limiter.allow(client_address(request)):
        seconds = limiter.retry_after()
        return PlainTextResponse(
            _fit(_gsm(_too_many(_, seconds))),
            status_code=429,
            headers={**PRIVATE_HEADERS, "retry-after": str(seconds)},
        )
    found = look_up(_store(request), tracking_id, k, language)
    if isinstance(found, Malformed):
        return PlainTextResponse(
            sms_for_malformed(found, language), status_code=400, headers=PRIVATE_HEADERS
        )
    if isinstance(found, Unknown):
        return PlainTextResponse(
            sms_for_unknown(found, language), status_code=404, headers=PRIVATE_HEADERS
        )
    return PlainTextResponse(sms_for_report(found, language), headers=PRIVATE_HEADERS)
