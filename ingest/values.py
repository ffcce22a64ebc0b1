"""Type the landed text cells of a sheet in one SQL pass, and say why a row cannot be loaded.

Each cell that cannot be read (an amount that is not a number, a date that is not a date, an unknown
currency, a required value missing) becomes a problem with its column, raw value and a reason in French
and English. The smallest unit holding it goes: the cell of an optional field that is not money is left
empty and its row loaded; otherwise the row is rejected; a total row is skipped (totals are recomputed).
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from pathlib import Path

import duckdb
import ftfy

from ingest import personal_data, plausibility
from ingest.mapping import SheetLayout
from ingest.schemas import MONEY, Field, Schema
from ingest.tabular import NEVER_COMPUTED

PARSERS_SQL = Path(__file__).with_name("sql").joinpath("parsers.sql")

SQL_TYPES = {
    "text": "VARCHAR",
    "amount": MONEY,
    "amount_usd": MONEY,  # a US dollar equivalent the source states beside its amount
    "date": "DATE",
    "integer": "BIGINT",
    "month": "BIGINT",  # 1-12, written as a number or a name (juin, June)
    "share": "DOUBLE",
    "currency": "VARCHAR",
    "deadline": "DATE",  # plus <name>_text: "à communiquer ultérieurement" is a deadline with no date
}
NULL_TOKENS = ("", "-", "--", "n/a", "na", "nd", "n.d.", "?", "null", "none", "neant", "néant", "nc")
ZERO_TOKENS = ("-", "--", "neant", "néant")  # accounting "nothing" in an amount cell (all of them NULL_TOKENS)
TOTAL_LABELS = (
    "total",
    "total general",
    "total général",
    "sous-total",
    "sous total",
    "subtotal",
    "sub-total",
    "grand total",
    "totaux",
)
# Anchored regexes, any case, with the spaces DuckDB's trim() removes (Unicode Zs: also non-breaking ones) around;
# on a cell with text in it they fail at its first letter.
# What Excel writes in a cell whose formula failed: missing, with that reason (never text nor a number).
EXCEL_ERRORS = (
    "#N/A",
    "#REF!",
    "#DIV/0!",
    "#VALUE!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#SPILL!",
    "#CALC!",
    "#GETTING_DATA",
    NEVER_COMPUTED,
)
EXCEL_ERROR_PATTERN = r"\p{Zs}*(" + "|".join(re.escape(t) for t in EXCEL_ERRORS) + r")\p{Zs}*"
BLANK_PATTERN = r"\p{Zs}*(" + "|".join(re.escape(t) for t in (*NULL_TOKENS, *EXCEL_ERRORS)) + r")\p{Zs}*"
# "Total", "Total :", "Sous-total programme 1", "Total Sub-Head 6.12": a total word alone or with words ending in the
# number of what it totals ("Total Nutrition" names a sector, not a total).
TOTAL_PATTERN = (
    r"\p{Zs}*(" + "|".join(re.escape(t) for t in TOTAL_LABELS) + r")(\p{Zs}*:|[\p{Zs}:.-].*[0-9][0-9.]*)?\p{Zs}*"
)

REASONS = {
    "amount": ("montant illisible", "amount is not a number"),
    "amount_usd": ("équivalent USD illisible", "USD equivalent is not a number"),
    "date": ("date illisible (attendu jj/mm/aaaa)", "date cannot be read (expected dd/mm/yyyy)"),
    "deadline": ("date illisible (attendu jj/mm/aaaa)", "date cannot be read (expected dd/mm/yyyy)"),
    "integer": ("nombre entier illisible", "whole number cannot be read"),
    "month": ("mois illisible (1 à 12 ou nom du mois)", "month cannot be read (1 to 12 or the month's name)"),
    "share": ("pourcentage illisible", "percentage cannot be read"),
    "currency": ("devise inconnue (code ISO attendu, ex. XOF)", "unknown currency (ISO code expected, e.g. XOF)"),
    "required": ("valeur obligatoire manquante", "required value is missing"),
    "excel_error": (
        "erreur de formule Excel ou formule jamais calculée",
        "Excel formula error or formula never computed",
    ),
    "implausible_date": (
        "date hors des années possibles, sans doute une faute de frappe",
        "date outside the possible years, likely a typo",
    ),
    "scientific": (
        "montant en notation scientifique, peut-être arrondi par le tableur",
        "amount in scientific notation, possibly rounded by the spreadsheet",
    ),
    "no_amount": ("ligne de chapitre sans montant, pas une ligne budgétaire", "chapter row with no amount, not a line"),
    "currency_conflict": ("devise contradictoire entre les colonnes", "currencies disagree between columns"),
    "total": ("ligne de total ignorée (les totaux sont recalculés)", "total row skipped (totals are recomputed)"),
    "name": ("pas un nom : trop peu de lettres", "not a name: too few letters"),
    "says_nothing": (
        "ligne sans lieu, secteur, activité, montant ni bénéficiaires",
        "row with no place, sector, activity, amount nor beneficiaries",
    ),
}
# Who a row is about must be a name: two letters in a row and at least a third of its non-blank characters letters
# ("3AG", "4H Mali", "ONG 12345" are; a soup of digits and signs from a corrupt export is not). A place, a sector or a
# donor that is not a name is left empty (its row loaded, the cell in ops.rejects); who the row is about rejects it.
NAMING_FIELDS = {"partner", "institution", "holder"}
NAMED_FIELDS = {"donor", "region", "cercle", "commune", "sector"}


# Text encoded twice (UTF-8 bytes read as cp1252: "maÃ®tre", "â€™") looks like this; ftfy repairs such a cell where
# the repair round-trips. The regex finds the few candidates so that Python only sees those cells.
MOJIBAKE_PATTERN = (
    "Ã[\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u2018-\u203a\u20ac\u2122]|Â[\u00a0-\u00bf]|â€"
)


def _repair_mojibake(text: str) -> str:
    return ftfy.fix_encoding(text)


def connect(path: str | Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the French value parsers loaded."""
    con = duckdb.connect(str(path) if path else ":memory:", read_only=read_only)
    con.execute(PARSERS_SQL.read_text(encoding="utf-8"))
    varchar = duckdb.sqltype("VARCHAR")
    con.create_function("repair_mojibake", _repair_mojibake, [varchar], varchar)
    con.create_function("redact_personal_data", personal_data.redact, [varchar], varchar)
    return con


@cache
def _iso_currencies() -> str:
    return ", ".join(f"'{c}'" for c in sorted(plausibility.currency_codes()))


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


def sql_string(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _blank(raw: str) -> str:
    return f"({raw} IS NULL OR regexp_full_match({raw}, {sql_string(BLANK_PATTERN)}, 'i'))"


def redacted_sql(raw: str, trimmed: bool = True) -> str:
    """The cell with e-mail addresses, phone numbers and people's names replaced by ingest/personal_data.py's
    `redact` (registered by `connect`), called only on cells where its cheap hint (RE2 here) finds something."""
    kept = f"trim({raw})" if trimmed else f"CAST({raw} AS VARCHAR)"
    suspicious = f"regexp_matches({raw}, {sql_string(personal_data.hint_sql())})"
    return f"CASE WHEN {suspicious} THEN redact_personal_data({kept}) ELSE {kept} END"


def _decimal_literal(number: float) -> str:
    """1000.0 -> '1000', 0.001 -> '0.001': a literal DuckDB reads as a whole or DECIMAL number, never DOUBLE."""
    return format(Decimal(repr(number)).normalize(), "f")


def _value(f: Field, raw: str, scale: float) -> str:
    """Typed value of one cell; numbers read the <raw>_nospace column of the clean stage."""
    blank = f"{raw}_blank"
    if f.kind == "text":
        return f"CASE WHEN {blank} THEN NULL ELSE {redacted_sql(raw + '_text')} END"
    if f.kind in {"amount", "amount_usd"}:
        zero = ", ".join(sql_string(t) for t in ZERO_TOKENS)
        # The accounting "nothing" tokens are blank tokens too: only blank cells need the look.
        return (
            f"CASE WHEN {blank} THEN CASE WHEN lower(trim({raw})) IN ({zero}) THEN 0 END "
            f"ELSE amount_cell({raw}, {raw}_nospace, {_decimal_literal(scale)}) END"
        )
    if f.kind == "integer":
        return f"CASE WHEN {blank} THEN NULL ELSE integer_from_nospace({raw}_nospace) END"
    if f.kind == "month":
        return (
            f"CASE WHEN {blank} THEN NULL ELSE coalesce(list_filter([integer_from_nospace({raw}_nospace)], "
            f"lambda m: m BETWEEN 1 AND 12)[1], month_number(trim({raw}))) END"
        )
    if f.kind == "share":
        return f"CASE WHEN {blank} THEN NULL ELSE share_from_nospace({raw}_nospace) END"
    parser = {"date": "parse_date", "deadline": "parse_deadline", "currency": "parse_currency"}[f.kind]
    return f"CASE WHEN {blank} THEN NULL ELSE {parser}({raw}) END"


def _invalid(f: Field, raw: str, value: str) -> str:
    blank = f"{raw}_blank"
    if f.kind == "deadline":
        return f"(NOT {blank} AND {value} IS NULL AND regexp_matches({raw}, '[0-9]'))"
    if f.kind == "currency":
        return f"(NOT {blank} AND coalesce({value} NOT IN ({_iso_currencies()}), true))"
    return f"(NOT {blank} AND {value} IS NULL)"


# Kinds whose cells repeat down a sheet (names, places, dates, currencies): read once per distinct value. Amounts and
# counts are mostly distinct: read row by row.
REPEATED_KINDS = {"text", "date", "deadline", "currency", "month", "share"}
# Optional fields that are neither money nor the date money is counted at: an unreadable cell is set to missing and
# its row loaded ("12 t" as a count; a deadline keeps its text beside).
CLEARABLE_KINDS = {"integer", "month", "share", "deadline"}


def _problem(column: str, raw: str, reason: str, action: str = "rejected") -> str:
    fr, en = REASONS[reason]
    if action == "cleared":
        fr, en = f"{fr} : cellule laissée vide, ligne chargée", f"{en}: cell left empty, row loaded"
    if action == "flagged":
        fr, en = f"{fr} : valeur chargée, à vérifier", f"{en}: value loaded, to be checked"
    # The raw value as written, except what identifies a person: ops.rejects is kept, and shown in receipts.
    header = personal_data.redact(column)
    return (
        f"{{'column_name': {sql_string(header)}, 'raw_value': {redacted_sql(raw, trimmed=False)}, "
        f"'reason_fr': {sql_string(fr)}, 'reason_en': {sql_string(en)}, 'action': '{action}'}}"
    )


def typed_select(layout: SheetLayout, cells: str) -> str:
    """SELECT over the landed cells giving every schema field typed, the row's currency and its problems.

    In stages (clean, type, check): the clean stage names each cell's blank flag and space-free text, which the
    parser macros take as columns. It is not materialised: writing millions of those out cost more than what
    DuckDB computes twice (measured with benchmarks/ingest.py). What a cell of a column of REPEATED_KINDS becomes
    (blank, repaired, redacted, typed, a name or not, a formula error, a total) depends on its value alone: it is
    computed once per distinct value of the column (the `c<i>_values` stages, joined back), not once per row;
    partners, places, sectors and dates repeat on thousands of rows.
    """
    schema: Schema = layout.schema
    by_name = {c.field.name: c for c in layout.columns}
    repeated = {f"c{c.index}" for c in layout.columns if c.field.kind in REPEATED_KINDS}
    texts = {f"c{c.index}" for c in layout.columns if c.field.kind == "text"}
    cleaned = []
    # Per repeated column: what each distinct value's cleaning gives (first level), then what is read from it.
    per_value: dict[str, tuple[list[str], list[str]]] = {raw: ([], []) for raw in sorted(repeated)}

    def per_cell(raw: str, name: str, expr: str) -> str:
        """`expr` over the cell `raw`: for a repeated column, the column `name` of its distinct values' stage (read
        once per value); else the expression itself, evaluated where it is used."""
        if raw not in per_value:
            return expr
        per_value[raw][1].append(f"{expr} AS {name}")
        return name

    def typed_value(raw: str, name: str, expr: str) -> None:
        """The value `v_<name>` of a field read from the cell `raw`: once per distinct value, or row by row."""
        if raw in per_value:
            per_value[raw][1].append(f"{expr} AS v_{name}")
            values_per_value.append(name)
        else:
            values[name] = expr

    for c in layout.columns:
        raw = f"c{c.index}"
        first_level = per_value[raw][0] if raw in repeated else cleaned
        first_level.append(f"{_blank(raw)} AS {raw}_blank")
        if raw in texts:
            first_level.append(
                f"CASE WHEN regexp_matches({raw}, {sql_string(MOJIBAKE_PATTERN)}) THEN repair_mojibake({raw}) "
                f"ELSE {raw} END AS {raw}_text"
            )
        if c.field.kind in {"amount", "amount_usd", "integer", "month", "share"}:
            nospace = f"amount_nospace({raw})"
            if c.thousands:
                nospace = f"replace({nospace}, '{c.thousands}', '')"
            first_level.append(f"{nospace} AS {raw}_nospace")

    values, values_per_value, checks, cleared = {}, [], [], {}
    for f in schema.fields:
        col = by_name.get(f.name)
        if col is None:
            values[f.name] = f"CAST(NULL AS {SQL_TYPES[f.kind]})"
            if f.kind == "deadline":
                values[f"{f.name}_text"] = "CAST(NULL AS VARCHAR)"
            continue
        raw = f"c{col.index}"
        typed_value(raw, f.name, _value(f, raw, col.scale))
        if f.kind == "deadline":
            typed_value(raw, f"{f.name}_text", f"CASE WHEN {raw}_blank THEN NULL ELSE trim({raw}) END")
        if f.kind in REASONS:
            action = "cleared" if f.kind in CLEARABLE_KINDS and not f.required else "rejected"
            if action == "cleared":
                cleared[f.name] = _invalid(f, raw, "v_" + f.name)
            checks.append((_invalid(f, raw, "v_" + f.name), _problem(col.header, raw, f.kind, action)))
        if f.kind in {"date", "deadline"}:
            earliest, latest = plausibility.date_bounds()
            implausible = f"coalesce(v_{f.name} NOT BETWEEN DATE '{earliest}' AND DATE '{latest}', false)"
            action = "cleared" if f.kind in CLEARABLE_KINDS and not f.required else "rejected"
            if action == "cleared":
                cleared[f.name] = f"({cleared.get(f.name, 'false')} OR {implausible})"
            checks.append((implausible, _problem(col.header, raw, "implausible_date", action)))
        if f.required:
            checks.append((f"{raw}_blank", _problem(col.header, raw, "required")))
        else:
            excel_error = per_cell(
                raw, f"{raw}_excel_error", f"regexp_full_match({raw}, {sql_string(EXCEL_ERROR_PATTERN)}, 'i')"
            )
            checks.append((f"({raw}_blank AND {excel_error})", _problem(col.header, raw, "excel_error", "cleared")))
        if f.kind in {"amount", "amount_usd"}:
            checks.append((f"scientific_notation({raw}_nospace)", _problem(col.header, raw, "scientific", "flagged")))
        if f.name in NAMING_FIELDS | NAMED_FIELDS:
            letters = f"length(regexp_replace({raw}, '[^\\p{{L}}]', '', 'g'))"
            not_a_name = per_cell(
                raw,
                f"{raw}_not_a_name",
                f"(NOT {raw}_blank AND (NOT regexp_matches({raw}, '\\p{{L}}{{2}}') OR "
                f"3 * {letters} < length(regexp_replace({raw}, '\\s', '', 'g'))))",
            )
            action = "rejected" if f.name in NAMING_FIELDS else "cleared"
            if action == "cleared":
                cleared[f.name] = not_a_name
            checks.append((not_a_name, _problem(col.header, raw, "name", action)))

    telling = [by_name[n] for n in schema.row_needs_any if n in by_name]
    # The whole line as read is the raw value of a problem with the line: nothing else in it to point at.
    line = f"concat_ws(' ; ', {', '.join(f'c{c.index}' for c in layout.columns if not c.constant)})"
    if telling:
        checks.append((" AND ".join(f"c{c.index}_blank" for c in telling), _problem("(ligne)", line, "says_nothing")))

    # A budget row with a label and no amount in any stage is a chapter or head-account heading (its lines follow).
    stages = [by_name[n] for n in schema.row_skipped_without if n in by_name]
    if stages:
        zero = ", ".join(sql_string(t) for t in ZERO_TOKENS)
        # Truly empty: not an accounting zero ("-") nor a failed formula (a line whose amount is lost, not a heading).
        empty = [
            f"(c{c.index}_blank AND coalesce(lower(trim(c{c.index})) NOT IN ({zero}), true) "
            f"AND NOT coalesce(regexp_full_match(c{c.index}, {sql_string(EXCEL_ERROR_PATTERN)}, 'i'), false))"
            for c in stages
        ]
        checks.append((" AND ".join(empty), _problem("(ligne)", line, "no_amount", "skipped")))

    # Currency of the row: written in an amount cell, else the currency column, else the header; NULL when the row
    # writes none (inbox._file_currency decides those rows' currency from the whole sheet).
    amount_cols = [c for c in layout.columns if c.field.kind == "amount"]
    currency_shapes = [f"c{c.index}" for c in amount_cols]
    cleaned += [f"currencies.{raw}_currency" for raw in currency_shapes]
    written = [f"c{c.index}_currency" for c in amount_cols]
    if "currency" in by_name:
        written.append("v_currency")
    written += [sql_string(h) for h in sorted({c.currency for c in amount_cols if c.currency})[:1]]
    currency = f"coalesce({', '.join(written + ['CAST(NULL AS VARCHAR)'])})"
    assumed = " AND ".join(w + " IS NULL" for w in written) or "true"
    for c in amount_cols:
        checks.append(
            (
                f"coalesce(c{c.index}_currency <> {currency}, false)",
                _problem(c.header, f"c{c.index}", "currency_conflict"),
            )
        )
    for c in [c for c in layout.columns if c.field.kind == "text"][:3]:
        total = per_cell(
            f"c{c.index}",
            f"c{c.index}_total",
            f"coalesce(regexp_full_match(c{c.index}, {sql_string(TOTAL_PATTERN)}, 'i'), false)",
        )
        checks.append((total, _problem(c.header, f"c{c.index}", "total", "skipped")))

    not_blank_row = " OR ".join(f"NOT c{c.index}_blank" for c in layout.columns if not c.constant)
    typed_values = "".join(f",\n        {v} AS v_{n}" for n, v in values.items())
    outputs = ",\n    ".join(
        f"CASE WHEN {cleared[n]} THEN NULL ELSE CAST(v_{n} AS {output_type(schema, n)}) END AS {n}"
        if n in cleared
        else f"CAST(v_{n} AS {output_type(schema, n)}) AS {n}"
        for n in [*values, *values_per_value]
        if n != "currency"
    )
    # The list of problems is only built for rows where one of the (cheap) conditions holds.
    any_problem = " OR ".join(f"({cond})" for cond, _ in checks) or "false"
    problems = ",\n            ".join(f"CASE WHEN {cond} THEN {problem} END" for cond, problem in checks) or "NULL"
    value_stages = "".join(
        f"""{raw}_values AS (
    SELECT *{"".join(", " + e for e in second)} FROM (
        SELECT {raw}, {", ".join(first)} FROM (SELECT DISTINCT {raw} FROM {cells}))
),
"""
        for raw, (first, second) in per_value.items()
    )
    # What currency an amount cell names, once per shape of the column's cells (parsers.sql: currency_shape): the
    # shapes are computed once, beside the line numbers only, and each row's currencies joined back by line.
    joins = "".join(
        f" LEFT JOIN {raw}_values ON cells.{raw} IS NOT DISTINCT FROM {raw}_values.{raw}" for raw in per_value
    )
    if currency_shapes:
        shapes = "".join(f", currency_shape({raw}) AS {raw}_shape" for raw in currency_shapes)
        value_stages += f"shaped AS MATERIALIZED (SELECT line_number{shapes} FROM {cells}),\n"
        value_stages += "".join(
            f"""{raw}_shapes AS (
    SELECT shape, cell_currency(shape) AS {raw}_currency
    FROM (SELECT DISTINCT {raw}_shape AS shape FROM shaped)
),
"""
            for raw in currency_shapes
        )
        by_shape = "".join(
            f" LEFT JOIN {raw}_shapes ON shaped.{raw}_shape IS NOT DISTINCT FROM {raw}_shapes.shape"
            for raw in currency_shapes
        )
        named = ", ".join(f"{raw}_currency" for raw in currency_shapes)
        value_stages += f"currencies AS (SELECT line_number, {named} FROM shaped{by_shape}),\n"
        joins += " LEFT JOIN currencies ON currencies.line_number = cells.line_number"
    from_values = "".join(f", {raw}_values.* EXCLUDE ({raw})" for raw in per_value)
    return f"""
WITH {value_stages}cleaned AS NOT MATERIALIZED (
    SELECT cells.*{"".join(", " + e for e in cleaned)}{from_values} FROM {cells} AS cells{joins}
),
typed AS (
    SELECT *{typed_values}
    FROM cleaned
    WHERE {not_blank_row}
)
SELECT
    line_number,
    {outputs},
    {currency} AS currency,
    ({assumed}) AS currency_assumed,
    CAST(NULL AS VARCHAR) AS amount_rule,
    CASE WHEN {any_problem} THEN list_filter([
            {problems}
        ], lambda p: p IS NOT NULL)
        ELSE [] END AS problems
FROM typed
"""


def typed_rows(layout: SheetLayout, cells: str) -> str:
    """typed_select with each row's fate: skipped (a total row), rejected (a blocking problem) or loaded."""
    return f"""
SELECT *, CASE WHEN len(problems) = 0 THEN 'loaded'
               WHEN list_contains(list_transform(problems, lambda p: p.action), 'skipped') THEN 'skipped'
               WHEN list_contains(list_transform(problems, lambda p: p.action), 'rejected') THEN 'rejected'
               ELSE 'loaded' END AS fate
FROM ({typed_select(layout, cells)})
"""
