"""What is due on the central system: the overdue and due-soon lists (store, staff API, CLI)
on SQLite and on a real PostgreSQL cluster, around Lebaran 2025.

Lebaran 2025 in the working-day calendar: Thursday 27 March is the last working day before
it; Friday 28 March to Monday 7 April are weekends, national holidays and cuti bersama;
Tuesday 8 April is the first working day after it. "Now" is a fixed clock, never a sleep.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from central import models
from central.app import asgi_app
from central.db import open_database
from central.store import CentralStore, DueCursor, DueList, DuePage, DueReport
from posko import tracking, wire
from posko.workdays import WIB, deadlines, default_calendar
from tests.central_support import complaint_record, enroll, run_central


def wib(day: date, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=WIB)


EVE = date(2025, 3, 27)  # Thursday, the last working day before Lebaran
LEBARAN = date(2025, 4, 1)  # Tuesday, a national holiday in the middle of it
AFTER = date(2025, 4, 8)  # Tuesday, the first working day after it
AFTER_NEXT = date(2025, 4, 9)


@dataclass
class Seeded:
    """The reports of the Lebaran scenario, by name: name → compact tracking ID."""

    ids: dict[str, str]

    def names(self, items: list[DueReport]) -> list[str]:
        back = {tracking_id: name for name, tracking_id in self.ids.items()}
        return [back[item.tracking_id] for item in items]


# name: (created at, category, answer deadline the calendar must give, final status)
SCENARIO: dict[str, tuple[datetime, str, date, wire.CentralStatus | None]] = {
    # Postponed is still open: it stays on the lists.
    "postponed": (wib(date(2025, 3, 12)), "TOL", date(2025, 3, 19), wire.CentralStatus.POSTPONED),
    "late": (wib(date(2025, 3, 19)), "TOL", date(2025, 3, 26), None),
    "today": (wib(date(2025, 3, 20)), "SPBU", date(2025, 3, 27), wire.CentralStatus.FORWARDED),
    # A COVID-19 category answers within 1 working day: across the whole of Lebaran.
    "next": (wib(EVE, 8), "BANSOS", AFTER, None),
    "later": (wib(date(2025, 3, 24)), "TOL", date(2025, 4, 9), None),
    # Closed reports are never late, however old their deadline.
    "resolved": (wib(date(2025, 3, 3)), "TOL", date(2025, 3, 10), wire.CentralStatus.RESOLVED),
    "archived": (wib(date(2025, 3, 4)), "TOL", date(2025, 3, 11), wire.CentralStatus.ARCHIVED),
}


def seed(store: CentralStore) -> Seeded:
    _token, device = enroll(store)
    ids: dict[str, str] = {}
    records = []
    for sequence, (name, (created, category, due_day, _status)) in enumerate(
        SCENARIO.items(), start=1
    ):
        group = store.catalog.get(category)
        assert group is not None
        # The scenario's dates are the calendar's, not guesses.
        assert deadlines("pengaduan", group.group, created).answer_by == due_day, name
        record = complaint_record(
            device.tracking_prefix, sequence, category=category, created_at=created.isoformat()
        )
        records.append(record)
        ids[name] = record["tracking_id"]
    assert [r.result for r in store.push(device, records)] == ["accepted"] * len(records)
    for name, (_created, _category, _due, status) in SCENARIO.items():
        if status is not None:
            agency = "ASDP" if name == "today" else None
            store.set_status(ids[name], status, actor="Dewi", agency=agency)
    return Seeded(ids)


@pytest.fixture
def seeded(central_store: CentralStore) -> Seeded:
    return seed(central_store)


# -- the store ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "overdue", "late", "soon", "next_working_day"),
    [
        # The eve: due on 8 April is "soon", twelve calendar days ahead.
        (wib(EVE), ["postponed", "late"], [6, 1], ["today", "next"], AFTER),
        # In the middle of Lebaran: 27 March is past, but no working day has gone by since.
        (wib(LEBARAN), ["postponed", "late", "today"], [6, 1, 0], ["next"], AFTER),
        # After it: 8 April is today, 9 April the next working day.
        (wib(AFTER, 9), ["postponed", "late", "today"], [7, 2, 1], ["next", "later"], AFTER_NEXT),
    ],
    ids=["eve", "lebaran", "after"],
)
def test_due_lists_across_lebaran(
    central_store: CentralStore,
    seeded: Seeded,
    now: datetime,
    overdue: list[str],
    late: list[int],
    soon: list[str],
    next_working_day: date,
) -> None:
    page = central_store.due("overdue", now=now)
    assert seeded.names(page.items) == overdue
    assert [item.working_days_late for item in page.items] == late
    assert {item.state for item in page.items} == {"overdue"}
    assert page.next is None
    assert (page.overdue, page.soon) == (len(overdue), len(soon))
    assert page.today == now.date() and page.next_working_day == next_working_day

    page = central_store.due("soon", now=now)
    assert seeded.names(page.items) == soon
    assert {item.state for item in page.items} == {"soon"}
    assert {item.working_days_late for item in page.items} == {None}

    everything = central_store.due("open", now=now)
    names = seeded.names(everything.items)
    assert names == ["postponed", "late", "today", "next", "later"]  # oldest deadline first
    assert "resolved" not in names and "archived" not in names
    states = {name: item.state for name, item in zip(names, everything.items, strict=True)}
    assert [n for n in names if states[n] == "overdue"] == overdue
    assert [n for n in names if states[n] == "soon"] == soon
    assert all(states[n] == "ok" for n in names if n not in overdue + soon)


def test_a_report_is_late_from_the_end_of_its_day_in_wib(
    central_store: CentralStore, seeded: Seeded
) -> None:
    """The deadline is the end of the answer day in WIB (16:59:59 UTC): a second later the
    report is overdue, whatever the server's own time zone."""
    deadline = wib(date(2025, 3, 26), 23, 59, 59)
    item = next(
        i
        for i in central_store.due("open", now=deadline).items
        if i.tracking_id == seeded.ids["late"]
    )
    assert item.expected_at == deadline and item.state == "soon"
    just_after = central_store.due("overdue", now=(deadline + timedelta(seconds=1)).astimezone(UTC))
    assert seeded.names(just_after.items) == ["postponed", "late"]
    assert just_after.today == date(2025, 3, 27)  # already Thursday in WIB, still 26th in UTC
    assert just_after.items[-1].working_days_late == 1


def test_closing_a_report_takes_it_off_the_lists(
    central_store: CentralStore, seeded: Seeded
) -> None:
    central_store.set_status(seeded.ids["late"], wire.CentralStatus.RESOLVED, actor="Dewi")
    central_store.set_status(seeded.ids["next"], wire.CentralStatus.ARCHIVED, actor="Dewi")
    page = central_store.due("open", now=wib(EVE))
    assert seeded.names(page.items) == ["postponed", "today", "later"]
    assert (page.overdue, page.soon) == (1, 1)
    # Reopened (moved on to in progress), it is late again.
    central_store.set_status(seeded.ids["late"], wire.CentralStatus.IN_PROGRESS, actor="Dewi")
    assert seeded.names(central_store.due("overdue", now=wib(EVE)).items) == ["postponed", "late"]


def test_filters_narrow_the_lists_and_their_counts(
    central_store: CentralStore, seeded: Seeded
) -> None:
    _token, other = enroll(central_store, "SMG")
    semarang = complaint_record(
        other.tracking_prefix, 1, post_code="SMG", created_at=wib(date(2025, 3, 19)).isoformat()
    )
    central_store.push(other, [semarang])
    now = wib(EVE)

    def names(page: DuePage) -> list[str]:
        return [
            "semarang" if i.tracking_id == semarang["tracking_id"] else seeded.names([i])[0]
            for i in page.items
        ]

    page = central_store.due("overdue", now=now)
    assert names(page) == ["postponed", "late", "semarang"] and page.overdue == 3
    by_post = central_store.due("overdue", post_code="SMG", now=now)
    assert names(by_post) == ["semarang"] and (by_post.overdue, by_post.soon) == (1, 0)
    by_post = central_store.due("open", post_code="MRK", now=now)
    assert "semarang" not in names(by_post) and (by_post.overdue, by_post.soon) == (2, 2)
    by_category = central_store.due("open", category="SPBU", now=now)
    assert names(by_category) == ["today"] and (by_category.overdue, by_category.soon) == (0, 1)
    by_agency = central_store.due("soon", agency="ASDP", now=now)
    assert names(by_agency) == ["today"] and by_agency.items[0].agency == "ASDP"
    assert central_store.due("open", agency="asdp", now=now).items == []  # exact match
    both = central_store.due("open", post_code="MRK", category="TOL", now=now)
    assert names(both) == ["postponed", "late", "later"]
    assert central_store.due("open", category="NOPE", now=now).items == []


def test_pages_follow_each_other_without_duplicates_or_gaps(central_store: CentralStore) -> None:
    """Many reports share a deadline (same day, same deadline moment): the id breaks ties,
    so the keyset cursor neither repeats nor skips any of them."""
    _token, device = enroll(central_store)
    days = [date(2025, 3, 17), date(2025, 3, 18), date(2025, 3, 19), date(2025, 3, 24)]
    records = [
        complaint_record(
            device.tracking_prefix, n, created_at=wib(days[n % len(days)], 8 + n % 9).isoformat()
        )
        for n in range(1, 24)
    ]
    central_store.push(device, records)
    central_store.set_status(records[4]["tracking_id"], wire.CentralStatus.RESOLVED, actor="Dewi")
    now = wib(date(2025, 3, 26), 12)
    cases: list[tuple[DueList, int]] = [("open", 22), ("overdue", 10), ("soon", 6)]
    for state, expected in cases:
        whole = central_store.due(state, limit=500, now=now)
        assert len(whole.items) == expected and whole.next is None
        keys = [(i.expected_at, i.id) for i in whole.items]
        assert keys == sorted(keys)
        for limit in (1, 4, 5):
            seen: list[int] = []
            after: DueCursor | None = None
            for _page in range(50):
                page = central_store.due(state, limit=limit, after=after, now=now)
                assert len(page.items) <= limit
                assert (page.overdue, page.soon) == (whole.overdue, whole.soon)
                seen += [i.id for i in page.items]
                if page.next is None:
                    break
                after = DueCursor.decode(page.next)
            assert seen == [i.id for i in whole.items], (state, limit)
    # An exact page: no empty page after it.
    exact = central_store.due("overdue", limit=10, now=now)
    assert len(exact.items) == 10 and exact.next is None


def test_cursors_round_trip_and_clamp() -> None:
    moment = datetime(2025, 3, 26, 16, 59, 59, tzinfo=UTC)
    cursor = DueCursor(moment, 42)
    assert DueCursor.decode(cursor.encode()) == cursor
    assert DueCursor.decode("-5_1").expected_at < datetime(1970, 1, 1, tzinfo=UTC)
    # Deadlines from year 1 to 9999 all have a cursor; beyond that they are clamped.
    for year in (1, 9999):
        edge = DueCursor(datetime(year, 6, 1, tzinfo=UTC), 1)
        assert DueCursor.decode(edge.encode()) == edge
    assert DueCursor.decode("-" + "9" * 18 + "_1").expected_at.year == 1
    assert DueCursor.decode("9" * 18 + "_" + "9" * 18).expected_at.year == 9999
    for bad in ("", "abc", "1_", "_1", "1-2", "1_2\n", "1_" + "9" * 19, "١_٢", " 1_2"):
        with pytest.raises(ValueError, match="not a cursor"):
            DueCursor.decode(bad)


def test_the_lists_read_the_partial_index(central_store: CentralStore) -> None:
    """Each list is one range of the partial index on open reports' deadlines, in order:
    no scan of the table, no sort, on either database."""
    now = wib(EVE)
    cursor = DueCursor(wib(date(2025, 3, 20)), 7)
    states: list[DueList] = ["overdue", "soon", "open"]
    queries = [
        central_store.due_query(state, now, after=after)
        for state in states
        for after in (None, cursor)
    ]
    queries.append(central_store.due_counts_query(now))
    engine = central_store.engine
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        if postgres:  # the tables are tiny: make the planner show its indexed plan
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_bitmapscan = off")
        for query in queries:
            compiled = query.compile(dialect=engine.dialect)
            params: Any = {
                name: value.astimezone(UTC).replace(tzinfo=None)
                if isinstance(value, datetime)
                else value
                for name, value in compiled.params.items()
            }
            if postgres:
                plan = " ".join(
                    row[0] for row in conn.exec_driver_sql("EXPLAIN " + str(compiled), params)
                )
                assert "ix_complaints_open_expected_at" in plan, plan
                assert "Sort" not in plan and "Seq Scan" not in plan, plan
            else:
                positional = tuple(params[name] for name in compiled.positiontup or ())
                plan = " ".join(
                    str(row[3])
                    for row in conn.exec_driver_sql(
                        "EXPLAIN QUERY PLAN " + str(compiled), positional
                    )
                )
                assert "USING INDEX ix_complaints_open_expected_at" in plan, plan
                assert "TEMP B-TREE" not in plan, plan


def test_bad_arguments_are_refused(central_store: CentralStore) -> None:
    for limit in (0, 501):
        with pytest.raises(ValueError, match="limit"):
            central_store.due("open", limit=limit)
    with pytest.raises(ValueError, match="state"):
        central_store.due("late", now=wib(EVE))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="aware"):
        central_store.due("open", now=datetime(2025, 3, 27, 10))


# -- the staff API --------------------------------------------------------------------------


@pytest.fixture
def api(central_db_url: str) -> Iterator[tuple[TestClient, CentralStore]]:
    """The real ASGI app on a store whose clock stands at 10:00 WIB on the eve of Lebaran."""
    store = CentralStore(open_database(central_db_url), clock=lambda: wib(EVE))
    try:
        with TestClient(asgi_app(store)) as client:
            yield client, store
    finally:
        store.close()


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_the_due_endpoint_lists_pages_and_counts(
    api: tuple[TestClient, CentralStore],
) -> None:
    client, store = api
    seeded = seed(store)
    staff = bearer(store.create_client("Dewi", "staff"))
    answer = client.get("/api/v1/staff/due", params={"state": "overdue"}, headers=staff)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["state"] == "overdue"
    assert body["today"] == "2025-03-27" and body["next_working_day"] == "2025-04-08"
    assert body["counts"] == {"overdue": 2, "soon": 2} and body["next"] is None
    first = body["items"][0]
    assert first == {
        "tracking_id": seeded.ids["postponed"],
        "type": "pengaduan",
        "category": "TOL",
        "agency": "",
        "post_code": "MRK",
        "status": "postponed",
        "created_at": "2025-03-12T03:00:00Z",
        "expected_at": "2025-03-19T16:59:59Z",
        "due": "overdue",
        "working_days_late": 6,
    }
    soon = client.get("/api/v1/staff/due", params={"state": "soon"}, headers=staff).json()
    assert [i["tracking_id"] for i in soon["items"]] == [seeded.ids["today"], seeded.ids["next"]]
    assert soon["items"][0]["agency"] == "ASDP" and soon["items"][0]["working_days_late"] is None

    # Page through everything open, two at a time.
    seen: list[str] = []
    params: dict[str, str | int] = {"limit": 2}
    for _page in range(10):
        page = client.get("/api/v1/staff/due", params=params, headers=staff).json()
        assert len(page["items"]) <= 2
        seen += [i["tracking_id"] for i in page["items"]]
        if page["next"] is None:
            break
        params = {"limit": 2, "after": page["next"]}
    names = ["postponed", "late", "today", "next", "later"]
    assert seen == [seeded.ids[n] for n in names]

    # Codes are matched whatever their case.
    lower = client.get(
        "/api/v1/staff/due", params={"post": "mrk", "category": "spbu"}, headers=staff
    ).json()
    assert [i["tracking_id"] for i in lower["items"]] == [seeded.ids["today"]]
    assert lower["counts"] == {"overdue": 0, "soon": 1}
    agency = client.get("/api/v1/staff/due", params={"agency": "ASDP"}, headers=staff).json()
    assert [i["tracking_id"] for i in agency["items"]] == [seeded.ids["today"]]


def test_the_due_endpoint_needs_a_staff_token(api: tuple[TestClient, CentralStore]) -> None:
    client, store = api
    device_token, _device = enroll(store)
    open311_key = store.create_client("Kanal web", "open311")
    for headers in ({}, bearer(device_token), bearer(open311_key), bearer("nope")):
        answer = client.get("/api/v1/staff/due", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.json()["error"] in ("unauthenticated", "bad_token")
    # Refused for the token before the parameters are even looked at.
    assert client.get("/api/v1/staff/due", params={"state": "x"}).status_code == 401


@pytest.mark.parametrize(
    ("params", "field", "says"),
    [
        ({"state": "late"}, "query.state", "'overdue', 'soon' or 'open'"),
        ({"state": ""}, "query.state", "'overdue', 'soon' or 'open'"),
        ({"limit": 0}, "query.limit", "greater than or equal to 1"),
        ({"limit": 501}, "query.limit", "less than or equal to 500"),
        ({"limit": "ten"}, "query.limit", "valid integer"),
        ({"limit": "9" * 30}, "query.limit", ""),
        ({"after": "yesterday"}, "query.after", "not a cursor"),
        ({"after": "1_2\n"}, "query.after", "not a cursor"),
        ({"after": "1_" + "9" * 19}, "query.after", "not a cursor"),
        ({"post": "M R K"}, "query.post", "pattern"),
        ({"post": "X" * 17}, "query.post", "pattern"),
        ({"category": ""}, "query.category", "pattern"),
        ({"agency": "BP\x00JT"}, "query.agency", "pattern"),
        ({"agency": "x" * 101}, "query.agency", "pattern"),
    ],
)
def test_bad_parameters_are_a_422_that_says_which(
    api: tuple[TestClient, CentralStore], params: dict[str, object], field: str, says: str
) -> None:
    client, store = api
    staff = bearer(store.create_client("Dewi", "staff"))
    answer = client.get("/api/v1/staff/due", params=params, headers=staff)  # type: ignore[arg-type]
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"] == "invalid"
    assert [p["field"] for p in body["problems"]] == [field]
    assert says in body["problems"][0]["message"]


def test_the_due_endpoint_is_documented(api: tuple[TestClient, CentralStore]) -> None:
    client, _store = api
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/v1/staff/due"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {
        "state",
        "agency",
        "post",
        "category",
        "limit",
        "after",
    }
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/DueListResponse"}
    assert "422" in operation["responses"] and "401" in operation["responses"]
    item = schema["components"]["schemas"]["DueReport"]["properties"]
    assert {"tracking_id", "expected_at", "due", "working_days_late"} <= set(item)


# -- the command line -----------------------------------------------------------------------


central = run_central


def test_the_due_command(central_db_url: str) -> None:
    """A real process against the real clock: an old report is overdue, a new one is not
    due yet, one moved to the end of the next working day is due soon."""
    store = CentralStore(open_database(central_db_url))
    try:
        _token, device = enroll(store)
        now = datetime.now(UTC)
        old, new, soon, done = (
            complaint_record(device.tracking_prefix, n, created_at=created.isoformat())
            for n, created in enumerate(
                [now - timedelta(days=40), now, now, now - timedelta(days=40)], start=1
            )
        )
        store.push(device, [old, new, soon, done])
        store.set_status(done["tracking_id"], wire.CentralStatus.RESOLVED, actor="Dewi")
        today = now.astimezone(WIB).date()
        following = default_calendar().add_working_days(today, 1)
        with store.session() as session, session.begin():
            session.execute(
                update(models.Complaint)
                .where(models.Complaint.tracking_id == soon["tracking_id"])
                .values(expected_at=wib(following, 23, 59, 59))
            )
    finally:
        store.close()
    reports = {"old": old, "new": new, "soon": soon, "done": done}
    shown = {name: tracking.display(r["tracking_id"]) for name, r in reports.items()}

    table = central("--database-url", central_db_url, "due")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].startswith("Terlambat: 1. Segera jatuh tempo: 1 (hari ini ")
    assert lines[1].split()[:3] == ["Nomor", "pelacakan", "Kategori"]
    assert "Batas tanggapan" in lines[1] and "Hari kerja terlambat" in lines[1]
    rows = lines[2:]
    assert [row.split()[0] for row in rows] == [shown["old"], shown["soon"], shown["new"]]
    assert "terlambat" in rows[0] and "segera jatuh tempo" in rows[1]
    assert rows[1].split()[-1] == "tempo" and rows[2].split()[-1].count("-") == 2  # no state
    assert shown["done"] not in table.stdout

    english = central("--lang", "en", "--database-url", central_db_url, "due", "--state", "soon")
    assert english.returncode == 0, english.stderr
    assert english.stdout.startswith("Overdue: 1. Due soon: 1")
    assert shown["soon"] in english.stdout and shown["old"] not in english.stdout

    as_json = central("--database-url", central_db_url, "due", "--state", "overdue", "--json")
    assert as_json.returncode == 0, as_json.stderr
    body = json.loads(as_json.stdout)
    assert body["counts"] == {"overdue": 1, "soon": 1} and body["next"] is None
    (item,) = body["items"]
    assert item["tracking_id"] == old["tracking_id"] and item["due"] == "overdue"
    assert item["working_days_late"] >= 10 and item["status"] == "received"

    first = central("--database-url", central_db_url, "due", "--limit", "1", "--json")
    cursor = json.loads(first.stdout)["next"]
    assert cursor
    paged = central("--database-url", central_db_url, "due", "--limit", "1", "--after", cursor)
    assert paged.returncode == 0, paged.stderr
    assert shown["soon"] in paged.stdout and shown["old"] not in paged.stdout
    assert "Masih ada lanjutannya: tambahkan --after " in paged.stdout

    empty = central("--database-url", central_db_url, "due", "--post", "smg")
    assert empty.returncode == 0 and "Tidak ada laporan terbuka." in empty.stdout
    filtered = central("--database-url", central_db_url, "due", "--category", "tol", "--json")
    assert len(json.loads(filtered.stdout)["items"]) == 3


@pytest.mark.parametrize(
    "args",
    [
        ("--state", "late"),
        ("--limit", "0"),
        ("--limit", "501"),
        ("--limit", "many"),
        ("--after", "yesterday"),
        ("--post", "X" * 17),
    ],
)
def test_due_command_usage_errors(tmp_path: Path, args: tuple[str, ...]) -> None:
    answer = central("--data-dir", str(tmp_path), "due", *args)
    assert answer.returncode == 2
    assert answer.stderr.strip() and "Traceback" not in answer.stderr
