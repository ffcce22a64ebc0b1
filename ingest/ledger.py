"""The warehouse's raw layer and its books: which file arrived, what became of each of its rows.

`ops.files`   one row per file seen (path, sha256, kind, size, times, rows read/loaded/rejected, status, error)
`ops.rejects` one row per unreadable cell (file, sheet, line, column, raw value, reason) and what became of it
              (`action`: the row rejected or skipped, the cell cleared, one transaction of an activity rejected)
`raw.*`       one table per kind of input, every row keeping file_id, sheet, line_number and load_batch
"""

from __future__ import annotations

import duckdb

from ingest import fts, gnr, iati
from ingest.schemas import MONEY, TABULAR_SCHEMAS, Schema
from ingest.values import output_columns

LINEAGE_COLUMNS = "file_id BIGINT NOT NULL, sheet VARCHAR, line_number BIGINT NOT NULL, load_batch VARCHAR NOT NULL"

OPS_DDL = """
CREATE SCHEMA IF NOT EXISTS ops;
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SEQUENCE IF NOT EXISTS ops.file_id_seq START 1;
CREATE TABLE IF NOT EXISTS ops.files (
    file_id BIGINT PRIMARY KEY,
    path VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    source_kind VARCHAR,
    size_bytes BIGINT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    load_batch VARCHAR NOT NULL,
    rows_read BIGINT NOT NULL DEFAULT 0,
    rows_loaded BIGINT NOT NULL DEFAULT 0,
    rows_rejected BIGINT NOT NULL DEFAULT 0,
    status VARCHAR NOT NULL,          -- loaded | held_back | rejected | duplicate
    error VARCHAR,                    -- French / English, for a data officer
    duplicate_of BIGINT,
    sheets VARCHAR[],
    columns_dropped_personal VARCHAR[],
    columns_ignored VARCHAR[]
);
CREATE TABLE IF NOT EXISTS ops.rejects (
    file_id BIGINT NOT NULL,
    file_name VARCHAR NOT NULL,
    sheet VARCHAR,
    line_number BIGINT NOT NULL,
    column_name VARCHAR,
    raw_value VARCHAR,
    reason_fr VARCHAR NOT NULL,
    reason_en VARCHAR NOT NULL,
    load_batch VARCHAR NOT NULL
);
-- Added after the first warehouses were made: the columns below are added in place (ensure_tables).
ALTER TABLE ops.files ADD COLUMN IF NOT EXISTS rows_skipped BIGINT DEFAULT 0;
ALTER TABLE ops.files ADD COLUMN IF NOT EXISTS encoding VARCHAR;
ALTER TABLE ops.files ADD COLUMN IF NOT EXISTS notes VARCHAR[];   -- what was decided about the file, and why
-- A held-back file's rows that would have loaded (rows_loaded is 0): read = loaded + held back + skipped + rejected.
ALTER TABLE ops.files ADD COLUMN IF NOT EXISTS rows_held_back BIGINT DEFAULT 0;
-- rejected: the row is not loaded | skipped: not a data row (subtotal, repeated sheet) | cleared: the cell of an
-- optional field set to missing, its row loaded | flagged: a value loaded as read but to be checked (scientific
-- notation) | part_rejected: one part of a record (an IATI transaction) |
-- held_back: a line breaking an expectation of its file's kind, the whole file held back
ALTER TABLE ops.rejects ADD COLUMN IF NOT EXISTS action VARCHAR DEFAULT 'rejected';
-- The import profiles applied to the file (inbox/_profils/<name>@<sha256 prefix>), and for a file whose headers were
-- not recognised, the profile the product suggests writing.
ALTER TABLE ops.files ADD COLUMN IF NOT EXISTS profiles VARCHAR[];
ALTER TABLE ops.files ADD COLUMN IF NOT EXISTS suggested_profile VARCHAR;
-- The reading core's fingerprint the file was read under (ingest/inbox.py reading_core): NULL for files read before
-- it was recorded, so that an upgrade reads again every file not read whole.
ALTER TABLE ops.files ADD COLUMN IF NOT EXISTS reading_core VARCHAR;
"""
# Amounts flagged as implausible (ingest/amounts.py): the unit holding each one (a row; an IATI activity and its
# transaction; an FTS flow), kept out of totals until a person confirms it (dbt seed confirmed_amounts).
AMOUNTS_TO_CONFIRM_DDL = f"""
CREATE TABLE IF NOT EXISTS ops.amounts_to_confirm (
    file_id BIGINT NOT NULL,
    source_table VARCHAR NOT NULL,
    sheet VARCHAR,
    line_number BIGINT NOT NULL,
    part_index BIGINT,
    field VARCHAR NOT NULL,
    amount {MONEY} NOT NULL,
    currency VARCHAR,
    file_median {MONEY},
    source_median {MONEY},
    load_batch VARCHAR NOT NULL
)
"""


def raw_table_ddl(schema: Schema) -> str:
    columns = ", ".join(f"{name} {sql_type}" for name, sql_type in output_columns(schema))
    return (
        f"CREATE TABLE IF NOT EXISTS {schema.table} ({LINEAGE_COLUMNS}, {columns}, currency_assumed BOOLEAN NOT NULL)"
    )


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(OPS_DDL)
    con.execute(AMOUNTS_TO_CONFIRM_DDL)
    for schema in TABULAR_SCHEMAS:
        con.execute(raw_table_ddl(schema))
        # A warehouse made before a field was added gets the new column (NULL for rows loaded before).
        for name, sql_type in output_columns(schema):
            con.execute(f"ALTER TABLE {schema.table} ADD COLUMN IF NOT EXISTS {name} {sql_type}")
        # The rule that changed a row's amounts from what the file wrote (a project budget split over its places).
        con.execute(f"ALTER TABLE {schema.table} ADD COLUMN IF NOT EXISTS amount_rule VARCHAR")
    iati.ensure_tables(con)
    fts.ensure_tables(con)
    gnr.ensure_tables(con)
    _convert_amounts_to_the_money_type(con)


def _money_columns() -> list[tuple[str, str]]:
    """(table, column) of every amount the raw tables declare, all of the one money type."""
    return (
        [(s.table, name) for s in TABULAR_SCHEMAS for name, sql_type in output_columns(s) if sql_type == MONEY]
        + [(table, c) for table, columns in iati.TABLES.items() for c, t in columns.items() if t == MONEY]
        + [("raw.fts_flows", c) for c, t in fts.FLOW_COLUMNS.items() if t == MONEY]
        + [(table, c) for table, (_, columns) in gnr.TABLES.items() for c, (t, _) in columns.items() if t == MONEY]
    )


def _convert_amounts_to_the_money_type(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse landed before amounts had one type (DECIMAL(20, 2) or DOUBLE) has them converted in place."""
    actual = {
        (f"{schema}.{table}", column): data_type
        for schema, table, column, data_type in con.execute(
            "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = 'raw'"
        ).fetchall()
    }
    for table, column in _money_columns():
        if actual.get((table, column)) != MONEY.replace(" ", ""):
            con.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {MONEY}")


# One row per unit a file is counted in: a tabular row, an IATI activity, an FTS flow.
LOADED_ROWS = [s.table for s in TABULAR_SCHEMAS] + ["raw.iati_activities", "raw.fts_flows", *gnr.TABLES]


def accounting_mismatches(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Files whose rows read differ from rows loaded + held back + skipped + rejected, counted in the tables."""
    loaded = " UNION ALL ".join(f"SELECT file_id FROM {table}" for table in LOADED_ROWS)
    return con.execute(f"""
        WITH loaded AS (SELECT file_id, count(*) AS n FROM ({loaded}) GROUP BY file_id),
             rejected AS (SELECT file_id, count(DISTINCT (sheet, line_number)) FILTER (action = 'rejected') AS n,
                                 count(DISTINCT (sheet, line_number)) FILTER (action = 'skipped') AS skipped
                          FROM ops.rejects GROUP BY file_id)
        SELECT f.file_name, f.rows_read, coalesce(l.n, 0) AS loaded, coalesce(r.skipped, 0) AS skipped,
               coalesce(r.n, 0) AS rejected
        FROM ops.files f
        LEFT JOIN loaded l USING (file_id)
        LEFT JOIN rejected r USING (file_id)
        WHERE f.status IN ('loaded', 'held_back')
          AND (f.rows_read <> coalesce(l.n, 0) + coalesce(f.rows_held_back, 0) + coalesce(r.skipped, 0)
                              + coalesce(r.n, 0)
               OR f.rows_loaded <> coalesce(l.n, 0) OR f.rows_rejected <> coalesce(r.n, 0)
               OR coalesce(f.rows_skipped, 0) <> coalesce(r.skipped, 0))
    """).fetchall()
