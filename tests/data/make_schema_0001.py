"""Recreate ``schema-0001.sqlite3``: a desk database as the first release (revision 0001)
left it, holding unsent complaints. Committed, because upgrade tests must run against a
file the old code wrote, not one the new code imagines.

    PYTHONPATH=. python tests/data/make_schema_0001.py
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop.store.db import make_engine, upgrade
from posko.tracking import TrackingId

TARGET = Path(__file__).with_name("schema-0001.sqlite3")


def main() -> None:
    TARGET.unlink(missing_ok=True)
    engine = make_engine(TARGET)
    upgrade(engine, "0001")
    engine.dispose()
    with sqlite3.connect(TARGET) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute(
            "INSERT INTO posts (id, code, name, created_at) VALUES "
            "(1, 'SMG', 'Posko Terminal Terboyo', '2025-03-25 01:00:00')"
        )
        conn.execute(
            "INSERT INTO operators (id, name, post_id, created_at) VALUES "
            "(1, 'Agus Salim', 1, '2025-03-25 01:00:00')"
        )
        conn.execute(
            "INSERT INTO devices (id, uuid, tracking_prefix, enrolled, next_sequence, created_at) "
            "VALUES (1, '5b0f6c1e-8a59-4c55-9a65-1f0c2f6f0a01', 'KQ7MXA3', 0, 4, "
            "'2025-03-25 01:00:00')"
        )
        ids = [TrackingId.make("KQ7MXA3", n).compact for n in (1, 2, 3)]
        rows = [
            (1, ids[0], "Bus AKAP ngetem lama", "Bus tujuan Solo ngetem 2 jam di terminal."),
            (2, ids[1], "Pungli parkir", "Juru parkir minta Rp 20.000 tanpa karcis 😡"),
            (3, ids[2], "Toilet <kotor>", "Toilet terminal kotor & air mati; DROP TABLE x;"),
        ]
        for n, tid, title, description in rows:
            conn.execute(
                "INSERT INTO complaints (id, uuid, tracking_id, secret, qr_payload, type, category,"
                " category_suggested, title, description, location, occurred_at, reporter_name,"
                " phone, email, anonymous, confidential, post_id, operator_id, device_id,"
                " created_at) VALUES (?, ?, ?, 'SECRETSECRET', ?, 'pengaduan', 'TERMINAL', NULL,"
                " ?, ?, 'Terminal Terboyo', NULL, 'Rina', '+6281234567890', '', ?, 0, 1, 1, 1,"
                " '2025-03-26 02:00:00')",
                (
                    n,
                    f"00000000-0000-4000-8000-00000000000{n}",
                    tid,
                    tid,
                    title,
                    description,
                    n == 2,
                ),
            )
    print(TARGET)


if __name__ == "__main__":
    main()
