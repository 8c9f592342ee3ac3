"""Importing a desk's USB bundle (``desktop.sync.bundle``): verify the signature with the
public key the desk registered at enrollment, then ingest the records through the same
deduplication as an online push."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from central.store import CentralStore, DeviceInfo
from desktop import wire
from desktop.sync.bundle import Bundle, BundleError, read_unverified, verify

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

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def check(store: CentralStore, data: bytes) -> tuple[DeviceInfo, Bundle]:
    document = read_unverified(data)
    try:
        device_id = int(document["device_id"])
    except ValueError:
        raise BundleError(BundleError.NOT_A_BUNDLE, "device_id") from None
    if not 0 < device_id < 2**62:
        raise BundleError(BundleError.UNKNOWN_DEVICE, str(device_id)[:20])
    found = store.device(device_id)
    if found is None or not found[1]:
        raise BundleError(BundleError.UNKNOWN_DEVICE, str(device_id))
    device, public_key = found
    bundle = verify(document, public_key)
    if device.revoked_at is not None:
        raise BundleRefused(BundleRefused.REVOKED, str(device_id))
    if bundle.tracking_prefix != device.tracking_prefix:
        raise BundleRefused(BundleRefused.WRONG_PREFIX, bundle.tracking_prefix)
    return device, bundle


def import_bundle(store: CentralStore, data: bytes) -> ImportReport:
    """Verify, then ingest; every record gets the same answer an online push would."""
    device, bundle = check(store, data)
    report = ImportReport(device=device, created_at=bundle.created_at)
    for start in range(0, len(bundle.records), BATCH):
        for result in store.push(device, bundle.records[start : start + BATCH]):
            report.counts[result.result.value] += 1
            if result.result in (wire.RecordOutcome.CONFLICT, wire.RecordOutcome.REJECTED):
                report.problems.append(result.model_copy(update={"index": start + result.index}))
    return report
