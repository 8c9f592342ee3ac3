"""Due lists: open reports against their answer deadlines in working days (overdue, due soon,
open), paged by a cursor that every well-formed string is."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    TextClause,
    case,
    func,
    or_,
    select,
    text,
)

from central import models
from central.store.base import StoreBase
from posko import wire
from posko.workdays import WIB, default_calendar

DueList = Literal["overdue", "soon", "open"]
DueState = Literal["overdue", "soon", "ok"]
DUE_LISTS: tuple[DueList, ...] = ("overdue", "soon", "open")
MAX_DUE_LIMIT = 500
# Working days late are counted over at most this many calendar days back: a report whose
# deadline is older than that (a desk's clock far off) is as late as it gets, and counting
# decades of holidays would only slow the list down.
LATE_LOOKBACK_DAYS = 3 * 366
# ``<microseconds since 1970 UTC>_<id>``: every string of this shape is a usable cursor
# (the API's schema says so with the same pattern), so a well-formed one never fails.
DUE_CURSOR_PATTERN = r"^-?[0-9]{1,18}_[0-9]{1,18}$"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# A day inside datetime's range at either end, so that WIB conversions cannot overflow.
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_LATEST = datetime(9999, 12, 30, tzinfo=UTC)


@dataclass(frozen=True)
class DueCursor:
    """Where a page of a due list ended: its last report's deadline and id."""

    expected_at: datetime
    id: int

    def encode(self) -> str:
        micros = (self.expected_at - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}_{self.id}"

    @classmethod
    def decode(cls, raw: str) -> DueCursor:
        """The cursor in ``raw``; ``ValueError`` if it is not one. Out-of-range moments
        are clamped: the list then starts at its beginning, or is empty."""
        if not re.fullmatch(DUE_CURSOR_PATTERN, raw):
            raise ValueError("not a cursor: pass the 'next' value of the previous page")
        micros, _sep, ident = raw.partition("_")
        try:
            moment = _EPOCH + timedelta(microseconds=int(micros))
        except OverflowError:
            moment = _EARLIEST if micros.startswith("-") else _LATEST
        return cls(min(max(moment, _EARLIEST), _LATEST), int(ident))


@dataclass(frozen=True)
class DueReport:
    """An open report against its answer deadline."""

    id: int
    tracking_id: str
    type: str
    category: str
    agency: str
    post_code: str
    status: wire.CentralStatus
    created_at: datetime
    expected_at: datetime
    state: DueState
    working_days_late: int | None  # overdue reports only


@dataclass(frozen=True)
class DuePage:
    """A page of a due list, with the counts of the whole lists under the same filters."""

    state: DueList
    now: datetime
    today: date  # in WIB
    next_working_day: date  # "soon" ends with this day (WIB)
    items: list[DueReport]
    next: str | None  # the cursor of the following page, if there is one
    overdue: int
    soon: int


class DueLists(StoreBase):
    """The coordinators' due lists and their counts."""

    # -- due lists -----------------------------------------------------------------------

    def due_window(self, now: datetime) -> tuple[date, date, datetime]:
        """Today (WIB), the next working day after it, and the moment "soon" ends: the
        start of the day after that working day, in WIB. The desk's rule
        (``desktop.ui.complaint_list.due_state``): due today or the next working day."""
        today = now.astimezone(WIB).date()
        following = default_calendar().add_working_days(today, 1)
        return today, following, datetime.combine(following + timedelta(days=1), time(), WIB)

    def due_query(
        self,
        state: DueList,
        now: datetime,
        *,
        agency: str | None = None,
        post_code: str | None = None,
        category: str | None = None,
        within_agency: str | None = None,
        after: DueCursor | None = None,
        limit: int = 100,
    ) -> Select[*tuple[Any, ...]]:
        """The SQL of one page of a due list (``due`` runs it; tests read its plan)."""
        if state not in DUE_LISTS:
            raise ValueError(f"state must be one of {', '.join(DUE_LISTS)}")
        table = models.Complaint
        _today, _following, soon_end = self.due_window(now)
        conditions = self._due_filters(agency, post_code, category, within_agency)
        if state == "overdue":
            conditions.append(table.expected_at < now)
        elif state == "soon":
            conditions += [table.expected_at >= now, table.expected_at < soon_end]
        else:
            conditions.append(table.expected_at.is_not(None))
        if after is not None:
            # Keyset on (expected_at, id), written so both databases bound the index scan
            # by its first column and only compare ids among equal deadlines.
            conditions += [
                table.expected_at >= after.expected_at,
                or_(table.expected_at > after.expected_at, table.id > after.id),
            ]
        return (
            select(
                table.id,
                table.tracking_id,
                table.type,
                table.category,
                table.agency,
                table.post_code,
                table.status,
                table.created_at,
                table.expected_at,
            )
            .where(*conditions)
            .order_by(table.expected_at, table.id)
            .limit(limit + 1)
        )

    def due_counts_query(
        self,
        now: datetime,
        *,
        agency: str | None = None,
        post_code: str | None = None,
        category: str | None = None,
        within_agency: str | None = None,
    ) -> Select[*tuple[Any, ...]]:
        """How many open reports are overdue and due soon: one range of the index."""
        table = models.Complaint
        _today, _following, soon_end = self.due_window(now)
        return select(
            func.count(case((table.expected_at < now, 1))),
            func.count(case((table.expected_at >= now, 1))),
        ).where(
            *self._due_filters(agency, post_code, category, within_agency),
            table.expected_at < soon_end,
        )

    @staticmethod
    def _due_filters(
        agency: str | None,
        post_code: str | None,
        category: str | None,
        within_agency: str | None = None,
    ) -> list[ColumnElement[bool] | TextClause]:
        table = models.Complaint
        # The partial index's own predicate, inline (see models.OPEN_COMPLAINT_SQL).
        conditions: list[ColumnElement[bool] | TextClause] = [text(models.OPEN_COMPLAINT_SQL)]
        if agency is not None:
            conditions.append(table.agency == agency)
        if post_code is not None:
            conditions.append(table.post_code == post_code)
        if category is not None:
            conditions.append(table.category == category)
        if within_agency is not None:  # an agency officer's limit, besides any filter
            conditions.append(table.agency == within_agency)
        return conditions

    def due(
        self,
        state: DueList = "open",
        *,
        agency: str | None = None,
        post_code: str | None = None,
        category: str | None = None,
        within_agency: str | None = None,
        limit: int = 100,
        after: DueCursor | None = None,
        now: datetime | None = None,
    ) -> DuePage:
        """Open reports by their answer deadline (``expected_at``), oldest deadline first:
        ``overdue`` (the deadline has passed), ``soon`` (not overdue, due by the end of
        the next working day in WIB) or ``open`` (every open report). Resolved and
        archived reports are never listed. Filters match exactly: the agency a report
        was assigned to, the post it came from, its category. ``after`` continues from
        a page's ``next`` cursor; the counts cover the whole lists under the filters.
        ``within_agency``: only that agency's reports, whatever the other filters (an
        agency officer's limit, ``central.disclosure.staff_scope``)."""
        if not 1 <= limit <= MAX_DUE_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_DUE_LIMIT}")
        now = now or self.clock()
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        today, following, soon_end = self.due_window(now)
        filters = {
            "agency": agency,
            "post_code": post_code,
            "category": category,
            "within_agency": within_agency,
        }
        with self.session() as session:
            rows = session.execute(
                self.due_query(state, now, after=after, limit=limit, **filters)
            ).all()
            counts = session.execute(self.due_counts_query(now, **filters)).one()
        more = len(rows) > limit
        rows = rows[:limit]
        late = self._working_days_late(
            [row.expected_at.astimezone(WIB).date() for row in rows if row.expected_at < now],
            today,
        )
        items = []
        for row in rows:
            overdue = row.expected_at < now
            items.append(
                DueReport(
                    id=row.id,
                    tracking_id=row.tracking_id,
                    type=row.type,
                    category=row.category,
                    agency=row.agency,
                    post_code=row.post_code,
                    status=wire.CentralStatus(row.status),
                    created_at=row.created_at,
                    expected_at=row.expected_at,
                    state="overdue" if overdue else "soon" if row.expected_at < soon_end else "ok",
                    working_days_late=(
                        late[row.expected_at.astimezone(WIB).date()] if overdue else None
                    ),
                )
            )
        last = items[-1] if items else None
        return DuePage(
            state=state,
            now=now,
            today=today,
            next_working_day=following,
            items=items,
            next=DueCursor(last.expected_at, last.id).encode() if more and last else None,
            overdue=int(counts[0]),
            soon=int(counts[1]),
        )

    def _working_days_late(self, due_days: Iterable[date], today: date) -> dict[date, int]:
        """For each due day: the working days after it, up to and including today. One
        walk over the calendar for the whole page, not one per report."""
        floor = today - timedelta(days=LATE_LOOKBACK_DAYS)
        days = set(due_days)
        if not days:
            return {}
        start = max(min(days), floor)
        calendar = default_calendar()
        working: list[date] = []
        current = start
        while current < today:
            current += timedelta(days=1)
            if calendar.is_working_day(current):
                working.append(current)
        return {day: len(working) - bisect_right(working, max(day, floor)) for day in days}
