"""The satisfaction survey (SKM, PermenPANRB No. 14 Tahun 2017): its definition as data and its
scoring, shared by the desk and the central system. No Qt, no database: answers in, figures
out.

The definition (``assets/surveys/skm-2017.json``) holds the nine elements (unsur) by code,
each with its four answers' official wording, the respondent profile's questions and the
grades. Answers are kept by element code (``U1``…``U9``), never by position: the
regulation's element list and its sample questionnaire order U8 and U9 differently.

Scoring, as the regulation sets it:

1. NRR per element: the sum of its scores over the respondents who answered it;
2. each element weighs exactly 1/9 (reports print 0,111; with that, all-4 answers give 99.9);
3. the SKM value (1–4) is the weighted sum of the NRRs, the IKM (25–100) that times 25;
4. the IKM is rounded to two decimals (half up), then graded: A from 88.31, B from 76.61,
   C from 65.00, else D.

The arithmetic is exact (``fractions.Fraction``): a float would round 91.475 down. An element
nobody answered has no NRR; the IKM then weighs the elements that were answered equally,
and says how many those were (``Score.elements_scored``).

The minimum sample is Krejcie & Morgan's, as SKM reports use it: S = λ²NPQ / (d²(N−1) +
λ²PQ) with λ² = 3.841, P = Q = 0.5, d = 0.05, rounded to the nearest whole number (that
reproduces the published table; rounding up does not).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from posko.assets import assets_dir
from posko.i18n import current_language

SCALE = (1, 2, 3, 4)
IKM_FACTOR = 25


class SurveyError(ValueError):
    """A survey definition that cannot be used."""


def _names(raw: object, where: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise SurveyError(f"{where}: needs an Indonesian name")
    return {str(k): str(v) for k, v in raw.items()}


def _pick(names: Mapping[str, str], language: str | None) -> str:
    return names.get(language or current_language()) or names["id"]


@dataclass(frozen=True)
class Element:
    """One element (unsur) of the questionnaire: its code, its name, and the wording of its
    four answers, score 1 first."""

    code: str
    names: dict[str, str]
    answers: dict[str, tuple[str, str, str, str]]

    def name(self, language: str | None = None) -> str:
        return _pick(self.names, language)

    def answer(self, score: int, language: str | None = None) -> str:
        wording = self.answers.get(language or current_language()) or self.answers["id"]
        return wording[score - 1]


@dataclass(frozen=True)
class Option:
    code: str
    names: dict[str, str]

    def name(self, language: str | None = None) -> str:
        return _pick(self.names, language)


@dataclass(frozen=True)
class ProfileQuestion:
    """A question about the respondent (sex, age band, education, occupation): its options
    are data (the official lists are not fixed by the regulation)."""

    code: str
    names: dict[str, str]
    options: tuple[Option, ...]

    def name(self, language: str | None = None) -> str:
        return _pick(self.names, language)

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)


@dataclass(frozen=True)
class Grade:
    letter: str
    from_ikm: Decimal  # the lowest rounded IKM with this grade
    labels: dict[str, str]

    def label(self, language: str | None = None) -> str:
        return _pick(self.labels, language)


@dataclass(frozen=True)
class Survey:
    code: str
    names: dict[str, str]
    elements: tuple[Element, ...]
    profile: tuple[ProfileQuestion, ...]
    grades: tuple[Grade, ...]  # best first

    def name(self, language: str | None = None) -> str:
        return _pick(self.names, language)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(e.code for e in self.elements)

    def element(self, code: str) -> Element | None:
        return next((e for e in self.elements if e.code == code), None)

    def question(self, code: str) -> ProfileQuestion | None:
        return next((q for q in self.profile if q.code == code), None)

    def grade(self, ikm: Decimal) -> Grade:
        """The grade of a rounded IKM."""
        for grade in self.grades:
            if ikm >= grade.from_ikm:
                return grade
        return self.grades[-1]

    @classmethod
    def from_data(cls, raw: object, where: str = "survey") -> Survey:
        if not isinstance(raw, dict):
            raise SurveyError(f"{where}: not a survey definition")
        try:
            elements = tuple(
                Element(
                    code=str(e["code"]),
                    names=_names(e["name"], f"{where}: {e['code']}"),
                    answers={
                        str(language): _four(wording, f"{where}: {e['code']} ({language})")
                        for language, wording in e["answers"].items()
                    },
                )
                for e in raw["elements"]
            )
            profile = tuple(
                ProfileQuestion(
                    code=str(q["code"]),
                    names=_names(q["name"], f"{where}: {q['code']}"),
                    options=tuple(
                        Option(str(o["code"]), _names(o["name"], f"{where}: {o['code']}"))
                        for o in q["options"]
                    ),
                )
                for q in raw.get("profile", [])
            )
            grades = tuple(
                Grade(str(g["grade"]), Decimal(str(g["from_ikm"])), _names(g["label"], where))
                for g in raw["grades"]
            )
            survey = cls(str(raw["code"]), _names(raw["name"], where), elements, profile, grades)
        except (KeyError, TypeError, AttributeError, ArithmeticError) as exc:
            raise SurveyError(f"{where}: {exc!r} is missing or malformed") from exc
        codes = survey.codes
        if not codes or len(set(codes)) != len(codes):
            raise SurveyError(f"{where}: element codes must be present and unique")
        if any("id" not in e.answers for e in elements):
            raise SurveyError(f"{where}: every element needs its Indonesian answers")
        if not grades or list(grades) != sorted(grades, key=lambda g: -g.from_ikm):
            raise SurveyError(f"{where}: grades must be given best first")
        return survey

    @classmethod
    def from_file(cls, path: Path) -> Survey:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SurveyError(f"{path}: {exc}") from exc
        return cls.from_data(raw, str(path))


def _four(wording: object, where: str) -> tuple[str, str, str, str]:
    if (
        not isinstance(wording, list)
        or len(wording) != len(SCALE)
        or not all(isinstance(w, str) and w for w in wording)
    ):
        raise SurveyError(f"{where}: needs the four answers' wording, score 1 first")
    return (wording[0], wording[1], wording[2], wording[3])


@lru_cache(maxsize=1)
def skm_2017() -> Survey:
    """The built-in SKM questionnaire of PermenPANRB 14/2017."""
    return Survey.from_file(assets_dir() / "surveys" / "skm-2017.json")


@dataclass(frozen=True)
class Service:
    code: str
    names: dict[str, str]

    def name(self, language: str | None = None) -> str:
        return _pick(self.names, language)


@lru_cache(maxsize=1)
def services() -> tuple[Service, ...]:
    """The services a survey can be about (rest area, terminal, port…); a post offers some."""
    path = assets_dir() / "surveys" / "services.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        listed = tuple(
            Service(str(s["code"]), _names(s["name"], str(path))) for s in raw["services"]
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SurveyError(f"{path}: {exc}") from exc
    if len({s.code for s in listed}) != len(listed):
        raise SurveyError(f"{path}: service codes must be unique")
    return listed


# -- scoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    """The figures of a set of responses (a service, a post, a period: whatever was
    selected). ``nrr`` and ``weighted`` hold the elements someone answered."""

    respondents: int
    totals: dict[str, int]  # element -> sum of its scores
    answered: dict[str, int]  # element -> how many answered it
    nrr: dict[str, Fraction]
    weighted: dict[str, Fraction]  # NRR x the element's weight
    value: Fraction | None  # the SKM value, 1-4 (None: no answers at all)
    ikm: Decimal | None  # 25-100, two decimals
    grade: Grade | None
    elements_scored: int

    def weakest(self, count: int = 3) -> list[str]:
        """The elements with the lowest NRR, weakest first (ties by code)."""
        return sorted(self.nrr, key=lambda code: (self.nrr[code], code))[:count]

    def as_json(self, language: str | None = None) -> dict[str, object]:
        return {
            "respondents": self.respondents,
            "totals": dict(self.totals),
            "answered": dict(self.answered),
            "nrr": {code: _decimal(value, 3) for code, value in self.nrr.items()},
            "weighted_nrr": {code: _decimal(value, 3) for code, value in self.weighted.items()},
            "value": _decimal(self.value, 4) if self.value is not None else None,
            "ikm": float(self.ikm) if self.ikm is not None else None,
            "grade": self.grade.letter if self.grade else None,
            "grade_label": self.grade.label(language) if self.grade else None,
            "elements_scored": self.elements_scored,
        }


def _decimal(value: Fraction, places: int) -> float:
    return float(round_half_up(value, places))


def round_half_up(value: Fraction, places: int = 2) -> Decimal:
    """``value`` to ``places`` decimals, halves away from zero for positive values (the
    reports' rounding: 91.475 is 91.48)."""
    scaled = math.floor(value * Fraction(10) ** places + Fraction(1, 2))
    return Decimal(scaled).scaleb(-places)


def score(responses: Iterable[Mapping[str, int]], survey: Survey | None = None) -> Score:
    """The figures for ``responses``, each the answers of one respondent by element code
    (a skipped element left out). Codes the survey does not have and scores outside 1-4
    are refused (``SurveyError``): they would change the IKM silently."""
    chosen = survey or skm_2017()
    codes = chosen.codes
    totals = dict.fromkeys(codes, 0)
    answered = dict.fromkeys(codes, 0)
    respondents = 0
    for answers in responses:
        respondents += 1
        for code, value in answers.items():
            if code not in totals:
                raise SurveyError(f"{code}: not an element of {chosen.code}")
            if isinstance(value, bool) or value not in SCALE:
                raise SurveyError(f"{code}: {value!r} is not a score from 1 to 4")
            totals[code] += value
            answered[code] += 1
    return score_totals(respondents, totals, answered, chosen)


def score_totals(
    respondents: int,
    totals: Mapping[str, int],
    answered: Mapping[str, int],
    survey: Survey | None = None,
) -> Score:
    """The figures from each element's sum of scores and number of answers (what one SQL
    aggregate gives: see ``Database.survey_totals``), for ``respondents`` questionnaires."""
    chosen = survey or skm_2017()
    codes = chosen.codes
    totals = {code: int(totals.get(code) or 0) for code in codes}
    answered = {code: int(answered.get(code) or 0) for code in codes}
    nrr = {code: Fraction(totals[code], answered[code]) for code in codes if answered[code]}
    if not nrr:
        return Score(respondents, totals, answered, {}, {}, None, None, None, 0)
    weight = Fraction(1, len(nrr))  # 1/9 when every element was answered
    weighted = {code: value * weight for code, value in nrr.items()}
    skm_value = sum(weighted.values(), Fraction(0))
    ikm = round_half_up(skm_value * IKM_FACTOR)
    return Score(
        respondents=respondents,
        totals=totals,
        answered=answered,
        nrr=nrr,
        weighted=weighted,
        value=skm_value,
        ikm=ikm,
        grade=chosen.grade(ikm),
        elements_scored=len(nrr),
    )


def demographics(
    profiles: Iterable[Mapping[str, str]], survey: Survey | None = None
) -> dict[str, dict[str, int]]:
    """How many respondents gave each answer of each profile question (sex, age band…), in
    the definition's order, with ``""`` for those who left it blank."""
    chosen = survey or skm_2017()
    counts = {q.code: {**{o.code: 0 for o in q.options}, "": 0} for q in chosen.profile}
    for profile in profiles:
        for question, tally in counts.items():
            given = profile.get(question, "")
            tally[given if given in tally else ""] += 1
    return counts


# -- sample size ------------------------------------------------------------------------------

_LAMBDA_SQUARED = Fraction("3.841")  # chi-square, 1 degree of freedom, 95 %
_P = _Q = Fraction(1, 2)
_D_SQUARED = Fraction(1, 400)  # d = 0.05


def minimum_sample(population: int) -> int:
    """Krejcie & Morgan's minimum number of respondents for ``population`` service users in
    the period (100 -> 80, 1,000 -> 278, 1,000,000 -> 384)."""
    if population < 1:
        return 0
    n = Fraction(population)
    top = _LAMBDA_SQUARED * n * _P * _Q
    bottom = _D_SQUARED * (n - 1) + _LAMBDA_SQUARED * _P * _Q
    return math.floor(top / bottom + Fraction(1, 2))


@dataclass(frozen=True)
class SampleProgress:
    population: int
    needed: int
    collected: int

    @property
    def missing(self) -> int:
        return max(self.needed - self.collected, 0)

    @property
    def enough(self) -> bool:
        return self.missing == 0


def sample_progress(population: int, collected: int) -> SampleProgress:
    """The minimum sample for ``population`` against the responses ``collected``."""
    return SampleProgress(population, minimum_sample(population), collected)
