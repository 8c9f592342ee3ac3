"""Sample data for training profiles: realistic, valid, varied and reproducible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from desktop.demo import TEMPLATES, demo_complaints
from desktop.domain import ComplaintType
from posko.catalog import default_catalog

NOW = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)


def sample(n: int, seed: int = 1):  # type: ignore[no-untyped-def]
    return list(demo_complaints(n, seed, NOW, default_catalog()))


def test_same_seed_same_data_other_seed_other_data() -> None:
    assert sample(300, 5) == sample(300, 5)
    assert sample(300, 5) != sample(300, 6)


def test_every_item_passes_validation() -> None:
    catalog = default_catalog()
    for item, _created in sample(3000):
        item.validated(catalog, NOW)


def test_every_category_appears_and_mudik_dominates() -> None:
    items = sample(5000)
    codes = [item.category for item, _ in items]
    catalog = default_catalog()
    assert set(codes) == catalog.codes() == set(TEMPLATES)
    mudik = sum(1 for c in codes if (cat := catalog.get(c)) and cat.group == "mudik")
    assert mudik / len(codes) > 0.7


def test_times_are_in_the_past_weeks() -> None:
    for item, created in sample(2000):
        assert created.tzinfo is not None and NOW - timedelta(days=22) <= created <= NOW
        if item.occurred_at is not None:
            assert item.occurred_at <= created


def test_texts_are_varied_and_in_every_register() -> None:
    items = sample(2000)
    descriptions = [item.description for item, _ in items]
    assert len(set(descriptions)) / len(descriptions) > 0.75
    joined = " ".join(descriptions)
    for informal in ("gk ", "tdk", "bgt", "sdh", "yg"):
        assert informal in joined
    assert {item.type for item, _ in items} == set(ComplaintType)


def test_flags_and_contacts_vary() -> None:
    items = [item for item, _ in sample(2000)]
    assert 0.1 < sum(i.anonymous for i in items) / len(items) < 0.3
    assert 0.03 < sum(i.confidential for i in items) / len(items) < 0.2
    assert any(not i.reporter_name and not i.phone for i in items)
    assert any(i.phone.startswith("+62") for i in items)
    assert any("-" in i.phone for i in items)
    assert any(i.email for i in items)


def test_sample_questionnaires_are_valid_varied_and_reproducible() -> None:
    from desktop.demo import demo_survey

    filled = list(demo_survey(500, 3, NOW))
    assert filled == list(demo_survey(500, 3, NOW)) and filled != list(demo_survey(500, 4, NOW))
    for questionnaire in filled:
        questionnaire.validated()
        assert questionnaire.created_at and NOW - timedelta(days=15) <= questionnaire.created_at
    assert len({q.uuid for q in filled}) == 500
    assert {q.service_code for q in demo_survey(50, 3, NOW, ["TERMINAL"])} == {"TERMINAL"}
    assert 50 < sum(1 for q in filled if q.suggestion) < 250
