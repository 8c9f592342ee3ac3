"""Qt's own words in Indonesian: dialog buttons, a text field's context menu, the file and
print dialogs (Qt ships no Indonesian; ``assets/locale/id/LC_MESSAGES/qt.po`` has them)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QDate, QLocale
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
)
from pytestqt.qtbot import QtBot

from desktop.ui import qt_language
from posko.i18n import set_language


@pytest.fixture
def translated(qapp: QApplication) -> Iterator[qt_language.QtStrings]:
    translator = qt_language.install(qapp)
    yield translator
    qapp.removeTranslator(translator)
    set_language("id")


def texts(widget: object, kind: type) -> set[str]:
    return {w.text().replace("&", "") for w in widget.findChildren(kind)}  # type: ignore[attr-defined]


def test_message_box_buttons_speak_the_desks_language(qtbot: QtBot, translated: object) -> None:
    """Before: "Yes" and "No" in the middle of an Indonesian desk."""
    box = QMessageBox(QMessageBox.Icon.Question, "Posko", "Lanjutkan?")
    box.setStandardButtons(
        QMessageBox.StandardButton.Yes
        | QMessageBox.StandardButton.No
        | QMessageBox.StandardButton.Cancel
    )
    qtbot.addWidget(box)
    assert texts(box, QPushButton) == {"Ya", "Tidak", "Batal"}
    set_language("en")
    english = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    qtbot.addWidget(english)
    assert texts(english, QPushButton) == {"OK", "Cancel"}


def test_a_text_fields_context_menu(qtbot: QtBot, translated: object) -> None:
    field = QLineEdit("Antrean kapal")
    qtbot.addWidget(field)
    menu = field.createStandardContextMenu()
    assert menu is not None
    words = {a.text().split("\t")[0].replace("&", "") for a in menu.actions() if a.text()}
    assert {"Batalkan", "Ulangi", "Potong", "Salin", "Tempel", "Hapus", "Pilih Semua"} <= words


def test_the_file_dialog(qtbot: QtBot, translated: object, tmp_path: object) -> None:
    dialog = QFileDialog(None, "Simpan bundel", str(tmp_path))
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    qtbot.addWidget(dialog)
    labels = texts(dialog, QLabel)
    assert {"Cari di:", "Nama berkas:", "Jenis berkas:"} <= labels
    assert "Simpan" in texts(dialog, QPushButton) and "Batal" in texts(dialog, QPushButton)


def test_the_print_dialog(qtbot: QtBot, translated: object) -> None:
    dialog = QPrintDialog(QPrinter())
    qtbot.addWidget(dialog)
    buttons, labels = texts(dialog, QPushButton), texts(dialog, QLabel)
    assert "Cetak" in buttons and "Batal" in buttons
    assert {"Nama:", "Lokasi:", "Jenis:", "Salinan:"} <= labels


def test_dates_follow_the_language(translated: object) -> None:
    assert QLocale().monthName(3) == "Maret"
    assert QLocale().toString(QDate(2026, 3, 20), "dddd") == "Jumat"
    set_language("en")
    assert QLocale().monthName(3) == "March"


def test_every_entry_is_translated_and_keeps_its_placeholders() -> None:
    import re

    from posko.assets import assets_dir
    from posko.i18n import parse_po

    messages, _plurals = parse_po(assets_dir() / "locale" / "id" / "LC_MESSAGES" / "qt.po")
    assert len(messages) > 250
    for key, text in messages.items():
        _context, source = key.split("\x04")
        assert text, key
        assert re.findall(r"%\d", source) == re.findall(r"%\d", text), key
        assert source.count("&") <= 1 and text.count("&") == source.count("&"), key
    assert QCoreApplication.translate("QPlatformTheme", "OK") == "OK"
