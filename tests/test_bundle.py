"""Sneakernet: a signed bundle from the desk, imported by the central system (SQLite and
PostgreSQL), with tampered, truncated and foreign files refused by name."""

from __future__ import annotations

import base64
import gzip
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from central.app import asgi_app
from central.bundles import BundleRefused, import_bundle
from central.store import CentralStore
from desktop.domain import ComplaintInput, ComplaintType
from desktop.paths import Profile
from desktop.store.outbox import Outbox
from desktop.store.repo import Store
from desktop.sync.bundle import BundleError, canonical, key_path
from desktop.sync.engine import SyncEngine
from desktop.sync.enroll import enroll
from desktop.sync.export import ExportError, export_outbox
from desktop.sync.transport import Answer


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
    records = [store.save_complaint(complaint(n)) for n in range(7)]
    target = tmp_path / "usb" / "MRK.posko"
    done = export_outbox(store, profile, target)
    assert done.records == 7 and target.stat().st_size == done.size
    assert Outbox(store).counts()["pending"] == 7  # nothing changes until confirmed

    first = import_bundle(central_store, target.read_bytes())
    assert first.counts == {"accepted": 7} and not first.problems
    again = import_bundle(central_store, target.read_bytes())
    assert again.counts == {"duplicate": 7}
    assert central_store.count(["complaints"]) == {"complaints": 7}
    for record in records:
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


def test_tampered_truncated_and_foreign_bundles_are_refused(
    store: Store,
    profile: Profile,
    central_store: CentralStore,
    app: AppTransport,
    tmp_path: Path,
) -> None:
    enrolled(store, profile, central_store, app)
    store.save_complaint(complaint(1))
    target = tmp_path / "b.posko"
    export_outbox(store, profile, target)
    data = target.read_bytes()
    document = json.loads(gzip.decompress(data))

    def refused(blob: bytes) -> str:
        with pytest.raises(BundleError) as error:
            import_bundle(central_store, blob)
        return error.value.code

    changed = dict(document, records=[dict(document["records"][0], title="Diubah di jalan")])
    assert refused(gzip.compress(json.dumps(changed).encode())) == BundleError.BAD_SIGNATURE
    assert refused(data[: len(data) // 2]) == BundleError.TRUNCATED
    assert refused(b"PK\x03\x04 not a bundle") == BundleError.UNREADABLE
    assert refused(gzip.compress(b"{}")) == BundleError.NOT_A_BUNDLE
    assert refused(gzip.compress(b"[1, 2")) == BundleError.UNREADABLE
    newer = dict(document, version=99)
    assert refused(gzip.compress(json.dumps(newer).encode())) == BundleError.NEWER_VERSION

    # Signed by a key that is not the desk's.
    forged = dict(document)
    forged["signature"] = base64.b64encode(
        Ed25519PrivateKey.generate().sign(canonical(forged))
    ).decode()
    assert refused(gzip.compress(json.dumps(forged).encode())) == BundleError.BAD_SIGNATURE
    stranger = dict(document, device_id="999")
    assert refused(gzip.compress(json.dumps(stranger).encode())) == BundleError.UNKNOWN_DEVICE

    [device] = central_store.devices()
    central_store.revoke_device(device.id)
    assert refused(data) == BundleRefused.REVOKED
    assert central_store.count(["complaints"]) == {"complaints": 0}


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
    imported = subprocess.run(
        [sys.executable, "-m", "central.cli", "--database-url", central_db_url,
         "import-bundle", str(target), "--json"],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["counts"] == {
        "accepted": 3,
        "duplicate": 0,
        "conflict": 0,
        "rejected": 0,
    }
    broken = tmp_path / "broken.posko"
    broken.write_bytes(target.read_bytes()[:40])
    refused = subprocess.run(
        [sys.executable, "-m", "central.cli", "--database-url", central_db_url,
         "import-bundle", str(broken)],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert refused.returncode == 1 and "terpotong" in refused.stderr
    assert "Traceback" not in refused.stderr
