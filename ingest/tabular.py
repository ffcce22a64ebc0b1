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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from python_calamine import CalamineWorkbook

from ingest.errors import InputError
from ingest.mapping import SheetLayout

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
TABULAR_SUFFIXES = CSV_SUFFIXES | {".xlsx", ".xlsm", ".xls", ".ods"}
PREVIEW_ROWS = 40


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


def _check_extent(path: Path, not_read: set[str]) -> None:
    """Refuse an xlsx whose values reach so far that its grid cannot be held, before the reader allocates it. The
    sheets `not_read` (hidden, chart, pivot) are never given a grid: they are not scanned (on the OCHA Mali 5W, a
    third of its XML)."""
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        return  # the reader says what is wrong with it
    with archive:
        skipped = {member for name, member in _sheet_members(archive).items() if name in not_read}
        for member in archive.namelist():
            if not (member.startswith("xl/worksheets/") and member.endswith(".xml")) or member in skipped:
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
    sheets and pivot tables summarise or hide data that is elsewhere in the workbook. The workbook is opened
    without reading its sheets; a sheet's grid is read only once its extent is known to fit."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except BaseException as exc:  # calamine raises plain errors for corrupt or non-Excel files
        if not (isinstance(exc, Exception) or _is_reader_panic(exc)):
            raise
        raise InputError(f"classeur Excel illisible / unreadable workbook: {exc}") from exc
    pivots = _pivot_sheets(path)
    unread = {}
    for meta in workbook.sheets_metadata:
        if str(meta.visible) != "SheetVisibleEnum.Visible":
            unread[meta.name] = ("feuille masquée", "hidden sheet")
        elif str(meta.typ) != "SheetTypeEnum.WorkSheet":
            unread[meta.name] = ("feuille de graphique ou de macro", "chart or macro sheet")
        elif meta.name in pivots:
            unread[meta.name] = ("tableau croisé dynamique (un résumé)", "pivot table (a summary)")
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        _check_extent(path, set(unread))
    sheets = {}
    for meta in workbook.sheets_metadata:
        if meta.name in unread:
            continue
        try:
            rows = workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
        except BaseException as exc:
            if not (isinstance(exc, Exception) or _is_reader_panic(exc)):
                raise
            # A value the reader cannot hold (a duration or date cell of 1e18) fails its sheet, not the file.
            unread[meta.name] = (f"feuille illisible ({exc})", f"sheet unreadable ({exc})")
            continue
        sheets[meta.name] = [[_cell_text(v) for v in row] for row in rows]
    for name, lost in _values_calamine_empties(path, set(sheets)).items():
        grid = sheets[name]
        for (row, column), text in lost.items():
            if row < len(grid) and column < len(grid[row]) and not grid[row][column]:
                grid[row][column] = text
    return sheets, unread


def _is_reader_panic(exc: BaseException) -> bool:
    """calamine's Rust code stopped on a value (pyo3's PanicException, a BaseException): the file's content did it."""
    return type(exc).__name__ == "PanicException"


# What a formula cell holds when the workbook was saved without computing it (written by a program, not Excel).
NEVER_COMPUTED = "#NON_CALCULÉ"
_CELL_ADDRESS = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Z]{1,3})([0-9]{1,7})["']""")
_ERROR_TYPE = re.compile(rb"""(?:^|\s)t\s*=\s*["']e["']""")
_WHITESPACE = b" \t\r\n"


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


def _values_calamine_empties(path: Path, sheets: set[str]) -> dict[str, dict[tuple[int, int], str]]:
    """Per sheet of `sheets`, the cells the reader gives as empty though they are not: a formula's error (#N/A,
    #REF!: its name) and a formula never computed (NEVER_COMPUTED), by (row, column) from 0. Each then has its reason.
    Only those cells are parsed: the sheet's XML is scanned for its formulas and error types (a byte search), and
    the cell around each is read; the plain cells, nearly all of a sheet, are never parsed."""
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
            if sheet not in sheets or member not in names or not _may_hide_values(archive, member):
                continue
            with archive.open(member) as xml:
                for (row, column), text in _hiding_cells(xml):
                    found.setdefault(sheet, {})[(row, column)] = text
    return found


def _hiding_cells(xml, chunk_size: int = 1 << 22) -> Iterator[tuple[tuple[int, int], str]]:
    """The error and never-computed formula cells of a sheet's XML stream, (row, column) from 0 -> the text they
    stand for, in chunks cut before the last cell a chunk starts (the first chunk large enough to hold the sheet's
    namespace prefix). A cell placed by no `r` attribute is not placed (the reader's own places are not known)."""
    head = xml.read(chunk_size)
    found = _PREFIX.search(head)
    prefix = (found.group(1) or b"") if found else b""
    cell_start, formula, value = b"<" + prefix + b"c", b"<" + prefix + b"f", b"<" + prefix + b"v"
    cell = re.compile(rb"<%sc([^>]*?)(?:/>|>(.*?)</%sc>)" % (re.escape(prefix), re.escape(prefix)), re.S)
    begins_with_formula = re.compile(rb"\s*%s[\s/>]" % re.escape(formula))
    written = re.compile(rb"%s(?:\s[^>]*)?>([^<]*)<" % re.escape(value))
    tail, chunk = b"", head
    while chunk:
        block = tail + chunk
        chunk = xml.read(chunk_size)
        cut = block.rfind(cell_start) if chunk else -1
        block, tail = (block[:cut], block[cut:]) if cut >= 0 else (block, b"")
        cells = set()
        for marker in (formula, b'"e"', b"'e'"):  # a formula, or maybe an error type: the cell around it decides
            at = block.find(marker)
            while at >= 0:
                start = block.rfind(cell_start, 0, at)
                while start >= 0 and block[start + len(cell_start) : start + len(cell_start) + 1] not in _WHITESPACE:
                    start = block.rfind(cell_start, 0, start)  # <cols>, <col ...>: not a cell
                if start >= 0:
                    cells.add(start)
                at = block.find(marker, at + 1)
        for start in sorted(cells):
            parsed = cell.match(block, start)
            if parsed is None or parsed[2] is None:
                continue  # no cell, or one that holds nothing
            attributes, content = parsed[1], parsed[2]
            ref = _CELL_ADDRESS.search(attributes)
            value_text = written.search(content)
            text = value_text[1] if value_text else b""
            if _ERROR_TYPE.search(attributes):
                shown = html.unescape(text.decode("utf-8", "replace")) if text else None
            elif begins_with_formula.match(content) and not text:
                shown = NEVER_COMPUTED
            else:
                shown = None
            if shown and ref:
                yield (int(ref[2]) - 1, _column_number(ref[1]) - 1), shown


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
