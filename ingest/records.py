"""Landing rows built in Python (IATI, FTS) into raw tables, and their rejects into ops.rejects."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import duckdb
import pyarrow as pa

from ingest.schemas import MONEY


def money_text(value: object) -> str | None:
    """An amount as exact decimal text ('1500000', '12.5'), cast to the money type when it lands; None when it is
    empty, not a number or not finite. A JSON number (a float) is taken by its shortest repr, the text it was
    written as."""
    if value is None or isinstance(value, bool) or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        return None
    return format(number, "f") if number.is_finite() else None


def insert_records(
    con: duckdb.DuckDBPyConnection,
    table: str,
    types: dict[str, str],
    records: list[dict],
    file_id: int,
    load_batch: str,
) -> None:
    """Insert rows given as dicts keyed by the columns of `types` (column -> SQL type), with the file's lineage. A
    row's keys are the columns, no more and no fewer: a column forgotten or misspelt is an error, never a NULL."""
    if any(record.keys() != types.keys() for record in records):
        raise KeyError(f"{table}: rows whose columns are not {list(types)}")
    insert_rows(con, table, types, [tuple(record[c] for c in types) for record in records], file_id, load_batch)


# The Arrow type of the values rows hold for a column of each SQL type (money and dates arrive as text, cast when
# they land). Giving it spares Arrow guessing each column's type, which cost more than the insert on small batches.
_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    MONEY: pa.string(),
    "DATE": pa.string(),
    "INTEGER": pa.int64(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "DOUBLE": pa.float64(),
}


def _arrow_column(values: tuple, sql_type: str) -> pa.Array:
    arrow_type = _ARROW_TYPES.get(sql_type)
    try:
        return pa.array(values, type=arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        if arrow_type == pa.string():
            # A JSON number or boolean where a source writes text (an FTS budgetYear of 1e+18): its text, as written.
            return pa.array([None if v is None else str(v) for v in values], type=pa.string())
        return pa.array(values)  # values of another kind: Arrow's guess, cast in SQL


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    types: dict[str, str],
    rows: list[tuple],
    file_id: int,
    load_batch: str,
) -> None:
    """Insert rows given as tuples in the order of `types` (column -> SQL type), with the file's lineage: handed to
    DuckDB as one Arrow table, each column cast to its type in SQL."""
    if not rows:
        return
    columns = list(zip(*rows, strict=True))
    if len(columns) != len(types):
        raise KeyError(f"{table}: rows of {len(columns)} values for the columns {list(types)}")
    # DuckDB reads the Arrow table by this variable's name (a replacement scan): registering and unregistering it
    # cost more than the insert of a small batch.
    records_to_insert = pa.table(  # noqa: F841 - read by DuckDB by its name
        [_arrow_column(values, sql_type) for values, sql_type in zip(columns, types.values(), strict=True)],
        names=list(types),
    )
    casts = ", ".join(f"CAST({column} AS {sql_type})" for column, sql_type in types.items())
    con.execute(
        f"INSERT INTO {table} (file_id, load_batch, {', '.join(types)}) SELECT ?, ?, {casts} FROM records_to_insert",
        [file_id, load_batch],
    )


def insert_rejects(
    con: duckdb.DuckDBPyConnection,
    file_id: int,
    file_name: str,
    rejects: list[tuple],
    load_batch: str,
    action: str = "rejected",
) -> None:
    """Rejects as (position in the file, column, raw value, reason in French, reason in English)."""
    if rejects:
        con.executemany(
            "INSERT INTO ops.rejects (file_id, file_name, sheet, line_number, column_name, raw_value, reason_fr, "
            "reason_en, load_batch, action) VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)",
            [[file_id, file_name, *reject, load_batch, action] for reject in rejects],
        )
