"""The coordinators' statistics on the central system (SQLite and PostgreSQL): every figure
recomputed from the tables with plain SQL for several posts and WIB days; the page, its
chart images and its downloads through the real server (signed in or not); hostile
filters; ``posko-central export`` and ``campaign``."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from central import sync_push
from central.statistics_view import figures, today
from central.store import CentralStore
from posko import wire
from posko.statistics import Deadline, Filters, deadline_state
from posko.survey import score_totals, skm_2017
from posko.workdays import WIB
from tests.central_support import (
    CentralServer,
    complaint_record,
    enroll,
    run_central,
    skm_record,
    stock_record,
    tally_record,
    undo_record,
)

TODAY = today()
D0, D1, D2 = TODAY - timedelta(days=30), TODAY - timedelta(days=29), TODAY


def _at(day: date, hour: int, minute: int = 0) -> str:
    """A moment given in WIB, as the wire's UTC ISO text."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WIB).isoformat()


def _load(store: CentralStore) -> None:
    """Posts MRK and BKH over three WIB days, a day's first and last minute included:
    complaints of three categories (some closed, some assigned), tallies with an undo,
    stock and questionnaires."""
    moments = [(D0, 0, 0), (D0, 23, 59), (D1, 0, 0), (D1, 12, 0), (D2, 0, 0), (D2, 9, 30)]
    categories = ["TOL", "ANGKUTAN", "TOL", "LAINNYA"]
    for post, many in (("MRK", 14), ("BKH", 9)):
        _token, device = enroll(store, post)
        records = []
        for n in range(many):
            day, hour, minute = moments[n % len(moments)]
            records.append(
                complaint_record(
                    device.tracking_prefix,
                    n + 1,
                    post_code=post,
                    category=categories[n % len(categories)],
                    type="pengaduan" if n % 3 else "aspirasi",
                    created_at=_at(day, hour, minute),
                )
            )
        people = [tally_record(post_code=post, count=3 + i, created_at=_at(d, h, m))
                  for i, (d, h, m) in enumerate(moments)]  # fmt: skip
        records += [*people, undo_record(people[1], created_at=_at(D1, 1))]
        handed = tally_record(post_code=post, counter="merchandise", item="kaus", count=4,
                              created_at=_at(D1, 10))  # fmt: skip
        records += [handed, tally_record(post_code=post, counter="merchandise", item="topi",
                                         count=2, created_at=_at(D2, 10))]  # fmt: skip
        records += [
            stock_record(post_code=post, quantity=50, created_at=_at(D0, 7)),
            stock_record(post_code=post, movement="adjusted", quantity=-3,
                         created_at=_at(D1, 7)),
            stock_record(post_code=post, item="topi", quantity=20, created_at=_at(D0, 7)),
        ]  # fmt: skip
        for i, (d, h, m) in enumerate(moments):
            answers = {"U1": 1 + i % 4, "U2": 4, "U5": 2 + i % 3}
            service = "TERMINAL" if i % 2 else "PELABUHAN"
            records.append(skm_record(post_code=post, service_code=service, answers=answers,
                                      created_at=_at(d, h, m)))  # fmt: skip
        results = sync_push.push(store, device, records, protocol=2)
        assert {r.result for r in results} == {wire.RecordOutcome.ACCEPTED}, results
        for n, record in enumerate(records[:many]):
            if n % 4 == 0:
                store.set_status(record["tracking_id"], wire.CentralStatus.RESOLVED, actor="t")
            elif n % 4 == 1:
                store.set_status(
                    record["tracking_id"], wire.CentralStatus.FORWARDED, actor="t", agency="ASDP"
                )


# -- the figures against plain SQL ---------------------------------------------------------


def _midnight(day: date) -> datetime:
    """The UTC moment (naive, as the tables keep it) a WIB day starts."""
    return datetime(day.year, day.month, day.day, tzinfo=WIB).astimezone(UTC).replace(tzinfo=None)


def _where(filters: Filters) -> tuple[str, dict[str, Any]]:
    clauses, values = ["1 = 1"], dict[str, Any]()
    if filters.first:
        clauses.append("created_at >= :start")
        values["start"] = _midnight(filters.first)
    if filters.last:
        clauses.append("created_at < :end")
        values["end"] = _midnight(filters.last + timedelta(days=1))
    if filters.post:
        clauses.append("post_code = :post")
        values["post"] = filters.post
    return " AND ".join(clauses), values


def _sql(store: CentralStore, query: str, values: dict[str, Any]) -> list[Any]:
    with store.engine.connect() as conn:
        return list(conn.execute(text(query), values).all())


def _moment(value: Any) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC)


def _by_hand(store: CentralStore, filters: Filters) -> dict[str, Any]:
    """Every figure recomputed from plain SQL (no GROUP BY over days: the moments are read
    and given their WIB day here)."""
    where, values = _where(filters)
    complaints = _sql(
        store,
        f"SELECT post_code, type, category, status, agency, created_at FROM complaints "
        f"WHERE {where}" + (" AND category = :category" if filters.category else ""),
        values | ({"category": filters.category} if filters.category else {}),
    )
    deadlines: Counter[Any] = Counter()
    overdue: Counter[str] = Counter()
    for post, kind, category, status, _agency, created in complaints:
        group = store.catalog.get(category)
        received = _moment(created).astimezone(WIB).date()
        state = deadline_state(kind, group.group if group else "", received, status, TODAY)
        deadlines[state] += 1
        overdue[post] += state == Deadline.OVERDUE
    people = _sql(
        store,
        f"SELECT post_code, created_at, count FROM outreach_tallies WHERE {where} "
        "AND counter = 'people_reached'",
        values,
    )
    days: Counter[date] = Counter()
    for _post, created, count in people:
        days[_moment(created).astimezone(WIB).date()] += count
    handed = _sql(
        store,
        f"SELECT post_code, item, SUM(count) FROM outreach_tallies WHERE {where} "
        "AND counter = 'merchandise' GROUP BY post_code, item",
        values,
    )
    everything, all_values = _where(Filters(post=filters.post))
    stock = _sql(
        store,
        "SELECT item, SUM(n), SUM(r) FROM ("
        f"SELECT item, quantity AS n, CASE WHEN quantity > 0 THEN quantity ELSE 0 END AS r "
        f"FROM stock_movements WHERE {everything} UNION ALL "
        f"SELECT item, -count, 0 FROM outreach_tallies WHERE {everything} "
        "AND counter = 'merchandise') moves GROUP BY item",
        all_values,
    )
    codes = skm_2017().codes
    sums = ", ".join(f"COALESCE(SUM({c.lower()}), 0), COUNT({c.lower()})" for c in codes)
    survey = _sql(store, f"SELECT post_code, COUNT(*), {sums} FROM skm_responses WHERE {where} "
                  "GROUP BY post_code", values)  # fmt: skip
    return {
        "complaints": Counter(row[0] for row in complaints),
        "categories": Counter(row[2] for row in complaints),
        "statuses": Counter(row[3] for row in complaints),
        "agencies": Counter(row[4] for row in complaints),
        "deadlines": deadlines,
        "overdue": overdue,
        "people_days": +days,
        "people": _summed(people, 0, 2),
        "handed": {(p, i): int(n) for p, i, n in handed},
        "stock": {i: (int(n), int(r)) for i, n, r in stock},
        "survey": {row[0]: _score(row, codes) for row in survey},
    }


def _summed(rows: list[Any], key: int, value: int) -> Counter[Any]:
    found: Counter[Any] = Counter()
    for row in rows:
        found[row[key]] += row[value]
    return found


def _score(row: Any, codes: tuple[str, ...]) -> tuple[int, float | None]:
    sums = {c: int(row[2 + 2 * i]) for i, c in enumerate(codes)}
    answers = {c: int(row[3 + 2 * i]) for i, c in enumerate(codes)}
    score = score_totals(int(row[1]), sums, answers, skm_2017())
    return score.respondents, float(score.ikm) if score.ikm is not None else None


SELECTIONS = [
    Filters(),
    Filters(D0, D0),
    Filters(D1, D2, post="BKH"),
    Filters(D0, D1, category="TOL"),
    Filters(post="MRK", service="PELABUHAN"),
]


def test_every_figure_agrees_with_plain_sql(central_store: CentralStore) -> None:
    _load(central_store)
    for filters in SELECTIONS:
        found = figures(central_store, filters, "en")
        stats, hand = found.stats, _by_hand(central_store, filters)
        assert {c.key: c.count for c in stats.categories} == hand["categories"], filters
        assert {c.key: c.count for c in stats.statuses} == hand["statuses"], filters
        assert {c.key: c.count for c in stats.agencies} == hand["agencies"], filters
        assert {Deadline(c.key): c.count for c in stats.deadlines if c.count} == +hand["deadlines"]
        assert {d.day: d.people for d in stats.people if d.people} == hand["people_days"]
        per_post = {p.post: p for p in found.posts}
        assert {p: r.complaints for p, r in per_post.items() if r.complaints} == hand["complaints"]
        assert {p: r.overdue for p, r in per_post.items() if r.overdue} == +hand["overdue"]
        assert {p: r.people for p, r in per_post.items() if r.people} == +hand["people"]
        handed: Counter[str] = Counter()
        for (post, _item), n in hand["handed"].items():
            handed[post] += n
        assert {p: r.handed_out for p, r in per_post.items() if r.handed_out} == +handed
        for m in stats.merchandise:
            in_stock, received = hand["stock"][m.item]
            assert (m.in_stock, m.received) == (in_stock, received), (filters, m)
            assert m.handed_out == sum(n for (_p, i), n in hand["handed"].items() if i == m.item)
        if not filters.service:
            survey = {p: (r.respondents, r.ikm) for p, r in per_post.items() if r.respondents}
            assert survey.keys() == hand["survey"].keys()
            for post, (respondents, ikm) in hand["survey"].items():
                assert survey[post][0] == respondents
                assert survey[post][1] == pytest.approx(ikm)
            assert stats.survey.respondents == sum(n for n, _i in hand["survey"].values())
    # The day's edges: 00.00 and 23.59 WIB both count on D0.
    one_day = figures(central_store, Filters(D0, D0), "en")
    assert one_day.stats.complaints == 6 + 4  # of MRK's 14 and BKH's 9 over six moments


def test_a_newer_row_is_seen_at_once(central_store: CentralStore) -> None:
    _load(central_store)
    before = figures(central_store, Filters(), "en")
    _token, device = enroll(central_store, "SMG")
    sync_push.push(central_store, device, [tally_record(post_code="SMG", count=7)], protocol=2)
    after = figures(central_store, Filters(), "en")
    assert after.stats.people_reached == before.stats.people_reached + 7
    # A status change (no new row, a newer change) is seen too.
    row = _sql(central_store, "SELECT tracking_id FROM complaints WHERE status = 'received'", {})
    central_store.set_status(row[0][0], wire.CentralStatus.ARCHIVED, actor="t")
    again = figures(central_store, Filters(), "en")
    assert again.stats.deadline(Deadline.CLOSED) == after.stats.deadline(Deadline.CLOSED) + 1


# -- the page, its charts and its downloads through the real server ----------------------


@contextmanager
def _signed_in(server: CentralServer) -> Iterator[httpx.Client]:
    """A client signed in to the staff pages, as a coordinator's browser is."""
    key = server.store.create_client("Koordinator", "staff")
    with server.client() as client:
        answer = client.post("/staf/masuk", data={"key": key, "next": "/staf/statistik"})
        assert answer.status_code == 303 and answer.headers["location"] == "/staf/statistik"
        assert client.cookies.get("posko_staf")
        yield client


class _Tables(HTMLParser):
    """The page's tables (cells' text) and its images' sources, as a browser reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.images: list[tuple[str, str]] = []
        self.summary: list[str] = []
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._in_figure = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(found.get("id") or str(len(self.tables)), [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        elif tag == "dd" and "stats__figure" in (found.get("class") or ""):
            self._cell = []
            self._in_figure = True
        elif tag == "img" and (found.get("src") or "").startswith("/staf/statistik/grafik/"):
            self.images.append((found["src"] or "", found.get("alt") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "dd" and self._in_figure and self._cell is not None:
            self.summary.append("".join(self._cell).strip())
            self._cell, self._in_figure = None, False
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _norm(value: Any) -> str | float:
    """A cell as a figure, however a format writes it ("75.00", "75.0", 75.0; "", None, –)."""
    if value in ("", "–", None):
        return "–"
    try:
        return round(float(value), 2)
    except (TypeError, ValueError):
        return str(value)


def _normed(rows: Any) -> list[list[str | float]]:
    return [[_norm(v) for v in row] for row in rows]


def test_the_page_charts_and_downloads_agree_and_need_a_sign_in(
    central_server: CentralServer,
) -> None:
    _load(central_server.store)
    query = {"from": D0.isoformat(), "to": D2.isoformat(), "lang": "en"}
    with central_server.client() as anonymous:
        page = anonymous.get("/staf/statistik", params=query)
        assert page.status_code == 303 and page.headers["location"].startswith("/staf/masuk")
        for path in ("/staf/statistik/grafik/people.svg", "/staf/statistik/unduh.csv",
                     "/staf/statistik/unduh.xlsx"):  # fmt: skip
            assert anonymous.get(path, params=query).status_code == 401
    with _signed_in(central_server) as client:
        page = client.get("/staf/statistik", params=query)
        assert page.status_code == 200
        assert "style=" not in page.text and "<script" not in page.text
        parsed = _Tables()
        parsed.feed(page.text)
        assert len(parsed.images) == 6
        for src, alt in parsed.images:
            chart = client.get(src)
            assert chart.status_code == 200
            assert chart.headers["content-type"] == "image/svg+xml"
            assert b"<svg" in chart.content[:500] and alt
        assert "Complaints per category" in page.text
        rows = parsed.tables["per-post"]
        csv_answer = client.get("/staf/statistik/unduh.csv", params=query)
        assert csv_answer.status_code == 200
        with zipfile.ZipFile(io.BytesIO(csv_answer.content)) as archive:
            members = {
                name: list(csv.reader(io.TextIOWrapper(archive.open(name), "utf-8-sig")))
                for name in archive.namelist()
            }
        assert _normed(members["posts.csv"]) == _normed(rows)  # header and all
        assert [_norm(row[1]) for row in members["summary.csv"][1:]] == _normed([parsed.summary])[0]
        workbook = client.get("/staf/statistik/unduh.xlsx", params=query)
        assert workbook.status_code == 200
        book = load_workbook(io.BytesIO(workbook.content))
        assert _normed(book["posts"].iter_rows(values_only=True)) == _normed(rows)
        first = list(book.worksheets[0].iter_rows(min_row=3, values_only=True))
        totals = [_norm(row[1]) for row in first[: len(parsed.summary)]]
        assert totals == _normed([parsed.summary])[0]  # the summary sheet opens with them
        found = figures(central_server.store, Filters(D0, D2), "en")
        assert _normed(rows[1:]) == _normed(
            (p.post, p.people, p.people_target, p.complaints, p.overdue, p.respondents, p.ikm,
             p.handed_out)
            for p in found.posts
        )  # fmt: skip
        assert {p.post for p in found.posts} == {"MRK", "BKH"}


HOSTILE = [
    ({"from": "2026-13-01"}, "from: not a date written YYYY-MM-DD."),
    ({"from": "17/03/2026"}, "from: not a date written YYYY-MM-DD."),
    ({"to": "0001-01-01"}, "to: a day from 2000-01-01 to 2100-12-31."),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "The first day (2026-03-02) is after"),
    ({"post": "ZZZ"}, "No desk has been enrolled for post ZZZ."),
    ({"post": "<script>"}, "No desk has been enrolled for post &lt;SCRIPT&gt;."),
    ({"category": "NOPE"}, "NOPE is not a category."),
    ({"service": "X" * 30}, "is not a service of the survey."),
    ({"post": "M" * 10_000}, "post: at most 64 characters."),
    ({"category": "TOL\x00"}, "is not a category."),
    ([("post", "MRK"), ("post", "BKH")], "post: give it once."),
]


def test_hostile_filters_are_refused_in_words_never_500(
    central_server: CentralServer,
) -> None:
    enroll(central_server.store, "MRK")
    with _signed_in(central_server) as client:
        for params, message in HOSTILE:
            listed = list(params.items()) if isinstance(params, dict) else params
            for lang in ("en", "id", "xx", ""):
                query = [*listed, ("lang", lang)]
                page = client.get("/staf/statistik", params=query)
                assert page.status_code == 400, (params, page.status_code)
                assert 'role="alert"' in page.text
                if lang == "en":
                    assert message in page.text, (params, page.text[-2000:])
                    assert '<html lang="en">' in page.text
                for path in ("grafik/ikm.svg", "unduh.csv", "unduh.xlsx"):
                    answer = client.get(f"/staf/statistik/{path}", params=query)
                    assert answer.status_code == 400, (path, params)
        assert client.get("/staf/statistik/grafik/nope.svg").status_code == 404
        assert client.get("/staf/statistik/unduh.pdf").status_code == 404
        page = client.get("/staf/statistik", params={"lang": "klingon", "post": "MRK"})
        assert page.status_code == 200 and '<html lang="id">' in page.text


# -- the command line ----------------------------------------------------------------------


CAMPAIGN = {
    "name": "Mudik uji",
    "start": D0.isoformat(),
    "end": (D0 + timedelta(days=6)).isoformat(),
    "posts": ["MRK", "BKH"],
    "people": 1400,
}


def test_export_and_campaign_from_the_command_line(
    central_server: CentralServer, tmp_path: Path
) -> None:
    _load(central_server.store)
    url = central_server.database_url
    (tmp_path / "campaign.json").write_text(json.dumps(CAMPAIGN))
    shown = run_central("--database-url", url, "--lang", "en", "campaign", "show")
    assert shown.returncode == 0 and "No campaign was set." in shown.stdout
    assert run_central("--database-url", url, "campaign", "set", "--file",
                       str(tmp_path / "campaign.json")).returncode == 0  # fmt: skip
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "start": "2026-01-02", "end": "2026-01-01"}')
    refused = run_central("--database-url", url, "campaign", "set", "--file", str(bad))
    assert refused.returncode == 2 and refused.stderr.strip()
    shown = run_central("--database-url", url, "--lang", "en", "campaign", "show")
    assert "Mudik uji" in shown.stdout and "People target: 1400" in shown.stdout
    out = tmp_path / "stats.zip"
    done = run_central("--database-url", url, "export", "--format", "csv", "--out", str(out),
                       "--from", D0.isoformat(), "--post", "MRK")  # fmt: skip
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out) as archive:
        posts = list(csv.reader(io.TextIOWrapper(archive.open("posts.csv"), "utf-8-sig")))
        campaign = list(csv.reader(io.TextIOWrapper(archive.open("campaign.csv"), "utf-8-sig")))
    found = figures(central_server.store, Filters(D0, post="MRK"), "id")
    assert [row[0] for row in posts[1:]] == ["MRK"]
    assert int(posts[1][3]) == found.posts[0].complaints
    assert int(posts[1][2]) == 700  # half the campaign's target is MRK's
    assert [row[2] for row in campaign[1:]] == ["1400", "700", "700"]
    book = tmp_path / "stats.xlsx"
    done = run_central("--database-url", url, "export", "--format", "xlsx", "--out", str(book))
    assert done.returncode == 0, done.stderr
    sheets = load_workbook(book).sheetnames
    assert {"people_per_day", "posts", "campaign"} <= set(sheets[1:])
    refused = run_central("--database-url", url, "--lang", "en", "export", "--format", "csv",
                          "--out", str(out), "--from", "2026-02-30")  # fmt: skip
    assert refused.returncode == 2 and "not a date" in refused.stderr
    missing = run_central("--database-url", url, "export", "--format", "csv", "--out",
                          str(tmp_path / "no" / "such.zip"))  # fmt: skip
    assert missing.returncode == 1 and not (tmp_path / "no").exists()
    # The page shows the campaign's progress.
    with _signed_in(central_server) as client:
        page = client.get("/staf/statistik", params={"lang": "en"})
        assert "Campaign progress" in page.text and "Mudik uji" in page.text
    cleared = run_central("--database-url", url, "--lang", "en", "campaign", "clear")
    assert cleared.returncode == 0 and "Campaign cleared." in cleared.stdout
    assert central_server.store.campaign() is None
