"""The SKM survey's desk mode: the operator types a paper or spoken questionnaire in.

Every question is a small key box (``KeyChoice``) that takes its answer from one or two keys
and hands the keyboard to the next question:

- the nine elements: a digit 1-4 (the answer's score, shown next to its wording);
- the profile: the option's number (1, 2, …, shown next to it), or the first letters of its
  code (``L``/``P``, ``SD``, ``SMA``, ``S2``, ``PN``…), chosen as soon as one option fits;
- Backspace, Delete, Space or 0 clear a box; Tab leaves it as it is (a skipped question).

Ctrl+Enter (or Alt+A, "Save answers") saves; the profile and the answers empty, the service
stays, and the keyboard is back on the first profile question. A whole respondent is 14
keys: four profile keys, nine digits and Ctrl+Enter.

What is typed is kept as a draft while it is typed (one draft, ``DRAFT_ID``): a desk that
crashes or is closed mid-questionnaire shows it again on the next start, and the service
chosen last is remembered with it.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QHideEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import ValidationError
from desktop.store.health import DatabaseDamaged
from desktop.survey.entry import SurveyInput, services_surveyed
from desktop.ui.appearance import mark_invalid
from desktop.ui.tasks import TaskHandle, Tasks, shared
from desktop.ui.widgets import (
    FieldMessage,
    heading_label,
    hint_label,
    required,
    save_shortcuts,
)
from desktop.when import shown_zone
from posko.i18n import _, current_language
from posko.survey import Score, Survey, score, skm_2017
from posko.survey_extra import TEXT_LIMIT
from posko.zones import zone

if TYPE_CHECKING:
    from desktop.store.repo import Store

# Keys by their Qt.Key value (comparing ints keeps the Qt namespace's enums out of the
# hot path and matches what QKeyEvent.key() returns).
_CLEAR_KEYS = {0x01000003, 0x01000007, 0x20, 0x30}  # Backspace, Delete, Space, 0

# The questionnaire being typed, kept as the desk's one survey draft (``Store.save_draft``).
DRAFT_ID = "survey-desk"
DRAFT_FORM = "survey"
DRAFT_DELAY_MS = 300  # as the complaint form: a pause in typing, not every key


def _normal(text: str) -> str:
    """A code as it is typed: letters and digits, upper case (``D4-S1`` -> ``D4S1``)."""
    return "".join(c for c in text.upper() if c.isalnum())


class KeyChoice(QLineEdit):
    """One question answered by a key or two. ``choices`` is (code, shown name) in order;
    a digit picks the choice of that number (1 the first); with ``by_letters``, typed
    letters (and digits after a letter: ``S2``) pick the choice whose code starts with
    them, as soon as only one does. A choice made, the keyboard moves to the next field.

    Signals: ``chosen(str)`` with the code (``""`` when cleared)."""

    chosen = Signal(str)

    def __init__(
        self,
        choices: list[tuple[str, str]],
        *,
        by_letters: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.choices = choices
        self.by_letters = by_letters
        self._code = ""
        self._typed = ""  # letters typed so far that fit more than one choice
        self.setReadOnly(True)  # no cursor, no paste: the keys below are the whole input
        self.setMaxLength(40)
        self.options_label = QLabel()
        self.options_label.setWordWrap(True)
        self.options_label.setTextFormat(Qt.TextFormat.RichText)
        self._show()

    # -- value -----------------------------------------------------------------------------
    def code(self) -> str:
        return self._code

    def set_code(self, code: str) -> None:
        self._code = code if any(c == code for c, _n in self.choices) else ""
        self._typed = ""
        self._show()
        self.chosen.emit(self._code)

    def name_of(self, code: str) -> str:
        return next((n for c, n in self.choices if c == code), "")

    # -- keys ------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        text = event.text()
        modifiers = event.modifiers().value  # an int: no Qt namespace needed
        if modifiers & ~0x02000000 & ~0x20000000:  # anything but Shift or the keypad held
            super().keyPressEvent(event)
            return
        if key in _CLEAR_KEYS:
            self.set_code("")
            return
        if len(text) != 1 or not text.isalnum():
            super().keyPressEvent(event)  # Tab, arrows… as a line edit has them
            return
        if text.isdigit() and not self._typed:
            number = int(text)
            if 1 <= number <= len(self.choices):
                self._pick(self.choices[number - 1][0])
            return
        if not self.by_letters:
            return
        typed = self._typed + text.upper()
        fits = [c for c, _n in self.choices if _normal(c).startswith(typed)]
        exact = [c for c in fits if _normal(c) == typed]
        if len(fits) == 1 or (exact and len(fits) == len(exact)):
            self._pick(fits[0])
        elif fits:
            self._typed = typed
            self._show()
        # a key that fits nothing is ignored: what was typed so far stays

    def _pick(self, code: str) -> None:
        self.set_code(code)
        self.focusNextChild()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        if self._typed:  # half-typed letters are not an answer
            self._typed = ""
            self._show()
        super().focusOutEvent(event)

    # -- display ---------------------------------------------------------------------------
    def _show(self) -> None:
        if self._typed:
            self.setText(self._typed + "…")
        elif self._code:
            number = next(i for i, (c, _n) in enumerate(self.choices, 1) if c == self._code)
            self.setText(f"{number}  {self.name_of(self._code)}")
        else:
            self.setText("")
        parts = []
        for number, (code, name) in enumerate(self.choices, 1):
            part = f"{number} {name}"
            if self.by_letters and not _normal(name).startswith(_normal(code)):
                part += f" ({code})"
            part = _escape(part).replace(" ", "&nbsp;")  # lines break between options only
            if code == self._code:
                part = f"<b><u>{part}</u></b>"
            parts.append(part)
        self.options_label.setText("&nbsp;· ".join(parts))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SurveyDesk(QWidget):
    """The Survei section. Signals: ``saved(int)`` with today's count of the service after
    a questionnaire is stored (-1: it could not be counted); ``summaryShown(int)`` each
    time today's figures are shown."""

    saved = Signal(int)
    summaryShown = Signal(int)

    def __init__(
        self, store: Store, parent: QWidget | None = None, *, tasks: Tasks | None = None
    ) -> None:
        super().__init__(parent)
        self.tasks = tasks or shared()  # the process's reading worker, as the list's
        self._summing: TaskHandle | None = None
        self._after_save = False
        self.setObjectName("survey_desk")
        self.store = store
        self.survey: Survey = skm_2017()
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        self._build()
        self.restore_draft()
        for box in (*self.profile_boxes.values(), *self.answer_boxes.values()):
            box.chosen.connect(self._draft_timer.start)
        self.suggestion.textChanged.connect(self._draft_timer.start)
        for own in self.extra_boxes.values():
            signal = own.chosen if isinstance(own, KeyChoice) else own.textChanged
            signal.connect(self._draft_timer.start)
        self.service.currentIndexChanged.connect(self._draft_timer.start)
        self.refresh_summary()

    def showEvent(self, event: QShowEvent) -> None:
        self.refresh_summary()  # a new day, or answers imported meanwhile
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        if self._draft_timer.isActive():  # leaving the section: what was typed is kept now
            self.save_draft()
        super().hideEvent(event)

    def _post_services(self) -> tuple[str, ...]:
        """The services this post surveys (``posko setup --survey-services``; none: all)."""
        from desktop.store.health import DatabaseError

        try:
            context = self.store.context()
        except DatabaseError:
            return ()
        return context.survey_services if context is not None else ()

    def _build(self) -> None:
        survey = self.survey
        heading = heading_label(_("Satisfaction survey (SKM)"))
        self.service = QComboBox()
        self.service.setObjectName("survey_service")
        # None chosen at first: a day's answers filed under a service nobody picked would
        # score the wrong one. Then it stays as chosen, respondent after respondent.
        self.service.addItem(_("(choose the service)"), "")
        for service in services_surveyed(self._post_services()):
            self.service.addItem(service.name(), service.code)
        self.service.currentIndexChanged.connect(self.refresh_summary)
        service_label = QLabel(required(_("Ser&vice")))
        service_label.setBuddy(self.service)
        self.summary = QLabel()
        self.summary.setObjectName("survey_summary")
        top = QHBoxLayout()
        top.addWidget(service_label)
        top.addWidget(self.service, 1)
        top.addSpacing(12)
        top.addWidget(self.summary, 2)

        keys_hint = hint_label(
            _(
                "Each question takes one key and moves on: the answer's number (1-4), or "
                "for the respondent the option's number or the first letters of its code "
                "(L or P; SD, SMP, SMA, S2…). Backspace or Space clears, Tab skips. "
                "Ctrl+Enter saves the respondent."
            )
        )
        keys_hint.setObjectName("survey_keys_hint")

        self.messages: dict[str, FieldMessage] = {}
        self._row_labels: list[QLabel] = []
        self.profile_boxes: dict[str, KeyChoice] = {}
        profile = QGroupBox(_("Respondent (optional)"))
        profile_grid = QGridLayout(profile)
        for row, question in enumerate(survey.profile):
            box = KeyChoice([(o.code, o.name()) for o in question.options])
            box.setObjectName(f"survey_{question.code}")
            self.profile_boxes[question.code] = box
            self._add_row(profile_grid, row, question.name(), box, question.code)

        self.answer_boxes: dict[str, KeyChoice] = {}
        elements = QGroupBox(_("Answers (1-4, at least one)"))
        elements_grid = QGridLayout(elements)
        for row, element in enumerate(survey.elements):
            box = KeyChoice([(str(n), element.answer(n)) for n in (1, 2, 3, 4)], by_letters=False)
            box.setObjectName(f"survey_{element.code}")
            self.answer_boxes[element.code] = box
            self._add_row(
                elements_grid, row, f"{element.code}  {element.name()}", box, element.code
            )
        self.messages["answers"] = FieldMessage()
        self.messages["answers"].setObjectName("survey_error_answers")
        own = self._own_questions()
        # The boxes of both groups in one column: as wide as the longest question, up to
        # about 40 characters (a longer one wraps).
        widest = max(
            label.fontMetrics().horizontalAdvance(label.text()) for label in self._row_labels
        )
        limit = self.fontMetrics().averageCharWidth() * 40
        for label in self._row_labels:
            label.setFixedWidth(min(widest, limit))
        elements_grid.addWidget(self.messages["answers"], 2 * len(survey.elements), 0, 1, 3)

        self.suggestion = _TabLeavingText()
        self.suggestion.setObjectName("survey_suggestion")
        self.suggestion.setFixedHeight(self.suggestion.fontMetrics().lineSpacing() * 3 + 16)
        suggestion_label = QLabel(_("Suggestion&s"))
        suggestion_label.setBuddy(self.suggestion)
        self.messages["suggestion"] = FieldMessage()
        self.messages["service_code"] = FieldMessage()
        for name, message in self.messages.items():
            message.setObjectName(f"survey_error_{name}")
        suggestion_form = QFormLayout()
        suggestion_form.addRow(suggestion_label, self.suggestion)
        suggestion_form.addRow("", self.messages["suggestion"])

        self.save_button = QPushButton(_("Save &answers"))
        self.save_button.setObjectName("survey_save")
        self.save_button.setDefault(True)
        self.save_button.setToolTip(_("Ctrl+Enter"))
        self.save_button.clicked.connect(self.submit)
        self.status = QLabel()
        self.status.setObjectName("survey_status")
        self.kiosk_button = QPushButton(_("&Kiosk…"))
        self.kiosk_button.setObjectName("survey_kiosk")
        self.kiosk_button.setToolTip(
            _("The survey full screen on a screen facing the public, for travellers to fill in")
        )
        self.kiosk_button.clicked.connect(self.start_kiosk)
        self.kiosk: QWidget | None = None  # the kiosk while it runs (desktop.ui.kiosk)
        self.standee_button = QPushButton(_("QR for &phones…"))
        self.standee_button.setObjectName("survey_standee")
        self.standee_button.setToolTip(
            _("A sheet with the QR code that opens this survey on a traveller's own phone")
        )
        self.standee_button.clicked.connect(self.make_standee)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.standee_button)
        buttons.addWidget(self.kiosk_button)
        buttons.addWidget(self.save_button)
        save_shortcuts(self, self.submit)

        body = QWidget()
        column = QVBoxLayout(body)
        column.addWidget(keys_hint)
        column.addWidget(profile)
        column.addWidget(elements)
        if own is not None:
            column.addWidget(own)
        column.addLayout(suggestion_form)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(heading)
        outer.addLayout(top)
        outer.addWidget(self.messages["service_code"])
        outer.addWidget(scroll, 1)
        outer.addLayout(buttons)

        order: list[QWidget] = [
            self.service,
            *self.profile_boxes.values(),
            *self.answer_boxes.values(),
            *self.extra_boxes.values(),
            self.suggestion,
            self.save_button,
        ]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    def _own_questions(self) -> QGroupBox | None:
        """The post's own questions (``posko survey questions``), after the elements and
        apart from them: a key box for a scale or a choice, a line for a text."""
        from desktop.store.health import DatabaseError

        self.extra_boxes: dict[str, KeyChoice | QLineEdit] = {}
        try:
            questions = self.store.survey_extra_questions()
        except DatabaseError:
            questions = ()
        if not questions:
            return None
        group = QGroupBox(_("The post's own questions (not in the IKM)"))
        grid = QGridLayout(group)
        for row, question in enumerate(questions):
            box: KeyChoice | QLineEdit
            if question.kind == "text":
                box = QLineEdit()
                box.setMaxLength(TEXT_LIMIT)
            else:
                box = KeyChoice(
                    [(o.code, o.name()) for o in question.options],
                    by_letters=question.kind == "choice",
                )
            box.setObjectName(f"survey_{question.code}")
            self.extra_boxes[question.code] = box
            self._add_row(grid, row, question.name(), box, question.code)
        return group

    def _add_row(
        self, grid: QGridLayout, row: int, title: str, box: KeyChoice | QLineEdit, code: str
    ) -> None:
        label = QLabel(title)
        label.setWordWrap(True)
        box.setAccessibleName(title)
        message = FieldMessage()
        self.messages[code] = message
        grid.addWidget(label, 2 * row, 0)
        if isinstance(box, KeyChoice):
            box.setAccessibleDescription(box.options_label.text())
            box.setMinimumWidth(box.fontMetrics().averageCharWidth() * 24)
            box.setMaximumWidth(box.fontMetrics().averageCharWidth() * 32)
            box.options_label.setProperty("role", "hint")
            grid.addWidget(box, 2 * row, 1)
            grid.addWidget(box.options_label, 2 * row, 2)
        else:
            grid.addWidget(box, 2 * row, 1, 1, 2)
        grid.addWidget(message, 2 * row + 1, 1, 1, 2)
        grid.setColumnStretch(2, 1)
        self._row_labels.append(label)
        grid.setVerticalSpacing(3)

    # -- values ----------------------------------------------------------------------------
    def to_input(self) -> SurveyInput:
        answers = {code: int(box.code()) for code, box in self.answer_boxes.items() if box.code()}
        profile = {code: box.code() for code, box in self.profile_boxes.items()}
        return SurveyInput(
            service_code=self.service.currentData() or "",
            answers=answers,
            sex=profile.get("sex", ""),
            age_band=profile.get("age_band", ""),
            education=profile.get("education", ""),
            occupation=profile.get("occupation", ""),
            suggestion=self.suggestion.toPlainText(),
            extra=self._extra_values(),
        )

    def _extra_values(self) -> dict[str, object]:
        """The post's own questions as answered (a text's line as typed; empty: none)."""
        values: dict[str, object] = {}
        for code, box in self.extra_boxes.items():
            value = box.code() if isinstance(box, KeyChoice) else box.text()
            if value:
                values[code] = value
        return values

    def _field_widget(self, name: str) -> QWidget | None:
        if name == "service_code":
            return self.service
        if name == "suggestion":
            return self.suggestion
        if name == "answers":
            return next(iter(self.answer_boxes.values()))
        return (
            self.answer_boxes.get(name)
            or self.profile_boxes.get(name)
            or self.extra_boxes.get(name)
        )

    def clear_errors(self) -> None:
        for name, message in self.messages.items():
            message.show_message(None)
            widget = self._field_widget(name)
            if widget is not None:
                mark_invalid(widget, False)

    # -- saving ----------------------------------------------------------------------------
    def submit(self) -> bool:
        """Validate and store the questionnaire; on success the answers and the profile
        empty (the service stays) and the keyboard is back on the first profile question."""
        self.clear_errors()
        try:
            self.store.save_survey_responses([self.to_input()])
        except ValidationError as error:
            for item in error.errors:
                message = self.messages.get(item.field)
                if message is not None:
                    message.show_message(item.message)
                widget = self._field_widget(item.field)
                if widget is not None and item.field != "answers":
                    mark_invalid(widget, True)
            widget = self._field_widget(error.errors[0].field)
            if widget is not None:
                widget.setFocus()
            self.status.setText(
                _("Not saved: please correct the marked questions ({n}).").format(
                    n=len(error.errors)
                )
            )
            return False
        except DatabaseDamaged:
            self.status.setText(
                _(
                    "Not saved: the database is damaged. The answers stay on screen; "
                    "recover the database, then save again."
                )
            )
            return False
        self.clear()
        self.save_draft()  # the questionnaire is stored: the draft keeps only the service
        self.status.setText(_("Answers saved."))  # with today's count once it is read
        self._after_save = True
        self.refresh_summary()
        return True

    def clear(self) -> None:
        for box in (*self.profile_boxes.values(), *self.answer_boxes.values()):
            blocker = QSignalBlocker(box)
            box.set_code("")
            del blocker
        for own in self.extra_boxes.values():
            blocker = QSignalBlocker(own)
            if isinstance(own, KeyChoice):
                own.set_code("")
            else:
                own.clear()
            del blocker
        self.suggestion.clear()
        self.clear_errors()
        self.focus_first()

    def focus_first(self) -> None:
        """The keyboard on the first profile question (the service stays as chosen), or on
        the service while none is chosen."""
        if not self.service.currentData():
            self.service.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return
        next(iter(self.profile_boxes.values())).setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- the phones' survey ------------------------------------------------------------------
    def make_standee(self) -> None:
        """The standee sheet for the service chosen here (``desktop.ui.standee_dialog``)."""
        from desktop.store.health import DatabaseError
        from desktop.ui.standee_dialog import open_standee_dialog

        try:
            context = self.store.require_context()
        except DatabaseError as error:
            self.status.setText(str(error))
            return
        open_standee_dialog(self, context, self.service.currentData() or "")

    # -- the kiosk -------------------------------------------------------------------------
    def start_kiosk(self) -> None:
        """Ask where and about what (and the exit PIN, the first time), then show the kiosk
        full screen there; the desk stays usable on its own screen meanwhile."""
        from desktop.ui.kiosk import open_kiosk
        from desktop.ui.kiosk_dialog import KioskDialog

        if self.kiosk is not None:
            self.kiosk.raise_()
            return
        dialog = KioskDialog(
            self.store, self._post_services(), self.service.currentData() or "", self
        )
        if not self.run_dialog(dialog) or dialog.choice is None:
            return
        choice = dialog.choice
        kiosk = open_kiosk(
            self.store,
            choice.pin_hash,
            screen_number=choice.screen,
            service_code=choice.service_code,
            services=self._post_services(),
        )
        kiosk.saved.connect(self.refresh_summary)
        kiosk.finished.connect(self._kiosk_closed)
        self.kiosk = kiosk
        self.kiosk_button.setEnabled(False)
        self.status.setText(_("The kiosk is running; its PIN closes it."))

    def _kiosk_closed(self) -> None:
        kiosk, self.kiosk = self.kiosk, None
        self.kiosk_button.setEnabled(True)
        count = getattr(kiosk, "respondents", 0)
        self.status.setText(_("The kiosk is closed: {n} respondents filled it in.").format(n=count))
        if kiosk is not None:
            kiosk.deleteLater()
        self.refresh_summary()

    def run_dialog(self, dialog: QDialog) -> bool:
        """``dialog`` run to its end (a test replaces this to answer it)."""
        return bool(dialog.exec())

    # -- the draft -------------------------------------------------------------------------
    def draft_content(self) -> dict[str, object]:
        content: dict[str, object] = {
            "service": self.service.currentData() or "",
            "profile": {code: box.code() for code, box in self.profile_boxes.items() if box.code()},
            "answers": {code: box.code() for code, box in self.answer_boxes.items() if box.code()},
            "suggestion": self.suggestion.toPlainText(),
        }
        if self.extra_boxes:  # the post asks its own questions
            content["extra"] = self._extra_values()
        return content

    def save_draft(self) -> None:
        """Keep what is on screen as the survey draft. A database that cannot be written
        leaves the answers on screen: saving them says what is wrong."""
        from desktop.store.health import DatabaseError

        self._draft_timer.stop()
        with suppress(DatabaseError):
            self.store.save_draft(DRAFT_ID, DRAFT_FORM, self.draft_content())

    def restore_draft(self) -> bool:
        """Put the draft back on screen: the service chosen last, and a questionnaire left
        unsaved (True when there was one, and the status says so)."""
        from desktop.store.health import DatabaseError

        try:
            content = self.store.load_draft(DRAFT_ID)
        except DatabaseError:
            return False
        if not isinstance(content, dict):
            return False
        index = self.service.findData(str(content.get("service") or ""))
        if index > 0:
            self.service.setCurrentIndex(index)
        restored = False
        for key, boxes in (("profile", self.profile_boxes), ("answers", self.answer_boxes)):
            given = content.get(key)
            for code, value in given.items() if isinstance(given, dict) else ():
                box = boxes.get(str(code))
                if box is not None:
                    box.set_code(str(value))
                    restored = restored or bool(box.code())
        restored = self._restore_extra(content.get("extra")) or restored
        suggestion = content.get("suggestion")
        if isinstance(suggestion, str) and suggestion:
            self.suggestion.setPlainText(suggestion)
            restored = True
        if restored:
            self.status.setText(
                _("A questionnaire that was not saved is back on screen: check it and save it.")
            )
        return restored

    def _restore_extra(self, given: object) -> bool:
        """The post's own questions' answers of a draft back in their boxes (True: some)."""
        restored = False
        for code, value in given.items() if isinstance(given, dict) else ():
            box = self.extra_boxes.get(str(code))
            if isinstance(box, KeyChoice):
                box.set_code(str(value))
                restored = restored or bool(box.code())
            elif box is not None and isinstance(value, str):
                box.setText(value)
                restored = restored or bool(value)
        return restored

    # -- today's figures -------------------------------------------------------------------
    def _today(self) -> tuple[datetime, datetime]:
        post = zone(shown_zone())
        start = datetime.now(post).replace(hour=0, minute=0, second=0, microsecond=0)
        return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)

    def refresh_summary(self, *_args: object) -> None:
        """Today's respondents of the chosen service, their IKM and grade, read and scored
        in the background (a busy post's thousand rows are 60 ms: not on every save's
        keystroke); a newer request drops an older one's answer. ``summaryShown(n)``
        follows, and after a save the status says how many there are today."""
        if self._summing is not None:
            self._summing.cancel()
            self._summing = None
        code = self.service.currentData() or ""
        if not code:
            self.summary.setText(_("Choose the service to see today's figures."))
            self._after_save = False
            return
        start, end = self._today()
        store = self.store

        def work() -> Score:
            rows = store.survey_answers(date_from=start, date_to=end, service_code=code)
            return score(row.answers for row in rows)

        self._summing = self.tasks.run(self, work, self._show_summary, self._summary_failed)

    def _show_summary(self, figures: Score) -> None:
        self._summing = None
        if figures.ikm is None or figures.grade is None:
            text = _("Today's respondents: {n}.").format(n=figures.respondents)
        else:
            ikm = f"{figures.ikm:.2f}"
            text = _("Today's respondents: {n}, IKM {ikm} (grade {grade}, {label}).").format(
                n=figures.respondents,
                ikm=ikm.replace(".", ",") if current_language() == "id" else ikm,
                grade=figures.grade.letter,
                label=figures.grade.label(),
            )
        self.summary.setText(text)
        if self._after_save:
            self._after_save = False
            self.status.setText(_("Answers saved ({n} today).").format(n=figures.respondents))
            self.saved.emit(figures.respondents)
        self.summaryShown.emit(figures.respondents)

    def _summary_failed(self, _error: BaseException) -> None:
        self._summing = None
        self.summary.setText(_("Today's figures could not be read."))
        if self._after_save:
            self._after_save = False
            self.status.setText(_("Answers saved."))
            self.saved.emit(-1)


class _TabLeavingText(QPlainTextEdit):
    """A multi-line box that Tab and Shift+Tab leave instead of typing a tab."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
