"""When the event happened, as the operator types it in one go: the traveller says "yesterday
around eight in the evening" and the operator types ``kemarin 20.00``. No Qt: the intake form
shows what this understood, and the tests read it without a display.

What is typed is the wall-clock time at the post (``posko.zones``), whatever zone the laptop
is set to. The set understood, in either language and any letter case:

* empty: not known;
* ``sekarang`` / ``now``: this minute;
* a time alone, ``14.30`` or ``14:30`` or ``9.05``: today at that time;
* ``hari ini`` / ``tadi`` / ``today`` and ``kemarin`` / ``yesterday``, then a time;
* a date then a time: ``3-12 14.30``, ``3/12 14:30``, ``03-12-2026 14:30``, ``3-12-26 14.30``,
  ``2026-12-03 14:30`` (also with ``T``), ``3 des 14.30``, ``3 Desember 2026 14.30``. A date
  without a year is the latest one not after today (``28-12`` typed on 2 January is last
  year's). ``jam``, ``pukul``, ``at`` and commas between the parts are ignored.

A date without a time is refused with a message (a report keeps an instant, not a day), as
is anything in the future beyond a few minutes' clock difference; a moment more than a month
back is accepted but flagged, so a mistyped year shows before the report is saved."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from posko.i18n import _
from posko.zones import DEFAULT_ZONE, ZONES, zone

# The laptop's clock and the traveller's "just now" may be a few minutes apart.
FUTURE_TOLERANCE = timedelta(minutes=5)
# Further back than this, the year or the month is more likely mistyped than meant.
FAR_PAST = timedelta(days=30)
EARLIEST_YEAR = 2000
# How the field writes back what it understood; ``parse_when`` reads it again.
CANONICAL = "%d-%m-%Y %H:%M"

_NOW = {"sekarang", "now"}
_TODAY = {"hari ini", "tadi", "today"}
_YESTERDAY = {"kemarin", "yesterday"}
_MONTHS = {
    **dict.fromkeys(("jan", "januari", "january"), 1),
    **dict.fromkeys(("feb", "peb", "februari", "pebruari", "february"), 2),
    **dict.fromkeys(("mar", "maret", "march"), 3),
    **dict.fromkeys(("apr", "april"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("jun", "juni", "june"), 6),
    **dict.fromkeys(("jul", "juli", "july"), 7),
    **dict.fromkeys(("agu", "agt", "ags", "agus", "agustus", "aug", "august"), 8),
    **dict.fromkeys(("sep", "sept", "september"), 9),
    **dict.fromkeys(("okt", "oktober", "oct", "october"), 10),
    **dict.fromkeys(("nov", "nop", "november", "nopember"), 11),
    **dict.fromkeys(("des", "desember", "dec", "december"), 12),
}
_TIME = r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})"
_NUMERIC_DATE = r"(?P<day>\d{1,2})[-/](?P<month>\d{1,2})(?:[-/](?P<year>\d{4}|\d{2}))?"
_ISO_DATE = r"(?P<iyear>\d{4})-(?P<imonth>\d{1,2})-(?P<iday>\d{1,2})"
_NAMED_DATE = r"(?P<nday>\d{1,2})\s+(?P<name>[a-z]+)\.?(?:\s+(?P<nyear>\d{4}))?"
_NOISE = re.compile(r",|\b(?:jam|pukul|pkl|at)\b")


@dataclass(frozen=True)
class When:
    """An understood moment: ``moment`` is aware, in the post's zone; ``far_past`` says it
    is more than ``FAR_PAST`` ago (worth a second look, not refused)."""

    moment: datetime
    far_past: bool


class WhenError(ValueError):
    """Text that does not say a usable moment; ``message`` tells the operator why, in the
    language of the desk."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_when(text: str, *, now: datetime, zone: tzinfo) -> When | None:
    """The moment ``text`` says, in ``zone`` (the post's), or ``None`` for empty text (not
    known); ``WhenError`` when it says none, or one in the future. ``now`` is aware."""
    cleaned = " ".join(_NOISE.sub(" ", text.casefold()).split())
    if not cleaned:
        return None
    local_now = now.astimezone(zone)
    moment = _moment(cleaned, text.strip(), local_now, zone)
    if moment - local_now > FUTURE_TOLERANCE:
        raise WhenError(
            _("That is still to come ({when}): the event must have happened already.").format(
                when=moment.strftime(CANONICAL)
            )
        )
    return When(moment, far_past=local_now - moment > FAR_PAST)


def canonical(moment: datetime, zone: tzinfo) -> str:
    """``03-12-2026 14:30``: how the field shows an understood moment (and reads it back)."""
    return moment.astimezone(zone).strftime(CANONICAL)


def _moment(cleaned: str, typed: str, now: datetime, zone: tzinfo) -> datetime:
    if cleaned in _NOW:
        return now.replace(second=0, microsecond=0)
    word, rest = _split_word(cleaned)
    if word is not None:
        day = now.date() - timedelta(days=1 if word in _YESTERDAY else 0)
        if not rest:
            raise _needs_time(cleaned)
        return _at(day, _time(rest), zone)
    match = re.fullmatch(_TIME, cleaned)
    if match:
        return _at(now.date(), _time(cleaned), zone)
    for pattern in (_ISO_DATE, _NUMERIC_DATE, _NAMED_DATE):
        match = re.fullmatch(rf"{pattern}(?:(?:\s+|t)(?P<rest>.+))?", cleaned)
        if match:
            day = _date(match, now.date())
            rest = match.group("rest")
            if not rest:
                raise _needs_time(cleaned)
            return _at(day, _time(rest), zone)
    raise WhenError(
        _(
            "“{text}” is not a time this field understands. Type e.g. 14.30, 3-12 14.30, "
            "03-12-2026 14:30, yesterday 20.00 or now; leave it empty if not known."
        ).format(text=typed)
    )


def _split_word(cleaned: str) -> tuple[str | None, str]:
    """``("kemarin", "20.00")`` for text that starts with a day word, else ``(None, text)``."""
    for word in sorted(_TODAY | _YESTERDAY, key=len, reverse=True):
        if cleaned == word or cleaned.startswith(word + " "):
            return word, cleaned[len(word) :].strip()
    return None, cleaned


def _needs_time(cleaned: str) -> WhenError:
    return WhenError(
        _(
            "Add the time too, e.g. “{text} 14.30”; leave the field empty if the time is not known."
        ).format(text=cleaned)
    )


def _time(text: str) -> time:
    match = re.fullmatch(_TIME, text)
    if match is None:
        raise WhenError(
            _("“{text}” is not a time of day. Type it as 14.30 or 14:30.").format(text=text)
        )
    hour, minute = int(match.group("hour")), int(match.group("minute"))
    if hour > 23 or minute > 59:
        raise WhenError(
            _("There is no {time} on a clock: hours go to 23, minutes to 59.").format(
                time=match.group(0)
            )
        )
    return time(hour, minute)


def _date(match: re.Match[str], today: date) -> date:
    groups = match.groupdict()
    if groups.get("iyear"):
        year: int | None = int(groups["iyear"])
        month, day = int(groups["imonth"]), int(groups["iday"])
    elif groups.get("name") is not None:
        name = groups["name"]
        if name not in _MONTHS:
            raise WhenError(
                _("“{name}” is not a month. Type e.g. 3 des or 3-12.").format(name=name)
            )
        month, day = _MONTHS[name], int(groups["nday"])
        year = int(groups["nyear"]) if groups.get("nyear") else None
    else:
        day, month = int(groups["day"]), int(groups["month"])
        raw_year = groups.get("year")
        year = None if raw_year is None else int(raw_year) + (2000 if len(raw_year) == 2 else 0)
    if year is not None and year < EARLIEST_YEAR:
        raise WhenError(_("Check the year: {year}.").format(year=year))
    try:
        if year is not None:
            return date(year, month, day)
        # No year: the latest such day that is not after today.
        found = date(today.year, month, day) if _exists(today.year, month, day) else None
        if found is None or found > today:
            found = _latest_before(today, month, day)
        return found
    except ValueError:
        raise WhenError(
            _("There is no day {day}-{month}: check the date.").format(day=day, month=month)
        ) from None


def _exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _latest_before(today: date, month: int, day: int) -> date:
    """The latest ``day``-``month`` in an earlier year (29-02 looks back to a leap year)."""
    for year in range(today.year - 1, today.year - 9, -1):
        if _exists(year, month, day):
            return date(year, month, day)
    raise ValueError(f"no {day}-{month}")


def _at(day: date, clock: time, zone: tzinfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone)


# -- showing times ----------------------------------------------------------------------------
# The desk's screens show times as the post's clock reads them, like its receipts: a laptop
# bought in Jakarta and used at a post in Makassar still says WIB. The window sets the zone
# from the desk's setup (``show_times_in``); one desk serves one post at a time.
_shown_zone = DEFAULT_ZONE


def show_times_in(code: str) -> None:
    """Show times in the zone ``code`` (``posko.zones``) from now on."""
    global _shown_zone
    _shown_zone = code if code in ZONES else DEFAULT_ZONE


def shown_zone() -> str:
    return _shown_zone


def post_today(now: datetime | None = None) -> tuple[datetime, datetime]:
    """Where today (the post's calendar day, in the zone shown) starts and ends, in UTC."""
    post = zone(_shown_zone)
    start = (now or datetime.now(post)).astimezone(post)
    start = start.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def post_time(moment: datetime, *, named: bool = False, short_today: bool = False) -> str:
    """``03-12-2026 14:30`` at the post (``named``: with ``WITA``; ``short_today``: the hour
    alone for a moment of today)."""
    local = moment.astimezone(zone(_shown_zone))
    text = local.strftime(CANONICAL)
    if short_today and local.date() == datetime.now(local.tzinfo).date():
        text = local.strftime("%H:%M")
    return f"{text} {_shown_zone}" if named else text
