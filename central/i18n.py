"""The central system's translations: ``assets/locale/<lang>/LC_MESSAGES/central.po``.

A server answers many citizens at once in different languages, so nothing here is global
per process except the CLI's language: pages take a translator for the request's language.
Indonesian is the default; English is the source text.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import lru_cache

from posko.assets import assets_dir
from posko.i18n import CatalogTranslations, read_po

DOMAIN = "central"
DEFAULT_LANGUAGE = "id"
LANGUAGES: dict[str, str] = {"id": "Bahasa Indonesia", "en": "English"}

_cli_language = DEFAULT_LANGUAGE


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> gettext.NullTranslations:
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    if language == "en":
        return gettext.NullTranslations()
    return CatalogTranslations(
        *read_po(assets_dir() / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po")
    )


def translator(language: str) -> Callable[[str], str]:
    return translations(language).gettext


def pick_language(requested: str | None) -> str:
    """The language a page asked for (``?lang=en``), or the default for anything else: a
    citizen's link with a stray or unknown value still gets a page, never an error."""
    if requested and requested.strip().lower() in LANGUAGES:
        return requested.strip().lower()
    return DEFAULT_LANGUAGE


def set_cli_language(language: str) -> None:
    global _cli_language
    translations(language)  # fail early on an unknown language
    _cli_language = language


def cli_language() -> str:
    """The command line's language (``posko-central --lang``, else ``POSKO_LANG``)."""
    return _cli_language


def _(message: str) -> str:
    """Translate for the command line (``posko-central --lang``)."""
    return translations(_cli_language).gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for extraction; translate it later."""
    return message
