"""Export benchmark: ``posko export --format csv`` of a profile with 100,000 complaints
(``make_profile``, the demo's reports), 100,000 questionnaires and 300,000 tally events,
against a plain dump of the same rows measured in the same run (``sqlite3`` cursor, ``csv``
writer, into deflated zip members: what the export does without SQLAlchemy, the post's
clock and the summary). Goal: ratio <= 2. Also the XLSX and PDF (the summary with its
charts) times, and the peak memory of the export as the operator runs it, in a fresh
process, at 10,000 and 100,000 complaints (three taps per report): the rows are streamed,
so it should barely grow.

    python -m benchmarks --export
"""

from __future__ import annotations

import csv
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.__main__ import make_profile  # noqa: E402
from benchmarks.statistics import _fill_tallies as fill_tallies  # noqa: E402
from benchmarks.survey import _fill as fill_survey  # noqa: E402
from desktop.exports import Selection, tables, write_export  # noqa: E402
from desktop.paths import Profile  # noqa: E402
from desktop.store import cipher  # noqa: E402
from desktop.store.repo import Store  # noqa: E402

# Peak memory of one export, in a process of its own (MiB: Linux reports KiB): the kernel's
# high-water mark of this program (VmHWM), and getrusage's ru_maxrss beside it, which Linux
# keeps across exec: it can be the benchmark's own size at the fork, not the export's.
MEASURE = """
import re, resource, sys
from pathlib import Path
from desktop.cli import main
from desktop.store import cipher
code = main(["--data-dir", sys.argv[1], "export", "--format", sys.argv[2], "--out", sys.argv[3]])
assert code == 0
hwm = re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1)
print(int(hwm) / 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


# The other tables' own columns, dumped as they are stored (the export spreads a
# questionnaire's JSON answers over nine columns and shows times on the post's clock).
PLAIN_COLUMNS = {
    "survey_responses": "uuid, created_at, service_code, answers, age_band, sex, education,"
    " occupation, self_filled, suggestion",
    "tally_events": "uuid, created_at, counter, item, count, undoes",
    "stock_movements": "uuid, created_at, item, movement, quantity, note",
}


def _plain_dump(database: Path, header: tuple[str, ...], out: Path) -> int:
    """Every table's rows, as a plain ``sqlite3`` cursor and ``csv`` writer would zip them;
    the number of rows."""

    queries = {"complaints": ", ".join(header), **PLAIN_COLUMNS}
    rows = 0
    with cipher.connect(database) as conn, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for table, columns in queries.items():
            cursor = conn.execute(f"SELECT {columns} FROM {table} ORDER BY id")
            with z.open(f"{table}.csv", "w", force_zip64=True) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                writer = csv.writer(text)
                writer.writerow([d[0] for d in cursor.description])
                for row in cursor:
                    writer.writerow(row)
                    rows += 1
                text.flush()
                text.detach()
    return rows


def _peak_mib(profile: Path, kind: str, out: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(profile), kind, str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    hwm, maxrss = (round(float(n), 1) for n in done.stdout.split()[-2:])
    return {"vm_hwm": hwm, "ru_maxrss": maxrss}


def _timed(profile: Profile, out: Path, rounds: int) -> dict[str, Any]:
    store = Store.open(profile)
    try:
        selection = Selection(store.require_context())
        header = tables(selection)[0].header
        export_times, plain_times = [], []
        for _ in range(rounds):  # interleaved: drift in load hits both alike
            start = time.perf_counter()
            write_export(store, selection, "csv", out / "export.zip")
            export_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            rows = _plain_dump(profile.database, header, out / "plain.zip")
            plain_times.append(time.perf_counter() - start)
        others = {}
        for kind in ("xlsx", "pdf"):
            start = time.perf_counter()
            write_export(store, selection, kind, out / f"export.{kind}")
            others[f"export_{kind}_ms"] = round((time.perf_counter() - start) * 1000)
    finally:
        store.close()
    export, plain = statistics.median(export_times), statistics.median(plain_times)
    return {
        "rows": rows,
        **others,
        "export_csv_ms": round(export * 1000),
        "plain_sqlite3_csv_ms": round(plain * 1000),
        "ratio": round(export / plain, 2),
        "export_zip_mib": round((out / "export.zip").stat().st_size / 2**20, 1),
    }


def run(quick: bool = False) -> dict[str, Any]:
    rounds = 1 if quick else 3
    results: dict[str, Any] = {"goal": "ratio <= 2; peak memory flat from 10k to 100k"}
    with tempfile.TemporaryDirectory(prefix="posko-bench-export-") as tmp:
        root = Path(tmp)
        peaks: dict[str, dict[str, dict[str, float]]] = {}
        for count in (10_000, 100_000):
            made = make_profile(root / f"desk-{count}", count)
            fill_survey(Profile(made), count)
            fill_tallies(Profile(made), 3 * count)
            peaks[str(count)] = {
                kind: _peak_mib(made, kind, root / f"peak.{kind}")
                for kind in ("csv", "xlsx", "pdf")
            }
            if count == 100_000:
                results.update(_timed(Profile(made), root, rounds))
        results["peak_rss_mib"] = peaks
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(run("--quick" in sys.argv), indent=2))
