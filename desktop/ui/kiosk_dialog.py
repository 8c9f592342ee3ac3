"""Starting the kiosk from the Survei section: on which screen, about which service, and the
exit PIN when none is set yet (a desk's first kiosk) or it is to change."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import ValidationError
from desktop.settings import KIOSK_PIN
from desktop.store.repo import Store
from desktop.survey.entry import services_surveyed
from desktop.survey.pin import PIN_LENGTH
from desktop.ui.sign_in import allowed, pin_field
from desktop.ui.widgets import FieldMessage, hint_label, labelled_rows, ok_cancel
from posko.i18n import N_, _


@dataclass(frozen=True)
class KioskChoice:
    screen: int  # 0 the first
    service_code: str  # "": the traveller chooses among the post's services
    pin_hash: str


class KioskDialog(QDialog):
    def __init__(
        self, store: Store, services: tuple[str, ...], service_code: str, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.choice: KioskChoice | None = None
        self.pin_hash = store.get(KIOSK_PIN)
        self.setWindowTitle(_("Start the kiosk"))
        self.setMinimumWidth(480)
        intro = hint_label(
            _(
                "The kiosk fills the chosen screen with the survey, for travellers to answer "
                "themselves. It gives the screen back only when the exit PIN is typed on it "
                "(the corner button, or Esc)."
            )
        )
        self.screen_choice = QComboBox()
        self.screen_choice.setObjectName("kiosk_screen")
        primary = QGuiApplication.primaryScreen()
        for number, screen in enumerate(QGuiApplication.screens(), 1):
            size = screen.size()
            text = f"{number}: {size.width()}×{size.height()}"
            if screen is primary:
                text += " " + _("(this one)")
            self.screen_choice.addItem(text, number - 1)
        # A second screen is the one facing the public, as a rule.
        self.screen_choice.setCurrentIndex(1 if self.screen_choice.count() > 1 else 0)
        self.service = QComboBox()
        self.service.setObjectName("kiosk_service")
        self.service.addItem(_("(travellers choose)"), "")
        for service in services_surveyed(services):
            self.service.addItem(service.name(), service.code)
        self.service.setCurrentIndex(max(self.service.findData(service_code), 0))
        self.pin = pin_field("kiosk_new_pin")
        self.repeated = pin_field("kiosk_new_pin_again")
        self.pin_message = FieldMessage()
        self.pin_message.setObjectName("kiosk_pin_error")
        low, high = PIN_LENGTH
        pin_hint = hint_label(
            _("Leave both empty to keep the PIN set before.")
            if self.pin_hash
            else _("No exit PIN is set yet: choose one, {low} to {high} digits.").format(
                low=low, high=high
            )
        )
        form = QFormLayout()
        labelled_rows(
            form,
            (
                (_("&Screen"), self.screen_choice),
                (_("Ser&vice"), self.service),
                (_("Exit &PIN"), self.pin),
                (_("PIN &again"), self.repeated),
            ),
        )
        form.addRow("", self.pin_message)
        form.addRow("", pin_hint)
        column = QVBoxLayout(self)
        column.addWidget(intro)
        column.addLayout(form)
        column.addWidget(ok_cancel(self, _("Start the &kiosk"), "kiosk_start"))
        (self.pin if not self.pin_hash else self.screen_choice).setFocus()

    def accept(self) -> None:
        pin, repeated = self.pin.text(), self.repeated.text()
        pin_hash = self.pin_hash
        if pin or repeated or not pin_hash:
            if not allowed(self, self.store, N_("set the kiosk's exit PIN")):
                return
            try:
                self.store.set_kiosk_pin(pin, repeated)
            except ValidationError as error:
                self.pin_message.show_message(error.errors[0].message)
                self.pin.setFocus()
                return
            pin_hash = self.store.get(KIOSK_PIN)
        self.choice = KioskChoice(
            screen=int(self.screen_choice.currentData()),
            service_code=str(self.service.currentData() or ""),
            pin_hash=pin_hash,
        )
        super().accept()
