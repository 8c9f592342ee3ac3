"""The central storage layer on SQLite and on a real PostgreSQL cluster."""

from __future__ import annotations

from central.store import CentralStore
from desktop import wire
from tests.central_support import complaint_record, enroll


def test_push_answers_each_record_and_is_idempotent(central_store: CentralStore) -> None:
    _token, device = enroll(central_store)
    a = complaint_record(device.tracking_prefix, 1)
    b = complaint_record(device.tracking_prefix, 2)
    results = central_store.push(device, [a, b, {"kind": "complaint"}, dict(a)])
    assert [r.result for r in results] == ["accepted", "accepted", "rejected", "duplicate"]
    again = central_store.push(device, [a, dict(b, title="Judul lain")])
    assert [r.result for r in again] == ["duplicate", "conflict"]
    assert central_store.count(["complaints", "status_changes"]) == {
        "complaints": 2,
        "status_changes": 2,
    }
    stored = central_store.complaint(a["tracking_id"])
    assert stored is not None and stored.status == wire.CentralStatus.RECEIVED
    assert stored.secret_matches(a["secret"]) and not stored.secret_matches("X" * 12)
