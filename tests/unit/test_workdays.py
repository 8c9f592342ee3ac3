"""Working days across Lebaran (with cuti bersama), year ends and leap years; the deadlines
that follow from them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import holidays
import pytest

from posko.assets import assets_dir
from posko.workdays import WIB, Calendar, CalendarError, deadlines, default_calendar


def test_lebaran_2026_with_cuti_bersama() -> None:
    cal = default_calendar()
    # 18 March cuti bersama Nyepi, 19 Nyepi, 20 cuti, 21-22 Idul Fitri (weekend),
    # 23-24 cuti bersama: the first working day after Tuesday 17 March is the 25th.
    for day in range(18, 25):
        assert not cal.is_working_day(date(2026, 3, day)), day
    assert cal.add_working_days(date(2026, 3, 17), 1) == date(2026, 3, 25)
    assert cal.add_working_days(date(2026, 3, 17), 5) == date(2026, 3, 31)
    assert cal.working_days_between(date(2026, 3, 17), date(2026, 3, 31)) == 5


def test_lebaran_2027_with_cuti_bersama() -> None:
    cal = default_calendar()
    # 8 Nyepi, 9 cuti, 10-11 Idul Fitri, 12 cuti, 13-14 weekend, 15 cuti.
    assert [cal.is_working_day(date(2027, 3, d)) for d in range(8, 17)] == [
        False, False, False, False, False, False, False, False, True,
    ]  # fmt: skip
    assert cal.add_working_days(date(2027, 3, 5), 3) == date(2027, 3, 18)


def test_year_end() -> None:
    cal = default_calendar()
    # 24 Dec cuti bersama, 25 Christmas, 26-27 weekend, 28-31 working, 1 Jan holiday.
    assert cal.add_working_days(date(2026, 12, 23), 4) == date(2026, 12, 31)
    assert cal.add_working_days(date(2026, 12, 23), 5) == date(2027, 1, 4)


def test_leap_year_with_lebaran_on_29_february() -> None:
    cal = default_calendar()
    assert cal.is_working_day(date(2028, 2, 29))
    # Friday 25 Feb 2028: weekend, Idul Fitri (27-28, estimated by the library), then
    # Tuesday 29 February counts as the first working day.
    assert cal.add_working_days(date(2028, 2, 25), 1) == date(2028, 2, 29)
    assert cal.add_working_days(date(2028, 2, 25), 5) == date(2028, 3, 6)


def test_deadlines_by_type_group_and_local_day() -> None:
    # 00.30 WIB on Tuesday 17 March is still Monday 16 March in UTC: the WIB day counts.
    received = datetime(2026, 3, 16, 17, 30, tzinfo=UTC)
    complaint = deadlines("pengaduan", "mudik", received)
    assert (complaint.verify_by, complaint.answer_by, complaint.answer_days) == (
        date(2026, 3, 27),
        date(2026, 3, 31),
        5,
    )
    assert complaint.resolve_by is None
    assert deadlines("permintaan_informasi", "umum", received).answer_by == date(2026, 3, 31)
    assert deadlines("aspirasi", "umum", received).answer_by == date(2026, 3, 27)
    covid = deadlines("pengaduan", "covid19", datetime(2026, 6, 4, 3, 0, tzinfo=UTC))
    assert (covid.answer_by, covid.resolve_by) == (date(2026, 6, 5), date(2026, 6, 9))
    expected = complaint.expected_datetime()
    assert expected.tzinfo is not None and expected.astimezone(WIB).date() == date(2026, 3, 31)


def test_the_file_has_the_decreed_cuti_bersama() -> None:
    """The shipped file agrees with the holidays library's record of the decrees."""
    raw = json.loads((assets_dir() / "calendar.json").read_text(encoding="utf-8"))
    listed = {date.fromisoformat(d["date"]) for d in raw["cuti_bersama"]}
    for year in (2025, 2026, 2027):
        decreed = set(holidays.country_holidays("ID", years=[year], categories=("government",)))
        assert {d for d in listed if d.year == year} == decreed, year


def test_a_coordinator_can_correct_the_file(tmp_path: Path) -> None:
    path = tmp_path / "calendar.json"
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "cuti_bersama": [{"date": "2026-07-06", "name": "Cuti tambahan"}],
                "working_days": [{"date": "2026-03-24", "name": "Dibatalkan"}],
            }
        ),
        encoding="utf-8",
    )
    cal = Calendar.from_file(path)
    assert not cal.is_working_day(date(2026, 7, 6))
    assert cal.is_working_day(date(2026, 3, 24))
    assert not cal.is_working_day(date(2026, 3, 21))  # the national holiday stays
    for bad in ("{", '{"cuti_bersama": [{"date": "2026-13-01"}]}', "[]"):
        path.write_text(bad, encoding="utf-8")
        with pytest.raises(CalendarError):
            Calendar.from_file(path)


def test_weekends_never_count_and_every_answer_lands_on_a_working_day() -> None:
    cal = default_calendar()
    start = date(2026, 1, 1)
    for offset in range(0, 730, 3):
        day = start + timedelta(days=offset)
        due = cal.add_working_days(day, 5)
        assert cal.is_working_day(due) and due.weekday() < 5
        assert cal.working_days_between(day, due) == 5
    with pytest.raises(ValueError):
        cal.add_working_days(start, -1)
