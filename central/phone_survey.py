"""The SKM survey on a traveller's own phone: ``/survei/{post}/{service}``, the page the
post's QR standee opens. No account, no script, nothing asked beyond the SKM's profile.

The page is the questionnaire as the desk and the kiosk ask it (``posko.survey``'s
definition, official wording, Indonesian by default and English with ``?lang=en``): the
profile (each question may be skipped), the nine elements, the suggestions. Sent, it is
stored like a desk's (``skm_responses``), tagged self-filled and with origin ``phone``, and
scored with the rest.

One response per phone per service per day, without tracking anyone:

- the page carries a fresh questionnaire number (a random UUID); the answers are stored
  under it, so a form sent twice (a double tap, a reload) counts once;
- once sent, the browser keeps a cookie for that post and service until midnight at the
  post (WIB), holding only the day: the page then thanks instead of asking again. Nothing
  identifies the phone, and the server keeps no list of who answered; a person who clears
  the cookie can answer again, which is the price of not tracking people;
- the public rate limit (per connection, shared with the tracking pages) bounds floods.

A form with nothing answered comes back with what was chosen and a message; anything else
malformed (only a hand-made request sends it) gets a plain refusal, and nothing of its
content reaches a log."""

from __future__ import annotations

import hashlib
import uuid as uuids
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import pydantic
from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from central.forms import FormError, parse_form
from central.i18n import pick_language, translator
from central.ikm_board import POST_CODE
from central.store import CentralStore
from central.tracking_page.pages import limited_page, render
from posko import wire
from posko.survey import Service, Survey, services, skm_2017
from posko.zones import zone

router = APIRouter(tags=["survey"])

FORM_LIMIT = 16_384  # bytes: the nine answers, the profile and 2,000 characters of saran
SUGGESTION_LIMIT = 2000
POST_ZONE = zone("WIB")  # the day a cookie lasts ends at midnight WIB

PostParam = Annotated[str, Path(description="The post's code, as on its standee")]
ServiceParam = Annotated[str, Path(description="The service surveyed (posko.survey services)")]
LangParam = Annotated[
    str | None,
    Query(description="Language: id (default) or en. Anything else falls back to id."),
]


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


PAGE_ANSWERS: dict[int | str, dict[str, Any]] = {
    404: _html("Not a post's survey (an unknown post or service): a page saying so."),
}
SEND_ANSWERS: dict[int | str, dict[str, Any]] = {
    **PAGE_ANSWERS,
    400: _html("A form only a hand-made request sends: refused, nothing stored."),
    422: _html("Nothing answered: the form again, as it was filled, with a message."),
    429: _html("Too many requests from this connection; see Retry-After."),
}


def survey_path(post_code: str, service_code: str) -> str:
    return f"/survei/{quote(post_code, safe='')}/{quote(service_code, safe='')}"


def _cookie(post_code: str, service_code: str) -> str:
    """The cookie's name for one post and service (a hash: the codes' characters need no
    escaping in a cookie name)."""
    return "skm_" + hashlib.sha256(f"{post_code}/{service_code}".encode()).hexdigest()[:16]


def _today() -> str:
    return datetime.now(POST_ZONE).date().isoformat()


def _until_midnight() -> int:
    now = datetime.now(POST_ZONE)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(60, int((midnight - now).total_seconds()))


def _store(request: Request) -> CentralStore:
    store = request.app.state.store
    assert isinstance(store, CentralStore)
    return store


def _service(service_code: str) -> Service | None:
    return next((s for s in services() if s.code == service_code), None)


def _questions(survey: Survey, language: str) -> dict[str, object]:
    """What the template lays out, in ``language``."""
    return {
        "profile": [
            {
                "code": q.code,
                "name": q.name(language),
                "options": [(o.code, o.name(language)) for o in q.options],
            }
            for q in survey.profile
        ],
        "elements": [
            {
                "code": e.code,
                "name": e.name(language),
                "answers": [(str(n), e.answer(n, language)) for n in (1, 2, 3, 4)],
            }
            for e in survey.elements
        ],
    }


def _page(
    language: str,
    post_code: str,
    service: Service,
    *,
    status: int = 200,
    form_id: str = "",
    chosen: Mapping[str, str] | None = None,
    problem: str = "",
) -> HTMLResponse:
    path = survey_path(post_code, service.code)
    other = "en" if language == "id" else "id"
    return render(
        "survey.html",
        language,
        status,
        post=post_code,
        service=service.name(language),
        action=f"{path}?{urlencode({'lang': language})}",
        form_id=form_id or str(uuids.uuid4()),
        chosen=dict(chosen or {}),
        problem=problem,
        limit=SUGGESTION_LIMIT,
        survey_name=skm_2017().name(language),
        switch_url=f"{path}?{urlencode({'lang': other})}",
        questions=_questions(skm_2017(), language),
    )


def _notice(
    language: str,
    status: int,
    title: str,
    message: str,
    switch_url: str,
    *,
    post_code: str = "",
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    return render(
        "survey_done.html",
        language,
        status,
        headers,
        title=title,
        message=message,
        board=f"/ikm?{urlencode({'post': post_code, 'lang': language})}" if post_code else "",
        switch_url=switch_url,
    )


def _unknown(language: str) -> HTMLResponse:
    _ = translator(language)
    return _notice(
        language,
        404,
        _("No survey here"),
        _("This address is not a post's survey. Scan the QR code on the post's standee again."),
        f"/ikm?lang={'en' if language == 'id' else 'id'}",
    )


def _target(post: str, service: str) -> tuple[str, Service] | None:
    post_code = post.strip().upper()
    found = _service(service.strip().upper())
    if not POST_CODE.fullmatch(post_code) or found is None:
        return None
    return post_code, found


@router.get(
    "/survei/{post}/{service}",
    response_class=HTMLResponse,
    summary="SKM on a phone",
    responses=PAGE_ANSWERS,
)
def survey_page(
    request: Request, post: PostParam, service: ServiceParam, lang: LangParam = None
) -> HTMLResponse:
    """The questionnaire for one post and service, as a mobile page."""
    language = pick_language(lang)
    target = _target(post, service)
    if target is None or not _store(request).post_known(target[0]):
        return _unknown(language)
    post_code, found = target
    if request.cookies.get(_cookie(post_code, found.code)) == _today():
        return _already(language, post_code, found)
    return _page(language, post_code, found)


def _already(language: str, post_code: str, service: Service) -> HTMLResponse:
    _ = translator(language)
    other = "en" if language == "id" else "id"
    return _notice(
        language,
        200,
        _("Already answered today"),
        _("This phone has already answered the survey about {service} today. Thank you!").format(
            service=service.name(language)
        ),
        f"{survey_path(post_code, service.code)}?lang={other}",
        post_code=post_code,
    )


class _Refused(Exception):
    """A form only a hand-made request sends."""


class _NothingAnswered(Exception):
    """No element answered: a person may well send that; the form comes back."""


def _form(body: bytes) -> dict[str, str]:
    try:
        return parse_form(body, max_fields=40)
    except FormError:
        raise _Refused from None


def _record(fields: Mapping[str, str], post_code: str, service: Service) -> wire.SkmResponsePayload:
    """The questionnaire the form holds, or ``_Refused``, or ``_NothingAnswered``."""
    survey = skm_2017()
    answers = {}
    for code in survey.codes:
        value = fields.get(code, "")
        if value not in ("", "1", "2", "3", "4"):
            raise _Refused
        if value:
            answers[code] = int(value)
    profile = {}
    for question in survey.profile:
        value = fields.get(question.code, "")
        if value and question.option(value) is None:
            raise _Refused
        profile[question.code] = value
    suggestion = fields.get("saran", "").strip()
    if len(suggestion) > SUGGESTION_LIMIT:
        raise _Refused
    if not answers:
        raise _NothingAnswered
    try:
        return wire.SkmResponsePayload.model_validate(
            {
                "uuid": fields.get("id", ""),
                "post_code": post_code,
                "service_code": service.code,
                "answers": answers,
                "respondent": profile,
                "suggestion": suggestion,
                "self_filled": True,
                "created_at": datetime.now(UTC),
            }
        )
    except pydantic.ValidationError:  # the form's number, control characters
        raise _Refused from None


@router.post(
    "/survei/{post}/{service}",
    response_class=HTMLResponse,
    summary="Send SKM answers",
    responses=SEND_ANSWERS,
)
async def survey_answers(
    request: Request, post: PostParam, service: ServiceParam, lang: LangParam = None
) -> HTMLResponse:
    """Store one questionnaire from the form (``application/x-www-form-urlencoded``)."""
    language = pick_language(lang)
    _ = translator(language)
    refused = limited_page(request, language, f"/ikm?lang={'en' if language == 'id' else 'id'}")
    if refused is not None:
        return refused
    target = _target(post, service)
    store = _store(request)
    if target is None or not await run_in_threadpool(store.post_known, target[0]):
        return _unknown(language)
    post_code, found = target
    if request.cookies.get(_cookie(post_code, found.code)) == _today():
        return _already(language, post_code, found)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    fields: dict[str, str] = {}
    try:
        if content_type != "application/x-www-form-urlencoded" or len(body) > FORM_LIMIT:
            raise _Refused
        fields = _form(body)
        record = _record(fields, post_code, found)
    except _Refused:
        return _notice(
            language,
            400,
            _("The answers could not be read"),
            _("Open the survey again from the post's QR code and send it from there."),
            f"{survey_path(post_code, found.code)}?lang={'en' if language == 'id' else 'id'}",
        )
    except _NothingAnswered:  # the form again, as it was filled
        return _page(
            language,
            post_code,
            found,
            status=422,
            form_id=fields.get("id", ""),
            chosen=fields,
            problem=_("Answer at least one of the nine questions, then send again."),
        )
    await run_in_threadpool(store.add_phone_response, record)
    response = _notice(
        language,
        200,
        _("Thank you!"),
        _("Your answers about {service} are counted with the others of post {post}.").format(
            service=found.name(language), post=post_code
        ),
        f"{survey_path(post_code, found.code)}?lang={'en' if language == 'id' else 'id'}",
        post_code=post_code,
    )
    response.set_cookie(
        _cookie(post_code, found.code),
        _today(),
        max_age=_until_midnight(),
        path=survey_path(post_code, found.code),
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="lax",
    )
    return response


@router.api_route(
    "/survei/{post}/{service}",
    methods=["HEAD", "OPTIONS", "PUT", "PATCH", "DELETE", "TRACE"],
    include_in_schema=False,
)
def survey_other_methods(post: PostParam, service: ServiceParam) -> Response:
    """GET and POST live in two routes; this one answers every other method, so the
    ``Allow`` header names both."""
    return Response(status_code=405, headers={"allow": "GET, POST"})


__all__ = ["router", "survey_path"]
