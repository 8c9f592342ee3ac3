"""Offline → online with no action from anyone: the records queue while the central server
is down and go by themselves, within the back-off's bound, once it is up — in the GUI's
sync service and in the headless ``posko sync``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from central.db import open_database
from central.store import CentralStore
from desktop.domain import ComplaintInput, ComplaintType
from desktop.paths import Profile
from desktop.store.outbox import Outbox
from desktop.store.repo import Store
from desktop.sync.backoff import Backoff
from desktop.sync.enroll import enroll
from desktop.sync.transport import RequestsTransport
from desktop.ui.sync_service import SyncService
from tests.central_support import start_server, stop_process

pytestmark = pytest.mark.slow


def complaint(n: int) -> ComplaintInput:
    return ComplaintInput(
        type=ComplaintType.INFORMASI,
        category="KERETA",
        title=f"Jadwal kereta tambahan {n}",
        description="Apakah ada kereta tambahan ke Yogyakarta pada H-3 Lebaran?",
    )


def enrolled_offline(store: Store, profile: Profile, tmp_path: Path) -> tuple[str, int]:
    """Enroll against a server that then goes away; returns its database URL and port."""
    url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    process, base = start_server(url, tmp_path / "enroll.log")
    central = CentralStore(open_database(url))
    transport = RequestsTransport()
    try:
        code, _ = central.create_enroll_code("MRK", 1)
        enroll(store, profile, base, code, transport)
    finally:
        transport.close()
        central.close()
        stop_process(process)
    return url, int(base.rsplit(":", 1)[1])


def serve_on(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "central.cli", "--database-url", url, "serve", "--port", str(port)],
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    handle.close()
    return process


def count(url: str) -> int:
    central = CentralStore(open_database(url))
    try:
        return central.count(["complaints"])["complaints"]
    finally:
        central.close()


def test_the_gui_service_sends_when_the_server_comes_up(
    qtbot: QtBot, store: Store, profile: Profile, tmp_path: Path
) -> None:
    url, port = enrolled_offline(store, profile, tmp_path)
    for n in range(4):
        store.save_complaint(complaint(n))
    cap = 2.0
    service = SyncService(
        profile, backoff=Backoff(base=0.5, cap=cap), interval_seconds=3600, watch_network=False
    )
    process = None
    try:
        with qtbot.waitSignal(service.finished, timeout=30_000) as first:
            service.start()
        assert first.args[0].problem == "offline"
        assert service.online is False
        assert Outbox(store).counts()["pending"] == 4
        # Nobody presses anything: the server comes up, the back-off's next try sends.
        process = serve_on(url, port, tmp_path / "server.log")
        came_up = time.monotonic()
        qtbot.waitUntil(lambda: count(url) == 4, timeout=30_000)
        assert time.monotonic() - came_up < cap + 10  # start-up of the server + one bound
        qtbot.waitUntil(lambda: Outbox(store).counts()["sent"] == 4, timeout=10_000)
        qtbot.waitUntil(lambda: service.online is True, timeout=10_000)
    finally:
        service.shutdown()
        if process is not None:
            stop_process(process)


def test_headless_sync_keeps_going_until_stopped(
    store: Store, profile: Profile, tmp_path: Path
) -> None:
    url, port = enrolled_offline(store, profile, tmp_path)
    for n in range(3):
        store.save_complaint(complaint(n))
    env = dict(os.environ)
    env.pop("POSKO_LANG", None)
    sync = subprocess.Popen(
        [sys.executable, "-m", "desktop.cli", "--data-dir", str(profile.root), "sync",
         "--interval", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    server = None
    try:
        time.sleep(2)
        assert sync.poll() is None  # offline is no reason to stop
        server = serve_on(url, port, tmp_path / "server.log")
        deadline = time.monotonic() + 60
        while count(url) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert count(url) == 3
        os.kill(sync.pid, signal.SIGTERM)
        out, err = sync.communicate(timeout=60)
        assert sync.returncode == 0, err
        assert "tidak dapat dihubungi" in err  # said while offline, in Indonesian
        assert "Terkirim 3" in out
    finally:
        if sync.poll() is None:
            sync.kill()
            sync.communicate(timeout=30)
        if server is not None:
            stop_process(server)
    assert Outbox(store).counts()["sent"] == 3
