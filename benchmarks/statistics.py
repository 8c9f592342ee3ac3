"""Statistik section benchmark, on a profile of 100,000 complaints, 100,000 survey responses
and 300,000 tally events over a week:

1. The figures (``posko.statistics.compute`` over the desk's ``DeskSource``) against the
   same aggregates as plain ``sqlite3`` queries in the same run (a ratio).
2. The charts: all six drawn (a full refresh) and the two a tap changes (people, merchandise).
3. The section itself, offscreen: from ``refresh()`` to the new figures on screen (goal
   ≤ 300 ms), and the longest the GUI thread went without running its event loop meanwhile
   (a 5 ms timer's longest gap; goal ≤ 50 ms), against the same timer on an idle loop.

    python -m benchmarks --statistics
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.__main__ import make_profile  # noqa: E402
from benchmarks.survey import _fill as fill_survey  # noqa: E402
from desktop.paths import Profile  # noqa: E402
from desktop.store import cipher  # noqa: E402
from desktop.store.repo import Store  # noqa: E402
from posko import charts  # noqa: E402
from posko.statistics import Filters, compute  # noqa: E402

LOCAL = "date(created_at, '+420 minutes')"


def _fill_tallies(profile: Profile, count: int) -> None:
    store = Store.open(profile)
    context = store.require_context()
    store.close()
    rng = random.Random(3)
    start = datetime.now(UTC) - timedelta(days=7)
    rows = []
    for i in range(count):
        merchandise = rng.random() < 0.3
        rows.append(
            (
                str(uuid.UUID(int=rng.getrandbits(128))),
                "merchandise" if merchandise else "people_reached",
                rng.choice(("kaus", "stiker", "topi")) if merchandise else "",
                1 if merchandise else rng.choice((1, 1, 5, 10)),
                context.post_id,
                context.operator_id,
                (start + timedelta(seconds=2 * i)).strftime("%Y-%m-%d %H:%M:%S.%f"),
            )
        )
    with cipher.connect(profile.database) as conn:
        conn.executemany(
            "INSERT INTO tally_events (uuid, counter, item, count, post_id, operator_id,"
            " created_at, sync_state, sync_attempts, revision)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, 1)",
            rows,
        )
        conn.execute(
            "INSERT INTO stock_movements (uuid, item, movement, quantity, note, post_id,"
            " operator_id, created_at, sync_state, sync_attempts, revision)"
            " VALUES (?, 'kaus', 'received', 50000, '', ?, ?, ?, 'pending', 0, 1)",
            (str(uuid.uuid4()), context.post_id, context.operator_id, rows[0][-1]),
        )


def _plain(database: Path) -> None:
    """The section's aggregates as plain SQL: what any code must at least read."""
    codes = ", ".join(
        f"sum(json_extract(answers, '$.U{n}')), count(json_extract(answers, '$.U{n}'))"
        for n in range(1, 10)
    )
    with cipher.connect(database) as conn:
        for query in (
            f"SELECT {LOCAL}, sum(count) FROM tally_events WHERE counter = 'people_reached'"
            " GROUP BY 1",
            "SELECT category, count(*) FROM complaints GROUP BY 1",
            "SELECT central_agency, count(*) FROM complaints GROUP BY 1",
            "SELECT central_status, count(*) FROM complaints GROUP BY 1",
            f"SELECT type, category, {LOCAL}, central_status, count(*) FROM complaints"
            " GROUP BY 1, 2, 3, 4",
            f"SELECT service_code, count(*), {codes} FROM survey_responses GROUP BY 1",
            "SELECT item, sum(count) FROM tally_events WHERE counter = 'merchandise' GROUP BY 1",
            "SELECT item, sum(quantity) FROM stock_movements GROUP BY 1",
        ):
            conn.execute(query).fetchall()


def _median_ms(work: Callable[[], object], rounds: int) -> float:
    times = []
    for _n in range(rounds):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def _section(store: Store, rounds: int) -> dict[str, Any]:
    """The section's refresh, timed, and the GUI thread's longest gap meanwhile."""
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.ui.statistics_desk import StatisticsDesk

    app = QApplication.instance() or QApplication([])
    desk = StatisticsDesk(store)
    desk.resize(1280, 1400)
    desk.show()

    def gaps(while_running: Callable[[], bool], start: Callable[[], None]) -> tuple[float, float]:
        clock, last = QElapsedTimer(), [0]
        longest = [0]
        clock.start()

        def tick() -> None:
            now = clock.elapsed()
            longest[0] = max(longest[0], now - last[0])
            last[0] = now

        timer = QTimer(interval=5)
        timer.timeout.connect(tick)
        timer.start()
        start()
        while while_running():
            app.processEvents()
            time.sleep(0.001)
        timer.stop()
        return float(clock.elapsed()), float(longest[0])

    def idle_for(ms: float) -> Callable[[], bool]:
        end = time.perf_counter() + ms / 1000
        return lambda: time.perf_counter() < end

    # The first refresh imports matplotlib and loads its fonts: measured on its own.
    first_ms, first_gap = gaps(lambda: desk.stats is None, desk.refresh)
    full, tap, full_gap, tap_gap, idle_gap = [], [], [], [], []
    for _n in range(rounds):
        desk._drawn.clear()  # every chart drawn again: a filter change
        took, gap = gaps(lambda: desk._running, desk.refresh)
        full.append(took)
        full_gap.append(gap)
        store.record_people_reached(1)  # what a tap changes: people and merchandise
        took, gap = gaps(lambda: desk._running, desk.refresh)
        tap.append(took)
        tap_gap.append(gap)
        idle_gap.append(gaps(idle_for(took), lambda: None)[1])
    desk.close()
    return {
        "first_refresh_ms": first_ms,
        "first_refresh_longest_gui_gap_ms": first_gap,
        "full_refresh_ms": statistics.median(full),
        "tap_refresh_ms": statistics.median(tap),
        "longest_gui_gap_ms_full": max(full_gap),
        "longest_gui_gap_ms_tap": max(tap_gap),
        "longest_gui_gap_ms_idle": max(idle_gap),
    }


def run(quick: bool = False) -> dict[str, Any]:
    complaints, responses, taps = (10_000, 10_000, 30_000) if quick else (100_000, 100_000, 300_000)
    rounds = 3 if quick else 5
    with tempfile.TemporaryDirectory(prefix="posko-bench-stats-") as tmp:
        root = make_profile(Path(tmp) / "profile", complaints)
        profile = Profile(root)
        fill_survey(profile, responses)
        _fill_tallies(profile, taps)
        store = Store.open(profile)
        context = store.require_context()

        def figures() -> Any:
            from desktop.store.statistics import DeskSource

            return compute(
                DeskSource(store, context),
                Filters(),
                today=datetime.now(UTC).date(),
                campaign=store.campaign(),
                catalog=store.catalog,
            )

        figures()
        plain_ms = _median_ms(lambda: _plain(profile.database), rounds)
        figures_ms = _median_ms(figures, rounds)
        stats = figures()
        all_ms = _median_ms(
            lambda: [charts.pixels(n, stats, 600, 320) for n in charts.NAMES], rounds
        )
        tap_ms = _median_ms(
            lambda: [charts.pixels(n, stats, 600, 320) for n in ("people", "merchandise")],
            rounds,
        )
        section = _section(store, rounds)
        store.close()
    return {
        "complaints": complaints,
        "survey_responses": responses,
        "tally_events": taps,
        "figures_ms": figures_ms,
        "plain_sql_ms": plain_ms,
        "figures_vs_plain_sql": round(figures_ms / plain_ms, 2),
        "all_six_charts_ms": all_ms,
        "tap_charts_ms": tap_ms,
        "section": section,
        "goals": "section refresh <= 300 ms; GUI thread never blocked over 50 ms",
    }


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=2))
