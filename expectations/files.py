"""Each incoming file's rows checked by its kind's stored GX suite before they can reach the marts.

The suites (expectations/gx/expectations/file_<kind>.json) are the row rules of each kind: budget stages each at
most the previous one, a plausible fiscal year, no negative amount, a currency the product converts. Ingestion
(ingest/inbox.py) rejects each row that breaks one, naming the rule, and loads the rest (the previous version of a
rejected budget line stays in force); only a file whose rows mostly break them is held back whole. The gate on the
marts (expectations/gate.py) guards what only the product can break, after transformation.

GX validates inside DuckDB, as the gate does: its SQL data source `incoming_files` reads the file's rows (batch
`one_file`, by file_id) on the ingestion's own connection, in the file's transaction before it commits
(expectations/duckdb_sql.py); each expectation is a query, no row is copied into Python.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

import duckdb

from config import EXPECTATIONS_DIR
from ingest.inbox import FailedCheck

# raw table -> the validation definition of its kind (expectations/gx/validation_definitions/).
FILE_SUITES = {
    "raw.budget_lines": "file_budget_lines",
    "raw.partner_reports": "file_partner_reports",
    "raw.commitments": "file_commitments",
}


@functools.cache
def _context():
    import great_expectations as gx  # slow import, kept out of DAG parsing

    import expectations.duckdb_sql  # noqa: F401 - registers the data source's dialect

    return gx.get_context(mode="file", project_root_dir=str(EXPECTATIONS_DIR))


@functools.cache
def _validation(name: str):
    """A stored validation definition, read from its file once per process (every incoming file uses it)."""
    return _context().validation_definitions.get(name)


def _parameters(con: duckdb.DuckDBPyConnection, table: str, today: dt.date) -> dict:
    # The currencies the facts convert: the ECB's, the euro and the two CFA francs at their peg. An unknown currency
    # (NULL: nothing in the file states it) is not refused: its amounts are kept unconverted and flagged.
    accepted = sorted(
        {c for (c,) in con.execute("SELECT DISTINCT currency FROM raw.ecb_euro_rates").fetchall()}
        | {"EUR", "XOF", "XAF"}
    )
    return {"accepted_currencies": accepted, "latest_fiscal_year": today.year + 5}


def _shown(value) -> str:
    """A value as the sender wrote it: 1195000000, not 1195000000.0000."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _failed(result) -> FailedCheck:
    cfg = result.expectation_config
    kwargs = cfg.kwargs
    columns = [kwargs[k] for k in ("column_B", "column_A", "column") if k in kwargs]
    res = result.result or {}
    # In file order, whatever order the query gave them in: the same file names the same lines first.
    rows = sorted(res.get("unexpected_index_list") or [], key=lambda row: (row.get("sheet") or "", row["line_number"]))
    lines = [
        (row.get("sheet"), int(row["line_number"]), " ; ".join(f"{c}={_shown(row.get(c))}" for c in columns))
        for row in rows
    ]
    return FailedCheck(
        expectation=cfg.type,
        column=" > ".join(columns),
        reason_fr=cfg.meta.get("fr", cfg.type),
        reason_en=cfg.meta.get("en", cfg.type),
        unexpected=int(res.get("unexpected_count") or 0),
        lines=lines,
    )


def check_file(
    con: duckdb.DuckDBPyConnection, file_id: int, tables: list[str], today: dt.date | None = None
) -> list[FailedCheck]:
    """The expectations a just-loaded file's rows break (none: it may go on), each with every line that breaks it."""
    suited = [table for table in tables if table in FILE_SUITES]
    if not suited:  # IATI, FTS, the GNR export: no suite of their kind, and no GX to import (seconds of a check)
        return []
    from expectations.duckdb_sql import sharing

    failed = []
    for table in suited:
        validation = _validation(FILE_SUITES[table])
        # GX's SQL engine names at most `partial_unexpected_count` failing rows (20 unless told): every row it can.
        [(rows,)] = con.execute(f"SELECT count(*) FROM {table} WHERE file_id = ?", [file_id]).fetchall()
        with sharing(con):
            outcome = validation.run(
                batch_parameters={"file_id": file_id},
                expectation_parameters=_parameters(con, table, today or dt.date.today()),
                result_format={
                    "result_format": "COMPLETE",
                    "unexpected_index_column_names": ["sheet", "line_number"],
                    "partial_unexpected_count": max(rows, 1),
                },
            )
        failed += [_failed(r) for r in outcome.results if not r.success]
    return failed
