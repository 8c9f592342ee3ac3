"""A post's own questions beside the SKM: defined as data by its coordinator, asked after
the nine elements, stored with each response by their own codes, and reported on their own:
never part of the NRR, the IKM or the grade. No Qt, no database.

A definition is a JSON object::

    {"questions": [
      {"code": "TOILET", "kind": "scale", "name": {"id": "Kebersihan toilet", "en": "..."},
       "answers": {"id": ["Kotor", "Kurang bersih", "Bersih", "Sangat bersih"]}},
      {"code": "INFO", "kind": "choice", "name": {"id": "Dari mana Anda tahu posko ini?"},
       "options": [{"code": "SPANDUK", "name": {"id": "Spanduk"}}, ...]},
      {"code": "USUL", "kind": "text", "name": {"id": "Fasilitas apa yang kurang?"}}
    ]}

``scale``: four answers scored 1-4, worst first (as the elements); ``choice``: two to twelve
options by code; ``text``: a line of free text (at most ``TEXT_LIMIT`` characters). Every
question needs its Indonesian name; English is optional. Codes are upper-case letters,
digits and ``_``, and cannot be an element's or a profile question's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from posko.i18n import N_, _, current_language
from posko.survey import SCALE, Option, Survey, round_half_up, skm_2017

KINDS = ("scale", "choice", "text")
_KIND_NAMES = {"scale": N_("scale 1-4"), "choice": N_("choice"), "text": N_("text")}
MOST_QUESTIONS = 10
TEXT_LIMIT = 500
# The paper form's other columns (``desktop.survey.paper``): a question cannot take their name.
RESERVED = ("TANGGAL", "LAYANAN", "JENIS_KELAMIN", "USIA", "PENDIDIKAN", "PEKERJAAN", "SARAN")
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,15}$")
_OPTION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,31}$")

Answer = int | str


class ExtraQuestionsError(ValueError):
    """A definition that cannot be used; ``problems`` says each thing wrong, in the user's
    language."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ExtraQuestion:
    code: str
    kind: str  # one of KINDS
    names: dict[str, str]
    options: tuple[Option, ...] = ()  # scale: "1".."4", worst first; choice: as given

    def name(self, language: str | None = None) -> str:
        return self.names.get(language or current_language()) or self.names["id"]

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)

    def kind_name(self) -> str:
        return _(_KIND_NAMES[self.kind])

    def checked(self, value: object) -> Answer:
        """``value`` as this question stores it, or ``ValueError`` saying why it cannot
        be (in the user's language)."""
        if self.kind == "text":
            if not isinstance(value, str) or len(value.strip()) > TEXT_LIMIT:
                raise ValueError(
                    _("{question}: at most {n} characters.").format(
                        question=self.name(), n=TEXT_LIMIT
                    )
                )
            return " ".join(value.split())
        code = str(value).strip() if isinstance(value, str | int) else ""
        if isinstance(value, bool) or self.option(code) is None:
            raise ValueError(
                _("{question}: {value} is not one of {choices}.").format(
                    question=self.name(),
                    value=value,
                    choices=", ".join(o.code for o in self.options),
                )
            )
        return int(code) if self.kind == "scale" else code


def _names(raw: object) -> dict[str, str] | None:
    if isinstance(raw, str) and raw.strip():
        return {"id": raw.strip()}
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"].strip():
        return None
    return {str(k): str(v).strip() for k, v in raw.items() if isinstance(v, str) and v.strip()}


def _scale_options(raw: object) -> tuple[Option, ...] | None:
    if not isinstance(raw, dict):
        return None
    wording = {str(k): v for k, v in raw.items()}
    if not all(
        isinstance(words, list)
        and len(words) == len(SCALE)
        and all(isinstance(w, str) and w.strip() for w in words)
        for words in wording.values()
    ) or not isinstance(wording.get("id"), list):
        return None
    return tuple(
        Option(str(score), {lang: words[score - 1].strip() for lang, words in wording.items()})
        for score in SCALE
    )


def _choice_options(raw: object) -> tuple[Option, ...] | None:
    if not isinstance(raw, list) or not 2 <= len(raw) <= 12:
        return None
    options = []
    for item in raw:
        names = _names(item.get("name")) if isinstance(item, dict) else None
        code = item.get("code") if isinstance(item, dict) else None
        if names is None or not isinstance(code, str) or not _OPTION.match(code):
            return None
        options.append(Option(code, names))
    if len({o.code for o in options}) != len(options):
        return None
    return tuple(options)


def _question(raw: object, number: int, taken: set[str]) -> tuple[ExtraQuestion | None, str]:
    """The question at ``number`` (1 the first), or None and what is wrong with it."""
    where = _("Question {n}").format(n=number)
    if not isinstance(raw, dict):
        return None, _("{where}: not a question (an object with code, kind and name).").format(
            where=where
        )
    code, kind = raw.get("code"), raw.get("kind")
    if not isinstance(code, str) or not _CODE.match(code):
        return None, _(
            "{where}: the code is 1-16 upper-case letters, digits or _, starting with a letter."
        ).format(where=where)
    where = f"{where} ({code})"
    if code in taken:
        return None, _("{where}: the code is already used.").format(where=where)
    if kind not in KINDS:
        return None, _("{where}: the kind is one of {kinds}.").format(
            where=where, kinds=", ".join(KINDS)
        )
    names = _names(raw.get("name"))
    if names is None:
        return None, _("{where}: the question needs its Indonesian wording (name.id).").format(
            where=where
        )
    options: tuple[Option, ...] | None = ()
    if kind == "scale":
        options = _scale_options(raw.get("answers"))
        if options is None:
            return None, _(
                "{where}: a scale needs its four answers' wording, worst first (answers.id)."
            ).format(where=where)
    elif kind == "choice":
        options = _choice_options(raw.get("options"))
        if options is None:
            return None, _(
                "{where}: a choice needs 2 to 12 options, each with its own code and name."
            ).format(where=where)
    return ExtraQuestion(code, str(kind), names, options or ()), ""


def extra_questions(raw: object, survey: Survey | None = None) -> tuple[ExtraQuestion, ...]:
    """The questions a definition (parsed JSON) holds, or ``ExtraQuestionsError`` naming
    every problem."""
    chosen = survey or skm_2017()
    listed = raw.get("questions") if isinstance(raw, dict) else None
    if not isinstance(listed, list):
        raise ExtraQuestionsError([_('The file needs a "questions" list.')])
    if len(listed) > MOST_QUESTIONS:
        raise ExtraQuestionsError(
            [_("At most {n} questions of the post's own.").format(n=MOST_QUESTIONS)]
        )
    taken = {*chosen.codes, *(q.code.upper() for q in chosen.profile), *RESERVED}
    questions: list[ExtraQuestion] = []
    problems: list[str] = []
    for number, item in enumerate(listed, 1):
        question, problem = _question(item, number, taken)
        if question is None:
            problems.append(problem)
        else:
            questions.append(question)
            taken.add(question.code)
    if problems:
        raise ExtraQuestionsError(problems)
    return tuple(questions)


def from_text(text: str) -> tuple[ExtraQuestion, ...]:
    """The questions of a definition kept as JSON text ("": none)."""
    if not text.strip():
        return ()
    try:
        raw = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", "?")
        raise ExtraQuestionsError(
            [_("Not JSON: {error} (line {line}).").format(error=exc.args[0], line=line)]
        ) from None
    return extra_questions(raw)


def checked_answers(
    questions: Iterable[ExtraQuestion], given: Mapping[str, object]
) -> tuple[dict[str, Answer], dict[str, str]]:
    """The answers to keep (an empty one is no answer) and, by question code, what is
    wrong with the others; an answer to a question the post does not ask is wrong too."""
    by_code = {q.code: q for q in questions}
    clean: dict[str, Answer] = {}
    problems: dict[str, str] = {}
    for code, value in given.items():
        question = by_code.get(code)
        if question is None:
            problems[code] = _("{code} is not a question of this post.").format(code=code)
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            clean[code] = question.checked(value)
        except ValueError as exc:
            problems[code] = str(exc)
    return clean, problems


def figures(
    questions: Iterable[ExtraQuestion], answers: Iterable[Mapping[str, object]]
) -> dict[str, dict[str, object]]:
    """Per question: how many answered and, for a scale, the mean score (two decimals) and
    the count of each score; for a choice the count of each option; for a text, the texts."""
    listed = tuple(questions)
    counts: dict[str, dict[str, int]] = {q.code: {o.code: 0 for o in q.options} for q in listed}
    texts: dict[str, list[str]] = {q.code: [] for q in listed if q.kind == "text"}
    for given in answers:
        for question in listed:
            value = given.get(question.code)
            if value is None or value == "":
                continue
            if question.kind == "text":
                texts[question.code].append(str(value))
            elif str(value) in counts[question.code]:
                counts[question.code][str(value)] += 1
    result: dict[str, dict[str, object]] = {}
    for question in listed:
        entry: dict[str, object] = {"kind": question.kind, "name": question.name()}
        if question.kind == "text":
            entry["answered"] = len(texts[question.code])
            entry["texts"] = texts[question.code]
        else:
            tally = counts[question.code]
            entry["answered"] = sum(tally.values())
            entry["options"] = {o.code: o.name() for o in question.options}
            entry["counts"] = tally
            if question.kind == "scale":
                entry["mean"] = _mean(tally)
        result[question.code] = entry
    return result


def _mean(tally: Mapping[str, int]) -> float | None:
    answered = sum(tally.values())
    if not answered:
        return None
    total = sum(int(score) * n for score, n in tally.items())
    value: Decimal = round_half_up(Fraction(total, answered), 2)
    return float(value)


__all__ = [
    "KINDS",
    "TEXT_LIMIT",
    "Answer",
    "ExtraQuestion",
    "ExtraQuestionsError",
    "checked_answers",
    "extra_questions",
    "figures",
    "from_text",
]
