"""The "when" field's reading of what is typed in one go: the post's wall clock, both
languages' words, a clear message for what it cannot read, the future refused, a far past
flagged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desktop.when import WhenError, canonical, parse_when
from posko.i18n import set_language
from posko.zones import ZONES

WIB, WITA, WIT = ZONES["WIB"], ZONES["WITA"], ZONES["WIT"]
# Thursday 3 December 2026, 15:10 in Makassar (WITA, UTC+8).
NOW = datetime(2026, 12, 3, 7, 10, 42, tzinfo=UTC)


def read(text: str, zone: object = WITA, now: datetime = NOW) -> datetime | None:
    found = parse_when(text, now=now, zone=zone)  # type: ignore[arg-type]
    return None if found is None else found.moment


def error(text: str, now: datetime = NOW) -> str:
    with pytest.raises(WhenError) as caught:
        parse_when(text, now=now, zone=WITA)
    return caught.value.message


def wita(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WITA)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("3-12 14.30", wita(2026, 12, 3, 14, 30)),
        ("03-12-2026 14:30", wita(2026, 12, 3, 14, 30)),
        ("3/12/26 14.30", wita(2026, 12, 3, 14, 30)),
        ("2026-12-03 14:30", wita(2026, 12, 3, 14, 30)),
        ("2026-12-03T14:30", wita(2026, 12, 3, 14, 30)),
        ("3 des 14.30", wita(2026, 12, 3, 14, 30)),
        ("3 Desember 2026, jam 14.30", wita(2026, 12, 3, 14, 30)),
        ("1 Dec 9:05", wita(2026, 12, 1, 9, 5)),
        ("14.30", wita(2026, 12, 3, 14, 30)),
        ("  pukul 9.05 ", wita(2026, 12, 3, 9, 5)),
        ("sekarang", wita(2026, 12, 3, 15, 10)),
        ("NOW", wita(2026, 12, 3, 15, 10)),
        ("hari ini 08.00", wita(2026, 12, 3, 8, 0)),
        ("tadi 13.15", wita(2026, 12, 3, 13, 15)),
        ("today at 8:00", wita(2026, 12, 3, 8, 0)),
        ("kemarin 20.00", wita(2026, 12, 2, 20, 0)),
        ("Yesterday 23:59", wita(2026, 12, 2, 23, 59)),
        # No year: the latest such day not after today, so last year's 28 December.
        ("28-12 10.00", wita(2025, 12, 28, 10, 0)),
    ],
)
def test_what_is_typed_in_one_go(typed: str, meant: datetime) -> None:
    assert read(typed) == meant


def test_the_time_is_the_posts_wall_clock_whatever_the_laptop() -> None:
    """13.30 at a post in Jayapura (WIT) is 04:30 UTC; in Jakarta (WIB) 06:30 UTC."""
    assert read("3-12-2026 13.30", WIT) == datetime(2026, 12, 3, 4, 30, tzinfo=UTC)
    assert read("3-12-2026 13.30", WIB) == datetime(2026, 12, 3, 6, 30, tzinfo=UTC)
    # "Today" and "yesterday" are the post's: at 23:30 UTC it is already the 4th in WITA.
    late = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)
    assert read("kemarin 10.00", WITA, late) == wita(2026, 12, 3, 10, 0)
    assert read("kemarin 10.00", ZONES["WIB"], late) == datetime(2026, 12, 3, 10, 0, tzinfo=WIB)


def test_empty_is_not_known() -> None:
    assert read("") is None
    assert read("   ") is None


def test_the_canonical_text_reads_back_the_same() -> None:
    moment = read("kemarin 20.00")
    assert moment is not None
    assert canonical(moment, WITA) == "02-12-2026 20:00"
    assert read(canonical(moment, WITA)) == moment
    assert canonical(moment, WIB) == "02-12-2026 19:00"


def test_bad_input_says_what_to_type_in_indonesian() -> None:
    assert error("besok pagi") == (
        "“besok pagi” bukan waktu yang dimengerti kolom ini. Ketik mis. 14.30, 3-12 14.30, "
        "03-12-2026 14:30, kemarin 20.00 atau sekarang; kosongkan bila tidak diketahui."
    )
    assert error("kemarin") == (
        "Tambahkan jamnya juga, mis. “kemarin 14.30”; kosongkan kolom ini bila jamnya tidak "
        "diketahui."
    )
    assert "jamnya" in error("3-12")
    assert error("25.00") == "Tidak ada pukul 25.00: jam sampai 23, menit sampai 59."
    assert error("31-02 10.00") == "Tidak ada tanggal 31-2: periksa tanggalnya."
    assert error("3 foo 10.00") == "“foo” bukan nama bulan. Ketik mis. 3 des atau 3-12."
    assert error("3-12-1926 10.00") == "Periksa tahunnya: 1926."
    assert error("kemarin siang") == "“siang” bukan jam. Ketik seperti 14.30 atau 14:30."


def test_bad_input_in_english() -> None:
    set_language("en")
    assert error("kemarin") == (
        "Add the time too, e.g. “kemarin 14.30”; leave the field empty if the time is not known."
    )
    assert "yesterday 20.00 or now" in error("soon")


def test_the_future_is_refused_beyond_a_clock_difference() -> None:
    assert read("15.14") == wita(2026, 12, 3, 15, 14)  # the laptop may be a little slow
    assert error("15.20") == (
        "Itu belum terjadi (03-12-2026 15:20): kejadiannya harus sudah berlalu."
    )
    assert "belum terjadi" in error("hari ini 23.00")
    assert "belum terjadi" in error("4-12-2026 09.00")


def test_a_far_past_is_flagged_not_refused() -> None:
    recent = parse_when("4-11 15.00", now=NOW, zone=WITA)
    old = parse_when("3-12-2025 14.30", now=NOW, zone=WITA)
    assert recent is not None and not recent.far_past
    assert old is not None and old.far_past
    assert old.moment == wita(2025, 12, 3, 14, 30)


def test_a_29_february_without_a_year_looks_back_to_a_leap_year() -> None:
    assert read("29-02 10.00") == wita(2024, 2, 29, 10, 0)
    assert read("29-02 10.00", now=NOW + timedelta(days=500)) == wita(2028, 2, 29, 10, 0)
