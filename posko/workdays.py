"""Working days ("hari kerja") and the deadlines LAPOR! counts in them. Qt-free: the desk
prints the due date on the receipt, the central system sets it authoritatively.

A working day is a weekday that is neither a national holiday (from the maintained
``holidays`` library) nor a day of cuti bersama, the civil service's collective leave that
clusters around Lebaran. Cuti bersama changes every year by joint decree, so it is data:
``assets/calendar.json``, which a coordinator updates (and which can also turn a day back
into a working day).

Deadlines (SP4N-LAPOR!'s service standard), counted from the day after the report:
verification and forwarding within 3 working days; an answer to a complaint or an
information request within 5; a first response to an aspiration within 3; COVID-19
reports a response within 1 and a resolution within 3.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

from posko.assets import assets_dir

# The desk and the central system count days in Western Indonesia Time, where the mudik
# routes are; a report at 23.30 WIB belongs to that day, whatever the server's clock says.
WIB = timezone(timedelta(hours=7), "WIB")
COUNTRY = "ID"


class CalendarError(ValueError):
    """``assets/calendar.json`` is missing or malformed."""


@dataclass(frozen=True)
class Calendar:
    days_off: frozenset[date]  # cuti bersama
    working_days: frozenset[date]  # decreed back to work, even if a holiday or weekend

    @classmethod
    def from_file(cls, path: Path) -> Calendar:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            off = frozenset(date.fromisoformat(d["date"]) for d in raw["cuti_bersama"])
            work = frozenset(date.fromisoformat(d["date"]) for d in raw.get("working_days", []))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CalendarError(f"{path}: {exc}") from exc
        return cls(off, work)

    def is_holiday(self, day: date) -> bool:
        return day in _national_holidays(day.year)

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        return day.weekday() < 5 and day not in self.days_off and not self.is_holiday(day)

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
        if days < 0:
            raise ValueError("days must not be negative")
        current = start
        remaining = days
        while remaining:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if end <= start)."""
        count = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count


@lru_cache(maxsize=64)
def _national_holidays(year: int) -> frozenset[date]:
    import holidays

    return frozenset(holidays.country_holidays(COUNTRY, years=[year], categories=("public",)))


@lru_cache(maxsize=1)
def default_calendar() -> Calendar:
    return Calendar.from_file(assets_dir() / "calendar.json")


# -- deadlines ------------------------------------------------------------------------------

VERIFY_DAYS = 3
ANSWER_DAYS = {"pengaduan": 5, "permintaan_informasi": 5, "aspirasi": 3}
COVID_RESPOND_DAYS = 1
COVID_RESOLVE_DAYS = 3
COVID_GROUP = "covid19"


@dataclass(frozen=True)
class Deadlines:
    verify_by: date  # verified and forwarded to the agency
    answer_by: date  # the agency's answer ("tanggapan paling lambat")
    answer_days: int
    resolve_by: date | None = None  # COVID-19 reports only

    def expected_datetime(self) -> datetime:
        """The end of the answer day in WIB (Open311's ``expected_datetime``)."""
        return datetime.combine(self.answer_by, datetime.max.time().replace(microsecond=0), WIB)


def deadlines(
    report_type: str,
    category_group: str,
    received: datetime,
    calendar: Calendar | None = None,
) -> Deadlines:
    """The deadlines of a report of ``report_type`` in a category of ``category_group``,
    received at ``received`` (an aware datetime)."""
    cal = calendar or default_calendar()
    day = received.astimezone(WIB).date()
    if category_group == COVID_GROUP:
        return Deadlines(
            verify_by=cal.add_working_days(day, COVID_RESPOND_DAYS),
            answer_by=cal.add_working_days(day, COVID_RESPOND_DAYS),
            answer_days=COVID_RESPOND_DAYS,
            resolve_by=cal.add_working_days(day, COVID_RESOLVE_DAYS),
        )
    days = ANSWER_DAYS.get(report_type, ANSWER_DAYS["pengaduan"])
    return Deadlines(
        verify_by=cal.add_working_days(day, VERIFY_DAYS),
        answer_by=cal.add_working_days(day, days),
        answer_days=days,
    )
