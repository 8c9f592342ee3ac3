"""Posko: the outreach desk for mudik posts."""

__version__ = "0.1.0"
