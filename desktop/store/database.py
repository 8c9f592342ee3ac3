"""The desk's open database: every read and write, in SQL. Every method opens its own short
session and returns plain data, so callers on any thread never hold ORM objects. Everyone
else holds the ``Store`` (``desktop.store.repo``), which opens this on first use.

Opened on a profile, the database also keeps the desk's identity file (``identity``) in step:
it checks at open that the database has not vanished or gone back in time (``DatabaseVanished``;
``notices`` says what it fixed), records every tracking number issued, and stops writing
into a database found damaged (``DatabaseDamaged``)."""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    Engine,
    Select,
    event,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import ORMExecuteState, Session, aliased, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from desktop.domain import (
    ComplaintInput,
    ComplaintType,
    FieldError,
    PaperSize,
    SyncState,
    ValidationError,
)
from desktop.outreach import (
    MAX_QUANTITY,
    MERCHANDISE,
    PEOPLE_REACHED,
    OutreachTotals,
    TallyRecord,
    checked_count,
    checked_item,
    checked_note,
)
from desktop.paths import Profile
from desktop.programme import receipt_url
from desktop.settings import (
    CENTRAL_URL,
    DEVICE_ID,
    ENROLLED_DEVICE_ID,
    LANGUAGE,
    OPERATOR_ID,
    PAPER,
    POST_ID,
    PRINT_ON_SAVE,
    RECEIPT_PRINTER,
    SURVEY_EXTRA,
    SURVEY_SERVICES,
    TIME_ZONE,
    Option,
)
from desktop.store import desk_key, health, identity, start_card
from desktop.store.audit import Action, Audit, note
from desktop.store.context import ReceiptPrinting
from desktop.store.db import open_database
from desktop.store.errors import EnrolledForAnotherPost, NotSetUp
from desktop.store.health import DatabaseDamaged, DatabaseVanished, newest_backups
from desktop.store.identity import Notice
from desktop.store.models import (
    Complaint,
    Device,
    Draft,
    Operator,
    Post,
    Setting,
    StockMovement,
    SurveyResponse,
    TallyEvent,
)
from desktop.store.operators import NotAllowed, OperatorAccount, Operators, Role
from desktop.store.outbox import KINDS
from desktop.store.records import (
    SORT_KEYS,
    ComplaintQuery,
    ComplaintRecord,
    DeskContext,
    DraftRecord,
)
from desktop.store.retention import Retention
from desktop.survey.entry import SurveyInput, SurveyRow
from posko import survey_extra, tracking
from posko.catalog import Catalog, default_catalog
from posko.i18n import N_, _
from posko.status import CentralStatus
from posko.survey_extra import ExtraQuestion
from posko.wire import ComplaintPayload
from posko.workdays import COVID_GROUP, WIB, deadlines

log = logging.getLogger("posko.db")
T = TypeVar("T")


def _note_device_change(state: ORMExecuteState) -> None:
    """An UPDATE of the device row (a prefix or enrollment change, made here or by the
    enrollment): the identity file is rewritten once the session commits."""
    if state.is_update and getattr(state.statement, "table", None) is Device.__table__:
        state.session.info.setdefault("device_changed", True)


# Commits that changed something, made in this process through any Database (the window's,
# the sync's own: a report saved, a tap, statuses pulled): the Statistik section watches the
# count to follow the data.
WRITES = [0]


def _note_write(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["wrote"] = True


def vanished(profile: Profile, reason: str) -> DatabaseVanished:
    """The error for a profile whose desk's database is gone, with what can bring it back."""
    try:
        known = identity.read(profile)
    except identity.IdentityError:
        known = None
    return DatabaseVanished(
        profile.database,
        reason,
        known if known is not None and known.is_desk else None,
        newest_backups(profile),
    )


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants where ``day`` (the desk's local calendar day) starts and ends."""
    start = datetime.combine(day, time.min).astimezone()
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


# One definition of a complaint's fields: the wire model (``posko.wire``). What the
# operator types is the model's fields the table keeps, less those the desk makes itself;
# ``category_suggested`` (the routing's guess, kept for the statistics) is the desk's own.
_TABLE = frozenset(Complaint.__table__.columns.keys())
_MADE_BY_THE_DESK = frozenset({"uuid", "revision", "tracking_id", "secret", "type", "created_at"})
TYPED_FIELDS = (
    *(f for f in ComplaintPayload.model_fields if f in _TABLE and f not in _MADE_BY_THE_DESK),
    "category_suggested",
)
# A record's fields read straight from its row (the others are joined or converted).
RECORD_COLUMNS = tuple(
    f.name for f in dataclasses.fields(ComplaintRecord) if f.name in _TABLE and f.name != "type"
)


def _first_day_not_late(report_type: str, group: str, today: date) -> datetime:
    """The start (in WIB, where deadlines are counted) of the first day whose reports of
    this rule are not yet late on ``today``: every report made before it is."""
    day = today
    while (
        deadlines(
            report_type, group, datetime.combine(day - timedelta(days=1), time(12), WIB)
        ).answer_by
        >= today
    ):
        day -= timedelta(days=1)
    return datetime.combine(day, time.min, WIB)


_TALLY_TABLE = TallyEvent.__table__
_TALLY_COLUMNS = tuple(getattr(TallyEvent, f.name) for f in dataclasses.fields(TallyRecord))


def _undo_refused(message: str) -> ValidationError:
    return ValidationError([FieldError("undoes", message)])


def typed_fields(clean: ComplaintInput) -> dict[str, Any]:
    """The row's values for what the operator typed (``clean`` validated)."""
    return {name: getattr(clean, name) for name in TYPED_FIELDS}


# Settings the identity file carries (to resume a desk whose database vanished).
IDENTITY_OPTIONS = frozenset(
    o.key for o in (CENTRAL_URL, ENROLLED_DEVICE_ID, LANGUAGE, PAPER, TIME_ZONE)
)


def _move_team(s: Session, old_post: int, new_post: int) -> None:
    """The desk moved to another post: its team goes with it, roles and PINs and all (an
    operator whose name the new post has already stays behind). Without this the new post
    would have no coordinator, and roles would be off."""
    taken = select(Operator.name).where(Operator.post_id == new_post)
    s.execute(
        update(Operator)
        .where(Operator.post_id == old_post, Operator.name.not_in(taken))
        .values(post_id=new_post)
        .execution_options(synchronize_session=False)
    )


def _seal_leftovers(profile: Profile, key: bytes) -> None:
    """No reporter's data left in the clear from before encryption or from a recovery cut
    short: copies in ``damaged/`` sealed, recovery scratch folders removed."""
    import shutil

    from desktop.store import cipher

    cipher.seal_folder(profile.damaged, key)
    for scratch in profile.root.glob(".recover-*"):
        shutil.rmtree(scratch, ignore_errors=True)


class Database(Operators, Audit, Retention):
    def __init__(
        self, engine: Engine, catalog: Catalog | None = None, profile: Profile | None = None
    ) -> None:
        self.engine = engine
        self.catalog = catalog or default_catalog()
        # The profile holds the device key the setup derives the provisional prefix from.
        self.profile = profile
        self.notices: list[Notice] = []
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._path = profile.database if profile is not None else None
        event.listen(self._sessions, "do_orm_execute", _note_device_change)
        event.listen(engine, "connect", self._on_connect)
        event.listen(self._sessions, "do_orm_execute", _note_write)
        event.listen(self._sessions, "after_commit", self._count_write)

    @classmethod
    def open(cls, profile: Profile, catalog: Catalog | None = None) -> Database:
        """The profile's store. Raises ``DatabaseVanished`` when the database is gone (or
        empty) but the profile had a desk, ``DatabaseDamaged`` (a copy kept in
        ``damaged/``) when the file is damaged or was found damaged before;
        ``desk_key.KeyProblem`` when the database's key needs the operator (a passphrase)."""
        profile.ensure()
        key = desk_key.unlock(profile)  # every file of the profile is read with it from here on
        if key:
            _seal_leftovers(profile, key)
        path = profile.database
        known = health.still_damaged(path)
        if known is not None:
            raise known
        try:
            state = health.check_header(path)
        except DatabaseDamaged as exc:
            raise health.mark_damaged(path, profile.damaged, exc) from exc
        if state in ("missing", "empty") and identity.had_desk(profile):
            reason = DatabaseVanished.MISSING if state == "missing" else DatabaseVanished.EMPTY
            raise vanished(profile, reason)
        try:
            engine = open_database(path, profile.backups)
        except DatabaseDamaged as exc:
            raise health.mark_damaged(path, profile.damaged, exc) from exc
        store = cls(engine, catalog, profile)
        try:
            store.notices = store._reconcile_identity()
        except BaseException:
            store.close()
            raise
        profile.secure()  # the WAL and its index, made by this open
        return store

    def close(self) -> None:
        self.engine.dispose()

    @staticmethod
    def _count_write(session: Session) -> None:
        if session.info.pop("wrote", False):
            WRITES[0] += 1

    def _on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        if self._path is not None and health.damaged(self._path) is not None:
            dbapi_connection.execute("PRAGMA query_only=1")  # nothing more into a damaged file

    @property
    def damage(self) -> DatabaseDamaged | None:
        """The damage found in this store's file, if any (then it no longer writes)."""
        return health.damaged(self._path) if self._path is not None else None

    def mark_damaged(self, found: DatabaseDamaged) -> DatabaseDamaged:
        """Stop writing into the file (this store and every other one in the process), keep
        a copy of it and leave the marker; returns the damage with the copy's path."""
        if self.profile is None:
            return found
        marked = health.mark_damaged(self.profile.database, self.profile.damaged, found)
        self.engine.dispose()  # pooled connections go; new ones are read-only
        return marked

    def _refuse_if_damaged(self) -> None:
        known = self.damage
        if known is not None:
            raise known

    @contextmanager
    def session(self) -> Iterator[Session]:
        try:
            with self._sessions.begin() as session:
                info = session.info
                yield session
        except DBAPIError as exc:
            raise self._translated(exc) from exc
        self._after_commit(info)

    def _translated(self, exc: DBAPIError) -> Exception:
        """A damaged file's errors as ``DatabaseDamaged`` (and the file marked); a write
        refused because the file was marked, too. Anything else as it was."""
        if self._path is None:
            return exc
        if health.is_damage(exc):
            return self.mark_damaged(health.damage_from(self._path, exc))
        known = self.damage
        if known is not None and health.error_code(exc) == health.SQLITE_READONLY:
            return known
        return exc

    # -- the identity file ----------------------------------------------------------------
    def _after_commit(self, info: dict[Any, Any]) -> None:
        if self.profile is None:
            return
        issued = info.get("issued")
        try:
            if issued is not None and identity.record_issued(self.profile, *issued):
                return
            if issued is not None or info.get("device_changed"):
                self.record_identity()
        except OSError as exc:  # the report is saved; the next save tries again
            log.error("the identity file could not be written: %s", exc)

    def record_identity(self) -> identity.Identity | None:
        """Write the identity file from the database (merging the numbers on disk)."""
        if self.profile is None:
            return None
        with self._sessions() as s:
            values = self._settings(s)
            device = s.get(Device, DEVICE_ID.parse(values.get(DEVICE_ID.key)))
            if device is None:
                return None
            post = s.get(Post, POST_ID.parse(values.get(POST_ID.key)))
            operator = s.get(Operator, OPERATOR_ID.parse(values.get(OPERATOR_ID.key)))
            snapshot = identity.Identity(
                device_uuid=device.uuid,
                prefix=device.tracking_prefix,
                issued={device.tracking_prefix: device.next_sequence - 1},
                enrolled=device.enrolled,
                enrolled_device_id=ENROLLED_DEVICE_ID.parse(values.get(ENROLLED_DEVICE_ID.key)),
                central_url=CENTRAL_URL.parse(values.get(CENTRAL_URL.key)),
                post_code=post.code if post else "",
                post_name=post.name if post else "",
                operator=operator.name if operator else "",
                language=LANGUAGE.parse(values.get(LANGUAGE.key)),
                paper=PAPER.parse(values.get(PAPER.key)),
                time_zone=TIME_ZONE.parse(values.get(TIME_ZONE.key)),
            )
        return identity.record(self.profile, snapshot)

    def _reconcile_identity(self) -> list[Notice]:
        """At open: the database against the identity file. A database from before the
        last number issued (an old backup) gets its sequence raised past it (and the
        prefix and enrollment back, when it predates them); a profile older than the
        identity file gets one. Raises ``DatabaseVanished`` for an empty database in a
        profile that had a desk."""
        assert self.profile is not None
        profile = self.profile
        try:
            known = identity.read(profile)
        except identity.IdentityError as exc:
            log.error(
                "the identity file %s cannot be read (%s); rewriting it", profile.identity, exc
            )
            known = None
        notices: list[Notice] = []
        with self.session() as s:
            values = self._settings(s)
            device = s.get(Device, DEVICE_ID.parse(values.get(DEVICE_ID.key)))
            if device is None:
                if identity.had_desk(profile):
                    raise vanished(profile, DatabaseVanished.NOT_SET_UP)
                return notices
            if known is None:
                s.info["device_changed"] = True
                return notices
            prefix, stored = device.tracking_prefix, device.next_sequence - 1
            if known.is_desk and known.device_uuid != device.uuid:
                log.warning("the database's device is not the one the identity file names")
            newer_prefix = (
                known.device_uuid == device.uuid
                and known.prefix != prefix
                and prefix in known.issued
            )
            # A file from before the desk was given its current prefix: back to that one.
            target = known.prefix if newer_prefix else prefix
            recorded = known.highest(target)
            if newer_prefix or (recorded is not None and stored < recorded):
                last = recorded or 0
                changes: dict[str, Any] = {
                    "next_sequence": func.max(Device.next_sequence, last + 1)
                }
                if newer_prefix:
                    changes.update(next_sequence=last + 1, tracking_prefix=target)
                    changes.update(enrolled=known.enrolled)
                    for option, value in (
                        (CENTRAL_URL, known.central_url),
                        (ENROLLED_DEVICE_ID, known.enrolled_device_id),
                    ):
                        s.merge(Setting(key=option.key, value=option.dump(value)))
                s.execute(update(Device).where(Device.id == device.id).values(**changes))
                notices.append(
                    Notice(
                        Notice.ROLLED_BACK,
                        last_issued=tracking.TrackingId.make(target, last).compact if last else "",
                        last_in_file=tracking.TrackingId.make(prefix, stored).compact
                        if stored > 0
                        else "",
                    )
                )
                log.warning(
                    "the database is older than the identity file: sequence %d of %s raised to %d",
                    stored,
                    prefix,
                    last + 1,
                )
            s.info["device_changed"] = True
        return notices

    # -- settings ---------------------------------------------------------------------------
    def get(self, option: Option[T]) -> T:
        with self.session() as s:
            row = s.get(Setting, option.key)
            return option.parse(row.value if row else None)

    def set(self, option: Option[T], value: T) -> None:
        with self.session() as s:
            s.merge(Setting(key=option.key, value=option.dump(value)))
            if option.key in IDENTITY_OPTIONS:
                s.info["device_changed"] = True
        if option.key in start_card.KEYS:
            self.context()  # keeps the start card in step

    def _settings(self, s: Session) -> dict[str, str]:
        return {row.key: row.value for row in s.scalars(select(Setting))}

    # -- first run ----------------------------------------------------------------------------
    def context(self) -> DeskContext | None:
        with self.session() as s:
            values = self._settings(s)
            post = s.get(Post, POST_ID.parse(values.get(POST_ID.key)))
            operator = s.get(Operator, OPERATOR_ID.parse(values.get(OPERATOR_ID.key)))
            device = s.get(Device, DEVICE_ID.parse(values.get(DEVICE_ID.key)))
            if post is None or operator is None or device is None:
                return None
            context = start_card.context_of(
                values,
                (post.id, post.code, post.name),
                (operator.id, operator.name, operator.role),
                (device.id, device.tracking_prefix, device.enrolled),
            )
        if self.profile is not None:
            start_card.keep(self.profile, context)  # what the next start draws first
        return context

    def require_context(self) -> DeskContext:
        context = self.context()
        if context is None:
            raise NotSetUp("the desk is not set up")
        return context

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
        """Record (or change) this desk's post and operator; the device is made once, with
        its key (in the profile) and the provisional prefix derived from that key. An
        enrolled desk keeps the post it was enrolled for (``EnrolledForAnotherPost``).
        Once the desk has a coordinator, a change is a coordinator's (the one on duty, or
        ``by``, whose PIN was just checked), and the operator is not changed here (except
        to ``by``): operators come on duty by signing in."""
        current = self.context()
        if current is not None and not self.needs_coordinator():
            self.require(Role.KOORDINATOR, N_("change the desk's settings"), by=by)
            if operator.strip() not in (current.operator_name, by.name if by else None):
                raise NotAllowed(_("An operator comes on duty by signing in (F2), not here."))
        if current is not None and current.enrolled and post_code != current.post_code:
            raise EnrolledForAnotherPost(current.post_code)
        with self.session() as s:
            post = s.scalar(select(Post).where(Post.code == post_code))
            if post is None:
                post = Post(code=post_code, name=post_name.strip())
                s.add(post)
            else:
                post.name = post_name.strip()
            s.flush()
            if current is not None and post.id != current.post_id:
                _move_team(s, current.post_id, post.id)  # roles, PINs and all
            op = s.scalar(
                select(Operator).where(
                    Operator.post_id == post.id, Operator.name == operator.strip()
                )
            )
            if op is None:
                op = Operator(name=operator.strip(), post_id=post.id)
                s.add(op)
            values = self._settings(s)
            device = s.get(Device, DEVICE_ID.parse(values.get(DEVICE_ID.key)))
            if device is None:
                device = Device(
                    uuid=str(uuid.uuid4()),
                    tracking_prefix=self._provisional_prefix(),
                    enrolled=False,
                    next_sequence=1,
                )
                s.add(device)
            s.flush()
            updates: list[tuple[Option[Any], Any]] = [
                (POST_ID, post.id),
                (OPERATOR_ID, op.id),
                (DEVICE_ID, device.id),
                (CENTRAL_URL, central_url.strip().rstrip("/")),
            ]
            if language is not None:
                updates.append((LANGUAGE, language))
            if paper is not None:
                updates.append((PAPER, paper.value))
            if time_zone is not None:
                updates.append((TIME_ZONE, time_zone))
            if printing is not None:
                updates.append((RECEIPT_PRINTER, printing.printer.strip()))
                updates.append((PRINT_ON_SAVE, printing.on_save))
            if survey_services is not None:
                updates.append((SURVEY_SERVICES, ",".join(survey_services)))
            for option, value in updates:
                s.merge(Setting(key=option.key, value=option.dump(value)))
            if current is not None:
                note(s, current, Action.SETTINGS_CHANGED)
        if self.profile is not None:  # a prefix this profile used before numbers on
            self.notices += self._reconcile_identity()
        return self.require_context()

    def _provisional_prefix(self) -> str:
        """The prefix of the IDs made before enrollment: derived from the device key, so the
        central system takes them from this desk alone (``tracking.provisional_prefix_for``)."""
        from desktop import keys

        if self.profile is None:
            raise NotSetUp("a desk is set up in a profile, where its key is kept")
        key = keys.load_or_create(self.profile)
        return tracking.provisional_prefix_for(keys.public_bytes(key))

    def adopt_enrollment(
        self, *, tracking_prefix: str, next_sequence: int, post_code: str
    ) -> DeskContext:
        """The central system enrolled this desk: its prefix, where that prefix's sequence
        stands (never lowered, never at a number the central system has seen) and the post
        the coordinator's code was made for."""
        context = self.require_context()
        with self.session() as s:
            device = s.get(Device, context.device_id)
            assert device is not None
            sequence = next_sequence
            if device.tracking_prefix == tracking_prefix:
                sequence = max(sequence, device.next_sequence)
            if self.profile is not None:  # numbers issued, even those in a lost database
                recorded = identity.highest_issued(self.profile, tracking_prefix)
                if recorded is not None:
                    sequence = max(sequence, recorded + 1)
            device.tracking_prefix = tracking_prefix
            device.next_sequence = sequence
            device.enrolled = True
            note(s, context, Action.ENROLLED, tracking_prefix)
            if post_code != context.post_code:
                self._move_to_post(s, context, post_code)
        return self.require_context()

    def _move_to_post(self, s: Session, context: DeskContext, post_code: str) -> None:
        """Reports from now on, and those not sent yet, carry ``post_code``."""
        taken = s.scalar(select(Post).where(Post.code == post_code))
        if taken is None:
            post = s.get(Post, context.post_id)
            assert post is not None
            post.code = post_code
            return
        _move_team(s, context.post_id, taken.id)
        operator = s.scalar(
            select(Operator).where(
                Operator.post_id == taken.id, Operator.name == context.operator_name
            )
        )
        if operator is None:
            operator = Operator(name=context.operator_name, post_id=taken.id)
            s.add(operator)
            s.flush()
        s.merge(Setting(key=POST_ID.key, value=POST_ID.dump(taken.id)))
        s.merge(Setting(key=OPERATOR_ID.key, value=OPERATOR_ID.dump(operator.id)))

    # -- complaints ---------------------------------------------------------------------------
    def save_survey_responses(
        self, responses: Sequence[SurveyInput], *, now: datetime | None = None
    ) -> int:
        """Validate and store SKM questionnaires in one transaction (all or none); the
        outbox sends them. One whose ``uuid`` is already stored is skipped (an import run
        twice adds nothing). Returns how many were added."""
        moment = now or datetime.now(UTC)
        context = self.require_context()
        allowed = context.survey_services or None
        asked = self.survey_extra_questions()
        clean = [r.validated(services_surveyed=allowed, extra_questions=asked) for r in responses]
        self._refuse_if_damaged()
        given = [r.uuid for r in clean if r.uuid]
        with self.session() as s:
            known = (
                set(s.scalars(select(SurveyResponse.uuid).where(SurveyResponse.uuid.in_(given))))
                if given
                else set()
            )
            added = 0
            for response in clean:
                identity = response.uuid or str(uuid.uuid4())
                if identity in known:
                    continue
                known.add(identity)
                s.add(
                    SurveyResponse(
                        uuid=identity,
                        service_code=response.service_code,
                        answers=dict(response.answers),
                        age_band=response.age_band,
                        sex=response.sex,
                        education=response.education,
                        occupation=response.occupation,
                        suggestion=response.suggestion,
                        self_filled=response.self_filled,
                        extra=dict(response.extra),
                        post_id=context.post_id,
                        operator_id=context.operator_id,
                        created_at=response.created_at or moment,
                        sync_state=SyncState.PENDING.value,
                    )
                )
                added += 1
        log.info("saved %d survey responses", added)
        return added

    def survey_extra_questions(self) -> tuple[ExtraQuestion, ...]:
        """The post's own survey questions (``posko survey questions --set``); none when
        the stored definition no longer reads (it was checked when it was set)."""
        try:
            return survey_extra.from_text(self.get(SURVEY_EXTRA))
        except survey_extra.ExtraQuestionsError:
            log.warning("the post's own survey questions cannot be read; asking none")
            return ()

    def set_survey_extra_questions(
        self, definition: str, *, by: OperatorAccount | None = None
    ) -> tuple[ExtraQuestion, ...]:
        """Keep ``definition`` (JSON text; "": none) as the post's own questions, once it
        is checked (``ExtraQuestionsError`` otherwise). A coordinator's (or ``by``'s)."""
        self.require(Role.KOORDINATOR, N_("change the survey's questions"), by=by)
        questions = survey_extra.from_text(definition)
        self.set(SURVEY_EXTRA, definition if questions else "")
        return questions

    def survey_totals(
        self,
        *,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        service_code: str = "",
        post_code: str = "",
        codes: Sequence[str] = (),
    ) -> dict[str, tuple[int, dict[str, int], dict[str, int]]]:
        """Per service: the questionnaires, and each element's sum of scores and number of
        answers, in one SQL aggregate (what scoring needs: ``posko.survey.score_totals``);
        the same selection as ``survey_answers``."""
        element = SurveyResponse.answers
        columns = []
        for code in codes:
            value = func.json_extract(element, f"$.{code}")
            columns += [func.coalesce(func.sum(value), 0), func.count(value)]
        query = select(SurveyResponse.service_code, func.count(), *columns).group_by(
            SurveyResponse.service_code
        )
        query = self._survey_selection(query, date_from, date_to, service_code, post_code)
        with self._sessions() as s:
            rows = s.execute(query).all()
        return {
            row[0]: (
                int(row[1]),
                {code: int(row[2 + 2 * i]) for i, code in enumerate(codes)},
                {code: int(row[3 + 2 * i]) for i, code in enumerate(codes)},
            )
            for row in rows
        }

    @staticmethod
    def _survey_selection(
        query: Any,
        date_from: datetime | None,
        date_to: datetime | None,
        service_code: str,
        post_code: str = "",
    ) -> Any:
        if date_from is not None:
            query = query.where(SurveyResponse.created_at >= date_from)
        if date_to is not None:
            query = query.where(SurveyResponse.created_at < date_to)
        if service_code:
            query = query.where(SurveyResponse.service_code == service_code)
        if post_code:
            post = select(Post.id).where(Post.code == post_code).scalar_subquery()
            query = query.where(SurveyResponse.post_id == post)
        return query

    def survey_answers(
        self,
        *,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        service_code: str = "",
    ) -> list[SurveyRow]:
        """The stored questionnaires (oldest first), as scoring and reports read them:
        ``date_from`` inclusive, ``date_to`` exclusive."""
        return list(
            self.iter_survey_answers(
                date_from=date_from, date_to=date_to, service_code=service_code
            )
        )

    def iter_survey_answers(
        self,
        *,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        service_code: str = "",
        post_code: str = "",
    ) -> Iterator[SurveyRow]:
        """``survey_answers`` one row at a time, fetched in batches, so a report of 100,000
        questionnaires never holds them all; the read stays open until the last row."""
        query = select(
            SurveyResponse.uuid,
            SurveyResponse.service_code,
            SurveyResponse.answers,
            SurveyResponse.sex,
            SurveyResponse.age_band,
            SurveyResponse.education,
            SurveyResponse.occupation,
            SurveyResponse.suggestion,
            SurveyResponse.self_filled,
            SurveyResponse.created_at,
            SurveyResponse.extra,
        ).order_by(SurveyResponse.created_at, SurveyResponse.id)
        query = self._survey_selection(query, date_from, date_to, service_code, post_code)
        with self._sessions() as s:
            for row in s.execute(query.execution_options(yield_per=2000)):
                yield SurveyRow(
                    uuid=row.uuid,
                    service_code=row.service_code,
                    answers={str(k): int(v) for k, v in dict(row.answers).items()},
                    sex=row.sex,
                    age_band=row.age_band,
                    education=row.education,
                    occupation=row.occupation,
                    suggestion=row.suggestion,
                    self_filled=bool(row.self_filled),
                    created_at=row.created_at,
                    extra=dict(row.extra or {}),
                )

    # -- outreach ----------------------------------------------------------------------------
    # Append-only events, each with its own UUID, sent by the outbox (kinds ``tally`` and
    # ``stock_movement``); the figures are read for the desk's current post.
    def record_people_reached(self, count: int, *, now: datetime | None = None) -> TallyRecord:
        """``count`` more people reached (1 to 10,000), or ``ValidationError``."""
        return self._add_tally(PEOPLE_REACHED, "", checked_count(count), None, now)

    def record_handed_out(
        self, item: str, count: int = 1, *, now: datetime | None = None
    ) -> TallyRecord:
        """``count`` more of ``item`` (a code of ``posko.outreach.items``) handed out."""
        code = checked_item(item).code
        return self._add_tally(MERCHANDISE, code, checked_count(count), None, now)

    def record_stock_received(
        self, item: str, quantity: int, note: str = "", *, now: datetime | None = None
    ) -> str:
        """A delivery of ``quantity`` of ``item`` received; returns the movement's UUID."""
        code = checked_item(item).code
        quantity = checked_count(quantity, limit=MAX_QUANTITY, name="quantity")
        clean_note = checked_note(note)
        self._refuse_if_damaged()
        context = self.require_context()
        identity = str(uuid.uuid4())
        with self.session() as s:
            s.add(
                StockMovement(
                    uuid=identity,
                    item=code,
                    movement="received",
                    quantity=quantity,
                    note=clean_note,
                    post_id=context.post_id,
                    operator_id=context.operator_id,
                    created_at=now or datetime.now(UTC),
                    sync_state=SyncState.PENDING.value,
                )
            )
        log.info("stock received: %s +%d", code, quantity)
        return identity

    def _add_tally(
        self, counter: str, item: str, count: int, undoes: str | None, now: datetime | None
    ) -> TallyRecord:
        self._refuse_if_damaged()
        context = self.require_context()
        record = TallyRecord(
            uuid=str(uuid.uuid4()),
            counter=counter,
            item=item,
            count=count,
            created_at=now or datetime.now(UTC),
            undoes=undoes,
        )
        values = {
            **dataclasses.asdict(record),
            "post_id": context.post_id,
            "operator_id": context.operator_id,
            "sync_state": SyncState.PENDING.value,
            "sync_attempts": 0,
            "revision": 1,
        }
        with self.session() as s:
            if undoes is None:
                s.execute(insert(TallyEvent).values(**values))
            else:  # one statement: two undos of one tap, from two windows, store one
                undone = select(TallyEvent.id).where(TallyEvent.undoes == undoes).exists()
                added = s.execute(
                    insert(TallyEvent).from_select(
                        list(values),
                        select(
                            *(literal(v, _TALLY_TABLE.c[k].type) for k, v in values.items())
                        ).where(~undone),
                    )
                )
                if not getattr(added, "rowcount", 0):
                    raise _undo_refused(_("This tap was undone already."))
        log.info("tally %s %s %+d", counter, item, count)
        return record

    def undo_tally(self, tap: str, *, now: datetime | None = None) -> TallyRecord:
        """Undo the tap ``tap`` (its UUID) with a compensating event (its count negated,
        ``undoes`` naming it); returns the tap undone. A tap is undone once, an undo never:
        ``ValidationError`` otherwise."""
        with self.session() as s:
            row = s.execute(select(*_TALLY_COLUMNS).where(TallyEvent.uuid == tap)).first()
        if row is None:
            raise _undo_refused(_("This tap is not recorded."))
        original = TallyRecord(**row._asdict())
        if original.undoes is not None:
            raise _undo_refused(_("An undo cannot be undone."))
        self._add_tally(original.counter, original.item, -original.count, original.uuid, now)
        return original

    def last_tally(self, *, since: datetime | None = None) -> TallyRecord | None:
        """The newest tap of the desk's post (since ``since``) that is not an undo and was
        not undone: the one "Undo last" undoes."""
        context = self.require_context()
        undo = aliased(TallyEvent)
        query = (
            select(*_TALLY_COLUMNS)
            .where(TallyEvent.post_id == context.post_id, TallyEvent.undoes.is_(None))
            .where(~select(undo.id).where(undo.undoes == TallyEvent.uuid).exists())
            .order_by(TallyEvent.created_at.desc(), TallyEvent.id.desc())
            .limit(1)
        )
        if since is not None:
            query = query.where(TallyEvent.created_at >= since)
        with self.session() as s:
            row = s.execute(query).first()
        return None if row is None else TallyRecord(**row._asdict())

    def undo_last_tally(
        self, *, since: datetime | None = None, now: datetime | None = None
    ) -> TallyRecord | None:
        """Undo the newest tap not undone yet (``last_tally``); the tap undone, or None."""
        last = self.last_tally(since=since)
        return None if last is None else self.undo_tally(last.uuid, now=now)

    def outreach_totals(
        self, *, date_from: datetime | None = None, date_to: datetime | None = None
    ) -> OutreachTotals:
        """People reached and merchandise handed out per item at the desk's post, undos
        counted (``date_from`` inclusive, ``date_to`` exclusive), in one SQL aggregate."""
        context = self.require_context()
        query = (
            select(TallyEvent.counter, TallyEvent.item, func.sum(TallyEvent.count))
            .where(TallyEvent.post_id == context.post_id)
            .group_by(TallyEvent.counter, TallyEvent.item)
        )
        if date_from is not None:
            query = query.where(TallyEvent.created_at >= date_from)
        if date_to is not None:
            query = query.where(TallyEvent.created_at < date_to)
        with self.session() as s:
            rows = s.execute(query).all()
        handed = {item: int(n) for counter, item, n in rows if counter == MERCHANDISE}
        people = sum(int(n) for counter, _item, n in rows if counter == PEOPLE_REACHED)
        return OutreachTotals(people_reached=people, handed_out=handed)

    def stock_levels(self) -> dict[str, int]:
        """Per item code, the stock at the desk's post: received and adjusted, less handed
        out (undos given back), in one SQL aggregate. Items never moved are not listed."""
        context = self.require_context()
        moves = union_all(
            select(StockMovement.item, StockMovement.quantity.label("n")).where(
                StockMovement.post_id == context.post_id
            ),
            select(TallyEvent.item, (-TallyEvent.count).label("n")).where(
                TallyEvent.post_id == context.post_id, TallyEvent.counter == MERCHANDISE
            ),
        ).subquery()
        with self.session() as s:
            rows = s.execute(select(moves.c.item, func.sum(moves.c.n)).group_by(moves.c.item))
            return {item: int(n) for item, n in rows}

    def save_complaint(
        self, data: ComplaintInput, *, now: datetime | None = None
    ) -> ComplaintRecord:
        """Validate and store ``data`` with a new tracking ID, in one durable transaction."""
        moment = now or datetime.now(UTC)
        clean = data.validated(self.catalog, moment)
        self._refuse_if_damaged()
        context = self.require_context()
        with self.session() as s:
            # One atomic statement allocates the sequence, even with two desk processes.
            allocated = s.execute(
                update(Device)
                .where(Device.id == context.device_id)
                .values(next_sequence=Device.next_sequence + 1)
                .returning(Device.next_sequence, Device.tracking_prefix)
            ).one()
            sequence, prefix = allocated[0] - 1, allocated[1]
            s.info["issued"] = (prefix, sequence)  # into the identity file once committed
            tid = tracking.TrackingId.make(prefix, sequence).compact
            secret = tracking.new_secret()
            qr = receipt_url(context.central_url, tid, secret)
            row = Complaint(
                uuid=str(uuid.uuid4()),
                tracking_id=tid,
                secret=secret,
                qr_payload=qr,
                type=ComplaintType(str(clean.type)).value,
                **typed_fields(clean),
                post_id=context.post_id,
                operator_id=context.operator_id,
                device_id=context.device_id,
                created_at=moment,
                updated_at=moment,
                sync_state=SyncState.PENDING.value,
            )
            s.add(row)
            s.flush()
            note(s, context, Action.CREATED, tid, at=moment)
            record = self._record(row, context.post_code, context.post_name, context.operator_name)
        log.info("saved complaint %s", record.tracking_id)
        return record

    def edit_complaint(
        self, tracking_id: str, data: ComplaintInput, *, now: datetime | None = None
    ) -> ComplaintRecord:
        """Correct a saved report. Its tracking ID, secret and UUID stay; the revision goes
        up, so the sync sends the new content (a record being sent stays frozen: the
        answer for the old revision leaves it queued for the new one)."""
        moment = now or datetime.now(UTC)
        clean = data.validated(self.catalog, moment)
        self._refuse_if_damaged()
        context = self.require_context()
        with self.session() as s:
            row = s.scalar(select(Complaint).where(Complaint.tracking_id == tracking_id))
            if row is None:
                raise KeyError(tracking_id)
            if row.personal_erased_at is not None:
                # A correction would send the emptied fields over the central system's copy.
                raise ValidationError(
                    [FieldError("title", _(
                        "This report's personal data was erased after the central system "
                        "confirmed it: correct it on the central system instead."
                    ))]
                )  # fmt: skip
            row.type = ComplaintType(str(clean.type)).value
            category = clean.category or row.category  # an empty category keeps the old one
            for name, value in typed_fields(clean).items():
                setattr(row, name, value)
            row.category = category
            row.revision = row.revision + 1
            row.updated_at = moment
            if row.sync_state != SyncState.SENDING.value:
                row.sync_state = SyncState.PENDING.value
                row.set_aside_reason = None
            s.flush()
            note(s, context, Action.EDITED, tracking_id, f"revision {row.revision}", at=moment)
            record = self._record(row, context.post_code, context.post_name, context.operator_name)
        log.info("edited complaint %s (revision %d)", tracking_id, row.revision)
        return record

    def save_many(
        self, items: Iterable[tuple[ComplaintInput, datetime]], *, now: datetime | None = None
    ) -> int:
        """Validate and store many complaints in one transaction (demo data, imports).

        Everything is validated before anything is written: one bad item stores nothing.
        """
        moment = now or datetime.now(UTC)
        context = self.require_context()
        cleaned = [(item.validated(self.catalog, moment), created) for item, created in items]
        if not cleaned:
            return 0
        self._refuse_if_damaged()
        with self.session() as s:
            allocated = s.execute(
                update(Device)
                .where(Device.id == context.device_id)
                .values(next_sequence=Device.next_sequence + len(cleaned))
                .returning(Device.next_sequence, Device.tracking_prefix)
            ).one()
            first, prefix = allocated[0] - len(cleaned), allocated[1]
            s.info["issued"] = (prefix, first + len(cleaned) - 1)
            rows = []
            for offset, (clean, created) in enumerate(cleaned):
                tid = tracking.TrackingId.make(prefix, first + offset).compact
                secret = tracking.new_secret()
                rows.append(
                    {
                        "uuid": str(uuid.uuid4()),
                        "tracking_id": tid,
                        "secret": secret,
                        "qr_payload": receipt_url(context.central_url, tid, secret),
                        "type": ComplaintType(str(clean.type)).value,
                        **typed_fields(clean),
                        "post_id": context.post_id,
                        "operator_id": context.operator_id,
                        "device_id": context.device_id,
                        "created_at": created,
                        "updated_at": created,
                        "sync_state": SyncState.PENDING.value,
                        "sync_attempts": 0,
                    }
                )
            s.execute(insert(Complaint), rows)
            note(s, context, Action.CREATED, "", f"{len(rows)} reports in one batch", at=moment)
        log.info("saved %d complaints in one batch", len(rows))
        return len(rows)

    @staticmethod
    def _record(row: Complaint, post_code: str, post_name: str, operator: str) -> ComplaintRecord:
        return ComplaintRecord(
            **{name: getattr(row, name) for name in RECORD_COLUMNS},
            type=ComplaintType(row.type),
            post_code=post_code,
            post_name=post_name,
            operator_name=operator,
        )

    def _select(self) -> Any:  # Select's generic form differs between SQLAlchemy 2.0 and 2.1
        return (
            select(Complaint, Post.code, Post.name, Operator.name)
            .join(Post, Complaint.post_id == Post.id)
            .join(Operator, Complaint.operator_id == Operator.id)
        )

    def complaint(self, tracking_id: str) -> ComplaintRecord | None:
        """The complaint with this ID, typed in any accepted form (dashes, lower case)."""
        compact = tracking.normalize(tracking_id)
        with self.session() as s:
            row = s.execute(self._select().where(Complaint.tracking_id == compact)).first()
            return self._record(row[0], row[1], row[2], row[3]) if row else None

    def _filtered(self, statement: Select[Any], query: ComplaintQuery) -> Select[Any]:
        needle = query.text.strip()
        if needle:
            pattern = (
                "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            )
            compact = tracking.normalize(needle)
            conditions: list[ColumnElement[bool]] = [
                Complaint.reporter_name.ilike(pattern, escape="\\"),
                Complaint.title.ilike(pattern, escape="\\"),
                Complaint.location.ilike(pattern, escape="\\"),
            ]
            if compact:
                conditions.append(Complaint.tracking_id.startswith(compact, autoescape=True))
            digits = "".join(ch for ch in needle if ch.isdigit())
            if len(digits) >= 4:
                conditions.append(Complaint.phone.contains(digits.lstrip("0"), autoescape=True))
            statement = statement.where(or_(*conditions))
        if query.category:
            statement = statement.where(Complaint.category == query.category)
        if query.date_from:
            statement = statement.where(
                Complaint.created_at >= local_day_bounds(query.date_from)[0]
            )
        if query.date_to:
            statement = statement.where(Complaint.created_at < local_day_bounds(query.date_to)[1])
        if query.overdue_only:
            statement = statement.where(self._overdue(query.today or datetime.now(WIB).date()))
        return statement

    def _overdue(self, today: date) -> ColumnElement[bool]:
        """Reports whose answer is late on ``today`` and that are not closed, as the list's
        due column marks them: for each deadline rule, the reports made before the first
        day whose answer is not yet due."""
        covid = [c.code for c in self.catalog.categories if c.group == COVID_GROUP]
        late = [
            (Complaint.type == kind.value)
            & Complaint.category.not_in(covid)
            & (Complaint.created_at < _first_day_not_late(kind.value, "", today))
            for kind in ComplaintType
        ]
        late.append(
            Complaint.category.in_(covid)
            & (Complaint.created_at < _first_day_not_late("pengaduan", COVID_GROUP, today))
        )
        still_open = Complaint.central_status.is_(None) | Complaint.central_status.not_in(
            [s.value for s in CentralStatus if s.closed]
        )
        return or_(*late) & still_open

    def search(
        self, query: ComplaintQuery, *, offset: int = 0, limit: int = 200
    ) -> list[ComplaintRecord]:
        key = getattr(Complaint, query.order_by if query.order_by in SORT_KEYS else "created_at")
        order = (key.desc(), Complaint.id.desc()) if query.descending else (key, Complaint.id)
        statement = (
            self._filtered(self._select(), query).order_by(*order).offset(offset).limit(limit)
        )
        with self.session() as s:
            return [self._record(r[0], r[1], r[2], r[3]) for r in s.execute(statement)]

    def count(self, query: ComplaintQuery) -> int:
        statement = self._filtered(select(func.count(Complaint.id)), query)
        with self.session() as s:
            return int(s.scalar(statement) or 0)

    def queue_count(self) -> int:
        """Records waiting to be sent (pending, or being sent), the audit trail's aside."""
        return self._count_states(SyncState.PENDING, SyncState.SENDING, counted_only=True)

    def attention_count(self) -> int:
        """Records the central system refused, waiting for the operator."""
        return self._count_states(SyncState.NEEDS_ATTENTION)

    def _count_states(self, *states: SyncState, counted_only: bool = False) -> int:
        """Records of every kind the outbox carries (complaints, survey responses, tallies,
        stock movements, audit lines; ``counted_only``: not the audit lines) in ``states``."""
        values = [state.value for state in states]
        with self.session() as s:
            return sum(
                int(
                    s.scalar(
                        select(func.count())
                        .select_from(kind.table)
                        .where(kind.table.c.sync_state.in_(values))
                    )
                    or 0
                )
                for kind in KINDS.values()
                if kind.counted or not counted_only
            )

    # -- drafts -------------------------------------------------------------------------------
    # Each report being typed is its own draft, under the id the form made for it: saving
    # one never touches another, and a draft stays until it is deleted by its id.
    def save_draft(self, draft_id: str, form: str, content: dict[str, Any]) -> None:
        """Write draft ``draft_id`` of ``form``: made on its first save, updated after."""
        now = datetime.now(UTC)
        payload = json.dumps(content, ensure_ascii=False)
        statement = sqlite_insert(Draft).values(
            id=draft_id, form=form, content=payload, created_at=now, updated_at=now
        )
        with self.session() as s:
            s.execute(
                statement.on_conflict_do_update(
                    index_elements=[Draft.id], set_={"content": payload, "updated_at": now}
                )
            )

    def drafts(self, form: str) -> list[DraftRecord]:
        """The drafts of ``form`` waiting to be saved or discarded, last typed first. A row
        that cannot be read is listed too (``readable=False``): it is kept, never dropped."""
        statement = (
            select(Draft)
            .where(Draft.form == form)
            .order_by(Draft.updated_at.desc(), Draft.created_at.desc(), Draft.id)
        )
        with self.session() as s:
            return [self._draft_record(row) for row in s.scalars(statement)]

    def load_draft(self, draft_id: str) -> dict[str, Any] | None:
        """The content of draft ``draft_id``; None when there is no such draft, or when it
        cannot be read (it stays in the database then)."""
        with self.session() as s:
            row = s.get(Draft, draft_id)
            return None if row is None else self._draft_content(row)

    def delete_draft(self, draft_id: str) -> bool:
        """Delete draft ``draft_id`` (saved, or discarded by the operator); False when it
        was not there."""
        with self.session() as s:
            row = s.get(Draft, draft_id)
            if row is None:
                return False
            s.delete(row)
            return True

    @staticmethod
    def _draft_content(row: Draft) -> dict[str, Any] | None:
        try:
            content = json.loads(row.content)
        except ValueError:
            content = None
        if not isinstance(content, dict):
            log.warning("draft %s is unreadable; keeping it in the database", row.id)
            return None
        return content

    @classmethod
    def _draft_record(cls, row: Draft) -> DraftRecord:
        content = cls._draft_content(row)
        title = ""
        if content is not None:
            title = " ".join(str(content.get("title") or "").split())
            if not title:  # the start of the description tells drafts apart
                title = " ".join(str(content.get("description") or "").split())[:60]
        return DraftRecord(
            id=row.id,
            form=row.form,
            title=title,
            created_at=row.created_at,
            updated_at=row.updated_at,
            readable=content is not None,
        )

    def integrity_check(self) -> str:
        with self.engine.connect() as conn:
            return str(conn.execute(text("PRAGMA integrity_check")).scalar())

    def categories_in_use(self) -> Sequence[str]:
        with self.session() as s:
            return list(s.scalars(select(Complaint.category).distinct()))
