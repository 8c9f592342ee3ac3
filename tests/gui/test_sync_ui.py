"""The Sinkronisasi section and the status bar, driven with pytest-qt against the real
central server process on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from desktop.domain import ComplaintInput, ComplaintType
from desktop.paths import Profile
from desktop.settings import CENTRAL_BUNDLE_KEY
from desktop.store.models import Complaint
from desktop.store.outbox import Outbox
from desktop.store.repo import Store
from desktop.sync.backoff import Backoff
from desktop.ui.main_window import MainWindow
from desktop.ui.sync_service import SyncService
from posko import wire
from tests.central_support import CentralServer

pytestmark = pytest.mark.slow


def complaint(n: int) -> ComplaintInput:
    return ComplaintInput(
        type=ComplaintType.PENGADUAN,
        category="TERMINAL",
        title=f"Bus ngetem lama di terminal {n}",
        description="Bus tujuan Solo ngetem lebih dari dua jam, penumpang kepanasan.",
    )


@pytest.fixture
def service(profile: Profile) -> Iterator[SyncService]:
    sync = SyncService(
        profile, interval_seconds=3600, backoff=Backoff(base=3600), watch_network=False
    )
    yield sync
    sync.shutdown()


@pytest.fixture(params=["sqlite"])
def central_db_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """The GUI's behaviour does not depend on the server's database: SQLite only."""
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    return f"sqlite:///{tmp_path / 'central.sqlite3'}"


def test_enroll_sync_and_attention_through_the_window(
    qtbot: QtBot,
    store: Store,
    profile: Profile,
    central_server: CentralServer,
    service: SyncService,
) -> None:
    saved = [store.save_complaint(complaint(n)) for n in range(3)]
    window = MainWindow(store, profile, show_receipt_dialog=False)
    qtbot.addWidget(window)
    window.attach_sync(service)
    panel = window.sync_panel
    assert panel is not None
    window.nav.setCurrentRow(4)
    assert panel.enroll_box.isVisibleTo(panel)

    # A wrong code is explained in Indonesian, nothing changes.
    panel.server.setText(central_server.url)
    panel.code.setText("XXXX-XXXX-XX")
    with qtbot.waitSignal(service.enrollFailed, timeout=20_000):
        qtbot.mouseClick(panel.enroll_button, Qt.MouseButton.LeftButton)
    assert panel.enroll_message.text() == "Kode pendaftaran ini tidak dikenal; periksa kembali."

    code, _expires = central_server.store.create_enroll_code("MRK", 1)
    panel.code.setText(code)
    with qtbot.waitSignal(service.finished, timeout=30_000) as finished:
        qtbot.keyClick(panel.code, Qt.Key.Key_Return)
    report = finished.args[0]
    assert report.ok and report.sent == 3
    assert not panel.enroll_box.isVisibleTo(panel)
    qtbot.waitUntil(lambda: panel.enrolled_with.isVisibleTo(panel))
    assert panel.enrolled_with.text() == f"Terdaftar di sistem pusat {central_server.url}"
    assert window.online_label.text() == "Daring"
    qtbot.waitUntil(lambda: "Terkirim: 3" in panel.summary.text())  # read off the GUI thread
    assert central_server.store.count(["complaints"]) == {"complaints": 3}
    qtbot.waitUntil(lambda: window.queue_label.text() == "Menunggu dikirim: 0")

    # Statuses come back to the list, so the post can answer a returning citizen offline.
    central_server.store.set_status(
        saved[0].tracking_id, wire.CentralStatus.FORWARDED, actor="Dewi", agency="Dishub"
    )
    # A record the central system refuses: shown with its reason; resent after a fix.
    odd = store.save_complaint(complaint(9))
    with store.session() as s:
        s.execute(update(Complaint).where(Complaint.uuid == odd.uuid).values(category="LAMA"))
    with qtbot.waitSignal(service.finished, timeout=30_000):
        qtbot.mouseClick(panel.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.attention.rowCount() == 1)
    why = panel.attention.data(panel.attention.index(0, 4))
    assert "category" in why
    assert panel.attention_box.isVisibleTo(panel)
    window.list.refresh()
    qtbot.waitUntil(lambda: window.list.model.rowCount() == 4)
    texts = [
        window.list.model.data(window.list.model.index(row, 6))
        for row in range(window.list.model.rowCount())
    ]
    assert "Terkirim · Diteruskan ke instansi" in texts
    assert "Perlu perhatian" in texts

    # The operator opens the report, picks a category the central system knows, saves:
    # the correction goes out by itself.
    panel.table.selectRow(0)

    def correct(dialog: object) -> None:
        from desktop.ui.edit_dialog import EditDialog

        assert isinstance(dialog, EditDialog)
        assert dialog.form.title.text() == odd.title  # the report, as it was saved
        dialog.form.category.setCurrentIndex(dialog.form.category.findData("TOL"))
        from PySide6.QtWidgets import QPushButton

        save = dialog.findChild(QPushButton, "save_changes")
        assert save is not None and save.text() == "Sim&pan perubahan"
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)

    with qtbot.waitSignal(service.finished, timeout=30_000) as again:
        assert panel.fix(dialog_hook=correct)
    assert again.args[0].sent == 1
    qtbot.waitUntil(lambda: panel.attention.rowCount() == 0)
    assert Outbox(store).counts()["sent"] == 4

    # Nothing waits: the USB export says so; with a new report it writes a bundle.
    assert not panel.export_bundle(str(profile.root / "usb.posko"))
    assert "Tidak ada data" in panel.last_result.text()
    store.save_complaint(complaint(10))
    assert panel.export_bundle(str(profile.root / "usb.posko"))
    assert "1 data ditulis" in panel.last_result.text()
    assert (profile.root / "usb.posko").stat().st_size > 100
    # The served central system handed its key at enrollment: the bundle is sealed.
    assert b'"version":3' in (profile.root / "usb.posko").read_bytes()
    assert "Peringatan" not in panel.last_result.text()
    # A desk without the key (enrolled with an older central system) is told the bundle
    # is in clear.
    store.set(CENTRAL_BUNDLE_KEY, "")
    assert panel.export_bundle(str(profile.root / "plain.posko"))
    assert "1 data ditulis" in panel.last_result.text()
    assert "Peringatan: bundel ini tidak dienkripsi" in panel.last_result.text()


def test_the_panel_at_1366x768_speaks_to_a_gui_user(
    qtbot: QtBot, store: Store, profile: Profile, service: SyncService
) -> None:
    """No command line for a GUI user (before: "posko enroll --server URL --code KODE"),
    and no large gaps between the lines on a common field laptop's screen (before: the
    room left was shared out between every line, 80 px and more apart)."""
    store.save_complaint(complaint(1))
    window = MainWindow(store, profile, show_receipt_dialog=False)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.attach_sync(service)
    panel = window.sync_panel
    assert panel is not None
    window.nav.setCurrentRow(4)
    with qtbot.waitSignal(service.finished, timeout=20_000):
        qtbot.mouseClick(panel.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Menunggu dikirim: 1" in panel.summary.text())
    assert panel.last_result.text() == (
        "Meja ini belum terdaftar di sistem pusat: daftarkan di bawah ini."
    )
    assert "posko " not in panel.last_result.text() and "--" not in panel.last_result.text()
    assert not panel.enrolled_with.isVisibleTo(panel)
    # Each line as tall as its text, so the lines stand together (a label given spare room
    # centres its text in it, which is what left the gaps).
    for label in (panel.summary, panel.last_result):
        needed = label.heightForWidth(label.width())
        assert label.height() <= max(needed, label.sizeHint().height()) + 4, label.objectName()


def test_set_aside_keeps_the_record_and_the_reason(
    qtbot: QtBot, store: Store, profile: Profile, service: SyncService
) -> None:
    record = store.save_complaint(complaint(1))
    box = Outbox(store)
    box.claim(1)
    from desktop.store.outbox import Delivery

    box.deliver([Delivery(record.uuid, "rejected", "category: unknown category LAMA")])
    window = MainWindow(store, profile, show_receipt_dialog=False)
    qtbot.addWidget(window)
    window.attach_sync(service)
    panel = window.sync_panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.attention.rowCount() == 1)
    panel.table.selectRow(0)
    panel.set_aside(reason="Laporan ganda, sudah dicatat ulang")
    qtbot.waitUntil(lambda: panel.attention.rowCount() == 0)
    assert box.counts()["set_aside"] == 1
    assert store.queue_count() == 0
    assert window.queue_label.text() == "Menunggu dikirim: 0"
    assert store.complaint(record.tracking_id) is not None  # kept, never deleted
