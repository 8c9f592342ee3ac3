"""The read-only data shipped with the program: categories, routing rules, calendars,
translations, fonts. One place that knows where it lies, frozen or not."""

from __future__ import annotations

import sys
from pathlib import Path


def assets_dir() -> Path:
    """``assets/`` beside the packages, or inside a PyInstaller bundle."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root) / "assets"
    return Path(__file__).resolve().parent.parent / "assets"
