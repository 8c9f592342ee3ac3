"""The intake form, driven with the keyboard through pytest-qt: fill, save with Ctrl+Enter,
and read the receipt PDF's QR back; validation in place; drafts kept while typing."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.paths import Profile
from desktop.store.records import ComplaintQuery
from desktop.store.repo import Store
from desktop.ui.complaint_form import DRAFT_FORM, ComplaintForm
from desktop.ui.main_window import MainWindow
from tests.helpers import pdf_qr_codes, pdf_text


def make_window(qtbot: QtBot, store: Store, profile: Profile) -> MainWindow:
    window = MainWindow(store, profile, show_receipt_dialog=False)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window


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
    assert form.is_blank() and store.load_draft(DRAFT_FORM) is None
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
    assert "bukan nomor Indonesia" in form.messages["phone"].text()
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
    expected = [form.title, form.description, form.location, form.occurred_known]
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
    choose_category(qtbot, form, "bansos")
    assert form.values()["category"] == "BANSOS"
    assert form.category.currentData() == "BANSOS"
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


def test_draft_is_saved_while_typing_and_offered_back(
    qtbot: QtBot, store: Store, profile: Profile
) -> None:
    form = ComplaintForm(store)
    qtbot.addWidget(form)
    with qtbot.waitSignal(form.draftSaved, timeout=3000):
        type_into(qtbot, form.title, "Tiket kapal habis")
    assert store.load_draft(DRAFT_FORM)["title"] == "Tiket kapal habis"

    again = ComplaintForm(store)
    qtbot.addWidget(again)
    assert not again.banner.isHidden()
    assert "Tiket kapal habis" in again.banner_text.text()
    assert again.title.text() == ""
    qtbot.mouseClick(again.restore_button, Qt.MouseButton.LeftButton)
    assert again.title.text() == "Tiket kapal habis"
    assert again.banner.isHidden()


def test_discarding_the_draft(qtbot: QtBot, store: Store) -> None:
    store.save_draft(DRAFT_FORM, {"title": "Lupakan"})
    form = ComplaintForm(store)
    qtbot.addWidget(form)
    qtbot.mouseClick(form.discard_button, Qt.MouseButton.LeftButton)
    assert store.load_draft(DRAFT_FORM) is None
    assert form.title.text() == ""


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
    assert form.values() == values
    record = form.submit()
    assert record is not None and record.confidential and record.type.value == "aspirasi"
    assert record.occurred_at is not None


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
