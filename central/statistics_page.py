"""``/staf/statistik``: the coordinators' statistics over every post, behind the staff
sign-in (``central.staff_web``). The page has no script and no inline style (the strict
CSP): its charts are SVG images from ``posko.charts`` (``/staf/statistik/grafik/NAME.svg``
with the page's filters), each with its figures as text beside it; the same figures
download as zipped CSVs or a workbook (``central.statistics_view``)."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from central.deps import get_store
from central.i18n import pick_language, translator
from central.staff_web import STAFF_HEADERS, signed_in_staff, staff_download
from central.statistics_view import (
    FIELDS,
    Figures,
    FilterError,
    Translate,
    figures,
    overview,
    post_header,
    post_rows,
    query_of,
    read_filters,
    today,
    write_files,
)
from central.store import ClientInfo
from central.store.statistics import AggregateCache
from central.tracking_page.pages import render
from posko import charts
from posko.catalog import Catalog
from posko.i18n import speaking
from posko.statistics import Filters
from posko.survey import services

router = APIRouter(include_in_schema=False)

PAGE = "/staf/statistik"
CHART_SIZE = (7.2, 3.6)  # inches
CHART_DPI = 96
# An SVG shown as an image runs no script; matplotlib styles it with an inline <style>.
SVG_HEADERS = {
    **STAFF_HEADERS,
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'",
}
FILE_TYPES = {
    "csv": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The drawn charts, by (newest rows, filters, language, name, day, campaign): matplotlib
# takes tens of milliseconds a chart, the same figures give the same picture.
_drawn = AggregateCache(size=128)
_drawing = threading.Lock()  # matplotlib's text layout keeps caches of its own

Page = Annotated[ClientInfo, Depends(signed_in_staff)]
Download = Annotated[ClientInfo, Depends(staff_download)]


def _language(request: Request) -> str:
    return pick_language(request.query_params.get("lang"))


def _url(path: str, filters: Filters, language: str) -> str:
    return f"{path}?{urlencode({**query_of(filters), 'lang': language})}"


def _refused(message: str) -> PlainTextResponse:
    return PlainTextResponse(message, 400, headers=STAFF_HEADERS)


def _params(request: Request) -> dict[str, list[str]]:
    return {name: request.query_params.getlist(name) for name in FIELDS}


def _filters(request: Request, _: Translate) -> Filters:
    """The filters the query asks for; ``FilterError`` when one is not one to ask for."""
    return read_filters(_params(request), get_store(request), _)


@router.get(PAGE, response_class=HTMLResponse)
def statistics_page(request: Request, _client: Page) -> HTMLResponse:
    """The figures, the charts, the per-post table, the campaign's progress, downloads."""
    language = _language(request)
    _ = translator(language)
    try:
        filters = _filters(request, _)
    except FilterError as error:
        raw = {
            name: (values[-1] if values else "")[:64] for name, values in _params(request).items()
        }
        return _page(request, language, 400, raw=raw, problem=str(error))
    found = figures(get_store(request), filters, language)
    return _page(request, language, 200, raw=query_of(filters), found=found, filters=filters)


def _page(
    request: Request,
    language: str,
    status: int,
    *,
    raw: dict[str, str],
    problem: str = "",
    found: Figures | None = None,
    filters: Filters | None = None,
) -> HTMLResponse:
    _ = translator(language)
    store = get_store(request)
    other = "en" if language == "id" else "id"
    shown = filters or Filters()
    return render(
        "statistics.html",
        language,
        status,
        STAFF_HEADERS,
        action=PAGE,
        raw=raw,
        problem=problem,
        choices=_choices(store.post_codes(), store.catalog, language),
        overview=overview(found, _) if found else [],
        charts=_charts(found, shown, language) if found else [],
        post_header=post_header(_),
        post_rows=post_rows(found) if found else [],
        progress=found.progress if found else [],
        campaign=found.campaign if found else None,
        downloads=[
            (_url(f"{PAGE}/unduh.{kind}", shown, language), label)
            for kind, label in (("csv", _("CSV (zipped)")), ("xlsx", _("Workbook (XLSX)")))
        ],
        switch_url=_url(PAGE, shown, other),
    )


def _choices(posts: set[str], catalog: Catalog, language: str) -> dict[str, list[tuple[str, str]]]:
    """The form's lists: posts, categories and services (code, name)."""
    return {
        "post": [(code, code) for code in sorted(posts)],
        "category": [(c.code, c.name(language)) for c in catalog.categories],
        "service": [(s.code, s.name(language)) for s in services()],
    }


def _charts(found: Figures, filters: Filters, language: str) -> list[dict[str, object]]:
    """Each chart's image and its figures as text (``posko.charts.describe``)."""
    shown: list[dict[str, object]] = []
    with speaking(language):
        for chart in charts.CHARTS:
            title, *lines = charts.describe(chart.name, found.stats).splitlines()
            url = _url(f"{PAGE}/grafik/{chart.name}.svg", filters, language)
            shown.append(
                {"url": url, "title": title, "lines": lines, "alt": "; ".join([title, *lines])}
            )
    return shown


@router.get(PAGE + "/grafik/{name}.svg")
def statistics_chart(request: Request, name: str, _client: Download) -> Response:
    """One chart of the page, as SVG, for the same filters."""
    language = _language(request)
    _ = translator(language)
    if name not in charts.NAMES:
        return PlainTextResponse(_("No such chart."), 404, headers=STAFF_HEADERS)
    try:
        filters = _filters(request, _)
    except FilterError as error:
        return _refused(str(error))
    store = get_store(request)
    campaign = store.campaign()
    key = (
        store.newest_rows(), filters, language, name, campaign.to_json() if campaign else "",
    )  # fmt: skip

    def draw() -> bytes:
        found = figures(store, filters, language)
        with _drawing, speaking(language):
            return charts.image(name, found.stats, "svg", *CHART_SIZE, dpi=CHART_DPI)

    svg = _drawn.get((*key, today()), draw)
    return Response(svg, media_type="image/svg+xml", headers=SVG_HEADERS)


@router.get(PAGE + "/unduh.{kind}")
def statistics_download(request: Request, kind: str, _client: Download) -> Response:
    """The page's figures as zipped CSVs (``unduh.csv``) or a workbook (``unduh.xlsx``)."""
    language = _language(request)
    _ = translator(language)
    if kind not in FILE_TYPES:
        return PlainTextResponse(_("Downloads are .csv or .xlsx."), 404, headers=STAFF_HEADERS)
    try:
        filters = _filters(request, _)
    except FilterError as error:
        return _refused(str(error))
    store = get_store(request)
    found = figures(store, filters, language)
    name = file_name(filters, kind)
    with tempfile.TemporaryDirectory(prefix="posko-statistik-") as folder:
        target = Path(folder) / name
        write_files(found, kind, target, language, _)
        body = target.read_bytes()
    disposition = f'attachment; filename="{name}"'
    return Response(
        body,
        media_type=FILE_TYPES[kind],
        headers={**STAFF_HEADERS, "content-disposition": disposition},
    )


def file_name(filters: Filters, kind: str) -> str:
    """``posko-statistik[-POST][-FROM][-TO].zip|xlsx``: plain characters only."""
    parts = ["posko-statistik"]
    parts += [filters.post] if filters.post else []
    parts += [day.isoformat() for day in (filters.first, filters.last) if day]
    return "-".join(parts) + (".zip" if kind == "csv" else ".xlsx")


__all__ = ["PAGE", "file_name", "router"]
