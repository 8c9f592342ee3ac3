"""Retention (``desktop.store.retention``) with a fixed clock on a real SQLite file: once the
central system confirmed a report's latest revision and the period passed, its reporter's
contacts (and a rahasia report's text) are gone, from the rows and from the file's bytes,
WAL included; the report, its tracking ID and status stay; nothing unsent is erased."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from desktop.domain import ComplaintInput, ComplaintType, ValidationError
from desktop.settings import RETENTION_DAYS
from desktop.store.records import ComplaintQuery
from desktop.store.repo import Store

SENT = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)


def report(n: int, *, confidential: bool = False) -> ComplaintInput:
    return ComplaintInput(
        type=ComplaintType.PENGADUAN,
        category="TOL",
        title=f"Pungli di loket {n}",
        description=f"Petugas meminta uang tambahan {n}.",
        location=f"Gerbang Tol Merak {n}",
        reporter_name=f"Rina Wati {n}",
        phone=f"0857-9999-000{n}",
        email=f"rina{n}@contoh.id",
        confidential=confidential,
    )


def sent(store: Store, tracking_id: str, at: datetime = SENT) -> None:
    """As the outbox leaves a report the central system confirmed (``accepted``)."""
    with store.session() as s:
        s.execute(
            text(
                "UPDATE complaints SET sync_state = 'sent', sent_revision = revision,"
                " sent_at = :at, central_status = 'received' WHERE tracking_id = :tid"
            ),
            {"at": at.replace(tzinfo=None), "tid": tracking_id},
        )


def test_contacts_go_after_the_period_and_the_report_stays(store: Store) -> None:
    plain = store.save_complaint(report(1), now=SENT - timedelta(hours=1))
    secret = store.save_complaint(report(2, confidential=True), now=SENT - timedelta(hours=1))
    unsent = store.save_complaint(report(3), now=SENT - timedelta(hours=1))
    changed = store.save_complaint(report(4), now=SENT - timedelta(hours=1))
    for made in (plain, secret, changed):
        sent(store, made.tracking_id)
    # Corrected after it was sent: the correction is not at the central system yet.
    store.edit_complaint(changed.tracking_id, report(4), now=SENT + timedelta(days=1))

    assert store.erase_expired(now=SENT + timedelta(days=30) - timedelta(seconds=1)) == 0
    assert store.erase_expired(now=SENT + timedelta(days=30, seconds=1)) == 2
    kept = {r.tracking_id: r for r in store.search(ComplaintQuery(), limit=10)}
    for made in (plain, secret):
        erased = kept[made.tracking_id]
        assert (erased.reporter_name, erased.phone, erased.email) == ("", "", "")
        assert erased.central_status == "received" and erased.category == "TOL"
    assert kept[plain.tracking_id].title == "Pungli di loket 1"  # not rahasia: its text stays
    assert kept[secret.tracking_id].title == "" and kept[secret.tracking_id].description == ""
    assert kept[secret.tracking_id].location == ""
    for untouched, n in ((unsent, 3), (changed, 4)):
        assert kept[untouched.tracking_id].reporter_name == f"Rina Wati {n}"
    # Looked up by the receipt's ID, the report is still there; by the name, no longer.
    assert store.complaint(plain.tracking_id) is not None
    assert store.search(ComplaintQuery(text="Rina Wati 1")) == []
    # The bytes of the database and its WAL hold none of it.
    for path in store.profile.root.glob("posko.sqlite3*"):
        data = path.read_bytes()
        for gone in ("Rina Wati 1", "0857-9999-0001", "rina2@contoh.id", "uang tambahan 2"):
            assert gone.encode() not in data, (path.name, gone)
    assert store.erase_expired(now=SENT + timedelta(days=90)) == 0  # once
    (line,) = store.audit_trail(action="personal_data_erased")
    assert line.detail == "2 reports, 30 days after sending" and line.operator == ""


def test_a_report_whose_data_was_erased_is_not_corrected_here(store: Store) -> None:
    made = store.save_complaint(report(1), now=SENT)
    sent(store, made.tracking_id)
    store.erase_expired(now=SENT + timedelta(days=31))
    with pytest.raises(ValidationError) as refused:
        store.edit_complaint(made.tracking_id, report(1))
    assert "sistem pusat" in refused.value.errors[0].message
    assert store.complaint(made.tracking_id).reporter_name == ""  # nothing sent back


def test_the_period_is_a_setting(store: Store) -> None:
    store.set(RETENTION_DAYS, "7")
    made = store.save_complaint(report(1), now=SENT)
    sent(store, made.tracking_id)
    assert store.erase_expired(now=SENT + timedelta(days=8)) == 1
