"""A desk process for the kill test: records complaints and syncs, forever, until killed.

python tests/drive_sync.py PROFILE_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from desktop.domain import ComplaintInput, ComplaintType
from desktop.paths import Profile
from desktop.store.repo import Store
from desktop.sync.engine import SyncEngine
from desktop.sync.transport import RequestsTransport


def main() -> None:
    profile = Profile(Path(sys.argv[1]))
    store = Store.open(profile)
    engine = SyncEngine(store, profile, RequestsTransport(), batch_size=5)
    print("READY", flush=True)
    n = 0
    while True:
        for _ in range(3):
            n += 1
            store.save_complaint(
                ComplaintInput(
                    type=ComplaintType.PENGADUAN,
                    category="TOL",
                    title=f"Antrean tol ke-{n}",
                    description="Antrean panjang di gerbang tol, petugas tidak terlihat.",
                )
            )
        engine.run_once()


if __name__ == "__main__":
    main()
