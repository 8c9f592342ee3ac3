"""Receipts rendered to real PDFs on every paper size, read back: the QR decodes to the
stored tracking URL, the words are Indonesian, the roll is the roll's width."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp
from PySide6.QtGui import QGuiApplication

from desktop.domain import ComplaintInput, ComplaintType, PaperSize
from desktop.printing.render import PrintError, render_image, render_pdf
from desktop.receipt import build_receipt
from desktop.store.repo import Store
from posko.i18n import set_language
from tests.helpers import pdf_page_size_mm, pdf_qr_codes, pdf_text, pdf_words_on_page


def saved(store: Store, **changes: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "type": ComplaintType.PENGADUAN,
        "category": "PELABUHAN",
        "title": "Antrean kapal di dermaga 3",
        "description": "Antrean kendaraan ke kapal lebih dari 6 jam, tidak ada informasi.",
        "reporter_name": "Dewi Lestari",
        "phone": "0812-3456-7890",
    }
    values.update(changes)
    return store.save_complaint(ComplaintInput(**values))  # type: ignore[arg-type]


@pytest.mark.parametrize("paper", list(PaperSize))
def test_receipt_pdf_qr_decodes_to_the_stored_url(
    qapp: QGuiApplication, store: Store, tmp_path: Path, paper: PaperSize
) -> None:
    record = saved(store)
    content = build_receipt(record, store.require_context(), store.catalog)
    pdf = render_pdf(content, paper, tmp_path / f"{paper.value}.pdf")
    assert pdf_qr_codes(pdf) == [record.qr_payload]
    words = pdf_text(pdf)
    from desktop.receipt import format_date_local
    from posko.workdays import deadlines

    due = deadlines("pengaduan", "mudik", record.created_at)
    for expected in (
        record.tracking_display,
        "Nomor pelacakan",
        "Laporan Anda",
        record.title,
        # Both deadlines as dates, each said to count from the day of the report.
        f"paling lambat {format_date_local(due.verify_by)} (3 hari kerja sejak hari laporan",
        f"paling lambat {format_date_local(due.answer_by)} (5 hari kerja sejak hari laporan",
        "Posko Pelabuhan Merak (MRK)",
        "Pengaduan",
        "Pelabuhan dan penyeberangan",
        "Anonim",
        "Rahasia",
        "Langkah selanjutnya",
        "1708",
        "Siti Rahmawati",
    ):
        assert expected in words, expected
    assert len(record.tracking_id) == 12  # the longest everyday ID: a never-enrolled desk
    assert record.tracking_display in pdf_words_on_page(pdf)  # whole, not cut at the edge
    # No personal data on the receipt or in its QR.
    for private in ("Dewi", "3456", record.description[:20]):
        assert private not in words and private not in record.qr_payload


def test_thermal_rolls_have_the_roll_width(
    qapp: QGuiApplication, store: Store, tmp_path: Path
) -> None:
    content = build_receipt(saved(store), store.require_context(), store.catalog)
    for paper, width in ((PaperSize.THERMAL_58, 58), (PaperSize.THERMAL_80, 80)):
        w, h = pdf_page_size_mm(render_pdf(content, paper, tmp_path / f"{width}.pdf"))
        assert w == pytest.approx(width, abs=0.5)
        assert 100 < h < 300  # as long as the receipt, not an A4 sheet
    w, h = pdf_page_size_mm(render_pdf(content, PaperSize.A6, tmp_path / "a6.pdf"))
    assert (round(w), round(h)) == (105, 148)


@pytest.mark.parametrize(("zone", "hours"), [("WIB", 7), ("WITA", 8), ("WIT", 9)])
def test_the_time_is_in_the_posts_zone_not_the_laptops(
    qapp: QGuiApplication, store: Store, tmp_path: Path, zone: str, hours: int
) -> None:
    """A laptop whose clock is on UTC (as the test machine's is) prints the post's time:
    before, the receipt said "05.40 UTC" at a post in Java at 12.40 WIB."""
    import dataclasses
    from datetime import UTC, datetime, timedelta, timezone

    record = dataclasses.replace(saved(store), created_at=datetime(2026, 3, 27, 16, 30, tzinfo=UTC))
    context = dataclasses.replace(store.require_context(), time_zone=zone)
    content = build_receipt(record, context, store.catalog)
    local = record.created_at.astimezone(timezone(timedelta(hours=hours)))
    assert content.created == f"{'Sabtu' if hours > 7 else 'Jumat'}, {local.day} Maret 2026 " + (
        f"{local:%H.%M} {zone}"
    )
    assert f"{local:%H.%M} {zone}" in pdf_text(
        render_pdf(content, PaperSize.THERMAL_58, tmp_path / "r.pdf")
    )


def test_with_no_tracking_address_the_receipt_asks_nothing_that_cannot_work(
    qapp: QGuiApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A programme built with no tracking address and a desk with no central system: no QR
    code (a bare ID opens nothing on a phone), no "scan" and no page to open; the SMS line
    and the posts, which do work, and the access code for later."""
    from desktop import programme
    from desktop.paths import Profile

    monkeypatch.setattr(
        programme, "programme", lambda: programme.Programme("Posko Mudik", "", "1708")
    )
    offline = Store.open(Profile(tmp_path / "offline"))
    try:
        offline.setup(post_code="MRK", post_name="Posko Merak", operator="Siti")
        record = saved(offline)
        assert record.qr_payload == ""
        content = build_receipt(record, offline.require_context(), offline.catalog)
        pdf = render_pdf(content, PaperSize.THERMAL_58, tmp_path / "r.pdf")
        words = pdf_text(pdf)
        assert pdf_qr_codes(pdf) == []
        assert "Pindai" not in words and "buka alamat" not in words
        assert "Kirim SMS ke 1708 berisi nomor pelacakan" in words
        assert "tanyakan di posko mudik mana pun" in words and "Kode akses" in words
    finally:
        offline.close()


def test_a_bad_programme_file_is_refused(tmp_path: Path) -> None:
    import json

    from desktop.programme import ProgrammeError, load

    good = {
        "name": "Posko Mudik",
        "tracking_address": "https://posko-mudik.id/",
        "sms_number": "1708",
    }
    path = tmp_path / "programme.json"
    path.write_text(json.dumps(good))
    assert load(path).tracking_address == "https://posko-mudik.id"
    for bad in (
        {**good, "tracking_address": "http://posko-mudik.id"},  # a phone would warn
        {**good, "tracking_address": "https://posko mudik.id"},
        {**good, "name": ""},
        {k: v for k, v in good.items() if k != "sms_number"},
        {**good, "sms_number": 1708},
    ):
        path.write_text(json.dumps(bad))
        with pytest.raises(ProgrammeError):
            load(path)


def test_english_receipt(qapp: QGuiApplication, store: Store, tmp_path: Path) -> None:
    set_language("en")
    content = build_receipt(saved(store), store.require_context(), store.catalog)
    words = pdf_text(render_pdf(content, PaperSize.THERMAL_80, tmp_path / "en.pdf"))
    assert "Tracking number" in words and "What happens next" in words


def test_flags_and_types_are_printed(qapp: QGuiApplication, store: Store, tmp_path: Path) -> None:
    record = saved(store, type=ComplaintType.INFORMASI, anonymous=True, confidential=True)
    content = build_receipt(record, store.require_context(), store.catalog)
    assert ("Anonim", "Ya") in content.facts and ("Rahasia", "Ya") in content.facts
    words = pdf_text(render_pdf(content, PaperSize.A4, tmp_path / "a4.pdf"))
    assert "Permintaan informasi" in words


def test_image_rendering_matches_what_a_thermal_head_prints(
    qapp: QGuiApplication, store: Store
) -> None:
    record = saved(store)
    content = build_receipt(record, store.require_context(), store.catalog)
    image = render_image(content, PaperSize.THERMAL_58)
    assert image.width() == round(58 * 203 / 25.4)
    assert [b.text for b in zxingcpp.read_barcodes(image)] == [record.qr_payload]


def test_unwritable_target_is_a_print_error(
    qapp: QGuiApplication, store: Store, tmp_path: Path
) -> None:
    content = build_receipt(saved(store), store.require_context(), store.catalog)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(PrintError):
        render_pdf(content, PaperSize.THERMAL_58, blocker / "receipt.pdf")


def test_a_failed_write_never_replaces_a_good_receipt(
    qapp: QGuiApplication, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = build_receipt(saved(store), store.require_context(), store.catalog)
    target = render_pdf(content, PaperSize.THERMAL_58, tmp_path / "r.pdf")
    good = target.read_bytes()
    assert good.startswith(b"%PDF")

    def painter_fails(*_args: object) -> None:
        raise PrintError("the printer or file could not be opened for painting")

    # Fault injection: the painter fails half-way (as on a full disk).
    monkeypatch.setattr("desktop.printing.render.paint_on", painter_fails)
    with pytest.raises(PrintError):
        render_pdf(content, PaperSize.THERMAL_58, target)
    assert target.read_bytes() == good
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == ["r.pdf"]
    assert not list(tmp_path.glob(".receipt-*"))  # no temporary files left


@pytest.mark.parametrize(("prefix", "sequence"), [("SVYAN7Y", 1), ("WMWMWMW", 8000)])
def test_a_wide_tracking_id_stays_whole_on_the_58mm_roll(
    qapp: QGuiApplication, store: Store, tmp_path: Path, prefix: str, sequence: int
) -> None:
    """Provisional IDs are random; wide letters (W, M) once made the 58 mm layout break the
    ID at a hyphen (SVY-AN7- / Y22-23K, found by CI). It is shrunk to one line instead."""
    import dataclasses

    from posko import tracking

    wide = tracking.TrackingId.make(prefix, sequence).compact
    record = dataclasses.replace(saved(store), tracking_id=wide)
    content = build_receipt(record, store.require_context(), store.catalog)
    pdf = render_pdf(content, PaperSize.THERMAL_58, tmp_path / "wide.pdf")
    assert record.tracking_display in pdf_words_on_page(pdf)


def test_a_receipt_printed_before_enrollment_carries_its_secret(
    qapp: QGuiApplication, tmp_path: Path
) -> None:
    """A desk set up with no central address yet: its receipt still carries the report's
    secret (printed as the access code), its QR opens the programme's tracking page (a
    phone can open it; before, the QR held the bare ID while the receipt said to scan it),
    and a reprint once the desk knows its own address has the QR with that address."""
    from desktop.paths import Profile
    from desktop.receipt import access_code
    from desktop.settings import CENTRAL_URL

    offline = Store.open(Profile(tmp_path / "offline"))
    try:
        offline.setup(post_code="MRK", post_name="Posko Merak", operator="Siti")
        record = saved(offline, confidential=True)
        content = build_receipt(record, offline.require_context(), offline.catalog)
        pdf = render_pdf(content, PaperSize.THERMAL_58, tmp_path / "before.pdf")
        words = pdf_text(pdf)
        code = access_code(record.secret)
        assert len(code) == 14 and code.replace("-", "") == record.secret
        assert code in words and "Kode akses" in words
        programme = "https://posko-mudik.id"  # assets/programme.json
        assert pdf_qr_codes(pdf) == [f"{programme}/t/{record.tracking_id}?k={record.secret}"]
        assert record.qr_payload == pdf_qr_codes(pdf)[0]
        assert "Pindai kode QR" in words and "posko-mudik.id/t" in words

        offline.set(CENTRAL_URL, "https://lacak.posko.test")  # as enrollment does
        again = build_receipt(record, offline.require_context(), offline.catalog)
        reprint = render_pdf(again, PaperSize.THERMAL_58, tmp_path / "after.pdf")
        assert pdf_qr_codes(reprint) == [
            f"https://lacak.posko.test/t/{record.tracking_id}?k={record.secret}"
        ]
        assert code in pdf_text(reprint)
    finally:
        offline.close()


def _word_box(pdf: Path, word: str) -> tuple[float, float, float, float]:
    """The first box pdftotext finds for ``word``, in PDF points (x0, y0, x1, y1)."""
    import re
    import subprocess

    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    for match in re.finditer(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', out
    ):
        if match.group(5) == word:
            x0, y0, x1, y1 = (float(match.group(i)) for i in range(1, 5))
            return x0, y0, x1, y1
    raise AssertionError(f"{word!r} is not on the receipt")


def test_the_body_text_is_large_enough_on_the_58mm_roll_at_203_dpi(
    qapp: QGuiApplication, store: Store, tmp_path: Path
) -> None:
    """Measured as a thermal head prints it: the capital D of the deadline line ("Dijawab
    instansi paling lambat ...") on the 203-dpi image of the 58 mm roll is at least 2 mm
    tall (about 8.5 pt type), readable at arm's length by an older traveller. Before: the
    steps were 6.8 pt, a 1.7 mm capital."""
    content = build_receipt(saved(store), store.require_context(), store.catalog)
    pdf = render_pdf(content, PaperSize.THERMAL_58, tmp_path / "r.pdf")
    image = render_image(content, PaperSize.THERMAL_58)
    x0, y0, _x1, y1 = _word_box(pdf, "Dijawab")
    px = 203 / 72  # the PDF page and the image share the layout, in points and dots
    left, top, bottom = round(x0 * px), round(y0 * px), round(y1 * px)
    strip = range(left, left + round(3 * px))  # the first stroke of the D, not the i
    dark_rows = [
        y
        for y in range(top, bottom + 1)
        if any(image.pixelColor(x, y).lightness() < 128 for x in strip)
    ]
    cap_mm = (dark_rows[-1] - dark_rows[0] + 1) / 203 * 25.4
    assert cap_mm >= 2.0, f"capital {cap_mm:.2f} mm"


def test_the_tracking_address_is_printed_whole_on_one_line(
    qapp: QGuiApplication, store: Store, tmp_path: Path
) -> None:
    """The address the citizen types is one word on the page, without the https:// a
    browser adds itself; before, the 58 mm roll broke it after "https://"."""
    content = build_receipt(saved(store), store.require_context(), store.catalog)
    pdf = render_pdf(content, PaperSize.THERMAL_58, tmp_path / "r.pdf")
    assert "pelacakan.posko.test/t" in pdf_words_on_page(pdf)
    assert "https://" not in pdf_text(pdf)
