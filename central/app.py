"""The central system's web application: wiring happens here, once.

``create_app(store)`` builds the FastAPI app around a ``CentralStore``; the routers live in
their own modules (sync and enrollment, staff, the citizen's tracking page, Open311) and
reach the store through ``request.app.state.store``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from central import (
    api_docs,
    api_staff,
    api_sync,
    ikm_board,
    open311,
    phone_survey,
    staff_web,
    statistics_page,
    tracking_page,
)
from central.deps import ApiError, api_error_handler
from central.errors import SECURITY_HEADERS, ErrorShield, internal_error_body
from central.ratelimit import RateLimiter
from central.rules import RuleSet, rules_from_environment
from central.store import CentralStore
from posko import __version__, wire

log = logging.getLogger("posko.central.http")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


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
        if _declares_too_much(scope, self.limit):
            await _too_large(send)
            return
        guard = _BodyGuard(receive, send, self.limit)
        try:
            await self.app(scope, guard.receive, guard.send)
        except Exception:
            if not guard.too_large:
                raise
        if guard.too_large and not guard.started:
            await _too_large(send)


def _declares_too_much(scope: Scope, limit: int) -> bool:
    """A ``Content-Length`` over ``limit``, or one that is not a length at all."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                declared = -1
            if declared < 0 or declared > limit:
                return True
    return False


class _BodyGuard:
    """Counts a body as the application reads it. Past the limit the application is told
    the client went away (an exception raised from ``receive`` would come out of
    Starlette's middleware as a 500), its answer is dropped, and the 413 is sent instead."""

    def __init__(self, receive: Receive, send: Send, limit: int) -> None:
        self._receive = receive
        self._send = send
        self._limit = limit
        self.received = 0
        self.started = False
        self.too_large = False

    async def receive(self) -> Message:
        if self.too_large:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self._limit:
                self.too_large = True
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: Message) -> None:
        if self.too_large:
            return
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


async def _too_large(send: Send) -> None:
    body = b'{"error":"too_large","message":"request body too large"}'
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"connection", b"close"),
                *((k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class ErrorBody(BaseModel):
    """Every refusal of the API: a stable code for programs, a message for people."""

    error: str
    message: str


class Problem(BaseModel):
    field: str
    message: str


class InvalidRequest(ErrorBody):
    """422: the request's parameters or body do not match this schema."""

    problems: list[Problem]


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the refusals a router's routes answer (``ApiError``)."""
    return {status: {"model": ErrorBody, "description": "Refused"} for status in statuses}


def _document_validation_errors(app: FastAPI) -> None:
    """FastAPI documents 422 as its own ``HTTPValidationError``; this app answers 422 with
    ``InvalidRequest`` (see ``validation_error``), so the schema says that instead."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, model in (("InvalidRequest", InvalidRequest), ("Problem", Problem)):
            definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
            definition.pop("$defs", None)
            schemas[name] = definition
        schemas.setdefault("ErrorBody", ErrorBody.model_json_schema())
        wanted = "#/components/schemas/HTTPValidationError"
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                answer = operation.get("responses", {}).get("422", {})
                for media in answer.get("content", {}).values():
                    if media.get("schema", {}).get("$ref") == wanted:
                        media["schema"] = {"$ref": "#/components/schemas/InvalidRequest"}
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


DEFAULT_PUBLIC_URL = "http://127.0.0.1:8311"


def create_app(
    store: CentralStore,
    *,
    rate_limit_per_minute: int = 60,
    rules: RuleSet | None = None,
    public_url: str = DEFAULT_PUBLIC_URL,
    bundle_key: X25519PrivateKey | None = None,
) -> FastAPI:
    """``public_url``: where citizens and Open311 clients reach this server (the address
    announced in Open311 discovery; never taken from a request's Host header).
    ``bundle_key``: the key desks seal their USB bundles to (``central.bundle_key``); with
    none, desks are not given one and keep writing bundles in clear."""
    app = FastAPI(
        title="Posko central system",
        version=__version__,
        description=(
            "Receives reports synced from Posko desks, answers the citizen's QR code, and "
            "speaks Open311 GeoReport v2. Sync protocol version "
            f"{wire.PROTOCOL_VERSION}."
        ),
        docs_url=None,  # central.api_docs serves it, without a CDN
        redoc_url=None,
        # A slash redirect would be built from the Host header and carry the query (a
        # receipt secret) to wherever it names: /t/X/ is simply not a page.
        redirect_slashes=False,
        openapi_url="/api/openapi.json",
    )
    app.state.store = store
    app.state.public_url = public_url.rstrip("/")
    app.state.rules = rules if rules is not None else rules_from_environment()
    app.state.bundle_key = bundle_key
    app.add_exception_handler(ApiError, api_error_handler)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: Exception) -> JSONResponse:
        # Starlette's and FastAPI's own refusals (no such route, wrong method, a body that
        # is not JSON) in the same shape as every other refusal, not ``{"detail": …}``.
        assert isinstance(exc, HTTPException)
        try:
            code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
        except ValueError:
            code = "error"
        return JSONResponse(
            {"error": code, "message": str(exc.detail)},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(Exception)
    async def internal_error(_request: Request, _exc: Exception) -> JSONResponse:
        # Starlette answers with this, then lets the exception go on to the error shield,
        # which logs it without its message (central/errors.py).
        return JSONResponse(internal_error_body(), status_code=500, headers=SECURITY_HEADERS)

    @app.exception_handler(ClientDisconnect)
    async def client_gone(_request: Request, _exc: Exception) -> JSONResponse:
        # The client hung up in the middle of its body (or BodyLimit cut it off): nothing
        # was done, and nobody will read this answer; it only keeps the log free of
        # tracebacks.
        return JSONResponse(
            {"error": "disconnected", "message": "the request body was cut off"},
            status_code=400,
        )

    app.state.track_limiter = RateLimiter(store.engine, per_minute=rate_limit_per_minute)
    app.state.staff_limiter = staff_web.new_staff_limiter(store.engine)
    app.add_exception_handler(staff_web.SignInRequired, staff_web.sign_in_required)

    @app.middleware("http")
    async def headers_and_log(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        # The path only: query strings carry receipt secrets and are never logged. Control
        # characters are escaped, so a path holding %0A cannot forge log lines.
        log.info(
            "%s %s %s %.1fms",
            request.method[:16].encode("unicode_escape").decode("ascii"),
            request.url.path[:300].encode("unicode_escape").decode("ascii"),
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

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return api_docs.page(app.title)

    app.include_router(api_docs.router)
    app.include_router(api_sync.router, responses=_errors(400, 401, 409, 413, 415))
    app.include_router(api_staff.router, responses=_errors(400, 401, 403, 404))
    app.include_router(tracking_page.router)
    app.include_router(ikm_board.router)
    app.include_router(phone_survey.router)
    app.include_router(open311.router)
    app.include_router(staff_web.router)
    app.include_router(statistics_page.router)
    _document_validation_errors(app)
    return app


def asgi_app(
    store: CentralStore,
    *,
    max_body: int = wire.MAX_BODY_BYTES,
    rate_limit_per_minute: int = 60,
    rules: RuleSet | None = None,
    public_url: str = DEFAULT_PUBLIC_URL,
    bundle_key: X25519PrivateKey | None = None,
) -> ASGIApp:
    """The app behind the request-size limit and the error shield, as served."""
    app = create_app(
        store,
        rate_limit_per_minute=rate_limit_per_minute,
        rules=rules,
        public_url=public_url,
        bundle_key=bundle_key,
    )
    return ErrorShield(BodyLimit(app, max_body))
