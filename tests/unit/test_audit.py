"""The desk's audit trail (``desktop.store.audit``) on a real SQLite file: each action is
noted with who did it, in the same transaction; the lines are append-only even for a
program that opens the file with plain ``sqlite3``; no reporter's data or report text is
in them; the filters a coordinator reads them with."""

from __future__ import annotations

from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from desktop.domain import ComplaintInput, ComplaintType, SyncState
from desktop.exports import Selection, write_export
from desktop.store import cipher
from desktop.store.audit import Action
from desktop.store.operators import PinRefused, Role
from desktop.store.outbox import CentralUpdate, Outbox
from desktop.store.repo import Store
from tests import rawdb

SITI, BUDI = "482915", "7301"
SECRET = ("Rina Wati", "0857-9999-0000", "rina@contoh.id", "Pungli di loket", "uang tambahan")


def report() -> ComplaintInput:
    return ComplaintInput(
        type=ComplaintType.PENGADUAN,
        category="TOL",
        title="Pungli di loket",
        description="Petugas meminta uang tambahan.",
        reporter_name="Rina Wati",
        phone="0857-9999-0000",
        email="rina@contoh.id",
        confidential=True,
    )


def lines(store: Store) -> list[tuple[str, str, str, str]]:
    """(operator, action, subject, detail), oldest first."""
    return [(e.operator, e.action, e.subject, e.detail) for e in reversed(store.audit_trail())]


def test_what_was_done_and_by_whom(store: Store, tmp_path: Path) -> None:
    store.first_coordinator("Siti Rahmawati", SITI, SITI)
    store.save_operator("Budi Santoso", role=Role.PETUGAS, pin=BUDI, repeated=BUDI)
    with pytest.raises(PinRefused):
        store.sign_in("Budi Santoso", "999000")
    with pytest.raises(PinRefused):
        store.sign_in("Orang Asing", "999000")
    store.sign_in("Budi Santoso", BUDI)
    made = store.save_complaint(report())
    store.edit_complaint(made.tracking_id, report())
    store.audit(Action.PRINTED, made.tracking_id)
    store.sign_in("Siti Rahmawati", SITI)
    context = store.require_context()
    write_export(store, Selection(context, None, None, True), "csv", tmp_path / "k.zip")
    store.set_kiosk_pin("802461", "802461")
    assert lines(store) == [
        ("Siti Rahmawati", "operator_saved", "Siti Rahmawati", "koordinator, first"),
        ("Siti Rahmawati", "operator_saved", "Budi Santoso", "petugas"),
        ("Budi Santoso", "sign_in_failed", "Budi Santoso", "1 in a row"),
        ("", "sign_in_failed", "", "no such operator"),  # a name typed is not kept
        ("Budi Santoso", "signed_in", "Budi Santoso", ""),
        ("Budi Santoso", "created", made.tracking_id, ""),
        ("Budi Santoso", "edited", made.tracking_id, "revision 2"),
        ("Budi Santoso", "printed", made.tracking_id, ""),
        ("Siti Rahmawati", "signed_in", "Siti Rahmawati", ""),
        ("Siti Rahmawati", "exported", "", "csv, with contacts, all"),
        ("Siti Rahmawati", "kiosk_pin_set", "", ""),
    ]


def test_the_trail_is_append_only_for_any_program(store: Store) -> None:
    store.save_complaint(report())
    with closing(rawdb.connect(store.profile.database)) as conn:
        for statement in (
            "UPDATE audit_events SET action = 'edited'",
            "UPDATE audit_events SET operator_name = 'Orang Lain'",
            "UPDATE audit_events SET created_at = '2020-01-01 00:00:00'",
            "DELETE FROM audit_events",
        ):
            with pytest.raises(cipher.IntegrityError, match="append-only"):
                conn.execute(statement)
        conn.execute("UPDATE audit_events SET sync_state = 'sending'")  # the outbox may
        conn.commit()
        assert conn.execute("SELECT action, sync_state FROM audit_events").fetchall() == [
            ("created", "sending")
        ]


def test_no_reporter_data_and_no_report_text_in_the_trail(store: Store, tmp_path: Path) -> None:
    made = store.save_complaint(report())
    store.edit_complaint(made.tracking_id, report())
    box = Outbox(store)
    box.apply_updates(
        [
            CentralUpdate(
                made.uuid, "forwarded", "JASAMARGA", "Rina Wati dihubungi", datetime.now(UTC)
            )
        ]
    )
    context = store.require_context()
    write_export(store, Selection(context, None, None, True), "csv", tmp_path / "k.zip")
    with closing(rawdb.connect(store.profile.database)) as conn:
        rows = conn.execute("SELECT * FROM audit_events").fetchall()
    assert len(rows) == 4
    text = repr(rows)
    for secret in (*SECRET, made.secret, "Rina Wati dihubungi"):
        assert secret not in text, secret


def test_a_status_change_is_noted_once_however_often_it_is_pulled(store: Store) -> None:
    made = store.save_complaint(report())
    box = Outbox(store)
    changed = datetime.now(UTC)
    update = CentralUpdate(made.uuid, "forwarded", "JASAMARGA", "", changed)
    box.apply_updates([update])
    box.apply_updates([update])  # the same change again (a page pulled twice)
    later = CentralUpdate(made.uuid, "resolved", "JASAMARGA", "", changed + timedelta(hours=1))
    box.apply_updates([later])
    box.apply_updates([update])  # an older change arriving late changes nothing
    noted = [
        (e.operator, e.subject, e.detail)
        for e in reversed(store.audit_trail(action=Action.STATUS_CHANGED))
    ]
    assert noted == [("", made.tracking_id, "forwarded"), ("", made.tracking_id, "resolved")]


def test_set_aside_is_noted_with_the_record_not_the_reason(store: Store) -> None:
    made = store.save_complaint(report())
    with store.session() as s:
        s.execute(
            text("UPDATE complaints SET sync_state = :state WHERE uuid = :uuid"),
            {"state": SyncState.NEEDS_ATTENTION.value, "uuid": made.uuid},
        )
    assert Outbox(store).set_aside(made.uuid, "Rina Wati minta dibatalkan")
    (line,) = store.audit_trail(action=Action.SET_ASIDE)
    assert (line.subject, line.detail) == (made.uuid, "complaint")


def test_a_coordinator_narrows_the_trail(store: Store) -> None:
    store.first_coordinator("Siti Rahmawati", SITI, SITI)
    store.save_operator("Budi Santoso", role=Role.PETUGAS, pin=BUDI, repeated=BUDI)
    store.sign_in("Budi Santoso", BUDI)
    for _n in range(3):
        store.save_complaint(report())
    assert len(store.audit_trail(action=Action.CREATED)) == 3
    assert {e.action for e in store.audit_trail(operator="Siti Rahmawati")} == {"operator_saved"}
    today = datetime.now(UTC).date()
    assert (
        len(store.audit_trail(first=today - timedelta(days=1), last=today + timedelta(days=1))) == 6
    )
    assert store.audit_trail(first=today + timedelta(days=2)) == []
    assert len(store.audit_trail(limit=2)) == 2
