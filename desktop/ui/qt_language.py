"""Qt's own words (the Yes and No of its dialogs, the print and file dialogs, the context
menu of a text field) in the desk's language. Qt ships no Indonesian (there is no
``qtbase_id``), so they come from ``assets/locale/id/LC_MESSAGES/qt.po``: each entry's
``msgctxt`` is Qt's context, its ``msgid`` Qt's English source text. Dates and the
calendar popup follow too (``QLocale``)."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

from posko.assets import assets_dir
from posko.i18n import current_language, on_language_changed, read_po

LOCALES = {
    "id": QLocale(QLocale.Language.Indonesian, QLocale.Country.Indonesia),
    "en": QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom),
}


@lru_cache(maxsize=4)
def _messages(language: str) -> dict[str, str]:
    path = assets_dir() / "locale" / language / "LC_MESSAGES" / "qt.po"
    return read_po(path)[0] if path.is_file() else {}


class QtStrings(QTranslator):
    """Answers Qt's ``tr()`` in the language ``posko.i18n`` is set to at the time of the
    call (a window built after a switch speaks the new language)."""

    def translate(
        self, context: str, source_text: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        # None is Qt's "not here" (a null string); "" would be taken as the translation.
        return _messages(current_language()).get(f"{context}\x04{source_text}") or None

    def isEmpty(self) -> bool:
        return False


def install(app: QCoreApplication) -> QtStrings:
    """Once, before the first window: Qt's words and the locale follow the desk's language
    from now on."""
    translator = QtStrings(app)
    app.installTranslator(translator)
    _follow(current_language())
    on_language_changed(_follow)
    return translator


def _follow(language: str) -> None:
    QLocale.setDefault(LOCALES.get(language, LOCALES["en"]))
