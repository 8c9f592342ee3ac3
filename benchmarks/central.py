"""Central-system benchmarks, each a ratio to a baseline measured in the same run:

1. **Ingest**: 10,000 complaints pushed through the sync API (the real ``posko-central
   serve`` over HTTP on 127.0.0.1, batches of 500, SQLite) against the same records inserted
   through the server's own storage layer (``CentralStore.ingest``) on a fresh database.
   Goal: ≤ 3×.
2. **Tracking look-ups**: ``GET /api/v1/track/{id}`` for random existing IDs with 1,400,000
   complaints in PostgreSQL (100,000 with ``--quick``), served by ``posko-central serve
   --workers 2``, driven by ``wrk`` (or, without it, a Python load generator in its own
   process), against ``GET /health`` of the same server. Goal: ≥ 500 requests/s on two
   cores and p99 ≤ 50 ms.

    python -m benchmarks.central [--quick]        # these alone
    python -m benchmarks [--quick]                # with the desk's, as the "central" section
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # ``python benchmarks/central.py`` as well as ``-m``
    sys.path.insert(0, str(ROOT))

from central.db import open_database  # noqa: E402
from central.store import CentralStore, DeviceInfo  # noqa: E402
from posko import tracking, wire  # noqa: E402
from tests.central_support import (  # noqa: E402
    PgCluster,
    complaint_record,
    enroll_with,
    free_port,
    start_server,
    stop_process,
)

INGEST_RECORDS = 10_000
BATCH = 500
TRACK_ROWS = 1_400_000
TRACK_ROWS_QUICK = 100_000
PER_DEVICE = 100_000  # well under the 707,281 a four-character sequence allows
SAMPLE_IDS = 50_000
HUGE_RATE_LIMIT = "1000000000"


def _enroll(store: CentralStore, post: str) -> tuple[str, DeviceInfo]:
    code, _expires = store.create_enroll_code(post, 1)
    answer = enroll_with(store, code, label="benchmark")
    device = store.authenticate_device(answer.token)
    assert device is not None
    return answer.token, device


# -- 1. ingest ------------------------------------------------------------------------------


def ingest(tmp: Path, count: int = INGEST_RECORDS) -> dict[str, Any]:
    """Seconds to take ``count`` complaints in through the push API vs the storage layer."""
    api_url = f"sqlite:///{tmp / 'api.sqlite3'}"
    direct_url = f"sqlite:///{tmp / 'direct.sqlite3'}"
    api_store = CentralStore(open_database(api_url))
    direct_store = CentralStore(open_database(direct_url))
    try:
        token, api_device = _enroll(api_store, "MRK")
        _token, direct_device = _enroll(direct_store, "MRK")
        assert api_device.tracking_prefix == direct_device.tracking_prefix
        records = [complaint_record(api_device.tracking_prefix, n + 1) for n in range(count)]
        batches = [records[i : i + BATCH] for i in range(0, count, BATCH)]

        # The storage layer alone: records already validated, as the API hands them on.
        parsed = [[wire.parse_record(r) for r in batch] for batch in batches]
        start = time.perf_counter()
        for batch_models in parsed:
            results = direct_store.ingest(direct_device, batch_models)
            assert all(r.result == wire.RecordOutcome.ACCEPTED for r in results)
        direct_seconds = time.perf_counter() - start

        # The whole way: HTTP, JSON, per-record validation, the same storage layer.
        bodies = [json.dumps({"records": batch}).encode() for batch in batches]
        process, url = start_server(api_url, tmp / "ingest-server.log")
        try:
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            with httpx.Client(base_url=url, timeout=120) as client:
                client.get("/health")
                start = time.perf_counter()
                for body in bodies:
                    answer = client.post("/api/v1/sync/push", content=body, headers=headers)
                    answer.raise_for_status()
                    assert all(r["result"] == "accepted" for r in answer.json()["results"])
                api_seconds = time.perf_counter() - start
        finally:
            stop_process(process)
        stored = api_store.count(["complaints"])["complaints"]
        assert stored == count == direct_store.count(["complaints"])["complaints"]
    finally:
        api_store.close()
        direct_store.close()
    return {
        "records": count,
        "batch": BATCH,
        "backend": "sqlite",
        "api_seconds": round(api_seconds, 2),
        "storage_layer_seconds": round(direct_seconds, 2),
        "api_records_per_second": round(count / api_seconds),
        "ratio": round(api_seconds / direct_seconds, 2),
        "goal": "ratio <= 3",
    }


# -- 2. tracking look-ups -------------------------------------------------------------------

_COLUMNS = (
    "uuid",
    "content_hash",
    "tracking_id",
    "secret_hash",
    "type",
    "category",
    "title",
    "description",
    "location",
    "reporter_name",
    "phone",
    "email",
    "anonymous",
    "confidential",
    "post_code",
    "operator_name",
    "channel",
    "device_id",
    "created_at",
    "received_at",
    "status",
    "agency",
    "updated_at",
)


def _other_columns() -> list[tuple[str, str]]:
    """Columns not written above that need a value (the model's default), so the load
    keeps working as the table gains columns."""
    from central import models

    extra = []
    for column in models.Complaint.__table__.columns:
        if column.name in _COLUMNS or column.primary_key or column.nullable:
            continue
        default = column.default
        if default is None or not default.is_scalar:
            raise RuntimeError(f"the benchmark does not know what to put in {column.name}")
        value = default.arg
        text = ("t" if value else "f") if isinstance(value, bool) else str(value)
        extra.append((column.name, text))
    return extra


def _copy_lines(
    devices: list[DeviceInfo], rows: int, categories: list[str], sample: set[int], tail: str
) -> Iterator[tuple[bytes, list[str]]]:
    """COPY text-format lines for ``rows`` complaints, in chunks, with the sampled IDs."""
    start = datetime(2026, 3, 20, tzinfo=UTC)
    chunk: list[str] = []
    picked: list[str] = []
    n = 0
    for device in devices:
        for sequence in range(1, PER_DEVICE + 1):
            if n == rows:
                break
            tid = tracking.TrackingId.make(device.tracking_prefix, sequence).compact
            if n in sample:
                picked.append(tid)
            moment = (start + timedelta(seconds=n)).isoformat()
            digest = hashlib.sha256(tid.encode()).hexdigest()
            confidential = "t" if n % 10 == 0 else "f"
            chunk.append(
                f"{uuid.uuid4()}\t{digest}\t{tid}\t{digest}\tpengaduan\t"
                f"{categories[n % len(categories)]}\tAntrean panjang {n}\t"
                "Antrean kendaraan di gerbang tol lebih dari dua jam.\tKM 57\t"
                f"\t\t\tf\t{confidential}\t{device.post_code}\t\tdesk\t{device.id}\t"
                f"{moment}\t{moment}\treceived\t\t{moment}{tail}\n"
            )
            n += 1
            if len(chunk) == 20_000:
                yield "".join(chunk).encode(), picked
                chunk, picked = [], []
        if n == rows:
            break
    if chunk or picked:
        yield "".join(chunk).encode(), picked


def load_complaints(cluster: PgCluster, url: str, rows: int) -> tuple[list[str], float]:
    """Fill the database with ``rows`` complaints (one status step each) by COPY; returns
    a random sample of their tracking IDs and the seconds it took."""
    import psycopg

    store = CentralStore(open_database(url))
    try:
        devices = [_enroll(store, f"P{i:03d}")[1] for i in range(-(-rows // PER_DEVICE))]
        categories = sorted(store.catalog.codes())
    finally:
        store.close()
    sample = set(random.Random(7).sample(range(rows), min(SAMPLE_IDS, rows)))
    ids: list[str] = []
    database = url.rsplit("/", 1)[1]
    start = time.perf_counter()
    with psycopg.connect(
        f"host=127.0.0.1 port={cluster.port} user=postgres dbname={database}"
    ) as conn:
        with conn.cursor() as cursor:
            extra = _other_columns()
            columns = ", ".join([*_COLUMNS, *(name for name, _value in extra)])
            tail = "".join(f"\t{value}" for _name, value in extra)
            with cursor.copy(f"COPY complaints ({columns}) FROM STDIN") as copy:
                for data, picked in _copy_lines(devices, rows, categories, sample, tail):
                    copy.write(data)
                    ids.extend(picked)
            cursor.execute(
                "INSERT INTO status_changes "
                "(complaint_id, device_id, status, note, agency, actor, changed_at) "
                "SELECT id, device_id, status, '', '', 'system', received_at FROM complaints"
            )
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE")
    random.Random(11).shuffle(ids)
    return ids, time.perf_counter() - start


WRK_SCRIPT = """
local ids = {}
for line in io.lines(os.getenv("POSKO_BENCH_IDS")) do ids[#ids + 1] = line end
local mode = os.getenv("POSKO_BENCH_MODE")
math.randomseed(os.time() + math.floor(os.clock() * 1000000))

request = function()
  if mode == "health" then
    return wrk.format("GET", "/health")
  end
  return wrk.format("GET", "/api/v1/track/" .. ids[math.random(#ids)])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "POSKO %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


def _start_load(
    url: str, mode: str, ids_file: Path, script: Path, seconds: float, connections: int
) -> subprocess.Popen[str]:
    """A load generator in its own process: wrk, or without it the Python one below. Both
    end by printing ``POSKO requests duration_us p50_us p99_us non_2xx socket_errors``."""
    if shutil.which("wrk"):
        command = [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
        ]
    else:
        command = [
            sys.executable,
            "-m",
            "benchmarks.central",
            "--load",
            url,
            mode,
            str(ids_file),
            str(seconds),
            str(connections),
        ]
    env = dict(os.environ, POSKO_BENCH_IDS=str(ids_file), POSKO_BENCH_MODE=mode)
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def _finish_load(process: subprocess.Popen[str], seconds: float) -> dict[str, float]:
    out, _err = process.communicate(timeout=seconds + 120)
    if process.returncode != 0:
        raise RuntimeError(f"the load generator failed: {out}")
    line = next(x for x in out.splitlines() if x.startswith("POSKO "))
    requests, duration_us, p50_us, p99_us, bad_status, errors = map(int, line.split()[1:])
    return {
        "requests": requests,
        "requests_per_second": requests / (duration_us / 1e6),
        "p50_ms": p50_us / 1000,
        "p99_ms": p99_us / 1000,
        "errors": bad_status + errors,
    }


def _load(
    urls: list[str], mode: str, ids_file: Path, script: Path, seconds: float, connections: int
) -> dict[str, float]:
    """``connections`` spread over one generator per server process, run at once; the
    throughputs add up, the latencies are the worst of them."""
    each = max(1, connections // len(urls))
    processes = [_start_load(u, mode, ids_file, script, seconds, each) for u in urls]
    parts = [_finish_load(p, seconds) for p in processes]
    return {
        "requests_per_second": sum(p["requests_per_second"] for p in parts),
        "p50_ms": max(p["p50_ms"] for p in parts),
        "p99_ms": max(p["p99_ms"] for p in parts),
        "errors": sum(p["errors"] for p in parts),
    }


async def _python_load(
    url: str, paths: list[str], seconds: float, connections: int
) -> tuple[int, float, float, float, int, int]:
    """The fallback load generator: ``connections`` clients in a loop for ``seconds``."""
    latencies: list[float] = []
    bad = 0
    errors = 0
    stop = time.perf_counter() + seconds
    rng = random.Random(3)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal bad, errors
        while time.perf_counter() < stop:
            path = paths[rng.randrange(len(paths))]
            start = time.perf_counter()
            try:
                response = await client.get(path)
            except httpx.HTTPError:
                errors += 1
                continue
            latencies.append(time.perf_counter() - start)
            if response.status_code >= 300:
                bad += 1

    began = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=10) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(connections)))
    elapsed = time.perf_counter() - began
    latencies.sort()
    p50 = statistics.median(latencies) if latencies else 0.0
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)] if latencies else 0.0
    return len(latencies), elapsed * 1e6, p50 * 1e6, p99 * 1e6, bad, errors


def _pg_user() -> str | None:
    if os.geteuid() != 0:
        return None
    return "postgres"  # initdb refuses root; Debian's postgresql package makes this user


def _measure(
    urls: list[str], ids: list[str], tmp: Path, seconds: float, connections: int
) -> dict[str, Any]:
    ids_file = tmp / "ids.txt"
    ids_file.write_text("\n".join(ids) + "\n")
    script = tmp / "track.lua"
    script.write_text(WRK_SCRIPT)
    for url in urls:
        with httpx.Client(base_url=url, timeout=30) as client:
            client.get(f"/api/v1/track/{ids[0]}").raise_for_status()
    # Warm both paths up (connections, caches), then measure the baseline and the look-ups.
    _load(urls, "track", ids_file, script, 2, connections)
    _load(urls, "health", ids_file, script, 2, connections)
    health = _load(urls, "health", ids_file, script, seconds, connections)
    lookups = _load(urls, "track", ids_file, script, seconds, connections)
    return {
        "track_requests_per_second": round(lookups["requests_per_second"]),
        "track_p50_ms": round(lookups["p50_ms"], 1),
        "track_p99_ms": round(lookups["p99_ms"], 1),
        "track_errors": int(lookups["errors"]),
        "health_requests_per_second": round(health["requests_per_second"]),
        "health_p99_ms": round(health["p99_ms"], 1),
        "ratio": round(lookups["requests_per_second"] / health["requests_per_second"], 2),
    }


def track(tmp: Path, rows: int, seconds: float, connections: int = 8) -> dict[str, Any]:
    user = _pg_user()
    root = tmp / "pg"
    root.mkdir()
    if user:
        shutil.chown(root, user)
    cluster = PgCluster(root=root, port=free_port(), user=user)
    cluster.start()
    args = ("--workers", "2", "--rate-limit", HUGE_RATE_LIMIT)
    try:
        url = cluster.new_database()
        ids, load_seconds = load_complaints(cluster, url, rows)
        results: dict[str, Any] = {
            "complaints": rows,
            "load_seconds": round(load_seconds, 1),
            "load_generator": "wrk" if shutil.which("wrk") else "python",
            "connections": connections,
            "seconds": seconds,
            "cores": os.cpu_count(),
            "workers": int(args[1]),
            "goal": ">= 500 requests/s on 2 cores, p99 <= 50 ms",
        }
        # As served: ``posko-central serve --workers 2`` (two uvicorn worker processes).
        process, base = start_server(url, tmp / "served.log", *args)
        try:
            results["served"] = _measure([base], ids, tmp, seconds, connections)
        except Exception:
            print((tmp / "served.log").read_text()[-4000:], file=sys.stderr)
            raise
        finally:
            stop_process(process)
    finally:
        cluster.stop()
    return results


def run(quick: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="posko-bench-central-") as name:
        tmp = Path(name)
        if _pg_user():
            os.chmod(tmp, 0o755)  # the postgres user reaches its cluster below
        results: dict[str, Any] = {"ingest": ingest(tmp)}
        rows = TRACK_ROWS_QUICK if quick else TRACK_ROWS
        results["tracking"] = track(tmp, rows, 5 if quick else 15)
    return results


def main(argv: list[str]) -> int:
    if argv[:1] == ["--load"]:
        url, mode, ids_file, seconds, connections = argv[1:6]
        ids = Path(ids_file).read_text().split()
        paths = ["/health"] if mode == "health" else [f"/api/v1/track/{i}" for i in ids]
        figures = asyncio.run(_python_load(url, paths, float(seconds), int(connections)))
        print("POSKO", *(int(x) for x in figures))
        return 0
    print(json.dumps(run("--quick" in argv), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
