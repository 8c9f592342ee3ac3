"""Unexpected errors, logged without what they carry.

An exception's message can hold the data it was working on: PostgreSQL puts the failing row
in its ``DETAIL`` ("Failing row contains (..., Budi Santoso, +62812...)"), a driver may quote
a value it could not encode, a validation error repeats its input. Uvicorn logs whatever
escapes the application with its message and traceback. ``ErrorShield`` is the outermost
layer of the served app: it catches what escaped, answers 500 if nothing was answered yet,
and logs it through ``posko.errors.describe``: the exception's type, the SQLSTATE when
there is one, and where it happened, nothing of the report or the reporter.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from posko.errors import describe

log = logging.getLogger("posko.central.error")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Pages never load anything from elsewhere; the receipt secret travels in the URL, so the
# referrer is never sent on.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}

_MESSAGE = {"error": "internal_error", "message": "the server could not complete the request"}
_BODY = b'{"error":"internal_error","message":"the server could not complete the request"}'


def internal_error_body() -> dict[str, str]:
    return dict(_MESSAGE)


class ErrorShield:
    """Catches any exception the application lets out (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            method = str(scope.get("method", ""))[:16]
            path = str(scope.get("path", ""))[:300].encode("unicode_escape").decode("ascii")
            log.error("unexpected error in %s %s: %s", method, path, describe(exc))
            if not started:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", b"application/json"),
                            *((k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": _BODY})
