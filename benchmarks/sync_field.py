"""The field benchmark: 1,000 queued complaints pushed from a desk to the real central
server (``posko-central serve``, SQLite) through a shaping proxy on 127.0.0.1 that makes the
link a roadside post has (``benchmarks/shaping_proxy.py``: 256 kbit/s each way, 300 ms
round trip).

Reported against the physical limit of that link: every byte that crossed it (requests and
answers, headers included) at its bandwidth, plus one round trip per request (the push
batches, the status pull and the rules check of the same pass). Goal: the sync pass
≤ 1.5× the limit. Beside it, each tried batch size and gzip level, and one request per
record (the way ODK Collect submits, uncompressed) on the same link, measured on a sample
and scaled to 1,000.

    python -m benchmarks.sync_field [--quick]
    python -m benchmarks --field [--quick]
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.shaping_proxy import ShapingProxy  # noqa: E402
from benchmarks.sync import _enrolled, _server, make_desk  # noqa: E402
from desktop.paths import Profile  # noqa: E402
from desktop.settings import CENTRAL_URL  # noqa: E402
from desktop.store.outbox import Outbox  # noqa: E402
from desktop.sync import engine as sync_engine  # noqa: E402
from desktop.sync.engine import SyncEngine  # noqa: E402
from desktop.sync.enroll import read_token  # noqa: E402
from desktop.sync.transport import Answer, RequestsTransport  # noqa: E402
from tests.central_support import stop_process  # noqa: E402

RECORDS = 1_000
BANDWIDTH = 256_000  # bits a second, each way
ROUND_TRIP = 0.3  # seconds
PER_RECORD_SAMPLE = 100
PER_RECORD_SAMPLE_QUICK = 30
# (batch size, gzip level): the engine's default first.
SETTINGS = [(500, 6), (500, 9), (250, 6), (100, 6)]
SETTINGS_QUICK = [(500, 6)]


class _Counting:
    """The real transport, counting requests."""

    def __init__(self, inner: RequestsTransport) -> None:
        self.inner = inner
        self.requests = 0

    def request(
        self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str]
    ) -> Answer:
        self.requests += 1
        return self.inner.request(method, url, body=body, headers=headers)


def _limit(up: int, down: int, requests: int) -> float:
    return (up + down) * 8 / BANDWIDTH + requests * ROUND_TRIP


def _engine_pass(tmp: Path, desk: Path, batch: int, level: int) -> dict[str, Any]:
    name = f"field-{batch}-{level}"
    process, base, central = _server(tmp, name)
    proxy = ShapingProxy(int(base.rsplit(":", 1)[1]), bits_per_second=BANDWIDTH,
                         round_trip=ROUND_TRIP)  # fmt: skip
    proxy.start()
    inner = RequestsTransport()
    try:
        store = _enrolled(desk, central, base, inner)  # enrollment off the shaped link
        store.set(CENTRAL_URL, f"http://127.0.0.1:{proxy.port}")
        transport = _Counting(inner)
        engine = SyncEngine(store, Profile(desk), transport, batch_size=batch)
        before = sync_engine.GZIP_LEVEL
        sync_engine.GZIP_LEVEL = level
        try:
            start = time.perf_counter()
            report = engine.run_once()
            seconds = time.perf_counter() - start
        finally:
            sync_engine.GZIP_LEVEL = before
        count = central.count(["complaints"])["complaints"]
        assert report.ok and report.sent == count == RECORDS, (report, count)
        store.close()
    finally:
        proxy.stop()
        inner.close()
        stop_process(process)
        central.close()
    limit = _limit(proxy.up_bytes, proxy.down_bytes, transport.requests)
    return {
        "batch_size": batch,
        "gzip_level": level,
        "seconds": round(seconds, 2),
        "requests": transport.requests,
        "bytes_up": proxy.up_bytes,
        "bytes_down": proxy.down_bytes,
        "physical_limit_seconds": round(limit, 2),
        "ratio_to_limit": round(seconds / limit, 2),
    }


def _per_record(tmp: Path, desk: Path, sample: int) -> dict[str, Any]:
    process, base, central = _server(tmp, "field-per-record")
    proxy = ShapingProxy(int(base.rsplit(":", 1)[1]), bits_per_second=BANDWIDTH,
                         round_trip=ROUND_TRIP)  # fmt: skip
    proxy.start()
    transport = RequestsTransport()
    try:
        store = _enrolled(desk, central, base, transport)
        token = read_token(Profile(desk))
        payloads = Outbox(store).queued_payloads()[:sample]
        store.close()
        headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
        url = f"http://127.0.0.1:{proxy.port}/api/v1/sync/push"
        start = time.perf_counter()
        for payload in payloads:
            body = json.dumps({"records": [payload]}, ensure_ascii=False).encode("utf-8")
            answer = transport.request("POST", url, body=body, headers=headers)
            assert answer.status == 200, answer
        seconds = time.perf_counter() - start
        assert central.count(["complaints"])["complaints"] == sample
    finally:
        proxy.stop()
        transport.close()
        stop_process(process)
        central.close()
    limit = _limit(proxy.up_bytes, proxy.down_bytes, sample)
    return {
        "sample": sample,
        "seconds_for_sample": round(seconds, 2),
        "seconds_per_1000_scaled": round(seconds * RECORDS / sample, 1),
        "bytes_up_per_record": proxy.up_bytes // sample,
        "bytes_down_per_record": proxy.down_bytes // sample,
        "ratio_to_its_own_limit": round(seconds / limit, 2),
    }


def run(quick: bool = False) -> dict[str, Any]:
    settings = SETTINGS_QUICK if quick else SETTINGS
    sample = PER_RECORD_SAMPLE_QUICK if quick else PER_RECORD_SAMPLE
    with tempfile.TemporaryDirectory(prefix="posko-bench-field-") as name:
        tmp = Path(name)
        original = make_desk(tmp / "desk", RECORDS)
        passes = []
        for i, (batch, level) in enumerate(settings):
            copy = tmp / f"desk-{i}"
            shutil.copytree(original, copy)
            passes.append(_engine_pass(tmp, copy, batch, level))
        copy = tmp / "desk-per-record"
        shutil.copytree(original, copy)
        per_record = _per_record(tmp, copy, sample)
    default = passes[0]
    return {
        "records": RECORDS,
        "link": f"{BANDWIDTH // 1000} kbit/s each way, {int(ROUND_TRIP * 1000)} ms round trip",
        "engine": default,
        "tried": passes,
        "one_request_per_record": per_record,
        "engine_speedup_vs_per_record": round(
            per_record["seconds_per_1000_scaled"] / default["seconds"], 1
        ),
        "goal": "engine ratio_to_limit <= 1.5",
    }


def main(argv: list[str]) -> int:
    print(json.dumps(run("--quick" in argv), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
