"""SKM report benchmark: the desk's report figures (one aggregate per service through the
store, ``Database.survey_totals``, scored exactly with ``posko.survey.score_totals``) on
100,000 responses, against one plain SQL aggregate of the same rows (``sqlite3``: each
element's sum and count with ``json_extract``) measured in the same run. Goal: ratio <= 2.
Also shown: reading every row and scoring it in Python (what the report's grid needs).

    python -m benchmarks --survey
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from desktop.paths import Profile  # noqa: E402
from desktop.store import cipher  # noqa: E402
from desktop.store.repo import Store  # noqa: E402
from posko.survey import score, score_totals, skm_2017  # noqa: E402

CODES = skm_2017().codes


def _fill(profile: Profile, count: int) -> None:
    store = Store.open(profile)
    if store.context() is None:
        store.setup(post_code="MRK", post_name="Posko Merak", operator="Bench")
    context = store.require_context()
    store.close()
    rng = random.Random(7)
    start = datetime(2026, 3, 20, tzinfo=UTC)
    rows = []
    for i in range(count):
        answers = {c: rng.choice((2, 3, 3, 4, 4)) for c in CODES if rng.random() > 0.03}
        rows.append(
            (
                str(uuid.UUID(int=rng.getrandbits(128))),
                rng.choice(("PELABUHAN", "REST-AREA", "TERMINAL")),
                json.dumps(answers),
                rng.choice(("", "L", "P")),
                context.post_id,
                context.operator_id,
                (start + timedelta(seconds=7 * i)).strftime("%Y-%m-%d %H:%M:%S.%f"),
            )
        )
    with cipher.connect(profile.database) as conn:
        conn.executemany(
            "INSERT INTO survey_responses (uuid, service_code, answers, age_band, sex,"
            " education, occupation, suggestion, self_filled, post_id, operator_id, created_at,"
            " sync_state, sync_attempts, revision)"
            " VALUES (?, ?, ?, '', ?, '', '', '', 0, ?, ?, ?, 'pending', 0, 1)",
            rows,
        )


def _plain_sql(database: Path) -> list[tuple[int, int]]:
    parts = ", ".join(
        f"sum(json_extract(answers, '$.{c}')), count(json_extract(answers, '$.{c}'))" for c in CODES
    )
    with cipher.connect(database) as conn:
        row = conn.execute(f"SELECT {parts} FROM survey_responses").fetchone()
    return [(row[2 * i], row[2 * i + 1]) for i in range(len(CODES))]


def _summed(
    parts: Any,
) -> tuple[int, dict[str, int], dict[str, int]]:
    respondents, totals, answered = 0, dict.fromkeys(CODES, 0), dict.fromkeys(CODES, 0)
    for n, sums, counts in parts:
        respondents += n
        for code in CODES:
            totals[code] += sums[code]
            answered[code] += counts[code]
    return respondents, totals, answered


def run(quick: bool = False) -> dict[str, Any]:
    count = 10_000 if quick else 100_000
    rounds = 3 if quick else 5
    with tempfile.TemporaryDirectory(prefix="posko-bench-survey-") as tmp:
        profile = Profile(Path(tmp) / "desk")
        t0 = time.perf_counter()
        _fill(profile, count)
        fill_seconds = time.perf_counter() - t0
        store = Store.open(profile)
        report_times, sql_times = [], []
        try:
            for _ in range(rounds):  # interleaved: drift in load hits both alike
                start = time.perf_counter()
                per_service = store.survey_totals(codes=CODES)
                result = score_totals(*_summed(per_service.values()))
                report_times.append(time.perf_counter() - start)
                start = time.perf_counter()
                aggregate = _plain_sql(profile.database)
                sql_times.append(time.perf_counter() - start)
        finally:
            store.close()
        # The same figures both ways (and as scoring every row in Python gives them), or
        # the comparison means nothing.
        assert [(result.totals[c], result.answered[c]) for c in CODES] == aggregate
        store = Store.open(profile)
        try:
            start = time.perf_counter()
            every_row = score(row.answers for row in store.survey_answers())
            python_seconds = time.perf_counter() - start
        finally:
            store.close()
        assert every_row.ikm == result.ikm and every_row.totals == result.totals
        report = statistics.median(report_times)
        sql = statistics.median(sql_times)
        return {
            "responses": count,
            "fill_seconds": round(fill_seconds, 1),
            "report_ms": round(report * 1000),
            "plain_sql_ms": round(sql * 1000),
            "ratio": round(report / sql, 2),
            "rows_in_python_ms": round(python_seconds * 1000),  # every row read and scored
            "ikm": float(result.ikm) if result.ikm is not None else None,
            "goal": "ratio <= 2",
        }


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=2))
