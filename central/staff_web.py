"""The coordinators' web sign-in: the staff pages under ``/staf`` sit behind it.

A coordinator signs in at ``/staf/masuk`` with their staff key (``posko-central client add
NAME --role staff``); the central system opens a session (``central.store.staff_sessions``)
and the browser keeps its token in the ``posko_staf`` cookie: HttpOnly, SameSite=Strict,
limited to ``/staf``, Secure over https, for ``SESSION_LIFETIME``. Revoking the client ends
its sessions at once.

Staff pages take one of two dependencies:

- ``signed_in_staff`` for pages: not signed in, the browser is sent (303) to the sign-in
  form, which brings it back afterwards (``next``, only ever a ``/staf`` path);
- ``staff_download`` for files: not signed in is a plain 401, never a redirect.

A session is its client's: an agency officer's (``petugas_instansi``) pages show only what
``central.disclosure.staff_scope`` lets an officer see. The pages today are the landing
page and the statistics (aggregates without personal data or report text, for both
roles); any page listing reports must filter them through the scope.

The forms that change something (sign-in, sign-out) must come from this site's own pages:
a cross-site request (``Origin`` or ``Referer`` of another site, ``Sec-Fetch-Site``
cross-site) is refused with 403. The staff pages set ``Referrer-Policy: same-origin`` so
that their forms carry ``Origin`` (under the tracking pages' ``no-referrer`` a browser
sends ``Origin: null``). Failed sign-ins are limited per address
(``FAILURES_PER_MINUTE``); neither the key nor the session token is ever logged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from central.deps import ApiError, get_store
from central.disclosure import staff_scope
from central.forms import FormError, read_form
from central.i18n import DEFAULT_LANGUAGE, N_, pick_language, translator
from central.ratelimit import RateLimiter, client_address
from central.store import SESSION_LIFETIME, ClientInfo
from central.tracking_page.pages import PRIVATE_HEADERS, render

log = logging.getLogger("posko.central.staff")

router = APIRouter(include_in_schema=False)

COOKIE = "posko_staf"
HOME = "/staf"
SIGN_IN = "/staf/masuk"
SIGN_OUT = "/staf/keluar"
FORM_LIMIT = 4096  # bytes: the key, the language and where to go next
MAX_KEY = 200  # a staff key is 43 characters; anything this long is not one
MAX_NEXT = 500
# Five failed sign-ins a minute per address. A bucket refills within the minute, as the
# public look-ups' do, so the shared table's pruning never resets it early.
FAILURES_PER_MINUTE = 5
# Where a sign-in may lead: a /staf path of plain segments (no dots, no percent-escapes,
# no backslashes, no empty segment) and a query of URL-safe characters.
_NEXT = re.compile(r"/staf(?:/[A-Za-z0-9_-]+)*/?(?:\?[A-Za-z0-9_.~=&%+-]*)?")
# Own forms send Origin; the tracking pages' no-referrer would make it "null".
STAFF_HEADERS = {**PRIVATE_HEADERS, "referrer-policy": "same-origin"}
# The staff pages the landing page lists: (path, label).
STAFF_PAGES = ((f"{HOME}/statistik", N_("Statistics")),)

LangParam = Annotated[str | None, Query()]
NextParam = Annotated[str | None, Query(alias="next")]


class SignInRequired(Exception):
    """A staff page asked for by a browser that is not signed in; ``target`` is where the
    sign-in leads back to."""

    def __init__(self, target: str, language: str) -> None:
        super().__init__(target)
        self.target = target
        self.language = language


async def sign_in_required(_request: Request, exc: Exception) -> Response:
    """The exception handler for ``SignInRequired``: to the sign-in form."""
    assert isinstance(exc, SignInRequired)
    query = {"next": exc.target, "lang": exc.language}
    return RedirectResponse(f"{SIGN_IN}?{urlencode(query)}", 303, headers=STAFF_HEADERS)


def new_staff_limiter(engine: Engine) -> RateLimiter:
    """The failed sign-ins' limiter ``create_app`` keeps (``app.state.staff_limiter``)."""
    return RateLimiter(engine, per_minute=FAILURES_PER_MINUTE)


def staff_limiter(request: Request) -> RateLimiter:
    limiter = request.app.state.staff_limiter
    assert isinstance(limiter, RateLimiter)
    return limiter


def safe_next(raw: str | None) -> str:
    """``raw`` if it is a staff page of this site, else the landing page: never another
    site, never a path that could climb out of /staf."""
    if not raw or len(raw) > MAX_NEXT or not _NEXT.fullmatch(raw):
        return HOME
    path = raw.split("?", 1)[0].rstrip("/")
    return HOME if path in (SIGN_IN, SIGN_OUT) else raw


def _signed_in(request: Request) -> ClientInfo | None:
    """The session's client, if it is one the staff pages serve (``staff_scope``): its
    role and agency go with it, so every page shows only what that client may see."""
    token = request.cookies.get(COOKIE, "")
    client = get_store(request).staff_session(token) if token else None
    return client if client is not None and staff_scope(client) is not None else None


def signed_in_staff(request: Request) -> ClientInfo:
    """For staff pages: the signed-in client; otherwise a redirect to the sign-in form."""
    client = _signed_in(request)
    if client is None:
        query = f"?{request.url.query}" if request.url.query else ""
        language = pick_language(request.query_params.get("lang"))
        raise SignInRequired(safe_next(request.url.path + query), language)
    return client


def staff_download(request: Request) -> ClientInfo:
    """For files the staff pages offer: the signed-in client; otherwise 401."""
    client = _signed_in(request)
    if client is None:
        raise ApiError(401, "not_signed_in", "sign in to the staff pages first: /staf/masuk")
    return client


def _origin(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return "invalid"
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_site_form(request: Request) -> bool:
    """Whether a form was sent from this site's own page (see the module's docstring).
    A request with neither ``Origin`` nor ``Referer`` (not a browser's) passes: it cannot
    carry a browser's cookie against the browser's will."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    own = {_origin(str(request.base_url)), _origin(request.app.state.public_url)}
    origin = request.headers.get("origin")
    if origin is not None:
        return origin.lower() in own
    referer = request.headers.get("referer")
    return referer is None or _origin(referer) in own


def _other(language: str) -> str:
    return "en" if language == "id" else "id"


def _sign_in_page(
    language: str,
    target: str,
    status: int = 200,
    problem: str = "",
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    switch = f"{SIGN_IN}?{urlencode({'lang': _other(language), 'next': target})}"
    return render(
        "staff_sign_in.html",
        language,
        status,
        {**STAFF_HEADERS, **(headers or {})},
        action=SIGN_IN,
        next=target,
        problem=problem,
        switch_url=switch,
    )


def _refused(language: str) -> HTMLResponse:
    _ = translator(language)
    return render(
        "staff_notice.html",
        language,
        403,
        STAFF_HEADERS,
        title=_("Refused"),
        message=_("This form can only be sent from the Posko staff pages. Open them again."),
        link=f"{SIGN_IN}?{urlencode({'lang': language})}",
        switch_url=f"{SIGN_IN}?{urlencode({'lang': _other(language)})}",
    )


@router.get(SIGN_IN, response_class=HTMLResponse)
def sign_in_form(lang: LangParam = None, next_page: NextParam = None) -> HTMLResponse:
    """The sign-in form: the staff key; afterwards the browser goes on to ``next``."""
    return _sign_in_page(pick_language(lang), safe_next(next_page))


@router.post(SIGN_IN, response_class=HTMLResponse)
async def sign_in(request: Request, lang: LangParam = None) -> Response:
    """Check the staff key, open a session, set its cookie and go on (303)."""
    language = pick_language(lang)
    if not same_site_form(request):
        return _refused(language)
    readable = True
    try:
        fields = await read_form(request, FORM_LIMIT, max_fields=4)
    except FormError:  # a hand-made body, or an enormous key: a wrong key, said the same way
        fields, readable = {}, False
    language = pick_language(fields.get("lang") or lang)
    _ = translator(language)
    target = safe_next(fields.get("next"))
    if target == HOME and language != DEFAULT_LANGUAGE:
        target = f"{HOME}?{urlencode({'lang': language})}"
    key = fields.get("key", "").strip()
    if not key and readable:
        return _sign_in_page(language, target, 401, _("Type your staff key."))
    limiter = staff_limiter(request)
    address = f"staf {client_address(request)}"
    # Paid before the key is looked at, given back when it was right (``give_back``).
    if not await run_in_threadpool(limiter.allow, address):
        seconds = limiter.retry_after()
        problem = _(
            "Too many failed sign-ins from your connection. Try again in {seconds} seconds."
        )
        return _sign_in_page(
            language, target, 429, problem.format(seconds=seconds), {"retry-after": str(seconds)}
        )
    store = get_store(request)
    client = (
        await run_in_threadpool(store.authenticate_client, key, "staff")
        if readable and len(key) <= MAX_KEY
        else None
    )
    if client is not None and staff_scope(client) is None:
        client = None
    if client is None:
        log.info("staff sign-in refused")
        problem = _("This staff key is not valid, or it has been revoked.")
        return _sign_in_page(language, target, 401, problem)
    await run_in_threadpool(limiter.give_back, address)
    previous = request.cookies.get(COOKIE, "")
    if previous:  # signing in again replaces this browser's session, never adds to it
        await run_in_threadpool(store.close_staff_session, previous)
    token = await run_in_threadpool(store.open_staff_session, client.id)
    log.info("staff client %s signed in", client.id)
    response = RedirectResponse(target, 303, headers=STAFF_HEADERS)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path=HOME,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


@router.post(SIGN_OUT)
async def sign_out(request: Request, lang: LangParam = None) -> Response:
    """Close the session, clear its cookie, back to the sign-in form (303)."""
    language = pick_language(lang)
    if not same_site_form(request):
        return _refused(language)
    token = request.cookies.get(COOKIE, "")
    if token:
        await run_in_threadpool(get_store(request).close_staff_session, token)
    response = RedirectResponse(
        f"{SIGN_IN}?{urlencode({'lang': language})}", 303, headers=STAFF_HEADERS
    )
    response.delete_cookie(
        COOKIE,
        path=HOME,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


def _scope_line(client: ClientInfo, _: Callable[[str], str]) -> str:
    scope = staff_scope(client)
    if scope is None or scope.coordinator:
        return _("Coordinator: you see every report.")
    return _("Officer of {agency}: you see only that agency's reports.").format(agency=scope.agency)


@router.get(HOME, response_class=HTMLResponse)
def home(
    client: Annotated[ClientInfo, Depends(signed_in_staff)], lang: LangParam = None
) -> HTMLResponse:
    """The signed-in landing page: the staff pages, and the sign-out button."""
    language = pick_language(lang)
    _ = translator(language)
    query = urlencode({"lang": language})
    return render(
        "staff_home.html",
        language,
        200,
        STAFF_HEADERS,
        name=client.name,
        scope_line=_scope_line(client, _),
        pages=[(f"{path}?{query}", _(label)) for path, label in STAFF_PAGES],
        sign_out=f"{SIGN_OUT}?{query}",
        switch_url=f"{HOME}?{urlencode({'lang': _other(language)})}",
    )
