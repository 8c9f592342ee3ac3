"""Outreach figures from the tallies and stock movements the desks sent, per post and WIB
day: people reached, merchandise handed out, stock received and stock remaining. Each is
one SQL ``GROUP BY`` (undo events are rows with a negated count, so a sum is the figure);
the rows never pass through Python."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, literal_column, select, union_all

from central import models
from central.store.base import StoreBase

# WIB is UTC+7 all year (no daylight saving since 1964): a fixed shift gives the day.
_WIB_HOURS = 7


@dataclass(frozen=True)
class OutreachSelection:
    """Which events: ``date_from`` inclusive, ``date_to`` exclusive (UTC moments; for whole
    WIB days, the start of a day in WIB, as ``posko-central survey report`` gives them), and
    a post code (empty: all)."""

    date_from: datetime | None = None
    date_to: datetime | None = None
    post_code: str = ""


def wib_day(dialect: str, column: Any) -> Any:
    """The WIB day of a UTC moment column, in SQL (``dialect``: the engine's)."""
    if dialect == "postgresql":
        return func.date(column + literal_column(f"interval '{_WIB_HOURS} hours'"))
    return func.date(column, f"+{_WIB_HOURS} hours")


class OutreachReports(StoreBase):
    """Per (post code, WIB day[, item]) figures of the outreach tallies and the stock."""

    def people_reached(self, selection: OutreachSelection) -> dict[tuple[str, date], int]:
        """People reached per (post, day): the sum of the counts, undo events included."""
        table = models.OutreachTally
        query = self._by_day(table, table.count, selection, with_item=False)
        found = self._days(query.where(table.counter == "people_reached"))
        return {(p, d): int(n) for p, d, n in found}

    def merchandise_handed_out(
        self, selection: OutreachSelection
    ) -> dict[tuple[str, date, str], int]:
        """Merchandise handed out per (post, day, item), undo events included."""
        table = models.OutreachTally
        query = self._by_day(table, table.count, selection).where(table.counter == "merchandise")
        return {(p, d, i): int(n) for p, d, i, n in self._days(query)}

    def stock_received(self, selection: OutreachSelection) -> dict[tuple[str, date, str], int]:
        """Stock received per (post, day, item): the deliveries, not the adjustments."""
        table = models.StockMovement
        query = self._by_day(table, table.quantity, selection).where(table.movement == "received")
        return {(p, d, i): int(n) for p, d, i, n in self._days(query)}

    def stock_remaining(self, selection: OutreachSelection) -> dict[tuple[str, date, str], int]:
        """Stock left per (post, day, item) at the end of each day something of the item
        moved: everything received and adjusted up to then, less what was handed out. Days
        before ``date_from`` count toward the figure but are not listed."""
        stock, tally = models.StockMovement, models.OutreachTally
        selected = OutreachSelection(date_to=selection.date_to, post_code=selection.post_code)
        moves = union_all(
            self._moves(stock, stock.quantity, selected),
            self._moves(tally, -tally.count, selected).where(tally.counter == "merchandise"),
        ).subquery()
        daily = (
            select(
                moves.c.post_code,
                moves.c.day,
                moves.c.item,
                func.sum(moves.c.delta).label("delta"),
                func.max(moves.c.created_at).label("last_at"),
            )
            .group_by(moves.c.post_code, moves.c.day, moves.c.item)
            .subquery()
        )
        running = func.sum(daily.c.delta).over(
            partition_by=(daily.c.post_code, daily.c.item), order_by=daily.c.day
        )
        query = select(daily.c.post_code, daily.c.day, daily.c.item, running, daily.c.last_at)
        found = self._days(query)
        start = selection.date_from
        return {
            (p, d, i): int(n) for p, d, i, n, last in found if start is None or _utc(last) >= start
        }

    # -- the SQL ------------------------------------------------------------------------

    def _day(self, column: Any) -> Any:
        return wib_day(self.engine.dialect.name, column)

    def _moves(self, table: Any, delta: Any, selection: OutreachSelection) -> Any:
        """One row per event: post, WIB day, item, signed quantity and moment."""
        columns = (table.post_code, self._day(table.created_at).label("day"), table.item)
        query = select(*columns, delta.label("delta"), table.created_at)
        return _selected(query, table, selection)

    def _by_day(
        self, table: Any, value: Any, selection: OutreachSelection, *, with_item: bool = True
    ) -> Any:
        """``SUM(value)`` grouped by post, WIB day (and item)."""
        keys = [table.post_code, self._day(table.created_at)]
        if with_item:
            keys.append(table.item)
        query = select(*keys, func.sum(value)).group_by(*keys)
        return _selected(query, table, selection)

    def _days(self, query: Any) -> list[tuple[Any, ...]]:
        """The rows of ``query``, its second column read as a ``date`` (SQLite says text)."""
        with self.session() as session:
            rows = session.execute(query).all()
        return [(row[0], _as_date(row[1]), *row[2:]) for row in rows]


def _utc(moment: datetime) -> datetime:
    """A moment an aggregate returned: naive UTC (SQLite gives text) made aware."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _as_date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _selected(query: Any, table: Any, selection: OutreachSelection) -> Any:
    if selection.date_from is not None:
        query = query.where(table.created_at >= selection.date_from)
    if selection.date_to is not None:
        query = query.where(table.created_at < selection.date_to)
    if selection.post_code:
        query = query.where(table.post_code == selection.post_code)
    return query
