"""Query parameters, checked here rather than by FastAPI so that a bad one is a 400 in
the Open311 error format: paging, date windows, comma lists, statuses and tracking IDs, and
the per-address limit every public look-up shares. Sent empty = left out."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from fastapi import Request

from central.open311.models import CLOSED, MAX_IDS, OPEN, WIB, WINDOW
from central.open311.render import Open311Error
from central.ratelimit import client_address, public_limiter
from posko import tracking

# -- the limits of public look-ups -----------------------------------------------------------

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 200  # a deeper page: narrow the dates instead


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def _page(page: str, page_size: str, problems: list[str]) -> Page:
    """``page`` (from 1) and ``page_size`` (at most 100); sent empty = the defaults."""
    values = []
    for name, raw, default, high in (
        ("page", page, 1, MAX_PAGE),
        ("page_size", page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    ):
        text = _given(raw)
        if text is None:
            values.append(default)
        elif not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= high:
            problems.append(f"{name}: a whole number from 1 to {high}")
            values.append(default)
        else:
            values.append(int(text))
    return Page(values[0], values[1])


def _next_link(request: Request, page: Page) -> Callable[[object], Mapping[str, str]]:
    """A ``Link: rel="next"`` header when the page was full. Relative: the address comes
    from nothing the client sent but the path and query it asked for."""

    def headers(content: object) -> Mapping[str, str]:
        if not isinstance(content, list) or len(content) < page.size:
            return {}
        query = dict(request.query_params) | {"page": str(page.number + 1)}
        target = f"{request.url.path}?{urlencode(query)}"
        return {"link": f'<{target}>; rel="next"'}

    return headers


def take_tokens(request: Request, cost: int = 1) -> None:
    """Every public look-up shares the tracking page's per-address limit; a look-up costs
    a token per report it names. ``Open311Error`` 429 when the address has used them up."""
    limiter = public_limiter(request)
    if not limiter.allow(client_address(request), cost=cost):
        seconds = limiter.retry_after(cost)
        raise Open311Error(
            429,
            f"too many look-ups from this address; try again in {seconds} seconds",
            headers={"retry-after": str(seconds)},
        )


def max_ids(request: Request) -> int:
    """How many IDs one ``requests`` call may name: never more than one address may look
    up at once."""
    return max(1, min(MAX_IDS, int(public_limiter(request).burst)))


# -- parameters ------------------------------------------------------------------------------


def _given(value: str | None) -> str | None:
    """An optional parameter sent empty behaves as if left out."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def _language(locale: str | None) -> str:
    value = (_given(locale) or "").lower()
    return "en" if value[:2] == "en" else "id"


_TZ_SPACE = re.compile(r"^(.*[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")
_LEAP_SECOND = re.compile(r"(T\d{2}:\d{2}):60")
_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)


def _shift(moment: datetime, by: timedelta) -> datetime:
    try:
        return moment + by
    except OverflowError:
        return _EARLIEST if by < timedelta(0) else _LATEST


def parse_datetime(name: str, raw: str | None) -> datetime | None:
    """An ISO 8601 (RFC 3339) parameter as aware UTC; without a zone it is read as WIB. A
    ``+`` that a client forgot to escape arrives as a space and is put back."""
    if not raw:  # sent empty: left out
        return None
    value = _TZ_SPACE.sub(r"\1+\2", raw.upper())
    value = _LEAP_SECOND.sub(r"\1:59", value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Open311Error(
            400, f"{name}: not an ISO 8601 date and time (e.g. 2026-03-20T00:00:00+07:00)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WIB)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # the first or last hours of the calendar
        return _EARLIEST if moment.year == 1 else _LATEST


def date_window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime | None]:
    """The requested span of at most 90 days; the last 90 days when none is given."""
    if start is not None and end is not None:
        if end < start:
            raise Open311Error(400, "end_date: before start_date")
        if end - start > WINDOW:
            raise Open311Error(400, "start_date, end_date: may not span more than 90 days")
        return start, end
    if start is not None:
        return start, _shift(start, WINDOW)
    if end is not None:
        return _shift(end, -WINDOW), end
    return now - WINDOW, None


def _window(
    start_date: str | None, end_date: str | None, problems: list[str]
) -> tuple[datetime, datetime | None] | None:
    """The window of ``start_date``/``end_date``; None with ``problems`` added when bad."""
    dates: list[datetime | None] = []
    for name, raw in (("start_date", start_date), ("end_date", end_date)):
        try:
            dates.append(parse_datetime(name, raw))
        except Open311Error as error:
            problems.extend(error.descriptions)
    if len(dates) < 2:
        return None
    try:
        return date_window(dates[0], dates[1], datetime.now(UTC))
    except Open311Error as error:
        problems.extend(error.descriptions)
        return None


def _comma_list(raw: str | None) -> list[str]:
    value = _given(raw)
    if value is None:
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


# Every space belongs to exactly one " *", so matching is linear: the earlier
# "^ *(open|closed)?( *, *(open|closed)?)* *$" let runs of spaces split between two of
# them, and 47 characters took seconds (a hostile test froze the server with one request).
STATUS_PATTERN = "^ *((open|closed) *)?(, *((open|closed) *)?)*$"
MAX_PARAMETER = 2000  # characters of any one query parameter: the ID list is the longest


def _statuses(raw: str | None) -> tuple[str, ...] | None:
    """Internal statuses matching an Open311 ``status`` filter; None for all."""
    if not raw:
        return None
    if len(raw) > 100 or not re.fullmatch(STATUS_PATTERN, raw):
        raise Open311Error(400, "status: use open, closed or both (comma separated)")
    wanted = {part.strip(" ") for part in raw.split(",")} - {""}
    if wanted == {"open"}:
        return OPEN
    if wanted == {"closed"}:
        return CLOSED
    return None


def _tracking_id(raw: str) -> str | None:
    try:
        return tracking.parse(raw)
    except tracking.TrackingIdError:
        return None
