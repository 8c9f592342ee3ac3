"""The main window only arranges the sections; each section is its own widget."""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QSignalBlocker, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.appearance import CONTRAST, STANDARD, TEXT_SIZES, Appearance
from desktop.paths import Profile
from desktop.settings import TEXT_SIZE, THEME
from desktop.store.repo import Store
from desktop.ui import appearance
from desktop.ui.complaint_form import ComplaintForm
from desktop.ui.sections import Section, register, registered
from desktop.ui.widgets import set_shortcut
from desktop.when import show_times_in
from posko import __version__
from posko.i18n import LANGUAGES, N_, _, current_language

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent

    from desktop.store.context import DeskContext
    from desktop.store.records import ComplaintRecord
    from desktop.ui.complaint_list import ComplaintList
    from desktop.ui.sign_in import LockPage
    from desktop.ui.sync_panel import SyncPanel
    from desktop.ui.sync_service import SyncService

log = logging.getLogger("posko.ui")


@lru_cache(maxsize=1)
def _activity() -> frozenset[QtCore.QEvent.Type]:
    """What counts as someone at the desk (a mouse merely moved, bumped, does not). Made
    once the lock watches: PySide builds ``QEvent.Type`` (179 members) on its first use."""
    return frozenset(
        {
            QtCore.QEvent.Type.KeyPress,
            QtCore.QEvent.Type.MouseButtonPress,
            QtCore.QEvent.Type.Wheel,
            QtCore.QEvent.Type.TouchBegin,
        }
    )


# Not Ctrl+E: on Linux a text field takes it (the end of the line), as it takes Ctrl+K.
EXPORT_KEY = "Ctrl+Shift+E"


class MainWindow(QMainWindow):
    """Signals: ``languageRequested(str)`` when the operator picks another language;
    ``receiptReady(ComplaintRecord, str)`` with the PDF path after each save or reprint."""

    languageRequested = Signal(str)
    receiptReady = Signal(object, str)

    def __init__(
        self,
        store: Store,
        profile: Profile,
        *,
        context: DeskContext | None = None,
        show_receipt_dialog: bool = True,
    ) -> None:
        super().__init__()
        self.store = store
        self.profile = profile
        self.show_receipt_dialog = show_receipt_dialog
        self._last_saved: ComplaintRecord | None = None  # Ctrl+P prints its receipt again
        self.context = context or store.require_context()
        appearance.apply(self.context.appearance, palette_soon=True)  # before any widget
        show_times_in(self.context.time_zone)  # the post's clock, as on its receipts
        self.setWindowTitle(
            _("Posko — {post}").format(post=f"{self.context.post_name} ({self.context.post_code})")
        )
        self._fit_to_screen()

        self.form = ComplaintForm(store)
        # The list is built the first time it is shown (or asked for): start-up shows the
        # form, and the table's model and views are not needed for that.
        self._list: ComplaintList | None = None
        self.list_page = QWidget()
        self.list_page.setObjectName("list_page")
        QVBoxLayout(self.list_page).setContentsMargins(0, 0, 0, 0)
        self.complaints = QTabWidget()
        self.complaints.setObjectName("complaint_tabs")
        self.complaints.addTab(self.form, _("New report"))
        self.complaints.addTab(self.list_page, _("Report list"))
        self.complaints.currentChanged.connect(self._on_tab_changed)

        # Filled by ``attach_sync`` once the database is open (sync is not needed to show
        # the window, and its modules are not imported before).
        self.sync_section = QWidget()
        self.sync_section.setObjectName("sync_section")
        sync_layout = QVBoxLayout(self.sync_section)
        sync_layout.setContentsMargins(0, 0, 0, 0)
        sync_layout.addWidget(QLabel(_("Opening the database…")))
        self.sync_panel: SyncPanel | None = None
        self.sync: SyncService | None = None

        self.nav = QListWidget()
        self.nav.setObjectName("sections")
        self.nav.setFixedWidth(self._nav_width())
        self.stack = QStackedWidget()
        # Each section's widget is built the first time it is shown (the window's own,
        # complaints and synchronisation, already are).
        self._sections = registered()
        self._built: set[int] = set()
        for index, section in enumerate(self._sections, start=1):
            item = QListWidgetItem(_(section.title))
            if section.icon:  # none yet; QIcon (and its 151-name enum) is loaded then
                from PySide6.QtGui import QIcon

                item.setIcon(QIcon.fromTheme(section.icon))
            self.nav.addItem(item)
            holder = QWidget()
            QVBoxLayout(holder).setContentsMargins(0, 0, 0, 0)
            self.stack.addWidget(holder)
            action = QAction(self)
            set_shortcut(action, section.mnemonic or f"Alt+{index}")
            action.triggered.connect(lambda _c=False, i=index - 1: self.enter_section(i))
            self.addAction(action)
        self.nav.currentRowChanged.connect(self._build_section)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.nav.setCurrentRow(0)
        self.desk_page = QWidget()
        self.desk_page.setObjectName("desk_page")
        row = QHBoxLayout(self.desk_page)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        # The desk's work, or the lock screen over it (built when first locked).
        self.pages = QStackedWidget()
        self.pages.addWidget(self.desk_page)
        self.setCentralWidget(self.pages)
        self._lock_page: LockPage | None = None
        self._held: list[tuple[QAction, bool]] = []  # the actions a lock switched off
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self._lock_when_idle)

        self._build_menus()
        self.queue_label = QLabel()
        self.queue_label.setObjectName("queue_count")
        self.post_label = QLabel()
        self.post_label.setObjectName("post_and_operator")
        self._show_post()
        self.online_label = QLabel()
        self.online_label.setObjectName("online")
        self.statusBar().addPermanentWidget(self.post_label)
        self.statusBar().addPermanentWidget(self.online_label)
        self.statusBar().addPermanentWidget(self.queue_label)
        # Coalesce refreshes: many saves in a row cause one list reload.
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(150)
        self._refresh.timeout.connect(self.refresh)
        if store.opened:
            self.refresh_queue()
        else:
            self.queue_label.setText(_("Opening the database…"))

        self.form.saved.connect(self._on_saved)
        self.form.focus_first()
        appearance.ready()  # the style sheet, now the widgets are built (see apply)

    @property
    def list(self) -> ComplaintList:
        """The report list, built on first use."""
        if self._list is None:
            from desktop.ui.complaint_list import ComplaintList

            built = ComplaintList(self.store, self.list_page)
            layout = self.list_page.layout()
            assert layout is not None
            layout.addWidget(built)
            built.reprintRequested.connect(self.show_receipt)
            built.edited.connect(self._on_edited)
            self._list = built  # it reads its first page in the background
        return self._list

    def _build_section(self, row: int) -> None:
        if row < 0 or row in self._built:
            return
        self._built.add(row)
        holder = self.stack.widget(row)
        layout = holder.layout() if holder is not None else None
        assert layout is not None
        layout.addWidget(self._sections[row].factory(self))

    def _on_tab_changed(self, index: int) -> None:
        if self.complaints.widget(index) is self.list_page:
            self.list  # noqa: B018 (builds it)

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu(_("&File"))
        new_report = file_menu.addAction(_("&New report"))
        set_shortcut(new_report, "Ctrl+N")
        new_report.triggered.connect(self.go_to_form)
        find = file_menu.addAction(_("&Find report"))
        set_shortcut(find, "Ctrl+F")
        find.triggered.connect(self.go_to_list)
        self.reprint_last = file_menu.addAction(_("Print &last receipt again…"))
        self.reprint_last.setObjectName("reprint_last")
        set_shortcut(self.reprint_last, "Ctrl+P")
        self.reprint_last.setEnabled(False)
        self.reprint_last.triggered.connect(self._reprint_last)
        export = file_menu.addAction(_("&Export data…"))
        export.setObjectName("export_data")
        set_shortcut(export, EXPORT_KEY)
        export.triggered.connect(self.export_data)
        file_menu.addSeparator()
        quit_action = file_menu.addAction(_("&Quit"))
        quit_action.setObjectName("quit")
        set_shortcut(quit_action, "Ctrl+Q")
        quit_action.triggered.connect(self.close)
        settings = menu.addMenu(_("Settin&gs"))
        operator = settings.addAction(_("&Change operator…"))
        set_shortcut(operator, "F2")
        operator.triggered.connect(lambda: self.change_operator())
        lock = settings.addAction(_("Loc&k the desk"))
        lock.setObjectName("lock_desk")
        set_shortcut(lock, "Ctrl+L")
        lock.triggered.connect(lambda: self.lock())
        operators = settings.addAction(_("&Operators…"))
        operators.setObjectName("manage_operators")
        operators.triggered.connect(self.manage_operators)
        trail = settings.addAction(_("Activity lo&g…"))
        trail.setObjectName("audit_trail")
        trail.triggered.connect(self.show_audit_trail)
        setup = settings.addAction(_("&Post and printer…"))
        setup.triggered.connect(self.edit_setup)
        language_menu = settings.addMenu(_("&Language"))
        group = QActionGroup(self)
        for code, name in LANGUAGES.items():
            action = language_menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(code == current_language())
            action.setObjectName(f"language_{code}")
            group.addAction(action)
            action.triggered.connect(lambda _c=False, c=code: self.languageRequested.emit(c))
        settings.addSeparator()
        self._build_view_menu(settings)
        help_menu = menu.addMenu(_("&Help"))
        about = help_menu.addAction(_("&About Posko"))
        about.triggered.connect(self.about)

    def export_data(self) -> None:
        """The export dialog (``desktop.ui.export_dialog``), every date to start with."""
        from desktop.ui.export_dialog import open_export_dialog

        open_export_dialog(self, self.store, self.context)

    def _build_view_menu(self, settings: QMenu) -> None:
        """Text size and theme, for reading outdoors: Ctrl+= / Ctrl+- (and Ctrl+0) from
        anywhere in the window. In the Settings menu: a menu of its own would have no free
        Alt key in Indonesian."""
        sizes = settings.addMenu(_("&Text size"))
        larger = sizes.addAction(_("&Larger text"))
        larger.setObjectName("text_larger")
        larger.setShortcuts([QKeySequence("Ctrl+="), QKeySequence("Ctrl++")])
        larger.triggered.connect(lambda: self.set_appearance(self.context.appearance.larger()))
        smaller = sizes.addAction(_("&Smaller text"))
        smaller.setObjectName("text_smaller")
        set_shortcut(smaller, "Ctrl+-")
        smaller.triggered.connect(lambda: self.set_appearance(self.context.appearance.smaller()))
        sizes.addSeparator()
        group = QActionGroup(self)
        self.size_actions: dict[int, QAction] = {}
        for size in TEXT_SIZES:
            action = sizes.addAction(f"&{size} %" if size == 100 else f"{size} %")
            action.setCheckable(True)
            action.setObjectName(f"text_size_{size}")
            group.addAction(action)
            action.triggered.connect(
                lambda _c=False, n=size: self.set_appearance(
                    replace(self.context.appearance, text_size=n)
                )
            )
            self.size_actions[size] = action
        set_shortcut(self.size_actions[100], "Ctrl+0")
        self.contrast_action = settings.addAction(_("&High contrast"))
        self.contrast_action.setObjectName("high_contrast")
        self.contrast_action.setCheckable(True)
        self.contrast_action.toggled.connect(
            lambda on: self.set_appearance(
                replace(self.context.appearance, theme=CONTRAST if on else STANDARD)
            )
        )
        self._show_appearance()

    def set_appearance(self, chosen: Appearance) -> None:
        """Apply a text size or theme to every window now, and remember it in the profile."""
        if chosen == self.context.appearance:
            return
        from desktop.store.health import DatabaseDamaged

        appearance.apply(chosen)
        self.context = replace(self.context, appearance=chosen)
        self.nav.setFixedWidth(self._nav_width())
        self._show_appearance()
        shown = _("Text size {size} %").format(size=chosen.text_size)
        try:
            self.store.set(TEXT_SIZE, str(chosen.text_size))
            self.store.set(THEME, chosen.theme)
        except DatabaseDamaged:  # it applies now all the same; the next start will not know
            shown += " " + _("(not remembered: the database is damaged)")
        self.statusBar().showMessage(shown, 5000)

    def _show_appearance(self) -> None:
        shown = self.context.appearance
        self.size_actions[shown.text_size].setChecked(True)
        with QSignalBlocker(self.contrast_action):
            self.contrast_action.setChecked(shown.theme == CONTRAST)

    def _nav_width(self) -> int:
        return round(170 * self.context.appearance.scale)

    def _fit_to_screen(self) -> None:
        """1180×760 where there is room; on a 1366×768 field laptop, what is left by the
        title bar and the taskbar, so the status bar stays on screen."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        room = screen.availableGeometry() if screen is not None else None
        width, height = 1280, 760
        if room is not None:
            frame = 40  # the title bar and borders a window manager adds
            width = min(width, room.width())
            height = min(height, room.height() - frame)
        self.resize(width, height)

    # -- actions --------------------------------------------------------------------------------
    def go_to_form(self) -> None:
        self.nav.setCurrentRow(0)
        self.complaints.setCurrentWidget(self.form)
        self.form.focus_first()

    def enter_section(self, row: int) -> None:
        """Alt+1…5: show the section and put the keyboard in it (its first control)."""
        self.nav.setCurrentRow(row)
        if row == 0:
            if self.complaints.currentWidget() is self.form:
                self.form.focus_first()
            else:
                self.list.search.setFocus()
            return
        holder = self.stack.widget(row)
        if holder is None:
            return
        layout = holder.layout()
        item = layout.itemAt(0) if layout is not None else None
        section = item.widget() if item is not None else None
        focus_first = getattr(section, "focus_first", None)
        if callable(focus_first):  # the section knows where its keyboard work starts
            focus_first()
            return
        widget = holder.nextInFocusChain()
        while widget is not holder and widget is not None:
            if (
                holder.isAncestorOf(widget)
                and widget.isVisibleTo(self)
                and widget.isEnabled()
                and widget.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus
            ):
                widget.setFocus(QtCore.Qt.FocusReason.ShortcutFocusReason)
                return
            widget = widget.nextInFocusChain()
        holder.setFocus(QtCore.Qt.FocusReason.ShortcutFocusReason)

    def go_to_list(self) -> None:
        self.nav.setCurrentRow(0)
        self.complaints.setCurrentWidget(self.list_page)
        self.list.search.setFocus()
        self.list.search.selectAll()

    def allowed(self, doing: str) -> bool:
        from desktop.ui.sign_in import allowed

        return allowed(self, self.store, doing)

    def manage_operators(self) -> None:
        """The team: add an operator, change a role or a PIN, stop one signing in."""
        if not self.allowed(N_("manage the operators")):
            return
        from desktop.ui.operators_dialog import OperatorsDialog

        OperatorsDialog(self.store, self).exec()

    def show_audit_trail(self) -> None:
        """Who did what at this desk (``desktop.store.audit``), for a coordinator."""
        if not self.allowed(N_("read the activity log")):
            return
        from desktop.ui.audit_dialog import AuditDialog

        AuditDialog(self.store, self).exec()

    def edit_setup(self) -> None:
        from desktop.ui.setup_dialog import SetupDialog

        if not self.store.needs_coordinator() and not self.allowed(
            N_("change the desk's settings")
        ):
            return
        dialog = SetupDialog(self.store, self)
        if dialog.exec() and dialog.context is not None:
            self.context = dialog.context
            show_times_in(self.context.time_zone)
            self._show_post()
            if dialog.context.language != current_language():
                self.languageRequested.emit(dialog.context.language)

    def change_operator(self, dialog_hook: object = None) -> bool:
        """F2: the shift changes; receipts and reports carry the new name from now on
        (``dialog_hook`` lets a test drive the dialog)."""
        from desktop.ui.operator_dialog import OperatorDialog

        dialog = OperatorDialog(self.store, self)
        if callable(dialog_hook):
            dialog_hook(dialog)
        else:
            dialog.exec()
        if dialog.context is None:
            return False
        self._took_over(dialog.context)
        return True

    # -- locking -------------------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self.pages.currentWidget() is not self.desk_page

    def lock(self, reason: str = "") -> None:
        """Cover the desk's work with the lock screen until someone signs in with their
        PIN: on Ctrl+L, after the idle minutes, at start. Every action but Quit is off
        meanwhile (their keys too); what was typed stays, hidden."""
        if self.locked:
            return
        from desktop.ui.sign_in import LockPage

        if self._lock_page is None:
            self._lock_page = LockPage(self.store)
            self._lock_page.signedIn.connect(self.unlock)
            self.pages.addWidget(self._lock_page)
        self.form.flush_draft()
        self._held = [
            (action, action.isEnabled())
            for action in self.findChildren(QAction)
            if action.objectName() != "quit"
        ]
        for action, _was in self._held:
            action.setEnabled(False)
        self.menuBar().hide()
        self.pages.setCurrentWidget(self._lock_page)
        self._lock_page.shown_for(reason or _("Posko is locked"))
        log.info("desk locked")

    def unlock(self, context: DeskContext) -> None:
        """``context``'s operator signed in: the desk's work is back, theirs now."""
        for action, was in self._held:
            action.setEnabled(was)
        self._held = []
        self.menuBar().show()
        self.pages.setCurrentWidget(self.desk_page)
        self._took_over(context)
        self.go_to_form()

    def watch_idle(self, minutes: float) -> None:
        """Lock after ``minutes`` without a key or a click anywhere in the desk (0: never)."""
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        if app is None:
            return
        app.removeEventFilter(self)
        self._idle.stop()
        if minutes > 0:
            self._idle.setInterval(round(minutes * 60_000))
            app.installEventFilter(self)
            self._idle.start()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() in _activity() and self._idle.interval() > 0:
            self._idle.start()  # again from now
        return super().eventFilter(watched, event)

    def _lock_when_idle(self) -> None:
        """Left alone: the desk's open dialogs are closed as Esc would close them (a report
        being corrected keeps its saved version; an export under way stops, leaving no
        file), then it locks, so a dialog left open never keeps the desk unlocked."""
        from PySide6.QtWidgets import QDialog

        if self.locked:
            return
        for dialog in reversed(self.findChildren(QDialog)):
            if dialog.isVisible():
                dialog.reject()
        self.lock(_("Locked after a while without use"))

    def _took_over(self, context: DeskContext) -> None:
        self.context = context
        self._show_post()
        self.statusBar().showMessage(
            _("{operator} is on duty now.").format(operator=context.operator_name), 5000
        )

    def _show_post(self) -> None:
        if not self.context.operator_name:  # drawn from the start card: nobody yet
            self.post_label.setText(self.context.post_name)
            return
        self.post_label.setText(
            _("{post} · operator {operator}").format(
                post=self.context.post_name, operator=self.context.operator_name
            )
        )

    def adopt(self, context: DeskContext) -> None:
        """The store's context, once it is open, for the start card's the window was drawn
        from (the same but for who is on duty)."""
        self.context = context
        self._show_post()

    def about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(
            self,
            _("About Posko"),
            _(
                "Posko {version}\nThe complaint desk for mudik outreach posts, feeding "
                "SP4N-LAPOR!.\nProfile: {path}"
            ).format(version=__version__, path=self.profile.root),
        )

    def refresh_queue(self) -> None:
        text = _("Waiting to send: {n}").format(n=self.store.queue_count())
        attention = self.store.attention_count()
        if attention:
            text += " · " + _("Needs attention: {n}").format(n=attention)
        self.queue_label.setText(text)

    # -- sync ----------------------------------------------------------------------------------
    def attach_sync(self, service: SyncService) -> None:
        """Show the sync section and the connection in the status bar (after the store is
        open: its modules are imported only now, so start-up does not pay for them)."""
        from desktop.ui.sync_panel import SyncPanel

        self.sync = service
        panel = SyncPanel(self.store, service)
        layout = self.sync_section.layout()
        assert layout is not None
        while layout.count():
            item = layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        layout.addWidget(panel)
        self.sync_panel = panel
        service.finished.connect(self._on_sync_finished)
        service.started.connect(self._on_sync_started)
        service.onlineChanged.connect(self._show_online)
        panel.outboxChanged.connect(self.refresh)
        self._show_online(service.online)
        panel.refresh()

    def _on_edited(self, record: ComplaintRecord) -> None:
        self.statusBar().showMessage(
            _("Report {tracking_id} corrected; the correction will be sent.").format(
                tracking_id=record.tracking_display
            ),
            8000,
        )
        self.refresh_queue()
        if self.sync is not None:
            self.sync.sync_now()

    def _on_sync_started(self) -> None:
        self.online_label.setText(_("Syncing…"))

    def _on_sync_finished(self, report: object) -> None:
        self._show_online(self.sync.online if self.sync else None)
        if getattr(report, "categories_changed", False):
            self.form.refresh_categories()  # the coordinator's groups, from now on
        self._refresh.start()

    def _show_online(self, online: bool | None) -> None:
        if online is None:
            self.online_label.setText("")
        else:
            self.online_label.setText(_("Online") if online else _("Offline"))

    def refresh(self) -> None:
        if self._list is not None:
            self._list.refresh()
        self.refresh_queue()

    def load(self) -> None:
        """Fill what needs the database: called once it is open (the store opens on
        demand, so this is also safe to call first)."""
        self.refresh()
        self.form.offer_draft()

    def _on_saved(self, record: ComplaintRecord) -> None:
        self.statusBar().showMessage(
            _("Report {tracking_id} saved.").format(tracking_id=record.tracking_display), 8000
        )
        self.refresh_queue()
        self._refresh.start()
        self._last_saved = record
        self.reprint_last.setEnabled(True)
        self.show_receipt(record, just_saved=True)

    def _reprint_last(self) -> None:
        if self._last_saved is not None:  # as it is now (it may have been corrected)
            self.show_receipt(
                self.store.complaint(self._last_saved.tracking_id) or self._last_saved
            )

    def show_receipt(self, record: ComplaintRecord, *, just_saved: bool = False) -> None:
        """Write the receipt PDF into the profile (always), then offer to print it; a report
        just saved on a desk that prints on saving goes straight to the receipt printer, and
        the receipt window only comes when that fails (Ctrl+P brings it)."""
        # Imported here: painting is not needed to show the window, and start-up counts.
        from desktop.printing.render import PrintError, render_pdf
        from desktop.receipt import build_receipt
        from desktop.store.audit import Action

        content = build_receipt(record, self.context, self.store.catalog)
        target = self.profile.receipts / f"{record.tracking_id}.pdf"
        try:
            self.store.audit(Action.PRINTED if just_saved else Action.REPRINTED, record.tracking_id)
        except Exception:  # the receipt matters more than its line in the trail
            log.warning("receipt of %s not noted in the audit trail", record.tracking_id)
        try:
            render_pdf(content, self.context.paper, target)
        except PrintError as exc:
            from PySide6.QtWidgets import QMessageBox

            log.error("receipt PDF for %s failed: %s", record.tracking_id, exc)
            QMessageBox.warning(
                self,
                _("Receipt not saved"),
                _("The report is saved, but its receipt file could not be written: {error}").format(
                    error=exc
                ),
            )
        else:
            self.profile.clear_receipts(keep=target)  # only the receipt on the screen stays
            self.receiptReady.emit(record, str(target))
        printing = self.context.printing
        if just_saved and printing.when_saved:
            from desktop.ui.receipt_dialog import Printed, print_direct  # loads QtPrintSupport

            if print_direct(self, content, self.context.paper, printing.printer) is (
                Printed.PRINTED
            ):
                self.statusBar().showMessage(
                    _(
                        "Report {tracking_id} saved; its receipt is printing on {printer}. "
                        "Ctrl+P prints it again."
                    ).format(tracking_id=record.tracking_display, printer=printing.printer),
                    15000,
                )
                return
        if self.show_receipt_dialog:
            from desktop.ui.receipt_dialog import ReceiptDialog  # loads QtPrintSupport

            ReceiptDialog(content, self.context.paper, self, printing).exec()
            if just_saved:  # the keyboard back on the first field, for the next traveller
                self.activateWindow()
                self.form.focus_first()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.form.flush_draft()
        super().closeEvent(event)


def _complaints(window: QWidget) -> QWidget:
    assert isinstance(window, MainWindow)
    return window.complaints


def _synchronisation(window: QWidget) -> QWidget:
    assert isinstance(window, MainWindow)
    return window.sync_section


register(Section("complaints", N_("Complaints"), 10, _complaints))
register(Section("sync", N_("Synchronisation"), 90, _synchronisation))
