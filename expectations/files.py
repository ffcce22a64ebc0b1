"""Each incoming file's rows checked by its kind's stored GX suite before they can reach the marts.

The suites (expectations/gx/expectations/file_<kind>.json) say what a file of that kind must hold: budget stages
each at most the previous one, a plausible fiscal year, no negative amount, a currency the product converts. A file
that breaks one is held back by ingestion (ingest/inbox.py): its rows are not loaded, the previous file of the same
source stays in force, and every failing line is named with the expectation it breaks. The gate on the marts
(expectations/gate.py) guards what only the product can break, after transformation.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os

import duckdb

from config import EXPECTATIONS_DIR
from expectations.batches import iso_select_list
from ingest.inbox import FailedCheck

# raw table -> the validation definition of its kind (expectations/gx/validation_definitions/).
FILE_SUITES = {
    "raw.budget_lines": "file_budget_lines",
    "raw.partner_reports": "file_partner_reports",
    "raw.commitments": "file_commitments",
}
LINES_NAMED = 50  # per expectation in ops.rejects; the count says how many more
# Rows per GX batch: a 2-million-row file is checked in pieces, so its pandas copy stays small.
CHUNK_ROWS = int(os.environ.get("FILE_CHECK_CHUNK_ROWS", 250_000))


@functools.cache
def _context():
    import great_expectations as gx  # slow import, kept out of DAG parsing

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


def _suite_columns(validation) -> list[str]:
    """The columns the suite's expectations read: only those are taken out of DuckDB."""
    kwargs = [e.configuration.kwargs for e in validation.suite.expectations]
    return sorted({kw[k] for kw in kwargs for k in ("column", "column_A", "column_B") if k in kw})


def _frames(con: duckdb.DuckDBPyConnection, table: str, file_id: int, columns: list[str]):
    """The file's rows in chunks of at most CHUNK_ROWS (every expectation here is about one row, so any split holds)."""
    exprs = ["sheet", "line_number", *iso_select_list(con, table, columns)]
    [(rows,)] = con.execute(f"SELECT count(*) FROM {table} WHERE file_id = ?", [file_id]).fetchall()
    chunks = max(1, math.ceil(rows / CHUNK_ROWS))
    for i in range(chunks if rows else 0):
        yield con.execute(
            f"SELECT {', '.join(exprs)} FROM {table} WHERE file_id = ? AND line_number % ? = ?", [file_id, chunks, i]
        ).df()


def _shown(value) -> str:
    """A value as the sender wrote it: 1195000000, not 1195000000.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _failed(result) -> FailedCheck:
    cfg = result.expectation_config
    kwargs = cfg.kwargs
    columns = [kwargs[k] for k in ("column_B", "column_A", "column") if k in kwargs]
    res = result.result or {}
    lines = [
        (row.get("sheet"), int(row["line_number"]), " ; ".join(f"{c}={_shown(row.get(c))}" for c in columns))
        for row in (res.get("unexpected_index_list") or [])[:LINES_NAMED]
    ]
    return FailedCheck(
        expectation=cfg.type,
        column=" > ".join(columns),
        reason_fr=cfg.meta.get("fr", cfg.type),
        reason_en=cfg.meta.get("en", cfg.type),
        unexpected=int(res.get("unexpected_count") or 0),
        lines=lines,
    )


def _merged(failures: list[FailedCheck]) -> list[FailedCheck]:
    """One failure per expectation across the chunks: counts added, the first lines named."""
    merged: dict[tuple[str, str], FailedCheck] = {}
    for f in failures:
        key = (f.expectation, f.column)
        if key in merged:
            m = merged[key]
            f = FailedCheck(
                f.expectation,
                f.column,
                f.reason_fr,
                f.reason_en,
                m.unexpected + f.unexpected,
                sorted(m.lines + f.lines, key=lambda ln: (ln[0] or "", ln[1]))[:LINES_NAMED],
            )
        merged[key] = f
    return list(merged.values())


def check_file(
    con: duckdb.DuckDBPyConnection, file_id: int, tables: list[str], today: dt.date | None = None
) -> list[FailedCheck]:
    """The expectations a just-loaded file breaks (none: it may go on), each with the lines that break it."""
    failed = []
    for table in tables:
        if table not in FILE_SUITES:
            continue
        validation = _validation(FILE_SUITES[table])
        parameters = _parameters(con, table, today or dt.date.today())
        for frame in _frames(con, table, file_id, _suite_columns(validation)):
            outcome = validation.run(
                batch_parameters={"dataframe": frame},
                expectation_parameters=parameters,
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["sheet", "line_number"]},
            )
            failed += [_failed(r) for r in outcome.results if not r.success]
    return _merged(failed)
