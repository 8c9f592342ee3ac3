"""Complaint categories, loaded from ``assets/categories.json`` (data, editable without code).

Every category stays valid for the reports that carry it. Which ones are *offered* for a new
report goes by group: a group is offered unless the file says ``"offered_by_default":
false`` (the COVID-19 group, since the pandemic ended), and a coordinator may switch any
group on or off on the central system; the desks learn the switches when they sync. The
fallback category (``LAINNYA``) is always offered: the form and the rules need somewhere
for what fits nowhere else.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from posko.assets import assets_dir
from posko.i18n import current_language

log = logging.getLogger("posko.catalog")


# What fits no other category; always offered. (posko.routing falls back to it too.)
FALLBACK_CATEGORY = "LAINNYA"


@dataclass(frozen=True)
class Category:
    code: str
    group: str
    names: dict[str, str]

    def name(self, language: str | None = None) -> str:
        lang = language or current_language()
        return self.names.get(lang) or self.names["id"]


class CatalogError(ValueError):
    """The categories file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class Catalog:
    categories: tuple[Category, ...]
    groups: dict[str, dict[str, str]]
    # Groups offered for new reports while no coordinator has switched them.
    default_groups: frozenset[str] = field(default=frozenset())

    def offered_groups(self, switches: Mapping[str, bool] | None = None) -> frozenset[str]:
        """The groups offered for new reports: the defaults, with a coordinator's
        ``switches`` (group -> on) applied; a switch for a group this catalog does not
        know is ignored."""
        groups = set(self.default_groups)
        for group, on in (switches or {}).items():
            if group in self.groups:
                (groups.add if on else groups.discard)(group)
        return frozenset(groups)

    def is_offered(self, code: str, groups: frozenset[str] | None = None) -> bool:
        """Whether a new report may be filed under ``code``, with ``groups`` offered (the
        default groups when None). Saved reports keep any known category regardless."""
        category = self.get(code)
        if category is None:
            return False
        offered = self.default_groups if groups is None else groups
        return category.code == FALLBACK_CATEGORY or category.group in offered

    def offered(self, groups: frozenset[str] | None = None) -> list[Category]:
        """The categories for a new report, in the catalog's order (see ``is_offered``)."""
        return [c for c in self.categories if self.is_offered(c.code, groups)]

    def offered_codes(self, groups: frozenset[str] | None = None) -> frozenset[str]:
        return frozenset(c.code for c in self.offered(groups))

    def get(self, code: str) -> Category | None:
        for category in self.categories:
            if category.code == code:
                return category
        return None

    def codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.categories)

    @classmethod
    def from_file(cls, path: Path) -> Catalog:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            groups = {g["code"]: dict(g["name"]) for g in raw["groups"]}
            by_default = {g["code"]: g.get("offered_by_default", True) for g in raw["groups"]}
            if not all(isinstance(v, bool) for v in by_default.values()):
                raise ValueError("offered_by_default must be true or false")
            categories = tuple(
                Category(code=c["code"], group=c["group"], names=dict(c["name"]))
                for c in raw["categories"]
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CatalogError(f"{path}: {exc}") from exc
        seen: set[str] = set()
        for category in categories:
            if category.code in seen:
                raise CatalogError(f"{path}: duplicate category {category.code}")
            if category.group not in groups:
                raise CatalogError(f"{path}: unknown group {category.group}")
            if "id" not in category.names:
                raise CatalogError(f"{path}: {category.code} has no Indonesian name")
            seen.add(category.code)
        if FALLBACK_CATEGORY not in seen:
            raise CatalogError(f"{path}: no fallback category {FALLBACK_CATEGORY}")
        return cls(
            categories=categories,
            groups=groups,
            default_groups=frozenset(g for g, on in by_default.items() if on),
        )


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    return Catalog.from_file(assets_dir() / "categories.json")


def known_switches(raw: object, catalog: Catalog | None = None) -> dict[str, bool]:
    """The switches in ``raw`` (group -> offered, as the central system sends them) for the
    groups ``catalog`` knows; anything else in it is left out."""
    known = (catalog or default_catalog()).groups
    if not isinstance(raw, dict):
        return {}
    return {g: on for g, on in raw.items() if g in known and isinstance(on, bool)}


def read_switches(path: Path | None, catalog: Catalog | None = None) -> dict[str, bool]:
    """The switches a desk saved from its last sync (``{"groups": {group: offered}}``); none
    (the catalog's defaults) when there is no file or it is damaged."""
    if path is None:
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring the saved category groups: %s", exc)
        return {}
    return known_switches(raw.get("groups") if isinstance(raw, dict) else None, catalog)


def offered_groups_in(path: Path | None, catalog: Catalog | None = None) -> frozenset[str]:
    """The groups offered for new reports at a desk whose saved switches are in ``path``."""
    chosen = catalog or default_catalog()
    return chosen.offered_groups(read_switches(path, chosen))
