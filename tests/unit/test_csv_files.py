"""The CSV guard: text a spreadsheet would run as a formula is kept as text; a plain
number, even a negative one (stock gone below zero), stays a number."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from posko.csv_files import csv_member, inert


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+62 812", "'+62 812"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-3", "-3"),
        ("-3.25", "-3.25"),
        ("Antrean -3 jam", "Antrean -3 jam"),
        (-3, -3),
    ],
)
def test_formulas_stay_text_and_numbers_stay_numbers(
    cell: object, written: object, tmp_path: Path
) -> None:
    assert inert(cell) == written
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as archive:
        csv_member(archive, "t", ("cell",), [(cell,)])
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        text = archive.read("t.csv").decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1] == [str(written)]
