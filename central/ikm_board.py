"""The public IKM board (``/ikm``): the satisfaction index (IKM, PermenPANRB 14/2017) of
each post and each service there, with its grade and the number of respondents.

Only aggregates ever reach the page: one SQL ``GROUP BY`` per post and service
(``CentralStore.skm_totals_by_post``), never a questionnaire's answers, its respondent's
profile or its suggestion. A group with fewer than ``MIN_RESPONDENTS`` questionnaires shows
no figures, so a figure can never be one person's answers (nor can a post's total give a
small group away: it counts only the groups shown). Indonesian by default, English
with ``?lang=en``, as the tracking pages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from central.i18n import pick_language
from central.store import CentralStore, SkmSelection
from central.tracking_page.pages import limited_page, render
from posko.survey import Score, Survey, score_totals, services, skm_2017
from posko.survey_report import Totals, overall

router = APIRouter(tags=["ikm"])

# Fewer questionnaires than this in a group: no figures (they would be one person's).
MIN_RESPONDENTS = 5
POST_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,15}")


@dataclass(frozen=True)
class Figure:
    """One line of the board: a service at a post, or a post as a whole."""

    name: str
    respondents: int
    ikm: str | None  # two decimals; None: too few respondents or no answers
    grade: str | None
    grade_label: str | None


@dataclass(frozen=True)
class PostBoard:
    code: str
    total: Figure
    services: list[Figure]


def _figure(name: str, score: Score, language: str) -> Figure:
    if score.respondents < MIN_RESPONDENTS or score.ikm is None or score.grade is None:
        return Figure(name, score.respondents, None, None, None)
    grade = score.grade
    return Figure(name, score.respondents, f"{score.ikm:.2f}", grade.letter, grade.label(language))


def board(found: Mapping[tuple[str, str], Totals], language: str) -> list[PostBoard]:
    """The posts in code order, each with its services in the catalog's order."""
    survey = skm_2017()
    names = {s.code: s.name(language) for s in services()}
    order = {code: i for i, code in enumerate(names)}
    result = []
    for post in sorted({post for post, _service in found}):
        codes = sorted((s for p, s in found if p == post), key=lambda c: (order.get(c, 99), c))
        scores = [score_totals(*found[(post, code)], survey) for code in codes]
        lines = [
            _figure(names.get(c, c), sc, language) for c, sc in zip(codes, scores, strict=True)
        ]
        result.append(PostBoard(post, _total(post, scores, survey, language), lines))
    return result


def _total(post: str, scores: list[Score], survey: Survey, language: str) -> Figure:
    """A post as a whole, over its services that are scored on the board: a total with a
    group too small to show would give that group's figures away by subtraction."""
    shown = [score for score in scores if score.respondents >= MIN_RESPONDENTS]
    total = _figure(post, overall(shown or scores, survey), language)
    return replace(total, respondents=sum(score.respondents for score in scores))


PostParam = Annotated[str | None, Query(description="Only this post (its code).")]
LangParam = Annotated[
    str | None,
    Query(description="Language: id (default) or en. Anything else falls back to id."),
]


@router.get("/ikm", response_class=HTMLResponse, summary="The public IKM board")
def ikm_board(request: Request, post: PostParam = None, lang: LangParam = None) -> HTMLResponse:
    """IKM, grade and respondents per post and service; never a single questionnaire."""
    language = pick_language(lang)
    other = "en" if language == "id" else "id"
    wanted = (post or "").strip().upper()[:64]
    known = bool(POST_CODE.fullmatch(wanted))
    switch = {"lang": other, **({"post": wanted} if known else {})}
    refused = limited_page(request, language, f"/ikm?{urlencode(switch)}")
    if refused is not None:
        return refused
    store = request.app.state.store
    assert isinstance(store, CentralStore)
    found = store.skm_totals_by_post(SkmSelection(post_code=wanted)) if known or not wanted else {}
    return render(
        "ikm.html",
        language,
        200,
        posts=board(found, language),
        post=wanted if known else "",
        asked=bool(wanted),
        minimum=MIN_RESPONDENTS,
        switch_url=f"/ikm?{urlencode(switch)}",
    )
