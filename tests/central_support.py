"""Real parts for the central system's tests: a PostgreSQL cluster the tests start
themselves (initdb/pg_ctl in a temp dir), a database per test on SQLite or PostgreSQL, and
the real ``posko-central serve`` process on 127.0.0.1, stopped by PID.

Fixtures:
- ``pg_cluster`` (session): a running cluster; ``pg_cluster.new_database()`` → URL.
- ``central_db_url``: a fresh empty database, once on SQLite and once on PostgreSQL.
- ``central_store``: a ``CentralStore`` on ``central_db_url``.
- ``central_server``: the real server process on that database (``.url``, ``.store``).
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.db import open_database
from central.store import CentralStore, DeviceInfo
from desktop import keys
from desktop.sync.enroll import enrollment_body
from desktop.sync.transport import Answer, RequestsTransport
from posko import tracking, wire

PG_BIN = Path(os.environ.get("POSKO_PG_BIN", "/usr/lib/postgresql/15/bin"))
BACKENDS = ("sqlite", "postgresql")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class PgCluster:
    """A throwaway PostgreSQL cluster in a temp dir, reached over 127.0.0.1."""

    root: Path
    port: int
    user: str | None  # run the server binaries as this user (initdb refuses root)
    pid: int | None = None
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        data = self.root / "data"
        self._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        self.pid = int((data / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGINT)  # "fast" shutdown
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            os.kill(self.pid, signal.SIGKILL)
        self.pid = None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        name = f"posko_test_{next(self._names)}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _pg_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail("running as root needs a 'postgres' user to run the PostgreSQL server")
    return "postgres"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL server binaries not found in {PG_BIN} (install postgresql)")
    user = _pg_user()
    root = Path(tempfile.mkdtemp(prefix="posko-pg-"))
    if user:
        shutil.chown(root, user)
    cluster = PgCluster(root=root, port=free_port(), user=user)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=BACKENDS)
def central_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central.sqlite3'}"
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return cluster.new_database()


@pytest.fixture
def central_store(central_db_url: str) -> Iterator[CentralStore]:
    store = CentralStore(open_database(central_db_url))
    yield store
    store.close()


@dataclass
class CentralServer:
    url: str
    database_url: str
    store: CentralStore
    process: subprocess.Popen[bytes]
    log: Path

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)  # type: ignore[arg-type]

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_server(
    database_url: str, log: Path, *extra: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    handle = log.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "central.cli",
            "--database-url",
            database_url,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *extra,
        ],
        stdout=handle,
        stderr=subprocess.STDOUT,
        env=env,
    )
    handle.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"central server exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    stop_process(process)
    raise RuntimeError(f"central server did not start: {log.read_text()}")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


@pytest.fixture
def central_server(central_db_url: str, tmp_path: Path) -> Iterator[CentralServer]:
    store = CentralStore(open_database(central_db_url))
    process, url = start_server(central_db_url, tmp_path / "server.log")
    server = CentralServer(url, central_db_url, store, process, tmp_path / "server.log")
    try:
        yield server
    finally:
        stop_process(process)
        store.close()
        text = server.log_text()
        # The error shield logs what escaped as "unexpected error" (central/errors.py).
        assert "Traceback" not in text and "unexpected error" not in text, text


def enroll_body(
    code: str,
    key: Ed25519PrivateKey | None = None,
    *,
    label: str = "test laptop",
    provisional: bool = False,
) -> dict[str, str]:
    """What a desk sends to ``POST /api/v1/enroll``: its public key, signed proof, and (if
    ``provisional``) the provisional prefix derived from the key."""
    key = key or Ed25519PrivateKey.generate()
    prefix = tracking.provisional_prefix_for(keys.public_bytes(key)) if provisional else ""
    return enrollment_body(code, key, prefix, label=label)


def enroll_with(
    store: CentralStore, code: str, key: Ed25519PrivateKey | None = None, **options: Any
) -> wire.EnrollResponse:
    """``store.enroll`` as a desk holding ``key`` (a fresh one by default) would call it."""
    body = enroll_body(code, key, **options)
    return store.enroll(
        code,
        body["label"],
        public_key=body["public_key"],
        proof=body["proof"],
        provisional_prefix=body["provisional_prefix"],
    )


def enroll(
    store: CentralStore, post: str = "MRK", *, provisional: bool = False
) -> tuple[str, DeviceInfo]:
    """A freshly enrolled device: its token and its info (with ``provisional``, the device
    also proved a provisional prefix: ``device.provisional_prefix``)."""
    code, _expires = store.create_enroll_code(post, 1)
    answer = enroll_with(store, code, provisional=provisional)
    device = store.authenticate_device(answer.token)
    assert device is not None
    return answer.token, device


def complaint_record(prefix: str, sequence: int, **overrides: Any) -> dict[str, Any]:
    """A complaint as a desk sends it (wire format), with a fresh UUID."""
    record: dict[str, Any] = {
        "kind": "complaint",
        "uuid": str(uuid.uuid4()),
        "tracking_id": tracking.TrackingId.make(prefix, sequence).compact,
        "secret": tracking.new_secret(),
        "type": "pengaduan",
        "category": "TOL",
        "title": "Antrean panjang di gerbang tol",
        "description": "Antrean di gerbang tol Cikampek Utama lebih dari dua jam.",
        "location": "Gerbang Tol Cikampek Utama",
        "reporter_name": "Budi Santoso",
        "phone": "+6281234567890",
        "email": "",
        "anonymous": False,
        "confidential": False,
        "post_code": "MRK",
        "operator_name": "Siti Rahmawati",
        "created_at": datetime.now(UTC).isoformat(),
    }
    record.update(overrides)
    return record


def skm_record(**overrides: Any) -> dict[str, Any]:
    """An SKM questionnaire as a desk sends it (wire format, protocol 2), with a fresh UUID."""
    record: dict[str, Any] = {
        "kind": "skm_response",
        "uuid": str(uuid.uuid4()),
        "post_code": "MRK",
        "service_code": "INFO_MUDIK",
        "answers": {"U1": 4, "U2": 3, "U9": 2},
        "respondent": {"age_band": "25-34", "sex": "P", "education": "SMA", "occupation": ""},
        "suggestion": "Antrean diperpendek.",
        "self_filled": True,
        "created_at": datetime.now(UTC).isoformat(),
    }
    record.update(overrides)
    return record


def tally_record(**overrides: Any) -> dict[str, Any]:
    """A protocol 2 tally event as a desk sends it: 3 people reached, with a fresh UUID."""
    record: dict[str, Any] = {
        "kind": "tally",
        "uuid": str(uuid.uuid4()),
        "post_code": "MRK",
        "counter": "people_reached",
        "item": "",
        "count": 3,
        "created_at": datetime.now(UTC).isoformat(),
    }
    record.update(overrides)
    return record


def undo_record(event: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """The compensating event that undoes the tally ``event``."""
    fields = {k: event[k] for k in ("post_code", "counter", "item")}
    return tally_record(**fields, count=-event["count"], undoes=event["uuid"]) | overrides


def stock_record(**overrides: Any) -> dict[str, Any]:
    """A protocol 2 stock movement as a desk sends it: 50 T-shirts received."""
    record: dict[str, Any] = {
        "kind": "stock_movement",
        "uuid": str(uuid.uuid4()),
        "post_code": "MRK",
        "item": "kaus",
        "movement": "received",
        "quantity": 50,
        "note": "Kiriman dari Dishub",
        "created_at": datetime.now(UTC).isoformat(),
    }
    record.update(overrides)
    return record


def run_central(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``posko-central ARGS`` as a real process, in the default language, with no database
    or data directory inherited from the environment."""
    environment = dict(os.environ) | (env or {})
    for name in ("POSKO_CENTRAL_DATABASE_URL", "POSKO_CENTRAL_DATA_DIR", "POSKO_LANG"):
        environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "central.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
    )


class FaultAt:
    """The real transport to the real server, except that a request to a URL holding
    ``path`` gets ``answer`` when one is set; counts the requests made to it."""

    def __init__(self, inner: RequestsTransport, path: str) -> None:
        self.inner = inner
        self.path = path
        self.answer: Answer | None = None
        self.asked = 0

    def request(
        self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str]
    ) -> Answer:
        if self.path in url:
            self.asked += 1
            if self.answer is not None:
                return self.answer
        return self.inner.request(method, url, body=body, headers=headers)
