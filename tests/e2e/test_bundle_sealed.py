"""Sealed USB bundles (``posko.bundle`` version 3): the central system's bundle key reaches
the desk (enrollment, then every sync), the desk encrypts its bundles to it, and a lost
stick shows nobody a reporter's name, phone, email, text or receipt secret. Tampered
bundles, and bundles sealed to another central system, are refused whole, by name; a desk
that has no key yet writes version 2 and says so."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fastapi.testclient import TestClient

from central import bundle_key as central_keys
from central.app import asgi_app
from central.bundles import import_bundle
from central.store import CentralStore
from desktop import keys
from desktop.domain import ComplaintInput, ComplaintType
from desktop.paths import Profile
from desktop.settings import CENTRAL_BUNDLE_KEY
from desktop.store.outbox import Outbox
from desktop.store.repo import Store
from desktop.sync.engine import SyncEngine
from desktop.sync.enroll import enroll
from desktop.sync.export import export_outbox
from posko import bundle as bundle_module
from posko.bundle import BundleError, Header, public_key_text
from posko.files import write_once
from tests.central_support import enroll_body, run_central
from tests.e2e.test_bundle import AppTransport

NAME = "Siti Rahmawati Kusumadewi"
PHONE = "081234567890"
EMAIL = "siti.rahma@example.org"
TITLE = "Petugas loket meminta uang tambahan"
DESCRIPTION = "Petugas di loket tiga meminta lima puluh ribu rupiah di luar tarif resmi."


@pytest.fixture
def central_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


@pytest.fixture
def keyed_app(central_store: CentralStore, central_key: X25519PrivateKey) -> Iterator[AppTransport]:
    """The central app as served, with its bundle key."""
    with TestClient(asgi_app(central_store, bundle_key=central_key)) as client:
        yield AppTransport(client)


@pytest.fixture
def keyless_app(central_store: CentralStore) -> Iterator[AppTransport]:
    """The same central system as one from before bundle keys would answer."""
    with TestClient(asgi_app(central_store)) as client:
        yield AppTransport(client)


def _enroll(store: Store, profile: Profile, central: CentralStore, app: AppTransport) -> None:
    code, _ = central.create_enroll_code("MRK", 1)
    enroll(store, profile, "http://central.test", code, app)


def _rahasia(store: Store, n: int = 0) -> str:
    """A confidential complaint with every personal field; its receipt secret."""
    record = store.save_complaint(
        ComplaintInput(
            type=ComplaintType.PENGADUAN,
            category="PELABUHAN",
            title=f"{TITLE} {n}",
            description=DESCRIPTION,
            location="Dermaga 3",
            reporter_name=NAME,
            phone=PHONE,
            email=EMAIL,
            confidential=True,
        )
    )
    return record.secret


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _split(data: bytes) -> tuple[dict[str, Any], bytes]:
    magic, header_line, payload = data.split(b"\n", 2)
    assert magic == b"POSKO-BUNDLE"
    header: dict[str, Any] = json.loads(header_line)
    return header, payload


def _resigned(data: bytes, profile: Profile, **changes: Any) -> bytes:
    """``data`` with header fields changed and signed again by the desk itself: only the
    sealing can then refuse it."""
    header, payload = _split(data)
    fields = {k: v for k, v in header.items() if k != "signature"} | changes
    unsigned = Header(**(fields | {"signature": ""}))
    key = keys.load(profile)
    assert key is not None
    signature = base64.b64encode(key.sign(unsigned.signed_bytes())).decode()
    return (
        b"POSKO-BUNDLE\n" + json.dumps(fields | {"signature": signature}).encode() + b"\n" + payload
    )


def test_enrollment_hands_the_key_and_the_bundle_hides_every_personal_field(
    store: Store,
    profile: Profile,
    central_store: CentralStore,
    central_key: X25519PrivateKey,
    keyed_app: AppTransport,
    tmp_path: Path,
) -> None:
    _enroll(store, profile, central_store, keyed_app)
    assert store.get(CENTRAL_BUNDLE_KEY) == public_key_text(central_key)
    secrets = [_rahasia(store, n) for n in range(3)]
    target = tmp_path / "usb" / "MRK.posko"
    done = export_outbox(store, profile, target)
    assert done.sealed and done.records == 3

    data = target.read_bytes()
    header, payload = _split(data)
    assert header["version"] == 3
    assert header["central_key"] == public_key_text(central_key)
    assert header["payload_bytes"] == len(payload)
    secret_texts = [NAME, PHONE, EMAIL, TITLE, DESCRIPTION, "Dermaga", *secrets]
    for text in secret_texts:
        assert text.encode() not in data, text
    # Every text the records hold, longer than a word: none is in the file.
    for record in Outbox(store).queued_payloads():
        for text in _texts(record):
            if len(text) >= 8:
                assert text.encode("utf-8") not in data, text
    # Not gzip, nor any gzip member inside it: nothing inflates to the records.
    start = 0
    while (start := data.find(b"\x1f\x8b", start)) >= 0:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            inflated = inflater.decompress(data[start:], 1 << 20)
        except zlib.error:
            inflated = b""
        for secret in secret_texts:
            assert secret.encode() not in inflated
        start += 1
    with pytest.raises(zlib.error):
        zlib.decompress(payload, 16 + zlib.MAX_WBITS)

    report = import_bundle(central_store, target, central_key)
    assert report.counts == {"accepted": 3} and not report.problems
    reports = [r for r in Outbox(store).queued_payloads() if r["kind"] == "complaint"]
    for record, secret in zip(reports, secrets, strict=True):
        view = central_store.complaint(record["tracking_id"])
        assert view is not None and view.secret_matches(secret)
        assert view.reporter_name == NAME and view.description == DESCRIPTION


def test_tampered_and_foreign_bundles_are_refused_before_a_record_is_stored(
    store: Store,
    profile: Profile,
    central_store: CentralStore,
    central_key: X25519PrivateKey,
    keyed_app: AppTransport,
    tmp_path: Path,
) -> None:
    _enroll(store, profile, central_store, keyed_app)
    _rahasia(store)
    target = tmp_path / "b.posko"
    export_outbox(store, profile, target)
    good = target.read_bytes()
    header, _payload = _split(good)
    other_wrapped = base64.b64encode(os.urandom(48)).decode()

    changed = bytearray(good)
    changed[-5] ^= 0x01  # one bit of the ciphertext
    cases: dict[str, tuple[bytes, X25519PrivateKey | None, str]] = {
        "ciphertext": (bytes(changed), central_key, BundleError.BAD_SIGNATURE),
        "wrapped-key": (
            good.replace(header["wrapped_key"].encode(), other_wrapped.encode()),
            central_key,
            BundleError.BAD_SIGNATURE,
        ),
        "header": (
            good.replace(header["nonce"].encode(), base64.b64encode(bytes(12)).decode().encode()),
            central_key,
            BundleError.BAD_SIGNATURE,
        ),
        # Signed again by the desk itself: the signature holds, the sealing does not.
        "resigned-wrapped-key": (
            _resigned(good, profile, wrapped_key=other_wrapped),
            central_key,
            BundleError.UNDECRYPTABLE,
        ),
        "resigned-nonce": (
            _resigned(good, profile, nonce=base64.b64encode(bytes(12)).decode()),
            central_key,
            BundleError.UNDECRYPTABLE,
        ),
        "resigned-time": (
            _resigned(good, profile, created_at="2025-03-28T08:00:00+00:00"),
            central_key,
            BundleError.UNDECRYPTABLE,
        ),
        "resigned-ephemeral": (
            _resigned(good, profile, ephemeral_key=public_key_text(X25519PrivateKey.generate())),
            central_key,
            BundleError.UNDECRYPTABLE,
        ),
        "low-order-ephemeral": (
            _resigned(good, profile, ephemeral_key=base64.b64encode(bytes(32)).decode()),
            central_key,
            BundleError.UNDECRYPTABLE,
        ),
        "other-central": (good, X25519PrivateKey.generate(), BundleError.OTHER_CENTRAL),
        "no-central-key": (good, None, BundleError.OTHER_CENTRAL),
        "claims-another-key": (
            _resigned(good, profile, central_key=public_key_text(X25519PrivateKey.generate())),
            central_key,
            BundleError.OTHER_CENTRAL,
        ),
    }
    for name, (data, key, code) in cases.items():
        with pytest.raises(BundleError) as error:
            import_bundle(central_store, data, key)
        assert error.value.code == code, name
    assert central_store.count(["complaints"]) == {"complaints": 0}
    assert import_bundle(central_store, good, central_key).counts == {"accepted": 1}


def test_the_central_command_opens_with_its_key_and_refuses_another(
    store: Store,
    profile: Profile,
    central_store: CentralStore,
    central_db_url: str,
    tmp_path: Path,
) -> None:
    """The real ``posko-central import-bundle`` process, its key in a file."""
    key_file = tmp_path / "central" / "bundle-key.pem"
    central_key = central_keys.load_or_create(key_file)
    with TestClient(asgi_app(central_store, bundle_key=central_key)) as client:
        _enroll(store, profile, central_store, AppTransport(client))
    _rahasia(store)
    target = tmp_path / "usb.posko"
    export_outbox(store, profile, target)

    elsewhere = tmp_path / "elsewhere" / "bundle-key.pem"
    central_keys.load_or_create(elsewhere)
    refused = run_central(
        "--database-url", central_db_url, "import-bundle", str(target),
        env={"POSKO_CENTRAL_BUNDLE_KEY": str(elsewhere)},
    )  # fmt: skip
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr == (
        "Bundel ini disegel dengan kunci sistem pusat lain (atau berkas kunci server ini "
        "hilang): bundel hanya dapat diimpor di tempat meja didaftarkan. Tidak ada data yang "
        "diimpor.\n"
    )
    assert central_store.count(["complaints"]) == {"complaints": 0}
    imported = run_central(
        "--data-dir", str(key_file.parent), "--database-url", central_db_url,
        "import-bundle", str(target), "--json",
        env={"POSKO_CENTRAL_BUNDLE_KEY": ""},
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["counts"]["accepted"] == 1


def test_a_desk_without_the_key_writes_version_2_and_warns_then_a_sync_brings_the_key(
    store: Store,
    profile: Profile,
    central_store: CentralStore,
    central_key: X25519PrivateKey,
    keyless_app: AppTransport,
    keyed_app: AppTransport,
    tmp_path: Path,
) -> None:
    _enroll(store, profile, central_store, keyless_app)
    assert store.get(CENTRAL_BUNDLE_KEY) == ""
    _rahasia(store)
    env = dict(os.environ)
    env.pop("POSKO_LANG", None)
    plain = tmp_path / "plain.posko"
    out = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "--data-dir", str(profile.root), "bundle",
         "export", "--out", str(plain)],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "Peringatan: bundel ini tidak dienkripsi" in out.stderr
    header, _payload = _split(plain.read_bytes())
    assert header["version"] == 2 and "wrapped_key" not in header
    assert NAME.encode() in zlib.decompress(_payload, 16 + zlib.MAX_WBITS)
    assert not export_outbox(store, profile, tmp_path / "again.posko").sealed
    # The central system still reads version 2, with or without a key of its own.
    assert import_bundle(central_store, plain, central_key).counts == {"accepted": 1}

    # A central system from before bundle keys: the sync leaves the desk without one.
    assert SyncEngine(store, profile, keyless_app).run_once().ok
    assert store.get(CENTRAL_BUNDLE_KEY) == ""
    # Upgraded: the next sync brings the key, and the next bundle is sealed, silently.
    _rahasia(store, 1)
    assert SyncEngine(store, profile, keyed_app).run_once().ok
    assert store.get(CENTRAL_BUNDLE_KEY) == public_key_text(central_key)
    _rahasia(store, 2)
    sealed = tmp_path / "sealed.posko"
    out = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "--data-dir", str(profile.root), "bundle",
         "export", "--out", str(sealed)],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert out.returncode == 0 and out.stderr == ""
    assert _split(sealed.read_bytes())[0]["version"] == 3
    assert NAME.encode() not in sealed.read_bytes()
    assert import_bundle(central_store, sealed, central_key).counts == {"accepted": 1}


def test_only_a_desk_that_asks_gets_the_key_in_its_enrollment_answer(
    central_store: CentralStore, central_key: X25519PrivateKey
) -> None:
    """A desk from before bundle keys refuses an answer with a field it does not know
    (``wire.Strict``): it is not given one."""
    with TestClient(asgi_app(central_store, bundle_key=central_key)) as client:
        old, _ = central_store.create_enroll_code("MRK", 1)
        answer = client.post("/api/v1/enroll", json=enroll_body(old))
        assert answer.status_code == 201 and "bundle_key" not in answer.json()
        new, _ = central_store.create_enroll_code("MRK", 1)
        answer = client.post("/api/v1/enroll?bundle_key=1", json=enroll_body(new))
        assert answer.status_code == 201
        assert answer.json()["bundle_key"] == public_key_text(central_key)
        token = answer.json()["token"]
        fetched = client.get(
            "/api/v1/sync/bundle-key", headers={"authorization": f"Bearer {token}"}
        )
        assert fetched.json() == {"protocol": 1, "bundle_key": public_key_text(central_key)}
    with TestClient(asgi_app(central_store)) as client:
        third, _ = central_store.create_enroll_code("MRK", 1)
        answer = client.post("/api/v1/enroll?bundle_key=1", json=enroll_body(third))
        assert answer.status_code == 201 and "bundle_key" not in answer.json()
        fetched = client.get(
            "/api/v1/sync/bundle-key",
            headers={"authorization": f"Bearer {answer.json()['token']}"},
        )
        assert fetched.status_code == 404


def test_the_central_key_file_is_made_once_private_and_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(central_keys.ENV_BUNDLE_KEY, raising=False)
    path = central_keys.key_path(tmp_path / "data")
    assert path == tmp_path / "data" / "bundle-key.pem"
    first = central_keys.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = central_keys.load_or_create(path)
    assert public_key_text(again) == public_key_text(first)
    assert not write_once(path, b"another key", private=True)
    assert public_key_text(central_keys.load_or_create(path)) == public_key_text(first)
    assert [p.name for p in path.parent.iterdir()] == ["bundle-key.pem"]  # no temporary left
    monkeypatch.setenv(central_keys.ENV_BUNDLE_KEY, str(tmp_path / "configured.pem"))
    assert central_keys.key_path(tmp_path / "data") == tmp_path / "configured.pem"
    damaged = tmp_path / "damaged.pem"
    damaged.write_bytes(b"not a key")
    with pytest.raises(central_keys.BundleKeyError):
        central_keys.load(damaged)


def test_a_bundle_round_trips_in_memory_and_header_fields_are_checked() -> None:
    """The format itself: version 3 with a key, version 2 without; a version 3 header with
    a sealing field missing or malformed is not a bundle."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    desk = Ed25519PrivateKey.generate()
    public = base64.b64encode(keys.public_bytes(desk)).decode()
    central = X25519PrivateKey.generate()
    records = [{"kind": "complaint", "reporter_name": NAME, "n": n} for n in range(5)]
    data = bundle_module.seal(
        desk, device_id="7", tracking_prefix="2223", records=records,
        central_key=central.public_key(),
    )  # fmt: skip
    with bundle_module.parse_bundle(data) as opened:
        assert list(opened.verify(public, central).records()) == records
    header, payload = _split(data)
    for field, value in [
        ("wrapped_key", base64.b64encode(bytes(47)).decode()),
        ("nonce", "not base64!"),
        ("central_key", 32),
    ]:
        broken = json.dumps(header | {field: value}).encode()
        with pytest.raises(BundleError) as error:
            bundle_module.parse_bundle(b"POSKO-BUNDLE\n" + broken + b"\n" + payload)
        assert error.value.code == BundleError.NOT_A_BUNDLE, field
    missing = json.dumps({k: v for k, v in header.items() if k != "ephemeral_key"}).encode()
    with pytest.raises(BundleError) as error:
        bundle_module.parse_bundle(b"POSKO-BUNDLE\n" + missing + b"\n" + payload)
    assert error.value.code == BundleError.NOT_A_BUNDLE


def test_the_served_central_system_makes_its_key_and_the_desk_seals_to_it(
    store: Store,
    profile: Profile,
    central_store: CentralStore,
    central_db_url: str,
    tmp_path: Path,
) -> None:
    """``posko-central serve`` makes the key in its data directory (0600) once, hands it to
    the enrolling desk over HTTP, and ``import-bundle`` opens the bundle with it."""
    from desktop.sync.transport import RequestsTransport
    from tests.central_support import start_server, stop_process

    data_dir = tmp_path / "central-data"
    env = dict(os.environ) | {
        "POSKO_CENTRAL_BUNDLE_KEY": "",
        "POSKO_CENTRAL_DATA_DIR": str(data_dir),
    }
    process, url = start_server(central_db_url, tmp_path / "server.log", env=env)
    transport = RequestsTransport(timeout=(5, 30))
    try:
        code, _ = central_store.create_enroll_code("MRK", 1)
        enroll(store, profile, url, code, transport)
    finally:
        transport.close()
        stop_process(process)
    key_file = data_dir / "bundle-key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    central_key = central_keys.load(key_file)
    assert central_key is not None
    assert store.get(CENTRAL_BUNDLE_KEY) == public_key_text(central_key)
    _rahasia(store)
    target = tmp_path / "usb.posko"
    assert export_outbox(store, profile, target).sealed
    assert NAME.encode() not in target.read_bytes()
    # run_central drops POSKO_CENTRAL_DATA_DIR: the same directory, named on the command line.
    imported = run_central(
        "--data-dir", str(data_dir), "--database-url", central_db_url,
        "import-bundle", str(target), "--json", env={"POSKO_CENTRAL_BUNDLE_KEY": ""},
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["counts"]["accepted"] == 1
