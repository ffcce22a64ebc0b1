"""Amounts too far beyond their peers to be believed (1e18 in a partner's budget, a cell pasted into the wrong
column): loaded as read, flagged on the unit holding them, and kept out of totals until a person confirms them.

The rule and its bounds are in config/plausibility.yml (`amounts`): an amount is implausible when it is more than
`times_the_median` times the median of the other amounts of its column and currency in its file, and in the other
files of its source; a median needs `fewest_amounts` amounts, and a file too small for one is judged by its source's
alone. Each flagged amount is a row of ops.amounts_to_confirm (what dbt reads) and a `flagged` line of ops.rejects
(what the file's receipt shows).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ingest import plausibility
from ingest.schemas import MONEY, TABULAR_SCHEMAS
from ingest.values import output_columns


@dataclass(frozen=True)
class AmountsOf:
    """The amounts of one raw table, and how a unit of it is named (SQL over the table's columns)."""

    table: str
    amounts: tuple[str, ...]
    currency: str
    line: str = "line_number"
    sheet: str = "sheet"
    part: str = "NULL"


def _tabular(schema) -> AmountsOf:
    columns = output_columns(schema)
    # A partner's amount stated in USD beside its own is checked against the converted one (dq_stated_amount_...).
    amounts = tuple(name for name, sql_type in columns if sql_type == MONEY and name != "stated_usd")
    return AmountsOf(schema.table, amounts, "currency")


SOURCES = (
    *(_tabular(schema) for schema in TABULAR_SCHEMAS),
    AmountsOf("raw.iati_transactions", ("value",), "currency", "activity_index", "NULL", "transaction_index"),
    AmountsOf("raw.fts_flows", ("amount_usd",), "'USD'", "flow_index", "NULL"),
)


def flag_implausible(con: duckdb.DuckDBPyConnection, file_id: int, file_name: str, load_batch: str) -> int:
    """Flag the file's implausible amounts, in whichever raw tables its rows landed; the number flagged."""
    times, fewest = plausibility.amount_bounds()
    flagged = 0
    for source in SOURCES:
        for field in source.amounts:
            found = con.execute(_implausible_sql(source, field), [file_id, fewest, times]).fetchall()
            if not found:
                continue
            con.executemany(
                "INSERT INTO ops.amounts_to_confirm VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[file_id, source.table, *row[:3], field, *row[3:], load_batch] for row in found],
            )
            con.executemany(
                "INSERT INTO ops.rejects (file_id, file_name, sheet, line_number, column_name, raw_value, reason_fr, "
                "reason_en, load_batch, action) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'flagged')",
                [
                    [
                        file_id,
                        file_name,
                        sheet,
                        line,
                        field,
                        f"{amount:f}",
                        *_reasons(times, at_file, at_source),
                        load_batch,
                    ]
                    for sheet, line, _, amount, _, at_file, at_source in found
                ],
            )
            flagged += len(found)
    return flagged


def _grouped(number, lang: str) -> str:
    """A whole number with its thousands grouped: 100 000 in French (narrow spaces), 100,000 in English."""
    text = f"{number:,.0f}"
    return text.replace(",", "\u202f") if lang == "fr" else text


def _reasons(times: int, file_median, source_median) -> tuple[str, str]:
    medians = [
        (fr, en, m)
        for fr, en, m in (("du fichier", "the file's", file_median), ("de la source", "the source's", source_median))
        if m is not None
    ]
    peers_fr = " et ".join(f"{fr} ({_grouped(m, 'fr')})" for fr, _, m in medians)
    peers_en = " and ".join(f"{en} ({_grouped(m, 'en')})" for _, en, m in medians)
    return (
        f"montant implausible : plus de {_grouped(times, 'fr')} fois la médiane {peers_fr} ; chargé, compté hors "
        "totaux jusqu'à confirmation",
        f"implausible amount: more than {_grouped(times, 'en')} times the median of {peers_en}; loaded, left out of "
        "totals until confirmed",
    )


def _implausible_sql(source: AmountsOf, field: str) -> str:
    """(sheet, line, part, amount, currency, file median, source median) of each implausible amount of a file; the
    source's median is computed only for the currencies of the file's candidates."""
    currency = f"coalesce({source.currency}, '')"
    return f"""
        WITH amounts AS (
            SELECT {source.sheet} AS sheet, {source.line} AS line, {source.part} AS part, {currency} AS currency,
                   {field} AS amount, abs({field}) AS size
            FROM {source.table} WHERE file_id = $1 AND {field} IS NOT NULL AND {field} <> 0
        ),
        in_file AS (SELECT currency, median(size) AS median, count(*) AS n FROM amounts GROUP BY currency),
        candidates AS (
            SELECT a.*, f.median AS file_median, f.n AS file_n FROM amounts a JOIN in_file f USING (currency)
            WHERE f.n < $2 OR a.size > $3 * f.median
        ),
        in_source AS (
            SELECT {currency} AS currency, median(abs({field})) AS median, count(*) AS n
            FROM {source.table}
            WHERE file_id <> $1 AND {field} IS NOT NULL AND {field} <> 0
              AND {currency} IN (SELECT currency FROM candidates)
            GROUP BY ALL
        )
        SELECT c.sheet, c.line, c.part, c.amount, nullif(c.currency, ''),
               CASE WHEN c.file_n >= $2 THEN c.file_median END,
               CASE WHEN coalesce(s.n, 0) >= $2 THEN s.median END
        FROM candidates c LEFT JOIN in_source s USING (currency)
        WHERE (c.file_n >= $2 OR coalesce(s.n, 0) >= $2)
          AND (c.file_n < $2 OR c.size > $3 * c.file_median)
          AND (coalesce(s.n, 0) < $2 OR c.size > $3 * s.median)
        ORDER BY c.sheet, c.line, c.part
    """
