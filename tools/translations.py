"""Keep ``assets/locale/*/LC_MESSAGES/{posko,central}.po`` in step with the code.

    python tools/translations.py          # extract, merge, report untranslated strings
    python tools/translations.py central  # one catalogue only

Run by ``make translations``. Two catalogues, one per program: ``posko`` (the desk, from
``desktop/`` and the shared core ``posko/``) and ``central`` (the central system, from
``central/*.py`` and the tracking page's templates in ``central/templates/``). Extraction
uses Babel (the same library that reads the catalogues at run time); new strings arrive
untranslated and ``tests/unit/test_i18n.py`` fails until they are translated.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
# Jinja2's extractor: ``{{ _("Status") }}`` in a template is a gettext call. Template syntax
# errors must fail the run instead of silently extracting nothing from the broken file.
JINJA = "jinja2.ext:babel_extract"
JINJA_OPTIONS = {"silent": "false", "trim_blocks": "true", "lstrip_blocks": "true"}


@dataclass(frozen=True)
class Domain:
    name: str
    sources: tuple[str, ...]  # directories under ROOT
    # Babel's patterns: ``*`` stays within one directory, ``**`` crosses them.
    method_map: list[tuple[str, str]] = field(default_factory=lambda: [("**.py", "python")])
    options_map: dict[str, dict[str, str]] = field(default_factory=dict)


DOMAINS = {
    # The desk's catalogue: its own code and the shared core it shows text from.
    "posko": Domain("posko", ("desktop", "posko")),
    "central": Domain(
        "central",
        ("central", "posko"),  # the shared core's texts (the status vocabulary) too
        # Its packages (central/cli/, …) too, but not the Alembic migrations: they hold no
        # user-visible text. Babel takes the first pattern that matches.
        method_map=[
            ("migrations/**", "ignore"),
            ("**.py", "python"),
            ("templates/*.html", JINJA),
        ],
        options_map={"templates/*.html": JINJA_OPTIONS},
    ),
}


def extract(domain: str = "posko") -> Catalog:
    spec = DOMAINS[domain]
    template = Catalog(project=spec.name)
    for source in spec.sources:
        for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT / source),
            method_map=spec.method_map,
            options_map=spec.options_map,
            keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",),
        ):
            template.add(
                message,
                None,
                [(f"{source}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return template


def po_files(domain: str) -> list[Path]:
    return sorted((ROOT / "assets" / "locale").glob(f"*/LC_MESSAGES/{domain}.po"))


def update(domain: str) -> int:
    """Merge the extracted strings into every language's catalogue; how many are missing."""
    template = extract(domain)
    missing = 0
    for po_path in po_files(domain):
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
                language = po_path.parent.parent.name
                print(f"{language} ({domain}): untranslated: {message.id!r}")
    return missing


def main(argv: list[str]) -> int:
    unknown = [name for name in argv if name not in DOMAINS]
    if unknown:
        print(f"unknown catalogue(s): {', '.join(unknown)}; choose from {', '.join(DOMAINS)}")
        return 2
    missing = sum(update(domain) for domain in argv or DOMAINS)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
