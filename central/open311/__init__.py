"""Open311 GeoReport v2 under ``/open311/v2/`` (the endpoints are in ``routes``)."""

from central.open311.routes import WIB, router

__all__ = ["WIB", "router"]
