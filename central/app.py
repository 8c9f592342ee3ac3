"""The central system's web application: wiring happens here, once.

``create_app(store)`` builds the FastAPI app around a ``CentralStore``; the routers live in
their own modules (sync and enrollment, staff, the citizen's tracking page, Open311) and
reach the store through ``request.app.state.store``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from central import api_staff, api_sync, open311, tracking_page
from central.deps import ApiError, api_error_handler
from central.ratelimit import RateLimiter
from central.store import CentralStore
from desktop import __version__, wire

log = logging.getLogger("posko.central.http")

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


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes with 413, whether or not the client
    announced the length, before the application reads them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > self.limit:
                    await _too_large(send)
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await _too_large(send)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send) -> None:
    body = b'{"error":"too_large","message":"request body too large"}'
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_app(store: CentralStore, *, rate_limit_per_minute: int = 60) -> FastAPI:
    app = FastAPI(
        title="Posko central system",
        version=__version__,
        description=(
            "Receives reports synced from Posko desks, answers the citizen's QR code, and "
            "speaks Open311 GeoReport v2. Sync protocol version "
            f"{wire.PROTOCOL_VERSION}."
        ),
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.store = store
    app.add_exception_handler(ApiError, api_error_handler)
    app.state.track_limiter = RateLimiter(per_minute=rate_limit_per_minute)

    @app.middleware("http")
    async def headers_and_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        # The path only: query strings carry receipt secrets and are never logged.
        log.info(
            "%s %s %s %.1fms",
            request.method,
            request.url.path,
            response.status_code,
            (time.perf_counter() - start) * 1000,
        )
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ".".join(str(p) for p in error.get("loc", ())),
                "message": str(error.get("msg", "")),
            }
            for error in exc.errors()[:20]
        ]
        return JSONResponse(
            {"error": "invalid", "message": "the request is not valid", "problems": problems},
            status_code=422,
        )

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness and database reachability (the desk's connectivity probe uses it)."""
        store.count(())
        return {"status": "ok", "version": __version__}

    app.include_router(api_sync.router)
    app.include_router(api_staff.router)
    app.include_router(tracking_page.router)
    app.include_router(open311.router)
    return app


def asgi_app(
    store: CentralStore, *, max_body: int = wire.MAX_BODY_BYTES, rate_limit_per_minute: int = 60
) -> ASGIApp:
    """The app behind the request-size limit, as served."""
    return BodyLimit(create_app(store, rate_limit_per_minute=rate_limit_per_minute), max_body)
