"""The sync wire protocol, version 1: one definition that the desk's sync engine and the
central system both import, so the two can never disagree about a field.

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
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from posko import tracking

PROTOCOL_VERSION: Literal[1] = 1
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


class CentralStatus(enum.StrEnum):
    """Where a report stands on the central system (LAPOR!'s agency workflow)."""

    RECEIVED = "received"
    VERIFIED = "verified"
    FORWARDED = "forwarded"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    POSTPONED = "postponed"
    NOT_AUTHORITY = "not_authority"
    ARCHIVED = "archived"

    @property
    def closed(self) -> bool:
        """Open311 knows only open and closed."""
        return self in (CentralStatus.RESOLVED, CentralStatus.ARCHIVED)


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
    phone: Annotated[str, StringConstraints(pattern=r"^(\+62[2-9][0-9]{7,11})?$")] = ""
    email: _Email = ""
    anonymous: bool = False
    confidential: bool = False
    post_code: _POST_CODE
    operator_name: _Line = ""
    created_at: Moment

    @field_validator("tracking_id")
    @classmethod
    def _tracking_id_is_valid(cls, value: str) -> str:
        if tracking.parse(value) != value:
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


SyncRecord = Annotated[
    ComplaintPayload | SurveyResponsePayload | TallyPayload, Field(discriminator="kind")
]
_RECORD = TypeAdapter[ComplaintPayload | SurveyResponsePayload | TallyPayload](SyncRecord)


class PushRequest(Strict):
    protocol: Literal[1] = PROTOCOL_VERSION
    device_app_version: _Version = ""
    records: list[Any] = Field(min_length=1, max_length=MAX_BATCH)


class RecordOutcome(enum.StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"  # same UUID, same content: already there, nothing to do
    CONFLICT = "conflict"  # same UUID, different content: kept the first, flag it
    REJECTED = "rejected"  # will never be accepted as it is: the reason says why


class RecordResult(Strict):
    index: int
    uuid: str | None
    kind: str | None
    result: RecordOutcome
    reason: str | None = None


class PushResponse(Strict):
    protocol: Literal[1] = PROTOCOL_VERSION
    results: list[RecordResult]


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


def enrollment_message(code: str, public_key: str, provisional_prefix: str) -> bytes:
    """What a desk signs to enroll: bound to the single-use code (normalised as the
    central system stores it), so a signature cannot be replayed with another code."""
    return "\n".join(
        ("posko-enroll/1", tracking.normalize(code), public_key, provisional_prefix)
    ).encode("ascii", "replace")


class RecordError(ValueError):
    """A record that does not follow the protocol; ``reason`` is short, for the operator."""

    def __init__(self, reason: str, uuid: str | None, kind: str | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.uuid = uuid
        self.kind = kind


def parse_record(raw: object) -> ComplaintPayload | SurveyResponsePayload | TallyPayload:
    """One record of a batch, or ``RecordError`` naming the first fields that are wrong."""
    uuid = raw.get("uuid") if isinstance(raw, dict) else None
    kind = raw.get("kind") if isinstance(raw, dict) else None
    try:
        return _RECORD.validate_python(raw)
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
    "MAX_BATCH",
    "MAX_BODY_BYTES",
    "PROTOCOL_VERSION",
    "SKM_ELEMENTS",
    "CentralStatus",
    "ComplaintPayload",
    "EnrollRequest",
    "EnrollResponse",
    "PullResponse",
    "PushRequest",
    "PushResponse",
    "RecordError",
    "RecordOutcome",
    "RecordResult",
    "RulesResponse",
    "StatusChange",
    "SurveyResponsePayload",
    "TallyPayload",
    "content_hash",
    "enrollment_message",
    "parse_record",
]
