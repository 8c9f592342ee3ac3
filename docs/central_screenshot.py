"""The central statistics page as docs/central-statistics.png shows it: a throwaway SQLite
central system filled with the tests' two posts over three days, signed in as a
coordinator, photographed by headless Chromium (1280 px wide, the whole page).

    PYTHONPATH=. python docs/central_screenshot.py docs/central-statistics.png
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from central.db import open_database
from central.store import CentralStore
from tests.central.test_central_statistics import _load
from tests.central.test_central_tracking_browser import CHROMIUM, CHROMIUM_ARGS
from tests.central_support import start_server, stop_process


def main(out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="posko-shot-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'central.sqlite3'}"
        store = CentralStore(open_database(url))
        _load(store)
        key = store.create_client("Koordinator", "staff")
        process, server = start_server(url, Path(tmp) / "server.log")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(f"{server}/staf/statistik", wait_until="load")
                page.fill("#key", key)
                with page.expect_navigation(wait_until="networkidle"):
                    page.click("button[type=submit]")
                page.screenshot(path=str(out), full_page=True)
                browser.close()
        finally:
            stop_process(process)
            store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
