"""Export benchmark: ``posko export --format csv`` of a profile with 100,000 complaints
(``make_profile``, the demo's reports) against a plain dump of the same rows measured in the
same run (``sqlite3`` cursor, ``csv`` writer, into a deflated zip member: what the export
does without SQLAlchemy, the post's clock and the summary). Goal: ratio <= 2. Also the peak
memory (``ru_maxrss``) of the export as the operator runs it, in a fresh process, at 10,000
and 100,000 complaints: the rows are streamed, so it should barely grow.

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
from desktop.exports import Selection, tables, write_export  # noqa: E402
from desktop.paths import Profile  # noqa: E402
from desktop.store.repo import Store  # noqa: E402

# Peak memory of one export, in a process of its own (MiB: Linux reports KiB): the kernel's
# high-water mark of this program (VmHWM), and getrusage's ru_maxrss beside it, which Linux
# keeps across exec: it can be the benchmark's own size at the fork, not the export's.
MEASURE = """
import re, resource, sys
from pathlib import Path
from desktop.cli import main
code = main(["--data-dir", sys.argv[1], "export", "--format", sys.argv[2], "--out", sys.argv[3]])
assert code == 0
hwm = re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1)
print(int(hwm) / 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def _plain_dump(database: Path, header: tuple[str, ...], out: Path) -> int:
    import sqlite3

    with sqlite3.connect(database) as conn, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        cursor = conn.execute(f"SELECT {', '.join(header)} FROM complaints ORDER BY id")
        with z.open("complaints.csv", "w", force_zip64=True) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            writer = csv.writer(text)
            writer.writerow(header)
            rows = 0
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
    finally:
        store.close()
    export, plain = statistics.median(export_times), statistics.median(plain_times)
    return {
        "complaints": rows,
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
            peaks[str(count)] = {
                kind: _peak_mib(made, kind, root / f"peak.{kind}") for kind in ("csv", "xlsx")
            }
            if count == 100_000:
                results.update(_timed(Profile(made), root, rounds))
        results["peak_rss_mib"] = peaks
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(run("--quick" in sys.argv), indent=2))
