"""Columns to fields: which field of a schema each column of a sheet's header gives, and how sure that is.

Every column is scored against every field from three kinds of evidence: its HXL hashtag (which wins), its header's
words (a field's name word for word, else its words with typos, underscores, line breaks and instructions read
past), and its values (numbers and their size, dates, P-codes, currency codes, repeated labels or long distinct
texts). Fields are then given to columns jointly, one column per field and one field per column, and applied when
the score is confident (the thresholds are data: mapping.yml). Reading the file and finding its header row is
tabular.py's; typing the cells is values.py's.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import hxl.model
import numpy as np
import yaml
from rapidfuzz import fuzz, process
from scipy.optimize import linear_sum_assignment

from ingest.profiles import Profile, column_letter
from ingest.schemas import (
    PERSONAL_DATA_HXL,
    Field,
    Schema,
    header_currency,
    header_scale,
    is_personal_header,
    is_qualifier,
    normalise_header,
)

NO_PROFILE = Profile()


@dataclass(frozen=True)
class Rules:
    """mapping.yml: the thresholds and vocabularies of mapping by evidence."""

    applied_from: float
    suggested_from: float
    values_weight: float
    word_ratio: float
    fuzzy_from_length: int
    contradicted_from: float
    label_from_values: float
    filler_words: frozenset[str]
    currency_codes: frozenset[str]
    value_words: dict[str, frozenset[str]]
    month_names: frozenset[str]


@cache
def rules() -> Rules:
    data = yaml.safe_load(Path(__file__).with_name("mapping.yml").read_text(encoding="utf-8"))
    return Rules(
        **{k: v for k, v in data.items() if k not in {"filler_words", "currency_codes", "value_words", "month_names"}},
        month_names=frozenset(data["month_names"]),
        filler_words=frozenset(data["filler_words"]),
        currency_codes=frozenset(data["currency_codes"]),
        value_words={name: frozenset(words) for name, words in data["value_words"].items()},
    )


WORDS = "mots et valeurs / words and values"
VALUES = "valeurs / values"


@dataclass(frozen=True)
class Evidence:
    """Why a column was given its field: by what (profil, hxl, en-tête, mots et valeurs), how well its header's words
    name the field (0 to 1) and what its values say of it (-1 contradict, 0 nothing, +1 fit)."""

    by: str
    words: float = 0.0
    values: float = 0.0

    def __str__(self) -> str:
        return f"{self.by} ({self.words:.2f}, {self.values:+.2f})"


@dataclass
class MappedColumn:
    index: int
    header: str
    field: Field
    scale: float = 1.0
    currency: str | None = None
    # ',' or '.' when the column's cells show it separates thousands ("2,000,000"): then "175,000" is 175 000 too.
    thousands: str | None = None
    constant: bool = False  # not a cell of the file: a value the title block or a profile gives every row
    confidence: float = 1.0
    evidence: Evidence | None = None


@dataclass
class SheetLayout:
    schema: Schema
    header_row: int  # 0-based index in the grid of the last header row (the HXL row when there is one)
    columns: list[MappedColumn]
    dropped_personal: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    # A wide layout ("2008 Budget", "2008 Actual", "2009 Budget", ...): the amount columns of each year, read in one
    # pass per year with the year as the fiscal year (inbox.py).
    years: dict[int, list[MappedColumn]] = field(default_factory=dict)
    header_width: int = 0  # cells in the header row: every column is landed, so a repeated row is seen whole
    # Fields no column gives, with the value every row takes: the title block's ministry, a profile's `valeurs`.
    constants: dict[str, str] = field(default_factory=dict)
    # Columns whose best field scored too low to be applied: index -> (field, score), for the suggested profile.
    uncertain: dict[int, tuple[Field, float]] = field(default_factory=dict)
    # The column added after the sheet's that takes, on each line, the chapter heading above it (ingest/layout.py).
    chapter_column: int | None = None

    def passes(self) -> list[tuple[int | None, dict[str, str]]]:
        """Each reading of the landed sheet (one per year of a wide layout, else one) with the values it adds."""
        if not self.years:
            return [(None, self.constants)]
        return [(year, self.constants | {"fiscal_year": str(year)}) for year in self.years]

    def for_pass(self, year: int | None, values: dict[str, str]) -> SheetLayout:
        """This layout with the year's amount columns and each added value landed in a column after the sheet's."""
        by_name = {f.name: f for f in self.schema.fields}
        added = [
            MappedColumn(self.width + k, v, by_name[name], constant=True) for k, (name, v) in enumerate(values.items())
        ]
        columns = [*self.columns, *(self.years[year] if year is not None else []), *added]
        return SheetLayout(
            self.schema,
            self.header_row,
            columns,
            self.dropped_personal,
            self.ignored,
            header_width=self.width,
            chapter_column=self.chapter_column,
        )

    def evidence_notes(self) -> list[str]:
        """For the file's record: each column mapped from its words and values rather than a name or tag it bears
        word for word, or whose values contradict it, with the evidence and the confidence."""
        return [
            f"colonne « {' '.join(c.header.split())} » lue comme {c.field.name} d'après les mots de son en-tête "
            f"({c.evidence.words:.2f}) et ses valeurs ({c.evidence.values:+.2f}), confiance {c.confidence:.2f} / "
            f"column '{' '.join(c.header.split())}' read as {c.field.name} from its header's words "
            f"({c.evidence.words:.2f}) and values ({c.evidence.values:+.2f}), confidence {c.confidence:.2f}"
            for c in self.columns
            if c.evidence is not None and (c.evidence.by in {WORDS, VALUES} or c.confidence < 1)
        ]

    @property
    def fields_given(self) -> set[str]:
        """The fields every row gets: by a column, a value of the title block or a profile, a wide layout's years."""
        return (
            {c.field.name for c in self.all_columns} | set(self.constants) | ({"fiscal_year"} if self.years else set())
        )

    @property
    def all_columns(self) -> list[MappedColumn]:
        """The mapped columns and every year's amount columns of a wide layout."""
        return [*self.columns, *(c for columns in self.years.values() for c in columns)]

    @property
    def width(self) -> int:
        return max(max(c.index for c in self.all_columns) + 1, self.header_width)


def _hxl_column(cell: str) -> hxl.model.Column | None:
    text = str(cell or "").strip()
    if not text.startswith("#"):
        return None
    try:
        column = hxl.model.Column.parse(text)
    except Exception:  # libhxl raises its own errors on malformed tags
        return None
    return column if isinstance(column, hxl.model.Column) else None  # it returns False for some ("#N/A", "#REF!")


def is_hxl_row(row: list[str]) -> bool:
    cells = [str(c).strip() for c in row if str(c or "").strip()]
    return bool(cells) and sum(_hxl_column(c) is not None for c in cells) >= max(1, len(cells) // 2)


def _hxl_field(schema: Schema, hxl_tag: hxl.model.Column) -> Field | None:
    """'#org+funder' matches both '#org' (partner) and '#org+funder' (donor): the most specific pattern wins."""
    matches = [
        (len(pattern.split("+")), f)
        for f in schema.fields
        for pattern in f.hxl
        if hxl.model.TagPattern.parse(pattern).match(hxl_tag)
    ]
    return max(matches, key=lambda m: m[0])[1] if matches else None


def _is_personal(header: str, hxl_tag: hxl.model.Column | None) -> bool:
    if hxl_tag is not None and any(hxl.model.TagPattern.parse(p).match(hxl_tag) for p in PERSONAL_DATA_HXL):
        return True
    return is_personal_header(header)


# --- header words ------------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def header_words(header: str) -> tuple[str, ...]:
    """The words a header names its column with: its first line (the lines under it are instructions to whoever
    fills the form), without the text in brackets, accents, case, underscores, units and filler words; a word glued
    to a number ("PROJET2") loses the number."""
    lines = [line for line in str(header).splitlines() if normalise_header(line)]
    text = normalise_header(lines[0]) if lines else ""
    words = (re.sub(r"(?<=[a-z])[0-9]+$", "", w) for w in text.split())
    return tuple(_stem(w) for w in words if w and w not in rules().filler_words)


def _stem(word: str) -> str:
    """A word without its plural and feminine ends: "payées", "payés", "payé" are one word."""
    for end in ("s", "x", "e"):
        if len(word) > 4 and word.endswith(end):
            word = word[: -len(end)]
    return word


def _word_in(word: str, words: frozenset[str] | tuple[str, ...]) -> bool:
    if word in words:
        return True
    r = rules()
    if len(word) < r.fuzzy_from_length or any(ch.isdigit() for ch in word):
        return False
    long_words = [w for w in words if len(w) >= r.fuzzy_from_length]
    return process.extractOne(word, long_words, scorer=fuzz.ratio, score_cutoff=r.word_ratio) is not None


@lru_cache(maxsize=1024)
def _vocabulary(f: Field) -> tuple[tuple[tuple[str, ...], ...], frozenset[str]]:
    """The field's names as words (without filler words) and all their words together."""
    names = tuple(
        {
            tuple(_stem(w) for w in normalise_header(n).split() if w not in rules().filler_words)
            for n in (f.name.replace("_", " "), f.label_fr, *f.synonyms)
        }
        - {()}
    )
    return names, frozenset(w for n in names for w in n)


@lru_cache(maxsize=65536)
def words_score(f: Field, words: tuple[str, ...]) -> float:
    """How well a header's words name the field, 0 to 1: one of its names whole among them (typos forgiven), and how
    many of the header's words are the field's ('Nom organization' 1, 'Type organisation' 0.625 for the partner)."""
    if not words:
        return 0.0
    names, vocabulary = _vocabulary(f)
    whole = max((sum(_word_in(w, words) for w in n) / len(n) for n in names), default=0.0)
    if whole < 1:
        whole /= 2  # part of a name: "code" alone is not "code région"
    own = sum(_word_in(w, vocabulary) for w in words) / len(words)
    return whole * (0.25 + 0.75 * own)


# --- values ------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"[-+(]?\s*[0-9][0-9\s\u00a0\u202f.,']*(?:[eE][-+]?[0-9]+)?\)?\s*%?")
_DATE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9:.]+)?|[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2,4}(?:\s+[0-9:]+)?"
)
PCODE_VALUE = re.compile(r"[A-Z]{2}[0-9]{2}(?:[0-9A-Z]{2}){0,4}")
# P-code length (letters of the country and digits, "CD5402ZS02" counting ten) -> its level's field.
PCODE_FIELDS = {4: "region_pcode", 6: "cercle_pcode"}
_QUARTER = re.compile(r"(?:t|q|trim(?:estre)?|quarter)\s*[1-4]|[1-4]", re.IGNORECASE)
_BLANK = {"", "-", "--", "n/a", "na", "nd", "#n/a", "none", "null", "néant", "neant"}
_CODE_FIELDS = ("code", "pcode", "id")
CELL_CHARS = 200  # what a cell's beginning says of its column; a longer text is a text


@dataclass(frozen=True)
class ColumnValues:
    """What a column's first body cells look like."""

    count: int
    numbers: float  # share of cells that are numbers
    integers: float
    years: float  # whole numbers between 1900 and 2100
    small: float  # numbers between 1 and 12 (a month, a quarter)
    shares: float  # percentages
    median: float  # of the numbers' sizes
    dates: float
    pcodes: float
    pcode_length: int | None
    currencies: float
    months: float
    quarters: float
    distinct: float  # distinct cells / cells
    mean_length: float
    words: frozenset[str] = frozenset()  # the field whose known words (mapping.yml's value_words) most cells are

    @classmethod
    def of(cls, cells: list[str]) -> ColumnValues:
        values = [" ".join(str(c)[:CELL_CHARS].split()) for c in cells if c is not None]
        return _column_values(tuple(v for v in values if v.lower() not in _BLANK))

    def fit(self, f: Field) -> float:
        """What the values say of the field, -1 (they contradict it) to +1 (they are what it holds); 0 when there is
        nothing to read."""
        if self.count == 0:
            return 0.0
        texts = 1 - self.numbers - self.dates
        if f.name in self.words:
            return 1.0
        if f.name.endswith("_pcode"):
            return 1.0 if self.pcodes >= 0.9 and _pcode_level(self.pcode_length) == f.name else -self.numbers
        if f.kind in {"amount", "amount_usd"}:
            # Money is numbers, rarely all years or all 1 to 12, mostly thousands and more.
            size = 0.2 if self.median >= 1000 else 0.0
            return self.numbers - texts - 0.5 * self.years - 0.5 * self.small - self.shares + size
        if f.kind == "share":
            return self.shares + 0.5 * self.numbers - texts
        if f.kind in {"date", "deadline"}:
            return self.dates - (1 - self.dates) * 0.8
        if f.kind == "currency":
            return self.currencies - (1 - self.currencies)
        if f.kind == "month":
            return self.months + self.small - texts * (1 - self.months)
        if f.name in {"year", "fiscal_year"}:
            return self.years - (1 - self.years)
        if f.name == "quarter":
            return self.quarters - (1 - self.quarters)
        if f.kind == "integer":  # counts of people: rarely millions on one row
            return self.integers - 0.5 * self.years - texts - (0.3 if self.median >= 1e6 else 0.0)
        if any(part in f.name.split("_") for part in _CODE_FIELDS):
            return 0.0  # a code may be digits or letters
        # Text: a label, a name, a place. Few repeated labels are a category (an institution, a sector); long
        # distinct texts a line label or an activity.
        # That it is text at all says little: half the weight of a number in an amount column.
        score = 0.5 * texts - self.numbers - self.dates
        if f.name in {"line_label", "activity", "description"}:
            score += 0.3 if self.mean_length >= 25 and self.distinct >= 0.5 else -0.2
        return max(-1.0, min(1.0, score))

    def contradicts(self, f: Field) -> bool:
        """Most of the values cannot be the field's: text where money, a date or a currency is."""
        share = rules().contradicted_from
        if f.kind in {"amount", "amount_usd", "integer"}:
            return self.count > 0 and self.numbers < share
        if f.kind in {"date", "deadline"}:
            return self.count > 0 and self.dates + self.numbers < share
        if f.kind == "currency":
            return self.count > 0 and self.currencies < share
        return False


@dataclass(frozen=True)
class _Cell:
    """What one cell is: read once, whatever candidate header row or schema it is looked at under."""

    number: float | None
    date: bool
    pcode: bool
    currency: bool
    month: bool
    quarter: bool
    words: frozenset[str]


@lru_cache(maxsize=65536)
def _cell_traits(value: str) -> _Cell:
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    return _Cell(
        number=_number(value),
        date=bool(_DATE.fullmatch(value)),
        pcode=bool(PCODE_VALUE.fullmatch(value)),
        currency=value.upper() in rules().currency_codes or header_currency(value) is not None,
        month=plain in rules().month_names,
        quarter=bool(_QUARTER.fullmatch(value)),
        words=frozenset(normalise_header(value).split()),
    )


@lru_cache(maxsize=4096)
def _column_values(values: tuple[str, ...]) -> ColumnValues:
    n = len(values)
    if not n:
        return ColumnValues(0, 0, 0, 0, 0, 0, 0, 0, 0, None, 0, 0, 0, 0, 0)
    cells = [_cell_traits(v) for v in values]
    found = [c.number for c in cells if c.number is not None]
    lengths = {len(v) for v, c in zip(values, cells, strict=True) if c.pcode}
    return ColumnValues(
        count=n,
        numbers=len(found) / n,
        integers=sum(x == int(x) for x in found) / n,
        years=sum(x == int(x) and 1900 <= x <= 2100 for x in found) / n,
        small=sum(x == int(x) and 1 <= x <= 12 for x in found) / n,
        shares=sum(v.endswith("%") for v in values) / n,
        median=float(np.median([abs(x) for x in found])) if found else 0.0,
        dates=sum(c.date for c in cells) / n,
        pcodes=sum(c.pcode for c in cells) / n,
        pcode_length=lengths.pop() if len(lengths) == 1 else None,
        currencies=sum(c.currency for c in cells) / n,
        months=sum(c.month for c in cells) / n,
        quarters=sum(c.quarter for c in cells) / n,
        distinct=len(set(values)) / n,
        mean_length=sum(map(len, values)) / n,
        words=_value_words([c.words for c in cells]),
    )


def _value_words(cells: list[frozenset[str]]) -> frozenset[str]:
    """The one field whose known values (mapping.yml's value_words) most cells are: short labels ("REVENUE",
    "TIGNERE COUNCIL"), not a sentence that happens to hold the word; none when two fields' words are there."""
    found = frozenset(
        name
        for name, known in rules().value_words.items()
        if sum(bool(w & known) and len(w) <= 3 for w in cells) >= 0.8 * len(cells)
    )
    return found if len(found) == 1 else frozenset()


def _pcode_level(length: int | None) -> str | None:
    return None if length is None else PCODE_FIELDS.get(length, "commune_pcode" if length >= 8 else None)


_CURRENCY_WORDS = re.compile(r"(?i)\b(?:f\s?cfa|cfa|xof|xaf|eur|euros?|usd|dollars?)\b|[€$]")


def _number(text: str) -> float | None:
    """A cell's number, written the way people write money ("45 000 000 FCFA", "2,000,000", "1.50E+10")."""
    if len(text) > 64:  # no number is written that long: a text
        return None
    text = _CURRENCY_WORDS.sub("", text).strip()
    if not _NUMBER.fullmatch(text):
        return None
    digits = re.sub(r"[\s\u00a0\u202f'%()+]", "", text)
    if not re.fullmatch(r"-?[0-9]+(?:[.,][0-9]+)?(?:[eE][-+]?[0-9]+)?", digits):
        digits = digits.replace(",", "").replace(".", "") if re.search(r"[.,][0-9]{3}(?:[.,]|$)", digits) else digits
    try:
        number = float(digits.replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


# --- the mapping -------------------------------------------------------------------------------------

EXACT = 5.0
NOTHING = Evidence(WORDS)  # a field's name word for word: always above any score of words and values together


def field_scores(
    schema: Schema, header: str, values: ColumnValues, fields: tuple[Field, ...] | None = None
) -> list[tuple[float, Evidence]]:
    """The column's score for each field of `fields` (the schema's by default) with its evidence."""
    seen = _header(header)
    named = bool(seen.exact)
    names = _names(schema)
    ranks: dict[str, int] = {}
    for norm in seen.qualified:  # a name followed by qualifiers comes after every name word for word
        ranks |= {f: 100 for f in names.get(norm, {})}
    for norm in seen.exact:
        ranks |= names.get(norm, {})
    r = rules()
    scores = []
    for f in fields or schema.fields:
        rank = ranks.get(f.name)
        by_words = words_score(f, seen.words) if rank is None and seen.known else 0.0
        if (
            rank is None
            and not by_words
            and not (f.name.endswith("_pcode") and values.pcodes)
            and f.name not in values.words
        ):
            scores.append((0.0, NOTHING))  # no word and no value names it: the values' fit need not be read
            continue
        fit = values.fit(f)
        if rank is not None:
            scores.append((EXACT - 0.01 * rank, Evidence("en-tête / header", 1.0, fit)))
            continue
        # Values alone name a column's field when they are P-codes, or the field's known words under no header.
        if fit >= 1 and (f.name.endswith("_pcode") or (f.name in values.words and not named)):
            scores.append((1.0 + by_words, Evidence(VALUES, by_words, fit)))
            continue
        if values.contradicts(f) or by_words == 0:
            scores.append((0.0, Evidence(WORDS, by_words, fit)))
            continue
        # Values confirm what words say; they do not say it for them: their share at most doubles the words'.
        scores.append((by_words + min(by_words, r.values_weight * fit), Evidence(WORDS, by_words, fit)))
    return scores


@dataclass(frozen=True)
class _Header:
    """A header as the fields see it: the texts that may be a field's name word for word (whole, first line, either
    followed by qualifiers only: 'Année RAP', 'EXEC CP 2017 RAP 2017') with their priority, and its words."""

    exact: tuple[str, ...]
    qualified: tuple[str, ...]
    words: tuple[str, ...]
    known: bool  # one of its words at least is some field's (else no field's words can name it)


@lru_cache(maxsize=65536)
def _header(header: str) -> _Header:
    norms = tuple(
        dict.fromkeys(
            n for n in (normalise_header(header), normalise_header(next(iter(str(header).splitlines()), ""))) if n
        )
    )
    qualified = []
    for norm in norms:
        words = norm.split()
        qualified += [" ".join(words[:k]) for k in range(1, len(words)) if all(map(is_qualifier, words[k:]))]
    words = header_words(header)
    return _Header(norms, tuple(qualified), words, any(map(_known_word, words)))


@lru_cache(maxsize=65536)
def _known_word(word: str) -> bool:
    return _word_in(word, _all_vocabulary())


@cache
def _all_vocabulary() -> frozenset[str]:
    from ingest.schemas import TABULAR_SCHEMAS

    return frozenset(w for schema in TABULAR_SCHEMAS for f in schema.fields for w in _vocabulary(f)[1])


_NAMES: dict[int, tuple[Schema, dict[str, dict[str, int]]]] = {}


def _names(schema: Schema) -> dict[str, dict[str, int]]:
    """Each normalised name of the schema's fields -> {field: its rank among the field's names} (0: its own name, so
    'Bailleur' beats 'Source de financement' for the donor)."""
    entry = _NAMES.get(id(schema))
    if entry is None or entry[0] is not schema:
        names: dict[str, dict[str, int]] = {}
        for f in schema.fields:
            for rank, name in enumerate((f.name, f.label_fr, *f.synonyms)):
                names.setdefault(normalise_header(name), {}).setdefault(f.name, rank)
        entry = _NAMES[id(schema)] = (schema, names)
    return entry[1]


def map_columns(
    schema: Schema,
    row: list[str],
    hxl_row: list[str] | None,
    header_row: int,
    body: list[list[str]] = (),
    profile: Profile = NO_PROFILE,
) -> SheetLayout:
    """The sheet's columns mapped to `schema`'s fields: a profile's choice, an HXL tag, then the best assignment
    of the fields left to the columns left by header words and values together."""
    layout = SheetLayout(schema=schema, header_row=header_row, columns=[], header_width=len(row))
    dated: dict[int, list[MappedColumn]] = {}
    fixed: dict[int, tuple[Field, Evidence]] = {}
    open_columns: list[tuple[int, str]] = []
    width = max(len(row), max((len(r) for r in body), default=0)) if profile.columns else len(row)
    for index in range(width):
        header = str(row[index] or "").strip() if index < len(row) else ""
        tag = _hxl_column(hxl_row[index]) if hxl_row and index < len(hxl_row) else None
        chosen = profile.column_field(index, header)
        if chosen == "-":
            layout.ignored.append(header or column_letter(index))
            continue
        if not header and tag is None and chosen is None and not any(_cell(r, index) for r in body):
            continue
        if _is_personal(header, tag):
            layout.dropped_personal.append(header or str(tag))
            continue
        if chosen:
            f = next((f for f in schema.fields if f.name == chosen), None)
            if f is not None:
                fixed[index] = (f, Evidence("profil / profile", 1.0))
            continue
        tagged = _hxl_field(schema, tag) if tag is not None else None
        if tagged is not None:
            fixed[index] = (tagged, Evidence("hxl", 1.0))
            continue
        year, of_year = _year_amount(schema, header) if tag is None else (None, None)
        if of_year is not None:
            dated.setdefault(year, []).append(
                MappedColumn(
                    index,
                    header,
                    of_year,
                    profile.scale or header_scale(header),
                    header_currency(header),
                    evidence=Evidence("en-tête et année / header and year", 1.0),
                )
            )
            continue
        open_columns.append((index, header or (str(tag) if tag is not None else "")))
    # A field a profile or a tag gives twice: the first column keeps it.
    taken: dict[str, int] = {}
    for index, (f, _) in sorted(fixed.items()):
        if f.name in taken:
            layout.ignored.append(str(row[index] or "").strip() if index < len(row) else column_letter(index))
            del fixed[index]
        else:
            taken[f.name] = index
    chosen = _assign(schema, open_columns, body, set(taken), layout)
    for index, (f, evidence) in (fixed | chosen).items():
        header = str(row[index] or "").strip() if index < len(row) else ""
        tag = _hxl_column(hxl_row[index]) if hxl_row and index < len(hxl_row) else None
        confidence = 1.0 if evidence.by != WORDS and evidence.values > -0.5 else _confidence(evidence)
        layout.columns.append(
            MappedColumn(
                index=index,
                header=header or (str(tag) if tag is not None else column_letter(index)),
                field=f,
                scale=profile.scale or header_scale(header),
                currency=header_currency(header),
                confidence=confidence,
                evidence=evidence,
            )
        )
    layout.columns.sort(key=lambda c: c.index)
    given = {c.field.name for c in layout.columns}
    if len(dated) > 1 and "fiscal_year" not in given:
        layout.years = dict(sorted(dated.items()))
    else:  # one year only: the amounts of the year the file is about ('EXEC CP 2017 RAP 2017')
        for columns in dated.values():
            for c in columns:
                if c.field.name not in given:
                    given.add(c.field.name)
                    layout.columns.append(c)
    return layout


def _cell(row: list, index: int) -> str:
    return str(row[index] or "").strip() if index < len(row) else ""


def _confidence(evidence: Evidence) -> float:
    return round(max(0.0, min(1.0, evidence.words + rules().values_weight * evidence.values)), 2)


def _assign(
    schema: Schema, columns: list[tuple[int, str]], body: list[list[str]], taken: set[str], layout: SheetLayout
) -> dict[int, tuple[Field, Evidence]]:
    """Fields to columns, jointly: the assignment of the largest total score, each pair applied when its score
    reaches the threshold; a column's best field below it is kept as uncertain."""
    fields = tuple(f for f in schema.fields if f.name not in taken)
    if not columns or not fields:
        return {}
    r = rules()
    evidence: list[list[Evidence]] = []
    matrix = np.zeros((len(columns), len(fields)))
    values = [ColumnValues.of([row[index] if index < len(row) else None for row in body]) for index, _ in columns]
    for k, (_, header) in enumerate(columns):
        scores = field_scores(schema, header, values[k], fields)
        evidence.append([e for _, e in scores])
        # Ties go to the earlier column and the earlier field, as a reader reads.
        matrix[k] = [s - 1e-6 * k - 1e-7 * j if s >= r.suggested_from else 0.0 for j, (s, _) in enumerate(scores)]
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    chosen = {}
    for k, j in zip(rows, cols, strict=True):
        index = columns[k][0]
        if matrix[k, j] >= r.applied_from:
            chosen[index] = (fields[j], evidence[k][j])
        elif matrix[k, j] > 0:
            layout.uncertain[index] = (fields[j], round(float(matrix[k, j]), 2))
    # A label the schema needs and no header names: the one column of long, distinct texts left is it (a budget's
    # "PHYSICAL UNIT DEMANDED"), applied with the lower confidence of values alone.
    given = taken | {f.name for f, _ in chosen.values()}
    for group in schema.required_any:
        label = schema.field(group[0])
        if given & set(group) or label.kind != "text":
            continue
        fitting = [
            k
            for k, (index, _) in enumerate(columns)
            if index not in chosen and values[k].fit(label) >= r.label_from_values
        ]
        if len(fitting) == 1:
            [k] = fitting
            chosen[columns[k][0]] = (label, Evidence(WORDS, 0.0, values[k].fit(label)))
            layout.uncertain.pop(columns[k][0], None)
    for index, header in columns:
        if index not in chosen:
            layout.ignored.append(header or column_letter(index))
    return chosen


_YEAR = re.compile(r"\b(19[89][0-9]|20[0-9]{2})\b")


def _year_amount(schema: Schema, header: str) -> tuple[int | None, Field | None]:
    """'2008 Budget' -> (2008, dotation): a header naming an amount field and one year, in either order."""
    years = set(_YEAR.findall(header))
    if len(years) != 1 or "fiscal_year" not in {f.name for f in schema.fields}:
        return None, None
    norm = normalise_header(_YEAR.sub(" ", header))
    f = next((f for f in schema.fields if f.kind == "amount" and f.matches(norm)), None)
    return (int(years.pop()), f) if f else (None, None)
