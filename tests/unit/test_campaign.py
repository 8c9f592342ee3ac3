"""An outreach campaign's targets: derived per post and day so they add up to the campaign's,
set by hand where a coordinator knows better, kept as JSON on a real profile, and refused
with a reason in Indonesian when they cannot be."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.store.repo import Store
from posko.campaign import Campaign, CampaignError, share

POSTS = ("MRK", "CRB", "SMG", "SBY", "SOC", "YOG", "BDG", "JKT")  # the 2018 outreach's 8
WEEK = (date(2026, 3, 14), date(2026, 3, 20))


def mudik(**changes: object) -> Campaign:
    fields: dict[str, object] = {
        "name": "Mudik 2026", "start": WEEK[0], "end": WEEK[1], "posts": POSTS, "people": 30_000,
    }  # fmt: skip
    fields.update(changes)
    return Campaign(**fields)  # type: ignore[arg-type]


def test_the_targets_spread_evenly_and_add_up() -> None:
    campaign = mudik()
    targets = campaign.targets()
    assert len(targets) == 8 * 7 and sum(targets.values()) == 30_000
    assert set(targets.values()) == {535, 536}  # 30,000 / 56 = 535.7
    assert campaign.target("MRK", WEEK[0]) == 536
    assert campaign.target("MRK", WEEK[0] - timedelta(days=1)) is None
    assert campaign.target("BKH", WEEK[0]) is None


def test_a_day_set_by_hand_keeps_the_sum() -> None:
    campaign = mudik().set_target("MRK", date(2026, 3, 17), 2_000)  # the busiest day
    targets = campaign.targets()
    assert targets[("MRK", date(2026, 3, 17))] == 2_000
    assert sum(targets.values()) == 30_000
    assert max(v for k, v in targets.items() if k != ("MRK", date(2026, 3, 17))) == 510
    back = campaign.set_target("MRK", date(2026, 3, 17), None)
    assert back.targets() == mudik().targets()
    greedy = mudik(people=100).set_target("MRK", WEEK[0], 500)  # more than the whole
    assert sum(v for k, v in greedy.targets().items() if k != ("MRK", WEEK[0])) == 0


@given(
    people=st.integers(1, 1_000_000),
    posts=st.integers(1, 8),
    days=st.integers(1, 30),
    hand=st.lists(
        st.tuples(st.integers(0, 7), st.integers(0, 29), st.integers(0, 5000)), max_size=5
    ),
)
def test_targets_always_add_up_when_the_hand_leaves_room(
    people: int, posts: int, days: int, hand: list[tuple[int, int, int]]
) -> None:
    campaign = mudik(people=people, posts=POSTS[:posts], end=WEEK[0] + timedelta(days=days - 1))
    for post, day, value in hand:
        if post < posts and day < days:
            campaign = campaign.set_target(POSTS[post], WEEK[0] + timedelta(days=day), value)
    targets = campaign.targets()
    assert all(value >= 0 for value in targets.values())
    by_hand = sum(campaign.set_by_hand.values())
    if by_hand <= people and len(campaign.set_by_hand) < len(targets):
        assert sum(targets.values()) == people
    spread = [v for k, v in targets.items() if k not in campaign.set_by_hand]
    assert not spread or max(spread) - min(spread) <= 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": " "}, "Kampanye memerlukan nama"),
        ({"end": WEEK[0] - timedelta(days=1)}, "paling lama 60 hari"),
        ({"end": WEEK[0] + timedelta(days=60)}, "paling lama 60 hari"),
        ({"posts": ()}, "masing-masing sekali"),
        ({"posts": ("MRK", "MRK")}, "masing-masing sekali"),
        ({"posts": ("MRK", "x y")}, "x y: bukan kode posko"),
        ({"people": 0}, "Target orang antara 1 dan"),
    ],
)
def test_a_campaign_that_cannot_be_says_why(changes: dict[str, object], message: str) -> None:
    with pytest.raises(CampaignError, match=message):
        mudik(**changes)


def test_a_day_outside_the_campaign_is_refused() -> None:
    with pytest.raises(CampaignError, match="bukan hari kampanye ini"):
        mudik().set_target("MRK", date(2026, 3, 21), 10)
    with pytest.raises(CampaignError, match="BKH bukan posko kampanye ini"):
        mudik().set_target("BKH", WEEK[0], 10)
    with pytest.raises(CampaignError, match="Target satu hari antara 0"):
        mudik().set_target("MRK", WEEK[0], -1)


def test_kept_on_the_desk_as_json(store: Store) -> None:
    assert store.campaign() is None
    campaign = mudik().set_target("MRK", WEEK[1], 900)
    store.set_campaign(campaign)
    assert store.campaign() == campaign
    assert Campaign.from_json(campaign.to_json()) == campaign
    store.set_campaign(None)
    assert store.campaign() is None
    with pytest.raises(CampaignError, match="tidak dapat dibaca"):
        Campaign.from_json('{"name": "x"}')


def test_share_of_a_target() -> None:
    assert share(268, 536) == Fraction(1, 2)
    assert share(10, None) is None and share(10, 0) is None
