"""What every API route needs: the store, the rules, typed errors, and bearer-token
authentication."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from central.rules import RuleSet
from central.store import CentralStore, ClientInfo, DeviceInfo


class ApiError(Exception):
    """An expected failure, answered as ``{"error": code, "message": text}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


async def api_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    headers = {"www-authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse(
        {"error": exc.code, "message": exc.message}, status_code=exc.status, headers=headers
    )


def get_store(request: Request) -> CentralStore:
    store = request.app.state.store
    assert isinstance(store, CentralStore)
    return store


def get_rules(request: Request) -> RuleSet:
    """The routing rules the server serves: among them the agencies' names."""
    rules = request.app.state.rules
    assert isinstance(rules, RuleSet)
    return rules


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthenticated", "a bearer token is required")
    return token.strip()


def current_device(request: Request) -> DeviceInfo:
    device = get_store(request).authenticate_device(bearer_token(request))
    if device is None:
        raise ApiError(401, "bad_token", "unknown or revoked device token")
    return device


def current_staff(request: Request) -> ClientInfo:
    client = get_store(request).authenticate_client(bearer_token(request), "staff")
    if client is None:
        raise ApiError(401, "bad_token", "unknown or revoked staff token")
    return client
