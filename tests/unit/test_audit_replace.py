"""The audit trail stays append-only against ``INSERT OR REPLACE`` too: SQLite's REPLACE
deletes the old row without firing DELETE triggers (recursive_triggers is off), so
migration 0009's triggers let a program with plain ``sqlite3`` rewrite a line in place,
same id and UUID; migration 0011 refuses a line whose id or UUID is taken, and guards the
id against an UPDATE (it would reorder the trail)."""

from __future__ import annotations

from contextlib import closing

from desktop.domain import ComplaintInput, ComplaintType
from desktop.store import cipher
from desktop.store.repo import Store
from tests import rawdb


def report() -> ComplaintInput:
    return ComplaintInput(
        type=ComplaintType.PENGADUAN,
        category="TOL",
        title="Antrean gerbang tol",
        description="Antrean panjang, tidak ada petugas.",
    )


def test_replace_cannot_rewrite_an_audit_line(store: Store) -> None:
    store.save_complaint(report())
    with closing(rawdb.connect(store.profile.database)) as conn:
        before = conn.execute(
            "SELECT id, uuid, action, operator_name FROM audit_events ORDER BY id"
        ).fetchall()
        line_id, line_uuid = before[0][0], before[0][1]
        try:
            conn.execute(
                "INSERT OR REPLACE INTO audit_events (id, uuid, action, subject, detail,"
                " operator_name, post_id, operator_id, created_at, sync_state,"
                " sync_attempts, revision) SELECT id, uuid, 'printed', subject, detail,"
                " 'Orang Lain', post_id, NULL, created_at, sync_state, sync_attempts,"
                " revision FROM audit_events WHERE id = ?",
                (line_id,),
            )
            conn.commit()
        except cipher.IntegrityError:
            pass  # refused: as it should be
        after = conn.execute(
            "SELECT id, uuid, action, operator_name FROM audit_events ORDER BY id"
        ).fetchall()
    assert after == before, f"line {line_uuid} rewritten: {before[0]} -> {after[0]}"
