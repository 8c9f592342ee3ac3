"""The statistics page as a coordinator's browser shows it: Debian's Chromium, headless,
driven by Playwright, against the real ``posko-central serve`` (SQLite and PostgreSQL).
Signed in through the sign-in form; no console error (a Content-Security-Policy violation
is one), and every chart image loads."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.central.test_central_statistics import _load
from tests.central.test_central_tracking_browser import Phone, browser  # noqa: F401
from tests.central_support import CentralServer

pytestmark = pytest.mark.slow


def test_the_page_loads_its_charts_without_a_csp_violation(
    browser: Browser,  # noqa: F811 (the fixture imported above)
    central_server: CentralServer,
) -> None:
    _load(central_server.store)
    key = central_server.store.create_client("Koordinator", "staff")
    phone = Phone(browser, central_server.url)
    try:
        page = phone.open("/staf/statistik?lang=en")  # the sign-in form, after the redirect
        assert "/staf/masuk" in page.url
        page.fill("#key", key)
        with page.expect_navigation(wait_until="load"):
            page.click("button[type=submit]")
        assert page.url.split("?")[0].endswith("/staf/statistik")
        page.goto("/staf/statistik?lang=en&post=MRK", wait_until="networkidle")
        images = page.eval_on_selector_all(
            "img[src^='/staf/statistik/grafik/']",
            "els => els.map(e => [e.complete && e.naturalWidth > 0, e.alt])",
        )
        assert len(images) == 6 and all(loaded and alt for loaded, alt in images), images
        assert "MRK" in page.inner_text("#per-post")
        page.select_option("select[name=post]", "BKH")
        with page.expect_navigation(wait_until="networkidle"):
            page.click("form.stats__filters button[type=submit]")
        assert "post=BKH" in page.url and "BKH" in page.inner_text("#per-post")
    finally:
        phone.context.close()
    assert phone.errors == [], phone.errors
