"""Retention: the desk keeps a reporter's contacts (name, phone, e-mail) and a rahasia
report's title, description and place only as long as it needs them. Once the central
system has confirmed the report's latest revision and ``RETENTION_DAYS`` (30 by default)
have passed since, ``erase_expired`` empties them; the report itself, its tracking ID, its
category, flags and status stay for look-ups. Nothing unsent (pending, sending, refused,
set aside, or changed since it was sent) is ever erased. No Qt.

The erasure is not sent: the central system keeps what it received under its own rules
(the revision does not move), and a report whose personal data is gone can no longer be
corrected here (a correction would send the emptied fields). SQLite's ``secure_delete``
(``desktop.store.db``) zeroes the old values in the file, and the WAL is checkpointed
and truncated afterwards so no copy of a page stays in it. Noted in the audit trail."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, case, text, update
from sqlalchemy.orm import Session

from desktop.domain import SyncState
from desktop.settings import RETENTION_DAYS, Option
from desktop.store.audit import Action, note
from desktop.store.models import Complaint

if TYPE_CHECKING:
    from desktop.store.records import DeskContext

log = logging.getLogger("posko.db")
T = TypeVar("T")


class Retention:
    """The retention method of ``desktop.store.database.Database``."""

    if TYPE_CHECKING:
        engine: Engine

        def session(self) -> AbstractContextManager[Session]: ...

        def require_context(self) -> DeskContext: ...

        def get(self, option: Option[T]) -> T: ...

    def erase_expired(self, *, now: datetime | None = None) -> int:
        """Erase the personal data of every report confirmed by the central system more
        than the retention period ago; how many reports were erased."""
        moment = now or datetime.now(UTC)
        days = int(self.get(RETENTION_DAYS))
        context = self.require_context()
        table = Complaint
        secret: Any = table.confidential.is_(True)
        with self.session() as s:
            result = s.execute(
                update(table)
                .where(
                    table.sync_state == SyncState.SENT.value,
                    table.sent_revision == table.revision,
                    table.sent_at <= moment - timedelta(days=days),
                    table.personal_erased_at.is_(None),
                )
                .values(
                    reporter_name="",
                    phone="",
                    email="",
                    title=case((secret, ""), else_=table.title),
                    description=case((secret, ""), else_=table.description),
                    location=case((secret, ""), else_=table.location),
                    personal_erased_at=moment,
                )
                .execution_options(synchronize_session=False)
            )
            erased = int(getattr(result, "rowcount", 0) or 0)
            if erased:
                note(s, context, Action.PERSONAL_DATA_ERASED, "",
                     f"{erased} reports, {days} days after sending", at=moment,
                     operator=(None, ""))  # fmt: skip
        if erased:
            with self.engine.connect() as conn:  # no old page left in the WAL either
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            log.info("personal data of %d reports erased after %d days", erased, days)
        return erased


__all__ = ["Retention"]
