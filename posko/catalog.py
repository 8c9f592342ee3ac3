"""Complaint categories, loaded from ``assets/categories.json`` (data, editable without code)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from posko.assets import assets_dir
from posko.i18n import current_language


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
        return cls(categories=categories, groups=groups)


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    return Catalog.from_file(assets_dir() / "categories.json")
