"""Plain data that leaves the storage layer: safe to pass between threads and to widgets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from desktop.domain import ComplaintType
from desktop.store.context import DeskContext
from posko import tracking


@dataclass(frozen=True)
class ComplaintRecord:
    id: int
    uuid: str
    tracking_id: str
    secret: str
    qr_payload: str
    type: ComplaintType
    category: str
    title: str
    description: str
    location: str
    occurred_at: datetime | None
    reporter_name: str
    phone: str
    email: str
    anonymous: bool
    confidential: bool
    post_code: str
    post_name: str
    operator_name: str
    created_at: datetime
    sync_state: str
    central_status: str | None
    central_agency: str | None = None
    central_note: str | None = None
    last_error: str | None = None

    @property
    def tracking_display(self) -> str:
        return tracking.display(self.tracking_id)


# The columns the list can be sorted by (the answer's due date sorts as the day of the
# report: deadlines are a few working days after it).
SORT_KEYS = (
    "tracking_id",
    "created_at",
    "title",
    "category",
    "reporter_name",
    "type",
    "sync_state",
)


@dataclass(frozen=True)
class ComplaintQuery:
    """Filters and order of the complaint list; empty fields filter nothing."""

    text: str = ""
    category: str = ""
    date_from: date | None = None
    date_to: date | None = None  # inclusive, in the desk's local time
    overdue_only: bool = False  # the answer is late and the report is not closed
    today: date | None = None  # "late" as of this day (None: today in WIB)
    order_by: str = "created_at"  # one of SORT_KEYS
    descending: bool = True


@dataclass(frozen=True)
class DraftRecord:
    """An unsaved report kept in the database. ``title`` is its title as typed or, when it
    has none yet, the start of its description (empty when neither is typed; whitespace
    runs collapsed). ``readable`` is False for a row whose content cannot be read back:
    it is kept until the operator discards it."""

    id: str
    form: str
    title: str
    created_at: datetime
    updated_at: datetime
    readable: bool = True


__all__ = ["SORT_KEYS", "ComplaintQuery", "ComplaintRecord", "DeskContext", "DraftRecord"]
