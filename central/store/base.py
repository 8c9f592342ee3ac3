"""The central store's foundations: one engine, a session per call, the catalog, the clock, and
the one row every store needs (the central system's own device)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    Engine,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from central import models
from central.views import AGENCY_OFFICER as AGENCY_OFFICER  # re-exported with the roles
from central.views import COORDINATOR as COORDINATOR
from central.views import STAFF_ROLES as STAFF_ROLES
from posko import tracking
from posko.catalog import Catalog, default_catalog
from posko.workdays import deadlines

CENTRAL_DEVICE_NUMBER = 0
SYSTEM_ACTOR = "system"
ROLES = ("staff", "open311")
STAFF_TOKEN_DAYS = 90  # a staff token's default lifetime; Open311 keys do not expire
MAX_STAFF_TOKEN_DAYS = 366


def note_central_action(
    session: Session,
    *,
    actor: str,
    action: str,
    target: str,
    detail: str = "",
    client_id: int | None = None,
    at: datetime | None = None,
) -> None:
    """One line of the central system's own audit trail, in the caller's transaction (so
    the line and the change it records stand or fall together). Codes only in ``detail``:
    never a reporter's data or a report's text."""
    session.add(
        models.CentralAuditEvent(
            actor=actor[:100],
            actor_client_id=client_id,
            action=action,
            target=target[:100],
            detail=detail[:200],
            created_at=at or _now(),
        )
    )


class EnrollError(ValueError):
    """An enrollment code that cannot be used; ``reason`` is one of the constants."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    BAD_PROOF = "bad_proof"  # the signature does not prove the key
    BAD_PREFIX = "bad_prefix"  # the provisional prefix is not the key's
    REVOKED = "revoked"  # this key's device was revoked
    OTHER_POST = "other_post"  # this key's device is enrolled, with a live token, elsewhere

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFound(LookupError):
    """No such tracking ID, device or client."""


def _now() -> datetime:
    return datetime.now(UTC)


class StoreBase:
    """The engine, a session per call, the catalog and the clock every job shares."""

    def __init__(
        self,
        engine: Engine,
        catalog: Catalog | None = None,
        *,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.engine = engine
        self.catalog = catalog or default_catalog()
        # "Now" for the due lists (tests give a fixed clock; ``due`` also takes ``now``).
        self.clock = clock
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._central_device_id = self._ensure_central_device()

    def session(self) -> Session:
        return self._sessions()

    def close(self) -> None:
        self.engine.dispose()

    def _ensure_central_device(self) -> int:
        with self.session() as session, session.begin():
            row = session.scalar(
                select(models.Device).where(models.Device.number == CENTRAL_DEVICE_NUMBER)
            )
            if row is not None:
                return row.id
        try:
            with self.session() as session, session.begin():
                row = models.Device(
                    number=CENTRAL_DEVICE_NUMBER,
                    tracking_prefix=tracking.enrolled_prefix(CENTRAL_DEVICE_NUMBER),
                    post_code="PUSAT",
                    label="central system",
                )
                session.add(row)
                session.flush()
                return row.id
        except IntegrityError:  # another worker made it first
            with self.session() as session:
                found = session.scalar(
                    select(models.Device.id).where(models.Device.number == CENTRAL_DEVICE_NUMBER)
                )
                assert found is not None
                return found

    @property
    def central_device_id(self) -> int:
        return self._central_device_id

    def _expected(self, report_type: str, category: str, received: datetime) -> datetime:
        """The answer's due moment in working days, counted from when the citizen reported
        (at the post, even if the post was offline for days): the same date the receipt
        promised, computed here with the central system's calendar, which is authoritative."""
        found = self.catalog.get(category)
        return deadlines(report_type, found.group if found else "", received).expected_datetime()
