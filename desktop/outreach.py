"""Outreach at the desk (the Penjangkauan section): people reached, merchandise handed out
and stock received, checked before they are stored. No Qt.

Every tap is an append-only event with its own UUID (two laptops at one post never
conflict); a mistaken tap is undone by a compensating event (``TallyRecord.undoes``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from desktop.domain import FieldError, ValidationError, check_text
from posko.i18n import _
from posko.outreach import MERCHANDISE, PEOPLE_REACHED, Item, item, items

MAX_COUNT = 10_000  # posko.wire's bound of one tally
MAX_QUANTITY = 100_000  # posko.wire's bound of one stock movement

__all__ = [
    "MERCHANDISE",
    "PEOPLE_REACHED",
    "Item",
    "OutreachTotals",
    "TallyRecord",
    "checked_count",
    "checked_item",
    "checked_note",
    "items",
]


@dataclass(frozen=True)
class TallyRecord:
    """One stored tap (or its undo): ``item`` is "" for people reached."""

    uuid: str
    counter: str
    item: str
    count: int
    created_at: datetime
    undoes: str | None = None

    def describe(self) -> str:
        """What the tap counted, for the operator ("People reached +5", "Kaus +1")."""
        if self.counter == PEOPLE_REACHED:
            return _("People reached {count:+d}").format(count=self.count)
        known = item(self.item)
        name = known.name() if known is not None else self.item
        return _("{item} handed out {count:+d}").format(item=name, count=self.count)


@dataclass(frozen=True)
class OutreachTotals:
    """A period's figures: people reached and merchandise handed out per item code."""

    people_reached: int = 0
    handed_out: dict[str, int] = field(default_factory=dict)


def checked_count(count: object, *, limit: int = MAX_COUNT, name: str = "count") -> int:
    """A whole number from 1 to ``limit``, or ``ValidationError``."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= limit:
        raise ValidationError(
            [FieldError(name, _("The number must be from 1 to {n}.").format(n=limit))]
        )
    return count


def checked_item(code: str) -> Item:
    """The item of ``code`` from the list (``posko.outreach.items``), or ``ValidationError``."""
    known = item(code)
    if known is None:
        raise ValidationError(
            [
                FieldError(
                    "item",
                    _("Choose an item.")
                    if not code
                    else _("{code} is not an item of this post.").format(code=code),
                )
            ]
        )
    return known


def checked_note(note: str) -> str:
    """A stock movement's note, one line of at most 200 characters, trimmed."""
    errors: list[FieldError] = []
    clean = check_text(errors, "note", note, label=_("Note"), required=False)
    if errors:
        raise ValidationError(errors)
    return clean
