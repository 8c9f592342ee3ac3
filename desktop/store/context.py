"""Who and where this desk is: the answers of the first-run setup. Its own module because
the window needs it before anything else of the store (see ``desktop.store.peek``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop.appearance import Appearance
from desktop.domain import PaperSize


@dataclass(frozen=True)
class DeskContext:
    """Who and where this desk is: the answers of the first-run setup."""

    post_id: int
    post_code: str
    post_name: str
    operator_id: int
    operator_name: str
    device_id: int
    tracking_prefix: str
    enrolled: bool
    central_url: str
    language: str
    paper: PaperSize
    time_zone: str = "WIB"  # the post's (posko.zones): times on receipts are in it
    appearance: Appearance = field(default_factory=Appearance)  # desktop.appearance
