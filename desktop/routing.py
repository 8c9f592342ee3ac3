"""Keyword routing: suggest a report's category and the agency that answers for it, offline,
from its title and description, with the reason ("matched: tol, rest area"). Qt-free.

The rules are data (``assets/routing.json`` for the terms, ``assets/agencies.json`` for the
agencies and each category's default agency), versioned, so the central system can ship new
ones. Text is normalised the way people actually write at a post: lower case, punctuation
and stretched letters ("lamaaa") dropped, common abbreviations and informal spellings
expanded (jln, tdk, gk, bgt, antrian), and Indonesian affixes stripped (mengantre,
antreannya → antre), so a term written once matches its forms. A word of five letters or
more that is one typo away from a known term (pelabuan, stasion) still matches it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from desktop.paths import assets_dir

FALLBACK_CATEGORY = "LAINNYA"
MIN_TYPO_LENGTH = 6
_WORD = re.compile(r"[a-z0-9][a-z0-9\-]*")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_PREFIXES = ("mempe", "memper", "menge", "peng", "meng", "meny", "mem", "men", "pem", "pen",
             "per", "ter", "ber", "me", "di", "ke", "se", "pe")  # fmt: skip
_SUFFIXES = ("nya", "kan", "an", "lah", "kah", "pun", "i")


class RoutingError(ValueError):
    """The rule files are missing or malformed."""


def _stem(word: str) -> str:
    """A light Indonesian stemmer: enough to meet a base word written in the rules, never
    so greedy that a short word disappears."""
    if len(word) <= 4 or not word.isalpha():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 4:
            return word[len(prefix) :]
    return word


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True)
class Suggestion:
    category: str
    agency: str
    why: tuple[str, ...]
    alternatives: tuple[tuple[str, float], ...]
    score: float

    @property
    def confident(self) -> bool:
        return self.score >= 3


@dataclass
class Router:
    version: int
    abbreviations: dict[str, str]
    # term (tuple of normalised words) -> {category: (weight, the term as the rules write it)}
    terms: dict[tuple[str, ...], dict[str, tuple[float, str]]]
    default_agency: dict[str, str]
    agency_rules: list[tuple[str, str, frozenset[tuple[str, ...]]]]
    agency_names: dict[str, dict[str, str]]
    _typo_index: dict[str, str] = field(default_factory=dict)  # deletion variant -> word
    _stems: set[str] = field(default_factory=set)

    @classmethod
    def from_files(cls, rules: Path, agencies: Path) -> Router:
        try:
            raw = json.loads(rules.read_text(encoding="utf-8"))
            raw_agencies = json.loads(agencies.read_text(encoding="utf-8"))
            abbreviations = {str(k): str(v) for k, v in raw["abbreviations"].items()}
            names = {a["code"]: dict(a["name"]) for a in raw_agencies["agencies"]}
            defaults = {str(k): str(v) for k, v in raw_agencies["category_agency"].items()}
            router = cls(int(raw["version"]), abbreviations, {}, defaults, [], names)
            router._build_typo_index(
                [t for words in raw["categories"].values() for t in words]
                + [t for rule in raw["agency_rules"] for t in rule["terms"]]
            )
            for category, words in raw["categories"].items():
                for term, weight in words.items():
                    key = router.normalise_term(term)
                    by_category = router.terms.setdefault(key, {})
                    # Two spellings of one word (tertinggal, ketinggalan) count once.
                    if by_category.get(category, (0.0, ""))[0] < float(weight):
                        by_category[category] = (float(weight), term)
            for rule in raw["agency_rules"]:
                router.agency_rules.append(
                    (
                        rule["category"],
                        rule["agency"],
                        frozenset(router.normalise_term(t) for t in rule["terms"]),
                    )
                )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise RoutingError(f"routing rules: {exc}") from exc
        unknown = [a for a in (*defaults.values(), *(r[1] for r in router.agency_rules))
                   if a not in names]  # fmt: skip
        if unknown:
            raise RoutingError(f"unknown agencies in the rules: {sorted(set(unknown))}")
        router._stems = {word for key in router.terms for word in key} | {
            word for _c, _a, terms in router.agency_rules for key in terms for word in key
        }
        return router

    # -- normalisation -------------------------------------------------------------------

    def _raw_words(self, text: str) -> list[str]:
        lowered = _REPEATS.sub(r"\1", text.lower().replace("’", "'"))
        out: list[str] = []
        for raw in _WORD.findall(lowered):
            raw = raw.strip("-")
            out.extend(self.abbreviations.get(raw, raw).split())
        return out

    def words(self, text: str) -> list[str]:
        """Normalised words: abbreviations expanded, affixes stripped, and a word that is
        unknown but one typo away from a word of the rules taken as that word."""
        out: list[str] = []
        for word in self._raw_words(text):
            stem = _stem(word)
            if stem not in self._stems and len(word) >= 5:
                known = self._correct(word)
                if known is not None:
                    stem = _stem(known)
            out.append(stem)
        return out

    def normalise_term(self, term: str) -> tuple[str, ...]:
        return tuple(_stem(word) for word in self._raw_words(term))

    def _build_typo_index(self, terms: list[str]) -> None:
        for term in terms:
            for word in self._raw_words(term):
                if len(word) >= MIN_TYPO_LENGTH and word.isalpha():
                    self._typo_index.setdefault(word, word)
                    for variant in _deletes(word):
                        self._typo_index.setdefault(variant, word)

    def _correct(self, word: str) -> str | None:
        """The rules' word with one letter missing (pelabuan) or one letter too many
        (stasiunn) in ``word``. A wrong letter is not corrected: in short words it turns
        place names and everyday words into keywords (Tegal → begal, bilang → hilang)."""
        if len(word) < MIN_TYPO_LENGTH:
            return None
        known = self._typo_index.get(word)
        if known is not None and len(known) == len(word) + 1:
            return known
        for variant in _deletes(word):
            if self._typo_index.get(variant) == variant:
                return variant
        return None

    # -- routing -------------------------------------------------------------------------

    def route(self, text: str) -> Suggestion:
        words = self.words(text)
        found: dict[tuple[str, ...], int] = {}
        for size in (1, 2, 3):
            for i in range(len(words) - size + 1):
                found.setdefault(tuple(words[i : i + size]), i)
        scores: dict[str, float] = {}
        why: dict[str, list[str]] = {}
        for key in found:
            for category, (weight, term) in self.terms.get(key, {}).items():
                scores[category] = scores.get(category, 0.0) + weight
                why.setdefault(category, []).append(term)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        if not ranked:
            return Suggestion(
                FALLBACK_CATEGORY,
                self.default_agency.get(FALLBACK_CATEGORY, ""),
                (),
                (),
                0.0,
            )
        category, score = ranked[0]
        agency = self.default_agency.get(category, "")
        for rule_category, rule_agency, terms in self.agency_rules:
            if rule_category == category and any(t in found for t in terms):
                agency = rule_agency
                break
        return Suggestion(
            category=category,
            agency=agency,
            why=tuple(why[category]),
            alternatives=tuple((c, s) for c, s in ranked[1:4]),
            score=score,
        )

    def agency_name(self, code: str, language: str = "id") -> str:
        names = self.agency_names.get(code, {})
        return names.get(language) or names.get("id") or code


@lru_cache(maxsize=1)
def default_router() -> Router:
    return Router.from_files(assets_dir() / "routing.json", assets_dir() / "agencies.json")


def route_many(texts: Iterable[str]) -> list[Suggestion]:
    router = default_router()
    return [router.route(text) for text in texts]
