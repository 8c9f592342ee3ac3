"""The tracking pages' HTML: the templates, the static files they link, and the headers
every answer about one receipt carries."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from central.i18n import LANGUAGES, translator
from central.ratelimit import client_address, public_limiter
from central.tracking_page.view import Translate

HERE = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

TEMPLATES = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,  # every template, whatever its name: report text is never markup
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)

STATIC_TYPES = {".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
STATIC: dict[str, tuple[bytes, str]] = {
    path.name: (path.read_bytes(), STATIC_TYPES[path.suffix])
    for path in sorted(STATIC_DIR.iterdir())
    if path.suffix in STATIC_TYPES
}
# A content hash in the URL lets browsers keep the files for a long time and still see a
# new version at once.
STATIC_DIGEST = hashlib.sha256(b"".join(body for body, _type in STATIC.values()))
STATIC_VERSION = STATIC_DIGEST.hexdigest()[:10]

PRIVATE_HEADERS = {
    # The page answers for one receipt (and may hold its secret in the URL): no caches.
    "cache-control": "no-store",
    "x-robots-tag": "noindex, nofollow",
}


def too_many(_: Translate, seconds: int) -> str:
    text: str = _("Too many look-ups from your connection. Try again in {seconds} seconds.")
    return text.format(seconds=seconds)


def limited_page(request: Request, lang: str, switch_url: str) -> HTMLResponse | None:
    """The "too many look-ups" page (429) when the public rate limit refuses this client
    one more page; None when it may have it (the token is taken)."""
    limiter = public_limiter(request)
    if limiter.allow(client_address(request)):
        return None
    seconds = limiter.retry_after()
    return render(
        "limited.html",
        lang,
        429,
        {"retry-after": str(seconds)},
        message=too_many(translator(lang), seconds),
        switch_url=switch_url,
    )


def page_url(compact: str, lang: str, secret: str | None) -> str:
    query = {"lang": lang, **({"k": secret} if secret else {})}
    return f"/t/{quote(compact, safe='')}?{urlencode(query)}"


def render(
    template: str,
    lang: str,
    status_code: int,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    _ = translator(lang)
    other = "en" if lang == "id" else "id"
    html = TEMPLATES.get_template(template).render(
        _=_,
        lang=lang,
        other_lang=other,
        other_lang_name=LANGUAGES[other],
        static=lambda name: f"/static/{name}?v={STATIC_VERSION}",
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
