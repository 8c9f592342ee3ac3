"""The survey report's files from figures made in the test: the rows are read once, as the
store streams them, and what people type (an emoji, a control character, a leading "=")
neither breaks a file nor turns into something else."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from posko.survey import skm_2017
from posko.survey_files import Heading, Report, write_pdf, write_xlsx
from posko.survey_report import report_figures
from tests.helpers import pdf_text


@dataclass
class Row:
    answers: dict[str, int] = field(default_factory=lambda: dict.fromkeys(skm_2017().codes, 3))
    sex: str = "P"
    age_band: str = ""
    education: str = ""
    occupation: str = ""
    suggestion: str = ""
    self_filled: bool = False


def figures_of(rows: list[Row]) -> dict[str, object]:
    codes = skm_2017().codes
    totals = {c: sum(r.answers.get(c, 0) for r in rows) for c in codes}
    answered = {c: sum(1 for r in rows if c in r.answers) for c in codes}
    read: list[int] = []

    def streamed() -> Iterator[Row]:
        for row in rows:
            read.append(1)
            yield row

    figures = report_figures(
        {"TERMINAL": (len(rows), totals, answered)},
        streamed(),
        selection={"from": None, "to": None, "service": None, "post": None},
        language="id",
    )
    assert len(read) == len(rows)  # one pass over the generator
    return figures


def test_typed_text_stays_text(tmp_path: Path) -> None:
    typed = ["=1+1", "Ok\x00\x07 bersih", "Mantap 👍 petugasnya"]
    figures = figures_of([Row(suggestion=text, self_filled=True) for text in typed] + [Row()])
    assert figures["self_filled"] == 3 and figures["grid"] == [(3,) * 9] * 4
    report = Report(figures, Heading("MRK", "Merak"), skm_2017(), "id")

    write_xlsx(report, tmp_path / "r.xlsx")
    book = load_workbook(tmp_path / "r.xlsx")
    cells = list(book[book.sheetnames[3]].iter_rows(min_row=2, max_col=2))
    assert [row[1].value for row in cells] == ["=1+1", "Ok bersih", "Mantap 👍 petugasnya"]
    assert {row[1].data_type for row in cells} == {"s"}

    write_pdf(report, tmp_path / "r.pdf")
    text = pdf_text(tmp_path / "r.pdf")
    assert "Mantap petugasnya" in text and "=1+1" in text and "75,00" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.pdf", "r.xlsx"]
