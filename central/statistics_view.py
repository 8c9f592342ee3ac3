"""The coordinators' statistics as the page, its downloads and ``posko-central export``
show them: the filters read (and refused, in the user's language), the figures
(``posko.statistics.compute`` over ``central.store.statistics``) and the same figures laid
out as tables, so the page, the CSV and the workbook always agree.

Only aggregates leave here: no reporter's name, phone or e-mail and no report or
suggestion text ever reaches a table (``posko.disclosure``'s public audience sees all of
it), so the files need no ``--with-contacts``.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from central.store import CentralSource, CentralStore, PostFigures
from central.store.statistics import AggregateCache
from posko.campaign import Campaign
from posko.csv_files import csv_member
from posko.i18n import speaking
from posko.statistics import Deadline, Filters, Statistics, compute
from posko.survey import services
from posko.workdays import WIB

Translate = Callable[[str], str]
Cell = str | int | float | None
FIELDS = ("from", "to", "post", "category", "service")
MOST_CHARACTERS = 64
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class FilterError(ValueError):
    """A filter that cannot be: the message says why, in the user's language."""


def today() -> date:
    """Today on the central system's calendar (WIB)."""
    return datetime.now(WIB).date()


# -- the filters ---------------------------------------------------------------------------


def _one(params: Mapping[str, Sequence[str]], name: str, _: Translate) -> str:
    values = list(params.get(name, ()))
    if len(values) > 1:
        raise FilterError(_("{field}: give it once.").format(field=name))
    value = values[0].strip() if values else ""
    if len(value) > MOST_CHARACTERS:
        raise FilterError(
            _("{field}: at most {n} characters.").format(field=name, n=MOST_CHARACTERS)
        )
    return value


def _day(text: str, name: str, _: Translate) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text) if _DAY.fullmatch(text) else None
    except ValueError:
        day = None
    if day is None:
        raise FilterError(_("{field}: not a date written YYYY-MM-DD.").format(field=name))
    if not FIRST_DAY <= day <= LAST_DAY:
        raise FilterError(
            _("{field}: a day from {first} to {last}.").format(
                field=name, first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat()
            )
        )
    return day


def read_filters(params: Mapping[str, Sequence[str]], store: CentralStore, _: Translate) -> Filters:
    """``Filters`` from the query's (or the command line's) values, each given at most
    once: days ``from`` and ``to`` (YYYY-MM-DD, WIB), a post a desk was enrolled for, a
    category of the catalog, a service of the survey. ``FilterError`` otherwise."""
    raw = {name: _one(params, name, _) for name in FIELDS}
    first, last = _day(raw["from"], "from", _), _day(raw["to"], "to", _)
    if first and last and last < first:
        raise FilterError(_("The first day ({first}) is after the last ({last}).").format(
            first=first.isoformat(), last=last.isoformat()
        ))  # fmt: skip
    post, category, service = raw["post"].upper(), raw["category"].upper(), raw["service"]
    if post and post not in store.post_codes():
        raise FilterError(_("No desk has been enrolled for post {code}.").format(code=post))
    if category and store.catalog.get(category) is None:
        raise FilterError(_("{code} is not a category.").format(code=category))
    if service and service not in {s.code for s in services()}:
        raise FilterError(_("{code} is not a service of the survey.").format(code=service))
    return Filters(first, last, post, category, service)


def query_of(filters: Filters) -> dict[str, str]:
    """The query string's values of ``filters`` (only those given)."""
    values = {
        "from": filters.first.isoformat() if filters.first else "",
        "to": filters.last.isoformat() if filters.last else "",
        "post": filters.post,
        "category": filters.category,
        "service": filters.service,
    }
    return {name: value for name, value in values.items() if value}


# -- the figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """People reached against the campaign's target, over the campaign's days."""

    post: str  # "" for the whole campaign
    people: int
    target: int

    @property
    def percent(self) -> float:
        return round(100 * self.people / self.target, 1) if self.target else 0.0


@dataclass(frozen=True)
class Figures:
    stats: Statistics
    posts: list[PostFigures]
    campaign: Campaign | None
    progress: list[Progress]  # the whole campaign first, then each of its posts


# The figures as last worked out, by (newest rows, filters, language, day, campaign): the
# page, its six charts and its downloads ask for the same ones in a row.
_worked_out = AggregateCache(size=64)


def figures(store: CentralStore, filters: Filters, language: str) -> Figures:
    """Every figure of ``filters``, labels in ``language``."""
    source = store.statistics_source()
    campaign = store.campaign()
    day = today()
    key = (source.version, filters, language, day, campaign.to_json() if campaign else "")
    return _worked_out.get(key, lambda: _figures(store, source, filters, language, campaign))


def _figures(
    store: CentralStore,
    source: CentralSource,
    filters: Filters,
    language: str,
    campaign: Campaign | None,
) -> Figures:
    day = today()
    with speaking(language):
        stats = compute(source, filters, today=day, campaign=campaign, catalog=store.catalog)
    posts = source.per_post(filters, today=day, catalog=store.catalog, campaign=campaign)
    return Figures(stats, posts, campaign, _progress(source, campaign))


def _progress(source: Any, campaign: Campaign | None) -> list[Progress]:
    if campaign is None:
        return []
    during = Filters(campaign.start, campaign.end)
    reached: dict[str, int] = {}
    for (post, _day), n in source.people_per_post_day(during).items():
        reached[post] = reached.get(post, 0) + n
    targets = campaign.targets()
    rows = [
        Progress(post, reached.get(post, 0), sum(n for (p, _d), n in targets.items() if p == post))
        for post in campaign.posts
    ]
    total = Progress("", sum(row.people for row in rows), campaign.people)
    return [total, *rows]


# -- as tables -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    name: str  # the CSV member's name
    title: str
    header: tuple[str, ...]
    rows: list[tuple[Cell, ...]]


def ikm_cell(value: Any) -> float | None:
    return round(float(value), 2) if value is not None else None


def overview(found: Figures, _: Translate) -> list[tuple[str, Cell]]:
    """The headline figures, as the page's summary shows them."""
    stats = found.stats
    score = stats.survey
    return [
        (_("People reached"), stats.people_reached),
        (_("People target"), stats.people_target),
        (_("Complaints"), stats.complaints),
        (_("Overdue"), stats.deadline(Deadline.OVERDUE)),
        (_("Respondents"), score.respondents),
        ("IKM", ikm_cell(score.ikm)),
        (_("Grade"), score.grade.letter if score.grade else None),
        (_("Handed out"), sum(m.handed_out for m in stats.merchandise)),
    ]


def post_header(_: Translate) -> tuple[str, ...]:
    return (
        _("Post"), _("People reached"), _("People target"), _("Complaints"), _("Overdue"),
        _("Respondents"), "IKM", _("Handed out"),
    )  # fmt: skip


def post_rows(found: Figures) -> list[tuple[Cell, ...]]:
    return [
        (p.post, p.people, p.people_target, p.complaints, p.overdue, p.respondents,
         ikm_cell(p.ikm), p.handed_out)
        for p in found.posts
    ]  # fmt: skip


def sections(found: Figures, _: Translate) -> list[Section]:
    """Every table of the downloads: the summary's, the per-post one, the campaign's."""
    stats = found.stats
    count_header = (_("Code"), _("Name"), _("Complaints"))
    tables = [
        Section("summary", _("Summary"), (_("Figure"), _("Value")), list(overview(found, _))),
        Section(
            "people_per_day",
            _("People reached per day"),
            (_("Day"), _("People reached"), _("People target")),
            [(d.day.isoformat(), d.people, d.target) for d in stats.people],
        ),
        Section("posts", _("Per post"), post_header(_), post_rows(found)),
    ]
    for name, title, counts in (
        ("categories", _("Complaints per category"), stats.categories),
        ("agencies", _("Complaints per agency"), stats.agencies),
        ("statuses", _("Complaints per status"), stats.statuses),
        ("deadlines", _("Answer deadlines"), stats.deadlines),
    ):
        tables.append(
            Section(name, title, count_header, [(c.key, c.label, c.count) for c in counts])
        )
    survey = stats.survey_definition
    tables.append(
        Section(
            "survey",
            _("Satisfaction (IKM) per element"),
            (_("Code"), _("Element"), _("Value (25–100)")),
            [
                (code, _element(survey, code, found), round(float(nrr) * 25, 2))
                for code, nrr in stats.survey.nrr.items()
            ],
        )
    )
    tables.append(
        Section(
            "merchandise",
            _("Merchandise"),
            (_("Item"), _("Name"), _("Handed out"), _("Received"), _("In stock")),
            [(m.item, m.label, m.handed_out, m.received, m.in_stock) for m in stats.merchandise],
        )
    )
    if found.progress:
        tables.append(
            Section(
                "campaign",
                _("Campaign progress"),
                (_("Post"), _("People reached"), _("People target"), "%"),
                [(p.post or _("All posts"), p.people, p.target, p.percent) for p in found.progress],
            )
        )
    return tables


def _element(survey: Any, code: str, found: Figures) -> str:
    element = survey.element(code)
    return str(element.name()) if element else code


# -- as files ------------------------------------------------------------------------------


def write_files(found: Figures, kind: str, target: Path, language: str, _: Translate) -> None:
    """The download of ``kind`` (``csv``: zipped, one CSV per table; ``xlsx``: a summary
    sheet, then one sheet per table) written beside ``target`` and renamed over it;
    ``posko.survey_files.ReportFileError`` when it cannot be."""
    from posko.survey_files import written

    with speaking(language):
        tables = sections(found, _)
    writer = _zip_csv if kind == "csv" else _workbook
    written(target, lambda path: writer(tables, path))


def _zip_csv(tables: list[Section], path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            csv_member(archive, table.name, table.header, table.rows)


def _workbook(tables: list[Section], path: Path) -> None:
    from openpyxl import Workbook

    from posko.survey_files import cell

    book = Workbook(write_only=True)
    first, rest = tables[0], tables[1:]
    sheet = book.create_sheet(first.title[:31])
    for table in [first, *rest]:
        sheet.append([cell(sheet, table.title, bold=True)])
        sheet.append([cell(sheet, title, bold=True) for title in table.header])
        for row in table.rows:
            sheet.append([cell(sheet, value) for value in row])
        sheet.append([])
    for table in rest:
        own = book.create_sheet(table.name[:31])
        own.append([cell(own, title, bold=True) for title in table.header])
        for row in table.rows:
            own.append([cell(own, value) for value in row])
    book.save(path)


__all__ = [
    "FIELDS",
    "Figures",
    "FilterError",
    "Progress",
    "Section",
    "Translate",
    "figures",
    "overview",
    "post_header",
    "post_rows",
    "query_of",
    "read_filters",
    "sections",
    "today",
    "write_files",
]
