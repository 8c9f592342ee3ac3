"""The desk's answers to ``posko.statistics.Source``: the figures of this laptop's
database, days counted on the post's clock, held and brought up to date between calls
(``DeskSource``). No Qt: the Statistik section runs it in its drawing process
(``desktop.drawing``), ``posko export`` from the command line."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select

from desktop.paths import Profile
from desktop.store.models import (
    Complaint,
    StatisticsChange,
    StockMovement,
    SurveyResponse,
    TallyEvent,
)
from desktop.store.records import DeskContext
from desktop.store.repo import Store
from posko import charts
from posko.i18n import set_language
from posko.outreach import MERCHANDISE, PEOPLE_REACHED
from posko.statistics import Deadline, DeadlineRules, Filters, Statistics, compute
from posko.workdays import WIB
from posko.zones import zone


# A table's figures, per group of rows, as of row ``last`` and change count ``changes``.
@dataclass
class _Groups:
    changes: int
    last: int = 0
    sums: dict[tuple[Any, ...], list[int]] = field(default_factory=dict)

    def add(self, rows: Iterable[Any], keys: int) -> None:
        for row in rows:
            values = [int(v or 0) for v in row[keys:]]
            known = self.sums.get(tuple(row[:keys]))
            if known is None:
                self.sums[tuple(row[:keys])] = values
            else:
                for i, value in enumerate(values):
                    known[i] += value


class DeskSource:
    """``Source`` over ``store``: the desk's own post only (a filter naming another post
    finds nothing).

    Each table is read once into its groups (per day of the post's clock, and what the
    figures tell apart), held, and brought up to date on the next call by reading only the
    rows added since (by id), or read again whole when its change counter moved (an
    edited report, a deleted row: ``statistics_changes``, migration 0007). Every filter is
    then a sum over held groups: a refresh of the Statistik section reads what is new,
    not 100,000 reports again. One ``DeskSource`` is kept per open desk for that."""

    def __init__(self, store: Store, context: DeskContext) -> None:
        self.store = store
        self.context = context
        self.zone = zone(context.time_zone)
        self._groups: dict[str, _Groups] = {}

    # -- the held groups -----------------------------------------------------------------

    def _day(self, column: Any, tz: Any = None) -> Any:
        """SQLite's calendar day of the UTC ``column`` on the post's clock (or ``tz``):
        Indonesia's zones keep no daylight saving, so an offset is enough."""
        offset = (tz or self.zone).utcoffset(None) or timedelta(0)
        return func.date(column, f"{int(offset.total_seconds() // 60):+d} minutes")

    def _held(
        self, name: str, model: Any, query: Any, keys: int
    ) -> dict[tuple[Any, ...], list[int]]:
        """The groups of ``query`` (``keys`` key columns, then sums) over ``model``'s rows
        at this post, brought up to date."""
        table = model.__tablename__
        with self.store.session() as s:
            changes = s.scalar(
                select(StatisticsChange.changes).where(StatisticsChange.table_name == table)
            )
            newest = int(s.scalar(select(func.max(model.id))) or 0)
            held = self._groups.get(name)
            if held is None or held.changes != changes or newest < held.last:
                held = self._groups[name] = _Groups(changes=int(changes or 0))
            if newest > held.last:
                rows = s.execute(
                    query.where(
                        model.post_id == self.context.post_id,
                        model.id > held.last,
                        model.id <= newest,
                    )
                )
                held.add(rows, keys)
                held.last = newest
        return held.sums

    def _tallies(self) -> dict[tuple[Any, ...], list[int]]:
        keys = (self._day(TallyEvent.created_at), TallyEvent.counter, TallyEvent.item)
        query = select(*keys, func.sum(TallyEvent.count)).group_by(*keys)
        return self._held("tallies", TallyEvent, query, 3)

    def _complaints(self) -> dict[tuple[Any, ...], list[int]]:
        keys = (
            self._day(Complaint.created_at),
            self._day(Complaint.created_at, WIB),  # deadlines are counted in WIB
            Complaint.type,
            Complaint.category,
            Complaint.central_agency,
            Complaint.central_status,
        )
        query = select(*keys, func.count()).group_by(*keys)
        return self._held("complaints", Complaint, query, 6)

    def _survey(self, codes: tuple[str, ...]) -> dict[tuple[Any, ...], list[int]]:
        keys = (self._day(SurveyResponse.created_at), SurveyResponse.service_code)
        sums = []
        for code in codes:
            value = func.json_extract(SurveyResponse.answers, f"$.{code}")
            sums += [func.sum(value), func.count(value)]
        query = select(*keys, func.count(), *sums).group_by(*keys)
        return self._held("survey:" + ",".join(codes), SurveyResponse, query, 2)

    def _stock(self) -> dict[tuple[Any, ...], list[int]]:
        received = case((StockMovement.quantity > 0, StockMovement.quantity), else_=0)
        query = select(
            StockMovement.item, func.sum(received), func.sum(StockMovement.quantity)
        ).group_by(StockMovement.item)
        return self._held("stock", StockMovement, query, 1)

    # -- narrowing -----------------------------------------------------------------------

    def _own(self, filters: Filters) -> bool:
        return filters.post in ("", self.context.post_code)

    @staticmethod
    def _within(day: str, filters: Filters) -> bool:
        if filters.first is not None and day < filters.first.isoformat():
            return False
        return filters.last is None or day <= filters.last.isoformat()

    def _reports(self, filters: Filters) -> Iterable[tuple[tuple[Any, ...], int]]:
        """The report groups the filters keep: (day, WIB day, type, category, agency,
        status) and how many."""
        if not self._own(filters):
            return []
        return [
            (key, values[0])
            for key, values in self._complaints().items()
            if self._within(key[0], filters)
            and (not filters.category or key[3] == filters.category)
        ]

    # -- Source ----------------------------------------------------------------------------

    def people_per_day(self, filters: Filters) -> Mapping[date, int]:
        if not self._own(filters):
            return {}
        days: dict[date, int] = {}
        for (day, counter, _item), (n,) in self._tallies().items():
            if counter == PEOPLE_REACHED and self._within(day, filters):
                moment = date.fromisoformat(day)
                days[moment] = days.get(moment, 0) + n
        return {day: n for day, n in days.items() if n}

    def complaint_counts(self, filters: Filters, by: str) -> Mapping[str | None, int]:
        index = {"category": 3, "agency": 4, "status": 5}[by]
        counts: dict[str | None, int] = {}
        for key, n in self._reports(filters):
            counts[key[index]] = counts.get(key[index], 0) + n
        return counts

    def deadline_counts(self, filters: Filters, rules: DeadlineRules) -> Mapping[Deadline, int]:
        return rules.counted(
            (key[2], key[3], date.fromisoformat(key[1]), key[5], n)
            for key, n in self._reports(filters)
        )

    def survey_totals(
        self, filters: Filters, codes: tuple[str, ...]
    ) -> Iterable[tuple[int, Mapping[str, int], Mapping[str, int]]]:
        if not self._own(filters):
            return []
        services: dict[str, list[int]] = {}
        for (day, service), values in self._survey(codes).items():
            if self._within(day, filters) and filters.service in ("", service):
                known = services.setdefault(service, [0] * len(values))
                for i, value in enumerate(values):
                    known[i] += value
        return [
            (
                values[0],
                {code: values[1 + 2 * i] for i, code in enumerate(codes)},
                {code: values[2 + 2 * i] for i, code in enumerate(codes)},
            )
            for values in services.values()
        ]

    def merchandise(self, filters: Filters) -> Mapping[str, tuple[int, int, int]]:
        if not self._own(filters):
            return {}
        handed: dict[str, int] = {}
        handed_ever: dict[str, int] = {}
        for (day, counter, item), (n,) in self._tallies().items():
            if counter != MERCHANDISE:
                continue
            handed_ever[item] = handed_ever.get(item, 0) + n
            if self._within(day, filters):
                handed[item] = handed.get(item, 0) + n
        stock = {key[0]: values for key, values in self._stock().items()}
        items = set(handed_ever) | set(stock)
        return {
            item: (
                handed.get(item, 0),
                stock.get(item, [0, 0])[0],
                stock.get(item, [0, 0])[1] - handed_ever.get(item, 0),
            )
            for item in items
        }


# -- drawing, anywhere ------------------------------------------------------------------------


@dataclass(frozen=True)
class Drawing:
    """What one refresh of the Statistik section asks for: the figures of ``filters`` in
    the profile at ``profile``, and each chart (``posko.charts``) at its size, unless its
    key is the one in ``drawn`` (its figures, size and style unchanged since)."""

    profile: str
    filters: Filters
    sizes: dict[str, tuple[int, int]]
    scale: float
    style: charts.Style
    language: str
    drawn: dict[str, Any] = field(default_factory=dict)
    names: tuple[str, ...] = charts.NAMES  # the charts this drawing is for


@dataclass
class Drawn:
    stats: Statistics
    pixels: dict[str, tuple[bytes, int, int]] = field(default_factory=dict)  # RGBA, w, h
    keys: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


# The desk a drawing process keeps open, by profile (one, in practice), with its source
# (the figures read so far) and the database file's identity when it was opened.
_open: dict[str, tuple[Store, DeskSource, tuple[int, int]]] = {}


def _file(profile: Profile) -> tuple[int, int]:
    found = os.stat(profile.database)
    return found.st_dev, found.st_ino


def _source(root: str) -> DeskSource:
    """The source over the desk at ``root``, opened again when the database file was
    replaced (a recovery, a backup restored) or the desk set up anew."""
    profile = Profile(Path(root))
    kept = _open.get(root)
    if kept is not None:
        store, source, file = kept
        if file == _file(profile) and store.require_context() == source.context:
            return source
    for held in _open.values():
        held[0].close()
    _open.clear()
    store = Store.open(profile)
    source = DeskSource(store, store.require_context())
    _open[root] = (store, source, _file(profile))
    return source


def draw(asked: Drawing) -> Drawn:
    """The figures and the charts that changed. Runs in the drawing process (see
    ``desktop.drawing``), so it opens the profile itself and speaks the desk's language."""
    set_language(asked.language)
    source = _source(asked.profile)
    store = source.store
    stats = compute(
        source,
        asked.filters,
        today=datetime.now(WIB).date(),  # deadlines are counted in WIB days
        campaign=store.campaign(),
        catalog=store.catalog,
    )
    result = Drawn(stats)
    for name in asked.names:
        text = charts.describe(name, stats)
        width, height = asked.sizes[name]
        key = (text, width, height, asked.scale, asked.style, asked.language)
        result.texts[name] = text
        result.keys[name] = key
        if asked.drawn.get(name) != key:
            result.pixels[name] = charts.pixels(
                name, stats, width, height, asked.scale, asked.style
            )
    return result


__all__ = ["DeskSource", "Drawing", "Drawn", "draw"]
