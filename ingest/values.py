"""Type the landed text cells of a sheet in one SQL pass, and say why a row cannot be loaded.

Each cell that cannot be read (an amount that is not a number, a date that is not a date, an unknown
currency, a required value missing) becomes a problem with its column, raw value and a reason in French
and English; a row with at least one problem is rejected whole, the others are loaded.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb
import pycountry

from ingest.schemas import Field, Schema
from ingest.tabular import SheetLayout

PARSERS_SQL = Path(__file__).with_name("sql").joinpath("parsers.sql")

SQL_TYPES = {
    "text": "VARCHAR",
    "amount": "DECIMAL(20, 2)",
    "date": "DATE",
    "integer": "BIGINT",
    "share": "DOUBLE",
    "currency": "VARCHAR",
    "deadline": "DATE",  # plus <name>_text: "à communiquer ultérieurement" is a deadline with no date
}
NULL_TOKENS = ("", "-", "--", "n/a", "na", "nd", "n.d.", "?", "null", "none", "neant", "néant", "nc")
ZERO_TOKENS = ("-", "--", "neant", "néant")  # accounting "nothing" in an amount cell
TOTAL_LABELS = ("total", "total general", "total général", "sous-total", "sous total", "grand total", "totaux")

REASONS = {
    "amount": ("montant illisible", "amount is not a number"),
    "date": ("date illisible (attendu jj/mm/aaaa)", "date cannot be read (expected dd/mm/yyyy)"),
    "deadline": ("date illisible (attendu jj/mm/aaaa)", "date cannot be read (expected dd/mm/yyyy)"),
    "integer": ("nombre entier illisible", "whole number cannot be read"),
    "share": ("pourcentage illisible", "percentage cannot be read"),
    "currency": ("devise inconnue (code ISO attendu, ex. XOF)", "unknown currency (ISO code expected, e.g. XOF)"),
    "required": ("valeur obligatoire manquante", "required value is missing"),
    "currency_conflict": ("devise contradictoire entre les colonnes", "currencies disagree between columns"),
    "total": ("ligne de total ignorée (les totaux sont recalculés)", "total row skipped (totals are recomputed)"),
}


def connect(path: str | Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the French value parsers loaded."""
    con = duckdb.connect(str(path) if path else ":memory:", read_only=read_only)
    con.execute(PARSERS_SQL.read_text(encoding="utf-8"))
    return con


@cache
def _iso_currencies() -> str:
    codes = sorted({c.alpha_3 for c in pycountry.currencies} | {"XOF", "XAF"})
    return ", ".join(f"'{c}'" for c in codes)


def output_columns(schema: Schema) -> list[tuple[str, str]]:
    """(name, SQL type) of the typed columns a raw table holds for the schema's fields."""
    columns = []
    for f in schema.fields:
        columns.append((f.name, SQL_TYPES[f.kind]))
        if f.kind == "deadline":
            columns.append((f"{f.name}_text", "VARCHAR"))
    return columns


def output_type(schema: Schema, name: str) -> str:
    return dict(output_columns(schema))[name]


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _blank(raw: str) -> str:
    tokens = ", ".join(_q(t) for t in NULL_TOKENS)
    return f"(nullif(trim({raw}), '') IS NULL OR lower(trim({raw})) IN ({tokens}))"


def _redact(expr: str) -> str:
    """Names cannot be recognised in free text, but e-mail addresses and phone numbers can."""
    expr = f"regexp_replace({expr}, '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{{2,}}', '[courriel retiré]', 'g')"
    return f"regexp_replace({expr}, '(\\+?223[ .]?)?\\b[0-9]{{2}}([ .]?[0-9]{{2}}){{3}}\\b', '[téléphone retiré]', 'g')"


def _value(f: Field, raw: str, scale: float) -> str:
    blank = _blank(raw)
    if f.kind == "text":
        return f"CASE WHEN {blank} THEN NULL ELSE {_redact(f'trim({raw})')} END"
    if f.kind == "amount":
        zero = ", ".join(_q(t) for t in ZERO_TOKENS)
        return (
            f"CASE WHEN lower(trim({raw})) IN ({zero}) THEN 0 WHEN {blank} THEN NULL "
            f"ELSE parse_amount({raw}) * CASE WHEN cell_scale({raw}) = 1 THEN {scale!r} ELSE 1 END END"
        )
    parser = {"date": "parse_date", "deadline": "parse_date", "integer": "parse_integer", "share": "parse_share",
              "currency": "parse_currency"}[f.kind]
    return f"CASE WHEN {blank} THEN NULL ELSE {parser}({raw}) END"


def _invalid(f: Field, raw: str, value: str) -> str:
    if f.kind == "deadline":
        return f"(NOT {_blank(raw)} AND {value} IS NULL AND regexp_matches({raw}, '[0-9]'))"
    if f.kind == "currency":
        return f"(NOT {_blank(raw)} AND coalesce({value} NOT IN ({_iso_currencies()}), true))"
    return f"(NOT {_blank(raw)} AND {value} IS NULL)"


def _problem(column: str, raw: str, reason: str) -> str:
    fr, en = REASONS[reason]
    return (f"{{'column_name': {_q(column)}, 'raw_value': CAST({raw} AS VARCHAR), "
            f"'reason_fr': {_q(fr)}, 'reason_en': {_q(en)}}}")


def typed_select(layout: SheetLayout, cells: str) -> str:
    """SELECT over the landed cells giving every schema field typed, the resolved currency and problems."""
    schema: Schema = layout.schema
    by_name = {c.field.name: c for c in layout.columns}
    values, checks = {}, []
    for f in schema.fields:
        col = by_name.get(f.name)
        if col is None:
            values[f.name] = f"CAST(NULL AS {SQL_TYPES[f.kind]})"
            if f.kind == "deadline":
                values[f"{f.name}_text"] = "CAST(NULL AS VARCHAR)"
            continue
        raw = f"c{col.index}"
        value = _value(f, raw, col.scale)
        values[f.name] = value
        if f.kind == "deadline":
            values[f"{f.name}_text"] = f"CASE WHEN {_blank(raw)} THEN NULL ELSE trim({raw}) END"
        if f.kind in REASONS:
            checks.append(f"CASE WHEN {_invalid(f, raw, value)} THEN {_problem(col.header, raw, f.kind)} END")
        if f.required:
            checks.append(f"CASE WHEN {_blank(raw)} THEN {_problem(col.header, raw, 'required')} END")

    # Currency of the row: written in an amount cell, else the currency column, else the header, else XOF.
    amount_cols = [c for c in layout.columns if c.field.kind == "amount"]
    written = [f"cell_currency(c{c.index})" for c in amount_cols]
    if "currency" in by_name:
        written.append(values["currency"])
    header = sorted({c.currency for c in amount_cols if c.currency})
    written += [_q(h) for h in header[:1]]
    currency = f"coalesce({', '.join(written + [_q('XOF')])})"
    assumed = f"({' AND '.join(w + ' IS NULL' for w in written) or 'true'})"
    for c in amount_cols:
        raw = f"c{c.index}"
        checks.append(
            f"CASE WHEN cell_currency({raw}) IS NOT NULL AND cell_currency({raw}) <> {currency} "
            f"THEN {_problem(c.header, raw, 'currency_conflict')} END"
        )
    label_cols = [c for c in layout.columns if c.field.kind == "text"][:3]
    totals = ", ".join(_q(t) for t in TOTAL_LABELS)
    for c in label_cols:
        checks.append(
            f"CASE WHEN strip_accents(lower(trim(c{c.index}))) IN ({totals}) "
            f"THEN {_problem(c.header, f'c{c.index}', 'total')} END"
        )

    mapped = [f"c{c.index}" for c in layout.columns]
    not_blank_row = " OR ".join(f"NOT {_blank(m)}" for m in mapped)
    typed = ",\n    ".join(
        f"CAST({v} AS {output_type(schema, n)}) AS {n}" for n, v in values.items() if n != "currency"
    )
    problems = ",\n        ".join(checks) or "NULL"
    return f"""
SELECT
    line_number,
    {typed},
    {currency} AS currency,
    {assumed} AS currency_assumed,
    list_filter([
        {problems}
    ], lambda p: p IS NOT NULL) AS problems
FROM {cells}
WHERE {not_blank_row}
"""
