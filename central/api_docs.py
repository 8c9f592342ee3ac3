"""The API's documentation page (``/api/docs``): Swagger UI served from this server.

A post's laptop and a coordinator's office may have no internet, and every page of the
central system carries a Content-Security-Policy that allows nothing from elsewhere, so the
CDN copy FastAPI links to would never load. The Swagger UI files come from the
``fastapi-offline`` package (it ships them for exactly this); the page and its start-up
script are our own, with no inline script, under a policy of their own that allows what
Swagger UI needs from this server alone.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

router = APIRouter(include_in_schema=False)

_VENDOR = importlib.resources.files("fastapi_offline") / "static"
_OWN = Path(__file__).resolve().parent / "static" / "docs"
_FILES = {
    "swagger-ui-bundle.js": (_VENDOR / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (_VENDOR / "swagger-ui.css", "text/css"),
    "favicon.png": (_VENDOR / "favicon.png", "image/png"),
    "init.js": (_OWN / "init.js", "text/javascript"),
}
# Swagger UI draws its icons as data: images and fetches the schema from here; nothing
# else, and nothing from elsewhere (Chromium reports no violation: tests/…_browser.py).
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="/api/docs/static/favicon.png">
<link rel="stylesheet" href="/api/docs/static/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/static/swagger-ui-bundle.js"></script>
<script src="/api/docs/static/init.js"></script>
</body>
</html>
"""


def page(title: str) -> HTMLResponse:
    return HTMLResponse(
        PAGE.format(title=f"{title} – API"), headers={"content-security-policy": POLICY}
    )


@router.get("/api/docs/static/{name}")
def static_file(name: str) -> Response:
    found = _FILES.get(name)
    if found is None:
        return Response(status_code=404)
    source, media_type = found
    return Response(
        source.read_bytes(),
        media_type=media_type,
        headers={"cache-control": "public, max-age=86400"},
    )
