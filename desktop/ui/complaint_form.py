"""The complaint intake form: keyboard-first, validated in place, drafted as it is typed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSignalBlocker, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
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

from desktop.domain import ComplaintInput, ComplaintType, FieldError, ValidationError
from desktop.settings import TIME_ZONE
from desktop.store.errors import DatabaseDamaged, DatabaseError, KeyProblem
from desktop.store.repo import Store
from desktop.ui.appearance import mark_invalid
from desktop.ui.when_field import WhenEdit
from desktop.ui.widgets import (
    FieldMessage,
    hint_label,
    required,
    save_shortcuts,
    set_enum_property,
)
from desktop.when import WhenError, shown_zone
from posko.i18n import _, current_language
from posko.zones import DEFAULT_ZONE

if TYPE_CHECKING:
    from desktop.store.records import ComplaintRecord, DraftRecord

log = logging.getLogger("posko.ui")

DRAFT_FORM = "complaint"
DRAFT_DELAY_MS = 300
ROUTE_DELAY_MS = 250
_TEXT_FIELDS = ("title", "location", "reporter_name", "phone", "email")


class ComplaintForm(QWidget):
    """Signals: ``saved(ComplaintRecord)`` after a complaint is stored;
    ``draftSaved()`` each time the draft reaches the database."""

    saved = Signal(object)
    draftSaved = Signal()

    def __init__(
        self, store: Store, parent: QWidget | None = None, *, editing: str | None = None
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
        # The draft this form's typing goes to: made on the first save of a new report,
        # taken over when a draft is restored, gone once the report is saved or cleared.
        self.draft_id: str | None = None
        self._dirty = False  # typed since the last save of the draft
        self.offered: list[DraftRecord] = []  # the other drafts waiting, newest first
        if editing is None:
            self._connect_draft_triggers()
            if store.opened:
                self.offer_draft()

    # -- construction ---------------------------------------------------------------------
    def _build(self) -> None:
        self.banner = QFrame()
        self.banner.setObjectName("draft_banner")
        self.banner.setProperty("role", "banner")  # the theme's notice colours
        self.banner_text = QLabel()
        self.banner_text.setObjectName("draft_banner_text")
        self.banner_text.setWordWrap(True)
        # With several drafts waiting, the operator picks one here (the text names a lone one).
        self.draft_choice = QComboBox()
        self.draft_choice.setObjectName("draft_choice")
        self.draft_choice.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.draft_choice.setMinimumContentsLength(24)
        self.draft_choice_label = QLabel(_("&Unsaved report"))
        self.draft_choice_label.setBuddy(self.draft_choice)
        self.restore_button = QPushButton(_("&Restore draft"))
        self.restore_button.setObjectName("restore_draft")
        self.discard_button = QPushButton(_("Discard"))
        self.discard_button.setObjectName("discard_draft")
        choice_row = QHBoxLayout()
        choice_row.addWidget(self.draft_choice_label)
        choice_row.addWidget(self.draft_choice, 1)
        choice_row.addStretch(0)
        choice_row.addWidget(self.restore_button)
        choice_row.addWidget(self.discard_button)
        banner_layout = QVBoxLayout(self.banner)
        banner_layout.addWidget(self.banner_text)
        banner_layout.addLayout(choice_row)
        self.restore_button.clicked.connect(lambda _checked=False: self.restore_draft())
        self.discard_button.clicked.connect(lambda _checked=False: self.discard_draft())
        self.draft_choice.currentIndexChanged.connect(self._update_draft_buttons)
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
        self._category_keys: list[str] = []
        self._offered_codes: frozenset[str] = frozenset()
        self.refresh_categories()
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
        # Typed in one go in the post's local time; empty is "not known".
        self.occurred_at = WhenEdit(self._post_zone)
        self.occurred_at.setObjectName("occurred_at")
        self.occurred_at.editingFinished.connect(self._check_when)
        when_row = QHBoxLayout()
        when_row.addWidget(self.occurred_at, 1)
        when_row.addWidget(self.occurred_at.choices)
        when_row.addWidget(self.occurred_at.understood, 1)

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

        report = QGroupBox(_("Report (* must be filled in)"))
        report_form = QFormLayout(report)
        type_label = QLabel(required(_("Type")))
        type_label.setObjectName("type_label")
        report_form.addRow(type_label, type_row)
        report_form.addRow("", self.messages["type"])
        # The rules' suggestion, as the description is typed; the operator decides.
        self.suggestion = QLabel()
        self.suggestion.setObjectName("route_suggestion")
        self.suggestion.setProperty("role", "hint")
        self.suggestion.setWordWrap(True)
        # No mnemonic: every letter of it is taken in this window. Ctrl+Shift+S instead.
        self.use_suggestion = QPushButton(_("Use suggestion") + "  (Ctrl+Shift+S)")
        self.use_suggestion.setObjectName("use_suggestion")
        use_shortcut = QShortcut(QKeySequence("Ctrl+Shift+S"), self)
        set_enum_property(use_shortcut, "context", "WidgetWithChildrenShortcut")
        use_shortcut.activated.connect(self.apply_suggestion)
        self.use_suggestion.clicked.connect(self.apply_suggestion)
        self.use_suggestion.hide()
        suggestion_row = QHBoxLayout()
        suggestion_row.addWidget(self.suggestion, 1)
        suggestion_row.addWidget(self.use_suggestion)
        report_form.addRow(required(_("Categor&y")), self.category)
        report_form.addRow("", suggestion_row)
        report_form.addRow("", self.messages["category"])
        report_form.addRow(required(_("&Title")), self.title)
        report_form.addRow("", self.messages["title"])
        report_form.addRow(required(_("&Description")), self.description)
        report_form.addRow("", self.messages["description"])
        report_form.addRow(_("Whe&re"), self.location)
        report_form.addRow("", self.messages["location"])
        when_label = QLabel(_("&When"))
        when_label.setBuddy(self.occurred_at)
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

        save_shortcuts(self, self.submit)

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
        for box in (self.anonymous, self.confidential):
            box.toggled.connect(self._schedule_draft)
        self.occurred_at.textChanged.connect(self._schedule_draft)

    def refresh_categories(self, keep: str | None = None) -> None:
        """List the categories offered for a new report: the coordinator's groups, as the
        last sync learned them. ``keep`` (by default the chosen one), a category no longer
        offered, stays listed, marked, so a saved report or a draft keeps its category."""
        from posko.catalog import offered_groups_in

        catalog = self.store.catalog
        chosen = self.category.currentData() if keep is None else keep
        line = self.category.lineEdit()
        typed = line.text() if line is not None and keep is None and not chosen else ""
        groups = offered_groups_in(self.store.profile.category_groups, catalog)
        self._offered_codes = catalog.offered_codes(groups)
        blocker = QSignalBlocker(self.category)
        self.category.clear()
        self.category.addItem("", "")
        self._category_keys = [""]
        for cat in catalog.categories:
            offered = cat.code in self._offered_codes
            if not offered and cat.code != chosen:
                continue
            group = catalog.groups[cat.group]
            label = f"{cat.name()} — {group.get('id', '')}"
            if not offered:
                label = _("{category} (no longer offered)").format(category=label)
            self.category.addItem(label, cat.code)
            # Enter also resolves codes and the other language's name ("bansos", "fuel").
            self._category_keys.append(" ".join([label, cat.code, *cat.names.values()]).casefold())
        self.category.setCurrentIndex(max(self.category.findData(chosen or ""), 0))
        if typed and line is not None:
            line.setText(typed)  # half-typed in the box: left as it was
        del blocker

    def _resolve_category(self, *_args: object) -> None:
        """Typing part of a name then Enter or Tab picks the category it names; failing a
        name, what the routing rules know the words for (krl, bbm, a typo of pelabuhan)."""
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
        meant = -1 if starts or matches or not needle else self._category_the_rules_know(typed)
        if starts or matches:
            self.category.setCurrentIndex((starts or matches)[0])
        elif meant > 0:
            self.category.setCurrentIndex(meant)
        else:
            self.category.setCurrentIndex(0)
            line.setText(typed)  # keep what was typed; saving explains what is missing

    def _category_the_rules_know(self, typed: str) -> int:
        """The box's row of the category the routing rules give ``typed``, or -1."""
        from posko.routing import default_router

        found = default_router().route(typed, title="", offered=self._offered_codes)
        return self.category.findData(found.category) if found.why else -1

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
            **self._when_values(),
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
            category = str(values.get("category") or "")
            if self.category.findData(category) < 0 and self.store.catalog.get(category):
                self.refresh_categories(keep=category)  # no longer offered: kept, marked
            index = self.category.findData(category)
            self.category.setCurrentIndex(max(index, 0))
            for name in _TEXT_FIELDS:
                getattr(self, name).setText(str(values.get(name) or ""))
            self.description.setPlainText(str(values.get("description") or ""))
            self._set_when(values.get("occurred_at"), values.get("occurred_text"))
            self.anonymous.setChecked(bool(values.get("anonymous")))
            self.confidential.setChecked(bool(values.get("confidential")))
        finally:
            self._loading = False

    def _when_values(self) -> dict[str, str | None]:
        """The draft's ``occurred_at``: the instant understood, ISO with the post's offset
        (so ``kemarin 20.00`` means the same day when restored tomorrow); text that cannot
        be read is kept as typed in ``occurred_text``."""
        try:
            moment = self.occurred_at.moment()
        except WhenError:
            return {"occurred_at": None, "occurred_text": self.occurred_at.text()}
        return {"occurred_at": moment.isoformat() if moment else None, "occurred_text": ""}

    def _set_when(self, stored: object, text: object) -> None:
        """Show a draft's moment in the post's zone. Drafts written before the field took
        typing hold ISO text without an offset: the wall clock the operator saw, which is
        the post's."""
        moment: datetime | None = None
        if isinstance(stored, str) and stored:
            try:
                moment = datetime.fromisoformat(stored)
            except ValueError:
                text = text or stored  # not an instant: kept as typed, saving explains it
            else:
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=self.occurred_at.zone())
        if moment is not None:
            self.occurred_at.set_moment(moment)
        else:
            self.occurred_at.setText(str(text or ""))

    def _post_zone(self) -> str:
        """The post's time zone (``posko.zones``): the one the operator types times in.
        Before the store is open, the window's (from its start card): asking the store
        would open it, its key included, just to see whether the form is blank as a
        window closes during the start."""
        if not self.store.opened:
            return shown_zone()
        try:
            return self.store.get(TIME_ZONE)
        except DatabaseError:
            return DEFAULT_ZONE

    def _check_when(self) -> None:
        """Leaving the field with text it cannot read says why at once (saving would too);
        the text stays as typed."""
        message = self.messages["occurred_at"]
        problem = self.occurred_at.problem()
        if problem or message.text():
            message.show_message(problem)
        mark_invalid(self.occurred_at, bool(problem))

    def to_input(self) -> ComplaintInput:
        """What the form holds for storage; ``ValidationError`` already here when the time
        of the event cannot be read, together with what else the checks find."""
        values = self.values()
        now = self.occurred_at.clock()
        try:
            occurred = self.occurred_at.moment()
            problem = None
        except WhenError as error:
            occurred, problem = None, error.message
        data = ComplaintInput(
            type=values["type"],
            category=values["category"] or None,
            title=values["title"],
            description=values["description"],
            location=values["location"],
            occurred_at=occurred.astimezone(UTC) if occurred else None,
            reporter_name=values["reporter_name"],
            phone=values["phone"],
            email=values["email"],
            anonymous=values["anonymous"],
            confidential=values["confidential"],
            # Kept with the report: where the operator chose otherwise, it shows.
            category_suggested=self.suggested,
        )
        if problem is None:
            return data
        errors = [FieldError("occurred_at", problem)]
        try:
            data.validated(self.store.catalog, now)
        except ValidationError as others:
            errors += [e for e in others.errors if e.field != "occurred_at"]
        order = list(self.messages)
        raise ValidationError(sorted(errors, key=lambda e: order.index(e.field)))

    # -- routing ------------------------------------------------------------------------------
    def update_suggestion(self) -> None:
        """Ask the keyword rules (offline, well under a millisecond) about what is typed."""
        from posko.catalog import default_catalog
        from posko.routing import default_router

        title, description = self.title.text().strip(), self.description.toPlainText().strip()
        router = default_router()
        found = (
            router.route(description, title=title, offered=self._offered_codes)
            if title or description
            else None
        )
        if found is None or not found.why:
            self.suggested = None
            self.suggestion.clear()
            self.use_suggestion.hide()
            return
        category = default_catalog().get(found.category)
        self.suggested = found.category
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
    # The form edits one draft at a time (``draft_id``). Every other draft waiting is offered
    # in the banner and is only ever touched by the operator's restore or discard of it.
    def _schedule_draft(self, *_args: object) -> None:
        if not self._loading:
            self._dirty = True
            self._draft_timer.start()

    def save_draft(self) -> None:
        """Write the typing to the form's own draft; a blank form keeps none."""
        from uuid import uuid4

        self._draft_timer.stop()
        self._dirty = False
        if self.editing is not None:
            return
        before = self.draft_id
        try:
            if self.is_blank():
                if self.draft_id is not None:
                    self.store.delete_draft(self.draft_id)
                    self.draft_id = None
            else:
                if self.draft_id is None:
                    self.draft_id = str(uuid4())
                self.store.save_draft(self.draft_id, DRAFT_FORM, self.values())
        except DatabaseDamaged:
            self._rescue_draft()
        except KeyProblem:  # the passphrase not given yet: nowhere to keep it unencrypted
            self._dirty = True  # still the form's alone: saved once the key is given
            self.draft_id = before
            log.warning("the draft waits for the database's key")
            return
        self.draftSaved.emit()

    def flush_draft(self) -> None:
        """Save the typing now if its draft does not hold it yet (before the window closes,
        or before another draft takes the form)."""
        if self._dirty or (self.draft_id is None and not self.is_blank()):
            self.save_draft()

    def _rescue_draft(self) -> None:
        """The database refuses writes (it is damaged): the typing goes to a private file
        beside it, which the recovery puts back as the form's draft."""
        from uuid import uuid4

        profile = getattr(self.store, "profile", None)
        if profile is None or self.is_blank():
            return
        from desktop.store.recover import rescue_draft

        if self.draft_id is None:
            self.draft_id = str(uuid4())
        try:
            rescue_draft(profile, self.draft_id, DRAFT_FORM, self.values())
        except OSError as exc:
            log.error("the draft could not be kept outside the damaged database: %s", exc)

    def offer_draft(self) -> None:
        """Show the banner when other drafts wait: left by an earlier session, or set
        aside by a restore."""
        if self.editing is not None:
            return
        self.offered = [d for d in self.store.drafts(DRAFT_FORM) if d.id != self.draft_id]
        chosen = self._chosen_id()
        blocker = QSignalBlocker(self.draft_choice)
        self.draft_choice.clear()
        for draft in self.offered:
            self.draft_choice.addItem(f"{_draft_name(draft)} · {_when(draft.updated_at)}", draft.id)
        index = self.draft_choice.findData(chosen) if chosen else -1
        self.draft_choice.setCurrentIndex(max(index, 0))
        del blocker
        if not self.offered:
            self.banner.hide()
            return
        several = len(self.offered) > 1
        self.draft_choice.setVisible(several)
        self.draft_choice_label.setVisible(several)
        if several:
            text = _("{n} unsaved reports are waiting. Choose one to restore or discard:").format(
                n=len(self.offered)
            )
        elif self.offered[0].readable:
            text = _(
                "An unsaved report is waiting: “{title}”, last typed {time}. Restore it?"
            ).format(title=_draft_name(self.offered[0]), time=_when(self.offered[0].updated_at))
        else:
            text = _(
                "An unsaved report from {time} cannot be read. It is kept until you discard it."
            ).format(time=_when(self.offered[0].updated_at))
        self.banner_text.setText(text)
        self._update_draft_buttons()
        self.banner.show()

    def _chosen(self) -> DraftRecord | None:
        index = self.draft_choice.currentIndex()
        return self.offered[index] if 0 <= index < len(self.offered) else None

    def _chosen_id(self) -> str | None:
        chosen = self._chosen()
        return chosen.id if chosen else None

    def _update_draft_buttons(self, *_args: object) -> None:
        chosen = self._chosen()
        self.restore_button.setEnabled(chosen is not None and chosen.readable)
        self.discard_button.setEnabled(chosen is not None)

    def restore_draft(self, draft_id: str | None = None) -> None:
        """Put a draft in the form (the one chosen in the banner unless ``draft_id`` is
        given). What the form held is kept first as its own draft, offered in its turn."""
        chosen = draft_id or self._chosen_id()
        if chosen is None:
            return
        if chosen != self.draft_id:
            self.flush_draft()
        content = self.store.load_draft(chosen)
        if content is None:  # unreadable (kept), or gone: show what is there now
            self.offer_draft()
            return
        self.set_values(content)
        self.draft_id = chosen
        self._dirty = False
        self.offer_draft()
        self.title.setFocus()

    def discard_draft(self, draft_id: str | None = None) -> None:
        """Delete an offered draft (the chosen one unless ``draft_id`` is given), once the
        operator confirms: it cannot be brought back."""
        chosen = draft_id or self._chosen_id()
        draft = next((d for d in self.offered if d.id == chosen), None)
        if draft is None:
            return
        question = _("Discard the unsaved report “{title}”? It cannot be brought back.")
        if not _confirm_discard(
            self, _("Discard draft"), question.format(title=_draft_name(draft))
        ):
            return
        self.store.delete_draft(draft.id)
        log.info("a draft was discarded by the operator")
        self.offer_draft()
        if not self.banner.isHidden():
            self.draft_choice.setFocus()

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
            if widget is not None:
                mark_invalid(widget, False)

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
                    mark_invalid(marked, True)
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
        blocker = QSignalBlocker(self)
        # A new report: the categories offered now (a sync may have changed them).
        self.refresh_categories(keep="")
        self.set_values({"type": ComplaintType.PENGADUAN.value})
        del blocker
        self._draft_timer.stop()
        self.clear_errors()
        self.status.clear()  # "please correct the marked fields" speaks of the old typing
        # The report is saved, or the operator threw the typing away: its draft goes too.
        if self.draft_id is not None:
            self.store.delete_draft(self.draft_id)
        self.draft_id = None
        self._dirty = False
        self.focus_first()

    def focus_first(self) -> None:
        """The keyboard on the first field in tab order, the report's type (the chosen one),
        as at the start, on a new report and after a save."""
        chosen = self.selected_type() or ComplaintType.PENGADUAN
        self.type_buttons[chosen].setFocus()

    def clear_after_confirm(self) -> None:
        """Empty the form, once the operator confirms: an explicit discard of its draft."""
        if self.is_blank() or _confirm_discard(
            self, _("Clear form"), _("Throw away what is typed in the form?")
        ):
            self.clear()


def _confirm_discard(parent: QWidget, title: str, question: str) -> bool:
    """Ask before throwing typing away; the buttons say what they do, and a stray Enter or
    Escape keeps everything."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Question, title, question, parent=parent)
    box.setStandardButtons(QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel)
    for button, text in (
        (QMessageBox.StandardButton.Discard, _("Discard")),
        (QMessageBox.StandardButton.Cancel, _("Cancel")),
    ):
        widget = box.button(button)
        assert widget is not None
        widget.setText(text)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Discard


def _draft_name(draft: DraftRecord) -> str:
    if not draft.readable:
        return _("(unreadable draft)")
    return draft.title[:60] or _("(no title)")


def _when(moment: datetime) -> str:
    """The post's time of ``moment``: the hour for today, else with the date."""
    from desktop.when import post_time

    return post_time(moment, short_today=True)
