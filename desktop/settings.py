"""Settings, declared once with their type and default (Picard's ``Option`` registry idea).

Values live in the profile's ``settings`` table, so a profile directory is the whole state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from desktop.appearance import TEXT_SIZES, THEMES, Appearance
from desktop.domain import PaperSize
from desktop.store.context import ReceiptPrinting
from posko.i18n import DEFAULT_LANGUAGE, LANGUAGES
from posko.zones import DEFAULT_ZONE, ZONES

T = TypeVar("T")


@dataclass(frozen=True)
class Option(Generic[T]):
    key: str
    default: T
    choices: tuple[str, ...] = ()

    def parse(self, raw: str | None) -> T:
        if raw is None:
            return self.default
        if isinstance(self.default, bool):
            return (raw == "1") if raw in ("0", "1") else self.default  # type: ignore[return-value]
        if isinstance(self.default, int):
            try:
                return int(raw)  # type: ignore[return-value]
            except ValueError:
                return self.default
        if self.choices and raw not in self.choices:
            return self.default
        return raw  # type: ignore[return-value]

    def dump(self, value: T) -> str:
        if isinstance(value, bool):
            return "1" if value else "0"
        text = str(value)
        if self.choices and text not in self.choices:
            raise ValueError(f"{self.key}: {text!r} is not one of {self.choices}")
        return text


LANGUAGE = Option("language", DEFAULT_LANGUAGE, tuple(LANGUAGES))
PAPER = Option("paper", PaperSize.THERMAL_58.value, tuple(p.value for p in PaperSize))
TIME_ZONE = Option("time_zone", DEFAULT_ZONE, tuple(ZONES))  # the post's, for receipts
# How the desk looks (desktop.appearance): remembered per profile, read before the window shows.
TEXT_SIZE = Option("text_size", "100", tuple(str(size) for size in TEXT_SIZES))
THEME = Option("theme", THEMES[0], THEMES)
# The receipt printer (a print queue name; empty: the print dialog asks each time), and
# whether saving prints at once (desktop.store.context.ReceiptPrinting).
RECEIPT_PRINTER = Option("receipt_printer", "")
PRINT_ON_SAVE = Option("print_on_save", False)
# The SKM services this post surveys (codes of posko.survey.services, comma-separated;
# empty: all of them).
SURVEY_SERVICES = Option("survey_services", "")
# The post's own survey questions (posko.survey_extra), as their definition's JSON text
# (empty: none).
SURVEY_EXTRA = Option("survey_extra", "")
# The outreach campaign and its targets (posko.campaign, as its JSON; empty: none).
CAMPAIGN = Option("campaign", "")
# True when that campaign came from the central system (a sync), which may also clear it.
CAMPAIGN_FROM_CENTRAL = Option("campaign_from_central", False)
# The kiosk's exit PIN, as its scrypt hash (desktop.survey.pin; empty: none set, and the
# kiosk does not start).
KIOSK_PIN = Option("kiosk_pin", "")
# Minutes without a key or a click before the desk locks (desktop.ui.main_window; "0":
# never). Five: long enough for a traveller's story, short for a laptop left alone.
# Days after the central system confirmed a report before the desk erases the personal
# data it no longer needs (desktop.store.retention).
RETENTION_DAYS = Option("retention_days", "30", tuple(str(n) for n in (7, 14, 30, 60, 90)))
LOCK_AFTER_MINUTES = Option("lock_after_minutes", "5", ("0", "2", "5", "10", "15", "30"))
CENTRAL_URL = Option("central_url", "")
POST_ID = Option("post_id", 0)
OPERATOR_ID = Option("operator_id", 0)
DEVICE_ID = Option("device_id", 0)
# Sync (issue 4). The device token itself is not a setting: see desktop.sync.enroll.
ENROLLED_DEVICE_ID = Option("enrolled_device_id", "")
SYNC_CURSOR = Option("sync_cursor", "0")
LAST_SYNC_AT = Option("last_sync_at", "")
# The central system's X25519 bundle key (base64, from enrollment or a sync): USB bundles
# are sealed to it (posko.bundle version 3). Empty: not known yet, bundles go in clear.
CENTRAL_BUNDLE_KEY = Option("central_bundle_key", "")


def appearance_of(values: dict[str, str]) -> Appearance:
    """The appearance stored in a profile's ``settings`` rows."""
    return Appearance(
        text_size=int(TEXT_SIZE.parse(values.get(TEXT_SIZE.key))),
        theme=THEME.parse(values.get(THEME.key)),
    )


def printing_of(values: dict[str, str]) -> ReceiptPrinting:
    """Where a profile's ``settings`` rows send receipts."""
    return ReceiptPrinting(
        printer=RECEIPT_PRINTER.parse(values.get(RECEIPT_PRINTER.key)),
        on_save=PRINT_ON_SAVE.parse(values.get(PRINT_ON_SAVE.key)),
    )


def survey_services_of(values: dict[str, str]) -> tuple[str, ...]:
    """The services a profile's post surveys (empty: every service)."""
    raw = SURVEY_SERVICES.parse(values.get(SURVEY_SERVICES.key))
    return tuple(code for code in raw.split(",") if code)
