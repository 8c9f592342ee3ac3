"""The tracking routes: the page (``/t/{id}``), the look-up form, the static files, and the
same look-up as JSON and as an SMS reply. Each takes a token from the app's rate limiter
before it looks anything up."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)

from central.i18n import pick_language, translator
from central.ratelimit import RateLimiter, client_address, public_limiter
from central.rules import RuleSet
from central.store import CentralStore
from central.tracking_page.pages import (
    HTML_ERRORS,
    PRIVATE_HEADERS,
    STATIC,
    limited_page,
    page_url,
    render,
    too_many,
)
from central.tracking_page.shapes import (
    MalformedId,
    RateLimited,
    TrackedReport,
    UnknownReport,
    tracked_report,
)
from central.tracking_page.sms import (
    SMS_LIMIT,
    fit,
    gsm,
    sms_for_malformed,
    sms_for_report,
    sms_for_unknown,
)
from central.tracking_page.view import (
    Malformed,
    Translate,
    Unknown,
    local_date,
    look_up,
    malformed_hint,
)
from posko import tracking

router = APIRouter(tags=["tracking"])


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


def _rules(request: Request) -> RuleSet:
    rules = request.app.state.rules
    assert isinstance(rules, RuleSet)
    return rules


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
    refused = limited_page(request, language, page_url(tracking_id, other, k))
    if refused is not None:
        return refused
    found = look_up(_store(request), tracking_id, k, language, _rules(request).agency_name)
    if isinstance(found, Malformed):
        return render(
            "invalid.html",
            language,
            404,
            shown=found.shown,
            hint=malformed_hint(found.error, found.shown, _),
            switch_url=f"/t?{urlencode({'lang': other})}",
        )
    if isinstance(found, Unknown):
        return render(
            "pending.html",
            language,
            200,
            found=found,
            switch_url=page_url(found.compact, other, k),
        )
    return render(
        "report.html",
        language,
        200,
        report=found,
        expected=local_date(found.expected_at, language) if found.expected_at else None,
        switch_url=page_url(found.compact, other, k),
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
    return render("lookup.html", language, 200, switch_url=f"/t?{urlencode({'lang': other})}")


@router.get("/static/{name}", include_in_schema=False)
def static_file(name: str) -> Response:
    found = STATIC.get(name)
    if found is None:
        return Response(status_code=404)
    body, media_type = found
    return Response(body, media_type=media_type, headers={"cache-control": "public, max-age=86400"})


def _json_limited(_: Translate, limiter: RateLimiter) -> JSONResponse:
    seconds = limiter.retry_after()
    body = RateLimited(error="rate_limited", message=too_many(_, seconds), retry_after=seconds)
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
    found = look_up(_store(request), tracking_id, k, language, _rules(request).agency_name)
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
            fit(gsm(too_many(_, seconds))),
            status_code=429,
            headers={**PRIVATE_HEADERS, "retry-after": str(seconds)},
        )
    found = look_up(_store(request), tracking_id, k, language, _rules(request).agency_name)
    if isinstance(found, Malformed):
        return PlainTextResponse(
            sms_for_malformed(found, language), status_code=400, headers=PRIVATE_HEADERS
        )
    if isinstance(found, Unknown):
        return PlainTextResponse(
            sms_for_unknown(found, language), status_code=404, headers=PRIVATE_HEADERS
        )
    return PlainTextResponse(sms_for_report(found, language), headers=PRIVATE_HEADERS)
