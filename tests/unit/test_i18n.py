"""Every user-visible string is translatable and translated into Indonesian, with the same
placeholders, so a missing translation fails CI instead of surprising an operator (the desk's
``posko`` catalogue) or a citizen (the central system's ``central`` catalogue)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from posko.assets import assets_dir
from posko.i18n import _, load_catalog, set_language

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from translations import extract  # noqa: E402

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
DOMAINS = pytest.mark.parametrize("domain", ["posko", "central"])


def indonesian(domain: str = "posko") -> Catalog:
    with (assets_dir() / "locale" / "id" / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        return read_po(handle, locale="id")


@DOMAINS
def test_every_string_in_the_code_has_an_indonesian_translation(domain: str) -> None:
    catalog = indonesian(domain)
    missing = [
        m.id
        for m in extract(domain)
        if m.id and not (catalog.get(m.id) and catalog.get(m.id).string)
    ]
    assert missing == [], "run `make translations` and translate these"


@DOMAINS
def test_translations_keep_placeholders_and_mnemonics(domain: str) -> None:
    for message in indonesian(domain):
        if not message.id or not message.string:
            continue
        assert isinstance(message.id, str) and isinstance(message.string, str)
        assert sorted(PLACEHOLDER.findall(message.id)) == sorted(
            PLACEHOLDER.findall(message.string)
        ), message.id
        assert ("&" in message.id.replace("&&", "")) == ("&" in message.string.replace("&&", "")), (
            message.id
        )


@DOMAINS
def test_no_obsolete_or_fuzzy_entries(domain: str) -> None:
    catalog = indonesian(domain)
    assert not catalog.obsolete
    assert not [m.id for m in catalog if m.fuzzy and m.id]


def test_switching_language() -> None:
    set_language("en")
    assert _("Tracking number") == "Tracking number"
    set_language("id")
    assert _("Tracking number") == "Nomor pelacakan"
    with pytest.raises(ValueError):
        set_language("fr")


def test_catalog_loads_from_po_without_compiled_files() -> None:
    assert not list((assets_dir() / "locale").rglob("*.mo"))
    assert load_catalog("id").gettext("Yes") == "Ya"


@DOMAINS
def test_start_up_reader_agrees_with_babel(domain: str) -> None:
    from posko.i18n import parse_po

    messages, _plurals = parse_po(assets_dir() / "locale" / "id" / "LC_MESSAGES" / f"{domain}.po")
    assert messages == {m.id: m.string for m in indonesian(domain) if m.id}


def test_central_extraction_reads_the_templates_and_the_command_line() -> None:
    ids = {m.id for m in extract("central")}
    assert "Status history" in ids  # central/templates/report.html
    assert "Forwarded to the agency" in ids  # N_() in central/tracking_page.py
    assert "No devices enrolled yet." in ids  # _() in central/cli.py


def test_central_pages_translate_per_request() -> None:
    from central.i18n import pick_language, translator

    assert translator("id")("Status history") == "Riwayat status"
    assert translator("en")("Status history") == "Status history"
    assert pick_language("EN") == "en" and pick_language("fr") == "id"
    assert pick_language(None) == "id"
    with pytest.raises(ValueError):
        translator("fr")


def test_po_reader_handles_plurals_fuzzy_and_escapes(tmp_path: Path) -> None:
    from posko.i18n import CatalogTranslations, parse_po

    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: id\\n"\n\n'
        '#, fuzzy\nmsgid "Guess"\nmsgstr "Tebakan"\n\n'
        'msgid "Line\\n"\n"two \\"quoted\\""\nmsgstr "Baris\\n"\n"dua \\"kutip\\""\n\n'
        'msgid "{n} report"\nmsgid_plural "{n} reports"\nmsgstr[0] "{n} laporan"\n',
        encoding="utf-8",
    )
    messages, plurals = parse_po(po)
    translations = CatalogTranslations(messages, plurals)
    assert translations.gettext("Guess") == "Guess"  # fuzzy entries are not trusted
    assert translations.gettext('Line\ntwo "quoted"') == 'Baris\ndua "kutip"'
    assert translations.ngettext("{n} report", "{n} reports", 3) == "{n} laporan"
    assert translations.gettext("Unknown") == "Unknown"


def test_po_reader_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    from posko.i18n import parse_po

    for broken in ('msgid "a\\qb"\nmsgstr "x"\n', 'msgid "open\nmsgstr "x"\n'):
        po = tmp_path / "broken.po"
        po.write_text(broken, encoding="utf-8")
        with pytest.raises(ValueError):
            parse_po(po)


def test_read_po_keeps_what_it_parsed_and_reads_an_edited_catalogue_anew(tmp_path: Path) -> None:
    """``read_po`` is ``parse_po`` kept in ``__pycache__`` (stamped with the source's length
    and CRC): the kept copy is used while the ``.po`` is unchanged, never after an edit,
    and a spoiled copy is parsed over."""
    from posko.i18n import _cache_of, parse_po
    from posko.i18n import read_po as read_kept  # not Babel's read_po, above

    po = tmp_path / "posko.po"
    po.write_text('msgid "Save"\nmsgstr "Simpan"\n', encoding="utf-8")
    assert read_kept(po) == parse_po(po) == ({"Save": "Simpan"}, {})
    cache = _cache_of(po)
    assert cache.is_file()
    kept = cache.read_bytes()
    assert read_kept(po) == ({"Save": "Simpan"}, {})
    assert cache.read_bytes() == kept  # used, not rewritten

    po.write_text('msgid "Save"\nmsgstr "Simpan dan cetak"\n', encoding="utf-8")
    assert read_kept(po) == ({"Save": "Simpan dan cetak"}, {})  # the edit, not the kept copy

    for spoiled in (b"", kept[:20], kept.split(b"\n")[0] + b"\n" + b"\x00garbage"):
        cache.write_bytes(spoiled)
        assert read_kept(po) == ({"Save": "Simpan dan cetak"}, {})
    # A folder the program may not write: parsed each time, nothing raised.
    other = tmp_path / "ro"
    other.mkdir()
    po2 = other / "qt.po"
    po2.write_text('msgid "Yes"\nmsgstr "Ya"\n', encoding="utf-8")
    (other / "__pycache__").write_text("a file where the folder would be", encoding="utf-8")
    assert read_kept(po2) == ({"Yes": "Ya"}, {})


def test_read_po_agrees_with_parse_po_on_the_shipped_catalogues() -> None:
    from posko.assets import assets_dir
    from posko.i18n import parse_po
    from posko.i18n import read_po as read_kept

    catalogues = sorted((assets_dir() / "locale").glob("*/LC_MESSAGES/*.po"))
    assert len(catalogues) >= 3
    for po in catalogues:
        assert read_kept(po) == parse_po(po)
        assert read_kept(po) == parse_po(po)  # the kept copy too
