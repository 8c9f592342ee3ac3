"""Desk sync benchmark: 10,000 queued complaints reach the real central server (a
``posko-central serve`` process on 127.0.0.1, SQLite), timed three ways in the same run:

- the sync engine (``desktop.sync.engine`` over the generic outbox: gzip protocol 2
  batches of 500, compact per-record answers);
- (a) one HTTP request per record, the way ODK Collect submits — goal: the engine ≥ 10×
  faster;
- (b) the same records inserted straight into the central storage layer
  (``CentralStore.ingest``) — goal: the engine ≤ 1.5× slower.

Each way starts from a copy of the same desk profile and a fresh central database.

    python -m benchmarks.sync [--quick]           # alone
    python -m benchmarks [--quick]                # with the others, as the "sync" section
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from central.db import open_database  # noqa: E402
from central.store import CentralStore  # noqa: E402
from desktop.paths import Profile  # noqa: E402
from desktop.store.outbox import Outbox  # noqa: E402
from desktop.store.repo import Store  # noqa: E402
from desktop.sync.engine import SyncEngine  # noqa: E402
from desktop.sync.enroll import enroll, enrollment_body, read_token  # noqa: E402
from desktop.sync.transport import RequestsTransport  # noqa: E402
from posko import wire  # noqa: E402
from tests.central_support import start_server, stop_process  # noqa: E402

RECORDS = 10_000
RECORDS_QUICK = 2_000


def make_desk(root: Path, count: int) -> Path:
    from desktop.demo import demo_complaints

    store = Store.open(Profile(root))
    store.setup(post_code="BENCH", post_name="Posko Uji Sinkronisasi", operator="Bench")
    now = datetime.now(UTC)
    store.save_many(list(demo_complaints(count, 7, now, store.catalog)), now=now)
    store.close()
    return root


def _server(tmp: Path, name: str) -> tuple[Any, str, CentralStore]:
    url = f"sqlite:///{tmp / f'{name}.sqlite3'}"
    store = CentralStore(open_database(url))
    process, base = start_server(url, tmp / f"{name}.log")
    return process, base, store


def _enrolled(desk: Path, central: CentralStore, base: str, transport: RequestsTransport) -> Store:
    store = Store.open(Profile(desk))
    code, _ = central.create_enroll_code("BENCH", 1)
    enroll(store, Profile(desk), base, code, transport)
    return store


def run(quick: bool = False) -> dict[str, Any]:
    count = RECORDS_QUICK if quick else RECORDS
    with tempfile.TemporaryDirectory(prefix="posko-bench-sync-") as name:
        tmp = Path(name)
        original = make_desk(tmp / "desk", count)
        copies = {}
        for way in ("engine", "per_record", "storage"):
            copies[way] = tmp / f"desk-{way}"
            shutil.copytree(original, copies[way])
        transport = RequestsTransport()
        try:
            # The engine.
            process, base, central = _server(tmp, "engine")
            try:
                store = _enrolled(copies["engine"], central, base, transport)
                engine = SyncEngine(store, Profile(copies["engine"]), transport, batch_size=500)
                start = time.perf_counter()
                report = engine.run_once()
                engine_seconds = time.perf_counter() - start
                assert report.ok and report.sent == count, report
                assert central.count(["complaints"])["complaints"] == count
                store.close()
            finally:
                stop_process(process)
                central.close()

            # (a) one request per record, no compression.
            process, base, central = _server(tmp, "per-record")
            try:
                store = _enrolled(copies["per_record"], central, base, transport)
                token = read_token(Profile(copies["per_record"]))
                payloads = Outbox(store).queued_payloads()
                headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
                start = time.perf_counter()
                for payload in payloads:
                    answer = transport.request(
                        "POST",
                        f"{base}/api/v1/sync/push",
                        body=json.dumps({"records": [payload]}).encode(),
                        headers=headers,
                    )
                    assert answer.status == 200
                per_record_seconds = time.perf_counter() - start
                assert central.count(["complaints"])["complaints"] == count
                store.close()
            finally:
                stop_process(process)
                central.close()

            # (b) straight into the storage layer, validated records in batches of 500.
            central = CentralStore(open_database(f"sqlite:///{tmp / 'storage.sqlite3'}"))
            try:
                code, _ = central.create_enroll_code("BENCH", 1)
                body = enrollment_body(code, Ed25519PrivateKey.generate())
                granted = central.enroll(code, public_key=body["public_key"], proof=body["proof"])
                device = central.authenticate_device(granted.token)
                assert device is not None
                desk = Store.open(Profile(copies["storage"]))
                payloads = Outbox(desk).queued_payloads()
                desk.close()
                parsed = [wire.parse_record(p) for p in payloads]
                start = time.perf_counter()
                for i in range(0, len(parsed), 500):
                    central.ingest(device, parsed[i : i + 500])
                storage_seconds = time.perf_counter() - start
                assert central.count(["complaints"])["complaints"] == count
            finally:
                central.close()
        finally:
            transport.close()
    return {
        "records": count,
        "engine_seconds": round(engine_seconds, 2),
        "one_request_per_record_seconds": round(per_record_seconds, 2),
        "storage_layer_seconds": round(storage_seconds, 2),
        "engine_speedup_vs_per_record": round(per_record_seconds / engine_seconds, 1),
        "engine_vs_storage_ratio": round(engine_seconds / storage_seconds, 2),
        "goals": "speedup >= 10, ratio <= 1.5",
    }


def main(argv: list[str]) -> int:
    print(json.dumps(run("--quick" in argv), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
