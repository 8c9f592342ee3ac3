"""The coordinators' statistics page at national volume: 1,400,000 complaints in
PostgreSQL (100,000 with ``--quick``) over a year and 14 posts, most of them closed,
200,000 SKM questionnaires and 300,000 tally events beside them, served by the real
``posko-central serve`` on 127.0.0.1 to a signed-in coordinator.

Measured in one run, against a baseline on the same table: a plain
``SELECT category, count(*) FROM complaints GROUP BY category`` (psycopg, no server).

- ``fresh``: ``GET /staf/statistik`` right after a new tally event arrived (inserted
  before each request): the tallies' queries run again, the complaints' answers are kept;
- ``status_changed``: the page right after a complaint's status changed: every complaint
  query runs again, over ``complaint_counts`` (kept by triggers, migration 0011), not the
  1.4 million rows (the worst case);
- ``kept``: the page again with nothing new (the grouped answers kept, ``AggregateCache``);
- ``charts``: the page's six SVG charts, nothing new;
- each for every post over the year, one post over the year, and every post over a month.
Goal: the page's p95 <= 500 ms.

    python -m benchmarks --central-stats [--quick]
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.central import _pg_user, load_complaints  # noqa: E402
from central.db import open_database  # noqa: E402
from central.store import CentralStore  # noqa: E402
from tests.central_support import PgCluster, free_port, start_server, stop_process  # noqa: E402

ROWS, ROWS_QUICK = 1_400_000, 100_000
SURVEYS, TALLIES = 200_000, 300_000
SERVICES = ("REST-AREA", "TERMINAL", "PELABUHAN", "STASIUN", "BANDARA", "SPBU")
SELECTIONS = {
    "all_posts_year": {},
    "one_post_year": {"post": "P000"},
    "all_posts_month": {"from": "2026-03-01", "to": "2026-03-31"},
}

# A year of complaints (2026), 85 % closed, a third assigned to each of two agencies.
_SPREAD = """
UPDATE complaints SET
  created_at = timestamp '2026-01-01' + (id % 365) * interval '1 day'
               + (id * 37 % 86400) * interval '1 second',
  status = CASE WHEN id % 20 < 14 THEN 'resolved' WHEN id % 20 < 17 THEN 'archived'
                WHEN id % 20 = 17 THEN 'forwarded' WHEN id % 20 = 18 THEN 'in_progress'
                ELSE 'received' END,
  agency = CASE id % 3 WHEN 0 THEN 'ASDP' WHEN 1 THEN 'JASAMARGA' ELSE '' END,
  type = CASE WHEN id % 5 = 0 THEN 'aspirasi' ELSE 'pengaduan' END
"""
_SURVEYS = """
INSERT INTO skm_responses (uuid, content_hash, device_id, post_code, service_code,
  created_at, received_at, u1, u2, u3, u4, u5, u6, u7, u8, u9, age_band, sex, education,
  occupation, suggestion, self_filled, extra, origin)
SELECT 's' || lpad(i::text, 35, '0'), md5(i::text), {device},
  'P' || lpad((i % 14)::text, 3, '0'), (ARRAY{services})[1 + i % 6],
  timestamp '2026-01-01' + (i % 365) * interval '1 day' + (i % 80000) * interval '1 second',
  now(), 1 + i % 4, 2 + i % 3, 3 + i % 2, 4, 1 + i * 7 % 4, 2 + i % 3, 3, 1 + i % 4, 4,
  '', '', '', '', '', false, '{{}}', 'desk'
FROM generate_series(1, {count}) AS i
"""
_TALLIES = """
INSERT INTO outreach_tallies (uuid, content_hash, device_id, post_code, counter, item, count,
  created_at, received_at)
SELECT 't' || lpad(i::text, 35, '0'), md5(i::text), {device},
  'P' || lpad((i % 14)::text, 3, '0'),
  CASE WHEN i % 4 = 0 THEN 'merchandise' ELSE 'people_reached' END,
  CASE WHEN i % 4 = 0 THEN (ARRAY['kaus', 'stiker', 'topi'])[1 + i % 3] ELSE '' END,
  1 + i % 10,
  timestamp '2026-01-01' + (i % 365) * interval '1 day' + (i % 80000) * interval '1 second',
  now()
FROM generate_series(1, {count}) AS i
"""
_STOCK = """
INSERT INTO stock_movements (uuid, content_hash, device_id, post_code, item, movement,
  quantity, note, created_at, received_at)
SELECT 'm' || lpad(i::text, 35, '0'), md5(i::text), {device},
  'P' || lpad((i % 14)::text, 3, '0'), (ARRAY['kaus', 'stiker', 'topi'])[1 + i % 3],
  'received', 500, '', timestamp '2026-01-01' + i * interval '1 hour', now()
FROM generate_series(1, 1000) AS i
"""
_NEW_ROW = """
INSERT INTO outreach_tallies (uuid, content_hash, device_id, post_code, counter, item, count,
  created_at, received_at)
VALUES (%s, md5(%s), %s, 'P001', 'people_reached', '', 1, timestamp '2026-06-01', now())
"""
# A status change: the complaints' newest change moves, so their grouped queries run again.
_STATUS_CHANGE = "UPDATE complaints SET status = 'resolved', updated_at = now() WHERE id = %s"
BASELINE = "SELECT category, count(*) FROM complaints GROUP BY category"


def _connect(cluster: PgCluster, url: str) -> Any:
    import psycopg

    database = url.rsplit("/", 1)[1]
    return psycopg.connect(f"host=127.0.0.1 port={cluster.port} user=postgres dbname={database}")


def _fill(cluster: PgCluster, url: str, rows: int) -> dict[str, float]:
    # complaint_counts' triggers would fire per row of the COPY and of _SPREAD: off for the
    # load, then every complaint counted once (``recount_complaints``).
    with _connect(cluster, url) as conn:
        conn.execute("ALTER TABLE complaints DISABLE TRIGGER USER")
    _ids, copy_seconds = load_complaints(cluster, url, rows)
    start = time.perf_counter()
    with _connect(cluster, url) as conn:
        device = conn.execute("SELECT min(id) FROM devices WHERE number > 0").fetchone()[0]
        services = "[" + ", ".join(f"'{s}'" for s in SERVICES) + "]"
        conn.execute(_SPREAD)
        conn.execute(_SURVEYS.format(device=device, services=services, count=SURVEYS))
        conn.execute(_TALLIES.format(device=device, count=TALLIES))
        conn.execute(_STOCK.format(device=device))
        conn.execute("ALTER TABLE complaints ENABLE TRIGGER USER")
        conn.commit()
    store = CentralStore(open_database(url))
    try:
        store.recount_complaints()
    finally:
        store.close()
    with _connect(cluster, url) as conn:
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")  # as autovacuum would: index-only scans need it
        counted = conn.execute("SELECT sum(complaints) FROM complaint_counts").fetchone()[0]
        if counted != rows:
            raise RuntimeError(f"complaint_counts holds {counted} complaints, not {rows}")
    return {
        "copy_seconds": round(copy_seconds, 1),
        "spread_seconds": round(time.perf_counter() - start, 1),
    }


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))], 1)


def _summary(times: list[float]) -> dict[str, float]:
    return {"p50_ms": _p(times, 0.5), "p95_ms": _p(times, 0.95), "max_ms": round(max(times), 1)}


def _timed(work: Any) -> float:
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000


def _baseline(cluster: PgCluster, url: str, rounds: int) -> dict[str, float]:
    with _connect(cluster, url) as conn:
        conn.execute(BASELINE).fetchall()
        times = [_timed(lambda: conn.execute(BASELINE).fetchall()) for _ in range(rounds)]
    return _summary(times)


def _sign_in(client: httpx.Client, key: str) -> None:
    answer = client.post("/staf/masuk", data={"key": key, "next": "/staf/statistik"})
    if answer.status_code != 303 or not client.cookies.get("posko_staf"):
        raise RuntimeError(f"sign-in failed: {answer.status_code}")


def _page(client: httpx.Client, params: dict[str, str]) -> Any:
    answer = client.get("/staf/statistik", params={**params, "lang": "id"})
    answer.raise_for_status()
    return answer


def _measure(
    client: httpx.Client, cluster: PgCluster, url: str, rounds: int
) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    with _connect(cluster, url) as conn:
        conn.autocommit = True
        device = conn.execute("SELECT min(id) FROM devices WHERE number > 0").fetchone()[0]
        counter = iter(range(10**9))
        for name, params in SELECTIONS.items():
            _page(client, params)  # warm the connection and the server's imports

            def fresh(params: dict[str, str] = params) -> None:
                marker = f"new-{next(counter):032d}"
                conn.execute(_NEW_ROW, (marker, marker, device))
                _page(client, params)

            def changed(params: dict[str, str] = params) -> None:
                conn.execute(_STATUS_CHANGE, (1 + next(counter) * 7919 % 1_000_000,))
                _page(client, params)

            fresh_times = [_timed(fresh) for _ in range(rounds)]
            changed_times = [_timed(changed) for _ in range(rounds)]
            kept_times = [_timed(lambda p=params: _page(client, p)) for _ in range(rounds * 2)]
            sources = _chart_sources(_page(client, params).text)
            chart_times = [
                _timed(lambda s=src: client.get(s).raise_for_status())
                for _ in range(rounds)
                for src in sources
            ]
            found[name] = {
                "fresh": _summary(fresh_times),
                "status_changed": _summary(changed_times),
                "kept": _summary(kept_times),
                "charts": _summary(chart_times),
            }
    return found


def _chart_sources(html: str) -> list[str]:
    import re

    return [
        s.replace("&amp;", "&") for s in re.findall(r'src="(/staf/statistik/grafik/[^"]+)"', html)
    ]


def run(quick: bool = False) -> dict[str, Any]:
    rows = ROWS_QUICK if quick else ROWS
    rounds = 8 if quick else 20
    with tempfile.TemporaryDirectory(prefix="posko-bench-stats-") as name:
        tmp = Path(name)
        user = _pg_user()
        if user:
            os.chmod(tmp, 0o755)
        root = tmp / "pg"
        root.mkdir()
        if user:
            shutil.chown(root, user)
        cluster = PgCluster(root=root, port=free_port(), user=user)
        cluster.start()
        try:
            url = cluster.new_database()
            CentralStore(open_database(url)).close()  # the schema, by the migrations
            results: dict[str, Any] = {
                "complaints": rows,
                "skm_responses": SURVEYS,
                "outreach_tallies": TALLIES,
                "cores": os.cpu_count(),
                "goal": "page p95 <= 500 ms",
                **_fill(cluster, url, rows),
            }
            store = CentralStore(open_database(url))
            key = store.create_client("Benchmark", "staff")
            store.close()
            process, base = start_server(url, tmp / "server.log")
            try:
                with httpx.Client(base_url=base, timeout=120) as client:
                    _sign_in(client, key)
                    results["baseline_group_by"] = _baseline(cluster, url, rounds * 2)
                    results["page"] = _measure(client, cluster, url, rounds)
            finally:
                stop_process(process)
        finally:
            cluster.stop()
    baseline = results["baseline_group_by"]["p95_ms"]
    for figures in results["page"].values():
        for part in figures.values():
            part["ratio_p95"] = round(part["p95_ms"] / baseline, 2)
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(run("--quick" in sys.argv), indent=2))
