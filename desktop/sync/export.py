"""Write the desk's queued records to a signed USB bundle (``posko.bundle``), encrypted to
the central system's bundle key when the desk knows it (version 3), in clear when it does
not yet (version 2: enrolled with a central system from before bundle keys, and not synced
online since it has one)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from desktop import keys
from desktop.paths import Profile
from desktop.settings import CENTRAL_BUNDLE_KEY, ENROLLED_DEVICE_ID
from desktop.store.outbox import KINDS, Outbox
from desktop.store.repo import Store
from posko.bundle import BundleError, public_key_from_text, write_bundle

log = logging.getLogger("posko.sync")


class ExportError(Exception):
    """The bundle cannot be written; ``code`` says why."""

    NOT_ENROLLED = "not_enrolled"
    NOTHING = "nothing"
    TOO_LARGE = "too_large"  # more than the central system takes in one bundle
    WRITE_FAILED = "write_failed"

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Exported:
    """The bundle written: ``records`` counts the operator's records (as "waiting to send"
    does), not the audit trail's lines that go with them."""

    path: Path
    records: int
    size: int
    # Encrypted to the central system's key. False: the records are in clear on the stick
    # (the desk does not know the key yet); the operator is told (``desktop.messages``).
    sealed: bool = True


def export_outbox(store: Store, profile: Profile, target: Path) -> Exported:
    """Every queued record, signed with this desk's key. Nothing changes state: the records
    stay queued until the central system confirms them (an online sync after the import
    answers "duplicate" and marks them sent)."""
    device_id = store.get(ENROLLED_DEVICE_ID)
    key = keys.load(profile)
    if not device_id or key is None:
        raise ExportError(ExportError.NOT_ENROLLED)
    records = Outbox(store).queued_payloads()
    if not records:
        raise ExportError(ExportError.NOTHING)
    context = store.require_context()
    try:
        central_key = public_key_from_text(store.get(CENTRAL_BUNDLE_KEY))
    except ValueError:  # none yet (or a damaged setting: the next sync replaces it)
        central_key = None
        log.warning("no bundle key from the central system: the bundle is not encrypted")
    try:
        size = write_bundle(
            target,
            key,
            device_id=device_id,
            tracking_prefix=context.tracking_prefix,
            records=records,
            central_key=central_key,
        )
    except BundleError as exc:
        if exc.code != BundleError.CONTENT_TOO_LARGE:
            raise
        raise ExportError(ExportError.TOO_LARGE, exc.detail) from exc
    except OSError as exc:
        raise ExportError(ExportError.WRITE_FAILED, exc.strerror or str(exc)) from exc
    counted = sum(1 for r in records if KINDS[str(r.get("kind", "complaint"))].counted)
    return Exported(target, counted, size, sealed=central_key is not None)
