"""Open311 GeoReport v2 (being built)."""

from fastapi import APIRouter

router = APIRouter()
