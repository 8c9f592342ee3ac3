"""The passphrase dialogs of a desk on a machine without a keyring, driven as an operator
would: the first start asks the coordinator to choose one (typed twice), every later start
asks for it; a wrong one says so and the dialog stays; the desk's start-up goes through
them before anything reads the database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.paths import Profile
from desktop.store import cipher, desk_key
from desktop.store.repo import Store
from desktop.ui import key_dialog
from desktop.ui.key_dialog import PassphraseDialog
from posko.i18n import set_language


@pytest.fixture
def no_keyring() -> Iterator[None]:
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    set_language("id")
    try:
        yield
    finally:
        keyring.set_keyring(before)


def _type(qtbot: QtBot, dialog: QDialog, name: str, text: str) -> None:
    field = dialog.findChild(QLineEdit, name)
    assert field is not None and field.echoMode() == QLineEdit.EchoMode.Password
    field.clear()
    qtbot.keyClicks(field, text)


def test_choosing_then_typing_the_passphrase(
    qtbot: QtBot, tmp_path: Path, no_keyring: None
) -> None:
    profile = Profile(tmp_path / "desk")
    asked: list[QDialog] = []

    def operator(dialog: QDialog) -> object:
        asked.append(dialog)
        qtbot.addWidget(dialog)
        assert isinstance(dialog, PassphraseDialog)
        dialog.show()  # as exec() would: Return then presses the default button
        qtbot.waitExposed(dialog)
        if dialog.new:
            assert dialog.windowTitle() == "Lindungi data meja ini"
            _type(qtbot, dialog, "passphrase", "pendek")
            _type(qtbot, dialog, "passphraseAgain", "pendek")
            dialog.accept()
            assert "paling sedikit 10 karakter" in dialog.message.text()
            _type(qtbot, dialog, "passphrase", "terminal pulogebang 2027")
            _type(qtbot, dialog, "passphraseAgain", "terminal pulogebang 2O27")
            dialog.accept()
            assert dialog.message.text() == "Kedua frasa sandi tidak sama."
            assert dialog.result() != QDialog.DialogCode.Accepted
            _type(qtbot, dialog, "passphraseAgain", "terminal pulogebang 2027")
        else:
            assert dialog.windowTitle() == "Buka data meja ini"
            _type(qtbot, dialog, "passphrase", "terminal pulogebang 2028")
            qtbot.keyClick(dialog.findChild(QLineEdit, "passphrase"), Qt.Key.Key_Return)
            assert dialog.message.text() == "Frasa sandi itu tidak membuka data meja ini."
            assert dialog.result() != QDialog.DialogCode.Accepted
            _type(qtbot, dialog, "passphrase", "terminal pulogebang 2027")
        qtbot.keyClick(dialog.findChild(QLineEdit, "passphrase"), Qt.Key.Key_Return)
        return dialog.result() == QDialog.DialogCode.Accepted

    assert key_dialog.unlock(profile, operator)
    assert [d.new for d in asked] == [True]  # type: ignore[attr-defined]
    key = cipher.key_for(profile.database)
    store = Store.open(profile)
    store.setup(post_code="PLG", post_name="Posko Pulogebang", operator="Rina")
    store.close()

    cipher.forget(profile.root)  # the next start
    assert key_dialog.unlock(profile, operator)
    assert [d.new for d in asked] == [True, False]  # type: ignore[attr-defined]
    assert cipher.key_for(profile.database) == key


def test_cancelling_or_a_lost_key_stops_the_start(
    qtbot: QtBot, tmp_path: Path, no_keyring: None
) -> None:
    profile = Profile(tmp_path / "desk")
    desk_key.create_with_passphrase(profile, "terminal pulogebang 2027")
    Store.open(profile).close()
    cipher.forget(profile.root)
    assert not key_dialog.unlock(profile, lambda dialog: False)  # cancelled
    assert cipher.key_for(profile.database) is None

    (profile.root / desk_key.FILE_NAME).write_text("{}")
    shown: list[str] = []

    def operator(dialog: QDialog) -> object:
        qtbot.addWidget(dialog)
        assert isinstance(dialog, QMessageBox)
        shown.append(dialog.text())
        return False

    assert not key_dialog.unlock(profile, operator)
    assert shown and "desk-key.json" in shown[0] and "rusak" in shown[0]


def test_a_damaged_key_file_is_told_not_a_crash(
    qtbot: QtBot, tmp_path: Path, no_keyring: None
) -> None:
    """The passphrase is right but desk-key.json was changed (its wrapped key, its check):
    the dialog tells the operator the key file is damaged, as a lost key is told, and the
    desk does not start; no exception out of the dialog (the crash dialog, a report)."""
    import json

    profile = Profile(tmp_path / "desk")
    desk_key.create_with_passphrase(profile, "gerbang tol cikampek 2027")
    Store.open(profile).close()
    cipher.forget(profile.root)
    path = desk_key.key_file(profile)
    data = json.loads(path.read_text())
    wrapped = bytearray(desk_key._unb64(data["wrapped"]))
    wrapped[3] ^= 1
    data["wrapped"] = desk_key._b64(bytes(wrapped))
    path.write_text(json.dumps(data))
    shown: list[QDialog] = []

    def operator(dialog: QDialog) -> object:
        shown.append(dialog)
        qtbot.addWidget(dialog)
        if isinstance(dialog, PassphraseDialog):
            dialog.show()
            qtbot.waitExposed(dialog)
            _type(qtbot, dialog, "passphrase", "gerbang tol cikampek 2027")
            dialog.accept()
            return dialog.result() == QDialog.DialogCode.Accepted
        assert isinstance(dialog, QMessageBox) and dialog.objectName() == "keyProblem"
        return 0

    assert key_dialog.unlock(profile, operator) is False
    assert isinstance(shown[-1], QMessageBox) and "desk-key.json" in shown[-1].text()
