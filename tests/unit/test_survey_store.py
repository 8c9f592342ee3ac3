"""SKM questionnaires into the desk's store (a real SQLite file): checked, stored all or
none, never twice, and handed to the outbox as valid wire records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from desktop.domain import ValidationError
from desktop.store.outbox import Outbox
from desktop.store.repo import Store
from desktop.survey.entry import SurveyInput
from posko import wire

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
ALL_FOUR = dict.fromkeys(("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9"), 4)


def response(**changes: object) -> SurveyInput:
    fields: dict[str, object] = {"service_code": "PELABUHAN", "answers": dict(ALL_FOUR)}
    fields.update(changes)
    return SurveyInput(**fields)  # type: ignore[arg-type]


def test_a_questionnaire_is_stored_and_sent(store: Store) -> None:
    given = response(
        sex="P", age_band="26-35", education="SMA", occupation="SWASTA", suggestion=" Toilet "
    )
    assert store.save_survey_responses([given], now=NOW) == 1
    (row,) = store.survey_answers()
    assert row.answers == ALL_FOUR and row.sex == "P" and row.suggestion == "Toilet"
    assert row.created_at == NOW
    (claimed,) = Outbox(store).claim(10, now=NOW)
    sent = wire.parse_any(claimed.payload)
    assert isinstance(sent, wire.SkmResponsePayload)
    assert sent.answers == ALL_FOUR and sent.service_code == "PELABUHAN"
    assert sent.respondent.occupation == "SWASTA" and sent.post_code == "MRK"


def test_a_batch_with_one_bad_questionnaire_stores_none(store: Store) -> None:
    with pytest.raises(ValidationError) as refused:
        store.save_survey_responses(
            [response(), response(answers={"U1": 5}), response(service_code="GEREJA")]
        )
    assert {e.field for e in refused.value.errors} == {"U1"}  # the first bad one explains
    assert store.survey_answers() == []


def test_the_same_questionnaire_is_stored_once(store: Store) -> None:
    once = response(uuid="7d0c7d4e-3a7c-5d6e-9f00-1a2b3c4d5e6f")
    assert store.save_survey_responses([once, once]) == 1
    assert store.save_survey_responses([once]) == 0
    assert len(store.survey_answers()) == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"service_code": ""}, "service_code", "Pilih layanan yang disurvei."),
        ({"answers": {}}, "answers", "Jawab paling sedikit satu pertanyaan."),
        ({"answers": {"U10": 3}}, "U10", "U10 bukan pertanyaan survei ini."),
        ({"answers": {"U4": 0}}, "U4", "Biaya/tarif: jawabannya angka 1 sampai 4."),
        ({"sex": "X"}, "sex", "Jenis kelamin: X bukan salah satu dari L, P."),
        ({"education": "S1"}, "education", "Pendidikan: S1 bukan salah satu dari"),
        ({"suggestion": "a\x07b"}, "suggestion", "karakter kendali"),
        ({"suggestion": "x" * 2001}, "suggestion", "paling banyak 2000 karakter"),
    ],
)
def test_every_field_is_checked_in_indonesian(
    store: Store, changes: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        store.save_survey_responses([response(**changes)])
    assert message in (refused.value.for_field(field) or ""), refused.value.errors
    assert store.survey_answers() == []


def test_answers_are_read_by_day_and_service(store: Store) -> None:
    store.save_survey_responses([response()], now=datetime(2026, 12, 1, 5, tzinfo=UTC))
    store.save_survey_responses(
        [response(service_code="SPBU")], now=datetime(2026, 12, 2, 5, tzinfo=UTC)
    )
    assert len(store.survey_answers()) == 2
    assert [r.service_code for r in store.survey_answers(service_code="SPBU")] == ["SPBU"]
    since = store.survey_answers(date_from=datetime(2026, 12, 2, tzinfo=UTC))
    assert [r.service_code for r in since] == ["SPBU"]
    before = store.survey_answers(date_to=datetime(2026, 12, 2, tzinfo=UTC))
    assert [r.service_code for r in before] == ["PELABUHAN"]


def test_a_post_takes_only_the_services_it_surveys(store: Store) -> None:
    from desktop.survey.entry import services_surveyed

    context = store.require_context()
    store.setup(
        post_code=context.post_code,
        post_name=context.post_name,
        operator=context.operator_name,
        survey_services=["PELABUHAN", "REST-AREA"],
    )
    codes = store.require_context().survey_services
    assert [s.code for s in services_surveyed(codes)] == ["REST-AREA", "PELABUHAN"]
    with pytest.raises(ValidationError) as refused:
        store.save_survey_responses([response(service_code="SPBU")])
    assert refused.value.for_field("service_code") == "SPBU bukan layanan yang disurvei di sini."
    assert store.save_survey_responses([response()]) == 1
    assert len(services_surveyed(())) == len(services_surveyed([])) > 2  # none set: all


def test_one_aggregate_gives_what_scoring_every_row_gives(store: Store) -> None:
    from posko.survey import score, score_totals, skm_2017

    codes = skm_2017().codes
    given = [
        response(answers={"U1": 4, "U2": 2, "U9": 1}),
        response(answers={"U1": 3, "U4": 4}, service_code="SPBU"),
        response(answers=dict(ALL_FOUR)),
    ]
    store.save_survey_responses(given, now=NOW)
    per_service = store.survey_totals(codes=codes)
    assert set(per_service) == {"PELABUHAN", "SPBU"}
    port = score_totals(*per_service["PELABUHAN"])
    assert port == score([given[0].answers, given[2].answers])
    assert port.answered["U4"] == 1 and port.totals["U1"] == 8
    only_fuel = store.survey_totals(codes=codes, service_code="SPBU")
    assert list(only_fuel) == ["SPBU"] and only_fuel["SPBU"][0] == 1
    assert store.survey_totals(codes=codes, date_from=datetime(2027, 1, 1, tzinfo=UTC)) == {}
