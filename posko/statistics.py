"""The coordinators' figures: one definition for the desk's Statistik section, its exports
and the central system's statistics page. Qt-free, and without a database: each store
answers the few aggregates of ``Source`` (SQL, grouped), and ``compute`` turns them into
the same ``Statistics`` everywhere, so the desk, a file and the central page never
disagree about what a figure means.

What the figures are:

* people reached per day (the post's calendar day), against the campaign's daily target;
* complaints per category, per agency (the one the central system assigned; none yet is
  its own bar), per status, and by deadline: closed, on time, due soon (the answer is due
  today or the next working day), overdue (its day has passed, still open), counted the
  way ``posko.workdays.deadlines`` counts LAPOR!'s working days;
* the satisfaction survey: the IKM, its grade and each element's NRR, scored as
  ``posko survey report`` scores them (``posko.survey.score_totals``);
* merchandise handed out in the period, received and left in stock.

Filters: dates and post narrow everything; the category narrows the complaints' figures,
the service the survey's.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol

from posko.campaign import Campaign
from posko.catalog import Catalog, default_catalog
from posko.i18n import N_, _
from posko.outreach import item as merchandise_item
from posko.status import CentralStatus
from posko.status import label as status_label
from posko.survey import Score, Survey, score_totals, skm_2017
from posko.survey_report import overall
from posko.workdays import ANSWER_DAYS, WIB, Calendar, deadlines, default_calendar

# What a report without an agency, or not yet at the central system, is counted as.
NOT_ASSIGNED = N_("Not assigned yet")
NOT_SENT_YET = N_("Not at the central system yet")
# The longest run of days the people chart shows (a year); a wider range keeps its last days.
MAX_DAYS = 366


@dataclass(frozen=True)
class Filters:
    """What the figures cover: days ``first`` to ``last`` (both included; None: not
    narrowed), a post's code, a category's code, a survey service's code ("" for all)."""

    first: date | None = None
    last: date | None = None
    post: str = ""
    category: str = ""
    service: str = ""


class Deadline(enum.StrEnum):
    CLOSED = "closed"
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


DEADLINE_LABELS: dict[Deadline, str] = {
    Deadline.CLOSED: N_("Closed"),
    Deadline.ON_TIME: N_("On time"),
    Deadline.DUE_SOON: N_("Due soon"),
    Deadline.OVERDUE: N_("Overdue"),
}


# A closed report is never late, however old its deadline.
CLOSED = frozenset({CentralStatus.RESOLVED.value, CentralStatus.ARCHIVED.value})


def deadline_state(
    report_type: str,
    group: str,
    received: date,
    status: str | None,
    today: date,
    calendar: Calendar | None = None,
) -> Deadline:
    """Where a report of ``report_type`` (category group ``group``) received on the WIB
    day ``received`` stands on ``today``, given its central ``status`` (None: not there
    yet). The definition, one report at a time; ``DeadlineRules`` counts many by it."""
    if status in CLOSED:
        return Deadline.CLOSED
    cal = calendar or default_calendar()
    answer_by = _answer_by(report_type, group, received, cal)
    if answer_by < today:
        return Deadline.OVERDUE
    if answer_by <= cal.add_working_days(today, 1):
        return Deadline.DUE_SOON
    return Deadline.ON_TIME


def _answer_by(report_type: str, group: str, received: date, calendar: Calendar) -> date:
    return deadlines(
        report_type, group, datetime.combine(received, time(12), WIB), calendar
    ).answer_by


@dataclass(frozen=True)
class DeadlineDays:
    """The deadline states of one report type and category group on one day, as days
    received: an open report received before ``overdue_before`` is overdue, before
    ``due_soon_before`` due soon, and on time from then on. Two days suffice because a
    report is never due before one received earlier (working days only add up)."""

    overdue_before: date
    due_soon_before: date

    def state(self, received: date) -> Deadline:
        if received < self.overdue_before:
            return Deadline.OVERDUE
        if received < self.due_soon_before:
            return Deadline.DUE_SOON
        return Deadline.ON_TIME


def _first_answered_after(report_type: str, group: str, after: date, calendar: Calendar) -> date:
    """The first day received on which a report is due after ``after`` (a binary search:
    the day due never goes back as the day received moves on)."""
    high = after + timedelta(days=1)  # due on or after the day it came
    low = after - timedelta(days=60)
    while _answer_by(report_type, group, low, calendar) > after:
        low -= timedelta(days=366)
    while (high - low).days > 1:
        middle = low + (high - low) // 2
        if _answer_by(report_type, group, middle, calendar) > after:
            high = middle
        else:
            low = middle
    return high


# (report type or None for any other, the categories it covers or None for all, the days)
Arm = tuple[str | None, frozenset[str] | None, DeadlineDays]


class DeadlineRules:
    """Every report's deadline state on ``today`` by ``deadline_state``, worked out once
    per report type and category group (``DeadlineDays``), so that a store counts many
    reports by two comparisons each: the desk over its held groups (``counted``), the
    central system in SQL (``arms``: one CASE over its complaint counts)."""

    def __init__(self, catalog: Catalog, today: date, calendar: Calendar | None = None):
        self.catalog = catalog
        self.today = today
        self.calendar = calendar or default_calendar()
        self._groups = {c.code: c.group for c in catalog.categories}
        self._days: dict[tuple[str, str], DeadlineDays] = {}
        # What a kept answer counted with these rules depends on.
        self.key = (today, self.calendar, tuple(sorted(self._groups.items())))

    def days(self, report_type: str, category: str) -> DeadlineDays:
        group = self._groups.get(category, "")
        found = self._days.get((report_type, group))
        if found is None:
            cal, today = self.calendar, self.today
            found = DeadlineDays(
                _first_answered_after(report_type, group, today - timedelta(days=1), cal),
                _first_answered_after(report_type, group, cal.add_working_days(today, 1), cal),
            )
            self._days[(report_type, group)] = found
        return found

    def state(
        self, report_type: str, category: str, received: date, status: str | None
    ) -> Deadline:
        if status in CLOSED:
            return Deadline.CLOSED
        return self.days(report_type, category).state(received)

    def counted(
        self, groups: Iterable[tuple[str, str, date, str | None, int]]
    ) -> dict[Deadline, int]:
        """Reports grouped by (type, category, WIB day received, status), per state."""
        found = dict.fromkeys(Deadline, 0)
        for report_type, category, received, status, n in groups:
            found[self.state(report_type, category, received, status)] += int(n)
        return found

    def arms(self) -> tuple[list[Arm], DeadlineDays]:
        """The days as a CASE's arms, first match wins, and what matches none: for each
        known report type, its categories whose group has days of its own, then the type
        itself; the same for any other type; the rest (unknown types and categories)."""
        arms: list[Arm] = []
        for report_type in (*ANSWER_DAYS, None):
            kind = report_type or ""
            usual = self.days(kind, "")
            special: dict[DeadlineDays, set[str]] = {}
            for code in self._groups:
                days = self.days(kind, code)
                if days != usual:
                    special.setdefault(days, set()).add(code)
            arms += [(report_type, frozenset(codes), days) for days, codes in special.items()]
            if report_type is not None:
                arms.append((report_type, None, usual))
        return arms, self.days("", "")


class Source(Protocol):
    """The aggregates a store answers for ``filters`` (each one grouped query)."""

    def people_per_day(self, filters: Filters) -> Mapping[date, int]:
        """People reached per calendar day (undos counted)."""
        ...

    def complaint_counts(self, filters: Filters, by: str) -> Mapping[str | None, int]:
        """Complaints per value of ``by``: ``category``, ``agency`` or ``status``."""
        ...

    def deadline_counts(self, filters: Filters, rules: DeadlineRules) -> Mapping[Deadline, int]:
        """Complaints per deadline state, by ``rules``."""
        ...

    def survey_totals(
        self, filters: Filters, codes: tuple[str, ...]
    ) -> Iterable[tuple[int, Mapping[str, int], Mapping[str, int]]]:
        """Per service: questionnaires, each element's sum of scores and answers."""
        ...

    def merchandise(self, filters: Filters) -> Mapping[str, tuple[int, int, int]]:
        """Per item: handed out in the period, received in all, left in stock now."""
        ...


@dataclass(frozen=True)
class Day:
    day: date
    people: int
    target: int | None  # the campaign's target for the day; None: no campaign that day


@dataclass(frozen=True)
class Count:
    key: str  # the code ("" for none)
    label: str  # in the current language
    count: int


@dataclass(frozen=True)
class Merchandise:
    item: str
    label: str
    handed_out: int
    received: int
    in_stock: int


@dataclass(frozen=True)
class Statistics:
    filters: Filters
    today: date
    people: tuple[Day, ...]
    categories: tuple[Count, ...]
    agencies: tuple[Count, ...]
    statuses: tuple[Count, ...]
    deadlines: tuple[Count, ...]  # in Deadline's order, every state present
    survey: Score
    merchandise: tuple[Merchandise, ...]
    survey_definition: Survey = field(default_factory=skm_2017, compare=False)

    @property
    def people_reached(self) -> int:
        return sum(d.people for d in self.people)

    @property
    def people_target(self) -> int | None:
        targets = [d.target for d in self.people if d.target is not None]
        return sum(targets) if targets else None

    @property
    def complaints(self) -> int:
        return sum(c.count for c in self.deadlines)

    def deadline(self, state: Deadline) -> int:
        return next(c.count for c in self.deadlines if c.key == state)


def compute(
    source: Source,
    filters: Filters,
    *,
    today: date,
    campaign: Campaign | None = None,
    catalog: Catalog | None = None,
    survey: Survey | None = None,
    calendar: Calendar | None = None,
) -> Statistics:
    """The figures of ``filters`` from ``source``, deadlines counted on ``today``."""
    chosen_catalog = catalog or default_catalog()
    chosen_survey = survey or skm_2017()
    totals = source.survey_totals(filters, chosen_survey.codes)
    score = overall(
        [score_totals(n, sums, counts, chosen_survey) for n, sums, counts in totals],
        chosen_survey,
    )
    return Statistics(
        filters=filters,
        today=today,
        people=_days(source.people_per_day(filters), filters, campaign),
        categories=_categories(source.complaint_counts(filters, "category"), chosen_catalog),
        agencies=_counts(source.complaint_counts(filters, "agency"), lambda key: key),
        statuses=_counts(source.complaint_counts(filters, "status"), _status_name, NOT_SENT_YET),
        deadlines=_deadlines(
            source.deadline_counts(filters, DeadlineRules(chosen_catalog, today, calendar))
        ),
        survey=score,
        merchandise=_merchandise(source.merchandise(filters)),
        survey_definition=chosen_survey,
    )


def _days(
    people: Mapping[date, int], filters: Filters, campaign: Campaign | None
) -> tuple[Day, ...]:
    """Every day from the first to the last of the range (the filter's, else the data's
    and the campaign's), so a day without taps shows as a zero against its target."""
    known = list(people)
    if campaign is not None:
        known += [campaign.start, campaign.end]
    if not known and not (filters.first and filters.last):
        return ()
    first = filters.first or min(known)
    last = filters.last or max(known)
    first = max(first, last - timedelta(days=MAX_DAYS - 1))
    days = []
    day = first
    while day <= last:
        target = _target(campaign, filters.post, day) if campaign else None
        days.append(Day(day, people.get(day, 0), target))
        day += timedelta(days=1)
    return tuple(days)


def _target(campaign: Campaign, post: str, day: date) -> int | None:
    """The day's target for ``post``, or for every post of the campaign together."""
    if post:
        return campaign.target(post, day)
    found = [campaign.target(code, day) for code in campaign.posts]
    known = [n for n in found if n is not None]
    return sum(known) if known else None


def _ordered(counts: Mapping[str | None, int]) -> list[tuple[str, int]]:
    """Largest first, then by code; no value is the code ""."""
    merged: dict[str, int] = {}
    for key, n in counts.items():
        merged[key or ""] = merged.get(key or "", 0) + int(n)
    return sorted(((k, n) for k, n in merged.items() if n), key=lambda kv: (-kv[1], kv[0]))


def _counts(
    counts: Mapping[str | None, int],
    name: Callable[[str], str],
    missing: str = NOT_ASSIGNED,
) -> tuple[Count, ...]:
    return tuple(Count(key, name(key) if key else _(missing), n) for key, n in _ordered(counts))


def _categories(counts: Mapping[str | None, int], catalog: Catalog) -> tuple[Count, ...]:
    def name(code: str) -> str:
        category = catalog.get(code)
        return category.name() if category else code

    return _counts(counts, name)


def _status_name(status: str) -> str:
    known = status_label(status)
    return _(known) if known else status


def _deadlines(found: Mapping[Deadline, int]) -> tuple[Count, ...]:
    return tuple(Count(s.value, _(DEADLINE_LABELS[s]), int(found.get(s, 0))) for s in Deadline)


def _merchandise(moved: Mapping[str, tuple[int, int, int]]) -> tuple[Merchandise, ...]:
    rows = []
    for code in sorted(moved):
        handed, received, stock = moved[code]
        known = merchandise_item(code)
        rows.append(Merchandise(code, known.name() if known else code, handed, received, stock))
    return tuple(rows)


__all__ = [
    "CLOSED",
    "DEADLINE_LABELS",
    "Count",
    "Day",
    "Deadline",
    "DeadlineDays",
    "DeadlineRules",
    "Filters",
    "Merchandise",
    "Source",
    "Statistics",
    "compute",
    "deadline_state",
]
