"""Keep ``assets/locale/*/LC_MESSAGES/posko.po`` in step with the code.

    python tools/translations.py        # extract, merge, report untranslated strings

Run by ``make translations``. Extraction uses Babel (the same library that reads the
catalogues at run time); new strings arrive untranslated and ``tests/test_i18n.py`` fails
until they are translated.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    template = Catalog(project="posko")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT / "desktop"), keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
    ):
        template.add(
            message,
            None,
            [(f"desktop/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )
    return template


def main() -> int:
    template = extract()
    missing = 0
    for po_path in sorted((ROOT / "assets" / "locale").glob("*/LC_MESSAGES/posko.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        catalog.update(template, no_fuzzy_matching=True)
        with po_path.open("wb") as handle:
            write_po(
                handle,
                catalog,
                width=100,
                omit_header=False,
                include_previous=False,
                sort_output=True,
                no_location=True,
                ignore_obsolete=True,
            )
        for message in catalog:
            if message.id and not message.string:
                missing += 1
                print(f"{po_path.parent.parent.name}: untranslated: {message.id!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
