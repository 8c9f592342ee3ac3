"""The complaint intake form: keyboard-first, validated in place, drafted as it is typed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore
from PySide6.QtCore import QDateTime, QSignalBlocker, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import ComplaintInput, ComplaintType, ValidationError
from desktop.i18n import _, current_language
from desktop.store.health import DatabaseDamaged
from desktop.store.lazy import DeskStore, is_ready
from desktop.ui.widgets import ERROR_COLOUR, FieldMessage, hint_label, set_enum_property

if TYPE_CHECKING:
    from desktop.store.records import ComplaintRecord

log = logging.getLogger("posko.ui")

DRAFT_FORM = "complaint"
DRAFT_DELAY_MS = 300
ROUTE_DELAY_MS = 250
# Style sheets are set when their widget first shows something: each costs the window's
# first appearance, and these two are empty or hidden then.
BANNER_STYLE = (
    "#draft_banner { background: #fff4ce; border: 1px solid #e0c060; border-radius: 4px; }"
)
SUGGESTION_STYLE = "color: palette(placeholder-text);"
_TEXT_FIELDS = ("title", "location", "reporter_name", "phone", "email")


class ComplaintForm(QWidget):
    """Signals: ``saved(ComplaintRecord)`` after a complaint is stored;
    ``draftSaved()`` each time the draft reaches the database."""

    saved = Signal(object)
    draftSaved = Signal()

    def __init__(
        self, store: DeskStore, parent: QWidget | None = None, *, editing: str | None = None
    ) -> None:
        """``editing``: the tracking ID of a saved report to correct (no draft is kept;
        saving stores a new revision, which the sync sends again)."""
        super().__init__(parent)
        self.store = store
        self.editing = editing
        self._loading = False
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        self.suggested: str | None = None  # the rules' category for what is typed
        self._route_timer = QTimer(self)
        self._route_timer.setSingleShot(True)
        self._route_timer.setInterval(ROUTE_DELAY_MS)
        self._route_timer.timeout.connect(self.update_suggestion)
        self._build()
        self.title.textChanged.connect(self._route_timer.start)
        self.category.currentIndexChanged.connect(
            lambda _i: self.use_suggestion.setVisible(
                self.suggested is not None and self.category.currentData() != self.suggested
            )
        )
        self.description.textChanged.connect(self._route_timer.start)
        self._pending_draft: dict[str, Any] | None = None
        if editing is None:
            self._connect_draft_triggers()
            if is_ready(store):
                self.offer_draft()

    # -- construction ---------------------------------------------------------------------
    def _build(self) -> None:
        self.banner = QFrame()
        self.banner.setObjectName("draft_banner")
        self.banner_text = QLabel()
        self.banner_text.setWordWrap(True)
        self.restore_button = QPushButton(_("&Restore draft"))
        self.restore_button.setObjectName("restore_draft")
        self.discard_button = QPushButton(_("Discard"))
        self.discard_button.setObjectName("discard_draft")
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.addWidget(self.banner_text, 1)
        banner_layout.addWidget(self.restore_button)
        banner_layout.addWidget(self.discard_button)
        self.restore_button.clicked.connect(self.restore_draft)
        self.discard_button.clicked.connect(self.discard_draft)
        self.banner.hide()

        self.type_group = QButtonGroup(self)
        type_row = QHBoxLayout()
        self.type_buttons: dict[ComplaintType, QRadioButton] = {}
        mnemonics = {
            ComplaintType.PENGADUAN: _("&Complaint"),
            ComplaintType.ASPIRASI: _("As&piration"),
            ComplaintType.INFORMASI: _("&Information request"),
        }
        for kind, text in mnemonics.items():
            button = QRadioButton(text)
            button.setObjectName(f"type_{kind.value}")
            self.type_group.addButton(button)
            self.type_buttons[kind] = button
            type_row.addWidget(button)
        type_row.addStretch(1)
        self.type_buttons[ComplaintType.PENGADUAN].setChecked(True)

        self.category = QComboBox()
        self.category.setObjectName("category")
        self.category.setEditable(True)
        self.category.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.category.addItem("", "")
        self._category_keys = [""]
        for cat in self.store.catalog.categories:
            group = self.store.catalog.groups[cat.group]
            label = f"{cat.name()} — {group.get('id', '')}"
            self.category.addItem(label, cat.code)
            # Enter also resolves codes and the other language's name ("bansos", "fuel").
            self._category_keys.append(" ".join([label, cat.code, *cat.names.values()]).casefold())
        completer = self.category.completer()
        assert completer is not None
        set_enum_property(completer, "filterMode", "MatchContains")
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        line = self.category.lineEdit()
        assert line is not None
        line.setPlaceholderText(_("Type to search, e.g. tol, SPBU, bansos"))
        line.editingFinished.connect(self._resolve_category)
        line.returnPressed.connect(self._resolve_category)
        completer.activated.connect(self._resolve_category)

        self.title = QLineEdit()
        self.title.setObjectName("title")
        self.title.setPlaceholderText(_("In a few words: what is the problem?"))
        self.description = QPlainTextEdit()
        self.description.setObjectName("description")
        self.description.setTabChangesFocus(True)
        self.description.setPlaceholderText(_("What happened, where, who was involved?"))
        self.description.setMinimumHeight(110)
        self.location = QLineEdit()
        self.location.setObjectName("location")
        self.location.setPlaceholderText(_("e.g. Gerbang Tol Cikampek Utama, lajur 3"))
        self.occurred_known = QCheckBox(_("Known"))
        self.occurred_known.setObjectName("occurred_known")
        self.occurred_at = QDateTimeEdit(QDateTime.currentDateTime())
        self.occurred_at.setObjectName("occurred_at")
        self.occurred_at.setCalendarPopup(True)
        self.occurred_at.setDisplayFormat("dd-MM-yyyy HH:mm")
        self.occurred_at.setEnabled(False)
        self.occurred_known.toggled.connect(self.occurred_at.setEnabled)
        when_row = QHBoxLayout()
        when_row.addWidget(self.occurred_known)
        when_row.addWidget(self.occurred_at, 1)

        self.reporter_name = QLineEdit()
        self.reporter_name.setObjectName("reporter_name")
        self.phone = QLineEdit()
        self.phone.setObjectName("phone")
        self.phone.setPlaceholderText("0812-3456-7890")
        self.email = QLineEdit()
        self.email.setObjectName("email")
        self.email.setPlaceholderText("nama@contoh.id")
        self.anonymous = QCheckBox(_("&Anonymous"))
        self.anonymous.setObjectName("anonymous")
        self.confidential = QCheckBox(_("Confidentia&l"))
        self.confidential.setObjectName("confidential")

        self.messages: dict[str, FieldMessage] = {
            name: FieldMessage()
            for name in (
                "type",
                "category",
                "title",
                "description",
                "location",
                "occurred_at",
                "reporter_name",
                "phone",
                "email",
            )
        }
        for name, message in self.messages.items():
            message.setObjectName(f"error_{name}")

        report = QGroupBox(_("Report"))
        report_form = QFormLayout(report)
        report_form.addRow(_("Type"), type_row)
        report_form.addRow("", self.messages["type"])
        # The rules' suggestion, as the description is typed; the operator decides.
        self.suggestion = QLabel()
        self.suggestion.setObjectName("route_suggestion")
        self.suggestion.setWordWrap(True)
        # No mnemonic: every letter of it is taken in this window. Ctrl+Shift+S instead.
        self.use_suggestion = QPushButton(_("Use suggestion"))
        self.use_suggestion.setObjectName("use_suggestion")
        self.use_suggestion.setToolTip("Ctrl+Shift+S")
        use_shortcut = QShortcut(QKeySequence("Ctrl+Shift+S"), self)
        set_enum_property(use_shortcut, "context", "WidgetWithChildrenShortcut")
        use_shortcut.activated.connect(self.apply_suggestion)
        self.use_suggestion.clicked.connect(self.apply_suggestion)
        self.use_suggestion.hide()
        suggestion_row = QHBoxLayout()
        suggestion_row.addWidget(self.suggestion, 1)
        suggestion_row.addWidget(self.use_suggestion)
        report_form.addRow(_("Categor&y"), self.category)
        report_form.addRow("", suggestion_row)
        report_form.addRow("", self.messages["category"])
        report_form.addRow(_("&Title"), self.title)
        report_form.addRow("", self.messages["title"])
        report_form.addRow(_("&Description"), self.description)
        report_form.addRow("", self.messages["description"])
        report_form.addRow(_("&Where"), self.location)
        report_form.addRow("", self.messages["location"])
        when_label = QLabel(_("W&hen"))
        when_label.setBuddy(self.occurred_known)
        report_form.addRow(when_label, when_row)
        report_form.addRow("", self.messages["occurred_at"])

        reporter = QGroupBox(_("Reporter (all optional)"))
        reporter_form = QFormLayout(reporter)
        reporter_form.addRow(_("&Name"), self.reporter_name)
        reporter_form.addRow("", self.messages["reporter_name"])
        reporter_form.addRow(_("Ph&one"), self.phone)
        reporter_form.addRow("", self.messages["phone"])
        reporter_form.addRow(_("&E-mail"), self.email)
        reporter_form.addRow("", self.messages["email"])
        reporter_form.addRow(self.anonymous)
        reporter_form.addRow(
            hint_label(
                _(
                    "Anonymous: the reported party and the public never see who reported. "
                    "The contact is kept only to follow up."
                )
            )
        )
        reporter_form.addRow(self.confidential)
        reporter_form.addRow(
            hint_label(_("Confidential: the content of the report is never shown publicly."))
        )

        self.save_button = QPushButton(_("&Save and print receipt"))
        self.save_button.setObjectName("save_and_print")
        self.save_button.setDefault(True)
        self.save_button.setToolTip(_("Ctrl+Enter"))
        self.clear_button = QPushButton(_("Clear for&m"))
        self.clear_button.setObjectName("clear_form")
        self.save_button.clicked.connect(self.submit)
        self.clear_button.clicked.connect(self.clear_after_confirm)
        self.status = QLabel()
        self.status.setObjectName("form_status")
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.save_button)

        for sequence in ("Ctrl+Return", "Ctrl+Enter", "Ctrl+S"):
            shortcut = QShortcut(QKeySequence(sequence), self)
            set_enum_property(shortcut, "context", "WidgetWithChildrenShortcut")
            shortcut.activated.connect(self.submit)

        body = QWidget()
        column = QVBoxLayout(body)
        column.addWidget(self.banner)
        column.addWidget(report)
        column.addWidget(reporter)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll, 1)
        outer.addLayout(buttons)

        order: list[QWidget] = [
            *self.type_buttons.values(),
            self.category,
            self.title,
            self.description,
            self.location,
            self.occurred_known,
            self.occurred_at,
            self.reporter_name,
            self.phone,
            self.email,
            self.anonymous,
            self.confidential,
            self.save_button,
            self.clear_button,
        ]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    def _connect_draft_triggers(self) -> None:
        for name in _TEXT_FIELDS:
            getattr(self, name).textChanged.connect(self._schedule_draft)
        self.description.textChanged.connect(self._schedule_draft)
        self.category.currentIndexChanged.connect(self._schedule_draft)
        self.type_group.buttonToggled.connect(self._schedule_draft)
        for box in (self.anonymous, self.confidential, self.occurred_known):
            box.toggled.connect(self._schedule_draft)
        self.occurred_at.dateTimeChanged.connect(self._schedule_draft)

    def _resolve_category(self, *_args: object) -> None:
        """Typing part of a name then Enter or Tab picks the category it names."""
        line = self.category.lineEdit()
        assert line is not None
        typed = line.text().strip()
        if typed == self.category.itemText(self.category.currentIndex()):
            return
        needle = typed.casefold()
        matches = [
            i
            for i in range(1, self.category.count())
            if needle and needle in self._category_keys[i]
        ]
        starts = [i for i in matches if self.category.itemText(i).casefold().startswith(needle)]
        if starts or matches:
            self.category.setCurrentIndex((starts or matches)[0])
        else:
            self.category.setCurrentIndex(0)
            line.setText(typed)  # keep what was typed; saving explains what is missing

    # -- values -----------------------------------------------------------------------------
    def selected_type(self) -> ComplaintType | None:
        for kind, button in self.type_buttons.items():
            if button.isChecked():
                return kind
        return None

    def values(self) -> dict[str, Any]:
        """The form as plain JSON-able data (the draft format)."""
        kind = self.selected_type()
        self._resolve_category()
        return {
            "type": kind.value if kind else None,
            "category": self.category.currentData() or "",
            "title": self.title.text(),
            "description": self.description.toPlainText(),
            "location": self.location.text(),
            "occurred_at": self.occurred_at.dateTime().toString(QtCore.Qt.DateFormat.ISODate)
            if self.occurred_known.isChecked()
            else None,
            "reporter_name": self.reporter_name.text(),
            "phone": self.phone.text(),
            "email": self.email.text(),
            "anonymous": self.anonymous.isChecked(),
            "confidential": self.confidential.isChecked(),
        }

    def is_blank(self) -> bool:
        values = self.values()
        return not any(values[name] for name in (*_TEXT_FIELDS, "description", "category"))

    def set_values(self, values: dict[str, Any]) -> None:
        self._loading = True
        try:
            kind = values.get("type")
            for button_kind, button in self.type_buttons.items():
                button.setChecked(button_kind.value == kind)
            index = self.category.findData(values.get("category") or "")
            self.category.setCurrentIndex(max(index, 0))
            for name in _TEXT_FIELDS:
                getattr(self, name).setText(str(values.get(name) or ""))
            self.description.setPlainText(str(values.get("description") or ""))
            occurred = values.get("occurred_at")
            self.occurred_known.setChecked(bool(occurred))
            if occurred:
                self.occurred_at.setDateTime(
                    QDateTime.fromString(occurred, QtCore.Qt.DateFormat.ISODate)
                )
            self.anonymous.setChecked(bool(values.get("anonymous")))
            self.confidential.setChecked(bool(values.get("confidential")))
        finally:
            self._loading = False

    def to_input(self) -> ComplaintInput:
        values = self.values()
        occurred: datetime | None = None
        if self.occurred_known.isChecked():
            seconds = self.occurred_at.dateTime().toSecsSinceEpoch()
            occurred = datetime.fromtimestamp(seconds, UTC)
        return ComplaintInput(
            type=values["type"],
            category=values["category"] or None,
            title=values["title"],
            description=values["description"],
            location=values["location"],
            occurred_at=occurred,
            reporter_name=values["reporter_name"],
            phone=values["phone"],
            email=values["email"],
            anonymous=values["anonymous"],
            confidential=values["confidential"],
            # Kept with the report: where the operator chose otherwise, it shows.
            category_suggested=self.suggested,
        )

    # -- routing ------------------------------------------------------------------------------
    def update_suggestion(self) -> None:
        """Ask the keyword rules (offline, well under a millisecond) about what is typed."""
        from desktop.catalog import default_catalog
        from desktop.routing import default_router

        title, description = self.title.text().strip(), self.description.toPlainText().strip()
        router = default_router()
        found = router.route(description, title=title) if title or description else None
        if found is None or not found.why:
            self.suggested = None
            self.suggestion.clear()
            self.use_suggestion.hide()
            return
        category = default_catalog().get(found.category)
        self.suggested = found.category
        if not self.suggestion.styleSheet():
            self.suggestion.setStyleSheet(SUGGESTION_STYLE)
        self.suggestion.setText(
            _("Suggested: {category} → {agency} (matched: {terms})").format(
                category=category.name() if category else found.category,
                agency=router.agency_name(found.agency, current_language()),
                terms=", ".join(found.why[:4]),
            )
        )
        self.use_suggestion.setVisible(self.category.currentData() != found.category)

    def apply_suggestion(self) -> None:
        if self.suggested:
            index = self.category.findData(self.suggested)
            if index >= 0:
                self.category.setCurrentIndex(index)
                self.use_suggestion.hide()

    # -- drafts ------------------------------------------------------------------------------
    def _schedule_draft(self, *_args: object) -> None:
        if not self._loading:
            self._draft_timer.start()

    def save_draft(self) -> None:
        self._draft_timer.stop()
        try:
            if self.is_blank():
                self.store.clear_draft(DRAFT_FORM)
            else:
                self.store.save_draft(DRAFT_FORM, self.values())
        except DatabaseDamaged:
            self._rescue_draft()
        self.draftSaved.emit()

    def _rescue_draft(self) -> None:
        """The database refuses writes (it is damaged): the typing goes to a private file
        beside it, which the recovery puts back as the form's draft."""
        profile = getattr(self.store, "profile", None)
        if profile is None or self.is_blank():
            return
        from desktop.store.recover import rescue_draft

        try:
            rescue_draft(profile, DRAFT_FORM, self.values())
        except OSError as exc:
            log.error("the draft could not be kept outside the damaged database: %s", exc)

    def offer_draft(self) -> None:
        """Show the banner if the last session left a draft."""
        self._pending_draft = self.store.load_draft(DRAFT_FORM)
        if not self._pending_draft:
            return
        title = str(self._pending_draft.get("title") or "").strip()
        self.banner_text.setText(
            _("An unsaved report was found from the last session: “{title}”. Restore it?").format(
                title=title[:60] or _("(no title)")
            )
        )
        if not self.banner.styleSheet():
            self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.show()

    def restore_draft(self) -> None:
        if self._pending_draft:
            self.set_values(self._pending_draft)
        self._pending_draft = None
        self.banner.hide()
        self.title.setFocus()

    def discard_draft(self) -> None:
        self._pending_draft = None
        self.store.clear_draft(DRAFT_FORM)
        self.banner.hide()

    # -- saving ------------------------------------------------------------------------------
    def _field_widget(self, name: str) -> QWidget | None:
        if name == "type":
            return self.type_buttons[ComplaintType.PENGADUAN]
        widget = getattr(self, name, None)
        return widget if isinstance(widget, QWidget) else None

    def clear_errors(self) -> None:
        for name, message in self.messages.items():
            message.show_message(None)
            widget = self._field_widget(name)
            if widget is not None and widget.property("invalid"):
                widget.setProperty("invalid", False)
                widget.setStyleSheet("")

    def submit(self) -> ComplaintRecord | None:
        """Validate and save; on success the form empties and ``saved`` is emitted."""
        self.clear_errors()
        try:
            if self.editing is not None:
                record = self.store.edit_complaint(self.editing, self.to_input())
            else:
                record = self.store.save_complaint(self.to_input())
        except ValidationError as error:
            for item in error.errors:
                self.messages[item.field].show_message(item.message)
                marked = self._field_widget(item.field)
                if marked is not None and item.field != "type":
                    marked.setProperty("invalid", True)
                    marked.setStyleSheet(f"border: 1px solid {ERROR_COLOUR};")
            widget = self._field_widget(error.errors[0].field)
            if widget is not None:
                widget.setFocus()
            self.status.setText(
                _("Please correct the marked fields ({n}).").format(n=len(error.errors))
            )
            return None
        except DatabaseDamaged:
            self._rescue_draft()
            self.status.setText(
                _(
                    "Not saved: the database is damaged. What you typed stays in the form; "
                    "recover the database, then save again."
                )
            )
            return None
        if self.editing is not None:
            self.status.setText(_("Changes saved."))
            self.saved.emit(record)
            return record
        self.clear()
        self.status.setText(
            _("Saved as {tracking_id}.").format(tracking_id=record.tracking_display)
        )
        self.saved.emit(record)
        return record

    def clear(self) -> None:
        self._draft_timer.stop()
        blocker = QSignalBlocker(self)
        self.set_values({"type": ComplaintType.PENGADUAN.value})
        self.occurred_at.setDateTime(QDateTime.currentDateTime())
        del blocker
        self.clear_errors()
        self.store.clear_draft(DRAFT_FORM)
        self.type_buttons[ComplaintType.PENGADUAN].setFocus()

    def clear_after_confirm(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        if self.is_blank():
            self.clear()
            return
        answer = QMessageBox.question(
            self,
            _("Clear form"),
            _("Throw away what is typed in the form?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.clear()
