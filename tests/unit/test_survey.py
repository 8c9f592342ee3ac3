"""The SKM survey's definition and scoring (``posko.survey``), against the regulation's
wording and the test vectors in the reference notes (PermenPANRB 14/2017; Krejcie & Morgan's
table, ``tests/data/km_table.txt``)."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posko.survey import (
    Survey,
    SurveyError,
    minimum_sample,
    round_half_up,
    sample_progress,
    score,
    services,
    skm_2017,
)

DATA = Path(__file__).resolve().parents[1] / "data"

# The regulation's wording, as in the reference table: code, element, answers 1..4.
OFFICIAL = [
    ("U1", "Persyaratan", ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"]),
    (
        "U2",
        "Sistem, mekanisme, dan prosedur",
        ["Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"],
    ),
    ("U3", "Waktu penyelesaian", ["Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"]),
    ("U4", "Biaya/tarif", ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"]),
    (
        "U5",
        "Produk spesifikasi jenis pelayanan",
        ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
    ),
    (
        "U6",
        "Kompetensi pelaksana",
        ["Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"],
    ),
    (
        "U7",
        "Perilaku pelaksana",
        [
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ],
    ),
    (
        "U8",
        "Penanganan pengaduan, saran dan masukan",
        [
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ],
    ),
    ("U9", "Sarana dan prasarana", ["Buruk", "Cukup", "Baik", "Sangat baik"]),
]


def test_the_elements_and_answers_are_the_regulations_words() -> None:
    survey = skm_2017()
    assert survey.codes == tuple(code for code, _name, _answers in OFFICIAL)
    for code, name, answers in OFFICIAL:
        element = survey.element(code)
        assert element is not None
        assert element.name("id") == name
        assert [element.answer(s, "id") for s in (1, 2, 3, 4)] == answers
        assert all(element.answer(s, "en") for s in (1, 2, 3, 4))  # English available
        assert element.name("en") != name
    assert [g.letter for g in survey.grades] == ["A", "B", "C", "D"]
    assert [g.label("id") for g in survey.grades] == [
        "Sangat Baik",
        "Baik",
        "Kurang Baik",
        "Tidak Baik",
    ]
    sex = survey.question("sex")
    assert sex is not None and [o.code for o in sex.options] == ["L", "P"]
    education = survey.question("education")
    assert education is not None
    assert [o.code for o in education.options] == ["SD", "SMP", "SMA", "D1-D3", "D4-S1", "S2", "S3"]


def test_the_services_surveyed_are_data() -> None:
    codes = [s.code for s in services()]
    assert {"REST-AREA", "TERMINAL", "PELABUHAN", "STASIUN", "SPBU", "POSKES"} <= set(codes)
    assert all(s.name("id") and s.name("en") for s in services())


def every(value: int, respondents: int = 10) -> list[dict[str, int]]:
    return [dict.fromkeys(skm_2017().codes, value) for _ in range(respondents)]


def test_all_fours_is_100_a_and_all_ones_is_25_d() -> None:
    best = score(every(4))
    assert best.ikm == Decimal("100.00") and best.grade is not None and best.grade.letter == "A"
    assert best.value == 4  # exactly: the weight is 1/9, not 0.111 (which gives 99.9)
    assert all(w == Fraction(4, 9) for w in best.weighted.values())
    worst = score(every(1))
    assert worst.ikm == Decimal("25.00") and worst.grade is not None and worst.grade.letter == "D"


def with_totals(totals: list[int], respondents: int) -> list[dict[str, int]]:
    """``respondents`` questionnaires whose element sums are ``totals`` (U1..U9)."""
    rows: list[dict[str, int]] = [{} for _ in range(respondents)]
    for code, total in zip(skm_2017().codes, totals, strict=True):
        base, extra = divmod(total, respondents)
        for i, row in enumerate(rows):
            row[code] = base + (1 if i < extra else 0)
    return rows


def test_the_published_example_scores_91_48_a() -> None:
    """29 respondents, element totals as in a public SKM write-up; its 90.56 is an
    arithmetic slip: 955 / 29 / 9 x 25 = 91.475..., 91.48."""
    totals = [105, 101, 100, 116, 102, 105, 106, 105, 115]
    result = score(with_totals(totals, 29))
    assert result.respondents == 29
    assert [result.totals[c] for c in skm_2017().codes] == totals
    assert result.nrr["U4"] == Fraction(116, 29) == 4
    assert result.ikm == Decimal("91.48")
    assert result.grade is not None and result.grade.letter == "A"
    assert result.grade.label("id") == "Sangat Baik"
    assert result.weakest(1) == ["U3"]  # 100 / 29, the lowest
    assert result.as_json()["ikm"] == 91.48 and result.as_json()["grade"] == "A"


@pytest.mark.parametrize(
    ("mean_nrr", "ikm", "grade"),
    [
        ("3.5324", "88.31", "A"),
        ("3.5320", "88.30", "B"),
        ("3.0644", "76.61", "B"),
        ("3.0640", "76.60", "C"),
        ("2.60", "65.00", "C"),
        ("2.5996", "64.99", "D"),
    ],
)
def test_grades_at_their_boundaries(mean_nrr: str, ikm: str, grade: str) -> None:
    rounded = round_half_up(Fraction(mean_nrr) * 25)
    assert rounded == Decimal(ikm)
    assert skm_2017().grade(rounded).letter == grade


def test_halves_round_up_exactly() -> None:
    assert round_half_up(Fraction(91475, 1000)) == Decimal("91.48")  # a float gives 91.47
    assert round(91.475, 2) == 91.47  # why the scoring does not use floats


def test_answers_are_taken_by_code_not_by_position() -> None:
    in_order = {"U1": 4, "U2": 3, "U3": 2, "U4": 1, "U5": 4, "U6": 3, "U7": 2, "U8": 1, "U9": 4}
    shuffled = dict(reversed(list(in_order.items())))
    assert score([in_order]).nrr == score([shuffled]).nrr
    assert score([in_order]).nrr["U8"] == 1 and score([in_order]).nrr["U9"] == 4


def test_a_skipped_element_counts_only_those_who_answered_it() -> None:
    rows = every(4, 3)
    del rows[0]["U4"]  # one respondent left the cost question blank
    rows[1]["U4"] = 2
    result = score(rows)
    assert result.answered["U4"] == 2 and result.nrr["U4"] == Fraction(6, 2)
    assert result.elements_scored == 9


def test_an_element_nobody_answered_is_left_out_of_the_index() -> None:
    rows = every(4, 5)
    for row in rows:
        del row["U4"]
    result = score(rows)
    assert "U4" not in result.nrr and result.elements_scored == 8
    assert result.ikm == Decimal("100.00")


def test_no_answers_is_no_index() -> None:
    empty = score([])
    assert empty.respondents == 0 and empty.ikm is None and empty.grade is None
    assert empty.as_json()["ikm"] is None


@pytest.mark.parametrize(
    "answers", [{"U10": 3}, {"U1": 5}, {"U1": 0}, {"U1": True}, {"U1": 2.5}, {"u1": 3}]
)
def test_answers_outside_the_instrument_are_refused(answers: dict[str, object]) -> None:
    with pytest.raises(SurveyError):
        score([answers])  # type: ignore[list-item]


def km_table() -> list[tuple[int, int]]:
    rows = []
    for line in (DATA / "km_table.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        for pair in line.split(","):
            population, sample = pair.strip().split("→")
            rows.append((int(population), int(sample)))
    return rows


def test_the_minimum_sample_reproduces_krejcie_and_morgans_table() -> None:
    table = km_table()
    assert len(table) == 90
    assert [minimum_sample(n) for n, _s in table] == [s for _n, s in table]
    assert minimum_sample(0) == 0


def test_the_sample_says_what_is_still_missing() -> None:
    progress = sample_progress(30_000, 250)
    assert (progress.needed, progress.missing, progress.enough) == (379, 129, False)
    assert sample_progress(100, 85).missing == 0 and sample_progress(100, 85).enough


def raw_definition() -> dict[str, object]:
    from posko.assets import assets_dir

    raw = json.loads((assets_dir() / "surveys" / "skm-2017.json").read_text(encoding="utf-8"))
    assert isinstance(raw, dict)
    return raw


@pytest.mark.parametrize(
    "spoil",
    [
        lambda d: d["elements"][0]["answers"]["id"].pop(),  # three answers
        lambda d: d["elements"][1].update(code="U1"),  # a code twice
        lambda d: d["elements"][2]["answers"].pop("id"),  # no Indonesian wording
        lambda d: d["elements"][3]["name"].pop("id"),
        lambda d: d.pop("grades"),
        lambda d: d["grades"].reverse(),  # worst first
        lambda d: d["grades"][0].update(from_ikm="banyak"),
    ],
)
def test_a_bad_definition_is_refused(spoil: object) -> None:
    definition = copy.deepcopy(raw_definition())
    assert callable(spoil)
    spoil(definition)
    with pytest.raises(SurveyError):
        Survey.from_data(definition)


def test_demographics_count_every_option_and_the_blanks() -> None:
    from posko.survey import demographics

    counts = demographics([{"sex": "P", "age_band": "17-25"}, {"sex": "L"}, {"sex": "?"}])
    assert counts["sex"] == {"L": 1, "P": 1, "": 1}
    assert counts["age_band"]["17-25"] == 1 and counts["age_band"][""] == 2
    assert list(counts["education"]) == ["SD", "SMP", "SMA", "D1-D3", "D4-S1", "S2", "S3", ""]


# -- properties ---------------------------------------------------------------------------------


CODES = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")
questionnaires = st.lists(
    st.dictionaries(st.sampled_from(CODES), st.integers(1, 4), min_size=1), min_size=1, max_size=60
)


@settings(max_examples=200, deadline=None)
@given(questionnaires)
def test_the_index_stays_within_25_and_100(rows: list[dict[str, int]]) -> None:
    result = score(rows)
    assert result.ikm is not None and Decimal(25) <= result.ikm <= Decimal(100)
    assert result.grade is not None
    # Each element's NRR divides by those who answered it, not by every respondent.
    for code, nrr in result.nrr.items():
        answered = [row[code] for row in rows if code in row]
        assert nrr == Fraction(sum(answered), len(answered))
        assert 1 <= nrr <= 4


@settings(max_examples=300, deadline=None)
@given(st.integers(2500, 10000), st.integers(2500, 10000))
def test_the_grade_never_falls_as_the_index_rises(low: int, high: int) -> None:
    low, high = sorted((low, high))
    order = "DCBA"
    lower = skm_2017().grade(Decimal(low).scaleb(-2)).letter
    upper = skm_2017().grade(Decimal(high).scaleb(-2)).letter
    assert order.index(lower) <= order.index(upper)


@settings(max_examples=100, deadline=None)
@given(questionnaires, st.randoms(use_true_random=False))
def test_the_order_of_respondents_and_of_answers_changes_nothing(
    rows: list[dict[str, int]], shuffle: object
) -> None:
    import random

    assert isinstance(shuffle, random.Random)
    mixed = [dict(sorted(row.items(), key=lambda _item: shuffle.random())) for row in rows]
    shuffle.shuffle(mixed)
    assert score(mixed).ikm == score(rows).ikm and score(mixed).nrr == score(rows).nrr
