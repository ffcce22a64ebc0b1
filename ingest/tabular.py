"""Read a CSV or XLSX sheet the way French Excel writes it into a DuckDB table of text cells.

Finds the header row under any title rows, reads an HXL hashtag row under it, maps columns to the
fields of a schema, drops columns that hold personal data, and lands every data row as text with its
physical line number (so a data officer can find it in Excel). Typing happens in SQL (ingest/values.py).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import html
import mmap
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import hxl.model
import numpy as np
import pandas as pd
from lxml import etree
from python_calamine import CalamineWorkbook

from ingest.errors import InputError
from ingest.profiles import Profile, column_letter
from ingest.schemas import (
    PERSONAL_DATA_HXL,
    Field,
    Schema,
    header_currency,
    header_scale,
    is_personal_header,
    normalise_header,
)

NO_PROFILE = Profile()
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
TABULAR_SUFFIXES = CSV_SUFFIXES | {".xlsx", ".xlsm", ".xls", ".ods"}
PREVIEW_ROWS = 40


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


def _field_for(schema: Schema, header: str, hxl_tag: hxl.model.Column | None) -> Field | None:
    if hxl_tag is not None:
        # '#org+funder' matches both '#org' (partner) and '#org+funder' (donor): the most specific pattern wins.
        matches = [
            (len(pattern.split("+")), f)
            for f in schema.fields
            for pattern in f.hxl
            if hxl.model.TagPattern.parse(pattern).match(hxl_tag)
        ]
        if matches:
            return max(matches, key=lambda m: m[0])[1]
    norm = normalise_header(header)
    if not norm:
        return None
    return next((f for f in schema.fields if f.matches(norm)), None) or next(
        (f for f in schema.fields if f.matches_qualified(norm)), None
    )


def _is_personal(header: str, hxl_tag: hxl.model.Column | None) -> bool:
    if hxl_tag is not None and any(hxl.model.TagPattern.parse(p).match(hxl_tag) for p in PERSONAL_DATA_HXL):
        return True
    return is_personal_header(header)


# A column of P-codes whatever its header ("Title" in a SharePoint export): ML01 (admin 1), ML0101 (admin 2), ...
PCODE_VALUE = re.compile(r"[A-Z]{2}[0-9]{2}(?:[0-9]{2}){0,2}")
PCODE_FIELDS = {4: "region_pcode", 6: "cercle_pcode", 8: "commune_pcode"}


def _pcode_field(schema: Schema, body: list[list[str]], index: int) -> Field | None:
    values = [str(r[index]).strip() for r in body if index < len(r) and str(r[index] or "").strip()]
    if len(values) < 3 or sum(bool(PCODE_VALUE.fullmatch(v)) for v in values) < 0.9 * len(values):
        return None
    lengths = {len(v) for v in values if PCODE_VALUE.fullmatch(v)}
    name = PCODE_FIELDS.get(lengths.pop()) if len(lengths) == 1 else None
    return next((f for f in schema.fields if f.name == name), None)


def map_columns(
    schema: Schema,
    row: list[str],
    hxl_row: list[str] | None,
    header_row: int,
    body: list[list[str]] = (),
    profile: Profile = NO_PROFILE,
) -> SheetLayout:
    layout = SheetLayout(schema=schema, header_row=header_row, columns=[], header_width=len(row))
    taken: set[str] = set()
    dated: dict[int, list[MappedColumn]] = {}
    width = max(len(row), max((len(r) for r in body), default=0)) if profile.columns else len(row)
    for index in range(width):
        header = str(row[index] or "").strip() if index < len(row) else ""
        tag = _hxl_column(hxl_row[index]) if hxl_row and index < len(hxl_row) else None
        chosen = profile.column_field(index, header)
        if chosen == "-":
            layout.ignored.append(header or column_letter(index))
            continue
        if not header and tag is None and chosen is None:
            continue
        if _is_personal(header, tag):
            layout.dropped_personal.append(header or str(tag))
            continue
        f = (
            next((f for f in schema.fields if f.name == chosen), None)
            if chosen
            else _field_for(schema, header, tag) or _pcode_field(schema, body, index)
        )
        year, of_year = _year_amount(schema, header) if chosen is None and tag is None else (None, None)
        if of_year is not None:
            dated.setdefault(year, []).append(
                MappedColumn(index, header, of_year, profile.scale or header_scale(header), header_currency(header))
            )
            continue
        if f is None or f.name in taken:
            layout.ignored.append(header or str(tag))
            continue
        taken.add(f.name)
        layout.columns.append(
            MappedColumn(
                index=index,
                header=header or (str(tag) if tag is not None else column_letter(index)),
                field=f,
                scale=profile.scale or header_scale(header),
                currency=header_currency(header),
            )
        )
    if len(dated) > 1 and "fiscal_year" not in taken:
        layout.years = dict(sorted(dated.items()))
    else:  # one year only: the amounts of the year the file is about ('EXEC CP 2017 RAP 2017')
        for columns in dated.values():
            for c in columns:
                if c.field.name not in taken:
                    taken.add(c.field.name)
                    layout.columns.append(c)
    return layout


_YEAR = re.compile(r"\b(19[89][0-9]|20[0-9]{2})\b")


def _year_amount(schema: Schema, header: str) -> tuple[int | None, Field | None]:
    """'2008 Budget' -> (2008, dotation): a header naming an amount field and one year, in either order."""
    years = set(_YEAR.findall(header))
    if len(years) != 1 or "fiscal_year" not in {f.name for f in schema.fields}:
        return None, None
    norm = normalise_header(_YEAR.sub(" ", header))
    f = next((f for f in schema.fields if f.kind == "amount" and f.matches(norm)), None)
    return (int(years.pop()), f) if f else (None, None)


# --- CSV ---------------------------------------------------------------------------------------------


@dataclass
class CsvText:
    """A CSV file made ready for DuckDB: a UTF-8 path, delimiter, and where its blank lines are."""

    path: Path
    encoding: str  # of the original file: utf-8, utf-8-sig (with BOM), utf-16 or a single-byte code page
    delimiter: str
    blank_lines: np.ndarray  # 1-based physical line numbers of whitespace-only lines
    temp: bool = False
    undefined_bytes: int = 0  # bytes the code page leaves undefined, kept as control characters
    # Line breaks inside the quoted records of the preview, by the grid index where each such record ends: DuckDB's
    # `skip` counts records, the grid counts lines.
    continuations: dict[int, int] = field(default_factory=dict)

    def cleanup(self) -> None:
        if self.temp:
            self.path.unlink(missing_ok=True)


# Single-byte encodings a spreadsheet or a database export really comes in, most likely first; UTF-8 and UTF-16
# are recognised by their bytes. A byte that cp1252 leaves undefined is kept as the control character of the same
# number (as browsers' "windows-1252" does) and said in the file's record.
SINGLE_BYTE_ENCODINGS = ("cp1252", "mac_roman", "cp850")
_FRENCH_LETTERS = set("àâäçéèêëîïôöûùüÿœæÀÂÄÇÉÈÊËÎÏÔÖÛÙÜŸŒÆ«»’‘“”–—…€°")
# A capital accented letter just after a small letter ("rÈgion"), a small one before a capital ("êTAT"), a
# control character or a symbol: what a text decoded with the wrong code page looks like.
_MISREAD = re.compile(
    r"[a-z][ÀÂÄÇÉÈÊËÎÏÔÖÛÙÜŒÆÃÅ]|[àâäçéèêëîïôöûùüœæ][A-Z]|[\x80-\x9f]|[^\x00-\x7f](?<!["
    + re.escape("".join(sorted(_FRENCH_LETTERS)))
    + r"])"
)


def _undefined_as_control(error: UnicodeDecodeError) -> tuple[str, int]:
    return chr(error.object[error.start]), error.start + 1


codecs.register_error("undefined_as_control", _undefined_as_control)


def _looks_utf16(head: bytes) -> str | None:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 16:
        if sample[1::2].count(0) > len(sample) // 4 and sample[0::2].count(0) == 0:
            return "utf-16-le"
        if sample[0::2].count(0) > len(sample) // 4 and sample[1::2].count(0) == 0:
            return "utf-16-be"
    return None


def decide_encoding(head: bytes, whole: bool) -> str:
    """UTF-8 (with or without BOM) or UTF-16 by their bytes; else the single-byte code page whose reading of the
    head has the most French letters and the fewest signs of a misreading (cp1252 on a tie)."""
    utf16 = _looks_utf16(head)
    if utf16:
        return utf16
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
        return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    except UnicodeDecodeError:
        pass

    def score(encoding: str) -> int:
        text = head.decode(encoding, errors="undefined_as_control")
        return sum(c in _FRENCH_LETTERS for c in text) - 3 * len(_MISREAD.findall(text))

    return max(SINGLE_BYTE_ENCODINGS, key=lambda e: (score(e), -SINGLE_BYTE_ENCODINGS.index(e)))


def _utf8_copy(path: Path, encoding: str) -> tuple[Path, int]:
    """DuckDB reads UTF-8 with \\n line ends only: a temporary copy, with the count of bytes the code page leaves
    undefined. Old Mac files end lines with CR alone; universal newlines read every kind."""
    fd, name = tempfile.mkstemp(suffix=".csv", prefix="ingest-")
    undefined = 0
    with (
        open(path, encoding=encoding, errors="undefined_as_control", newline=None) as src,
        os.fdopen(fd, "w", encoding="utf-8", newline="\n") as dst,
    ):
        while chunk := src.read(1 << 22):
            if encoding == "cp1252":
                undefined += sum(chunk.count(chr(b)) for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D))
            dst.write(chunk)
    return Path(name), undefined


HEAD_BYTES = 1 << 20  # where the encoding is decided; DuckDB checks the rest of the file as it reads it
CHECK_BYTES = 1 << 24


def _file_encoding(path: Path, head: bytes, whole: bool) -> str:
    """The encoding of a CSV file. Its head decides it, unless the head is plain ASCII: then only the bytes further
    down can tell UTF-8 from a code page (cp1252 whose first accent comes late), and the file is checked, at C speed,
    until its first byte that is not ASCII says which."""
    encoding = decide_encoding(head, whole)
    if whole or encoding not in {"utf-8", "utf-8-sig"} or not head.isascii():
        return encoding
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        fh.seek(len(head))
        while chunk := fh.read(CHECK_BYTES):
            if chunk.isascii():
                continue
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return decide_encoding(chunk, whole=False)
            return encoding  # its first accents are UTF-8
    return encoding


def prepare_csv(path: Path, encoding: str | None = None) -> CsvText:
    """The encoding, unless given, from the head of the file, or from its first bytes that are not ASCII (decoding
    hundreds of megabytes in Python would cost more than reading them into DuckDB); a file that is not UTF-8 with \\n
    line ends is copied as such first. Then one pass over the bytes at C speed for the blank lines."""
    if path.stat().st_size == 0:
        raise InputError("fichier vide / empty file")
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
        whole = len(head) < HEAD_BYTES
    if encoding is None:
        encoding = _file_encoding(path, head, whole)
    undefined = 0
    carriage_returns_only = b"\r" in head and b"\n" not in head
    if encoding in {"utf-8", "utf-8-sig"} and not carriage_returns_only:
        utf8_path, temp = path, False
    else:
        utf8_path, undefined = _utf8_copy(path, "utf-8-sig" if encoding == "utf-8" else encoding)
        temp = True
    with open(utf8_path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        # Whitespace-only lines, as 1-based line numbers (counting newlines between successive matches);
        # the pattern starts with a literal newline so the regex engine skips ahead at C speed.
        blanks = [1] if re.match(rb"[ \t\r]*(\n|$)", data[:4096]) else []
        line, previous = 1, 0
        for match in re.finditer(rb"\n[ \t\r]*(?=\n|\Z)", data):
            if match.end() == len(data):
                break
            line += data[previous : match.start() + 1].count(b"\n")
            previous = match.start() + 1
            blanks.append(line)
    with open(utf8_path, encoding="utf-8-sig", newline="") as fh:
        sample = "".join(fh.readline() for _ in range(PREVIEW_ROWS))
    delimiter = max([";", ",", "\t", "|"], key=sample.count)
    return CsvText(utf8_path, encoding, delimiter, np.asarray(blanks, dtype=np.int64), temp, undefined)


def _csv_preview(text: CsvText) -> list[list[str]]:
    """The first records as a grid whose indexes are physical lines - 1: blank lines are empty rows, and a record
    spanning several lines (a quoted header with a line break) sits at its last line, the lines before it empty,
    so that the data starts on the line after the header's index."""
    grid: list[list[str]] = []
    with open(text.path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=text.delimiter)
        while len(grid) < PREVIEW_ROWS:
            try:
                record = next(reader)
            except (StopIteration, csv.Error):
                break
            start = len(grid)
            grid.extend([] for _ in range(reader.line_num - len(grid) - 1))
            if len(grid) > start and record:
                text.continuations[len(grid)] = len(grid) - start
            grid.append(record if any(c.strip() for c in record) else [])
    return grid


def _land_csv(con: duckdb.DuckDBPyConnection, text: CsvText, layout: SheetLayout, table: str) -> None:
    """Create `table` (line_number, c<index>... as VARCHAR) from the data rows under the header.

    The cells are read into `<table>_cells` in file order, so rowids count the data rows (a window function
    would number them at half the reading speed). Rowids start at 0, or at a large offset for a table made
    inside a transaction: hence the minimum subtracted.
    """
    width = layout.width
    names = [f"c{i}" for i in range(width)]
    first_line = layout.header_row + 2  # physical line of the first data row
    skip = layout.header_row + 1 - sum(n for end, n in text.continuations.items() if end <= layout.header_row)
    read = (
        f"CREATE OR REPLACE TEMP TABLE {table}_cells AS SELECT * FROM read_csv('{_sql_text(text.path)}', "
        f"header = false, skip = {skip}, delim = '{_sql_text(text.delimiter)}', quote = '\"', "
        f"escape = '\"', null_padding = true, strict_mode = false, auto_detect = false, "
        f"columns = {{{', '.join(repr(n) + ': ' + repr('VARCHAR') for n in names)}}}OPTIONS)"
    )
    try:
        # DuckDB's parallel reader refuses a line break inside a quoted cell (a header written over two lines).
        con.execute(read.replace("OPTIONS", ", parallel = false" if text.continuations else ""))
    except duckdb.InvalidInputException as exc:  # the CSV reader's errors
        if text.encoding in {"utf-8", "utf-8-sig"} and "unicode" in str(exc).lower():
            raise InputError(
                "encodages mélangés : UTF-8 au début du fichier, d'autres octets plus loin ; enregistrez-le en UTF-8 / "
                f"mixed encodings: UTF-8 at the head of the file, other bytes further down; save it as UTF-8 ({exc})"
            ) from exc
        raise InputError(f"CSV illisible / unreadable CSV: {exc}") from exc
    [(first_rowid,)] = con.execute(f"SELECT coalesce(min(rowid), 0) FROM {table}_cells").fetchall()
    row_index = f"(c.rowid - {first_rowid})"
    data_blanks = text.blank_lines[text.blank_lines >= first_line]
    if data_blanks.size == 0:
        # No blank line among the data: the n-th row is on line first_line + n.
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT {row_index} + {first_line} AS line_number, c.* "
            f"FROM {table}_cells c"
        )
        return
    # DuckDB skips whitespace-only lines: give each row the physical line it came from.
    [(rows,)] = con.execute(f"SELECT count(*) FROM {table}_cells").fetchall()
    physical = np.setdiff1d(np.arange(first_line, first_line + rows + data_blanks.size, dtype=np.int64), data_blanks)[
        :rows
    ]
    con.register(
        "_physical_lines",
        pd.DataFrame({"row_index": np.arange(physical.size, dtype=np.int64), "line_number": physical}),
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_lines AS SELECT * FROM _physical_lines")
    con.unregister("_physical_lines")
    con.execute(f"""CREATE OR REPLACE TEMP VIEW {table} AS
                    SELECT l.line_number, c.* FROM {table}_cells c JOIN {table}_lines l ON l.row_index = {row_index}""")


def _cut_last_row(
    con: duckdb.DuckDBPyConnection, text: CsvText, layout: SheetLayout, table: str
) -> tuple[int, str] | None:
    """The line and text of the last row when the file was cut inside it (a transfer stopped half-way): the file
    ends with no line end, and that row has an unbalanced quote, fewer cells than every other row, or its last cell
    is shorter than every other value of its column ("60" where the others read "600 000")."""
    with open(text.path, "rb") as fh:
        fh.seek(max(0, fh.seek(0, 2) - 1))
        if fh.read(1) in {b"\n", b"\r", b""}:
            return None
    cells = [f"c{i}" for i in range(layout.width)]
    filled = f"len(list_filter([{', '.join(cells)}], lambda x: nullif(trim(x), '') IS NOT NULL))"
    # Only the last row comes into Python; what the other rows hold is summed up in DuckDB.
    last_row = con.execute(
        f"SELECT line_number, {filled}, {', '.join(cells)} FROM {table} ORDER BY line_number DESC LIMIT 1"
    ).fetchall()
    if not last_row:
        return None
    line, count, *last = last_row[0]
    k = max((i for i, v in enumerate(last) if (v or "").strip()), default=0)
    [(others, fewest, shortest)] = con.execute(
        f"SELECT count(*), min({filled}), min(length(nullif(trim(c{k}), ''))) FROM {table} WHERE line_number < ?",
        [line],
    ).fetchall()
    if others < 2:
        return None  # too few rows to compare the last with
    read = " ; ".join(v for v in last if v)
    if sum(str(v or "").count('"') for v in last) % 2 or count < fewest:
        return line, read
    return (line, read) if shortest is not None and len((last[k] or "").strip()) < shortest else None


def _decide_thousands(con: duckdb.DuckDBPyConnection, layout: SheetLayout, table: str, notes: list[str]) -> None:
    """Per amount column, from all its cells: a cell with two groups of three digits after commas ("2,000,000") or a
    comma before a decimal point ("1,250.50") says commas separate thousands in the whole column; dots likewise."""
    amounts = [c for c in layout.all_columns if c.field.kind in {"amount", "amount_usd"}]
    if not amounts:
        return
    # Each pattern needs two separators, the first a comma (a dot): the cells without them are passed over before
    # their spaces are taken out (a French column has one comma a cell: the whole column read in a third of the time).
    tests = ", ".join(
        f"bool_or(CASE WHEN regexp_matches(c{c.index}, ',.*[,.]') THEN regexp_matches(amount_nospace(c{c.index}), "
        f"'^[(+\\-−]?[0-9]{{1,3}}(,[0-9]{{3}}){{2,}}|[0-9],[0-9]{{3}}\\.[0-9]') ELSE false END), "
        f"bool_or(CASE WHEN regexp_matches(c{c.index}, '\\..*[.,]') THEN regexp_matches(amount_nospace(c{c.index}), "
        f"'^[(+\\-−]?[0-9]{{1,3}}(\\.[0-9]{{3}}){{2,}}|[0-9]\\.[0-9]{{3}},[0-9]') ELSE false END)"
        for c in amounts
    )
    [flags] = con.execute(f"SELECT {tests} FROM {table}").fetchall()
    for i, c in enumerate(amounts):
        comma, dot = bool(flags[2 * i]), bool(flags[2 * i + 1])
        if comma != dot:
            c.thousands = "," if comma else "."
            notes.append(
                f"colonne « {c.header} » : « {c.thousands} » sépare les milliers (lu sur toutes ses cellules) / "
                f"column '{c.header}': '{c.thousands}' separates thousands (read from all its cells)"
            )


def drop_landed(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Drop what _land_csv or _land_grid made for `table`."""
    made = con.execute(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_name IN (?, ?, ?, ?) "
        "ORDER BY table_type DESC",
        [table, f"{table}_cells", f"{table}_lines", f"{table}_chapters"],
    ).fetchall()
    for name, kind in made:  # the view first: it reads the tables
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} {name}")


def _sql_text(value: object) -> str:
    return str(value).replace("'", "''")


# --- XLSX --------------------------------------------------------------------------------------------


def _cell_text(value: object) -> str | None:
    """Excel's typed cells written back in the one text form the SQL parsers read without ambiguity."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"  # as Excel stores and names a logical cell
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    return str(value)


# A sheet is read as a full grid: one stray value at XFD1048576 would ask for 17 billion cells.
MAX_SHEET_CELLS = 50_000_000
# A row or a cell (attributes in any order and quotes), the cell with what follows its opening tag: a formula maybe,
# then a value holding text or an inline string, or nothing (`<v></v>`, `<c .../>`: no value). `{p}`: the sheet's
# namespace prefix, if it writes one.
_SHEET_TAG = rb"<{p}(row|c)(?=[\s/>])([^>]*?)(?:/>|>(?:<{p}f(?:[^>]*/>|[^>]*>[^<]*</{p}f>))?(<{p}v>[^<]|<{p}is[\s>])?)"
_REF = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Z]{0,3})([0-9]{1,7})["']""")
_PREFIX = re.compile(rb"<([A-Za-z_][\w.-]*:)?sheetData\b")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _sheet_extent(xml) -> tuple[int, int]:
    """(rows, columns) of the grid the reader (calamine) makes of a sheet's XML: up to its furthest cell holding a
    value (a `<v>` with text, or an inline string), placed as the reader places it: by its `r` wherever that attribute
    stands among the others, else after the row's previous cell, in its row's `r` (or the row after the previous
    one). The sheet's `<dimension>` is not read: the reader neither sizes the grid by it nor allocates for it, and a
    workbook that lies in it must not pass. Streamed in chunks, the first one large enough to hold the sheet's
    namespace prefix."""
    head = xml.read(1 << 22)
    found = _PREFIX.search(head)
    prefix = (found.group(1) or b"") if found else b""
    tags = re.compile(_SHEET_TAG.replace(b"{p}", re.escape(prefix)), re.S)
    starts = (b"<" + prefix + b"c", b"<" + prefix + b"row")
    rows = columns = row = column = 0
    tail, chunk = b"", head
    while chunk:
        block = tail + chunk
        chunk = xml.read(1 << 20)
        # A row or cell the chunk cuts is read with the next one; the last block is read whole.
        cut = max(block.rfind(start) for start in starts) if chunk else -1
        block, tail = (block[:cut], block[cut:]) if cut >= 0 else (block, b"")
        for tag, attributes, value in tags.findall(block):
            ref = _REF.search(attributes)
            if tag == b"row":
                row, column = (int(ref.group(2)) if ref else row + 1), 0
                continue
            row, column = (int(ref.group(2)), _column_number(ref.group(1))) if ref else (row, column + 1)
            if value:
                rows, columns = max(rows, row), max(columns, column)
    return rows, columns


def _check_extent(path: Path) -> None:
    """Refuse an xlsx whose values reach so far that its grid cannot be held, before the reader allocates it."""
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        return  # the reader says what is wrong with it
    with archive:
        for member in archive.namelist():
            if not (member.startswith("xl/worksheets/") and member.endswith(".xml")):
                continue
            with archive.open(member) as xml:
                rows, columns = _sheet_extent(xml)
            if rows * columns > MAX_SHEET_CELLS:
                raise InputError(
                    f"feuille démesurée : une valeur en ligne {rows}, colonne {columns} "
                    f"({rows * columns:,} cellules) ; "
                    f"supprimez les cellules éloignées / sheet too large: a value at row {rows}, column {columns} "
                    f"({rows * columns:,} cells); delete the stray cells"
                )


def _xlsx_sheets(path: Path) -> tuple[dict[str, list[list[str | None]]], dict[str, tuple[str, str]]]:
    """The grids of the sheets to read, and the sheets not read with why (French, English): hidden sheets, chart
    sheets and pivot tables summarise or hide data that is elsewhere in the workbook."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        _check_extent(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except BaseException as exc:  # calamine raises plain errors for corrupt or non-Excel files
        if not (isinstance(exc, Exception) or _is_reader_panic(exc)):
            raise
        raise InputError(f"classeur Excel illisible / unreadable workbook: {exc}") from exc
    pivots = _pivot_sheets(path)
    sheets, unread = {}, {}
    for meta in workbook.sheets_metadata:
        if str(meta.visible) != "SheetVisibleEnum.Visible":
            unread[meta.name] = ("feuille masquée", "hidden sheet")
        elif str(meta.typ) != "SheetTypeEnum.WorkSheet":
            unread[meta.name] = ("feuille de graphique ou de macro", "chart or macro sheet")
        elif meta.name in pivots:
            unread[meta.name] = ("tableau croisé dynamique (un résumé)", "pivot table (a summary)")
        else:
            try:
                rows = workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            except BaseException as exc:
                if not (isinstance(exc, Exception) or _is_reader_panic(exc)):
                    raise
                # A value the reader cannot hold (a duration or date cell of 1e18) fails its sheet, not the file.
                unread[meta.name] = (f"feuille illisible ({exc})", f"sheet unreadable ({exc})")
                continue
            sheets[meta.name] = [[_cell_text(v) for v in row] for row in rows]
    for name, lost in _values_calamine_empties(path).items():
        grid = sheets.get(name, [])
        for (row, column), text in lost.items():
            if row < len(grid) and column < len(grid[row]) and not grid[row][column]:
                grid[row][column] = text
    return sheets, unread


def _is_reader_panic(exc: BaseException) -> bool:
    """calamine's Rust code stopped on a value (pyo3's PanicException, a BaseException): the file's content did it."""
    return type(exc).__name__ == "PanicException"


# What a formula cell holds when the workbook was saved without computing it (written by a program, not Excel).
NEVER_COMPUTED = "#NON_CALCULÉ"
_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CELL_ADDRESS = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


def _sheet_members(archive) -> dict[str, str]:
    """Sheet name -> its XML member in the xlsx archive."""
    workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    targets |= {k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)}
    members = {}
    for name, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', workbook):
        target = targets.get(rid, "")
        members[html.unescape(name)] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return members


def _values_calamine_empties(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Per sheet, the cells the reader gives as empty though they are not: a formula's error (#N/A, #REF!: its
    name) and a formula never computed (NEVER_COMPUTED), by (row, column) from 0. Each then has its reason."""
    import zipfile

    if path.suffix.lower() not in {".xlsx", ".xlsm"}:
        return {}
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        return {}
    found: dict[str, dict[tuple[int, int], str]] = {}
    with archive:
        names = set(archive.namelist())
        for sheet, member in _sheet_members(archive).items():
            if member not in names or not _may_hide_values(archive, member):
                continue
            with archive.open(member) as xml:
                for _, cell in etree.iterparse(xml, tag=f"{_SHEET_NS}c", resolve_entities=False, no_network=True):
                    value, formula = cell.find(f"{_SHEET_NS}v"), cell.find(f"{_SHEET_NS}f")
                    written = value.text if value is not None else None
                    text = (
                        written
                        if cell.get("t") == "e"
                        else NEVER_COMPUTED
                        if formula is not None and not written
                        else None
                    )
                    ref = _CELL_ADDRESS.fullmatch(cell.get("r") or "")
                    if text and ref:
                        found.setdefault(sheet, {})[(int(ref[2]) - 1, _column_number(ref[1].encode()) - 1)] = text
                    cell.clear()
    return found


def _may_hide_values(archive, member: str) -> bool:
    """Whether a sheet holds an error cell or a formula at all (a byte scan, cheaper than parsing every cell)."""
    tail = b""
    with archive.open(member) as xml:
        while chunk := xml.read(1 << 20):
            block = tail + chunk
            if b't="e"' in block or b"<f>" in block or b"<f " in block:
                return True
            tail = block[-8:]
    return False


def _pivot_sheets(path: Path) -> set[str]:
    """Names of the sheets holding a pivot table (their relationships point at xl/pivotTables/)."""
    import zipfile

    if path.suffix.lower() not in {".xlsx", ".xlsm"}:
        return set()
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        return set()
    with archive:
        names = set(archive.namelist())
        if not any(n.startswith("xl/pivotTables/") for n in names):
            return set()
        pivots = set()
        for name, member in _sheet_members(archive).items():
            rel = f"xl/worksheets/_rels/{Path(member).name}.rels"
            if rel in names and b"pivotTable" in archive.read(rel):
                pivots.add(name)
        return pivots


@dataclass
class Source:
    """A CSV file or a workbook read for landing: the grids of its sheets to read (a CSV's one grid under None) and
    what reading it noted (encoding, sheets not read and why). `land` puts one sheet's data rows in a table; `close`
    when done."""

    path: Path
    grids: dict[str | None, list[list[str | None]]]
    notes: list[str] = field(default_factory=list)
    text: CsvText | None = None
    cut_row: tuple[int, str] | None = None  # a CSV's last row when the file ends inside it: line, text as read

    @property
    def encoding(self) -> str | None:
        return self.text.encoding if self.text else None

    def land(self, con: duckdb.DuckDBPyConnection, sheet: str | None, layout: SheetLayout, table: str) -> None:
        """`sheet`'s data rows under `layout`'s header into `table` (line_number, c<index>... as VARCHAR), each
        amount column's thousands separator decided from all its cells (said in the notes)."""
        if self.text is None:
            _land_grid(con, self.grids[sheet], layout, table)
        else:
            _land_csv(con, self.text, layout, table)
            self.cut_row = _cut_last_row(con, self.text, layout, table)
        _decide_thousands(con, layout, table, self.notes)

    def close(self) -> None:
        if self.text is not None:
            self.text.cleanup()


def _encoding_notes(text: CsvText) -> list[str]:
    notes = [f"encodage / encoding: {text.encoding}"]
    if text.undefined_bytes:
        notes.append(
            f"{text.undefined_bytes} octet(s) non définis en cp1252 gardés tels quels / "
            f"byte(s) undefined in cp1252 kept as they are"
        )
    return notes


def open_source(path: Path, only_sheet: str | None = None) -> Source:
    """A CSV (.csv, .txt, .tsv) or a workbook, read for landing; `only_sheet`: the one sheet a profile names (the
    others are noted as not read). Hidden, chart and pivot sheets are not read, and said so."""
    if path.suffix.lower() in CSV_SUFFIXES:
        text = prepare_csv(path)
        try:
            return Source(path, {None: _csv_preview(text)}, _encoding_notes(text), text)
        except Exception:
            text.cleanup()
            raise
    grids, unread = _xlsx_sheets(path)
    if only_sheet is not None:
        if only_sheet not in grids:
            raise InputError(
                f"feuille « {only_sheet} » du profil absente (feuilles : {', '.join(grids)}) / "
                f"the profile's sheet is not in the workbook"
            )
        unread |= {name: ("autre feuille que celle du profil", "not the profile's sheet") for name in grids}
        unread.pop(only_sheet)
    for name in unread:
        grids.pop(name, None)
    notes = [f"feuille « {name} » non lue : {fr} / sheet '{name}' not read: {en}" for name, (fr, en) in unread.items()]
    return Source(path, grids, notes)


def _land_grid(con: duckdb.DuckDBPyConnection, grid: list[list[str | None]], layout: SheetLayout, table: str) -> None:
    width = layout.width
    body = grid[layout.header_row + 1 :]
    frame = pd.DataFrame(
        [(row + [None] * width)[:width] for row in body], columns=[f"c{i}" for i in range(width)], dtype="object"
    )
    frame.insert(0, "line_number", np.arange(layout.header_row + 2, layout.header_row + 2 + len(body), dtype=np.int64))
    con.register("_grid", frame)
    cells = ", ".join(f"CAST(c{i} AS VARCHAR) AS c{i}" for i in range(width))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT line_number, {cells} FROM _grid")
    con.unregister("_grid")
