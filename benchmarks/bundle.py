"""USB bundles: peak memory (max RSS) of ``posko-central import-bundle``, each figure a
ratio to the same CLI at rest (``posko-central device list``) on the same database.

1. **Hostile files**, none of which may cost more than the CLI at rest (goal: ratio ≤ 1.5):
   the hostile test's version-1 gzip bomb (43 KB inflating to 44 MB of ``{},``: 1.2 GB
   before bundles were checked before inflating), a version-2 bomb (1 GiB of zeros) under a
   forged signature, and a 6 GiB sparse file.
2. **A genuine bundle** of 10,000 complaints and one of 100,000 (20,000 with ``--quick``),
   imported for real: its records are inflated and ingested a batch at a time, so the peak
   must not grow with the number of records (goal: large/small ≤ 1.5).

    python -m benchmarks.bundle [--quick]      # these alone
    python -m benchmarks --bundle [--quick]    # as the "bundle" section
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # ``python benchmarks/bundle.py`` as well as ``-m``
    sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from central.db import open_database  # noqa: E402
from central.store import CentralStore  # noqa: E402
from posko.bundle import seal  # noqa: E402
from tests.bundle_support import (  # noqa: E402
    Desk,
    central_environment,
    enrolled_desk,
    measured,
    v1_bomb,
    v2,
    zeros_gzip,
)
from tests.central_support import complaint_record  # noqa: E402

SMALL = 10_000
LARGE = 100_000
LARGE_QUICK = 20_000


def peak(database_url: str, *args: str) -> dict[str, Any]:
    """Max RSS (MiB), seconds and exit code of one ``posko-central`` run."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        code, peak_mib = measured(
            [sys.executable, "-m", "central.cli", "--database-url", database_url, *args],
            report=Path(tmp) / "peak",
            env=central_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            limit=64 * 1024**3,
        )
    return {
        "peak_mib": round(peak_mib, 1),
        "seconds": round(time.perf_counter() - start, 2),
        "exit": code,
    }


def genuine(desk: Desk, count: int, target: Path) -> int:
    records = [complaint_record(desk.prefix, n + 1) for n in range(count)]
    data = seal(
        desk.key, device_id=str(desk.device_id), tracking_prefix=desk.prefix, records=records
    )
    target.write_bytes(data)
    return len(data)


def run(quick: bool) -> dict[str, Any]:
    large = LARGE_QUICK if quick else LARGE
    with tempfile.TemporaryDirectory(prefix="posko-bench-bundle-") as tmp_dir:
        tmp = Path(tmp_dir)
        url = f"sqlite:///{tmp / 'central.sqlite3'}"
        store = CentralStore(open_database(url))
        try:
            desk = enrolled_desk(store)
            small_desk = enrolled_desk(store, "BKS")
        finally:
            store.close()
        at_rest = peak(url, "device", "list")

        hostile: dict[str, Any] = {}
        files = {
            "v1_gzip_bomb": v1_bomb(),
            "v2_bomb_forged_signature": v2(
                desk,
                zeros_gzip(1024**3),
                record_count=1,
                inflated_bytes=100,
                key=Ed25519PrivateKey.generate(),
            ),
        }
        for name, data in files.items():
            target = tmp / f"{name}.posko"
            target.write_bytes(data)
            hostile[name] = {"file_bytes": len(data)} | peak(url, "import-bundle", str(target))
        sparse = tmp / "sparse.posko"
        sparse.write_bytes(b"POSKO-BUNDLE\n")
        os.truncate(sparse, 6 * 1024**3)
        hostile["sparse_6_gib"] = {"file_bytes": 6 * 1024**3} | peak(
            url, "import-bundle", str(sparse)
        )
        worst = max(item["peak_mib"] for item in hostile.values())

        imports: dict[str, Any] = {}
        for name, who, count in (("small", small_desk, SMALL), ("large", desk, large)):
            target = tmp / f"{name}.posko"
            size = genuine(who, count, target)
            imports[name] = {"records": count, "file_bytes": size} | peak(
                url, "import-bundle", str(target)
            )
    return {
        "at_rest_mib": at_rest["peak_mib"],
        "hostile": hostile,
        "hostile_ratio": round(worst / at_rest["peak_mib"], 2),
        "hostile_goal": "<= 1.5",
        "genuine": imports,
        "genuine_ratio": round(imports["large"]["peak_mib"] / imports["small"]["peak_mib"], 2),
        "genuine_goal": "large/small <= 1.5",
    }


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=2))
