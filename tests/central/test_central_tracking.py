"""The citizen's tracking page, its JSON and its SMS reply, through the real app and a real
database (SQLite and PostgreSQL): what shows, what never shows, and how mistakes are told."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from central import models
from central.app import create_app
from central.store import CentralStore
from central.tracking_page import JAKARTA, SMS_LIMIT, local_date, local_time
from posko import tracking, wire
from tests.central_support import complaint_record, enroll

PRIVATE = ("Budi Santoso", "+6281234567890", "81234567890", "budi@example.com", "Siti Rahmawati")
LOCAL_TIME = re.compile(r"\w+, \d{1,2} \w+ \d{4} \d{2}\.\d{2} WIB")
EXPECTED = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # Monday 30 November, 10.00 WIB


@dataclass
class Report:
    tracking_id: str
    secret: str
    record: dict[str, Any]

    @property
    def display(self) -> str:
        return tracking.display(self.tracking_id)


@dataclass
class Desk:
    store: CentralStore
    client: TestClient
    sequence: int = 0

    def report(self, *, provisional: bool = False, **overrides: Any) -> Report:
        _token, device = enroll(self.store, provisional=provisional)
        self.sequence += 1
        overrides.setdefault("email", "budi@example.com")
        prefix = device.provisional_prefix if provisional else device.tracking_prefix
        assert prefix is not None
        record = complaint_record(prefix, self.sequence, **overrides)
        [result] = self.store.push(device, [record])
        assert result.result == wire.RecordOutcome.ACCEPTED, result.reason
        return Report(record["tracking_id"], record["secret"], record)

    def forwarded(self, **overrides: Any) -> Report:
        """A report verified, then forwarded to an agency with a response date."""
        report = self.report(**overrides)
        self.store.set_status(
            report.tracking_id,
            wire.CentralStatus.VERIFIED,
            actor="petugas",
            public_note="Laporan lengkap, diteruskan ke Kemenhub.",
        )
        self.store.set_status(
            report.tracking_id,
            wire.CentralStatus.FORWARDED,
            actor="petugas",
            agency="Kementerian Perhubungan",
        )
        set_expected(self.store, report.tracking_id, EXPECTED)
        return report


def set_expected(store: CentralStore, tracking_id: str, when: datetime | None) -> None:
    with store.session() as session, session.begin():
        session.execute(
            update(models.Complaint)
            .where(models.Complaint.tracking_id == tracking_id)
            .values(expected_at=when)
        )


@pytest.fixture
def desk(central_store: CentralStore) -> Iterator[Desk]:
    with TestClient(create_app(central_store)) as client:
        yield Desk(central_store, client)


def assert_nothing_private(text: str) -> None:
    for value in PRIVATE:
        assert value not in text


# -- formatting ------------------------------------------------------------------------------


def test_local_time_is_jakarta_time_in_the_language() -> None:
    moment = datetime(2026, 11, 23, 7, 5, tzinfo=UTC)
    assert local_time(moment, "id") == "Senin, 23 November 2026 14.05 WIB"
    assert local_time(moment, "en") == "Monday, 23 November 2026, 14:05 WIB"
    # 20.30 UTC is already the next day in Jakarta.
    assert local_date(datetime(2026, 11, 29, 20, 30, tzinfo=UTC), "id") == "Senin, 30 November 2026"


# -- the page --------------------------------------------------------------------------------


def test_page_shows_status_timeline_agency_date_and_the_report(desk: Desk) -> None:
    report = desk.forwarded()
    answer = desk.client.get(f"/t/{report.tracking_id}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["cache-control"] == "no-store"
    assert "style-src 'self'" in answer.headers["content-security-policy"]
    html = answer.text
    assert '<html lang="id">' in html
    assert report.display in html
    assert '<span class="status__label">Diteruskan ke instansi</span>' in html
    # The timeline, oldest first, each with its local time.
    labels = re.findall(r'<p class="timeline__label">([^<]+)', html)
    assert [label.strip() for label in labels] == [
        "Diterima sistem pusat",
        "Diverifikasi",
        "Diteruskan ke instansi",
    ]
    assert len(LOCAL_TIME.findall(html)) == 3  # one for each step
    assert "Kementerian Perhubungan" in html
    assert "Senin, 30 November 2026" in html
    assert "Jalan tol dan rest area" in html  # the category's name
    assert "Pengaduan" in html
    assert "Antrean panjang di gerbang tol" in html
    assert "Gerbang Tol Cikampek Utama" in html
    # A public note on a report that is neither anonim nor rahasia is public.
    assert "Laporan lengkap, diteruskan ke Kemenhub." in html
    assert_nothing_private(html)
    # Nothing inline: the CSP allows neither inline styles nor scripts.
    assert "<script" not in html and "style=" not in html and "<style" not in html
    css = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert css is not None
    sheet = desk.client.get(css.group(1))
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/css")
    assert desk.client.get("/static/nothing.css").status_code == 404


def test_page_shows_the_response_date_in_working_days(desk: Desk) -> None:
    """The due date is set when the report arrives: 5 working days from the day the citizen
    reported, the same date the receipt printed."""
    from desktop.receipt import format_date_local
    from posko.workdays import deadlines

    report = desk.report()
    html = desk.client.get(f"/t/{report.tracking_id}").text
    assert "Diterima" in html
    view = desk.store.complaint(report.tracking_id)
    assert view is not None and view.expected_at is not None
    due = deadlines("pengaduan", "mudik", view.created_at).answer_by
    assert format_date_local(due, "id") in html
    assert "Ditetapkan setelah laporan diverifikasi" not in html
    assert "Instansi" not in html  # no agency yet


def test_the_secret_shows_staff_notes_to_the_reporter(desk: Desk) -> None:
    report = desk.forwarded(anonymous=True)
    # A note to an anonymous reporter can name them: without the secret it stays hidden.
    assert "Laporan lengkap" not in desk.client.get(f"/t/{report.tracking_id}").text
    html = desk.client.get(f"/t/{report.tracking_id}?k={report.secret}").text
    assert "Laporan lengkap, diteruskan ke Kemenhub." in html
    assert_nothing_private(html)
    data = desk.client.get(f"/api/v1/track/{report.tracking_id}?k={report.secret}").json()
    assert data["secret_accepted"] is True
    assert [step["note"] for step in data["timeline"]][
        1
    ] == "Laporan lengkap, diteruskan ke Kemenhub."


def test_a_confidential_report_does_not_exist_without_the_secret(desk: Desk) -> None:
    """Without its secret (or with a wrong one) a rahasia report answers exactly as a valid
    number that has not arrived, in every format: tracking numbers are sequential, and a
    status shown would point at it from the gaps between public ones."""
    report = desk.forwarded(confidential=True, title="Pungli di loket tiket kapal")
    never = tracking.TrackingId.make(report.tracking_id[:4], 700_000).compact

    def same(path: str, **params: str) -> None:
        hidden = desk.client.get(path.format(report.tracking_id), params=params)
        unknown = desk.client.get(path.format(never), params=params)
        assert hidden.status_code == unknown.status_code, path

        def masked(text: str, compact: str) -> str:
            return text.replace(tracking.display(compact), "#").replace(compact, "#")

        assert masked(hidden.text, report.tracking_id) == masked(unknown.text, never), path
        for text in ("Pungli", "Diteruskan", "Perhubungan", "30 November", "30/11/2026"):
            assert text not in hidden.text, (path, text)
        assert_nothing_private(hidden.text)

    for path in ("/t/{}", "/api/v1/track/{}", "/api/v1/track/{}/sms"):
        same(path)
        same(path, k="ABCDEFGHJKMN")
    assert "kode akses" in desk.client.get(f"/t/{report.tracking_id}").text

    shown = desk.client.get(f"/t/{report.tracking_id}?k={report.secret}").text
    for text in ("Pungli di loket tiket kapal", "Gerbang Tol Cikampek Utama", "Jalan tol"):
        assert text in shown
    assert "Diteruskan ke instansi" in shown and "30 November 2026" in shown
    assert_nothing_private(shown)
    unlocked = desk.client.get(f"/api/v1/track/{report.tracking_id}?k={report.secret}").json()
    assert unlocked["title"] == "Pungli di loket tiket kapal"
    assert unlocked["expected_at"].startswith("2026-11-30T03:00:00")
    assert unlocked["agency"] == "Kementerian Perhubungan"


def test_no_public_format_ever_shows_the_reporter(desk: Desk) -> None:
    anonymous = desk.forwarded(anonymous=True)
    named = desk.forwarded()
    for report in (anonymous, named):
        for path in (
            f"/t/{report.tracking_id}",
            f"/t/{report.tracking_id}?k={report.secret}",
            f"/t/{report.tracking_id}?k={report.secret}&lang=en",
            f"/api/v1/track/{report.tracking_id}?k={report.secret}",
            f"/api/v1/track/{report.tracking_id}/sms",
        ):
            answer = desk.client.get(path)
            assert answer.status_code == 200
            assert_nothing_private(answer.text)
            assert "Budi" not in answer.text


def test_report_text_is_escaped_never_markup(desk: Desk) -> None:
    report = desk.report(
        title='<img src=x onerror="alert(1)">',
        description="<script>window.pwned=1</script>\nBaris kedua & seterusnya",
    )
    html = desk.client.get(f"/t/{report.tracking_id}").text
    assert "<script>window.pwned" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "Baris kedua &amp; seterusnya" in html


def test_english_on_request_and_the_switch_keeps_the_secret(desk: Desk) -> None:
    report = desk.forwarded(confidential=True)
    html = desk.client.get(f"/t/{report.tracking_id}?k={report.secret}&lang=en").text
    assert '<html lang="en">' in html
    assert "Forwarded to the agency" in html
    assert "Monday, 30 November 2026" in html
    assert "Toll roads and rest areas" in html
    assert "Response expected by" in html
    switch = re.search(r'<a class="lang-switch" href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert switch is not None and switch.group(2) == "Bahasa Indonesia"
    target = switch.group(1).replace("&amp;", "&")
    assert f"k={report.secret}" in target and "lang=id" in target
    back = desk.client.get(target).text
    assert "Diteruskan ke instansi" in back and "Antrean panjang di gerbang tol" in back
    # From Indonesian, the link offers English.
    html_id = desk.client.get(f"/t/{report.tracking_id}?k={report.secret}").text
    assert re.search(r'class="lang-switch" href="[^"]*lang=en[^"]*k=', html_id)
    # An unknown language is not an error: the default.
    french = desk.client.get(f"/t/{report.tracking_id}?lang=fr&k={report.secret}").text
    assert "Diteruskan ke instansi" in french


def test_valid_number_not_received_yet(desk: Desk) -> None:
    compact = tracking.TrackingId.make("2K7M", 42).compact
    page = desk.client.get(f"/t/{compact}")
    assert page.status_code == 200
    assert "Struk ini sah" in page.text and tracking.display(compact) in page.text
    assert "Cek lagi nanti" in page.text
    english = desk.client.get(f"/t/{tracking.display(compact).lower()}?lang=en")
    assert english.status_code == 200 and "This receipt is valid" in english.text

    data = desk.client.get(f"/api/v1/track/{compact}")
    assert data.status_code == 404
    body = data.json()
    assert body["error"] == "unknown" and body["valid"] is True and body["message"]

    sms = desk.client.get(f"/api/v1/track/{compact}/sms?lang=en")
    assert sms.status_code == 404 and "check again later" in sms.text
    assert len(sms.text) <= SMS_LIMIT


@pytest.mark.parametrize(
    ("typed", "reason", "hint"),
    [
        ("2K7-MQA-4OX", "bad_character", "“O”"),
        ("2K7MQA", "bad_length", "Panjangnya 6 karakter"),
        (
            tracking.display(tracking.TrackingId.make("2K7M", 42).compact)[:-1] + "Y",
            "bad_check",
            "salah ketik",
        ),
        ("--", "empty", "belum diisi"),
    ],
)
def test_malformed_numbers_say_which_kind_of_mistake(
    desk: Desk, typed: str, reason: str, hint: str
) -> None:
    if reason == "bad_check":
        assert not tracking.is_valid(tracking.normalize(typed))
    page = desk.client.get(f"/t/{typed}")
    assert page.status_code == 404
    assert "Ini bukan nomor pelacakan yang sah" in page.text
    assert hint in page.text
    assert '<form class="lookup" action="/t" method="get">' in page.text

    data = desk.client.get(f"/api/v1/track/{typed}")
    assert data.status_code == 400
    body = data.json()
    assert body["error"] == "malformed" and body["valid"] is False
    assert body["reason"] == reason and hint in body["message"]

    sms = desk.client.get(f"/api/v1/track/{typed}/sms")
    assert sms.status_code == 400 and "bukan nomor pelacakan yang sah" in sms.text
    assert len(sms.text) <= SMS_LIMIT


def test_a_typed_number_opens_its_page(desk: Desk) -> None:
    assert "Lacak laporan" in desk.client.get("/t").text
    answer = desk.client.get(
        "/t", params={"number": " 2k7-mqa 42x ", "lang": "en"}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/t/2K7MQA42X?lang=en"


def test_every_look_up_is_rate_limited(central_store: CentralStore) -> None:
    _token, device = enroll(central_store)
    record = complaint_record(device.tracking_prefix, 1)
    central_store.push(device, [record])
    client = TestClient(create_app(central_store, rate_limit_per_minute=3))
    compact = record["tracking_id"]
    assert client.get(f"/t/{compact}").status_code == 200
    assert client.get(f"/api/v1/track/{compact}").status_code == 200
    assert client.get(f"/api/v1/track/{compact}/sms").status_code == 200
    refused = client.get(f"/t/{compact}")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert "Terlalu banyak permintaan" in refused.text
    english = client.get(f"/api/v1/track/{compact}?lang=en")
    assert english.status_code == 429
    body = english.json()
    assert body["error"] == "rate_limited" and body["retry_after"] >= 1
    assert body["message"].startswith("Too many look-ups")
    sms = client.get(f"/api/v1/track/{compact}/sms")
    assert sms.status_code == 429 and len(sms.text) <= SMS_LIMIT
    # Malformed guesses cost a token too.
    assert client.get("/api/v1/track/XXXXXXXXX").status_code == 429


# -- JSON ------------------------------------------------------------------------------------


def test_json_for_a_public_report(desk: Desk) -> None:
    report = desk.forwarded()
    answer = desk.client.get(f"/api/v1/track/{report.display}?lang=en")
    assert answer.status_code == 200
    data = answer.json()
    assert data["tracking_id"] == report.tracking_id and data["display"] == report.display
    assert data["status"] == "forwarded" and data["status_label"] == "Forwarded to the agency"
    assert data["open"] is True and data["confidential"] is False
    assert data["category"] == "TOL" and data["category_name"] == "Toll roads and rest areas"
    assert data["type"] == "pengaduan" and data["type_label"] == "Complaint"
    assert data["agency"] == "Kementerian Perhubungan"
    assert data["title"] == "Antrean panjang di gerbang tol"
    assert data["description"].startswith("Antrean di gerbang tol")
    assert [step["status"] for step in data["timeline"]] == ["received", "verified", "forwarded"]
    assert data["timeline"][0]["changed_at_local"].endswith("WIB")
    assert datetime.fromisoformat(data["received_at"]).tzinfo is not None
    assert "secret" not in str(data).lower().replace("secret_accepted", "")
    assert_nothing_private(answer.text)

    desk.store.set_status(report.tracking_id, wire.CentralStatus.RESOLVED, actor="petugas")
    closed = desk.client.get(f"/api/v1/track/{report.tracking_id}").json()
    assert closed["open"] is False and closed["status_label"] == "Selesai"


def test_openapi_documents_the_tracking_answers(desk: Desk) -> None:
    schema = desk.client.get("/api/openapi.json").json()
    track = schema["paths"]["/api/v1/track/{tracking_id}"]["get"]["responses"]
    assert {"200", "400", "404", "429"} <= set(track)
    sms = schema["paths"]["/api/v1/track/{tracking_id}/sms"]["get"]["responses"]
    assert sms["200"]["content"]["text/plain"]["schema"]["maxLength"] == SMS_LIMIT
    assert "/api/v1/track/{tracking_id}/sms" in schema["paths"]
    components = schema["components"]["schemas"]
    assert {"TrackedReport", "MalformedId", "UnknownReport", "RateLimited"} <= set(components)


# -- SMS -------------------------------------------------------------------------------------


def test_sms_reply(desk: Desk) -> None:
    report = desk.forwarded()
    sms = desk.client.get(f"/api/v1/track/{report.tracking_id}/sms")
    assert sms.status_code == 200 and sms.headers["content-type"].startswith("text/plain")
    today = datetime.now(UTC).astimezone(JAKARTA).strftime("%d/%m/%Y")
    assert sms.text == (
        f"Laporan {report.display}: Diteruskan ke instansi (Kementerian Perhubungan), "
        f"{today}. Batas tanggapan 30/11/2026."
    )
    english = desk.client.get(f"/api/v1/track/{report.tracking_id}/sms?lang=en").text
    assert english.startswith(f"Report {report.display}: Forwarded to the agency")
    assert english.endswith("Response due 30/11/2026.")

    desk.store.set_status(report.tracking_id, wire.CentralStatus.RESOLVED, actor="petugas")
    resolved = desk.client.get(f"/api/v1/track/{report.tracking_id}/sms").text
    assert "Selesai" in resolved and "Batas" not in resolved  # nothing is due any more


@pytest.mark.parametrize("lang", ["id", "en"])
def test_sms_fits_160_plain_characters_with_a_long_agency(desk: Desk, lang: str) -> None:
    # A never-enrolled desk's 12-character ID is the longest usual one.
    report = desk.report(provisional=True)
    assert len(report.tracking_id) == 12
    long_agency = (
        "Kementerian Pekerjaan Umum dan Perumahan Rakyat — Direktorat Jenderal Bina Marga, "
        "BBPJN Jawa Barat I"
    )
    assert len(long_agency) == 100  # the longest the central system stores
    desk.store.set_status(
        report.tracking_id,
        wire.CentralStatus.NOT_AUTHORITY,
        actor="petugas",
        agency=long_agency,
    )
    sms = desk.client.get(f"/api/v1/track/{report.tracking_id}/sms?lang={lang}").text
    assert len(sms) <= SMS_LIMIT
    assert sms.isascii()  # GSM-7 safe: one accent would cut an SMS to 70 characters
    status = "Bukan wewenang (dialihkan)" if lang == "id" else "Not within its authority"
    assert status in sms
    assert "(Kementerian Pekerjaan Umum" in sms and "...)" in sms
    # The due date, in working days from the report (set when it arrived).
    assert re.search(r"(Batas tanggapan|Response due) \d{2}/\d{2}/\d{4}\.$", sms), sms
