"""Keyword routing: suggest a report's category and the agency that answers for it, offline,
from its title and description, with the reason ("matched: tol, rest area"). Qt-free.

The rules are data (``assets/routing.json`` for the terms, ``assets/agencies.json`` for the
agencies and each category's default agency), versioned: the central system hands a newer
set to the desks when they sync (``router_for`` prefers it). Text is normalised the way
people actually write at a post: lower case, punctuation and stretched letters ("lamaaa")
dropped, common abbreviations and informal spellings expanded (jln, tdk, gk, bgt, antrian).
A base word in the rules matches its affixed forms (antre: mengantre, antreannya); a word the
rules write with its affixes matches only itself, because stripping them often leaves an
everyday word (pertigaan → tiga, three). A word of six letters or more that is one letter
short of, or one letter over, a word of the rules still matches it (pelabuan, stasiunn).

Scoring: each category sums the weights of its terms found, the title's (the first
sentence's) counting more. Terms that only say where (``places``: stasiun, rest area) count
in full only while no category's own terms reach ``PROBLEM_EVIDENCE`` (2, one typical
term); beyond that only a category's strongest place counts, at half weight, so a
pickpocket at a station is a police matter.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from posko.assets import assets_dir

log = logging.getLogger("posko.routing")

FALLBACK_CATEGORY = "LAINNYA"
MAX_VERSION = 1_000_000_000  # as the sync protocol's RulesResponse allows
MAX_WEIGHT = 100.0
MIN_TYPO_LENGTH = 6
# The title (the text's first sentence; the form joins title and description so) names the
# problem more often than the description's details do: its terms weigh more.
LEAD_WEIGHT = 1.5
# Where a report happened is not what it is about: a pickpocket at a station is a police
# matter. Place terms (``places`` in the rules) count in full only while no category's own
# terms weigh PROBLEM_EVIDENCE (title weighting included); then only a category's strongest
# place term counts, PLACE_WEIGHT times.
PLACE_WEIGHT = 0.5
PROBLEM_EVIDENCE = 2.0
# The end of the first sentence: ". ", "!", "?" or a new line; not the dot of an address
# abbreviation (Jl. Pantura, Km. 57, Kec. Cilacap).
_SENTENCE_END = re.compile(r"[.!?]\s|\n")
_DOTTED = frozenset(
    {"jl", "jln", "km", "no", "kec", "kab", "kel", "ds", "gg", "rt", "rw", "kp", "dk", "dsn",
     "prov", "dr", "st", "pt", "cv", "sdr", "bpk"}
)  # fmt: skip
_LAST_WORD = re.compile(r"(\w+)\.$")
_WORD = re.compile(r"[a-z0-9][a-z0-9\-]*")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_PREFIXES = ("mempe", "memper", "menge", "peng", "meng", "meny", "mem", "men", "pem", "pen",
             "per", "ter", "ber", "me", "di", "ke", "se", "pe")  # fmt: skip
_SUFFIXES = ("nya", "kan", "an", "lah", "kah", "pun", "i")


@lru_cache(maxsize=1)
def everyday_words() -> frozenset[str]:
    """Indonesian root words (``assets/kata-dasar.txt``: the 29,932 of the Sastrawi stemmer's
    dictionary, MIT licence, github.com/har07/sastrawi). A real word is never "corrected"
    into a keyword one letter longer: simpan (keep) is not simpang (a crossroads), langkah
    (a step) not langka (scarce), kontrak not kontak."""
    path = assets_dir() / "kata-dasar.txt"
    try:
        lines = path.read_text(encoding="utf-8").split()
    except OSError as exc:
        raise RoutingError(f"cannot read {path}: {exc}") from exc
    return frozenset(word for word in lines if word.isalpha())


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


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a text, found {value!r}")
    return value


def _split_title(text: str) -> tuple[str, str]:
    """The first sentence of ``text`` (taken as the title) and the rest."""
    for end in _SENTENCE_END.finditer(text):
        word = _LAST_WORD.search(text, 0, end.start() + 1)
        if text[end.start()] == "." and word and word.group(1).lower() in _DOTTED:
            continue
        return text[: end.start() + 1], text[end.end() :]
    return text, ""


def _unclitic(word: str) -> str:
    """``keretanya`` → ``kereta``: the possessive -nya changes no meaning. (-lah, -kah and
    -pun are left alone: taking them off turns sekolah into seko, benarkah into benar.)"""
    if word.endswith("nya") and len(word) - 3 >= 2:
        return word[:-3]
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
    # term (its key, see normalise_term) -> {category: (weight, the term as the rules
    # write it, whether it only says where)}
    terms: dict[tuple[str, ...], dict[str, tuple[float, str, bool]]]
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
        except (OSError, ValueError) as exc:
            raise RoutingError(f"routing rules: {exc}") from exc
        return cls.from_data(raw, raw_agencies)

    @classmethod
    def from_data(cls, raw: Any, raw_agencies: Any) -> Router:
        """The router for parsed rule files (``routing.json``, ``agencies.json``); raises
        RoutingError, naming what is wrong, for anything malformed."""
        try:
            version = raw["version"]
            if not isinstance(version, int) or not 1 <= version <= MAX_VERSION:
                raise ValueError(f"the version must be a whole number from 1 to {MAX_VERSION}")
            abbreviations = {_text(k): _text(v) for k, v in raw["abbreviations"].items()}
            names = {_text(a["code"]): dict(a["name"]) for a in raw_agencies["agencies"]}
            defaults = {_text(k): _text(v) for k, v in raw_agencies["category_agency"].items()}
            router = cls(version, abbreviations, {}, defaults, [], names)
            router._build_typo_index(
                [_text(t) for words in raw["categories"].values() for t in words]
                + [_text(t) for words in raw.get("places", {}).values() for t in words]
                + [_text(t) for rule in raw["agency_rules"] for t in rule["terms"]]
            )
            sections = [(raw["categories"], False), (raw.get("places", {}), True)]
            for section, is_place in sections:
                for category, words in section.items():
                    if category not in raw["categories"]:
                        raise ValueError(f"places name an unknown category {category!r}")
                    for term, weight in words.items():
                        if isinstance(weight, bool) or not isinstance(weight, int | float):
                            raise ValueError(f"the weight of {term!r} is not a number")
                        if not 0 < weight <= MAX_WEIGHT:  # NaN fails this too
                            raise ValueError(f"the weight of {term!r} is not in (0, {MAX_WEIGHT}]")
                        key = router.normalise_term(term)
                        by_category = router.terms.setdefault(key, {})
                        # Two spellings of one word (tertinggal, ketinggalan) count once.
                        if by_category.get(category, (0.0, "", False))[0] < float(weight):
                            by_category[category] = (float(weight), term, is_place)
            for rule in raw["agency_rules"]:
                if rule["category"] not in raw["categories"]:
                    raise ValueError(
                        f"an agency rule names an unknown category {rule['category']!r}"
                    )
                router.agency_rules.append(
                    (
                        _text(rule["category"]),
                        _text(rule["agency"]),
                        frozenset(router.normalise_term(_text(t)) for t in rule["terms"]),
                    )
                )
            unknown = [a for a in (*defaults.values(), *(r[1] for r in router.agency_rules))
                       if a not in names]  # fmt: skip
            if unknown:
                raise ValueError(f"unknown agencies in the rules: {sorted(set(unknown))}")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise RoutingError(f"routing rules: {exc}") from exc
        router._stems = {word[2:] for key in router.terms for word in key} | {
            word[2:] for _c, _a, terms in router.agency_rules for key in terms for word in key
        }
        return router

    # -- normalisation -------------------------------------------------------------------

    def _raw_words(self, text: str) -> list[str]:
        lowered = _REPEATS.sub(r"\1", text.lower().replace("’", "'"))
        out: list[str] = []
        for raw in _WORD.findall(lowered):
            raw = raw.strip("-")
            expanded = self.abbreviations.get(raw)
            if expanded is None and raw != _unclitic(raw):
                expanded = self.abbreviations.get(_unclitic(raw))  # bbmnya, hpnya
            out.extend((expanded or raw).split())
        return out

    def _corrected(self, text: str) -> list[str]:
        out: list[str] = []
        for word in self._raw_words(text):
            bare = _unclitic(word)
            forms = {_stem(word), word, bare, _stem(bare)}
            if not forms & self._stems and not forms & everyday_words() and len(word) >= 5:
                word = self._correct(word) or word
            out.append(word)
        return out

    def forms(self, text: str) -> list[tuple[str, ...]]:
        """The keys each word of ``text`` can match: its stem (for base words in the rules)
        and the word as written (for affixed ones), each with and without -nya."""
        out: list[tuple[str, ...]] = []
        for word in self._corrected(text):
            bare = _unclitic(word)
            forms = dict.fromkeys(
                ("s:" + _stem(word), "s:" + _stem(bare), "w:" + word, "w:" + bare)
            )
            out.append(tuple(forms))
        return out

    def normalise_term(self, term: str) -> tuple[str, ...]:
        """A term's match key. A base word (``antre``) matches every affixed form of it
        (mengantre, antrean); a word the rules write with its affixes (``pertigaan``,
        ``dirumahkan``) matches only itself, because its stem is often another everyday
        word (tiga: three; rumah: house). Either also matches with -nya after it."""
        key = []
        for word in self._raw_words(term):
            stem = _stem(word)
            if stem == word:
                key.append("s:" + stem)
            else:
                key.append("w:" + word)
        return tuple(key)

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

    def route(
        self,
        text: str,
        *,
        title: str | None = None,
        offered: Collection[str] | None = None,
    ) -> Suggestion:
        """The suggestion for a report: ``title`` and ``text`` (its description), or without
        a title, ``text`` whose first sentence is taken as the title. ``offered``: the
        categories a new report may take (``Catalog.offered_codes``); no other is ever
        suggested, nor given as an alternative, and with none of them matched the
        suggestion is the fallback. None: every category of the rules."""
        if title is not None:
            lead, rest = title, text
        else:
            lead, rest = _split_title(text)
        # term -> its weight factor (title or not) and the words it covers
        found: dict[tuple[str, ...], tuple[float, tuple[int, int]]] = {}
        offset = 0
        for part, factor in ((lead, LEAD_WEIGHT), (rest, 1.0)):
            forms = self.forms(part)
            for size in (1, 2, 3):
                for i in range(len(forms) - size + 1):
                    for key in itertools.product(*forms[i : i + size]):
                        if found.get(key, (0.0,))[0] < factor:
                            found[key] = (factor, (offset + i, offset + i + size))
            offset += len(forms)
        matches = sorted(
            (
                (weight * factor, category, term, is_place, span)
                for key, (factor, span) in found.items()
                for category, (weight, term, is_place) in self.terms.get(key, {}).items()
            ),
            key=lambda match: -match[0],
        )
        problem: dict[str, float] = {}
        place: dict[str, float] = {}
        strongest_place: dict[str, float] = {}
        why: dict[str, list[str]] = {}
        claimed: set[tuple[str, tuple[int, int]]] = set()
        for weight, category, term, is_place, span in matches:
            if (category, span) in claimed:
                continue  # two spellings of the same words (antre kapal, antrean kapal)
            claimed.add((category, span))
            if is_place:
                place[category] = place.get(category, 0.0) + weight
                strongest_place[category] = max(strongest_place.get(category, 0.0), weight)
            else:
                problem[category] = problem.get(category, 0.0) + weight
            why.setdefault(category, []).append(term)
        if max(problem.values(), default=0.0) >= PROBLEM_EVIDENCE:
            # Some category has what the report is about: places only say where.
            scores = {c: PLACE_WEIGHT * w for c, w in strongest_place.items()}
            for category, weight in problem.items():
                scores[category] = scores.get(category, 0.0) + weight
        else:
            scores = dict(problem)
            for category, weight in place.items():
                scores[category] = scores.get(category, 0.0) + weight
        ranked = sorted(
            (item for item in scores.items() if offered is None or item[0] in offered),
            key=lambda item: (-item[1], item[0]),
        )
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
            alternatives=tuple((c, round(s, 2)) for c, s in ranked[1:4]),
            score=round(score, 2),
        )

    def agency_name(self, code: str, language: str = "id") -> str:
        names = self.agency_names.get(code, {})
        return names.get(language) or names.get("id") or code


class _Profile:
    rules: Path | None = None  # the profile's rules file, once the desk knows its profile


def use_profile_rules(path: Path | None) -> None:
    """Let ``default_router`` prefer the rules the central system sent this desk (kept in
    the profile by the sync) over the ones it was installed with, when they are newer."""
    _Profile.rules = path


def accept_rule_set(routing: Any, agencies: Any) -> Router:
    """A rule set from outside the program (the central system's): it must build, and name
    only the categories this program knows (categories carry deadlines and forms; rules
    cannot invent them). Raises RoutingError."""
    from posko.catalog import default_catalog

    router = Router.from_data(routing, agencies)
    known = default_catalog().codes()
    unknown = sorted(({str(c) for c in routing["categories"]} | set(router.default_agency)) - known)
    if unknown:
        raise RoutingError(f"unknown categories in the rules: {unknown}")
    return router


def read_saved_rules(path: Path) -> Router:
    """The rules saved by the sync: ``{"version", "routing", "agencies"}`` in one file (one
    rename replaces both halves at once)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return accept_rule_set(raw["routing"], raw["agencies"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RoutingError(f"rules file {path}: {exc!r}") from exc


def default_router() -> Router:
    """The rules in use: the installed ones, or the profile's if the central system sent
    newer ones (see ``use_profile_rules``)."""
    return router_for(_Profile.rules)


def router_for(profile_rules: Path | None) -> Router:
    """The installed rules, or those in ``profile_rules`` if that file holds a newer set
    (a damaged file is logged and ignored). Re-read whenever the file changes, whichever
    process wrote it."""
    if profile_rules is None:
        return _router_for(None, None)
    try:
        found = profile_rules.stat()
    except OSError:
        return _router_for(None, None)
    return _router_for(profile_rules, (found.st_mtime_ns, found.st_size, found.st_ino))


@lru_cache(maxsize=4)
def _router_for(profile_rules: Path | None, _stamp: tuple[int, int, int] | None) -> Router:
    installed = Router.from_files(assets_dir() / "routing.json", assets_dir() / "agencies.json")
    if profile_rules is None:
        return installed
    try:
        sent = read_saved_rules(profile_rules)
    except RoutingError as exc:
        log.warning("ignoring the profile's routing rules: %s", exc)
        return installed
    return sent if sent.version > installed.version else installed
