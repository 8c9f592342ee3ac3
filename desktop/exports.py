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

The desk runs an export in the background (``desktop.ui.export_dialog``): a ``Progress``
hears how many rows are written of how many, and its ``stop`` set ends the export between
two batches with ``ExportCancelled``, leaving no file either.
"""

from __future__ import annotations

import threading
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cached_property, partial
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, func, select
from sqlalchemy.orm import Session

from desktop.store.context import DeskContext
from desktop.store.models import Complaint, StockMovement, SurveyResponse, TallyEvent
from desktop.store.repo import Store
from posko.csv_files import csv_member
from posko.disclosure import Audience, contacts_visible, content_visible
from posko.i18n import N_, _
from posko.statistics import Count, Statistics
from posko.survey import skm_2017
from posko.workdays import WIB

if TYPE_CHECKING:
    from desktop.store.operators import OperatorAccount
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

    def local_sql(self, column: Any) -> Any:
        """A stored moment as the post's clock shows it (ISO 8601 with its offset), done
        by SQLite: one C call, not four Python ones per row of 100,000s; NULL for none."""
        offset = self.zone.utcoffset(None) or timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        suffix = f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        moved = func.strftime("%Y-%m-%dT%H:%M:%S", column, f"{minutes:+d} minutes")
        return moved.op("||")(suffix)


# -- tables -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    name: str  # the CSV file's and the sheet's name
    header: tuple[str, ...]
    rows: Callable[[Session, Selection], Iterator[Row]]
    model: Any  # whose rows: counted beforehand for the progress


class ExportCancelled(Exception):
    """The export was stopped (``Progress.stop``) between two batches; no file was left."""


@dataclass
class Progress:
    """A running export's progress: ``shown(written, expected)`` (rows, called on the
    exporting thread) before the first row and after every batch; ``stop`` set, the next
    batch raises ``ExportCancelled``."""

    shown: Callable[[int, int], None] = lambda _written, _expected: None
    stop: threading.Event = field(default_factory=threading.Event)
    expected: int = 0
    written: int = 0

    def check(self) -> None:
        if self.stop.is_set():
            raise ExportCancelled

    def counted(self, rows: Iterator[Row]) -> Iterator[Row]:
        """``rows`` as they come, counted and checked once per batch."""
        while batch := list(islice(rows, BATCH)):
            self.check()
            yield from batch
            self.written += len(batch)
            self.shown(self.written, self.expected)

    def start(self, store: Store, selection: Selection, *, rows: bool = True) -> None:
        """Count the rows to come (one ``COUNT`` per table; none when not ``rows``) and
        show that none is written yet."""
        with store.session() as s:
            self.expected = sum(
                s.scalar(selection.narrowed(select(func.count()).select_from(t.model), t.model))
                or 0
                for t in (tables(selection) if rows else ())
            )
        self.shown(self.written, self.expected)
        self.check()


def _rows(
    session: Session, selection: Selection, table: Table, progress: Progress | None
) -> Iterator[Row]:
    rows = table.rows(session, selection)
    return progress.counted(rows) if progress is not None else rows


def _streamed(session: Session, query: Any) -> Iterator[Any]:
    """The rows of ``query`` in batches of ``BATCH`` (Core: no ORM work per row)."""
    yield from session.connection().execute(query.execution_options(yield_per=BATCH))


_CONTACTS = ("reporter_name", "phone", "email")


def _complaint_header(selection: Selection) -> tuple[str, ...]:
    header = (
        "tracking_id",
        "created_at",
        "type",
        "category",
        "title",
        "description",
        "location",
        "occurred_at",
        "anonymous",
        "confidential",
        "central_status",
        "central_agency",
        "sync_state",
    )
    return header + _CONTACTS if contacts_visible(selection.audience) else header


@dataclass(frozen=True)
class _Flags:
    confidential: bool


def _complaints(session: Session, selection: Selection) -> Iterator[Row]:
    """Positional, not by name: this loop runs once per report (100,000 of them)."""
    names = _complaint_header(selection)
    moment_names = ("created_at", "occurred_at")
    query = select(
        *(
            selection.local_sql(getattr(Complaint, name))
            if name in moment_names
            else getattr(Complaint, name)
            for name in names
        )
    )
    query = selection.narrowed(query, Complaint).order_by(Complaint.id)
    shown = {flag: content_visible(_Flags(flag), selection.audience) for flag in (False, True)}
    content = [names.index(name) for name in ("title", "description", "location")]
    flags = [names.index("anonymous"), names.index("confidential")]
    for row in _streamed(session, query):
        values = list(row)
        if not shown[bool(values[flags[1]])]:
            for index in content:
                values[index] = ""
        for index in flags:
            values[index] = int(values[index])
        yield values


_SURVEY = ("uuid", "created_at", "service_code", *skm_2017().codes, "age_band", "sex")
_SURVEY_MORE = ("education", "occupation", "self_filled", "suggestion")


def _survey(session: Session, selection: Selection) -> Iterator[Row]:
    """The answers spread over a column per element by SQLite's JSON functions."""
    model = SurveyResponse
    query = select(
        model.uuid,
        selection.local_sql(model.created_at),
        model.service_code,
        *(func.json_extract(model.answers, f"$.{code}") for code in skm_2017().codes),
        model.age_band,
        model.sex,
        model.education,
        model.occupation,
        func.cast(model.self_filled, Integer),
        model.suggestion,
    )
    query = selection.narrowed(query, model).order_by(model.created_at, model.id)
    return _streamed(session, query)


def _columns(model: Any, header: tuple[str, ...]) -> Table:
    """A table exported as its columns named in ``header``, in the order written: moments
    on the post's clock, an empty column as ""."""

    def rows(session: Session, selection: Selection) -> Iterator[Row]:
        columns = model.__table__.c
        query = select(
            *(
                selection.local_sql(getattr(model, name))
                if name == "created_at"
                else func.coalesce(getattr(model, name), "")
                if columns[name].nullable
                else getattr(model, name)
                for name in header
            )
        )
        return _streamed(session, selection.narrowed(query, model).order_by(model.id))

    return Table(model.__tablename__, header, rows, model)


def tables(selection: Selection) -> list[Table]:
    return [
        Table("complaints", _complaint_header(selection), _complaints, Complaint),
        Table("survey_responses", (*_SURVEY, *_SURVEY_MORE), _survey, SurveyResponse),
        _columns(TallyEvent, ("uuid", "created_at", "counter", "item", "count", "undoes")),
        _columns(StockMovement, ("uuid", "created_at", "item", "movement", "quantity", "note")),
    ]


# -- summary ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    title: str
    header: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    chart: str = ""  # the posko.charts chart of these figures, if one draws them


def figures(store: Store, selection: Selection) -> Statistics:
    """The figures of the selection, as the Statistik section computes them."""
    from desktop.store.statistics import DeskSource
    from posko.statistics import Filters, compute

    context = selection.context
    return compute(
        DeskSource(store, context),
        Filters(first=selection.first, last=selection.last, post=context.post_code),
        today=datetime.now(WIB).date(),  # deadlines are counted in WIB days
        campaign=store.campaign(),
        catalog=store.catalog,
    )


def _counts(counts: Sequence[Count]) -> list[tuple[str, ...]]:
    return [(c.label, str(c.count)) for c in counts]


def _survey_rows(stats: Statistics) -> list[tuple[str, ...]]:
    """The SKM figures as ``posko survey report`` scores them, then each element's."""
    score = stats.survey
    ikm = f"{score.ikm:.2f}" if score.ikm is not None else "-"
    rows: list[tuple[str, ...]] = [
        (_("Respondents"), str(score.respondents)),
        ("IKM", ikm),
        (_("Grade"), score.grade.letter if score.grade else "-"),
    ]
    for code in stats.survey_definition.codes:
        if code in score.nrr:
            element = stats.survey_definition.element(code)
            name = element.name() if element else code
            rows.append((f"{code} {name}", f"{float(score.nrr[code]) * 25:.2f}"))
    return rows


def summary(store: Store, selection: Selection) -> tuple[Statistics, list[Section]]:
    """The figures every format shows (``posko.statistics``, the Statistik section's),
    with the chart that draws each section's figures."""
    stats = figures(store, selection)
    people = [
        (d.day.isoformat(), str(d.people), "" if d.target is None else str(d.target))
        for d in stats.people
    ]
    merchandise = [
        (m.label, str(m.handed_out), str(m.received), str(m.in_stock)) for m in stats.merchandise
    ]
    complaints = _("Complaints")
    sections = [
        Section(
            _("People reached per day"), (_("Day"), _("People"), _("Target")), people, "people"
        ),
        Section(
            _("Complaints per category"),
            (_("Category"), complaints),
            _counts(stats.categories),
            "categories",
        ),
        Section(
            _("Complaints per agency"),
            (_("Agency"), complaints),
            _counts(stats.agencies),
            "agencies",
        ),
        Section(_("Complaints per status"), (_("Status"), complaints), _counts(stats.statuses)),
        Section(
            _("Answer deadlines"),
            (_("Deadline"), complaints),
            _counts(stats.deadlines),
            "deadlines",
        ),
        Section(
            _("Satisfaction survey (SKM)"), (_("Figure"), _("Value")), _survey_rows(stats), "ikm"
        ),
        Section(
            _("Merchandise"),
            (_("Item"), _("Handed out"), _("Received"), _("In stock")),
            merchandise,
            "merchandise",
        ),
    ]
    return stats, sections


# -- files ------------------------------------------------------------------------------------


def write_export(
    store: Store,
    selection: Selection,
    kind: str,
    target: Path,
    progress: Progress | None = None,
    *,
    by: OperatorAccount | None = None,
) -> None:
    """Write the export of ``kind`` (``csv``, ``xlsx`` or ``pdf``) to ``target``;
    ``ReportFileError`` (in the user's language) when it cannot, ``ExportCancelled`` when
    ``progress`` was stopped, leaving nothing behind either way. With contacts, only for a
    coordinator: the one on duty, or ``by`` (``NotAllowed`` otherwise)."""
    from desktop.store.audit import Action
    from desktop.store.operators import Role

    if selection.with_contacts:
        store.require(Role.KOORDINATOR, N_("export reporters' contacts"), by=by)
    _write(store, selection, kind, target, progress)
    days = (selection.first, selection.last)
    period = "–".join(d.isoformat() if d else "" for d in days) if any(days) else "all"
    detail = f"{kind}{', with contacts' if selection.with_contacts else ''}, {period}"
    store.audit(Action.EXPORTED, "", detail, by=by)


def _write(
    store: Store, selection: Selection, kind: str, target: Path, progress: Progress | None
) -> None:
    from posko.survey_files import written

    if progress is not None:
        progress.start(store, selection, rows=kind != "pdf")  # a PDF is the summary alone
    stats, sections = summary(store, selection)
    if kind == "pdf":
        written(target, lambda path: _pdf(stats, selection, sections, path))
        return
    writers: dict[str, Callable[..., None]] = {
        "csv": partial(_zip_csv, progress=progress),
        "xlsx": partial(_workbook, progress=progress),
    }
    writer = writers[kind]
    written(
        target,
        lambda path: writer(store, selection, sections, path),
        private=selection.with_contacts,  # names, phones, e-mails: the owner's alone
    )


def _summary_rows(sections: Sequence[Section]) -> Iterator[Row]:
    """The summary as one flat table: section, then the row's cells."""
    for section in sections:
        for row in section.rows:
            yield (section.title, *row)


def _zip_csv(
    store: Store,
    selection: Selection,
    sections: list[Section],
    path: Path,
    progress: Progress | None = None,
) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, store.session() as s:
        for table in tables(selection):
            csv_member(archive, table.name, table.header, _rows(s, selection, table, progress))
        header = (_("Section"), _("Figure"), _("Value"), _("Value"), _("Value"))
        csv_member(archive, "summary", header, _summary_rows(sections))


def _workbook(
    store: Store,
    selection: Selection,
    sections: list[Section],
    path: Path,
    progress: Progress | None = None,
) -> None:
    from openpyxl import Workbook

    from posko.survey_files import cell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Summary")[:31])
    for section in sections:
        sheet.append([cell(sheet, section.title, bold=True)])
        sheet.append([cell(sheet, title, bold=True) for title in section.header])
        for row in section.rows:
            sheet.append([_figure(sheet, value) for value in row])
        sheet.append([])
    try:
        _table_sheets(book, store, selection, progress)
        book.save(path)
    except BaseException:
        _discard(book)
        raise


def _table_sheets(book: Any, store: Store, selection: Selection, progress: Progress | None) -> None:
    from posko.survey_files import cell

    with store.session() as s:
        for table in tables(selection):
            sheet = book.create_sheet(table.name)
            sheet.append([cell(sheet, title, bold=True) for title in table.header])
            for line in _rows(s, selection, table, progress):
                sheet.append([cell(sheet, value) for value in line])


def _discard(book: Any) -> None:
    """Close a workbook left half-written (stopped, or a write failed) and remove the
    temporary file openpyxl streams each sheet into: it holds the rows, and would otherwise
    stay in the system's temporary folder until the desk quits."""
    from openpyxl.worksheet._writer import ALL_TEMP_FILES

    for sheet in book.worksheets:
        with suppress(Exception):  # a sheet whose writing failed cannot close cleanly
            if not sheet.closed:
                sheet.close()
        writer = sheet._writer  # openpyxl's own: no public way to drop a sheet's stream
        if writer is not None and writer.out in ALL_TEMP_FILES:
            writer.cleanup()


def _figure(sheet: Any, text: str) -> Any:
    """A summary figure as a number the spreadsheet can add up (the IKM with its two
    decimals); a label as it is."""
    from posko.survey_files import cell

    for kind, shown in ((int, ""), (float, "0.00")):
        try:
            return cell(sheet, kind(text), number=shown)
        except ValueError:
            continue
    return cell(sheet, text)


def _pdf(stats: Statistics, selection: Selection, sections: list[Section], path: Path) -> None:
    """The summary, each section's chart above its table (drawn by ``posko.charts``, the
    Statistik section's charts)."""
    import io

    from posko import charts
    from posko.survey_files import heading, new_pdf, table

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
        if section.chart and pdf.will_page_break(CHART_MM[1] + 20):
            pdf.add_page()
        heading(pdf, section.title)
        if section.chart:
            width, height = (mm / 25.4 for mm in CHART_MM)
            png = charts.image(section.chart, stats, "png", width, height, dpi=200)
            pdf.image(io.BytesIO(png), w=CHART_MM[0], h=CHART_MM[1])
            pdf.ln(2)
        widths = (100, 30) if len(section.header) == 2 else (70, 30, 30, 30)
        table(pdf, widths, section.header, section.rows, align="LRRR")
    pdf.output(str(path))


# A chart's size on the PDF's A4 page (width, height in mm).
CHART_MM = (170.0, 80.0)


__all__ = [
    "ExportCancelled",
    "Progress",
    "Section",
    "Selection",
    "Table",
    "figures",
    "summary",
    "tables",
    "write_export",
]
