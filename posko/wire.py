"""The sync wire protocol: one definition that the desk's sync engine and the central
system both import, so the two can never disagree about a field.

Push is versioned by the body's ``protocol``. Version 1 (today's desks) carries complaints
and the first drafts of surveys and tallies, and is answered with one full result per
record (``PushResponse``). Version 2 adds the kinds the survey, tally and stock modules
make (``skm_response``, ``tally``, ``stock_movement``), a per-record outcome ``deferred``
(the central system validates the record but does not store its kind yet: the desk keeps it
queued and offers it again later) and a compact answer (``PushAnswer``: one letter per
record, reasons only where there is one). A central system that knows only version 1
refuses a version 2 body whole; the desk then sends version 1, with the kinds version 1
carries, and keeps the others queued.

Every record carries the UUID it was given at creation: the idempotency key. The central
system answers each record of a batch on its own (accepted, duplicate, conflict, rejected),
so one bad record never blocks the rest. Records are validated one by one for the same
reason: ``PushRequest.records`` is a list of raw objects, each checked with
``parse_record``.

No Qt here, and no storage: plain pydantic models.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from posko import phones, tracking
from posko.status import CentralStatus

PROTOCOL_VERSION: Literal[1] = 1  # pull, rules and enrollment, and the oldest push
PUSH_PROTOCOL: Literal[2] = 2  # the newest push body this module defines
MAX_BATCH = 500
MAX_BODY_BYTES = 4 * 1024 * 1024  # after gzip is undone, too
# Anything longer than the desk's own limits is refused, never cut.
_UUID = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
]
_CODE = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9_-]{0,31}$")]
_POST_CODE = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{1,15}$")]


# Control characters (C0, DEL and C1) are never typed on purpose: NUL above all, which
# PostgreSQL refuses in text, and escape sequences that would reach a terminal or a log.
# Every text field of every API refuses them; text that may run over several lines (a
# description, a staff note) keeps tab and line breaks, a one-line field (a name, a title,
# an agency) refuses those too. The same sets as the desk's form (``desktop.domain``).
# Patterns, not code, so the OpenAPI schema says it too; a record is refused on its own,
# so one such record cannot fail a whole batch on the server.
NO_CONTROL_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
NO_CONTROL_LINE = r"^[^\x00-\x1f\x7f-\x9f]*$"


def text(max_length: int, min_length: int = 0) -> Any:
    """Constraints of free text that may hold tab and line breaks, no other control."""
    return StringConstraints(min_length=min_length, max_length=max_length, pattern=NO_CONTROL_TEXT)


def line(max_length: int, min_length: int = 0) -> Any:
    """Constraints of one line of text: no control character at all."""
    return StringConstraints(min_length=min_length, max_length=max_length, pattern=NO_CONTROL_LINE)


def has_control(value: str, *, lines: bool = False) -> bool:
    """Whether ``value`` holds a character that ``text()`` (``lines``) or ``line()`` refuses:
    the same check for values that do not arrive through a model (command-line options)."""
    return re.fullmatch(NO_CONTROL_TEXT if lines else NO_CONTROL_LINE, value) is None


_Title = Annotated[str, line(150, 1)]
_Description = Annotated[str, text(4000, 1)]
_Line = Annotated[str, line(100)]
_Name = Annotated[str, line(100, 1)]
_Place = Annotated[str, line(200)]
_Email = Annotated[str, line(254)]
_Suggestion = Annotated[str, text(2000)]
_Version = Annotated[str, line(32)]


# A moment a desk could have recorded: anything else is a broken clock or an attack, and
# at the calendar's ends converting it to UTC overflows (a hostile test made the whole
# batch fail with one such record).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _plausible(value: datetime) -> datetime:
    try:
        moment = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("not a moment between 2000 and 2100") from None
    if not EARLIEST <= moment < LATEST:
        raise ValueError("not a moment between 2000 and 2100")
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


_COMPACT_MIN = tracking.PREFIX_LENGTH + tracking.SEQUENCE_LENGTH + 1


class ComplaintPayload(Strict):
    kind: Literal["complaint"] = "complaint"
    uuid: _UUID
    # Bumped by every edit on the desk: a higher revision of a known UUID replaces it.
    revision: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    tracking_id: Annotated[str, StringConstraints(min_length=9, max_length=28)]
    secret: Annotated[str, StringConstraints(pattern=r"^[23456789ABCDEFGHJKMNPQRSTVWXY]{12}$")]
    type: Literal["pengaduan", "aspirasi", "permintaan_informasi"]
    category: _CODE
    title: _Title
    description: _Description
    location: _Place = ""
    occurred_at: Moment | None = None
    reporter_name: _Line = ""
    phone: Annotated[str, StringConstraints(pattern=rf"^{phones.E164}?$")] = ""
    email: _Email = ""
    anonymous: bool = False
    confidential: bool = False
    post_code: _POST_CODE
    operator_name: _Line = ""
    created_at: Moment

    @field_validator("tracking_id")
    @classmethod
    def _tracking_id_is_valid(cls, value: str) -> str:
        # ``tracking.parse(value) == value``, without its normalising (a hot path: every
        # complaint of every push): the alphabet has no lower case and no separator, so a
        # value of its characters only is its own compact form.
        if not _COMPACT_MIN <= len(value) <= tracking.MAX_LENGTH or not tracking.is_valid(value):
            raise ValueError("tracking_id must be given in its compact form")
        return value


Score = Annotated[int, Field(ge=1, le=4)]
SKM_ELEMENTS = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")


class SurveyResponsePayload(Strict):
    """One SKM questionnaire: answers by element code (U1…U9), each 1–4, any may be skipped."""

    kind: Literal["survey_response"] = "survey_response"
    uuid: _UUID
    post_code: _POST_CODE
    service: _Name
    answers: dict[Literal["U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9"], Score]
    respondent: dict[Annotated[str, line(32)], _Line] = Field(default_factory=dict, max_length=16)
    suggestion: _Suggestion = ""
    created_at: Moment


class TallyPayload(Strict):
    """People reached or merchandise handed out: append-only, so devices never conflict.
    A correction is a negative count, never an edit."""

    kind: Literal["tally_event"] = "tally_event"
    uuid: _UUID
    post_code: _POST_CODE
    counter: Literal["people_reached", "merchandise"]
    item: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{0,32}$")] = ""
    count: Annotated[int, Field(ge=-10_000, le=10_000)]
    created_at: Moment


# -- protocol 2 kinds ----------------------------------------------------------------------

# A code from a data list (services, items, respondent categories): the lists are data,
# not code (the official SKM category lists are unconfirmed), so only the form is checked.
_DataCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,31}$")]
_OptionalCode = Annotated[str, StringConstraints(pattern=r"^([A-Za-z0-9][A-Za-z0-9_.+-]{0,31})?$")]
_Item = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]{0,31}$")]
_ExtraCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{0,15}$")]
_ExtraAnswer = Annotated[int, Field(ge=1, le=4, strict=True)] | Annotated[str, text(500)]
SkmElement = Literal["U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9"]


class RespondentProfile(Strict):
    """Who answered an SKM questionnaire; any item may be left unanswered (empty)."""

    age_band: _OptionalCode = ""
    sex: Literal["", "L", "P"] = ""
    education: _OptionalCode = ""
    occupation: _OptionalCode = ""


class SkmResponsePayload(Strict):
    """One SKM questionnaire (PermenPANRB 14/2017): answers by element code U1…U9 (never by
    position), each 1–4, any may be skipped but not all; the service by its code; the
    respondent's profile; the free-text "saran"; whether the citizen filled it in alone."""

    kind: Literal["skm_response"] = "skm_response"
    uuid: _UUID
    post_code: _POST_CODE
    service_code: _DataCode
    answers: Annotated[dict[SkmElement, Score], Field(min_length=1)]
    respondent: RespondentProfile = RespondentProfile()
    suggestion: _Suggestion = ""
    self_filled: bool = False
    # Answers to the post's own questions (``posko.survey_extra``), by their codes: a score
    # 1-4, an option's code or a line of text. Never part of the IKM.
    extra: Annotated[dict[_ExtraCode, _ExtraAnswer], Field(max_length=10)] = {}
    created_at: Moment


class TallyEventPayload(Strict):
    """People reached (+n) or a merchandise item handed out (+n of ``item``). Append-only:
    a mistake is undone by a compensating event that names the one it undoes (``undoes``)
    and carries its count negated; nothing is ever edited, so devices never conflict."""

    kind: Literal["tally"] = "tally"
    uuid: _UUID
    post_code: _POST_CODE
    counter: Literal["people_reached", "merchandise"]
    item: Annotated[str, StringConstraints(pattern=r"^([a-z0-9][a-z0-9_]{0,31})?$")] = ""
    count: Annotated[int, Field(ge=-10_000, le=10_000)]
    undoes: _UUID | None = None
    created_at: Moment

    @model_validator(mode="after")
    def _consistent(self) -> TallyEventPayload:
        if (self.counter == "merchandise") != bool(self.item):
            raise ValueError("item: required for merchandise, empty for people reached")
        if self.undoes is None and self.count < 1:
            raise ValueError("count: at least 1 (a correction is an event that undoes one)")
        if self.undoes is not None and (self.count > -1 or self.undoes == self.uuid):
            raise ValueError("undoes: an undo event has a negative count and another UUID")
        return self


class StockMovementPayload(Strict):
    """Merchandise stock at a post: a delivery received (+n), or an adjustment after a count
    (signed, never zero). Append-only, as tallies."""

    kind: Literal["stock_movement"] = "stock_movement"
    uuid: _UUID
    post_code: _POST_CODE
    item: _Item
    movement: Literal["received", "adjusted"]
    quantity: Annotated[int, Field(ge=-100_000, le=100_000)]
    note: _Place = ""
    created_at: Moment

    @model_validator(mode="after")
    def _consistent(self) -> StockMovementPayload:
        if self.movement == "received" and self.quantity < 1:
            raise ValueError("quantity: a delivery received is at least 1")
        if self.quantity == 0:
            raise ValueError("quantity: an adjustment is never zero")
        return self


class AuditEventPayload(Strict):
    """One line of a desk's audit trail (``desktop.store.audit``): who did what at the desk,
    to which record, when. Never reporter data or report text: ``subject`` is a tracking ID,
    a record's UUID or an operator's name, ``detail`` a status, a format, a setting's name.
    The action is checked for its form only, so a newer desk's new action is still taken."""

    kind: Literal["audit_event"] = "audit_event"
    uuid: _UUID
    post_code: _POST_CODE
    action: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{0,31}$")]
    subject: _Line = ""
    detail: _Place = ""
    operator_name: _Line = ""
    created_at: Moment


AnyRecord = (
    ComplaintPayload
    | SurveyResponsePayload
    | TallyPayload
    | SkmResponsePayload
    | TallyEventPayload
    | StockMovementPayload
    | AuditEventPayload
)
# The kinds each push protocol carries: a version 1 body with a newer kind is refused for
# that record (an old desk never makes one), and a desk talking to a version 1 central
# system keeps its newer kinds queued.
KINDS_SINCE: dict[str, int] = {
    "complaint": 1,
    "survey_response": 1,
    "tally_event": 1,
    "skm_response": 2,
    "tally": 2,
    "stock_movement": 2,
    "audit_event": 2,
}

V1Record = ComplaintPayload | SurveyResponsePayload | TallyPayload
SyncRecord = Annotated[V1Record, Field(discriminator="kind")]
_RECORD = TypeAdapter[V1Record](SyncRecord)
_ANY_RECORD = TypeAdapter[AnyRecord](Annotated[AnyRecord, Field(discriminator="kind")])


class PushRequest(Strict):
    protocol: Literal[1, 2] = PROTOCOL_VERSION
    device_app_version: _Version = ""
    records: list[Any] = Field(min_length=1, max_length=MAX_BATCH)


class RecordOutcome(enum.StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"  # same UUID, same content: already there, nothing to do
    CONFLICT = "conflict"  # same UUID, different content: kept the first, flag it
    REJECTED = "rejected"  # will never be accepted as it is: the reason says why
    # Protocol 2: valid, but this central system does not store the kind yet; the desk keeps
    # it queued and offers it again later. Never given to a version 1 body.
    DEFERRED = "deferred"


# The compact answer's letters, one per record.
OUTCOME_LETTERS: dict[RecordOutcome, str] = {
    RecordOutcome.ACCEPTED: "a",
    RecordOutcome.DUPLICATE: "d",
    RecordOutcome.CONFLICT: "c",
    RecordOutcome.REJECTED: "r",
    RecordOutcome.DEFERRED: "q",
}
LETTER_OUTCOMES = {letter: outcome for outcome, letter in OUTCOME_LETTERS.items()}


class RecordResult(Strict):
    index: int
    uuid: str | None
    kind: str | None
    result: RecordOutcome
    reason: str | None = None


class PushResponse(Strict):
    """The answer to a version 1 body: one full result per record."""

    protocol: Literal[1] = PROTOCOL_VERSION
    results: list[RecordResult]


class PushAnswer(Strict):
    """The answer to a version 2 body, as small as the desk's needs: ``outcomes`` has one
    letter per record, in order (``OUTCOME_LETTERS``); ``reasons`` only the records that
    have one, by index; ``batch`` is ``batch_digest`` of the records' UUIDs, so an answer
    to another batch is never applied to this one. 1,000 records answer in about 1 KB."""

    protocol: Literal[2] = PUSH_PROTOCOL
    batch: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]
    outcomes: Annotated[str, StringConstraints(pattern=r"^[adcrq]*$", max_length=MAX_BATCH)]
    reasons: dict[Annotated[str, StringConstraints(pattern=r"^[0-9]{1,3}$")], str] = Field(
        default_factory=dict, max_length=MAX_BATCH
    )

    @classmethod
    def of(cls, uuids: list[str | None], results: list[RecordResult]) -> PushAnswer:
        return cls(
            batch=batch_digest(uuids),
            outcomes="".join(OUTCOME_LETTERS[r.result] for r in results),
            reasons={str(r.index): r.reason for r in results if r.reason},
        )

    def results(self) -> list[tuple[RecordOutcome, str | None]]:
        """Each record's outcome and reason, in the batch's order."""
        return [
            (LETTER_OUTCOMES[letter], self.reasons.get(str(i)))
            for i, letter in enumerate(self.outcomes)
        ]


def batch_digest(uuids: list[str | None]) -> str:
    """What names a batch in its answer: SHA-256 of its records' UUIDs (empty where a record
    has none), one a line, cut to 16 hex digits."""
    joined = "\n".join(u or "" for u in uuids).encode("utf-8", "replace")
    return hashlib.sha256(joined).hexdigest()[:16]


class StatusChange(Strict):
    cursor: str
    tracking_id: str
    uuid: str
    status: CentralStatus
    note: str
    agency: str
    changed_at: datetime


class PullResponse(Strict):
    protocol: Literal[1] = PROTOCOL_VERSION
    changes: list[StatusChange]
    cursor: str
    more: bool


class RulesResponse(Strict):
    """The routing rules the central system hands out (``GET /sync/rules``): the contents of
    ``routing.json`` and ``agencies.json``, as one versioned set. The desk checks them with
    its own rule engine before it uses them."""

    protocol: Literal[1] = PROTOCOL_VERSION
    version: Annotated[int, Field(ge=1, le=1_000_000_000)]
    routing: dict[str, Any]
    agencies: dict[str, Any]


_GROUP = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]
MAX_GROUPS = 64


class CategoriesResponse(Strict):
    """Which groups of categories the coordinator offers for new reports (``GET
    /sync/categories``): every group the central system's catalog knows, on or off. A desk
    ignores a group its own catalog does not know; saved reports keep any category."""

    protocol: Literal[1] = PROTOCOL_VERSION
    groups: Annotated[dict[_GROUP, StrictBool], Field(max_length=MAX_GROUPS)]


# A campaign's settings (posko.campaign's JSON: name, days, posts, targets set by hand).
MAX_CAMPAIGN_CHARS = 1_000_000  # posko-central campaign set reads at most 1 MB


class CampaignResponse(Strict):
    """The outreach campaign the coordinator set on the central system (``GET
    /sync/campaign``; ``posko-central campaign set``), as ``posko.campaign.Campaign``'s
    JSON, or none. A desk takes it in place of its own; with none, it keeps its own."""

    protocol: Literal[1] = PROTOCOL_VERSION
    campaign: Annotated[str, Field(max_length=MAX_CAMPAIGN_CHARS)] | None = None


_PUBLIC_KEY = r"^[A-Za-z0-9+/]{43}=$"  # 32 bytes, base64
_SIGNATURE = r"^[A-Za-z0-9+/]{86}==$"  # 64 bytes, base64
_PROVISIONAL_PREFIX = r"^([A-HJKMNP-TV-Y][2-9A-HJKMNP-TV-Y]{6})?$"


class EnrollRequest(Strict):
    """A desk asks for its token. It proves it holds the private key of ``public_key`` by
    signing ``enrollment_message`` (the code, the key and its provisional prefix): nobody
    can enroll as a desk, or take its prefix, with its public key alone."""

    code: Annotated[str, line(64, 6)]
    label: _Line = ""
    # The desk's Ed25519 public key (raw 32 bytes, base64), made when the desk was set up.
    public_key: Annotated[str, StringConstraints(pattern=_PUBLIC_KEY)]
    # Ed25519 signature (base64) of ``enrollment_message(code, public_key, provisional)``.
    proof: Annotated[str, StringConstraints(pattern=_SIGNATURE)]
    # The provisional prefix of the IDs the desk made before enrollment, if any: it must be
    # ``tracking.provisional_prefix_for(public_key)``.
    provisional_prefix: Annotated[str, StringConstraints(pattern=_PROVISIONAL_PREFIX)] = ""


class EnrollResponse(Strict):
    device_id: str
    tracking_prefix: str
    token: str
    post_code: str
    # Where the device's sequence stands on the central system: the desk never issues a
    # number below it (a desk enrolling again after losing its database would otherwise
    # start over and give a new citizen an earlier citizen's tracking ID).
    next_sequence: Annotated[int, Field(ge=1)] = 1
    # The central system's X25519 bundle key (raw 32 bytes, base64), which the desk seals
    # its USB bundles to (``posko.bundle`` version 3). Only in the answer to a desk that
    # asks for it (``POST /api/v1/enroll?bundle_key=1``): a desk from before it refuses an
    # answer with a field it does not know. None from a central system from before it.
    bundle_key: Annotated[str, StringConstraints(pattern=_PUBLIC_KEY)] | None = None


class BundleKeyResponse(Strict):
    """The central system's bundle key (``GET /api/v1/sync/bundle-key``), fetched on every
    sync, so a desk enrolled before the key existed, or before the key changed, learns it."""

    protocol: Literal[1] = PROTOCOL_VERSION
    bundle_key: Annotated[str, StringConstraints(pattern=_PUBLIC_KEY)]


def enrollment_message(code: str, public_key: str, provisional_prefix: str) -> bytes:
    """What a desk signs to enroll: bound to the single-use code (normalised as the
    central system stores it), so a signature cannot be replayed with another code."""
    return "\n".join(
        ("posko-enroll/1", tracking.normalize(code), public_key, provisional_prefix)
    ).encode("ascii", "replace")


_T = TypeVar("_T")


class RecordError(ValueError):
    """A record that does not follow the protocol; ``reason`` is short, for the operator."""

    def __init__(self, reason: str, uuid: str | None, kind: str | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.uuid = uuid
        self.kind = kind


def parse_record(raw: object) -> V1Record:
    """One record of a kind the central storage ingests (protocol 1's kinds), or
    ``RecordError`` naming the first fields that are wrong."""
    return _parse(_RECORD, raw)


def parse_any(raw: object) -> AnyRecord:
    """One record of any kind this protocol defines, or ``RecordError``."""
    return _parse(_ANY_RECORD, raw)


def _parse(adapter: TypeAdapter[_T], raw: object) -> _T:
    uuid = raw.get("uuid") if isinstance(raw, dict) else None
    kind = raw.get("kind") if isinstance(raw, dict) else None
    try:
        return adapter.validate_python(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors()[:5]:
            where = ".".join(str(part) for part in error["loc"][1:] or error["loc"])
            problems.append(f"{where}: {error['msg']}")
        raise RecordError(
            "; ".join(problems),
            uuid if isinstance(uuid, str) else None,
            kind if isinstance(kind, str) else None,
        ) from None


def content_hash(record: BaseModel) -> str:
    """SHA-256 of the record's canonical JSON: equal content, equal hash, on both sides."""
    data = record.model_dump(mode="json")
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


__all__ = [
    "KINDS_SINCE",
    "MAX_BATCH",
    "MAX_BODY_BYTES",
    "OUTCOME_LETTERS",
    "PROTOCOL_VERSION",
    "PUSH_PROTOCOL",
    "SKM_ELEMENTS",
    "AuditEventPayload",
    "BundleKeyResponse",
    "CategoriesResponse",
    "CentralStatus",
    "ComplaintPayload",
    "EnrollRequest",
    "EnrollResponse",
    "PullResponse",
    "PushAnswer",
    "PushRequest",
    "PushResponse",
    "RecordError",
    "RecordOutcome",
    "RecordResult",
    "RespondentProfile",
    "RulesResponse",
    "SkmResponsePayload",
    "StatusChange",
    "StockMovementPayload",
    "SurveyResponsePayload",
    "TallyEventPayload",
    "TallyPayload",
    "batch_digest",
    "content_hash",
    "enrollment_message",
    "parse_any",
    "parse_record",
]
