"""What GX's pandas data source is given: columns read from DuckDB with their dates as ISO text.

GX's pandas date comparisons are unreliable; ISO strings compare and parse exactly.
"""

from __future__ import annotations

import duckdb


def iso_select_list(con: duckdb.DuckDBPyConnection, table: str, columns: list[str] | None = None) -> list[str]:
    """SELECT expressions for `columns` of `schema.table` (all of them, in order, when None), DATE columns as ISO
    text; empty when the table does not exist."""
    schema, name = table.split(".")
    types = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position",
        [schema, name],
    ).fetchall()
    wanted = [c for c, _ in types] if columns is None else columns
    kinds = dict(types)
    return [f"strftime({c}, '%Y-%m-%d') AS {c}" if kinds.get(c) == "DATE" else c for c in wanted if c in kinds]
