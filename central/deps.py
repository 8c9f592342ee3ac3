"""What every API route needs: the store, the rules, typed errors, and bearer-token
authentication."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from central.disclosure import StaffScope, staff_scope
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


BAD_STAFF_TOKEN = "unknown, revoked or expired staff token"


def current_staff(request: Request) -> ClientInfo:
    """The staff client of the bearer token: unknown, revoked and expired tokens are all
    the same 401 ``bad_token``."""
    client = get_store(request).authenticate_client(bearer_token(request), "staff")
    if client is None or staff_scope(client) is None:
        raise ApiError(401, "bad_token", BAD_STAFF_TOKEN)
    return client


def scope_of(client: ClientInfo) -> StaffScope:
    """``central.disclosure.staff_scope`` of a client ``current_staff`` let through."""
    scope = staff_scope(client)
    assert scope is not None
    return scope


def current_coordinator(request: Request) -> ClientInfo:
    """For the coordinators' routes (audit trails, personal-data reads, devices): an
    agency officer's token is refused with 403."""
    client = current_staff(request)
    if not scope_of(client).reads_audit:
        raise ApiError(
            403,
            "coordinator_only",
            "only a coordinator (koordinator) may use this route; an agency officer's "
            "token (petugas_instansi) may not",
        )
    return client
