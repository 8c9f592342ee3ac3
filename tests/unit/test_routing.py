"""Keyword routing: robust to how people write, explains itself, and is accurate on a
labelled set of realistic complaint texts written independently of the rules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from posko.assets import assets_dir
from posko.routing import Router, RoutingError, default_router

EVAL = Path(__file__).resolve().parents[1] / "data" / "routing_eval.jsonl"


@pytest.mark.parametrize(
    ("text", "category", "agency"),
    [
        ("Antrian di gerbang tol Cikampek parah bgt", "TOL", "JASAMARGA"),
        ("Tarif tol naik terus, mohon ditinjau", "TOL", "BPJT"),
        ("pelabuan merak antri kapal 6 jam", "PELABUHAN", "ASDP"),  # typo
        ("stasion pasar senen tiketnya gk bsa dicetak", "KERETA", "KAI"),  # typo, SMS
        ("SPBU KEHABISAN SOLAR, TRUK MENGANTRE", "SPBU", "PERTAMINA"),  # caps, affixes
        ("dompet saya ketinggalan di gerbong kereta", "BARANGHILANG", "KAI"),
        ("koper tertinggal di kapal ke bakauheni", "BARANGHILANG", "ASDP"),
        ("JHT saya blm cair sdh 3 bulan", "BPJS", "BPJSTK"),
        ("kartu KIS ditolak di faskes", "BPJS", "BPJSKES"),
        ("jln rusak parah bgt di nagreg, berlubang dmn2", "JALANRUSAK", "BINAMARGA"),
        ("Dimintai uang rokok sama oknum di pos", "PUNGLI", "SABERPUNGLI"),
        ("listrik padammm terus tiap malam", "LISTRIK", "PLN"),  # stretched letters
        # Where it happened is not what it is about:
        ("copet di stasiun pasar senen, hp saya raib", "KEAMANAN", "POLRI"),
        ("Dompet ketinggalan di KRL, jatuh di gerbong 2", "BARANGHILANG", "KAI"),
        ("harga nasi di rest area km 57 mahal banget", "HARGA", "KEMENDAG"),
        # Stems that are everyday words (tinggal: to live; empat: four; meter) match nothing:
        ("Nenek tinggal sendiri tapi namanya dicoret dari daftar PKH", "SOSIAL", "KEMENSOS"),
        ("Di SPBU dari empat dispenser hanya satu yang buka", "SPBU", "PERTAMINA"),
        ("Pipa bocor 3 meter dari rumah, air tidak mengalir", "AIR", "PDAM"),
    ],
)
def test_routes_the_way_people_write(text: str, category: str, agency: str) -> None:
    suggestion = default_router().route(text)
    assert (suggestion.category, suggestion.agency) == (category, agency), suggestion
    assert suggestion.why  # it says why


def test_nothing_matched_falls_back_and_says_so() -> None:
    suggestion = default_router().route("terima kasih atas pelayanannya")
    assert suggestion.category == "LAINNYA" and suggestion.why == ()
    assert not suggestion.confident


def test_alternatives_are_ranked() -> None:
    suggestion = default_router().route("antre kapal 5 jam di dermaga, makanan juga mahal")
    assert suggestion.category == "PELABUHAN"
    assert "HARGA" in [code for code, _score in suggestion.alternatives]


def test_rules_name_only_known_categories_and_agencies() -> None:
    from posko.catalog import default_catalog

    raw = json.loads((assets_dir() / "routing.json").read_text(encoding="utf-8"))
    codes = default_catalog().codes()
    assert set(raw["categories"]) == codes
    agencies = json.loads((assets_dir() / "agencies.json").read_text(encoding="utf-8"))
    assert set(agencies["category_agency"]) == codes


def test_broken_rule_files_are_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "routing.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(RoutingError):
        Router.from_files(bad, assets_dir() / "agencies.json")
    rules = json.loads((assets_dir() / "routing.json").read_text(encoding="utf-8"))
    rules["agency_rules"].append({"category": "TOL", "agency": "NOPE", "terms": ["x"]})
    bad.write_text(json.dumps(rules), encoding="utf-8")
    with pytest.raises(RoutingError, match="NOPE"):
        Router.from_files(bad, assets_dir() / "agencies.json")


def test_posko_route_prints_json() -> None:
    env = dict(os.environ)
    env.pop("POSKO_LANG", None)
    out = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "route", "--json", "antre", "bensin", "2", "jam"],
        capture_output=True, text=True, timeout=60, check=True, env=env,
    )  # fmt: skip
    answer = json.loads(out.stdout)
    assert answer["category"] == {"code": "SPBU", "name": "SPBU dan bahan bakar"}
    assert answer["agency"]["code"] == "PERTAMINA" and answer["agency"]["name"]
    assert answer["why"] == ["antre bensin", "bensin"]  # the most telling first
    assert isinstance(answer["alternatives"], list)
    empty = subprocess.run(
        [sys.executable, "-m", "desktop.cli", "route", " "],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert empty.returncode == 2 and empty.stderr.strip()


def _accuracy(items: list[dict[str, str]]) -> tuple[float, float, Counter[tuple[str, str]]]:
    router = default_router()
    category_hits = agency_hits = 0
    misses: Counter[tuple[str, str]] = Counter()
    for item in items:
        suggestion = router.route(item["text"])
        category_hits += suggestion.category == item["category"]
        agency_hits += suggestion.agency == item["agency"]
        if suggestion.category != item["category"]:
            misses[(item["category"], suggestion.category)] += 1
    return category_hits / len(items), agency_hits / len(items), misses


def _load(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize("name", ["routing_eval.jsonl", "routing_holdout.jsonl"])
def test_accuracy_on_the_labelled_sets(name: str) -> None:
    """Two sets of realistic complaint texts, each written by someone who never saw the
    rules, in every register travellers use (formal, casual, SMS shorthand, typos).

    - routing_eval.jsonl (389): the first rules were tuned on the mistakes of its first half.
    - routing_holdout.jsonl (320): written later, blind to the rules and to the first set.
      Only the mistakes of its 1st, 3rd, 5th … rows were looked at (to find what the
      rules did wrong in general: stems that are everyday words, places outweighing
      problems); its 2nd, 4th, 6th … rows (``lines[1::2]``) stayed unseen and are
      reported apart.
    The extra vocabulary came from a list written blind to both sets. The issue's
    thresholds (85 % category, 80 % agency) apply to each whole set."""
    lines = _load(EVAL.parent / name)
    assert len(lines) >= 300
    category_accuracy, agency_accuracy, misses = _accuracy(lines)
    unseen = lines[1::2] if name == "routing_holdout.jsonl" else lines[len(lines) // 2 :]
    held_category, held_agency, _ = _accuracy(unseen)
    report = (
        f"{name}, {len(lines)} texts: category {category_accuracy:.1%}, agency "
        f"{agency_accuracy:.1%} (never looked at: {held_category:.1%}, {held_agency:.1%}); "
        f"most confused (expected, got): {misses.most_common(8)}"
    )
    print(report)
    assert category_accuracy >= 0.85, report
    assert agency_accuracy >= 0.80, report


def test_clitics_titles_and_abbreviations() -> None:
    router = default_router()
    # -nya never hides a word, short or not; -kah is not stripped (benarkah ≠ benar).
    assert router.route("bbmnya habis di pom").category == "SPBU"
    assert router.route("krlnya penuh sesak").category == "KERETA"
    assert router.route("Kembalian tidak benar. Kasir kurang memberi").category != "HOAKS"
    assert router.route("benarkah tol gratis saat lebaran?").category == "HOAKS"
    # The form gives the title apart; free text's first sentence is the title, but the dot
    # of "Jl." or "Km." does not end it.
    pothole = "Jl. Pantura berlubang parah"
    assert router.route("Motor saya jatuh semalam", title=pothole).category == "JALANRUSAK"
    assert router.route(pothole + ". Motor saya jatuh semalam").category == "JALANRUSAK"
