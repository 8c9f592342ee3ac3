"""A post's own survey questions: the definition checked as a coordinator writes it (every
problem named, in Indonesian), the answers checked, stored beside the SKM's on a real
profile, sent, and reported apart: the IKM never moves with them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.domain import ValidationError
from desktop.store.outbox import Outbox
from desktop.store.repo import Store
from desktop.survey.entry import SurveyInput
from posko import wire
from posko.survey import score
from posko.survey_extra import (
    ExtraQuestionsError,
    checked_answers,
    extra_questions,
    figures,
    from_text,
)

DEFINITION = (Path(__file__).parent.parent / "data" / "survey-extra.json").read_text()
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
ALL_THREE = dict.fromkeys(("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9"), 3)


def test_the_definition_reads() -> None:
    toilet, info, usul = from_text(DEFINITION)
    assert (toilet.kind, info.kind, usul.kind) == ("scale", "choice", "text")
    assert [o.code for o in toilet.options] == ["1", "2", "3", "4"]
    assert toilet.option("1").name() == "Kotor" and toilet.option("4").name("en") == "Very clean"
    assert [o.code for o in info.options] == ["SPANDUK", "MEDSOS", "PETUGAS"]
    assert usul.name() == "Fasilitas apa yang masih kurang?" and usul.kind_name() == "teks"
    assert from_text("") == () and from_text("  \n") == ()


@pytest.mark.parametrize(
    ("question", "problem"),
    [
        ("[]", "bukan pertanyaan"),
        ('{"code": "U3", "kind": "text", "name": "x"}', "kode ini sudah dipakai"),
        ('{"code": "SARAN", "kind": "text", "name": "x"}', "kode ini sudah dipakai"),
        ('{"code": "toilet", "kind": "text", "name": "x"}', "huruf besar"),
        ('{"code": "A B", "kind": "text", "name": "x"}', "huruf besar"),
        ('{"code": "X", "kind": "slider", "name": "x"}', "scale, choice, text"),
        ('{"code": "X", "kind": "text", "name": {"en": "English only"}}', "name.id"),
        ('{"code": "X", "kind": "scale", "name": "x", "answers": {"id": ["a", "b"]}}', "empat"),
        ('{"code": "X", "kind": "choice", "name": "x", "options": [{"code": "A", "name": "a"}]}',
         "2 sampai 12"),
        ('{"code": "X", "kind": "choice", "name": "x", "options": '
         '[{"code": "A", "name": "a"}, {"code": "A", "name": "b"}]}', "2 sampai 12"),
    ],
)  # fmt: skip
def test_each_problem_of_a_definition_is_named(question: str, problem: str) -> None:
    with pytest.raises(ExtraQuestionsError) as refused:
        extra_questions(json.loads(f'{{"questions": [{question}]}}'))
    (said,) = refused.value.problems
    assert said.startswith("Pertanyaan 1") and problem in said


def test_a_broken_file_says_where() -> None:
    with pytest.raises(ExtraQuestionsError) as refused:
        from_text('{"questions": [\n  {"code": "X",,}\n]}')
    assert refused.value.problems[0].startswith("Bukan JSON:")
    assert "(baris 2)" in refused.value.problems[0]
    with pytest.raises(ExtraQuestionsError):
        from_text('{"pertanyaan": []}')
    too_many = [{"code": f"Q{n}", "kind": "text", "name": "x"} for n in range(11)]
    with pytest.raises(ExtraQuestionsError):
        extra_questions({"questions": too_many})
    twice = [{"code": "Q", "kind": "text", "name": "x"}] * 2
    with pytest.raises(ExtraQuestionsError) as refused:
        extra_questions({"questions": twice})
    assert refused.value.problems == ["Pertanyaan 2 (Q): kode ini sudah dipakai."]


def test_answers_are_checked_against_their_question() -> None:
    asked = from_text(DEFINITION)
    clean, wrong = checked_answers(
        asked, {"TOILET": "4", "INFO": "MEDSOS", "USUL": "  tempat   sampah "}
    )
    assert clean == {"TOILET": 4, "INFO": "MEDSOS", "USUL": "tempat sampah"} and not wrong
    clean, wrong = checked_answers(
        asked, {"TOILET": 5, "INFO": "RADIO", "USUL": "x" * 501, "LAIN": "1", "TOILET2": ""}
    )
    assert clean == {}
    assert wrong["TOILET"] == "Kebersihan toilet: 5 bukan salah satu dari 1, 2, 3, 4."
    assert "SPANDUK, MEDSOS, PETUGAS" in wrong["INFO"]
    assert wrong["USUL"] == "Fasilitas apa yang masih kurang?: paling banyak 500 karakter."
    assert wrong["LAIN"] == "LAIN bukan pertanyaan posko ini."
    assert checked_answers(asked, {"TOILET": True})[1]  # a bool is not a score
    assert checked_answers(asked, {"TOILET": "", "USUL": " "}) == ({}, {})  # skipped


def test_figures_count_and_average_apart() -> None:
    asked = from_text(DEFINITION)
    given = [
        {"TOILET": 4, "INFO": "SPANDUK"},
        {"TOILET": 3, "USUL": "Tempat sampah"},
        {"TOILET": 3, "INFO": "SPANDUK"},
        {},
    ]
    result = figures(asked, given)
    assert result["TOILET"]["answered"] == 3 and result["TOILET"]["mean"] == 3.33
    assert result["TOILET"]["counts"] == {"1": 0, "2": 0, "3": 2, "4": 1}
    assert result["INFO"]["counts"] == {"SPANDUK": 2, "MEDSOS": 0, "PETUGAS": 0}
    assert "mean" not in result["INFO"]
    assert result["USUL"] == {
        "kind": "text", "name": "Fasilitas apa yang masih kurang?", "answered": 1,
        "texts": ["Tempat sampah"],
    }  # fmt: skip
    assert figures(asked, [])["TOILET"]["mean"] is None


def test_stored_beside_the_skm_sent_and_never_scored(store: Store) -> None:
    store.set_survey_extra_questions(DEFINITION)
    plain = SurveyInput(service_code="PELABUHAN", answers=dict(ALL_THREE))
    own = SurveyInput(
        service_code="PELABUHAN",
        answers=dict(ALL_THREE),
        extra={"TOILET": "1", "INFO": "PETUGAS", "USUL": "Mushola"},
    )
    assert store.save_survey_responses([plain, own], now=NOW) == 2
    first, second = store.survey_answers()
    assert first.extra == {} and second.extra == {"TOILET": 1, "INFO": "PETUGAS", "USUL": "Mushola"}
    # The IKM is the nine elements' alone: the post's low toilet score does not touch it.
    assert score(row.answers for row in (first, second)).ikm == 75
    claimed = Outbox(store).claim(10, now=NOW)
    sent = [wire.parse_any(item.payload) for item in claimed]
    assert isinstance(sent[1], wire.SkmResponsePayload)
    assert sent[1].extra == {"TOILET": 1, "INFO": "PETUGAS", "USUL": "Mushola"}
    assert isinstance(sent[0], wire.SkmResponsePayload) and sent[0].extra == {}

    with pytest.raises(ValidationError) as refused:
        store.save_survey_responses(
            [SurveyInput(service_code="PELABUHAN", answers={"U1": 2}, extra={"TOILET": "9"})]
        )
    assert [e.field for e in refused.value.errors] == ["TOILET"]
    assert len(store.survey_answers()) == 2


def test_a_bad_definition_changes_nothing_and_clearing_asks_none(store: Store) -> None:
    store.set_survey_extra_questions(DEFINITION)
    with pytest.raises(ExtraQuestionsError):
        store.set_survey_extra_questions('{"questions": [{"code": "U1"}]}')
    assert [q.code for q in store.survey_extra_questions()] == ["TOILET", "INFO", "USUL"]
    assert store.set_survey_extra_questions("") == ()
    assert store.survey_extra_questions() == ()
    with pytest.raises(ValidationError):  # no longer asked: an answer to it is refused
        store.save_survey_responses(
            [SurveyInput(service_code="PELABUHAN", answers={"U1": 2}, extra={"TOILET": "3"})]
        )


def test_the_wire_refuses_malformed_answers() -> None:
    base = {
        "kind": "skm_response", "uuid": "2b1c3e4f-0000-4000-8000-000000000001",
        "post_code": "MRK", "service_code": "PELABUHAN", "answers": {"U1": 3},
        "created_at": "2026-12-02T03:00:00Z",
    }  # fmt: skip
    assert wire.parse_any({**base, "extra": {"TOILET": 4, "USUL": "Mushola"}})
    for bad in ({"toilet": 4}, {"TOILET": 5}, {"TOILET": True}, {"USUL": "x" * 501},
                {f"Q{n}": 1 for n in range(11)}, {"TOILET": [1]}):  # fmt: skip
        with pytest.raises(wire.RecordError):
            wire.parse_any({**base, "extra": bad})
