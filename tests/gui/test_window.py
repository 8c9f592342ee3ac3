"""Main window, list, setup dialog, receipt dialog and crash reports with real widgets."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtWidgets import QLabel
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.app import DeskApp
from desktop.domain import ComplaintInput, ComplaintType, PaperSize
from desktop.paths import Profile
from desktop.receipt import build_receipt
from desktop.store.records import ComplaintQuery, ComplaintRecord
from desktop.store.repo import Store
from desktop.ui import crash
from desktop.ui.complaint_form import DRAFT_FORM
from desktop.ui.complaint_list import ComplaintList, ComplaintTableModel
from desktop.ui.main_window import MainWindow
from desktop.ui.receipt_dialog import ReceiptDialog
from desktop.ui.setup_dialog import SetupDialog
from posko.i18n import current_language


def fill(store: Store, n: int, **changes: object) -> None:
    now = datetime.now(UTC)
    items = []
    for i in range(n):
        values: dict[str, object] = {
            "type": ComplaintType.PENGADUAN,
            "category": "TOL" if i % 2 else "SPBU",
            "title": f"Laporan nomor {i}",
            "description": "Uraian laporan uji yang cukup panjang.",
            "reporter_name": f"Pelapor {i}",
        }
        values.update(changes)
        items.append((ComplaintInput(**values), now - timedelta(minutes=i)))  # type: ignore[arg-type]
    store.save_many(items)


def test_model_passes_qtmodeltester(qtbot: QtBot, qtmodeltester: ModelTester, store: Store) -> None:
    fill(store, 450)
    model = ComplaintTableModel(store)
    assert model.rowCount() == 0 and model.loading  # read off the GUI thread
    qtbot.waitUntil(lambda: not model.loading)
    qtmodeltester.check(model)
    assert model.rowCount() == 450
    assert model.data(model.index(0, 2)) == "Laporan nomor 0"
    assert model.data(model.index(449, 2)) is None  # third page: asked for, on its way
    with qtbot.waitSignal(model.pageLoaded) as arrived:
        pass
    assert arrived.args == [400, 449]
    assert model.data(model.index(449, 2)) == "Laporan nomor 449"


def test_list_search_filters_and_detail(qtbot: QtBot, store: Store) -> None:
    fill(store, 30)
    special = store.save_complaint(
        ComplaintInput(
            type=ComplaintType.INFORMASI,
            category="KERETA",
            title="<i>Jadwal</i> kereta",
            description="<script>alert(1)</script> jadwal tambahan?",
            reporter_name="Yusuf",
            anonymous=True,
        )
    )
    view = ComplaintList(store)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.count.text() == "31 laporan")
    view.search.setText(special.tracking_display)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert view.selected() == special  # a single hit is selected and shown
    assert view.detail.labels["description"].text() == "<script>alert(1)</script> jadwal tambahan?"
    assert view.detail.labels["description"].textFormat() == Qt.TextFormat.PlainText
    assert view.detail.labels["flags"].text() == "anonim"
    assert view.model.data(view.model.index(0, 4)) == "Yusuf (anonim)"
    view.search.clear()
    view.category.setCurrentIndex(view.category.findData("SPBU"))
    qtbot.waitUntil(lambda: view.model.rowCount() == 15)
    view.category.setCurrentIndex(0)
    view.use_dates.setChecked(True)
    view.date_from.setDate(QDate.currentDate().addDays(-1))
    view.date_to.setDate(QDate.currentDate())
    qtbot.waitUntil(lambda: view.model.rowCount() == 31)  # made in the last 30 minutes
    view.date_from.setDate(QDate.currentDate().addDays(-10))
    view.date_to.setDate(QDate.currentDate().addDays(-5))
    qtbot.waitUntil(lambda: view.model.rowCount() == 0)
    assert view.count.text() == "0 laporan"
    view.use_dates.setChecked(False)
    qtbot.waitUntil(lambda: view.model.rowCount() == 31)
    with qtbot.waitSignal(view.reprintRequested) as reprint:
        view.table.selectRow(0)
        qtbot.mouseClick(view.detail.reprint, Qt.MouseButton.LeftButton)
    assert reprint.args[0].tracking_id == view.model.record(0).tracking_id


def test_the_list_reads_off_the_gui_thread_and_keeps_the_newest_answer(
    qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow disk (the search made to take 0.4 s) never holds the window: building the
    list and each search return at once, the reads run on another thread, and an answer
    to a search typed over by a newer one is dropped."""
    import threading
    import time

    fill(store, 20)
    target = store.save_complaint(
        ComplaintInput(
            type=ComplaintType.PENGADUAN,
            category="TOL",
            title="Gerbang tol macet",
            description="Antrean gerbang tol panjang sekali.",
        )
    )
    threads: list[str] = []
    search = store.search

    def slow_search(*args: object, **kwargs: object) -> object:
        threads.append(threading.current_thread().name)
        time.sleep(0.4)
        return search(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "search", slow_search)
    started = time.monotonic()
    view = ComplaintList(store)
    qtbot.addWidget(view)
    view.search.setText("Laporan")
    view.apply_filters()  # not waiting for the debounce either
    view.search.setText(target.tracking_display)
    view.apply_filters()
    assert time.monotonic() - started < 0.3  # the window was never held
    assert view.count.text() == "Mencari…"
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5000)
    assert view.selected() == target
    qtbot.wait(600)  # an older answer still on its way must not replace the newest one
    assert view.model.rowCount() == 1 and view.count.text() == "1 laporan"
    assert threads and threading.main_thread().name not in threads


def test_the_detail_names_the_agency_the_central_system_gave(qtbot: QtBot, store: Store) -> None:
    """The central system sends an agency code; the desk shows its name from the routing
    rules (before: the bare code, "DITJENHUBDAT"), and the code of an agency it does not know."""
    import dataclasses

    from posko.i18n import set_language

    fill(store, 1)
    record = store.search(ComplaintQuery())[0]
    view = ComplaintList(store)
    qtbot.addWidget(view)
    forwarded = dataclasses.replace(
        record, central_status="forwarded", central_agency="DITJENHUBDAT"
    )
    view.detail.show_record(forwarded)
    status = view.detail.labels["status"].text()
    assert "Ditjen Perhubungan Darat, Kementerian Perhubungan" in status
    assert "DITJENHUBDAT" not in status
    set_language("en")
    view.detail.show_record(forwarded)
    assert "Directorate General of Land Transport" in view.detail.labels["status"].text()
    view.detail.show_record(dataclasses.replace(forwarded, central_agency="DINAS-X"))
    assert "DINAS-X" in view.detail.labels["status"].text()


def test_the_list_sorts_by_a_header_click_and_shows_overdue_only(
    qtbot: QtBot, store: Store
) -> None:
    fill(store, 8)  # made in the last minutes: none late
    old = store.save_many(
        [
            (
                ComplaintInput(
                    type=ComplaintType.PENGADUAN,
                    category="TOL",
                    title="Aaa laporan lama",
                    description="Dibuat tiga minggu lalu, belum dijawab.",
                ),
                datetime.now(UTC) - timedelta(days=21),
            )
        ]
    )
    assert old == 1
    view = ComplaintList(store)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.model.rowCount() == 9)
    assert view.model.data(view.model.index(8, 2)) == "Aaa laporan lama"  # newest first
    header = view.table.horizontalHeader()
    view.show()
    with qtbot.waitSignal(view.model.loaded):  # a click on the title's header
        at = QPoint(header.sectionViewportPosition(2) + 10, header.height() // 2)
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert header.sortIndicatorSection() == 2
    first = 0 if header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder else 8
    assert view.model.data(view.model.index(first, 2)) == "Aaa laporan lama"
    with qtbot.waitSignal(view.model.loaded):
        view.overdue.setChecked(True)
    assert view.model.rowCount() == 1 and view.count.text() == "1 laporan"
    assert view.model.query.order_by == "title"  # the filter kept the order
    sync = view.model.data(view.model.index(0, 6), Qt.ItemDataRole.ToolTipRole)
    assert sync == view.model.data(view.model.index(0, 6))  # the whole status, to hover


def test_a_refresh_keeps_the_report_being_read_and_a_failed_page_is_asked_again(
    qtbot: QtBot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sync refreshes the list every few minutes: the report the operator is reading
    stays chosen and shown (a reviewer found it blanked). A page whose read failed (a busy
    disk) is read again when a row of it is next needed, not left blank."""
    fill(store, 450)
    view = ComplaintList(store)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.model.rowCount() == 450)
    view.table.selectRow(3)
    chosen = view.selected()
    assert chosen is not None
    with qtbot.waitSignal(view.model.loaded):
        view.refresh()
    assert view.selected() == chosen
    assert view.detail.labels["tracking"].text() == chosen.tracking_display

    search = store.search
    calls = {"n": 0}

    def busy_once(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database is locked")
        return search(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "search", busy_once)
    with qtbot.waitSignal(view.model.failed):
        assert view.model.record(449) is None
    with qtbot.waitSignal(view.model.pageLoaded):
        assert view.model.record(449) is None  # asked again
    assert view.model.record(449) is not None


def test_sections_and_status_bar(qtbot: QtBot, store: Store, profile: Profile) -> None:
    fill(store, 3)
    window = MainWindow(store, profile, show_receipt_dialog=False)
    qtbot.addWidget(window)
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert titles == ["Pengaduan", "Survei", "Penjangkauan", "Statistik", "Sinkronisasi"]
    assert window.queue_label.text() == "Menunggu dikirim: 3"
    assert "Siti Rahmawati" in window.post_label.text()
    window.nav.setCurrentRow(4)
    assert window.stack.currentIndex() == 4
    from desktop.ui.sync_service import SyncService

    service = SyncService(profile, watch_network=False)
    try:
        window.attach_sync(service)
        assert window.sync_panel is not None
        labels = [label.text() for label in window.stack.currentWidget().findChildren(QLabel)]
        assert "Sinkronisasi" in labels
        assert window.sync_panel.enroll_box.isVisibleTo(window.sync_panel)  # not enrolled
    finally:
        service.shutdown()


def test_reprint_writes_the_receipt_again(qtbot: QtBot, store: Store, profile: Profile) -> None:
    fill(store, 1)
    window = MainWindow(store, profile, show_receipt_dialog=False)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.list.model.rowCount() == 1)  # read in the background
    window.list.table.selectRow(0)
    with qtbot.waitSignal(window.receiptReady) as ready:
        window.list.detail.reprint.click()
    assert Path(ready.args[1]).read_bytes().startswith(b"%PDF")


def test_only_the_receipt_on_the_screen_stays_in_the_profile(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    """A receipt PDF holds the report's access code and title in the clear: the profile
    keeps the one being shown, and none after the desk (``clear_receipts``) closes."""
    fill(store, 3)
    window = MainWindow(store, profile, show_receipt_dialog=False)
    qtbot.addWidget(window)
    shown = []
    for record in store.search(ComplaintQuery()):
        with qtbot.waitSignal(window.receiptReady) as ready:
            window.show_receipt(record)
        shown.append(Path(ready.args[1]))
        assert sorted(profile.receipts.glob("*.pdf")) == [shown[-1]]
    assert len(set(shown)) == 3
    assert profile.clear_receipts() == 1
    assert list(profile.receipts.glob("*.pdf")) == []


def test_language_switch_keeps_the_typing(qtbot: QtBot, store: Store, profile: Profile) -> None:
    desk = DeskApp(store, profile, ask_at_start=False)
    window = desk.show_main_window()
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    window.form.title.setText("Setengah jalan")
    window.languageRequested.emit("en")
    new = desk.window
    assert isinstance(new, MainWindow) and new is not window
    qtbot.addWidget(new)
    assert current_language() == "en"
    assert new.nav.item(0).text() == "Complaints"
    assert new.form.title.text() == "Setengah jalan"
    assert store.require_context().language == "en"


def test_closing_keeps_the_draft(qtbot: QtBot, store: Store, profile: Profile) -> None:
    window = MainWindow(store, profile, show_receipt_dialog=False)
    qtbot.addWidget(window)
    window.form.description.setPlainText("Belum selesai diketik")
    window.close()
    (draft,) = store.drafts(DRAFT_FORM)
    assert store.load_draft(draft.id)["description"] == "Belum selesai diketik"


def test_setup_dialog_validates_and_saves(qtbot: QtBot, profile: Profile) -> None:
    store = Store.open(profile)
    dialog = SetupDialog(store)
    qtbot.addWidget(dialog)
    dialog.post_code.setText("m r")
    dialog.accept()
    assert dialog.result() == 0
    assert dialog.messages["post_code"].text() == (
        "Kode posko hanya boleh berisi huruf, angka dan tanda hubung."
    )
    assert dialog.messages["post_name"].text() == "Nama posko wajib diisi."
    dialog.post_code.setText("smg-02")
    dialog.post_name.setText("Posko Terminal Terboyo")
    dialog.operator.setText("Agus")
    dialog.paper.setCurrentIndex(dialog.paper.findData("80mm"))
    assert dialog.time_zone.currentData() == "WIB"  # the default, most posts are on it
    dialog.time_zone.setCurrentIndex(dialog.time_zone.findData("WITA"))
    assert dialog.time_zone.currentText().startswith("WITA: Bali")
    dialog.accept()
    assert store.context() is None  # the first coordinator's PIN is missing
    assert dialog.messages["pin"].text() == "PIN terdiri dari 4 sampai 12 angka."
    dialog.pin.setText("2580")
    dialog.repeated.setText("2580")
    dialog.accept()
    context = store.require_context()
    assert context.time_zone == "WITA"
    assert (context.operator_name, context.operator_role) == ("Agus", "koordinator")
    assert (context.post_code, context.paper, context.central_url) == (
        "SMG-02",
        PaperSize.THERMAL_80,
        "https://posko-mudik.id",  # the programme's address, offered by setup
    )
    store.close()


def test_receipt_dialog_shows_the_receipt(qtbot: QtBot, store: Store) -> None:
    fill(store, 1)
    record = store.search(ComplaintQuery())[0]
    dialog = ReceiptDialog(
        build_receipt(record, store.require_context(), store.catalog), PaperSize.THERMAL_58
    )
    qtbot.addWidget(dialog)
    picture = dialog.findChild(QLabel, "receipt_image")
    assert picture is not None and picture.pixmap().width() > 200
    assert dialog.print_button.isDefault()
    assert record.tracking_display in dialog.windowTitle()


def test_crash_hook_writes_a_report(tmp_path: Path) -> None:
    import threading

    previous, previous_thread = sys.excepthook, threading.excepthook
    try:
        crash.install(tmp_path, show_dialog=False)
        reporter = " ".join(["Budi", "Santoso", "081234567890"])  # data, not code
        try:
            raise RuntimeError(f"cannot save the report of {reporter}")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook, threading.excepthook = previous, previous_thread
    reports = list(tmp_path.glob("crash-*.txt"))
    assert len(reports) == 1
    text = reports[0].read_text(encoding="utf-8")
    # Where and what, never the message: it may hold reporter data or report text.
    assert "Posko" in text and "RuntimeError" in text
    assert "in test_crash_hook_writes_a_report" in text
    assert reporter not in text and "Santoso 0812" not in text


@pytest.mark.parametrize("language", ["id", "en"])
def test_window_builds_in_each_language(
    qtbot: QtBot, store: Store, profile: Profile, language: str
) -> None:
    from posko.i18n import set_language

    set_language(language)
    window = MainWindow(store, profile, show_receipt_dialog=False)
    qtbot.addWidget(window)
    expected = {"id": "Simpan dan cetak tanda terima", "en": "Save and print receipt"}
    assert window.form.save_button.text().replace("&", "") == expected[language]


def test_progressive_start_fills_in_after_the_window_shows(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    """The window is drawn from the start card; the key and the store come on the first
    loop turn."""
    from desktop.store import cipher, start_card

    fill(store, 4)
    store.save_draft("draf-lama", DRAFT_FORM, {"title": "Draf dari sesi lalu"})
    store.close()
    context = start_card.read(profile)
    assert context is not None
    cipher.forget(profile.root)  # as at a start: no key yet
    lazy = Store(profile)  # not opened yet
    desk = DeskApp(lazy, profile, ask_at_start=False)
    window = desk.show_main_window(context)
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    assert not lazy.opened  # shown without the database
    assert window.queue_label.text() == "Membuka basis data…"
    qtbot.waitUntil(lambda: lazy.opened and window.list.model.rowCount() == 4)
    assert cipher.key_for(profile.database) is not None  # fetched once the window was up
    assert desk.window is window  # the card was right: the same window fills in
    assert window.queue_label.text() == "Menunggu dikirim: 4"
    assert not window.form.banner.isHidden()
    lazy.close()


def test_a_window_closed_before_the_store_opened_does_not_open_it(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    """Quitting during the start (the passphrase cancelled, the start-up probe): whether
    the form is blank is seen from the widgets, not by opening the database (and fetching
    its key) on the way out."""
    from desktop.store import cipher, start_card

    store.close()
    drawn = start_card.read(profile)
    assert drawn is not None
    cipher.forget(profile.root)
    lazy = Store(profile)
    window = MainWindow(lazy, profile, context=drawn)
    qtbot.addWidget(window)
    assert window.form.is_blank()
    window.close()
    assert not lazy.opened and cipher.key_for(profile.database) is None


def test_a_card_the_database_disagrees_with_is_corrected_and_the_window_drawn_again(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    """A backup restored meanwhile, another version's writing: the window drawn from the
    card is replaced by one from the store, in the store's language, typing kept; the card
    is then the store's again."""
    from dataclasses import replace

    from desktop.store import start_card
    from posko.i18n import set_language

    real = store.require_context()
    store.close()
    stale = replace(start_card.without_operator(real), post_name="Posko Lama", language="en")
    start_card.forget(profile)
    start_card.card_path(profile).write_bytes(start_card.card_of(stale))
    drawn = start_card.read(profile)
    assert drawn == stale
    set_language("en")  # as the start does for the card's language
    lazy = Store(profile)
    desk = DeskApp(lazy, profile, ask_at_start=False)
    first = desk.show_main_window(drawn)
    assert isinstance(first, MainWindow)
    qtbot.addWidget(first)
    assert first.windowTitle() == "Posko — Posko Lama (MRK)"
    first.form.title.setText("Diketik sebelum basis data terbuka")
    qtbot.waitUntil(lambda: desk.window is not first, timeout=10_000)
    again = desk.window
    assert isinstance(again, MainWindow)
    qtbot.addWidget(again)
    assert again.windowTitle() == "Posko — Posko Pelabuhan Merak (MRK)"
    assert current_language() == "id"
    assert again.form.save_button.text().replace("&", "") == "Simpan dan cetak tanda terima"
    assert again.form.title.text() == "Diketik sebelum basis data terbuka"
    assert start_card.read(profile) == start_card.without_operator(real)
    desk.store.close()


def test_without_its_key_the_window_drawn_from_the_card_asks_over_itself(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A desk whose key is under the coordinator's passphrase: the window comes from the
    card at once and the passphrase dialog opens over it; cancelled, nothing is read."""
    import keyring
    from keyring.backends import fail
    from PySide6.QtWidgets import QApplication, QWidget

    from desktop.store import cipher, desk_key, start_card
    from desktop.ui.key_dialog import PassphraseDialog

    exits: list[int] = []
    monkeypatch.setattr(QApplication, "exit", lambda code=0: exits.append(code))
    profile = Profile(tmp_path / "desk")
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        desk_key.create_with_passphrase(profile, "terminal pulogebang 2027")
        made = Store.open(profile)
        made.setup(post_code="PLG", post_name="Posko Pulogebang", operator="Dewi")
        made.close()
        cipher.forget(profile.root)  # as at the next start: the key not known yet
        drawn = start_card.read(profile)
        assert drawn is not None and drawn.post_name == "Posko Pulogebang"
        lazy = Store(profile)
        desk = DeskApp(lazy, profile, ask_at_start=False)
        asked: list[tuple[object, QWidget | None]] = []

        def operator(dialog: object) -> object:
            assert isinstance(dialog, PassphraseDialog)
            qtbot.addWidget(dialog)
            asked.append((dialog, dialog.parentWidget()))
            return False  # cancelled

        desk.exec_dialog = operator
        window = desk.show_main_window(drawn)
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: bool(asked), timeout=10_000)
        assert asked[0][1] is window  # over the window, not a bare dialog
        assert not lazy.opened and cipher.key_for(profile.database) is None
        assert exits == [1]  # the desk does not start without it
    finally:
        keyring.set_keyring(before)


def test_typing_saved_as_a_draft_while_the_passphrase_is_asked_waits_for_the_key(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The draft timer fires while the passphrase dialog is open: the typing stays the
    form's (still to save) and becomes its draft once the key is given."""
    import keyring
    from keyring.backends import fail

    from desktop.store import cipher, desk_key, start_card
    from desktop.ui.complaint_form import DRAFT_FORM
    from desktop.ui.key_dialog import PassphraseDialog

    profile = Profile(tmp_path / "desk")
    passphrase = "terminal pulogebang 2027"
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        desk_key.create_with_passphrase(profile, passphrase)
        made = Store.open(profile)
        made.setup(post_code="PLG", post_name="Posko Pulogebang", operator="Dewi")
        made.close()
        cipher.forget(profile.root)
        drawn = start_card.read(profile)
        assert drawn is not None
        lazy = Store(profile)
        desk = DeskApp(lazy, profile, ask_at_start=False)
        window = desk.show_main_window(drawn)
        assert isinstance(window, MainWindow)
        qtbot.addWidget(window)
        asked: list[bool] = []

        def operator(dialog: object) -> object:
            assert isinstance(dialog, PassphraseDialog)
            qtbot.addWidget(dialog)
            window.form.title.setText("Diketik sebelum frasa sandi")
            window.form.save_draft()  # as the draft timer would, the dialog still open
            asked.append(window.form._dirty and window.form.draft_id is None)
            desk_key.unlock_with_passphrase(profile, passphrase)
            return True

        desk.exec_dialog = operator
        qtbot.waitUntil(lambda: lazy.opened and bool(lazy.drafts(DRAFT_FORM)), timeout=10_000)
        assert asked == [True]
        (draft,) = lazy.drafts(DRAFT_FORM)
        assert lazy.load_draft(draft.id)["title"] == "Diketik sebelum frasa sandi"
        assert window.form.draft_id == draft.id and not window.form._dirty
        lazy.close()
    finally:
        keyring.set_keyring(before)


def test_saving_before_the_store_opened_still_saves(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:

    context = store.require_context()
    store.close()
    lazy = Store(profile)  # not opened yet
    window = MainWindow(lazy, profile, context=context, show_receipt_dialog=False)
    qtbot.addWidget(window)
    window.form.set_values(
        {
            "type": "pengaduan",
            "category": "TOL",
            "title": "Cepat sekali",
            "description": "Disimpan sebelum basis data selesai dibuka.",
        }
    )
    record = window.form.submit()
    assert record is not None and lazy.opened
    assert lazy.complaint(record.tracking_id) == record
    lazy.close()


def test_correcting_a_report_from_the_list(qtbot: QtBot, store: Store, profile: Profile) -> None:
    fill(store, 2)
    window = MainWindow(store, profile, show_receipt_dialog=False)
    qtbot.addWidget(window)
    window.go_to_list()
    view = window.list
    qtbot.waitUntil(lambda: view.model.rowCount() == 2)
    view.table.selectRow(0)
    before = view.selected()
    assert before is not None and view.detail.edit.isEnabled()

    def correct(dialog: object) -> None:
        from desktop.ui.edit_dialog import EditDialog

        assert isinstance(dialog, EditDialog)
        assert dialog.form.title.text() == before.title
        dialog.form.title.setText("x")  # too short: explained, nothing saved
        assert dialog.form.submit() is None
        assert dialog.saved is None and dialog.form.messages["title"].isVisibleTo(dialog.form)
        dialog.form.title.setText("Judul laporan yang sudah diperbaiki")
        dialog.form.submit()

    with qtbot.waitSignal(view.edited) as edited:
        corrected = view.edit_selected(dialog_hook=correct)
    assert corrected is not None and edited.args[0].tracking_id == before.tracking_id
    after = store.complaint(before.tracking_id)
    assert after is not None and after.title == "Judul laporan yang sudah diperbaiki"
    assert (after.secret, after.uuid) == (before.secret, before.uuid)  # the receipt still holds
    assert after.sync_state == "pending"
    assert "diperbaiki" in window.statusBar().currentMessage()


def test_the_list_shows_what_is_due_soon_and_overdue(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    from sqlalchemy import update

    from desktop.store.models import Complaint
    from desktop.ui.complaint_list import due_state

    now = datetime.now(UTC)

    def report(title: str, *, days_ago: int = 0) -> ComplaintRecord:
        queue = ComplaintInput(
            type=ComplaintType.PENGADUAN,
            category="TOL",
            title=title,
            description="Antrean panjang sekali di gerbang tol Cikampek.",
        )
        return store.save_complaint(queue, now=now - timedelta(days=days_ago))

    old = report("Antrean lama di gerbang tol", days_ago=30)
    done = report("Antrean yang sudah selesai", days_ago=30)
    with store.session() as s:
        s.execute(
            update(Complaint).where(Complaint.uuid == done.uuid).values(central_status="resolved")
        )
    fresh = report("Antrean baru saja")
    catalog = store.catalog

    def state_of(tracking_id: str, today: date | None = None) -> tuple[date, str]:
        record = store.complaint(tracking_id)
        assert record is not None
        return due_state(record, catalog, today)

    assert state_of(old.tracking_id)[1] == "overdue"
    assert state_of(done.tracking_id)[1] == "ok"
    due, state = state_of(fresh.tracking_id)
    assert state == "ok" and due > now.date()
    assert state_of(fresh.tracking_id, today=due)[1] == "soon"

    window = MainWindow(store, profile, show_receipt_dialog=False)
    qtbot.addWidget(window)
    window.go_to_list()
    model = window.list.model
    qtbot.waitUntil(lambda: model.rowCount() == 3)
    texts = {
        model.record(row).tracking_id: model.data(model.index(row, model.DUE_COLUMN))
        for row in range(3)
    }
    assert texts[old.tracking_id].endswith("· terlambat")
    assert "terlambat" not in texts[done.tracking_id]
    assert model.headerData(model.DUE_COLUMN, Qt.Orientation.Horizontal) == "Batas tanggapan"
    red = model.data(
        model.index(
            next(r for r in range(3) if model.record(r).tracking_id == old.tracking_id),
            model.DUE_COLUMN,
        ),
        Qt.ItemDataRole.ForegroundRole,
    )
    assert red is not None


def test_the_window_shows_before_anything_it_does_not_need(store: Store, profile: Profile) -> None:
    """The real ``posko`` start (the entry point's code, in a fresh interpreter) shows the
    window without the database layer, the sync stack, the rules, the report list, the
    complaint records or the ``Qt`` namespace's enums: together, tens of milliseconds of
    start-up (``benchmarks`` measures the whole)."""
    import os
    import subprocess

    store.close()
    code = (
        "import sys\n"
        "import desktop.app as app\n"
        "shown = app._report_shown_and_quit\n"
        "def probe():\n"
        "    import PySide6.QtCore as core\n"
        "    loaded = [m for m in sys.modules if m.split('.')[0] in\n"
        "              ('sqlalchemy', 'alembic', 'pydantic', 'requests', 'holidays',\n"
        "               'keyring', 'sqlcipher3', 'cryptography')\n"
        "              or m in ('posko.routing', 'desktop.ui.complaint_list',\n"
        "                       'desktop.store.records', 'desktop.store.desk_key',\n"
        "                       'desktop.store.cipher')]\n"
        "    print('LOADED', sorted({m.split('.')[0] if m[0] != 'd' else m for m in loaded}))\n"
        "    print('QT_NAMESPACE', 'Qt' in vars(core))\n"
        "    shown()\n"
        "app._report_shown_and_quit = probe\n"
        "from desktop.cli import main\n"
        f"sys.exit(main(['--data-dir', {str(profile.root)!r}, '--no-crash-dialog']))\n"
    )
    env = dict(os.environ, POSKO_EXIT_WHEN_SHOWN="1", QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "LOADED []" in lines, result.stdout
    assert "QT_NAMESPACE False" in lines, result.stdout
    assert any(line.startswith("SHOWN ") for line in lines), result.stdout
    # The probe's other reading: once the key is fetched and the store open.
    env["POSKO_EXIT_WHEN_SHOWN"] = "open"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    loaded = next(line for line in lines if line.startswith("LOADED"))
    assert "sqlalchemy" in loaded and "sqlcipher3" in loaded and "keyring" in loaded, loaded
    assert any(line.startswith("SHOWN ") for line in lines), result.stdout


def test_the_list_shows_times_on_the_posts_clock_not_the_laptops(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    """The test machine's clock is on UTC; the post is in Makassar (WITA, UTC+8). The list,
    its detail and the drafts show the post's time, as the receipt does (before: the
    laptop's, eight hours off)."""
    from datetime import timedelta, timezone

    from desktop.ui.main_window import MainWindow

    context = store.require_context()
    store.setup(
        post_code=context.post_code,
        post_name=context.post_name,
        operator=context.operator_name,
        time_zone="WITA",
    )
    record = store.save_complaint(
        ComplaintInput(
            type=ComplaintType.PENGADUAN,
            category="TOL",
            title="Antrean gerbang tol",
            description="Antrean panjang.",
            occurred_at=datetime(2026, 3, 27, 16, 30, tzinfo=UTC),
        )
    )
    window = MainWindow(store, profile, show_receipt_dialog=False)
    qtbot.addWidget(window)
    window.go_to_list()
    view = window.list
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    wita = timezone(timedelta(hours=8))
    recorded = record.created_at.astimezone(wita).strftime("%d-%m-%Y %H:%M")
    assert view.model.data(view.model.index(0, 1)) == recorded
    view.table.selectRow(0)
    qtbot.waitUntil(lambda: view.detail.labels["recorded"].text() == f"{recorded} WITA")
    assert view.detail.labels["occurred"].text() == "28-03-2026 00:30 WITA"
