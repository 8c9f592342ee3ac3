"""Ingest: the records a desk pushes (online or by bundle), refused, inserted, revised or
classified as duplicates and conflicts, exactly once by their UUID.

Ingest is idempotent by the record's UUID through the tables' unique constraints: rows are
inserted with ``ON CONFLICT DO NOTHING`` and whatever was not inserted is then classified as
a duplicate (same content hash) or a conflict (different content). There is no look-up
before the insert, so two concurrent pushes of the same UUID cannot both insert it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from central import models
from central.security import (
    digest,
)
from central.store.base import SYSTEM_ACTOR, StoreBase, _now
from central.views import DeviceInfo
from posko import tracking, wire

# The kinds this storage holds: protocol 1's, and protocol 2's SKM questionnaire, tally
# event, stock movement and audit line.
StoredRecord = (
    wire.ComplaintPayload
    | wire.SurveyResponsePayload
    | wire.TallyPayload
    | wire.SkmResponsePayload
    | wire.TallyEventPayload
    | wire.StockMovementPayload
    | wire.AuditEventPayload
)
# Each stored kind's table, in the order a push inserts them.
TABLES: tuple[tuple[str, Any], ...] = (
    ("complaint", models.Complaint),
    ("survey_response", models.SurveyResponse),
    ("tally_event", models.TallyEvent),
    ("skm_response", models.SkmResponse),
    ("tally", models.OutreachTally),
    ("stock_movement", models.StockMovement),
    ("audit_event", models.DeskAuditEvent),
)
_PROTOCOL_2_KINDS = frozenset({"skm_response", "tally", "stock_movement", "audit_event"})
# The kinds whose moment counts (a day's figures, an audit line's order): one in the
# future is refused.
_DATED = (
    wire.ComplaintPayload,
    wire.TallyEventPayload,
    wire.StockMovementPayload,
    wire.AuditEventPayload,
)
_UNDO_REFUSED = "undoes: no tally event of this post with that UUID, counter, item and count"


def parse_stored(raw: object) -> StoredRecord:
    """One record of a kind this storage holds, or ``wire.RecordError``."""
    if isinstance(raw, dict) and raw.get("kind") in _PROTOCOL_2_KINDS:
        record = wire.parse_any(raw)
        assert not isinstance(record, wire.V1Record)
        return record
    return wire.parse_record(raw)


class Ingest(StoreBase):
    """Pushes from desks, record by record, exactly once."""

    # -- ingest --------------------------------------------------------------------------

    def push(
        self, device: DeviceInfo, raw_records: Sequence[object], app_version: str = ""
    ) -> list[wire.RecordResult]:
        """Validate each record on its own, then ingest the valid ones; one answer each."""
        results: list[wire.RecordResult | None] = [None] * len(raw_records)
        valid: list[tuple[int, StoredRecord]] = []
        for index, raw in enumerate(raw_records):
            try:
                record = parse_stored(raw)
            except wire.RecordError as exc:
                results[index] = wire.RecordResult(
                    index=index,
                    uuid=exc.uuid,
                    kind=exc.kind,
                    result=wire.RecordOutcome.REJECTED,
                    reason=exc.reason,
                )
                continue
            reason = self._refuse(device, record)
            if reason:
                results[index] = wire.RecordResult(
                    index=index,
                    uuid=record.uuid,
                    kind=record.kind,
                    result=wire.RecordOutcome.REJECTED,
                    reason=reason,
                )
            else:
                valid.append((index, record))
        answers = self.ingest(device, [r for _i, r in valid], app_version)
        if len(valid) == len(raw_records):  # the usual batch: indexes already match
            return answers
        for (index, _record), result in zip(valid, answers, strict=True):
            results[index] = result.model_copy(update={"index": index})
        return [r for r in results if r is not None]

    def _refuse(
        self,
        device: DeviceInfo,
        record: StoredRecord,
    ) -> str | None:
        """Why a well-formed record is still unacceptable from this device, if it is.

        A record is taken only from the device that could have made it: under the post the
        device is enrolled for, and (complaints) with a tracking ID of the device's own
        prefix, or of the provisional prefix it proved at enrollment (derived from its key),
        so no device can plant a report under another desk's ID before that desk syncs."""
        if record.post_code != device.post_code:
            return f"post_code: this desk is enrolled for post {device.post_code}"
        if isinstance(record, wire.ComplaintPayload):
            if self.catalog.get(record.category) is None:
                return f"category: unknown category {record.category}"
            try:
                prefix, _sequence = tracking.split(record.tracking_id)
            except tracking.TrackingIdError:
                return "tracking_id: too short for a tracking ID of its kind"
            if prefix != device.tracking_prefix and prefix != device.provisional_prefix:
                if prefix[0] in tracking.PROVISIONAL_FIRST:
                    return "tracking_id: the provisional prefix is not this desk's"
                return "tracking_id: the prefix belongs to another device"
        if isinstance(record, _DATED) and record.created_at > _now() + timedelta(days=1):
            return "created_at: in the future"
        return None

    def ingest(
        self,
        device: DeviceInfo,
        records: Sequence[StoredRecord],
        app_version: str = "",
    ) -> list[wire.RecordResult]:
        """Insert validated records in one transaction; one result per record, in order."""
        hashes = [wire.content_hash(r) for r in records]
        outcome: dict[int, tuple[wire.RecordOutcome, str | None]] = {}
        # The same UUID twice in one batch: the first counts, the second is classified.
        first_seen: dict[str, int] = {}
        fresh: list[int] = []
        for i, record in enumerate(records):
            if record.uuid in first_seen:
                same = hashes[first_seen[record.uuid]] == hashes[i]
                outcome[i] = (
                    (wire.RecordOutcome.DUPLICATE, None)
                    if same
                    else (wire.RecordOutcome.CONFLICT, "uuid: sent twice with different content")
                )
            else:
                first_seen[record.uuid] = i
                fresh.append(i)
        now = _now()
        with self.session() as session, session.begin():
            # Every writer locks the device row first, then reports (set_status too): one
            # order, so a push and a status change, or two pushes, never deadlock on
            # PostgreSQL (a hostile test made both happen). SQLite writes one at a time.
            session.execute(
                select(models.Device.id).where(models.Device.id == device.id).with_for_update()
            )
            for kind, table in TABLES:
                batch = [i for i in fresh if records[i].kind == kind]
                if kind == "tally":
                    # Undo events after the events they undo, which may be in this batch.
                    undos = [i for i in batch if getattr(records[i], "undoes", None) is not None]
                    plain = [i for i in batch if getattr(records[i], "undoes", None) is None]
                    self._store(session, device, table, records, hashes, plain, outcome, now)
                    batch = self._undoable(session, records, undos, outcome)
                self._store(session, device, table, records, hashes, batch, outcome, now)
            session.execute(
                update(models.Device)
                .where(models.Device.id == device.id)
                .values(last_seen_at=now, **({"app_version": app_version} if app_version else {}))
            )
        return [
            wire.RecordResult(
                index=i,
                uuid=record.uuid,
                kind=record.kind,
                result=outcome[i][0],
                reason=outcome[i][1],
            )
            for i, record in enumerate(records)
        ]

    def _undoable(
        self,
        session: Session,
        records: Sequence[StoredRecord],
        batch: list[int],
        outcome: dict[int, tuple[wire.RecordOutcome, str | None]],
    ) -> list[int]:
        """The undo events of ``batch`` that name a stored event of their own post with the
        same counter and item and the count they negate; the others are rejected."""
        if not batch:
            return []
        table = models.OutreachTally
        wanted = {str(getattr(records[i], "undoes", "")) for i in batch}
        targets = {
            row[0]: tuple(row[1:])
            for row in session.execute(
                select(table.uuid, table.post_code, table.counter, table.item, table.count).where(
                    table.uuid.in_(wanted), table.undoes.is_(None)
                )
            )
        }
        kept = []
        for i in batch:
            record = records[i]
            assert isinstance(record, wire.TallyEventPayload)
            target = targets.get(str(record.undoes))
            if target == (record.post_code, record.counter, record.item, -record.count):
                kept.append(i)
            else:
                outcome[i] = (wire.RecordOutcome.REJECTED, _UNDO_REFUSED)
        return kept

    def _store(
        self,
        session: Session,
        device: DeviceInfo,
        table: Any,
        records: Sequence[StoredRecord],
        hashes: list[str],
        batch: list[int],
        outcome: dict[int, tuple[wire.RecordOutcome, str | None]],
        now: datetime,
    ) -> None:
        """Insert one kind's new records; classify those already stored."""
        if not batch:
            return
        kind = records[batch[0]].kind
        rows = [self._row(device, records[i], hashes[i], now) for i in batch]
        inserted = self._insert_new(session, table, rows)
        if kind == "complaint" and inserted:
            session.execute(
                insert(models.StatusChange),
                [
                    {
                        "complaint_id": complaint_id,
                        "device_id": device.id,
                        "status": wire.CentralStatus.RECEIVED.value,
                        "note": "",
                        "internal_note": "",
                        "agency": "",
                        "actor": SYSTEM_ACTOR,
                        "changed_at": now,
                    }
                    for complaint_id in inserted.values()
                ],
            )
        missing = [i for i in batch if records[i].uuid not in inserted]
        if missing:
            columns: list[Any] = [table.uuid, table.content_hash]
            if table is models.Complaint:
                columns += [table.revision, table.device_id, table.tracking_id]
            existing = {
                row[0]: row
                for row in session.execute(
                    select(*columns).where(table.uuid.in_([records[i].uuid for i in missing]))
                )
            }
            # In UUID order, as the inserts: two pushes take the rows' locks alike.
            for i in sorted(missing, key=lambda i: records[i].uuid):
                outcome[i] = self._classify(
                    session,
                    device,
                    records[i],
                    hashes[i],
                    existing.get(records[i].uuid),
                    now,
                )
        for i in batch:
            outcome.setdefault(i, (wire.RecordOutcome.ACCEPTED, None))

    def _classify(
        self,
        session: Session,
        device: DeviceInfo,
        record: StoredRecord,
        content_hash: str,
        stored: Any,
        now: datetime,
    ) -> tuple[wire.RecordOutcome, str | None]:
        """A record whose insert did nothing: duplicate, newer revision, or conflict."""
        if stored is None and isinstance(record, wire.TallyEventPayload):
            return wire.RecordOutcome.CONFLICT, "undoes: that event is undone already"
        if stored is None:
            return wire.RecordOutcome.CONFLICT, "tracking_id: already used by another report"
        if stored.content_hash == content_hash:
            return wire.RecordOutcome.DUPLICATE, None
        if isinstance(record, wire.ComplaintPayload):
            if record.revision < stored.revision:
                # The central system already holds a later edit of this report.
                return wire.RecordOutcome.DUPLICATE, None
            if (
                record.revision > stored.revision
                and stored.device_id == device.id
                and stored.tracking_id == record.tracking_id
            ):
                if self._revise(session, device, record, content_hash, now):
                    return wire.RecordOutcome.ACCEPTED, None
                again = session.scalar(
                    select(models.Complaint.content_hash).where(
                        models.Complaint.uuid == record.uuid
                    )
                )
                if again == content_hash:  # a concurrent push of the same edit won
                    return wire.RecordOutcome.DUPLICATE, None
        return wire.RecordOutcome.CONFLICT, "uuid: already received with different content"

    def _revise(
        self,
        session: Session,
        device: DeviceInfo,
        record: wire.ComplaintPayload,
        content_hash: str,
        now: datetime,
    ) -> bool:
        """Replace a report's content with a later revision from the desk that made it; the
        status, agency and timeline stay. Atomic: only a lower stored revision is replaced."""
        row = self._row(device, record, content_hash, now)
        keep = {"uuid", "device_id", "received_at", "status", "agency", "expected_at", "channel"}
        values = {k: v for k, v in row.items() if k not in keep}
        result = session.execute(
            update(models.Complaint)
            .where(
                models.Complaint.uuid == record.uuid,
                models.Complaint.revision < record.revision,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    def _insert_new(
        self, session: Session, table: Any, rows: list[dict[str, Any]]
    ) -> dict[str, int]:
        """Insert what is new; ``{uuid: id}`` of the rows this call inserted."""
        core = table.__table__
        # In UUID order: two pushes of the same records in different orders then take the
        # unique index's locks in one order, and cannot deadlock each other on PostgreSQL.
        rows = sorted(rows, key=lambda row: str(row["uuid"]))
        statement = self._insert(core).on_conflict_do_nothing().returning(core.c.uuid, core.c.id)
        # executemany with RETURNING: SQLAlchemy's "insertmanyvalues" batches it on both
        # SQLite and PostgreSQL.
        return {row[0]: row[1] for row in session.execute(statement, rows)}

    def _row(
        self,
        device: DeviceInfo,
        record: StoredRecord,
        content_hash: str,
        now: datetime,
    ) -> dict[str, Any]:
        common = {
            "uuid": record.uuid,
            "content_hash": content_hash,
            "device_id": device.id,
            "post_code": record.post_code,
            "created_at": record.created_at,
            "received_at": now,
        }
        if isinstance(record, wire.ComplaintPayload):
            return common | {
                "tracking_id": record.tracking_id,
                "revision": record.revision,
                "secret_hash": digest(record.secret),
                "type": record.type,
                "category": record.category,
                "title": record.title,
                "description": record.description,
                "location": record.location,
                "lat": None,
                "long": None,
                "occurred_at": record.occurred_at,
                "reporter_name": record.reporter_name,
                "phone": record.phone,
                "email": record.email,
                "anonymous": record.anonymous,
                "confidential": record.confidential,
                "operator_name": record.operator_name,
                "channel": "desk",
                "status": wire.CentralStatus.RECEIVED.value,
                "agency": "",
                "expected_at": self._expected(record.type, record.category, record.created_at),
                "updated_at": now,
            }
        if isinstance(record, wire.SkmResponsePayload):
            return common | self._skm_columns(record)
        if isinstance(record, wire.SurveyResponsePayload):
            return common | {
                "service": record.service,
                "answers": dict(record.answers),
                "respondent": dict(record.respondent),
                "suggestion": record.suggestion,
            }
        if isinstance(record, wire.AuditEventPayload):
            return common | {
                "action": record.action,
                "subject": record.subject,
                "detail": record.detail,
                "operator_name": record.operator_name,
            }
        if isinstance(record, wire.StockMovementPayload):
            return common | {
                "item": record.item,
                "movement": record.movement,
                "quantity": record.quantity,
                "note": record.note,
            }
        tally = {"counter": record.counter, "item": record.item, "count": record.count}
        if isinstance(record, wire.TallyEventPayload):
            return common | tally | {"undoes": record.undoes}
        return common | tally

    # -- questionnaires filled on a traveller's phone (central.phone_survey) ------------------

    def post_known(self, post_code: str) -> bool:
        """Whether a desk was ever enrolled for ``post_code`` (its phone survey exists)."""
        with self.session() as session:
            found = session.scalar(
                select(models.Device.id).where(models.Device.post_code == post_code).limit(1)
            )
        return found is not None

    def add_phone_response(self, record: wire.SkmResponsePayload) -> bool:
        """Store a questionnaire a traveller filled on their phone (no device; origin
        ``phone``); False when its UUID (the form's, issued with the page) is stored
        already: a form sent twice counts once."""
        row = {
            "uuid": record.uuid,
            "content_hash": wire.content_hash(record),
            "device_id": None,
            "post_code": record.post_code,
            "created_at": record.created_at,
            "received_at": _now(),
            **self._skm_columns(record),
            "origin": "phone",
        }
        with self.session() as session, session.begin():
            inserted = self._insert_new(session, models.SkmResponse, [row])
        return bool(inserted)

    @staticmethod
    def _skm_columns(record: wire.SkmResponsePayload) -> dict[str, Any]:
        """An SKM questionnaire's own columns: one per element (None: not answered)."""
        profile = record.respondent
        answers = {str(code): score for code, score in record.answers.items()}
        return {
            "service_code": record.service_code,
            **{code.lower(): answers.get(code) for code in wire.SKM_ELEMENTS},
            "age_band": profile.age_band,
            "sex": profile.sex,
            "education": profile.education,
            "occupation": profile.occupation,
            "suggestion": record.suggestion,
            "self_filled": record.self_filled,
            "extra": dict(record.extra),
            "origin": "desk",
        }
