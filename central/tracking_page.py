"""The citizen's tracking page, its JSON and its SMS text (being built)."""

from fastapi import APIRouter

router = APIRouter()
