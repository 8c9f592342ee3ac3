"""Translation for every user-visible string, Qt-free so the core, the CLI and the widgets
share one mechanism.

Source strings are English; the catalogue ``assets/locale/<lang>/LC_MESSAGES/posko.po`` gives
Indonesian, the default language. The ``.po`` file is the only source, so there is no binary
``.mo`` to go stale; the reader is a few lines (as CPython's ``msgfmt.py``) because importing
Babel's would cost the desk's start-up more than the rest of the translation work. What it
reads is kept, as Python keeps bytecode, in ``__pycache__`` beside the ``.po`` (marshal,
stamped with the source's length and CRC-32, so an edited catalogue is read anew); a folder
that cannot be written (an installed program's) only means the ``.po`` is parsed each time.
Babel still extracts and updates the catalogues (``tools/translations.py``). Mark strings with
``_()`` (or ``N_()`` where the translation must happen later, e.g. in module-level tables).
"""

from __future__ import annotations

import gettext
import logging
import marshal
import re
import sys
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from posko.assets import assets_dir

log = logging.getLogger("posko.i18n")

DOMAIN = "posko"
DEFAULT_LANGUAGE = "id"
LANGUAGES: dict[str, str] = {"id": "Bahasa Indonesia", "en": "English"}

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"
_listeners: list[Callable[[str], None]] = []
# A language for the current thread or task only (``speaking``): the central server answers
# each request in its own language with the same figures' and charts' code as the desk.
_speaking: ContextVar[tuple[str, gettext.NullTranslations] | None] = ContextVar(
    "posko_speaking", default=None
)


class CatalogTranslations(gettext.NullTranslations):
    """Translations from a parsed ``.po`` file; untranslated or fuzzy entries fall back to
    the English source text."""

    def __init__(self, messages: dict[str, str], plurals: dict[str, list[str]]) -> None:
        super().__init__()
        self.messages = messages
        self.plurals = plurals

    def gettext(self, message: str) -> str:
        return self.messages.get(message) or message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        forms = self.plurals.get(msgid1)
        if forms and forms[0]:
            return forms[0]  # Indonesian has one plural form
        return msgid1 if n == 1 else msgid2


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(.)")
_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _unquote(text: str) -> str:
    """The value of a ``.po`` string literal (``"…"`` with C escapes, as Babel writes them).

    Faster than ``ast.literal_eval``, which showed in the desk's start-up."""
    literal = _LITERAL.fullmatch(text)
    if literal is None:
        raise ValueError(f"not a quoted string: {text!r}")
    body = literal.group(1)
    if "\\" not in body:
        return body

    def escape(match: re.Match[str]) -> str:
        try:
            return _ESCAPES[match.group(1)]
        except KeyError:
            raise ValueError(f"unknown escape in {text!r}") from None

    return _ESCAPE.sub(escape, body)


def parse_po(path: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    """``msgid`` → ``msgstr`` (and plural forms) of a ``.po`` file, fuzzy entries skipped.
    An entry with a ``msgctxt`` is keyed ``context + "\x04" + msgid``, as gettext does."""
    return _parse_po_text(path.read_text(encoding="utf-8"))


def _parse_po_text(text: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    messages: dict[str, str] = {}
    plurals: dict[str, list[str]] = {}
    entry: dict[str, list[str]] = {}
    key = ""
    fuzzy = False

    def flush() -> None:
        nonlocal entry, fuzzy
        msgid = "".join(entry.get("msgid", []))
        if "msgctxt" in entry and msgid:
            msgid = "".join(entry["msgctxt"]) + "\x04" + msgid
        if msgid and not fuzzy:
            if "msgid_plural" in entry:
                plurals[msgid] = [
                    "".join(entry[k]) for k in sorted(entry) if k.startswith("msgstr[")
                ]
            else:
                messages[msgid] = "".join(entry.get("msgstr", []))
        entry, fuzzy = {}, False

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith('"'):
            entry.setdefault(key, []).append(_unquote(line))
            continue
        keyword, _sep, rest = line.partition(" ")
        # A comment or a new msgid after a msgstr starts the next entry.
        if (line.startswith("#") or keyword in ("msgid", "msgctxt")) and any(
            k.startswith("msgstr") for k in entry
        ):
            flush()
        if line.startswith("#"):
            fuzzy = fuzzy or (line.startswith("#,") and "fuzzy" in line)
            continue
        key = keyword
        entry[key] = [_unquote(rest.strip())]
    flush()
    return messages, plurals


def _cache_of(path: Path) -> Path:
    return path.parent / "__pycache__" / f"{path.name}.{sys.implementation.cache_tag}.marshal"


def read_po(path: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    """``parse_po(path)``, from the kept copy when the ``.po`` is the one it was made from
    (the desk's start-up then spends a fraction of a millisecond instead of ten)."""
    data = path.read_bytes()
    stamp = f"posko-po 1 {len(data)} {zlib.crc32(data)}\n".encode("ascii")
    cache = _cache_of(path)
    try:
        kept = cache.read_bytes()
        if kept.startswith(stamp):
            value = marshal.loads(kept[len(stamp) :])
            if (
                isinstance(value, tuple)
                and len(value) == 2
                and isinstance(value[0], dict)
                and isinstance(value[1], dict)
            ):
                return value
    except (OSError, EOFError, ValueError, TypeError):
        pass  # none yet, or unreadable: parsed below and kept anew
    value = _parse_po_text(data.decode("utf-8"))
    try:
        from posko.files import write_atomic

        write_atomic(cache, stamp + marshal.dumps(value))
    except OSError:
        pass  # a folder the program may not write: parsed again next time
    return value


def load_catalog(language: str) -> gettext.NullTranslations:
    """The translations for ``language``; English (the source) needs none."""
    if language == "en":
        return gettext.NullTranslations()
    po_path = assets_dir() / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    return CatalogTranslations(*read_po(po_path))


def set_language(language: str) -> None:
    global _translations, _language
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    _translations = load_catalog(language)
    _language = language
    for listener in list(_listeners):
        listener(language)


@lru_cache(maxsize=len(LANGUAGES))
def _cached_catalog(language: str) -> gettext.NullTranslations:
    return load_catalog(language)


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """``_()`` and ``current_language()`` in ``language`` inside the block, for this thread
    (or task) only; the process's language (``set_language``) is left as it is."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    token = _speaking.set((language, _cached_catalog(language)))
    try:
        yield
    finally:
        _speaking.reset(token)


def current_language() -> str:
    spoken = _speaking.get()
    return spoken[0] if spoken else _language


def on_language_changed(listener: Callable[[str], None]) -> None:
    _listeners.append(listener)


def _(message: str) -> str:
    spoken = _speaking.get()
    return (spoken[1] if spoken else _translations).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    spoken = _speaking.get()
    return (spoken[1] if spoken else _translations).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction; translate it later with ``_()``."""
    return message
