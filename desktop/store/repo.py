"""The desk's store: the one object the window, the command line and the sync hold for a
profile. It opens its database (``desktop.store.database``: SQLAlchemy, the migrations, the
identity checks) on first use, from whichever thread asks first, so the desk's window shows
before any of that is imported; ``Store.open`` opens at once, and raises at once.

Opening can raise ``DatabaseVanished`` (the file is gone but the profile had a desk) and
``DatabaseDamaged``; ``opened`` says whether a call may still have to open (a widget that
must not wait asks the task pool instead, ``desktop.ui.tasks``)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from desktop.domain import ComplaintInput, PaperSize
from desktop.paths import Profile
from desktop.settings import Option
from desktop.store.errors import EnrolledForAnotherPost, NotSetUp
from posko.catalog import Catalog, default_catalog
from posko.i18n import N_

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from desktop.outreach import OutreachTotals, TallyRecord
    from desktop.store.audit import Action, AuditEntry
    from desktop.store.context import ReceiptPrinting
    from desktop.store.database import Database
    from desktop.store.health import DatabaseDamaged
    from desktop.store.identity import Identity, Notice
    from desktop.store.operators import OperatorAccount, Role
    from desktop.store.records import ComplaintQuery, ComplaintRecord, DeskContext, DraftRecord
    from desktop.survey.entry import SurveyInput, SurveyRow
    from posko.campaign import Campaign
    from posko.survey_extra import ExtraQuestion

T = TypeVar("T")
__all__ = ["EnrolledForAnotherPost", "NotSetUp", "Store"]


class Store:
    """A profile's reports, settings and drafts. Thread-safe: each call is its own session,
    and plain data comes back. Not opened until first used (``open`` opens now)."""

    def __init__(self, profile: Profile, catalog: Catalog | None = None) -> None:
        self.profile = profile
        self.catalog = catalog or default_catalog()
        self._database: Database | None = None
        self._opening = threading.Lock()  # a widget's worker and the GUI may both open it

    @classmethod
    def open(cls, profile: Profile, catalog: Catalog | None = None) -> Store:
        """The profile's store, opened now: ``DatabaseVanished`` or ``DatabaseDamaged``
        (a copy kept in ``damaged/``) are raised here rather than at the first call."""
        store = cls(profile, catalog)
        store.database()
        return store

    @property
    def opened(self) -> bool:
        """True when a call will not first have to import and open the database."""
        return self._database is not None

    def database(self) -> Database:
        """The open database, opened on the first call."""
        if self._database is None:
            with self._opening:
                if self._database is None:
                    from desktop.store.database import Database

                    self._database = Database.open(self.profile, self.catalog)
        return self._database

    def close(self) -> None:
        """Let go of the file's connections (a later call connects again, to the same file,
        without the checks of opening: a window being replaced may still ask)."""
        if self._database is not None:
            self._database.close()

    # -- the file ---------------------------------------------------------------------------
    @property
    def notices(self) -> list[Notice]:
        """What opening fixed (an older copy of the database), to tell the operator."""
        return self.database().notices

    @property
    def engine(self) -> Engine:
        return self.database().engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.database().session() as session:
            yield session

    @property
    def damage(self) -> DatabaseDamaged | None:
        return self.database().damage

    def mark_damaged(self, found: DatabaseDamaged) -> DatabaseDamaged:
        return self.database().mark_damaged(found)

    def record_identity(self) -> Identity | None:
        return self.database().record_identity()

    def integrity_check(self) -> str:
        return self.database().integrity_check()

    # -- settings and the desk's post -----------------------------------------------------
    def get(self, option: Option[T]) -> T:
        return self.database().get(option)

    def set(self, option: Option[T], value: T) -> None:
        self.database().set(option, value)

    def context(self) -> DeskContext | None:
        return self.database().context()

    def write_count(self) -> int:
        """How many commits that changed something this process has made, through any
        store (0 until a database is opened): a widget compares it to see whether its
        figures are old."""
        if self._database is None:
            return 0
        from desktop.store.database import WRITES

        return WRITES[0]

    def require_context(self) -> DeskContext:
        return self.database().require_context()

    def setup(
        self,
        *,
        post_code: str,
        post_name: str,
        operator: str,
        central_url: str = "",
        language: str | None = None,
        paper: PaperSize | None = None,
        time_zone: str | None = None,
        printing: ReceiptPrinting | None = None,
        survey_services: Sequence[str] | None = None,
        by: OperatorAccount | None = None,
    ) -> DeskContext:
        return self.database().setup(
            post_code=post_code,
            post_name=post_name,
            operator=operator,
            central_url=central_url,
            language=language,
            paper=paper,
            time_zone=time_zone,
            printing=printing,
            survey_services=survey_services,
            by=by,
        )

    def adopt_enrollment(
        self, *, tracking_prefix: str, next_sequence: int, post_code: str
    ) -> DeskContext:
        return self.database().adopt_enrollment(
            tracking_prefix=tracking_prefix, next_sequence=next_sequence, post_code=post_code
        )

    # -- the audit trail (desktop.store.audit) -----------------------------------------------

    def audit(
        self,
        action: Action,
        subject: str = "",
        detail: str = "",
        *,
        by: OperatorAccount | None = None,
    ) -> None:
        self.database().audit(action, subject, detail, by=by)

    def audit_trail(
        self,
        *,
        action: str = "",
        operator: str = "",
        first: date | None = None,
        last: date | None = None,
        limit: int = 500,
    ) -> list[AuditEntry]:
        return self.database().audit_trail(
            action=action, operator=operator, first=first, last=last, limit=limit
        )

    def erase_expired(self, *, now: datetime | None = None) -> int:
        """``desktop.store.retention``: personal data past its retention, erased."""
        return self.database().erase_expired(now=now)

    # -- the team (desktop.store.operators) --------------------------------------------------

    def operator_accounts(self, *, inactive: bool = False) -> list[OperatorAccount]:
        return self.database().operator_accounts(inactive=inactive)

    def needs_coordinator(self) -> bool:
        return self.database().needs_coordinator()

    @property
    def signed_in_here(self) -> bool:
        """Someone signed in through this store (``desktop.store.operators``)."""
        return self.database().signed_in_here

    def first_coordinator(self, name: str, pin: str, repeated: str) -> DeskContext:
        return self.database().first_coordinator(name, pin, repeated)

    def sign_in(self, name: str, pin: str, *, now: datetime | None = None) -> DeskContext:
        return self.database().sign_in(name, pin, now=now)

    def check_pin(self, name: str, pin: str, *, now: datetime | None = None) -> OperatorAccount:
        return self.database().check_pin(name, pin, now=now)

    def require(self, role: Role, doing: str, *, by: OperatorAccount | None = None) -> DeskContext:
        return self.database().require(role, doing, by=by)

    def set_kiosk_pin(
        self, pin: str, repeated: str | None, *, by: OperatorAccount | None = None
    ) -> None:
        self.database().set_kiosk_pin(pin, repeated, by=by)

    def save_operator(
        self,
        name: str,
        *,
        role: Role,
        pin: str = "",
        repeated: str = "",
        active: bool = True,
        renamed_from: str = "",
    ) -> OperatorAccount:
        return self.database().save_operator(
            name, role=role, pin=pin, repeated=repeated, active=active, renamed_from=renamed_from
        )

    # -- reports ----------------------------------------------------------------------------
    def save_complaint(
        self, data: ComplaintInput, *, now: datetime | None = None
    ) -> ComplaintRecord:
        return self.database().save_complaint(data, now=now)

    def edit_complaint(
        self, tracking_id: str, data: ComplaintInput, *, now: datetime | None = None
    ) -> ComplaintRecord:
        return self.database().edit_complaint(tracking_id, data, now=now)

    def save_many(
        self, items: Iterable[tuple[ComplaintInput, datetime]], *, now: datetime | None = None
    ) -> int:
        return self.database().save_many(items, now=now)

    def save_survey_responses(
        self, responses: Sequence[SurveyInput], *, now: datetime | None = None
    ) -> int:
        return self.database().save_survey_responses(responses, now=now)

    def campaign(self) -> Campaign | None:
        """The outreach campaign this desk counts towards (``posko campaign set``)."""
        from desktop.settings import CAMPAIGN
        from posko.campaign import Campaign, CampaignError

        text = self.get(CAMPAIGN)
        try:
            return Campaign.from_json(text) if text else None
        except CampaignError:
            return None  # checked when it was set; a damaged value counts as none

    def set_campaign(
        self,
        campaign: Campaign | None,
        *,
        from_central: bool = False,
        by: OperatorAccount | None = None,
    ) -> None:
        """Set (or with None clear) the campaign; ``from_central``: the central system's,
        taken by a sync (which then also clears it when the central system has none).
        Otherwise a coordinator's (the one on duty, or ``by``)."""
        from desktop.settings import CAMPAIGN, CAMPAIGN_FROM_CENTRAL
        from desktop.store.operators import Role

        if not from_central:
            self.require(Role.KOORDINATOR, N_("change the campaign"), by=by)

        self.set(CAMPAIGN, campaign.to_json() if campaign is not None else "")
        self.set(CAMPAIGN_FROM_CENTRAL, from_central and campaign is not None)

    def campaign_from_central(self) -> bool:
        from desktop.settings import CAMPAIGN_FROM_CENTRAL

        return bool(self.get(CAMPAIGN_FROM_CENTRAL))

    def survey_extra_questions(self) -> tuple[ExtraQuestion, ...]:
        return self.database().survey_extra_questions()

    def set_survey_extra_questions(
        self, definition: str, *, by: OperatorAccount | None = None
    ) -> tuple[ExtraQuestion, ...]:
        return self.database().set_survey_extra_questions(definition, by=by)

    def survey_totals(
        self,
        *,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        service_code: str = "",
        post_code: str = "",
        codes: Sequence[str] = (),
    ) -> dict[str, tuple[int, dict[str, int], dict[str, int]]]:
        return self.database().survey_totals(
            date_from=date_from,
            date_to=date_to,
            service_code=service_code,
            post_code=post_code,
            codes=codes,
        )

    def survey_answers(
        self,
        *,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        service_code: str = "",
    ) -> list[SurveyRow]:
        return self.database().survey_answers(
            date_from=date_from, date_to=date_to, service_code=service_code
        )

    def iter_survey_answers(
        self,
        *,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        service_code: str = "",
        post_code: str = "",
    ) -> Iterator[SurveyRow]:
        return self.database().iter_survey_answers(
            date_from=date_from, date_to=date_to, service_code=service_code, post_code=post_code
        )

    # -- outreach ---------------------------------------------------------------------------
    def record_people_reached(self, count: int, *, now: datetime | None = None) -> TallyRecord:
        return self.database().record_people_reached(count, now=now)

    def record_handed_out(
        self, item: str, count: int = 1, *, now: datetime | None = None
    ) -> TallyRecord:
        return self.database().record_handed_out(item, count, now=now)

    def record_stock_received(
        self, item: str, quantity: int, note: str = "", *, now: datetime | None = None
    ) -> str:
        return self.database().record_stock_received(item, quantity, note, now=now)

    def undo_tally(self, tap: str, *, now: datetime | None = None) -> TallyRecord:
        return self.database().undo_tally(tap, now=now)

    def last_tally(self, *, since: datetime | None = None) -> TallyRecord | None:
        return self.database().last_tally(since=since)

    def undo_last_tally(
        self, *, since: datetime | None = None, now: datetime | None = None
    ) -> TallyRecord | None:
        return self.database().undo_last_tally(since=since, now=now)

    def outreach_totals(
        self, *, date_from: datetime | None = None, date_to: datetime | None = None
    ) -> OutreachTotals:
        return self.database().outreach_totals(date_from=date_from, date_to=date_to)

    def stock_levels(self) -> dict[str, int]:
        return self.database().stock_levels()

    def complaint(self, tracking_id: str) -> ComplaintRecord | None:
        return self.database().complaint(tracking_id)

    def search(
        self, query: ComplaintQuery, *, offset: int = 0, limit: int = 200
    ) -> list[ComplaintRecord]:
        return self.database().search(query, offset=offset, limit=limit)

    def count(self, query: ComplaintQuery) -> int:
        return self.database().count(query)

    def queue_count(self) -> int:
        return self.database().queue_count()

    def attention_count(self) -> int:
        return self.database().attention_count()

    def categories_in_use(self) -> Sequence[str]:
        return self.database().categories_in_use()

    # -- drafts -----------------------------------------------------------------------------
    def save_draft(self, draft_id: str, form: str, content: dict[str, Any]) -> None:
        self.database().save_draft(draft_id, form, content)

    def drafts(self, form: str) -> list[DraftRecord]:
        return self.database().drafts(form)

    def load_draft(self, draft_id: str) -> dict[str, Any] | None:
        return self.database().load_draft(draft_id)

    def delete_draft(self, draft_id: str) -> bool:
        return self.database().delete_draft(draft_id)
