"""The one writer of every CSV we publish (receipts, extracts, HXL extracts): nothing in them runs as a formula.

A spreadsheet runs a cell starting with `=`, `+`, `-` or `@` as a formula, and one starting with a tab or a carriage
return once it strips it; such a text gets a leading apostrophe, in any column, the header rows and the sheet and
column names a receipt quotes included. Numbers are numbers (a negative amount stays `-12,5`): only texts are
neutralised, which is why the rows come as Python values, never as text already formatted.

UTF-8 with a BOM so that Excel reads the accents; `;` and decimal commas for French Excel, or `,` and points.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
from collections.abc import Iterable, Sequence
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(text: str) -> str:
    """A text as a spreadsheet must show it: never run as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(value: object, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return text_cell(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal | float):
        written = str(value)
        return written.replace(".", ",") if decimal_comma else written
    if isinstance(value, dt.datetime | dt.date | int):
        return str(value)
    if isinstance(value, list | tuple):
        return text_cell("[" + ", ".join("" if v is None else str(v) for v in value) + "]")
    return text_cell(str(value))


def write_csv(
    path: Path, head: Sequence[Sequence[object]], rows: Iterable[Sequence[object]], delimiter: str = ";"
) -> None:
    """The head rows (header, HXL hashtags) then the rows, every cell through `text_cell`; with `;`, decimal
    commas."""
    decimal_comma = delimiter == ";"
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        # Lines end in CRLF: a CR or LF inside a cell then gets the cell quoted.
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
        for row in head:
            writer.writerow([_cell(v, decimal_comma) for v in row])
        for row in rows:
            writer.writerow([_cell(v, decimal_comma) for v in row])
