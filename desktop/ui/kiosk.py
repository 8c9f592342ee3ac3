"""The SKM survey's kiosk mode: full screen on a touch screen (or a second monitor) facing
the public, filled in by the travellers themselves.

One question per screen, as the questionnaire orders them: the respondent's profile (each
may be skipped), the nine elements with their official answer wording, then the
suggestions; a tap answers and moves on, "Kembali" goes back to change an answer. The
answers are stored when the respondent sends them (tagged as self-filled) and a thank-you
screen follows; nothing half-filled is ever stored or kept as a draft.

A survey left alone for ``idle_ms`` first asks whether anyone is still there, and
``grace_ms`` later is discarded: the screen is back at the start for the next person, who
never sees the previous one's answers.

The kiosk gives the screen back only to the operator: Esc, the window's close, or the small
button in the corner ask for the exit PIN (``desktop.survey.pin``; wrong PINs wait longer
each time). Touch targets are at least ``TARGET_MM`` tall on the screen's physical size, and
the text is sized to be read from a metre away.

Keys, for a kiosk with a keyboard (and for tests): 1-9 choose the answer of that number,
Backspace goes back, Enter starts or sends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QScreen
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.domain import ValidationError
from desktop.store.health import DatabaseError
from desktop.survey.entry import PROFILE_FIELDS, SurveyInput, services_surveyed
from desktop.survey.pin import PinGuard
from posko.i18n import _
from posko.survey import SCALE, Survey, skm_2017
from posko.survey_extra import TEXT_LIMIT, ExtraQuestion

if TYPE_CHECKING:
    from desktop.store.repo import Store

TARGET_MM = 15.0  # the smallest touch target (buttons' height), on the screen's real size
TEXT_MM = 5.0  # body text's pixel size: legible at a metre
IDLE_MS = 60_000  # no touch this long: "are you still there?"
GRACE_MS = 15_000  # ... and this long after it: the survey is discarded
THANKS_MS = 6_000  # the thank-you screen, before the start is back


def mm_to_px(screen: QScreen | None, mm: float) -> int:
    """``mm`` millimetres on ``screen`` in pixels (96 dpi where the screen does not say)."""
    dpi = screen.physicalDotsPerInch() if screen is not None else 0.0
    if not 40 <= dpi <= 1000:  # unknown, or a projector's nonsense
        dpi = 96.0
    return round(mm / 25.4 * dpi)


@dataclass(frozen=True)
class Step:
    """One question screen: ``code`` is the answer's key (a profile field or an element)."""

    code: str
    question: str
    choices: tuple[tuple[str, str], ...]  # (code, wording), in order


def steps_of(survey: Survey, own: Sequence[ExtraQuestion] = ()) -> tuple[Step, ...]:
    """The question screens: the profile, the elements, then the post's own scale and
    choice questions (its text questions go on the suggestions' screen)."""
    profile = [
        Step(q.code, q.name(), tuple((o.code, o.name()) for o in q.options))
        for q in survey.profile
        if q.code in PROFILE_FIELDS
    ]
    elements = [
        Step(e.code, e.name(), tuple((str(n), e.answer(n)) for n in SCALE)) for e in survey.elements
    ]
    extra = [
        Step(q.code, q.name(), tuple((o.code, o.name()) for o in q.options))
        for q in own
        if q.kind != "text"
    ]
    return (*profile, *elements, *extra)


class _ChoicePage(QWidget):
    """One question: its wording and one large button per answer (checked: the answer
    given, when the respondent comes back to it)."""

    def __init__(self, step: Step, lead: str, target: int) -> None:
        super().__init__()
        self.step = step
        self.setObjectName(f"kiosk_page_{step.code}")
        lead_label = QLabel(lead)
        lead_label.setProperty("role", "hint")  # the theme's hint colour, at AA contrast
        lead_label.setWordWrap(True)
        question = QLabel(step.question)
        question.setProperty("kiosk", "question")
        question.setWordWrap(True)
        self.group = QButtonGroup(self)
        self.group.setExclusive(False)  # unchecking happens when the answer is skipped
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setSpacing(target // 4)
        columns = 1 if len(step.choices) <= 4 else 2
        rows = -(-len(step.choices) // columns)
        for number, (code, wording) in enumerate(step.choices):
            button = _big_button(f"{number + 1}   {wording}", target, f"kiosk_{step.code}_{code}")
            button.setCheckable(True)
            button.setProperty("kiosk", "answer")
            self.group.addButton(button)
            self.buttons[code] = button
            grid.addWidget(button, number % rows, number // rows)
        column = QVBoxLayout(self)
        column.addWidget(lead_label)
        column.addWidget(question)
        column.addSpacing(target // 3)
        column.addLayout(grid)
        column.addStretch(1)

    def show_answer(self, code: str) -> None:
        for choice, button in self.buttons.items():
            button.setChecked(choice == code)


def _big_button(text: str, target: int, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setMinimumHeight(target)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a touch screen: no focus ring, keys below
    return button


class KioskWindow(QWidget):
    """The kiosk, full screen. Signals: ``saved(int)`` with the number of respondents this
    kiosk has stored so far; ``pageShown(str)`` with the page's name (``start``, a question's
    code, ``suggestion``, ``thanks``, ``pin``) each time one is shown; ``discarded()`` when an
    unfinished survey is dropped for inactivity; ``finished()`` when the operator leaves."""

    saved = Signal(int)
    pageShown = Signal(str)
    discarded = Signal()
    finished = Signal()

    def __init__(
        self,
        store: Store,
        pin_hash: str,
        *,
        service_code: str = "",
        services: Sequence[str] = (),
        screen: QScreen | None = None,
        idle_ms: int = IDLE_MS,
        grace_ms: int = GRACE_MS,
        thanks_ms: int = THANKS_MS,
    ) -> None:
        super().__init__(None, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("kiosk")
        self.setWindowTitle(_("Satisfaction survey"))
        self.store = store
        self.guard = PinGuard(pin_hash)
        self.survey = skm_2017()
        try:
            self.own = store.survey_extra_questions()
        except DatabaseError:
            self.own = ()
        self.steps = steps_of(self.survey, self.own)
        offered = services_surveyed(services)
        fixed = [s for s in offered if s.code == service_code]
        self.services = tuple(fixed or offered)
        self.service_code = ""
        self.answers: dict[str, str] = {}
        self.respondents = 0
        self._position = -1  # the step shown (-1: none)
        self._before_pin: QWidget | None = None
        self._unlocked = False
        if screen is not None:
            self.setScreen(screen)
            self.setGeometry(screen.geometry())
        # 15 mm at least; on a large screen a tenth of its height, so a finger finds them
        self.target = max(
            mm_to_px(self.screen(), TARGET_MM), 48, self.screen().size().height() // 11
        )
        self.text_px = max(
            mm_to_px(self.screen(), TEXT_MM), 22, self.screen().size().height() // 32
        )

        self._idle = self._timer(idle_ms, self._still_there)
        self._grace = self._timer(grace_ms, self.discard)
        self._thanks = self._timer(thanks_ms, self.show_start)
        self._pin_wait = self._timer(1000, self._show_pin_wait)
        self._pin_wait.setSingleShot(False)
        self._build()
        self.setStyleSheet(self._style())
        self.show_start()

    def _timer(self, ms: int, slot: object) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(slot)
        return timer

    # -- building ----------------------------------------------------------------------------
    def _style(self) -> str:
        px, radius = self.text_px, self.target // 5
        return f"""
#kiosk, #kiosk QLabel, #kiosk QPushButton, #kiosk QPlainTextEdit, #kiosk QLineEdit {{
    font-size: {px}px; }}
#kiosk QLabel[kiosk="title"] {{ font-size: {round(px * 1.8)}px; font-weight: bold; }}
#kiosk QLabel[kiosk="question"] {{ font-size: {round(px * 1.5)}px; font-weight: bold; }}
#kiosk QPushButton {{ border-radius: {radius}px; padding: 4px {px}px; text-align: left; }}
#kiosk QPushButton[kiosk="answer"]:checked {{
    background: palette(highlight); color: palette(highlighted-text);
    border-color: palette(highlight); font-weight: bold; }}
#kiosk QPushButton[kiosk="go"] {{
    background: palette(highlight); color: palette(highlighted-text); text-align: center; }}
#kiosk QPushButton[kiosk="nav"] {{ text-align: center; }}
"""

    def _build(self) -> None:
        target = self.target
        self.progress = QLabel()
        self.progress.setObjectName("kiosk_progress")
        self.progress.setWordWrap(True)  # the survey's long name: never wider than the screen
        self.operator_button = QPushButton("⚙")
        self.operator_button.setObjectName("kiosk_operator")
        self.operator_button.setToolTip(_("Operator: leave the kiosk"))
        self.operator_button.setAccessibleName(_("Operator: leave the kiosk"))
        self.operator_button.setFixedSize(target, target)
        self.operator_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.operator_button.setProperty("kiosk", "nav")
        self.operator_button.clicked.connect(self.ask_pin)
        top = QHBoxLayout()
        top.addWidget(self.progress, 1)
        top.addWidget(self.operator_button)

        self.still_there = _big_button(
            _("Are you still there? Touch here to go on."), target, "kiosk_still_there"
        )
        self.still_there.setProperty("kiosk", "go")
        self.still_there.clicked.connect(self.activity)
        self.still_there.hide()

        self.pages = QStackedWidget()
        self.start_page = self._start_page()
        self.pages.addWidget(self.start_page)
        self.question_pages: list[_ChoicePage] = []
        for number, step in enumerate(self.steps, 1):
            lead = _("Question {n} of {total}").format(n=number, total=len(self.steps))
            if step.code in PROFILE_FIELDS:
                lead += " · " + _("About you (you may skip it)")
            elif self.survey.element(step.code) is None:  # one of the post's own
                lead += " · " + _("A question of this post")
            else:
                lead += " · " + _("How do you rate this part of the service?")
            page = _ChoicePage(step, lead, target)
            page.group.buttonClicked.connect(self._answered)
            self.question_pages.append(page)
            self.pages.addWidget(page)
        self.suggestion_page = self._suggestion_page()
        self.pages.addWidget(self.suggestion_page)
        self.thanks_page = self._thanks_page()
        self.pages.addWidget(self.thanks_page)
        self.pin_page = self._pin_page()
        self.pages.addWidget(self.pin_page)

        self.back_button = _big_button(_("‹ Back"), target, "kiosk_back")
        self.skip_button = _big_button(_("Skip ›"), target, "kiosk_skip")
        for button, slot in ((self.back_button, self.back), (self.skip_button, self.skip)):
            button.setProperty("kiosk", "nav")
            button.clicked.connect(slot)
        self.navigation = QWidget()
        bottom = QHBoxLayout(self.navigation)
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.addWidget(self.back_button)
        bottom.addStretch(1)
        bottom.addWidget(self.skip_button)

        outer = QVBoxLayout(self)
        margin = target // 2
        outer.setContentsMargins(margin, margin // 2, margin, margin)
        outer.addLayout(top)
        outer.addWidget(self.still_there)
        outer.addWidget(self.pages, 1)
        outer.addWidget(self.navigation)

    def _start_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("kiosk_page_start")
        title = QLabel(_("How satisfied are you with our service?"))
        title.setProperty("kiosk", "title")
        title.setWordWrap(True)
        column = QVBoxLayout(page)
        column.addStretch(1)
        column.addWidget(title)
        column.addWidget(
            _wrapped(
                _(
                    "The public satisfaction survey (SKM): {n} short questions, about two "
                    "minutes. No name, no phone number."
                ).format(n=len(self.survey.elements))
            )
        )
        column.addSpacing(self.target // 2)
        self.start_buttons: dict[str, QPushButton] = {}
        if len(self.services) == 1:
            (service,) = self.services
            column.addWidget(_wrapped(_("About: {service}").format(service=service.name())))
            choices = [(service.code, _("Start the survey"))]
        else:
            column.addWidget(_wrapped(_("Which service would you like to rate?")))
            choices = [(s.code, s.name()) for s in self.services]
        for code, text in choices:
            button = _big_button(text, self.target, f"kiosk_start_{code}")
            button.setProperty("kiosk", "go")
            button.clicked.connect(lambda _c=False, chosen=code: self.begin(chosen))
            self.start_buttons[code] = button
            column.addWidget(button)
        column.addStretch(2)
        return page

    def _suggestion_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("kiosk_page_suggestion")
        question = QLabel(_("Any suggestions for us? (you may leave it empty)"))
        question.setProperty("kiosk", "question")
        question.setWordWrap(True)
        self.suggestion = QPlainTextEdit()
        self.suggestion.setObjectName("kiosk_suggestion")
        self.suggestion.setTabChangesFocus(True)
        self.suggestion.setFixedHeight(self.text_px * 6)
        self.suggestion.textChanged.connect(self.activity)
        self.own_texts: dict[str, QLineEdit] = {}
        column = QVBoxLayout(page)
        for own in self.own:
            if own.kind == "text":
                line = QLineEdit()
                line.setObjectName(f"kiosk_{own.code}")
                line.setMaxLength(TEXT_LIMIT)
                line.setMinimumHeight(self.target)
                line.textChanged.connect(self.activity)
                self.own_texts[own.code] = line
                column.addWidget(_wrapped(own.name()))
                column.addWidget(line)
        self.suggestion_error = QLabel()
        self.suggestion_error.setObjectName("kiosk_error")
        self.suggestion_error.setProperty("role", "error")
        self.suggestion_error.setWordWrap(True)
        self.send_button = _big_button(_("Send my answers"), self.target, "kiosk_send")
        self.send_button.setProperty("kiosk", "go")
        self.send_button.clicked.connect(self.send)
        column.addWidget(question)
        column.addWidget(self.suggestion)
        column.addWidget(self.suggestion_error)
        column.addWidget(self.send_button)
        column.addStretch(1)
        return page

    def _thanks_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("kiosk_page_thanks")
        title = QLabel(_("Thank you!"))
        title.setProperty("kiosk", "title")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        note = _wrapped(_("Your answers help us serve travellers better. Have a safe journey."))
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column = QVBoxLayout(page)
        column.addStretch(1)
        column.addWidget(title)
        column.addWidget(note)
        column.addStretch(1)
        return page

    def _pin_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("kiosk_page_pin")
        title = QLabel(_("Operator PIN"))
        title.setProperty("kiosk", "question")
        self.pin = QLineEdit()
        self.pin.setObjectName("kiosk_pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(12)
        self.pin.setMinimumHeight(self.target)
        self.pin.textChanged.connect(self.activity)
        self.pin.returnPressed.connect(self.check_pin)
        self.pin_message = QLabel()
        self.pin_message.setObjectName("kiosk_pin_message")
        self.pin_message.setProperty("role", "error")
        self.pin_message.setWordWrap(True)
        pad = QGridLayout()
        self.pin_keys: list[QPushButton] = []
        labels = [*"123456789", "⌫", "0", _("OK")]
        for index, label in enumerate(labels):
            button = _big_button(label, self.target, f"kiosk_pin_{index}")
            button.setProperty("kiosk", "nav")
            button.clicked.connect(lambda _c=False, key=label: self._pin_key(key))
            self.pin_keys.append(button)
            pad.addWidget(button, index // 3, index % 3)
        cancel = _big_button(_("Cancel"), self.target, "kiosk_pin_cancel")
        cancel.setProperty("kiosk", "nav")
        cancel.clicked.connect(self.cancel_pin)
        column = QVBoxLayout(page)
        column.addWidget(title)
        column.addWidget(self.pin)
        column.addWidget(self.pin_message)
        column.addLayout(pad)
        column.addWidget(cancel)
        column.addStretch(1)
        return page

    # -- moving through the survey -----------------------------------------------------------
    def _show(self, page: QWidget, name: str) -> None:
        self.pages.setCurrentWidget(page)
        asking = page in self.question_pages or page is self.suggestion_page
        self.navigation.setVisible(asking)
        self.skip_button.setVisible(page is not self.suggestion_page)
        self.progress.setText(self._progress_text(page))
        self.still_there.hide()
        self._grace.stop()
        if asking or page is self.pin_page:
            self._idle.start()
        else:
            self._idle.stop()
        self.pageShown.emit(name)

    def _progress_text(self, page: QWidget) -> str:
        service = next((s for s in self.services if s.code == self.service_code), None)
        if page in (self.start_page, self.pin_page) or service is None:
            return self.survey.name()
        return service.name()

    def show_start(self) -> None:
        self._thanks.stop()
        self.answers = {}
        self.service_code = ""
        self._position = -1
        self.suggestion.clear()
        for line in self.own_texts.values():
            line.clear()
        self.suggestion_error.clear()
        for page in self.question_pages:
            page.show_answer("")
        self._show(self.start_page, "start")

    def begin(self, service_code: str) -> None:
        self.show_start()  # nothing of an earlier respondent comes along
        self.service_code = service_code
        self.go_to(0)

    def go_to(self, position: int) -> None:
        """The step at ``position`` (past the last: the suggestions; before the first: the
        start, and the survey is dropped)."""
        if position < 0:
            self.show_start()
            return
        if position >= len(self.steps):
            self._position = len(self.steps)
            self._show(self.suggestion_page, "suggestion")
            self.suggestion.setFocus()
            return
        self._position = position
        page = self.question_pages[position]
        page.show_answer(self.answers.get(page.step.code, ""))
        self._show(page, page.step.code)

    def choose(self, code: str) -> None:
        """Answer the question shown with choice ``code`` and move on."""
        if not 0 <= self._position < len(self.steps):
            return
        self.answers[self.steps[self._position].code] = code
        self.go_to(self._position + 1)

    def _answered(self, button: QPushButton) -> None:
        page = self.question_pages[self._position]
        code = next(c for c, b in page.buttons.items() if b is button)
        self.activity()
        self.choose(code)

    def skip(self) -> None:
        self.activity()
        if 0 <= self._position < len(self.steps):
            self.answers.pop(self.steps[self._position].code, None)
            self.go_to(self._position + 1)

    def back(self) -> None:
        self.activity()
        self.go_to(self._position - 1)

    def to_input(self) -> SurveyInput:
        elements = {e.code for e in self.survey.elements}
        given = self.answers.get
        own: dict[str, object] = {
            q.code: self.answers[q.code] for q in self.own if q.code in self.answers
        }
        own.update({code: line.text() for code, line in self.own_texts.items() if line.text()})
        return SurveyInput(
            service_code=self.service_code,
            answers={c: int(v) for c, v in self.answers.items() if c in elements},
            sex=given("sex", ""),
            age_band=given("age_band", ""),
            education=given("education", ""),
            occupation=given("occupation", ""),
            suggestion=self.suggestion.toPlainText(),
            self_filled=True,
            extra=own,
        )

    def send(self) -> None:
        """Store the answers (the respondent filled them in: self-filled) and thank them.
        Answers that cannot be stored stay on screen with the reason."""
        self.activity()
        try:
            self.store.save_survey_responses([self.to_input()])
        except ValidationError as error:
            self.suggestion_error.setText(" ".join(item.message for item in error.errors))
            return
        except DatabaseError:
            self.suggestion_error.setText(
                _("Your answers could not be saved. Please ask the officer at the desk.")
            )
            return
        self.respondents += 1
        self.saved.emit(self.respondents)
        self._show(self.thanks_page, "thanks")
        self._thanks.start()

    # -- inactivity --------------------------------------------------------------------------
    def activity(self) -> None:
        """Someone is using the kiosk: the inactivity count starts again."""
        self.still_there.hide()
        self._grace.stop()
        if self.pages.currentWidget() not in (self.start_page, self.thanks_page):
            self._idle.start()

    def _still_there(self) -> None:
        self.still_there.show()
        self._grace.start()

    def discard(self) -> None:
        """The survey left unfinished is dropped, never stored; the start is back."""
        self.show_start()
        self.discarded.emit()

    # -- the operator's exit -----------------------------------------------------------------
    def ask_pin(self) -> None:
        if self.pages.currentWidget() is not self.pin_page:
            self._before_pin = self.pages.currentWidget()
        self.pin.clear()
        self._show_pin_wait()
        self._show(self.pin_page, "pin")
        self.pin.setFocus()

    def cancel_pin(self) -> None:
        self.pin.clear()
        before = self._before_pin
        self._before_pin = None
        if before is None or before is self.start_page or before is self.thanks_page:
            self.show_start()
        elif before is self.suggestion_page:
            self.go_to(len(self.steps))
        else:
            self.go_to(self._position)

    def _pin_key(self, key: str) -> None:
        if key == "⌫":
            self.pin.backspace()
        elif key.isdigit():
            self.pin.insert(key)
        else:
            self.check_pin()

    def check_pin(self) -> None:
        if self.guard.wait_left() > 0:
            self._show_pin_wait()
            return
        if self.guard.attempt(self.pin.text()):
            self._unlocked = True
            self.close()
            return
        self.pin.clear()
        self.pin_message.setText(_("Wrong PIN."))
        self._show_pin_wait()

    def _show_pin_wait(self) -> None:
        """While wrong PINs hold the next try back: the keys are off, and the message
        counts down."""
        left = self.guard.wait_left()
        waiting = left > 0
        for button in self.pin_keys:
            button.setEnabled(not waiting)
        self.pin.setReadOnly(waiting)
        if waiting:
            self.pin_message.setText(
                _("Too many wrong PINs. Try again in {seconds} s.").format(seconds=int(left) + 1)
            )
            if not self._pin_wait.isActive():
                self._pin_wait.start()
        elif self._pin_wait.isActive():  # the wait is over: its countdown goes
            self._pin_wait.stop()
            self.pin_message.clear()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._unlocked:  # Alt+F4, the window manager: the operator's PIN first
            event.ignore()
            self.ask_pin()
            return
        for timer in (self._idle, self._grace, self._thanks, self._pin_wait):
            timer.stop()
        super().closeEvent(event)
        self.finished.emit()

    # -- keys --------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.activity()
        key, text = event.key(), event.text()
        page = self.pages.currentWidget()
        if key == Qt.Key.Key_Escape:
            if page is self.pin_page:
                self.cancel_pin()
            else:
                self.ask_pin()
        elif isinstance(page, _ChoicePage) and text.isdigit() and text != "0":
            choices = page.step.choices
            if int(text) <= len(choices):
                self.choose(choices[int(text) - 1][0])
        elif isinstance(page, _ChoicePage) and key == Qt.Key.Key_Backspace:
            self.back()
        elif page is self.start_page and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if len(self.services) == 1:
                self.begin(self.services[0].code)
        else:
            super().keyPressEvent(event)


def _wrapped(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def open_kiosk(
    store: Store, pin_hash: str, *, screen_number: int | None = None, **options: object
) -> KioskWindow:
    """The kiosk, shown full screen on screen ``screen_number`` (0 the first; None: the
    primary screen)."""
    screens = QApplication.screens()
    screen = screens[screen_number] if screen_number is not None else None
    kiosk = KioskWindow(store, pin_hash, screen=screen, **options)  # type: ignore[arg-type]
    kiosk.setGeometry(kiosk.screen().geometry())  # full screen without a window manager too
    kiosk.showFullScreen()
    kiosk.raise_()
    kiosk.activateWindow()
    return kiosk


__all__ = ["GRACE_MS", "IDLE_MS", "TARGET_MM", "KioskWindow", "mm_to_px", "open_kiosk"]
