"""The merchandise a post hands out (``assets/outreach/items.json``): data, not code, so a
new item is a line of that file. No Qt, no storage: the desk and the central system both
read it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from posko.assets import assets_dir
from posko.survey import SurveyError, _names, _pick

# posko.wire's item pattern: what a tally or a stock movement may carry.
ITEM_CODE = r"^[a-z0-9][a-z0-9_]{0,31}$"
PEOPLE_REACHED = "people_reached"
MERCHANDISE = "merchandise"


class ItemsError(ValueError):
    """An item list that cannot be used."""


@dataclass(frozen=True)
class Item:
    """One kind of merchandise: its code, its names by language, the letter that hands one
    out at the desk, and the stock at or under which the desk warns."""

    code: str
    names: dict[str, str]
    key: str
    low_stock: int

    def name(self, language: str | None = None) -> str:
        return _pick(self.names, language)

    def is_low(self, stock: int) -> bool:
        return stock <= self.low_stock


def _item(raw: dict[str, object], where: str) -> Item:
    code, key, low = raw.get("code"), raw.get("key"), raw.get("low_stock")
    if not isinstance(code, str) or not re.match(ITEM_CODE, code):
        raise ItemsError(f"{where}: {code!r} is not an item code ({ITEM_CODE})")
    if not isinstance(key, str) or not re.fullmatch(r"[A-Z]", key):
        raise ItemsError(f"{where}: {code}: key must be one capital letter")
    if isinstance(low, bool) or not isinstance(low, int) or low < 0:
        raise ItemsError(f"{where}: {code}: low_stock must be a whole number, 0 or more")
    try:
        names = _names(raw.get("name"), f"{where}: {code}")
    except SurveyError as exc:
        raise ItemsError(str(exc)) from None
    return Item(code, names, key, low)


def load_items(path: Path) -> tuple[Item, ...]:
    """The items of ``path``, or ``ItemsError`` saying what is wrong."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        listed = tuple(_item(entry, str(path)) for entry in raw["items"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        if isinstance(exc, ItemsError):
            raise
        raise ItemsError(f"{path}: {exc}") from exc
    for attribute in ("code", "key"):
        values = [getattr(item, attribute) for item in listed]
        if len(set(values)) != len(values):
            raise ItemsError(f"{path}: item {attribute}s must be unique")
    return listed


@lru_cache(maxsize=1)
def items() -> tuple[Item, ...]:
    """The merchandise shipped with the program, in the list's order."""
    return load_items(assets_dir() / "outreach" / "items.json")


def item(code: str) -> Item | None:
    return next((i for i in items() if i.code == code), None)
