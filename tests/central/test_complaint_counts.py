"""``complaint_counts``, kept by triggers on ``complaints`` (migration 0011), equals a plain
GROUP BY over the complaints after inserts, status changes, a desk's later revision and a
delete, on SQLite and PostgreSQL; the migration counts the complaints already there."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import text

from central import models, sync_push
from central.db import make_engine, open_database, upgrade
from central.store import CentralStore
from posko import wire
from posko.workdays import WIB
from tests.central_support import complaint_record, enroll

# The complaints as they are; their WIB day reckoned here from the UTC moment kept.
GROUPED = "SELECT post_code, created_at, device_id, type, category, status, agency FROM complaints"
COUNTED = (
    "SELECT post_code, day, device_id, type, category, status, agency, complaints "
    "FROM complaint_counts "
    "WHERE complaints <> 0"
)


def _moment(value: object) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _assert_counts_match(store: CentralStore) -> None:
    with store.engine.connect() as conn:
        expected: dict[tuple[object, ...], int] = {}
        for post, created, device, kind, category, status, agency in conn.execute(text(GROUPED)):
            day = _moment(created).replace(tzinfo=UTC).astimezone(WIB).date()
            key = (post, day, device, kind, category, status, agency or "")
            expected[key] = expected.get(key, 0) + 1
        found = {
            (post, _day(day), device, kind, category, status, agency): n
            for post, day, device, kind, category, status, agency, n in conn.execute(text(COUNTED))
        }
    assert found == expected
    assert all(n > 0 for n in found.values())


def _at(day: date, hour: int, minute: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WIB).isoformat()


def test_counts_follow_every_change(central_store: CentralStore) -> None:
    store, day = central_store, date(2026, 3, 10)
    records = []
    for post in ("MRK", "BKH"):
        _token, device = enroll(store, post)
        # A WIB day's first and last minute: UTC the day before, and the same day.
        found = [
            complaint_record(device.tracking_prefix, n + 1, post_code=post,
                             category=("TOL", "ANGKUTAN")[n % 2],
                             type=("pengaduan", "aspirasi")[n % 3 == 0],
                             created_at=_at(day, (0, 23, 6)[n % 3], (0, 59, 30)[n % 3]))
            for n in range(7)
        ]  # fmt: skip
        results = sync_push.push(store, device, found, protocol=2)
        assert {r.result for r in results} == {wire.RecordOutcome.ACCEPTED}
        records.append((device, found))
    _assert_counts_match(store)

    mrk_device, mrk = records[0]
    store.set_status(mrk[0]["tracking_id"], wire.CentralStatus.RESOLVED, actor="t")
    store.set_status(mrk[1]["tracking_id"], wire.CentralStatus.FORWARDED, actor="t",
                     agency="ASDP")  # fmt: skip
    store.set_status(mrk[1]["tracking_id"], wire.CentralStatus.ARCHIVED, actor="t")
    _assert_counts_match(store)

    # The desk's later revision: another category and another WIB day.
    revised = mrk[2] | {"revision": 2, "category": "LAINNYA", "created_at": _at(day, 23, 59)}
    results = sync_push.push(store, mrk_device, [revised], protocol=2)
    assert results[0].result == wire.RecordOutcome.ACCEPTED
    assert store.complaint(mrk[2]["tracking_id"]).category == "LAINNYA"
    _assert_counts_match(store)

    # No code path deletes a complaint; the trigger for it is tested all the same.
    with store.engine.begin() as conn:
        gone = {"t": mrk[0]["tracking_id"]}
        where = "(SELECT id FROM complaints WHERE tracking_id = :t)"
        conn.execute(text(f"DELETE FROM status_changes WHERE complaint_id = {where}"), gone)
        conn.execute(text("DELETE FROM complaints WHERE tracking_id = :t"), gone)
    _assert_counts_match(store)
    # Counted again from scratch (after a bulk load with the triggers off): the same.
    store.recount_complaints()
    _assert_counts_match(store)


def test_the_migration_counts_the_complaints_already_there(central_db_url: str) -> None:
    engine = make_engine(central_db_url)
    upgrade(engine, "0010")
    # The head's store also writes the central audit trail (0014): its table is lent for
    # the set-up and taken away before the upgrade, which makes it again.
    audit = models.Base.metadata.tables["central_audit_events"]
    audit.create(engine)
    engine.dispose()
    # Complaints stored at 0010: the head's model inserts the same columns.
    older = CentralStore(make_engine(central_db_url))
    try:
        _token, device = enroll(older, "MRK")
        moments = [_at(date(2026, 1, 2), hour) for hour in (0, 7, 23)]
        found = [
            complaint_record(device.tracking_prefix, n + 1, created_at=moment)
            for n, moment in enumerate(moments)
        ]
        sync_push.push(older, device, found, protocol=2)
        older.set_status(found[0]["tracking_id"], wire.CentralStatus.RESOLVED, actor="t")
    finally:
        older.close()
    engine = make_engine(central_db_url)
    audit.drop(engine)
    engine.dispose()
    store = CentralStore(open_database(central_db_url))
    try:
        _assert_counts_match(store)
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT sum(complaints) FROM complaint_counts")).scalar() == 3
    finally:
        store.close()
