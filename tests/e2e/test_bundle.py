"""Sneakernet: a signed bundle from the desk, imported by the central system (SQLite and
PostgreSQL), with tampered, truncated and foreign files refused by name. The hostile files
against the real ``posko-central`` process are in ``tests/central/test_bundle_hostile.py``."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient

from central.app import asgi_app
from central.bundles import BundleRefused, import_bundle
from central.store import CentralStore
from desktop.domain import ComplaintInput, ComplaintType
from desktop.keys import key_path
from desktop.paths import Profile
from desktop.store.outbox import Outbox
from desktop.store.repo import Store
from desktop.sync.engine import SyncEngine
from desktop.sync.enroll import enroll
from desktop.sync.export import ExportError, export_outbox
from desktop.sync.transport import Answer
from posko import bundle as bundle_module
from posko.bundle import BundleError, open_bundle
from tests.bundle_support import enrolled_desk, records, variants
from tests.central_support import complaint_record, run_central


class AppTransport:
    """The desk's transport straight into the central ASGI app (no socket): fast tests of
    the real app on both database backends."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def request(
        self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str]
    ) -> Answer:
        path = url.split("://", 1)[1].split("/", 1)[1]
        answer = self.client.request(method, "/" + path, content=body, headers=headers)
        return Answer(answer.status_code, answer.content, answer.headers.get("content-type", ""))


@pytest.fixture
def app(central_store: CentralStore) -> Iterator[AppTransport]:
    with TestClient(asgi_app(central_store)) as client:
        yield AppTransport(client)


def complaint(n: int) -> ComplaintInput:
    return ComplaintInput(
        type=ComplaintType.ASPIRASI,
        category="PELABUHAN",
        title=f"Tambah loket tiket kapal {n}",
        description="Loket tiket kapal hanya dua, antrean mengular sampai parkiran.",
    )


def enrolled(store: Store, profile: Profile, central: CentralStore, app: AppTransport) -> None:
    code, _ = central.create_enroll_code("MRK", 1)
    enroll(store, profile, "http://central.test", code, app)


def test_bundle_round_trip_and_later_online_sync(
    store: Store,
    profile: Profile,
    central_store: CentralStore,
    app: AppTransport,
    tmp_path: Path,
) -> None:
    enrolled(store, profile, central_store, app)
    assert stat.S_IMODE(key_path(profile).stat().st_mode) == 0o600
    saved = [store.save_complaint(complaint(n)) for n in range(7)]
    target = tmp_path / "usb" / "MRK.posko"
    done = export_outbox(store, profile, target)
    assert done.records == 7 and target.stat().st_size == done.size
    assert Outbox(store).counts()["pending"] == 7  # nothing changes until confirmed

    first = import_bundle(central_store, target)
    assert first.counts == {"accepted": 7} and not first.problems
    again = import_bundle(central_store, target.read_bytes())
    assert again.counts == {"duplicate": 7}
    assert central_store.count(["complaints"]) == {"complaints": 7}
    for record in saved:
        view = central_store.complaint(record.tracking_id)
        assert view is not None and view.secret_matches(record.secret)

    # Back online: the desk learns the central system has them; nothing doubles.
    report = SyncEngine(store, profile, app).run_once()
    assert report.ok and report.sent == 7
    assert Outbox(store).counts()["sent"] == 7
    assert central_store.count(["complaints"]) == {"complaints": 7}
    with pytest.raises(ExportError) as nothing:
        export_outbox(store, profile, tmp_path / "empty.posko")
    assert nothing.value.code == ExportError.NOTHING


def test_the_desk_writes_the_documented_format(
    store: Store,
    profile: Profile,
    central_store: CentralStore,
    app: AppTransport,
    tmp_path: Path,
) -> None:
    """Read back by hand, as ``posko/bundle.py`` describes it: magic line, header
    line, one gzip member of JSON lines; the signature covers the header with the digest."""
    enrolled(store, profile, central_store, app)
    for n in range(3):
        store.save_complaint(complaint(n))
    target = tmp_path / "b.posko"
    export_outbox(store, profile, target)
    data = target.read_bytes()
    magic, header_line, payload = data.split(b"\n", 2)
    assert magic == b"POSKO-BUNDLE"
    header = json.loads(header_line)
    [device] = central_store.devices()
    assert header["device_id"] == str(device.id)
    assert header["tracking_prefix"] == device.tracking_prefix
    assert header["payload_bytes"] == len(payload)
    assert header["payload_sha256"] == hashlib.sha256(payload).hexdigest()
    signature = base64.b64decode(header.pop("signature"))
    message = (
        b"posko-bundle/2\n" + json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    )
    public = central_store.device(device.id)
    assert public is not None
    Ed25519PublicKey.from_public_bytes(base64.b64decode(public[1])).verify(signature, message)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    text = inflater.decompress(payload)
    assert inflater.eof and not inflater.unused_data and len(text) == header["inflated_bytes"]
    lines = text.decode().splitlines()
    assert [json.loads(line) for line in lines] == Outbox(store).queued_payloads()
    # Three reports, and the audit trail's lines that go with them.
    kinds = [json.loads(line)["kind"] for line in lines]
    assert kinds.count("complaint") == 3 and set(kinds) == {"complaint", "audit_event"}
    assert header["record_count"] == len(lines)


def test_every_bad_bundle_is_refused_by_code_and_stores_nothing(
    central_store: CentralStore,
) -> None:
    desk = enrolled_desk(central_store)
    for name, (data, code) in variants(desk).items():
        with pytest.raises(BundleError) as error:
            import_bundle(central_store, data)
        assert error.value.code == code, name
    good = records(desk, complaint_record(desk.prefix, 1))
    central_store.revoke_device(desk.device_id)
    with pytest.raises(BundleRefused) as revoked:
        import_bundle(central_store, good)
    assert revoked.value.code == BundleRefused.REVOKED
    assert central_store.count(["complaints"]) == {"complaints": 0}


def test_a_file_that_is_not_a_regular_file_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.posko"
    os.mkfifo(fifo)
    for path in (fifo, tmp_path):
        with pytest.raises(BundleError) as error:
            open_bundle(path)
        assert error.value.code == BundleError.NOT_A_BUNDLE
    with pytest.raises(FileNotFoundError):
        open_bundle(tmp_path / "missing.posko")


def test_export_refuses_more_than_one_import_takes(
    store: Store,
    profile: Profile,
    central_store: CentralStore,
    app: AppTransport,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enrolled(store, profile, central_store, app)
    for n in range(4):
        store.save_complaint(complaint(n))
    monkeypatch.setattr(bundle_module, "MAX_RECORDS", 3)
    with pytest.raises(ExportError) as error:
        export_outbox(store, profile, tmp_path / "big.posko")
    assert error.value.code == ExportError.TOO_LARGE
    assert not (tmp_path / "big.posko").exists()


def test_export_needs_enrollment(store: Store, profile: Profile, tmp_path: Path) -> None:
    store.save_complaint(complaint(1))
    with pytest.raises(ExportError) as error:
        export_outbox(store, profile, tmp_path / "x.posko")
    assert error.value.code == ExportError.NOT_ENROLLED
    assert not (tmp_path / "x.posko").exists()


def test_commands_export_and_import(
    store: Store,
    profile: Profile,
    central_store: CentralStore,
    app: AppTransport,
    central_db_url: str,
    tmp_path: Path,
) -> None:
    enrolled(store, profile, central_store, app)
    for n in range(3):
        store.save_complaint(complaint(n))
    env = dict(os.environ)
    env.pop("POSKO_LANG", None)
    target = tmp_path / "usb.posko"
    out = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "--data-dir", str(profile.root), "bundle",
         "export", "--out", str(target)],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "3 data" in out.stdout
    imported = run_central("--database-url", central_db_url, "import-bundle", str(target), "--json")
    assert imported.returncode == 0, imported.stderr
    report = json.loads(imported.stdout)
    [device] = central_store.devices()
    assert report["device_id"] == device.id and report["post_code"] == "MRK"
    assert report["counts"] == {
        "accepted": 3,
        "duplicate": 0,
        "conflict": 0,
        "rejected": 0,
        "deferred": 0,
    }
    assert report["problems"] == []
    again = run_central("--database-url", central_db_url, "import-bundle", str(target))
    assert again.returncode == 0, again.stderr
    assert f"Bundel perangkat {device.id} (MRK) yang ditulis " in again.stdout
    assert "0 baru, 3 sudah ada, 0 bertentangan, 0 ditolak." in again.stdout
    assert "dilewati" not in again.stdout  # nothing was deferred
    assert central_store.count(["complaints"]) == {"complaints": 3}

    broken = tmp_path / "broken.posko"
    broken.write_bytes(target.read_bytes()[:40])
    refused = run_central("--database-url", central_db_url, "import-bundle", str(broken))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr == (
        "Bundel terpotong: salin lagi dari meja. Tidak ada data yang diimpor.\n"
    )
