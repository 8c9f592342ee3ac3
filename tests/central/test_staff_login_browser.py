"""The staff sign-in as a coordinator's browser does it: Debian's Chromium, headless, on
the real ``posko-central serve`` process (SQLite and PostgreSQL). Chromium sends its own
``Origin``, ``Sec-Fetch-Site`` and cookies, so this proves the page's forms pass the
cross-site check that refuses everyone else's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.central.test_central_tracking_browser import Phone, browser  # noqa: F401
from tests.central_support import CentralServer

pytestmark = pytest.mark.slow


@pytest.fixture
def desk(browser: Browser, central_server: CentralServer) -> Iterator[Phone]:  # noqa: F811
    page = Phone(browser, central_server.url)
    try:
        yield page
    finally:
        page.context.close()
    assert page.errors == [], page.errors


def test_sign_in_see_the_staff_pages_sign_out(desk: Phone, central_server: CentralServer) -> None:
    key = central_server.store.create_client("Koordinator Ani", "staff")
    page = desk.open("/staf")  # not signed in: the form, which leads back here
    assert page.url.startswith(f"{central_server.url}/staf/masuk?next=%2Fstaf")
    desk.expected_failures.add(f"{central_server.url}/staf/masuk")  # the wrong key's 401
    page.fill("#key", "salah-" + key)
    page.locator("form.lookup button").click()
    page.wait_for_load_state("load")
    assert page.locator(".staff__problem").is_visible()
    assert "/staf/masuk" in page.url

    page.fill("#key", key)
    page.locator("form.lookup button").click()
    page.wait_for_load_state("load")
    assert page.url == f"{central_server.url}/staf"
    assert "Koordinator Ani" in desk.text()
    link = page.locator(".staff__pages a")
    assert link.get_attribute("href") == "/staf/statistik?lang=id"
    [cookie] = desk.context.cookies()
    assert cookie["name"] == "posko_staf" and cookie["httpOnly"] and cookie["path"] == "/staf"
    assert cookie["sameSite"] == "Strict"

    page.locator(".lang-switch").click()  # the session holds in either language
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Signed in as Koordinator Ani." in desk.text()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("load")
    assert page.url == f"{central_server.url}/staf/masuk?lang=en"
    assert desk.context.cookies() == []
    desk.open("/staf")
    assert "/staf/masuk" in page.url  # signed out for good
