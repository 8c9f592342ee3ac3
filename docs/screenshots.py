"""Put the desk in the state each README screenshot shows; run under a real X display:

    posko --data-dir /tmp/shots setup --post-code MRK-01 --post-name "Posko Pelabuhan Merak" \\
        --operator "Siti Rahmawati" --central-url https://lapor.posko.go.id
    posko --data-dir /tmp/shots demo-data --complaints 300
    tools/see-window docs/form.png -- python docs/screenshots.py /tmp/shots form
    tools/see-window docs/list.png -- python docs/screenshots.py /tmp/shots list
    tools/see-window docs/survey-desk.png -- python docs/screenshots.py /tmp/shots survey
    tools/see-window docs/sync.png -- python docs/screenshots.py /tmp/shots sync
    tools/see-window docs/setup.png -- python docs/screenshots.py /tmp/shots setup
    tools/see-window docs/receipt-window.png -- python docs/screenshots.py /tmp/shots receipt
    tools/see-window docs/kiosk.png -- python docs/screenshots.py /tmp/shots kiosk
    tools/see-window docs/outreach.png -- python docs/screenshots.py /tmp/shots outreach
    tools/see-window docs/statistics.png -- python docs/screenshots.py /tmp/shots statistics
    tools/see-window docs/first-coordinator.png -- python docs/screenshots.py /tmp/shots \
        first-coordinator
    tools/see-window docs/lock.png -- python docs/screenshots.py /tmp/shots lock
    tools/see-window docs/operators.png -- python docs/screenshots.py /tmp/shots operators
    tools/see-window docs/activity.png -- python docs/screenshots.py /tmp/shots activity
(setup and receipt with a receipt printer set up, ``posko setup … --printer QUEUE``; sync
after ``posko enroll`` with a running central system and a sync; on a machine without a
keyring every command asks for the database's passphrase: export POSKO_DESK_PASSPHRASE).
A text size and a theme may follow the view, e.g. ``form 150`` or ``form 100 contrast``;
the README's are taken with ``see-window --size 1366x768``, a common field laptop's screen.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop.app import DeskApp
from desktop.appearance import Appearance
from desktop.paths import Profile
from desktop.store.repo import Store
from desktop.ui.main_window import MainWindow
from posko.i18n import _, set_language


def main() -> None:
    profile = Profile.resolve(sys.argv[1])
    view = sys.argv[2]
    text_size = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    theme = sys.argv[4] if len(sys.argv) > 4 else "standard"
    app = QApplication(sys.argv[:1])
    from desktop.cli.commands import unlock

    if not unlock(profile):  # the keyring, or POSKO_DESK_PASSPHRASE
        raise SystemExit(1)
    store = Store.open(profile)
    set_language(store.require_context().language)
    if view == "kiosk":
        kiosk_question(store)
        app.exec()
        return
    if view in ("lock", "operators", "activity") and store.needs_coordinator():
        give_a_team(store)
    window = DeskApp(store, profile, ask_at_start=False).show_main_window()
    assert isinstance(window, MainWindow)
    window.set_appearance(Appearance(text_size=text_size, theme=theme))
    window.move(0, 0)

    def arrange() -> None:
        form = window.form
        if view == "form":
            form.set_values(
                {
                    "type": "pengaduan",
                    "category": "PELABUHAN",
                    "title": "Antrean kapal lebih dari 6 jam",
                    "description": "Antrean kendaraan menuju dermaga 3 sudah lebih dari 6 jam. "
                    "Tidak ada informasi dari petugas kapan kapal berangkat, "
                    "banyak anak kecil dan lansia menunggu di mobil.",
                    "location": "Pelabuhan Merak, dermaga 3",
                    "reporter_name": "Bambang Pamungkas",
                    "phone": "0812-345",
                    "anonymous": True,
                }
            )
            form.submit()
        elif view == "survey":
            from desktop.ui.survey_desk import SurveyDesk

            window.enter_section(1)
            desk = window.stack.currentWidget().findChild(SurveyDesk)
            assert desk is not None
            desk.service.setCurrentIndex(desk.service.findData("PELABUHAN"))
            for code, value in {"sex": "P", "age_band": "26-35", "education": "SMA"}.items():
                desk.profile_boxes[code].set_code(value)
            for code, value in {"U1": "4", "U2": "3", "U3": "2", "U4": "4"}.items():
                desk.answer_boxes[code].set_code(value)
            desk.answer_boxes["U5"].setFocus()
        elif view == "outreach":
            outreach_taps(window, store)
        elif view == "statistics":
            window.enter_section(3)
        elif view == "kiosk-dialog":
            from desktop.ui.kiosk_dialog import KioskDialog

            window.enter_section(1)
            dialog = KioskDialog(store, (), "PELABUHAN", window)
            dialog.move(window.width() // 2 - 250, 80)
            dialog.show()
        elif view == "sync":
            window.nav.setCurrentRow(4)
        elif view == "lock":
            window.lock(_("Sign in to start"))
        elif view == "operators":
            from desktop.ui.operators_dialog import OperatorsDialog

            dialog = OperatorsDialog(store, window)
            dialog.move(window.width() // 2 - 320, 80)
            dialog.show()
            dialog.accounts.setCurrentRow(1)
        elif view == "activity":
            from desktop.ui.audit_dialog import AuditDialog

            dialog = AuditDialog(store, window)
            dialog.move(window.width() // 2 - 450, 40)
            dialog.show()
        elif view == "first-coordinator":
            from desktop.ui.sign_in import FirstCoordinatorDialog

            dialog = FirstCoordinatorDialog(store, window)
            dialog.move(window.width() // 2 - 240, 120)
            dialog.show()
        elif view == "setup":
            from desktop.ui.setup_dialog import SetupDialog

            dialog = SetupDialog(store, window)
            dialog.move(window.width() // 2 - 250, 60)
            dialog.show()
        elif view == "receipt":
            from desktop.receipt import build_receipt
            from desktop.store.records import ComplaintQuery
            from desktop.ui.receipt_dialog import ReceiptDialog

            (record,) = store.search(ComplaintQuery(), limit=1)
            context = store.require_context()
            content = build_receipt(record, context, store.catalog)
            receipt = ReceiptDialog(content, context.paper, window, context.printing)
            receipt.move(window.width() // 2 - 250, 20)
            receipt.show()
        else:
            window.go_to_list()
            listing = window.list  # it reads its rows in the background: select once in
            listing.model.loaded.connect(lambda: listing.table.selectRow(2))

    QTimer.singleShot(300, arrange)
    app.exec()


def give_a_team(store: Store) -> None:
    """The post's coordinator (the operator the setup named) and two petugas."""
    from desktop.store.operators import Role

    coordinator = store.require_context().operator_name
    store.first_coordinator(coordinator, "482915", "482915")
    for name, pin in (("Budi Santoso", "7301"), ("Dewi Lestari", "5820")):
        store.save_operator(name, role=Role.PETUGAS, pin=pin, repeated=pin)


def outreach_taps(window: MainWindow, store: Store) -> None:
    """The Penjangkauan section after a morning's taps (made once: the view taken again
    shows the same figures): deliveries, people reached, merchandise, one undone."""
    from desktop.ui.outreach_desk import OutreachDesk

    if not store.stock_levels():
        store.record_stock_received("kaus", 60, "dari Dinas Perhubungan")
        store.record_stock_received("stiker", 300)
        store.record_stock_received("topi", 25)
        for count in (10, 5, 5, 1, 10, 1, 1, 5):
            store.record_people_reached(count)
        for code, count in (("kaus", 12), ("stiker", 40), ("topi", 7)):
            for _n in range(count):
                store.record_handed_out(code)
    window.enter_section(2)
    desk = window.stack.currentWidget().findChild(OutreachDesk)
    assert desk is not None
    desk.hand_out("topi")
    desk.undo_last()


def kiosk_question(store: Store) -> None:
    """The kiosk at its seventh element, the profile and six answers given."""
    from desktop.ui import appearance
    from desktop.ui.kiosk import open_kiosk

    appearance.apply(store.require_context().appearance)
    kiosk = open_kiosk(store, "", service_code="PELABUHAN")
    kiosk.begin("PELABUHAN")
    for choice in ("P", "26-35", "SMA", "SWASTA", "4", "3", "3", "4", "3", "4"):
        kiosk.choose(choice)
    main.kiosk = kiosk  # type: ignore[attr-defined]  # kept alive while the loop runs


if __name__ == "__main__":
    main()
