"""Push ingest in front of the storage layer: protocol versions and kinds the storage does
not hold yet.

``central.store`` ingests the kinds of protocol 1 and protocol 2's SKM questionnaire, tally
event, stock movement and desk audit line (``STORED_KINDS``): today every kind the wire
defines. A record of a kind it does not hold is still validated here, on its own, and
answered ``deferred``: the desk keeps it queued and offers it again, so nothing is lost and
nothing is marked failed for good while the central system catches up (a deployment with a
newer storage adds the kind to ``STORED_KINDS``). A version 1 body carries only the kinds of
version 1; a newer kind in it is rejected for that record (an old desk never makes one, and
``deferred`` would be an outcome it cannot read).

Used by the online push (``central.api_sync``) and the USB bundle import
(``central.bundles``): both give every record the same answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from central.store import CentralStore, DeviceInfo
from posko import wire

# The kinds ``CentralStore.ingest`` stores.
STORED_KINDS = frozenset(
    {
        "complaint",
        "survey_response",
        "tally_event",
        "skm_response",
        "tally",
        "stock_movement",
        "audit_event",
    }
)


def push(
    store: CentralStore,
    device: DeviceInfo,
    raw_records: Sequence[object],
    app_version: str = "",
    *,
    protocol: int = wire.PUSH_PROTOCOL,
) -> list[wire.RecordResult]:
    """One result per record, in order: the storage's own answer for the kinds it holds,
    ``deferred`` (protocol 2) or ``rejected`` for the others."""
    results: dict[int, wire.RecordResult] = {}
    stored: list[int] = []
    for index, raw in enumerate(raw_records):
        kind = raw.get("kind") if isinstance(raw, dict) else None
        if (
            not isinstance(kind, str)
            or kind not in wire.KINDS_SINCE
            or (kind in STORED_KINDS and wire.KINDS_SINCE[kind] <= protocol)
        ):
            stored.append(index)  # the storage validates and answers it, as always
            continue
        uuid = raw.get("uuid") if isinstance(raw, dict) else None
        try:
            record = wire.parse_any(raw)
        except wire.RecordError as exc:
            results[index] = _result(index, exc.uuid, exc.kind, "rejected", exc.reason)
            continue
        if wire.KINDS_SINCE[kind] > protocol:
            reason = f"kind: {kind} needs push protocol {wire.KINDS_SINCE[kind]}"
            results[index] = _result(index, record.uuid, kind, "rejected", reason)
        elif record.post_code != device.post_code:
            reason = f"post_code: this desk is enrolled for post {device.post_code}"
            results[index] = _result(index, record.uuid, kind, "rejected", reason)
        else:
            reason = f"kind: {kind} is not stored by this central system yet"
            results[index] = _result(index, uuid if isinstance(uuid, str) else None, kind,
                                     "deferred", reason)  # fmt: skip
    if len(stored) == len(raw_records):  # the usual batch: the storage answers it all
        return store.push(device, raw_records, app_version)
    if stored:
        answers = store.push(device, [raw_records[i] for i in stored], app_version)
        for index, answer in zip(stored, answers, strict=True):
            results[index] = answer.model_copy(update={"index": index})
    return [results[i] for i in range(len(raw_records))]


def _result(
    index: int, uuid: str | None, kind: str | None, outcome: str, reason: str
) -> wire.RecordResult:
    return wire.RecordResult(
        index=index, uuid=uuid, kind=kind, result=wire.RecordOutcome(outcome), reason=reason
    )


__all__ = ["STORED_KINDS", "push"]
