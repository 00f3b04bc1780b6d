"""The message catalogs: extract the marked strings, update each language's .po file.

    python -m autoshop.i18n_catalogs            # (make messages) extract, then update every .po
    python -m autoshop.i18n_catalogs --check    # exit 1 if a catalog lacks a marked string

Marked strings: `_()`, `_l()`, `gettext()`, `lazy_gettext()`, `ngettext()` in Python, and in the
templates (HTML, email text and SMS) `_()`, `gettext()`, `ngettext()` and `{% trans %}` blocks.
A new string lands in each .po untranslated; `tests/test_i18n_catalogs.py` fails until it has a
translation.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from autoshop.i18n import LANGUAGES, TRANSLATIONS

PACKAGE = Path(__file__).parent
KEYWORDS = {
    "_": None,
    "_l": None,
    "N_": None,
    "gettext": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
    "lazy_ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}
METHODS = [
    ("migrations/**.py", "ignore"),
    ("**.py", "python"),
    ("web/templates/**.html", "jinja2"),
    ("web/templates/**.txt", "jinja2"),
    ("web/templates/**.ics", "jinja2"),
]
OPTIONS = {
    "web/templates/**.html": {"trimmed": "true"},
    "web/templates/**.txt": {"trimmed": "true"},
}


#: The catalogs' header dates stay put, so that updating a catalog changes only its messages.
CATALOG_DATE = datetime(2026, 12, 1, tzinfo=UTC)


def extract() -> Catalog:
    """Every string marked for translation in the package, with where it is used."""
    catalog = Catalog(project="AutoShop", fuzzy=False, creation_date=CATALOG_DATE)
    for filename, lineno, message, comments, context in extract_from_dir(
        PACKAGE, METHODS, OPTIONS, KEYWORDS, comment_tags=("Translators:",), strip_comment_tags=True
    ):
        catalog.add(
            message,
            None,
            [(filename, lineno)],
            auto_comments=comments,
            context=context,
        )
    return catalog


def po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def read(language: str) -> Catalog:
    path = po_path(language)
    if not path.is_file():
        return Catalog(locale=language, project="AutoShop")
    with path.open("rb") as file:
        return read_po(file, locale=language)


def update(language: str, template: Catalog) -> Catalog:
    """The language's catalog with every extracted string: translations kept, new ones empty,
    strings no longer used dropped (no fuzzy guesses: a guess is worse than an empty entry)."""
    catalog = read(language)
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    catalog.fuzzy = False
    catalog.project, catalog.version = "AutoShop", "1"
    catalog.copyright_holder = "AutoShop"
    catalog.msgid_bugs_address = ""
    catalog.last_translator = catalog.language_team = f"AutoShop ({LANGUAGES[language]})"
    catalog.header_comment = f"# {LANGUAGES[language]} messages of AutoShop."
    catalog.creation_date = catalog.revision_date = CATALOG_DATE
    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        write_po(file, catalog, width=100, sort_output=True, include_lineno=False)
    return catalog


def missing(language: str, template: Catalog, under: str = "") -> list[str]:
    """The marked strings the language's catalog doesn't translate (used in files whose path,
    relative to the package, starts with `under`)."""
    catalog = read(language)
    gaps = []
    for message in template:
        if not message.id or not any(path.startswith(under) for path, _ in message.locations):
            continue
        found = catalog.get(message.id, context=message.context)
        strings = [] if found is None else (found.string if found.pluralizable else [found.string])
        if found is None or found.fuzzy or not all(strings):
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report untranslated strings")
    parser.add_argument(
        "--under", default="", help="with --check: only strings used under this path (web/admin)"
    )
    args = parser.parse_args(argv)
    template = extract()
    status = 0
    for language in LANGUAGES:
        if language == "en":
            continue  # the source language
        if not args.check:
            update(language, template)
        gaps = missing(language, template, args.under)
        print(f"{language}: {len(template)} strings, {len(gaps)} untranslated")
        for gap in gaps if args.check else []:
            print(f"  {gap!r}")
        status = status or (1 if gaps and args.check else 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
