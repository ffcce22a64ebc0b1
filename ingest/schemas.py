"""The canonical fields of each tabular input, with the headers partners really write: the kinds themselves are data,
one YAML per kind in config/kinds/ (fields, synonyms, HXL tags, row rules), loaded here into typed Schema objects.

A header matches a field when, once normalised (lower case, no accents, no punctuation, no unit such as
"(millions FCFA)"), it equals one of the field's synonyms; an HXL hashtag row, when present, wins.
The data officer's page (docs/data-officer.md) lists the accepted headers from this module: `python -m ingest.schemas`
rewrites that section.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from config import REPO_ROOT

# Words that qualify a header without changing what it names: a year, a date, the document it comes from.
# The one money type, from the raw tables to the marts (dbt's money() macro casts to it too): exact sums of many
# small amounts, 34 digits before the point. Rates and shares stay DOUBLE.
MONEY = "DECIMAL(38, 4)"

_QUALIFIERS = {
    "au",
    "du",
    "le",
    "la",
    "les",
    "l",
    "en",
    "pour",
    "hors",
    "annexe",
    "annexes",
    "budgets",
    "rap",
    "plf",
    "lfi",
    "lfr",
    "pap",
    "er",
    "initial",
    "initiale",
    "revise",
    "total",
    "janvier",
    "fevrier",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "aout",
    "septembre",
    "octobre",
    "novembre",
    "decembre",
}


def is_qualifier(word: str) -> bool:
    return word in _QUALIFIERS or bool(re.fullmatch(r"[0-9]+(er)?", word))


@lru_cache(maxsize=1024)
def _field_names(name: str, label_fr: str, synonyms: tuple[str, ...]) -> frozenset[str]:
    return frozenset(normalise_header(s) for s in (name, label_fr, *synonyms))


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text | amount | amount_usd | date | integer | share | currency | deadline
    synonyms: tuple[str, ...]
    hxl: tuple[str, ...] = ()
    required: bool = False
    label_fr: str = ""

    def matches(self, normalised_header: str) -> bool:
        """The field's name, its French label (the templates' header) or any synonym."""
        return normalised_header in self.names()

    def matches_qualified(self, normalised_header: str) -> bool:
        """A synonym followed by qualifiers only: 'Année RAP', 'Ministère au 1er janvier 2017',
        'EXEC CP 2017 RAP 2017'."""
        words = normalised_header.split()
        return any(
            words[: len(n.split())] == n.split() and all(is_qualifier(w) for w in words[len(n.split()) :])
            for n in self.names()
            if n and len(words) > len(n.split())
        )

    def names(self) -> frozenset[str]:
        return _field_names(self.name, self.label_fr, self.synonyms)


@dataclass(frozen=True)
class Schema:
    kind: str
    table: str
    label_fr: str
    fields: tuple[Field, ...]
    # Folder of the inbox where a data officer drops this kind of file.
    folder: str = ""
    # Groups of fields of which a file must give one column at least (a budget file may hold the paid stage only).
    required_any: tuple[tuple[str, ...], ...] = ()
    # Fields of which a row must fill one at least, beside its required ones (a row naming a partner and nothing else
    # says nothing: it is how random lines under a valid header look).
    row_needs_any: tuple[str, ...] = ()
    # Fields of which a row must fill one at least to be data: without, it is skipped as a heading (a budget's chapter).
    row_skipped_without: tuple[str, ...] = ()
    # A row identical in every field to an earlier one of its sheet is skipped as repeated (exports of SharePoint lists
    # and 5W pivots repeat rows): said, never counted twice.
    repeated_rows_skipped: bool = False

    @property
    def required(self) -> list[Field]:
        return [f for f in self.fields if f.required]

    def lacks(self, names: set[str]) -> list[str]:
        """French labels of the required fields, or groups of fields, absent from `names`."""
        missing = [f.label_fr for f in self.required if f.name not in names]
        missing += [
            " / ".join(self.field(n).label_fr for n in group) for group in self.required_any if not names & set(group)
        ]
        return missing

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


_UNIT_WORDS = re.compile(
    r"\b(en|in|de|of|millions?|milliards?|billions?|f cfa|fcfa|xof|cfa|usd|us|eur|euros?|dollars?|francs?)\b"
)


@lru_cache(maxsize=8192)
def normalise_header(text: str) -> str:
    """'Montant dépensé (millions FCFA)' -> 'montant depense'."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = _UNIT_WORDS.sub(" ", text)
    return " ".join(text.split())


def header_scale(text: str) -> float:
    """A header such as 'Dotation (en millions de FCFA)' says every amount below is in millions."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    if re.search(r"\bmilliards?\b|\bbillions?\b", plain):
        return 1e9
    if re.search(r"\bmillions?\b", plain):
        return 1e6
    if re.search(r"\bmilliers\b|\bthousands\b|\bk ?fcfa\b", plain):
        return 1e3
    return 1.0


def header_currency(text: str) -> str | None:
    """The currency a header names ('Dotation (FCFA)' -> 'FCFA', ambiguous until the file's country is known), as
    the SQL macro currency_named does for cells."""
    plain = unicodedata.normalize("NFKD", str(text).replace("€", " EUR ")).encode("ascii", "ignore").decode().upper()
    for code, pattern in (
        ("XOF", r"\bXOF\b|BCEAO|UEMOA|OUEST|WEST AFRICAN"),
        ("XAF", r"\bXAF\b|BEAC|CEMAC|AFRIQUE CENTRALE|CENTRAL AFRICAN"),
        ("FCFA", r"F\s*CFA|\bCFA\b"),
        ("EUR", r"\bEUR\b|EURO|€"),
        ("USD", r"\bUSD\b|US\$|\$|DOLLAR"),
    ):
        if re.search(pattern, plain):
            return code
    return None


# Columns that hold people's names, e-mails or phone numbers: dropped at ingestion, never stored.
_PERSONAL_TOKENS = {
    "prenom",
    "prenoms",
    "email",
    "emails",
    "mail",
    "courriel",
    "telephone",
    "tel",
    "phone",
    "whatsapp",
    "mobile",
    "portable",
    "contact",
    "contacts",
    "signataire",
    "rapporteur",
}
_PERSONAL_PHRASES = ("point focal", "focal point", "full name", "nom et prenom", "personne de contact")
# "Nom de l'organisation" names an organisation, not a person.
_NOT_A_PERSON = {
    "organisation",
    "organization",
    "structure",
    "partenaire",
    "ong",
    "bailleur",
    "region",
    "cercle",
    "commune",
    "projet",
    "activite",
    "programme",
    "institution",
    "localite",
    "village",
    "site",
}


def is_personal_header(header: str) -> bool:
    norm = normalise_header(header)
    tokens = set(norm.split())
    if tokens & _NOT_A_PERSON:
        return False
    return (
        bool(tokens & _PERSONAL_TOKENS)
        or any(p in norm for p in _PERSONAL_PHRASES)
        or tokens in ({"nom"}, {"noms"}, {"name"})
    )


PERSONAL_DATA_HXL = ("#contact", "#contact+email", "#contact+phone", "#contact+name")


KINDS_DIR = REPO_ROOT / "config" / "kinds"


def _kind_file(name: str) -> dict:
    return yaml.safe_load((KINDS_DIR / f"{name}.yml").read_text(encoding="utf-8"))


def _fields(entries: list[dict]) -> tuple[Field, ...]:
    """A kind's fields as its file lists them, a group of fields another file holds (`include: places`) in place."""
    fields: list[Field] = []
    for entry in entries:
        if "include" in entry:
            fields += _fields(_kind_file(entry["include"])["fields"])
            continue
        fields.append(Field(**{k: tuple(v) if isinstance(v, list) else v for k, v in entry.items()}))
    return tuple(fields)


def load_kind(name: str) -> Schema:
    """A kind of tabular file from config/kinds/<name>.yml: what is knowledge (fields, headers, HXL tags, row rules)
    is data there, not code here."""
    doc = _kind_file(name)
    lists = {k: tuple(tuple(g) if isinstance(g, list) else g for g in v) for k, v in doc.items() if isinstance(v, list)}
    return Schema(**(doc | lists | {"fields": _fields(doc["fields"])}))


PARTNER_REPORTS = load_kind("partner_reports")
BUDGET_LINES = load_kind("budget_lines")
COMMITMENTS = load_kind("commitments")
TABULAR_SCHEMAS = (PARTNER_REPORTS, BUDGET_LINES, COMMITMENTS)


# The data officer's page and the markers around its generated section.
DATA_OFFICER_PAGE = REPO_ROOT / "docs" / "data-officer.md"
HEADERS_BEGIN = "<!-- en-têtes acceptés : début, écrit par python -m ingest.schemas -->"
HEADERS_END = "<!-- en-têtes acceptés : fin -->"


def accepted_headers_markdown() -> str:
    """The table of accepted headers, generated so that docs and code cannot disagree."""
    lines = []
    for schema in TABULAR_SCHEMAS:
        lines.append(f"\n#### {schema.label_fr} (`inbox/{schema.folder}/`)\n")
        lines.append("| champ | obligatoire | en-têtes acceptés | HXL |")
        lines.append("|---|---|---|---|")
        for f in schema.fields:
            lines.append(
                f"| `{f.name}` ({f.label_fr}) | {'oui' if f.required else ''} | "
                f"{', '.join(f.synonyms)} | {' '.join(f.hxl)} |"
            )
    return "\n".join(lines)


def write_accepted_headers(page: Path = DATA_OFFICER_PAGE) -> None:
    """Rewrite the generated section of `page` (between HEADERS_BEGIN and HEADERS_END)."""
    text = page.read_text(encoding="utf-8")
    before, rest = text.split(HEADERS_BEGIN)
    _, after = rest.split(HEADERS_END)
    page.write_text(f"{before}{HEADERS_BEGIN}\n{accepted_headers_markdown()}\n{HEADERS_END}{after}", encoding="utf-8")


if __name__ == "__main__":
    write_accepted_headers()
    print(f"{DATA_OFFICER_PAGE} : en-têtes acceptés écrits / accepted headers written")
