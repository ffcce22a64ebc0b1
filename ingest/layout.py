"""The layout of a sheet, from what its grid shows: which rows are its header (up to three, a group cell over its
columns, other cells merged down; the names composed "Crédits / Dotation initiale"), an HXL row under it, what its
title block says of every line (fiscal year, as-of date, unit, currency, ministry), and the chapter headings that give
the institution of the lines below them. Words and patterns are in layout.yml. Columns are then mapped to fields by
`map_columns`.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import duckdb
import yaml

from ingest.mapping import NO_PROFILE, MappedColumn, SheetLayout, is_hxl_row, map_columns
from ingest.profiles import Profile
from ingest.schemas import TABULAR_SCHEMAS, Schema, header_currency, header_scale
from ingest.tabular import PREVIEW_ROWS

RULES = yaml.safe_load(Path(__file__).with_name("layout.yml").read_text(encoding="utf-8"))
CHAPTER_PREFIX = re.compile(RULES["chapter_prefix"], re.IGNORECASE)
TOTAL_WORDS = re.compile(RULES["total_words"])
AS_OF = re.compile(RULES["as_of"])
CONTEXT_WORDS = re.compile(RULES["context_words"])


def detect_layout(
    grid: list[list[str]], schemas: tuple[Schema, ...] = TABULAR_SCHEMAS, profile: Profile = NO_PROFILE
) -> SheetLayout | None:
    """Pick the (schema, header rows) whose header names the most fields, all required ones included; a header may
    span up to three rows (a group cell merged over its columns, other cells merged down); a profile may name the
    header row and map columns detection cannot."""
    best: tuple[int, int, SheetLayout] | None = None
    rows = range(PREVIEW_ROWS) if profile.header_line is None else [profile.header_line - 1]
    for i in rows:
        if i >= len(grid) or is_hxl_row(grid[i]):
            continue
        for row, last, extra_rows, composed in _header_candidates(grid, i):
            hxl_row = grid[last + 1] if last + 1 < len(grid) and is_hxl_row(grid[last + 1]) else None
            header_row = last + (1 if hxl_row else 0)
            body = grid[header_row + 1 : header_row + 1 + PREVIEW_ROWS]
            for schema in profile.schemas(schemas):
                layout = map_columns(schema, row, hxl_row, header_row, body, profile)
                _read_title_block(layout, grid[:i], profile)
                _add_profile_values(layout, profile)
                _add_chapters(layout, body)
                names = layout.fields_given
                if len(names) < 2 or schema.lacks(names):
                    continue
                # More fields wins; on a tie the fewest header rows (a title above a header is no header).
                if best is None or (len(names), -extra_rows) > best[:2]:
                    for c in layout.columns:
                        if not c.constant and c.index < len(composed) and composed[c.index]:
                            c.header = composed[c.index]
                    best = (len(names), -extra_rows, layout)
    return best[2] if best else None


MAX_HEADER_ROWS = 3


def _header_candidates(grid: list[list], i: int) -> list[tuple[list[str], int, int, list[str]]]:
    """The header rows starting at row i: one row, or two or three when each row's gaps are filled by the row below
    (a group cell over its sub-headers). Each as (the names mapped, last header row, rows added, the composed names
    shown): for a header over several rows both its composed names ("Crédits / Dotation révisée") and, for each
    column, its lowest cell (the sub-header, or the cell merged down over the rows)."""
    candidates = [(grid[i], i, 0, [str(c or "").strip() for c in grid[i]])]
    stack = [grid[i]]
    below = i
    while len(stack) < MAX_HEADER_ROWS:
        below += 1
        # A CSV record holding a line break leaves an empty row in the grid after it.
        while below < len(grid) and not grid[below] and below - i < 2 * MAX_HEADER_ROWS:
            below += 1
        if (
            below >= len(grid)
            or is_hxl_row(grid[below])
            or not (_is_merged_header(stack[-1], grid[below]) or _is_sub_header(stack[-1], grid[below]))
        ):
            break
        stack.append(grid[below])
        composed = stack[-1]
        for upper in reversed(stack[:-1]):
            composed = _two_row_header(upper, composed)
        width = max(len(r) for r in stack)
        lowest = [
            next((str(r[k]).strip() for r in reversed(stack) if k < len(r) and str(r[k] or "").strip()), "")
            for k in range(width)
        ]
        candidates += [(composed, below, len(stack) - 1, composed), (lowest, below, len(stack) - 1, composed)]
    return candidates


def _is_merged_header(top: list, below: list) -> bool:
    """A top row with gaps that the row below fills: the cells of a merged header ("Dotation" over 2023 | 2024)."""
    width = max(len(top), len(below))
    cells = [
        (str(top[k] or "").strip() if k < len(top) else "", str(below[k] or "").strip() if k < len(below) else "")
        for k in range(width)
    ]
    gaps = [k for k, (t, b) in enumerate(cells) if not t and b]
    return bool(gaps) and any(cells[k - 1][0] for k in gaps if k > 0) and sum(bool(b) for _, b in cells) >= 2


def _is_sub_header(top: list, below: list) -> bool:
    """A row of words under a header row, filled only under its cells and the gaps right of them, leaving cells
    of the header row empty below (merged down): a group's name between a wider group and its sub-headers."""
    cells = [str(c or "").strip() for c in below]
    upper = [str(c or "").strip() for c in top]
    filled = [k for k, c in enumerate(cells) if c]
    if not filled or any(_NUMBER_CELL.fullmatch(cells[k]) for k in filled):
        return False
    under_header = [k for k in filled if k < len(upper) and (upper[k] or any(upper[:k]))]
    merged_down = [k for k, c in enumerate(upper) if c and (k >= len(cells) or not cells[k])]
    # Under a row of groups each over one column, its sub-headers fill the same cells.
    same_cells = filled == [k for k, c in enumerate(upper) if c] and "" in upper
    return len(under_header) == len(filled) and (len(merged_down) >= len(filled) or same_cells)


_NUMBER_CELL = re.compile(r"[-+]?[0-9][0-9\s\u00a0.,]*%?")


def _two_row_header(top: list, below: list) -> list[str]:
    """Each column's header as the merged cell above it (carried right over its span) and its own cell."""
    width = max(len(top), len(below))
    header, carried = [], ""
    for k in range(width):
        t = str(top[k] or "").strip() if k < len(top) else ""
        b = str(below[k] or "").strip() if k < len(below) else ""
        carried = t or (carried if b else "")
        header.append(f"{carried} / {b}" if carried and b and carried != b else b or t)
    return header


_TITLE_YEAR = re.compile(
    r"\b(?:exercice|loi de finances|budget|gestion|annee|fiscal year|lfi|lfr|plf)\b[^0-9]{0,30}((?:19|20)[0-9]{2})\b"
)


_TITLE_UNIT = re.compile(
    r"\b(?:montants?|chiffres|donnees|amounts?|figures|unite|unit|exprimes?|en|in)\s*:?\s+(?:de\s+)?"
    r"(?:millions?|milliards?|milliers|thousands|billions?)\b(?:\s+(?:de\s+)?(?:f\s?cfa|fcfa|cfa|xof|xaf|francs?))?"
)


# "MINISTÈRE DE LA SANTÉ ET DU DÉVELOPPEMENT SOCIAL", "Budget 2024 - Ministère de l'Éducation nationale", "Ministry of
# Health": the ministry a budget's title block names, up to a dash, a colon, a bracket or a year.
_TITLE_MINISTRY = re.compile(
    r"\b((?:minist[eè]re|ministry)\s+(?:de|des|du|d['’]|of)\b[^\n\r:()\[\]]*?)\s*(?=$|\s[-–—|/]\s|[:()\[\]]|\b(?:19|20)[0-9]{2}\b)",
    re.IGNORECASE,
)


def _title_ministry(title_rows: list[list]) -> str | None:
    """The one ministry the title cells name (none when they name two: a joint order is no single institution)."""
    found = {m.group(1).strip(" ,;.") for row in title_rows for c in row if c for m in _TITLE_MINISTRY.finditer(str(c))}
    return found.pop() if len(found) == 1 else None


def _read_title_block(layout: SheetLayout, title_rows: list[list], profile: Profile) -> None:
    """What the rows above the header say of every line: the fiscal year ("Loi de finances 2024") when no column
    gives it, the unit ("montants en millions de FCFA") and currency of amount columns whose header says none, the
    ministry when no column names the institution."""
    title = " ".join(str(c) for row in title_rows for c in row if c)
    if not title.strip():
        return
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    # Only a unit said of the amounts counts ("12 millions de personnes" in a title is no unit).
    unit = _TITLE_UNIT.search(plain)
    scale, currency = (header_scale(unit.group(0)) if unit else 1.0), header_currency(title)
    for c in layout.all_columns:
        if c.field.kind == "amount":
            c.scale = profile.scale or (c.scale if c.scale != 1 else scale)
            c.currency = c.currency or currency
    years = set(_TITLE_YEAR.findall(plain)) or set(AS_OF.findall(plain))
    fields = {f.name for f in layout.schema.fields}
    mapped = {c.field.name for c in layout.columns}
    if "fiscal_year" in fields and len(years) == 1 and not layout.years and "fiscal_year" not in mapped:
        layout.years = {int(years.pop()): []}
    ministry = _title_ministry(title_rows) if "institution" in fields and "institution" not in mapped else None
    if ministry:
        layout.constants["institution"] = ministry


def _add_profile_values(layout: SheetLayout, profile: Profile) -> None:
    """A profile's `valeurs`: what every row of the file is and no cell says (a council's name, a version)."""
    mapped = {c.field.name for c in layout.all_columns}
    fields = {f.name for f in layout.schema.fields}
    for name, value in profile.values.items():
        if name not in fields or name in mapped:
            continue
        if name == "fiscal_year":
            if any(layout.years.values()):
                continue  # a wide layout's years are its columns'
            layout.years = {}
        layout.constants[name] = value


def missing_required(grid: list[list[str]], schema: Schema) -> list[str]:
    """For the error message: the required fields absent from the row that matches the schema best (with what the
    title block above it gives)."""
    best: set[str] = set()
    for i, row in enumerate(grid[:PREVIEW_ROWS]):
        hxl_row = grid[i + 1] if i + 1 < len(grid) and is_hxl_row(grid[i + 1]) else None
        layout = map_columns(schema, row, hxl_row, i)
        _read_title_block(layout, grid[:i], NO_PROFILE)
        names = layout.fields_given
        if len(names) > len(best):
            best = names
    return schema.lacks(best)


def _is_chapter_heading(row: list, amounts: set[int]) -> bool:
    """A row of one or two text cells, the first left of the last amount column, and no number in the amounts: the
    heading of the lines below it (a subtotal or a context line such as "BUDGETARY YEAR: 44" is no heading)."""
    cells = [(k, str(c).strip()) for k, c in enumerate(row) if str(c or "").strip()]
    if not 1 <= len(cells) <= 2 or cells[0][0] > max(amounts):
        return False
    if any(k in amounts and not _WORD.search(text) for k, text in cells):
        return False
    text = cells[0][1]
    return bool(_WORD.search(text)) and not TOTAL_WORDS.search(text) and not CONTEXT_WORDS.search(text)


_WORD = re.compile(r"[^\W\d_]{3}")


def _add_chapters(layout: SheetLayout, body: list[list]) -> None:
    """A budget sheet with no institution column whose lines sit under chapter headings ("CHAPTER 12 - MINISTRY
    OF PUBLIC WORKS"): each line's institution is the heading above it, landed in a column after the sheet's."""
    fields = {f.name for f in layout.schema.fields}
    if "institution" not in fields or "institution" in layout.fields_given or not layout.schema.row_skipped_without:
        return
    amounts = {c.index for c in layout.all_columns if c.field.kind == "amount"}
    if not amounts:
        return
    filled = [r for r in body if any(str(c or "").strip() for c in r)]
    # A heading is followed by a line with an amount; the first line of data sits under one.
    headed = [
        k
        for k, r in enumerate(filled[:-1])
        if _is_chapter_heading(r, amounts)
        and any(str(c or "").strip() for i, c in enumerate(filled[k + 1]) if i in amounts)
    ]
    first_line = next(
        (k for k, r in enumerate(filled) if any(str(c or "").strip() for i, c in enumerate(r) if i in amounts)), None
    )
    if not headed or first_line is None or headed[0] > first_line:
        return
    institution = layout.schema.field("institution")
    layout.chapter_column = layout.width
    layout.columns.append(MappedColumn(layout.chapter_column, "(chapitre / chapter)", institution))


def fill_chapters(con: duckdb.DuckDBPyConnection, table: str, layout: SheetLayout) -> None:
    """Each landed line's chapter column: the last chapter heading above it, without its number."""
    k = layout.chapter_column
    if k is None:
        return
    cells = [f"nullif(trim(c{i}), '')" for i in range(k)]
    at = sorted(c.index for c in layout.all_columns if c.field.kind == "amount" and c.index != k)
    filled = " + ".join(f"({c} IS NOT NULL)::INT" for c in cells)
    first = f"coalesce({', '.join(cells[: at[-1] + 1])})"  # a heading stands left of the last amount column
    word = "'[^\\W\\d_]{3}'"
    no_amount = " AND ".join(f"(nullif(trim(c{i}), '') IS NULL OR regexp_matches(c{i}, {word}))" for i in at)
    total = RULES["total_words"].removeprefix("(?i)")
    context = RULES["context_words"].removeprefix("(?i)")
    prefix = RULES["chapter_prefix"]
    heading = (
        f"CASE WHEN ({filled}) BETWEEN 1 AND 2 AND {no_amount} AND regexp_matches({first}, {word}) "
        f"AND NOT regexp_matches({first}, '{total}', 'i') AND NOT regexp_matches({first}, '{context}', 'i') "
        f"THEN nullif(trim(regexp_replace({first}, '{prefix}', '', 'i')), '') END"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table}_chapters AS SELECT * REPLACE (last_value({heading} IGNORE NULLS) "
        f"OVER (ORDER BY line_number ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS c{k}) FROM {table}"
    )
    [(kind,)] = con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = ?", [table]).fetchall()
    con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} {table}")
    con.execute(f"CREATE TEMP VIEW {table} AS SELECT * FROM {table}_chapters")
