"""The store, opened when first needed — typically on the first turn of the event loop,
right after the window is shown — so the desk appears without waiting for SQLAlchemy."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from desktop.domain import ComplaintInput, PaperSize
from desktop.paths import Profile
from desktop.settings import Option
from posko.catalog import Catalog, default_catalog

if TYPE_CHECKING:
    from desktop.store.context import DeskContext
    from desktop.store.records import ComplaintQuery, ComplaintRecord, DraftRecord
    from desktop.store.repo import Store

T = TypeVar("T")


class LazyStore:
    """Same methods as ``Store``; the first call (or ``open()``) opens the real one."""

    def __init__(self, profile: Profile, catalog: Catalog | None = None) -> None:
        self.profile = profile
        self.catalog = catalog or default_catalog()
        self._store: Store | None = None
        self._opening = threading.Lock()  # the list's worker and the GUI may both open it

    @property
    def opened(self) -> bool:
        return self._store is not None

    def open(self) -> Store:
        if self._store is None:
            with self._opening:
                if self._store is None:
                    from desktop.store.repo import Store

                    self._store = Store.open(self.profile, self.catalog)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def get(self, option: Option[T]) -> T:
        return self.open().get(option)

    def set(self, option: Option[T], value: T) -> None:
        self.open().set(option, value)

    def context(self) -> DeskContext | None:
        return self.open().context()

    def require_context(self) -> DeskContext:
        return self.open().require_context()

    def setup(
        self,
        *,
        post_code: str,
        post_name: str,
        operator: str,
        central_url: str = "",
        language: str | None = None,
        paper: PaperSize | None = None,
    ) -> DeskContext:
        return self.open().setup(
            post_code=post_code,
            post_name=post_name,
            operator=operator,
            central_url=central_url,
            language=language,
            paper=paper,
        )

    def save_complaint(
        self, data: ComplaintInput, *, now: datetime | None = None
    ) -> ComplaintRecord:
        return self.open().save_complaint(data, now=now)

    def edit_complaint(
        self, tracking_id: str, data: ComplaintInput, *, now: datetime | None = None
    ) -> ComplaintRecord:
        return self.open().edit_complaint(tracking_id, data, now=now)

    def complaint(self, tracking_id: str) -> ComplaintRecord | None:
        return self.open().complaint(tracking_id)

    def search(
        self, query: ComplaintQuery, *, offset: int = 0, limit: int = 200
    ) -> list[ComplaintRecord]:
        return self.open().search(query, offset=offset, limit=limit)

    def count(self, query: ComplaintQuery) -> int:
        return self.open().count(query)

    def queue_count(self) -> int:
        return self.open().queue_count()

    def attention_count(self) -> int:
        return self.open().attention_count()

    def save_draft(self, draft_id: str, form: str, content: dict[str, Any]) -> None:
        self.open().save_draft(draft_id, form, content)

    def drafts(self, form: str) -> list[DraftRecord]:
        return self.open().drafts(form)

    def load_draft(self, draft_id: str) -> dict[str, Any] | None:
        return self.open().load_draft(draft_id)

    def delete_draft(self, draft_id: str) -> bool:
        return self.open().delete_draft(draft_id)


if TYPE_CHECKING:
    DeskStore = Store | LazyStore
else:
    DeskStore = object


def is_ready(store: object) -> bool:
    """True when calling the store will not first import and open the database."""
    return not isinstance(store, LazyStore) or store.opened
