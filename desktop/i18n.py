"""Translation for every user-visible string, Qt-free so the core, the CLI and the widgets
share one mechanism.

Source strings are English; the catalogue ``assets/locale/<lang>/LC_MESSAGES/posko.po`` gives
Indonesian, the default language. The ``.po`` file is read directly with Babel and compiled in
memory, so there is no binary ``.mo`` to go stale. Mark strings with ``_()`` (or ``N_()``
where the translation must happen later, e.g. in module-level tables).
"""

from __future__ import annotations

import gettext
import io
import logging
from collections.abc import Callable

from desktop.paths import assets_dir

log = logging.getLogger("posko.i18n")

DOMAIN = "posko"
DEFAULT_LANGUAGE = "id"
LANGUAGES: dict[str, str] = {"id": "Bahasa Indonesia", "en": "English"}

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"
_listeners: list[Callable[[str], None]] = []


def load_catalog(language: str) -> gettext.NullTranslations:
    """The translations for ``language``; English (the source) needs none."""
    if language == "en":
        return gettext.NullTranslations()
    po_path = assets_dir() / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def set_language(language: str) -> None:
    global _translations, _language
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    _translations = load_catalog(language)
    _language = language
    for listener in list(_listeners):
        listener(language)


def current_language() -> str:
    return _language


def on_language_changed(listener: Callable[[str], None]) -> None:
    _listeners.append(listener)


def _(message: str) -> str:
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction; translate it later with ``_()``."""
    return message
