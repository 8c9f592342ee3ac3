"""``posko export``: what the desk holds, for the post's coordinator. No Qt.

Four tables (complaints, survey responses, tally events, stock movements), as zipped CSVs
(one per table, UTF-8 with a byte-order mark so Excel opens them), a workbook (one sheet per
table and a summary sheet first) or a short PDF (the summary only). The rows are streamed
from SQLite in batches (``yield_per``), never all held; the summary's figures come from SQL
aggregates, the same ones the desk's outreach and survey reports use, so every format shows
the same figures.

What an export leaves out unless ``with_contacts``: it is made for the public audience of
``posko.disclosure`` (the one place that decides): no reporter name, phone or e-mail, and no
title, description or place of a rahasia report. With ``with_contacts`` it is made for
staff: everything. Every file is written beside its target and renamed over it
(``posko.survey_files``' writer): a failure leaves no partial file.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.store.context import DeskContext
from desktop.store.models import Complaint, StockMovement, SurveyResponse, TallyEvent
from desktop.store.repo import Store
from posko.csv_files import csv_member
from posko.disclosure import Audience, contacts_visible, content_visible
from posko.i18n import _
from posko.outreach import PEOPLE_REACHED
from posko.survey import score_totals, skm_2017
from posko.survey_report import overall
from posko.zones import zone

BATCH = 2000
Row = Sequence[object]


@dataclass(frozen=True)
class Selection:
    """What is exported: the post's calendar days ``first`` to ``last`` (both included;
    None: not narrowed), for whom (``posko.disclosure``)."""

    context: DeskContext
    first: date | None = None
    last: date | None = None
    with_contacts: bool = False

    @cached_property
    def zone(self) -> timezone:
        return zone(self.context.time_zone)

    @property
    def audience(self) -> Audience:
        return Audience.STAFF if self.with_contacts else Audience.PUBLIC

    def start(self) -> datetime | None:
        return self._midnight(self.first) if self.first else None

    def end(self) -> datetime | None:
        return self._midnight(self.last + timedelta(days=1)) if self.last else None

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.zone).astimezone(UTC)

    def narrowed(self, query: Any, model: Any) -> Any:
        """``query`` of ``model`` kept to the post and the days."""
        query = query.where(model.post_id == self.context.post_id)
        if (start := self.start()) is not None:
            query = query.where(model.created_at >= start)
        if (end := self.end()) is not None:
            query = query.where(model.created_at < end)
        return query

    def local(self, moment: datetime | None) -> str:
        """A stored moment as the post's clock shows it."""
        return moment.astimezone(self.zone).isoformat(timespec="seconds") if moment else ""


# -- tables -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    name: str  # the CSV file's and the sheet's name
    header: tuple[str, ...]
    rows: Callable[[Session, Selection], Iterator[Row]]


def _streamed(session: Session, query: Any) -> Iterator[Any]:
    """The rows of ``query`` in batches of ``BATCH`` (Core: no ORM work per row)."""
    yield from session.connection().execute(query.execution_options(yield_per=BATCH))


_CONTACTS = ("reporter_name", "phone", "email")


def _complaint_header(selection: Selection) -> tuple[str, ...]:
    header = (
        "tracking_id", "created_at", "type", "category", "title", "description", "location",
        "occurred_at", "anonymous", "confidential", "central_status", "central_agency",
        "sync_state",
    )  # fmt: skip
    return header + _CONTACTS if contacts_visible(selection.audience) else header


@dataclass(frozen=True)
class _Flags:
    confidential: bool


def _complaints(session: Session, selection: Selection) -> Iterator[Row]:
    """Positional, not by name: this loop runs once per report (100,000 of them)."""
    names = _complaint_header(selection)
    query = select(*(getattr(Complaint, name) for name in names))
    query = selection.narrowed(query, Complaint).order_by(Complaint.id)
    shown = {flag: content_visible(_Flags(flag), selection.audience) for flag in (False, True)}
    content = [names.index(name) for name in ("title", "description", "location")]
    moments = [names.index("created_at"), names.index("occurred_at")]
    flags = [names.index("anonymous"), names.index("confidential")]
    local = selection.local
    for row in _streamed(session, query):
        values = list(row)
        if not shown[bool(values[flags[1]])]:
            for index in content:
                values[index] = ""
        for index in moments:
            values[index] = local(values[index])
        for index in flags:
            values[index] = int(values[index])
        yield values


_SURVEY = ("uuid", "created_at", "service_code", *skm_2017().codes, "age_band", "sex")
_SURVEY_MORE = ("education", "occupation", "self_filled", "suggestion")


def _survey(session: Session, selection: Selection) -> Iterator[Row]:
    model = SurveyResponse
    query = select(
        model.uuid, model.created_at, model.service_code, model.answers, model.age_band,
        model.sex, model.education, model.occupation, model.self_filled, model.suggestion,
    )  # fmt: skip
    query = selection.narrowed(query, model).order_by(model.created_at, model.id)
    for row in _streamed(session, query):
        answers = dict(row.answers)
        yield (
            row.uuid, selection.local(row.created_at), row.service_code,
            *(answers.get(code, "") for code in skm_2017().codes),
            row.age_band, row.sex, row.education, row.occupation, int(row.self_filled),
            row.suggestion,
        )  # fmt: skip


def _tallies(session: Session, selection: Selection) -> Iterator[Row]:
    model = TallyEvent
    query = select(model.uuid, model.created_at, model.counter, model.item, model.count)
    query = selection.narrowed(query.add_columns(model.undoes), model).order_by(model.id)
    for row in _streamed(session, query):
        yield (row.uuid, selection.local(row.created_at), row.counter, row.item, row.count,
               row.undoes or "")  # fmt: skip


def _stock(session: Session, selection: Selection) -> Iterator[Row]:
    model = StockMovement
    query = select(model.uuid, model.created_at, model.item, model.movement, model.quantity)
    query = selection.narrowed(query.add_columns(model.note), model).order_by(model.id)
    for row in _streamed(session, query):
        yield (row.uuid, selection.local(row.created_at), row.item, row.movement,
               row.quantity, row.note)  # fmt: skip


def tables(selection: Selection) -> list[Table]:
    return [
        Table("complaints", _complaint_header(selection), _complaints),
        Table("survey_responses", (*_SURVEY, *_SURVEY_MORE), _survey),
        Table(
            "tally_events", ("uuid", "created_at", "counter", "item", "count", "undoes"), _tallies
        ),
        Table(
            "stock_movements",
            ("uuid", "created_at", "item", "movement", "quantity", "note"),
            _stock,
        ),
    ]


# -- summary ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    title: str
    header: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


def _counted(
    session: Session, selection: Selection, column: Any, missing: str = ""
) -> list[tuple[str, str]]:
    """The complaints per value of ``column`` (``missing``: the name of no value)."""
    key = func.coalesce(column, "").label("key")
    query = select(key, func.count()).group_by(key).order_by(key)
    found = session.execute(selection.narrowed(query, Complaint)).all()
    return [(str(key) or missing, str(n)) for key, n in found]


def _people_per_day(session: Session, selection: Selection) -> list[tuple[str, str]]:
    query = select(TallyEvent.created_at, TallyEvent.count).where(
        TallyEvent.counter == PEOPLE_REACHED
    )
    days: dict[date, int] = {}
    for moment, count in _streamed(session, selection.narrowed(query, TallyEvent)):
        day = moment.astimezone(selection.zone).date()
        days[day] = days.get(day, 0) + count
    return [(day.isoformat(), str(n)) for day, n in sorted(days.items())]


def _survey_rows(store: Store, selection: Selection) -> list[tuple[str, str]]:
    """The SKM figures as ``posko survey report`` scores them (one aggregate per service)."""
    totals = store.survey_totals(
        date_from=selection.start(), date_to=selection.end(), codes=skm_2017().codes
    )
    scores = [score_totals(n, sums, counts, skm_2017()) for n, sums, counts in totals.values()]
    result = overall(scores, skm_2017())
    ikm = f"{result.ikm:.2f}" if result.respondents and result.ikm is not None else "-"
    grade = result.as_json().get("grade") or "-"
    return [
        (_("Respondents"), str(result.respondents)),
        ("IKM", ikm),
        (_("Grade"), str(grade)),
    ]


def _merchandise(store: Store, selection: Selection) -> list[tuple[str, str, str]]:
    handed = store.outreach_totals(date_from=selection.start(), date_to=selection.end())
    stock = store.stock_levels()
    items = sorted(set(handed.handed_out) | set(stock))
    return [(i, str(handed.handed_out.get(i, 0)), str(stock.get(i, 0))) for i in items]


def summary(store: Store, selection: Selection) -> list[Section]:
    """The figures every format shows, each one SQL aggregate (people per day: the
    people-reached taps streamed past and added up per day of the post's clock)."""
    with store.session() as s:
        people = _people_per_day(s, selection)
        categories = _counted(s, selection, Complaint.category)
        statuses = _counted(
            s, selection, Complaint.central_status, _("not at the central system yet")
        )
    return [
        Section(_("People reached per day"), (_("Day"), _("People")), people),
        Section(_("Complaints per category"), (_("Category"), _("Complaints")), categories),
        Section(_("Complaints per status"), (_("Status"), _("Complaints")), statuses),
        Section(
            _("Satisfaction survey (SKM)"),
            (_("Figure"), _("Value")),
            _survey_rows(store, selection),
        ),
        Section(
            _("Merchandise"),
            (_("Item"), _("Handed out"), _("In stock")),
            _merchandise(store, selection),
        ),
    ]


# -- files ------------------------------------------------------------------------------------


def write_export(store: Store, selection: Selection, kind: str, target: Path) -> None:
    """Write the export of ``kind`` (``csv``, ``xlsx`` or ``pdf``) to ``target``;
    ``ReportFileError`` (in the user's language) when it cannot, leaving nothing behind."""
    from posko.survey_files import _written

    sections = summary(store, selection)
    writer = {"csv": _zip_csv, "xlsx": _workbook, "pdf": _pdf}[kind]
    _written(target, lambda path: writer(store, selection, sections, path))


def _summary_rows(sections: Sequence[Section]) -> Iterator[Row]:
    """The summary as one flat table: section, then the row's cells."""
    for section in sections:
        for row in section.rows:
            yield (section.title, *row)


def _zip_csv(store: Store, selection: Selection, sections: list[Section], path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, store.session() as s:
        for table in tables(selection):
            csv_member(archive, table.name, table.header, table.rows(s, selection))
        header = (_("Section"), _("Figure"), _("Value"), _("Value"))
        csv_member(archive, "summary", header, _summary_rows(sections))


def _workbook(store: Store, selection: Selection, sections: list[Section], path: Path) -> None:
    from openpyxl import Workbook

    from posko.survey_files import _cell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Summary")[:31])
    for section in sections:
        sheet.append([_cell(sheet, section.title, bold=True)])
        sheet.append([_cell(sheet, title, bold=True) for title in section.header])
        for row in section.rows:
            sheet.append([_figure(sheet, value) for value in row])
        sheet.append([])
    with store.session() as s:
        for table in tables(selection):
            sheet = book.create_sheet(table.name)
            sheet.append([_cell(sheet, title, bold=True) for title in table.header])
            for line in table.rows(s, selection):
                sheet.append([_cell(sheet, value) for value in line])
    book.save(path)


def _figure(sheet: Any, text: str) -> Any:
    """A summary figure as a number the spreadsheet can add up (the IKM with its two
    decimals); a label as it is."""
    from posko.survey_files import _cell

    for kind, shown in ((int, ""), (float, "0.00")):
        try:
            return _cell(sheet, kind(text), number=shown)
        except ValueError:
            continue
    return _cell(sheet, text)


def _pdf(store: Store, selection: Selection, sections: list[Section], path: Path) -> None:
    from posko.survey_files import _heading, _table, new_pdf

    context = selection.context
    title = _("Post {code} ({name}): summary").format(
        code=context.post_code, name=context.post_name
    )
    pdf = new_pdf(title)
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    period = (
        _("Period: {first} to {last}").format(
            first=selection.first.isoformat() if selection.first else "…",
            last=selection.last.isoformat() if selection.last else "…",
        )
        if selection.first or selection.last
        else _("Period: all dates")
    )
    pdf.cell(0, 6, period, new_x="LMARGIN", new_y="NEXT")
    for section in sections:
        _heading(pdf, section.title)
        widths = (70, 40, 40)[: len(section.header)]
        _table(pdf, widths, section.header, section.rows, align="LRR")
    pdf.output(str(path))


__all__ = ["Section", "Selection", "Table", "summary", "tables", "write_export"]
