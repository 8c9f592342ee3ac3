"""The SKM report as files: a workbook (openpyxl, write-only so the grid's rows stream out)
and a PDF laid out like a published SKM report (fpdf2, DejaVu Sans embedded). Both read the
figures of ``posko.survey_report.report_figures``, the same dictionary as ``--json``: nothing
is scored here. Each is written beside its target and renamed over it (``posko.files``).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any, cast

from posko.files import replacing
from posko.i18n import _
from posko.survey import Survey


class ReportFileError(Exception):
    """The report file could not be written; the message says why, in the user's language."""


@dataclass(frozen=True)
class Heading:
    """What the title names: the post the report is of."""

    post_code: str
    post_name: str


@dataclass(frozen=True)
class Report:
    """The figures with what is needed to label them."""

    figures: Mapping[str, Any]
    heading: Heading
    survey: Survey
    language: str | None

    def element_rows(self) -> list[tuple[str, str, int, int, float | None, float | None]]:
        """Per element: code, name, sum of scores, answers, NRR, weighted NRR."""
        f = self.figures
        return [
            (
                e.code,
                e.name(self.language),
                f["totals"].get(e.code, 0),
                f["answered"].get(e.code, 0),
                f["nrr"].get(e.code),
                f["weighted_nrr"].get(e.code),
            )
            for e in self.survey.elements
        ]

    def weakest_rows(self) -> list[tuple[str, str, float]]:
        rows = []
        for code in self.figures["weakest"]:
            element = self.survey.element(code)
            if element is not None:
                rows.append((code, element.name(self.language), self.figures["nrr"][code]))
        return rows

    def profile_rows(self) -> list[tuple[str, str, int, float]]:
        """Per profile question and answer: its names, the count and the share (percent)."""
        rows = []
        total = max(self.figures["respondents"], 1)
        for question in self.survey.profile:
            tally = self.figures["demographics"].get(question.code, {})
            for code, count in tally.items():
                option = question.option(code)
                name = option.name(self.language) if option else _("not answered")
                rows.append((question.name(self.language), name, count, 100 * count / total))
        return rows

    def period(self) -> str:
        selection = self.figures["selection"]
        start, end = selection.get("from"), selection.get("to")
        if not start and not end:
            return _("all dates")
        return f"{start or '…'} – {end or '…'}"

    def scope(self) -> list[tuple[str, str | int]]:
        """The lines under the title: post, period, service, respondents."""
        service = self.figures["selection"].get("service")
        return [
            (_("Post"), f"{self.heading.post_name} ({self.heading.post_code})"),
            (_("Period"), self.period()),
            (_("Service"), service or _("all services")),
            (_("Respondents"), int(self.figures["respondents"])),
        ]

    def sample_rows(self) -> list[tuple[str, int]]:
        sample = self.figures.get("sample")
        if not sample:
            return []
        return [
            (_("Service users in the period"), sample["population"]),
            (_("Minimum sample"), sample["minimum"]),
            (_("Questionnaires collected"), sample["collected"]),
            (_("Still missing"), sample["missing"]),
        ]

    def grid(self) -> Sequence[Sequence[int | None]]:
        return cast(Sequence[Sequence[int | None]], self.figures["grid"])


def written(target: Path, write: Callable[[Path], None], *, private: bool = False) -> None:
    """``write`` into a temporary file beside ``target``, then renamed over it; a failure
    (a missing or read-only folder, a full disk) raises ``ReportFileError`` naming it.
    ``private``: readable by its owner alone (``posko.files.replacing``)."""
    if not target.parent.is_dir():
        raise ReportFileError(
            _("Cannot write {file}: the folder {folder} does not exist.").format(
                file=target, folder=target.parent
            )
        )
    try:
        with replacing(target, private=private) as temporary:
            write(temporary)
    except OSError as error:
        raise ReportFileError(
            _("Cannot write {file}: {error}").format(file=target, error=error.strerror or error)
        ) from None


# -- workbook -------------------------------------------------------------------------------


def write_xlsx(report: Report, target: Path) -> None:
    """Sheets: summary, grid (one row per respondent, streamed), profile, suggestions."""
    written(target, lambda path: _workbook(report, path))


def _workbook(report: Report, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheets: list[tuple[str, Callable[[Any, Report], None], Sequence[float]]] = [
        (_("Summary"), _summary_sheet, (14, 42, 12, 12, 12, 14)),
        (_("Grid"), _grid_sheet, (8, *[6] * len(report.survey.codes))),
        (_("Profile"), _profile_sheet, (22, 28, 10, 10)),
        (_("Suggestions"), _suggestion_sheet, (6, 100)),
    ]
    for title, fill, widths in sheets:
        sheet = book.create_sheet(title[:31])
        for index, width in enumerate(widths):
            sheet.column_dimensions[_column(index)].width = width
        fill(sheet, report)
    book.save(path)


def _column(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))


def cell(sheet: Any, value: object, *, bold: bool = False, number: str = "") -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    if isinstance(value, str):  # control characters are not allowed in a workbook
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    made = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        made.data_type = "s"  # text typed at the desk is never a formula ("=…")
    if bold:
        made.font = Font(bold=True)
    if number:
        made.number_format = number
    return made


def _header(sheet: Any, *titles: str) -> None:
    sheet.append([cell(sheet, title, bold=True) for title in titles])


def _summary_sheet(sheet: Any, report: Report) -> None:
    f = report.figures
    sheet.append([cell(sheet, report.survey.name(report.language), bold=True)])
    for label, value in report.scope():
        sheet.append([cell(sheet, label), cell(sheet, value)])
    sheet.append([])
    sheet.append([cell(sheet, "IKM", bold=True), cell(sheet, f["ikm"], bold=True, number="0.00")])
    sheet.append([cell(sheet, _("Grade")), cell(sheet, f["grade"])])
    sheet.append([cell(sheet, _("Service quality")), cell(sheet, f["grade_label"])])
    sheet.append([cell(sheet, _("Value (1–4)")), cell(sheet, f["value"], number="0.0000")])
    sheet.append([])
    _header(sheet, _("Code"), _("Element"), _("Sum"), _("Answers"), "NRR", _("Weighted NRR"))
    for code, name, total, answered, nrr, weighted in report.element_rows():
        sheet.append(
            [
                cell(sheet, code),
                cell(sheet, name),
                total,
                answered,
                cell(sheet, nrr, number="0.000"),
                cell(sheet, weighted, number="0.000"),
            ]
        )
    sheet.append([])
    sheet.append([cell(sheet, _("Weakest elements"), bold=True)])
    for code, name, nrr in report.weakest_rows():
        sheet.append([cell(sheet, code), cell(sheet, name), None, None, nrr])
    if report.sample_rows():
        sheet.append([])
        sheet.append([cell(sheet, _("Sample"), bold=True)])
        for label, number in report.sample_rows():
            sheet.append([cell(sheet, label), number])


def _grid_sheet(sheet: Any, report: Report) -> None:
    codes = report.survey.codes
    _header(sheet, _("No."), *codes)
    for number, answers in enumerate(report.grid(), start=1):
        sheet.append([number, *answers])
    rows = report.element_rows()
    for label, index, format_ in [
        (_("Sum"), 2, "0"),
        ("NRR", 4, "0.000"),
        (_("Weighted NRR"), 5, "0.000"),
    ]:
        line = [cell(sheet, row[index], bold=True, number=format_) for row in rows]
        sheet.append([cell(sheet, label, bold=True), *line])


def _profile_sheet(sheet: Any, report: Report) -> None:
    _header(sheet, _("Question"), _("Answer"), _("Respondents"), "%")
    for question, answer, count, share in report.profile_rows():
        sheet.append(
            [cell(sheet, question), cell(sheet, answer), count, cell(sheet, share, number="0.0")]
        )


def _suggestion_sheet(sheet: Any, report: Report) -> None:
    _header(sheet, _("No."), _("Suggestion"))
    for number, text in enumerate(report.figures["suggestions"], start=1):
        sheet.append([number, cell(sheet, text)])


# -- PDF ------------------------------------------------------------------------------------


def write_pdf(report: Report, target: Path) -> None:
    """Title, summary table, IKM and grade, profile, weakest elements, the grid (its header
    on every page), suggestions."""
    written(target, lambda path: _document(report).output(str(path)))


def _decimal(value: float | None, places: int, language: str | None) -> str:
    """A figure as the report's reader writes it (Indonesian: a decimal comma)."""
    if value is None:
        return "–"
    from babel.numbers import format_decimal

    return str(format_decimal(value, format="0." + "0" * places, locale=language or "en"))


def _document(report: Report) -> Any:
    pdf = new_pdf(report.survey.name(report.language))
    for part in (_title, _ikm, _summary, _weakest, _sample, _profile, _grid, _suggestions):
        part(pdf, report)
    return pdf


def new_pdf(title: str) -> Any:
    """An A4 document with DejaVu Sans (regular and bold) embedded and its first page."""
    from posko.assets import assets_dir

    with warnings.catch_warnings():
        # The frozen desk leaves Pillow out (build.spec); fpdf2 needs it only for images.
        warnings.filterwarnings("ignore", "Pillow could not be imported", UserWarning)
        from fpdf import FPDF
    # A character DejaVu lacks (an emoji in a suggestion) is left out; fpdf2's warning about
    # it would quote the suggestion's characters on the operator's screen.
    logging.getLogger("fpdf").setLevel(logging.ERROR)

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    fonts = assets_dir() / "fonts"
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(18, 15, 18)
    pdf.set_title(title)
    pdf.set_creator("Posko")
    pdf.add_page()
    return pdf


def heading(pdf: Any, text: str) -> None:
    if pdf.will_page_break(20):
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")


def _title(pdf: Any, report: Report) -> None:
    pdf.set_font("DejaVu", "B", 15)
    title = report.survey.name(report.language)
    pdf.multi_cell(0, 8, title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    for label, value in report.scope():
        pdf.cell(32, 5.5, label)
        pdf.cell(0, 5.5, f": {value}", new_x="LMARGIN", new_y="NEXT")


def _ikm(pdf: Any, report: Report) -> None:
    f, language = report.figures, report.language
    pdf.ln(4)
    top = pdf.get_y()
    pdf.set_fill_color(238, 242, 247)
    pdf.rect(pdf.l_margin, top, pdf.epw, 26, style="F")
    pdf.set_xy(pdf.l_margin + 4, top + 3)
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(60, 5, _("Community Satisfaction Index (IKM)"))
    pdf.set_xy(pdf.l_margin + 4, top + 9)
    pdf.set_font("DejaVu", "B", 28)
    pdf.cell(60, 14, _decimal(f["ikm"], 2, language))
    pdf.set_xy(pdf.l_margin + 80, top + 5)
    pdf.set_font("DejaVu", "B", 16)
    grade = _("Grade {grade}").format(grade=f["grade"]) if f["grade"] else ""
    pdf.cell(0, 8, grade, new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(0, 6, f["grade_label"] or _("No answers in this selection yet."))
    pdf.set_xy(pdf.l_margin, top + 28)


def table(
    pdf: Any,
    widths: Sequence[float],
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    size: float = 9,
    height: float = 6,
    align: str = "LLRRRR",
) -> None:
    """Rows of one line each, the header (if any) repeated at the top of every page."""
    _table_header(pdf, widths, header, align, size, height)
    for row in rows:
        if pdf.will_page_break(height):
            pdf.add_page()
            _table_header(pdf, widths, header, align, size, height)
        for width, text, side in zip(widths, row, align, strict=False):
            pdf.cell(width, height, text, border=1, align=side)
        pdf.ln(height)


def _table_header(
    pdf: Any, widths: Sequence[float], header: Sequence[str], align: str, size: float, h: float
) -> None:
    pdf.set_font("DejaVu", "B", size)
    pdf.set_fill_color(220, 226, 235)
    for width, text, side in zip(widths, header, align, strict=False):
        pdf.cell(width, h, text, border=1, align=side, fill=True)
    if header:
        pdf.ln(h)
    pdf.set_font("DejaVu", "", size)


def _grid_table(
    pdf: Any, widths: Sequence[float], header: Sequence[str], rows: Iterable[Sequence[str]]
) -> None:
    """``table`` for the grid, numbers right and answers centred: each figure placed with
    ``text()`` (a seventh of ``cell()``'s cost; 100,000 respondents are a million figures),
    the rules drawn once per row and, down the columns, once per page."""
    size, height = 8, 5.0
    edges = list(accumulate(widths, initial=pdf.l_margin))
    align = "R" + "C" * (len(widths) - 1)
    _table_header(pdf, widths, header, align, size, height)
    digit = pdf.get_string_width("0")  # DejaVu's digits are all this wide
    top = pdf.get_y()
    for row in rows:
        if pdf.will_page_break(height):
            _column_rules(pdf, edges, top)
            pdf.add_page()
            _table_header(pdf, widths, header, align, size, height)
            top = pdf.get_y()
        y = pdf.get_y()
        baseline = y + height / 2 + pdf.font_size * 0.35
        pdf.text(edges[1] - 1 - digit * len(row[0]), baseline, row[0])
        for left, width, text in zip(edges[1:], widths[1:], row[1:], strict=False):
            if text:
                pdf.text(left + (width - digit * len(text)) / 2, baseline, text)
        pdf.line(edges[0], y + height, edges[-1], y + height)
        pdf.set_y(y + height)
    _column_rules(pdf, edges, top)


def _column_rules(pdf: Any, edges: Sequence[float], top: float) -> None:
    for x in edges:
        pdf.line(x, top, x, pdf.get_y())


def _summary(pdf: Any, report: Report) -> None:
    language = report.language
    heading(pdf, _("Value per element"))
    rows = [
        (code, name, str(total), _decimal(nrr, 3, language), _decimal(weighted, 3, language))
        for code, name, total, _answered, nrr, weighted in report.element_rows()
    ]
    value = report.figures["value"]
    rows.append(("", _("Value (1–4)"), "", "", _decimal(value, 4, language)))
    header = (_("Code"), _("Element"), _("Sum"), "NRR", _("Weighted NRR"))
    table(pdf, (16, 80, 24, 22, 32), header, rows)


def _weakest(pdf: Any, report: Report) -> None:
    rows = [(c, n, _decimal(v, 3, report.language)) for c, n, v in report.weakest_rows()]
    if rows:
        heading(pdf, _("Weakest elements"))
        table(pdf, (16, 132, 26), (_("Code"), _("Element"), "NRR"), rows, align="LLR")


def _sample(pdf: Any, report: Report) -> None:
    rows = [(label, str(number)) for label, number in report.sample_rows()]
    if rows:
        heading(pdf, _("Sample"))
        table(pdf, (120, 54), (), rows, align="LR")


def _profile(pdf: Any, report: Report) -> None:
    heading(pdf, _("Respondent profile"))
    rows, previous = [], ""
    for question, answer, count, share in report.profile_rows():
        shown = question if question != previous else ""  # each question named once
        rows.append((shown, answer, str(count), _decimal(share, 1, report.language)))
        previous = question
    header = (_("Question"), _("Answer"), _("Respondents"), "%")
    table(pdf, (44, 78, 30, 22), header, rows, align="LLRR")


def _grid(pdf: Any, report: Report) -> None:
    codes = report.survey.codes
    pdf.add_page()
    heading(pdf, _("Answers per respondent"))
    widths = (22, *[152 / len(codes)] * len(codes))
    rows = (
        (str(number), *("" if a is None else str(a) for a in answers))
        for number, answers in enumerate(report.grid(), start=1)
    )
    _grid_table(pdf, widths, (_("No."), *codes), rows)
    align = "R" + "C" * len(codes)
    sums = [str(row[2]) for row in report.element_rows()]
    nrr = [_decimal(row[4], 2, report.language) for row in report.element_rows()]
    table(pdf, widths, (_("Sum"), *sums), [("NRR", *nrr)], size=8, height=5, align=align)


def _suggestions(pdf: Any, report: Report) -> None:
    suggestions = report.figures["suggestions"]
    heading(pdf, _("Suggestions"))
    pdf.set_font("DejaVu", "", 9)
    if not suggestions:
        pdf.cell(0, 6, _("No suggestions were written."), new_x="LMARGIN", new_y="NEXT")
    for number, text in enumerate(suggestions, start=1):
        pdf.multi_cell(0, 5, f"{number}. {text}", new_x="LMARGIN", new_y="NEXT")


__all__ = [
    "Heading",
    "Report",
    "ReportFileError",
    "cell",
    "heading",
    "new_pdf",
    "table",
    "write_pdf",
    "write_xlsx",
    "written",
]
