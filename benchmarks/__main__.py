"""Run every benchmark and print the figures (also saved to benchmarks/results/).

    python -m benchmarks [--quick] [--desk] [--central] [--sync] [--field] [--routing] [--bundle]
                         [--survey] [--kiosk] [--export] [--statistics]
                         [--central-stats] [--encryption]               (none: all)

The desk's (``--desk`` alone):

1. Start-up to the main window shown, as a ratio to a bare PySide6 window (goal ≤ 1.5×): the
   desk is started as ``python -m desktop --data-dir DIR`` (the ``posko`` command's code) and
   reports through its ``POSKO_EXIT_WHEN_SHOWN`` probe; the bare window is
   ``startup_bare.py``, started the same way by the same interpreter.
2. Save + receipt PDF with 100,000 complaints in the profile, against the same on an empty
   profile (goal: median ≤ 50 ms).
3. Peak memory (VmHWM: ``benchmarks/peak.py``) of the desk browsing 100,000 complaints vs
   the bare window.
4. The database file's checks on the 100,000-report profile: the start-up path's cheap check
   (header against size, the damage marker; run as the store opens, once the
   window is shown), the same with
   SQLite reading the schema (``Store.open``), and SQLite's full ``quick_check``, which
   runs on a thread after the window is shown. And what the identity file's update adds
   to each save (part of the save + receipt figure).

The central system's (``--central`` alone), in the "central" section: see
``benchmarks/central.py`` (sync ingest through the API vs the storage layer; tracking
look-ups with 1.4 million complaints in PostgreSQL vs ``/health``).

The desk's sync (``--sync``): see ``benchmarks/sync.py`` (10,000 queued records through the
engine vs one request per record, and vs the central storage layer).

The field link (``--field``): see ``benchmarks/sync_field.py`` (1,000 queued records through
a shaping proxy, 256 kbit/s each way and 300 ms round trip, against the link's physical
limit; and one request per record on the same link).

The survey (``--survey``, ``--kiosk``): see ``benchmarks/survey.py`` (the SKM report on
100,000 responses vs one plain SQL aggregate) and ``benchmarks/kiosk.py`` (the kiosk's
screen-to-screen time vs a bare page flip).

The export (``--export``): see ``benchmarks/export.py`` (``posko export`` of 100,000
complaints as zipped CSVs vs a plain ``sqlite3`` + ``csv`` dump, and its peak memory at
10,000 and 100,000 complaints).

The Statistik section (``--statistics``): see ``benchmarks/statistics.py`` (its figures vs
the same aggregates as plain SQL, its charts, and its refresh with the GUI thread's longest
gap, on 100,000 complaints, 100,000 survey responses and 300,000 tally events).

The coordinators' statistics page (``--central-stats``): see ``benchmarks/central_stats.py``
(``/staf/statistik`` with 1.4 million complaints in PostgreSQL, fresh and kept, vs a plain
``GROUP BY`` over the same table).

The database's encryption (``--encryption``): see ``benchmarks/encryption.py`` (start-up,
save + receipt and the list's search on 100,000 reports, encrypted against plain SQLite).

USB bundles (``--bundle``): see ``benchmarks/bundle.py`` (peak memory of importing hostile
files and genuine bundles of 10,000 and 100,000 records vs the central CLI at rest).
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_PIN = "730125"  # the benchmark desks' coordinator
HERE = Path(__file__).resolve().parent
# The desks the benchmarks make keep their database keys in the tests' keyring stand-in
# (tests/keyring_standin.py), never in the machine's own keyring (nor asking a passphrase).
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.keyring_standin.FileKeyring"
os.environ.setdefault("POSKO_TEST_KEYRING", tempfile.mkdtemp(prefix="posko-bench-keyring-"))
ENV = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
# An installed desk always has its bytecode compiled (pip and PyInstaller both do it), so
# the start-up runs may write and use __pycache__ even where the shell disables it.
ENV.pop("PYTHONDONTWRITEBYTECODE", None)


def timed_start(script: str, *args: str) -> tuple[float, int]:
    """Seconds from process creation to its ``SHOWN`` line, and its max RSS in KiB."""
    return timed_command([sys.executable, str(HERE / script), *args], ENV)


def timed_desk(profile: Path) -> tuple[float, int]:
    """The desk started as an operator starts it (``posko --data-dir DIR``, the entry point's
    own code), reporting ``SHOWN`` through its start-up probe."""
    command = [sys.executable, "-m", "desktop", "--data-dir", str(profile), "--no-crash-dialog"]
    return timed_command(command, dict(ENV, POSKO_EXIT_WHEN_SHOWN="1"))


def timed_command(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("SHOWN"):
            elapsed = time.perf_counter() - start
            rss = int(line.split()[1])
            proc.wait(timeout=60)
            proc.stdout.close()
            return elapsed, rss
    proc.wait(timeout=60)
    raise RuntimeError(f"{command} ended without showing a window")


def make_profile(root: Path, complaints: int) -> Path:
    from desktop.demo import demo_complaints
    from desktop.paths import Profile
    from desktop.store.repo import Store

    store = Store.open(Profile(root))
    store.setup(
        post_code="BENCH",
        post_name="Posko Uji Kinerja",
        operator="Bench",
        central_url="https://lacak.posko.test",
    )
    # As every desk set up has one (``posko setup`` makes it): the start then locks for a
    # sign-in instead of asking, in a dialog, for a first coordinator.
    store.first_coordinator("Bench", BENCH_PIN, BENCH_PIN)
    now = datetime.now(UTC)
    batch = []
    for item in demo_complaints(complaints, 42, now, store.catalog):
        batch.append(item)
        if len(batch) == 10_000:
            store.save_many(batch, now=now)
            batch = []
    store.save_many(batch, now=now)
    store.close()
    return root


def save_and_receipt(root: Path, rounds: int) -> list[float]:
    """Milliseconds for each save + receipt PDF, the path the operator waits on."""
    from desktop.domain import ComplaintInput, ComplaintType
    from desktop.paths import Profile
    from desktop.printing.render import ensure_gui_application, render_pdf
    from desktop.receipt import build_receipt
    from desktop.store.repo import Store

    ensure_gui_application()
    profile = Profile(root)
    store = Store.open(profile)
    context = store.require_context()
    times = []
    for i in range(rounds + 3):
        item = ComplaintInput(
            type=ComplaintType.PENGADUAN,
            category="TOL",
            title=f"Antrean gerbang tol {i}",
            description="Antrean kendaraan di gerbang tol Cikampek Utama lebih dari 5 km.",
            reporter_name="Bench",
            phone="0812-3456-7890",
        )
        start = time.perf_counter()
        record = store.save_complaint(item)
        content = build_receipt(record, context, store.catalog)
        render_pdf(content, context.paper, profile.receipts / f"{record.tracking_id}.pdf")
        elapsed = (time.perf_counter() - start) * 1000
        if i >= 3:  # the first rounds warm caches (fonts, statements)
            times.append(elapsed)
    store.close()
    return times


def file_checks(root: Path) -> dict[str, object]:
    """Milliseconds for the database file's checks on the profile at ``root``, and for one
    update of its identity file."""
    from desktop.paths import Profile
    from desktop.store import health, identity

    profile = Profile(root)
    path = profile.database

    def median_ms(work: object, rounds: int) -> float:
        assert callable(work)
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            work()
            times.append((time.perf_counter() - start) * 1000)
        return round(statistics.median(times), 3)

    def start_up_check() -> None:
        health.check_header(path)
        health.damaged(path)

    def quick() -> None:
        assert health.quick_check(path) == []

    known = identity.read(profile)
    assert known is not None
    # On a scratch profile holding a copy of the identity file: numbers recorded past the
    # database's would rightly make the desk raise its sequence (and say so) at next start.
    scratch = Profile(root.parent / f"{root.name}-identity")
    scratch.root.mkdir(mode=0o700, exist_ok=True)
    scratch.identity.write_bytes(profile.identity.read_bytes())
    counter = iter(range((known.highest(known.prefix) or 0) + 1, 10**9))
    return {
        "database_mib": round(path.stat().st_size / 2**20, 1),
        "start_up_check_ms": median_ms(start_up_check, 200),
        "open_check_ms": median_ms(lambda: health.check_file(path), 50),
        "quick_check_ms": median_ms(quick, 3),
        "profile_permissions_ms": median_ms(profile.secure, 50),
        "identity_write_ms": median_ms(
            lambda: identity.record_issued(scratch, known.prefix, next(counter)), 40
        ),
    }


def main() -> int:
    quick = "--quick" in sys.argv
    results: dict[str, object] = {"when": datetime.now(UTC).isoformat(), "quick": quick}
    sections = (
        "desk", "central", "sync", "field", "routing", "bundle", "survey", "kiosk", "export",
        "statistics", "central-stats", "encryption",
    )  # fmt: skip
    chosen = {s for s in sections if f"--{s}" in sys.argv} or set(sections)
    if "desk" in chosen:
        results["desk"] = desk(quick)
    if "central" in chosen:
        from benchmarks import central

        results["central"] = central.run(quick)
    if "sync" in chosen:
        from benchmarks import sync

        results["sync"] = sync.run(quick)
    if "field" in chosen:
        from benchmarks import sync_field

        results["field"] = sync_field.run(quick)
    if "routing" in chosen:
        from benchmarks import routing

        results["routing"] = routing.run(quick)
    if "bundle" in chosen:
        from benchmarks import bundle

        results["bundle"] = bundle.run(quick)
    if "survey" in chosen:
        from benchmarks import survey

        results["survey"] = survey.run(quick)
    if "kiosk" in chosen:
        from benchmarks import kiosk

        results["kiosk"] = kiosk.run(quick)
    if "export" in chosen:
        from benchmarks import export

        results["export"] = export.run(quick)
    if "statistics" in chosen:
        from benchmarks import statistics as statistics_section

        results["statistics"] = statistics_section.run(quick)
    if "encryption" in chosen:
        from benchmarks import encryption

        results["encryption"] = encryption.run(quick)
    if "central-stats" in chosen:
        from benchmarks import central_stats

        results["central-stats"] = central_stats.run(quick)
    print(json.dumps(results, indent=2))
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    latest = out / "latest.json"
    if any(section not in results for section in sections):
        # Some sections run: keep the others' last figures beside them.
        try:
            previous = json.loads(latest.read_text())
        except (OSError, ValueError):
            previous = {}
        for section in sections:
            if section not in results and section in previous:
                results[section] = previous[section]
    latest.write_text(json.dumps(results, indent=2) + "\n")
    return 0


def desk(quick: bool) -> dict[str, object]:
    big = 10_000 if quick else 100_000
    starts = 3 if quick else 9
    results: dict[str, object] = {"complaints": big}
    compileall.compile_dir(str(ROOT / "desktop"), quiet=1)
    with tempfile.TemporaryDirectory(prefix="posko-bench-") as tmp:
        empty = make_profile(Path(tmp) / "empty", 0)
        t0 = time.perf_counter()
        full = make_profile(Path(tmp) / "full", big)
        results["fill_seconds"] = round(time.perf_counter() - t0, 1)

        # Interleave the runs so drift in machine load hits both sides alike.
        bare, desk, desk_full = [], [], []
        for _ in range(starts):
            bare.append(timed_start("startup_bare.py"))
            desk.append(timed_desk(empty))
            desk_full.append(timed_desk(full))
        b = statistics.median(t for t, _ in bare)
        d = statistics.median(t for t, _ in desk)
        f = statistics.median(t for t, _ in desk_full)
        results["startup"] = {
            "bare_ms": round(b * 1000),
            "desk_ms": round(d * 1000),
            "desk_full_ms": round(f * 1000),
            "ratio": round(d / b, 2),
            "ratio_full": round(f / b, 2),
            "goal": "<= 1.5",
        }

        rounds = 15 if quick else 40
        base = save_and_receipt(empty, rounds)
        loaded = save_and_receipt(full, rounds)
        results["save_and_receipt"] = {
            "empty_median_ms": round(statistics.median(base), 1),
            "full_median_ms": round(statistics.median(loaded), 1),
            "full_p90_ms": round(sorted(loaded)[int(len(loaded) * 0.9) - 1], 1),
            "ratio": round(statistics.median(loaded) / statistics.median(base), 2),
            "goal": "median <= 50 ms",
        }

        results["file_checks"] = file_checks(full)

        _t, bare_rss = timed_start("startup_bare.py")
        _t, desk_rss = timed_start("startup_posko.py", str(full), "--browse")
        results["peak_memory"] = {
            "bare_mib": round(bare_rss / 1024, 1),
            "desk_browsing_full_mib": round(desk_rss / 1024, 1),
            "ratio": round(desk_rss / bare_rss, 2),
        }
    return results


if __name__ == "__main__":
    raise SystemExit(main())
