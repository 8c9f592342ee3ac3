"""The central storage layer on SQLite and on a real PostgreSQL cluster."""

from __future__ import annotations

from central.store import CentralStore
from posko import wire
from tests.central_support import complaint_record, enroll, skm_record


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


def test_migrations_match_the_models(central_db_url: str) -> None:
    """Autogenerate finds nothing to do on either backend: models and scripts agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from central.db import open_database
    from central.models import Base

    engine = open_database(central_db_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_reopening_is_harmless_and_keeps_rows(central_db_url: str) -> None:
    from central.db import open_database

    first = CentralStore(open_database(central_db_url))
    _token, device = enroll(first)
    first.push(device, [complaint_record(device.tracking_prefix, 1)])
    first.close()
    second = CentralStore(open_database(central_db_url))
    try:
        assert second.count(["complaints"]) == {"complaints": 1}
        assert [d.id for d in second.devices()] == [device.id]
    finally:
        second.close()


def test_skm_responses_are_stored_once_like_the_other_kinds(central_store: CentralStore) -> None:
    from central import sync_push

    _token, device = enroll(central_store)
    a, b = skm_record(), skm_record(answers={"U5": 1})
    results = sync_push.push(central_store, device, [a, b, dict(a)], protocol=2)
    assert [r.result for r in results] == ["accepted", "accepted", "duplicate"]
    again = sync_push.push(
        central_store,
        device,
        [a, dict(b, suggestion="Lain"), skm_record(post_code="BKH"), skm_record(answers={})],
        protocol=2,
    )
    assert [r.result for r in again] == ["duplicate", "conflict", "rejected", "rejected"]
    assert "post_code" in (again[2].reason or "")
    # A protocol 1 body never carries the kind: refused for itself, not stored.
    old = sync_push.push(central_store, device, [skm_record()], protocol=1)
    assert old[0].result == "rejected" and "protocol 2" in (old[0].reason or "")
    assert central_store.count(["skm_responses"]) == {"skm_responses": 2}
