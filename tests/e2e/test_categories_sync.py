"""Categories of today: the COVID-19 group is not offered for new reports unless a
coordinator turns it on (``posko-central categories on covid19``); the desks learn the
switches through their sync, as they learn the routing rules, and keep them in the
profile. Saved reports keep any category, on the desk and on the central system."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pytestqt.qtbot import QtBot

from central.app import create_app
from central.db import open_database
from central.store import CentralStore
from desktop.domain import ComplaintInput, ComplaintType
from desktop.paths import Profile
from desktop.store.repo import Store
from desktop.sync.engine import SyncEngine
from desktop.sync.enroll import enroll
from desktop.sync.transport import Answer, RequestsTransport
from desktop.ui.complaint_form import ComplaintForm
from posko.catalog import default_catalog, offered_groups_in, read_switches
from tests.central_support import FaultAt, run_central, start_server, stop_process
from tests.central_support import enroll as enroll_device

COVID = {"BANSOS", "EKONOMI", "PSBB", "KARANTINA", "YANKES", "HOAKS"}


def listed(form: ComplaintForm) -> set[str]:
    return {form.category.itemData(i) for i in range(1, form.category.count())}


def test_the_catalog_offers_todays_groups() -> None:
    catalog = default_catalog()
    assert catalog.default_groups == {"mudik", "umum"}
    assert not COVID & catalog.offered_codes()
    assert {"TOL", "SOSIAL", "LAINNYA"} <= catalog.offered_codes()
    assert catalog.codes() >= COVID  # still valid for the reports that carry them
    on = catalog.offered_groups({"covid19": True, "nope": True})
    assert on == {"mudik", "umum", "covid19"}
    assert catalog.offered_codes(on) >= COVID
    # The fallback stays offered whatever a coordinator switches off.
    assert catalog.offered_codes(catalog.offered_groups({"umum": False})) & {"LAINNYA"}
    assert not catalog.is_offered("NOPE")


def test_the_router_never_suggests_a_category_not_offered() -> None:
    from posko.routing import default_router

    router = default_router()
    today = default_catalog().offered_codes()
    texts = [
        "Kerumunan tanpa masker. Tidak ada jaga jarak, melanggar PSBB.",
        "Hasil swab belum keluar. Tes PCR sudah 5 hari tapi hasilnya belum ada.",
        "Bansos covid belum cair. BST sudah 3 bulan tidak diterima.",
        "Hoaks tol ditutup. Beredar pesan berantai di WA.",
        "Tempat isolasi mandiri tidak layak, karantina tanpa makanan.",
    ]
    for text in texts:
        everything = router.route(text)
        assert everything.category in COVID, text  # the rules know what it is about
        found = router.route(text, offered=today)
        assert found.category in today, text
        assert not {code for code, _score in found.alternatives} & COVID, text
    assert router.route("Bansos covid belum cair", offered=today).category == "SOSIAL"


def test_the_sync_api_says_which_groups_are_offered(central_store: CentralStore) -> None:
    token, _device = enroll_device(central_store)
    auth = {"authorization": f"Bearer {token}"}
    with TestClient(create_app(central_store)) as client:
        assert client.get("/api/v1/sync/categories").status_code == 401
        first = client.get("/api/v1/sync/categories", headers=auth)
        assert first.status_code == 200
        assert first.json() == {
            "protocol": 1,
            "groups": {"mudik": True, "covid19": False, "umum": True},
        }
        assert central_store.switch_category_group("covid19", True, "Dewi")
        assert not central_store.switch_category_group("covid19", True, "Dewi")  # already
        assert client.get("/api/v1/sync/categories", headers=auth).json()["groups"] == {
            "mudik": True,
            "covid19": True,
            "umum": True,
        }
        with pytest.raises(LookupError):
            central_store.switch_category_group("nope", True)


def test_categories_from_the_shell(central_db_url: str) -> None:
    """``posko-central categories list|on|off``: persisted in the database."""
    url = ("--database-url", central_db_url)
    shown = run_central(*url, "--lang", "en", "categories", "list")
    assert shown.returncode == 0, shown.stderr
    lines = {line.split()[0]: line for line in shown.stdout.splitlines()}
    assert "not offered" in lines["covid19"] and "PSBB" in lines["covid19"]
    assert "not offered" not in lines["mudik"]
    on = run_central(*url, "--lang", "en", "categories", "on", "COVID19", "--by", "Dewi")
    assert on.returncode == 0, on.stderr
    assert "covid19" in on.stdout
    listing = json.loads(run_central(*url, "categories", "list", "--json").stdout)
    covid = next(g for g in listing if g["group"] == "covid19")
    assert covid["offered"] and not covid["offered_by_default"]
    assert covid["changed_by"] == "Dewi" and "PSBB" in covid["categories"]
    store = CentralStore(open_database(central_db_url))
    try:
        assert "covid19" in store.offered_groups()
    finally:
        store.close()
    off = run_central(*url, "categories", "off", "covid19")
    assert off.returncode == 0, off.stderr
    unknown = run_central(*url, "--lang", "en", "categories", "on", "nope")
    assert unknown.returncode == 1 and "nope" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    usage = run_central(*url, "categories", "on")
    assert usage.returncode == 2
    listing = json.loads(run_central(*url, "categories", "list", "--json").stdout)
    assert not next(g for g in listing if g["group"] == "covid19")["offered"]


def old_psbb_report() -> ComplaintInput:
    return ComplaintInput(
        type=ComplaintType.PENGADUAN,
        category="PSBB",
        title="Kerumunan di terminal",
        description="Penumpang berdesakan tanpa masker di ruang tunggu terminal.",
    )


@pytest.mark.slow
def test_a_desk_learns_the_coordinators_groups_on_its_next_sync(
    qtbot: QtBot, store: Store, profile: Profile, central_db_url: str, tmp_path: Path
) -> None:
    process, url = start_server(central_db_url, tmp_path / "server.log")
    central: CentralStore | None = None
    transport = RequestsTransport(timeout=(5, 30))
    try:
        central = CentralStore(open_database(central_db_url))
        code, _expires = central.create_enroll_code("MRK", 1)
        enroll(store, profile, url, code, transport)
        form = ComplaintForm(store)
        qtbot.addWidget(form)
        assert "PSBB" not in listed(form) and "SOSIAL" in listed(form)

        # A report filed under PSBB (made when the group was offered) is saved, synced and
        # kept by the central system with its category.
        old = store.save_complaint(old_psbb_report())
        first = SyncEngine(store, profile, transport).run_once()
        assert first.ok and first.sent == 1, first
        assert not first.categories_changed  # the defaults, now saved
        assert read_switches(profile.category_groups) == {
            "mudik": True,
            "covid19": False,
            "umum": True,
        }
        kept = central.complaint(old.tracking_id)
        assert kept is not None and kept.category == "PSBB"

        # The coordinator turns the COVID-19 group on; the desk learns it on its next sync.
        turned = run_central("--database-url", central_db_url, "categories", "on", "covid19")
        assert turned.returncode == 0, turned.stderr
        report = SyncEngine(store, profile, transport).run_once()
        assert report.ok and report.categories_changed, report
        assert "covid19" in offered_groups_in(profile.category_groups)
        form.clear()
        assert listed(form) >= COVID
        fresh = ComplaintForm(store)
        qtbot.addWidget(fresh)
        assert "PSBB" in listed(fresh)

        # Answers that do not check out never change what the desk saved.
        saved = profile.category_groups.read_bytes()
        faulty = FaultAt(transport, "/sync/categories")
        engine = SyncEngine(store, profile, faulty)
        for bad in (
            Answer(500, b'{"error":"internal","message":"boom"}'),
            Answer(200, b"{not json"),
            Answer(200, b'{"protocol": 1, "groups": {"covid19": "yes"}}'),
            Answer(200, b'{"protocol": 1, "groups": {"COVID19": false}}'),
            Answer(200, b'{"protocol": 1, "groups": {"covid19": false}, "more": 1}'),
            Answer(200, b'{"protocol": 2, "groups": {"covid19": false}}'),
            Answer(200, b"[]"),
            Answer(404, b""),  # a central system from before the switches
        ):
            faulty.answer = bad
            outcome = engine.run_once()
            assert outcome.ok and not outcome.categories_changed, bad
            assert profile.category_groups.read_bytes() == saved, bad
        assert faulty.asked == 8

        # A group this desk does not know is ignored; the known ones are taken.
        faulty.answer = Answer(
            200, b'{"protocol": 1, "groups": {"covid19": false, "bencana": true}}'
        )
        outcome = engine.run_once()
        assert outcome.ok and outcome.categories_changed
        assert read_switches(profile.category_groups) == {"covid19": False}
        assert "covid19" not in offered_groups_in(profile.category_groups)
        assert "bencana" not in profile.category_groups.read_text("utf-8")

        # Switched off again: the old report is still shown and corrected with its category.
        from desktop.ui.edit_dialog import EditDialog

        faulty.answer = None
        assert run_central("--database-url", central_db_url, "categories", "off",
                           "covid19").returncode == 0  # fmt: skip
        assert engine.run_once().ok
        assert "covid19" not in offered_groups_in(profile.category_groups)
        record = store.complaint(old.tracking_id)
        assert record is not None and record.category == "PSBB"
        dialog = EditDialog(store, record)
        qtbot.addWidget(dialog)
        assert dialog.form.category.currentData() == "PSBB"
        form.clear()
        assert "PSBB" not in listed(form)
    finally:
        transport.close()
        stop_process(process)
        if central is not None:
            central.close()
    assert "Traceback" not in (tmp_path / "server.log").read_text(encoding="utf-8")
