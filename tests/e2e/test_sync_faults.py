"""Nothing lost, nothing twice: the desk syncs through a fault-injecting proxy to the real
central server, which is also killed and restarted mid-batch; and a desk process is
SIGKILLed again and again while it records and syncs."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from central.db import open_database
from central.store import CentralStore
from desktop.domain import ComplaintInput, ComplaintType
from desktop.paths import Profile
from desktop.store.outbox import Outbox
from desktop.store.repo import Store
from desktop.sync.engine import SyncEngine
from desktop.sync.enroll import enroll
from desktop.sync.transport import RequestsTransport
from tests.central_support import free_port, stop_process
from tests.faulty_proxy import FaultyProxy

pytestmark = pytest.mark.slow
TESTS = Path(__file__).resolve().parents[1]


class Central:
    """The real central server on a fixed port, restartable."""

    def __init__(self, tmp_path: Path) -> None:
        self.url_db = f"sqlite:///{tmp_path / 'central.sqlite3'}"
        self.store = CentralStore(open_database(self.url_db))
        self.port = free_port()
        self.log = tmp_path / "central.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    def start(self) -> None:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "central.cli", "--database-url", self.url_db, "serve",
             "--port", str(self.port)],
            stdout=handle, stderr=subprocess.STDOUT,
        )  # fmt: skip
        handle.close()
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2).is_success:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(self.log.read_text())

    def wait_until_up(self) -> None:
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2).is_success:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def restart(self) -> None:
        self.kill()
        self.restarts += 1
        self.start()

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
        self.store.close()

    def uuids(self) -> list[str]:
        from sqlalchemy import select

        from central.models import Complaint

        with self.store.session() as session:
            return list(session.scalars(select(Complaint.uuid)))


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    server = Central(tmp_path)
    server.start()
    yield server
    server.stop()


def complaint(n: int) -> ComplaintInput:
    return ComplaintInput(
        type=ComplaintType.PENGADUAN,
        category="SPBU",
        title=f"SPBU kehabisan solar nomor {n}",
        description="Antrean truk dan bus di SPBU lebih dari satu kilometer, solar habis.",
    )


def test_every_record_once_through_every_fault(
    store: Store, profile: Profile, central: Central
) -> None:
    proxy = FaultyProxy(central.port, delay_seconds=2.5)
    proxy.on_kill = central.restart
    transport = RequestsTransport(timeout=(2, 1.5))  # the delay fault outlasts the read
    try:
        code, _ = central.store.create_enroll_code("MRK", 1)
        enroll(store, profile, proxy.url, code, transport)
        saved = [store.save_complaint(complaint(n)).uuid for n in range(60)]
        engine = SyncEngine(store, profile, transport, batch_size=8)
        # Pushes and pulls alike meet the faults, in this order, then the network heals.
        proxy.plan(
            ["drop", "pass", "reset_after_commit", "error_503", "pass", "truncate",
             "kill_server", "delay", "pass", "error_500", "reset_after_commit", "pass",
             "kill_server", "truncate", "drop"]
        )  # fmt: skip
        for _attempt in range(40):
            report = engine.run_once()
            if report.ok and not Outbox(store).counts()["pending"]:
                break
            # As a desk's back-off would: no new attempt while the central process is still
            # coming back (slow on a loaded machine), so every planned fault meets a request
            # the server could have answered.
            central.wait_until_up()
        else:
            pytest.fail(f"did not converge: {Outbox(store).counts()} after {proxy.seen}")
        assert central.restarts == 2
        for fault in ("drop", "reset_after_commit", "error_503", "truncate", "delay"):
            assert fault in proxy.seen
        on_central = central.uuids()
        assert sorted(on_central) == sorted(saved)  # every record, each exactly once
        counts = Outbox(store).counts()
        assert counts["sent"] == 60 and counts["pending"] == counts["sending"] == 0
        assert counts["needs_attention"] == 0
    finally:
        transport.close()
        proxy.stop()
    assert "Traceback" not in central.log.read_text()


def test_desk_killed_fifty_times_while_recording_and_syncing(
    profile: Profile, central: Central, tmp_path: Path
) -> None:
    """A real desk process records and syncs in a loop; it is SIGKILLed at random moments.
    At the end the central system holds exactly the records the desk saved, each once."""
    store = Store.open(profile)
    store.setup(post_code="MRK", post_name="Posko Merak", operator="Siti")
    transport = RequestsTransport()
    code, _ = central.store.create_enroll_code("MRK", 1)
    enroll(store, profile, f"http://127.0.0.1:{central.port}", code, transport)
    store.close()
    rng = random.Random(20260623)
    script = TESTS / "drive_sync.py"
    env = dict(os.environ, PYTHONPATH=str(TESTS.parent))
    kills = 0
    for _round in range(50):
        process = subprocess.Popen(
            [sys.executable, str(script), str(profile.root)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )  # fmt: skip
        assert process.stdout is not None
        # Wait until it is working (store open), then kill it at a random moment.
        line = process.stdout.readline()
        assert line.startswith(b"READY"), process.stderr.read() if process.stderr else line
        time.sleep(rng.uniform(0.0, 0.35))
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        process.stdout.close()
        if process.stderr is not None:
            process.stderr.close()
        kills += 1
    assert kills == 50
    store = Store.open(profile)
    try:
        assert store.integrity_check() == "ok"
        engine = SyncEngine(store, profile, transport)
        for _ in range(10):
            if engine.run_once().ok and not Outbox(store).counts()["pending"]:
                break
        with store.engine.connect() as conn:
            from sqlalchemy import text

            desk = [row[0] for row in conn.execute(text("SELECT uuid FROM complaints"))]
        assert len(desk) > 50  # it did record between the kills
        on_central = central.uuids()
        assert len(on_central) == len(set(on_central))
        assert sorted(on_central) == sorted(desk)
        assert Outbox(store).counts()["sent"] == len(desk)
    finally:
        store.close()
        transport.close()
