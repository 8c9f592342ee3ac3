"""The public look-up limit as the routes see it: the client's address and the app's one
limiter. The buckets themselves, and their SQL, are the store's (``central.store.limits``)."""

from __future__ import annotations

from starlette.requests import Request

from central.store.limits import RateLimiter

__all__ = ["RateLimiter", "client_address", "public_limiter"]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def public_limiter(request: Request) -> RateLimiter:
    """The app's one limiter of public look-ups."""
    limiter = request.app.state.track_limiter
    assert isinstance(limiter, RateLimiter)
    return limiter
