"""Indonesia's three time zones. A post prints and shows times in its own zone (a post in
Makassar is on WITA whatever the laptop's clock is set to); none keeps daylight saving."""

from __future__ import annotations

from datetime import timedelta, timezone

from posko.i18n import N_

ZONES: dict[str, timezone] = {
    "WIB": timezone(timedelta(hours=7), "WIB"),
    "WITA": timezone(timedelta(hours=8), "WITA"),
    "WIT": timezone(timedelta(hours=9), "WIT"),
}
DEFAULT_ZONE = "WIB"

# Where each zone holds, so the person setting a desk up can find theirs.
REGIONS = {
    "WIB": N_("WIB: Sumatra, Java, West and Central Kalimantan"),
    "WITA": N_("WITA: Bali, Nusa Tenggara, Sulawesi, South, East and North Kalimantan"),
    "WIT": N_("WIT: Maluku and Papua"),
}


def zone(code: str) -> timezone:
    """The zone for ``code`` (``WIB`` for one it does not know)."""
    return ZONES.get(code, ZONES[DEFAULT_ZONE])
