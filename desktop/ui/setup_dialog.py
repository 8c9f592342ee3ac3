"""First run: who and where this desk is. IT staff can do the same with ``posko setup``."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import PaperSize, ValidationError, validate_setup
from desktop.programme import tracking_address
from desktop.store.context import ReceiptPrinting
from desktop.store.records import DeskContext
from desktop.store.repo import Store
from desktop.survey.pin import checked_pin
from desktop.ui.sign_in import pin_field
from desktop.ui.widgets import FieldMessage, hint_label, ok_cancel, required
from posko.i18n import LANGUAGES, _, current_language
from posko.survey import services
from posko.zones import DEFAULT_ZONE, REGIONS


class SetupDialog(QDialog):
    """Asks for post, operator, central URL, language, receipt paper and printer; saves on
    OK."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.context: DeskContext | None = None
        current = store.context()
        self.setWindowTitle(_("Set up this desk"))
        self.setMinimumWidth(480)
        intro = QLabel(
            _("Tell Posko where it is working. You can change this later from the Settings menu.")
        )
        intro.setWordWrap(True)
        self.post_code = QLineEdit(current.post_code if current else "")
        self.post_code.setObjectName("post_code")
        self.post_code.setPlaceholderText(_("e.g. MRK-01"))
        self.post_name = QLineEdit(current.post_name if current else "")
        self.post_name.setObjectName("post_name")
        self.post_name.setPlaceholderText(_("e.g. Posko Pelabuhan Merak"))
        self.operator = QLineEdit(current.operator_name if current else "")
        self.operator.setObjectName("operator")
        # A new desk's operator is its first coordinator, with a PIN; afterwards operators
        # come on duty by signing in (F2) and are managed under Settings, Operators.
        self.first_run = current is None
        self.operator.setReadOnly(not self.first_run)
        self.pin = pin_field("coordinator_pin")
        self.repeated = pin_field("coordinator_pin_again")
        # A new desk starts from the programme's address: its receipts' QR codes and printed
        # address send citizens there (desktop.programme).
        self.central_url = QLineEdit(current.central_url if current else tracking_address(""))
        self.central_url.setObjectName("central_url")
        self.central_url.setPlaceholderText("https://")
        self.language = QComboBox()
        self.language.setObjectName("language")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(
            self.language.findData(current.language if current else current_language())
        )
        self.paper = QComboBox()
        self.paper.setObjectName("paper")
        for size in PaperSize:
            self.paper.addItem(size.label(), size.value)
        self.paper.setCurrentIndex(
            self.paper.findData(current.paper.value if current else PaperSize.THERMAL_58.value)
        )
        printing = current.printing if current else ReceiptPrinting()
        self.printer = QComboBox()
        self.printer.setObjectName("printer")
        self.printer.addItem(_("Ask each time (print dialog)"), "")
        from desktop.ui.receipt_dialog import available_printers, default_printer

        system_default = default_printer()
        for name in available_printers():
            label = _("{printer} (default)") if name == system_default else "{printer}"
            self.printer.addItem(label.format(printer=name), name)
        if printing.printer and self.printer.findData(printing.printer) < 0:
            # Kept, not silently dropped: the printer may only be unplugged just now.
            self.printer.addItem(
                _("{printer} (not found)").format(printer=printing.printer), printing.printer
            )
        self.printer.setCurrentIndex(max(0, self.printer.findData(printing.printer)))
        self.print_on_save = QCheckBox(_("Print each receipt as soon as its report is &saved"))
        self.print_on_save.setObjectName("print_on_save")
        self.print_on_save.setChecked(printing.on_save)
        self.printer.currentIndexChanged.connect(self._printer_changed)
        self._printer_changed()
        self.time_zone = QComboBox()
        self.time_zone.setObjectName("time_zone")
        for code, region in REGIONS.items():
            self.time_zone.addItem(_(region), code)
        self.time_zone.setCurrentIndex(
            self.time_zone.findData(current.time_zone if current else DEFAULT_ZONE)
        )
        # The services this post's survey is about (none stored: every one, ticked here).
        surveyed = set(current.survey_services) if current and current.survey_services else None
        self.services: dict[str, QCheckBox] = {}
        self.services_box = QWidget()
        self.services_box.setObjectName("survey_services")
        grid = QGridLayout(self.services_box)
        grid.setContentsMargins(0, 0, 0, 0)
        for index, service in enumerate(services()):
            box = QCheckBox(service.name())
            box.setObjectName(f"survey_service_{service.code}")
            box.setChecked(surveyed is None or service.code in surveyed)
            self.services[service.code] = box
            grid.addWidget(box, index // 2, index % 2)
        # Never squeezed below its rows: a clipped tick box cannot be read.
        self.services_box.setMinimumHeight(grid.sizeHint().height())
        self.messages = {
            name: FieldMessage()
            for name in (
                "post_code",
                "post_name",
                "operator",
                "pin",
                "central_url",
                "survey_services",
            )
        }
        form = QFormLayout()
        form.addRow(required(_("&Post code")), self.post_code)
        form.addRow("", self.messages["post_code"])
        form.addRow(required(_("Post &name")), self.post_name)
        form.addRow("", self.messages["post_name"])
        if self.first_run:
            form.addRow(required(_("&Operator (coordinator)")), self.operator)
            form.addRow("", self.messages["operator"])
            form.addRow(required(_("C&hoose a PIN")), self.pin)
            form.addRow(required(_("PIN a&gain")), self.repeated)
            form.addRow("", self.messages["pin"])
            form.addRow(
                "",
                hint_label(
                    _(
                        "The operator signs in with this PIN and adds the rest of the team "
                        "under Settings, Operators."
                    )
                ),
            )
        else:
            form.addRow(_("Operator on duty"), self.operator)
        form.addRow(_("&Central system"), self.central_url)
        form.addRow(
            "",
            hint_label(
                _(
                    "Receipts send citizens to this address to follow their report. "
                    "The desk works fully without a connection."
                )
            ),
        )
        form.addRow("", self.messages["central_url"])
        form.addRow(_("&Language"), self.language)
        form.addRow(_("&Receipt paper"), self.paper)
        form.addRow(_("Receipt pr&inter"), self.printer)
        form.addRow("", self.print_on_save)
        form.addRow(
            "",
            hint_label(
                _(
                    "With a printer chosen, Print sends the receipt straight to it; "
                    "Print to… still asks."
                )
            ),
        )
        form.addRow(_("Post's &time zone"), self.time_zone)
        services_label = QLabel(_("Ser&vices surveyed"))
        services_label.setBuddy(next(iter(self.services.values())))
        form.addRow(services_label, self.services_box)
        form.addRow("", self.messages["survey_services"])
        buttons = ok_cancel(self, _("Save"))
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(hint_label(_("Fields marked * must be filled in.")))
        layout.addLayout(form)
        layout.addWidget(buttons)
        # The wrapped hints need more height than the form's minimum counts: start at the
        # size the whole form asks for.
        width = max(self.sizeHint().width(), self.minimumWidth())
        self.resize(width, max(self.heightForWidth(width), self.sizeHint().height()))

    def accept(self) -> None:
        for message in self.messages.values():
            message.show_message(None)
        try:
            code = validate_setup(
                self.post_code.text(),
                self.post_name.text(),
                self.operator.text(),
                self.central_url.text(),
            )
        except ValidationError as error:
            for item in error.errors:
                self.messages[item.field].show_message(item.message)
            getattr(self, error.errors[0].field).setFocus()
            return
        if self.first_run:
            try:
                checked_pin(self.pin.text(), self.repeated.text())
            except ValidationError as error:
                self.messages["pin"].show_message(error.errors[0].message)
                self.pin.setFocus()
                return
        surveyed = self.chosen_services()
        if surveyed is None:
            self.messages["survey_services"].show_message(
                _("Tick at least one service the post's survey is about.")
            )
            next(iter(self.services.values())).setFocus()
            return
        self.context = self.store.setup(
            post_code=code,
            post_name=self.post_name.text(),
            operator=self.operator.text(),
            central_url=self.central_url.text(),
            language=str(self.language.currentData()),
            paper=PaperSize(str(self.paper.currentData())),
            time_zone=str(self.time_zone.currentData()),
            printing=self.chosen_printing(),
            survey_services=surveyed,
        )
        if self.first_run and self.store.needs_coordinator():
            self.context = self.store.first_coordinator(
                self.operator.text(), self.pin.text(), self.repeated.text()
            )
        super().accept()

    def chosen_services(self) -> list[str] | None:
        """The services ticked: an empty list when every one is (a service added to the
        list later is then surveyed too), None when none is."""
        ticked = [code for code, box in self.services.items() if box.isChecked()]
        if not ticked:
            return None
        return [] if len(ticked) == len(self.services) else ticked

    def chosen_printing(self) -> ReceiptPrinting:
        printer = str(self.printer.currentData() or "")
        return ReceiptPrinting(
            printer=printer, on_save=bool(printer) and self.print_on_save.isChecked()
        )

    def _printer_changed(self, *_args: object) -> None:
        self.print_on_save.setEnabled(bool(self.printer.currentData()))
