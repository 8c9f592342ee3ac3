"""One SKM questionnaire as the desk takes it in (typed at the desk, imported from paper, or
filled on the kiosk): checked against the survey's definition before it is stored. No Qt.

Answers are by element code; any element may be skipped, but not all of them (a blank
questionnaire says nothing). The profile's answers are option codes of the definition; the
service is one of the services surveyed (``posko.survey.services``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from desktop.domain import FieldError, ValidationError, check_text
from posko.i18n import _
from posko.survey import SCALE, Service, Survey, services, skm_2017
from posko.survey_extra import Answer, ExtraQuestion, checked_answers

PROFILE_FIELDS = ("sex", "age_band", "education", "occupation")


def services_surveyed(codes: Sequence[str]) -> tuple[Service, ...]:
    """The services a post surveys (``DeskContext.survey_services``; empty: every one), in
    the list's order."""
    return tuple(s for s in services() if not codes or s.code in codes)


@dataclass(frozen=True)
class SurveyInput:
    service_code: str
    answers: dict[str, int]
    sex: str = ""
    age_band: str = ""
    education: str = ""
    occupation: str = ""
    suggestion: str = ""
    self_filled: bool = False
    # The post's own questions' answers by their codes (posko.survey_extra): never scored.
    extra: dict[str, object] = field(default_factory=dict)
    # Set by an import: the response's own identity (the same file imported twice adds
    # nothing) and when it was filled in on paper.
    uuid: str | None = None
    created_at: datetime | None = None

    def validated(
        self,
        survey: Survey | None = None,
        *,
        services_surveyed: Sequence[str] | None = None,
        extra_questions: Sequence[ExtraQuestion] = (),
    ) -> SurveyInput:
        """This input, cleaned, or ``ValidationError`` naming every field that is wrong (an
        answer to one of the post's own questions by that question's code).
        ``services_surveyed``: the post's services (None: every one); ``extra_questions``:
        the post's own questions."""
        chosen = survey or skm_2017()
        errors: list[FieldError] = []
        allowed = {s.code for s in services()}
        if services_surveyed is not None:
            allowed &= set(services_surveyed)
        if self.service_code not in allowed:
            errors.append(
                FieldError(
                    "service_code",
                    _("Choose the service the survey is about.")
                    if not self.service_code
                    else _("{code} is not a service surveyed here.").format(code=self.service_code),
                )
            )
        answers: dict[str, int] = {}
        for code, value in self.answers.items():
            element = chosen.element(code)
            if element is None:
                errors.append(
                    FieldError(
                        code, _("{code} is not a question of this survey.").format(code=code)
                    )
                )
            elif isinstance(value, bool) or value not in SCALE:
                errors.append(
                    FieldError(
                        code,
                        _("{element}: the answer is a number from 1 to 4.").format(
                            element=element.name()
                        ),
                    )
                )
            else:
                answers[code] = value
        if not self.answers:
            errors.append(FieldError("answers", _("Answer at least one question.")))
        profile: dict[str, str] = {}
        for name in PROFILE_FIELDS:
            value = getattr(self, name).strip()
            question = chosen.question(name)
            if value and (question is None or question.option(value) is None):
                label = question.name() if question is not None else name
                known = ", ".join(o.code for o in question.options) if question else ""
                errors.append(
                    FieldError(
                        name,
                        _("{question}: {value} is not one of {choices}.").format(
                            question=label, value=value, choices=known
                        ),
                    )
                )
            profile[name] = value
        extra, wrong = checked_answers(extra_questions, self.extra)
        errors += [FieldError(code, message) for code, message in wrong.items()]
        suggestion = check_text(
            errors,
            "suggestion",
            self.suggestion,
            label=_("Suggestions"),
            required=False,
            multiline=True,
        )
        if errors:
            raise ValidationError(errors)
        return replace(
            self,
            answers=answers,
            suggestion=suggestion,
            extra=dict(extra),
            sex=profile["sex"],
            age_band=profile["age_band"],
            education=profile["education"],
            occupation=profile["occupation"],
        )


@dataclass(frozen=True)
class SurveyRow:
    """A stored questionnaire, as reports and scoring read it."""

    uuid: str
    service_code: str
    answers: dict[str, int]
    sex: str
    age_band: str
    education: str
    occupation: str
    suggestion: str
    self_filled: bool
    created_at: datetime
    extra: dict[str, Answer] = field(default_factory=dict)
