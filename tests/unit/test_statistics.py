"""The coordinators' figures (``posko.statistics``) over a real desk database, checked
against plain ``sqlite3`` over the same file; the deadline states on LAPOR!'s working days;
every chart drawn to pixels, PNG and SVG, for figures and for an empty desk."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from desktop.domain import ComplaintInput
from desktop.store.repo import Store
from desktop.store.statistics import DeskSource
from desktop.survey.entry import SurveyInput
from posko import charts
from posko.campaign import Campaign
from posko.catalog import default_catalog
from posko.statistics import (
    Deadline,
    DeadlineRules,
    Filters,
    Statistics,
    compute,
    deadline_state,
)
from tests import rawdb

WIB = timezone(timedelta(hours=7))
MONDAY = date(2026, 11, 30)  # a report made that day is answered by Monday 7 December
TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("today", "status", "state"),
    [
        (date(2026, 12, 1), None, Deadline.ON_TIME),
        (date(2026, 12, 4), None, Deadline.DUE_SOON),  # Friday: due the next working day
        (date(2026, 12, 7), "forwarded", Deadline.DUE_SOON),  # due today
        (date(2026, 12, 8), "in_progress", Deadline.OVERDUE),
        (date(2026, 12, 8), "resolved", Deadline.CLOSED),
        (date(2026, 12, 1), "archived", Deadline.CLOSED),
    ],
)
def test_where_a_report_stands_against_its_deadline(
    today: date, status: str | None, state: Deadline
) -> None:
    assert deadline_state("pengaduan", "", MONDAY, status, today) == state


def test_a_covid_report_is_due_the_next_working_day() -> None:
    assert deadline_state("pengaduan", "covid19", MONDAY, None, MONDAY) == Deadline.DUE_SOON
    assert deadline_state("pengaduan", "covid19", MONDAY, None, TODAY) == Deadline.OVERDUE


# Weekdays, a weekend, the days around Lebaran 2025 (national holidays and cuti bersama)
# and a year's turn: where working days bunch up and thin out.
RULE_DAYS = [
    date(2026, 12, 2),
    date(2026, 12, 5),
    date(2026, 12, 6),
    date(2025, 3, 27),
    date(2025, 3, 31),
    date(2025, 4, 4),
    date(2025, 4, 8),
    date(2025, 12, 31),
]


@pytest.mark.parametrize("today", RULE_DAYS)
def test_the_rules_count_every_report_as_its_deadline_state_does(today: date) -> None:
    """``DeadlineRules`` (two days per type and group, as the central system's SQL counts)
    against ``deadline_state`` report by report: every day received over a season and a
    half before and after ``today``, every type (and an unknown one), every category's
    group (and an unknown category), every status."""
    catalog = default_catalog()
    rules = DeadlineRules(catalog, today)
    arms, rest = rules.arms()
    groups = {c.code: c.group for c in catalog.categories}
    one_per_group = {group: code for code, group in sorted(groups.items())}
    codes = [*one_per_group.values(), "no-such-category"]
    for kind in ("pengaduan", "aspirasi", "permintaan_informasi", "lain"):
        for code in codes:
            # What the central system's CASE picks for this type and category.
            in_sql = next(
                (
                    days
                    for arm_kind, arm_codes, days in arms
                    if arm_kind in (None, kind) and (arm_codes is None or code in arm_codes)
                ),
                rest,
            )
            for offset in range(-200, 30):
                received = today + timedelta(days=offset)
                for status in (None, "received", "forwarded", "resolved", "archived"):
                    expected = deadline_state(kind, groups.get(code, ""), received, status, today)
                    assert rules.state(kind, code, received, status) == expected
                    if status not in ("resolved", "archived"):
                        assert in_sql.state(received) == expected, (kind, code, received)


def _complaint(store: Store, at: datetime, category: str, kind: str = "pengaduan") -> None:
    store.save_complaint(
        ComplaintInput(
            type=kind,
            category=category,
            title="Antrean panjang",
            description="Antrean kendaraan panjang.",
        ),
        now=at,
    )


@pytest.fixture
def filled(store: Store) -> Store:
    """Several days of a post: reports, taps across local midnight, stock, a survey."""
    day = datetime(2026, 11, 30, 9, tzinfo=WIB)
    reports = ["PELABUHAN", "PELABUHAN", "TERMINAL", "JALANRUSAK", "PELABUHAN"]
    for n, category in enumerate(reports):
        _complaint(store, day + timedelta(days=n % 3, hours=n), category)
    _complaint(store, day, "TERMINAL", "aspirasi")
    store.record_people_reached(10, now=day)
    store.record_people_reached(5, now=day + timedelta(days=1))
    # 00:30 WIB on 2 December is 1 December in UTC: the post's day counts.
    store.record_people_reached(3, now=datetime(2026, 12, 2, 0, 30, tzinfo=WIB))
    undone = store.record_people_reached(1, now=day + timedelta(days=2))
    store.undo_tally(undone.uuid, now=day + timedelta(days=2, minutes=1))
    store.record_stock_received("kaus", 40, now=day)
    store.record_stock_received("stiker", 100, now=day)
    store.record_handed_out("kaus", 3, now=day)
    store.record_handed_out("kaus", 2, now=day + timedelta(days=2))
    store.record_handed_out("stiker", 7, now=day + timedelta(days=1))
    answers = {f"U{n}": 3 for n in range(1, 10)}
    store.save_survey_responses(
        [SurveyInput("PELABUHAN", answers), SurveyInput("TERMINAL", {**answers, "U1": 4})],
        now=day + timedelta(days=1),
    )
    store.set_campaign(Campaign("Mudik", MONDAY, MONDAY + timedelta(days=6), ("MRK",), 700))
    return store


def _figures(store: Store, filters: Filters | None = None) -> Statistics:
    return compute(
        DeskSource(store, store.require_context()),
        filters or Filters(),
        today=TODAY,
        campaign=store.campaign(),
        catalog=store.catalog,
    )


def _sql(store: Store, query: str) -> list[Any]:
    with rawdb.connect(store.profile.database) as conn:
        return conn.execute(query).fetchall()


LOCAL = "date(created_at, '+7 hours')"


def test_the_figures_agree_with_plain_sql(filled: Store) -> None:
    stats = _figures(filled)
    people = dict(
        _sql(
            filled,
            f"SELECT {LOCAL}, sum(count) FROM tally_events "
            "WHERE counter = 'people_reached' GROUP BY 1",
        )
    )
    assert {d.day.isoformat(): d.people for d in stats.people if d.people} == {
        k: v for k, v in people.items() if v
    }
    assert stats.people[0].day == MONDAY and len(stats.people) == 7  # the campaign's days
    assert [d.target for d in stats.people] == [100] * 7
    assert stats.people_reached == 18 and stats.people_target == 700
    categories = dict(_sql(filled, "SELECT category, count(*) FROM complaints GROUP BY 1"))
    assert {c.key: c.count for c in stats.categories} == categories
    assert [c.count for c in stats.categories] == sorted(categories.values(), reverse=True)
    assert stats.complaints == 6 == sum(c.count for c in stats.statuses)
    assert [(c.key, c.count) for c in stats.agencies] == [("", 6)]
    # Made 30 Nov (due 7 Dec: on time on the 3rd), 1 Dec (due 8 Dec), 2 Dec; the aspirasi
    # (3 working days) of 30 Nov is due 3 Dec: due soon.
    assert stats.deadline(Deadline.DUE_SOON) == 1 and stats.deadline(Deadline.ON_TIME) == 5
    respondents, u1 = _sql(
        filled, "SELECT count(*), avg(json_extract(answers, '$.U1')) FROM survey_responses"
    )[0]
    assert stats.survey.respondents == respondents == 2
    assert float(stats.survey.nrr["U1"]) == u1 == 3.5
    received = dict(_sql(filled, "SELECT item, sum(quantity) FROM stock_movements GROUP BY 1"))
    handed = dict(
        _sql(
            filled,
            "SELECT item, sum(count) FROM tally_events WHERE counter = 'merchandise' GROUP BY 1",
        )
    )
    assert {m.item: (m.handed_out, m.received, m.in_stock) for m in stats.merchandise} == {
        item: (handed[item], received[item], received[item] - handed[item]) for item in received
    }


def test_filters_narrow_what_they_name(filled: Store) -> None:
    first = _figures(filled, Filters(first=MONDAY, last=MONDAY))
    assert first.people_reached == 10 and first.complaints == 3
    assert [d.day for d in first.people] == [MONDAY]
    assert {m.item: m.handed_out for m in first.merchandise} == {"kaus": 3, "stiker": 0}
    assert {m.item: m.in_stock for m in first.merchandise} == {"kaus": 35, "stiker": 93}
    assert first.survey.respondents == 0
    port = _figures(filled, Filters(category="PELABUHAN"))
    assert port.complaints == 3 and [c.key for c in port.categories] == ["PELABUHAN"]
    assert port.people_reached == 18 and port.survey.respondents == 2  # not narrowed
    terminal = _figures(filled, Filters(service="TERMINAL"))
    assert terminal.survey.respondents == 1 and terminal.complaints == 6
    elsewhere = _figures(filled, Filters(post="CRB"))
    assert elsewhere.complaints == 0 and elsewhere.people_reached == 0
    assert elsewhere.merchandise == () and elsewhere.survey.respondents == 0


def test_a_closed_report_counts_as_closed(filled: Store) -> None:
    with rawdb.connect(filled.profile.database) as conn:
        conn.execute(
            "UPDATE complaints SET central_status = 'resolved' WHERE category = 'JALANRUSAK'"
        )
    stats = _figures(filled)
    assert stats.deadline(Deadline.CLOSED) == 1
    assert {c.key: c.count for c in stats.statuses}["resolved"] == 1


@pytest.mark.parametrize("name", charts.NAMES)
def test_every_chart_draws_with_figures_and_without(filled: Store, name: str) -> None:
    for stats in (_figures(filled), _figures(filled, Filters(post="CRB"))):
        pixels, width, height = charts.pixels(name, stats, 400, 250, 2.0)
        assert (width, height) == (800, 500) and len(pixels) == 800 * 500 * 4
        assert charts.image(name, stats, "png", 4, 2.5, 100).startswith(b"\x89PNG")
        svg = charts.image(name, stats, "svg", 4, 2.5)
        assert b"<svg" in svg and svg == charts.image(name, stats, "svg", 4, 2.5)


def test_a_chart_describes_its_figures(filled: Store) -> None:
    stats = _figures(filled)
    people = charts.describe("people", stats).splitlines()
    assert people[0] == "Orang terjangkau per hari"
    assert "2026-11-30: 10 / target 100" in people
    assert "Pelabuhan dan penyeberangan: 3" in charts.describe("categories", stats)
    assert "Kaus: 5 dibagikan, 35 stok" in charts.describe("merchandise", stats)


def test_counts_past_eight_bars_add_up_to_others(store: Store) -> None:
    codes = [c.code for c in store.catalog.categories][:10]
    moment = datetime(2026, 11, 30, 9, tzinfo=UTC)
    for n, code in enumerate(codes):
        for _repeat in range(n + 1):
            _complaint(store, moment, code)
    stats = _figures(store)
    bars = charts._top(stats.categories)
    assert len(bars) == charts.MOST_BARS and bars[-1].key == "*"
    assert sum(c.count for c in bars) == stats.complaints == 55


def test_a_dollar_sign_in_a_name_is_text_not_mathematics(filled: Store) -> None:
    """Agency names come from the central system: a "$" must not start matplotlib's
    mathtext (an unbalanced one made the whole chart, and the refresh, fail)."""
    with rawdb.connect(filled.profile.database) as conn:
        conn.execute(
            "UPDATE complaints SET central_agency = 'Biro $Umum' WHERE category = 'TERMINAL'"
        )
        conn.execute(
            r"UPDATE complaints SET central_agency = 'Dinas $\frac{$ Umum'"
            " WHERE category = 'JALANRUSAK'"
        )
    stats = _figures(filled)
    assert {c.label for c in stats.agencies} >= {"Biro $Umum", r"Dinas $\frac{$ Umum"}
    assert charts.image("agencies", stats, "png", 4, 2.5, 100).startswith(b"\x89PNG")


def test_the_high_contrast_theme_outlines_the_bars(filled: Store) -> None:
    stats = _figures(filled)
    plain = charts.figure("categories", stats, 4, 2.5, 100)
    stark = charts.figure("categories", stats, 4, 2.5, 100, charts.Style(high_contrast=True))
    assert {p.get_linewidth() for p in stark.axes[0].patches} == {1.2}
    assert {p.get_linewidth() for p in plain.axes[0].patches} != {1.2}


def test_a_write_through_any_store_of_the_process_counts(store: Store) -> None:
    """The sync works through a store of its own: its writes (statuses pulled, the
    campaign taken) must move the count the Statistik section watches."""
    other = Store.open(store.profile)
    try:
        before = store.write_count()
        other.record_people_reached(1)
        assert store.write_count() > before
    finally:
        other.close()


def test_the_drawing_process_opens_a_replaced_database_again(filled: Store) -> None:
    """A recovery or a restored backup replaces the file: the figures come from the new
    one, not from the old file still open."""
    import os
    import shutil

    from desktop.store import statistics as drawing

    root = str(filled.profile.root)
    first = drawing._source(root)
    assert drawing._source(root) is first
    copy = filled.profile.database.with_suffix(".copy")
    filled.close()
    shutil.copy(filled.profile.database, copy)
    os.replace(copy, filled.profile.database)
    again = drawing._source(root)
    assert again is not first
    drawing._open.clear()
    again.store.close()
