"""The tracking page as a citizen's phone shows it: Debian's Chromium, headless, driven by
Playwright, against the real ``posko-central serve`` process on SQLite and on PostgreSQL.

Any console error fails a test: a Content-Security-Policy violation (an inline style or
script slipping into a template) is reported there. Set ``POSKO_SCREENSHOT_DIR`` (e.g.
``docs``) to keep the screenshot of a report mid-way through its statuses.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize, sync_playwright
from sqlalchemy import select, update

from central import models
from central.store import CentralStore
from posko import tracking, wire
from tests.central_support import CentralServer, complaint_record, enroll

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found (install Debian's chromium package)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Phone:
    """One browser page the size of a phone; collects every console error and page error."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.context_base = base_url
        self.context = browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="id-ID",
            base_url=base_url,
        )
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.expected_failures: set[str] = set()  # documents opened expecting an error status
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type not in ("error", "warning"):
            return
        # Chromium reports a page served with 404 as a failed resource: expected there.
        if (
            message.text.startswith("Failed to load resource")
            and message.location.get("url") in self.expected_failures
        ):
            return
        self.errors.append(f"{message.type}: {message.text} ({message.location.get('url')})")

    def open(self, path: str, status: int = 200) -> Page:
        if status >= 400:
            self.expected_failures.add(f"{self.context_base}{path}")
        response = self.page.goto(path, wait_until="load")
        assert response is not None and response.status == status, path
        return self.page

    def text(self) -> str:
        return self.page.inner_text("body")


@pytest.fixture
def phone(browser: Browser, central_server: CentralServer) -> Iterator[Phone]:
    phone = Phone(browser, central_server.url)
    try:
        yield phone
    finally:
        phone.context.close()
    assert phone.errors == [], phone.errors


def push(store: CentralStore, sequence: int, **overrides: Any) -> dict[str, Any]:
    _token, device = enroll(store)
    record = complaint_record(device.tracking_prefix, sequence, **overrides)
    [result] = store.push(device, [record])
    assert result.result == wire.RecordOutcome.ACCEPTED, result.reason
    return record


def set_expected(store: CentralStore, tracking_id: str, when: datetime) -> None:
    with store.session() as session, session.begin():
        session.execute(
            update(models.Complaint)
            .where(models.Complaint.tracking_id == tracking_id)
            .values(expected_at=when)
        )


def spread_over_days(store: CentralStore, tracking_id: str) -> None:
    """A real report's steps take days, not the milliseconds a test takes."""
    moments = [
        datetime(2026, 11, 21, 2, 12, tzinfo=UTC),  # Sabtu 09.12 WIB
        datetime(2026, 11, 21, 6, 40, tzinfo=UTC),
        datetime(2026, 11, 22, 1, 5, tzinfo=UTC),
        datetime(2026, 11, 23, 7, 5, tzinfo=UTC),  # Senin 14.05 WIB
    ]
    with store.session() as session, session.begin():
        complaint_id = session.scalar(
            select(models.Complaint.id).where(models.Complaint.tracking_id == tracking_id)
        )
        ids = session.scalars(
            select(models.StatusChange.id)
            .where(models.StatusChange.complaint_id == complaint_id)
            .order_by(models.StatusChange.id)
        ).all()
        for change_id, moment in zip(ids, moments, strict=True):
            session.execute(
                update(models.StatusChange)
                .where(models.StatusChange.id == change_id)
                .values(changed_at=moment)
            )
        session.execute(
            update(models.Complaint)
            .where(models.Complaint.id == complaint_id)
            .values(received_at=moments[0], created_at=moments[0])
        )


def test_status_shows_and_the_styles_load(phone: Phone, central_server: CentralServer) -> None:
    store = central_server.store
    record = push(store, 1)
    store.set_status(record["tracking_id"], wire.CentralStatus.VERIFIED, actor="petugas")
    page = phone.open(f"/t/{record['tracking_id']}")
    status = page.locator(".status__label")
    assert status.inner_text() == "Diverifikasi"
    assert page.locator(".tracking-id").inner_text() == tracking.display(record["tracking_id"])
    assert page.locator(".timeline__item").count() == 2
    # The stylesheet applied (not blocked by the CSP): the status has its tinted background.
    background = status.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.locator(".lang-switch").click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".status__label").inner_text() == "Verified"


def test_confidential_report_hidden_without_the_secret(
    phone: Phone, central_server: CentralServer
) -> None:
    record = push(
        central_server.store,
        1,
        confidential=True,
        title="Pungli di loket tiket kapal",
        description="Petugas loket meminta uang tambahan Rp50.000 per kendaraan.",
        location="Loket 3 Pelabuhan Merak",
    )
    secrets = ("Pungli di loket", "Rp50.000", "Loket 3 Pelabuhan Merak", "Budi Santoso")
    # Without the secret it is, to anyone, a valid number that has not arrived.
    phone.open(f"/t/{record['tracking_id']}")
    text = phone.text()
    assert "Struk ini sah" in text and "Diterima" not in text
    for secret in secrets:
        assert secret not in text
    assert secrets[0] not in phone.page.content()

    # Its reporter types the receipt's access code into the page's own form.
    secret = record["secret"]
    phone.page.fill("#number", record["tracking_id"])
    phone.page.fill("#code", "-".join(secret[i : i + 4] for i in range(0, 12, 4)).lower())
    phone.page.locator("form.lookup button").click()
    phone.page.wait_for_load_state("load")
    assert "Pungli di loket" in phone.text()

    phone.open(f"/t/{record['tracking_id']}?k={record['secret']}")
    text = phone.text()
    for shown in secrets[:3]:
        assert shown in text
    assert "Laporan rahasia" not in text and "Budi Santoso" not in text

    # The language switch keeps the secret: the English page still shows the details.
    phone.page.locator(".lang-switch").click()
    phone.page.wait_for_load_state("load")
    assert "Pungli di loket" in phone.text() and "Your report" in phone.text()


def test_anonymous_report_never_shows_a_name(phone: Phone, central_server: CentralServer) -> None:
    record = push(central_server.store, 1, anonymous=True, reporter_name="Rahmat Hidayat")
    for path in (f"/t/{record['tracking_id']}", f"/t/{record['tracking_id']}?k={record['secret']}"):
        phone.open(path)
        html = phone.page.content()
        assert "Rahmat" not in html and "Hidayat" not in html
        assert record["phone"] not in html and "Siti Rahmawati" not in html


def test_script_in_a_report_is_only_text(phone: Phone, central_server: CentralServer) -> None:
    record = push(
        central_server.store,
        1,
        title="<b>tebal</b>",
        description="<script>window.pwned=1</script><img src=x onerror=window.pwned=2>",
    )
    page = phone.open(f"/t/{record['tracking_id']}")
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.locator(".details__text").inner_text() == record["description"]
    assert page.locator(".details__title").inner_text() == "<b>tebal</b>"
    assert page.locator("script").count() == 0 and page.locator("main img").count() == 0


def test_mistyped_and_pending_numbers(phone: Phone, central_server: CentralServer) -> None:
    compact = tracking.TrackingId.make("2K7M", 42).compact
    phone.open(f"/t/{compact}")
    assert "Struk ini sah" in phone.text()

    swapped = compact[:3] + compact[4] + compact[3] + compact[5:]
    page = phone.open(f"/t/{swapped}", status=404)
    assert "salah ketik" in phone.text()
    # The form opens the corrected number.
    page.fill("#number", tracking.display(compact).lower())
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"**/t/{compact}?lang=id")
    assert "Struk ini sah" in phone.text()


def test_screenshot_of_a_report_mid_way(
    phone: Phone, central_server: CentralServer, tmp_path: Path
) -> None:
    store = central_server.store
    record = push(
        store,
        7,
        category="PELABUHAN",
        title="Antrean kendaraan di dermaga 3 lebih dari 6 jam",
        description=(
            "Sejak pukul 02.00 antrean kendaraan roda empat menuju dermaga 3 tidak bergerak. "
            "Tidak ada petugas yang memberi informasi jadwal kapal, dan toilet di area tunggu "
            "tutup.\nMohon ditambah kapal dan petugas informasi."
        ),
        location="Pelabuhan Merak, dermaga 3",
        post_code="MRK",
    )
    compact = record["tracking_id"]
    store.set_status(
        compact,
        wire.CentralStatus.VERIFIED,
        actor="petugas",
        public_note="Laporan lengkap; diteruskan ke instansi terkait.",
    )
    store.set_status(
        compact, wire.CentralStatus.FORWARDED, actor="petugas", agency="Kementerian Perhubungan"
    )
    store.set_status(
        compact,
        wire.CentralStatus.IN_PROGRESS,
        actor="kemenhub",
        public_note="ASDP menambah dua kapal pada jadwal malam ini.",
    )
    set_expected(store, compact, datetime(2026, 11, 30, 3, 0, tzinfo=UTC))
    spread_over_days(store, compact)
    page = phone.open(f"/t/{compact}?k={record['secret']}")
    assert page.locator(".status__label").inner_text() == "Sedang ditindaklanjuti"
    assert "Senin, 30 November 2026" in phone.text()
    shot = tmp_path / "tracking-page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    target = os.environ.get("POSKO_SCREENSHOT_DIR")
    if target and central_server.database_url.startswith("sqlite"):
        shutil.copyfile(shot, Path(target) / "tracking-page.png")


def test_the_api_documentation_renders_under_its_policy(
    browser: Browser, central_server: CentralServer
) -> None:
    """``/api/docs`` in Chromium: Swagger UI loads from the server itself (no internet at a
    post, and the pages' policy allows nothing from elsewhere) and renders every operation,
    with no policy violation or failed load in the console. Before: the policy blocked the
    CDN scripts it referenced and the page stayed blank."""
    docs = Phone(browser, central_server.url)
    failed: list[str] = []
    docs.page.on("requestfailed", lambda request: failed.append(request.url))
    try:
        page = docs.open("/api/docs")
        page.wait_for_selector(".opblock", timeout=30_000)
        operations = page.locator(".opblock").count()
        assert operations >= 15, operations
        page.locator(".opblock-summary").first.click()  # an operation opened: still clean
        page.wait_for_selector(".opblock-body")
        assert "Posko central system" in docs.text()
        assert all(url.startswith(central_server.url) for url in failed) and not failed, failed
    finally:
        docs.context.close()
    assert docs.errors == [], docs.errors
