"""Who and where this desk is: the answers of the first-run setup. Its own module because
the window needs it before anything else of the store (see ``desktop.store.start_card``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop.appearance import Appearance
from desktop.domain import PaperSize


@dataclass(frozen=True)
class ReceiptPrinting:
    """Where receipts go. No printer: the system print dialog asks each time. A printer: the
    receipt window's Print sends it there straight away, and with ``on_save`` saving a report
    prints its receipt at once, without the receipt window (it stays one key away)."""

    printer: str = ""  # the print queue's name, as QPrinterInfo lists it
    on_save: bool = False

    @property
    def direct(self) -> bool:
        return bool(self.printer)

    @property
    def when_saved(self) -> bool:
        return self.direct and self.on_save


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
    printing: ReceiptPrinting = field(default_factory=ReceiptPrinting)
    survey_services: tuple[str, ...] = ()  # the SKM services surveyed here (): all)
    operator_role: str = "petugas"  # desktop.store.operators.Role of the one on duty
