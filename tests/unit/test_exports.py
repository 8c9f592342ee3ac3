"""``desktop.exports``' progress and cancellation, on a real profile (SQLite in a temp dir):
the rows counted beforehand, every batch reported, a stop between two batches leaving
neither the file nor a temporary one beside it."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import pytest

from desktop.exports import BATCH, ExportCancelled, Progress, Selection, write_export
from desktop.store.repo import Store
from tests import rawdb
from tests.helpers import workbook


def many_taps(store: Store, count: int) -> None:
    """``count`` people-reached taps, copies of one recorded by the store (plain SQL: the
    store would take a transaction per tap)."""
    store.record_people_reached(1)
    database = store.profile.database
    with rawdb.connect(database) as conn:
        columns = [
            name
            for (_cid, name, *_rest) in conn.execute("PRAGMA table_info(tally_events)")
            if name not in ("id", "uuid")
        ]
        listed = ", ".join(columns)
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            f" INSERT INTO tally_events (uuid, {listed})"
            f" SELECT printf('tap-%06d', i), {listed} FROM n, (SELECT * FROM tally_events LIMIT 1)",
            (count,),
        )


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_every_batch_is_reported_against_the_rows_counted_first(
    store: Store, out: Path, kind: str
) -> None:
    rows = 2 * BATCH + 7
    many_taps(store, rows)
    heard: list[tuple[int, int]] = []
    target = out / f"e.{kind}"
    write_export(
        store,
        Selection(store.require_context()),
        kind,
        target,
        Progress(lambda written, expected: heard.append((written, expected))),
    )
    assert heard == [(0, rows), (BATCH, rows), (2 * BATCH, rows), (rows, rows)]
    if kind == "csv":
        with zipfile.ZipFile(target) as archive:
            lines = archive.read("tally_events.csv").decode("utf-8-sig").splitlines()
        assert len(lines) == rows + 1  # and the header
    else:
        with workbook(target) as book:
            assert sum(1 for _row in book["tally_events"].iter_rows()) == rows + 1


@pytest.mark.parametrize("kind", ["csv", "xlsx", "pdf"])
def test_a_stopped_export_leaves_no_file(store: Store, out: Path, kind: str) -> None:
    many_taps(store, 5 * BATCH)
    progress = Progress()
    heard: list[int] = []

    def shown(written: int, _expected: int) -> None:
        heard.append(written)
        if written or kind == "pdf":  # the PDF has no rows: stopped before it starts
            progress.stop.set()

    progress.shown = shown
    target = out / f"e.{kind}"
    target.write_bytes(b"the export of yesterday")  # an earlier file stays as it was
    streams = _workbook_streams()
    with pytest.raises(ExportCancelled):
        write_export(store, Selection(store.require_context()), kind, target, progress)
    assert heard == ([0] if kind == "pdf" else [0, BATCH])
    assert sorted(p.name for p in out.iterdir()) == [f"e.{kind}"]
    assert target.read_bytes() == b"the export of yesterday"
    assert _workbook_streams() == streams  # openpyxl's sheets, streamed to /tmp, are gone


def _workbook_streams() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("openpyxl.*"))


def test_a_stop_before_the_start_writes_nothing(store: Store, out: Path) -> None:
    progress = Progress()
    progress.stop.set()
    with pytest.raises(ExportCancelled):
        write_export(store, Selection(store.require_context()), "csv", out / "e.zip", progress)
    assert list(out.iterdir()) == []
