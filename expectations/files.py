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

import duckdb

from ingest.inbox import FailedCheck
from warehouse.settings import EXPECTATIONS_DIR

# raw table -> the validation definition of its kind (expectations/gx/validation_definitions/).
FILE_SUITES = {
    "raw.budget_lines": "file_budget_lines",
    "raw.partner_reports": "file_partner_reports",
    "raw.commitments": "file_commitments",
}
# The budget facts are in FCFA of West Africa: a budget in another currency is held back until they convert it.
BUDGET_CURRENCIES = ["XOF"]
LINES_NAMED = 50  # per expectation in ops.rejects; the count says how many more


@functools.cache
def _context():
    import great_expectations as gx  # slow import, kept out of DAG parsing

    return gx.get_context(mode="file", project_root_dir=str(EXPECTATIONS_DIR))


def _parameters(con: duckdb.DuckDBPyConnection, table: str, today: dt.date) -> dict:
    if table == "raw.budget_lines":
        accepted = BUDGET_CURRENCIES
    else:
        accepted = sorted(
            {c for (c,) in con.execute("SELECT DISTINCT currency FROM raw.ecb_euro_rates").fetchall()} | {"EUR", "XOF"}
        )
    return {"accepted_currencies": accepted, "latest_fiscal_year": today.year + 5}


def _frame(con: duckdb.DuckDBPyConnection, table: str, file_id: int):
    """The file's rows, dates as ISO text (GX's pandas date comparisons are unreliable, ISO strings compare exactly)."""
    columns = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema || '.' || table_name = ? "
        "ORDER BY ordinal_position",
        [table],
    ).fetchall()
    exprs = [f"strftime({name}, '%Y-%m-%d') AS {name}" if dtype == "DATE" else name for name, dtype in columns]
    return con.execute(f"SELECT {', '.join(exprs)} FROM {table} WHERE file_id = ?", [file_id]).df()


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


def check_file(
    con: duckdb.DuckDBPyConnection, file_id: int, tables: list[str], today: dt.date | None = None
) -> list[FailedCheck]:
    """The expectations a just-loaded file breaks (none: it may go on), each with the lines that break it."""
    failed = []
    for table in tables:
        if table not in FILE_SUITES:
            continue
        frame = _frame(con, table, file_id)
        if frame.empty:
            continue
        validation = _context().validation_definitions.get(FILE_SUITES[table])
        outcome = validation.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=_parameters(con, table, today or dt.date.today()),
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["sheet", "line_number"]},
        )
        failed += [_failed(r) for r in outcome.results if not r.success]
    return failed
