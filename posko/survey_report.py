"""The SKM report of a selection of questionnaires, as one JSON-ready dictionary: what
``posko survey report --json`` prints on the desk and ``posko-central survey report --json``
prints over every post, and what the XLSX and PDF reports lay out. No Qt, no database: the
figures come from per-service aggregates (one SQL ``GROUP BY`` each side), the grid, profile
and suggestions from the rows.

Keys: ``respondents``, ``nrr`` (by element code), ``weighted_nrr``, ``value``, ``ikm`` (two
decimals), ``grade`` (letter) and ``grade_label`` for the whole selection (``Score.as_json``),
then ``self_filled``, ``services`` (the same figures per service code), ``demographics``,
``grid`` (respondent x element, ``None``: not answered), ``weakest``, ``suggestions``,
``selection`` and, when the number of service users is given, ``sample``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from posko.survey import Score, Survey, demographics, sample_progress, score_totals, skm_2017

# One service's aggregate: respondents, each element's sum of scores, each element's
# number of answers.
Totals = tuple[int, Mapping[str, int], Mapping[str, int]]


class ResponseRow(Protocol):
    """What the report reads of one stored questionnaire (the desk's ``SurveyRow``, the
    central system's rows)."""

    @property
    def answers(self) -> Mapping[str, int]: ...
    @property
    def sex(self) -> str: ...
    @property
    def age_band(self) -> str: ...
    @property
    def education(self) -> str: ...
    @property
    def occupation(self) -> str: ...
    @property
    def suggestion(self) -> str: ...
    @property
    def self_filled(self) -> bool: ...


def overall(scores: Iterable[Score], survey: Survey | None = None) -> Score:
    """The figures of several selections together (every service of a report): sums and
    answer counts add up; the NRRs do not."""
    chosen = survey or skm_2017()
    respondents = 0
    totals = dict.fromkeys(chosen.codes, 0)
    answered = dict.fromkeys(chosen.codes, 0)
    for part in scores:
        respondents += part.respondents
        for code in chosen.codes:
            totals[code] += part.totals[code]
            answered[code] += part.answered[code]
    return score_totals(respondents, totals, answered, chosen)


@dataclass
class _Kept:
    """What the report keeps of the rows as they stream past."""

    grid: list[tuple[int | None, ...]] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    self_filled: int = 0


def _profiles(
    rows: Iterable[ResponseRow], codes: Sequence[str], kept: _Kept
) -> Iterator[dict[str, str]]:
    """Each row's profile answers (for ``demographics``), keeping its grid line and
    suggestion on the way: the rows are read once."""
    for row in rows:
        kept.grid.append(tuple(row.answers.get(code) for code in codes))
        if row.suggestion:
            kept.suggestions.append(row.suggestion)
        kept.self_filled += row.self_filled
        yield {
            "sex": row.sex,
            "age_band": row.age_band,
            "education": row.education,
            "occupation": row.occupation,
        }


def report_figures(
    per_service: Mapping[str, Totals],
    rows: Iterable[ResponseRow],
    *,
    selection: Mapping[str, str | None],
    population: int | None = None,
    survey: Survey | None = None,
    language: str | None = None,
) -> dict[str, object]:
    """The report of a selection. ``per_service``: each service code's aggregate; ``rows``:
    the same selection's questionnaires, oldest first, read once (a generator from the
    store: only the grid's small tuples and the suggestions are kept, not the rows);
    ``selection``: what was asked for (``from``, ``to``, ``service``, ``post``: ``None``
    when not narrowed)."""
    chosen = survey or skm_2017()
    scores = {
        code: score_totals(n, sums, counts, chosen)
        for code, (n, sums, counts) in per_service.items()
    }
    result = overall(scores.values(), chosen)
    figures = result.as_json(language)
    kept = _Kept()
    people = demographics(_profiles(rows, chosen.codes, kept), chosen)
    figures["self_filled"] = kept.self_filled
    figures["services"] = {code: scores[code].as_json(language) for code in sorted(scores)}
    figures["demographics"] = people
    figures["grid"] = kept.grid
    figures["weakest"] = result.weakest(3)
    figures["suggestions"] = kept.suggestions
    figures["selection"] = dict(selection)
    if population is not None:
        progress = sample_progress(population, result.respondents)
        figures["sample"] = {
            "population": progress.population,
            "minimum": progress.needed,
            "collected": progress.collected,
            "missing": progress.missing,
        }
    return figures


__all__ = ["ResponseRow", "Totals", "overall", "report_figures"]
