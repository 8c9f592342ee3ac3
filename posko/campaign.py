"""An outreach campaign and its targets: a name, its days, its posts and how many people it
means to reach (the 2018 outreach: 30,000 across 8 posts in one week). No Qt, no database.

Each post's target for each day is derived from the campaign: the people target spread
evenly over every post and day, the remainder one person at a time to the first (in post
then day order), so the targets always add up to the campaign's. A coordinator may set a
post's day by hand (``Campaign.set_target``); the rest of the target is then spread over
the days and posts not set, so the sum still holds (never below zero).

Kept as JSON (``Campaign.to_json`` / ``from_json``): in the desk's settings today, and the
same text the central system will hand out."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from fractions import Fraction

from posko.i18n import _

MOST_DAYS = 60
MOST_PEOPLE = 10_000_000
_POST = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,15}$")


class CampaignError(ValueError):
    """A campaign that cannot be: the message says why, in the user's language."""


@dataclass(frozen=True)
class Campaign:
    name: str
    start: date
    end: date  # the last day, inclusive
    posts: tuple[str, ...]
    people: int  # the people target of the whole campaign
    set_by_hand: Mapping[tuple[str, date], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > 100:
            raise CampaignError(_("The campaign needs a name (at most 100 characters)."))
        if self.end < self.start or (self.end - self.start).days >= MOST_DAYS:
            raise CampaignError(
                _("The campaign runs from its first day to its last, {n} days at most.").format(
                    n=MOST_DAYS
                )
            )
        if not self.posts or len(set(self.posts)) != len(self.posts):
            raise CampaignError(_("The campaign needs its posts, each once."))
        wrong = [code for code in self.posts if not _POST.match(code)]
        if wrong:
            raise CampaignError(
                _("{codes}: not a post code (capitals, digits and -).").format(
                    codes=", ".join(wrong)
                )
            )
        if not 1 <= self.people <= MOST_PEOPLE:
            raise CampaignError(
                _("The people target is from 1 to {n}.").format(n=f"{MOST_PEOPLE:,}")
            )
        for (post, day), people in self.set_by_hand.items():
            self._check_cell(post, day, people)

    def _check_cell(self, post: str, day: date, people: int) -> None:
        if post not in self.posts:
            raise CampaignError(_("{post} is not a post of this campaign.").format(post=post))
        if not self.start <= day <= self.end:
            raise CampaignError(_("{day} is not a day of this campaign.").format(day=day))
        if not 0 <= people <= MOST_PEOPLE:
            raise CampaignError(_("A day's target is from 0 to {n}.").format(n=f"{MOST_PEOPLE:,}"))

    # -- the days and their targets ---------------------------------------------------------
    def days(self) -> Iterator[date]:
        day = self.start
        while day <= self.end:
            yield day
            day += timedelta(days=1)

    def targets(self) -> dict[tuple[str, date], int]:
        """Every post's target for every day: set by hand, or its share of the rest."""
        cells = [(post, day) for post in self.posts for day in self.days()]
        free = [cell for cell in cells if cell not in self.set_by_hand]
        rest = max(0, self.people - sum(self.set_by_hand.values()))
        share, extra = divmod(rest, len(free)) if free else (0, 0)
        found = {cell: share + (1 if i < extra else 0) for i, cell in enumerate(free)}
        return {cell: self.set_by_hand.get(cell, found.get(cell, 0)) for cell in cells}

    def target(self, post: str, day: date) -> int | None:
        """``post``'s target on ``day``; None when either is not the campaign's."""
        if post not in self.posts or not self.start <= day <= self.end:
            return None
        return self.targets()[(post, day)]

    def set_target(self, post: str, day: date, people: int | None) -> Campaign:
        """This campaign with ``post``'s target on ``day`` set by hand (None: derived
        again)."""
        changed = dict(self.set_by_hand)
        if people is None:
            changed.pop((post, day), None)
        else:
            self._check_cell(post, day, people)
            changed[(post, day)] = people
        return replace(self, set_by_hand=changed)

    # -- as text ----------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(
            {
                "name": self.name,
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
                "posts": list(self.posts),
                "people": self.people,
                "set_by_hand": [
                    {"post": post, "day": day.isoformat(), "people": people}
                    for (post, day), people in sorted(self.set_by_hand.items())
                ],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Campaign:
        try:
            raw = json.loads(text)
            hand = {
                (str(cell["post"]), date.fromisoformat(cell["day"])): int(cell["people"])
                for cell in raw.get("set_by_hand", [])
            }
            return cls(
                name=str(raw["name"]),
                start=date.fromisoformat(raw["start"]),
                end=date.fromisoformat(raw["end"]),
                posts=tuple(str(code) for code in raw["posts"]),
                people=int(raw["people"]),
                set_by_hand=hand,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if isinstance(exc, CampaignError):
                raise
            raise CampaignError(_("The campaign's settings cannot be read.")) from None


def share(reached: int, target: int | None) -> Fraction | None:
    """``reached`` as a share of ``target`` (None without a target, or a target of 0)."""
    return Fraction(reached, target) if target else None


__all__ = ["Campaign", "CampaignError", "share"]
