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
from posko.workdays import WIB, Calendar, deadlines, default_calendar

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
    yet)."""
    if status in (CentralStatus.RESOLVED, CentralStatus.ARCHIVED):
        return Deadline.CLOSED
    cal = calendar or default_calendar()
    answer_by = deadlines(
        report_type, group, datetime.combine(received, time(12), WIB), cal
    ).answer_by
    if answer_by < today:
        return Deadline.OVERDUE
    if answer_by <= cal.add_working_days(today, 1):
        return Deadline.DUE_SOON
    return Deadline.ON_TIME


class Source(Protocol):
    """The aggregates a store answers for ``filters`` (each one grouped query)."""

    def people_per_day(self, filters: Filters) -> Mapping[date, int]:
        """People reached per calendar day (undos counted)."""
        ...

    def complaint_counts(self, filters: Filters, by: str) -> Mapping[str | None, int]:
        """Complaints per value of ``by``: ``category``, ``agency`` or ``status``."""
        ...

    def deadline_groups(self, filters: Filters) -> Iterable[tuple[str, str, date, str | None, int]]:
        """Complaints grouped by (type, category, WIB day received, status): the count."""
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
        deadlines=_deadlines(source.deadline_groups(filters), chosen_catalog, today, calendar),
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


def deadline_counts(
    groups: Iterable[tuple[str, str, date, str | None, int]],
    catalog: Catalog,
    today: date,
    calendar: Calendar | None = None,
    known: dict[tuple[str, str, date, bool], Deadline] | None = None,
) -> dict[Deadline, int]:
    """The complaints of ``deadline_groups`` per deadline state on ``today``. A state is
    worked out once per (type, category group, day, closed or not), which many groups
    share; ``known`` keeps them across calls (for the same ``today`` and calendar)."""
    found = dict.fromkeys(Deadline, 0)
    states = {} if known is None else known
    groups_of: dict[str, str] = {}
    for report_type, code, received, status, n in groups:
        group = groups_of.get(code)
        if group is None:
            category = catalog.get(code)
            group = groups_of[code] = category.group if category else ""
        closed = status in (CentralStatus.RESOLVED, CentralStatus.ARCHIVED)
        key = (report_type, group, received, closed)
        state = states.get(key)
        if state is None:
            state = deadline_state(report_type, group, received, status, today, calendar)
            states[key] = state
        found[state] += int(n)
    return found


def _deadlines(
    groups: Iterable[tuple[str, str, date, str | None, int]],
    catalog: Catalog,
    today: date,
    calendar: Calendar | None,
) -> tuple[Count, ...]:
    found = deadline_counts(groups, catalog, today, calendar)
    return tuple(Count(s.value, _(DEADLINE_LABELS[s]), found[s]) for s in Deadline)


def _merchandise(moved: Mapping[str, tuple[int, int, int]]) -> tuple[Merchandise, ...]:
    rows = []
    for code in sorted(moved):
        handed, received, stock = moved[code]
        known = merchandise_item(code)
        rows.append(Merchandise(code, known.name() if known else code, handed, received, stock))
    return tuple(rows)


__all__ = [
    "DEADLINE_LABELS",
    "Count",
    "Day",
    "Deadline",
    "Filters",
    "Merchandise",
    "Source",
    "Statistics",
    "compute",
    "deadline_counts",
    "deadline_state",
]
