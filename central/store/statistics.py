"""The coordinators' statistics over every post: the central system's answers to
``posko.statistics.Source`` (the figures' one definition), a per-post breakdown, and the
campaign the figures are measured against.

Each figure is one grouped SQL query over the period (WIB days, the central system's
calendar), grouped by post as well, so that the page's figures and its per-post table come
from the same rows. The complaints take two, both over ``complaint_counts`` (the counts
per post, WIB day, device, type, category, status and agency that triggers keep,
migration 0011), never the complaints themselves: every complaint per (post, category,
status, agency); and every complaint per (post, deadline state), the state worked out in
the query by ``posko.statistics.DeadlineRules`` (a CASE on status, type, category and
day), so no open complaint's day comes back to Python. Each answer is kept
(``AggregateCache``) until a newer row arrives in a table it reads: the key holds the
newest row of that table (complaints by id and by last change, questionnaires, tallies,
stock movements), so a kept answer is never stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Date, and_, case, delete, func, insert, literal, select, true, union_all

from central import models
from central.store.outreach import wib_day
from central.store.survey import SkmReports, SkmSelection
from posko.campaign import Campaign
from posko.catalog import Catalog
from posko.outreach import MERCHANDISE, PEOPLE_REACHED
from posko.statistics import Deadline, DeadlineRules, Filters
from posko.survey import score_totals, skm_2017
from posko.survey_report import Totals, overall
from posko.workdays import WIB, Calendar

CAMPAIGN = "campaign"
_ANY_DAY = date(2000, 1, 1)  # a row without a day (none should be)
T = TypeVar("T")


class Newest(NamedTuple):
    """The newest row of each table the figures read (an index's last entry each)."""

    complaints: tuple[Any, Any]  # the highest id and the latest change (a status moved)
    survey: Any
    tallies: Any
    stock: Any


@dataclass(frozen=True)
class PostFigures:
    """One line of the per-post breakdown."""

    post: str
    people: int
    people_target: int | None  # the campaign's, over the period's days; None: no campaign
    complaints: int
    overdue: int
    respondents: int
    ikm: float | None
    handed_out: int


class AggregateCache:
    """The last answers of the grouped queries, by (newest rows, query, filters)."""

    def __init__(self, size: int = 256) -> None:
        self._kept: OrderedDict[Hashable, Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Hashable, work: Callable[[], T]) -> T:
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                found: T = self._kept[key]
                return found
        value = work()
        with self._lock:
            self._kept[key] = value
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return value


# Which table's newest row each kept answer depends on.
_READS = {
    "totals": "complaints",
    "counts": "complaints",
    "post_deadlines": "complaints",
    "people": "tallies",
    "survey": "survey",
    "merchandise": "merchandise",
}


def _for_complaints(filters: Filters) -> Filters:
    """What narrows the complaints' figures (not the survey's service)."""
    return Filters(filters.first, filters.last, filters.post, filters.category)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=WIB).astimezone(UTC)


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


class CentralSource:
    """``posko.statistics.Source`` over every post's rows (``Filters.post`` narrows to
    one), and the per-post breakdown from the same grouped answers."""

    def __init__(self, store: StatisticsReports, version: Newest, cache: AggregateCache):
        self.store = store
        self.version = version
        self.cache = cache

    # -- narrowing -----------------------------------------------------------------------

    def _narrowed(self, query: Any, table: Any, filters: Filters, *, dates: bool = True) -> Any:
        if dates and filters.first is not None:
            query = query.where(table.created_at >= _start_of(filters.first))
        if dates and filters.last is not None:
            query = query.where(table.created_at < _start_of(filters.last + timedelta(days=1)))
        if filters.post:
            query = query.where(table.post_code == filters.post)
        return query

    def _kept(self, name: str, filters: Filters, work: Callable[[], T], *extra: Hashable) -> T:
        """``work``'s answer, kept until a newer row arrives in a table it reads."""
        newest = self.version
        versions = {
            "complaints": newest.complaints,
            "tallies": newest.tallies,
            "survey": newest.survey,
            "merchandise": (newest.tallies, newest.stock),
        }
        return self.cache.get((name, extra, filters, versions[_READS[name]]), work)

    def _rows(self, query: Any) -> list[Any]:
        with self.store.session() as session:
            return list(session.execute(query).all())

    def _day(self, column: Any) -> Any:
        return wib_day(self.store.engine.dialect.name, column)

    # -- the grouped answers (kept) ------------------------------------------------------

    def totals(self, filters: Filters) -> Mapping[tuple[str, str, str, str], int]:
        """Complaints per (post, category, status, agency), summed from ``complaint_counts``."""
        narrowed = _for_complaints(filters)
        return self._kept("totals", narrowed, lambda: self._totals(narrowed))

    def _totals(self, filters: Filters) -> Mapping[tuple[str, str, str, str], int]:
        table = models.ComplaintCount
        keys = (table.post_code, table.category, table.status, table.agency)
        query = self._counted(select(*keys, func.sum(table.complaints)).group_by(*keys), filters)
        found = self._rows(query.having(func.sum(table.complaints) > 0))
        return {(p, c, s, a): int(n) for p, c, s, a, n in found}

    def post_deadlines(
        self, filters: Filters, rules: DeadlineRules
    ) -> Mapping[str, Mapping[Deadline, int]]:
        """Per post, its complaints per deadline state by ``rules``."""
        narrowed = _for_complaints(filters)
        return self._kept(
            "post_deadlines", narrowed, lambda: self._post_deadlines(narrowed, rules), rules.key
        )

    def _post_deadlines(
        self, filters: Filters, rules: DeadlineRules
    ) -> Mapping[str, Mapping[Deadline, int]]:
        """One grouped query over ``complaint_counts``: each row's state is a CASE on its
        status, type, category and day (``DeadlineRules.arms``), so what comes back is a
        few rows per post, not the open complaints' days."""
        table = models.ComplaintCount
        arms, rest = rules.arms()

        def first_day(which: str) -> Any:
            def matches(kind: str | None, codes: frozenset[str] | None) -> Any:
                found = [table.type == kind] if kind is not None else []
                found += [table.category.in_(sorted(codes))] if codes is not None else []
                return and_(*found) if found else true()

            return case(
                *[
                    (matches(kind, codes), literal(getattr(days, which), Date()))
                    for kind, codes, days in arms
                ],
                else_=literal(getattr(rest, which), Date()),
            )

        state = case(
            (table.status.in_(models.CLOSED_STATUSES), literal(Deadline.CLOSED.value)),
            (table.day < first_day("overdue_before"), literal(Deadline.OVERDUE.value)),
            (table.day < first_day("due_soon_before"), literal(Deadline.DUE_SOON.value)),
            else_=literal(Deadline.ON_TIME.value),
        ).label("state")
        query = select(table.post_code, state, func.sum(table.complaints))
        query = self._counted(query.group_by(table.post_code, state), filters)
        found: dict[str, dict[Deadline, int]] = {}
        for post, name, n in self._rows(query):
            if n:
                found.setdefault(post, dict.fromkeys(Deadline, 0))[Deadline(name)] += int(n)
        return found

    def _counted(self, query: Any, filters: Filters) -> Any:
        """``query`` over ``complaint_counts`` narrowed: its days, post and category."""
        table = models.ComplaintCount
        if filters.first is not None:
            query = query.where(table.day >= filters.first)
        if filters.last is not None:
            query = query.where(table.day <= filters.last)
        if filters.post:
            query = query.where(table.post_code == filters.post)
        if filters.category:
            query = query.where(table.category == filters.category)
        return query

    def people_per_post_day(self, filters: Filters) -> Mapping[tuple[str, date], int]:
        narrowed = Filters(filters.first, filters.last, filters.post)
        return self._kept("people", narrowed, lambda: self._people(narrowed))

    def _people(self, filters: Filters) -> Mapping[tuple[str, date], int]:
        table = models.OutreachTally
        keys = (table.post_code, self._day(table.created_at))
        query = select(*keys, func.sum(table.count)).group_by(*keys)
        query = self._narrowed(query.where(table.counter == PEOPLE_REACHED), table, filters)
        return {(post, _as_date(day) or _ANY_DAY): int(n) for post, day, n in self._rows(query)}

    def survey_groups(self, filters: Filters) -> Mapping[tuple[str, str], Totals]:
        """Questionnaire totals per (post, service)."""
        narrowed = Filters(filters.first, filters.last, filters.post, service=filters.service)
        return self._kept("survey", narrowed, lambda: self._survey(narrowed))

    def _survey(self, filters: Filters) -> Mapping[tuple[str, str], Totals]:
        selection = SkmSelection(
            date_from=_start_of(filters.first) if filters.first else None,
            date_to=_start_of(filters.last + timedelta(days=1)) if filters.last else None,
            service_code=filters.service,
            post_code=filters.post,
        )
        return self.store.skm_totals_by_post(selection)

    def merchandise_groups(self, filters: Filters) -> Mapping[tuple[str, str], tuple[int, ...]]:
        """Per (post, item): handed out in the period, received in all, in stock now."""
        narrowed = Filters(filters.first, filters.last, filters.post)
        return self._kept("merchandise", narrowed, lambda: self._merchandise(narrowed))

    def _merchandise(self, filters: Filters) -> Mapping[tuple[str, str], tuple[int, ...]]:
        tally, stock = models.OutreachTally, models.StockMovement

        def moves(table: Any, handed: Any, received: Any, stock_delta: Any) -> Any:
            # Labelled apart: the same literal twice would be one column of the union.
            return select(
                table.post_code.label("post"),
                table.item.label("item"),
                handed.label("handed"),
                received.label("received"),
                stock_delta.label("delta"),
            )

        merchandise = tally.counter == MERCHANDISE
        in_period = self._narrowed(
            moves(tally, tally.count, literal(0), literal(0)), tally, filters
        ).where(merchandise)
        given = self._narrowed(
            moves(tally, literal(0), literal(0), -tally.count), tally, filters, dates=False
        ).where(merchandise)
        received = case((stock.quantity > 0, stock.quantity), else_=0)
        moved = self._narrowed(
            moves(stock, literal(0), received, stock.quantity), stock, filters, dates=False
        )
        every = union_all(in_period, given, moved).subquery()
        sums = (func.sum(every.c.handed), func.sum(every.c.received), func.sum(every.c.delta))
        query = select(every.c.post, every.c.item, *sums).group_by(every.c.post, every.c.item)
        return {(p, i): (int(a), int(b), int(c)) for p, i, a, b, c in self._rows(query)}

    # -- Source ----------------------------------------------------------------------------

    def people_per_day(self, filters: Filters) -> Mapping[date, int]:
        days: dict[date, int] = {}
        for (_post, day), n in self.people_per_post_day(filters).items():
            days[day] = days.get(day, 0) + n
        return {day: n for day, n in days.items() if n}

    def complaint_counts(self, filters: Filters, by: str) -> Mapping[str | None, int]:
        index = {"category": 1, "status": 2, "agency": 3}[by]

        def counted() -> Mapping[str | None, int]:
            counts: dict[str | None, int] = {}
            for key, n in self.totals(filters).items():
                counts[key[index]] = counts.get(key[index], 0) + n
            return counts

        return self._kept("counts", _for_complaints(filters), counted, by)

    def deadline_counts(self, filters: Filters, rules: DeadlineRules) -> Mapping[Deadline, int]:
        found = dict.fromkeys(Deadline, 0)
        for states in self.post_deadlines(filters, rules).values():
            for state, n in states.items():
                found[state] += n
        return found

    def survey_totals(
        self, filters: Filters, codes: tuple[str, ...]
    ) -> Iterable[tuple[int, Mapping[str, int], Mapping[str, int]]]:
        services: dict[str, list[Totals]] = {}
        for (_post, service), totals in self.survey_groups(filters).items():
            services.setdefault(service, []).append(totals)
        return [_added(parts, codes) for parts in services.values()]

    def merchandise(self, filters: Filters) -> Mapping[str, tuple[int, int, int]]:
        items: dict[str, tuple[int, int, int]] = {}
        for (_post, item), values in self.merchandise_groups(filters).items():
            was = items.get(item, (0, 0, 0))
            items[item] = (was[0] + values[0], was[1] + values[1], was[2] + values[2])
        return items

    # -- per post ----------------------------------------------------------------------------

    def per_post(
        self,
        filters: Filters,
        *,
        today: date,
        catalog: Catalog,
        campaign: Campaign | None = None,
        calendar: Calendar | None = None,
    ) -> list[PostFigures]:
        """Every post with anything in the period (or in the campaign), in code order."""
        people: dict[str, int] = {}
        for (post, _day), n in self.people_per_post_day(filters).items():
            people[post] = people.get(post, 0) + n
        deadlines = self.post_deadlines(filters, DeadlineRules(catalog, today, calendar))
        survey: dict[str, list[Totals]] = {}
        for (post, _service), totals in self.survey_groups(filters).items():
            survey.setdefault(post, []).append(totals)
        handed: dict[str, int] = {}
        for (post, _item), values in self.merchandise_groups(filters).items():
            handed[post] = handed.get(post, 0) + values[0]
        posts = set(people) | set(deadlines) | set(survey) | {p for p, n in handed.items() if n}
        if campaign is not None:
            posts |= {p for p in campaign.posts if not filters.post or p == filters.post}
        codes = skm_2017().codes
        rows = []
        nothing = dict.fromkeys(Deadline, 0)
        for post in sorted(posts):
            states = deadlines.get(post, nothing)
            score = overall(
                [score_totals(*_added([t], codes)) for t in survey.get(post, [])], skm_2017()
            )
            rows.append(
                PostFigures(
                    post=post,
                    people=people.get(post, 0),
                    people_target=_post_target(campaign, post, filters),
                    complaints=sum(states.values()),
                    overdue=states[Deadline.OVERDUE],
                    respondents=score.respondents,
                    ikm=float(score.ikm) if score.ikm is not None else None,
                    handed_out=handed.get(post, 0),
                )
            )
        return rows


def _added(parts: Iterable[Totals], codes: tuple[str, ...]) -> Totals:
    """Several groups' questionnaire totals as one (they add up)."""
    respondents = 0
    sums = dict.fromkeys(codes, 0)
    answers = dict.fromkeys(codes, 0)
    for n, part_sums, part_answers in parts:
        respondents += n
        for code in codes:
            sums[code] += part_sums.get(code, 0)
            answers[code] += part_answers.get(code, 0)
    return respondents, sums, answers


def _post_target(campaign: Campaign | None, post: str, filters: Filters) -> int | None:
    """``post``'s campaign target over the period's days (all of the campaign's if the
    period is not narrowed); None when the post is not the campaign's."""
    if campaign is None or post not in campaign.posts:
        return None
    first = max(campaign.start, filters.first or campaign.start)
    last = min(campaign.end, filters.last or campaign.end)
    targets = campaign.targets()
    return sum(targets[(post, day)] for day in campaign.days() if first <= day <= last)


class StatisticsReports(SkmReports):
    """The statistics page's store: its source, the posts it knows, the campaign."""

    _statistics_cache: AggregateCache | None = None

    def statistics_source(self) -> CentralSource:
        """A ``Source`` over the rows as they are now (its answers kept until newer rows
        arrive)."""
        if self._statistics_cache is None:
            self._statistics_cache = AggregateCache()
        return CentralSource(self, self.newest_rows(), self._statistics_cache)

    def newest_rows(self) -> Newest:
        """The newest row of every table the figures read: each an index's last entry."""
        complaint, tally = models.Complaint, models.OutreachTally
        stock, skm = models.StockMovement, models.SkmResponse
        query = select(
            select(func.max(complaint.id)).scalar_subquery(),
            select(func.max(complaint.updated_at)).scalar_subquery(),
            select(func.max(skm.id)).scalar_subquery(),
            select(func.max(tally.id)).scalar_subquery(),
            select(func.max(stock.id)).scalar_subquery(),
        )
        with self.session() as session:
            top_id, changed, survey, tallies, stock = session.execute(query).one()
        return Newest((top_id, changed), survey, tallies, stock)

    def recount_complaints(self) -> None:
        """Count every complaint again into ``complaint_counts``: for a bulk load done with
        its triggers off (``benchmarks/central_stats.py``)."""
        table, counts = models.Complaint, models.ComplaintCount
        day = wib_day(self.engine.dialect.name, table.created_at)
        keys: tuple[Any, ...] = (table.post_code, day, table.device_id, table.type)
        keys += (table.category, table.status, table.agency)
        columns = ["post_code", "day", "device_id", "type", "category", "status", "agency"]
        rows = select(*keys, func.count()).group_by(*keys)
        with self.session() as session, session.begin():
            session.execute(delete(counts))
            session.execute(insert(counts).from_select([*columns, "complaints"], rows))

    def post_codes(self) -> set[str]:
        """The posts a desk was ever enrolled for (the central system's own is not one)."""
        table = models.Device
        query = select(table.post_code).distinct().where(table.number != 0)
        with self.session() as session:
            return set(session.scalars(query))

    # -- the campaign ----------------------------------------------------------------------

    def campaign(self) -> Campaign | None:
        with self.session() as session:
            row = session.get(models.Setting, CAMPAIGN)
            return Campaign.from_json(row.value) if row is not None else None

    def set_campaign(self, campaign: Campaign) -> None:
        with self.session() as session, session.begin():
            row = session.get(models.Setting, CAMPAIGN)
            if row is None:
                session.add(models.Setting(name=CAMPAIGN, value=campaign.to_json()))
            else:
                row.value = campaign.to_json()
                row.changed_at = datetime.now(UTC)

    def clear_campaign(self) -> bool:
        """Forget the campaign; False when there was none."""
        with self.session() as session, session.begin():
            table = models.Setting
            result = session.execute(delete(table).where(table.name == CAMPAIGN))
            return bool(getattr(result, "rowcount", 0))


__all__ = ["AggregateCache", "CentralSource", "Newest", "PostFigures", "StatisticsReports"]
