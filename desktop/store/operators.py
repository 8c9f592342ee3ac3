"""The post's team on this desk: who may sign in, with which role, and the one place where
a role is checked. No Qt.

Each operator signs in with a name and a PIN (4 to 12 digits, kept as its scrypt hash:
``desktop.survey.pin``). Wrong PINs in a row are counted per operator in the database, so
closing the desk does not reset them: after ``FREE_TRIES`` each further try waits, twice
as long each time (30 s up to 15 minutes), and a try during the wait is refused unchecked.

Two roles. A petugas (field staff) records reports, receipts, surveys and tallies. A
koordinator (coordinator) also changes the desk's settings, exports reporters' contacts,
decides what is set aside, leaves the kiosk and manages the operators. ``require`` is the
check every one of those actions goes through, in the store, so no window can skip it.

A desk upgraded from before roles has operators without PINs: ``needs_coordinator`` is True
until one of them (or a new name) becomes the first coordinator, at the next start."""

from __future__ import annotations

import enum
import logging
import math
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from desktop.domain import FieldError, ValidationError, validate_operator
from desktop.settings import OPERATOR_ID
from desktop.store.audit import Action, note
from desktop.store.models import Complaint, Operator, Setting
from desktop.survey.pin import FIRST_WAIT, FREE_TRIES, LONGEST_WAIT, checked_pin, hash_pin
from desktop.survey.pin import pin_matches as _matches
from posko.i18n import N_, _

if TYPE_CHECKING:
    from desktop.store.records import DeskContext

log = logging.getLogger(__name__)


class Role(enum.StrEnum):
    PETUGAS = "petugas"
    KOORDINATOR = "koordinator"


ROLE_LABELS = {Role.PETUGAS: N_("Field staff"), Role.KOORDINATOR: N_("Coordinator")}


def role_label(role: str) -> str:
    known = ROLE_LABELS.get(Role(role)) if role in tuple(Role) else None
    return _(known) if known else role


@dataclass(frozen=True)
class OperatorAccount:
    id: int
    name: str
    role: Role
    has_pin: bool
    active: bool


class PinRefused(Exception):
    """The PIN was not checked (``wait_seconds`` > 0: too many wrong ones, wait) or was
    wrong (``wait_seconds`` 0, or the wait the next try now needs)."""

    def __init__(self, message: str, wait_seconds: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.wait_seconds = wait_seconds


class NotAllowed(Exception):
    """The operator on duty's role may not do this."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def wait_after(failures: int) -> float:
    """Seconds the next try waits after ``failures`` wrong PINs in a row."""
    if failures < FREE_TRIES:
        return 0.0
    return float(min(FIRST_WAIT * 2 ** min(failures - FREE_TRIES, 10), LONGEST_WAIT))


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class Operators:
    """The team's methods of ``desktop.store.database.Database``."""

    # Whether someone signed in (or was made the first coordinator) through this open
    # database: the desk then does not ask again at its start.
    signed_in_here = False

    if TYPE_CHECKING:

        def session(self) -> AbstractContextManager[Session]: ...

        def require_context(self) -> DeskContext: ...

    def operator_accounts(self, *, inactive: bool = False) -> list[OperatorAccount]:
        """This post's operators: the one on duty first, then the others by when they last
        recorded a report (newest first), then by when they were added."""
        context = self.require_context()
        last_report = (
            select(func.max(Complaint.created_at))
            .where(Complaint.operator_id == Operator.id)
            .scalar_subquery()
        )
        statement = (
            select(Operator)
            .where(Operator.post_id == context.post_id)
            .order_by(
                (Operator.id == context.operator_id).desc(),
                last_report.desc().nulls_last(),
                Operator.id.desc(),
            )
        )
        if not inactive:
            statement = statement.where(Operator.active.is_(True))
        with self.session() as s:
            return [_account(row) for row in s.scalars(statement)]

    def needs_coordinator(self) -> bool:
        """No active coordinator with a PIN yet (a new desk, or one upgraded from before
        roles): the desk asks for one before anything else."""
        context = self.require_context()
        with self.session() as s:
            return not _has_coordinator(s, context.post_id)

    def first_coordinator(self, name: str, pin: str, repeated: str) -> DeskContext:
        """Make ``name`` (an operator of the post, or a new one) its first coordinator with
        ``pin``, and put them on duty. Only while ``needs_coordinator``: afterwards
        coordinators are made by a coordinator (``save_operator``)."""
        clean = validate_operator(name)
        chosen = _checked(pin, repeated)
        context = self.require_context()
        with self.session() as s:
            if _has_coordinator(s, context.post_id):
                raise NotAllowed(_("This desk has a coordinator already."))
            operator = _named(s, context.post_id, clean) or _new(s, context.post_id, clean)
            operator.role = Role.KOORDINATOR.value
            operator.pin_hash = chosen
            operator.active = True
            _reset(operator)
            s.merge(Setting(key=OPERATOR_ID.key, value=OPERATOR_ID.dump(operator.id)))
            note(s, context, Action.OPERATOR_SAVED, clean, "koordinator, first",
                 operator=(operator.id, clean))  # fmt: skip
        self.signed_in_here = True
        log.info("first coordinator set")  # no name: the log holds no personal data
        return self.require_context()

    def require(self, role: Role, doing: str, *, by: OperatorAccount | None = None) -> DeskContext:
        """The context, when the operator on duty may do ``doing`` (words for the message:
        "export contacts"), or the operator ``by`` whose PIN was just checked (``check_pin``:
        a coordinator's PIN for one command); ``NotAllowed`` otherwise. The one role check
        of the desk. Roles apply once the desk has a coordinator: the desk asks for one at
        its start, and the last one can never stop being one (``save_operator``)."""
        context = self.require_context()
        acting = by.role if by is not None else context.operator_role
        if role == Role.KOORDINATOR and acting != Role.KOORDINATOR:
            with self.session() as s:
                if not _has_coordinator(s, context.post_id):
                    return context  # roles apply from the first coordinator on
            log.info("refused to a petugas: %s", doing)
            raise NotAllowed(
                _("Only a coordinator may {doing}. Ask a coordinator to sign in.").format(
                    doing=_(doing)
                )
            )
        return context

    def sign_in(self, name: str, pin: str, *, now: datetime | None = None) -> DeskContext:
        """Put ``name`` on duty when ``pin`` is theirs; ``PinRefused`` when it is not, or
        when they must wait after wrong ones (the PIN then unchecked)."""
        account = self.check_pin(name, pin, now=now)
        with self.session() as s:
            s.merge(Setting(key=OPERATOR_ID.key, value=OPERATOR_ID.dump(account.id)))
            note(s, self.require_context(), Action.SIGNED_IN, account.name,
                 operator=(account.id, account.name))  # fmt: skip
        self.signed_in_here = True
        log.info("operator signed in")
        return self.require_context()

    def check_pin(self, name: str, pin: str, *, now: datetime | None = None) -> OperatorAccount:
        """The account of ``name`` when ``pin`` is theirs, without putting them on duty (a
        coordinator's PIN for one command); wrong PINs count and wait as for signing in."""
        moment = now or datetime.now(UTC)
        context = self.require_context()
        with self.session() as s:
            # The database's write lock first: guesses made at once (two programs, or
            # threads) then queue here, and each sees the count the one before left.
            s.execute(_TAKE_WRITE_LOCK)
            operator = _named(s, context.post_id, name.strip())
            if operator is None or not operator.active or not operator.pin_hash:
                # Noted without the name typed (it may be anything); the same words as a
                # wrong PIN: a guesser learns nothing of the names.
                note(s, context, Action.SIGN_IN_FAILED, "", "no such operator", at=moment,
                     operator=(None, ""))  # fmt: skip
                refused = PinRefused(_("That name and PIN do not match."))
            elif (next_try := _aware(operator.next_try_at)) is not None and moment < next_try:
                seconds = math.ceil((next_try - moment).total_seconds())
                refused = PinRefused(_wait_message(seconds), seconds)
            elif _matches(operator.pin_hash, pin):
                _reset(operator)
                return _account(operator)
            else:
                operator.failed_pins += 1
                wait = math.ceil(wait_after(operator.failed_pins))
                operator.next_try_at = moment + timedelta(seconds=wait) if wait else None
                note(s, context, Action.SIGN_IN_FAILED, operator.name,
                     f"{operator.failed_pins} in a row", at=moment,
                     operator=(operator.id, operator.name))  # fmt: skip
                message = _wait_message(wait) if wait else _("That name and PIN do not match.")
                refused = PinRefused(message, wait)
        # Raised once the count and the line are saved (inside, they would be rolled back).
        log.info("a PIN refused")
        raise refused

    def set_kiosk_pin(
        self, pin: str, repeated: str | None, *, by: OperatorAccount | None = None
    ) -> None:
        """The kiosk's exit PIN, a coordinator's to set: the kiosk gives the screen back
        only to whoever knows it (``desktop.survey.pin``)."""
        from desktop.settings import KIOSK_PIN

        self.require(Role.KOORDINATOR, N_("set the kiosk's exit PIN"), by=by)
        context = self.require_context()
        chosen = hash_pin(checked_pin(pin, repeated))
        with self.session() as s:
            s.merge(Setting(key=KIOSK_PIN.key, value=KIOSK_PIN.dump(chosen)))
            who = (by.id, by.name) if by is not None else None
            note(s, context, Action.KIOSK_PIN_SET, operator=who)
        log.info("kiosk PIN set")

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
        """A coordinator adds an operator (with a PIN) or changes one: role, PIN (empty:
        unchanged), whether they may still sign in. The last active coordinator cannot
        stop being one."""
        context = self.require(Role.KOORDINATOR, N_("manage the operators"))
        clean = validate_operator(name)
        with self.session() as s:
            operator = _named(s, context.post_id, renamed_from or clean)
            if operator is None:
                if not pin:
                    raise ValidationError([FieldError("pin", _("A new operator needs a PIN."))])
                operator = _new(s, context.post_id, clean)
            elif renamed_from and clean != renamed_from:
                if _named(s, context.post_id, clean) is not None:
                    raise ValidationError(
                        [FieldError("operator", _("Another operator has that name."))]
                    )
                operator.name = clean
            if pin or repeated:
                operator.pin_hash = _checked(pin, repeated)
                _reset(operator)
            demoted = operator.role == Role.KOORDINATOR and (role != Role.KOORDINATOR or not active)
            operator.role = role.value
            operator.active = active
            s.flush()
            if demoted and not _has_coordinator(s, context.post_id):
                raise NotAllowed(_("The desk must keep at least one coordinator."))
            account = _account(operator)
            detail = account.role.value + ("" if account.active else ", cannot sign in")
            note(s, context, Action.OPERATOR_SAVED, account.name, detail)
        log.info("operator saved")
        return account


# A write that changes nothing: it starts the transaction as a writer (SQLite's lock).
_TAKE_WRITE_LOCK = text("UPDATE operators SET failed_pins = failed_pins WHERE id = -1")


def _checked(pin: str, repeated: str) -> str:
    return hash_pin(checked_pin(pin, repeated))


def _wait_message(seconds: int) -> str:
    return _("Too many wrong PINs. Try again in {seconds} seconds.").format(seconds=seconds)


def _named(s: Session, post_id: int, name: str) -> Operator | None:
    return s.scalar(select(Operator).where(Operator.post_id == post_id, Operator.name == name))


def _new(s: Session, post_id: int, name: str) -> Operator:
    operator = Operator(name=name, post_id=post_id)
    s.add(operator)
    s.flush()
    return operator


def _reset(operator: Operator) -> None:
    operator.failed_pins = 0
    operator.next_try_at = None


def _has_coordinator(s: Session, post_id: int) -> bool:
    return bool(
        s.scalar(
            select(func.count())
            .select_from(Operator)
            .where(
                Operator.post_id == post_id,
                Operator.role == Role.KOORDINATOR.value,
                Operator.active.is_(True),
                Operator.pin_hash != "",
            )
        )
    )


def _account(row: Operator) -> OperatorAccount:
    role = Role(row.role) if row.role in tuple(Role) else Role.PETUGAS
    return OperatorAccount(row.id, row.name, role, bool(row.pin_hash), bool(row.active))


__all__ = [
    "ROLE_LABELS",
    "NotAllowed",
    "OperatorAccount",
    "Operators",
    "PinRefused",
    "Role",
    "role_label",
    "wait_after",
]
