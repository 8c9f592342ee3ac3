"""Field validation: every bad input gets a clear Indonesian message; everything else is
stored verbatim (emoji, HTML, SQL fragments) and nothing is silently cut."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desktop.domain import (
    ComplaintInput,
    ComplaintType,
    ValidationError,
    is_email,
    validate_setup,
)
from posko.catalog import default_catalog
from posko.i18n import set_language
from posko.phones import normalize_phone

NOW = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


def complaint(**changes: object) -> ComplaintInput:
    values: dict[str, object] = {
        "type": ComplaintType.PENGADUAN,
        "category": "TOL",
        "title": "Antrean gerbang tol",
        "description": "Antrean di gerbang tol Cikampek Utama sepanjang 5 km.",
    }
    values.update(changes)
    return ComplaintInput(**values)  # type: ignore[arg-type]


def errors_of(item: ComplaintInput) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        item.validated(default_catalog(), NOW)
    return {e.field: e.message for e in caught.value.errors}


def test_a_good_complaint_passes_trimmed() -> None:
    clean = complaint(title="  Antrean gerbang tol  ").validated(default_catalog(), NOW)
    assert clean.title == "Antrean gerbang tol"
    assert clean.type is ComplaintType.PENGADUAN


def test_empty_form_names_every_required_field_in_indonesian() -> None:
    errors = errors_of(ComplaintInput(type=None, category=None, title="", description=""))
    assert errors == {
        "type": "Pilih jenis laporan.",
        "category": "Pilih kategori.",
        "title": "Judul wajib diisi.",
        "description": "Uraian wajib diisi.",
    }


def test_messages_follow_the_language() -> None:
    set_language("en")
    errors = errors_of(complaint(title=""))
    assert errors == {"title": "Title must be filled in."}


def test_whitespace_only_is_empty() -> None:
    assert "title" in errors_of(complaint(title=" \t  "))


def test_too_long_is_refused_with_the_counts_not_cut() -> None:
    errors = errors_of(complaint(title="x" * 151, description="y" * 4001))
    assert errors["title"] == "Judul terlalu panjang: paling banyak 150 karakter (sekarang 151)."
    assert "4000" in errors["description"] and "4001" in errors["description"]


def test_too_short() -> None:
    assert errors_of(complaint(title="abc"))["title"].startswith("Judul terlalu pendek")


@pytest.mark.parametrize(
    "text",
    [
        "Petugas 😡 tidak ramah 🙏🏽 sama sekali",
        "<script>alert('x')</script> di loket",
        "'; DROP TABLE complaints; -- antre",
        "Robert'); DELETE FROM posts;--",
        "Harga tiket Rp 250.000 & biaya “admin” 10%",
        "Ñandú ß 漢字 العربية mixed scripts",
    ],
)
def test_unusual_text_is_kept_verbatim(text: str) -> None:
    clean = complaint(title=text[:150], description=text + " — uraian").validated(
        default_catalog(), NOW
    )
    assert clean.title == text[:150].strip()
    assert clean.description == text + " — uraian"


def test_control_characters_are_refused_but_newlines_are_fine() -> None:
    assert "title" in errors_of(complaint(title="Antrean\x00 tol"))
    assert "title" in errors_of(complaint(title="Antrean\n tol"))
    ok = complaint(description="Baris satu\nBaris dua\tkolom").validated(default_catalog(), NOW)
    assert ok.description == "Baris satu\nBaris dua\tkolom"
    assert "description" in errors_of(complaint(description="Ada \x1b[31m kode"))


def test_lone_surrogates_are_refused() -> None:
    assert "title" in errors_of(complaint(title="Antrean \ud800 tol"))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("081234567890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("62 812.3456.7890", "+6281234567890"),
        ("0857 1234 5678", "+6285712345678"),
        ("0811234567", "+62811234567"),
        ("(021) 555-1234", "+62215551234"),
        ("0274 512345", "+62274512345"),
        ("+62 (0)812 3456 7890", "+6281234567890"),  # the 0 dialled at home, in brackets
        ("+62(0)21 555 1234", "+62215551234"),
    ],
)
def test_indonesian_phone_formats_are_accepted(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected
    assert complaint(phone=raw).validated(default_catalog(), NOW).phone == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+60 12-345 6789", "+60123456789"),  # Malaysia
        ("+65 9123 4567", "+6591234567"),  # Singapore
        ("+966 50 123 4567", "+966501234567"),  # Saudi Arabia
        ("+852 9123 4567", "+85291234567"),  # Hong Kong
        ("+886 912 345 678", "+886912345678"),  # Taiwan
        ("+1 415 555 1234", "+14155551234"),
        ("+44 (0)20 7946 0958", "+442079460958"),
    ],
)
def test_numbers_abroad_are_accepted_in_international_form(raw: str, expected: str) -> None:
    """Migrant workers coming home keep their foreign phones (before: refused, "not an
    Indonesian number")."""
    assert normalize_phone(raw) == expected
    assert complaint(phone=raw).validated(default_catalog(), NOW).phone == expected


@pytest.mark.parametrize(
    "raw",
    [
        "12345",
        "0812",
        "081234567890123",
        "08-abc-1234",
        "0012345678",
        "+62",
        "+62 0812 3456 7890",  # a 0 after +62 without its brackets
        "+62 812",
        "+0 123 456 7890",  # no country code starts with 0
        "+60 12",  # too short for any country
        "+1 234 567 890 123 456",  # more than E.164's 15 digits
        "60 12-345 6789",  # abroad needs its +
        "+60 12-345 6789 ext 2",
    ],
)
def test_wrong_phone_formats_get_a_message_with_examples(raw: str) -> None:
    message = errors_of(complaint(phone=raw))["phone"]
    assert "tidak valid" in message and "0812-3456-7890" in message and "+60" in message


@pytest.mark.parametrize("raw", ["budi@contoh.id", "siti.rahma+lapor@mail.co.id"])
def test_good_emails(raw: str) -> None:
    assert is_email(raw)


@pytest.mark.parametrize(
    "raw", ["budi", "budi@", "@contoh.id", "budi@contoh", "bu di@contoh.id", "a..b@contoh.id"]
)
def test_bad_emails(raw: str) -> None:
    assert errors_of(complaint(email=raw))["email"].startswith("Alamat surel tidak valid")


def test_unknown_category_and_type() -> None:
    errors = errors_of(complaint(category="NOPE", type="keluhan"))
    assert set(errors) == {"category", "type"}


def test_event_in_the_future() -> None:
    errors = errors_of(complaint(occurred_at=NOW + timedelta(hours=2)))
    assert errors == {"occurred_at": "Waktu kejadian tidak boleh di masa depan."}
    complaint(occurred_at=NOW - timedelta(days=1)).validated(default_catalog(), NOW)


def test_anonymous_and_confidential_are_independent() -> None:
    for anonymous in (False, True):
        for confidential in (False, True):
            clean = complaint(anonymous=anonymous, confidential=confidential).validated(
                default_catalog(), NOW
            )
            assert (clean.anonymous, clean.confidential) == (anonymous, confidential)


def test_setup_validation() -> None:
    assert validate_setup("mrk-01", "Posko Merak", "Budi", "") == "MRK-01"
    with pytest.raises(ValidationError) as caught:
        validate_setup("M R", "", "B", "ftp://x")
    fields = {e.field for e in caught.value.errors}
    assert fields == {"post_code", "post_name", "operator", "central_url"}
