"""The report's two languages, French first and English beside it (gettext through Babel and Jinja2's i18n).

The strings are written in French in the templates and in report/*.py (they are the gettext msgids); the English
catalog `report/locale/en/LC_MESSAGES/messages.po` translates each of them. After changing a string, run
`python -m report.i18n`: it extracts every string and merges them into the catalog, new ones left to translate
(tests/test_report_languages.py fails on any string without its English translation).
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations
from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined

from report import formatting

LANGUAGES = ("fr", "en")  # French first: the pages, the brief and the links list French before English
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}
BRIEF_NAMES = {"fr": "note-budgetaire.pdf", "en": "budget-brief.pdf"}
PACKAGE = Path(__file__).parent
TEMPLATES = PACKAGE / "templates"
CATALOG = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "messages.po"
JINJA_EXTENSIONS = ["jinja2.ext.i18n"]
# Templates compiled once for every environment and night (kept by their source's checksum in the user's temporary
# folder): compiling them was a third of the report step on the sample.
COMPILED_TEMPLATES = FileSystemBytecodeCache()
# Where the strings are: the templates (Jinja's own extractor) and the Python modules (`_("...")`).
EXTRACTION = [("templates/**.j2", "jinja2.ext:babel_extract"), ("*.py", "python")]


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """French is the strings themselves; English is the catalog, compiled in memory (no .mo file to keep in step)."""
    if lang == "fr":
        return gettext.NullTranslations()
    with CATALOG.open("rb") as po:
        catalog = read_po(po, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def environment(lang: str, **globals_) -> Environment:
    """The templates' environment in one language: its strings, and its number, money and date formats."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=JINJA_EXTENSIONS,
        bytecode_cache=COMPILED_TEMPLATES,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)
    env.filters.update({name: functools.partial(f, lang=lang) for name, f in formatting.FILTERS.items()})
    env.globals.update(globals_, lang=lang, languages=LANGUAGE_NAMES, brief_names=BRIEF_NAMES)
    return env


def extracted() -> Catalog:
    """Every translatable string of the report, as a catalog template."""
    template = Catalog(project="mali-budget-warehouse", fuzzy=False)
    options = {"extensions": ",".join(JINJA_EXTENSIONS), "trimmed": "true"}
    for filename, lineno, message, comments, context in extract_from_dir(
        PACKAGE, EXTRACTION, options_map={"templates/**.j2": options}, keywords={"_": None, "gettext": None}
    ):
        template.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context)
    return template


def update_catalog() -> tuple[int, int]:
    """Merge the extracted strings into the English catalog; return (strings, still to translate)."""
    if CATALOG.exists():
        with CATALOG.open("rb") as po:
            catalog = read_po(po, locale="en")
    else:
        CATALOG.parent.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(locale="en", project="mali-budget-warehouse")
    catalog.update(extracted(), no_fuzzy_matching=True)
    catalog.obsolete.clear()
    catalog.fuzzy = False
    catalog.last_translator = catalog.language_team = "mali-budget-warehouse"
    catalog.msgid_bugs_address = ""
    catalog.revision_date = catalog.creation_date = dt.datetime(2026, 1, 1)  # no date churn in the diff
    with CATALOG.open("wb") as po:
        write_po(po, catalog, width=116, sort_output=True, omit_header=False, include_lineno=False)
    messages = [m for m in catalog if m.id]
    return len(messages), sum(1 for m in messages if not m.string)


if __name__ == "__main__":
    total, missing = update_catalog()
    print(f"{CATALOG}: {total} chaînes / strings, {missing} à traduire / to translate")
    sys.exit(1 if missing else 0)
