"""Importing a desk's USB bundle (``posko.bundle``): find the desk by the header's
device ID, verify the signature with the public key it registered at enrollment, decrypt a
sealed (version 3) bundle with this central system's bundle key (``central.bundle_key``),
read every record once to refuse a malformed bundle whole, then ingest the records through
the same deduplication as an online push.

Memory stays bounded whatever the bundle holds: the compressed payload (capped), one
record line, and one batch of records at a time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from central import sync_push
from central.store import CentralStore, DeviceInfo
from posko import wire
from posko.bundle import Bundle, BundleError, SealedBundle, open_bundle, parse_bundle

BATCH = 500


class BundleRefused(BundleError):
    REVOKED = "revoked"
    WRONG_PREFIX = "wrong_prefix"


@dataclass
class ImportReport:
    device: DeviceInfo
    created_at: str
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[wire.RecordResult] = field(default_factory=list)
    # The desk's audit lines the central system holds now (kept out of ``counts``, which
    # are the desk's records, as the desk counts them).
    audit_lines: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def check(
    store: CentralStore, sealed: SealedBundle, bundle_key: X25519PrivateKey | None = None
) -> tuple[DeviceInfo, Bundle]:
    """The desk and its verified (and decrypted) bundle, every record read once; nothing
    is stored."""
    device_id = int(sealed.header.device_id)  # at most 18 digits, checked with the header
    found = store.device(device_id)
    if found is None or not found[1]:
        raise BundleError(BundleError.UNKNOWN_DEVICE, str(device_id))
    device, public_key = found
    bundle = sealed.verify(public_key, bundle_key)
    if device.revoked_at is not None:
        raise BundleRefused(BundleRefused.REVOKED, str(device_id))
    if bundle.tracking_prefix != device.tracking_prefix:
        raise BundleRefused(BundleRefused.WRONG_PREFIX, bundle.tracking_prefix)
    bundle.check()
    return device, bundle


def _batches(records: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    while batch := list(islice(records, BATCH)):
        yield batch


def import_bundle(
    store: CentralStore, source: Path | bytes, bundle_key: X25519PrivateKey | None = None
) -> ImportReport:
    """Verify, then ingest; every record gets the same answer an online push would.
    ``bundle_key`` opens a sealed bundle (``BundleError.OTHER_CENTRAL`` without it).
    ``BundleError`` (the file refused whole, nothing stored) or ``OSError`` (unreadable)."""
    with open_bundle(source) if isinstance(source, Path) else parse_bundle(source) as sealed:
        device, bundle = check(store, sealed, bundle_key)
    report = ImportReport(device=device, created_at=bundle.created_at)
    start = 0
    for batch in _batches(bundle.records()):
        for result in sync_push.push(store, device, batch):
            held = result.result in (wire.RecordOutcome.ACCEPTED, wire.RecordOutcome.DUPLICATE)
            if result.kind == "audit_event" and held:
                report.audit_lines += 1
                continue
            report.counts[result.result.value] += 1
            if result.result in (wire.RecordOutcome.CONFLICT, wire.RecordOutcome.REJECTED):
                report.problems.append(result.model_copy(update={"index": start + result.index}))
        start += len(batch)
    return report
