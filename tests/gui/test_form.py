"""The intake form, driven with the keyboard through pytest-qt: fill, save with Ctrl+Enter,
and read the receipt PDF's QR back; validation in place; drafts kept while typing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from desktop.app import DeskApp
from desktop.domain import ComplaintInput, ComplaintType
from desktop.paths import Profile
from desktop.store.records import ComplaintQuery
from desktop.store.repo import Store
from desktop.ui.complaint_form import DRAFT_DELAY_MS, DRAFT_FORM, ComplaintForm
from desktop.ui.main_window import MainWindow
from posko.i18n import _ as tr
from tests.desk_support import shown_window as make_window
from tests.drafts_support import answer_question, drafts_on_disk, titles_on_disk
from tests.helpers import pdf_qr_codes, pdf_text


def type_into(qtbot: QtBot, widget: QWidget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def choose_category(qtbot: QtBot, form: ComplaintForm, text: str) -> None:
    line = form.category.lineEdit()
    assert line is not None
    type_into(qtbot, line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def test_fill_save_and_print_with_the_keyboard(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    window = make_window(qtbot, store, profile)
    form = window.form
    choose_category(qtbot, form, "Jalan tol dan rest area")
    assert form.values()["category"] == "TOL"
    type_into(qtbot, form.title, "Antrean gerbang tol <b>parah</b>")
    type_into(qtbot, form.description, "Antrean 5 km di Cikampek ")
    form.description.insertPlainText("😡")  # QTest types ASCII only; emoji arrive by IME/paste
    type_into(qtbot, form.description, "; DROP TABLE x;")
    type_into(qtbot, form.location, "Gerbang Tol Cikampek Utama")
    type_into(qtbot, form.reporter_name, "Bambang Pamungkas")
    type_into(qtbot, form.phone, "0812-3456-7890")
    form.anonymous.setChecked(True)

    with qtbot.waitSignal(window.receiptReady, timeout=5000) as receipt:
        qtbot.keyClick(form.title, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    record, pdf_path = receipt.args
    stored = store.complaint(record.tracking_id)
    assert stored == record
    assert stored.title == "Antrean gerbang tol <b>parah</b>"
    assert stored.description == "Antrean 5 km di Cikampek 😡; DROP TABLE x;"
    assert stored.phone == "+6281234567890" and stored.anonymous and not stored.confidential

    pdf = Path(pdf_path)
    assert pdf == profile.receipts / f"{record.tracking_id}.pdf"
    assert pdf_qr_codes(pdf) == [stored.qr_payload]
    assert stored.qr_payload.startswith("https://pelacakan.posko.test/t/")
    assert record.tracking_display in pdf_text(pdf)

    # The form is ready for the next traveller, the draft is gone, the queue counts it.
    assert form.is_blank() and titles_on_disk(profile.database) == []
    assert window.queue_label.text() == "Menunggu dikirim: 1"
    qtbot.waitUntil(lambda: window.list.model.rowCount() == 1)


def test_empty_save_shows_indonesian_messages_and_focuses_the_first(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    window = make_window(qtbot, store, profile)
    form = window.form
    assert form.submit() is None
    assert form.messages["category"].text() == "Pilih kategori."
    assert form.messages["title"].text() == "Judul wajib diisi."
    assert form.messages["description"].text() == "Uraian wajib diisi."
    assert form.messages["category"].isVisible() and not form.messages["phone"].isVisible()
    focused = QApplication.focusWidget()
    assert focused is not None
    assert focused is form.category or form.category.isAncestorOf(focused)
    assert form.status.text() == "Mohon perbaiki isian yang ditandai (3)."
    assert store.count(ComplaintQuery()) == 0


def test_bad_phone_keeps_everything_typed(qtbot: QtBot, store: Store, profile: Profile) -> None:
    window = make_window(qtbot, store, profile)
    form = window.form
    choose_category(qtbot, form, "SPBU")
    type_into(qtbot, form.title, "BBM habis di SPBU")
    type_into(qtbot, form.description, "Pertalite habis sejak pagi, antrean panjang.")
    type_into(qtbot, form.phone, "12345")
    assert form.submit() is None
    assert "Nomor telepon tidak valid" in form.messages["phone"].text()
    assert form.phone.property("invalid") and not form.title.property("invalid")
    assert form.messages["category"].isHidden()
    assert QApplication.focusWidget() is form.phone
    assert form.title.text() == "BBM habis di SPBU"  # nothing lost
    form.phone.clear()
    type_into(qtbot, form.phone, "+62 857 1234 5678")
    record = form.submit()
    assert record is not None and record.phone == "+6285712345678"
    assert not form.messages["phone"].isVisible()
    assert not form.phone.property("invalid")


def test_too_long_title_is_kept_whole_and_explained(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    window = make_window(qtbot, store, profile)
    form = window.form
    long_title = "Sangat panjang " * 20
    form.title.setText(long_title)
    assert form.submit() is None
    assert form.title.text() == long_title
    assert "paling banyak 150" in form.messages["title"].text()


def test_tab_order_follows_the_form(qtbot: QtBot, store: Store, profile: Profile) -> None:
    window = make_window(qtbot, store, profile)
    form = window.form
    expected = [form.title, form.description, form.location, form.occurred_at, form.reporter_name]
    form.category.setFocus()
    seen = []
    for _ in expected:
        focused = QApplication.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    assert seen == expected


def test_category_by_keyboard_fragment(qtbot: QtBot, store: Store, profile: Profile) -> None:
    window = make_window(qtbot, store, profile)
    form = window.form
    # Social assistance is a general matter today (PKH, BPNT, BLT): "bansos" is the general
    # category; the COVID-19 one (BANSOS) is not offered for a new report by default.
    choose_category(qtbot, form, "bansos")
    assert form.values()["category"] == "SOSIAL"
    assert form.category.currentData() == "SOSIAL"
    line = form.category.lineEdit()
    assert line is not None
    line.selectAll()
    type_into(qtbot, line, "spbu")
    qtbot.keyClick(line, Qt.Key.Key_Tab)
    assert form.values()["category"] == "SPBU"
    assert form.category.currentData() == "SPBU"
    line.selectAll()
    type_into(qtbot, line, "tidak ada kategori ini")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert form.category.currentData() == ""
    assert line.text() == "tidak ada kategori ini"


@pytest.mark.parametrize(
    ("typed", "category"),
    [
        ("krl", "KERETA"),
        ("bbm", "SPBU"),
        ("e-toll", "TOL"),
        ("pelabuan", "PELABUHAN"),
        ("bansos", "SOSIAL"),
        ("pkh", "SOSIAL"),
        # Terms of categories no longer offered find nothing (not the COVID-19 ones).
        ("bansos covid", "SOSIAL"),
        ("psbb", ""),
        ("isolasi mandiri", ""),
    ],
)
def test_the_category_box_knows_what_the_rules_know(
    qtbot: QtBot, store: Store, profile: Profile, typed: str, category: str
) -> None:
    """Abbreviations, synonyms and a missing letter find their category in the box as they
    do in the suggestion (before: "krl" and "bbm" found nothing, no name holds them)."""
    form = make_window(qtbot, store, profile).form
    line = form.category.lineEdit()
    assert line is not None
    type_into(qtbot, line, typed)
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert form.category.currentData() == category


def offer_covid(profile: Profile, on: bool = True) -> None:
    """What the sync saves once the coordinator switched the COVID-19 group."""
    import json

    profile.category_groups.write_text(json.dumps({"groups": {"covid19": on}}), "utf-8")


def test_a_new_report_is_offered_only_todays_categories(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    """The COVID-19 categories are not offered for a new report unless the coordinator
    turned them on; once the sync saved that, the next form (or a cleared one) has them."""
    form = make_window(qtbot, store, profile).form
    listed = {form.category.itemData(i) for i in range(form.category.count())}
    assert "PSBB" not in listed and "BANSOS" not in listed and "HOAKS" not in listed
    assert {"TOL", "SOSIAL", "LAINNYA"} <= listed
    choose_category(qtbot, form, "PSBB")  # by code, by name, by the rules' words: nothing
    assert form.category.currentData() == ""
    line = form.category.lineEdit()
    assert line is not None
    for typed in ("Hoaks", "karantina", "swab"):
        line.selectAll()
        choose_category(qtbot, form, typed)
        assert form.category.currentData() == "", typed
        assert line.text() == typed

    offer_covid(profile)
    form.clear()  # after a saved report the form starts again with today's categories
    listed = {form.category.itemData(i) for i in range(form.category.count())}
    assert {"PSBB", "BANSOS", "HOAKS", "SOSIAL"} <= listed
    choose_category(qtbot, form, "psbb")
    assert form.category.currentData() == "PSBB"
    assert form.category.currentText() == "Pelanggaran jaga jarak dan PSBB — COVID-19"
    fresh = ComplaintForm(store)
    qtbot.addWidget(fresh)
    assert fresh.category.findData("PSBB") > 0

    offer_covid(profile, on=False)
    assert ComplaintForm(store).category.findData("PSBB") < 0


def test_a_sync_that_changed_the_groups_refreshes_the_open_form(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    """The desk runs all day: what the coordinator switched shows without a restart, and
    what the operator already chose or half typed stays."""
    from desktop.sync.engine import SyncReport

    window = make_window(qtbot, store, profile)
    form = window.form
    choose_category(qtbot, form, "spbu")
    offer_covid(profile)
    window._on_sync_finished(SyncReport())  # nothing changed: nothing rebuilt
    assert form.category.findData("PSBB") < 0
    window._on_sync_finished(SyncReport(categories_changed=True))
    assert form.category.findData("PSBB") > 0
    assert form.category.currentData() == "SPBU"
    line = form.category.lineEdit()
    assert line is not None
    line.selectAll()
    choose_category(qtbot, form, "psbb")
    assert form.category.currentData() == "PSBB"
    offer_covid(profile, on=False)
    window._on_sync_finished(SyncReport(categories_changed=True))
    assert form.category.currentData() == "PSBB"  # chosen before: kept, marked
    assert form.category.currentText() == tr("{category} (no longer offered)").format(
        category="Pelanggaran jaga jarak dan PSBB — COVID-19"
    )
    form.clear()
    assert form.category.findData("PSBB") < 0
    from desktop.ui.sync_panel import report_text

    said = tr("The categories offered for new reports changed.")
    assert said in report_text(SyncReport(categories_changed=True))
    assert said not in report_text(SyncReport())


def test_the_suggestion_never_names_a_category_not_offered(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    form = make_window(qtbot, store, profile).form
    type_into(qtbot, form.title, "Kerumunan tanpa masker")
    type_into(qtbot, form.description, "Tidak ada jaga jarak di rest area, melanggar PSBB.")
    form.update_suggestion()
    assert form.suggested not in {"PSBB", "KARANTINA", "YANKES", "BANSOS", "EKONOMI", "HOAKS"}
    form.apply_suggestion()
    assert form.category.currentData() != "PSBB"

    offer_covid(profile)
    form.clear()
    type_into(qtbot, form.title, "Kerumunan tanpa masker")
    type_into(qtbot, form.description, "Tidak ada jaga jarak di rest area, melanggar PSBB.")
    form.update_suggestion()
    assert form.suggested == "PSBB"
    form.apply_suggestion()
    assert form.category.currentData() == "PSBB"


def test_an_old_report_keeps_a_category_no_longer_offered(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    """A PSBB report saved when the group was offered: the list shows it, its correction
    shows the category, marked, and saving the correction keeps it."""
    from desktop.ui.edit_dialog import EditDialog

    record = store.save_complaint(
        ComplaintInput(
            type=ComplaintType.PENGADUAN,
            category="PSBB",
            title="Kerumunan di terminal",
            description="Penumpang berdesakan tanpa masker di ruang tunggu.",
        )
    )
    window = make_window(qtbot, store, profile)
    assert window.form.category.findData("PSBB") < 0  # not for a new report
    dialog = EditDialog(store, record)
    qtbot.addWidget(dialog)
    box = dialog.form.category
    assert box.currentData() == "PSBB"
    assert box.currentText() == tr("{category} (no longer offered)").format(
        category="Pelanggaran jaga jarak dan PSBB — COVID-19"
    )
    dialog.form.description.setPlainText("Penumpang berdesakan tanpa masker, 200 orang.")
    saved = dialog.form.submit()
    assert saved is not None and saved.category == "PSBB"
    again = store.complaint(record.tracking_id)
    assert again is not None and again.category == "PSBB"
    # Another category chosen in the correction: fine, but only today's are there besides.
    listed = {box.itemData(i) for i in range(box.count())}
    assert "KARANTINA" not in listed and "TOL" in listed


def test_simpan_is_not_simpang(qtbot: QtBot, store: Store, profile: Profile) -> None:
    """simpan (keep) was "corrected" into simpang (a crossroads), a traffic keyword: a
    lost-bag report went to the traffic police. A real word is never corrected now."""
    from posko.routing import default_router

    found = default_router().route("Tolong simpan tas saya yang tertinggal di bus")
    assert "simpang" not in found.why and found.category != "LALIN"
    form = make_window(qtbot, store, profile).form
    line = form.category.lineEdit()
    assert line is not None
    type_into(qtbot, line, "simpan")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert form.category.currentData() != "LALIN"


def test_the_correction_line_goes_with_the_form(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    """ "Mohon perbaiki isian…" stayed under an emptied form after a discard."""
    form = make_window(qtbot, store, profile).form
    form.set_values({"title": "Tanpa uraian"})
    assert form.submit() is None
    assert form.status.text().startswith("Mohon perbaiki isian")
    form.clear()
    assert form.status.text() == ""


def test_the_suggestion_shortcut_is_on_screen(qtbot: QtBot, store: Store, profile: Profile) -> None:
    form = make_window(qtbot, store, profile).form
    assert "Ctrl+Shift+S" in form.use_suggestion.text()


def leave_draft(qtbot: QtBot, store: Store, title: str) -> None:
    """A form where ``title`` is typed and drafted, then dropped as a crash would leave it."""
    form = ComplaintForm(store)
    qtbot.addWidget(form)
    with qtbot.waitSignal(form.draftSaved, timeout=3000):
        type_into(qtbot, form.title, title)
    form.hide()


def test_draft_is_saved_while_typing_and_offered_back(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    form = ComplaintForm(store)
    qtbot.addWidget(form)
    with qtbot.waitSignal(form.draftSaved, timeout=3000):
        type_into(qtbot, form.title, "Tiket kapal habis")
    assert titles_on_disk(profile.database) == ["Tiket kapal habis"]

    again = ComplaintForm(store)
    qtbot.addWidget(again)
    assert not again.banner.isHidden()
    assert "Tiket kapal habis" in again.banner_text.text()
    assert again.title.text() == ""
    qtbot.mouseClick(again.restore_button, Qt.MouseButton.LeftButton)
    assert again.title.text() == "Tiket kapal habis"
    assert again.banner.isHidden()
    # The restored draft is the form's own now: typing on updates it, makes no copy.
    with qtbot.waitSignal(again.draftSaved, timeout=3000):
        type_into(qtbot, again.title, " lagi")
    assert titles_on_disk(profile.database) == ["Tiket kapal habis lagi"]


def test_typing_while_the_banner_shows_starts_a_new_draft(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    leave_draft(qtbot, store, "Laporan pelapor pertama")
    before = drafts_on_disk(profile.database)["Laporan pelapor pertama"]

    form = ComplaintForm(store)
    qtbot.addWidget(form)
    assert not form.banner.isHidden()
    with qtbot.waitSignal(form.draftSaved, timeout=3000):
        type_into(qtbot, form.title, "Laporan pelapor kedua")
    on_disk = drafts_on_disk(profile.database)
    assert on_disk["Laporan pelapor pertama"] == before  # untouched, to the byte
    assert sorted(on_disk) == ["Laporan pelapor kedua", "Laporan pelapor pertama"]
    assert not form.banner.isHidden()  # still offered


def test_restoring_keeps_what_the_form_holds_as_its_own_draft(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    leave_draft(qtbot, store, "Laporan pelapor pertama")
    form = ComplaintForm(store)
    qtbot.addWidget(form)
    type_into(qtbot, form.title, "Laporan pelapor kedua")  # restored before its autosave
    qtbot.mouseClick(form.restore_button, Qt.MouseButton.LeftButton)
    assert form.title.text() == "Laporan pelapor pertama"
    assert titles_on_disk(profile.database) == ["Laporan pelapor kedua", "Laporan pelapor pertama"]
    # The typing kept aside is offered in its turn, and comes back whole.
    assert not form.banner.isHidden()
    assert [draft.title for draft in form.offered] == ["Laporan pelapor kedua"]
    assert "Laporan pelapor kedua" in form.banner_text.text()
    qtbot.mouseClick(form.restore_button, Qt.MouseButton.LeftButton)
    assert form.title.text() == "Laporan pelapor kedua"
    assert [draft.title for draft in form.offered] == ["Laporan pelapor pertama"]
    assert titles_on_disk(profile.database) == ["Laporan pelapor kedua", "Laporan pelapor pertama"]


def test_several_drafts_are_counted_and_picked_with_the_keyboard(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    for title in ("Draf satu", "Draf dua", "Draf tiga"):
        leave_draft(qtbot, store, title)
    window = make_window(qtbot, store, profile)
    form = window.form
    assert not form.banner.isHidden()
    assert "3" in form.banner_text.text()
    assert form.draft_choice.isVisibleTo(form)
    choices = [form.draft_choice.itemText(i) for i in range(form.draft_choice.count())]
    assert [c.split(" · ")[0] for c in choices] == ["Draf tiga", "Draf dua", "Draf satu"]
    form.title.setFocus()
    qtbot.keyClick(form.title, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)  # "Dra&f laporan"
    assert QApplication.focusWidget() is form.draft_choice
    qtbot.keyClick(form.draft_choice, Qt.Key.Key_Down)
    qtbot.keyClick(form.draft_choice, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.restore_button
    qtbot.keyClick(form.restore_button, Qt.Key.Key_Space)
    assert form.title.text() == "Draf dua"
    assert [draft.title for draft in form.offered] == ["Draf tiga", "Draf satu"]
    assert "2" in form.banner_text.text()


def test_discard_asks_and_removes_only_the_named_draft(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    leave_draft(qtbot, store, "Simpan yang ini")
    leave_draft(qtbot, store, "Lupakan yang ini")
    form = ComplaintForm(store)
    qtbot.addWidget(form)
    with qtbot.waitSignal(form.draftSaved, timeout=3000):
        type_into(qtbot, form.title, "Sedang diketik")
    assert form.offered[0].title == "Lupakan yang ini"  # newest first
    form.draft_choice.setCurrentIndex(0)

    # A stray Enter, or Escape, or Cancel: nothing is lost.
    for answer in (Qt.Key.Key_Return, Qt.Key.Key_Escape, QMessageBox.StandardButton.Cancel):
        asked = answer_question(answer)
        qtbot.mouseClick(form.discard_button, Qt.MouseButton.LeftButton)
        assert asked and "Lupakan yang ini" in asked[0]
        assert len(form.offered) == 2
        assert titles_on_disk(profile.database) == [
            "Lupakan yang ini",
            "Sedang diketik",
            "Simpan yang ini",
        ]

    asked = answer_question(QMessageBox.StandardButton.Discard)
    qtbot.mouseClick(form.discard_button, Qt.MouseButton.LeftButton)
    assert asked
    assert [draft.title for draft in form.offered] == ["Simpan yang ini"]
    assert form.title.text() == "Sedang diketik"  # the form's own typing is not touched
    assert titles_on_disk(profile.database) == ["Sedang diketik", "Simpan yang ini"]
    assert not form.draft_choice.isVisibleTo(form)  # one left: named in the text
    assert "Simpan yang ini" in form.banner_text.text()

    asked = answer_question(QMessageBox.StandardButton.Discard)
    qtbot.mouseClick(form.discard_button, Qt.MouseButton.LeftButton)
    assert form.banner.isHidden() and form.offered == []
    assert titles_on_disk(profile.database) == ["Sedang diketik"]


def test_saving_a_report_removes_only_its_own_draft(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    leave_draft(qtbot, store, "Laporan yang belum selesai")
    window = make_window(qtbot, store, profile)
    form = window.form
    choose_category(qtbot, form, "Jalan tol dan rest area")
    type_into(qtbot, form.title, "Antrean gerbang tol")
    with qtbot.waitSignal(form.draftSaved, timeout=3000):
        type_into(qtbot, form.description, "Antrean lima kilometer di Cikampek.")
    assert titles_on_disk(profile.database) == ["Antrean gerbang tol", "Laporan yang belum selesai"]
    assert form.submit() is not None
    assert titles_on_disk(profile.database) == ["Laporan yang belum selesai"]
    assert not form.banner.isHidden()  # still offered for the next traveller's turn
    # The next report typed is a new draft, not the saved one's.
    with qtbot.waitSignal(form.draftSaved, timeout=3000):
        type_into(qtbot, form.title, "Laporan berikutnya")
    assert titles_on_disk(profile.database) == ["Laporan berikutnya", "Laporan yang belum selesai"]


def test_clearing_the_form_discards_only_its_own_draft(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    leave_draft(qtbot, store, "Laporan yang belum selesai")
    form = ComplaintForm(store)
    qtbot.addWidget(form)
    with qtbot.waitSignal(form.draftSaved, timeout=3000):
        type_into(qtbot, form.title, "Salah ketik")
    answer_question(QMessageBox.StandardButton.Cancel)
    form.clear_after_confirm()
    assert form.title.text() == "Salah ketik"
    assert titles_on_disk(profile.database) == ["Laporan yang belum selesai", "Salah ketik"]
    answer_question(QMessageBox.StandardButton.Discard)
    form.clear_after_confirm()
    assert form.is_blank()
    assert titles_on_disk(profile.database) == ["Laporan yang belum selesai"]


def test_an_unreadable_draft_is_offered_to_discard_and_never_dropped(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO drafts (id, form, content, created_at, updated_at) VALUES "
                "('rusak', :form, '{\"title\": \"Terpot', '2026-03-01 01:00:00', "
                "'2026-03-01 01:00:00')"
            ),
            {"form": DRAFT_FORM},
        )
    form = ComplaintForm(store)
    qtbot.addWidget(form)
    assert not form.banner.isHidden()
    assert not form.restore_button.isEnabled()
    with qtbot.waitSignal(form.draftSaved, timeout=3000):
        type_into(qtbot, form.title, "Laporan baru")
    form.clear()
    assert [draft.id for draft in store.drafts(DRAFT_FORM)] == ["rusak"]
    assert form.discard_button.isEnabled()


def test_a_language_switch_carries_the_typing_over_without_copies(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    leave_draft(qtbot, store, "Draf lama")
    desk = DeskApp(store, profile, ask_at_start=False)
    window = desk.show_main_window()
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    type_into(qtbot, window.form.title, "Setengah jalan")
    window.languageRequested.emit("en")
    new = desk.window
    assert isinstance(new, MainWindow) and new is not window
    qtbot.addWidget(new)
    assert new.form.title.text() == "Setengah jalan"
    assert [draft.title for draft in new.form.offered] == ["Draf lama"]
    assert titles_on_disk(profile.database) == ["Draf lama", "Setengah jalan"]
    with qtbot.waitSignal(new.form.draftSaved, timeout=3000):
        type_into(qtbot, new.form.title, " saja")
    assert titles_on_disk(profile.database) == ["Draf lama", "Setengah jalan saja"]


def test_editing_a_saved_report_keeps_no_draft(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    leave_draft(qtbot, store, "Draf lama")
    values = {
        "type": "pengaduan",
        "category": "TOL",
        "title": "Antrean gerbang tol",
        "description": "Antrean lima kilometer di Cikampek.",
    }
    form = ComplaintForm(store)
    qtbot.addWidget(form)
    form.set_values(values)
    record = form.submit()
    assert record is not None
    editor = ComplaintForm(store, editing=record.tracking_id)
    qtbot.addWidget(editor)
    assert editor.banner.isHidden()
    editor.set_values(values)
    type_into(qtbot, editor.title, " parah")
    qtbot.wait(DRAFT_DELAY_MS * 2)
    assert editor.submit() is not None
    assert titles_on_disk(profile.database) == ["Draf lama"]


def test_values_round_trip(qtbot: QtBot, store: Store) -> None:
    form = ComplaintForm(store)
    qtbot.addWidget(form)
    values = {
        "type": "aspirasi",
        "category": "KERETA",
        "title": "Tambah gerbong",
        "description": "Mohon tambah gerbong ekonomi saat mudik.",
        "location": "Stasiun Senen",
        "occurred_at": "2026-04-01T08:30:00",
        "reporter_name": "Rina",
        "phone": "0811234567",
        "email": "rina@contoh.id",
        "anonymous": False,
        "confidential": True,
    }
    form.set_values(values)
    # A draft of before the field took typing: its time without an offset is the post's
    # wall clock (WIB here); it comes back as that instant, with the offset.
    assert form.values() == {
        **values,
        "occurred_at": "2026-04-01T08:30:00+07:00",
        "occurred_text": "",
    }
    record = form.submit()
    assert record is not None and record.confidential and record.type.value == "aspirasi"
    assert record.occurred_at == datetime(2026, 4, 1, 1, 30, tzinfo=UTC)


def test_the_form_suggests_category_and_agency_as_the_text_is_typed(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    window = make_window(qtbot, store, profile)
    form = window.form
    type_into(qtbot, form.title, "Antre solar 3 jam")
    type_into(qtbot, form.description, "di spbu jalur pantura, truk dan bus mengular sampai jln")
    qtbot.waitUntil(lambda: form.suggested == "SPBU")
    assert form.suggestion.text().startswith("Saran: SPBU dan bahan bakar → PT Pertamina")
    assert "cocok: solar" in form.suggestion.text()
    assert form.use_suggestion.isVisibleTo(form) and form.category.currentData() == ""
    # The operator takes it with the keyboard; choosing otherwise is recorded too.
    qtbot.keyClick(
        form.description,
        Qt.Key.Key_S,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert form.category.currentData() == "SPBU" and not form.use_suggestion.isVisibleTo(form)
    form.category.setCurrentIndex(form.category.findData("HARGA"))
    assert form.use_suggestion.isVisibleTo(form)
    record = form.submit()
    assert record is not None, form.status.text()
    with store.engine.connect() as conn:
        from sqlalchemy import text

        row = conn.execute(
            text("SELECT category, category_suggested FROM complaints WHERE uuid = :u"),
            {"u": record.uuid},
        ).one()
    assert tuple(row) == ("HARGA", "SPBU")  # the override is on record


def test_focus_starts_on_the_first_field_and_comes_back_after_a_save(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    """The first field in tab order (the report's type) has the keyboard at the start, on
    Ctrl+N and after a save (before: the title at the start, the type after a save)."""
    window = make_window(qtbot, store, profile)
    form = window.form
    first = form.type_buttons[ComplaintType.PENGADUAN]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first)
    form.set_values(
        {
            "type": "pengaduan",
            "category": "TOL",
            "title": "Antrean gerbang tol",
            "description": "Antrean panjang, tidak ada petugas.",
        }
    )
    form.description.setFocus()
    assert form.submit() is not None
    assert QApplication.focusWidget() is first
    window.go_to_list()
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first)


def test_alt_and_a_number_puts_the_keyboard_in_the_section(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    from desktop.ui.sync_service import SyncService

    window = make_window(qtbot, store, profile)
    service = SyncService(profile, watch_network=False)
    try:
        window.attach_sync(service)
        qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.AltModifier)
        assert window.stack.currentIndex() == 4
        focused = QApplication.focusWidget()
        assert focused is not None and window.stack.currentWidget().isAncestorOf(focused)
        qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
        assert window.stack.currentIndex() == 0
        assert QApplication.focusWidget() is window.form.type_buttons[ComplaintType.PENGADUAN]
    finally:
        service.shutdown()


def test_the_first_down_in_the_list_selects_the_first_report(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    """Before: the table's cursor sat on row 1 unselected, and the first Down chose row 2."""
    for n in range(3):
        store.save_complaint(
            ComplaintInput(
                type=ComplaintType.PENGADUAN,
                category="TOL",
                title=f"Laporan {n}",
                description="Antrean panjang di gerbang tol.",
            )
        )
    window = make_window(qtbot, store, profile)
    window.go_to_list()
    view = window.list
    qtbot.waitUntil(lambda: view.model.rowCount() == 3)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    assert view.selected() is not None and view.selected() == view.model.record(0)
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    assert view.selected() == view.model.record(1)
    view.search.setFocus()  # and from the search box, Down goes to the first result
    view.table.clearSelection()
    qtbot.keyClick(view.search, Qt.Key.Key_Down)
    assert view.table.hasFocus() and view.selected() == view.model.record(0)


def test_the_window_fits_a_1366x768_screen(qtbot: QtBot, store: Store, profile: Profile) -> None:
    window = MainWindow(store, profile, show_receipt_dialog=False)
    qtbot.addWidget(window)
    room = window.screen().availableGeometry()
    assert window.height() <= room.height() - 40 and window.width() <= room.width()
    window.resize(1366, 768 - 40 - 30)  # a taskbar, a title bar
    window.show()
    assert window.statusBar().isVisible()
    bottom = window.statusBar().mapTo(window, window.statusBar().rect().bottomLeft()).y()
    assert bottom < window.height()
