"""The desk's answers to ``posko.statistics.Source``: the figures of this laptop's
database, each one grouped SQL query, days counted on the post's clock. No Qt: the
Statistik section runs it on a worker thread, ``posko export`` from the command line."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from desktop.store.models import Complaint, StockMovement, TallyEvent
from desktop.store.records import DeskContext
from desktop.store.repo import Store
from posko.outreach import MERCHANDISE, PEOPLE_REACHED
from posko.statistics import Filters
from posko.workdays import WIB
from posko.zones import zone

_BY = {
    "category": Complaint.category,
    "agency": Complaint.central_agency,
    "status": Complaint.central_status,
}


class DeskSource:
    """``Source`` over ``store``: the desk's own post only (a filter naming another post
    finds nothing)."""

    def __init__(self, store: Store, context: DeskContext) -> None:
        self.store = store
        self.context = context
        self.zone = zone(context.time_zone)

    # -- narrowing ---------------------------------------------------------------------

    def _bounds(self, filters: Filters) -> tuple[datetime | None, datetime | None]:
        def midnight(day: date) -> datetime:
            return datetime.combine(day, time(0), tzinfo=self.zone).astimezone(UTC)

        start = midnight(filters.first) if filters.first else None
        end = midnight(filters.last + timedelta(days=1)) if filters.last else None
        return start, end

    def _narrowed(self, query: Any, model: Any, filters: Filters) -> Any:
        post_id = self.context.post_id if filters.post in ("", self.context.post_code) else -1
        query = query.where(model.post_id == post_id)
        start, end = self._bounds(filters)
        if start is not None:
            query = query.where(model.created_at >= start)
        if end is not None:
            query = query.where(model.created_at < end)
        return query

    def _complaints(self, query: Any, filters: Filters) -> Any:
        query = self._narrowed(query, Complaint, filters)
        if filters.category:
            query = query.where(Complaint.category == filters.category)
        return query

    @staticmethod
    def _day(column: Any, offset: timedelta) -> Any:
        """SQLite's calendar day of the UTC ``column`` at a fixed ``offset`` (Indonesia's
        zones keep no daylight saving)."""
        minutes = int(offset.total_seconds() // 60)
        return func.date(column, f"{minutes:+d} minutes")

    def _rows(self, query: Any) -> list[Any]:
        with self.store.session() as s:
            return list(s.execute(query).all())

    # -- Source ------------------------------------------------------------------------

    def people_per_day(self, filters: Filters) -> Mapping[date, int]:
        offset = self.zone.utcoffset(None) or timedelta(0)
        day = self._day(TallyEvent.created_at, offset).label("day")
        query = (
            select(day, func.sum(TallyEvent.count))
            .where(TallyEvent.counter == PEOPLE_REACHED)
            .group_by(day)
        )
        rows = self._rows(self._narrowed(query, TallyEvent, filters))
        return {date.fromisoformat(d): int(n) for d, n in rows if int(n)}

    def complaint_counts(self, filters: Filters, by: str) -> Mapping[str | None, int]:
        column = _BY[by]
        query = select(column, func.count()).group_by(column)
        return {key: int(n) for key, n in self._rows(self._complaints(query, filters))}

    def deadline_groups(self, filters: Filters) -> Iterable[tuple[str, str, date, str | None, int]]:
        offset = WIB.utcoffset(None) or timedelta(0)
        day = self._day(Complaint.created_at, offset).label("day")
        keys = (Complaint.type, Complaint.category, day, Complaint.central_status)
        query = select(*keys, func.count()).group_by(*keys)
        return [
            (kind, category, date.fromisoformat(received), status, int(n))
            for kind, category, received, status, n in self._rows(self._complaints(query, filters))
        ]

    def survey_totals(
        self, filters: Filters, codes: tuple[str, ...]
    ) -> Iterable[tuple[int, Mapping[str, int], Mapping[str, int]]]:
        if filters.post not in ("", self.context.post_code):
            return []
        start, end = self._bounds(filters)
        totals = self.store.survey_totals(
            date_from=start,
            date_to=end,
            service_code=filters.service,
            post_code=self.context.post_code,
            codes=codes,
        )
        return list(totals.values())

    def merchandise(self, filters: Filters) -> Mapping[str, tuple[int, int, int]]:
        handed_query = (
            select(TallyEvent.item, func.sum(TallyEvent.count))
            .where(TallyEvent.counter == MERCHANDISE)
            .group_by(TallyEvent.item)
        )
        handed = dict(self._rows(self._narrowed(handed_query, TallyEvent, filters)))
        everything = Filters(post=filters.post)
        received_query = (
            select(StockMovement.item, func.sum(StockMovement.quantity))
            .where(StockMovement.quantity > 0)
            .group_by(StockMovement.item)
        )
        received = dict(self._rows(self._narrowed(received_query, StockMovement, everything)))
        own = filters.post in ("", self.context.post_code)
        stock = self.store.stock_levels() if own else {}
        items = set(handed) | set(received) | set(stock)
        return {
            item: (int(handed.get(item) or 0), int(received.get(item) or 0), stock.get(item, 0))
            for item in items
        }


__all__ = ["DeskSource"]
